#!/bin/sh
# test_tui_tmux_resize.sh: in a real terminal (tmux), text typed in an open
# form survives shrinking the window below 80x24 (the console asks to
# enlarge it and ignores keys meanwhile) and growing it back; the layout
# follows the new size (KEY_RESIZE).
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
tui_need_tmux
export LC_ALL=C.UTF-8
unset LANGUAGE
tui_demo 30

tui_tmux_start A 100x30 "$KC_BIN -d $KC_DB"
tui_wait_for A "Accounts (30)"
tui_keys A c
tui_wait_for A "New account"
tui_text A "Zoé Lévesque"
tui_wait_for A "Zoé Lévesque"

tui_tmux resize-window -t A -x 60 -y 15 || fail "resize-window"
tui_wait_for A "Please enlarge the window (80x24 minimum)"
tui_wait_for A "now 60x15"
# Typing into a screen too small to show the form changes nothing.
tui_text A "XYZ"
sleep 0.3

tui_tmux resize-window -t A -x 100 -y 30 || fail "resize-window back"
tui_wait_for A "New account"
screen=$(tui_screen A)
assert_contains "typed text kept" "Holder  Zoé Lévesque" "$screen"
case "$screen" in *XYZ*) fail "keys typed while too small were taken: $screen";; esac
echo "ok - keys typed while too small ignored"

# The form still works after the resize: Esc cancels, nothing written.
tui_keys A Escape
tui_wait_for A "F1 Help"
assert_eq "cancelled form wrote nothing" 30 "$(kc account list --format csv | tail -n +2 | wc -l)"

# A wider window widens the list columns (at 100 the company is cut).
tui_wait_line A '^K-000001 .*Comptables Sherbroo~'
tui_tmux resize-window -t A -x 140 -y 40 || fail "resize-window wide"
tui_wait_line A '^K-000001 .*Comptables Sherbrooke S\.E\.N\.C\.'
tui_keys A q
pass
