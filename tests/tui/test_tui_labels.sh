#!/bin/sh
# test_tui_labels.sh: label columns in French.  Text views pad their
# labels by display width, not by bytes: "État", "Priorité", "Catégorie"
# line their values up with "Compte" in a ticket, and "Date (échéance)"
# keeps its column in an invoice.  The label-value separator of the detail
# panels is the catalog's ("label" context: French puts a no-break space
# before the colon).  Skips when fr.gmo or the locale is missing.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
[ -n "${KENOCONSOLE_LOCALEDIR:-}" ] || skip "fr.gmo not built"
locale -a 2>/dev/null | grep -qi '^fr_CA\.utf-\{0,1\}8$' || skip "locale fr_CA.UTF-8 not installed"
command -v gettext >/dev/null 2>&1 || skip "gettext(1) not installed"
t=$(kc_tmpdir)
export LC_ALL=C.UTF-8
unset LANGUAGE
kc init >/dev/null || fail "init"
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2026-05-14 >/dev/null || fail "account add"
kc account activate K-000001 --welcome-call 2026-05-21 >/dev/null || fail "activate"
kc ticket add --account K-000001 --priority standard --subject "Pas de tonalité" \
	--received "2026-06-15 10:00" >/dev/null || fail "ticket add"
kc invoice run >/dev/null || fail "invoice run"

# fr VAR MSGID [CONTEXT]: VAR = the French text from the catalog.
fr() {
	if [ -n "${3:-}" ]; then
		v=$(TEXTDOMAINDIR="$KENOCONSOLE_LOCALEDIR" LC_ALL=fr_CA.UTF-8 \
			gettext -c "$3" -d kenoconsole -- "$2")
	else
		v=$(TEXTDOMAINDIR="$KENOCONSOLE_LOCALEDIR" LC_ALL=fr_CA.UTF-8 \
			gettext -d kenoconsole -- "$2")
		[ "$v" != "$2" ] || fail "po/fr.po does not translate \"$2\""
	fi
	eval "$1=\$v"
}
fr ACCOUNT "Account"
fr PRIORITY "Priority"
fr STATE "State"
fr CATEGORY "Category"
fr DUE "Response due"
fr DATE_DUE "Date (due)"
# The separator keeps its spaces: gettext(1) would print them, $() keeps
# them too (only final newlines go).
fr SEP ": " label

unset LC_ALL
export LANG=fr_CA.UTF-8
cat >"$t/keys" <<EOF
<Tab><Tab>
:save-display $t/tickets.txt
<Enter>
:save-display $t/ticket.txt
<Esc>
<BackTab>
<Enter>
:save-display $t/invoice.txt
EOF
tui_run_script "$t/keys"

# column LABEL FILE: the display column where the value after LABEL starts
# in the text view's box ("│ LABEL   value").
column() {
	line=$(grep -F -- "│ $1 " "$2" | head -1)
	[ -n "$line" ] || { cat "$2" >&2; fail "no line for \"$1\""; }
	rest=${line#*"│ $1"}
	spaces=${rest%%[! ]*}
	echo $(( $(printf '%s' "$1" | LC_ALL=C.UTF-8 wc -m) + $(printf '%s' "$spaces" | wc -c) ))
}
for label in "$ACCOUNT" "$PRIORITY" "$STATE" "$CATEGORY" "$DUE"; do
	assert_eq "ticket: the value after \"$label\" in the label column" 15 "$(column "$label" "$t/ticket.txt")"
done
assert_eq "invoice: the value after \"$DATE_DUE\" in the label column" 17 \
	"$(column "$DATE_DUE" "$t/invoice.txt")"
assert_eq "invoice: the value after \"$ACCOUNT\" in the same column" 17 \
	"$(column "$ACCOUNT" "$t/invoice.txt")"
screen_has "detail: the catalog's separator after a label" "$PRIORITY${SEP}Standard" "$t/tickets.txt"
pass
