#!/bin/sh
# test_tui_french.sh: under LANG=fr_CA.UTF-8 the console speaks French
# (po/fr.po), shows amounts the Quebec way ("0,00 $" with no-break spaces)
# and draws accented names whole.  Skips only when fr.gmo was not built.
# The French texts are looked up in the catalog itself, so the test checks
# that the screen uses the translations, whatever their wording.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
[ -n "${KENOCONSOLE_LOCALEDIR:-}" ] || skip "fr.gmo not built"
locale -a 2>/dev/null | grep -qi '^fr_CA\.utf-\{0,1\}8$' || skip "locale fr_CA.UTF-8 not installed"
command -v gettext >/dev/null 2>&1 || skip "gettext(1) not installed"
unset LANGUAGE LC_ALL LC_MESSAGES
export LANG=fr_CA.UTF-8
t=$(kc_tmpdir)
tui_demo 20

# fr VAR MSGID: VAR = the French text of an English message, from the
# catalog; fails when po/fr.po does not translate it.
fr() {
	v=$(TEXTDOMAINDIR="$KENOCONSOLE_LOCALEDIR" LC_ALL=fr_CA.UTF-8 gettext -d kenoconsole -- "$2")
	[ -n "$v" ] && [ "$v" != "$2" ] || fail "po/fr.po does not translate \"$2\""
	eval "$1=\$v"
}
fr ACCOUNTS "Accounts"
fr HOLDER "Holder"
fr HELP "Help"
fr ACTIVE "active"
fr NEW_ACCOUNT "New account"
fr ENLARGE "Please enlarge the window (80x24 minimum)"
fr BANNER "READ-ONLY"
fr REFUSED "Read-only: changes are not allowed"

cat >"$t/keys" <<EOF
:save-display $t/list.txt
c
:save-display $t/form.txt
:resize 60x15
:save-display $t/small.txt
:resize 80x24
<Esc>
EOF
tui_run_script "$t/keys"
screen_has "tab in French" "$ACCOUNTS (20)" "$t/list.txt"
screen_has "column heading in French" "$HOLDER" "$t/list.txt"
screen_has "key hints in French" "F1 $HELP" "$t/list.txt"
screen_has "status word in French" "$ACTIVE" "$t/list.txt"
screen_has "Quebec amounts (no-break spaces)" "$(printf '0,00\302\240$')" "$t/list.txt"
screen_has "accented names drawn whole" "Étienne Beaulieu" "$t/list.txt"
screen_lacks "no English heading left" "Accounts (" "$t/list.txt"
screen_has "form title in French" "$NEW_ACCOUNT" "$t/form.txt"
screen_has "too-small screen in French" "$ENLARGE" "$t/small.txt"

cat >"$t/ro.keys" <<EOF
e
:save-display $t/ro.txt
EOF
tui_run_script "$t/ro.keys" --read-only
screen_has "read-only banner in French" "$BANNER" "$t/ro.txt"
screen_has "read-only refusal in French" "$REFUSED" "$t/ro.txt"
pass
