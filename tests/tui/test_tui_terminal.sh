#!/bin/sh
# test_tui_terminal.sh: before starting curses the console refuses, with a
# message on stderr, exit 1 and not one escape code on stdout, a TERM that
# is unset, unknown, or cannot address the cursor (dumb), and a standard
# input that is not a terminal; a bad key script is refused with its line.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"

# refused DESCRIPTION TEXT-IN-STDERR ENV...: runs the console, expects exit 1.
refused() {
	d=$1 want=$2
	shift 2
	env "$@" "$KC_BIN" -d "$KC_DB" </dev/null >"$t/out" 2>"$t/err"
	rc=$?
	assert_eq "$d: exit 1" 1 "$rc"
	assert_contains "$d: message" "$want" "$(cat "$t/err")"
	assert_eq "$d: nothing on stdout (no escape code)" 0 "$(wc -c <"$t/out")"
	if grep -q "$(printf '\033')" "$t/err"; then fail "$d: escape code on stderr"; fi
}

refused "TERM unset" "TERM is not set" -u TERM
refused "TERM empty" "TERM is not set" TERM=
refused "TERM unknown" "terminal type \"no-such-terminal-kc\" (TERM) is unknown" TERM=no-such-terminal-kc
refused "TERM=dumb" "cannot move the cursor" TERM=dumb
refused "not a terminal" "needs a terminal on standard input and output" TERM=xterm
# Script mode needs no terminal, but still a usable TERM.
printf 'q\n' >"$t/q.keys"
TERM=dumb "$KC_BIN" -d "$KC_DB" --script "$t/q.keys" </dev/null >"$t/out" 2>"$t/err"
assert_eq "script, TERM=dumb: exit 1" 1 "$?"
assert_contains "script, TERM=dumb: message" "cannot move the cursor" "$(cat "$t/err")"

# Script errors name the file and line; a missing script is refused.
printf 'j\n<NoSuchKey>\n' >"$t/bad.keys"
TERM=xterm "$KC_BIN" -d "$KC_DB" --script "$t/bad.keys" </dev/null >"$t/out" 2>"$t/err"
assert_eq "bad key name: exit 1" 1 "$?"
assert_contains "bad key name: file and line" "$t/bad.keys:2: unknown key name: NoSuchKey" "$(cat "$t/err")"
printf ':frobnicate\n' >"$t/bad2.keys"
TERM=xterm "$KC_BIN" -d "$KC_DB" --script "$t/bad2.keys" </dev/null >"$t/out" 2>"$t/err"
assert_eq "unknown command: exit 1" 1 "$?"
assert_contains "unknown command named" "bad2.keys:1: unknown command: frobnicate" "$(cat "$t/err")"
TERM=xterm "$KC_BIN" -d "$KC_DB" --script "$t/none.keys" </dev/null >"$t/out" 2>"$t/err"
assert_eq "missing script: exit 1" 1 "$?"
assert_contains "missing script named" "none.keys" "$(cat "$t/err")"

# The end of a script ends the program with 0, and q quits with 0.
: >"$t/empty.keys"
TERM=xterm "$KC_BIN" -d "$KC_DB" --script "$t/empty.keys" </dev/null >/dev/null 2>"$t/err"
assert_eq "end of script: exit 0" 0 "$?"
TERM=xterm "$KC_BIN" -d "$KC_DB" --script "$t/q.keys" </dev/null >/dev/null 2>"$t/err"
assert_eq "q: exit 0" 0 "$?"

# Other terminal types work (vt100: no colours, linux, screen).
for term in vt100 linux screen xterm-256color; do
	printf ':save-display %s\n' "$t/$term.txt" >"$t/$term.keys"
	TERM=$term "$KC_BIN" -d "$KC_DB" --script "$t/$term.keys" </dev/null >/dev/null 2>"$t/err" \
		|| fail "TERM=$term: $(cat "$t/err")"
	screen_has "TERM=$term draws the pane" "Accounts (0)" "$t/$term.txt"
done
NO_COLOR=1 TERM=xterm-256color "$KC_BIN" -d "$KC_DB" --script "$t/vt100.keys" </dev/null >/dev/null 2>&1 \
	|| fail "NO_COLOR run failed"
echo "ok - NO_COLOR runs"
pass
