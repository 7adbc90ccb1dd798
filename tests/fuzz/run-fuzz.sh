#!/bin/sh
# run-fuzz.sh: builds the libFuzzer targets (cdr, money, settings) straight
# from the sources with clang (ASan + UBSan + libFuzzer), then runs each for
# a bounded time from its committed seed corpus.  Exit 0 when no target
# crashed, 1 when one did (the crashing input is kept and named), 77 (skip)
# when clang or its fuzzer runtime is missing.
#
#   tests/fuzz/run-fuzz.sh [CONFIG_H_OR_BUILD_DIR]
#
# The build's config.h may be given (or the build directory holding it);
# without one a small stub is generated (the fuzzed modules only need
# _GNU_SOURCE and the PACKAGE names).
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   targets to run (default "cdr money settings")
#   FUZZ_OUT       folder for the binaries, working corpora and crash
#                  inputs (default: a new temporary folder, kept on failure)
#   CC             clang to use (default clang, else clang-14)
# The committed corpora (tests/fuzz/corpus/TARGET/) are only read: new
# inputs the fuzzer finds go to FUZZ_OUT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-cdr money settings}

cc=${CC:-}
if [ -z "$cc" ] || ! "$cc" --version 2>/dev/null | grep -q clang; then
	cc=
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
	done
fi
if [ -z "$cc" ]; then
	echo "SKIP: clang is not installed (Debian: clang, libclang-rt-dev)" >&2
	exit 77
fi
case $seconds in
''|*[!0-9]*) echo "run-fuzz.sh: FUZZ_SECONDS must be a whole number" >&2; exit 2 ;;
esac

out=${FUZZ_OUT:-}
made_out=no
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/kcfuzz.XXXXXX") || exit 1
	made_out=yes
fi
mkdir -p "$out" || exit 1

# config.h: given, or a stub.
conf=${1:-}
if [ -n "$conf" ] && [ -d "$conf" ]; then conf=$conf/config.h; fi
if [ -n "$conf" ]; then
	[ -f "$conf" ] || { echo "run-fuzz.sh: no config.h at $conf" >&2; exit 2; }
	confdir=$(cd "$(dirname "$conf")" && pwd)
	if [ "$(basename "$conf")" != config.h ]; then
		mkdir -p "$out/conf" && cp "$conf" "$out/conf/config.h" && confdir=$out/conf
	fi
else
	confdir=$out/conf
	mkdir -p "$confdir"
	cat >"$confdir/config.h" <<'EOF'
/* config.h stub for run-fuzz.sh */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#define PACKAGE "kenoconsole"
#define PACKAGE_NAME "kenoconsole"
#define PACKAGE_VERSION "fuzz"
#define PACKAGE_STRING "kenoconsole fuzz"
#define PACKAGE_BUGREPORT ""
#define ENABLE_NLS 1
EOF
fi

core=$top/src/core
cflags="-g -O1 -std=c17 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -I$confdir -I$core"

# Sources and libraries of each target.
sources() {
	case $1 in
	cdr) echo "$core/cdr.c $core/error.c" ;;
	money) echo "$core/money.c $core/strbuf.c $core/error.c" ;;
	settings) echo "$core/settings.c $core/money.c $core/strbuf.c $core/error.c" ;;
	esac
}
libs() {
	case $1 in
	cdr) echo "-ljansson" ;;
	settings) echo "-liniparser" ;;
	esac
}

# A probe: clang may be there without its fuzzer runtime (libclang-rt-dev).
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$out/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$out/probe" "$out/probe.c" 2>"$out/probe.log"; then
	echo "SKIP: $cc cannot build libFuzzer targets (install libclang-rt-dev):" >&2
	sed 's/^/  /' "$out/probe.log" >&2
	exit 77
fi

failed=""
for t in $targets; do
	src=$(sources "$t")
	if [ -z "$src" ]; then
		echo "run-fuzz.sh: unknown target $t" >&2
		exit 2
	fi
	bin=$out/fuzz_$t
	echo "== fuzz_$t: building"
	# shellcheck disable=SC2086,SC2046 # word lists on purpose
	if ! "$cc" $cflags -o "$bin" "$here/fuzz_$t.c" $src $(libs "$t") 2>"$out/build_$t.log"; then
		cat "$out/build_$t.log" >&2
		echo "FAIL: fuzz_$t does not build" >&2
		failed="$failed $t"
		continue
	fi
	work=$out/corpus_$t
	mkdir -p "$work" "$out/crash_$t"
	echo "== fuzz_$t: running ${seconds}s from tests/fuzz/corpus/$t"
	# libFuzzer's own exit code for a crash is 77, which would read as
	# "skipped": make every finding exit 1.
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
		-artifact_prefix="$out/crash_$t/" "$work" "$here/corpus/$t" >"$out/log_$t" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log_$t" | tail -n 1)
	if [ $rc -ne 0 ]; then
		echo "FAIL: fuzz_$t found a problem (exit $rc):" >&2
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==' "$out/log_$t" | head -n 20 >&2
		ls "$out/crash_$t" >&2
		failed="$failed $t"
	else
		echo "ok - fuzz_$t: ${runs:-?} runs in ${seconds}s, no crash"
	fi
done

if [ -n "$failed" ]; then
	echo "FAIL:$failed (binaries, logs and inputs kept in $out)" >&2
	exit 1
fi
[ "$made_out" = yes ] && rm -rf "$out"
echo "PASS: fuzzing found nothing in: $targets"
exit 0
