#!/bin/bash
# t_explain.sh: emgdiag-explain, and emgdiag-follow --explain which shares
# its table (tools/reasons.c), on logs written here line by line in the
# grammar of docs/connector-log.md#connector-log and docs/pdu-log.md.  The
# expected names are the standard ones of each number (errno.h: 111
# ECONNREFUSED, 110 ETIMEDOUT; netdb.h: h_errno 1 HOST_NOT_FOUND; the SMPP
# 3.4 command_status table: 14 ESME_RINVPASWD, 88 ESME_RTHROTTLED); the
# pdu-log facts are the ones the man page lists: a generic_nack answering a
# bind, an enquire_link never answered before a DISCONNECT ERR, submit_sm
# answered 88.  Also the messages of emgdiag-trace on its own files: the
# grammar of docs/message-log.md with a hostile value and a broken line.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
EXPLAIN=${EMGDIAG_EXPLAIN:-$TOP/tools/emgdiag-explain}
FOLLOW=${EMGDIAG_FOLLOW:-$TOP/tools/emgdiag-follow}
TRACE=${EMGDIAG_TRACE:-$TOP/tools/emgdiag-trace}
. "$(dirname "$0")/tool_checks.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/t_explain.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

check_version emgdiag-explain "$EXPLAIN"
check_version emgdiag-trace "$TRACE"

D=$WORK/logs
mkdir -p "$D"
cat >"$D/connector.up" <<'EOF2'
2026-11-26 10:00:00.000000 (0) CONNECT ERR (info="111")
2026-11-26 10:00:05.000000 (0) CONNECT ERR (info="-1")
2026-11-26 10:00:10.000000 (0) CONNECT OK
2026-11-26 10:00:10.100000 (0) LOGIN ERR (info="14")
2026-11-26 10:00:10.200000 (0) DISCONNECT ERR (info="login-failed")
2026-11-26 10:00:20.000000 (0) CONNECT OK
2026-11-26 10:00:20.200000 (0) DISCONNECT ERR (info="timeout")
2026-11-26 10:00:30.000000 (0) CONNECT OK
2026-11-26 10:00:30.100000 (0) LOGIN OK (info="0 SMSC")
2026-11-26 10:01:30.000000 (0) DISCONNECT ERR (info="peer-closed")
2026-11-26 10:02:00.000000 (0) CONNECT OK
2026-11-26 10:02:00.100000 (0) LOGIN OK (info="0 SMSC")
2026-11-26 10:03:00.000000 (0) DISCONNECT OK
EOF2
cat >"$D/pdu.up" <<'EOF2'
2026-11-26 10:00:20.000100 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user SYSTEMTYPE:VMA
2026-11-26 10:00:20.000200 INFO  (up,0) Read op:0x80000000 (GENERIC_NACK) status:3 trn:1 datalen:0
2026-11-26 10:00:30.000100 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:2 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user SYSTEMTYPE:VMA
2026-11-26 10:00:30.100000 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:2 datalen:5 SYSTEMID:SMSC
2026-11-26 10:00:40.000000 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:3 datalen:30
2026-11-26 10:00:40.001000 INFO  (up,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:88 trn:3 datalen:0
2026-11-26 10:00:40.002000 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:4 datalen:30
2026-11-26 10:00:40.003000 INFO  (up,0) Read op:0x80000004 (SUBMIT_SM_RESP) status:88 trn:4 datalen:0
2026-11-26 10:01:00.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:5 datalen:0
2026-11-26 10:01:00.010000 INFO  (up,0) Read op:0x80000015 (ENQUIRE_LINK_RESP) status:0 trn:5 datalen:0
2026-11-26 10:01:10.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:6 datalen:0
2026-11-26 10:02:30.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:7 datalen:0
2026-11-26 10:02:30.010000 INFO  (up,0) Read op:0x80000015 (ENQUIRE_LINK_RESP) status:0 trn:7 datalen:0
EOF2

OUT=$("$EXPLAIN" -d "$D" up)
RC=$?
same "explain: exit 0 when failures were found" "$RC" 0
# The names under each ERR line, in file order.
NAMES=$(printf '%s\n' "$OUT" | sed -n 's/^  \([A-Z_a-z-]*\): .*/\1/p' | grep -v '^usual' | tr '\n' ' ')
# The pdu-log facts of a session follow the reason of the line that ended
# it: the burst of 88 was in the session that ended peer-closed.
same "explain: every ERR line named: 111, -1, 14, login-failed, timeout, peer-closed (its 88 burst)" "$NAMES" \
    "ECONNREFUSED HOST_NOT_FOUND ESME_RINVPASWD login-failed timeout peer-closed ESME_RTHROTTLED "
case $OUT in
*"answered with generic_nack (status 3)"*) ok "explain: the bind answered with generic_nack (before the timeout)" ;;
*) bad "explain: no generic_nack before the timeout: $OUT" ;;
esac
case $OUT in
*"enquire_link trn 6 written at 2026-11-26 10:01:10.000000 was never answered"*)
    ok "explain: the enquire_link left unanswered before peer-closed" ;;
*) bad "explain: the unanswered enquire_link not named" ;;
esac
case $OUT in
*"trn 5 written"*|*"trn 7 written"*) bad "explain: an answered enquire_link named as unanswered" ;;
*) ok "explain: answered enquire_links are not named" ;;
esac
case $OUT in
*"2 submit_sm answered 88 between 2026-11-26 10:00:40.001000 and 2026-11-26 10:00:40.003000"*)
    ok "explain: the throttling burst counted" ;;
*) bad "explain: the throttling burst not counted" ;;
esac
printf '%s\n' '2026-11-26 10:00:00.000000 (0) CONNECT OK' '2026-11-26 10:00:01.000000 (0) DISCONNECT OK' \
    >"$D/connector.fine"
"$EXPLAIN" -d "$D" fine >/dev/null
same "explain: a connector without failures: exit 1" "$?" 1
"$EXPLAIN" -d "$D" nosuch >/dev/null 2>&1
same "explain: no connector log: exit 2" "$?" 2
"$EXPLAIN" >/dev/null 2>&1
same "explain: no CONNECTOR: exit 2" "$?" 2

# emgdiag-follow --explain: the same table under the ERR lines of a session
# (the 4th of instance 0: each CONNECT ERR is a session of its own).
OUT=$("$FOLLOW" --explain -d "$D" --session 4 up 0 2>/dev/null)
case $OUT in
*'(info="timeout")'$'\n''    # timeout: no response in time'*) ok "follow --explain: the table's text under DISCONNECT ERR" ;;
*) bad "follow --explain: no explanation under the DISCONNECT ERR: $OUT" ;;
esac
OUT=$("$FOLLOW" -d "$D" --session 4 up 0 2>/dev/null)
case $OUT in
*'# '*) bad "follow without --explain adds lines" ;;
*) ok "follow without --explain prints the logs' lines only" ;;
esac

# emgdiag-trace on hand-written message logs: a value with a quote and a
# control octet comes out escaped as the log wrote it, a broken line is
# reported with its file and line and skipped.
M=$WORK/msg
mkdir -p "$M"
cat >"$M/message.bearerbox" <<'EOF2'
2026-11-26 10:00:00.000001 (up,0) SUBMIT uuid="u1" trn="7" part="1/1" to="467\x22\x1b"
2026-11-26 10:00:00.000002 (up,0) SUBMIT_RESP uuid="u1" trn="7" part="1/1" status="0" id-raw="00ab" id="00ab"
broken line
2026-11-26 10:00:00.00000x (up,0) SUBMIT uuid="u1" broken
2026-11-26 10:00:01.000000 (up,0) DLR_UNMATCHED id-raw="AB" id="AB" to="467" type="1"
2026-11-26 10:00:01.000001 (other,0) DLR_UNMATCHED id-raw="00ab" id="00ab" to="467" type="1"
2026-11-26 10:00:01.000002 (up,0) DLR_UNMATCHED id-raw="nothing" id="nothing" to="467" type="1"
EOF2
OUT=$("$TRACE" -d "$M" u1 2>"$WORK/trace.err")
same "trace: found (exit 0)" "$?" 0
case $OUT in
*'to="467\x22\x1b"'*) ok "trace: a hostile value printed escaped as in the log" ;;
*) bad "trace: value not escaped: $OUT" ;;
esac
# An id's lines are found by searching (docs/message-log.md): a broken
# line holding the id is reported by its octet offset (2 lines of 101 and
# 122 octets before it), the others are not read.
same "trace ID: the broken line holding the id reported with its file and offset" "$(cat "$WORK/trace.err")" \
    "emgdiag-trace: $M/message.bearerbox: the line at octet $(head -n 3 "$M/message.bearerbox" | wc -c): no timestamp, skipped"
"$TRACE" -d "$M" --to 467 >/dev/null 2>"$WORK/trace.err"
same "trace --to (every line read): both broken lines reported with their file and line" "$(cat "$WORK/trace.err")" \
    "emgdiag-trace: $M/message.bearerbox:3: no timestamp, skipped
emgdiag-trace: $M/message.bearerbox:4: no timestamp, skipped"
OUT=$("$TRACE" -d "$M" --unmatched 2>/dev/null | sed 's/.* \(cause=[^ ]*\)\( fix="[^"]*"\)\{0,1\}.*/\1\2/')
# "AB" against "00ab": both hex with letters, zeros and case apart: Kannel
# reads both with strtoll(…, 16) under any msg-id-type, so 0x03; the case
# differs too, the classifier names the case first.  "00ab" on another
# connector: other-connector.  "nothing": unknown.
same "trace --unmatched: causes" "$OUT" 'cause=leading-zeros fix="msg-id-type = 0x03"
cause=other-connector
cause=unknown'

tool_summary
