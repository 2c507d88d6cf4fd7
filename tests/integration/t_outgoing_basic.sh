#!/bin/bash
# Outgoing connectors (bearerbox smsc = smpp) against a real SMSC peer
# (Net::SMPP, tests/peers/smsc.pl): the connector log records each connect
# and bind outcome as docs/connector-log.md#connector-log says, and the pdu log has every PDU
# of each session.  Each log is compared whole, line by line and in order,
# with a file written from the docs, from what each peer is told to answer
# and from the PDUs the peers recorded on the wire.
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
# Every other session is tried once: Kannel gives up for good on 14 and 15,
# and a reconnect-delay longer than the test keeps the others to one
# session each, so every file below has a known number of lines.
ONCE="reconnect-delay = 60"
box_smsc_smpp "$IT_DIR/kannel.conf" badpw "${PORT[badpw]}" user secret "transceiver-mode = true" "$ONCE"
box_smsc_smpp "$IT_DIR/kannel.conf" badid "${PORT[badid]}" user secret "transceiver-mode = true" "$ONCE"
box_smsc_smpp "$IT_DIR/kannel.conf" st13 "${PORT[st13]}" user secret "transceiver-mode = true" "$ONCE"
box_smsc_smpp "$IT_DIR/kannel.conf" close "${PORT[close]}" user secret "transceiver-mode = true" "$ONCE"
box_smsc_smpp "$IT_DIR/kannel.conf" unbind "${PORT[unbind]}" user secret "transceiver-mode = true" "$ONCE"
box_smsc_smpp "$IT_DIR/kannel.conf" silent "${PORT[silent]}" user secret "transceiver-mode = true" "connection-timeout = 3" "enquire-link-interval = 2" "$ONCE"
box_smsc_smpp "$IT_DIR/kannel.conf" closed "$CLOSED_PORT" user secret "transceiver-mode = true" "$ONCE"

box_start bb "$IT_DIR/kannel.conf"
L=$IT_DIR/logs

# Wait for each session's outcome (synchronisation only: the checks are the
# whole-file comparisons after shutdown).
it_wait_line "$L/connector.out-ok" "^$TS \(0\) LOGIN OK" 20
for c in badpw badid st13; do it_wait_line "$L/connector.$c" 'LOGIN' 20; done
it_wait_line "$L/connector.closed" 'CONNECT' 20
for c in close unbind silent; do it_wait_line "$L/connector.$c" 'DISCONNECT' 20; done

# Shutting bearerbox down unbinds the bound session (out-ok) cleanly; then
# every peer has seen the end of its connection.
it_stop bb
for peer in ok badpw badid st13 close unbind silent; do
    peer_wait_closed "$IT_DIR/smsc_$peer.out" 10
done

# The peers were told what to answer; the expected connector logs follow
# docs/connector-log.md#connector-log for each outcome:
#  - accepted: CONNECT OK without info, LOGIN OK "<status> <system_id of
#    the response>"; the shutdown's unbind exchange is DISCONNECT OK;
#  - refused (wrong password 14, wrong system id 15, bind failed 13): LOGIN
#    ERR with the response's command_status in decimal, then DISCONNECT ERR
#    login-failed;
#  - nothing listens: CONNECT ERR 111 (ECONNREFUSED) and nothing else;
#  - the SMSC closes after a good bind: DISCONNECT ERR peer-closed;
#  - the SMSC unbinds: a clean unbind exchange is DISCONNECT OK;
#  - the bind is never answered: no LOGIN line, DISCONNECT ERR timeout.
# The XML names out-ok; the other connectors log under their smsc-id.
E=$IT_DIR/expected
mkdir -p "$E"
# connector NAME WHAT LINE...: connector.NAME is exactly the LINEs.
connector() {
    local c=$1 what=$2
    shift 2
    printf '%s\n' "$@" >"$E/connector.$c"
    it_assert_file "$L/connector.$c" "$E/connector.$c" "$what: connector.$c is $(printf '%s; ' "$@" | cut -c1-200)"
}
connector out-ok "accepted bind, shut down" '(0) CONNECT OK' '(0) LOGIN OK (info="0 SMSC-A")' '(0) DISCONNECT OK'
connector badpw "wrong password" '(0) CONNECT OK' '(0) LOGIN ERR (info="14")' '(0) DISCONNECT ERR (info="login-failed")'
connector badid "wrong system id" '(0) CONNECT OK' '(0) LOGIN ERR (info="15")' '(0) DISCONNECT ERR (info="login-failed")'
connector st13 "bind failed" '(0) CONNECT OK' '(0) LOGIN ERR (info="13")' '(0) DISCONNECT ERR (info="login-failed")'
connector closed "closed port" '(0) CONNECT ERR (info="111")'
connector close "peer closes" '(0) CONNECT OK' '(0) LOGIN OK (info="0 SMSC-C")' '(0) DISCONNECT ERR (info="peer-closed")'
connector unbind "SMSC unbinds" '(0) CONNECT OK' '(0) LOGIN OK (info="0 smsc")' '(0) DISCONNECT OK'
connector silent "no bind response" '(0) CONNECT OK' '(0) DISCONNECT ERR (info="timeout")'
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/emg.xml\"" >"$E/general"
it_assert_file "$L/general" "$E/general" "general: CONFIG LOADED, nothing else"

# The pdu logs: one line per PDU each SMSC peer exchanged with bearerbox,
# written from the octets it recorded (the bind written with its fields
# sorted and the password masked, the responses read; the unbind
# exchanges of "unbind" (the SMSC's) and "out-ok" (bearerbox's, at
# shutdown)).  The bind that was never answered is a lone Write.
for peer in ok badpw badid st13 close unbind silent; do
    c=$peer
    [ "$peer" = ok ] && c="out-ok"
    : >"$E/pdu.$c"
    peer_pdus "$E/pdu.$c" "$IT_DIR/smsc_$peer.out" --connector "$c" --instance 0
    it_assert_file "$L/pdu.$c" "$E/pdu.$c" "pdu.$c: every PDU the SMSC exchanged, in order"
done
# No other file: no pdu log for the connector that never connected, no
# security log (refusals of outgoing logins are the SMSC's decision).
it_assert_files "$L" "log directory: exactly the expected files" \
    general connector.{out-ok,badpw,badid,st13,closed,close,unbind,silent} \
    pdu.{out-ok,badpw,badid,st13,close,unbind,silent}

# Files are created mode 0640 (pdu logs hold message text).
it_assert_eq "$(stat -c %a "$L/pdu.out-ok")" 640 "pdu log mode 0640"

it_summary
