#!/usr/bin/env python3
"""Writes the seed captures of the fuzz_pcap target into DIR (default: the
corpus/pcap directory beside this script).

Each seed is a short SMPP session on TCP port 2775 built octet by octet:
handshake, a bind_transmitter split across two segments, an enquire_link in
the same segment as the bind's tail, the bind response and the enquire_link
response in one segment, FIN.  The seeds vary what the reader must handle:
link types (Ethernet with and without a VLAN tag, Linux cooked SLL and SLL2,
BSD loopback, raw IP), IPv4 and IPv6, pcap and pcapng, a retransmission, a
gap in a stream, and a frame cut short by the snap length.
"""
import os
import struct
import sys

PORT = 2775


def pdu(command_id, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


BIND = pdu(0x00000002, 1, b"user\0pw\0VMA\0" + bytes([0x34, 1, 1]) + b"\0")
BIND_RESP = pdu(0x80000002, 1, b"SMSC\0")
ENQ = pdu(0x00000015, 2)
ENQ_RESP = pdu(0x80000015, 2)


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def ipv4(src, dst, seg):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0,
                       bytes(src), bytes(dst)) + seg


def ipv6(src, dst, seg):
    return struct.pack(">IHBB16s16s", 6 << 28, len(seg), 6, 64, bytes(src), bytes(dst)) + seg


SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08


def session(gap=False, retrans=False):
    """(from_client, tcp segment) pairs of one session."""
    c, s = 40000, PORT
    cs, ss = 1000, 5000
    out = [(True, tcp(c, s, cs, 0, SYN)), (False, tcp(s, c, ss, cs + 1, SYN | ACK))]
    cs += 1
    ss += 1
    out.append((True, tcp(c, s, cs, ss, ACK)))
    first, rest = BIND[:10], BIND[10:] + ENQ
    out.append((True, tcp(c, s, cs, ss, ACK | PSH, first)))
    if retrans:
        out.append((True, tcp(c, s, cs, ss, ACK | PSH, first)))
    cs += len(first)
    if gap:
        cs += 3     # three octets never captured
        rest = rest[3:]
    out.append((True, tcp(c, s, cs, ss, ACK | PSH, rest)))
    cs += len(rest)
    reply = BIND_RESP + ENQ_RESP
    out.append((False, tcp(s, c, ss, cs, ACK | PSH, reply)))
    ss += len(reply)
    out.append((True, tcp(c, s, cs, ss, FIN | ACK)))
    return out


V4C, V4S = [127, 0, 0, 1], [127, 0, 0, 2]
V6C, V6S = [0] * 15 + [1], [0xfe, 0x80] + [0] * 13 + [2]


def frames(link, ipver=4, **kw):
    out = []
    for from_client, seg in session(**kw):
        if ipver == 4:
            ip = ipv4(V4C, V4S, seg) if from_client else ipv4(V4S, V4C, seg)
            ethertype, family = 0x0800, 2
        else:
            ip = ipv6(V6C, V6S, seg) if from_client else ipv6(V6S, V6C, seg)
            ethertype, family = 0x86DD, 10
        if link == "eth":
            f = b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + struct.pack(">H", ethertype) + ip
        elif link == "vlan":
            f = (b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + struct.pack(">HHH", 0x8100, 42, ethertype)
                 + ip)
        elif link == "sll":
            f = struct.pack(">HHH8sH", 0 if from_client else 4, 772, 6, b"\0" * 8, ethertype) + ip
        elif link == "sll2":
            f = struct.pack(">HHIHBB8s", ethertype, 0, 1, 772, 0, 6, b"\0" * 8) + ip
        elif link == "null":
            f = struct.pack("<I", family) + ip
        else:   # raw
            f = ip
        out.append(f)
    return out


DLT = {"eth": 1, "vlan": 1, "sll": 113, "sll2": 276, "null": 0, "raw": 101}


def pcap(link, fr, snaplen=65535):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, DLT[link])
    for i, f in enumerate(fr):
        kept = f[:snaplen]
        out += struct.pack("<IIII", 1700000000 + i, 1000 * i, len(kept), len(f)) + kept
    return out


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(link, fr):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(0x00000001, struct.pack("<HHI", DLT[link], 0, 65535))
    for i, f in enumerate(fr):
        ts = (1700000000 + i) * 1000000 + 1000 * i
        out += block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "pcap")
    os.makedirs(d, exist_ok=True)
    seeds = {
        "eth_ipv4.pcap": pcap("eth", frames("eth")),
        "vlan_ipv4.pcap": pcap("vlan", frames("vlan")),
        "sll_ipv6.pcap": pcap("sll", frames("sll", 6)),
        "sll2_ipv4.pcap": pcap("sll2", frames("sll2")),
        "null_ipv4.pcap": pcap("null", frames("null")),
        "raw_ipv6.pcap": pcap("raw", frames("raw", 6)),
        "retransmit.pcap": pcap("eth", frames("eth", retrans=True)),
        "gap.pcap": pcap("eth", frames("eth", gap=True)),
        "snaplen_cut.pcap": pcap("eth", frames("eth"), snaplen=70),
        "eth_ipv4.pcapng": pcapng("eth", frames("eth")),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
