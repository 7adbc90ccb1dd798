#!/bin/sh
# test_cli_sync.sh: `kenoconsole sync`, `sync runs`, `usage list` and
# `usage summary` against the loopback fake voip.ms (tests/fake-voipms): two
# syncs give the same totals, overlapping periods never duplicate, every
# fault gives its message, exit 1 and changes nothing but its sync_runs row,
# the API password never shows in stderr, the fake's request log or the
# process list, kill -9 in the middle then a rerun gives exactly the totals
# of a clean sync and shows the killed run interrupted, SIGHUP stops between
# windows like TERM, PAY-2 currency refusal.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2025-04-15T16:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
CANARY=canary-Pw-cli-9d41f7
USER_NAME=reseller-cli@example.com

# --- the fake, its password through the environment (never argv) -----------
FAKE_PID=
stop_fake() { [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; wait 2>/dev/null; FAKE_PID=; }
trap 'stop_fake; kc_cleanup' EXIT
FAKE_VOIPMS_PASSWORD=$CANARY python3 "$KC_TOP_SRCDIR/tests/fake-voipms/fake_voipms.py" \
	--user "$USER_NAME" --log "$t/fake.log" --calls-per-day 3 \
	--clients 100001,100002,100003 --empty-clients 100003 >"$t/port" 2>"$t/fake.err" &
FAKE_PID=$!
i=0
while [ ! -s "$t/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(head -n 1 "$t/port")
[ -n "$PORT" ] || fail "the fake voip.ms did not start: $(cat "$t/fake.err")"
control() { # POST /control?QUERY (python3: curl may be missing)
	python3 -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=b""), timeout=10).read()' \
		"http://127.0.0.1:$PORT/control?$1" || fail "control $1"
}

# --- configuration: the file holding the password must be 0600 -------------
conf="$XDG_CONFIG_HOME/kenoconsole"
mkdir -p "$conf"
cat >"$conf/kenoconsole.ini" <<EOF
[voipms]
url = http://127.0.0.1:$PORT/api/v1/rest.php
username = $USER_NAME
password = "$CANARY"
connect_timeout = 5
timeout = 20
max_response_bytes = 1M
EOF
chmod 644 "$conf/kenoconsole.ini"
kc init >"$t/out" 2>"$t/err"; rc=$?
assert_eq "a readable config holding the password is refused" 1 "$rc"
case "$(cat "$t/err")" in *"$CANARY"*) fail "password in the refusal";; esac
chmod 600 "$conf/kenoconsole.ini"
kc init >/dev/null || fail "init"
# A second file for the slow case (read last, overrides the timeout).
printf '[voipms]\ntimeout = 1\n' >"$t/short.ini"

kc account add --holder "Émilie Côté" --email emilie@cote.example --province QC \
	--level basic --voipms-client 100001 --signed-on 2025-01-02 >/dev/null || fail "add 1"
kc account activate K-000001 --welcome-call 2025-01-10 >/dev/null || fail "activate 1"
kc account add --holder "Paul Roy" --email paul@roy.example --province ON \
	--level basic --voipms-client 100003 --signed-on 2025-01-02 >/dev/null || fail "add 2"

usage_csv() { kc usage list --account K-000001 --format csv; }
state() { # everything a failed sync must leave alone (runs excluded)
	usage_csv
	kc account list --format csv
	kc usage summary --account K-000001 --format csv
}
runs_csv() { kc sync runs --account K-000001 --format csv; }

# --- sync, twice: same totals ------------------------------------------------
out=$(kc sync --account K-000001 --from 2025-03-01 --to 2025-03-31 2>"$t/err"); rc=$?
assert_eq "sync exits 0" 0 "$rc"
assert_eq "piped: one summary line" \
	"Sync done: accounts 1, windows 1, new calls 93, unchanged 0, changed 0, adjustments 0, amount $(usage_csv | awk -F, 'NR > 1 { split($5, p, "."); s += p[1] * 100000000 + p[2] } END { printf "%d.%08d", s / 100000000, s % 100000000 }')" \
	"$out"
assert_eq "no progress when stderr is not a terminal" "" "$(cat "$t/err")"
usage_csv >"$t/usage1"
assert_eq "93 calls listed" 94 "$(wc -l <"$t/usage1")"
assert_eq "usage list header" "account,uniqueid,started,seconds,cost,invoice,destination,disposition,description" \
	"$(head -n 1 "$t/usage1")"
assert_eq "costs are exact 8-decimal strings, started UTC instants" "" \
	"$(sed 1d "$t/usage1" | cut -d, -f3,5 | grep -Ev '^2025-0[34]-[0-9]{2}T[0-9:]{8}Z,[0-9]+\.[0-9]{8}$')"
out=$(kc sync --account 1 --from 2025-03-01 --to 2025-03-31)
assert_contains "second sync: nothing new" "new calls 0, unchanged 93, changed 0" "$out"
usage_csv >"$t/usage2"
check "two syncs give the same usage" cmp -s "$t/usage1" "$t/usage2"

# --- overlapping periods: no duplicates --------------------------------------
out=$(kc sync --account 100001 --from 2025-03-20 --to 2025-04-10)
assert_contains "overlap: only the new days are new" "new calls 30, unchanged 36" "$out"
assert_eq "no duplicate call" "$(usage_csv | sed 1d | cut -d, -f2 | sort -u | wc -l)" \
	"$(usage_csv | sed 1d | wc -l)"
assert_eq "123 calls" 123 "$(usage_csv | sed 1d | wc -l)"

# --- usage list filters and summary --------------------------------------------
assert_eq "--from/--to are office days" 3 \
	"$(kc usage list --account 1 --from 2025-03-10 --to 2025-03-10 --format csv | sed 1d | wc -l)"
assert_eq "--limit" 5 "$(kc usage list --account 1 --limit 5 --format csv | sed 1d | wc -l)"
kc usage list --account 1 --limit 1 --format json >"$t/json" || fail "json"
check "json cost is a decimal string, invoice null" grep -Eq '"cost": "[0-9]+\.[0-9]{8}", "invoice": null' "$t/json"
sum=$(kc usage summary --account 1 --format csv)
assert_eq "summary header" "cycle,from,to,calls,seconds,cost,invoiced,pending" "$(echo "$sum" | head -n 1)"
assert_contains "summary: cycle 3 (Apr 10 - May 9)" "3,2025-04-10,2025-05-09,3," "$sum"
assert_contains "summary: cycle 2 (Mar 10 - Apr 9), 31 days" "2,2025-03-10,2025-04-09,93," "$sum"
assert_eq "summary calls add up" 123 "$(echo "$sum" | awk -F, 'NR > 1 { s += $4 } END { print s }')"
out=$(kc usage summary --account 1)
assert_contains "text summary: pending line" "Not invoiced yet: 123 calls" "$out"

# --- bad command lines --------------------------------------------------------
kc sync --account 1 --all >/dev/null 2>&1; rc=$?
assert_eq "--account with --all: exit 2" 2 "$rc"
kc sync --account 1 --from 2025-02-30 >/dev/null 2>"$t/err"; rc=$?
assert_eq "bad date: exit 2" 2 "$rc"
kc sync --account 1 --from 2025-04-01 --to 2025-03-01 >/dev/null 2>"$t/err"; rc=$?
assert_eq "reversed period: exit 1" 1 "$rc"
assert_contains "reversed period: message" "after the end date" "$(cat "$t/err")"
kc usage list >/dev/null 2>&1; rc=$?
assert_eq "usage list without --account: exit 2" 2 "$rc"
kc --read-only sync --account 1 >/dev/null 2>"$t/err"; rc=$?
assert_eq "read-only: exit 1" 1 "$rc"

# --- every fault: its message, exit 1, nothing changed but its run -------------
state >"$t/state.before"
runs_before=$(runs_csv | sed 1d | wc -l)
for case in \
	"http500|HTTP error 500" "html503|HTTP error 503" "text522|HTTP error 522" \
	"slow&arg=4|did not answer in time" "truncated|cut off" \
	"reset|Could not reach voip.ms" "huge&arg=3000000|larger than the limit" \
	"api_limit_exceeded|too many requests" "ip_not_enabled|IP address" \
	"invalid_credentials|API password"; do
	fault=${case%%|*} msg=${case#*|}
	control "fault=$fault"
	extra=
	[ "${fault%%&*}" = slow ] && extra="-c $t/short.ini"
	# shellcheck disable=SC2086
	"$KC_BIN" $extra -d "$KC_DB" sync --account 1 --from 2025-04-11 --to 2025-04-12 \
		>"$t/out" 2>"$t/err"; rc=$?
	control "clear=1"
	assert_eq "$fault: exit 1" 1 "$rc"
	assert_contains "$fault: message" "kenoconsole: " "$(cat "$t/err")"
	assert_contains "$fault: cause" "$msg" "$(cat "$t/err")"
	assert_contains "$fault: account and window" "(account K-000001, calls of 2025-04-11 to 2025-04-12)" "$(cat "$t/err")"
	assert_eq "$fault: nothing on stdout" "" "$(cat "$t/out")"
	case "$(cat "$t/err")" in *"$CANARY"*|*"$USER_NAME"*) fail "$fault: secret in stderr";; esac
	state >"$t/state.after"
	check "$fault: usage, invoices and balances unchanged" cmp -s "$t/state.before" "$t/state.after"
	runs_before=$((runs_before + 1))
	assert_eq "$fault: the attempt is recorded" "$runs_before" "$(runs_csv | sed 1d | wc -l)"
	assert_contains "$fault: recorded as failed with its cause" ",failed,0,0,0,0,0.00000000," \
		"$(runs_csv | sed -n 2p)"
	assert_contains "$fault: recorded cause" "$msg" "$(runs_csv | sed -n 2p)"
done

# --- the password: never in a request line, a header, argv -----------------------
if grep -q -- "$CANARY" "$t/fake.log"; then fail "password in the fake's request log"; fi
grep -q "^FIELDS .*api_password" "$t/fake.log" || fail "the password field was not sent"
echo "ok - password only in the request body"
control "fault=slow&arg=3"
kc sync --account 1 --from 2025-04-13 --to 2025-04-13 >/dev/null 2>&1 &
sync_pid=$!
sleep 1
ps -eo args >"$t/ps"
wait $sync_pid || fail "slow sync"
control "clear=1"
grep -q "kenoconsole.*sync --account 1" "$t/ps" || fail "the sync was not running during ps"
if grep -q -- "$CANARY" "$t/ps"; then fail "password in the process list"; fi
echo "ok - password not in the process list"
if grep -q -- "$CANARY" "$KC_DB" 2>/dev/null; then fail "password in the database"; fi

# --- all accounts -------------------------------------------------------------------
out=$(kc sync --all --from 2025-04-14 --to 2025-04-15); rc=$?
assert_eq "sync --all exits 0" 0 "$rc"
assert_contains "sync --all: two accounts, one window each" "accounts 2, windows 2, new calls 6" "$out"

# --- kill -9 in the middle, then a rerun: exactly the clean totals --------------
ref_db="$t/ref.sqlite" kill_db="$t/kill.sqlite"
for db in "$ref_db" "$kill_db"; do
	"$KC_BIN" -d "$db" init >/dev/null || fail "init $db"
	"$KC_BIN" -d "$db" account add --holder "A" --email a@a.example --province QC \
		--level basic --voipms-client 100001 --signed-on 2024-12-01 >/dev/null || fail "add"
done
"$KC_BIN" -d "$ref_db" sync --account 1 --from 2025-01-01 --to 2025-04-15 >/dev/null || fail "reference sync"
control "fault=slow&arg=2"
"$KC_BIN" -d "$kill_db" sync --account 1 --from 2025-01-01 --to 2025-04-15 >/dev/null 2>&1 &
sync_pid=$!
i=0
while [ $i -lt 200 ]; do # until the first window is committed
	w=$("$KC_BIN" -d "$kill_db" sync runs --account 1 --format csv 2>/dev/null | sed -n 2p | cut -d, -f7)
	[ -n "$w" ] && [ "$w" -ge 1 ] && break
	sleep 0.1
	i=$((i + 1))
done
kill -9 $sync_pid
wait $sync_pid 2>/dev/null
control "clear=1"
part=$("$KC_BIN" -d "$kill_db" usage list --account 1 --format csv | sed 1d | wc -l)
[ "$part" -gt 0 ] && [ "$part" -lt 315 ] || fail "kill -9 should leave whole windows only (got $part calls)"
[ $((part % 93)) -eq 0 ] || fail "a window cut in the middle ($part calls)"
echo "ok - killed after $part calls (whole windows)"
assert_contains "the killed run stays visible" ",running," "$("$KC_BIN" -d "$kill_db" sync runs --account 1 --format csv)"
"$KC_BIN" -d "$kill_db" sync --account 1 --from 2025-01-01 --to 2025-04-15 >"$t/out" || fail "rerun"
assert_contains "rerun: the rest is new" "new calls $((315 - part)), unchanged $part" "$(cat "$t/out")"
# The rerun found the killed run without a live owner: failed, "interrupted".
runs=$("$KC_BIN" -d "$kill_db" sync runs --account 1 --format csv)
assert_eq "no run left running" "" "$(echo "$runs" | grep ',running,')"
assert_contains "the killed run is shown interrupted" ",failed,$((part / 93))," "$(echo "$runs" | sed -n 3p)"
assert_contains "the killed run says why" "Interrupted: the program ended" "$(echo "$runs" | sed -n 3p)"
assert_contains "the rerun itself is ok" ",ok," "$(echo "$runs" | sed -n 2p)"

# --- SIGHUP (terminal or ssh session gone): stops between windows, like TERM ---------
hup_db="$t/hup.sqlite"
"$KC_BIN" -d "$hup_db" init >/dev/null || fail "init $hup_db"
"$KC_BIN" -d "$hup_db" account add --holder "A" --email a@a.example --province QC \
	--level basic --voipms-client 100001 --signed-on 2024-12-01 >/dev/null || fail "add"
control "fault=slow&arg=1"
"$KC_BIN" -d "$hup_db" sync --account 1 --from 2025-01-01 --to 2025-04-15 >"$t/out" 2>"$t/err" &
sync_pid=$!
i=0
while [ $i -lt 200 ]; do # until the first window is committed
	w=$("$KC_BIN" -d "$hup_db" sync runs --account 1 --format csv 2>/dev/null | sed -n 2p | cut -d, -f7)
	[ -n "$w" ] && [ "$w" -ge 1 ] && break
	sleep 0.1
	i=$((i + 1))
done
kill -HUP $sync_pid
wait $sync_pid; rc=$?
control "clear=1"
assert_eq "SIGHUP: exit 1 (stopped), not killed by the signal" 1 "$rc"
assert_contains "SIGHUP: says it stopped" "Stopped at your request" "$(cat "$t/err")"
runs=$("$KC_BIN" -d "$hup_db" sync runs --account 1 --format csv)
assert_contains "SIGHUP: the run is recorded stopped" ",stopped," "$(echo "$runs" | sed -n 2p)"
hup=$("$KC_BIN" -d "$hup_db" usage list --account 1 --format csv | sed 1d | wc -l)
[ "$hup" -gt 0 ] && [ "$hup" -lt 315 ] && [ $((hup % 93)) -eq 0 ] \
	|| fail "SIGHUP should stop between windows (got $hup calls)"
echo "ok - SIGHUP stopped after $hup calls (whole windows)"
"$KC_BIN" -d "$ref_db" usage list --account 1 --format csv >"$t/ref.csv"
"$KC_BIN" -d "$kill_db" usage list --account 1 --format csv >"$t/kill.csv"
check "rerun after kill -9 gives exactly the clean sync's calls" cmp -s "$t/ref.csv" "$t/kill.csv"
assert_eq "clean and rerun summaries agree" \
	"$("$KC_BIN" -d "$ref_db" usage summary --account 1 --format csv)" \
	"$("$KC_BIN" -d "$kill_db" usage summary --account 1 --format csv)"

# --- PAY-2: another currency needs a rate ----------------------------------------
printf '[voipms]\ncurrency = USD\n' >"$t/usd.ini"
"$KC_BIN" -c "$t/usd.ini" -d "$KC_DB" sync --account 1 >/dev/null 2>"$t/err"; rc=$?
assert_eq "PAY-2: USD without a rate refused" 1 "$rc"
assert_contains "PAY-2: message" "conversion_rate" "$(cat "$t/err")"
printf '[voipms]\ncurrency = USD\nconversion_rate = 1.35\n' >"$t/usd.ini"
"$KC_BIN" -c "$t/usd.ini" -d "$KC_DB" sync --account 2 --from 2025-04-15 --to 2025-04-15 >/dev/null \
	|| fail "PAY-2: USD with a rate"
echo "ok - PAY-2 rate accepted"
pass
