#!/bin/sh
# test_fault_io_errors.sh: write errors injected with libfiu (fiu-run -x)
# into the real binary: every failed command exits 1 with one line
# "kenoconsole: ...", never crashes, and is all or nothing (an account and
# its audit row together, the numbering without a gap); the file passes
# integrity_check after every run.  A snapshot either publishes a copy that
# passes integrity_check or leaves no file at all.
#
# How the errors reach SQLite: its unix VFS calls pwrite64, fdatasync and
# ftruncate64 through its own system call table, but that table holds the
# addresses the dynamic linker resolved, so libfiu's LD_PRELOAD wrappers
# are reached (checked first: the test skips when they are not).  Only the
# calls SQLite and the snapshot use for files are failed, never write(2),
# so messages still reach stderr.  Failed calls set errno EIO (failinfo=5).
# Read errors: test_fault_read_errors.sh.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
command -v fiu-run >/dev/null 2>&1 || skip "fiu-run is not installed (Debian: fiu-utils)"
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 command is not installed"
# libfiu's preload crashes an ASan build at start (both wrap the same libc
# calls): such a build skips, an ordinary build runs.
fiu-run -x -f '' "$KC_BIN" --version >/dev/null 2>&1 ||
	skip "libfiu's preload cannot run this build (a sanitizer build?)"
# A sanitizer build wants its runtime first in the library list; the
# preload comes before it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
sql() { sqlite3 -batch "$KC_DB" "$@"; }
EIO=failinfo=5
no_crash() { # $1 label, $2 exit code, $3 stderr file
	[ "$2" -lt 128 ] || fail "$1: killed by signal $(($2 - 128))"
	! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$3" || fail "$1: $(cat "$3")"
	[ "$2" -le 1 ] || fail "$1: exit $2: $(cat "$3")"
}
one_message() { # $1 label, $2 stderr file
	if [ "$(wc -l <"$2")" -ne 1 ] || ! grep -q '^kenoconsole: ' "$2"; then
		fail "$1: expected one line 'kenoconsole: ...', got: $(cat "$2")"
	fi
}
intact() { # $1 label: integrity, and accounts == creations == numbers taken
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "$1: integrity_check"
	n=$(sql 'SELECT count(*) FROM accounts')
	[ "$n" = "$(sql "SELECT count(*) FROM audit WHERE action = 'account.create'")" ] ||
		fail "$1: $n accounts but another number of creation audit rows"
	[ "$n" = "$(sql "SELECT next_value - 1 FROM sequences WHERE name = 'account'")" ] ||
		fail "$1: the account numbering has a gap"
}
add() { # $1 number: one account add
	kc account add --holder "Holder $1" --email "h$1@example.com" --province QC \
		--level basic --voipms-client "$((7000 + $1))"
}

kc init >/dev/null || fail "init"
add 0 >/dev/null || fail "first add"

# Do libfiu's wrappers reach SQLite here?  A probe on a copy of the file.
cp "$KC_DB" "$t/probe.sqlite"
fiu-run -x -f '' -c "enable name=posix/io/rw/pwrite,$EIO" \
	-c "enable name=posix/io/sync/fdatasync,$EIO" "$KC_BIN" -d "$t/probe.sqlite" \
	account edit 1 --phone 514-555-0100 >/dev/null 2>&1 &&
	skip "libfiu's preload does not reach SQLite's file I/O on this system"

# --- each write call failing every time ------------------------------------------
n=0
for point in posix/io/rw/pwrite posix/io/sync/fdatasync; do
	n=$((n + 1))
	before=$(sql 'SELECT count(*) FROM accounts')
	fiu-run -x -f '' -c "enable name=$point,$EIO" "$KC_BIN" -d "$KC_DB" account add \
		--holder "Failing $n" --email "f$n@example.com" --province QC --level basic \
		--voipms-client "$((8000 + n))" >"$t/out" 2>"$t/err"
	rc=$?
	no_crash "$point" $rc "$t/err"
	assert_eq "$point: exit 1" 1 "$rc"
	assert_eq "$point: clear message" \
		"kenoconsole: The database file could not be read or written (input/output error); nothing was saved." \
		"$(cat "$t/err")"
	assert_eq "$point: nothing printed" "" "$(cat "$t/out")"
	intact "$point"
	assert_eq "$point: nothing saved" "$before" "$(sql 'SELECT count(*) FROM accounts')"
done

# --- random write errors, many runs ------------------------------------------------
# Probabilities per call; an account add makes a few dozen of these calls.
ok=0 failed=0 i=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	before=$(sql 'SELECT count(*) FROM accounts')
	fiu-run -x -f '' -c "enable_random name=posix/io/rw/pwrite,probability=0.03,$EIO" \
		-c "enable_random name=posix/io/sync/fdatasync,probability=0.1,$EIO" \
		-c "enable_random name=posix/io/rw/ftruncate,probability=0.2,$EIO" \
		"$KC_BIN" -d "$KC_DB" account add --holder "Random $i" --email "r$i@example.com" \
		--province QC --level basic --voipms-client "$((9000 + i))" >"$t/out" 2>"$t/err"
	rc=$?
	no_crash "random run $i" $rc "$t/err"
	intact "random run $i"
	after=$(sql 'SELECT count(*) FROM accounts')
	if [ $rc -eq 0 ]; then
		ok=$((ok + 1))
		[ "$after" -eq $((before + 1)) ] || fail "random run $i: success but $before -> $after accounts"
		[ "$(cat "$t/out")" = "$(printf 'K-%06d' "$after")" ] || fail "random run $i: printed $(cat "$t/out")"
	else
		failed=$((failed + 1))
		one_message "random run $i" "$t/err"
		[ "$after" -eq "$before" ] || fail "random run $i: said nothing was saved, but $before -> $after accounts"
	fi
done
echo "ok - 40 runs with random write errors: $ok saved, $failed refused, each all or nothing"

# --- an edit: all or nothing --------------------------------------------------------------
before=$(sql "SELECT phone || '|' || version FROM accounts WHERE id = 1")
fiu-run -x -f '' -c "enable name=posix/io/sync/fdatasync,$EIO" "$KC_BIN" -d "$KC_DB" \
	account edit 1 --phone 514-555-0142 >"$t/out" 2>"$t/err"
rc=$?
no_crash "edit" $rc "$t/err"
assert_eq "edit on a failing disk: exit 1" 1 "$rc"
one_message "edit on a failing disk" "$t/err"
assert_eq "edit on a failing disk: old values kept" "$before" \
	"$(sql "SELECT phone || '|' || version FROM accounts WHERE id = 1")"
intact "edit"

# --- snapshots: a whole copy or none --------------------------------------------------
kc demo --accounts 1 >/dev/null 2>&1 # refused (accounts exist): only to be sure it does not crash
i=0 copies=0 refused=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	rm -f "$t"/snap.sqlite*
	fiu-run -x -f '' -c "enable_random name=posix/io/rw/pwrite,probability=0.002,$EIO" \
		-c "enable_random name=posix/io/sync/fdatasync,probability=0.05,$EIO" \
		-c "enable_random name=posix/io/sync/fsync,probability=0.1,$EIO" \
		"$KC_BIN" -d "$KC_DB" snapshot "$t/snap.sqlite" >"$t/out" 2>"$t/err"
	rc=$?
	no_crash "snapshot run $i" $rc "$t/err"
	if [ $rc -eq 0 ]; then
		copies=$((copies + 1))
		[ "$(sqlite3 "$t/snap.sqlite" 'PRAGMA integrity_check')" = ok ] ||
			fail "snapshot run $i: the published copy is damaged"
		[ "$(sqlite3 "$t/snap.sqlite" 'SELECT count(*) FROM accounts')" = "$(sql 'SELECT count(*) FROM accounts')" ] ||
			fail "snapshot run $i: the copy lacks accounts"
	else
		refused=$((refused + 1))
		one_message "snapshot run $i" "$t/err"
		[ -z "$(ls "$t" | grep '^snap\.sqlite')" ] ||
			fail "snapshot run $i: refused but left $(ls "$t" | grep '^snap\.sqlite')"
	fi
	intact "after snapshot run $i"
done
echo "ok - 20 snapshots with random write errors: $copies published whole, $refused left nothing"

# --- demo on a new file: one batch, all or nothing -----------------------------------------
i=0
while [ $i -lt 10 ]; do
	i=$((i + 1))
	db=$t/demo$i.sqlite
	fiu-run -x -f '' -c "enable_random name=posix/io/rw/pwrite,probability=0.01,$EIO" \
		-c "enable_random name=posix/io/sync/fdatasync,probability=0.1,$EIO" \
		"$KC_BIN" -d "$db" demo --accounts 20 >"$t/out" 2>"$t/err"
	rc=$?
	no_crash "demo run $i" $rc "$t/err"
	[ $rc -eq 0 ] || one_message "demo run $i" "$t/err"
	[ -e "$db" ] || continue # failed before the file was made
	KC_DB=$db
	# A file left by a failed creation may hold no schema yet: that is
	# all or nothing too.  Otherwise: every account or none.
	tables=$(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'accounts'")
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "demo run $i: integrity_check"
	if [ "$tables" = 1 ]; then
		n=$(sql 'SELECT count(*) FROM accounts')
		[ $rc -eq 0 ] && [ "$n" != 20 ] && fail "demo run $i: success with $n accounts"
		[ "$n" = 0 ] || [ "$n" = 20 ] || fail "demo run $i: $n of 20 accounts (half a batch)"
	fi
done
echo "ok - 10 demo runs with random write errors: each all or nothing"
pass
