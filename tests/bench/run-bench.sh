#!/bin/sh
# run-bench.sh: `make bench`.  Measures kenoconsole on a 100000-account demo
# database and prints a report (also written to last-report.txt here):
#  1. the demo database itself (made once, cached in $KC_BENCH_DIR);
#  2. the console (real binary, key-script mode, TERM=xterm, 80x24): first
#     screen, 100 page-downs, jump to the end, two searches; wall time
#     (median of $KC_BENCH_RUNS runs) and peak memory, beside the sqlite3
#     shell running the same list queries on the same file; memory after
#     100, 2000 and all page-downs;
#  3. a billing run one month after the demo's last billing, on a copy;
#  4. the import benchmark (bench_import.sh) when present.
# Benchmarks report; they never fail on speed.  Exit 1 only when something
# could not be measured (a command failed, a screen was not the expected one).
#
#   KC_BIN=src/kenoconsole KC_BENCH_DIR=DIR sh tests/bench/run-bench.sh
#
# Environment: KC_BIN (the binary), KC_BENCH_DIR (cache folder, default
# tests/bench-data), KC_BENCH_REPORT (report file), KC_BENCH_RUNS (5),
# KC_BENCH_ACCOUNTS (100000), KC_BENCH_REBUILD=1 (remake the cached demo),
# KC_BENCH_KEEP=1 (keep the billing copy), KC_BENCH_SKIP_IMPORT=1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${KC_BIN:=$here/../../src/kenoconsole}"
: "${KC_BENCH_DIR:=$here/../bench-data}"
: "${KC_BENCH_REPORT:=$here/last-report.txt}"
[ -x "$KC_BIN" ] || { echo "run-bench: no kenoconsole binary at $KC_BIN (set KC_BIN)" >&2; exit 2; }
for tool in python3 sqlite3; do
	command -v $tool >/dev/null 2>&1 || { echo "run-bench: $tool is needed" >&2; exit 77; }
done
KC_BIN=$(cd "$(dirname "$KC_BIN")" && pwd)/$(basename "$KC_BIN")
mkdir -p "$KC_BENCH_DIR" || exit 1
KC_BENCH_DIR=$(cd "$KC_BENCH_DIR" && pwd)
export KC_BIN KC_BENCH_DIR KC_BENCH_REPORT
exec python3 "$here/run_bench.py"
