#!/bin/sh
# test_cli_basics.sh: GNU --help/--version, usage errors (exit 2), unknown
# commands, init twice, check (healthy, then unhealthy: exit 1).
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)

# --help: stdout, exit 0, lists commands and exit codes.
out=$("$KC_BIN" --help 2>"$t/err"); rc=$?
assert_eq "--help exits 0" 0 "$rc"
assert_contains "--help usage line" "Usage: kenoconsole [OPTION]... [COMMAND [ARGUMENT]...]" "$out"
assert_contains "--help lists account add" "account add" "$out"
assert_contains "--help lists account paymethod remove" "account paymethod remove" "$out"
assert_contains "--help documents exit 2" "2  usage error" "$out"
assert_eq "--help writes nothing on stderr" "" "$(cat "$t/err")"

out=$("$KC_BIN" --version); rc=$?
assert_eq "--version exits 0" 0 "$rc"
assert_eq "--version first line" "kenoconsole 0.1.0" "$(echo "$out" | head -n 1)"

# Usage errors: message on stderr, the hint, exit 2, nothing on stdout.
out=$("$KC_BIN" --bogus 2>"$t/err"); rc=$?
assert_eq "unknown option exits 2" 2 "$rc"
assert_eq "unknown option: nothing on stdout" "" "$out"
assert_contains "unknown option named" "kenoconsole: Unrecognized option '--bogus'" "$(cat "$t/err")"
assert_contains "hint" "Try 'kenoconsole --help' for more information." "$(cat "$t/err")"

"$KC_BIN" -d 2>"$t/err"; rc=$?
assert_eq "-d without a file exits 2" 2 "$rc"

kc frobnicate 2>"$t/err"; rc=$?
assert_eq "unknown command exits 2" 2 "$rc"
assert_contains "unknown command named" "Unknown command 'frobnicate'" "$(cat "$t/err")"
kc account 2>"$t/err"; rc=$?
assert_eq "a group without its subcommand exits 2" 2 "$rc"
kc account frob 2>"$t/err"; rc=$?
assert_eq "unknown subcommand exits 2" 2 "$rc"
assert_contains "unknown subcommand named" "Unknown command 'account frob'" "$(cat "$t/err")"
kc account list --format xml 2>"$t/err"; rc=$?
assert_eq "bad option value exits 2" 2 "$rc"
assert_contains "command hint" "Try 'kenoconsole help account list'" "$(cat "$t/err")"
kc account show 2>"$t/err"; rc=$?
assert_eq "missing ID exits 2" 2 "$rc"
"$KC_BIN" --script x account list 2>"$t/err"; rc=$?
assert_eq "--script with a command exits 2" 2 "$rc"

out=$(kc help account close); rc=$?
assert_eq "help COMMAND exits 0" 0 "$rc"
assert_contains "help COMMAND synopsis" "account close ID --reason" "$out"
assert_contains "help COMMAND role" "administrator" "$out"
out=$(kc account add --help); rc=$?
assert_eq "COMMAND --help exits 0" 0 "$rc"
assert_contains "COMMAND --help synopsis" "--voipms-client ID" "$out"

# Before init there is no database: a failure (1), not a usage error.
kc check >/dev/null 2>"$t/err"; rc=$?
assert_eq "check without a database exits 1" 1 "$rc"
assert_contains "check says to init" "kenoconsole init" "$(cat "$t/err")"
check "no database file made by check" test ! -e "$KC_DB"

out=$(kc init); rc=$?
assert_eq "init exits 0" 0 "$rc"
assert_contains "init creates" "Created the database $KC_DB (schema version 1)." "$out"
out=$(kc init); rc=$?
assert_eq "init again exits 0" 0 "$rc"
assert_eq "init again changes nothing" "The database $KC_DB is up to date (schema version 1)." "$out"

out=$(kc check); rc=$?
assert_eq "check exits 0" 0 "$rc"
assert_contains "check path" "$KC_DB" "$out"
assert_contains "check journal" "Journal mode:          wal" "$out"
assert_contains "check schema" "Schema version:        1 (this program: 1)" "$out"
assert_contains "check quick_check" "Quick check:           ok" "$out"
assert_contains "check counts" "Accounts:              0 (pending 0, active 0, suspended 0, closed 0)" "$out"
assert_contains "check balances" "Balances:              consistent" "$out"
assert_eq "check verdict" "Healthy." "$(echo "$out" | tail -n 1)"
out=$(kc --read-only check); rc=$?
assert_eq "check read-only exits 0" 0 "$rc"
assert_contains "check says read-only" "Read-only:             yes" "$out"

# A derived balance that no longer matches its invoices: unhealthy, exit 1.
if command -v sqlite3 >/dev/null; then
	kc account add --holder "Jean Roy" --email jean@roy.example --province QC \
		--level basic --voipms-client 100001 >/dev/null || fail "account add"
	sqlite3 "$KC_DB" "UPDATE accounts SET balance_cents = 500" || fail "sqlite3 update"
	out=$(kc check); rc=$?
	assert_eq "inconsistent balance: check exits 1" 1 "$rc"
	assert_contains "the problem is named" "PROBLEM: 1 account balances" "$out"
else
	echo "# sqlite3 not installed: unhealthy check not tested"
fi
pass
