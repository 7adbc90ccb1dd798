#!/bin/sh
# test_tui_staff.sh: the staff view (issue 8).  W opens it from any pane
# (anyone may look); the administrator adds a member through the form
# (user, name, role: agent), gives another role, disables and enables
# them, each one audited; a bad user name keeps the form open with the
# message, and the last administrator cannot be disabled.  An agent sees
# the list but is refused every staff action with the role needed, before
# any form opens, and nothing is written.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"
me=$(kc staff list --format csv | awk -F, '$3 == "admin" { print $1 }')
[ -n "$me" ] || fail "no admin on the staff list"
# j presses from the first line to user $1 once carol is on the list.
staff_csv() { kc staff list --format csv | sed 1d; }
down_to() {
	n=$( (staff_csv | cut -d, -f1; echo carol) | sort -u | grep -nx -- "$1" | cut -d: -f1)
	i=1; while [ "$i" -lt "$n" ]; do printf j; i=$((i + 1)); done; echo
}
to_carol=$(down_to carol)
to_me=$(down_to "$me")

cat >"$t/keys" <<EOF
W
:save-display $t/list.txt
I
:save-display $t/form.txt
:type bad name
<F2>
:save-display $t/badname.txt
<Esc>
I
:type carol
<Tab>
:type Carol Côté
<F2>
:save-display $t/added.txt
g
$to_carol
M
<Down>
<Enter>
:save-display $t/role.txt
x
:save-display $t/confirm.txt
<Enter>
:save-display $t/disabled.txt
E
:save-display $t/enabled.txt
g
$to_me
x
<Enter>
:save-display $t/lastadmin.txt
EOF
tui_run_script "$t/keys"
screen_has "W opens the staff view" "> Staff" "$t/list.txt"
screen_has "the creator is an administrator" "administrator" "$t/list.txt"
screen_has "admin: the staff actions in the hints" "I Add" "$t/list.txt"
screen_has "the add form" "Add a staff member" "$t/form.txt"
screen_has "form: the role, agent by default" "< agent >" "$t/form.txt"
screen_has "bad user name: the form says why" "letters, digits" "$t/badname.txt"
screen_has "bad user name: the form stays open" "Add a staff member" "$t/badname.txt"
screen_has "added: told" "carol is on the staff list with the agent role." "$t/added.txt"
grep -q '^carol  *Carol Côté  *agent  *active' "$t/added.txt" \
	|| fail "carol not listed as an active agent: $(cat "$t/added.txt")"
echo "ok - carol listed as an active agent"
screen_has "role changed" "carol now has the billing role." "$t/role.txt"
screen_has "disable asks first" "Disable carol?" "$t/confirm.txt"
screen_has "disabled: told" "carol is disabled" "$t/disabled.txt"
grep -q '^carol .* disabled ' "$t/disabled.txt" || fail "carol not shown disabled: $(cat "$t/disabled.txt")"
echo "ok - carol shown disabled"
screen_has "enabled again" "carol is enabled again." "$t/enabled.txt"
screen_has "the last administrator stays" "last active administrator" "$t/lastadmin.txt"
assert_eq "stored: carol, billing, active" "carol,Carol Côté,billing,true" \
	"$(staff_csv | grep '^carol,' | cut -d, -f1-4)"
assert_eq "stored: $me still an active admin" "$me,admin,true" \
	"$(staff_csv | grep "^$me," | cut -d, -f1,3,4)"
kc audit list --entity staff --format csv >"$t/audit.csv" || fail "audit list"
for a in staff.add staff.role staff.disable staff.enable; do
	grep -q ",$a," "$t/audit.csv" || fail "no $a in the audit: $(cat "$t/audit.csv")"
done
echo "ok - every change audited (add, role, disable, enable)"

# An agent: the list shows, every staff action is refused before any
# form, nothing is written.
command -v sqlite3 >/dev/null || skip "sqlite3 not installed: the agent's refusals did not run"
sqlite3 "$KC_DB" "UPDATE staff SET role = 'agent' WHERE username = '$me'" || fail "sqlite3 role"
staff_before=$(staff_csv)
audit_before=$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit")
cat >"$t/agent.keys" <<EOF
W
:save-display $t/agent-list.txt
I
:save-display $t/agent-add.txt
$to_carol
M
:save-display $t/agent-role.txt
x
:save-display $t/agent-disable.txt
E
:save-display $t/agent-enable.txt
EOF
tui_run_script "$t/agent.keys"
screen_has "agent: the list shows" "carol" "$t/agent-list.txt"
refusal="This needs the administrator role; $me has the agent role."
screen_has "agent: add refused" "$refusal" "$t/agent-add.txt"
screen_lacks "agent: no add form" "Add a staff member" "$t/agent-add.txt"
screen_has "agent: role refused" "$refusal" "$t/agent-role.txt"
screen_lacks "agent: no role choice" "Role of carol" "$t/agent-role.txt"
screen_has "agent: disable refused" "$refusal" "$t/agent-disable.txt"
screen_lacks "agent: no question" "Disable carol?" "$t/agent-disable.txt"
screen_has "agent: enable refused" "$refusal" "$t/agent-enable.txt"
assert_eq "agent: the staff list unchanged" "$staff_before" "$(staff_csv)"
assert_eq "agent: nothing audited" "$audit_before" "$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit")"
pass
