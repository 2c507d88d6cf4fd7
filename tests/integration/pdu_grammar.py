"""pdu_grammar.py: the pdu-log line of docs/pdu-log.md, written from a PDU's octets.

The integration tests expect the module's pdu log from what crossed the
wire.  tshark_compare.py starts from tshark's decode; wire_expect.py starts
from the octets a test peer (tests/peers/) sent and received.  Both end here:
the command names, the escaping, the sorting of fields and the JSON twin's
object, as docs/pdu-log.md gives them.  The decoder below reads the SMPP 3.4
mandatory layouts (SMPP 3.4 section 4) and TLVs; it shares no code with the
module's decoder, and anything it has no rule for is an error (Problem), never a
guess.
"""
import re
import struct

# Command names (SMPP 3.4 §5.1.2.1 and 5.0 §4.7.5), as docs/pdu-log.md prints them.
OPERATIONS = {
    0x80000000: "GENERIC_NACK", 0x00000001: "BIND_RECEIVER", 0x00000002: "BIND_TRANSMITTER",
    0x00000003: "QUERY_SM", 0x00000004: "SUBMIT_SM", 0x00000005: "DELIVER_SM",
    0x00000006: "UNBIND", 0x00000007: "REPLACE_SM", 0x00000008: "CANCEL_SM",
    0x00000009: "BIND_TRANSCEIVER", 0x0000000B: "OUTBIND", 0x00000015: "ENQUIRE_LINK",
    0x00000021: "SUBMIT_MULTI", 0x00000102: "ALERT_NOTIFICATION", 0x00000103: "DATA_SM",
    0x00000111: "BROADCAST_SM", 0x00000112: "QUERY_BROADCAST_SM", 0x00000113: "CANCEL_BROADCAST_SM",
}
for _cid in [c for c in OPERATIONS if c not in (0x80000000, 0x0000000B, 0x00000102)]:
    OPERATIONS[_cid | 0x80000000] = OPERATIONS[_cid] + "_RESP"

# Mandatory parts (SMPP 3.4 §4): (field, type); "c" C-Octet String, "1"
# one-octet Integer, "sm" the short_message of sm_length octets.
_BIND = [("system_id", "c"), ("password", "c"), ("system_type", "c"), ("interface_version", "1"),
         ("addr_ton", "1"), ("addr_npi", "1"), ("address_range", "c")]
_SM = [("service_type", "c"), ("source_addr_ton", "1"), ("source_addr_npi", "1"), ("source_addr", "c"),
       ("dest_addr_ton", "1"), ("dest_addr_npi", "1"), ("destination_addr", "c"), ("esm_class", "1"),
       ("protocol_id", "1"), ("priority_flag", "1"), ("schedule_delivery_time", "c"),
       ("validity_period", "c"), ("registered_delivery", "1"), ("replace_if_present_flag", "1"),
       ("data_coding", "1"), ("sm_default_msg_id", "1"), ("sm_length", "1"), ("short_message", "sm")]
LAYOUTS = {
    0x00000001: _BIND, 0x00000002: _BIND, 0x00000009: _BIND,
    0x80000001: [("system_id", "c")], 0x80000002: [("system_id", "c")], 0x80000009: [("system_id", "c")],
    0x0000000B: [("system_id", "c"), ("password", "c")],
    0x00000006: [], 0x80000006: [], 0x00000015: [], 0x80000015: [], 0x80000000: [],
    0x00000004: _SM, 0x00000005: _SM,
    0x80000004: [("message_id", "c")], 0x80000005: [("message_id", "c")], 0x80000103: [("message_id", "c")],
    0x00000103: [("service_type", "c"), ("source_addr_ton", "1"), ("source_addr_npi", "1"),
                 ("source_addr", "c"), ("dest_addr_ton", "1"), ("dest_addr_npi", "1"),
                 ("destination_addr", "c"), ("esm_class", "1"), ("registered_delivery", "1"),
                 ("data_coding", "1")],
    0x00000003: [("message_id", "c"), ("source_addr_ton", "1"), ("source_addr_npi", "1"),
                 ("source_addr", "c")],
    0x80000003: [("message_id", "c"), ("final_date", "c"), ("message_state", "1"), ("error_code", "1")],
    0x00000008: [("service_type", "c"), ("message_id", "c"), ("source_addr_ton", "1"),
                 ("source_addr_npi", "1"), ("source_addr", "c"), ("dest_addr_ton", "1"),
                 ("dest_addr_npi", "1"), ("destination_addr", "c")],
    0x80000008: [], 0x80000007: [],
    0x00000102: [("source_addr_ton", "1"), ("source_addr_npi", "1"), ("source_addr", "c"),
                 ("esme_addr_ton", "1"), ("esme_addr_npi", "1"), ("esme_addr", "c")],
}

# TLVs by tag (SMPP 3.4 §5.3.2): name and type ("int" Integer, "c" C-Octet
# String, "o" Octet String).  A tag missing here is a Problem, not a guess.
TLVS = {
    0x0005: ("dest_addr_subunit", "int"), 0x0006: ("dest_network_type", "int"),
    0x0007: ("dest_bearer_type", "int"), 0x000D: ("source_addr_subunit", "int"),
    0x000E: ("source_network_type", "int"), 0x000F: ("source_bearer_type", "int"),
    0x0017: ("qos_time_to_live", "int"), 0x0019: ("payload_type", "int"),
    0x001D: ("additional_status_info_text", "c"), 0x001E: ("receipted_message_id", "c"),
    0x0030: ("ms_msg_wait_facilities", "int"), 0x0201: ("privacy_indicator", "int"),
    0x0202: ("source_subaddress", "o"), 0x0203: ("dest_subaddress", "o"),
    0x0204: ("user_message_reference", "int"), 0x0205: ("user_response_code", "int"),
    0x020A: ("source_port", "int"), 0x020B: ("destination_port", "int"),
    0x020C: ("sar_msg_ref_num", "int"), 0x020D: ("language_indicator", "int"),
    0x020E: ("sar_total_segments", "int"), 0x020F: ("sar_segment_seqnum", "int"),
    0x0210: ("sc_interface_version", "int"), 0x0302: ("callback_num_pres_ind", "int"),
    0x0303: ("callback_num_atag", "o"), 0x0304: ("number_of_messages", "int"),
    0x0381: ("callback_num", "o"), 0x0420: ("dpf_result", "int"), 0x0421: ("set_dpf", "int"),
    0x0422: ("ms_availability_status", "int"), 0x0423: ("network_error_code", "o"),
    0x0424: ("message_payload", "o"), 0x0425: ("delivery_failure_reason", "int"),
    0x0426: ("more_messages_to_send", "int"), 0x0427: ("message_state", "int"),
    0x1201: ("display_time", "int"), 0x1203: ("sms_signal", "int"), 0x1204: ("ms_validity", "int"),
    0x1380: ("its_reply_type", "int"), 0x1383: ("its_session_info", "o"),
}


# The keys a pdu line can print: every field and TLV name above, those of
# submit_multi and its response, BODY and ERROR; and TLV + 4 hex digits.
KEYS = ({name.upper().replace("_", "") for layout in LAYOUTS.values() for name, _ in layout}
        | {name.upper().replace("_", "") for name, _ in TLVS.values()}
        | {"SHORTMESSAGE", "DESTADDRESS", "UNSUCCESSSME", "NUMBEROFDESTS", "NOUNSUCCESS", "BODY", "ERROR"})
KEY_AFTER_SPACE = re.compile(r" (?=([A-Za-z0-9]+):)")


class Problem(Exception):
    """Octets this module has no rule for: the test cannot expect a line for them."""


# <logs pdu-value-max>'s default: the module cuts longer values (emgdiag-pdu does not).
MODULE_VALUE_MAX = 1024


def escape(octets, value_max=0):
    """A string value as docs/pdu-log.md prints it: octets escaped, then each
    space that would start a field (a space, a printable key and ':')
    written \\x20; past value_max octets (0: no limit) the value is cut and
    \\[+N octets] says how many were left out."""
    out = []
    cut = 0
    if value_max and len(octets) > value_max:
        octets, cut = octets[:value_max], len(octets) - value_max
    for b in octets:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    text = KEY_AFTER_SPACE.sub(lambda m: "\\x20" if is_key(m.group(1)) else " ", "".join(out))
    return text + ("\\[+%d octets]" % cut if cut else "")


def is_key(word):
    return word in KEYS or re.fullmatch(r"TLV[0-9a-f]{4}", word) is not None


def emg_key(name):
    """SMPP field name -> KEY: upper case, underscores removed."""
    return name.upper().replace("_", "")


def render(fields):
    """' KEY:value' for each field, sorted by KEY as strcmp sorts, stable."""
    return "".join(" %s:%s" % kv for kv in sorted(fields, key=lambda kv: kv[0].encode()))


def json_fields(fields):
    """The JSON twin's "fields": KEY -> value in text order, repeats as arrays."""
    d = {}
    for k, v in sorted(fields, key=lambda kv: kv[0].encode()):
        if k in d:
            d[k] = (d[k] if isinstance(d[k], list) else [d[k]]) + [v]
        else:
            d[k] = v
    return d


def decode(pdu, passwords="masked", value_max=MODULE_VALUE_MAX):
    """(command_id, status, sequence, datalen, fields) of one whole PDU.

    fields are (KEY, value) pairs, ints for Integers and escaped text for
    the rest, leaving out what docs/pdu-log.md leaves out.
    """
    if len(pdu) < 16:
        raise Problem("PDU of %d octets" % len(pdu))
    length, cid, status, seq = struct.unpack(">IIII", pdu[:16])
    if length != len(pdu):
        raise Problem("command_length %d but %d octets" % (length, len(pdu)))
    body = pdu[16:]
    if cid not in OPERATIONS:
        return cid, status, seq, len(body), [("BODY", escape(body, value_max))] if body else []
    if cid & 0x80000000 and not body:
        return cid, status, seq, 0, []
    if cid not in LAYOUTS:
        raise Problem("no layout here for %s" % OPERATIONS[cid])
    fields, pos, sm_length = [], 0, 0
    for name, kind in LAYOUTS[cid]:
        if kind == "c":
            end = body.find(b"\0", pos)
            if end < 0:
                raise Problem("%s of %s has no NUL" % (name, OPERATIONS[cid]))
            value, pos = body[pos:end], end + 1
            if value:
                masked = name == "password" and passwords != "clear"
                fields.append((emg_key(name), "***" if masked else escape(value, value_max)))
        elif kind == "1":
            if pos >= len(body):
                raise Problem("%s of %s runs past the end" % (name, OPERATIONS[cid]))
            value, pos = body[pos], pos + 1
            if name == "sm_length":
                sm_length = value
            if value:
                fields.append((emg_key(name), value))
        else:
            value, pos = body[pos:pos + sm_length], pos + sm_length
            if len(value) != sm_length:
                raise Problem("short_message runs past the end")
            if value:
                fields.append((emg_key(name), escape(value, value_max)))
    datalen = pos
    while pos < len(body):
        if pos + 4 > len(body):
            raise Problem("TLV header runs past the end")
        tag, tlen = struct.unpack(">HH", body[pos:pos + 4])
        value, pos = body[pos + 4:pos + 4 + tlen], pos + 4 + tlen
        if len(value) != tlen:
            raise Problem("TLV 0x%04x runs past the end" % tag)
        if tag not in TLVS:
            raise Problem("no rule here for TLV 0x%04x" % tag)
        name, kind = TLVS[tag]
        if kind == "int" and tlen <= 8:
            fields.append((emg_key(name), int.from_bytes(value, "big")))
        elif kind == "c":
            fields.append((emg_key(name), escape(value.split(b"\0", 1)[0], value_max)))
        else:
            fields.append((emg_key(name), escape(value, value_max)))
    return cid, status, seq, datalen, fields


def line(pdu, direction, connector, instance, passwords="masked"):
    """The pdu-log line of one PDU, timestamp left out; direction "Read" or "Write"."""
    cid, status, seq, datalen, fields = decode(pdu, passwords)
    return "INFO  (%s,%s) %s op:0x%08x (%s) status:%d trn:%d datalen:%d%s" % (
        connector, instance, direction, cid, OPERATIONS.get(cid, "UNKNOWN"), status, seq, datalen,
        render(fields))


def json_object(pdu, direction, connector, instance, passwords="masked"):
    """The JSON twin's object of one PDU, ts left out."""
    cid, status, seq, datalen, fields = decode(pdu, passwords)
    return {"connector": connector, "instance": instance, "dir": direction.lower(),
            "op": "0x%08x" % cid, "name": OPERATIONS.get(cid, "UNKNOWN"), "status": status,
            "trn": seq, "datalen": datalen, "fields": json_fields(fields)}
