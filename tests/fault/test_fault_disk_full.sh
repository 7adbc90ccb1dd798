#!/bin/sh
# test_fault_disk_full.sh: the database on a small tmpfs that fills up.
# Each refused change says "Disk full: nothing was saved.", exits 1, and
# is all or nothing (the account and its audit row both absent, every
# earlier change kept); the file passes integrity_check and takes changes
# again once space is freed.  A snapshot onto a full disk leaves no file.
# Needs to mount a tmpfs (root, and a mount namespace that allows it):
# skipped otherwise.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
command -v sqlite3 >/dev/null 2>&1 || skip "the sqlite3 command is not installed"
[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
mnt=$t/mnt
mkdir "$mnt"
mount -t tmpfs -o size=1m,mode=0700 kcfull "$mnt" 2>"$t/mount.err" ||
	skip "cannot mount a tmpfs here: $(cat "$t/mount.err")"
trap 'umount "$mnt" 2>/dev/null; kc_cleanup' EXIT
KC_DB=$mnt/kc.sqlite
sql() { sqlite3 -batch "$KC_DB" "$@"; }

kc init >/dev/null || fail "init on the tmpfs"
# Leave about 160 KiB free, then add accounts until the disk is full.
avail=$(df -k --output=avail "$mnt" | tail -n 1 | tr -d ' ')
[ "$avail" -gt 160 ] || fail "tmpfs too small ($avail KiB free after init)"
dd if=/dev/zero of="$mnt/filler" bs=1024 count=$((avail - 160)) 2>/dev/null
added=0 i=0 rc=0
while [ $i -lt 2000 ]; do
	i=$((i + 1))
	kc account add --holder "Holder $i" --email "h$i@example.com" --province QC \
		--level basic --voipms-client "$((5000 + i))" >"$t/out" 2>"$t/err"
	rc=$?
	[ $rc -eq 0 ] || break
	added=$((added + 1))
done
[ $added -ge 1 ] || fail "no account fitted before the disk was full"
assert_eq "full disk: exit 1" 1 "$rc"
assert_eq "full disk: one clear message" "kenoconsole: Disk full: nothing was saved." "$(cat "$t/err")"
assert_eq "full disk: nothing printed" "" "$(cat "$t/out")"
echo "ok - $added accounts fitted; account $i was refused"
assert_eq "full disk: file intact" "ok" "$(sql 'PRAGMA integrity_check')"
assert_eq "full disk: every earlier account kept" "$added" "$(sql 'SELECT count(*) FROM accounts')"
assert_eq "full disk: the refused account is absent" "0" \
	"$(sql "SELECT count(*) FROM accounts WHERE holder = 'Holder $i'")"
assert_eq "full disk: no audit row without its change" "$added" \
	"$(sql "SELECT count(*) FROM audit WHERE action = 'account.create'")"
assert_eq "full disk: the numbering has no gap" "$added" \
	"$(sql "SELECT next_value - 1 FROM sequences WHERE name = 'account'")"

# An edit refused the same way keeps the old value (all or nothing).
before=$(sql "SELECT email || '|' || version FROM accounts WHERE id = 1")
kc account edit 1 --email "a-much-longer-address-$(printf '%0200d' 0)@example.com" \
	>/dev/null 2>"$t/err"
rc=$?
if [ $rc -ne 0 ]; then
	assert_eq "full disk, edit: message" "kenoconsole: Disk full: nothing was saved." "$(cat "$t/err")"
	assert_eq "full disk, edit: old value kept" "$before" \
		"$(sql "SELECT email || '|' || version FROM accounts WHERE id = 1")"
else
	echo "ok - the edit fitted in the last free page (allowed)"
fi

# A snapshot onto the full disk: refused, no file and no temporary file.
"$KC_BIN" -d "$t/kc-copy-src.sqlite" init >/dev/null 2>&1 || fail "init of a source on disk"
"$KC_BIN" -d "$t/kc-copy-src.sqlite" demo --accounts 40 >/dev/null || fail "demo"
"$KC_BIN" -d "$t/kc-copy-src.sqlite" snapshot "$mnt/snap.sqlite" >/dev/null 2>"$t/err"
rc=$?
assert_eq "snapshot on a full disk: exit 1" 1 "$rc"
assert_eq "snapshot on a full disk: message" "kenoconsole: Disk full: nothing was saved." "$(cat "$t/err")"
assert_eq "snapshot on a full disk: nothing left" "" "$(ls "$mnt" | grep snap || true)"

# Space back: the same change goes through, the file is still whole.
rm -f "$mnt/filler"
out=$(kc account add --holder "Holder $i" --email "h$i@example.com" --province QC \
	--level basic --voipms-client "$((5000 + i))") || fail "add after freeing space"
assert_eq "space back: the next number" "$(printf 'K-%06d' $((added + 1)))" "$out"
assert_eq "space back: integrity" "ok" "$(sql 'PRAGMA integrity_check')"
assert_contains "space back: check is healthy" "Healthy." "$(kc check)"
pass
