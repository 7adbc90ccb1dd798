# lib.sh: helpers for the shell tests (sourced).  Each test prints what it
# checks; exit 0 pass, 1 fail, 77 skip (with the reason printed).
set -u
: "${KC_BIN:?run through make check}"
# One private directory per test, removed at exit (even on failure).
KC_TESTS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kctest.XXXXXX")
trap 'kc_cleanup' EXIT
kc_tmpdir() { echo "$KC_TESTS_TMP"; }
kc_cleanup() {
	[ -n "${KC_TMUX_SOCKET:-}" ] && tmux -S "$KC_TMUX_SOCKET" kill-server 2>/dev/null
	[ -n "$KC_TESTS_TMP" ] && rm -rf "$KC_TESTS_TMP"
}
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
pass() { echo "PASS"; exit 0; }
# check DESCRIPTION COMMAND...: runs the command, fails with the description.
check() { d=$1; shift; "$@" || fail "$d"; echo "ok - $d"; }
# assert_eq DESCRIPTION EXPECTED ACTUAL
assert_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; echo "ok - $1"; }
# assert_contains DESCRIPTION NEEDLE HAYSTACK
assert_contains() {
	case "$3" in *"$2"*) echo "ok - $1";; *) fail "$1: [$2] not in [$3]";; esac
}
# A private config that names a private database, used by every run.
kc_setup() {
	t=$(kc_tmpdir)
	export HOME="$t/home" XDG_CONFIG_HOME="$t/home/.config" XDG_DATA_HOME="$t/home/.local/share"
	mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"
	KC_DB="$t/kc.sqlite"
	export KC_DB
	# French message catalog compiled from the sources, laid out as gettext
	# wants, so screens are tested against the current po/fr.po.
	if command -v msgfmt >/dev/null 2>&1; then
		mkdir -p "$t/locale/fr/LC_MESSAGES"
		msgfmt -o "$t/locale/fr/LC_MESSAGES/kenoconsole.mo" "$KC_TOP_SRCDIR/po/fr.po" \
			&& export KENOCONSOLE_LOCALEDIR="$t/locale"
	fi
}
kc() { "$KC_BIN" -d "$KC_DB" "$@"; }
