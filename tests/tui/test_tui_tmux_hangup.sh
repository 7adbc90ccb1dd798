#!/bin/sh
# test_tui_tmux_hangup.sh: a console whose terminal goes away while a form
# is open ends at once and leaves the database untouched and unlocked (no
# transaction is ever open while waiting for a key): on SIGHUP (signals only
# set a flag), when the tmux server dies, and when the terminal is closed
# while SIGHUP is blocked (read errors: it must not spin).
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
tui_need_tmux
export LC_ALL=C.UTF-8
unset LANGUAGE
tui_demo 10
before=$(kc account show K-000001)

db_unlocked() {
	kc account list >/dev/null || fail "$1: kc account list fails after the hangup"
	echo "ok - $1: the CLI works right after"
	if command -v sqlite3 >/dev/null 2>&1; then
		sqlite3 "$KC_DB" 'BEGIN IMMEDIATE; ROLLBACK;' || fail "$1: database still locked"
		echo "ok - $1: no lock left (BEGIN IMMEDIATE)"
	fi
	assert_eq "$1: nothing written" "$before" "$(kc account show K-000001)"
}

# 1. SIGHUP with an edit form open and text typed.
tui_tmux_start A 100x30 "$KC_BIN -d $KC_DB"
tui_wait_for A "Accounts (10)"
tui_keys A e
tui_wait_for A "Edit account K-000001"
tui_keys A C-u
tui_text A "Never saved"
tui_wait_for A "Never saved"
pid=$(tui_pid A)
kill -HUP "$pid" || fail "kill -HUP"
tui_wait_exit "$pid" 5 || fail "still running 5 s after SIGHUP: $(ps -o pid,stat,wchan:20,args -p "$pid")"
echo "ok - SIGHUP ends the console"
db_unlocked "SIGHUP"

# 2. The terminal disappears (tmux server killed) with a form open.
tui_tmux_start B 100x30 "$KC_BIN -d $KC_DB"
tui_wait_for B "Accounts (10)"
tui_keys B a
tui_wait_for B "Activate K-000001"
pid=$(tui_pid B)
tui_tmux kill-server
tui_wait_exit "$pid" 5 || fail "still running 5 s after its terminal went away"
echo "ok - a lost terminal ends the console"
db_unlocked "terminal gone"

# 3. SIGHUP blocked: only the read errors tell the terminal is gone.
command -v python3 >/dev/null 2>&1 || skip "python3 not installed (case 3)"
python3 - "$KC_BIN" "$KC_DB" <<'EOF' || fail "closed terminal with SIGHUP blocked"
import os, pty, signal, sys, time
kc, db = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGHUP])
    os.environ["TERM"] = "xterm"
    os.execv(kc, [kc, "-d", db])
screen = b""
deadline = time.time() + 10
while b"Accounts" not in screen and time.time() < deadline:
    screen += os.read(fd, 65536)
os.write(fd, b"e")
time.sleep(0.5)
os.close(fd)
start = time.time()
while time.time() - start < 5:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.05)
else:
    os.kill(pid, signal.SIGKILL)
    print("still running 5 s after the terminal closed")
    sys.exit(1)
cpu = usage.ru_utime + usage.ru_stime
print("ok - closed terminal: exit status %d after %.2f s, %.2f s of CPU"
      % (os.waitstatus_to_exitcode(status), time.time() - start, cpu))
sys.exit(0 if os.waitstatus_to_exitcode(status) == 1 and cpu < 2 else 1)
EOF
db_unlocked "terminal closed, SIGHUP blocked"
pass
