#!/bin/sh
# test_cli_demo.sh: demo data is reproducible (same seed, same pinned day,
# same accounts), covers every status, both levels and all 13 provinces,
# goes only into a new database, and passes `check`.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)

out=$("$KC_BIN" -d "$t/a.sqlite" demo --accounts 300 --seed 7); rc=$?
assert_eq "demo exits 0" 0 "$rc"
assert_eq "demo reports" "Made 300 demo accounts in $t/a.sqlite (seed 7)." "$out"
"$KC_BIN" -d "$t/b.sqlite" demo --accounts 300 --seed 7 >/dev/null || fail "second demo"
"$KC_BIN" -d "$t/a.sqlite" account list --format csv >"$t/a.csv" || fail "list a"
"$KC_BIN" -d "$t/b.sqlite" account list --format csv >"$t/b.csv" || fail "list b"
check "same seed, same accounts" cmp -s "$t/a.csv" "$t/b.csv"
assert_eq "300 accounts" "300" "$(tail -n +2 "$t/a.csv" | wc -l | tr -d ' ')"
"$KC_BIN" -d "$t/c.sqlite" demo --accounts 300 --seed 8 >/dev/null || fail "third demo"
"$KC_BIN" -d "$t/c.sqlite" account list --format csv >"$t/c.csv" || fail "list c"
check "another seed, other accounts" test "$(cat "$t/a.csv")" != "$(cat "$t/c.csv")"

# Demo names and companies hold no comma, so cut is safe on this CSV.
col() { tail -n +2 "$t/a.csv" | cut -d, -f"$1" | sort -u | tr '\n' ' '; }
assert_eq "every status" "active closed pending suspended " "$(col 8)"
assert_eq "both levels" "basic fully_administered " "$(col 7)"
assert_eq "all 13 provinces" "AB BC MB NB NL NS NT NU ON PE QC SK YT " "$(col 6)"
qc=$(tail -n +2 "$t/a.csv" | cut -d, -f6 | grep -c QC)
on=$(tail -n +2 "$t/a.csv" | cut -d, -f6 | grep -c ON)
check "most accounts in QC and ON" test $((qc + on)) -gt 200
check "French names with accents" grep -q 'é' "$t/a.csv"
check "fake voip.ms clients" grep -q ',300001,' "$t/a.csv"

# The first accounts are the fixed cases: closed and barred (ACC-10),
# pending high risk (ACC-11).
db() { "$KC_BIN" -d "$t/a.sqlite" "$@"; }
assert_contains "ACC-10 barred account" '"reopen_barred": true' "$(db account show K-000005 --format json)"
assert_contains "ACC-11 high-risk account" '"high_risk": true' "$(db account show K-000006 --format json)"
check "consumer accounts" sh -c "'$KC_BIN' -d '$t/a.sqlite' account show K-000007 --format json | grep -q '\"kind\": \"consumer\"'"
check "payment methods masked" sh -c "'$KC_BIN' -d '$t/a.sqlite' account show K-000001 | grep -q '••••\\|Cheque\\|Wire'"
assert_contains "history written by the core functions" "account.create" \
	"$(db account history K-000004 --format csv)"

out=$(db demo --accounts 5 2>"$t/err"); rc=$?
assert_eq "demo refuses a database with accounts" 1 "$rc"
assert_contains "refusal names the count" "already holds 300 accounts" "$(cat "$t/err")"
db demo --accounts 0 2>/dev/null; rc=$?
assert_eq "--accounts 0 is a usage error" 2 "$rc"

out=$(db check); rc=$?
assert_eq "demo database is healthy" 0 "$rc"
assert_contains "demo counts" "Accounts:              300 (" "$out"

# --demo: the console's demo database lives in the data folder.
out=$("$KC_BIN" --demo account list --limit 1 --format csv 2>"$t/err"); rc=$?
assert_eq "--demo exits 0" 0 "$rc"
check "--demo made the data-folder database" test -f "$XDG_DATA_HOME/kenoconsole/demo.sqlite"
assert_eq "--demo has 200 accounts" "200" \
	"$("$KC_BIN" --demo account list --format csv | tail -n +2 | wc -l | tr -d ' ')"
pass
