#!/usr/bin/env python3
"""gen_pcap.py: a large generated SMPP capture for emgdiag-pdu --pcap's
benchmark (bench/tools.sh, docs/performance.md).  Never committed: made
where the benchmark runs.

  gen_pcap.py FILE OCTETS [--port 2775] [--sessions 40]

Ethernet/IPv4/TCP, classic pcap.  SESSIONS client connections to PORT, each
with its handshake and a bind_transceiver; then, round robin over the
sessions, a submit_sm in one segment and its submit_sm_resp in the next,
until the file holds about OCTETS octets; then each session's unbind and
FIN.  Every segment holds one whole PDU.
"""
import argparse
import struct
import sys

SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08


def pdu(command_id, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("octets", type=int)
    ap.add_argument("--port", type=int, default=2775)
    ap.add_argument("--sessions", type=int, default=40)
    a = ap.parse_args()
    out = open(a.file, "wb", buffering=1 << 20)
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    mac = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    server = bytes([10, 0, 0, 1])
    t = [1767340800, 0]
    written = [24]

    def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                         src, dst) + tcp
        f = mac + ip
        t[1] += 5
        if t[1] >= 1000000:
            t[0] += 1
            t[1] -= 1000000
        rec = struct.pack("<IIII", t[0], t[1], len(f), len(f)) + f
        written[0] += len(rec)
        return rec

    n = a.sessions
    cli = [bytes([10, 1, k // 250, 1 + k % 250]) for k in range(n)]
    cport = [40000 + k for k in range(n)]
    cs = [1000] * n
    ss = [5000] * n
    trn = [1] * n
    buf = []
    for k in range(n):
        buf.append(frame(cli[k], server, cport[k], a.port, cs[k], 0, SYN))
        buf.append(frame(server, cli[k], a.port, cport[k], ss[k], cs[k] + 1, SYN | ACK))
        cs[k] += 1
        ss[k] += 1
        buf.append(frame(cli[k], server, cport[k], a.port, cs[k], ss[k], ACK))
        b = pdu(0x00000009, 1, b"user%d\0pw\0VMA\0" % k + bytes([0x34, 1, 1]) + b"\0")
        buf.append(frame(cli[k], server, cport[k], a.port, cs[k], ss[k], ACK | PSH, b))
        cs[k] += len(b)
        r = pdu(0x80000009, 1, b"SMSC\0")
        buf.append(frame(server, cli[k], a.port, cport[k], ss[k], cs[k], ACK | PSH, r))
        ss[k] += len(r)
    i = 0
    while written[0] < a.octets:
        k = i % n
        trn[k] += 1
        text = b"message %08d hello world" % i
        body = (b"\0\1\1" + b"12345\0" + b"\1\1" + b"4670%07d\0" % (i % 10000000) +
                b"\0\0\0" + b"\0\0" + b"\1\0\0\0" + bytes([len(text)]) + text)
        s = pdu(0x00000004, trn[k], body)
        buf.append(frame(cli[k], server, cport[k], a.port, cs[k], ss[k], ACK | PSH, s))
        cs[k] += len(s)
        r = pdu(0x80000004, trn[k], b"%08x\0" % i)
        buf.append(frame(server, cli[k], a.port, cport[k], ss[k], cs[k], ACK | PSH, r))
        ss[k] += len(r)
        i += 1
        if len(buf) >= 8192:
            out.write(b"".join(buf))
            buf = []
    for k in range(n):
        trn[k] += 1
        u = pdu(0x00000006, trn[k])
        buf.append(frame(cli[k], server, cport[k], a.port, cs[k], ss[k], ACK | PSH, u))
        cs[k] += len(u)
        r = pdu(0x80000006, trn[k])
        buf.append(frame(server, cli[k], a.port, cport[k], ss[k], cs[k], ACK | PSH, r))
        ss[k] += len(r)
        buf.append(frame(cli[k], server, cport[k], a.port, cs[k], ss[k], ACK | FIN))
    out.write(b"".join(buf))
    out.close()
    print("%d PDUs" % (2 * n + 2 * i + 2 * n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
