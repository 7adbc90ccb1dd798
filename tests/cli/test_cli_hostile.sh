#!/bin/sh
# test_cli_hostile.sh: hostile input through the command line and from
# voip.ms.  Quotes, backslashes, printf directives (%n, %s%s%s) and shell
# syntax are plain text: they round-trip exactly through add/edit and
# show/list in text, CSV and JSON, and an account search for "%" or "_" is
# not a wildcard.  In every account and ticket form field (account add/edit
# fields, suspension note, payment method label, ticket subject, reply,
# note, time note): overlong text, invalid UTF-8 and control characters are
# refused (exit 1, one line naming the problem) and nothing is written.  A
# NUL byte cannot be in argv: it is tested in a configuration file (refused,
# naming the file) and in a voip.ms answer (refused, nothing imported);
# hostile call fields from voip.ms are stored without terminal controls.
. "${KC_TOP_SRCDIR}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
kc_setup
export LC_ALL=C.UTF-8 KENOCONSOLE_NOW=2026-06-21T20:00:00Z
unset LANGUAGE
t=$(kc_tmpdir)
kc init >/dev/null || fail "init"

# A JSON field of `kc ARGS... --format json` (python reads it exactly).
json_field() { # FIELD ARGS...
	f=$1
	shift
	kc "$@" --format json | python3 -c 'import json, sys
v = json.load(sys.stdin)
v = v[0] if isinstance(v, list) else v
sys.stdout.write(v[sys.argv[1]])' "$f"
}
# Everything a refused command must leave alone.
state() {
	python3 - "$KC_DB" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for table in ("audit", "accounts", "tickets", "ticket_events", "paymethods", "time_entries"):
    try:
        print(table, con.execute("SELECT count(*), total(version) FROM %s" % table).fetchone()
              if table not in ("audit", "ticket_events", "time_entries")
              else con.execute("SELECT count(*) FROM %s" % table).fetchone())
    except sqlite3.OperationalError as e:
        print(table, e)
print(con.execute("SELECT group_concat(company || phone || address || city, '|') FROM accounts").fetchone())
PY
}
repeat() { python3 -c 'import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[2]))' "$1" "$2"; }

# --- round trips ------------------------------------------------------------------
HOLDER="O'Brien \"Le Grand\" & Fils"
COMPANY='%n%s%s%s %x %99999999d \ $(id) `id` ;--help'
ADDRESS="1 rue de l'Église, app. \"B\", C:\\dossier"
CITY="Montréal 中文 🎉"
kc account add --holder "$HOLDER" --email "o'brien+%n@example.com" --province QC \
	--level basic --voipms-client 100001 --company "$COMPANY" --address "$ADDRESS" \
	--city "$CITY" --phone "+1 (514) 555-0101 #2" --postal-code "H2X 1Y4" \
	--signed-on 2026-06-01 >"$t/out" 2>"$t/err" || fail "hostile but valid account: $(cat "$t/err")"
kc account add --holder "Plain" --email p@example.com --province ON --level basic \
	--voipms-client 100002 --signed-on 2026-06-01 >/dev/null || fail "plain account"
assert_eq "json: holder with quotes" "$HOLDER" "$(json_field holder account show 1)"
assert_eq "json: company with printf directives" "$COMPANY" "$(json_field company account show 1)"
assert_eq "json: address with backslash" "$ADDRESS" "$(json_field address account show 1)"
assert_eq "json: city, wide characters" "$CITY" "$(json_field city account show 1)"
assert_eq "json: email with %n" "o'brien+%n@example.com" "$(json_field email account show 1)"
kc account list --format csv | python3 -c 'import csv, sys
rows = list(csv.DictReader(sys.stdin))
sys.stdout.write(rows[0]["holder"] + "\n" + rows[0]["company"])' >"$t/csv"
assert_eq "csv: quotes doubled and read back" "$HOLDER
$COMPANY" "$(cat "$t/csv")"
out=$(kc account show 1)
assert_contains "text: company as typed" "$COMPANY" "$out"
assert_contains "text: holder as typed" "$HOLDER" "$out"
assert_eq "search '%' is not a wildcard" "K-000001" \
	"$(kc account list --search % --format csv | sed 1d | cut -d, -f2)"
assert_eq "search '_' is not a wildcard" "" "$(kc account list --search _ --format csv | sed 1d)"
assert_eq "search '%s%s' finds the company" "K-000001" \
	"$(kc account list --search '%s%s' --format csv | sed 1d | cut -d, -f2)"
kc account edit 1 --company '%s%s%s%n\' >/dev/null || fail "edit with directives"
assert_eq "edit round trip" '%s%s%s%n\' "$(json_field company account show 1)"
assert_contains "history keeps the old and new text" "%n%s%s%s" "$(kc account history 1 --format csv)"
kc account edit 1 --company "$COMPANY" >/dev/null || fail "edit back"

# 200 characters of two bytes each are 200 characters, not 400.
kc account edit 2 --company "$(repeat é 200)" >/dev/null || fail "200 é refused"
echo "ok - 200 characters of two bytes accepted"

SUBJECT='Panne "totale" %n %s%s — l'"'"'équipe \ $(reboot)'
n=$(kc ticket add --account 1 --priority standard --subject "$SUBJECT") || fail "ticket"
printf 'Bonjour,\n\t"%%n" %%s%%s\n$(rm -rf /) `id` \\\n' >"$t/reply"
kc ticket reply "$n" --file "$t/reply" >/dev/null || fail "reply from a file"
kc ticket note "$n" --text "Note: %n%n%n \"x\"" >/dev/null || fail "note"
kc ticket show "$n" --format json >"$t/ticket.json" || fail "ticket json"
python3 - "$t/ticket.json" "$SUBJECT" "$t/reply" <<'PY' || fail "ticket round trip"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["subject"] == sys.argv[2], t["subject"]
bodies = [e.get("body") for e in t["events"]]
want = open(sys.argv[3]).read().strip()
assert want in bodies, (want, bodies)
assert 'Note: %n%n%n "x"' in bodies, bodies
PY
echo "ok - ticket subject, reply and note round-trip"

# --- refused: overlong, invalid UTF-8, control characters ---------------------------
BAD_UTF8=$(printf 'caf\303(')          # a broken two-byte sequence
OVERLONG_UTF8=$(printf 'a\300\257b')   # "/" encoded in two bytes
LATIN1=$(printf 'Qu\351bec')           # not UTF-8 at all
ESC=$(printf 'a\033[2Jb')
C1=$(printf 'a\302\233b')              # U+009B, the one-byte CSI
NL=$(printf 'a\nb')
kc account suspend 2 --reason breach >/dev/null 2>&1 # (pending: may be refused; not the point)
kc account paymethod add 1 --kind cheque --label "Chèques" >/dev/null || fail "paymethod"
kc ticket log-time "$n" --minutes 5 --note "ok" >/dev/null || fail "log-time"
before=$(state)
# refused DESCRIPTION WHAT_THE_MESSAGE_SAYS COMMAND...
refused() {
	d=$1 want=$2
	shift 2
	kc "$@" >"$t/out" 2>"$t/err"; rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "$d: exit $rc ($(head -c 300 "$t/err"))"
	[ "$(wc -l <"$t/err")" -le 2 ] || fail "$d: more than a short message: $(head -c 300 "$t/err")"
	grep -qiE -- "$want" "$t/err" || fail "$d: [$want] not in [$(head -c 300 "$t/err")]"
	[ "$(state)" = "$before" ] || fail "$d: something was written"
	echo "ok - $d: refused, nothing written"
}
for spec in holder:200 company:200 email:254 phone:40 address:300 city:100 \
	postal-code:16 voipms-client:32; do
	opt=${spec%%:*} max=${spec#*:}
	long=$(repeat x $((max + 1)))
	[ "$opt" = email ] && long="$(repeat x $((max - 9)))@b.example"
	if [ "$opt" = holder ]; then
		refused "add: $opt of $((max + 1)) characters" "too long|not valid|at most|must be" \
			account add --holder "$long" --email a@b.example --province QC --level basic \
			--voipms-client 999
	else
		refused "edit: $opt of $((max + 1)) characters" "too long|not valid|at most|must be" \
			account edit 1 "--$opt" "$long"
	fi
	for bad in "$BAD_UTF8" "$OVERLONG_UTF8" "$LATIN1" "$ESC" "$C1" "$NL"; do
		if [ "$opt" = holder ]; then
			refused "add: $opt with bad bytes" "invalid|not valid|control" account add \
				--holder "$bad" --email a@b.example --province QC --level basic \
				--voipms-client 999
		else
			refused "edit: $opt with bad bytes" "invalid|not valid|control|must be" \
				account edit 1 "--$opt" "$bad"
		fi
	done
done
refused "add: company with an escape sequence" "invalid|control" account add --holder X \
	--email x@b.example --province QC --level basic --voipms-client 999 --company "$ESC"
for bad in "$(repeat x 2001)" "$BAD_UTF8" "$ESC" "$C1"; do
	refused "suspension note" "note|invalid|characters" account suspend 1 --reason breach --note "$bad"
	refused "payment method label" "label|invalid|characters|long" \
		account paymethod add 1 --kind cheque --label "$bad"
done
# (A time note may be as long as a reply, 1 MB: more than argv can carry.)
for bad in "$BAD_UTF8" "$ESC" "$C1"; do
	refused "time note" "note|description|text|invalid|control|characters" \
		ticket log-time "$n" --minutes 5 --note "$bad"
done
for bad in "$(repeat x 301)" "$BAD_UTF8" "$OVERLONG_UTF8" "$ESC" "$C1" "$NL"; do
	refused "ticket subject" "subject|invalid|characters" ticket add --account 1 \
		--priority standard --subject "$bad"
done
for bad in "$BAD_UTF8" "$LATIN1" "$ESC" "$C1"; do
	refused "reply text" "text|reply|invalid|control|characters" ticket reply "$n" --text "$bad"
	refused "note text" "text|note|invalid|control|characters" ticket note "$n" --text "$bad"
done
repeat x 1000001 >"$t/huge"
refused "reply of 1000001 bytes (file)" "long|large|at most|bytes" ticket reply "$n" --file "$t/huge"
printf 'ok\0hidden\n' >"$t/nul"
refused "reply file holding a NUL byte" "NUL|invalid|control|characters" ticket reply "$n" --file "$t/nul"

# --- what is refused comes back quoted: no terminal control reaches stderr --------------
# Only LF ends lines; no other C0, DEL or C1 character and only valid UTF-8.
stderr_safe() { # FILE
	python3 - "$1" <<'PY'
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")  # raises on invalid UTF-8
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
assert not bad, "control characters in stderr: %r" % text
PY
}
# quoted DESCRIPTION SHOWN COMMAND...: refused, SHOWN in stderr, nothing unsafe.
quoted() {
	d=$1 want=$2
	shift 2
	kc "$@" >"$t/out" 2>"$t/err"; rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "$d: exit $rc"
	stderr_safe "$t/err" || fail "$d: $(od -c "$t/err" | head -5)"
	assert_contains "$d" "$want" "$(cat "$t/err")"
	[ "$(state)" = "$before" ] || fail "$d: something was written"
}
quoted "ESC sequence in --email comes back as '?'" '"a?[2Jb" is not valid' \
	account edit 1 --email "$ESC"
quoted "C1 CSI in --email comes back as '?'" '"a?b" is not valid' account edit 1 --email "$C1"
quoted "invalid UTF-8 in --email comes back as '?'" '"caf?(" is not valid' \
	account edit 1 --email "$BAD_UTF8"
quoted "newline in --email comes back as '?'" '"a?b" is not valid' account edit 1 --email "$NL"
quoted "ESC in --voipms-client" '"a?[2Jb" must be 1 to 32 digits' \
	account edit 1 --voipms-client "$ESC"
quoted "ESC in --signed-on" '"a?[2Jb"' account add --holder X --email x@b.example \
	--province QC --level basic --voipms-client 999 --signed-on "$ESC"
quoted "ESC in --expected-usage" '"a?[2Jb"' account edit 1 --expected-usage "$ESC"
quoted "ESC in an account reference" '"a?[2Jb"' account show "$ESC"
quoted "ESC in a suspension reason" '"a?[2Jb"' account suspend 1 --reason "$ESC"
quoted "ESC in a ticket priority" "'a?[2Jb'" ticket add --account 1 --priority "$ESC" \
	--subject "x"
quoted "ESC in a usage error of the command line" "a?[2Jb" account list --format "$ESC"
OSC=$(printf '\033]0;owned\007')
quoted "OSC title sequence in --email" '"?]0;owned?" is not valid' account edit 1 --email "$OSC"

# --- NUL in a configuration file ---------------------------------------------------------
printf '[database]\nbusy_timeout_ms = 100\0000\n' >"$t/nul.ini"
kc -c "$t/nul.ini" -d "$KC_DB" account edit 1 --company "Never" >"$t/out" 2>"$t/err"; rc=$?
[ "$rc" -ne 0 ] || fail "a configuration file with a NUL byte was accepted"
assert_contains "NUL in the configuration: named" "nul.ini: the file contains a NUL byte" "$(cat "$t/err")"
assert_eq "NUL in the configuration: nothing written" "$before" "$(state)"

# --- voip.ms answers: NUL, lone surrogate, hostile text ---------------------------------------
FAKE_PID=
trap '[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; kc_cleanup' EXIT
cat >"$t/fixture.json" <<'EOF'
{"clients": {
 "100001": [
  {"uniqueid": "h1", "date": "2026-06-02 10:00:00", "seconds": "60", "total": "0.01",
   "callerid": "\"%n%s%s\" <5145550101>", "description": "Rogue \u001b[2J \u009b31m \\ 'q'",
   "destination": "15145550199", "disposition": "ANSWERED"}
 ],
 "100002": [
  {"uniqueid": "n1", "date": "2026-06-02 10:00:00", "seconds": "60", "total": "0.01",
   "description": "before\u0000after", "disposition": "ANSWERED"}
 ],
 "100003": [
  {"uniqueid": "s1", "date": "2026-06-02 10:00:00", "seconds": "60", "total": "0.01",
   "description": "lone \udc80 surrogate", "disposition": "ANSWERED"}
 ]}}
EOF
python3 "$KC_TOP_SRCDIR/tests/fake-voipms/fake_voipms.py" --fixture "$t/fixture.json" \
	--clients 100001,100002,100003 --empty-clients "" >"$t/port" 2>"$t/fake.err" &
FAKE_PID=$!
i=0
while [ ! -s "$t/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(head -n 1 "$t/port")
[ -n "$PORT" ] || fail "the fake voip.ms did not start: $(cat "$t/fake.err")"
mkdir -p "$XDG_CONFIG_HOME/kenoconsole"
printf '[voipms]\nurl = http://127.0.0.1:%s/api/v1/rest.php\nusername = test@example.com\npassword = "fake-api-password"\n' \
	"$PORT" >"$XDG_CONFIG_HOME/kenoconsole/kenoconsole.ini"
chmod 600 "$XDG_CONFIG_HOME/kenoconsole/kenoconsole.ini"
kc account add --holder "Surrogate" --email s@example.com --province QC --level basic \
	--voipms-client 100003 --signed-on 2026-06-01 >/dev/null || fail "account 3"

for acc in 2 3; do
	kc sync --account "$acc" --from 2026-06-01 --to 2026-06-05 >"$t/out" 2>"$t/err"; rc=$?
	assert_eq "answer with a NUL or a lone surrogate (account $acc): exit 1" 1 "$rc"
	assert_contains "answer refused (account $acc): says why" "voip.ms" "$(cat "$t/err")"
	assert_eq "nothing imported (account $acc)" "" \
		"$(kc usage list --account "$acc" --format csv | sed 1d)"
done
kc sync --account 1 --from 2026-06-01 --to 2026-06-05 >/dev/null || fail "hostile text sync"
kc usage list --account 1 --format json >"$t/usage.json" || fail "usage json"
kc usage list --account 1 >"$t/usage.txt" || fail "usage text"
python3 - "$t/usage.json" "$t/usage.txt" <<'PY' || fail "hostile call text"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 1, rows
d = rows[0]["description"]
assert "\x1b" not in d and "\x9b" not in d, repr(d)
assert d.startswith("Rogue ") and "\\ 'q'" in d, repr(d)
text = open(sys.argv[2], "rb").read()
assert b"\x1b" not in text and b"\xc2\x9b" not in text, "a terminal control reached the screen"
PY
echo "ok - call text from voip.ms stored and shown without terminal controls"
pass
