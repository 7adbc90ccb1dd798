#!/bin/sh
# test_tui_invoices.sh: the Invoices pane in script mode on a small
# database: billing run from the console (BIL-7: a preview that writes
# nothing, then the run after confirming), the list with the overdue row
# highlighted and its days late (BIL-6), the detail (lines, each tax with
# its rate, BIL-4), the statement (BIL-9), a payment recorded through the
# form (PAY-1) turning the invoice paid, the totals on the status line,
# the Overdue view (BIL-6) and its suspension with the reason recorded.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"
# One Quebec account, welcome call a month ago: the run owes it the first
# invoice (2026-05-21, now overdue) and the cycle 1 invoice (today).
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2026-05-14 >/dev/null || fail "account add"
kc account activate K-000001 --welcome-call 2026-05-21 >/dev/null || fail "activate"

cat >"$t/keys" <<EOF
<Tab>
:save-display $t/empty.txt
B
:save-display $t/asof.txt
<Enter>
:save-display $t/preview.txt
<Esc>
:save-display $t/cancelled.txt
B
<Enter>
<Enter>
:save-display $t/billed.txt
<Enter>
:save-display $t/open.txt
<Esc>
v
:save-display $t/statement.txt
<Esc>
P
:save-display $t/payform.txt
<F2>
:save-display $t/paid.txt
j
o
:save-display $t/overdue.txt
EOF
tui_run_script "$t/keys"

screen_has "empty list says how to bill" "No invoices: B runs billing" "$t/empty.txt"
screen_has "billing asks the date first" "Bill up to" "$t/asof.txt"
screen_has "billing date defaults to today" "2026-06-21" "$t/asof.txt"
screen_has "preview shown (BIL-7)" "Preview: nothing was written." "$t/preview.txt"
screen_has "preview counts the invoices" "Invoices to issue:       2" "$t/preview.txt"
screen_has "preview total" "\$114.98" "$t/preview.txt"
screen_has "preview asks to confirm" "Issue these invoices now?" "$t/preview.txt"
screen_has "cancelled preview wrote nothing" "No invoices: B runs billing" "$t/cancelled.txt"
screen_has "run told" "2 invoices issued (1-2), total \$114.98" "$t/billed.txt"
screen_has "tab counts the invoices" "Invoices (2)" "$t/billed.txt"
grep -q '^ *1 2026-05-21 K-000001 .*overdue  *31$' "$t/billed.txt" \
	|| fail "overdue row with its days late not listed: $(cat "$t/billed.txt")"
echo "ok - overdue invoice listed with 31 days late (BIL-6)"
grep -q '^ *2 2026-06-21 K-000001 .* open *$' "$t/billed.txt" \
	|| fail "today's invoice not open: $(cat "$t/billed.txt")"
echo "ok - today's invoice open"
screen_has "totals on the status line" "Total \$114.98, unpaid \$114.98" "$t/billed.txt"
screen_has "detail: the tax with its rate (BIL-4)" "QST 9.975 %" "$t/billed.txt"
screen_has "detail: GST with its rate" "GST 5 %" "$t/billed.txt"
screen_has "detail: overdue status with days (BIL-6)" "overdue, 31 days late (BIL-6)" "$t/billed.txt"
screen_has "whole invoice: lines" "Lines" "$t/open.txt"
screen_has "whole invoice: history" "Invoice 1 issued" "$t/open.txt"
screen_has "statement (BIL-9) in the customer's language" "FACTURE" "$t/statement.txt"
screen_has "payment form for the invoice" "Payment for invoice 1" "$t/payform.txt"
screen_has "payment amount defaults to the balance" "57.49" "$t/payform.txt"
screen_has "payment told" "Payment 1 recorded: \$57.49, to 1 invoice(s)" "$t/paid.txt"
grep -q '^ *1 2026-05-21 K-000001 .* \$0.00 paid *$' "$t/paid.txt" \
	|| fail "invoice 1 not shown paid: $(cat "$t/paid.txt")"
echo "ok - invoice 1 is paid in the list"
screen_has "detail shows the payment" "payment 1" "$t/paid.txt"
screen_has "totals follow" "Total \$114.98, unpaid \$57.49" "$t/paid.txt"
kc invoice show 1 >"$t/show" || fail "invoice show"
grep -q "Status: *paid" "$t/show" || fail "invoice 1 not paid in the database: $(cat "$t/show")"
echo "ok - invoice 1 paid in the database"
screen_has "overdue view" "No account is overdue" "$t/overdue.txt"

# An overdue account is listed in the Overdue view and suspended from it,
# the reason recorded (BIL-6, ACC-9).
kc account add --holder "Luc Roy" --email luc@example.com --province ON \
	--level basic --voipms-client 100002 --signed-on 2026-04-01 >/dev/null || fail "account add 2"
kc account activate K-000002 --welcome-call 2026-04-02 >/dev/null || fail "activate 2"
kc invoice run >/dev/null || fail "invoice run"
cat >"$t/od.keys" <<EOF
<Tab>
o
:save-display $t/od.txt
S
:type Two reminders unanswered
:save-display $t/od-form.txt
<F2>
:save-display $t/od-done.txt
EOF
tui_run_script "$t/od.keys"
grep -q '^K-000002 Luc Roy .*active' "$t/od.txt" || fail "overdue account not listed: $(cat "$t/od.txt")"
echo "ok - the overdue account is listed"
screen_has "suspension form names the reason" "Reason recorded: overdue (BIL-6, ACC-9)" "$t/od-form.txt"
screen_has "suspension told" "Account K-000002 suspended for non-payment" "$t/od-done.txt"
kc account show K-000002 >"$t/show2"
grep -q "Status: *suspended" "$t/show2" || fail "not suspended: $(cat "$t/show2")"
echo "ok - suspended in the database"
assert_contains "note kept in the history" "Two reminders unanswered" "$(kc account history K-000002)"

# Keyset paging both ways on a demo database: G shows the last invoice of
# the list, PgUp pages back up without losing rows, g the first; the
# overdue filter lists what the CLI lists.
KC_DB="$t/demo.sqlite"
tui_demo 20
kc invoice list --format csv | tail -n +2 | cut -d, -f1 >"$t/numbers"
last=$(tail -n 1 "$t/numbers")
first=$(head -n 1 "$t/numbers")
total=$(wc -l <"$t/numbers")
overdue=$(kc invoice list --status overdue --format csv | tail -n +2 | wc -l)
cat >"$t/page.keys" <<EOF
<Tab>
G
:save-display $t/last.txt
<PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp>
:save-display $t/up.txt
g
:save-display $t/first.txt
f
<Down><Down>
<Enter>
:save-display $t/filtered.txt
EOF
tui_run_script "$t/page.keys"
screen_has "G: the last invoice selected" "── Invoice $last " "$t/last.txt"
screen_has "g: the first invoice selected" "── Invoice $first " "$t/first.txt"
screen_has "tab counts every invoice" "Invoices ($total)" "$t/last.txt"
# The rows on screen after paging up are consecutive rows of the list.
grep -E '^ +[0-9]+ 20[0-9]{2}-' "$t/up.txt" | awk '{print $1}' >"$t/shown"
[ -s "$t/shown" ] || fail "no rows after paging up: $(cat "$t/up.txt")"
n=$(wc -l <"$t/shown")
start=$(grep -nx "$(head -n 1 "$t/shown")" "$t/numbers" | cut -d: -f1)
sed -n "${start},$((start + n - 1))p" "$t/numbers" >"$t/expected"
cmp -s "$t/shown" "$t/expected" || fail "paging back up skipped or repeated rows: $(cat "$t/up.txt")"
echo "ok - paging back up shows consecutive rows"
screen_has "overdue filter in the tab with the CLI's count" "Invoices ($overdue) [overdue]" "$t/filtered.txt"

# Roles (issue 8): the action table names each action's role, checked at
# dispatch before any form opens.  The OS user (the database's creator,
# admin) becomes an agent: recording a payment (billing) is refused with
# the translated message and writes nothing; closing an account (admin)
# is refused too (the high-risk mark, ACC-11, is account work: agent); an agent's own action (a new
# account) still opens its form.
command -v sqlite3 >/dev/null || skip "sqlite3 not installed: the role checks did not run"
KC_DB="$t/roles.sqlite"
kc init >/dev/null || fail "init roles"
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2026-05-14 >/dev/null || fail "account add"
kc account activate K-000001 --welcome-call 2026-05-21 >/dev/null || fail "activate"
kc invoice run >/dev/null || fail "invoice run"
me=$(sqlite3 "$KC_DB" "SELECT username FROM staff WHERE role = 'admin'")
[ -n "$me" ] || fail "no admin in the staff list"
sqlite3 "$KC_DB" "UPDATE staff SET role = 'agent' WHERE username = '$me'" || fail "sqlite3 role"
audit=$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit")
cat >"$t/roles.keys" <<EOF
X
:save-display $t/role-close.txt
c
:save-display $t/role-create.txt
<Esc>
<Tab>
P
:save-display $t/role-pay.txt
<F2>
EOF
tui_run_script "$t/roles.keys"
screen_has "agent: payment refused with the role needed" \
	"This needs the billing role; $me has the agent role." "$t/role-pay.txt"
screen_lacks "agent: no payment form opened" "Payment for invoice" "$t/role-pay.txt"
screen_has "agent: closing an account refused (admin)" \
	"This needs the administrator role; $me has the agent role." "$t/role-close.txt"
screen_lacks "agent: no closing form opened" "Close account" "$t/role-close.txt"
screen_has "agent: an agent's action still opens its form" "New account" "$t/role-create.txt"
assert_eq "agent: no payment written" 0 "$(sqlite3 "$KC_DB" "SELECT count(*) FROM payments")"
assert_eq "agent: nothing audited" "$audit" "$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit")"
kc invoice show 1 >"$t/role-show" || fail "invoice show"
grep -q "Balance  *\$57.49" "$t/role-show" || fail "invoice 1 changed: $(cat "$t/role-show")"
echo "ok - agent: invoice 1 still unpaid"
pass
