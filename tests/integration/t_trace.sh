#!/bin/bash
# Following a message across connectors (docs/message-log.md, emgdiag-trace(1))
# on the real chain: Net::SMPP client (tests/peers/client.pl) -> patched
# opensmppbox -> patched bearerbox -> SMSC peer (tests/peers/smsc.pl) that
# answers submit_sm with hexadecimal ids and sends receipts with the decimal
# form of the id (the second one with leading zeros).
#
# Round 1, msg-id-type unset: Kannel compares the strings, finds nothing
# and says so in its own log; `emgdiag-trace --unmatched` names every
# receipt with cause=hex-vs-decimal and fix="msg-id-type = 0x01".
# Round 2, msg-id-type = 0x01: nothing is unmatched, and the whole path of
# every message is traced, receipt back to the client, all hops; a 3-part
# concatenated message is one message of three parts.
# Every expected value comes from the peers' records of the wire (the ids
# the SMSC answered and wrote in its receipts, the ids opensmppbox answered
# the client) and from Kannel's conversion (strtoll(id, 16) printed with
# %llu), never from a run of ours.  Time budget: about 40 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init trace

: "${EMGDIAG_TRACE:=$TOP/tools/emgdiag-trace}"
P=$TOP/tests/peers
printf '%s\n' 'tr1 pw-tr1 x' 'tr2 pw-tr2 x' >"$IT_DIR/logins"

# wait_count FILE REGEX N TIMEOUT: until N lines of FILE match REGEX.
wait_count() {
    local deadline=$((SECONDS + $4)) n
    while :; do
        n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
        [ "${n:-0}" -ge "$3" ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            it_fail "$1: ${n:-0} lines matching /$2/ after $4 s, expected $3"
            it__tail "$1" 10
            return 1
        fi
        sleep 0.2
    done
}

# round R MSGIDTYPE CLIENT-ARGS...: the chain in $IT_DIR/rR, one client
# session, the boxes stopped once every receipt has gone its way.
round() {
    local r=$1 idtype=$2 smsc osb d=$IT_DIR/r$1
    shift 2
    mkdir -p "$d/bb" "$d/osb"
    smsc=$(it_port) osb=$(it_port)
    it_start "smsc$r" perl "$P/smsc.pl" --port "$smsc" --system-id up --password uppw \
        --hex-ids --receipts --receipt-zeros 2
    it_wait_line "$IT_DIR/smsc$r.out" '^LISTENING' 10
    printf '<emgdiag>\n  <logs dir="%s"/>\n</emgdiag>\n' "$d/bb" >"$d/bb.xml"
    printf '<emgdiag>\n  <logs dir="%s"/>\n  <connector name="smpp-in" type="incoming" opensmppbox-id="osb"/>\n</emgdiag>\n' \
        "$d/osb" >"$d/osb.xml"
    box_bearerbox_conf "$d/kannel.conf" "$d/bb.xml"
    if [ -n "$idtype" ]; then
        box_smsc_smpp "$d/kannel.conf" up "$smsc" up uppw "transceiver-mode = true" "msg-id-type = $idtype"
    else
        box_smsc_smpp "$d/kannel.conf" up "$smsc" up uppw "transceiver-mode = true"
    fi
    box_osb_conf "$d/osb.conf" "$d/osb.xml" "$osb" "$IT_DIR/logins"
    box_start "bb$r" "$d/kannel.conf"
    it_wait_line "$IT_DIR/smsc$r.out" '^BIND trx up -> 0' 20
    box_start "osb$r" "$d/osb.conf" "$osb"
    it_start "client$r" perl "$P/client.pl" --host 127.0.0.1 --port "$osb" "$@"
}

stop_round() {
    it_stop "osb$1"
    it_stop "bb$1"
    it_stop "smsc$1"
    mv "$IT_DIR/bearerbox.log" "$IT_DIR/r$1/bearerbox.log"
}

# The SMSC's answer to the submit_sm to DST: its hex id.
hex_id_for() {
    sed -n "s/^SUBMIT [^ ]* -> $1 id=\([0-9A-F]*\) status=0\$/\1/p" "$IT_DIR/smsc$2.out" | head -n 1
}

# ---------------------------------------------------------------------------
# Round 1: msg-id-type unset.
round 1 "" --system-id tr1 --password pw-tr1 --submit 3 --dlr --hold 4 --unbind
wait_count "$IT_DIR/smsc1.out" '^RECEIPT ' 3 20
wait_count "$IT_DIR/bearerbox.log" 'got DLR but could not find message' 3 20
it_wait_exit client1 20
stop_round 1

# What the SMSC sent: RECEIPT <hex id answered> as <decimal id in the receipt>.
grep '^RECEIPT ' "$IT_DIR/smsc1.out" >"$IT_DIR/r1/receipts"
it_assert_eq "$(wc -l <"$IT_DIR/r1/receipts")" 3 "round 1: the SMSC sent three receipts"
it_assert_eq "$(grep -c ' as 000' "$IT_DIR/r1/receipts")" 1 "round 1: one receipt id has leading zeros"
: >"$IT_DIR/r1/expected"
while read -r _ hex _ dec; do
    # Kannel's own error names the id as it looked it up: the string sent.
    it_assert_line "$IT_DIR/r1/bearerbox.log" "could not find message or was not interested in it id<$dec>" \
        "round 1: Kannel could not find receipt id $dec (hex $hex answered)"
    # strtoll(hex, 16) printed with %llu is the receipt's number.
    it_assert_eq "$((16#$hex))" "$((10#$dec))" "round 1: receipt $dec is hex id $hex in decimal"
    echo "id-raw=\"$dec\" id=\"$dec\" cause=hex-vs-decimal fix=\"msg-id-type = 0x01\" resp-id-raw=\"$hex\"" \
        >>"$IT_DIR/r1/expected"
done <"$IT_DIR/r1/receipts"

"$EMGDIAG_TRACE" -d "$IT_DIR/r1/osb" -d "$IT_DIR/r1/bb" --unmatched >"$IT_DIR/r1/unmatched" 2>"$IT_DIR/r1/unmatched.err"
it_assert_eq "$?" 0 "round 1: emgdiag-trace --unmatched exits 0 (receipts found)"
sed -E 's/.* DLR_UNMATCHED (id-raw="[^"]*" id="[^"]*") .*(cause=[a-z-]+ fix="[^"]*" resp-id-raw="[^"]*").*/\1 \2/' \
    "$IT_DIR/r1/unmatched" >"$IT_DIR/r1/unmatched.cut"
if diff -u "$IT_DIR/r1/expected" "$IT_DIR/r1/unmatched.cut" >"$IT_DIR/r1/unmatched.diff"; then
    it_pass "round 1: --unmatched: each receipt, cause=hex-vs-decimal, fix=\"msg-id-type = 0x01\", the resp it was for"
else
    it_fail "round 1: --unmatched lines differ from the receipts the SMSC sent"
    sed 's/^/  | /' "$IT_DIR/r1/unmatched.diff" >&2
fi
it_assert_eq "$(wc -c <"$IT_DIR/r1/unmatched.err")" 0 "round 1: emgdiag-trace read every line"

# The same logs without their message logs (as written before them): the
# pdu logs joined by message_id and receipted_message_id give the same
# causes (docs/message-log.md#without-message-logs).
mkdir -p "$IT_DIR/r1/old-osb" "$IT_DIR/r1/old-bb"
cp "$IT_DIR/r1/osb"/pdu.* "$IT_DIR/r1/old-osb/"
cp "$IT_DIR/r1/bb"/pdu.* "$IT_DIR/r1/old-bb/"
"$EMGDIAG_TRACE" -d "$IT_DIR/r1/old-osb" -d "$IT_DIR/r1/old-bb" --unmatched >"$IT_DIR/r1/unmatched.pdu" \
    2>"$IT_DIR/r1/unmatched.pdu.err"
it_assert_eq "$?" 0 "round 1, pdu logs only: --unmatched exits 0"
it_assert_line "$IT_DIR/r1/unmatched.pdu.err" "no message log: joining the pdu logs" \
    "round 1, pdu logs only: says it joins the pdu logs"
sed -E 's/.* DLR_UNMATCHED (id-raw="[^"]*" id="[^"]*") .*(cause=[a-z-]+ fix="[^"]*" resp-id-raw="[^"]*").*/\1 \2/' \
    "$IT_DIR/r1/unmatched.pdu" >"$IT_DIR/r1/unmatched.pdu.cut"
if diff -u "$IT_DIR/r1/expected" "$IT_DIR/r1/unmatched.pdu.cut" >"$IT_DIR/r1/unmatched.pdu.diff"; then
    it_pass "round 1, pdu logs only: the same receipts, causes and fixes"
else
    it_fail "round 1, pdu logs only: --unmatched differs"
    sed 's/^/  | /' "$IT_DIR/r1/unmatched.pdu.diff" >&2
fi

# ---------------------------------------------------------------------------
# Round 2: msg-id-type = 0x01; two messages and one of three parts.
round 2 0x01 --system-id tr2 --password pw-tr2 --submit 2 --concat 3 --dlr --hold 6 --unbind
wait_count "$IT_DIR/smsc2.out" '^RECEIPT ' 3 20
wait_count "$IT_DIR/client2.out" '"event":"deliver"' 5 20
it_wait_exit client2 20
stop_round 2
D=(-d "$IT_DIR/r2/osb" -d "$IT_DIR/r2/bb")
it_assert_no_line "$IT_DIR/r2/bearerbox.log" 'could not find message' "round 2: Kannel matched every receipt"
"$EMGDIAG_TRACE" "${D[@]}" --unmatched >"$IT_DIR/r2/unmatched"
it_assert_eq "$?" 1 "round 2: emgdiag-trace --unmatched finds nothing (exit 1)"
it_assert_eq "$(wc -c <"$IT_DIR/r2/unmatched")" 0 "round 2: --unmatched prints nothing"

# steps FILE: the step words of a trace, in order.
steps() { sed -n 's/^  [0-9-]* [0-9:.]* *[-+][0-9.]*s \([A-Z_]*\) .*/\1/p' "$1" | tr '\n' ' '; }

# The two single messages: every hop once, the ids as on the wire.
n=0
for dst in 46700000001 46700000002; do
    n=$((n + 1))
    cid=$(perl -ne 'print "$1\n" if /"event":"submit".*"message_id":"([^"]*)"/' "$IT_DIR/client2.out" | sed -n "${n}p")
    hex=$(hex_id_for "$dst" 2)
    t=$IT_DIR/r2/trace.$n
    "$EMGDIAG_TRACE" "${D[@]}" "$cid" >"$t"
    it_assert_eq "$?" 0 "round 2: message $n ($cid) is found"
    it_assert_eq "$(steps "$t")" "CLIENT_SUBMIT FORWARD SUBMIT SUBMIT_RESP DLR DLR_TO_CLIENT " \
        "round 2: message $n: client submit, forward, submit_sm, SMSC id, receipt, receipt to the client"
    it_assert_line "$t" "^  .* CLIENT_SUBMIT +\(smpp-in,0\) .* id=\"$cid\"" "round 2: message $n: the id answered to the client"
    it_assert_line "$t" "^  .* SUBMIT_RESP +\(up,0\) .* id-raw=\"$hex\" id=\"$((16#$hex))\"" \
        "round 2: message $n: the SMSC's id $hex raw and as Kannel stored it ($((16#$hex)))"
    it_assert_line "$t" "^  .* DLR +\(up,0\) .*id=\"$((16#$hex))\"" "round 2: message $n: the receipt matched by that id"
    it_assert_line "$t" "^  .* DLR_TO_CLIENT +\(smpp-in,0\) .*id=\"$cid\"" "round 2: message $n: the receipt went back to the client"
    it_assert_line "$IT_DIR/client2.out" "\"event\":\"deliver\".*\"text\":\"id:$cid " \
        "round 2: message $n: the client received its receipt"
    "$EMGDIAG_TRACE" "${D[@]}" "$((16#$hex))" >"$t.by-smsc-id"
    it_assert_eq "$(head -n 1 "$t.by-smsc-id")" "$(head -n 1 "$t")" "round 2: message $n: the SMSC's id finds the same message"
done

# The concatenated message: three client parts, one message, three submit_sm.
perl -ne 'print "$1 $2\n" if /"event":"submit".*"message_id":"([^"]*)".*"part":"([^"]*)"/' \
    "$IT_DIR/client2.out" >"$IT_DIR/r2/parts"
it_assert_eq "$(wc -l <"$IT_DIR/r2/parts")" 3 "round 2: the client sent three parts"
read -r p1 _ <"$IT_DIR/r2/parts"
t=$IT_DIR/r2/trace.concat
"$EMGDIAG_TRACE" "${D[@]}" "$p1" >"$t"
it_assert_eq "$?" 0 "round 2: the concatenated message is found by its first part's id"
it_assert_eq "$(grep -c '^message ' "$t")" 1 "round 2: the three parts are one message"
it_assert_line "$t" '^message .* parts=3 ' "round 2: the message has three parts"
while read -r id part; do
    it_assert_line "$t" "CLIENT_SUBMIT +\(smpp-in,0\) .* id=\"$id\" part=\"$part\"" "round 2: client part $part ($id)"
    it_assert_line "$t" "SUBMIT +\(up,0\) .* part=\"$part\"" "round 2: submit_sm part $part"
    it_assert_line "$t" "DLR_TO_CLIENT +\(smpp-in,0\) .* id=\"$id\"" "round 2: receipt to the client for part $part"
done <"$IT_DIR/r2/parts"
it_assert_eq "$(steps "$t" | tr ' ' '\n' | grep -c '^SUBMIT_RESP$')" 3 "round 2: three SMSC ids"
it_assert_eq "$(steps "$t" | tr ' ' '\n' | grep -c '^DLR$')" 1 "round 2: one receipt (Kannel asks one for part 1)"
read -r _ p2 <<<"$(sed -n 2p "$IT_DIR/r2/parts")"
"$EMGDIAG_TRACE" "${D[@]}" "$(sed -n '2s/ .*//p' "$IT_DIR/r2/parts")" >"$t.2"
it_assert_eq "$(head -n 1 "$t.2")" "$(head -n 1 "$t")" "round 2: part 2's id finds the same message"

"$EMGDIAG_TRACE" "${D[@]}" no-such-id >/dev/null
it_assert_eq "$?" 1 "an id no log holds: exit 1"
"$EMGDIAG_TRACE" -d "$IT_DIR/nonexistent" x >/dev/null 2>&1
it_assert_eq "$?" 2 "a directory that cannot be read: exit 2"

it_summary
