#!/bin/sh
# test_fault_read_errors.sh: read errors injected with libfiu (pread64 of
# SQLite's unix VFS failing with EIO at random, see
# test_fault_io_errors.sh for how libfiu reaches it) while the CLI opens
# and reads the database.  A failed command exits 1 with ONE line that
# names an input/output error (SQLite reports EIO on a read as
# SQLITE_IOERR_CORRUPTFS; PRAGMA quick_check then lists "unable to get the
# page. error code=8458" lines, which are no message for staff).  The file
# is intact afterwards, and a later run without errors reads it.
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
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
EIO=failinfo=5

kc init >/dev/null || fail "init"
kc demo --accounts 60 >/dev/null || fail "demo"
expected=$(kc account history K-000007 --format csv) || fail "history"
fiu-run -x -f '' -c "enable name=posix/io/rw/pread,$EIO" "$KC_BIN" -d "$KC_DB" \
	account list >/dev/null 2>&1 &&
	skip "libfiu's preload does not reach SQLite's file I/O on this system"

i=0 ok=0 failed=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	fiu-run -x -f '' -c "enable_random name=posix/io/rw/pread,probability=0.01,$EIO" \
		"$KC_BIN" -d "$KC_DB" account history K-000007 --format csv >"$t/out" 2>"$t/err"
	rc=$?
	[ $rc -lt 128 ] || fail "run $i: killed by signal $((rc - 128))"
	! grep -qE 'AddressSanitizer|runtime error' "$t/err" || fail "run $i: $(cat "$t/err")"
	if [ $rc -eq 0 ]; then
		ok=$((ok + 1))
		[ "$(cat "$t/out")" = "$expected" ] || fail "run $i: success with other output"
		continue
	fi
	failed=$((failed + 1))
	assert_eq "run $i: exit 1" 1 "$rc" >/dev/null
	[ "$(wc -l <"$t/err")" -eq 1 ] ||
		fail "run $i: a read error gives more than one line: $(cat "$t/err")"
	grep -q '^kenoconsole: ' "$t/err" || fail "run $i: $(cat "$t/err")"
	# SQLite itself reports some failed reads (WAL frames, schema pages) as
	# SQLITE_CORRUPT ("malformed"), as the sqlite3 CLI does under the same
	# injection; those give our "damaged" message.  Either way it is one
	# clear line, and the file is checked intact below.
	grep -qiE 'input/output|I/O|damaged' "$t/err" || fail "run $i: unclear message: $(cat "$t/err")"
done
echo "ok - 40 reads with random read errors: $ok read, $failed refused with one I/O message"
assert_eq "file intact" "ok" "$(sqlite3 "$KC_DB" 'PRAGMA integrity_check')"
assert_eq "read again without errors" "$expected" "$(kc account history K-000007 --format csv)"
pass
