#!/bin/sh
# test_tui_terminations.sh: one termination request walked through the
# console from the request to the closed account, one key per step
# (TRM-1 refusal of a non-holder first, then the holder's request, TRM-2
# approval, schedule, end of service, TRM-6 final invoice, TRM-4 transfer
# request with its due date, the five TRM-5 checklist steps, the transfer,
# TRM-7 closure with the balance owed), and the pending termination shown
# in the Accounts and Invoices details meanwhile.  The final invoice is
# issued with the [billing] settings (rate, GST number).  Then an ACC-10
# closure from the Accounts pane, told with what it forfeited.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)
# Settings the final invoice must follow (not the built-in defaults).
mkdir -p "$XDG_CONFIG_HOME/kenoconsole"
cat >"$XDG_CONFIG_HOME/kenoconsole/kenoconsole.ini" <<EOF
[billing]
consulting_hourly_rate = 90.00
gst_number = 987654321 RT0001
EOF
chmod 600 "$XDG_CONFIG_HOME/kenoconsole/kenoconsole.ini"
kc init >/dev/null || fail "init"
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2026-04-01 >/dev/null || fail "account add"
kc account activate K-000001 --welcome-call 2026-04-02 >/dev/null || fail "activate"
kc invoice run >/dev/null || fail "invoice run"
# An hour of billable consulting after the last cycle: the final invoice
# bills it (TRM-6, TKT-8) at the configured rate.
kc ticket add --account K-000001 --priority standard --subject "Call flow" >/dev/null \
	|| fail "ticket add"
kc ticket log-time 1 --minutes 60 --billable yes >/dev/null || fail "log time"
invoices=$(kc invoice list --format csv | tail -n +2 | wc -l)
final=$((invoices + 1))

# Tab x 3: the Terminations pane.  The first request comes from someone
# else (TRM-1: refused and recorded); the holder then asks.
cat >"$t/keys" <<EOF
<Tab><Tab><Tab>
:save-display $t/empty.txt
c
:type K-000001
<Tab>
:type Marc Gagnon
<F2>
:save-display $t/refused.txt
<Esc>
c
:type K-000001
<Tab>
:type JOSÉE tremblay
<F2>
:save-display $t/requested.txt
1
:type Holder called back to confirm
<F2>
:save-display $t/approved.txt
<Tab>
:save-display $t/accounts.txt
<Tab>
:save-display $t/invoices.txt
<Tab><Tab>
3
<F2>
4
<F2>
:save-display $t/ended.txt
5
<Enter>
:save-display $t/final.txt
6
<F2>
:save-display $t/transfer.txt
7
<Enter>
7
<Enter>
7
<Enter>
7
<Enter>
:save-display $t/checks.txt
7
<Enter>
:save-display $t/checked.txt
8
<F2>
:save-display $t/transferred.txt
9
:save-display $t/close.txt
<Enter>
:save-display $t/closed.txt
f
<Down>
<Enter>
:save-display $t/all.txt
EOF
tui_run_script "$t/keys"

screen_has "empty pane says how to start" "No termination request: press c to record one" "$t/empty.txt"
screen_has "TRM-1: a non-holder is refused" "TRM-1" "$t/refused.txt"
screen_has "TRM-1: the form stays open" "New termination request" "$t/refused.txt"
screen_has "requested (names compared ignoring case)" "Termination request 2 recorded" "$t/requested.txt"
grep -q '^ *2 K-000001 .*requested' "$t/requested.txt" || fail "request not listed: $(cat "$t/requested.txt")"
echo "ok - the request is listed"
screen_has "approved (TRM-2)" "Request 2 approved" "$t/approved.txt"
screen_has "detail: the decision with its note" "Decision: approved: Holder called back" "$t/approved.txt"
screen_has "Accounts detail: termination pending" "Terminating: request 2, approved" "$t/accounts.txt"
screen_has "Invoices detail: termination pending" "Terminating: request 2" "$t/invoices.txt"
screen_has "service ended" "Service of request 2 ended" "$t/ended.txt"
screen_has "detail: scheduled and ended" "Service end: 2026-06-21, done 2026-06-21" "$t/ended.txt"
# $90.00 + GST 5 % + QST 9.975 % = $103.48
screen_has "final invoice issued and linked (TRM-6)" \
	"Final invoice $final issued (\$103.48) and linked to request 2" "$t/final.txt"
kc invoice statement "$final" >"$t/final-show" || fail "invoice statement $final"
grep -q "987654321 RT0001" "$t/final-show" \
	|| fail "final invoice without the configured GST number: $(cat "$t/final-show")"
echo "ok - the final invoice follows the [billing] settings"
screen_has "transfer requested (TRM-4)" "Transfer requested for request 2" "$t/transfer.txt"
# 2026-06-21 + 10 business days: Saint-Jean-Baptiste (06-24) and Canada Day
# (07-01) are holidays.
screen_has "transfer due date (TRM-4)" "2026-07-07" "$t/transfer.txt"
screen_has "checklist: four ticked, one left" "(1 left)" "$t/checks.txt"
screen_has "checklist: ticks shown with who" "[x] " "$t/checks.txt"
screen_has "checklist done (TRM-5)" "(0 left)" "$t/checked.txt"
screen_has "transferred on time" "Request 2 transferred on time" "$t/transferred.txt"
screen_has "closure asks first, with the balance owed" "Balance owed:" "$t/close.txt"
screen_has "closure told (TRM-7)" "Account K-000001 closed: balance owed" "$t/closed.txt"
screen_lacks "closed request leaves the open list" "transferred" "$t/closed.txt"
grep -q '^ *2 K-000001 .*closed' "$t/all.txt" || fail "closed request not in the full list: $(cat "$t/all.txt")"
echo "ok - every request listed, the closed one too"
grep -q '^ *1 K-000001 .*refused' "$t/all.txt" || fail "refused request not kept: $(cat "$t/all.txt")"
echo "ok - the refused request is kept (TRM-1)"
kc termination show 2 >"$t/show" || fail "termination show"
grep -qi "closed" "$t/show" || fail "request not closed: $(cat "$t/show")"
echo "ok - the request is closed in the database"
kc account show K-000001 >"$t/acc"
grep -q "Status: *closed" "$t/acc" || fail "account not closed: $(cat "$t/acc")"
echo "ok - the account is closed (TRM-7)"

# ACC-10: Kenotronix closes another account from the Accounts pane (X):
# its store credit is forfeited (CRD-3) and its coupon void (PRC-2) in the
# closure's transaction, and the message line says what was forfeited.
kc account add --holder "Luc Roy" --email luc@example.com --province QC \
	--level basic --voipms-client 100002 --signed-on 2026-04-01 >/dev/null || fail "account add 2"
kc account activate K-000002 --welcome-call 2026-04-02 >/dev/null || fail "activate 2"
kc credit add --account K-000002 --amount 20.00 --source goodwill >/dev/null || fail "credit add"
coupon=
if command -v sqlite3 >/dev/null; then
	sqlite3 "$KC_DB" "INSERT INTO coupons (account_id, code, amount_cents, created_at, created_by)
		SELECT id, 'BIENVENUE', 1000, '2026-06-01T12:00:00Z', 'root' FROM accounts
		WHERE number = 'K-000002'" || fail "sqlite3 coupon"
	coupon=", coupons: 1"
fi
cat >"$t/acc10.keys" <<EOF
j
X
:save-display $t/acc10-form.txt
<Right>
<F2>
:save-display $t/acc10.txt
EOF
tui_run_script "$t/acc10.keys"
screen_has "ACC-10 form names the forfeits" "Store credit is" "$t/acc10-form.txt"
screen_has "ACC-10 closure told with what was forfeited" \
	"Account K-000002 closed; forfeited: credit \$20.00$coupon" "$t/acc10.txt"
kc account show K-000002 >"$t/acc2"
grep -q "Status: *closed" "$t/acc2" || fail "account 2 not closed: $(cat "$t/acc2")"
echo "ok - the account is closed (ACC-10)"
kc credit list --account K-000002 | grep -q ' forfeited' \
	|| fail "credit not forfeited: $(kc credit list --account K-000002)"
echo "ok - its store credit is forfeited (CRD-3)"
if [ -n "$coupon" ]; then
	assert_eq "its coupon is void (PRC-2)" void \
		"$(sqlite3 "$KC_DB" "SELECT status FROM coupons WHERE code = 'BIENVENUE'")"
fi
pass
