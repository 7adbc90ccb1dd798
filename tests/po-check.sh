#!/bin/sh
# Every user-visible string is translated (po/fr.po): no untranslated or fuzzy
# message against the current sources, and formats match (msgfmt -c).
. "${KC_TOP_SRCDIR}/tests/lib.sh"
command -v xgettext >/dev/null || skip "xgettext not installed"
t=$(kc_tmpdir)
cd "$KC_TOP_SRCDIR" || fail "no source dir"
xgettext --keyword=_ --keyword=N_ --keyword=P_:1c,2 --from-code=UTF-8 \
	--language=C -o "$t/kenoconsole.pot" -f po/POTFILES.in 2>"$t/xg.err" \
	|| { cat "$t/xg.err"; fail "xgettext failed"; }
msgmerge --quiet --no-fuzzy-matching -o "$t/merged.po" po/fr.po "$t/kenoconsole.pot" \
	|| fail "msgmerge failed"
msgfmt -c --statistics -o /dev/null "$t/merged.po" 2>"$t/stats" || { cat "$t/stats"; fail "msgfmt -c failed"; }
cat "$t/stats"
if grep -Eq 'untranslated|fuzzy' "$t/stats"; then
	msgattrib --untranslated "$t/merged.po" | grep '^msgid' | head -40
	fail "po/fr.po has untranslated or fuzzy messages"
fi
pass
