#!/bin/bash
# Outgoing connectors (bearerbox smsc = smpp) against a real SMSC peer
# (Net::SMPP, tests/peers/smsc.pl): the connector log records each connect
# and bind outcome as docs/connector-log.md#connector-log says, and the pdu log has the bind exchange.
# Expected lines are written from the spec and from what each peer is told
# to answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init outgoing_basic

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

# One SMSC peer per behaviour.
declare -A PORT
for peer in ok badpw badid st13 close unbind silent; do PORT[$peer]=$(it_port); done
CLOSED_PORT=$(it_port) # nothing will listen here

it_start smsc_ok perl "$P/smsc.pl" --port "${PORT[ok]}" --system-id user --password secret --smsc-system-id SMSC-A
it_start smsc_badpw perl "$P/smsc.pl" --port "${PORT[badpw]}" --system-id user --password other
it_start smsc_badid perl "$P/smsc.pl" --port "${PORT[badid]}" --system-id someone --password secret
it_start smsc_st13 perl "$P/smsc.pl" --port "${PORT[st13]}" --system-id user --password secret --bind-status 13
it_start smsc_close perl "$P/smsc.pl" --port "${PORT[close]}" --system-id user --password secret --smsc-system-id SMSC-C --close-after-bind
it_start smsc_unbind perl "$P/smsc.pl" --port "${PORT[unbind]}" --system-id user --password secret --unbind-after 2
it_start smsc_silent perl "$P/smsc.pl" --port "${PORT[silent]}" --system-id user --password secret --no-bind-response
for peer in ok badpw badid st13 close unbind silent; do
    it_wait_line "$IT_DIR/smsc_$peer.out" '^LISTENING' 10
done

mkdir -p "$IT_DIR/logs"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$IT_DIR/logs"/>
  <connector name="out-ok" type="outgoing" smsc-id="ok"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" ok "${PORT[ok]}" user secret "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" badpw "${PORT[badpw]}" user secret "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" badid "${PORT[badid]}" user secret "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" st13 "${PORT[st13]}" user secret "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" close "${PORT[close]}" user secret "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" unbind "${PORT[unbind]}" user secret "transceiver-mode = true"
box_smsc_smpp "$IT_DIR/kannel.conf" silent "${PORT[silent]}" user secret "transceiver-mode = true" "connection-timeout = 3" "enquire-link-interval = 2"
box_smsc_smpp "$IT_DIR/kannel.conf" closed "$CLOSED_PORT" user secret "transceiver-mode = true"

box_start bb "$IT_DIR/kannel.conf"
L=$IT_DIR/logs

# Bind accepted: CONNECT OK without info, LOGIN OK with "<status> <system_id of the response>".
it_wait_line "$L/connector.out-ok" "^$TS \(0\) LOGIN OK" 20
it_assert_line "$L/connector.out-ok" "^$TS \(0\) CONNECT OK$" "accepted bind: CONNECT OK, no info"
it_assert_line "$L/connector.out-ok" "^$TS \(0\) LOGIN OK \(info=\"0 SMSC-A\"\)$" "accepted bind: LOGIN OK with the SMSC's system_id"
# The XML names this connector; the others log under their smsc-id.
it_assert_line "$L/pdu.out-ok" "^$TS INFO  \(out-ok,0\) Write op:0x00000009 \(BIND_TRANSCEIVER\) status:0 trn:[0-9]+ datalen:20 INTERFACEVERSION:52 PASSWORD:\*\*\* SYSTEMID:user SYSTEMTYPE:VMA$" \
    "pdu log: the bind written, fields sorted, password masked"
it_assert_line "$L/pdu.out-ok" "^$TS INFO  \(out-ok,0\) Read op:0x80000009 \(BIND_TRANSCEIVER_RESP\) status:0 trn:[0-9]+ datalen:7 SYSTEMID:SMSC-A$" \
    "pdu log: the bind response read"

# Refusals: LOGIN ERR with the response's command_status, in decimal.
it_wait_line "$L/connector.badpw" 'LOGIN' 20
it_assert_line "$L/connector.badpw" "^$TS \(0\) LOGIN ERR \(info=\"14\"\)$" "wrong password: LOGIN ERR 14"
it_wait_line "$L/connector.badid" 'LOGIN' 20
it_assert_line "$L/connector.badid" "^$TS \(0\) LOGIN ERR \(info=\"15\"\)$" "wrong system id: LOGIN ERR 15"
it_wait_line "$L/connector.st13" 'LOGIN' 20
it_assert_line "$L/connector.st13" "^$TS \(0\) LOGIN ERR \(info=\"13\"\)$" "bind failed: LOGIN ERR 13"
it_assert_line "$L/connector.badpw" "^$TS \(0\) DISCONNECT ERR \(info=\"login-failed\"\)$" "refused bind: DISCONNECT ERR login-failed"

# Nothing listens: CONNECT ERR with ECONNREFUSED (111), and no LOGIN line.
it_wait_line "$L/connector.closed" 'CONNECT' 20
it_assert_line "$L/connector.closed" "^$TS \(0\) CONNECT ERR \(info=\"111\"\)$" "closed port: CONNECT ERR 111"
it_assert_no_line "$L/connector.closed" 'LOGIN' "closed port: no LOGIN line"

# The SMSC closes the TCP connection after a good bind.
it_wait_line "$L/connector.close" 'DISCONNECT' 20
it_assert_line "$L/connector.close" "^$TS \(0\) LOGIN OK \(info=\"0 SMSC-C\"\)$" "peer closes: the bind was accepted"
it_assert_line "$L/connector.close" "^$TS \(0\) DISCONNECT ERR \(info=\"peer-closed\"\)$" "peer closes: DISCONNECT ERR peer-closed"

# The SMSC unbinds: a clean unbind exchange is DISCONNECT OK.
it_wait_line "$L/connector.unbind" 'DISCONNECT' 20
it_assert_line "$L/connector.unbind" "^$TS \(0\) DISCONNECT OK$" "SMSC unbinds: DISCONNECT OK"
it_assert_line "$L/pdu.unbind" "^$TS INFO  \(unbind,0\) Read op:0x00000006 \(UNBIND\) status:0 " "SMSC unbinds: unbind read"
it_assert_line "$L/pdu.unbind" "^$TS INFO  \(unbind,0\) Write op:0x80000006 \(UNBIND_RESP\) status:0 " "SMSC unbinds: unbind_resp written"

# The bind is never answered: DISCONNECT ERR timeout and no LOGIN line.
it_wait_line "$L/connector.silent" 'DISCONNECT' 20
it_assert_line "$L/connector.silent" "^$TS \(0\) DISCONNECT ERR \(info=\"timeout\"\)$" "no bind response: DISCONNECT ERR timeout"
it_assert_no_line "$L/connector.silent" 'LOGIN' "no bind response: no LOGIN line"

# Shutting bearerbox down unbinds the bound session cleanly.
it_stop bb
it_assert_line "$L/connector.out-ok" "^$TS \(0\) DISCONNECT OK$" "shutdown: unbind exchange, DISCONNECT OK"
it_assert_line "$L/general" "^$TS INFO  \(bearerbox\) CONFIG LOADED file=\"$IT_DIR/emg.xml\"$" "general: CONFIG LOADED"

# Files are created mode 0640 (pdu logs hold message text).
it_assert_eq "$(stat -c %a "$L/pdu.out-ok")" 640 "pdu log mode 0640"

it_summary
