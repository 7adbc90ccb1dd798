#!/bin/sh
# test_cli_termination.sh: the termination commands on a pinned clock: TRM-1
# refusal recorded, TRM-2 expedite decision, the workflow in order (and out of
# order refused), TRM-6 final invoice with an unpaid balance, TRM-4 deadline
# across Saint-Jean-Baptiste and Canada Day and the late flag, TRM-5
# checklist, TRM-7 closure with CRD-3/SLA-6/PRC-2 forfeits, TRM-8 reopening,
# TRM-3 separation, list/show formats, roles, read-only.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
command -v sqlite3 >/dev/null || skip "sqlite3 is needed to seed invoices and credits"
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-07-20T16:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level fully_administered --voipms-client 100001 --signed-on 2025-01-10 >/dev/null ||
	fail "account add"
kc account activate K-000001 --welcome-call 2025-01-15 >/dev/null || fail "activate"
kc account add --holder "Luc Roy" --email luc@example.com --province ON \
	--level basic --voipms-client 100002 --signed-on 2025-01-10 >/dev/null || fail "account add 2"
kc account activate K-000002 --welcome-call 2025-01-15 >/dev/null || fail "activate 2"

# --- usage ------------------------------------------------------------------
kc termination request --account K-000001 2>"$t/err"; rc=$?
assert_eq "missing --requested-by: exit 2" 2 "$rc"
assert_contains "missing option named" "Missing option '--requested-by'" "$(cat "$t/err")"
kc termination request --account K-000001 --requested-by X --channel fax 2>"$t/err"; rc=$?
assert_eq "bad channel: exit 2" 2 "$rc"
kc termination check 1 remove_everything 2>"$t/err"; rc=$?
assert_eq "bad checklist step: exit 2" 2 "$rc"

# --- TRM-1: a non-holder is refused, and the refusal recorded ----------------
kc termination request --account K-000001 --requested-by "Marc Gagnon" >"$t/out" 2>"$t/err"; rc=$?
assert_eq "TRM-1 non-holder: exit 1" 1 "$rc"
assert_contains "TRM-1 named" "TRM-1: only the account holder (Josée Tremblay)" "$(cat "$t/err")"
assert_contains "TRM-1 recorded" "recorded as request 1" "$(cat "$t/err")"
assert_eq "TRM-1 nothing on stdout" "" "$(cat "$t/out")"
assert_eq "TRM-1 refused row listed" \
	"1,1,K-000001,Josée Tremblay,Marc Gagnon,false,2026-07-20,refused,false,false,,,,false,0,0.00,1" \
	"$(kc termination list --state refused --format csv | tail -n +2)"
assert_eq "TRM-1 refusal audited" "1" \
	"$(sqlite3 "$KC_DB" "SELECT count(*) FROM audit WHERE action = 'termination.refuse'")"
kc termination request --account K-000001 --requested-by "Josee Tremblay" 2>"$t/err"; rc=$?
assert_eq "TRM-1 accent-sensitive: refused" 1 "$rc"

# --- TRM-2: expedite in writing, decided by staff ------------------------------
kc termination request --account K-000001 --requested-by "Josée Tremblay" --expedite \
	--channel portal 2>"$t/err"; rc=$?
assert_eq "TRM-2 expedite through the portal refused" 1 "$rc"
assert_contains "TRM-2 named" "TRM-2" "$(cat "$t/err")"
out=$(kc termination request --account K-000001 --requested-by "  JOSÉE tremblay " --expedite \
	--date 2026-05-01); rc=$?
assert_eq "holder's request: exit 0" 0 "$rc"
assert_contains "holder's request recorded" "Termination request 3 recorded for account K-000001 (Josée Tremblay)." "$out"
kc termination request --account K-000001 --requested-by "Josée Tremblay" 2>"$t/err"; rc=$?
assert_eq "one request at a time" 1 "$rc"
assert_contains "the open one named" "termination request 3 in progress" "$(cat "$t/err")"
kc termination end-service 3 --date 2026-06-01 2>"$t/err"; rc=$?
assert_eq "order: end of service before the decision refused" 1 "$rc"
assert_contains "order: rule named" "TRM-6" "$(cat "$t/err")"
kc termination schedule 3 --date 2026-06-01 2>"$t/err"; rc=$?
assert_eq "order: schedule before the decision refused" 1 "$rc"
assert_contains "order: TRM-2 named" "TRM-2" "$(cat "$t/err")"
assert_eq "approve" "Termination request 3: approved." \
	"$(kc termination approve 3 --note 'Moving to Ontario')"
assert_contains "show: expedite approved" "approved (TRM-2)" "$(kc termination show 3)"
assert_contains "show: note" "Moving to Ontario" "$(kc termination show 3)"
kc termination deny 3 2>"$t/err"; rc=$?
assert_eq "decided once" 1 "$rc"

# --- schedule, end of service, final invoice with an unpaid balance ----------
assert_eq "schedule" "Termination request 3: the service ends on 2026-06-01." \
	"$(kc termination schedule 3 --date 2026-06-01)"
assert_eq "end of service" "Termination request 3: the service ended on 2026-06-01." \
	"$(kc termination end-service 3 --date 2026-06-01)"
sqlite3 "$KC_DB" "
INSERT INTO invoices (number, account_id, kind, cycle_key, invoice_date, period_start,
	period_end, province, language, gst_number, qst_number, subtotal_cents, tax_cents,
	total_cents, issued_at, issued_by)
VALUES (1, 1, 'final', 'final', '2026-06-05', '2026-05-15', '2026-06-01', 'QC', 'fr',
	'123456789 RT0001', '1234567890 TQ0001', 15000, 2246, 17246, '2026-06-05T12:00:00Z', 'root');
UPDATE accounts SET balance_cents = 17246 WHERE id = 1;
INSERT INTO store_credits (account_id, source, amount_cents, remaining_cents, issued_on,
	expires_on, created_by) VALUES (1, 'goodwill', 5000, 3000, '2026-03-01', '2028-03-01', 'root');
INSERT INTO tickets (number, account_id, subject, requested_priority, priority, received_at,
	response_due, created_at, created_by, updated_at, updated_by)
VALUES (1, 1, 'Down', 'emergency', 'emergency', '2026-05-20T12:00:00Z', '2026-05-20T12:15:00Z',
	'2026-05-20T12:00:00Z', 'root', '2026-05-20T12:00:00Z', 'root');
INSERT INTO sla_credit_requests (ticket_id, account_id, requested_on, incident_month,
	amount_cents, status, created_by) VALUES (1, 1, '2026-05-25', '2026-05', 1500, 'pending', 'root');
INSERT INTO coupons (account_id, code, amount_cents, recurring, cycles_left, created_at,
	created_by) VALUES (1, 'WELCOME', 1000, 1, 3, '2026-01-01T00:00:00Z', 'root');
" || fail "seed"
out=$(kc termination final-invoice 3 2>"$t/err"); rc=$?
assert_eq "final invoice: exit 0" 0 "$rc"
assert_eq "TRM-6 final invoice linked, balance owed" "Termination request 3: final invoice 1 linked.
Balance owed: \$172.46" "$out"
assert_contains "TRM-6 unsynced usage reported" "never synced" "$(cat "$t/err")"

# --- TRM-4 deadline, TRM-5 checklist, the late transfer ------------------------
assert_eq "TRM-4 due across Saint-Jean-Baptiste and Canada Day" \
	"Termination request 3: transfer of the member account requested on 2026-06-19; due by 2026-07-07 (TRM-4: 10 business days)." \
	"$(kc termination transfer-request 3 --date 2026-06-19)"
assert_eq "TRM-4 late in the list (today 2026-07-20)" "2026-07-07,true" \
	"$(kc termination list --state open --format csv | tail -n +2 | cut -d, -f12,14)"
kc termination transferred 3 --date 2026-07-08 2>"$t/err"; rc=$?
assert_eq "TRM-5 transfer before the checklist refused" 1 "$rc"
assert_contains "TRM-5 named" "TRM-5" "$(cat "$t/err")"
kc termination close 3 2>"$t/err"; rc=$?
assert_eq "TRM-4 closure during the transfer refused" 1 "$rc"
assert_contains "TRM-4 named" "TRM-4" "$(cat "$t/err")"
assert_eq "tick 1" 'Termination request 3: "remove the groups" ticked (1 of 5).' \
	"$(kc termination check 3 remove-groups)"
kc termination check 3 remove_groups 2>"$t/err"; rc=$?
assert_eq "a step is ticked once" 1 "$rc"
assert_contains "who ticked it" "already ticked by $(id -un)" "$(cat "$t/err")"
for s in remove_accounts remove_roles remove_federations transfer_credentials; do
	kc termination check 3 "$s" >"$t/out" || fail "tick $s"
done
assert_contains "checklist done" "The checklist is done" "$(cat "$t/out")"
out=$(kc termination show 3)
assert_contains "show: checklist with who" "[x] remove_groups        remove the groups, by $(id -un) at 2026-07-20 12:00" "$out"
assert_contains "show: due and late" "2026-07-07  LATE (TRM-4)" "$out"
out=$(kc termination transferred 3 --date 2026-07-08 2>"$t/err")
assert_eq "transferred" "Termination request 3: member account transferred on 2026-07-08." "$out"
assert_contains "late transfer flagged" "LATE: the transfer was due by 2026-07-07 (TRM-4)" "$(cat "$t/err")"

# --- TRM-7 closure: forfeits in the same transaction, balance reported --------
out=$(kc termination close 3); rc=$?
assert_eq "close: exit 0" 0 "$rc"
assert_eq "close report" "Account K-000001 is closed at the holder's request (termination request 3).
Balance owed at closure: \$172.46
Store credit forfeited (CRD-3): 1 credit(s), \$30.00.
Pending SLA credit requests cancelled (SLA-6): 1.
Coupons void (PRC-2): 1." "$out"
assert_eq "account closed for the holder's request" "closed,holder_request" \
	"$(sqlite3 "$KC_DB" "SELECT status || ',' || closure_reason FROM accounts WHERE id = 1")"
assert_eq "CRD-3 credit forfeited" "forfeited" \
	"$(sqlite3 "$KC_DB" "SELECT status FROM store_credits WHERE account_id = 1")"
assert_eq "SLA-6 pending request cancelled" "cancelled" \
	"$(sqlite3 "$KC_DB" "SELECT status FROM sla_credit_requests WHERE account_id = 1")"
assert_eq "PRC-2 coupon void" "void" "$(sqlite3 "$KC_DB" "SELECT status FROM coupons")"
history=$(kc account history K-000001 --format csv)
assert_contains "history shows the forfeit" "credit.forfeit" "$history"
assert_contains "history shows the closure" "termination.close" "$history"
assert_contains "show json: balance at closure" '"balance_at_closure": "172.46"' \
	"$(kc termination show 3 --format json)"
assert_contains "TRM-7 the closed account stays readable" "Josée Tremblay" "$(kc account show K-000001)"
assert_eq "TRM-7 nothing deleted" "1,1,1,1,3" "$(sqlite3 "$KC_DB" "SELECT (SELECT count(*) FROM invoices)
	|| ',' || (SELECT count(*) FROM store_credits) || ',' || (SELECT count(*) FROM tickets)
	|| ',' || (SELECT count(*) FROM coupons) || ',' || (SELECT count(*) FROM termination_requests)")"

# --- TRM-8 reopening --------------------------------------------------------
kc account reopen K-000001 --requested-by "Marc Gagnon" --identity-check "Passport seen" 2>"$t/err"; rc=$?
assert_eq "TRM-8 only the holder" 1 "$rc"
assert_contains "TRM-8 named" "TRM-8" "$(cat "$t/err")"
kc account reopen K-000001 --requested-by "Josée Tremblay" --identity-check "Passport seen" 2>"$t/err"; rc=$?
assert_eq "TRM-8 unpaid balance first" 1 "$rc"
assert_contains "TRM-8 balance named" "172.46" "$(cat "$t/err")"

# --- TRM-3 separation only ----------------------------------------------------
out=$(kc termination request --account K-000002 --requested-by "Luc Roy" --separation-only \
	--date 2026-06-18)
assert_eq "separation recorded" "Separation request 4 recorded for account K-000002 (Luc Roy)." "$out"
kc termination approve 4 >/dev/null || fail "approve separation"
kc termination schedule 4 --date 2026-07-01 2>"$t/err"; rc=$?
assert_eq "TRM-3 no end of service" 1 "$rc"
assert_contains "TRM-3 named" "TRM-3" "$(cat "$t/err")"
kc termination transfer-request 4 --date 2026-07-02 >/dev/null || fail "separation transfer request"
for s in remove_accounts remove_groups remove_roles remove_federations transfer_credentials; do
	kc termination check 4 "$s" >/dev/null || fail "tick $s"
done
kc termination transferred 4 --date 2026-07-10 >/dev/null 2>&1 || fail "separation transferred"
kc termination close 4 2>"$t/err"; rc=$?
assert_eq "TRM-3 the account is not closed" 1 "$rc"
assert_eq "TRM-3 account still active" "active" \
	"$(sqlite3 "$KC_DB" "SELECT status FROM accounts WHERE id = 2")"
assert_eq "nothing open any more" "" "$(kc termination list --state open --format csv | tail -n +2)"

# --- list formats --------------------------------------------------------------
assert_eq "list text header" "  No.  Account   Holder                  Requested   State                 Kind          Transfer due  Late        Balance" \
	"$(kc termination list | head -n 1)"
assert_eq "list json count" "4" "$(kc termination list --format json | grep -c '"id":')"
assert_eq "list --limit" "2" "$(kc termination list --limit 2 --format csv | tail -n +2 | wc -l | tr -d ' ')"
kc termination list --state gone 2>"$t/err"; rc=$?
assert_eq "unknown state: exit 2" 2 "$rc"
kc termination show 99 2>"$t/err"; rc=$?
assert_eq "unknown request: exit 1" 1 "$rc"

# --- roles and read-only --------------------------------------------------------
kc termination request --account K-000002 --requested-by "Luc Roy" >/dev/null || fail "request 5"
sqlite3 "$KC_DB" "UPDATE staff SET role = 'agent'" || fail "sqlite3"
kc termination approve 5 2>"$t/err"; rc=$?
assert_eq "agent may not decide" 1 "$rc"
assert_contains "role named" "administrator" "$(cat "$t/err")"
sqlite3 "$KC_DB" "UPDATE staff SET role = 'admin'" || fail "sqlite3"
kc --read-only termination approve 5 2>"$t/err"; rc=$?
assert_eq "--read-only refuses a step" 1 "$rc"
assert_eq "still requested" "requested" "$(sqlite3 "$KC_DB" "SELECT state FROM termination_requests WHERE id = 5")"
pass
