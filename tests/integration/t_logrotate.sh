#!/bin/bash
# External rotation with the shipped contrib/logrotate/emgdiag, by Debian's
# logrotate (docs/connector-log.md#rotation, "From outside").  A bearerbox
# (outgoing connector "up" to the SMSC peer) and an opensmppbox (incoming
# "smpp-in") run the module on one log directory; a node-smpp client
# submits messages through opensmppbox and bearerbox to the SMSC while
# `logrotate -f` runs again and again with the shipped file: its first
# stanza as shipped (general, security), its commented per-connector
# stanza enabled for the four connector files; only the directory and the
# pid files' place are changed.  Then, for each box:
#  - the rotated pdu logs (logrotate's names: .1, then .2.gz, ...), oldest
#    first, then the current one, are every PDU the peer recorded on the
#    wire exactly once, in order;
#  - general, across its rotations, holds each box's CONFIG LOADED once and
#    one or two REOPEN lines per rotation and box: each stanza's postrotate
#    script signals both boxes, and two signals that come before the writer
#    thread acts on the first are one reopen.
# logrotate is skipped when it is not installed.  Time budget: about 30 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init logrotate

LOGROTATE=$(command -v logrotate || echo /usr/sbin/logrotate)
if [ ! -x "$LOGROTATE" ]; then
    it_skip "logrotate is not installed (build-aux/setup-debian.sh installs it)"
    it_summary
    exit 0
fi
P=$TOP/tests/peers
SUBMITS=1500
MAX_ROTATIONS=5 # the shipped file keeps 14

L=$IT_DIR/logs
mkdir -p "$L"
SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L"/>
  <connector name="up" type="outgoing" smsc-id="up"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/bb.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/bb.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
echo "rot1 pw1 x" >"$IT_DIR/logins"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
sed -i 's/^log-level = 0$/log-level = 2/' "$IT_DIR/osb.conf" "$IT_DIR/bb.conf"
box_start bb "$IT_DIR/bb.conf"
it_wait_line "$L/connector.up" 'LOGIN OK' 20
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"

# The shipped file, for this directory and these boxes' pid files (so the
# postrotate script never falls back to pidof, which would find the boxes
# of other tests).
PIDS=$IT_DIR/run
mkdir -p "$PIDS"
it_pid bb >"$PIDS/kannel_bearerbox.pid"
it_pid osb >"$PIDS/kannel_opensmppbox.pid"
# The commented stanza is the one after "Per-connector files": its lines
# are "#/...", "#{", "#    ...", "#}".
awk '/^# Per-connector files/ { second = 1 }
     second && /^#(\/|\{|\}|    )/ { sub(/^#/, "") }
     { print }' "$TOP/contrib/logrotate/emgdiag" |
    sed -e "s|/var/log/kannel/emg|$L|g" -e "s|/var/run/kannel|$PIDS|g" \
        -e "s|^$L/connector.CONNECTOR $L/pdu.CONNECTOR\$|$L/connector.up $L/pdu.up $L/connector.smpp-in $L/pdu.smpp-in|" \
        -e "s|^$L/pdu.CONNECTOR.jsonl\$|$L/pdu.up.jsonl $L/pdu.smpp-in.jsonl|" >"$IT_DIR/logrotate.conf"
if grep -v '^#' "$IT_DIR/logrotate.conf" | grep -q 'CONNECTOR'; then
    it_fail "the shipped file's per-connector stanza could not be filled in: $(grep CONNECTOR "$IT_DIR/logrotate.conf")"
fi

it_start client node "$P/client.js" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id rot1 --password pw1 --submit "$SUBMITS" --unbind
it_wait_line "$L/pdu.smpp-in" 'SUBMIT_SM' 20
rotations=0 lrfail=0
while kill -0 "$(it_pid client)" 2>/dev/null && [ $rotations -lt $MAX_ROTATIONS ]; do
    if "$LOGROTATE" -s "$IT_DIR/logrotate.state" -f "$IT_DIR/logrotate.conf" >>"$IT_DIR/logrotate.out" 2>&1; then
        rotations=$((rotations + 1))
    else
        lrfail=$((lrfail + 1))
        break
    fi
    sleep 0.4
done
it_wait_exit client 90
it_assert_eq "$lrfail" 0 "logrotate -f ran without error ($(tail -n 3 "$IT_DIR/logrotate.out" | tr '\n' ' '))"
[ $rotations -ge 2 ] && it_pass "logrotate -f rotated $rotations times while the client was submitting" ||
    it_fail "only $rotations rotations happened during the traffic (the client ended too soon)"
it_assert_eq "$(peer_field "$IT_DIR/client.out" unbind status)" 0 "the client submitted $SUBMITS messages and unbound with status 0"
for ((t = 0; t < 100; t++)); do # the session's end, in whichever file it went to
    cat "$L"/connector.smpp-in* 2>/dev/null | grep -q DISCONNECT && break
    sleep 0.1
done
it_stop osb
it_stop bb
peer_wait_closed "$IT_DIR/smsc.out" 10

# union FILE: FILE's history as logrotate names it, oldest first, inflated.
union() {
    local f=$1 n
    for ((n = 20; n >= 1; n--)); do
        if [ -f "$f.$n.gz" ]; then gzip -dc "$f.$n.gz"; fi
        if [ -f "$f.$n" ]; then cat "$f.$n"; fi
    done
    if [ -f "$f" ]; then cat "$f"; fi # none when nothing came after the last rotation
}
E=$IT_DIR/expected
mkdir -p "$E"
union "$L/pdu.smpp-in" >"$IT_DIR/union.smpp-in"
: >"$E/pdu.smpp-in"
peer_pdus "$E/pdu.smpp-in" "$IT_DIR/client.out" --connector smpp-in --instance 0
it_assert_file_directions "$IT_DIR/union.smpp-in" "$E/pdu.smpp-in" \
    "opensmppbox: pdu.smpp-in across $rotations logrotate rotations is every PDU on the wire exactly once, in order"
union "$L/pdu.up" >"$IT_DIR/union.up"
: >"$E/pdu.up"
peer_pdus "$E/pdu.up" "$IT_DIR/smsc.out" --connector up --instance 0
it_assert_file_directions "$IT_DIR/union.up" "$E/pdu.up" \
    "bearerbox: pdu.up across $rotations logrotate rotations is every PDU on the wire exactly once, in order"
[ -f "$L/pdu.smpp-in.1" ] && [ -f "$L/pdu.smpp-in.2.gz" ] &&
    it_pass "logrotate's names: the newest rotated file plain (delaycompress), older ones gzipped" ||
    it_fail "expected pdu.smpp-in.1 and pdu.smpp-in.2.gz: $(ls "$L" | tr '\n' ' ')"

union "$L/general" >"$IT_DIR/union.general"
it_assert_eq "$(grep -c 'INFO  (bearerbox) CONFIG LOADED' "$IT_DIR/union.general")" 1 "general: bearerbox's CONFIG LOADED once across the rotations"
it_assert_eq "$(grep -c 'INFO  (opensmppbox) CONFIG LOADED' "$IT_DIR/union.general")" 1 "general: opensmppbox's CONFIG LOADED once across the rotations"
for box in bearerbox opensmppbox; do
    n=$(grep -c "INFO  ($box) REOPEN" "$IT_DIR/union.general")
    [ "$n" -ge "$rotations" ] && [ "$n" -le $((2 * rotations)) ] &&
        it_pass "general: $n REOPEN lines of $box for $rotations rotations (postrotate signalled it)" ||
        it_fail "general: $n REOPEN lines of $box, expected $rotations to $((2 * rotations))"
done
union "$L/connector.smpp-in" >"$IT_DIR/union.connector"
it_assert_eq "$(grep -cE '\(0\) (CONNECT OK|LOGIN OK|DISCONNECT OK)' "$IT_DIR/union.connector") $(wc -l <"$IT_DIR/union.connector")" "3 3" \
    "connector.smpp-in across the rotations: the session's CONNECT, LOGIN, DISCONNECT once each, nothing else"

it_summary
