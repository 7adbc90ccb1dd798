#!/bin/sh
# test_billing_kill.sh: BIL-5 / BIL-7 crash safety.  A billing run of 1000
# invoices is killed with SIGKILL at random moments, again and again (30
# times, or until 60 s have passed); after every kill the database passes
# integrity_check, holds only whole invoices (lines and taxes add up to the
# stored totals, every invoice has its lines), has no gap in the invoice
# numbers, and its derived balances agree.  A last run then finishes the work,
# and one more run issues nothing.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 (the command-line shell) is not installed"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2025-06-20T16:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"

# 500 active accounts, welcome call 2025-01-10: two cycles each by 2025-02-10.
sqlite3 "$KC_DB" "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO accounts (number, holder, email, province, language, level, voipms_client,
	expected_usage_cents, status, signed_on, welcome_call, created_at, created_by,
	updated_at, updated_by)
SELECT printf('K-%06d', i), 'Holder ' || i, 'h' || i || '@example.com',
	CASE i % 4 WHEN 0 THEN 'QC' WHEN 1 THEN 'ON' WHEN 2 THEN 'NS' ELSE 'AB' END,
	CASE i % 2 WHEN 0 THEN 'fr' ELSE 'en' END,
	CASE i % 3 WHEN 0 THEN 'fully_administered' ELSE 'basic' END,
	'c' || i, (i % 7) * 2500, 'active', '2025-01-05', '2025-01-10',
	'2025-01-05T12:00:00Z', 'test', '2025-01-05T12:00:00Z', 'test' FROM n;
UPDATE sequences SET next_value = 501 WHERE name = 'account';" || fail "setup accounts"

# Everything that must hold after any kill.
consistent() {
	r=$(sqlite3 "$KC_DB" "PRAGMA integrity_check") || return 1
	[ "$r" = ok ] || { echo "integrity_check: $r"; return 1; }
	r=$(sqlite3 "$KC_DB" "
	SELECT
	 (SELECT count(*) FROM invoices i WHERE NOT EXISTS (SELECT 1 FROM invoice_lines
	   WHERE invoice_id = i.id)
	   OR subtotal_cents <> (SELECT sum(amount_cents) FROM invoice_lines WHERE invoice_id = i.id)
	   OR tax_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM invoice_taxes
	   WHERE invoice_id = i.id)
	   OR (province = 'QC' AND (SELECT count(*) FROM invoice_taxes WHERE invoice_id = i.id) <> 2)
	   OR NOT EXISTS (SELECT 1 FROM audit WHERE entity = 'invoice' AND entity_id = i.id))
	 || ',' || (SELECT count(*) FROM invoices) || ',' || (SELECT coalesce(max(number), 0) FROM invoices)
	 || ',' || (SELECT next_value - 1 FROM sequences WHERE name = 'invoice')
	 || ',' || (SELECT count(*) FROM accounts a WHERE balance_cents <> (SELECT
	   coalesce(sum(total_cents - paid_cents - credited_cents), 0) FROM invoices
	   WHERE account_id = a.id))") || return 1
	bad=${r%%,*}; rest=${r#*,}; count=${rest%%,*}; rest=${rest#*,}
	max=${rest%%,*}; rest=${rest#*,}; seq=${rest%%,*}; balances=${rest#*,}
	[ "$bad" = 0 ] || { echo "$bad partial invoices"; return 1; }
	[ "$count" = "$max" ] || { echo "number gap: $count invoices, highest $max"; return 1; }
	[ "$seq" = "$max" ] || { echo "sequence at $seq, highest invoice $max"; return 1; }
	[ "$balances" = 0 ] || { echo "$balances balances disagree"; return 1; }
	return 0
}

cp "$KC_DB" "$t/pristine.sqlite" || fail "copy"
restore() { rm -f "$KC_DB" "$KC_DB-wal" "$KC_DB-shm"; cp "$t/pristine.sqlite" "$KC_DB"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# How long a whole run takes here, so the kills land inside it.
t0=$(now_ms)
kc invoice run --as-of 2025-02-10 --quiet || fail "calibration run"
span=$(( $(now_ms) - t0 ))
[ "$span" -ge 20 ] || span=20
check consistent
echo "ok - a whole run takes about $span ms"
restore

# Kill at a pseudo-random moment (deterministic sequence) within the run;
# the next round continues from what was left, or starts over once done.
start=$(date +%s)
kills=0
partial=0
seed=12345
while [ "$kills" -lt 30 ] && [ $(( $(date +%s) - start )) -lt 60 ]; do
	[ "$(sqlite3 "$KC_DB" "SELECT count(*) FROM invoices")" -ge 1000 ] && restore
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	ms=$(( 1 + seed % span ))
	"$KC_BIN" -d "$KC_DB" invoice run --as-of 2025-02-10 --quiet >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	kills=$((kills + 1))
	consistent >"$t/why" || fail "after kill $kills at ${ms} ms: $(cat "$t/why")"
	n=$(sqlite3 "$KC_DB" "SELECT count(*) FROM invoices")
	[ "$n" -gt 0 ] && [ "$n" -lt 1000 ] && partial=$((partial + 1))
done
echo "ok - $kills kills ($partial in the middle of the run), every invoice whole after each"
[ "$kills" -ge 5 ] || fail "too few kills ($kills)"
[ "$partial" -ge 1 ] || fail "no kill landed in the middle of a run"

out=$(kc invoice run --as-of 2025-02-10); rc=$?
assert_eq "the run after the kills finishes" 0 "$rc"
check consistent
assert_eq "1000 invoices, numbered 1..1000" "1000,1,1000" \
	"$(sqlite3 "$KC_DB" "SELECT count(*) || ',' || min(number) || ',' || max(number) FROM invoices")"
assert_eq "two per account, one per cycle" "0" \
	"$(sqlite3 "$KC_DB" "SELECT count(*) FROM (SELECT account_id FROM invoices GROUP BY account_id HAVING count(*) <> 2)")"
out=$(kc invoice run --as-of 2025-02-10)
assert_contains "BIL-7 another run issues nothing" "Invoices issued:       0" "$out"
pass
