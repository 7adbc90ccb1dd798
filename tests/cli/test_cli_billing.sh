#!/bin/sh
# test_cli_billing.sh: the billing commands on a pinned clock: invoice run
# (dry run, BIL-7 second run, catch-up), list/show/statement (BIL-4, BIL-9),
# payments (PAY-1 oldest first, PAY-2 currency, PAY-3 wire fee, overpayment
# to store credit CRD), overdue and --suspend (BIL-6), chargebacks (PAY-4),
# disputes (PAY-6), refunds (PAY-7), credit notes (BIL-5), read-only mode,
# exit codes, and `check` agreeing with every derived total.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2025-06-20T16:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
nbsp=$(printf '\302\240')
kc init >/dev/null || fail "init"

kc account add --holder "Émilie Côté" --email emilie@cote.example --province QC \
	--level basic --voipms-client 100001 --expected-usage 80 --signed-on 2025-01-05 \
	--company "Plomberie Côté" >/dev/null || fail "add 1"
kc account add --holder "James Smith" --email james@smith.example --province ON \
	--level basic --voipms-client 100002 --language en --signed-on 2025-01-20 >/dev/null \
	|| fail "add 2"
kc account add --holder "Paul Roy" --email paul@roy.example --province NS \
	--level basic --voipms-client 100003 --signed-on 2025-01-20 >/dev/null || fail "add 3"
kc account activate K-000001 --welcome-call 2025-01-10 >/dev/null || fail "activate 1"
kc account activate K-000002 --welcome-call 2025-01-31 >/dev/null || fail "activate 2"
# K-000003 stays pending: no invoice (BIL-8)

# --- invoice run -----------------------------------------------------------
out=$(kc invoice run --as-of 2025-03-10 --dry-run); rc=$?
assert_eq "dry run exits 0" 0 "$rc"
assert_contains "dry run says so" "Dry run: nothing was written." "$out"
assert_contains "dry run count" "Invoices to issue:     5" "$out"
assert_contains "dry run numbers" "Invoice numbers:       1-5" "$out"
assert_eq "dry run wrote nothing" "number,account,holder,date,due,subtotal,taxes,total,paid,credited,balance,status,days_late,id" \
	"$(kc invoice list --format csv)"

out=$(kc invoice run --as-of 2025-03-10); rc=$?
assert_eq "run exits 0" 0 "$rc"
assert_contains "run count" "Invoices issued:       5" "$out"
assert_contains "run accounts" "Accounts invoiced:     2" "$out"
# 91.98 + 57.49 + 57.49 (QC) + 56.50 + 56.50 (ON)
assert_contains "run total" 'Total:                 $319.96' "$out"
out=$(kc invoice run --as-of 2025-03-10); rc=$?
assert_eq "BIL-7 second run exits 0" 0 "$rc"
assert_contains "BIL-7 second run issues nothing" "Invoices issued:       0" "$out"
assert_eq "BIL-7 still 5 invoices" 5 "$(kc invoice list --format csv | tail -n +2 | wc -l)"

# --- list ------------------------------------------------------------------
assert_eq "list csv in date order with BIL-6 overdue status" \
"number,account,holder,date,due,subtotal,taxes,total,paid,credited,balance,status,days_late,id
1,K-000001,Émilie Côté,2025-01-10,2025-01-10,80.00,11.98,91.98,0.00,0.00,91.98,overdue,59,1
4,K-000002,James Smith,2025-01-31,2025-01-31,50.00,6.50,56.50,0.00,0.00,56.50,overdue,38,4
2,K-000001,Émilie Côté,2025-02-10,2025-02-10,50.00,7.49,57.49,0.00,0.00,57.49,overdue,28,2
5,K-000002,James Smith,2025-02-28,2025-02-28,50.00,6.50,56.50,0.00,0.00,56.50,open,10,5
3,K-000001,Émilie Côté,2025-03-10,2025-03-10,50.00,7.49,57.49,0.00,0.00,57.49,open,0,3" \
	"$(kc invoice list --as-of 2025-03-10 --format csv)"
assert_eq "list --status overdue --account" "1 2" \
	"$(kc invoice list --as-of 2025-03-10 --status overdue --account K-000001 --format csv | tail -n +2 | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"
assert_eq "list --from --to" "4,2" \
	"$(kc invoice list --from 2025-01-31 --to 2025-02-10 --format csv | tail -n +2 | cut -d, -f1 | paste -sd, -)"
json=$(kc invoice list --as-of 2025-03-10 --limit 1 --format json)
assert_eq "list json keys and exact amounts" '[
  {"number": 1, "account": "K-000001", "holder": "Émilie Côté", "date": "2025-01-10", "due": "2025-01-10", "subtotal": "80.00", "taxes": "11.98", "total": "91.98", "paid": "0.00", "credited": "0.00", "balance": "91.98", "status": "overdue", "days_late": 59, "id": 1}
]' "$json"
kc invoice list --status late 2>"$t/err"; rc=$?
assert_eq "unknown status: usage exit 2" 2 "$rc"

# --- show and statement (BIL-4, BIL-9) ---------------------------------------
# JSON on one line, runs of spaces squeezed, for exact fragments
json1() { kc invoice show "$1" --format json | tr -d '\n' | sed 's/  */ /g'; }
json=$(json1 1)
assert_contains "show json GST" '{ "code": "GST", "rate": "5", "amount": "4.00" }' "$json"
assert_contains "show json QST on the price before GST" '{ "code": "QST", "rate": "9.975", "amount": "7.98" }' "$json"
assert_contains "show json total" '"total": "91.98"' "$json"
assert_contains "show json BIL-2 first line" '"kind": "first"' "$json"
assert_contains "show json registration" '"gst_number": "123456789 RT0001"' "$json"
out=$(kc invoice show 4)
assert_contains "show text" "Invoice 4" "$out"
kc invoice show 99 >/dev/null 2>"$t/err"; rc=$?
assert_eq "show missing: exit 1" 1 "$rc"
assert_contains "show missing: message" "There is no invoice number 99" "$(cat "$t/err")"

st=$(kc invoice statement 1)
assert_contains "statement fr title" "FACTURE" "$st"
assert_contains "statement fr customer" "Plomberie Côté" "$st"
assert_contains "statement fr GST line with its rate" "TPS (5${nbsp}%)" "$st"
assert_contains "statement fr QST line with its rate" "TVQ (9,975${nbsp}%)" "$st"
assert_contains "statement fr total" "91,98${nbsp}\$" "$st"
assert_contains "statement GST number" "123456789 RT0001" "$st"
assert_contains "statement QST number" "1234567890 TQ0001" "$st"
case "$st" in *14,975*|*14.975*) fail "a combined tax rate is shown";; esac
st=$(kc invoice statement 4)
assert_contains "statement en for an English customer" "INVOICE" "$st"
assert_contains "statement en HST" 'HST (13%)' "$st"
assert_contains "statement en total" '$56.50' "$st"
st=$(kc invoice statement 1 --language en)
assert_contains "statement --language en" 'GST (5%)' "$st"
kc invoice statement 1 --language de >/dev/null 2>&1; rc=$?
assert_eq "statement bad language: exit 2" 2 "$rc"

# --- payments ---------------------------------------------------------------
out=$(kc payment add --account K-000001 --amount 100 --method visa --date 2025-03-11 \
	--reference "AUTH 1"); rc=$?
assert_eq "payment exits 0" 0 "$rc"
assert_contains "payment applied" 'Applied to invoices:   $100.00' "$out"
assert_eq "PAY-1 oldest invoice first" "1,91.98,paid 2,8.02,overdue 3,0.00,open" \
	"$(kc invoice list --account 1 --as-of 2025-03-11 --format csv | tail -n +2 | awk -F, '{printf "%s%s,%s,%s", s, $1, $9, $12; s=" "}')"
out=$(kc payment add --account K-000001 --amount 10.00 --method wire --currency USD \
	--rate 1.35 --wire-fee 15 --date 2025-03-12)
assert_contains "PAY-2 credited in CAD" 'Credited in CAD:       $13.50' "$out"
assert_contains "PAY-3 wire fee" 'Wire fee charged:      $15.00' "$out"
assert_eq "PAY-2 recorded with currency and rate" "2,K-000001,2025-03-12,wire,13.50,USD,10.00,1.35,13.50,0.00,0.00," \
	"$(kc payment list --format csv | sed -n 3p)"
out=$(kc payment add --account K-000002 --amount 200 --method cheque --date 2025-03-12)
assert_contains "overpayment kept as credit" 'Kept as store credit:  $87.00' "$out"
assert_eq "CRD-3 credit expires two years later" "1,overpayment,2025-03-12,2027-03-12,87.00,87.00,active,#3" \
	"$(kc credit list --account K-000002 --format csv | tail -n +2)"
kc payment add --account K-000001 --amount 5 --method paypal 2>"$t/err"; rc=$?
assert_eq "paypal is not a payment method: exit 1" 1 "$rc"
assert_contains "PAY-1 message" "PAY-1" "$(cat "$t/err")"
kc payment add --account K-000001 --method visa 2>/dev/null; rc=$?
assert_eq "missing amount: exit 2" 2 "$rc"

# --- overdue (BIL-6) --------------------------------------------------------------
assert_eq "BIL-6 day 10 is not overdue yet" "" \
	"$(kc overdue --as-of 2025-02-20 --format csv | tail -n +2)"
assert_eq "overdue list" "K-000001,1,Émilie Côté,active,2025-02-10,30,1,35.97,93.46,overdue," \
	"$(kc overdue --as-of 2025-03-12 --format csv | tail -n +2)"
out=$(kc overdue --as-of 2025-03-12 --suspend); rc=$?
assert_eq "overdue --suspend exits 0" 0 "$rc"
assert_contains "overdue --suspend count" "Accounts suspended: 1" "$out"
assert_eq "suspended with reason overdue" "suspended" \
	"$(kc account list --format csv | grep K-000001 | cut -d, -f8)"
kc account reinstate K-000001 2>"$t/err"; rc=$?
assert_eq "BIL-6 no reinstatement while owing" 1 "$rc"
assert_contains "BIL-6 message" "BIL-6" "$(cat "$t/err")"
kc payment add --account K-000001 --amount 93.46 --method cheque --date 2025-03-13 >/dev/null \
	|| fail "pay the rest"
kc account reinstate K-000001 2>"$t/err"; rc=$?
assert_eq "BIL-6 the PAY-3 wire fee not invoiced yet is owed too" 1 "$rc"
assert_contains "BIL-6 amount owed named" "owes \$15.00, of which \$15.00 is not invoiced yet" "$(cat "$t/err")"
kc payment add --account K-000001 --amount 15 --method cheque --date 2025-03-13 >/dev/null \
	|| fail "pay the wire fee (store credit for the next invoice)"
kc account reinstate K-000001 >/dev/null || fail "BIL-6 reinstated once paid"

# --- chargebacks (PAY-4) ---------------------------------------------------------
out=$(kc payment chargeback 1 --date 2025-03-20); rc=$?
assert_eq "chargeback exits 0" 0 "$rc"
assert_contains "chargeback fee" 'Fee:                   $35.00' "$out"
assert_contains "chargeback suspends" "suspended (PAY-4)" "$out"
kc account reinstate K-000001 2>"$t/err"; rc=$?
assert_eq "PAY-4 no reinstatement while the reassessment waits for its invoice" 1 "$rc"
assert_contains "BIL-6 counts what is not invoiced yet" "not invoiced yet" "$(cat "$t/err")"
kc payment chargeback 2 --date 2025-03-21 >/dev/null || fail "second chargeback"
out=$(kc payment chargeback 4 --date 2025-03-22)
assert_contains "PAY-4 third chargeback flags closure" "flagged for closure" "$out"
if command -v sqlite3 >/dev/null; then
	assert_eq "flag stored" 1 "$(sqlite3 "$KC_DB" 'SELECT flagged_for_closure FROM accounts WHERE id = 1')"
fi
kc payment chargeback 4 2>"$t/err"; rc=$?
assert_eq "nothing left to charge back: exit 1" 1 "$rc"

# --- disputes, refunds, credit notes ------------------------------------------------
out=$(kc dispute add --account K-000001 --transaction-date 2025-02-10 --received 2025-03-12 \
	--description "Wrong amount")
assert_eq "PAY-6 day 30 is in time" "Dispute 1 recorded." "$out"
out=$(kc dispute add --account K-000001 --transaction-date 2025-02-10 --received 2025-03-13 \
	--description "Wrong amount")
assert_contains "PAY-6 day 31 is out of time" "out of time (PAY-6)" "$out"
kc payment refund --account K-000002 --amount 10 --to cheque --payment 3 --grounds non_use \
	2>"$t/err"; rc=$?
assert_eq "PAY-7 refused for non-use" 1 "$rc"
assert_contains "PAY-7 message" "PAY-7" "$(cat "$t/err")"
out=$(kc payment refund --account K-000002 --amount 10 --to store_credit --note "goodwill")
assert_contains "PAY-7 store credit refund" "Store credit 3 issued." "$out"
# --- the next cycle bills the fees, applies the credit --------------------------------
kc invoice run --as-of 2025-04-10 --quiet || fail "run april"
json=$(json1 6)
assert_contains "fees on the next invoice: chargeback fee" '"description": "Frais de rétrofacturation #1 (2025-03-20)"' "$json"
assert_contains "fees and reassessments billed" '"subtotal": "376.96"' "$json"
assert_contains "fees and reassessments not taxed" '"tax": "7.49"' "$json"
json=$(json1 7)
assert_contains "CRD-2 store credit applied after tax" '"kind": "store_credit"' "$json"
assert_contains "CRD-2 invoice covered" '"status": "credited"' "$json"

# --- credit notes (BIL-5) ------------------------------------------------------------
# invoice 6: 50.00 taxable + 326.96 fees (not taxable) = 376.96, GST 2.50, QST 4.99;
# the proportional tax of 10.00 is 0.07 + 0.13
out=$(kc credit-note add --invoice 6 --amount 10 --reason "billing error" --date 2025-04-15); rc=$?
assert_eq "credit note exits 0" 0 "$rc"
assert_contains "BIL-5 credit note numbered" "Credit note 1 issued on invoice 6." "$out"
assert_contains "BIL-5 credit note tax in proportion" 'Total:                 $10.20' "$out"
kc credit-note add --invoice 6 --amount 500 --reason "too much" 2>"$t/err"; rc=$?
assert_eq "BIL-5 credit note above the remaining: exit 1" 1 "$rc"
assert_contains "BIL-5 message" "BIL-5" "$(cat "$t/err")"
out=$(kc credit-note add --invoice 6 --amount 50 --tax 7.49 --reason "support waived")
assert_contains "explicit tax" 'Total:                 $57.49' "$out"

# --- read-only and roles -----------------------------------------------------------
kc --read-only invoice run --as-of 2025-05-10 2>"$t/err"; rc=$?
assert_eq "read-only run refused" 1 "$rc"
kc --read-only invoice list --format csv >/dev/null || fail "read-only list works"
out=$(kc check); rc=$?
assert_eq "check healthy" 0 "$rc"
assert_contains "derived totals consistent" "consistent" "$out"
pass
