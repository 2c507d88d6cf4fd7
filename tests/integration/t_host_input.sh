#!/bin/bash
# What opensmppbox does with unusual client input, from a raw client
# (host_rawclient.pl) that waits for each response:
#  - 100 enquire_links without a bind (patches 0014, 0015): the first 65
#    are each answered generic_nack with ESME_RINVBNDSTS (4) and their own
#    sequence number, and the connection is closed right after the 65th
#    response; with and without the module.
#  - binds whose system_id is empty, or 20 octets long (SMPP allows 15), with
#    a wrong password (patch 0005): the module's security log names the
#    system_id the client sent, escaped as docs/connector-log.md#connector-log
#    says (0x20-0x7E as they are except `\` and `"`, every other octet
#    \xHH), never "(null)".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init host_input

RAW=$TOP/tests/integration/host_rawclient.pl
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
LVL='[A-Z ]{5} '

box_upstream

L=$IT_DIR/logs
mkdir -p "$L"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
echo "known secret x" >"$IT_DIR/logins"

# expected_enquire N: the responses to N enquire_links, one per line.
expected_enquire() {
    local i
    for ((i = 1; i <= $1; i++)); do echo "RESP 0x80000000 4 $i"; done
}

# unbound NAME CONF: 100 enquire_links against the box of CONF.
unbound() {
    local name=$1 port=$2
    it_start "raw$name" perl "$RAW" "$port" enquire 100
    it_wait_exit "raw$name" 30
    it_assert_eq "$(grep -c '^RESP ' "$IT_DIR/raw$name.out")" 65 "$name: 65 of 100 enquire_links answered"
    it_assert_eq "$(grep '^RESP ' "$IT_DIR/raw$name.out")" "$(expected_enquire 65)" \
        "$name: each a generic_nack, status 4 (ESME_RINVBNDSTS), with its own sequence number"
    it_assert_eq "$(tail -n 1 "$IT_DIR/raw$name.out")" "EOF after 65 responses" \
        "$name: the connection is closed after the 65th response"
}

# ---------------------------------------------------------------------------
# Without the module.
PORT1=$(it_port)
box_osb_conf "$IT_DIR/stock.conf" "" "$PORT1" "$IT_DIR/logins"
sed -i "s|^log-file = .*|log-file = $IT_DIR/stock.log|" "$IT_DIR/stock.conf"
box_start osbstock "$IT_DIR/stock.conf" "$PORT1"
unbound "no module" "$PORT1"
it_assert_line "$IT_DIR/stock.log" 'client <127\.0\.0\.1> sent 65 PDUs without binding, closing' \
    "no module: opensmppbox says why it closed the client"
it_stop osbstock

# ---------------------------------------------------------------------------
# With the module.
PORT2=$(it_port)
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$PORT2" "$IT_DIR/logins"
box_start osb "$IT_DIR/osb.conf" "$PORT2"
unbound "module" "$PORT2"
# Before a bind the module writes 16 pdu lines in full and counts the rest
# (docs/pdu-log.md, "Before a bind"): of the 65 enquire_links and 65
# generic_nacks on the wire, the first 8 of each, in wire order, and one
# SUPPRESSED count of the other 114 when the connection ends.
expected_prebind() {
    local i
    for ((i = 1; i <= 8; i++)); do
        echo "INFO  (smpp-in,0) Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:$i datalen:0"
        echo "INFO  (smpp-in,0) Write op:0x80000000 (GENERIC_NACK) status:4 trn:$i datalen:0"
    done
}
it_wait_line "$L/general" 'SUPPRESSED count=' 10
it_assert_eq "$(cut -c28- "$L/pdu.smpp-in")" "$(expected_prebind)" \
    "module: the pdu log holds the first 16 PDUs before the bind, whole and in order"
it_assert_line "$L/general" "^$TS WARN  \(smpp-in,0\) SUPPRESSED count=\"$((65 + 65 - 16))\" reason=\"PDUs before bind\"$" \
    "module: the other 114 are one SUPPRESSED count in general"

# An empty system_id.
it_start empty perl "$RAW" "$PORT2" bind "" wrong
it_wait_exit empty 20
it_assert_eq "$(head -n 1 "$IT_DIR/empty.out")" "RESP 0x80000009 14 1" "empty system_id: bind refused with 14"
it_wait_line "$L/security" 'DENY LOGIN' 10
it_assert_line "$L/security" "^$TS ${LVL}\(smpp-in,[0-9]+\) DENY LOGIN system-id=\"\" address=\"127\.0\.0\.1\" status=\"14\" reason=\"credentials\" rule=\"smpp-logins\"$" \
    "empty system_id: DENY LOGIN system-id=\"\""

# 20 octets: long " sys \ id 0x01 0xE9 1234567.
LONG_HEX=$(printf 'long"sys\\id' | od -An -tx1 | tr -d ' \n')01e9$(printf '1234567' | od -An -tx1 | tr -d ' \n')
it_assert_eq "$((${#LONG_HEX} / 2))" 20 "the long system_id is 20 octets"
it_start long perl "$RAW" "$PORT2" bind "$LONG_HEX" wrong
it_wait_exit long 20
it_assert_eq "$(head -n 1 "$IT_DIR/long.out")" "RESP 0x80000009 14 1" "20-octet system_id: bind refused with 14"
it_wait_line "$L/security" 'DENY LOGIN system-id="long' 10
it_assert_line "$L/security" "^$TS ${LVL}\(smpp-in,[0-9]+\) DENY LOGIN system-id=\"long\\\\x22sys\\\\\\\\id\\\\x01\\\\x[eE]91234567\" address=\"127\.0\.0\.1\" status=\"14\" reason=\"credentials\" rule=\"smpp-logins\"$" \
    "20-octet system_id: DENY LOGIN with the 20 octets the client sent, escaped"
it_assert_no_line "$L/security" '\(null\)' "no (null) in the security log"
it_stop osb

it_summary
