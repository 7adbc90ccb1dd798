#!/bin/sh
# test_tui_usage.sh: the account usage view (issue 5) and the voip.ms sync
# from the console, in tmux against the loopback fake voip.ms, slowed down
# so that the sync takes several windows: the progress bar shows and moves,
# Esc stops the sync cleanly between two windows (the run is recorded
# "stopped", the windows done are kept, the console stays usable), then the
# usage view lists the calls per billing cycle, invoiced and pending, and
# the calls of one cycle.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
tui_need_tmux
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)

FAKE_PID=
stop_fake() { [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; wait 2>/dev/null; FAKE_PID=; }
trap 'stop_fake; kc_cleanup' EXIT
# Each answer waits 0.5 s: the sync of 17 windows would last about 9 s.
FAKE_VOIPMS_PASSWORD=tui-fake-pw python3 "$KC_TOP_SRCDIR/tests/fake-voipms/fake_voipms.py" \
	--user tui@example.com --calls-per-day 3 --fault slow:0.5 >"$t/port" 2>"$t/fake.err" &
FAKE_PID=$!
i=0
while [ ! -s "$t/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(head -n 1 "$t/port")
[ -n "$PORT" ] || fail "the fake voip.ms did not start: $(cat "$t/fake.err")"
conf="$XDG_CONFIG_HOME/kenoconsole"
mkdir -p "$conf"
cat >"$conf/kenoconsole.ini" <<EOF
[voipms]
url = http://127.0.0.1:$PORT/api/v1/rest.php
username = tui@example.com
password = "tui-fake-pw"
EOF
chmod 600 "$conf/kenoconsole.ini"
kc init >/dev/null || fail "init"
kc account add --holder "Émilie Côté" --email emilie@cote.example --province QC \
	--level basic --voipms-client 100001 --signed-on 2025-01-02 >/dev/null || fail "add"
kc account activate K-000001 --welcome-call 2025-01-10 >/dev/null || fail "activate"

tui_tmux_start U 100x30 "env KENOCONSOLE_NOW=$KENOCONSOLE_NOW $KC_BIN -d $KC_DB"
tui_wait_for U "Accounts (1)"
tui_keys U Y
tui_wait_for U "Fetch voip.ms usage of"
tui_keys U Enter
tui_wait_for U "Esc stops after the current window"
tui_wait_line U "[1-9][0-9]* calls read, [1-9][0-9]* windows saved" 15
tui_wait_line U "#+\.+ +[0-9]+ %" 5
tui_keys U Escape
tui_wait_for U "Sync of K-000001 stopped" 15
runs=$(kc sync runs --account K-000001 --format csv) || fail "sync runs"
assert_contains "the run is recorded stopped" ",stopped," "$runs"
windows=$(printf '%s\n' "$runs" | tail -n 1 | cut -d, -f7)
[ -n "$windows" ] && [ "$windows" -gt 0 ] && [ "$windows" -lt 17 ] \
	|| fail "stopped between windows, some saved: [$runs]"
echo "ok - stopped after $windows whole windows"
total=$(kc usage summary --account K-000001 --format csv | tail -n +2 | cut -d, -f4 \
	| awk '{s += $1} END {print s + 0}')
[ "$total" -gt 0 ] || fail "no call kept from the windows done"
echo "ok - the calls of the windows done are kept"

# The console stays usable: the usage view of the account.
tui_keys U u
tui_wait_for U "Usage of K-000001"
tui_keys U G
tui_wait_for U "cycle 0: 2025-01-10 to 2025-02-09"
tui_wait_line U "^ +0 2025-01-10 2025-02-09 +[1-9][0-9]* " 5
screen=$(tui_screen U)
assert_contains "cycle detail: invoiced and pending" "0 calls invoiced" "$screen"
assert_contains "the last sync is told" "stopped" "$screen"
tui_keys U Enter
tui_wait_for U "Calls of K-000001"
tui_wait_line U "^20[0-9-]+ [0-9:]+ +[0-9]+ +[0-9]+:[0-9]+:[0-9]+ +[0-9]+\.[0-9]{8} +pending" 5
tui_keys U Escape Escape q
pass
