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
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init pdu_options

TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

# raw_smsc.pl PORT MODE: answers one bind_transceiver with status 0 and
# system_id "RAW", then per MODE:
#   garbage: 15 four-octet lengths of 8 (under SMPP's 16) in one write, then
#            one PDU with command_id 0x000000ab and body "hi", then an
#            enquire_link; keeps the connection until the peer closes it.
#   quiet:   answers enquire_link and unbind until the peer closes.
cat >"$IT_DIR/raw_smsc.pl" <<'PERL'
use strict; use warnings; use IO::Socket::INET;
my ($port, $mode) = @ARGV;
my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port, Listen => 5, ReuseAddr => 1) or die "$!";
$| = 1; print "LISTENING $port\n";
sub pdu { my ($id, $st, $seq, $body) = @_; pack("NNNN", 16 + length $body, $id, $st, $seq) . $body }
sub readpdu { my $c = shift; my $h; return undef unless read($c, $h, 16) == 16;
  my ($len, $id, $st, $seq) = unpack("NNNN", $h); my $b = ""; read($c, $b, $len - 16) if $len > 16;
  return ($id, $seq, $b) }
while (my $c = $l->accept) {
  my ($id, $seq) = readpdu($c) or next;
  print $c pdu(0x80000009, 0, $seq, "RAW\0"); print "BOUND\n";
  if ($mode eq "garbage") {
    print $c pack("N", 8) x 15;
    print $c pdu(0x000000ab, 0, 77, "hi");
    print $c pdu(0x00000015, 0, 78, "");
    print "SENT\n";
  }
  while (my ($rid, $rseq) = readpdu($c)) {
    print $c pdu(0x80000015, 0, $rseq, "") if $rid == 0x15;
    if ($rid == 0x06) { print $c pdu(0x80000006, 0, $rseq, ""); last }
  }
  close $c; print "CLOSED\n";
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

# passwords="clear": the bind shows the password itself.
it_assert_line "$L/pdu.garbage" " Write op:0x00000009 \(BIND_TRANSCEIVER\) status:0 trn:[0-9]+ datalen:[0-9]+ INTERFACEVERSION:52 PASSWORD:pw1 SYSTEMID:user SYSTEMTYPE:VMA$" \
    "passwords=clear: PASSWORD printed"
# timezone="utc": the bind line's timestamp is within a minute of UTC now.
stamp=$(grep -m1 'BIND_TRANSCEIVER)' "$L/pdu.garbage" | cut -c1-19)
now=$(date -u +%s)
then=$(date -u -d "$stamp" +%s 2>/dev/null || echo 0)
if [ $((now - then)) -ge 0 ] && [ $((now - then)) -lt 120 ]; then
    it_pass "timezone=utc: stamp $stamp is UTC"
else
    it_fail "timezone=utc: stamp $stamp is $((now - then)) s from UTC now"
fi

# docs/pdu-log.md#malformed-pdus-decided: a rejected command_length is one line with ERROR, at most 10 a second.
BAD="^$TS INFO  \(garbage,0\) Read op:0x00000000 \(UNKNOWN\) status:0 trn:0 datalen:0 ERROR:command_length 8 out of range$"
n=$(grep -Ec -- "$BAD" "$L/pdu.garbage")
if [ "$n" -ge 1 ] && [ "$n" -le 10 ]; then
    it_pass "rejected length: $n lines (1..10 in the first second)"
else
    it_fail "rejected length: $n lines, expected 1..10"
fi
# The rest is counted: lines + SUPPRESSED counts = 15 (all within a second or two).
supp=$(grep -E "^$TS WARN  \(garbage,0\) SUPPRESSED count=\"[0-9]+\" reason=\"command_length out of range\"$" "$L/general" |
    sed -E 's/.*count="([0-9]+)".*/\1/' | awk '{ s += $1 } END { print s + 0 }')
it_assert_eq "$((n + supp))" 15 "rejected length: lines ($n) + SUPPRESSED ($supp) = the 15 lengths sent"
# Kannel answers each, and the PDU it cannot unpack, with a generic_nack
# (ESME_RINVCMDLEN, 2, sequence 0: read_pdu's -2), logged as written: 15 + 1.
it_assert_eq "$(grep -Ec " Write op:0x80000000 \(GENERIC_NACK\) status:2 trn:0 datalen:0$" "$L/pdu.garbage")" 16 \
    "rejected length and unknown command: 16 generic_nacks written"
# An unknown command_id: UNKNOWN, datalen = body length, BODY escaped.
it_assert_line "$L/pdu.garbage" "^$TS INFO  \(garbage,0\) Read op:0x000000ab \(UNKNOWN\) status:0 trn:77 datalen:2 BODY:hi$" \
    "unknown command: UNKNOWN with BODY"
# pdu-skip: no enquire_link lines anywhere, though some were exchanged.
it_assert_no_line "$L/pdu.garbage" 'ENQUIRE_LINK' "pdu-skip: no ENQUIRE_LINK lines"
# pdu-log="off": no pdu log for quiet, but its connector log is there.
if [ -e "$L/pdu.quiet" ]; then it_fail "pdu-log=off: pdu.quiet exists"; else it_pass "pdu-log=off: no pdu.quiet"; fi
it_assert_line "$L/connector.quiet" "^$TS \(0\) LOGIN OK \(info=\"0 RAW\"\)$" "pdu-log=off: the connector log is still written"
it_assert_line "$L/connector.quiet" "^$TS \(0\) DISCONNECT OK$" "pdu-log=off: unbind at shutdown, DISCONNECT OK"

it_summary
