#!/usr/bin/env python3
"""gen_logs.py: a large generated connector log and pdu log for the tools'
benchmarks (bench/tools.sh, docs/performance.md).  Never committed: made
where the benchmark runs.

  gen_logs.py DIR NAME OCTETS [--instances N] [--seed S] [--shift-us U]

writes DIR/connector.NAME and DIR/pdu.NAME: INSTANCES outgoing sessions
(instance 0..N-1) that each bind, then exchange submit_sm / submit_sm_resp
pairs and enquire_links, interleaved in time order, until the pdu log holds
about OCTETS octets; then each session unbinds.  The lines follow
docs/connector-log.md and docs/pdu-log.md.  --shift-us moves every
timestamp by U microseconds (a second log of the same traffic, as another
gateway would have stamped it); --seed picks the message texts.
"""
import argparse
import os
import random
import sys


def ts(us):
    s, u = divmod(us, 1000000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return "2026-01-%02d %02d:%02d:%02d.%06d" % (2 + d, h, m, s, u)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("name")
    ap.add_argument("octets", type=int)
    ap.add_argument("--instances", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shift-us", type=int, default=0)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    name, n = a.name, a.instances
    texts = ["message %06d %s" % (i, "x" * rnd.randrange(10, 120)) for i in range(1000)]
    t = 36000 * 1000000 + a.shift_us
    con = open(os.path.join(a.dir, "connector." + name), "w", buffering=1 << 20)
    pdu = open(os.path.join(a.dir, "pdu." + name), "w", buffering=1 << 20)
    trn = [1] * n
    for k in range(n):
        con.write("%s (%d) CONNECT OK\n" % (ts(t), k))
        pdu.write("%s INFO  (%s,%d) Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 "
                  "datalen:20 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user\n" % (ts(t + 1), name, k))
        pdu.write("%s INFO  (%s,%d) Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:1 "
                  "datalen:5 SYSTEMID:SMSC\n" % (ts(t + 2), name, k))
        con.write("%s (%d) LOGIN OK (info=\"0 SMSC\")\n" % (ts(t + 2), k))
        t += 10
    written = 0
    i = 0
    out = []
    while written < a.octets:
        k = i % n
        trn[k] += 1
        txt = texts[i % 1000]
        if i % 50 == 49:
            lines = ("%s INFO  (%s,%d) Write op:0x00000015 (ENQUIRE_LINK) status:0 trn:%d datalen:0\n"
                     "%s INFO  (%s,%d) Read op:0x80000015 (ENQUIRE_LINK_RESP) status:0 trn:%d datalen:0\n"
                     % (ts(t), name, k, trn[k], ts(t + 3), name, k, trn[k]))
        else:
            lines = ("%s INFO  (%s,%d) Write op:0x00000004 (SUBMIT_SM) status:0 trn:%d datalen:%d "
                     "DESTINATIONADDR:4670%07d SHORTMESSAGE:%s SMLENGTH:%d SOURCEADDR:12345\n"
                     "%s INFO  (%s,%d) Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:%d datalen:9 "
                     "MESSAGEID:%08x\n"
                     % (ts(t), name, k, trn[k], 40 + len(txt), i % 10000000, txt, len(txt),
                        ts(t + 3), name, k, trn[k], i))
        out.append(lines)
        written += len(lines)
        t += 7
        i += 1
        if len(out) >= 4096:
            pdu.write("".join(out))
            out = []
    pdu.write("".join(out))
    for k in range(n):
        trn[k] += 1
        pdu.write("%s INFO  (%s,%d) Write op:0x00000006 (UNBIND) status:0 trn:%d datalen:0\n"
                  % (ts(t), name, k, trn[k]))
        pdu.write("%s INFO  (%s,%d) Read op:0x80000006 (UNBIND_RESP) status:0 trn:%d datalen:0\n"
                  % (ts(t + 1), name, k, trn[k]))
        con.write("%s (%d) DISCONNECT OK\n" % (ts(t + 1), k))
        t += 5
    con.close()
    pdu.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
