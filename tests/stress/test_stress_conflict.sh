#!/bin/sh
# test_stress_conflict.sh: stale writes for STRESS_SECONDS.  The account
# edits through the command line read then write at once, so two of them
# rarely hold the same stale version; this runs the unit test
# unit/test_concurrency for the whole time instead: 8 processes, each with
# its own connection, read the same account, wait for one another, then all
# save with the version they read, round after round.  Each round exactly
# one save wins and 7 are refused with KC_ERR_CONFLICT; versions and audit
# rows count the rounds exactly (no lost update, nothing doubled).
. "${KC_TOP_SRCDIR}/tests/lib.sh"
bin="${KC_TOP_BUILDDIR}/tests/unit/test_concurrency"
[ -x "$bin" ] || fail "$bin is not built (make check-stress builds it)"
STRESS_SECONDS=${STRESS_SECONDS:-60}
export STRESS_SECONDS
TMPDIR=$(kc_tmpdir) "$bin" || fail "test_concurrency under STRESS_SECONDS=$STRESS_SECONDS"
pass
