#!/bin/bash
# Size rotation under traffic (docs/connector-log.md#rotation).  opensmppbox
# runs the module with <logs rotate-size="16K" keep="1000" compress="gzip">,
# the smallest size there is, and a node-smpp client (tests/peers/client.js)
# binds, submits SUBMITS messages through bearerbox to the SMSC peer and
# unbinds: its pdu log rotates many times while the session runs, and the
# gzip helper compresses behind it.  Then:
#  - the union of the rotated files (the gzipped ones inflated), oldest
#    first, then the current file, is every PDU the client recorded on the
#    wire exactly once, in order (each direction whole and in wire order);
#  - every rotated file is gzip, no plain rotated file or temporary file is
#    left, and none holds more than rotate-size octets;
#  - emgdiag-follow, given the connector's name, finds the one session
#    across the rotations with every one of its PDU lines; emgdiag-compare
#    reads the rotated history as one log and finds it equal to the union.
# Time budget: about 15 s (10 s here).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init rotation

FOLLOW=${EMGDIAG_FOLLOW:-$TOP/tools/emgdiag-follow}
COMPARE=${EMGDIAG_COMPARE:-$TOP/tools/emgdiag-compare}
SUBMITS=800
LIMIT=16384
P=$TOP/tests/peers

OSB_PORT=$(it_port)
box_upstream

L=$IT_DIR/logs
mkdir -p "$L"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L" rotate-size="16K" keep="1000" compress="gzip"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
echo "rot1 pw1 x" >"$IT_DIR/logins"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
sed -i 's/^log-level = 0$/log-level = 2/' "$IT_DIR/osb.conf" "$IT_DIR/bb.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"

it_start client node "$P/client.js" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id rot1 --password pw1 --submit "$SUBMITS" --unbind
it_wait_exit client 60
it_assert_eq "$(peer_field "$IT_DIR/client.out" unbind status)" 0 "the client submitted $SUBMITS messages and unbound with status 0"
it_wait_line "$L/connector.smpp-in" 'DISCONNECT' 10

# The last rotation's file is compressed within a few seconds.
for ((t = 0; t < 200; t++)); do
    plain=$(find "$L" -name 'pdu.smpp-in.[0-9]*' ! -name '*.gz' | wc -l)
    [ "$plain" -eq 0 ] && break
    sleep 0.1
done
it_stop osb
it_stop bb

rotated=$(find "$L" -name 'pdu.smpp-in.[0-9]*.gz' | wc -l)
echo "pdu.smpp-in rotated $rotated times"
[ "$rotated" -ge 10 ] && it_pass "the pdu log rotated many times during the session ($rotated)" ||
    it_fail "the pdu log rotated $rotated times, expected at least 10"
it_assert_eq "$(find "$L" -name 'pdu.smpp-in.[0-9]*' ! -name '*.gz' | wc -l)" 0 "no plain rotated file left: each was compressed, then removed"
it_assert_eq "$(find "$L" -name '.*gz-tmp' | wc -l)" 0 "no temporary file of the gzip helper left"
it_assert_eq "$(find "$L" -name 'general.[0-9]*' -o -name 'security.[0-9]*' | wc -l)" 0 "general and security never rotate by size"

U=$IT_DIR/union
: >"$U"
bad=0
big=0
for ((n = rotated; n >= 1; n--)); do
    f=$L/pdu.smpp-in.$n.gz
    if ! gzip -t "$f" 2>/dev/null; then
        bad=$((bad + 1))
        continue
    fi
    size=$(gzip -dc "$f" | wc -c)
    [ "$size" -gt "$LIMIT" ] && big=$((big + 1))
    gzip -dc "$f" >>"$U"
done
cat "$L/pdu.smpp-in" >>"$U"
it_assert_eq "$bad" 0 "every rotated file, .1.gz to .$rotated.gz, is valid gzip"
it_assert_eq "$big" 0 "no rotated file holds more than rotate-size ($LIMIT) octets"

E=$IT_DIR/expected
: >"$E"
peer_pdus "$E" "$IT_DIR/client.out" --connector smpp-in --instance 0
it_assert_eq "$(wc -l <"$U")" "$(wc -l <"$E")" "the union of the rotated files has one line per PDU on the wire ($(wc -l <"$E"))"
it_assert_file_directions "$U" "$E" \
    "the union of the rotated files, oldest first, is every PDU on the wire exactly once, in order"

# emgdiag-follow: the one session of instance 0, across every rotation.
"$FOLLOW" --dir "$L" smpp-in 0 >"$IT_DIR/follow.out" 2>"$IT_DIR/follow.err"
rc=$?
it_assert_eq "$rc" 0 "emgdiag-follow reads the rotated history (exit 0; stderr: $(head -c 200 "$IT_DIR/follow.err"))"
it_assert_eq "$(grep -c '(smpp-in,0)' "$IT_DIR/follow.out")" "$(wc -l <"$E")" \
    "emgdiag-follow: the session spanning the rotations is one session with every PDU line"
it_assert_eq "$(grep -cE '\(0\) (CONNECT|LOGIN|DISCONNECT)' "$IT_DIR/follow.out")" 3 \
    "emgdiag-follow: the session's CONNECT, LOGIN and DISCONNECT"

# emgdiag-compare: the history read as one log equals the union.
"$COMPARE" "$L/pdu.smpp-in" "$U" >"$IT_DIR/compare.out" 2>&1
it_assert_eq "$?" 0 "emgdiag-compare: the rotated history (gzip included) equals the union ($(tail -n 3 "$IT_DIR/compare.out" | tr '\n' ' '))"
# ... and a rotated file given by name, compressed, against its own text.
gzip -dc "$L/pdu.smpp-in.1.gz" >"$IT_DIR/one"
"$COMPARE" "$L/pdu.smpp-in.1.gz" "$IT_DIR/one" >"$IT_DIR/compare1.out" 2>&1
it_assert_eq "$?" 0 "emgdiag-compare reads an explicit .gz file"

it_summary
