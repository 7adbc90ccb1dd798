# stress_lib.sh: helpers for the stress tests (sourced after tests/lib.sh;
# not a test itself).  STRESS_SECONDS (default 60; CI may set 30) bounds
# each test's whole run; the writers get that minus a margin for the setup
# and the checks.
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
STRESS_SECONDS=${STRESS_SECONDS:-60}
case "$STRESS_SECONDS" in
''|*[!0-9]*) fail "STRESS_SECONDS must be a whole number of seconds, not '$STRESS_SECONDS'";;
esac
stress_work=$((STRESS_SECONDS - 10))
[ "$stress_work" -ge 5 ] || stress_work=5
STRESS_DRIVER="$KC_TOP_SRCDIR/tests/stress/stress_driver.py"

# stress_ledger N_ACCOUNTS N_TICKETS: a database with active accounts, their
# invoices (so payments have something to settle) and open tickets.
stress_ledger() {
	export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
	unset LANGUAGE
	kc init >/dev/null || fail "init"
	i=1
	while [ "$i" -le "$1" ]; do
		kc account add --holder "Client $i" --email "c$i@example.com" --province QC \
			--level basic --voipms-client "20000$i" --signed-on 2026-01-02 >/dev/null \
			|| fail "account $i"
		kc account activate "$i" --welcome-call 2026-01-05 >/dev/null || fail "activate $i"
		i=$((i + 1))
	done
	kc invoice run --as-of 2026-06-21 --quiet >/dev/null || fail "invoice run"
	i=1
	while [ "$i" -le "$2" ]; do
		kc ticket add --account "$i" --priority standard --subject "Panne $i" >/dev/null \
			|| fail "ticket $i"
		i=$((i + 1))
	done
	STRESS_ACCOUNTS=$(seq -s, 1 "$1")
	STRESS_TICKETS=$(seq -s, 1 "$2")
}

# stress_healthy: `kenoconsole check` says healthy and nothing holds a lock.
stress_healthy() {
	kc check >"$(kc_tmpdir)/check" 2>&1 || fail "kenoconsole check: $(cat "$(kc_tmpdir)/check")"
	assert_contains "kenoconsole check" "Healthy." "$(cat "$(kc_tmpdir)/check")"
	python3 - "$KC_DB" <<'PY' || fail "the database is still locked"
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
con.execute("BEGIN IMMEDIATE")
con.execute("ROLLBACK")
PY
	echo "ok - unlocked (BEGIN IMMEDIATE at once)"
}
