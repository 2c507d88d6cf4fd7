#!/usr/bin/env python3
"""wire_expect.py: the pdu-log lines a gateway owes for the PDUs a test peer saw.

Each peer in tests/peers/ records every PDU it sent and received, as octets,
in wire order per connection:
  smsc.pl (and a test's own raw SMSC), one line each:
      CONNECT <address>:<port>
      PDU <address>:<port> <in|out> <hex of the whole PDU>
      CLOSED <address>:<port> <smsc|esme>
  client.pl and client.js, one JSON object per event (one connection):
      {"event":"pdu","dir":"in"|"out","hex":"..."}
What the SMSC peer received the gateway wrote, what it sent the gateway
read; for a client peer it is the other way round.  tap.pl records the
wire between two boxes in smsc.pl's format; --gateway server reads such a
transcript for the box on the server side.  This script turns the
PDUs of one connection (or of every connection, one after the other) into
the lines docs/pdu-log.md asks of the gateway's pdu log, timestamps left out,
through pdu_grammar.py:

  wire_expect.py TRANSCRIPT... --connector NAME --instance K
                 [--connection N | --split PREFIX] [--skip NAME...]
                 [--passwords clear] [--json] [--gateway client|server]

--connection N takes the Nth connection (1 = first CONNECT) alone;
--split PREFIX writes the lines of connection N to the file PREFIX.N, for
every connection.  Without either, every connection is taken in the order
the peer accepted them, which is the log's order only when they did not
overlap.  Several TRANSCRIPTs are taken one after the other, their
connections numbered on.  --skip leaves out the operations of <logs
pdu-skip>.  --json prints the JSON twin's objects (without ts) instead.  Lines keep the order the peer saw: for one
connection's request/response exchanges that is also the gateway's order.
"""
import argparse
import json
import sys

import pdu_grammar


def connections(path, gateway=None):
    """[(direction as the gateway logs it, octets), ...] per connection, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    conns = []
    if lines and lines[0].startswith("{"):
        # A client peer's JSON events: the gateway is the server.
        reads = "out" if gateway in (None, "server") else "in"
        pdus = []
        for line in lines:
            ev = json.loads(line)
            if ev.get("event") == "pdu":
                pdus.append(("Read" if ev["dir"] == reads else "Write", bytes.fromhex(ev["hex"])))
        return [pdus]
    # An SMSC peer's transcript: the gateway is the client (or, for a tap,
    # whichever side --gateway says).
    reads = "out" if gateway in (None, "client") else "in"
    by_peer = {}
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] == "CONNECT":
            by_peer[words[1]] = []
            conns.append(by_peer[words[1]])
        elif len(words) == 4 and words[0] == "PDU":
            if words[1] not in by_peer:
                raise pdu_grammar.Problem("PDU of %s before its CONNECT" % words[1])
            by_peer[words[1]].append(("Read" if words[2] == reads else "Write", bytes.fromhex(words[3])))
    return conns


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("transcript", nargs="+")
    ap.add_argument("--connector", required=True)
    ap.add_argument("--instance", type=lambda v: v if v == "K" else int(v), required=True,
                    help='the instance number, or "K" for logcmp.py --sessions')
    ap.add_argument("--connection", type=int)
    ap.add_argument("--split")
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--passwords", choices=("masked", "clear"), default="masked")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--gateway", choices=("client", "server"),
                    help="the side the gateway plays (default: the one the peer does not)")
    a = ap.parse_args()
    try:
        conns = [c for t in a.transcript for c in connections(t, a.gateway)]
        if a.connection is not None:
            if not 1 <= a.connection <= len(conns):
                raise pdu_grammar.Problem("no connection %d (the peer saw %d)" % (a.connection, len(conns)))
            conns = [conns[a.connection - 1]]
        outputs = []
        for n, conn in enumerate(conns, 1):
            lines = []
            for direction, pdu in conn:
                name = pdu_grammar.OPERATIONS.get(int.from_bytes(pdu[4:8], "big"), "UNKNOWN")
                if name in a.skip:
                    continue
                if a.json:
                    lines.append(json.dumps(pdu_grammar.json_object(pdu, direction, a.connector,
                                                                    a.instance, a.passwords)))
                else:
                    lines.append(pdu_grammar.line(pdu, direction, a.connector, a.instance, a.passwords))
            outputs.append(("%s.%d" % (a.split, n), lines))
        for path, lines in outputs:
            if a.split:
                with open(path, "w", encoding="utf-8") as f:
                    f.write("".join(x + "\n" for x in lines))
            else:
                sys.stdout.write("".join(x + "\n" for x in lines))
    except (OSError, ValueError, KeyError, pdu_grammar.Problem) as e:
        print("wire_expect.py: %s: %s" % (" ".join(a.transcript), e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
