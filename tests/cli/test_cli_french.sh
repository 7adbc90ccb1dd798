#!/bin/sh
# test_cli_french.sh: with LANG=fr_CA.UTF-8 the messages come out in French
# (po/fr.po).  Skips only when the catalog (fr.gmo) was not built.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
[ -n "${KENOCONSOLE_LOCALEDIR:-}" ] || skip "fr.gmo not built"
locale -a 2>/dev/null | grep -qi '^fr_CA\.utf-\{0,1\}8$' || skip "locale fr_CA.UTF-8 not installed"
export KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE LC_ALL
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"

# msgid "The database is open read-only; nothing can be changed"
LC_ALL=fr_CA.UTF-8 kc --read-only account reinstate 1 >/dev/null 2>"$t/err"; rc=$?
assert_eq "refused: exit 1" 1 "$rc"
err=$(cat "$t/err")
assert_contains "French message" "kenoconsole: La base de données est ouverte en lecture seule" "$err"
case "$err" in *"read-only"*) fail "English text in the French message: $err";; esac

# Usage errors are translated too (msgid "Unknown command '%s'").
LC_ALL=fr_CA.UTF-8 kc frobnicate 2>"$t/err"; rc=$?
assert_eq "usage error: exit 2" 2 "$rc"
case "$(cat "$t/err")" in *"Unknown command"*) fail "untranslated: $(cat "$t/err")";; esac
pass
