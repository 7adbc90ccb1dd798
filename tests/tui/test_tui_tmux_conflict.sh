#!/bin/sh
# test_tui_tmux_conflict.sh: two consoles (two tmux sessions) edit the same
# account.  The first save wins; the second is refused (optimistic version)
# naming who changed it and when, shows the value saved meanwhile and keeps
# what was typed; saving again then replaces it on purpose.  The other
# console's list refreshes by itself (data_version polling).
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
tui_need_tmux
export LC_ALL=C.UTF-8
unset LANGUAGE
tui_demo 20
me=$(id -un)
cmd="$KC_BIN -d $KC_DB"

tui_tmux_start A 100x30 "$cmd"
tui_tmux_start B 100x30 "$cmd"
tui_wait_for A "Accounts (20)"
tui_wait_for B "Accounts (20)"

tui_keys A e
tui_keys B e
tui_wait_for A "Edit account K-000001"
tui_wait_for B "Edit account K-000001"
tui_keys A C-u
tui_text A "Alpha Services"
tui_keys B C-u
tui_text B "Beta Services"
tui_wait_for B "Beta Services"
tui_keys A F2
tui_wait_for A "Account K-000001 saved"
assert_contains "first save written" "Alpha Services" "$(kc account show K-000001)"

# B's list shows A's change without a key being pressed.
tui_wait_for B "Alpha Services"
tui_keys B F2
tui_wait_for B "was changed by"
screen=$(tui_screen B)
assert_contains "refusal names who changed it" "changed by $me at 2026-06-21" "$screen"
assert_contains "the value saved meanwhile is shown" "now: Alpha Services" "$screen"
assert_contains "what B typed is kept" "Company  Beta Services" "$screen"
assert_contains "the form stays open" "Edit account K-000001" "$screen"
assert_contains "nothing written by the refused save" "Alpha Services" "$(kc account show K-000001)"

# Saving again replaces the value, deliberately.
tui_keys B F2
tui_wait_for B "Account K-000001 saved"
assert_contains "second save written" "Beta Services" "$(kc account show K-000001)"
tui_wait_for A "Beta Services"
tui_keys A q
tui_keys B q
pass
