#!/bin/sh
# test_tui_forms.sh: changes through the console's forms, each one core call
# on Save: create an account (a refused email first: the form stays open
# with the core's message and what was typed), edit it (ACC-1: the holder is
# read-only) and see it in the list, activate it (ACC-4), suspend it with a
# note written in $EDITOR (ACC-9), read its history (HIS-2), add a payment
# method (a full card number refused, ACC-8), and the read-only mode.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
. "${KC_TOP_SRCDIR}/tests/tui/tui_lib.sh"
export LC_ALL=C.UTF-8
unset LANGUAGE VISUAL
t=$(kc_tmpdir)
tui_demo 200

cat >"$t/editor.sh" <<'EOF'
#!/bin/sh
printf 'Customer asked for a pause\n' >"$1"
EOF
chmod +x "$t/editor.sh"

# From the email field, Tab x 11 reaches the voip.ms client field.
cat >"$t/keys" <<EOF
c
:type Émilie Côté
<Tab>
:type Plomberie Côté
<Tab>
:type not-an-email
<F2>
:save-display $t/bad.txt
<Ctrl-U>
:type emilie@cote.example
<Tab><Tab><Tab><Tab><Tab><Tab><Tab><Tab><Tab><Tab><Tab>
:type 777001
<F2>
:save-display $t/created.txt
e
:save-display $t/edit.txt
<Ctrl-U>
:type Plomberie Côté et fils
<Ctrl-S>
:save-display $t/edited.txt
a
:save-display $t/activate.txt
<F2>
:save-display $t/activated.txt
S
<Right>
<Tab>
<Ctrl-E>
:save-display $t/suspend.txt
<F2>
:save-display $t/suspended.txt
h
:save-display $t/history.txt
<Enter>
:save-display $t/entry.txt
<Esc>
<Esc>
p
c
<Tab>
:type 4242
<Tab>
:type 2028-09
<Tab>
:type 4242 4242 4242 4242
<F2>
:save-display $t/card-refused.txt
<Ctrl-U>
:type tok_123
<F2>
:save-display $t/card.txt
EOF
EDITOR="$t/editor.sh" tui_run_script "$t/keys"

screen_has "refused email: core message" "The email address \"not-an-email\" is not valid" "$t/bad.txt"
screen_has "refused email: form still open" "New account" "$t/bad.txt"
screen_has "refused email: typed text kept" "Émilie Côté" "$t/bad.txt"
screen_has "created: told" "Account K-000201 created" "$t/created.txt"
screen_has "created: selected in the list" "── K-000201  Émilie Côté" "$t/created.txt"
show=$(kc account show K-000201)
assert_contains "created: email saved" "emilie@cote.example" "$show"
assert_contains "created: voip.ms client saved" "777001" "$show"

screen_has "edit: holder read-only (ACC-1)" "Holder (ACC-1)" "$t/edit.txt"
screen_has "edited: told" "Account K-000201 saved" "$t/edited.txt"
screen_has "edited: shown in the detail" "Company: Plomberie Côté et fils" "$t/edited.txt"
grep -q '^K-000201 Émilie Côté .* Plomberie' "$t/edited.txt" || fail "edited row not in the list: $(cat "$t/edited.txt")"
echo "ok - edited: shown in the list"
assert_contains "edited: saved" "Plomberie Côté et fils" "$(kc account show K-000201)"

screen_has "activate: welcome call date defaults to today" "2026-06-21" "$t/activate.txt"
screen_has "activated: told" "Account K-000201 activated" "$t/activated.txt"
screen_has "activated: status" "Status: active" "$t/activated.txt"

screen_has "suspend: note from \$EDITOR" "Customer asked for a pause" "$t/suspend.txt"
screen_has "suspend: second reason chosen" "< chargeback >" "$t/suspend.txt"
screen_has "suspended: told" "Account K-000201 suspended" "$t/suspended.txt"
kc account show K-000201 >"$t/show"
grep -q "Status: *suspended" "$t/show" || fail "not suspended: $(cat "$t/show")"
echo "ok - suspended: saved"
assert_contains "suspended: note kept" "Customer asked for a pause" "$(kc account history K-000201)"

screen_has "history view" "History of K-000201" "$t/history.txt"
screen_has "history lists the suspension" "Suspended" "$t/history.txt"
first=$(grep -n 'Suspended' "$t/history.txt" | head -1 | cut -d: -f1)
opened=$(grep -n 'Account opened' "$t/history.txt" | head -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$opened" ] && [ "$first" -lt "$opened" ] \
	|| fail "history not newest first: $(cat "$t/history.txt")"
echo "ok - history: newest first"
screen_has "history entry opened with its values" "After:" "$t/entry.txt"

screen_has "full card number refused (ACC-8)" "ACC-8" "$t/card-refused.txt"
screen_has "payment method added" "Payment method added" "$t/card.txt"
screen_has "payment method listed masked" "**** 4242" "$t/card.txt"
screen_lacks "no full number anywhere" "4242 4242 4242 4242" "$t/card.txt"

# Read-only: the banner, and every change refused with one message.
cat >"$t/ro.keys" <<EOF
:save-display $t/ro.txt
e
:save-display $t/ro-edit.txt
c
:save-display $t/ro-create.txt
EOF
tui_run_script "$t/ro.keys" --read-only
screen_has "read-only banner" "READ-ONLY" "$t/ro.txt"
screen_lacks "read-only: no change hints" "c New" "$t/ro.txt"
screen_has "read-only: edit refused" "Read-only: changes are not allowed" "$t/ro-edit.txt"
screen_has "read-only: create refused" "Read-only: changes are not allowed" "$t/ro-create.txt"
screen_lacks "read-only: no form opened" "New account" "$t/ro-create.txt"
pass
