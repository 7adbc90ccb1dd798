#!/bin/sh
# test_tui_navigate.sh: the console in script mode on a demo database:
# the Accounts pane opens on the first page, moves (j, PgDn, G to the last
# account, g back), searches with / n N (keyset search, wrapping), filters
# by status, sorts by column, shows the help generated from the action
# table, dumps the screen (Ctrl-D) and refuses an unbound key.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE
t=$(kc_tmpdir)
tui_demo 200

cat >"$t/keys" <<EOF
# the first screen
:save-display $t/open.txt
jj
:save-display $t/down2.txt
<PgDn>
:save-display $t/pgdn.txt
G
:save-display $t/last.txt
g
:save-display $t/first.txt
/
:type tremblay
<Enter>
:save-display $t/find1.txt
n
:save-display $t/find2.txt
n
:save-display $t/wrap.txt
N
:save-display $t/back.txt
f
<Down><Down><Down><Down>
<Enter>
:save-display $t/closed.txt
s
:save-display $t/sorted.txt
<F1>
:save-display $t/help.txt
<Esc>
<Ctrl-D>
:save-display $t/dumped.txt
Z
:save-display $t/unbound.txt
EOF
KENOCONSOLE_DUMP="$t/dump.txt" tui_run_script "$t/keys"

screen_has "tab bar with the count" "Accounts (200)" "$t/open.txt"
screen_has "column headings" "Number ^ Holder" "$t/open.txt"
screen_has "first account listed" "K-000001" "$t/open.txt"
screen_has "detail of the first account" "── K-000001" "$t/open.txt"
screen_has "key hints from the keymap" "F1 Help  q Quit  / Search" "$t/open.txt"
screen_has "j j selects the third" "── K-000003" "$t/down2.txt"
grep -q "── K-0000[1-9][0-9]" "$t/pgdn.txt" || fail "PgDn moved a page: $(cat "$t/pgdn.txt")"
echo "ok - PgDn moves a page"
screen_has "G: last account" "── K-000200" "$t/last.txt"
screen_has "G: last row listed" "K-000200 " "$t/last.txt"
screen_lacks "G: first page gone" "K-000001 " "$t/last.txt"
screen_has "g: back to the first" "── K-000001" "$t/first.txt"
# Two Tremblays among the demo accounts: K-000111 then K-000136.
screen_has "search finds the first match" "── K-000111  Guillaume Tremblay" "$t/find1.txt"
screen_has "n finds the next" "── K-000136  Jessica Tremblay" "$t/find2.txt"
screen_has "n past the last wraps" "── K-000111" "$t/wrap.txt"
screen_has "wrap is told" "continued from the top" "$t/wrap.txt"
screen_has "N goes back (wrapping)" "── K-000136" "$t/back.txt"
screen_has "filter shown in the tab" "[closed]" "$t/closed.txt"
rows=$(grep -c '^K-0' "$t/closed.txt")
[ "$rows" -gt 0 ] || fail "no closed account listed"
other=$(grep '^K-0' "$t/closed.txt" | grep -vc ' closed ')
assert_eq "only closed accounts listed" 0 "$other"
want=$(kc account list --status closed --format csv | tail -n +2 | wc -l)
assert_contains "filtered count matches the CLI" "Accounts ($want) [closed]" "$(cat "$t/closed.txt")"
screen_has "s sorts by the next column" "Sorted by Holder" "$t/sorted.txt"
screen_has "sort mark on the heading" "Holder ^" "$t/sorted.txt"
screen_has "help from the action table" "Move to the next line" "$t/help.txt"
screen_has "help lists the keys" "Down j" "$t/help.txt"
screen_has "help names the rules" "Suspend the account with a reason (ACC-9)" "$t/help.txt"
[ -s "$t/dump.txt" ] || fail "Ctrl-D wrote no dump"
screen_has "dump is the screen as text" "Accounts (" "$t/dump.txt"
screen_has "dump is told" "Screen written to $t/dump.txt" "$t/dumped.txt"
screen_has "an unbound key is refused" "The key Z does nothing here" "$t/unbound.txt"
# Another process commits: the console reloads by itself (data_version)
# and keeps the selection.  The commits repeat until the script has seen
# one, so the test does not depend on how fast the console starts.
cat >"$t/wait.keys" <<EOF
jj
:wait-refresh
:save-display $t/refreshed.txt
EOF
TERM=xterm "$KC_BIN" -d "$KC_DB" --script "$t/wait.keys" </dev/null >/dev/null 2>"$t/wait.err" &
console=$!
i=0
while kill -0 "$console" 2>/dev/null && [ "$i" -lt 40 ]; do
	kc account edit K-000002 --company "Refreshed $i Inc" >/dev/null || fail "kc account edit"
	sleep 0.25
	i=$((i + 1))
done
wait "$console" || fail "wait-refresh script failed: $(cat "$t/wait.err")"
grep -q '^K-000002 .*Refreshed' "$t/refreshed.txt" \
	|| fail "the list did not reload: $(cat "$t/refreshed.txt")"
echo "ok - another process's commit shows without a key"
screen_has "selection kept across the reload" "── K-000003" "$t/refreshed.txt"
# Keys are data: the [keys] section of the configuration rebinds them, and
# a bad line is reported on the message line (the defaults stay).
printf '[keys]\nmove_down = x Down\nhelp = F1\n' >"$t/keys.ini"
cat >"$t/rebind.keys" <<EOF
x
:save-display $t/rebound.txt
?
:save-display $t/unbound-help.txt
EOF
tui_run_script "$t/rebind.keys" -c "$t/keys.ini"
screen_has "rebound key moves down" "── K-000002" "$t/rebound.txt"
screen_has "key taken from help" "The key ? does nothing here" "$t/unbound-help.txt"
printf '[keys]\nquit = NoSuchKey\n' >"$t/bad.ini"
printf ':save-display %s\n' "$t/badkeys.txt" >"$t/badkeys.keys"
tui_run_script "$t/badkeys.keys" -c "$t/bad.ini"
screen_has "bad key name reported with its line" "bad.ini:2: unknown key name \"NoSuchKey\" for quit" "$t/badkeys.txt"
pass
