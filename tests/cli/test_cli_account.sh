#!/bin/sh
# test_cli_account.sh: the account commands on a pinned clock: add (a refused
# one first writes nothing), list/show in text, CSV and JSON with exact values,
# edit (ACC-1 holder refused), lifecycle ACC-3/4/9/10/11 and TRM-8, payment
# methods ACC-8, history HIS-2, roles, read-only mode.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"

# --- add -------------------------------------------------------------------
kc account add --holder "Émilie Côté" --email not-an-address --province QC \
	--level basic --voipms-client 100001 >"$t/out" 2>"$t/err"; rc=$?
assert_eq "invalid email: exit 1" 1 "$rc"
assert_contains "invalid email: message" "kenoconsole: The email address \"not-an-address\" is not valid" "$(cat "$t/err")"
assert_eq "invalid email: nothing printed" "" "$(cat "$t/out")"
assert_eq "invalid email: nothing written" "id,number,holder,company,email,province,level,status,term,voipms_client,welcome_call,balance" \
	"$(kc account list --format csv)"
kc account add --holder "X" --email x@y.example --province QC --level basic 2>"$t/err"; rc=$?
assert_eq "missing required option: exit 2" 2 "$rc"
assert_contains "missing option named" "Missing option '--voipms-client'" "$(cat "$t/err")"

out=$(kc account add --holder "Émilie Côté" --email emilie@cote.example --province qc \
	--level basic --voipms-client 100001 --company "Plomberie Côté, inc." \
	--phone 514-555-0101 --city "Montréal" --expected-usage 250 --signed-on 2026-06-01); rc=$?
assert_eq "add exits 0" 0 "$rc"
assert_eq "add prints the number" "K-000001" "$out"
out=$(kc account add --holder "James Smith" --email james@smith.example --province ON \
	--level fully_administered --voipms-client 100002 --language en --term annual \
	--consumer --signed-on 2026-06-15 2>"$t/err"); rc=$?
assert_eq "second add" "K-000002" "$out"
assert_contains "ACC-12 consumer warning on an annual term" "ACC-12" "$(cat "$t/err")"
out=$(kc account add --holder "Paul Roy" --email paul@roy.example --province NS \
	--level basic --voipms-client 100003 --signed-on 2026-06-20)
assert_eq "third add" "K-000003" "$out"
kc account add --holder "Dup" --email d@d.example --province QC --level basic \
	--voipms-client 100001 2>"$t/err"; rc=$?
assert_eq "ACC-2 duplicate voip.ms client refused" 1 "$rc"

# --- list ------------------------------------------------------------------
assert_eq "list csv" "id,number,holder,company,email,province,level,status,term,voipms_client,welcome_call,balance
1,K-000001,Émilie Côté,\"Plomberie Côté, inc.\",emilie@cote.example,QC,basic,pending,monthly,100001,,0.00
2,K-000002,James Smith,,james@smith.example,ON,fully_administered,pending,annual,100002,,0.00
3,K-000003,Paul Roy,,paul@roy.example,NS,basic,pending,monthly,100003,,0.00" "$(kc account list --format csv)"
assert_eq "list json" '[
  {"id": 1, "number": "K-000001", "holder": "Émilie Côté", "company": "Plomberie Côté, inc.", "email": "emilie@cote.example", "province": "QC", "level": "basic", "status": "pending", "term": "monthly", "voipms_client": "100001", "welcome_call": null, "balance": "0.00"},
  {"id": 2, "number": "K-000002", "holder": "James Smith", "company": "", "email": "james@smith.example", "province": "ON", "level": "fully_administered", "status": "pending", "term": "annual", "voipms_client": "100002", "welcome_call": null, "balance": "0.00"},
  {"id": 3, "number": "K-000003", "holder": "Paul Roy", "company": "", "email": "paul@roy.example", "province": "NS", "level": "basic", "status": "pending", "term": "monthly", "voipms_client": "100003", "welcome_call": null, "balance": "0.00"}
]' "$(kc account list --format json)"
out=$(kc account list)
assert_contains "list text header" "Number    Holder" "$out"
assert_contains "list text row" "K-000001  Émilie Côté               Plomberie Côté, inc." "$out"
assert_contains "list text money" '$0.00' "$out"
assert_eq "list --search" "K-000002" "$(kc account list --search smith --format csv | tail -n +2 | cut -d, -f2)"
assert_eq "list --sort number --reverse --limit 1" "3,K-000003" \
	"$(kc account list --sort number --reverse --limit 1 --format csv | tail -n +2 | cut -d, -f1,2)"
assert_eq "list empty json" "[]" "$(kc account list --status closed --format json)"

# --- show --------------------------------------------------------------------
out=$(kc account show K-000001 --format json)
assert_contains "show json number" '"number": "K-000001"' "$out"
assert_contains "show json holder" '"holder": "Émilie Côté"' "$out"
assert_contains "show json company" '"company": "Plomberie Côté, inc."' "$out"
assert_contains "show json province" '"province": "QC"' "$out"
assert_contains "show json level" '"level": "basic"' "$out"
assert_contains "show json status" '"status": "pending"' "$out"
assert_contains "show json term" '"term": "monthly"' "$out"
assert_contains "show json client" '"voipms_client": "100001"' "$out"
assert_contains "show json usage exact" '"expected_usage": "250.00"' "$out"
assert_contains "show json balance exact" '"balance": "0.00"' "$out"
assert_contains "show json signed" '"signed_on": "2026-06-01"' "$out"
assert_contains "show json created at the pinned clock" '"created_at": "2026-06-21T20:00:00Z"' "$out"
assert_contains "show json history" '"action": "account.create"' "$out"
assert_contains "ACC-3 welcome call overdue flagged" '"welcome_call_overdue": true' "$out"
assert_eq "show by voip.ms client = by number" "$(kc account show K-000002 --format csv)" \
	"$(kc account show 100002 --format csv)"
assert_eq "show by id = by number" "$(kc account show K-000002 --format csv)" \
	"$(kc account show 2 --format csv)"
assert_eq "show csv header" "id,number,holder,company,email,phone,address,city,postal_code,province,language,delivery,kind,level,status,term,term_started,next_term,voipms_client,signed_on,welcome_call,welcome_call_overdue,closed_on,closure_reason,expected_usage,balance,high_risk,flagged_for_closure,reopen_barred,created_at,created_by,updated_at,updated_by,version" \
	"$(kc account show 1 --format csv | head -n 1)"
assert_contains "show csv row" '1,K-000001,Émilie Côté,"Plomberie Côté, inc.",emilie@cote.example,514-555-0101,,Montréal,,QC,fr,email,business,basic,pending,monthly,,,100001,2026-06-01,,true,,,250.00,0.00,false,false,false' \
	"$(kc account show 1 --format csv | tail -n 1)"
out=$(kc account show 1)
assert_contains "show text title" "Account K-000001 (id 1)" "$out"
assert_contains "show text usage" 'Expected usage:        $250.00' "$out"
assert_contains "show text address" "Address:               Montréal QC" "$out"
kc account show K-000099 2>"$t/err"; rc=$?
assert_eq "unknown account exits 1" 1 "$rc"
assert_contains "unknown account named" "K-000099" "$(cat "$t/err")"

# --- edit --------------------------------------------------------------------
out=$(kc account edit 1 --phone 438-555-0199 --email emilie.cote@cote.example); rc=$?
assert_eq "edit exits 0" 0 "$rc"
assert_eq "edit confirms" "Account K-000001 updated." "$out"
assert_contains "edit saved" '"email": "emilie.cote@cote.example"' "$(kc account show 1 --format json)"
kc account edit 1 --holder "Emilie Cote" 2>"$t/err"; rc=$?
assert_eq "ACC-1 holder change: exit 1" 1 "$rc"
assert_contains "ACC-1 named" "ACC-1" "$(cat "$t/err")"
assert_contains "ACC-1 holder unchanged" '"holder": "Émilie Côté"' "$(kc account show 1 --format json)"
kc account edit 1 2>/dev/null; rc=$?
assert_eq "edit without fields is a usage error" 2 "$rc"
kc account edit 1 --province ZZ 2>"$t/err"; rc=$?
assert_eq "edit invalid province: exit 1" 1 "$rc"

# --- lifecycle ---------------------------------------------------------------
kc account activate 1 --welcome-call 2026-05-30 2>"$t/err"; rc=$?
assert_eq "ACC-4 welcome call before signature refused" 1 "$rc"
assert_eq "ACC-4 activate" "Account K-000001 is active." "$(kc account activate 1 --welcome-call 2026-06-10)"
out=$(kc account show 1 --format json)
assert_contains "ACC-4 welcome call stored" '"welcome_call": "2026-06-10"' "$out"
assert_contains "ACC-3 active" '"status": "active"' "$out"
kc account activate 1 --welcome-call 2026-06-10 2>"$t/err"; rc=$?
assert_eq "ACC-3 activating twice refused" 1 "$rc"
assert_contains "ACC-3 named" "ACC-3" "$(cat "$t/err")"
kc account suspend 1 --reason sleepy 2>"$t/err"; rc=$?
assert_eq "ACC-9 unknown reason refused" 1 "$rc"
assert_contains "ACC-9 named" "ACC-9" "$(cat "$t/err")"
assert_eq "ACC-9 suspend" "Account K-000001 is suspended." \
	"$(kc account suspend K-000001 --reason breach --note 'Abuse report')"
assert_contains "ACC-9 suspended" '"status": "suspended"' "$(kc account show 1 --format json)"
assert_eq "BIL-6 reinstate with nothing owed" "Account K-000001 is active again." "$(kc account reinstate 1)"
assert_eq "ACC-10 close and bar" "Account K-000001 is closed and barred from reopening." \
	"$(kc account close 1 --reason harm --bar-reopening)"
out=$(kc account show 1 --format json)
assert_contains "ACC-10 closed" '"status": "closed"' "$out"
assert_contains "ACC-10 reason" '"closure_reason": "harm"' "$out"
assert_contains "ACC-10 barred" '"reopen_barred": true' "$out"
kc account reopen 1 --requested-by "Émilie Côté" --identity-check "passport seen" 2>"$t/err"; rc=$?
assert_eq "TRM-8 barred account not reopened" 1 "$rc"
if command -v sqlite3 >/dev/null; then
	sqlite3 "$KC_DB" "INSERT INTO store_credits (account_id, source, amount_cents,
		remaining_cents, issued_on, expires_on, created_by) VALUES (2, 'goodwill', 2500, 2500,
		'2026-01-01', '2028-01-01', 'root')" || fail "sqlite3"
	assert_eq "ACC-10 closure forfeits store credit (CRD-3)" "Account K-000002 is closed.
Store credit forfeited (CRD-3): 1 credit(s), \$25.00." "$(kc account close 2 --reason complaints)"
	assert_eq "CRD-3 forfeited in the same step" "forfeited" \
		"$(sqlite3 "$KC_DB" "SELECT status FROM store_credits WHERE account_id = 2")"
else
	kc account close 2 --reason complaints >/dev/null || fail "close 2"
fi
kc account reopen 2 --requested-by "Someone Else" --identity-check "ID seen" 2>"$t/err"; rc=$?
assert_eq "TRM-8 only the holder" 1 "$rc"
assert_contains "TRM-8 named" "TRM-8" "$(cat "$t/err")"
assert_eq "TRM-8 reopen" "Account K-000002 is reopened." \
	"$(kc account reopen 2 --requested-by "James Smith" --identity-check "driver's licence seen")"
assert_eq "ACC-11 mark" "Account K-000003 is marked high risk (documents requested)." "$(kc account high-risk 3 on)"
kc account activate 3 --welcome-call 2026-06-21 2>"$t/err"; rc=$?
assert_eq "ACC-11 high risk stays pending" 1 "$rc"
assert_contains "ACC-11 named" "ACC-11" "$(cat "$t/err")"
kc account high-risk 3 maybe 2>/dev/null; rc=$?
assert_eq "high-risk wants on|off" 2 "$rc"
kc account high-risk 3 off >/dev/null || fail "high-risk off"
kc account activate 3 --welcome-call 2026-06-21 >/dev/null || fail "ACC-11 cleared: activation"

# --- payment methods (ACC-8) --------------------------------------------------
kc account paymethod add 3 --kind visa --last4 "4242 4242 4242 4242" --expiry 2028-01 \
	>"$t/out" 2>"$t/err"; rc=$?
assert_eq "ACC-8 full card number refused" 1 "$rc"
assert_contains "ACC-8 named" "ACC-8" "$(cat "$t/err")"
case "$(cat "$t/err")" in *4242?4242*) fail "ACC-8 message echoes the card number";; esac
pm=$(kc account paymethod add 3 --kind visa --last4 4242 --expiry 2028-01 --token tok_abcdef)
assert_eq "paymethod add prints the id" "1" "$pm"
pm2=$(kc account paymethod add K-000003 --kind cheque --label "Post-dated cheques")
assert_eq "second method" "2" "$pm2"
out=$(kc account show 3)
assert_contains "masked card shown" "Visa •••• 4242 (01/28) [default]" "$out"
out=$(kc account show 3 --format json)
assert_contains "json last4 only" '"last4": "4242"' "$out"
assert_eq "PAY-5 remove" "Payment method 1 is removed." "$(kc account paymethod remove 1 --reason 'unauthorized use')"
assert_contains "default moves on" "Cheque — Post-dated cheques [default]" "$(kc account show 3)"
kc account paymethod remove abc --reason x 2>/dev/null; rc=$?
assert_eq "paymethod id must be a number" 2 "$rc"

# --- history (HIS-2) ----------------------------------------------------------
out=$(kc account history 1 --format csv)
assert_eq "history csv header" "id,at,staff,entity,entity_id,action,summary,old_values,new_values" "$(echo "$out" | head -n 1)"
assert_eq "history newest first" "account.close" "$(echo "$out" | sed -n 2p | cut -d, -f6)"
assert_eq "history has every change (refusals write nothing)" "6" "$(echo "$out" | tail -n +2 | wc -l | tr -d ' ')"
assert_eq "history --limit" "2" "$(kc account history 1 --limit 2 --format csv | tail -n +2 | wc -l | tr -d ' ')"
assert_contains "history json" '"action": "account.suspend"' "$(kc account history 1 --format json)"
assert_contains "history text" "Suspended: breach of terms (Abuse report)" "$(kc account history 1)"

# --- roles ------------------------------------------------------------------
if command -v sqlite3 >/dev/null; then
	sqlite3 "$KC_DB" "UPDATE staff SET role = 'agent'" || fail "sqlite3"
	kc account close 3 --reason harm 2>"$t/err"; rc=$?
	assert_eq "agent may not close" 1 "$rc"
	assert_contains "role named" "administrator" "$(cat "$t/err")"
	kc account edit 3 --phone 902-555-0100 >/dev/null || fail "agent may edit"
	sqlite3 "$KC_DB" "UPDATE staff SET role = 'admin'" || fail "sqlite3"
fi

# --- read-only --------------------------------------------------------------
before=$(kc account list --format csv)
kc --read-only account suspend 3 --reason breach 2>"$t/err"; rc=$?
assert_eq "--read-only refuses a change" 1 "$rc"
assert_eq "--read-only: one message" "kenoconsole: The database is open read-only; nothing can be changed" "$(cat "$t/err")"
chmod 444 "$KC_DB"
kc account add --holder "Ro" --email ro@ro.example --province QC --level basic \
	--voipms-client 100009 2>"$t/err"; rc=$?
assert_eq "read-only file refuses a change" 1 "$rc"
assert_eq "read-only file: one message" "kenoconsole: The database is open read-only; nothing can be changed" "$(cat "$t/err")"
assert_eq "read-only file still lists" "$before" "$(kc account list --format csv)"
chmod 644 "$KC_DB"
assert_eq "nothing was written" "$before" "$(kc account list --format csv)"
pass
