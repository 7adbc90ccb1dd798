#!/bin/sh
# test_tui_audit.sh: the audit trail in the console (HIS-1, issue 8).
# T opens the whole trail from any pane, newest first; f filters it by
# staff (and kind of record, dates: a bad date range is refused in the
# form); Enter opens an entry with its old and new values; H on a
# selected account or ticket opens that record's trail (after an edit,
# the edit is there with the values before and after); no key changes the
# trail; End reaches the oldest entry and moving up pages back correctly
# on a trail of thousands of entries.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2026-05-14 >/dev/null || fail "account add"
kc account edit K-000001 --email josee.t@example.com >/dev/null || fail "account edit"
kc ticket add --account K-000001 --priority standard --subject "No dial tone" \
	--received "2026-06-15 10:00" >/dev/null || fail "ticket add"
kc staff add alice --role agent --name "Alice Tremblay" >/dev/null || fail "staff add"
me=$(kc staff list --format csv | awk -F, '$3 == "admin" { print $1 }')
[ -n "$me" ] || fail "no admin on the staff list"
# The staff choice of the filter: (anyone), then the members by user name.
pos() { kc staff list --format csv | sed 1d | cut -d, -f1 | grep -nx -- "$1" | cut -d: -f1; }
right() { i=0; while [ "$i" -lt "$1" ]; do printf '<Right>'; i=$((i + 1)); done; echo; }
n_staff=$(kc staff list --format csv | sed 1d | wc -l)
to_alice=$(right "$(pos alice)")
# From alice to me: the choice wraps around after the last member.
to_me=$(right $(( ($(pos "$me") - $(pos alice) + n_staff + 1) % (n_staff + 1) )))
before=$(kc audit list --format csv | sed 1d | wc -l)

cat >"$t/keys" <<EOF
T
:save-display $t/trail.txt
f
$to_alice
<F2>
:save-display $t/alice.txt
f
$to_me
<F2>
:save-display $t/me.txt
f
<Tab>
<Right>
<Tab><Tab>
:type 2026-06-22
<Tab>
:type 2026-06-21
<F2>
:save-display $t/badrange.txt
<Esc>
f
<Tab>
<Right>
<F2>
:save-display $t/accounts-only.txt
<Enter>
:save-display $t/entry.txt
<Esc>
e
:save-display $t/noedit.txt
c
:save-display $t/nocreate.txt
EOF
tui_run_script "$t/keys"
screen_has "T opens the audit view" "> Audit" "$t/trail.txt"
screen_has "trail: the edit" "Edited: email address" "$t/trail.txt"
screen_has "trail: the account opened" "Account opened (K-000001" "$t/trail.txt"
screen_has "trail: the ticket" "ticket 1" "$t/trail.txt"
first=$(grep -n 'staff 2 ' "$t/trail.txt" | head -1 | cut -d: -f1)
edit=$(grep -n 'Edited: email address' "$t/trail.txt" | head -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$edit" ] && [ "$first" -lt "$edit" ] \
	|| fail "trail not newest first: $(cat "$t/trail.txt")"
echo "ok - newest first (the staff member added last is on top)"
screen_has "filter by alice: shown in the tab bar" "> Audit [alice]" "$t/alice.txt"
screen_has "filter by alice: she changed nothing" "No audit entry matches" "$t/alice.txt"
screen_has "filter by $me: shown" "> Audit [$me]" "$t/me.txt"
screen_has "filter by $me: the edit" "Edited: email address" "$t/me.txt"
screen_has "filter: a reversed date range is refused" "The date 2026-06-22 is after 2026-06-21" \
	"$t/badrange.txt"
screen_has "filter by kind of record" "[$me, account]" "$t/accounts-only.txt"
screen_lacks "accounts only: no ticket" "ticket 1" "$t/accounts-only.txt"
screen_lacks "accounts only: no staff" "staff 2" "$t/accounts-only.txt"
screen_has "Enter opens the entry" "Audit entry" "$t/entry.txt"
screen_has "entry: who" "$me" "$t/entry.txt"
screen_has "entry: old and new values" \
	'email: "josee@example.com" → "josee.t@example.com"' "$t/entry.txt"
screen_has "entry: the account" "K-000001" "$t/entry.txt"
screen_has "no edit in the trail (HIS-1)" "Edit is not available here" "$t/noedit.txt"
screen_has "no new entry from the console (HIS-1)" "New is not available here" "$t/nocreate.txt"
assert_eq "the trail was only read" "$before" "$(kc audit list --format csv | sed 1d | wc -l)"

# Per record: H on the account after an edit, then on the ticket.
kc account edit K-000001 --phone 514-555-0199 >/dev/null || fail "second edit"
cat >"$t/keys2" <<EOF
H
:save-display $t/account.txt
<Enter>
:save-display $t/account-entry.txt
<Esc>
<Esc>
<Tab><Tab>
H
:save-display $t/ticket.txt
EOF
tui_run_script "$t/keys2"
screen_has "H: the account's own trail" "> Audit of K-000001" "$t/account.txt"
screen_has "account trail: the edits" "Edited: " "$t/account.txt"
screen_has "account trail: the opening" "Account opened (K-000001" "$t/account.txt"
screen_lacks "account trail: not the ticket" "ticket 1" "$t/account.txt"
screen_lacks "account trail: not the staff" "staff 2" "$t/account.txt"
screen_has "the newest edit is selected" "── Edited: " "$t/account.txt"
screen_has "its values before and after" 'phone: "" → "514-555-0199"' "$t/account-entry.txt"
screen_has "entry opened from the record's trail" "Audit entry" "$t/account-entry.txt"
screen_has "H on a ticket: its trail" "> Audit of ticket 1" "$t/ticket.txt"
screen_has "ticket trail: its opening" "ticket 1" "$t/ticket.txt"
screen_lacks "ticket trail: not the account" "account 1 " "$t/ticket.txt"

# A long trail: End reaches the oldest entry (paging back from the end
# bisects the keyset bound), moving up and paging up step one entry and
# one screen at a time, Home is the newest again.
KC_DB="$t/demo.sqlite"
tui_demo 60
newest=$(kc audit list --format csv --limit 1 2>/dev/null | sed 1d | cut -d, -f1)
[ "$newest" -gt 200 ] || fail "demo trail too short: $newest entries"
cat >"$t/keys3" <<EOF
T
G
<Enter>
:save-display $t/oldest.txt
<Esc>
kkk
<Enter>
:save-display $t/up3.txt
<Esc>
<PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp>
<Enter>
:save-display $t/pgup.txt
<Esc>
g
<Enter>
:save-display $t/newest.txt
EOF
tui_run_script "$t/keys3"
screen_has "End: the oldest entry" "Audit entry 1 " "$t/oldest.txt"
screen_has "three up: entry 4" "Audit entry 4 " "$t/up3.txt"
grep -o 'Audit entry [0-9]*' "$t/pgup.txt" >"$t/pgup.id" || fail "no entry after PgUp: $(cat "$t/pgup.txt")"
n=$(sed 's/.* //' "$t/pgup.id")
# Twelve pages of the same size up from entry 4.
step=$(( (n - 4) / 12 ))
[ "$step" -gt 1 ] && [ $((4 + 12 * step)) -eq "$n" ] || fail "PgUp x12 from entry 4 reached entry $n"
echo "ok - PgUp moves back a page at a time ($step entries a page)"
screen_has "Home: the newest entry" "Audit entry $newest " "$t/newest.txt"
pass
