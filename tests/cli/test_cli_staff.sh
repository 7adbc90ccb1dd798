#!/bin/sh
# test_cli_staff.sh: staff roles (who may do what) and the audit trail view.
# staff list/add/role/disable/enable (admin only, audited, the last admin
# kept), the role each command needs (agent: accounts and tickets; billing:
# invoices, payments, credits; admin: closures and staff) with one clear
# refusal that changes nothing, and `audit list` (HIS-1) with every filter,
# old and new values, keyset paging and the three formats.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 (the command-line shell) is not installed"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
me=$(id -un)
kc init >/dev/null || fail "init"
# Only the staff table decides (the environment is no identity).
export USER=mallory LOGNAME=mallory

# --- staff list / add ---------------------------------------------------------
assert_eq "the creator is the first admin" "username,display_name,role,active,created_at
$me,,admin,true,2026-06-21T20:00:00Z" "$(kc staff list --format csv)"
out=$(kc staff add alice --role agent --name "Alice Tremblay"); rc=$?
assert_eq "staff add exits 0" 0 "$rc"
assert_eq "staff add says so" "alice is on the staff list with the agent role." "$out"
kc staff add bob --role billing >/dev/null || fail "add bob"
kc staff add alice --role agent >/dev/null 2>"$t/err"; rc=$?
assert_eq "duplicate: exit 1" 1 "$rc"
assert_contains "duplicate: message" "alice is already on the staff list" "$(cat "$t/err")"
kc staff add carol >/dev/null 2>"$t/err"; rc=$?
assert_eq "no --role: exit 2" 2 "$rc"
assert_contains "no --role: message" "Give a role with --role" "$(cat "$t/err")"
kc staff add carol --role boss >/dev/null 2>"$t/err"; rc=$?
assert_eq "unknown role: exit 2" 2 "$rc"
kc staff add 'bad name' --role agent >/dev/null 2>"$t/err"; rc=$?
assert_eq "bad user name: exit 1" 1 "$rc"
assert_contains "bad user name: message" "letters, digits" "$(cat "$t/err")"
kc staff add carol --role agent --name "$(printf 'two\nlines')" >/dev/null 2>&1; rc=$?
assert_eq "control character in the name: exit 1" 1 "$rc"
assert_eq "refused adds wrote nothing" 3 "$(kc staff list --format csv | sed 1d | wc -l)"
kc staff list --format json >"$t/json" || fail "json"
check "json: role key and active flag" grep -q '"username": "alice", "display_name": "Alice Tremblay", "role": "agent", "active": true' "$t/json"
out=$(kc staff list)
assert_contains "text: translated role label" "administrator" "$out"
assert_contains "text: header" "User" "$out"

# --- role / disable / enable ----------------------------------------------------
assert_eq "staff role" "alice now has the billing role." "$(kc staff role alice billing)"
assert_eq "staff role, same again" "alice already has the billing role." "$(kc staff role alice BILLING)"
kc staff role alice agent >/dev/null || fail "back to agent"
kc staff role nobody agent >/dev/null 2>"$t/err"; rc=$?
assert_eq "unknown member: exit 1" 1 "$rc"
assert_contains "unknown member: message" "nobody is not on the staff list" "$(cat "$t/err")"
kc staff role "$me" agent >/dev/null 2>"$t/err"; rc=$?
assert_eq "last admin cannot step down" 1 "$rc"
assert_contains "last admin: message" "last active administrator" "$(cat "$t/err")"
kc staff disable "$me" >/dev/null 2>"$t/err"; rc=$?
assert_eq "last admin cannot be disabled" 1 "$rc"
assert_contains "disable" "bob is disabled" "$(kc staff disable bob)"
assert_eq "disable twice" "bob was already disabled." "$(kc staff disable bob)"
assert_eq "enable" "bob is enabled again." "$(kc staff enable bob)"
assert_eq "list after: bob active, billing" "bob,,billing,true" \
	"$(kc staff list --format csv | grep '^bob,' | cut -d, -f1-4)"

# --- roles of the commands ----------------------------------------------------------
kc account add --holder "Émilie Côté" --email e@cote.example --province QC --level basic \
	--voipms-client 100001 --signed-on 2026-06-01 >/dev/null || fail "account"
kc account activate K-000001 --welcome-call 2026-06-05 >/dev/null || fail "activate"
kc ticket add --account 1 --priority standard --subject "Écho" >/dev/null || fail "ticket"
kc invoice run --as-of 2026-06-05 --quiet >/dev/null || fail "invoice run"

# Become an agent (a second admin keeps the database managed), then billing.
kc staff add dana --role admin >/dev/null || fail "second admin"
as_role() { sqlite3 "$KC_DB" "UPDATE staff SET role = '$1' WHERE username = '$me'" || fail "set role $1"; }
snapshot() { sqlite3 "$KC_DB" "SELECT (SELECT count(*) FROM audit) || ',' ||
	(SELECT count(*) FROM payments) || ',' || (SELECT count(*) FROM staff) || ',' ||
	(SELECT group_concat(status) FROM accounts) || ',' || (SELECT count(*) FROM ticket_events)"; }
# refused ROLE_NEEDED ROLE_HELD COMMAND...: exit 1, the one message, nothing written.
refused() {
	need=$1 have=$2
	shift 2
	before=$(snapshot)
	kc "$@" >"$t/out" 2>"$t/err"; rc=$?
	[ "$rc" = 1 ] || fail "$*: exit $rc, want 1 ($(cat "$t/err"))"
	assert_eq "$* as $have: one clear refusal" \
		"kenoconsole: This needs the $need role; $me has the $have role." "$(cat "$t/err")"
	assert_eq "$* as $have: nothing written" "$before" "$(snapshot)"
}
allowed() {
	kc "$@" >"$t/out" 2>"$t/err" || fail "$*: refused ($(cat "$t/err"))"
	echo "ok - $* allowed"
}

as_role agent
refused billing agent payment add --account 1 --amount 10 --method cheque
refused billing agent invoice run --as-of 2026-07-05
refused billing agent credit add --account 1 --amount 5
refused billing agent overdue --suspend
refused administrator agent account close 1 --reason harm
refused administrator agent staff add erin --role agent
refused administrator agent staff disable alice
allowed account edit 1 --phone 514-555-0199
allowed ticket reply 1 --text "Nous regardons."
allowed account high-risk 1 off
allowed payment list --account 1
allowed audit list --limit 1
allowed staff list

as_role billing
refused agent billing account edit 1 --phone 514-555-0100
refused agent billing ticket note 1 --text "x"
refused administrator billing staff role alice billing
allowed payment add --account 1 --amount 10 --method cheque
allowed credit add --account 1 --amount 5 --source goodwill
as_role admin
allowed account edit 1 --phone 514-555-0100
allowed payment add --account 1 --amount 1 --method cheque

# Disabled: refused everything that writes, told so.
kc staff disable alice >/dev/null || fail "disable alice"
sqlite3 "$KC_DB" "UPDATE staff SET active = 0 WHERE username = '$me'" || fail "disable me"
kc account edit 1 --phone 514-555-0111 >/dev/null 2>"$t/err"; rc=$?
assert_eq "disabled member refused" 1 "$rc"
assert_contains "disabled: message" "$me is disabled on the staff list" "$(cat "$t/err")"
sqlite3 "$KC_DB" "DELETE FROM staff WHERE username = '$me'" || fail "remove me"
kc account edit 1 --phone 514-555-0111 >/dev/null 2>"$t/err"; rc=$?
assert_eq "not on the list: refused" 1 "$rc"
assert_contains "not on the list: message" "$me is not on the staff list" "$(cat "$t/err")"
sqlite3 "$KC_DB" "INSERT INTO staff (username, role, created_at) VALUES ('$me', 'admin', '2026-06-21T20:00:00Z')" \
	|| fail "restore me"

# --- audit list (HIS-1) ----------------------------------------------------------------
csv=$(kc audit list --format csv)
assert_eq "audit csv header" "id,at,staff,entity,entity_id,account_id,action,old_values,new_values" \
	"$(echo "$csv" | head -n 1)"
total=$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit")
assert_eq "every row listed" "$total" "$(echo "$csv" | sed 1d | wc -l)"
assert_eq "newest first" "$(sqlite3 "$KC_DB" "SELECT max(id) FROM audit")" \
	"$(echo "$csv" | sed -n 2p | cut -d, -f1)"
assert_contains "role change with old and new values" \
	'staff,2,0,staff.role,"{""role"":""agent""}","{""role"":""billing""}"' "$csv"
out=$(kc audit list --entity staff --id 2)
assert_contains "text: old → new" 'role: "agent" → "billing"' "$out"
assert_contains "text: the record" "staff 2" "$out"
assert_eq "--entity --id: alice's rows only" \
	"$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit WHERE entity = 'staff' AND entity_id = 2")" \
	"$(kc audit list --entity staff --id 2 --format csv | sed 1d | wc -l)"
acc=$(kc audit list --account K-000001 --format csv | sed 1d)
assert_eq "--account: that account's rows" \
	"$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit WHERE account_id = 1")" "$(echo "$acc" | wc -l)"
assert_eq "--account: nothing else" "" "$(echo "$acc" | cut -d, -f6 | grep -v '^1$')"
assert_contains "--account: the phone edit, old and new" \
	'account.edit,"{""phone"":""514-555-0199""}","{""phone"":""514-555-0100""}"' "$acc"
assert_eq "--staff: nobody named mallory" "[]" "$(kc audit list --staff mallory --format json)"
assert_eq "--staff $me" "$total" "$(kc audit list --staff "$me" --format csv | sed 1d | wc -l)"
assert_eq "--from/--to: the office day" "$total" \
	"$(kc audit list --from 2026-06-21 --to 2026-06-21 --format csv | sed 1d | wc -l)"
assert_eq "--to the day before: nothing" "[]" "$(kc audit list --to 2026-06-20 --format json)"
kc audit list --limit 3 --format json >"$t/json" 2>"$t/err" || fail "json"
assert_eq "--limit 3 (json)" 3 "$(grep -c '"action"' "$t/json")"
check "json: old values as text" grep -q '"old_values": ' "$t/json"
last=$(kc audit list --limit 3 --format csv 2>/dev/null | tail -n 1 | cut -d, -f1)
assert_contains "paging hint on stderr" "add --before $last" "$(cat "$t/err")"
# Keyset paging: pages of 3 put together are the whole trail.
before= pages=0
: >"$t/paged"
while :; do
	kc audit list --limit 3 --format csv ${before:+--before "$before"} 2>/dev/null | sed 1d >"$t/page"
	[ -s "$t/page" ] || break
	cat "$t/page" >>"$t/paged"
	before=$(tail -n 1 "$t/page" | cut -d, -f1)
	pages=$((pages + 1))
done
echo "$csv" | sed 1d >"$t/all"
check "pages of 3 ($pages) give the whole trail" cmp -s "$t/all" "$t/paged"
kc audit list --id 3 >/dev/null 2>&1; rc=$?
assert_eq "--id without --entity: exit 2" 2 "$rc"
kc audit list --from 2026-02-30 >/dev/null 2>&1; rc=$?
assert_eq "bad date: exit 2" 2 "$rc"
kc audit list --from 2026-06-22 --to 2026-06-21 >/dev/null 2>&1; rc=$?
assert_eq "reversed period: exit 2" 2 "$rc"
kc audit list --account K-999999 >/dev/null 2>&1; rc=$?
assert_eq "unknown account: exit 1" 1 "$rc"
kc --read-only audit list --limit 1 >/dev/null || fail "audit list read-only"
echo "ok - audit list works read-only"
# The trail cannot be changed, even by hand (HIS-1).
sqlite3 "$KC_DB" "DELETE FROM audit" 2>/dev/null && fail "audit rows deleted"
assert_eq "trail intact" "$total" "$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit")"
pass
