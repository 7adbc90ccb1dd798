#!/bin/sh
# test_cli_snapshot.sh: "snapshot FILE [--account ID] [--force]": a whole
# copy and a one-account copy (HIS-2: its whole history), both browsable
# read-only once the file and its folder are made read-only, changes refused
# with one message; existing files kept without --force; damaged files
# refused; snapshots taken while other processes write (WAL and DELETE
# journals) are each one consistent state.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 command is not installed"
sql() { sqlite3 -batch "$@"; }

kc init >/dev/null || fail "init"
kc demo --accounts 12 >/dev/null || fail "demo"

# --- usage -----------------------------------------------------------------
kc snapshot 2>"$t/err"; rc=$?
assert_eq "no FILE: usage error" 2 "$rc"
assert_contains "help names the command" "snapshot FILE [--account ID] [--force]" "$(kc help snapshot)"

# --- whole copy ----------------------------------------------------------------
out=$(kc snapshot "$t/whole.sqlite"); rc=$?
assert_eq "snapshot exits 0" 0 "$rc"
assert_contains "snapshot says what it saved" "Saved a consistent copy of $KC_DB (12 accounts" "$out"
assert_eq "copy: integrity" "ok" "$(sql "$t/whole.sqlite" 'PRAGMA integrity_check')"
assert_eq "copy: stand-alone journal" "delete" "$(sql "$t/whole.sqlite" 'PRAGMA journal_mode')"
assert_eq "copy: private mode" "600" "$(stat -c %a "$t/whole.sqlite")"
assert_eq "copy: no temporary file left" "" "$(ls "$t" | grep 'tmp-' || true)"
assert_eq "copy: same accounts" "$(kc account list --format csv)" \
	"$("$KC_BIN" -d "$t/whole.sqlite" account list --format csv)"

sum=$(cksum <"$t/whole.sqlite")
kc account edit K-000001 --phone 514-555-0100 >/dev/null || fail "edit"
kc snapshot "$t/whole.sqlite" >"$t/out" 2>"$t/err"; rc=$?
assert_eq "existing FILE: exit 1" 1 "$rc"
assert_eq "existing FILE: one message" \
	"kenoconsole: $t/whole.sqlite already exists; nothing was written (add --force to replace it)" \
	"$(cat "$t/err")"
assert_eq "existing FILE: untouched" "$sum" "$(cksum <"$t/whole.sqlite")"
kc snapshot --force "$t/whole.sqlite" >/dev/null || fail "--force"
assert_eq "--force: replaced with the newer state" "514-555-0100" \
	"$(sql "$t/whole.sqlite" 'SELECT phone FROM accounts WHERE number = '"'K-000001'")"
kc snapshot --force "$KC_DB" 2>"$t/err"; rc=$?
assert_eq "the database itself: refused" 1 "$rc"
assert_contains "the database itself: message" "is the database being copied" "$(cat "$t/err")"
kc snapshot "$t/no-such-dir/x.sqlite" 2>"$t/err"; rc=$?
assert_eq "missing folder: exit 1" 1 "$rc"
assert_contains "missing folder: message" "its folder does not exist" "$(cat "$t/err")"

# --- one account (HIS-2) -----------------------------------------------------------
kc snapshot --account K-000099 "$t/none.sqlite" 2>"$t/err"; rc=$?
assert_eq "unknown account: exit 1" 1 "$rc"
assert_eq "unknown account: no file" "no" "$([ -e "$t/none.sqlite" ] && echo yes || echo no)"
out=$(kc snapshot --account K-000002 "$t/one.sqlite"); rc=$?
assert_eq "account snapshot exits 0" 0 "$rc"
assert_contains "account snapshot says so" "holding only account K-000002" "$out"
assert_eq "account copy: integrity" "ok" "$(sql "$t/one.sqlite" 'PRAGMA integrity_check')"
assert_eq "account copy: references whole" "" "$(sql "$t/one.sqlite" 'PRAGMA foreign_key_check')"
assert_eq "account copy: only that account" "K-000002" \
	"$(sql "$t/one.sqlite" 'SELECT group_concat(number) FROM accounts')"
assert_eq "account copy: no other account's history" "0" \
	"$(sql "$t/one.sqlite" 'SELECT count(*) FROM audit WHERE account_id IS NOT 2')"
holder3=$(sql "$KC_DB" "SELECT holder FROM accounts WHERE number = 'K-000003'")
if grep -aqF "$holder3" "$t/one.sqlite"; then fail "account copy: another holder's name is in the file"; fi
echo "ok - account copy: no other holder's name in the file"

# --- read-only review ---------------------------------------------------------------------
mkdir "$t/ro" "$t/ro-whole"
cp "$t/one.sqlite" "$t/ro/review.sqlite"
cp "$t/whole.sqlite" "$t/ro-whole/review.sqlite"
chmod 0444 "$t/ro/review.sqlite" "$t/ro-whole/review.sqlite"
chmod 0555 "$t/ro" "$t/ro-whole"
ro() { "$KC_BIN" -d "$t/ro/review.sqlite" "$@"; }
assert_eq "read-only copy: the whole history" "$(kc account history K-000002 --format csv)" \
	"$(ro account history K-000002 --format csv)"
assert_eq "read-only copy: show" "$(kc account show K-000002 --format json)" \
	"$(ro account show K-000002 --format json)"
assert_contains "read-only copy: check says read-only" "Read-only:             yes" "$(ro check)"
ro account edit K-000002 --phone 514-555-0199 >"$t/out" 2>"$t/err"; rc=$?
assert_eq "read-only copy: change refused, exit 1" 1 "$rc"
assert_eq "read-only copy: one clear message" \
	"kenoconsole: The database is open read-only; nothing can be changed" "$(cat "$t/err")"
assert_eq "read-only copy: nothing printed" "" "$(cat "$t/out")"
"$KC_BIN" -d "$t/ro-whole/review.sqlite" account suspend K-000001 --reason breach 2>"$t/err"; rc=$?
assert_eq "read-only whole copy: change refused" 1 "$rc"
assert_eq "read-only whole copy: browsable" "$(kc account history K-000005 --format csv)" \
	"$("$KC_BIN" -d "$t/ro-whole/review.sqlite" account history K-000005 --format csv)"
assert_eq "read-only folders: no file added" "review.sqlite review.sqlite" \
	"$(ls "$t/ro" "$t/ro-whole" | grep -v '^/' | grep . | tr '\n' ' ' | sed 's/ $//')"
chmod 0755 "$t/ro" "$t/ro-whole"

# --- damaged files -----------------------------------------------------------------------
cp "$t/whole.sqlite" "$t/cut.sqlite"
truncate -s 40000 "$t/cut.sqlite"
"$KC_BIN" -d "$t/cut.sqlite" account list >"$t/out" 2>"$t/err"; rc=$?
assert_eq "truncated: exit 1" 1 "$rc"
assert_eq "truncated: clear message" \
	"kenoconsole: The database $t/cut.sqlite is damaged; restore it from a backup." "$(cat "$t/err")"
cp "$t/whole.sqlite" "$t/holes.sqlite"
dd if=/dev/zero of="$t/holes.sqlite" bs=4096 seek=3 count=4 conv=notrunc 2>/dev/null
"$KC_BIN" -d "$t/holes.sqlite" account history K-000001 2>"$t/err"; rc=$?
assert_eq "overwritten pages: exit 1" 1 "$rc"
assert_contains "overwritten pages: clear message" "is damaged; restore it from a backup" "$(cat "$t/err")"
"$KC_BIN" -d "$t/holes.sqlite" snapshot "$t/from-damaged.sqlite" 2>"$t/err"; rc=$?
assert_eq "snapshot of a damaged file: refused" 1 "$rc"
assert_eq "snapshot of a damaged file: no copy" "no" \
	"$([ -e "$t/from-damaged.sqlite" ] && echo yes || echo no)"

# --- snapshots while others write ----------------------------------------------------
# Writers: the CLI editing an account, and sqlite3 writing pairs of audit
# rows plus a counter in one transaction each.  Every snapshot must pass
# integrity_check and hold whole transactions only (an even number of rows,
# the counter equal to the pairs); no writer may fail (WAL: never blocked).
concurrent() { # $1: label; environment decides the journal
	db=$1.sqlite
	"$KC_BIN" -d "$t/$db" init >/dev/null || fail "$1: init"
	"$KC_BIN" -d "$t/$db" demo --accounts 30 >/dev/null || fail "$1: demo"
	sql "$t/$db" "INSERT INTO sequences VALUES ('snaptest', 1)" || fail "$1: seq"
	rm -f "$t/$1.writers-done" "$t/$1.writer-failures"
	(
		i=0
		while [ $i -lt 40 ]; do
			i=$((i + 1))
			"$KC_BIN" -d "$t/$db" account edit K-000001 --phone "514-555-$((1000 + i))" \
				>/dev/null 2>>"$t/$1.writer-failures.log" || echo x >>"$t/$1.writer-failures"
			sql "$t/$db" ".timeout 10000" "BEGIN IMMEDIATE;
				INSERT INTO audit (at, staff, entity, entity_id, action, new_values)
				VALUES ('2026-06-21T20:00:00Z', 'root', 'test', $i, 'test.pair', printf('%.*c', 3000, 'x'));
				UPDATE sequences SET next_value = next_value + 1 WHERE name = 'snaptest';
				INSERT INTO audit (at, staff, entity, entity_id, action, new_values)
				VALUES ('2026-06-21T20:00:00Z', 'root', 'test', $i, 'test.pair', printf('%.*c', 3000, 'y'));
				COMMIT;" >/dev/null 2>>"$t/$1.writer-failures.log" || echo x >>"$t/$1.writer-failures"
		done
		touch "$t/$1.writers-done"
	) &
	writer=$!
	n=0
	while [ $n -lt 30 ]; do
		n=$((n + 1))
		KENOCONSOLE_SNAPSHOT_SLOW_MS=10 "$KC_BIN" -d "$t/$db" snapshot "$t/$1-snap$n.sqlite" \
			>/dev/null 2>"$t/err" || fail "$1: snapshot $n: $(cat "$t/err")"
		[ -e "$t/$1.writers-done" ] && [ $n -ge 3 ] && break
	done
	wait "$writer"
	[ -e "$t/$1.writer-failures" ] && fail "$1: a writer failed: $(cat "$t/$1.writer-failures.log")"
	echo "ok - $1: no writer failed"
	k=1
	seen=""
	while [ $k -le $n ]; do
		f="$t/$1-snap$k.sqlite"
		[ "$(sql "$f" 'PRAGMA integrity_check')" = ok ] || fail "$1: snapshot $k: integrity"
		pairs=$(sql "$f" "SELECT count(*) FROM audit WHERE action = 'test.pair'")
		seq=$(sql "$f" "SELECT next_value - 1 FROM sequences WHERE name = 'snaptest'")
		[ $((pairs % 2)) -eq 0 ] || fail "$1: snapshot $k holds half a transaction ($pairs rows)"
		[ "$seq" -eq $((pairs / 2)) ] || fail "$1: snapshot $k: counter $seq for $pairs rows"
		case " $seen " in *" $pairs "*) ;; *) seen="$seen $pairs";; esac
		k=$((k + 1))
	done
	[ "$(echo "$seen" | wc -w)" -ge 2 ] || fail "$1: the snapshots were not taken during the writes ($seen)"
	echo "ok - $1: $n snapshots taken during 80 writes, each consistent (pairs:$seen)"
	assert_eq "$1: the last write is in the database" "40" \
		"$(sql "$t/$db" "SELECT next_value - 1 FROM sequences WHERE name = 'snaptest'")"
}
concurrent wal
assert_eq "wal: the database was in WAL mode" "wal" "$(sql "$t/wal.sqlite" 'PRAGMA journal_mode')"
export KENOCONSOLE_FORCE_NETFS=1
concurrent delete
unset KENOCONSOLE_FORCE_NETFS
assert_eq "delete: the database was in DELETE mode" "delete" \
	"$(sql "$t/delete.sqlite" 'PRAGMA journal_mode')"
pass
