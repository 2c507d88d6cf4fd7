#!/bin/bash
# emgdiag-db load (docs/database.md, "Loading files"): logs written by
# opensmppbox without a <database> (format="both") are loaded into SQLite:
# every line is one row, field for field through its JSON twin
# (db_compare.py); loading again adds nothing; emgdiag-follow --db and
# emgdiag-trace --db then print what they print from the files.  Untrusted input: a text line
# without a twin and twin lines that are not JSON are counted, named once
# and skipped, the rest loaded (exit 1).  Time budget: about 15 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
. "$(dirname "$0")/db_servers.sh"
it_init db_load
DBTOOL=${EMGDIAG_DB:?set EMGDIAG_DB to the emgdiag-db tool}
FOLLOW=${EMGDIAG_FOLLOW:?set EMGDIAG_FOLLOW}

P=$TOP/tests/peers
L=$IT_DIR/logs
DB=$IT_DIR/loaded.db
mkdir -p "$L"
box_upstream
printf '%s\n' '<emgdiag>' "  <logs dir=\"$L\" format=\"both\"/>" \
    '  <connector name="in" type="incoming" opensmppbox-id="osb"/>' '</emgdiag>' >"$IT_DIR/emg.xml"
printf '%s\n' 'c1 pw1 x' >"$IT_DIR/logins"
OSB_PORT=$(it_port)
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_line "$L/general" 'CONFIG LOADED' 10
for k in 1 2; do
    it_start "c$k" perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c1 --password pw1 --submit 15 --unbind
    it_wait_exit "c$k" 30
done
perl "$TOP/tests/integration/host_rawclient.pl" "$OSB_PORT" bind "$(printf '%s' "a'\"\\b" | od -An -tx1 | tr -d ' \n')" wrong >/dev/null 2>&1
sleep 0.5
it_stop osb

out=$("$DBTOOL" load "sqlite:$DB" --box opensmppbox --node gw9 "$L" 2>"$IT_DIR/load.err")
rc=$?
lines=$(cat "$L/connector.in" "$L/pdu.in" "$L/security" "$L/message.osb" | wc -l)
it_assert_eq "$rc:$out" "0:$lines lines: $lines rows added, 0 already there, 0 without a twin, 0 not understood" \
    "load DIR: every line of connector.in, pdu.in, security and message.osb a row"
it_assert_eq "$(sqlite3 "$DB" 'SELECT count(*) FROM messagelog')" "$(wc -l <"$L/message.osb")" \
    "message.osb: every line a row of messagelog"
python3 "$TOP/tests/integration/db_compare.py" "$DB" "$L" --node gw9 --box '*=opensmppbox' --box osb=opensmppbox --loaded --messages \
    >"$IT_DIR/compare.out" 2>&1 && it_pass "the rows are the files, field for field through the JSON twin" || {
    it_fail "the rows differ from the files"
    grep -v ': [0-9]* lines, [0-9]* rows$' "$IT_DIR/compare.out" | head -10
}
out=$("$DBTOOL" load "sqlite:$DB" --box opensmppbox --node gw9 "$L/pdu.in" "$L/connector.in" "$L/security" "$L/message.osb" 2>&1)
it_assert_eq "$?:$out" "0:$lines lines: 0 rows added, $lines already there, 0 without a twin, 0 not understood" \
    "loading again adds nothing (the unique key)"
for i in 0 1; do
    "$FOLLOW" --dir "$L" in "$i" >"$IT_DIR/f.files" 2>/dev/null
    "$FOLLOW" --db "sqlite:$DB" in "$i" >"$IT_DIR/f.db" 2>/dev/null
    if [ -s "$IT_DIR/f.files" ] && cmp -s "$IT_DIR/f.files" "$IT_DIR/f.db"; then
        it_pass "emgdiag-follow --db of the loaded rows = from the files (instance $i)"
    else
        it_fail "emgdiag-follow --db of the loaded rows differs from the files (instance $i)"
    fi
done

# emgdiag-trace --db: the same output, whole, and the same exit status as
# from the files, for ids of the first and last messages and their
# destination (taken from the message logs, as a user would).
URI=sqlite:$DB NODE=gw9
trace_same_messages

# Hostile input: a copy of the pdu log whose twin has garbage lines and
# lacks the twin of one text line.
H=$IT_DIR/hostile
mkdir -p "$H"
cp "$L/pdu.in" "$H/pdu.in"
{
    printf '%s\n' 'not json' '{"ts":"x"}' '{"ts":"2024-01-01T00:00:00.000000+00:00","connector":"in","instance":0,"dir":"read","fields":{"A":[[[1]]]}}'
    sed 1d "$L/pdu.in.jsonl"
} >"$H/pdu.in.jsonl"
out=$("$DBTOOL" load "sqlite:$IT_DIR/hostile.db" --box opensmppbox --node gw9 "$H/pdu.in" 2>"$IT_DIR/hostile.err")
rc=$?
n=$(wc -l <"$H/pdu.in")
it_assert_eq "$rc:$out" "1:$n lines: $((n - 1)) rows added, 0 already there, 1 without a twin, 3 not understood" \
    "hostile twin: the good lines loaded, the rest counted (exit 1)"
it_assert_line "$IT_DIR/hostile.err" "^emgdiag-db: $H/pdu.in:1: no twin among the next 64 lines" \
    "the text line without a twin named by FILE:LINE"
it_assert_line "$IT_DIR/hostile.err" "^emgdiag-db: $H/pdu.in.jsonl:1: not a twin line" "the first bad twin line named"
"$DBTOOL" load "sqlite:$DB" --box opensmppbox "$IT_DIR/emg.xml" >/dev/null 2>&1
it_assert_eq "$?" 1 "a file that is not a log: exit 1"
"$DBTOOL" load "sqlite:$DB" "$L" >/dev/null 2>&1
it_assert_eq "$?" 2 "load without --box: exit 2"
it_stop bb
it_summary
