#!/usr/bin/env python3
"""tshark_compare.py: holds one connector's pdu log against tshark's decode.

Used by t_live_tshark.sh.  tshark decoded a capture of real SMPP traffic
(`tshark -T json -x --no-duplicate-keys`); the patched box wrote the pdu log
of the connector whose TCP port that was (text and JSON twin), and
emgdiag-pdu --pcap decoded the same capture.  From each PDU tshark shows,
this script writes the pdu-log line docs/pdu-log.md asks for (field
values from tshark's octets, names from the SMPP specification, direction
from the TCP ports and the side the gateway plays) and checks:
  - the live log has one line per PDU, in the capture's order, each equal to
    the line written here (timestamps aside, and within a second of the
    frame that carried the PDU);
  - emgdiag-pdu's lines are the same lines (its instances number TCP
    connections in order of appearance; the live ones take the lowest free);
  - the JSON twin has one valid object per text line saying the same thing
    (docs/pdu-log.md#json-twin-decided).
A TCP payload on the port that tshark cannot read as SMPP (an unknown
command_id) is cut into PDUs by command_length here and expected as docs/pdu-log.md's
`UNKNOWN` line.  Prints PASS:/FAIL: lines, then "<passed> <failed>" last.
"""
import argparse
import json
import struct
from datetime import datetime

from pdu_grammar import OPERATIONS, escape, json_fields, render

# Mandatory fields by SMPP type.  tshark names them as the specification
# does, except the relative-time variants (`_r`) of the two time fields.
C_OCTET_STRING = {"system_id", "password", "system_type", "address_range", "service_type",
                  "source_addr", "destination_addr", "schedule_delivery_time", "validity_period",
                  "message_id", "final_date", "esme_addr", "dl_name"}
INTEGER = {"interface_version", "addr_ton", "addr_npi", "source_addr_ton", "source_addr_npi",
           "dest_addr_ton", "dest_addr_npi", "esme_addr_ton", "esme_addr_npi", "protocol_id",
           "priority_flag", "data_coding", "sm_default_msg_id", "sm_length", "message_state",
           "error_code", "number_of_dests", "no_unsuccess", "esm_class", "registered_delivery",
           "replace_if_present_flag"}
OCTET_STRING = {"message": "SHORTMESSAGE"}
# tshark splits these one-octet fields into bit fields; the octet is whole in the PDU.
BIT_FIELD_GROUPS = {"esm": "esm_class", "regdel": "registered_delivery",
                    "replace_if_present_flag": "replace_if_present_flag"}
# TLVs typed Integer in SMPP 3.4/5.0 (the rest print as escaped octets, C-Octet strings without NUL).
TLV_INTEGER = {"sc_interface_version", "user_message_reference", "source_port", "destination_port",
               "sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum", "more_messages_to_send",
               "payload_type", "privacy_indicator", "user_response_code", "language_indicator",
               "ms_availability_status", "message_state", "ms_msg_wait_facilities", "sms_signal",
               "dest_addr_subunit", "source_addr_subunit", "dest_network_type", "source_network_type",
               "dest_bearer_type", "source_bearer_type", "display_time", "ms_validity",
               "number_of_messages", "qos_time_to_live", "delivery_failure_reason",
               "dpf_result", "set_dpf", "callback_num_pres_ind", "its_reply_type"}
TLV_C_OCTET_STRING = {"receipted_message_id", "additional_status_info_text", "source_addr_np_information"}
HEADER = {"command_length", "command_id", "command_status", "sequence_number"}


def emg_key(name):
    return OCTET_STRING.get(name) or name.upper().replace("_", "")


class Problem(Exception):
    """tshark shows something this script cannot turn into an expectation."""


def raw_entries(layer_raw):
    """smpp_raw of a frame: one [hex, offset, ...] per PDU."""
    return layer_raw if isinstance(layer_raw[0], list) else [layer_raw]


def expected_fields(s, pdu, base):
    """(key, value) pairs of one PDU from tshark's fields: ints and strs."""
    fields = []
    bit_octets = {}
    for k, v in s.items():
        if not k.startswith("smpp.") or not k.endswith("_raw") or not isinstance(v, list):
            continue
        name = k[5:-4]
        if name in HEADER or name == "opt_params":
            continue
        offset, length, bitmask = v[1], v[2], v[3]
        octets = pdu[offset - base:offset - base + length]
        group = name.split(".")[0]
        if bitmask or group in BIT_FIELD_GROUPS:
            if group not in BIT_FIELD_GROUPS:
                raise Problem("bit field %s of no known octet" % name)
            bit_octets[BIT_FIELD_GROUPS[group]] = pdu[offset - base]
            continue
        if name.endswith("_r") and name[:-2] in C_OCTET_STRING:
            name = name[:-2]
        if name in C_OCTET_STRING:
            if not octets or octets[-1] != 0:
                raise Problem("%s has no NUL in tshark's octets" % name)
            if octets[:-1]:
                fields.append((emg_key(name), "***" if name == "password" else escape(octets[:-1])))
        elif name in INTEGER:
            if int.from_bytes(octets, "big"):
                fields.append((emg_key(name), int.from_bytes(octets, "big")))
        elif name in OCTET_STRING:
            if octets:
                fields.append((emg_key(name), escape(octets)))
        else:
            raise Problem("tshark field %s is in no table of this script" % k)
    for name, octet in bit_octets.items():
        if octet:
            fields.append((emg_key(name), octet))
    params = s.get("smpp.opt_params", {}).get("smpp.opt_param", [])
    for p in params if isinstance(params, list) else [params]:
        tag_raw, len_raw = p["smpp.opt_param_tag_raw"], p["smpp.opt_param_len_raw"]
        tag, vlen = int(tag_raw[0], 16), int(len_raw[0], 16)
        start = len_raw[1] - base + 2
        octets = pdu[start:start + vlen]
        names = [k[5:-4] for k in p if k.endswith("_raw") and k not in
                 ("smpp.opt_param_tag_raw", "smpp.opt_param_len_raw")]
        name = names[0].lower() if names else None
        if name is None or name.startswith("vendor") or name.startswith("opt_param"):
            fields.append(("TLV%04x" % tag, escape(octets)))
        elif name in TLV_INTEGER:
            fields.append((emg_key(name), int.from_bytes(octets, "big") if octets else ""))
        elif name in TLV_C_OCTET_STRING:
            fields.append((emg_key(name), escape(octets[:-1] if octets[-1:] == b"\0" else octets)))
        else:
            fields.append((emg_key(name), escape(octets)))
    return fields


def unknown_pdus(payload):
    """Cuts a TCP payload tshark did not read as SMPP into PDUs (header fields)."""
    pdus = []
    while len(payload) >= 16:
        n, cid, st, seq = struct.unpack(">IIII", payload[:16])
        if n < 16 or n > len(payload):
            raise Problem("undecoded payload with command_length %d" % n)
        pdus.append((payload[:n], cid, st, seq))
        payload = payload[n:]
    if payload:
        raise Problem("undecoded payload ends with %d stray octets" % len(payload))
    return pdus


def oracle_pdus(oracle, port, gateway):
    """Expected (after-instance text, json dict, stream, frame time, frame number) per PDU on port."""
    out = []
    for packet in oracle:
        layers = packet["_source"]["layers"]
        tcp = layers.get("tcp")
        if tcp is None or port not in (tcp["tcp.srcport"], tcp["tcp.dstport"]):
            continue
        to_port = tcp["tcp.dstport"] == port
        write = to_port if gateway == "client" else not to_port
        frame = layers["frame"]
        where = (int(tcp["tcp.stream"]), float(frame["frame.time_epoch"]), frame["frame.number"])
        items = []
        if "smpp" in layers:
            smpps = layers["smpp"] if isinstance(layers["smpp"], list) else [layers["smpp"]]
            raws = raw_entries(layers["smpp_raw"])
            if len(raws) != len(smpps):
                raise Problem("frame %s: %d smpp layers, %d raw" % (where[2], len(smpps), len(raws)))
            for s, r in zip(smpps, raws):
                pdu = bytes.fromhex(r[0])
                base = s["smpp.command_length_raw"][1]
                cid = int(s["smpp.command_id_raw"][0], 16)
                status = int(s["smpp.command_status_raw"][0], 16) if "smpp.command_status_raw" in s \
                    else struct.unpack(">I", pdu[8:12])[0]
                seq = int(s["smpp.sequence_number_raw"][0], 16)
                length = int(s["smpp.command_length_raw"][0], 16)
                opt = len(s["smpp.opt_params_raw"][0]) // 2 if "smpp.opt_params_raw" in s else 0
                if cid not in OPERATIONS:
                    raise Problem("frame %s: tshark decoded command_id 0x%08x" % (where[2], cid))
                items.append((cid, status, seq, length - 16 - opt, expected_fields(s, pdu, base)))
        elif "data" in layers:
            payload = bytes.fromhex(layers["data"]["data.data"].replace(":", ""))
            for pdu, cid, st, seq in unknown_pdus(payload):
                if cid in OPERATIONS:
                    raise Problem("frame %s: tshark did not decode a %s" % (where[2], OPERATIONS[cid]))
                body = pdu[16:]
                items.append((cid, st, seq, len(body), [("BODY", escape(body))] if body else []))
        for cid, status, seq, datalen, fields in items:
            direction = "Write" if write else "Read"
            text = "%s op:0x%08x (%s) status:%d trn:%d datalen:%d%s" % (
                direction, cid, OPERATIONS.get(cid, "UNKNOWN"), status, seq, datalen, render(fields))
            js = {"dir": direction.lower(), "op": "0x%08x" % cid, "name": OPERATIONS.get(cid, "UNKNOWN"),
                  "status": status, "trn": seq, "datalen": datalen, "fields": json_fields(fields)}
            out.append((text, js) + where)
    return out


def instances(pdus):
    """Per PDU: (instance by order of appearance, lowest free instance) of its TCP stream."""
    spans = {}
    for _, _, stream, t, _ in pdus:
        first, last = spans.get(stream, (t, t))
        spans[stream] = (min(first, t), max(last, t))
    by_order = {s: i for i, s in enumerate(sorted(spans, key=lambda s: spans[s][0]))}
    lowest = {}
    for s in sorted(spans, key=lambda s: spans[s][0]):
        held = {lowest[o] for o in lowest if spans[o][1] >= spans[s][0]}
        lowest[s] = min(i for i in range(len(spans) + 1) if i not in held)
    return [(by_order[p[2]], lowest[p[2]]) for p in pdus]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", required=True, help="tshark -T json -x --no-duplicate-keys output")
    ap.add_argument("--port", required=True, help="the connector's TCP port")
    ap.add_argument("--gateway", choices=("client", "server"), required=True,
                    help="the side the gateway plays on that port")
    ap.add_argument("--connector", required=True)
    ap.add_argument("--live", required=True, help="the live pdu log")
    ap.add_argument("--json", required=True, help="its JSON twin")
    ap.add_argument("--tool", required=True, help="emgdiag-pdu --pcap output for the port")
    a = ap.parse_args()
    passed = failed = 0

    def check(ok, what, details=()):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("PASS: %s" % what)
        else:
            failed += 1
            print("FAIL: %s" % what)
            for d in list(details)[:8]:
                print("  | %s" % d)

    def lines_of(path):
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                return f.read().splitlines()
        except OSError as e:
            print("  | cannot read %s: %s" % (path, e))
            return []

    c = a.connector
    try:
        with open(a.oracle) as f:
            pdus = oracle_pdus(json.load(f), a.port, a.gateway)
    except (Problem, OSError, ValueError, KeyError, IndexError) as e:
        check(False, "%s: tshark's decode of port %s turned into expected lines" % (c, a.port), [repr(e)])
        print("%d %d" % (passed, failed))
        return
    check(len(pdus) > 0, "%s: tshark shows SMPP traffic on port %s" % (c, a.port))
    inst = instances(pdus)
    live, twin, tool = lines_of(a.live), lines_of(a.json), lines_of(a.tool)

    def split_ts(line):
        return (line[:26], line[27:]) if len(line) > 27 and line[26] == " " else ("", line)

    # 1. One live line per PDU, each equal to the line written from tshark.
    # Order: the log records when the gateway handled a PDU, so a Write is
    # logged before its octets reach the wire and a Read after they arrived.
    # Each direction keeps wire order, and a Write that went out before a
    # Read came in is logged before it; the only freedom left is a Read that
    # arrived while the gateway was busy writing, logged after that Write.
    unknown = sum(1 for p in pdus if " (UNKNOWN) " in p[0])
    check(len(live) == len(pdus), "%s: pdu log has %d lines, tshark decodes %d SMPP PDUs on port %s "
          "(+ %d with a command_id unknown to tshark and SMPP)" % (c, len(live), len(pdus) - unknown, a.port, unknown))
    want_live = ["INFO  (%s,%d) %s" % (c, free, p[0]) for p, (_, free) in zip(pdus, inst)]
    queues = {d: [i for i, p in enumerate(pdus) if p[0].startswith(d + " ")] for d in ("Read", "Write")}
    matched, diffs = [], []   # matched[k]: the PDU index of live line k
    for k, line in enumerate(live):
        got = split_ts(line)[1]
        d = "Write" if ") Write " in got else "Read"
        if not queues[d]:
            diffs.append("line %d: %s line with no %s PDU left on the wire: '%s'" % (k + 1, d, d, got))
            break
        i = queues[d].pop(0)
        if got != want_live[i]:
            diffs.append("line %d (frame %s): log '%s', tshark '%s'" % (k + 1, pdus[i][4], got, want_live[i]))
            break
        if d == "Read" and queues["Write"] and queues["Write"][0] < i:
            j = queues["Write"][0]
            diffs.append("line %d: Read of frame %s logged before the Write of frame %s that preceded it"
                         " on the wire" % (k + 1, pdus[i][4], pdus[j][4]))
            break
        matched.append(i)
    for d, q in queues.items():
        if q and not diffs:
            diffs.append("%d %s PDU(s) on the wire not in the log, first frame %s: %s"
                         % (len(q), d, pdus[q[0]][4], want_live[q[0]]))
    check(not diffs, "%s: every line equals the one written from tshark's decode; each direction in wire "
          "order, no Read logged before a Write that preceded it" % c, diffs)

    # Timestamps: a Write no later than its frame, a Read no earlier (0.5 ms
    # slack), and within 2 s of it (opensmppbox polls its clients each second).
    late = []
    for k, i in enumerate(matched):
        ts, text, t, frame = split_ts(live[k])[0], pdus[i][0], pdus[i][3], pdus[i][4]
        try:
            delta = datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f").timestamp() - t
        except ValueError:
            late.append("line %d: no timestamp in '%s'" % (k + 1, live[k]))
            continue
        lag = delta if text.startswith("Read ") else -delta
        if lag < -0.0005 or lag > 2.0:
            late.append("line %d: logged %s, frame %s at %.6f (%+.6f s)" % (k + 1, ts, frame, t, delta))
    check(not late and matched, "%s: each Write logged before its frame went out, each Read after it came in"
          % c, late)

    # 2. emgdiag-pdu on the same capture: the tshark lines in wire order, and
    # line for line the live ones (its instances number TCP connections in
    # order of appearance; the live ones take the lowest free number).
    diffs = []
    if len(tool) != len(pdus):
        diffs.append("emgdiag-pdu printed %d lines, tshark decodes %d PDUs" % (len(tool), len(pdus)))
    for i, (p, (order, _)) in enumerate(zip(pdus, inst)):
        got = split_ts(tool[i])[1] if i < len(tool) else "<missing>"
        want = "INFO  (%s,%d) %s" % (c, order, p[0])
        if got != want:
            diffs.append("PDU %d (frame %s): emgdiag-pdu '%s', tshark '%s'" % (i, p[4], got, want))
    for k, i in enumerate(matched):
        if i < len(tool):
            order, free = inst[i]
            got = split_ts(tool[i])[1].replace("(%s,%d) " % (c, order), "(%s,%d) " % (c, free), 1)
            if got != split_ts(live[k])[1]:
                diffs.append("live line %d '%s', emgdiag-pdu '%s'" % (k + 1, split_ts(live[k])[1], got))
    check(not diffs, "%s: emgdiag-pdu --pcap gives the live log's lines (timestamps and instance aside)" % c,
          diffs)

    # 3. The JSON twin: one object per text line, holding the same line.
    objs, bad = [], []
    for k, line in enumerate(twin):
        try:
            o = json.loads(line)
            if not isinstance(o, dict):
                raise ValueError("not an object")
            objs.append(o)
        except ValueError as e:
            bad.append("line %d: %s: %s" % (k + 1, e, line[:120]))
    check(not bad and len(twin) == len(live), "%s: JSON twin has one valid object per text line (%d, %d)"
          % (c, len(twin), len(live)), bad)
    diffs = []
    for k, o in enumerate(objs):
        if k >= len(matched):
            diffs.append("object %d: no text line matched to a PDU" % (k + 1))
            continue
        i = matched[k]
        want = dict(pdus[i][1], connector=c, instance=inst[i][1])
        got = {key: v for key, v in o.items() if key != "ts"}
        if got != want:
            diffs.append("object %d: %s, tshark %s" % (k + 1, got, want))
        elif list(got["fields"]) != list(want["fields"]):
            diffs.append("object %d: fields in the order %s, the text line's order is %s"
                         % (k + 1, list(got["fields"]), list(want["fields"])))
        try:
            local = datetime.fromisoformat(o["ts"]).astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")
        except (KeyError, TypeError, ValueError) as e:
            local = "bad ts: %r" % e
        if local != split_ts(live[k])[0]:
            diffs.append("object %d: ts %s, text line %s" % (k + 1, o.get("ts"), split_ts(live[k])[0]))
    check(not diffs and objs, "%s: each JSON object has its text line's ts and exactly the connector, "
          "instance, dir, op, name, status, trn, datalen and fields (typed as tshark shows them, in the "
          "text's order) written from tshark's decode" % c, diffs)
    print("%d %d" % (passed, failed))


if __name__ == "__main__":
    main()
