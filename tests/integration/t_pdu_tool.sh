#!/bin/bash
# t_pdu_tool.sh: integration test of the offline tool emgdiag-pdu.
#
# Part 1 feeds hex PDUs built here and checks the lines against
# docs/pdu-log.md and docs/pdu-log.md#json-twin-decided (expected lines written by hand).  Part 2 makes real
# SMPP traffic on 127.0.0.1 (a python3 client and server; PDUs split across
# writes and several in one write), captures it with tshark, runs the tool on
# the capture and compares every line with tshark's own SMPP decode, the
# independent oracle.  Needs python3; part 2 also tshark and the right to
# capture on lo (else its checks are reported as skipped, never passed).
#
# It also checks that each of the four tools' --version prints the version
# of configure.ac (EMGDIAG_CHECK, EMGDIAG_FOLLOW, EMGDIAG_COMPARE name them).
#
# Usage: EMGDIAG_PDU=tools/emgdiag-pdu tests/integration/t_pdu_tool.sh
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PDU=${EMGDIAG_PDU:-$TOP/tools/emgdiag-pdu}
. "$(dirname "$0")/tool_checks.sh"
WORK=$(mktemp -d /tmp/pdu_tool.XXXXXX)
TSHARK_PID=
cleanup() {
    [ -n "$TSHARK_PID" ] && kill "$TSHARK_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

# expect_line NAME GOT WANT_AFTER_TIMESTAMP
expect_line() {
    local name=$1 got=$2 want=$3
    if [[ ! $got =~ ^$TS_RE\  ]]; then
        bad "$name: no timestamp in '$got'"
    elif [ "${got:27}" != "$want" ]; then
        bad "$name: got '${got:27}', want '$want'"
    else
        ok "$name"
    fi
}

if [ ! -x "$PDU" ]; then
    echo "emgdiag-pdu not found at $PDU (set EMGDIAG_PDU)"
    echo "0 passed, 1 failed"
    exit 1
fi

# ---- part 1: hex input ----
SEED='00000021 00000009 00000000 00002d76 75736572 00 736563726574 00 00 34 00 00 00'

out=$(echo "$SEED" | "$PDU" --direction write)
expect_line "seed bind, masked" "$out" \
    'INFO  (offline,0) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:11638 datalen:17 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user'

out=$(echo "$SEED" | "$PDU" --direction write --passwords clear --connector smpp-out --instance 3)
expect_line "options connector/instance/passwords" "$out" \
    'INFO  (smpp-out,3) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:11638 datalen:17 INTERFACEVERSION:52 PASSWORD:secret SYSTEMID:user'

out=$(printf '  0000001A800000090000000000002D76\t534D534300 0210000134 \r\n' | "$PDU")
expect_line "uppercase hex, whitespace, bind_resp with TLV" "$out" \
    'INFO  (offline,0) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:11638 datalen:5 SCINTERFACEVERSION:52 SYSTEMID:SMSC'

out=$(echo '0000001480000004000000000000000161620d0a' | "$PDU"); rc=$?
if [[ $out == *" (SUBMIT_SM_RESP) status:0 trn:1 datalen:4 ERROR:"* ]] && [ $rc -eq 0 ]; then
    ok "malformed PDU is a line with ERROR, not an input error"
else
    bad "malformed PDU: rc=$rc out='$out'"
fi

out=$(printf '%s\nzz00\n\n123\n00000010000000150000000000000002\n' "$SEED" | "$PDU" 2>"$WORK/err"); rc=$?
nlines=$(printf '%s\n' "$out" | grep -c 'INFO  (offline,0)')
if [ $rc -ne 0 ] && [ "$nlines" -eq 2 ] && grep -q 'line 2:' "$WORK/err" && grep -q 'line 4:.*odd' "$WORK/err"; then
    ok "bad hex and odd length reported by line, others decoded, exit non-zero"
else
    bad "bad hex: rc=$rc lines=$nlines stderr=$(cat "$WORK/err")"
fi

out=$(echo "$SEED" | "$PDU" --json --direction write --connector 'a b')
if python3 - "$out" <<'EOF'
import json, re, sys
o = json.loads(sys.argv[1])
assert list(o)[:3] == ["ts", "connector", "instance"], list(o)
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d", o["ts"]), o["ts"]
assert o["connector"] == "a%20b" and o["instance"] == 0
want = {"dir": "write", "op": "0x00000009", "name": "BIND_TRANSCEIVER", "status": 0, "trn": 11638,
        "datalen": 17, "fields": {"INTERFACEVERSION": 52, "PASSWORD": "***", "SYSTEMID": "user"}}
for k, v in want.items():
    assert o[k] == v, (k, o[k], v)
assert "error" not in o
EOF
then ok "json line"; else bad "json line: $out"; fi

a=$(echo "$SEED" | TZ=XXX-5 "$PDU" --utc --json)
b=$(echo "$SEED" | TZ=XXX-5 "$PDU" --json)
if python3 - "$a" "$b" <<'EOF'
import json, sys
from datetime import datetime
u = datetime.fromisoformat(json.loads(sys.argv[1])["ts"])
l = datetime.fromisoformat(json.loads(sys.argv[2])["ts"])
assert u.utcoffset().total_seconds() == 0 and l.utcoffset().total_seconds() == 5 * 3600
assert abs((l - u).total_seconds()) < 5
assert abs((l.replace(tzinfo=None) - u.replace(tzinfo=None)).total_seconds() - 5 * 3600) < 5
EOF
then ok "--utc"; else bad "--utc: '$a' vs '$b'"; fi

"$PDU" --help >/dev/null && ok "--help" || bad "--help"
# Every tool prints the one version configure.ac gives.
check_version emgdiag-pdu "$PDU"
check_version emgdiag-check "${EMGDIAG_CHECK:-$TOP/tools/emgdiag-check}"
check_version emgdiag-follow "${EMGDIAG_FOLLOW:-$TOP/tools/emgdiag-follow}"
check_version emgdiag-compare "${EMGDIAG_COMPARE:-$TOP/tools/emgdiag-compare}"
"$PDU" --direction sideways </dev/null 2>/dev/null; [ $? -eq 2 ] && ok "bad option value exits 2" || bad "bad option value"
"$PDU" --pcap /nonexistent.pcap --port 2775 2>/dev/null; [ $? -ne 0 ] && ok "missing capture file" || bad "missing capture file"

# ---- part 2: a capture compared with tshark ----
PORT=$((20000 + RANDOM % 20000))
cat >"$WORK/gen.py" <<'EOF'
# SMPP client and server on 127.0.0.1 exchanging PDUs built here.
import socket, struct, sys, threading, time
port = int(sys.argv[1])
def pdu(cid, body=b"", st=0, seq=1):
    return struct.pack(">IIII", 16 + len(body), cid, st, seq) + body
def tlv(tag, v):
    return struct.pack(">HH", tag, len(v)) + v
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(2)
def serve_one():
    c, _ = srv.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    while True:
        while len(buf) < 4 or len(buf) < struct.unpack(">I", buf[:4])[0]:
            d = c.recv(65536)
            if not d:
                c.close()
                return
            buf += d
        n = struct.unpack(">I", buf[:4])[0]
        p, buf = buf[:n], buf[n:]
        cid, st, seq = struct.unpack(">III", p[4:16])
        if cid == 9:
            c.sendall(pdu(0x80000009, b"SMSC\0" + tlv(0x210, b"\x34"), seq=seq))
        elif cid == 4:
            r = pdu(0x80000004, b"msg-%d\0" % seq, seq=seq)
            c.sendall(r[:16]); time.sleep(0.05); c.sendall(r[16:])   # split
        elif cid == 0x15:
            c.sendall(pdu(0x80000015, seq=seq))
        elif cid == 6:
            c.sendall(pdu(0x80000006, seq=seq))
        elif cid == 2:
            c.sendall(pdu(0x80000002, st=14, seq=seq))             # refused, empty body
def server():
    serve_one()
    serve_one()
t = threading.Thread(target=server)
t.start()
def client():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
s = client()
bind = pdu(9, b"user\0secret\0\0\x34\0\0\0", seq=11638)
s.sendall(bind[:20]); time.sleep(0.05); s.sendall(bind[20:]); time.sleep(0.1)
def sm(seq, text, extra=b""):
    return pdu(4, b"\0\x01\x01Sender\0\x01\x014712345\0\0\0\0\0\0\x01\0\0\0" + bytes([len(text)]) + text + extra, seq=seq)
s.sendall(sm(2, b"Hello") + sm(3, b"World", tlv(0x204, b"\x01\x02")) + pdu(0x15, seq=4))  # coalesced
time.sleep(0.2)
big = sm(5, b"x" * 140, tlv(0x424, b"") + tlv(0x20c, b"\x00\x07"))
for i in range(0, len(big), 40):
    s.sendall(big[i:i + 40]); time.sleep(0.02)
time.sleep(0.2)
def wait_for(s, n):
    got = b""
    while len(got) < n:
        d = s.recv(65536)
        if not d:
            break
        got += d
s.sendall(pdu(6, seq=6)); wait_for(s, 16)
s.close()
s = client()                                                     # second connection: instance 1
s.sendall(pdu(2, b"other\0pw\0\0\x34\0\0\0", seq=1)); wait_for(s, 16)
s.close()
t.join()
EOF

capture_ok=0
if ! command -v tshark >/dev/null; then
    skip "capture test: tshark not installed"
else
    tshark -i lo -f "tcp port $PORT" -w "$WORK/f.pcapng" 2>"$WORK/tshark.err" &
    TSHARK_PID=$!
    for _ in $(seq 100); do
        grep -q "Capture started" "$WORK/tshark.err" 2>/dev/null && break
        kill -0 "$TSHARK_PID" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q "Capture started" "$WORK/tshark.err"; then
        if python3 "$WORK/gen.py" "$PORT"; then
            sleep 1.3
            capture_ok=1
        else
            bad "traffic generator failed"
        fi
    fi
    kill "$TSHARK_PID" 2>/dev/null
    wait "$TSHARK_PID" 2>/dev/null
    TSHARK_PID=
    [ $capture_ok -eq 1 ] || skip "capture test: cannot capture on lo ($(tail -1 "$WORK/tshark.err"))"
fi

if [ $capture_ok -eq 1 ]; then
    tshark -r "$WORK/f.pcapng" -d "tcp.port==$PORT,smpp" -T json -x --no-duplicate-keys \
        >"$WORK/oracle.json" 2>/dev/null
    "$PDU" --pcap "$WORK/f.pcapng" --port "$PORT" --json --utc --passwords clear \
        >"$WORK/ours.jsonl" 2>"$WORK/ours.err"
    rc=$?
    [ $rc -eq 0 ] && ok "capture decodes without problems" || bad "capture: rc=$rc $(cat "$WORK/ours.err")"
    python3 - "$WORK/oracle.json" "$WORK/ours.jsonl" "$PORT" >"$WORK/cmp.out" <<'EOF'
# Compares each of our JSON lines with tshark's decode of the same PDU.
import json, sys
from datetime import datetime
oracle, ours, port = json.load(open(sys.argv[1])), [json.loads(l) for l in open(sys.argv[2])], sys.argv[3]
CSTR = {"system_id", "password", "system_type", "address_range", "service_type", "source_addr",
        "destination_addr", "schedule_delivery_time_r", "validity_period_r", "message_id"}
INT = {"interface_version", "addr_ton", "addr_npi", "source_addr_ton", "source_addr_npi", "dest_addr_ton",
       "dest_addr_npi", "protocol_id", "priority_flag", "data_coding", "sm_default_msg_id", "sm_length"}
RENAME = {"schedule_delivery_time_r": "SCHEDULEDELIVERYTIME", "validity_period_r": "VALIDITYPERIOD"}
def key(name):
    return RENAME.get(name, name.upper().replace("_", ""))
def expected(s):
    """EMG fields from tshark's raw octets: mandatory 0/empty left out, TLVs kept."""
    f = {}
    for k, v in s.items():
        if not k.endswith("_raw") or not isinstance(v, list):
            continue
        name = k[5:-4]
        raw = bytes.fromhex(v[0]) if len(v[0]) % 2 == 0 else None
        if name in CSTR and raw is not None:
            if raw[:-1]:
                f[key(name)] = raw[:-1].decode("ascii")
        elif name in INT and raw is not None:
            if int.from_bytes(raw, "big"):
                f[key(name)] = int.from_bytes(raw, "big")
        elif name == "message" and raw:
            f["SHORTMESSAGE"] = raw.decode("ascii")
    opts = s.get("smpp.opt_params", {}).get("smpp.opt_param", [])
    for o in opts if isinstance(opts, list) else [opts]:
        for k, v in o.items():
            if k.endswith("_raw") and k not in ("smpp.opt_param_tag_raw", "smpp.opt_param_len_raw"):
                raw = bytes.fromhex(v[0])
                f[key(k[5:-4])] = int.from_bytes(raw, "big") if k != "smpp.message_payload_raw" else raw.decode()
        if int(o.get("smpp.opt_param_len", "1")) == 0 and not any(k.endswith("_raw") and "tag" not in k and "len" not in k for k in o):
            tag = int(o["smpp.opt_param_tag_raw"][0], 16)
            f[{0x0424: "MESSAGEPAYLOAD"}.get(tag, "TLV%04x" % tag)] = ""
    return f
pdus = []
for p in oracle:
    l = p["_source"]["layers"]
    if "smpp" not in l:
        continue
    for s in l["smpp"] if isinstance(l["smpp"], list) else [l["smpp"]]:
        pdus.append((l, s))
passed = failed = 0
def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
check(len(pdus) == len(ours), "tshark decoded %d PDUs, we printed %d lines" % (len(pdus), len(ours)))
for i, ((l, s), o) in enumerate(zip(pdus, ours)):
    raw = lambda k, d=0: int(s[k][0], 16) if k in s else d
    cl = raw("smpp.command_length_raw")
    opt_len = len(s["smpp.opt_params_raw"][0]) // 2 if "smpp.opt_params_raw" in s else 0
    want = {"op": "0x%08x" % raw("smpp.command_id_raw"), "status": raw("smpp.command_status_raw"),
            "trn": raw("smpp.sequence_number_raw"), "datalen": cl - 16 - opt_len,
            "dir": "write" if l["tcp"]["tcp.dstport"] == port else "read",
            "instance": int(l["tcp"]["tcp.stream"]), "fields": expected(s)}
    got = {k: o.get(k) for k in want}
    ours_fields = {k: v for k, v in o["fields"].items() if k in want["fields"] or k not in
                   ("ESMCLASS", "REGISTEREDDELIVERY", "REPLACEIFPRESENTFLAG")}
    got["fields"] = ours_fields
    check(got == want, "PDU %d (frame %s): ours %s, tshark %s" % (i, l["frame"]["frame.number"], got, want))
    t_ours = datetime.fromisoformat(o["ts"]).timestamp()
    t_frame = float(l["frame"]["frame.time_epoch"])
    check(abs(t_ours - t_frame) < 2e-6, "PDU %d: ts %s vs frame time %s" % (i, o["ts"], t_frame))
print("%d %d" % (passed, failed))
EOF
    read -r cp cf < <(tail -1 "$WORK/cmp.out")
    grep '^FAIL' "$WORK/cmp.out"
    if [ -n "${cp:-}" ]; then
        PASS=$((PASS + cp)); FAIL=$((FAIL + cf))
        echo "capture vs tshark: $cp checks passed, $cf failed"
    else
        bad "comparison script failed: $(cat "$WORK/cmp.out")"
    fi
    n=$(wc -l <"$WORK/ours.jsonl")
    [ "$n" -eq 14 ] && ok "capture gave $n PDUs (expected 14)" || bad "capture gave $n PDUs, expected 14"

    # --perspective server swaps Read and Write.
    "$PDU" --pcap "$WORK/f.pcapng" --port "$PORT" --perspective server >"$WORK/server.txt" 2>/dev/null
    if grep -q ') Read op:0x00000009 (BIND_TRANSCEIVER)' "$WORK/server.txt" &&
        grep -q ') Write op:0x80000009 (BIND_TRANSCEIVER_RESP)' "$WORK/server.txt"; then
        ok "--perspective server"
    else
        bad "--perspective server: $(head -2 "$WORK/server.txt")"
    fi
    if grep -q '(offline,1) Read op:0x80000002 (BIND_TRANSMITTER_RESP) status:14 trn:1 datalen:0$' \
        <("$PDU" --pcap "$WORK/f.pcapng" --port "$PORT" 2>/dev/null); then
        ok "second connection is instance 1; empty-body failed response"
    else
        bad "second connection instance"
    fi

    # A capture cut in the middle: an error naming a frame, non-zero exit.
    head -c $(($(stat -c %s "$WORK/f.pcapng") - 30)) "$WORK/f.pcapng" >"$WORK/cut.pcapng"
    "$PDU" --pcap "$WORK/cut.pcapng" --port "$PORT" >/dev/null 2>"$WORK/cut.err"; rc=$?
    if [ $rc -ne 0 ] && grep -q 'frame [0-9]' "$WORK/cut.err"; then
        ok "truncated capture reported with frame number"
    else
        bad "truncated capture: rc=$rc $(cat "$WORK/cut.err")"
    fi
    # A port with no traffic in the capture: nothing printed, nothing wrong.
    out=$("$PDU" --pcap "$WORK/f.pcapng" --port 1 2>&1); rc=$?
    [ -z "$out" ] && [ $rc -eq 0 ] && ok "port with no traffic prints nothing" || bad "unused port: rc=$rc '$out'"
fi

# Non-SMPP traffic, written as a tiny pcap by hand (Ethernet/IPv4/TCP, one frame "GET / HTTP/1.0").
python3 - "$WORK/http.pcap" <<'EOF'
import struct, sys
payload = b"GET / HTTP/1.0\r\n\r\n"
tcp = struct.pack(">HHIIBBHHH", 40000, 2775, 1000, 0, 5 << 4, 0x18, 65535, 0, 0)
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                 bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
eth = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + b"\x08\x00"
frame = eth + ip + tcp + payload
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1430256342, 104666, len(frame), len(frame)) + frame)
EOF
"$PDU" --pcap "$WORK/http.pcap" --port 2775 >"$WORK/http.out" 2>"$WORK/http.err"; rc=$?
if [ $rc -ne 0 ] && grep -q 'frame 1: .*not SMPP' "$WORK/http.err" && [ ! -s "$WORK/http.out" ]; then
    ok "non-SMPP traffic reported with frame number"
else
    bad "non-SMPP traffic: rc=$rc $(cat "$WORK/http.err")"
fi

# ---- part 3: input that cannot be read, and input too large ----
# Exit 2 and "TOOL: FILE: strerror" for a file that cannot be opened, a
# directory, or a read(2) error part-way; never taken for the end of input.
CHECK=${EMGDIAG_CHECK:-$TOP/tools/emgdiag-check}
mkdir -p "$WORK/adir"
"$PDU" --pcap "$WORK/adir" --port 2775 >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] && [ "$(cat "$WORK/err")" = "emgdiag-pdu: $WORK/adir: Is a directory" ] \
    && ok "a directory as the capture: exit 2, names it" || bad "capture directory: rc=$rc $(cat "$WORK/err")"
"$PDU" <"$WORK/adir" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] && [ "$(cat "$WORK/err")" = "emgdiag-pdu: standard input: Is a directory" ] \
    && ok "a directory as standard input: exit 2" || bad "stdin directory: rc=$rc $(cat "$WORK/err")"
"$CHECK" --config "$WORK/adir" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] && [ "$(cat "$WORK/err")" = "emgdiag-check: $WORK/adir: Is a directory" ] \
    && ok "emgdiag-check: a directory as --config: exit 2, names it" || bad "check directory: rc=$rc $(cat "$WORK/err")"
"$CHECK" --config "$WORK/missing.xml" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 2 ] && [ "$(cat "$WORK/err")" = "emgdiag-check: $WORK/missing.xml: No such file or directory" ] \
    && ok "emgdiag-check: a missing --config: exit 2" || bad "check missing: rc=$rc $(cat "$WORK/err")"
for _ in $(seq 200); do echo "$SEED"; done >"$WORK/many.hex"
python3 - "$WORK/one.pcap" <<'EOF'
# 200 enquire_link PDUs on one connection, one per frame (LINKTYPE_RAW).
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    for i in range(200):
        payload = struct.pack(">IIII", 16, 0x15, 0, i + 1)
        tcp = struct.pack(">HHIIBBHHH", 40000, 2775, 1000 + 16 * i, 0, 5 << 4, 0x18, 65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2]))
        fr = ip + tcp + payload
        f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
EOF
{ echo '<emgdiag>'
  echo '  <logs dir="/tmp"/>'
  echo '  <connector name="smpp-out" type="outgoing" smsc-id="upstream"/>'
  echo '</emgdiag>'
  for _ in $(seq 100); do echo "<!-- padding, so that a read can fail after the first 4096 octets -->"; done
} >"$WORK/ok.xml"
if ! fault_read_build "$WORK"; then
    skip "read(2) errors part-way: no C compiler for the fault library ($(head -1 "$WORK/fault_read.log"))"
else
    fault_case() {   # fault_case NAME WANT_ERR: judges the last with_read_fault
        if [ $INJECTED -eq 0 ]; then
            skip "$1: the tool does not read through the fault library"
        elif [ $RC -eq 2 ] && [ "$ERR" = "$2" ]; then
            ok "$1: exit 2, named"
        else
            bad "$1: rc=$RC err=$ERR"
        fi
    }
    with_read_fault "$WORK/many.hex" 4096 "$PDU" <"$WORK/many.hex"
    fault_case "read(2) error part-way through standard input" "emgdiag-pdu: standard input: Input/output error"
    [ "$(printf '%s\n' "$OUT" | grep -c 'BIND_TRANSCEIVER')" -gt 0 ] && ok "the PDUs before the read error are printed" \
        || bad "no PDU before the read error"
    with_read_fault "$WORK/one.pcap" 2000 "$PDU" --pcap "$WORK/one.pcap" --port 2775
    fault_case "read(2) error part-way through a capture" "emgdiag-pdu: $WORK/one.pcap: Input/output error"
    with_read_fault "$WORK/ok.xml" 4096 "$CHECK" --config "$WORK/ok.xml"
    fault_case "emgdiag-check: read(2) error part-way through --config" \
        "emgdiag-check: $WORK/ok.xml: Input/output error"
fi
"$CHECK" --config "$WORK/ok.xml" >/dev/null 2>&1 && ok "emgdiag-check: the same file read whole is valid" \
    || bad "emgdiag-check: ok.xml is not valid"

# A hex line longer than the bound (1 MiB by default): named and skipped.
{ echo "$SEED"; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 0; echo; echo "$SEED"; } \
    | "$PDU" >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$WORK/out")" -eq 2 ] \
    && [ "$(cat "$WORK/err")" = "emgdiag-pdu: line 2: 2097152 octets, longer than 1048576 (--max-line-length); skipped" ] \
    && ok "a 2 MiB hex line: named, skipped, exit 1; the others decoded" || bad "2 MiB hex line: rc=$rc $(cat "$WORK/err")"
echo "$SEED" | "$PDU" --max-line-length 20 >"$WORK/out" 2>"$WORK/err"; rc=$?
[ $rc -eq 1 ] && [ ! -s "$WORK/out" ] && [[ $(cat "$WORK/err") == "emgdiag-pdu: line 1: ${#SEED} octets, longer than 20 "* ]] \
    && ok "--max-line-length 20" || bad "--max-line-length 20: rc=$rc $(cat "$WORK/err")"

# Many connections: time grows linearly and memory stays flat.  Captures
# of 10,000 and 100,000 short connections (SYN, SYN-ACK, bind_transmitter,
# its response; then FIN both ways, or an RST) are made here; the CPU time
# of the larger must stay under 15 times that of the smaller (linear is
# 10; the search through every connection seen that this replaced gave
# 37), and its maximum RSS under twice (it gave 10 times: 819 MB).
cat >"$WORK/conns.py" <<'EOF'
# conns.py FILE N [--open]: N short SMPP connections to port 2775 in a pcap
# (LINKTYPE_RAW, IPv4); with --open none of them ends.
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
left_open = "--open" in sys.argv[3:]
def pdu(cid, body, seq):
    return struct.pack(">IIII", 16 + len(body), cid, 0, seq) + body
BIND = pdu(2, b"user\0pw\0\0\x34\0\0\0", 1)
RESP = pdu(0x80000002, b"SMSC\0", 1)
out = open(path, "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
t = [1700000000, 0]
def frame(src, sport, dst, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0, src, dst)
    f = ip + tcp + payload
    t[0], t[1] = (t[0] + 1, t[1] - 999990) if t[1] >= 999990 else (t[0], t[1] + 10)
    out.write(struct.pack("<IIII", t[0], t[1], len(f), len(f)) + f)
SYN, FIN, RST, PSH, ACK = 2, 1, 4, 8, 16
srv = bytes([192, 0, 2, 1])
for i in range(n):
    cli = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
    cp = 1024 + i % 60000
    frame(cli, cp, srv, 2775, 1000, 0, SYN)
    frame(srv, 2775, cli, cp, 5000, 1001, SYN | ACK)
    frame(cli, cp, srv, 2775, 1001, 5001, PSH | ACK, BIND)
    frame(srv, 2775, cli, cp, 5001, 1001 + len(BIND), PSH | ACK, RESP)
    if left_open:
        continue
    if i % 2 == 0:
        frame(cli, cp, srv, 2775, 1001 + len(BIND), 5001 + len(RESP), FIN | ACK)
        frame(srv, 2775, cli, cp, 5001 + len(RESP), 1002 + len(BIND), FIN | ACK)
        frame(cli, cp, srv, 2775, 1002 + len(BIND), 5002 + len(RESP), ACK)
    else:
        frame(cli, cp, srv, 2775, 1001 + len(BIND), 0, RST)
out.close()
EOF
echo "making captures of 10,000 and 100,000 connections..."
python3 "$WORK/conns.py" "$WORK/c10k.pcap" 10000 && python3 "$WORK/conns.py" "$WORK/c100k.pcap" 100000
python3 - "$PDU" "$WORK" >"$WORK/scale.out" <<'EOF'
# The best of three runs of each: CPU time (user + system), max RSS; and
# the lines printed and the exit status.  The RSS comes from GNU time when
# it is there: a child of this interpreter would count the interpreter's
# pages it had before exec.
import os, re, subprocess, sys
tool, work = sys.argv[1], sys.argv[2]
gnu_time = os.access("/usr/bin/time", os.X_OK)
def run(n):
    best_cpu = best_rss = None
    for _ in range(3):
        cmd = [tool, "--pcap", "%s/c%dk.pcap" % (work, n), "--port", "2775"]
        if gnu_time:
            cmd = ["/usr/bin/time", "-f", "%M", "-o", work + "/rss"] + cmd
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = p.stdout.read()
        lines = out.count(b"\n")
        # one instance per connection, numbered from 0: the closing ACK of a
        # connection that has ended starts none
        instances = set(re.findall(rb"\(offline,(\d+)\)", out))
        if instances != set(b"%d" % i for i in range(n * 1000)):
            lines = -len(instances)
        _, status, ru = os.wait4(p.pid, 0)
        cpu = ru.ru_utime + ru.ru_stime
        rss = int(open(work + "/rss").read().split()[-1]) if gnu_time else ru.ru_maxrss
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
        best_rss = rss if best_rss is None else min(best_rss, rss)
    return best_cpu, best_rss, lines, os.waitstatus_to_exitcode(status)
print("%.4f %d %d %d %.4f %d %d %d" % (run(10) + run(100)))
EOF
read -r s_cpu s_rss s_lines s_rc l_cpu l_rss l_lines l_rc <"$WORK/scale.out"
echo "10,000 connections: ${s_cpu:-?} s CPU, ${s_rss:-?} KiB; 100,000: ${l_cpu:-?} s CPU, ${l_rss:-?} KiB"
if [ -z "${l_rc:-}" ]; then
    bad "many connections: the measurement failed"
else
    [ "$s_rc" = 0 ] && [ "$l_rc" = 0 ] && [ "$s_lines" = 20000 ] && [ "$l_lines" = 200000 ] \
        && ok "10,000 and 100,000 connections: every PDU (2 each), instances 0 to N-1, no problem" \
        || bad "many connections: exit $s_rc/$l_rc, $s_lines/$l_lines lines (negative: that many instances, not 0 to N-1)"
    ratio=$(awk -v s="$s_cpu" -v l="$l_cpu" 'BEGIN { printf "%.1f", l / (s > 0.001 ? s : 0.001) }')
    awk -v r="$ratio" 'BEGIN { exit !(r < 15) }' \
        && ok "10 times the connections, less than 15 times the CPU time (${ratio}x)" \
        || bad "10 times the connections: ${ratio}x the CPU time ($l_cpu s against $s_cpu s)"
    [ "$l_rss" -lt $((2 * s_rss)) ] && ok "10 times the connections, less than twice the memory" \
        || bad "10 times the connections: $l_rss KiB against $s_rss KiB"
fi
rm -f "$WORK/c10k.pcap" "$WORK/c100k.pcap"

# Instances number connections in order of appearance (docs/man/emgdiag-pdu.1),
# whatever their first frame: here connection A shows first with a bare
# ACK (the capture began inside it), then B opens; A's data comes last.
# After A closes (FIN each way), its last ACK starts nothing; a new SYN on
# A's address pair is a new connection.
python3 - "$WORK/order.pcap" <<'EOF'
import struct, sys
def pdu(cid, seq):
    return struct.pack(">IIII", 16, cid, 0, seq)
frames = []
def frame(cport, to_server, seq, flags, payload=b""):
    a, b = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    src, dst, sp, dp = (a, b, cport, 2775) if to_server else (b, a, 2775, cport)
    tcp = struct.pack(">HHIIBBHHH", sp, dp, seq, 0, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0, src, dst)
    frames.append(ip + tcp + payload)
SYN, FIN, PSH, ACK = 2, 1, 8, 16
frame(40001, True, 1000, ACK)                         # A: a bare ACK
frame(40002, True, 5000, SYN)                         # B opens
frame(40002, False, 9000, SYN | ACK)
frame(40002, True, 5001, PSH | ACK, pdu(0x15, 1))     # B: enquire_link 1
frame(40001, True, 1000, PSH | ACK, pdu(0x15, 7))     # A: enquire_link 7
frame(40001, True, 1016, FIN | ACK)                   # A closes both ways
frame(40001, False, 3000, FIN | ACK)
frame(40001, True, 1017, ACK)                         # A's last ACK
frame(40001, True, 7000, SYN)                         # a new connection on A's pair
frame(40001, True, 7001, PSH | ACK, pdu(0x15, 9))     # enquire_link 9
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
EOF
"$PDU" --pcap "$WORK/order.pcap" --port 2775 >"$WORK/out" 2>"$WORK/err"; rc=$?
same "instances in order of appearance; a closed connection's last ACK starts none" \
    "$(sed -E 's/^.{27}//' "$WORK/out")" \
'INFO  (offline,1) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:1 datalen:0
INFO  (offline,0) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:7 datalen:0
INFO  (offline,2) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:9 datalen:0'
[ $rc -eq 0 ] && [ ! -s "$WORK/err" ] && ok "that capture: exit 0, nothing on stderr" || bad "order capture: rc=$rc $(cat "$WORK/err")"

# The bound on connections open at once: 1,000 that never end, followed
# 100 at a time: every PDU is still printed (each connection's came before
# it was dropped), the first drop is explained, the rest counted, exit 1.
python3 "$WORK/conns.py" "$WORK/open.pcap" 1000 --open
"$PDU" --pcap "$WORK/open.pcap" --port 2775 --max-connections 100 >"$WORK/out" 2>"$WORK/err"; rc=$?
inst=$(sed -n 's/.*(offline,\([0-9]*\)).*/\1/p' "$WORK/out" | sort -un | wc -l)
[ $rc -eq 1 ] && [ "$(wc -l <"$WORK/out")" -eq 2000 ] && [ "$inst" -eq 1000 ] \
    && grep -q "frame 401: more than 100 connections open at once: connection 0, idle longest, is dropped" "$WORK/err" \
    && grep -q "open.pcap: 900 connections dropped in all" "$WORK/err" \
    && ok "--max-connections 100: the one idle longest dropped, reported and counted; every PDU printed" \
    || bad "--max-connections: rc=$rc lines=$(wc -l <"$WORK/out") instances=$inst $(head -c 600 "$WORK/err")"

tool_summary
