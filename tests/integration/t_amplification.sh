#!/bin/bash
# Log amplification before authentication (docs/pdu-log.md, "Before a
# bind").  A client that never binds sends 2,000 enquire_link PDUs of
# 7,424 octets each (the largest command_length Kannel accepts), every one
# carrying one unknown TLV full of 0xff, as fast as it can: 14.8 MB.  Each
# such PDU prints at about four times its size, so before the bound the log
# directory grew by 134 MB (x9).  Now opensmppbox closes the client after 64
# PDUs without a bind, and the module writes at most 16 pdu lines before a
# bind: the log directory must stay under 1 MB, the session must be closed,
# and every PDU that crossed is either a pdu line or in the SUPPRESSED count.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init amplification

box_upstream

L=$IT_DIR/logs
mkdir -p "$L"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L" format="both"/>
  <connector name="in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
echo "known secret x" >"$IT_DIR/logins"
PORT=$(it_port)
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$PORT" "$IT_DIR/logins"
box_start osb "$IT_DIR/osb.conf" "$PORT"
it_wait_line "$L/general" 'CONFIG LOADED' 10
before=$(du -sb "$L" | cut -f1)

# The attacker: writes everything at once, then reads until the server
# closes.  Prints what it sent and what it read.
cat >"$IT_DIR/blast.py" <<'PY'
import socket, struct, sys, time
port, count, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tlv_len = size - 16 - 4
pdus = b"".join(struct.pack(">IIII", size, 0x15, 0, i + 1) + struct.pack(">HH", 0x14ab, tlv_len)
                + b"\xff" * tlv_len for i in range(count))
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(20)
sent = 0
try:
    while sent < len(pdus):
        sent += s.send(pdus[sent:sent + 65536])
except OSError as e:
    print("send stopped: %s" % e.__class__.__name__)
got = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            print("EOF")
            break
        got += b
except OSError as e:
    print("closed: %s" % e.__class__.__name__)
print("SENT %d" % sent)
print("RESPONSES %d" % (len(got) // 16))
PY
it_start blast python3 "$IT_DIR/blast.py" "$PORT" 2000 7424
it_wait_exit blast 60
sent=$(sed -n 's/^SENT //p' "$IT_DIR/blast.out")
responses=$(sed -n 's/^RESPONSES //p' "$IT_DIR/blast.out")
if grep -Eq '^(EOF|closed: )' "$IT_DIR/blast.out"; then
    it_pass "the session was closed by the server (sent $sent octets, $responses responses)"
else
    it_fail "the session was not closed: $(tr '\n' ' ' <"$IT_DIR/blast.out")"
fi
it_assert_eq "$responses" 65 "65 PDUs answered before the close (patch 0015: 64 allowed)"
it_wait_line "$L/connector.in" 'DISCONNECT' 10
it_stop osb

after=$(du -sb "$L" | cut -f1)
grown=$((after - before))
if [ "$grown" -lt $((1024 * 1024)) ]; then
    it_pass "the log directory grew by $grown octets for $sent sent (under 1 MB)"
else
    it_fail "the log directory grew by $grown octets (1 MB allowed)"
fi
echo "amplification: $sent octets sent, the logs grew by $grown octets"

# Every PDU that crossed is a pdu line or in the count: 65 read, 65 answered.
lines=$(wc -l <"$L/pdu.in")
held=$(sed -n 's/.*(in,0) SUPPRESSED count="\([0-9]*\)" reason="PDUs before bind"$/\1/p' "$L/general")
it_assert_eq "$lines" 16 "16 pdu lines written in full before the bind"
it_assert_eq "$((lines + ${held:-0}))" $((65 + 65)) "the other PDUs are one SUPPRESSED count (got ${held:-none})"
it_assert_eq "$(wc -l <"$L/pdu.in.jsonl")" 16 "the JSON twin holds the same 16"

it_stop bb
it_stop smsc
it_summary
