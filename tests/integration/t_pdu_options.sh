#!/bin/bash
# The pdu log's options and its handling of what Kannel cannot read, live in
# bearerbox against a raw SMSC written here (a few lines of Perl on a plain
# socket, so it can send what no SMPP library would):
#   - <logs pdu-skip="ENQUIRE_LINK ENQUIRE_LINK_RESP"> leaves those out;
#   - <connector pdu-log="off"> writes no pdu log, but its connector log;
#   - <logs passwords="clear"> prints the password; timezone="utc";
#   - a command_length Kannel rejects gives docs/pdu-log.md's line, at most 10 a
#     second per session, the rest counted in general as SUPPRESSED;
#   - a command_id nobody knows prints UNKNOWN with its BODY.
# Every log is compared whole with a file written from docs/pdu-log.md,
# docs/connector-log.md and the octets the raw SMSC recorded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init pdu_options


# raw_smsc.pl PORT MODE: answers one bind_transceiver with status 0 and
# system_id "RAW", then per MODE:
#   garbage: 15 four-octet lengths of 8 (under SMPP's 16) in one write, then
#            one PDU with command_id 0x000000ab and body "hi", then an
#            enquire_link; keeps the connection until the peer closes it.
#   quiet:   answers enquire_link and unbind until the peer closes.
# It records the wire as smsc.pl does (tests/peers/smsc.pl): CONNECT, one
# "PDU <peer> in|out <hex>" line per PDU, "RAW <peer> out <hex>" for octets
# that are no PDU, CLOSED.
cat >"$IT_DIR/raw_smsc.pl" <<'PERL'
use strict; use warnings; use IO::Socket::INET;
my ($port, $mode) = @ARGV;
my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port, Listen => 5, ReuseAddr => 1) or die "$!";
$| = 1; print "LISTENING $port\n";
my $peer;
sub pdu { my ($id, $st, $seq, $body) = @_; pack("NNNN", 16 + length $body, $id, $st, $seq) . $body }
sub send_pdu { my ($c, $p) = @_; print "PDU $peer out ", unpack("H*", $p), "\n"; print $c $p }
sub readpdu { my $c = shift; my $h; return () unless read($c, $h, 16) == 16;
  my ($len, $id, $st, $seq) = unpack("NNNN", $h); my $b = ""; read($c, $b, $len - 16) if $len > 16;
  print "PDU $peer in ", unpack("H*", $h . $b), "\n";
  return ($id, $seq, $b) }
while (my $c = $l->accept) {
  $c->autoflush(1);
  $peer = $c->peerhost . ":" . $c->peerport; print "CONNECT $peer\n";
  my ($id, $seq) = readpdu($c) or next;
  send_pdu($c, pdu(0x80000009, 0, $seq, "RAW\0")); print "BOUND\n";
  if ($mode eq "garbage") {
    my $lengths = pack("N", 8) x 15;
    print "RAW $peer out ", unpack("H*", $lengths), "\n"; print $c $lengths;
    send_pdu($c, pdu(0x000000ab, 0, 77, "hi"));
    send_pdu($c, pdu(0x00000015, 0, 78, ""));
    print "SENT\n";
  }
  while (my ($rid, $rseq) = readpdu($c)) {
    send_pdu($c, pdu(0x80000015, 0, $rseq, "")) if $rid == 0x15;
    if ($rid == 0x06) { send_pdu($c, pdu(0x80000006, 0, $rseq, "")); last }
  }
  close $c; print "CLOSED $peer smsc\n";
}
PERL

G_PORT=$(it_port)
Q_PORT=$(it_port)
it_start raw_g perl "$IT_DIR/raw_smsc.pl" "$G_PORT" garbage
it_start raw_q perl "$IT_DIR/raw_smsc.pl" "$Q_PORT" quiet
it_wait_line "$IT_DIR/raw_g.out" '^LISTENING' 10
it_wait_line "$IT_DIR/raw_q.out" '^LISTENING' 10

mkdir -p "$IT_DIR/logs"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$IT_DIR/logs" passwords="clear" timezone="utc" pdu-skip="ENQUIRE_LINK ENQUIRE_LINK_RESP"/>
  <connector name="garbage" type="outgoing" smsc-id="g"/>
  <connector name="quiet" type="outgoing" smsc-id="q" pdu-log="off"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" g "$G_PORT" user pw1 "transceiver-mode = true" "reconnect-delay = 30"
box_smsc_smpp "$IT_DIR/kannel.conf" q "$Q_PORT" user pw2 "transceiver-mode = true" "enquire-link-interval = 1"
box_start bb "$IT_DIR/kannel.conf"
L=$IT_DIR/logs

it_wait_line "$IT_DIR/raw_g.out" '^SENT' 20
it_wait_line "$IT_DIR/raw_q.out" '^BOUND' 20
# Let the quiet session exchange enquire_links for a few seconds.
sleep 3
it_stop bb

# timezone="utc": the bind line's timestamp is within a minute of UTC now.
stamp=$(grep -m1 'BIND_TRANSCEIVER)' "$L/pdu.garbage" | cut -c1-19)
now=$(date -u +%s)
then=$(date -u -d "$stamp" +%s 2>/dev/null || echo 0)
if [ $((now - then)) -ge 0 ] && [ $((now - then)) -lt 120 ]; then
    it_pass "timezone=utc: stamp $stamp is UTC"
else
    it_fail "timezone=utc: stamp $stamp is $((now - then)) s from UTC now"
fi

# pdu.garbage, whole, in the order Kannel handles the wire (docs/pdu-log.md:
# "Order and timestamps"; each PDU line written from the octets raw_g
# recorded, with passwords="clear" and pdu-skip applied):
#  - the bind written (the password printed), its response read;
#  - for each of the 15 lengths Kannel rejects: the module's line for the 4
#    octets it was handed (docs/pdu-log.md#malformed-pdus-decided), then the
#    generic_nack Kannel answers it with -- but at most 10 such lines a
#    second per session: the 15 come in one write and are handled within a
#    millisecond or two, so the first 10 have their line and 5 are counted
#    in general (a second boundary falling inside that burst would split
#    them differently and fail this expectation);
#  - the PDU with a command_id nobody knows: UNKNOWN, datalen = body length,
#    BODY escaped, then Kannel's generic_nack (the 16th);
#  - the enquire_link and its response: left out (pdu-skip);
#  - the unbind bearerbox sends at shutdown, and its response.
E=$IT_DIR/expected
mkdir -p "$E"
peer_wait_closed "$IT_DIR/raw_g.out" 10
it_assert_eq "$(grep -Ec '^PDU [^ ]+ (out 0000001000000015|in 0000001080000015)' "$IT_DIR/raw_g.out")" 2 \
    "pdu-skip: an enquire_link and its response did cross the wire"
peer_pdus "$E/wire.garbage" "$IT_DIR/raw_g.out" --connector garbage --instance 0 \
    --passwords clear --skip ENQUIRE_LINK ENQUIRE_LINK_RESP
W=$E/wire.garbage
grep -F ' (GENERIC_NACK) ' "$W" >"$E/nacks"
it_assert_eq "$(wc -l <"$E/nacks")" 16 "raw_g received 16 generic_nacks (15 lengths, 1 unknown command)"
{
    grep -F ' (BIND_TRANSCEIVER' "$W"
    for ((i = 1; i <= 15; i++)); do
        [ "$i" -le 10 ] && echo "INFO  (garbage,0) Read op:0x00000000 (UNKNOWN) status:0 trn:0 datalen:0 ERROR:command_length 8 out of range"
        sed -n "${i}p" "$E/nacks"
    done
    grep -F ' Read op:0x000000ab ' "$W"
    sed -n 16p "$E/nacks"
    grep -F ' (UNBIND' "$W"
} >"$E/pdu.garbage"
it_assert_eq "$(grep -c . "$W")" 21 "raw_g saw the bind exchange, 16 generic_nacks, the unknown command and the unbind exchange"
it_assert_file "$L/pdu.garbage" "$E/pdu.garbage" \
    "pdu.garbage: clear password, 10 rejected-length lines, 16 generic_nacks, UNKNOWN with BODY, no ENQUIRE_LINK"
# general: the configuration, then the 5 rejected lengths the rate limit
# held back, counted when the session ended.
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/emg.xml\"" \
    'WARN  (garbage,0) SUPPRESSED count="5" reason="command_length out of range"' >"$E/general"
it_assert_file "$L/general" "$E/general" "general: CONFIG LOADED, then the 5 suppressed rejected lengths"
# Both sessions: bound by "RAW", unbound by bearerbox at shutdown.
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 RAW")' '(0) DISCONNECT OK' >"$E/connector"
it_assert_file "$L/connector.garbage" "$E/connector" "connector.garbage: one session, unbind at shutdown"
it_assert_file "$L/connector.quiet" "$E/connector" "pdu-log=off: connector.quiet still written, unbind at shutdown"
# pdu-log="off": no pdu log for quiet.
it_assert_files "$L" "pdu-log=off: no pdu.quiet; no other file" connector.garbage pdu.garbage connector.quiet general

it_summary
