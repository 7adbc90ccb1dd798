#!/bin/sh
# run-valgrind.sh: the unit test binaries under valgrind's memcheck.
#
#   tests/run-valgrind.sh [BUILD_DIR]        (make check-valgrind runs it)
#
# Runs every tests/unit/test_* program of BUILD_DIR (default
# $KC_TOP_BUILDDIR, else the current directory) under
#   valgrind --error-exitcode=1 --leak-check=full
# Any memory error (invalid read or write, uninitialised value, bad free) in
# the test or in a process it forks fails it; so does a definite or
# indirect leak of the test process itself (memory still reachable at exit
# belongs to libraries such as gettext).  Leaks reported in forked children
# are ignored: they end with _exit() while holding the parent's memory,
# which valgrind then counts as lost.  One
# bounded run per binary (VALGRIND_TIMEOUT seconds, default 300; the whole
# script also stops starting new ones after VALGRIND_BUDGET seconds,
# default 1200, and then fails, since a skipped binary is not a pass).
# VALGRIND_TESTS="test_money test_db" picks some.  Exit 0 when every binary
# is clean, 1 when one is not (its log is printed), 77 (skip) when valgrind
# is missing or the build uses the sanitizers (ASan and valgrind cannot run
# together: rebuild without --enable-sanitizers).
set -u
build=${1:-${KC_TOP_BUILDDIR:-.}}
build=$(cd "$build" 2>/dev/null && pwd) || { echo "FAIL: no build folder ${1:-}" >&2; exit 1; }
dir="$build/tests/unit"
timeout=${VALGRIND_TIMEOUT:-300}
budget=${VALGRIND_BUDGET:-1200}

skip() { echo "SKIP: $*" >&2; exit 77; }
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed (apt-get install valgrind)"
[ -d "$dir" ] || { echo "FAIL: no $dir (build the unit tests first: make check)" >&2; exit 1; }

tests=
if [ -n "${VALGRIND_TESTS:-}" ]; then
	for n in $VALGRIND_TESTS; do tests="$tests $dir/$n"; done
else
	for f in "$dir"/test_*; do
		case $f in *.o|*.c|*.log|*.trs) continue;; esac
		[ -x "$f" ] && [ -f "$f" ] && tests="$tests $f"
	done
fi
[ -n "$tests" ] || { echo "FAIL: no unit test binary in $dir" >&2; exit 1; }
for f in $tests; do
	[ -x "$f" ] || { echo "FAIL: $f is not built" >&2; exit 1; }
	# An AddressSanitizer binary maps shadow memory valgrind cannot host.
	if grep -q "__asan_init" "$f" 2>/dev/null; then
		skip "$f is built with the sanitizers; valgrind needs a build without --enable-sanitizers"
	fi
done

# leaked NAME: false when the test process itself (not a forked child)
# lost memory.  Its log is the one whose parent has no log of its own.
leaked() {
	for log in "$logs/$1".[0-9]*; do
		[ -f "$log" ] || continue
		ppid=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)$/\1/p' "$log" | head -n 1)
		[ -f "$logs/$1.$ppid" ] && continue
		if grep -Eq '(definitely|indirectly) lost: [1-9]' "$log"; then
			echo "FAIL: $1 leaks memory:" >&2
			return 1
		fi
	done
	return 0
}

logs=$(mktemp -d "${TMPDIR:-/tmp}/kcvalgrind.XXXXXX")
trap 'rm -rf "$logs"' EXIT
chmod 755 "$logs" # a test may drop root to check read-only media
have_timeout=false
command -v timeout >/dev/null 2>&1 && have_timeout=true
start=$(date +%s)
failed=0 ran=0
for f in $tests; do
	name=$(basename "$f")
	if [ $(( $(date +%s) - start )) -ge "$budget" ]; then
		echo "FAIL: $name not run: the ${budget} s budget is spent" >&2
		failed=$((failed + 1))
		continue
	fi
	t0=$(date +%s)
	set -- valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=none \
		--show-leak-kinds=definite,indirect --track-origins=yes \
		--log-file="$logs/$name.%p" "$f"
	# Each binary in its own temporary folder (the tests make databases).
	if $have_timeout; then
		(cd "$logs" && TMPDIR="$logs" timeout -k 10 "$timeout" "$@") >"$logs/$name.out" 2>&1
	else
		(cd "$logs" && TMPDIR="$logs" "$@") >"$logs/$name.out" 2>&1
	fi
	rc=$?
	ran=$((ran + 1))
	[ "$rc" -eq 0 ] && ! leaked "$name" && rc=1
	secs=$(( $(date +%s) - t0 ))
	if [ "$rc" -eq 0 ]; then
		echo "ok - $name clean under valgrind (${secs} s)"
		continue
	fi
	failed=$((failed + 1))
	case $rc in
	124|137) echo "FAIL: $name did not finish in ${timeout} s" >&2;;
	*) echo "FAIL: $name: exit $rc under valgrind (${secs} s)" >&2;;
	esac
	tail -n 40 "$logs/$name.out" >&2
	grep -hv -e '^==[0-9]*== *$' -e 'Copyright' -e 'Using Valgrind' -e 'Command:' \
		-e 'Parent PID' -e 'HEAP SUMMARY' -e 'in use at exit' -e 'total heap usage' \
		-e 'For lists of' -e 'rerun with' -e 'ERROR SUMMARY' -e 'Memcheck, a memory' \
		"$logs/$name".[0-9]* 2>/dev/null | head -n 150 >&2
done
echo "$ran binaries in $(( $(date +%s) - start )) s, $failed failed"
[ "$failed" -eq 0 ] || exit 1
exit 0
