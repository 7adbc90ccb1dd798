#!/bin/sh
# test_stress_writers.sh: 8 processes make payments (`payment add`), ticket
# replies (`ticket reply`) and account edits (`account edit`) on one file for
# STRESS_SECONDS: first with the default busy timeout, then with the
# shortest one allowed (100 ms).  No error reaches a user but a clean
# refusal (busy, or someone saved first: exit 1, one line, and the
# operation absent - checked one by one), no lost update, the ledger is
# exact (payments recorded = the amounts of the commands that succeeded),
# every payment and invoice whole, balances consistent, integrity_check ok,
# `kenoconsole check` healthy and nothing left locked.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/stress/stress_lib.sh"
t=$(kc_tmpdir)
stress_ledger 8 4
printf '[database]\nbusy_timeout_ms = 100\n' >"$t/short.ini"
python3 "$STRESS_DRIVER" --bin "$KC_BIN" --db "$KC_DB" --workers 8 \
	--accounts "$STRESS_ACCOUNTS" --tickets "$STRESS_TICKETS" \
	--phase $((stress_work * 2 / 3)) --phase "$((stress_work - stress_work * 2 / 3)):$t/short.ini" \
	|| fail "stress run"
stress_healthy
pass
