#!/bin/sh
# test_tui_tickets.sh: the Tickets pane in script mode on a pinned clock:
# open a ticket through the form (TKT-2: the priority downgrade is told in
# the form before saving, and after), see its SLA clock running in the
# queue with the time left (SLA-1, SLA-3), reply in $EDITOR and see the
# clock stop ("met"), the reply in the ticket's history (TKT-5), an
# internal note that does not touch the clock, a state change, and the
# queue sorted breached first.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE VISUAL
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"
kc account add --holder "Josée Tremblay" --email josee@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2026-05-14 >/dev/null || fail "account add"
kc account activate K-000001 --welcome-call 2026-05-21 >/dev/null || fail "activate"
# An older request, unanswered for days: breached, so first in the queue.
kc ticket add --account K-000001 --priority standard --subject "No dial tone" \
	--received "2026-06-15 10:00" >/dev/null || fail "ticket add"

cat >"$t/reply.sh" <<'EOF'
#!/bin/sh
printf 'We reset your line; please try again.\nSecond line of the reply.\n' >"$1"
EOF
cat >"$t/note.sh" <<'EOF'
#!/bin/sh
printf 'Checked the trunk, all green.\n' >"$1"
EOF
chmod +x "$t/reply.sh" "$t/note.sh"

# Tab x 2: the Tickets pane.
cat >"$t/keys" <<EOF
<Tab><Tab>
:save-display $t/queue.txt
c
:type K-000001
<Tab>
<Right>
<Tab>
:type Echo on outgoing calls
:save-display $t/form.txt
<F2>
:save-display $t/created.txt
EOF
tui_run_script "$t/keys"

screen_has "queue lists the old ticket" "No dial tone" "$t/queue.txt"
screen_has "the old ticket is breached (SLA-3)" "BREACHED" "$t/queue.txt"
screen_has "form: downgrade told before saving (TKT-2)" \
	"becomes Standard: not fully administered (TKT-2)" "$t/form.txt"
screen_has "form: urgent chosen" "< Urgent >" "$t/form.txt"
screen_has "created: downgrade told" "Ticket 2 opened as Standard" "$t/created.txt"
first=$(grep -n 'No dial tone' "$t/created.txt" | head -1 | cut -d: -f1)
second=$(grep -n 'Echo on outgoi' "$t/created.txt" | head -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$second" ] && [ "$first" -lt "$second" ] \
	|| fail "breached ticket not first: $(cat "$t/created.txt")"
echo "ok - breached first in the queue"
grep -q '^ *2 K-000001 Standard  new .*[0-9]h' "$t/created.txt" \
	|| fail "the new ticket's time left not shown: $(cat "$t/created.txt")"
echo "ok - the new ticket's clock runs with its time left"

# Select the new ticket (second in the queue), reply, note, change state.
cat >"$t/keys2" <<EOF
<Tab><Tab>
j
:save-display $t/before.txt
w
:save-display $t/replied.txt
<Enter>
G
:save-display $t/history.txt
<Esc>
t
<Down>
<Enter>
:save-display $t/state.txt
EOF
EDITOR="$t/reply.sh" tui_run_script "$t/keys2"
grep -q "Reply recorded on ticket 2: the SLA clock stopped" "$t/replied.txt" \
	|| fail "reply not told with the clock stopping: $(cat "$t/replied.txt")"
echo "ok - reply told: the SLA clock stopped"
screen_has "selected the new ticket" "── Ticket 2" "$t/before.txt"
grep -q "SLA clock: [0-9]*d* *[0-9]*h" "$t/before.txt" || fail "clock not running: $(cat "$t/before.txt")"
echo "ok - clock running before the reply"
screen_has "detail: the downgrade in the history (TKT-2)" "priority lowered" "$t/before.txt"
grep -q '^ *2 K-000001 .* met ' "$t/replied.txt" \
	|| fail "queue does not show the clock stopped (met): $(cat "$t/replied.txt")"
echo "ok - the queue shows the clock stopped (met)"
screen_has "detail: clock stopped" "SLA clock: met" "$t/replied.txt"
screen_has "detail: answered when" "Answered: 2026-06-21 16:00" "$t/replied.txt"
screen_has "history shows the reply (TKT-5)" "We reset your line; please try again." "$t/history.txt"
screen_has "history keeps every line" "Second line of the reply." "$t/history.txt"
screen_has "state changed (TKT-5)" "Ticket 2 is now" "$t/state.txt"
kc ticket show 2 >"$t/show" || fail "ticket show"
grep -qi "met" "$t/show" || fail "ticket 2 not met in the database: $(cat "$t/show")"
echo "ok - the SLA outcome is met in the database"

# Ticket 2 is resolved now: out of the queue of open tickets.  A note on
# the breached ticket 1 leaves its clock alone (only replies stop it).
cat >"$t/keys3" <<EOF
<Tab><Tab>
:save-display $t/queue2.txt
i
:save-display $t/noted.txt
EOF
EDITOR="$t/note.sh" tui_run_script "$t/keys3"
screen_lacks "resolved ticket left the open queue" "Echo on outgoi" "$t/queue2.txt"
screen_has "note told" "Internal note added to ticket 1" "$t/noted.txt"
screen_has "the note is in the history" "internal note: Checked the tr" "$t/noted.txt"
screen_has "a note does not stop the clock" "SLA clock: BREACHED" "$t/noted.txt"
assert_contains "note stored" "Checked the trunk, all green." "$(kc ticket show 1)"
pass
