#!/bin/sh
# test_cli_ticket.sh: the ticket and sla-credit commands on a pinned clock:
# TKT-2 downgrade, SLA-1/SLA-2 deadlines, the queue order (TKT-6, SLA-3),
# replies and notes (the first reply stops the clock), TKT-5 states, TKT-6
# assignment, TKT-8 time, SLA-4 credits and the SLA-5 window, JSON/CSV keys.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
# Friday 21 June 2024, 16:00 in Toronto; Monday 24 June is the Fête nationale.
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2024-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
me=$(id -un)
kc init >/dev/null || fail "init"
kc account add --holder "Émilie Côté" --email e@cote.example --province QC --level basic \
	--voipms-client 100001 --signed-on 2024-01-02 >/dev/null || fail "basic account"
kc account add --holder "James Smith" --email j@smith.example --province ON \
	--level fully_administered --voipms-client 100002 --signed-on 2024-01-02 >/dev/null ||
	fail "fully administered account"

# --- add: TKT-2, SLA-1, SLA-2 ----------------------------------------------------
out=$(kc ticket add --account K-000001 --priority emergency --subject "Plus de tonalité" \
	2>"$t/err"); rc=$?
assert_eq "add exits 0" 0 "$rc"
assert_eq "add prints the number" "1" "$out"
assert_contains "TKT-2 downgrade noted" "accepted as Standard (TKT-2)" "$(cat "$t/err")"
json=$(kc ticket show 1 --format json)
assert_contains "TKT-2 priority applied" '"priority": "standard"' "$json"
assert_contains "TKT-2 priority requested" '"requested_priority": "emergency"' "$json"
assert_contains "SLA-2 Friday 16:00 before Saint-Jean: Thursday 16:00" \
	'"response_due": "2024-06-27T20:00:00Z"' "$json"
assert_contains "downgrade event" '"kind": "downgrade"' "$json"

out=$(kc ticket add --account 2 --priority urgent --subject "Echo" --channel alarm \
	--received "2024-06-21 12:00")
assert_eq "urgent received at noon (voicemail)" "2" "$out"
out=$(kc ticket add --account 100002 --priority emergency --subject "Down" \
	--received 2024-06-21T19:30Z)
assert_eq "emergency by voip.ms client id" "3" "$out"
kc ticket add --account 2 --priority critical --subject x 2>"$t/err"; rc=$?
assert_eq "unknown priority refused" 1 "$rc"
kc ticket add --account 2 --priority urgent --subject x --received tomorrow 2>"$t/err"; rc=$?
assert_eq "bad --received is a usage error" 2 "$rc"
kc ticket add --account 2 --priority urgent 2>"$t/err"; rc=$?
assert_eq "missing --subject is a usage error" 2 "$rc"
kc ticket add --account 2 --priority urgent --subject x --received "2024-06-21 16:01" \
	2>"$t/err"; rc=$?
assert_eq "received in the future refused" 1 "$rc"
assert_eq "refusals wrote nothing" "3" "$(kc ticket list --state all --format csv | tail -n +2 | wc -l | tr -d ' ')"

# --- the queue (TKT-6, SLA-3) ------------------------------------------------------
# 3: overdue (breached); 2: due exactly now (still on time); 1: due Thursday.
assert_eq "queue order" "3
2
1" "$(kc ticket list --format csv | tail -n +2 | cut -d, -f1)"
assert_eq "csv header" "number,account,subject,requested_priority,priority,state,channel,category,assigned_to,opened,response_due,responded,sla,breached,breached_at,time_left,version" \
	"$(kc ticket list --format csv | head -1)"
assert_eq "breached column" "true false false" \
	"$(kc ticket list --format csv | tail -n +2 | cut -d, -f14 | tr '\n' ' ' | sed 's/ $//')"
json=$(kc ticket list --format json)
assert_contains "json row of the breached ticket" '{"number": 3, "account": "K-000002", "subject": "Down", "requested_priority": "emergency", "priority": "emergency", "state": "new", "channel": "phone", "category": "support", "assigned_to": null, "opened": "2024-06-21T19:30:00Z", "response_due": "2024-06-21T19:45:00Z", "responded": null, "sla": "overdue", "breached": true, "breached_at": "2024-06-21T19:45:00Z", "time_left": "-0h15", "version": 1}' "$json"
out=$(kc ticket list)
assert_contains "text shows the breach" "BREACHED -0h15" "$out"
assert_contains "text shows the time left" "0h00" "$out"

# --- replies and notes: SLA-1 ------------------------------------------------------
out=$(kc ticket note 3 --text "Looking at the alarm first")
assert_contains "note added" "Internal note added to ticket 3" "$out"
assert_contains "a note does not stop the clock" '"responded": null' "$(kc ticket show 3 --format json)"
out=$(printf 'Bonjour,\n\nNous regardons.\n' | kc ticket reply 2 --file -)
assert_contains "first reply stops the clock exactly at the deadline" "SLA met" "$out"
json=$(kc ticket show 2 --format json)
assert_contains "responded at" '"responded": "2024-06-21T20:00:00Z"' "$json"
assert_contains "reply opens a new ticket" '"state": "open"' "$json"
assert_contains "multi-line body kept" '"body": "Bonjour,\n\nNous regardons."' "$json"
kc ticket reply 2 --text "x" --file - </dev/null 2>"$t/err"; rc=$?
assert_eq "--text and --file together: usage" 2 "$rc"

# SLA-1: Urgent answered at 3h59 is on time, at 4h01 breached.
n=$(kc ticket add --account 2 --priority urgent --subject a --received "2024-06-21 10:00")
out=$(kc ticket reply "$n" --text "ok" --at "2024-06-21 13:59")
assert_contains "SLA-1 urgent at 3h59: met" "SLA met" "$out"
n=$(kc ticket add --account 2 --priority urgent --subject b --received "2024-06-21 10:00")
out=$(kc ticket reply "$n" --text "ok" --at "2024-06-21 14:01")
assert_contains "SLA-1 urgent at 4h01: breached" "breached (late reply)" "$out"
assert_contains "SLA-1 4h01 breached in json" '"breached": true' "$(kc ticket show "$n" --format json)"
kc ticket note "$n" --text "late" --at "2024-06-21 12:00" 2>"$t/err"; rc=$?
assert_eq "history stays in time order" 1 "$rc"
assert_contains "named TKT-5" "TKT-5" "$(cat "$t/err")"

# --- states (TKT-5) ----------------------------------------------------------------
kc ticket status 1 waiting 2>"$t/err"; rc=$?
assert_eq "new -> waiting refused" 1 "$rc"
assert_contains "refusal names TKT-5" "TKT-5" "$(cat "$t/err")"
kc ticket status 1 paused 2>"$t/err"; rc=$?
assert_eq "unknown state is a usage error" 2 "$rc"
for s in open waiting open resolved open resolved closed; do
	kc ticket status 1 "$s" >/dev/null || fail "status $s"
done
assert_contains "closed" '"state": "closed"' "$(kc ticket show 1 --format json)"
assert_contains "resolving answered it" '"sla": "met"' "$(kc ticket show 1 --format json)"
kc ticket reply 1 --text "hello?" 2>"$t/err"; rc=$?
assert_eq "closed ticket takes no reply" 1 "$rc"
assert_eq "closed tickets leave the default queue" "" \
	"$(kc ticket list --format csv | tail -n +2 | cut -d, -f1 | grep -x 1)"
assert_eq "--state closed" "1" "$(kc ticket list --state closed --format csv | tail -n +2 | cut -d, -f1)"

# --- assignment (TKT-6) and time (TKT-8) --------------------------------------------
out=$(kc ticket assign 2 "$me")
assert_contains "assigned" "assigned to $me" "$out"
assert_eq "--mine" "2" "$(kc ticket list --mine --format csv | tail -n +2 | cut -d, -f1)"
assert_eq "--unassigned leaves it out" "" "$(kc ticket list --unassigned --format csv | cut -d, -f1 | grep -x 2)"
kc ticket assign 2 nobody-at-all 2>"$t/err"; rc=$?
assert_eq "unknown staff refused" 1 "$rc"
assert_contains "names TKT-6" "TKT-6" "$(cat "$t/err")"
assert_contains "unassign" "no longer assigned" "$(kc ticket assign 2 --none)"
out=$(kc ticket log-time 2 --minutes 30 --note "Diagnostic")
assert_contains "support time is not billable by default" "not billable" "$out"
n=$(kc ticket add --account 1 --priority standard --subject "Rapport" --category consulting)
out=$(kc ticket log-time "$n" --minutes 90 --date 2024-06-21)
assert_contains "TKT-8 consulting time is billable" "billable on the next invoice" "$out"
kc ticket log-time 2 --minutes 0 2>"$t/err"; rc=$?
assert_eq "zero minutes is a usage error" 2 "$rc"
assert_contains "time in show" "30 min (0 billable, 0 invoiced)" "$(kc ticket show 2)"

# --- priority -------------------------------------------------------------------------
kc ticket priority "$n" urgent 2>"$t/err"; rc=$?
assert_eq "TKT-2 urgent on a basic account refused" 1 "$rc"
assert_contains "names TKT-2" "TKT-2" "$(cat "$t/err")"

# --- SLA credits (SLA-4, SLA-5) -------------------------------------------------------
out=$(kc sla-credit request --ticket 3); rc=$?
assert_eq "credit request exits 0" 0 "$rc"
assert_contains "SLA-4 10% of 150.00" 'SLA credit granted for ticket 3: $15.00' "$out"
kc sla-credit request --ticket 3 2>"$t/err"; rc=$?
assert_eq "one request per ticket" 1 "$rc"
assert_contains "names SLA-4" "SLA-4" "$(cat "$t/err")"
kc sla-credit request --ticket 2 2>"$t/err"; rc=$?
assert_eq "a ticket answered on time grounds nothing" 1 "$rc"
# Breached on 1 May 2024 (10:15); asked on 1 June: day 31.
old=$(kc ticket add --account 2 --priority emergency --subject "May outage" --received "2024-05-01 10:00")
kc sla-credit request --ticket "$old" --date 2024-06-01 2>"$t/err"; rc=$?
assert_eq "SLA-5 day 31 refused" 1 "$rc"
assert_contains "refusal recorded with its reason" "(recorded): SLA-5" "$(cat "$t/err")"
assert_eq "sla-credit list csv" "id,ticket,account,requested_on,incident_month,status,amount,reason
2,$old,K-000002,2024-06-01,2024-05,refused,0.00,SLA-5: requested 31 days after the breach of 2024-05-01; the limit is 30 days
1,3,K-000002,2024-06-21,2024-06,granted,15.00," "$(kc sla-credit list --format csv)"
assert_eq "sla-credit list by account" "[]" "$(kc sla-credit list --account K-000001 --format json)"
assert_contains "credit in ticket show" "granted" "$(kc ticket show 3)"

# --- read-only and help ---------------------------------------------------------------
"$KC_BIN" -d "$KC_DB" --read-only ticket add --account 2 --priority urgent --subject x \
	2>"$t/err"; rc=$?
assert_eq "read-only refuses a new ticket" 1 "$rc"
assert_contains "help lists ticket commands" "ticket log-time" "$(kc help ticket)"
assert_contains "help lists sla-credit commands" "sla-credit request" "$(kc help sla-credit)"
pass
