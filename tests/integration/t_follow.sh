#!/bin/bash
# t_follow.sh: emgdiag-follow on logs written here, line by line, in the
# grammar of docs/connector-log.md#connector-log (connector log) and docs/pdu-log.md (pdu log).  The
# expected output of each case is written by hand from the tool's rules
# (docs/man/emgdiag-follow.1): a session starts at a CONNECT of its
# instance and ends at its DISCONNECT, at a CONNECT ERR, or where the next
# CONNECT of the instance starts; a pdu line belongs to the session of its
# instance whose span holds its timestamp; a connector line is printed
# before the first pdu line with a later timestamp (a CONNECT also before
# one with the same timestamp).  The live side (real reconnecting sessions
# of bearerbox) is checked in t_instances.sh.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
FOLLOW=${EMGDIAG_FOLLOW:-$TOP/tools/emgdiag-follow}
. "$(dirname "$0")/tool_checks.sh"
WORK=$(mktemp -d /tmp/t_follow.XXXXXX)
FOLLOWER=
cleanup() {
    [ -n "$FOLLOWER" ] && kill "$FOLLOWER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT


if [ ! -x "$FOLLOW" ]; then
    echo "emgdiag-follow not found at $FOLLOW (set EMGDIAG_FOLLOW)"
    echo "0 passed, 1 failed"
    exit 1
fi

# same NAME GOT WANT

# run_tool ARGS...: sets OUT (NUL octets left out), ERR, RC.
run_tool() {
    "$FOLLOW" "$@" >"$WORK/out" 2>"$WORK/err"; RC=$?
    OUT=$(tr -d '\0' <"$WORK/out")
    ERR=$(cat "$WORK/err")
}

D=$WORK/logs
mkdir -p "$D"
# Connector "up": instance 0 has three sessions (a clean one; one whose
# DISCONNECT is missing, so the next CONNECT ends it; an open one);
# instance 1 has a failed connect, then one session.
cat >"$D/connector.up" <<'LOG'
2026-01-02 10:00:00.000100 (0) CONNECT OK
2026-01-02 10:00:00.000300 (0) LOGIN OK (info="0 SMSC")
2026-01-02 10:00:00.000500 (1) CONNECT ERR (info="111")
2026-01-02 10:00:05.000000 (0) DISCONNECT OK
2026-01-02 10:00:06.000000 (1) CONNECT OK
2026-01-02 10:00:06.000200 (1) LOGIN ERR (info="15")
2026-01-02 10:00:06.000300 (1) DISCONNECT ERR (info="login-failed")
2026-01-02 10:00:10.000000 (0) CONNECT OK
2026-01-02 10:00:10.000200 (0) LOGIN OK (info="0 SMSC")
2026-01-02 10:00:20.000000 (0) CONNECT OK
2026-01-02 10:00:20.000300 (0) LOGIN OK (info="5 SMSC")
LOG
cat >"$D/pdu.up" <<'LOG'
2026-01-02 10:00:00.000200 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:00.000300 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:01.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0
2026-01-02 10:00:04.900000 INFO  (up,0) Write op:0x00000006 (UNBIND) status:0 trn:3 datalen:0
2026-01-02 10:00:04.900100 INFO  (up,0) Read op:0x80000006 (UNBIND_RESP) status:0 trn:3 datalen:0
2026-01-02 10:00:06.000000 INFO  (up,1) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:06.000200 INFO  (up,1) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:15 trn:1 datalen:0
2026-01-02 10:00:10.000000 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:4 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:10.000200 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:4 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:15.000000 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:5 datalen:30 DESTINATIONADDR:4670123456 SHORTMESSAGE:hello SMLENGTH:5
2026-01-02 10:00:20.000100 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:6 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:20.000300 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:5 trn:6 datalen:5 SYSTEMID:SMSC
LOG

run_tool --dir "$D" up
same "list: one line per session, numbered per instance, pdu lines counted" "$OUT" \
'(0) #1 2026-01-02 10:00:00.000100 .. 2026-01-02 10:00:05.000000: CONNECT OK, LOGIN OK (info="0 SMSC"), DISCONNECT OK; 5 pdu lines
(1) #1 2026-01-02 10:00:00.000500 .. 2026-01-02 10:00:00.000500: CONNECT ERR (info="111"); 0 pdu lines
(1) #2 2026-01-02 10:00:06.000000 .. 2026-01-02 10:00:06.000300: CONNECT OK, LOGIN ERR (info="15"), DISCONNECT ERR (info="login-failed"); 2 pdu lines
(0) #2 2026-01-02 10:00:10.000000 .. (no DISCONNECT): CONNECT OK, LOGIN OK (info="0 SMSC"); 3 pdu lines
(0) #3 2026-01-02 10:00:20.000000 .. (open): CONNECT OK, LOGIN OK (info="5 SMSC"); 2 pdu lines'
[ $RC -eq 0 ] && [ -z "$ERR" ] && ok "list: exit 0, nothing on stderr" || bad "list: rc=$RC err=$ERR"

run_tool --dir "$D" --list up 1
same "list of one instance" "$OUT" \
'(1) #1 2026-01-02 10:00:00.000500 .. 2026-01-02 10:00:00.000500: CONNECT ERR (info="111"); 0 pdu lines
(1) #2 2026-01-02 10:00:06.000000 .. 2026-01-02 10:00:06.000300: CONNECT OK, LOGIN ERR (info="15"), DISCONNECT ERR (info="login-failed"); 2 pdu lines'

run_tool --dir "$D" up 0
same "default: the last session of the instance" "$OUT" \
'2026-01-02 10:00:20.000000 (0) CONNECT OK
2026-01-02 10:00:20.000100 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:6 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:20.000300 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:5 trn:6 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:20.000300 (0) LOGIN OK (info="5 SMSC")'

run_tool --dir "$D" --session 1 up 0
same "--session 1: merged in time order; a LOGIN after the pdu line of the same time; a CONNECT ERR of another instance left out" "$OUT" \
'2026-01-02 10:00:00.000100 (0) CONNECT OK
2026-01-02 10:00:00.000200 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:00.000300 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:00.000300 (0) LOGIN OK (info="0 SMSC")
2026-01-02 10:00:01.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0
2026-01-02 10:00:04.900000 INFO  (up,0) Write op:0x00000006 (UNBIND) status:0 trn:3 datalen:0
2026-01-02 10:00:04.900100 INFO  (up,0) Read op:0x80000006 (UNBIND_RESP) status:0 trn:3 datalen:0
2026-01-02 10:00:05.000000 (0) DISCONNECT OK'

run_tool --dir "$D" --session -2 up 0
same "--session -2: the session a later CONNECT ended" "$OUT" \
'2026-01-02 10:00:10.000000 (0) CONNECT OK
2026-01-02 10:00:10.000000 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:4 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:10.000200 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:4 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:10.000200 (0) LOGIN OK (info="0 SMSC")
2026-01-02 10:00:15.000000 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:5 datalen:30 DESTINATIONADDR:4670123456 SHORTMESSAGE:hello SMLENGTH:5'

run_tool --dir "$D" --all up 1
same "--all: every session of the instance" "$OUT" \
'2026-01-02 10:00:00.000500 (1) CONNECT ERR (info="111")
2026-01-02 10:00:06.000000 (1) CONNECT OK
2026-01-02 10:00:06.000000 INFO  (up,1) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:06.000200 INFO  (up,1) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:15 trn:1 datalen:0
2026-01-02 10:00:06.000200 (1) LOGIN ERR (info="15")
2026-01-02 10:00:06.000300 (1) DISCONNECT ERR (info="login-failed")'

# Files named by hand (EMG's own, say) with another connector name inside
# the pdu lines, CRLF line ends, and a log that starts inside a session.
printf '%s\r\n' \
    '2026-01-02 09:59:59.000000 (4) LOGIN OK (info="0 client9")' \
    '2026-01-02 10:00:01.000000 (4) DISCONNECT ERR (info="peer-closed")' >"$WORK/emg-connector.log"
printf '%s\r\n' \
    '2026-01-02 09:59:58.000000 INFO  (emgside,4) Read op:0x00000004 (SUBMIT_SM) status:0 trn:9 datalen:17 DESTINATIONADDR:1 SHORTMESSAGE:x SMLENGTH:1' \
    '2026-01-02 10:00:00.500000 INFO  (emgside,4) Write op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:9 datalen:2 MESSAGEID:7' \
    '2026-01-02 10:00:02.000000 INFO  (emgside,4) Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:10 datalen:0' >"$WORK/emg-pdu.log"
run_tool --connector-log "$WORK/emg-connector.log" --pdu-log "$WORK/emg-pdu.log" --list emgside
same "a log that starts inside a session: its lines form a session of their own; a line after its end is outside" "$OUT" \
'(4) #1 (log starts) 2026-01-02 09:59:59.000000 .. 2026-01-02 10:00:01.000000: LOGIN OK (info="0 client9"), DISCONNECT ERR (info="peer-closed"); 2 pdu lines
1 pdu line outside any session (no connector-log line of its instance covers it)'
run_tool --connector-log "$WORK/emg-connector.log" --pdu-log "$WORK/emg-pdu.log" emgside 4
same "files given by name, CRLF ends, pdu lines under another connector name" "$OUT" \
"$(printf '%s\r\n' \
    '2026-01-02 09:59:58.000000 INFO  (emgside,4) Read op:0x00000004 (SUBMIT_SM) status:0 trn:9 datalen:17 DESTINATIONADDR:1 SHORTMESSAGE:x SMLENGTH:1' \
    '2026-01-02 09:59:59.000000 (4) LOGIN OK (info="0 client9")' \
    '2026-01-02 10:00:00.500000 INFO  (emgside,4) Write op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:9 datalen:2 MESSAGEID:7' \
    '2026-01-02 10:00:01.000000 (4) DISCONNECT ERR (info="peer-closed")' | tr -d '\r')"

# Untrusted input: lines not in the format are named and skipped; exit 1.
B=$WORK/bad
mkdir -p "$B"
{
    echo '2026-01-02 10:00:00.000100 (0) CONNECT OK'
    echo 'garbage'
    echo '2026-01-02 10:00:00 (0) LOGIN OK'
    echo '2026-01-02 10:00:00.000300 (99999999999999999999999) LOGIN OK'
    echo '2026-01-02 10:00:00.000400 (0) LOGIN MAYBE'
    printf '2026-01-02 10:00:09.000000 (0) DISCONNECT OK'
} >"$B/connector.x"
{
    echo '2026-01-02 10:00:00.000200 INFO  (x,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:1 datalen:0'
    echo '2026-01-02 10:00:00.000250 INFO  (x) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0'
    printf '2026-01-02 10:00:00.000260 INFO  (x,0) Write \0 NUL\n'
} >"$B/pdu.x"
run_tool --dir "$B" x 0
same "bad lines skipped, good ones printed (a NUL inside a line kept, as \\x00)" "$OUT" \
"$(printf '%s\n' '2026-01-02 10:00:00.000100 (0) CONNECT OK' \
    '2026-01-02 10:00:00.000200 INFO  (x,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:1 datalen:0')
2026-01-02 10:00:00.000260 INFO  (x,0) Write \\x00 NUL"
want_err="emgdiag-follow: $B/connector.x:2: not a connector-log line; skipped
emgdiag-follow: $B/connector.x:3: not a connector-log line; skipped
emgdiag-follow: $B/connector.x:4: not a connector-log line; skipped
emgdiag-follow: $B/connector.x:5: not a connector-log line; skipped
emgdiag-follow: $B/connector.x:6: last line cut short (no newline); skipped
emgdiag-follow: $B/pdu.x:2: not a pdu-log line; skipped"
same "bad lines named by file and line number" "$ERR" "$want_err"
[ $RC -eq 1 ] && ok "bad lines: exit 1" || bad "bad lines: exit $RC, want 1"
"$FOLLOW" --dir "$B" x 0 2>/dev/null | tail -n 1 \
    | cmp -s - <(printf '2026-01-02 10:00:00.000260 INFO  (x,0) Write \\x00 NUL\n') && ok "the NUL octet is written as \\x00" \
    || bad "the NUL octet was not written as \\x00"

# Lines from foreign logs reach a terminal with their control octets
# escaped: ESC [ 2 J (clear the screen), BEL, DEL, a CR inside a line and a
# TAB print as \xHH; the line's own CR LF end is still its end.
T=$WORK/term
mkdir -p "$T"
printf '2026-01-02 10:00:00.000100 (0) CONNECT OK (info="\033[2J\a")\r\n2026-01-02 10:00:05.000000 (0) DISCONNECT OK\n' \
    >"$T/connector.t"
printf '2026-01-02 10:00:01.000000 INFO  (t,0) Read op:0x00000004 (SUBMIT_SM) status:0 trn:1 datalen:9 SHORTMESSAGE:a\033[2Jb\ac\177d\re\tf\n' \
    >"$T/pdu.t"
run_tool --dir "$T" t 0
same "ESC [ 2 J, BEL, DEL, CR and TAB inside lines print as \\xHH" "$OUT" \
'2026-01-02 10:00:00.000100 (0) CONNECT OK (info="\x1b[2J\x07")
2026-01-02 10:00:01.000000 INFO  (t,0) Read op:0x00000004 (SUBMIT_SM) status:0 trn:1 datalen:9 SHORTMESSAGE:a\x1b[2Jb\x07c\x7fd\x0de\x09f
2026-01-02 10:00:05.000000 (0) DISCONNECT OK'
run_tool --dir "$T" t
same "the session list escapes the events too" "$OUT" \
'(0) #1 2026-01-02 10:00:00.000100 .. 2026-01-02 10:00:05.000000: CONNECT OK (info="\x1b[2J\x07"), DISCONNECT OK; 1 pdu line'
"$FOLLOW" --dir "$T" t 0 | LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" \
    && bad "a control octet reached the output" || ok "no control octet but the newlines in the output"

# Errors of use.
run_tool --dir "$D" up 7
[ $RC -eq 1 ] && [ -z "$OUT" ] && [ "$ERR" = "emgdiag-follow: $D/connector.up has no session of instance 7" ] \
    && ok "no such instance: exit 1, one line" || bad "no such instance: rc=$RC out=$OUT err=$ERR"
run_tool --dir "$D" --session 4 up 0
[ $RC -eq 1 ] && [ "$ERR" = "emgdiag-follow: instance 0 has 3 sessions in $D/connector.up" ] \
    && ok "no such session: exit 1, says how many there are" || bad "no such session: rc=$RC err=$ERR"
for args in "up x" "--session 0 up 0" "--session 1x up 0" "--all up" "--all --session 1 up 0" "" "../up 0" "up 0 1"; do
    # shellcheck disable=SC2086
    run_tool --dir "$D" $args
    [ $RC -eq 2 ] && [ -n "$ERR" ] && ok "usage error ($args): exit 2 with a message" \
        || bad "usage error ($args): rc=$RC err=$ERR"
done
run_tool --dir "$WORK/nowhere" up 0
[ $RC -eq 2 ] && [[ $ERR == *"$WORK/nowhere/connector.up: No such file or directory"* ]] \
    && ok "missing connector log: exit 2, names the file" || bad "missing connector log: rc=$RC err=$ERR"
cp "$D/connector.up" "$WORK/only-connector"
run_tool --connector-log "$WORK/only-connector" --pdu-log "$WORK/none" up 1
[ $RC -eq 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] && [[ $ERR == *"$WORK/none: No such file"* ]] \
    && ok "no pdu log (pdu-log=\"off\"): the connector lines, a note on stderr" \
    || bad "no pdu log: rc=$RC out=$OUT err=$ERR"

# Logs that cannot be read: exit 2 with "emgdiag-follow: FILE: strerror"
# (a missing pdu log aside, above); a read error is never the end of a file.
mkdir -p "$WORK/adir"
run_tool --connector-log "$WORK/adir" --pdu-log "$D/pdu.up" up 0
[ $RC -eq 2 ] && [ -z "$OUT" ] && [ "$ERR" = "emgdiag-follow: $WORK/adir: Is a directory" ] \
    && ok "a directory as the connector log: exit 2, names it" || bad "directory: rc=$RC out=$OUT err=$ERR"
run_tool --connector-log "$D/connector.up" --pdu-log "$WORK/adir" up 0
[ $RC -eq 2 ] && [ -z "$OUT" ] && [ "$ERR" = "emgdiag-follow: $WORK/adir: Is a directory" ] \
    && ok "a directory as the pdu log: exit 2 (only a missing pdu log is no problem)" \
    || bad "directory as pdu log: rc=$RC out=$OUT err=$ERR"
if ! fault_read_build "$WORK"; then
    skip "read(2) errors part-way: no C compiler for the fault library ($(head -1 "$WORK/fault_read.log"))"
else
    for f in connector pdu; do
        for mode in "" --list; do
            with_read_fault "$D/$f.up" 300 "$FOLLOW" --dir "$D" $mode up 0
            if [ $INJECTED -eq 0 ]; then
                skip "read error in the $f log ($mode): the tool does not read through the fault library"
            elif [ $RC -eq 2 ] && [ "$ERR" = "emgdiag-follow: $D/$f.up: Input/output error" ]; then
                ok "read(2) error part-way through the $f log${mode:+ with $mode}: exit 2, names it"
            else
                bad "read error in the $f log ($mode): rc=$RC out=$OUT err=$ERR"
            fi
        done
    done
fi

# A line longer than the bound (1 MiB by default) is named and skipped.
L=$WORK/long
mkdir -p "$L"
cp "$D/connector.up" "$L/"
{ head -n 2 "$D/pdu.up"
  printf '2026-01-02 10:00:00.000400 INFO  (up,0) Write op:0x00000004 (SUBMIT_SM) status:0 trn:2 datalen:9 SHORTMESSAGE:'
  head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' x; echo
  sed -n '3,5p' "$D/pdu.up"; } >"$L/pdu.up"
long_len=$(sed -n 3p "$L/pdu.up" | tr -d '\n' | wc -c)
run_tool --dir "$L" --session 1 up 0
same "a 2 MiB pdu line: the session without it" "$OUT" \
'2026-01-02 10:00:00.000100 (0) CONNECT OK
2026-01-02 10:00:00.000200 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:00.000300 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:00.000300 (0) LOGIN OK (info="0 SMSC")
2026-01-02 10:00:01.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0
2026-01-02 10:00:04.900000 INFO  (up,0) Write op:0x00000006 (UNBIND) status:0 trn:3 datalen:0
2026-01-02 10:00:04.900100 INFO  (up,0) Read op:0x80000006 (UNBIND_RESP) status:0 trn:3 datalen:0
2026-01-02 10:00:05.000000 (0) DISCONNECT OK'
same "a 2 MiB pdu line: named by file and line" "$ERR" \
"emgdiag-follow: $L/pdu.up:3: line of $long_len octets, longer than 1048576 (--max-line-length); skipped"
[ $RC -eq 1 ] && ok "a line too long: exit 1" || bad "a line too long: exit $RC"
run_tool --dir "$D" --max-line-length 44 up
[ $RC -eq 1 ] && [[ $ERR == *"connector.up:2: line of 55 octets, longer than 44 (--max-line-length); skipped"* ]] \
    && [[ $OUT == "(0) #1 2026-01-02 10:00:00.000100 .. 2026-01-02 10:00:05.000000: CONNECT OK, DISCONNECT OK; "* ]] \
    && ok "--max-line-length 44: longer lines skipped and named, a line of 44 kept" \
    || bad "--max-line-length 44: rc=$RC out=$OUT err=$ERR"
if [ -x /usr/bin/time ]; then
    { head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' x; echo; cat "$D/pdu.up"; } >"$L/pdu.up"
    /usr/bin/time -f %M -o "$WORK/rss.small" "$FOLLOW" --dir "$D" up 0 >/dev/null 2>&1
    /usr/bin/time -f %M -o "$WORK/rss.huge" "$FOLLOW" --dir "$L" up 0 >/dev/null 2>&1
    small=$(tail -1 "$WORK/rss.small") huge=$(tail -1 "$WORK/rss.huge")
    echo "max RSS: $small KiB for the small logs, $huge KiB with a 64 MiB line"
    [ "$huge" -lt $((small + 8 * 1024)) ] && ok "a 64 MiB line costs less than 8 MiB more memory" \
        || bad "a 64 MiB line: $huge KiB against $small KiB"
    rm -f "$L/pdu.up"
else
    skip "memory with a 64 MiB line: /usr/bin/time (GNU time) is not installed"
fi

# Rotated history (docs/connector-log.md#rotation): the same logs cut into
# <file>.2.gz, <file>.1 and <file> (a session cut in the middle of each)
# read as the whole log: every answer equals the one for the uncut files.
H=$WORK/history
mkdir -p "$H"
for f in connector.up pdu.up; do
    head -n 4 "$D/$f" | gzip -c >"$H/$f.2.gz"
    sed -n '5,8p' "$D/$f" >"$H/$f.1"
    sed -n '9,$p' "$D/$f" >"$H/$f"
done
for args in "up" "--all up 0" "--all up 1" "--session 2 up 0"; do
    # shellcheck disable=SC2086
    run_tool --dir "$D" $args
    whole=$OUT
    # shellcheck disable=SC2086
    run_tool --dir "$H" $args
    [ $RC -eq 0 ] && [ -n "$whole" ] && [ "$OUT" = "$whole" ] &&
        ok "history: '$args' over .2.gz, .1 and the file equals the uncut log" ||
        bad "history: '$args' (exit $RC): $OUT / $ERR"
done
head -n 4 "$D/connector.up" >"$WORK/c4"
head -n 4 "$D/pdu.up" >"$WORK/p4"
run_tool --connector-log "$WORK/c4" --pdu-log "$WORK/p4" --all up 0
plain=$OUT
run_tool --connector-log "$H/connector.up.2.gz" --pdu-log "$H/pdu.up.2.gz" --all up 0
[ $RC -eq 0 ] && [ "$(echo "$plain" | wc -l)" -eq 7 ] && [ "$OUT" = "$plain" ] &&
    ok "history: a rotated .gz file given by name is read alone, inflated, as its plain text" ||
    bad "history: .gz by name (exit $RC): $OUT / $ERR"
printf '\037\213not gzip at all\n' >"$H/pdu.up.2.gz"
run_tool --dir "$H" --all up 0
[ $RC -eq 2 ] && [[ $ERR == *"$H/pdu.up.2.gz: not valid gzip data, or cut short"* ]] &&
    ok "history: bad gzip data is a read error naming the file (exit 2)" ||
    bad "history: bad gzip: exit $RC, stderr: $ERR"

# --follow: the open session, then new lines of the instance as they come,
# across a rotation of the pdu log; other instances stay out.
F=$WORK/follow
mkdir -p "$F"
cp "$D/connector.up" "$D/pdu.up" "$F/"
"$FOLLOW" --dir "$F" --follow up 0 >"$WORK/follow.out" 2>"$WORK/follow.err" &
FOLLOWER=$!
wait_lines() {   # wait_lines N: until follow.out has N lines (10 s at most)
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(wc -l <"$WORK/follow.out")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
wait_lines 4 && ok "follow: prints the open session first" || bad "follow: $(cat "$WORK/follow.out")"
echo '2026-01-02 10:00:30.000000 INFO  (up,1) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:9 datalen:0' >>"$F/pdu.up"
echo '2026-01-02 10:00:30.000100 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:7 datalen:0' >>"$F/pdu.up"
printf '2026-01-02 10:00:31.000000 (0) DISCONNECT ERR (info="time' >>"$F/connector.up"
sleep 0.5
printf 'out")\n' >>"$F/connector.up"
mv "$F/pdu.up" "$F/pdu.up.1"
echo '2026-01-02 10:00:40.000000 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user' >"$F/pdu.up"
wait_lines 7
# A line appended just before a rotation renames the file is still read.
echo '2026-01-02 10:00:41.000000 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC' >>"$F/pdu.up"
mv "$F/pdu.up" "$F/pdu.up.2"
echo '2026-01-02 10:00:42.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0' >"$F/pdu.up"
wait_lines 9
kill "$FOLLOWER"
wait "$FOLLOWER"; frc=$?
FOLLOWER=
same "follow: new lines of instance 0 only, a line written in two parts whole, the rotated file read on, a line written just before a rotation kept" \
"$(cat "$WORK/follow.out")" \
'2026-01-02 10:00:20.000000 (0) CONNECT OK
2026-01-02 10:00:20.000100 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:6 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:20.000300 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:5 trn:6 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:20.000300 (0) LOGIN OK (info="5 SMSC")
2026-01-02 10:00:30.000100 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:7 datalen:0
2026-01-02 10:00:31.000000 (0) DISCONNECT ERR (info="timeout")
2026-01-02 10:00:40.000000 INFO  (up,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user
2026-01-02 10:00:41.000000 INFO  (up,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 datalen:5 SYSTEMID:SMSC
2026-01-02 10:00:42.000000 INFO  (up,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0'
[ $frc -eq 0 ] && [ ! -s "$WORK/follow.err" ] && ok "follow: ends cleanly on SIGTERM, nothing on stderr" \
    || bad "follow: exit $frc, stderr: $(cat "$WORK/follow.err")"

tool_summary
