# tui_lib.sh: helpers for the console tests (sourced after tests/lib.sh and
# kc_setup; not a test itself).  Two ways to drive the real binary:
#  - script mode: tui_run_script KEYS_FILE (TERM=xterm, no terminal needed:
#    the screen is 80x24 and :save-display writes it as text);
#  - tmux: tui_tmux_start NAME COLSxROWS CMD..., tui_keys, tui_screen,
#    tui_wait_for, on a private socket (-S) removed at exit by lib.sh.

# A pinned clock: dates on screen are the same on every run.
export KENOCONSOLE_NOW=2026-06-21T20:00:00Z

# tui_demo N: a demo database of N accounts (seed 1) in $KC_DB.
tui_demo() {
	kc demo --accounts "$1" --seed 1 >/dev/null || fail "kc demo --accounts $1"
}

# tui_run_script FILE [OPTION...]: runs the console on the key script;
# fails unless it exits 0.  Its stderr is left in $(kc_tmpdir)/script.err.
tui_run_script() {
	f=$1
	shift
	TERM=xterm "$KC_BIN" -d "$KC_DB" "$@" --script "$f" </dev/null \
		>"$(kc_tmpdir)/script.out" 2>"$(kc_tmpdir)/script.err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "script $f exited $rc: $(cat "$(kc_tmpdir)/script.err")"
}

# screen_has DESCRIPTION TEXT FILE: the saved screen FILE contains TEXT.
screen_has() {
	grep -qF -- "$2" "$3" || { cat "$3" >&2; fail "$1: [$2] not on the screen"; }
	echo "ok - $1"
}
screen_lacks() {
	if grep -qF -- "$2" "$3"; then cat "$3" >&2; fail "$1: [$2] is on the screen"; fi
	echo "ok - $1"
}

# --- tmux ------------------------------------------------------------------

tui_need_tmux() {
	command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
	KC_TMUX_SOCKET="$(kc_tmpdir)/tmux.sock"
	export KC_TMUX_SOCKET
}

tui_tmux() { tmux -S "$KC_TMUX_SOCKET" -f /dev/null "$@"; }

# tui_tmux_start NAME COLSxROWS COMMAND...: a detached session running the
# command (exec'd, so the pane's process is the command itself).
tui_tmux_start() {
	name=$1 size=$2
	shift 2
	cols=${size%x*} rows=${size#*x}
	tui_tmux new-session -d -s "$name" -x "$cols" -y "$rows" "exec $*" \
		|| fail "tmux new-session $name"
	tui_tmux set-option -t "$name" remain-on-exit on >/dev/null 2>&1
}

tui_keys() { n=$1; shift; tui_tmux send-keys -t "$n" "$@"; }
tui_text() { n=$1; shift; tui_tmux send-keys -t "$n" -l "$@"; }
tui_screen() { tui_tmux capture-pane -p -t "$1"; }
tui_pid() { tui_tmux display-message -p -t "$1" '#{pane_pid}'; }

# tui_wait_for NAME TEXT [SECONDS]: waits until the pane shows TEXT.
tui_wait_for() {
	n=$1 text=$2 limit=${3:-10}
	i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		tui_screen "$n" | grep -qF -- "$text" && { echo "ok - $n shows [$text]"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	tui_screen "$n" >&2
	fail "$n: [$text] not shown within $limit s"
}

# tui_wait_line NAME REGEX [SECONDS]: waits until a line of the pane
# matches the extended regular expression.
tui_wait_line() {
	n=$1 re=$2 limit=${3:-10}
	i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		tui_screen "$n" | grep -qE -- "$re" && { echo "ok - $n has a line /$re/"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	tui_screen "$n" >&2
	fail "$n: no line /$re/ within $limit s"
}

# tui_alive PID: the process runs (a zombie that tmux has not reaped yet
# has ended).
tui_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in Z*) return 1;; esac
	return 0
}

# tui_wait_exit PID [SECONDS]: waits until the process has ended.
tui_wait_exit() {
	p=$1 limit=${2:-5}
	i=0
	while tui_alive "$p"; do
		[ "$i" -lt $((limit * 10)) ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}
