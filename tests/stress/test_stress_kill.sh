#!/bin/sh
# test_stress_kill.sh: the writers of test_stress_writers.sh, while a killer
# sends SIGKILL to one of them at random instants, 300 times (or as many as
# STRESS_SECONDS allows).  Checked while they run (every few seconds) and at
# the end: integrity_check ok; each operation all or nothing (a killed
# payment is absent or fully allocated with its audit row and balances
# updated; no invoice without lines; a killed reply or edit is absent or
# recorded once); everything that said it succeeded is there; the ledger
# exact; `kenoconsole check` healthy; unlocked.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/stress/stress_lib.sh"
t=$(kc_tmpdir)
stress_ledger 8 4
kills=$((300 * stress_work / 50))
[ "$kills" -le 300 ] || kills=300
python3 "$STRESS_DRIVER" --bin "$KC_BIN" --db "$KC_DB" --workers 8 --seed 2 \
	--accounts "$STRESS_ACCOUNTS" --tickets "$STRESS_TICKETS" --phase "$stress_work" \
	--kill "$kills" --summary "$t/summary.json" || fail "stress run with kills"
killed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["killed"])' "$t/summary.json")
[ "$killed" -ge $((kills / 2)) ] || fail "only $killed commands were killed (aimed at $kills)"
echo "ok - $killed commands killed by SIGKILL"
stress_healthy
pass
