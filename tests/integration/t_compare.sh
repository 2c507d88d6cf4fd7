#!/bin/bash
# t_compare.sh: emgdiag-compare on logs written here in the grammar of
# docs/connector-log.md#connector-log and docs/pdu-log.md: an "EMG" side and an "ours" side of the same
# traffic, with timestamps, connector names and the order across directions
# differing on purpose, and a few real differences.  Expected output is
# written by hand from the tool's rules (docs/man/emgdiag-compare.1): pairs
# by instance + Read/Write + op + trn (pdu log) or instance + event
# (connector log), in order of appearance; "! " and "  " for a pair that
# differs, then its fields "    KEY: first | second"; "< " only in FIRST;
# "> " only in SECOND; a summary line.  The live side (a live pdu log
# against emgdiag-pdu's decode of the same capture) is in t_live_tshark.sh.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
COMPARE=${EMGDIAG_COMPARE:-$TOP/tools/emgdiag-compare}
. "$(dirname "$0")/tool_checks.sh"
WORK=$(mktemp -d /tmp/t_compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run_tool() {
    OUT=$("$COMPARE" "$@" 2>"$WORK/err"); RC=$?
    ERR=$(cat "$WORK/err")
}

if [ ! -x "$COMPARE" ]; then
    echo "emgdiag-compare not found at $COMPARE (set EMGDIAG_COMPARE)"
    echo "0 passed, 1 failed"
    exit 1
fi

cd "$WORK" || exit 1
cat >emg.pdu <<'LOG'
2015-04-29 03:03:59.473594 INFO  (smpp-out,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:17 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2015-04-29 03:03:59.474386 INFO  (smpp-out,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC
2015-04-29 03:04:00.000001 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:4670123456 SHORTMESSAGE:hello world SMLENGTH:11
2015-04-29 03:04:00.000100 INFO  (smpp-out,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:2 datalen:3 MESSAGEID:ab
2015-04-29 03:04:01.000000 INFO  (smpp-out,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:3 datalen:0
LOG
cat >ours.pdu <<'LOG'
2026-11-25 10:00:00.000001 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:17 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-11-25 10:00:00.000300 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:31 DESTINATIONADDR:4670123456 REGISTEREDDELIVERY:1 SHORTMESSAGE:hello world SMLENGTH:11
2026-11-25 10:00:00.000200 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC
2026-11-25 10:00:00.000400 INFO  (up,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:2 datalen:3 MESSAGEID:cd
2026-11-25 10:00:00.000500 INFO  (up,0) Write op:0x00000006 (UNBIND) status:0 trn:4 datalen:0
LOG

run_tool emg.pdu ours.pdu
same "pdu logs: differing pairs with their fields, unpaired lines, summary" "$OUT" \
'! 2015-04-29 03:04:00.000001 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:4670123456 SHORTMESSAGE:hello world SMLENGTH:11
  2026-11-25 10:00:00.000300 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:31 DESTINATIONADDR:4670123456 REGISTEREDDELIVERY:1 SHORTMESSAGE:hello world SMLENGTH:11
    header: Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 | Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:31
    REGISTEREDDELIVERY: (none) | 1
! 2015-04-29 03:04:00.000100 INFO  (smpp-out,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:2 datalen:3 MESSAGEID:ab
  2026-11-25 10:00:00.000400 INFO  (up,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:2 datalen:3 MESSAGEID:cd
    MESSAGEID: ab | cd
< 2015-04-29 03:04:01.000000 INFO  (smpp-out,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:3 datalen:0
> 2026-11-25 10:00:00.000500 INFO  (up,0) Write op:0x00000006 (UNBIND) status:0 trn:4 datalen:0
4 paired (2 differ), 1 only in emg.pdu, 1 only in ours.pdu'
[ $RC -eq 1 ] && [ -z "$ERR" ] && ok "differences: exit 1" || bad "differences: rc=$RC err=$ERR"

run_tool -q -x MESSAGEID emg.pdu ours.pdu
same "--quiet and --ignore-field: only the summary, MESSAGEID no longer differs" "$OUT" \
'4 paired (1 differ), 1 only in emg.pdu, 1 only in ours.pdu'

head -n 2 emg.pdu >a.pdu
sed -n '1p;3p' ours.pdu >b.pdu
run_tool a.pdu b.pdu
same "same traffic, other timestamps and names: agree" "$OUT" '2 paired (0 differ), 0 only in a.pdu, 0 only in b.pdu'
[ $RC -eq 0 ] && ok "agreement: exit 0" || bad "agreement: exit $RC"

# Instance numbers: different numbering pairs nothing, unless ignored.
sed 's/(up,0)/(up,3)/' b.pdu >b3.pdu
run_tool -q a.pdu b3.pdu
same "another instance number: nothing pairs" "$OUT" '0 paired (0 differ), 2 only in a.pdu, 2 only in b3.pdu'
run_tool -q --ignore-instance a.pdu b3.pdu
same "--ignore-instance: pairs again" "$OUT" '2 paired (0 differ), 0 only in a.pdu, 0 only in b3.pdu'

# Connector logs: detected from the first line, paired by instance + event.
cat >emg.con <<'LOG'
2015-04-28 21:25:42.104666 (0) CONNECT OK
2015-04-28 21:25:42.104666 (0) LOGIN OK (info="0 system")
2015-04-28 21:26:00.000000 (0) DISCONNECT OK
LOG
cat >ours.con <<'LOG'
2026-11-25 10:00:00.000001 (0) CONNECT OK
2026-11-25 10:00:00.000002 (0) LOGIN OK (info="0 SMSC")
2026-11-25 10:00:09.000000 (0) DISCONNECT ERR (info="timeout")
LOG
run_tool emg.con ours.con
same "connector logs: event pairs, whole lines compared" "$OUT" \
'! 2015-04-28 21:25:42.104666 (0) LOGIN OK (info="0 system")
  2026-11-25 10:00:00.000002 (0) LOGIN OK (info="0 SMSC")
! 2015-04-28 21:26:00.000000 (0) DISCONNECT OK
  2026-11-25 10:00:09.000000 (0) DISCONNECT ERR (info="timeout")
3 paired (2 differ), 0 only in emg.con, 0 only in ours.con'

# Untrusted input and errors of use.
{ cat a.pdu; echo 'not a log line'; printf '2026-11-25 10:00:00.000009 INFO  (up,0) Write op:0x00000015'; } >bad.pdu
run_tool -q a.pdu bad.pdu
same "bad lines skipped" "$OUT" '2 paired (0 differ), 0 only in a.pdu, 0 only in bad.pdu'
same "bad lines named by file and line" "$ERR" \
'emgdiag-compare: bad.pdu:3: not a pdu-log line; skipped
emgdiag-compare: bad.pdu:4: last line cut short (no newline); skipped'
[ $RC -eq 1 ] && ok "bad lines: exit 1" || bad "bad lines: exit $RC"
echo garbage >garbage
run_tool garbage a.pdu
[ $RC -eq 2 ] && [ "$ERR" = "emgdiag-compare: garbage holds no line of a pdu log or a connector log; say --type" ] \
    && ok "a file of no known kind: exit 2, one line" || bad "no kind: rc=$RC err=$ERR"
run_tool a.pdu missing
[ $RC -eq 2 ] && [ "$ERR" = "emgdiag-compare: missing: No such file or directory" ] \
    && ok "missing file: exit 2, names it" || bad "missing: rc=$RC err=$ERR"
for args in "a.pdu" "--type sms a.pdu b.pdu" "a.pdu b.pdu c.pdu"; do
    # shellcheck disable=SC2086
    run_tool $args
    [ $RC -eq 2 ] && [ -n "$ERR" ] && ok "usage error ($args): exit 2" || bad "usage ($args): rc=$RC"
done
run_tool --type connector -q a.pdu b.pdu
[ $RC -eq 1 ] && [ "$OUT" = "0 paired (0 differ), 0 only in a.pdu, 0 only in b.pdu" ] \
    && [[ $ERR == *"a.pdu:1: not a connector-log line; skipped"* ]] \
    && ok "--type connector on pdu logs: every line named as not a connector-log line, exit 1" \
    || bad "--type connector on pdu logs: rc=$RC out=$OUT err=$ERR"

# Inside a text value the module may write a space as \x20 (where it could
# be read as the start of a field: " KEY:"), EMG a plain space: the same
# octet, so no difference (docs/man/emgdiag-compare.1).  An escaped
# backslash followed by "x20" (\\x20) is not a space.
printf '%s\n' \
    '2015-04-29 03:04:00.000001 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:root now SMLENGTH:16' \
    '2015-04-29 03:04:00.000002 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:3 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:a b SMLENGTH:3' \
    '2015-04-29 03:04:00.000003 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:root SMLENGTH:12' >emg-sp.pdu
printf '%s\n' \
    '2026-11-25 10:00:00.000001 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi\x20SYSTEMID:root now SMLENGTH:16' \
    '2026-11-25 10:00:00.000002 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:3 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:a\\x20b SMLENGTH:3' \
    '2026-11-25 10:00:00.000003 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:31 DESTINATIONADDR:46701 SHORTMESSAGE:hi\x20SYSTEMID:root SMLENGTH:12' >ours-sp.pdu
run_tool emg-sp.pdu ours-sp.pdu
same "\\x20 and a space compare equal; \\\\x20 does not; only real differences are listed" "$OUT" \
'! 2015-04-29 03:04:00.000002 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:3 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:a b SMLENGTH:3
  2026-11-25 10:00:00.000002 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:3 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:a\\x20b SMLENGTH:3
    SHORTMESSAGE: a b | a\\x20b
! 2015-04-29 03:04:00.000003 INFO  (smpp-out,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:root SMLENGTH:12
  2026-11-25 10:00:00.000003 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:31 DESTINATIONADDR:46701 SHORTMESSAGE:hi\x20SYSTEMID:root SMLENGTH:12
    header: Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:30 | Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:31
3 paired (2 differ), 0 only in emg-sp.pdu, 0 only in ours-sp.pdu'

# The JSON twin (docs/pdu-log.md "JSON twin"): where FILE.jsonl is there,
# a pdu line's fields come from its twin line, so a value holding " KEY:"
# text is one field.  Two logs of ours with the same short message but for
# one word: from the twins the difference is in SHORTMESSAGE, and ignoring
# SYSTEMID does not hide it; cut from the text (--text-only) the word looks
# like a SYSTEMID field of its own, and ignoring SYSTEMID hides it.
twin_pair() {   # twin_pair NAME WORD: NAME.pdu and NAME.pdu.jsonl, one submit_sm
    printf '%s\n' "2026-11-25 10:00:00.000001 INFO  ($1,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:$2 SMLENGTH:16" \
        "2026-11-25 10:00:00.000002 INFO  ($1,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:2 datalen:4 MESSAGEID:id1" >"$1.pdu"
    printf '%s\n' "{\"ts\":\"2026-11-25T10:00:00.000001+01:00\",\"connector\":\"$1\",\"instance\":0,\"dir\":\"write\",\"op\":\"0x00000004\",\"name\":\"SUBMIT_SM\",\"status\":0,\"trn\":2,\"datalen\":30,\"fields\":{\"DESTINATIONADDR\":\"46701\",\"SHORTMESSAGE\":\"hi SYSTEMID:$2\",\"SMLENGTH\":16}}" \
        "{\"ts\":\"2026-11-25T10:00:00.000002+01:00\",\"connector\":\"$1\",\"instance\":0,\"dir\":\"read\",\"op\":\"0x80000004\",\"name\":\"SUBMIT_SM_RESP\",\"status\":0,\"trn\":2,\"datalen\":4,\"fields\":{\"MESSAGEID\":\"id1\"}}" >"$1.pdu.jsonl"
}
twin_pair tw1 root
twin_pair tw2 toor
run_tool tw1.pdu tw2.pdu
same "JSON twins: a value holding ' SYSTEMID:' is one field" "$OUT" \
'! 2026-11-25 10:00:00.000001 INFO  (tw1,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:root SMLENGTH:16
  2026-11-25 10:00:00.000001 INFO  (tw2,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:toor SMLENGTH:16
    SHORTMESSAGE: hi SYSTEMID:root | hi SYSTEMID:toor
2 paired (1 differ), 0 only in tw1.pdu, 0 only in tw2.pdu'
[ -z "$ERR" ] && ok "JSON twins in step: nothing on stderr" || bad "twins: stderr $ERR"
run_tool -q -x SYSTEMID tw1.pdu tw2.pdu
same "JSON twins: --ignore-field SYSTEMID does not hide a difference inside SHORTMESSAGE" "$OUT" \
    '2 paired (1 differ), 0 only in tw1.pdu, 0 only in tw2.pdu'
run_tool --text-only tw1.pdu tw2.pdu
same "--text-only: the fields cut from the text" "$OUT" \
'! 2026-11-25 10:00:00.000001 INFO  (tw1,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:root SMLENGTH:16
  2026-11-25 10:00:00.000001 INFO  (tw2,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:30 DESTINATIONADDR:46701 SHORTMESSAGE:hi SYSTEMID:toor SMLENGTH:16
    SYSTEMID: root | toor
2 paired (1 differ), 0 only in tw1.pdu, 0 only in tw2.pdu'
run_tool -q --text-only -x SYSTEMID tw1.pdu tw2.pdu
same "--text-only -x SYSTEMID: the text cannot tell, the difference is hidden" "$OUT" \
    '2 paired (0 differ), 0 only in tw1.pdu, 0 only in tw2.pdu'
# A twin on one side only: the line is still compared whole (EMG's text
# and ours agree), only the cut differs.
cp tw1.pdu emgside.pdu
run_tool -q emgside.pdu tw1.pdu
same "a twin on one side: the same line still agrees" "$OUT" '2 paired (0 differ), 0 only in emgside.pdu, 0 only in tw1.pdu'
# Sessions on other threads may write between a line and its twin: a twin
# is found among the lines near it, in any order.
twin_pair tw3 toor
{ sed -n 2p tw3.pdu.jsonl; sed -n 1p tw3.pdu.jsonl; } >tw3.swapped && mv tw3.swapped tw3.pdu.jsonl
run_tool -q -x SYSTEMID tw1.pdu tw3.pdu
same "twin lines in another order: still found" "$OUT" '2 paired (1 differ), 0 only in tw1.pdu, 0 only in tw3.pdu'
[ -z "$ERR" ] && ok "twin lines in another order: nothing on stderr" || bad "swapped twin: $ERR"
# A line with no twin near it has its fields cut from the text: the first
# is named, the rest counted; twin lines that are not JSON are passed over.
twin_pair tw3 root
sed -i '1s/"trn":2/"trn":3/' tw3.pdu.jsonl
run_tool -q tw1.pdu tw3.pdu
same "a line without its twin: compared from its text" "$OUT" '2 paired (0 differ), 0 only in tw1.pdu, 0 only in tw3.pdu'
same "a line without its twin: named" "$ERR" \
    'emgdiag-compare: tw3.pdu:1 has no twin near it in tw3.pdu.jsonl; its fields are cut from its text (so are those of any other such line, counted at the end)'
printf '{"ts":\n' >tw3.pdu.jsonl
run_tool -q tw1.pdu tw3.pdu
same "a twin of no JSON line: named, the lines counted" "$ERR" \
'emgdiag-compare: tw3.pdu.jsonl:1: not a JSON-twin line; passed over
emgdiag-compare: tw3.pdu:1 has no twin near it in tw3.pdu.jsonl; its fields are cut from its text (so are those of any other such line, counted at the end)
emgdiag-compare: 2 lines of tw3.pdu had no twin near them in tw3.pdu.jsonl'
rm tw3.pdu.jsonl && mkdir tw3.pdu.jsonl
run_tool -q tw1.pdu tw3.pdu
[ $RC -eq 2 ] && [ "$ERR" = "emgdiag-compare: tw3.pdu.jsonl: Is a directory" ] \
    && ok "a twin that cannot be read: exit 2" || bad "twin directory: rc=$RC err=$ERR"
# The twin emgdiag-pdu writes (the module's formatter) is taken as in step.
PDU=${EMGDIAG_PDU:-$TOP/tools/emgdiag-pdu}
if [ -x "$PDU" ]; then
    seed='00000021 00000009 00000000 00002d76 75736572 00 736563726574 00 00 34 00 00 00'
    python3 - "$WORK/seed.pcap" "$seed" <<'EOF'
# One frame (LINKTYPE_RAW) to port 2775 holding the PDU given in hex.
import struct, sys
payload = bytes.fromhex(sys.argv[2].replace(" ", ""))
tcp = struct.pack(">HHIIBBHHH", 40000, 2775, 1000, 0, 5 << 4, 0x18, 65535, 0, 0)
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    f.write(struct.pack("<IIII", 1700000000, 5, 40 + len(payload), 40 + len(payload)) + ip + tcp + payload)
EOF
    "$PDU" --pcap "$WORK/seed.pcap" --port 2775 >real.pdu
    "$PDU" --pcap "$WORK/seed.pcap" --port 2775 --json >real.pdu.jsonl
    run_tool -q -x SYSTEMID real.pdu real.pdu
    [ "$OUT" = "1 paired (0 differ), 0 only in real.pdu, 0 only in real.pdu" ] && [ -z "$ERR" ] \
        && ok "emgdiag-pdu's text and JSON lines are taken as twins" || bad "real twin: out=$OUT err=$ERR"
else
    skip "a twin written by emgdiag-pdu: no emgdiag-pdu at $PDU"
fi

# Lines of a foreign log reach a terminal with their control octets
# escaped (ESC [ 2 J, BEL as \xHH), in the lines and in the field breakdown.
printf '2015-04-29 03:03:59.473594 INFO  (smpp-out,0) Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:9 SHORTMESSAGE:hi\033[2J\a\n' >esc1.pdu
printf '2026-11-25 10:00:00.000001 INFO  (up,0) Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:9 SHORTMESSAGE:hi\n' >esc2.pdu
run_tool esc1.pdu esc2.pdu
same "ESC [ 2 J and BEL print as \\xHH" "$OUT" \
'! 2015-04-29 03:03:59.473594 INFO  (smpp-out,0) Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:9 SHORTMESSAGE:hi\x1b[2J\x07
  2026-11-25 10:00:00.000001 INFO  (up,0) Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:9 SHORTMESSAGE:hi
    SHORTMESSAGE: hi\x1b[2J\x07 | hi
1 paired (1 differ), 0 only in esc1.pdu, 0 only in esc2.pdu'
run_tool esc2.pdu esc1.pdu
[[ $OUT == *"    SHORTMESSAGE: hi | hi\\x1b[2J\\x07"* ]] && ok "SECOND's value escaped too" \
    || bad "SECOND's value: $OUT"
"$COMPARE" esc1.pdu esc2.pdu | LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" \
    && bad "a control octet reached the output" || ok "no control octet but the newlines in the output"

# Files that cannot be read: exit 2, "emgdiag-compare: FILE: strerror",
# and no summary (a read error is never taken for the end of a file).
mkdir adir
run_tool -t pdu a.pdu adir
[ $RC -eq 2 ] && [ -z "$OUT" ] && [ "$ERR" = "emgdiag-compare: adir: Is a directory" ] \
    && ok "a directory as SECOND: exit 2, names it, no summary" || bad "directory: rc=$RC out=$OUT err=$ERR"
run_tool adir a.pdu
[ $RC -eq 2 ] && [ -z "$OUT" ] && [ "$ERR" = "emgdiag-compare: adir: Is a directory" ] \
    && ok "a directory as FIRST: exit 2" || bad "directory as FIRST: rc=$RC out=$OUT err=$ERR"
if ! fault_read_build "$WORK"; then
    skip "read(2) errors part-way: no C compiler for the fault library ($(head -1 "$WORK/fault_read.log"))"
else
    # a.pdu's first line is whole within its first 200 octets; its second is not
    for side in first second; do
        if [ $side = first ]; then args=(a.pdu b.pdu); else args=(b.pdu a.pdu); fi
        with_read_fault a.pdu 200 "$COMPARE" "${args[@]}"
        if [ $INJECTED -eq 0 ]; then
            skip "read error in the $side file: the tool does not read through the fault library"
        elif [ $RC -eq 2 ] && [[ $OUT != *paired* ]] && [ "$ERR" = "emgdiag-compare: a.pdu: Input/output error" ]; then
            ok "read(2) error part-way through the $side file: exit 2, names it, no summary"
        else
            bad "read error in the $side file: rc=$RC out=$OUT err=$ERR"
        fi
    done
    with_read_fault tw1.pdu.jsonl 100 "$COMPARE" tw1.pdu tw2.pdu
    if [ $INJECTED -eq 0 ]; then
        skip "read error in a JSON twin: the tool does not read through the fault library"
    elif [ $RC -eq 2 ] && [[ $OUT != *paired* ]] && [ "$ERR" = "emgdiag-compare: tw1.pdu.jsonl: Input/output error" ]; then
        ok "read(2) error part-way through a JSON twin: exit 2, names it, no summary"
    else
        bad "read error in a twin: rc=$RC out=$OUT err=$ERR"
    fi
fi

# A line longer than the bound (1 MiB by default) is reported with its file
# and line and skipped; the lines around it are still read.
{ head -n 1 emg.pdu
  printf '2015-04-29 03:03:59.473594 INFO  (smpp-out,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:'
  head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' x; echo
  sed -n 2p emg.pdu; } >long.pdu
long_len=$(sed -n 2p long.pdu | tr -d '\n' | wc -c)
run_tool -q long.pdu a.pdu
same "a 2 MiB line: skipped, the others paired" "$OUT" '2 paired (0 differ), 0 only in long.pdu, 0 only in a.pdu'
same "a 2 MiB line: named by file and line" "$ERR" \
"emgdiag-compare: long.pdu:2: line of $long_len octets, longer than 1048576 (--max-line-length); skipped"
[ $RC -eq 1 ] && ok "a line too long: exit 1" || bad "a line too long: exit $RC"
run_tool -q -t pdu --max-line-length 100 a.pdu b.pdu
[ $RC -eq 1 ] && [ "$OUT" = "0 paired (0 differ), 0 only in a.pdu, 0 only in b.pdu" ] \
    && [[ $ERR == *"a.pdu:1: line of $(head -n 1 a.pdu | tr -d '\n' | wc -c) octets, longer than 100 (--max-line-length); skipped"* ]] \
    && ok "--max-line-length 100: the longer lines skipped and named" || bad "--max-line-length: rc=$RC out=$OUT err=$ERR"
for v in 0 -1 1x ""; do
    run_tool --max-line-length "$v" a.pdu b.pdu
    [ $RC -eq 2 ] && [ -n "$ERR" ] && ok "--max-line-length '$v': usage error" || bad "--max-line-length '$v': rc=$RC"
done
# Memory stays bounded by the bound, not by the line: a 64 MiB line costs
# no more than a few MiB over a small file (GNU time's maximum RSS).
if [ -x /usr/bin/time ]; then
    { head -n 1 emg.pdu; head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' x; echo; } >huge.pdu
    /usr/bin/time -f %M -o rss.small "$COMPARE" -q a.pdu b.pdu >/dev/null 2>&1
    /usr/bin/time -f %M -o rss.huge "$COMPARE" -q huge.pdu b.pdu >/dev/null 2>&1
    small=$(tail -1 rss.small) huge=$(tail -1 rss.huge)
    echo "max RSS: $small KiB for two small files, $huge KiB with a 64 MiB line"
    [ "$huge" -lt $((small + 8 * 1024)) ] && ok "a 64 MiB line costs less than 8 MiB more memory" \
        || bad "a 64 MiB line: $huge KiB against $small KiB"
    rm -f huge.pdu
else
    skip "memory with a 64 MiB line: /usr/bin/time (GNU time) is not installed"
fi

# The window (docs/man/emgdiag-compare.1, WINDOW): a pair more than 32,768
# lines apart is not found: each line is reported as only in its file.
# 40,000 submit_sm lines, in the same order in both files, except that
# trn:1 is the first line of FIRST and the last of SECOND.
awk 'BEGIN { for (i = 2; i <= 40001; i++)
    printf "2026-01-02 10:00:00.000001 INFO  (w,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:%d datalen:0\n", i }' >win.body
far='2026-01-02 10:00:00.000001 INFO  (w,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:1 datalen:0'
{ echo "$far"; cat win.body; } >win.a
{ cat win.body; echo "$far"; } >win.b
run_tool win.a win.b
same "a pair further apart than the window: each line only in its file" "$OUT" \
"< $far
> $far
40000 paired (0 differ), 1 only in win.a, 1 only in win.b"
{ head -n 20000 win.body; echo "$far"; tail -n 20000 win.body; } >win.c
run_tool -q win.a win.c
same "a pair 20,000 lines apart, within the window: paired" "$OUT" "40001 paired (0 differ), 0 only in win.a, 0 only in win.c"
# --window and --window-memory move the bounds: 10,000 lines, or 1 MiB of
# these 112-octet lines (fewer than 10,000 of them), no longer reach the pair
# 20,000 lines apart; 50,000 lines reach the one 40,000 apart.
run_tool -q --window 10000 win.a win.c
same "--window 10000: the pair 20,000 lines apart is not found" "$OUT" "40000 paired (0 differ), 1 only in win.a, 1 only in win.c"
run_tool -q --window-memory 1 win.a win.c
same "--window-memory 1: nor with 1 MiB of lines held" "$OUT" "40000 paired (0 differ), 1 only in win.a, 1 only in win.c"
run_tool -q --window 50000 win.a win.b
same "--window 50000: the pair 40,000 lines apart is found" "$OUT" "40001 paired (0 differ), 0 only in win.a, 0 only in win.b"
run_tool --window 0 win.a win.b
[ $RC -eq 2 ] && [ "$ERR" = 'emgdiag-compare: --window wants a whole number from 1 to 1000000000, not "0"' ] \
    && ok "--window 0: usage error, exit 2" || bad "--window 0: exit $RC, $ERR"
rm -f win.a win.b win.c win.body

tool_summary
