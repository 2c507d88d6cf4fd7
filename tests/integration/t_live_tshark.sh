#!/bin/bash
# Live pdu logs against tshark (issue #3, "Live" and "Proof").
#
# The pdu log is only worth reading if it says exactly what went over the
# wire.  This test makes real SMPP traffic through both patched boxes while
# tshark captures it on lo, then holds the logs the module wrote against
# tshark's own decode of the capture, an SMPP decoder that shares no code
# with ours:
#   Net::SMPP SMSC (smsc.pl) <- bearerbox [outgoing connector "out"]
#   bearerbox <- opensmppbox [incoming connector "in"] <- node-smpp client
#   (bind, 5 submits forwarded to the SMSC, a hold long enough for
#   bearerbox's enquire_link every 2 s, unbind), then a raw client of our
#   own on opensmppbox (bind, a submit_sm with TLVs and octets that must be
#   escaped, a query_sm Kannel answers with generic_nack, a command_id
#   Kannel cannot unpack).
# For each connector, tshark_compare.py checks that the pdu log has one line
# per PDU tshark decodes on that port, each written from tshark's fields and
# docs/pdu-log.md (direction from the TCP ports), each direction in wire order (a
# Read that arrived while the gateway was writing may follow that Write);
# that `emgdiag-pdu --pcap` gives the same lines from the same capture
# (timestamps and instance numbering aside); and that the JSON twin
# (format="both", docs/pdu-log.md#json-twin-decided) holds the same lines.  The connector logs,
# general and their JSON twins are compared whole too.  Without tshark or the
# right to capture on lo, those checks are reported as skipped, never as
# passed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init live_tshark

P=$TOP/tests/peers
HERE=$(cd "$(dirname "$0")" && pwd)
PDU_TOOL=${EMGDIAG_PDU:-$TOP/tools/emgdiag-pdu}
COMPARE_TOOL=${EMGDIAG_COMPARE:-$TOP/tools/emgdiag-compare}
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
COMPARE_GROUPS="out in" # one group of comparison checks per connector

if [ ! -d "$P/node_modules/smpp" ]; then
    (cd "$P" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi

skip_all() {
    local g
    for g in $COMPARE_GROUPS; do it_skip "connector $g compared with tshark: $1"; done
    it_summary
    exit $?
}

command -v tshark >/dev/null || skip_all "tshark not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
CAP=$IT_DIR/live.pcapng

# ---------------------------------------------------------------------------
# Capture first, so that every PDU of both connectors is on it.
it_start tshark tshark -q -i lo -f "tcp port $SMSC_PORT or tcp port $OSB_PORT" -a duration:120 -w "$CAP"
for ((i = 0; i < 150; i++)); do
    grep -q 'Capture started' "$IT_DIR/tshark.err" 2>/dev/null && break
    it__alive "$(it_pid tshark)" || break
    sleep 0.1
done
grep -q 'Capture started' "$IT_DIR/tshark.err" ||
    skip_all "cannot capture on lo ($(tail -n 1 "$IT_DIR/tshark.err" 2>/dev/null))"

# ---------------------------------------------------------------------------
# SMSC, bearerbox (outgoing connector "out"), opensmppbox (incoming "in").
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw --smsc-system-id SMSC-L
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10

L=$IT_DIR/logs
mkdir -p "$L"
# One file serves both boxes; each takes the connector that is its own.
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L" format="both"/>
  <connector name="out" type="outgoing" smsc-id="up"/>
  <connector name="in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
cat >"$IT_DIR/logins" <<EOF
node1 pw-node1 x
raw1 pw-raw1 x
EOF
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true" "enquire-link-interval = 2"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins" "route-to-smsc = up"
box_start bb "$IT_DIR/kannel.conf"
it_wait_line "$L/connector.out" "^$TS \(0\) LOGIN OK" 20
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"

# ---------------------------------------------------------------------------
# node-smpp: bind, 5 submits, hold (bearerbox's enquire_links go by), unbind.
it_start node1 node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id node1 --password pw-node1 --submit 5 --hold 3 --unbind
it_wait_exit node1 40
it_assert_eq "$(grep -c '"event":"submit","status":0' "$IT_DIR/node1.out")" 5 "node-smpp: 5 submits answered 0"
it_assert_line "$IT_DIR/node1.out" '"event":"unbind","status":0' "node-smpp: unbind answered 0"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c '^SUBMIT ' "$IT_DIR/smsc.out")" -ge 5 ] && break
    sleep 0.1
done
it_assert_eq "$(grep -c '^SUBMIT 12345 -> 4670000000[1-5] ' "$IT_DIR/smsc.out")" 5 "the 5 submits reached the SMSC through bearerbox"
it_assert_line "$IT_DIR/smsc.out" '^ENQUIRE_LINK' "bearerbox sent an enquire_link to the SMSC"
it_wait_line "$L/connector.in" "^$TS \(0\) DISCONNECT" 10

# A raw client of our own: bind, then a query_sm (which opensmppbox does not
# serve: generic_nack), then a command_id Kannel cannot unpack (opensmppbox
# logs it and closes the session).
cat >"$IT_DIR/raw.py" <<'EOF'
import socket, struct, sys, time
port = int(sys.argv[1])
def pdu(cid, body=b"", seq=1):
    return struct.pack(">IIII", 16 + len(body), cid, 0, seq) + body
def read_pdu(s):
    buf = b""
    while len(buf) < 16 or len(buf) < struct.unpack(">I", buf[:4])[0]:
        d = s.recv(4096)
        if not d:
            return None
        buf += d
    return struct.unpack(">III", buf[4:16])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(pdu(0x00000009, b"raw1\0pw-raw1\0\0\x34\0\0\0", seq=1))
print("bind_resp", read_pdu(s), flush=True)
def tlv(tag, value):
    return struct.pack(">HH", tag, len(value)) + value
# submit_sm with TLVs: user_message_reference, source_port, an unknown tag
sm = b"\0\x05\x00raw-src\0\x01\x0146799912\0\0\0\0\0\0\0\0\0\0\x05tl\\v\x7f"
s.sendall(pdu(0x00000004, sm + tlv(0x0204, b"\x01\x02") + tlv(0x020a, b"\x00\x50") + tlv(0x1401, b"x\n"), seq=2))
print("submit_sm answer", read_pdu(s), flush=True)
s.sendall(pdu(0x00000003, b"msg-1\0\x01\x0112345\0", seq=3))        # query_sm
print("query_sm answer", read_pdu(s), flush=True)
s.sendall(pdu(0x000000ab, b"\x01\x02garbage", seq=4))             # unknown command_id
s.settimeout(5)
try:
    print("after unknown", read_pdu(s), flush=True)
except socket.timeout:
    print("after unknown: timeout", flush=True)
s.close()
EOF
it_start raw python3 "$IT_DIR/raw.py" "$OSB_PORT"
it_wait_exit raw 20
it_assert_line "$IT_DIR/raw.out" '^bind_resp \(2147483657, 0, 1\)$' "raw client: bind_transceiver_resp status 0"
it_assert_line "$IT_DIR/raw.out" '^submit_sm answer \(2147483652, 0, 2\)$' "raw client: submit_sm with TLVs answered 0"
it_assert_line "$IT_DIR/raw.out" '^query_sm answer \(2147483648, 3, 3\)$' "raw client: query_sm answered generic_nack ESME_RINVCMDID"
it_wait_line "$L/connector.in" "^$TS \(0\) LOGIN OK \(info=\"0 raw1\"\)" 10
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'DISCONNECT' "$L/connector.in")" -ge 2 ] && break
    sleep 0.1
done

# Stopping bearerbox unbinds from the SMSC; then the capture ends (tshark
# needs a moment after the last packet).
it_stop osb
it_stop bb
sleep 1.3
it_stop tshark

# ---------------------------------------------------------------------------
# Compare, per connector: tshark's decode of the port, the live pdu log, its
# JSON twin, and emgdiag-pdu on the same capture.
tshark -r "$CAP" -d "tcp.port==$SMSC_PORT,smpp" -d "tcp.port==$OSB_PORT,smpp" \
    -T json -x --no-duplicate-keys >"$IT_DIR/oracle.json" 2>"$IT_DIR/oracle.err"

compare() {
    local name=$1 port=$2 perspective=$3 out cp cf
    "$PDU_TOOL" --pcap "$CAP" --port "$port" --connector "$name" --perspective "$perspective" \
        >"$IT_DIR/tool.$name" 2>"$IT_DIR/tool.$name.err"
    it_assert_eq "$?" 0 "emgdiag-pdu reads the capture of port $port without error"
    out=$IT_DIR/compare.$name
    python3 "$HERE/tshark_compare.py" --oracle "$IT_DIR/oracle.json" --port "$port" \
        --gateway "$perspective" --connector "$name" --live "$L/pdu.$name" \
        --json "$L/pdu.$name.jsonl" --tool "$IT_DIR/tool.$name" >"$out" 2>&1
    cat "$out"
    read -r cp cf < <(tail -n 1 "$out")
    if [[ ${cp:-} =~ ^[0-9]+$ && ${cf:-} =~ ^[0-9]+$ ]]; then
        IT_PASSED=$((IT_PASSED + cp)) IT_FAILED=$((IT_FAILED + cf))
    else
        it_fail "connector $name: tshark_compare.py did not finish"
    fi
    # emgdiag-compare on the live log and the offline decode of the same
    # wire: every line paired, none differs (timestamps and names aside).
    # Instance numbers are left out too: "in" has two sessions one after the
    # other, which the live log numbers 0 and 0 again (the lowest free
    # number) and the tool 0 and 1 (TCP connections in order); the sessions
    # come in the same order in both files, so their lines pair up in order.
    local n
    n=$(grep -c . "$L/pdu.$name")
    out=$("$COMPARE_TOOL" --ignore-instance "$L/pdu.$name" "$IT_DIR/tool.$name" 2>&1)
    it_assert_eq "$?|$out" "0|$n paired (0 differ), 0 only in $L/pdu.$name, 0 only in $IT_DIR/tool.$name" \
        "emgdiag-compare: the live pdu.$name and emgdiag-pdu's decode of the capture agree ($n lines)"
}
compare out "$SMSC_PORT" client
compare in "$OSB_PORT" server

# The other logs, whole, with their JSON twins (each object's ts that of
# its text line).  Outgoing: one session, bound by the SMSC ("SMSC-L"),
# unbound at bearerbox's shutdown.  Incoming, one session after the other
# on instance 0: node-smpp's (a clean unbind), then the raw client's,
# which opensmppbox ends itself after the PDU it cannot unpack: neither
# side unbound nor did the client close first, so it is the box stopping
# the session, `shutdown` (docs/connector-log.md#connector-log).  general:
# each box's CONFIG LOADED, bearerbox first (opensmppbox starts after it),
# in the one file both share.  No refusal, so no security file.
E=$IT_DIR/expected
mkdir -p "$E"
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 SMSC-L")' '(0) DISCONNECT OK' >"$E/connector.out"
printf '%s\n' '{"connector":"out","instance":0,"event":"CONNECT","result":"OK"}' \
    '{"connector":"out","instance":0,"event":"LOGIN","result":"OK","info":"0 SMSC-L"}' \
    '{"connector":"out","instance":0,"event":"DISCONNECT","result":"OK"}' >"$E/connector.out.jsonl"
printf '%s\n' '(0) CONNECT OK (info="0 127.0.0.1")' '(0) LOGIN OK (info="0 node1")' '(0) DISCONNECT OK' \
    '(0) CONNECT OK (info="0 127.0.0.1")' '(0) LOGIN OK (info="0 raw1")' '(0) DISCONNECT ERR (info="shutdown")' >"$E/connector.in"
printf '%s\n' '{"connector":"in","instance":0,"event":"CONNECT","result":"OK","info":"0 127.0.0.1"}' \
    '{"connector":"in","instance":0,"event":"LOGIN","result":"OK","info":"0 node1"}' \
    '{"connector":"in","instance":0,"event":"DISCONNECT","result":"OK"}' \
    '{"connector":"in","instance":0,"event":"CONNECT","result":"OK","info":"0 127.0.0.1"}' \
    '{"connector":"in","instance":0,"event":"LOGIN","result":"OK","info":"0 raw1"}' \
    '{"connector":"in","instance":0,"event":"DISCONNECT","result":"ERR","info":"shutdown"}' >"$E/connector.in.jsonl"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/emg.xml\"" \
    "INFO  (opensmppbox) CONFIG LOADED file=\"$IT_DIR/emg.xml\"" >"$E/general"
printf '{"connector":"%s","level":"INFO","event":"CONFIG LOADED","file":"%s"}\n' \
    bearerbox "$IT_DIR/emg.xml" opensmppbox "$IT_DIR/emg.xml" >"$E/general.jsonl"
for f in connector.out connector.in general; do
    it_assert_file "$L/$f" "$E/$f" "$f: whole file"
    it_assert_jsonl "$L/$f.jsonl" "$E/$f.jsonl" "$f.jsonl: one object per line of $f, same ts" "$L/$f"
done
# The submits forwarded made the message logs of both boxes
# (docs/message-log.md#files).
it_assert_files "$L" "log directory: each log and its JSON twin, no security" \
    {connector,pdu}.{in,out}{,.jsonl} general general.jsonl message.{bearerbox,osb}{,.jsonl}

# The scenario produced what it is there for (the comparison alone would
# also pass on a log that lacked them, had the wire lacked them too).
it_assert_line "$L/pdu.out" "^$TS INFO  \(out,0\) Write op:0x00000015 \(ENQUIRE_LINK\) " "pdu.out: bearerbox's enquire_link written"
it_assert_eq "$(grep -c ' Write op:0x00000004 (SUBMIT_SM) ' "$L/pdu.out")" 6 "pdu.out: the 6 submits forwarded to the SMSC written"
it_assert_line "$L/pdu.in" "^$TS INFO  \(in,0\) Write op:0x80000000 \(GENERIC_NACK\) status:3 trn:3 datalen:0$" "pdu.in: generic_nack to the query_sm written"
it_assert_line "$L/pdu.in" "^$TS INFO  \(in,0\) Read op:0x000000ab \(UNKNOWN\) status:0 trn:4 datalen:9 BODY:\\\\x01\\\\x02garbage$" \
    "pdu.in: the PDU Kannel cannot unpack read, as UNKNOWN with its BODY"
it_assert_line "$L/pdu.in" "^$TS INFO  \(in,0\) Read op:0x00000004 \(SUBMIT_SM\) status:0 trn:2 datalen:37 .*SHORTMESSAGE:tl\\\\\\\\v\\\\x7f .*SOURCEPORT:80 TLV1401:x\\\\x0a USERMESSAGEREFERENCE:258$" \
    "pdu.in: the raw submit_sm read with its TLVs and escaped octets"

it_summary
