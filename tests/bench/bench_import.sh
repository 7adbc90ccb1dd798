#!/bin/sh
# bench_import.sh: how fast `kenoconsole sync` imports one big voip.ms answer,
# next to the sqlite3 command-line shell importing the same JSON file into
# the same table of a copy of the same database (json_each).
#
#   KC_BIN=/path/to/kenoconsole sh tests/bench/bench_import.sh [CALLS]
#
# CALLS defaults to 200000, all in one answer (one 31-day window, so one
# request and one transaction).  The answer is served from memory by
# serve_answer.py on a loopback port, so the kenoconsole time is end to end:
# process start, database open, the HTTP transfer, parsing (cdr.c) and the
# upsert of every call (sync.c).  Prints calls/s for both and the ratio, and
# reports (never fails) when kenoconsole is not faster.  Needs python3 and sqlite3.
set -u
CALLS=${1:-200000}
here=$(cd "$(dirname "$0")" && pwd)
: "${KC_BIN:=$here/../../src/kenoconsole}"
[ -x "$KC_BIN" ] || { echo "bench_import: set KC_BIN to the kenoconsole binary" >&2; exit 2; }
for tool in python3 sqlite3; do
	command -v $tool >/dev/null 2>&1 || { echo "bench_import: $tool is needed" >&2; exit 77; }
done

t=$(mktemp -d "${TMPDIR:-/tmp}/kcbench.XXXXXX")
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# A pinned day, the 31 days up to it as the window.
export KENOCONSOLE_NOW=2025-04-15T16:00:00Z HOME="$t" XDG_CONFIG_HOME="$t/config" \
	XDG_DATA_HOME="$t/data" TZ=America/Toronto
FROM=2025-03-16 TO=2025-04-15

now_ms() { date +%s%3N; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }

echo "Generating one answer of $CALLS calls ($FROM to $TO)..."
python3 "$here/make_answer.py" "$CALLS" "$FROM" 31 "$t/answer.json" || exit 1
bytes=$(wc -c <"$t/answer.json")
python3 "$here/serve_answer.py" "$t/answer.json" >"$t/port" &
SERVER_PID=$!
i=0
while [ ! -s "$t/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
port=$(head -n 1 "$t/port")
[ -n "$port" ] || { echo "bench_import: the answer server did not start" >&2; exit 1; }

mkdir -p "$XDG_CONFIG_HOME/kenoconsole"
ini="$XDG_CONFIG_HOME/kenoconsole/kenoconsole.ini"
cat >"$ini" <<EOF
[voipms]
url = http://127.0.0.1:$port/api/v1/rest.php
username = bench@example.com
password = "bench-password"
timeout = 600
max_response_bytes = 1G
EOF
chmod 600 "$ini"

db="$t/kc.sqlite" db2="$t/sqlite3.sqlite"
"$KC_BIN" -d "$db" init >/dev/null || exit 1
"$KC_BIN" -d "$db" account add --holder "Bench" --email bench@example.com --province QC \
	--level basic --voipms-client 100001 --signed-on 2025-01-02 >/dev/null || exit 1
cp "$db" "$db2"

# --- kenoconsole ----------------------------------------------------------------
start=$(now_ms)
"$KC_BIN" -d "$db" sync --account 1 --from $FROM --to $TO >"$t/out" || exit 1
kc_ms=$(( $(now_ms) - start ))
kc_n=$(sqlite3 "$db" "SELECT count(*) FROM usage_records")
[ "$kc_n" -eq "$CALLS" ] || { echo "bench_import: kenoconsole imported $kc_n calls" >&2; exit 1; }

# --- the sqlite3 shell, same pragmas as kenoconsole's connection ----------------------
SQL="PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;
INSERT INTO usage_records (account_id, client, uniqueid, started_at, seconds, cost_units8,
 destination, callerid, description, disposition, currency)
SELECT 1, '100001', value ->> 'uniqueid',
 strftime('%Y-%m-%dT%H:%M:%SZ', value ->> 'date', '+4 hours'),
 CAST(value ->> 'seconds' AS INTEGER),
 CAST(round(CAST(value ->> 'total' AS REAL) * 100000000) AS INTEGER),
 value ->> 'destination', value ->> 'callerid', value ->> 'description',
 value ->> 'disposition', 'CAD'
FROM json_each(readfile('$t/answer.json'), '\$.cdr');"
start=$(now_ms)
sqlite3 "$db2" "$SQL" || exit 1
sq_ms=$(( $(now_ms) - start ))
sq_n=$(sqlite3 "$db2" "SELECT count(*) FROM usage_records")
[ "$sq_n" -eq "$CALLS" ] || { echo "bench_import: sqlite3 imported $sq_n calls" >&2; exit 1; }

kc_rate=$(rate "$CALLS" "$kc_ms") sq_rate=$(rate "$CALLS" "$sq_ms")
ratio=$(awk -v a="$sq_ms" -v b="$kc_ms" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo
echo "Answer: $CALLS calls, $bytes bytes, one request, one window"
printf '%-34s %8s s  %10s calls/s\n' "kenoconsole sync (end to end)" "$(secs $kc_ms)" "$kc_rate"
printf '%-34s %8s s  %10s calls/s\n' "sqlite3 INSERT ... json_each" "$(secs $sq_ms)" "$sq_rate"
echo "Ratio: kenoconsole is ${ratio}x the speed of the sqlite3 shell"
echo "  $(cat "$t/out")"
echo
echo "Reproduce: KC_BIN=$KC_BIN sh $here/bench_import.sh $CALLS"
echo "  kenoconsole: $KC_BIN -d DB sync --account 1 --from $FROM --to $TO"
echo "  sqlite3:     sqlite3 DB \"$(echo "$SQL" | tr '\n' ' ' | sed "s|$t/answer.json|answer.json|")\""
if [ "$kc_ms" -ge "$sq_ms" ]; then
	echo "Target missed: kenoconsole is not faster than the sqlite3 shell on this run" >&2
fi
exit 0
