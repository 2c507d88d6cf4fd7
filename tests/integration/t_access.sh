#!/bin/bash
# Access lists (issue #4) enforced by the patched opensmppbox with the
# emgdiag module, against real clients from 127.0.0.1, 127.0.0.2 and ::1:
# the connector's <access> list at connect (a refused client is closed, has
# no CONNECT line and one DENY CONNECT line in `security`), the <users>
# lists at bind (status 14, or the connector's login-failure-status, LOGIN
# ERR, DENY LOGIN, the connection closed after the response), reloads on
# SIGHUP (a broken file keeps the old decisions), 50 concurrent clients, the
# rate limit on refused connects, and emgdiag-check agreeing with the box.
# Expected lines are written from docs/connector-log.md#connector-log and #security-and-general, docs/access-control.md,
# the XML this test writes (rule line numbers are looked up in it) and the
# PDUs the clients (and a tap in front of the bearerbox client) recorded.
# Every log is compared whole: opensmppbox's, section by section (each
# section's lines, whole and in order; where clients ran at once, session
# by session with their instance numbers free), and the bearerboxes'.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init access

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
LVL='[A-Z ]{5} ' # a level padded to five characters, then one space
: "${EMGDIAG_CHECK:?set EMGDIAG_CHECK to the emgdiag-check tool}"

if [ ! -d "$P/node_modules/smpp" ]; then
    (cd "$P" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi

# The line of FILE holding the fixed string TEXT (the first one).
line_of() {
    grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1
}

# Regex-quotes a string (for file paths inside expected lines).
rq() {
    printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|]/\\&/g'
}

# A bind of our own, to see what the server does *after* a refused bind:
# connects (from --local if given), sends bind_transceiver (SMPP 3.4) and
# prints "STATUS <n>" when the response comes, then "EOF <seconds>" when the
# server closes the connection, or "OPEN" if it is still open after WAIT
# seconds; "CLOSED" if it closes before answering, "NOCONNECT" if the TCP
# connect fails.  The PDU is built here octet by octet from SMPP 3.4 §4.1.5.
# It records the wire in TRACE as client.pl does (tests/peers/): a
# "connect" event, then one "pdu" event per PDU sent or received.
cat >"$IT_DIR/rawbind.pl" <<'PERL'
use strict; use warnings;
use IO::Socket::IP; use IO::Select; use Time::HiRes qw(time);
my ($host, $port, $local, $sysid, $pw, $wait, $trace) = @ARGV;
$| = 1;
open(my $tr, '>', $trace) or die "$trace: $!";
$tr->autoflush(1);
my %a = (PeerHost => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5);
$a{LocalHost} = $local if $local ne '-';
my $s = IO::Socket::IP->new(%a) or do { print "NOCONNECT $@\n"; exit 0 };
printf $tr "{\"event\":\"connect\",\"local\":\"%s:%d\"}\n", $s->sockhost, $s->sockport;
my $body = "$sysid\0$pw\0\0" . pack('CCC', 0x34, 0, 0) . "\0";
my $bind = pack('NNNN', 16 + length($body), 0x00000009, 0, 7) . $body;
print $tr '{"event":"pdu","dir":"out","hex":"', unpack('H*', $bind), "\"}\n";
print $s $bind;
my $sel = IO::Select->new($s);
my $buf = '';
my $deadline = time + 10;
while (length($buf) < 16 || length($buf) < unpack('N', $buf)) {
    my $left = $deadline - time;
    last if $left <= 0 || !$sel->can_read($left);
    my $n = sysread($s, $buf, 4096, length $buf);
    if (!$n) { print "CLOSED\n"; exit 0 }
}
if (length($buf) < 16) { print "NORESPONSE\n"; exit 0 }
my ($len, $cmd, $status, $seq) = unpack('NNNN', $buf);
print $tr '{"event":"pdu","dir":"in","hex":"', unpack('H*', substr($buf, 0, $len)), "\"}\n";
printf "STATUS %d CMD 0x%08x SEQ %d\n", $status, $cmd, $seq;
my $t0 = time;
$deadline = $t0 + $wait;
for (;;) {
    my $left = $deadline - time;
    if ($left <= 0) { print "OPEN\n"; exit 0 }
    next unless $sel->can_read($left);
    my $n = sysread($s, my $more, 4096);
    if (!$n) { printf "EOF %.1f\n", time - $t0; exit 0 }
}
PERL

# A refused connect seen from the client: "CLOSED" when the server closes
# without a byte, within 5 s.
cat >"$IT_DIR/tcpprobe.pl" <<'PERL'
use strict; use warnings;
use IO::Socket::IP; use IO::Select;
my ($host, $port, $local, $count) = @ARGV;
$| = 1;
my @socks;
for (1 .. $count) {
    my %a = (PeerHost => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5);
    $a{LocalHost} = $local if $local ne '-';
    my $s = IO::Socket::IP->new(%a) or do { print "NOCONNECT $@\n"; next };
    push @socks, $s;
}
for my $s (@socks) {
    my $sel = IO::Select->new($s);
    if (!$sel->can_read(5)) { print "OPEN\n"; next }
    my $n = sysread($s, my $buf, 16);
    print defined $n && $n == 0 ? "CLOSED\n" : "DATA\n";
}
PERL

# ---------------------------------------------------------------------------
# Boxes: an SMSC for bearerbox, bearerbox, and two opensmppboxes with the
# module: "osb" (connector smpp-in) and "osb13" (connector strict-in,
# login-failure-status 13, <users default="deny">), each with its own file
# and log directory.
SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
OSB13_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10

L=$IT_DIR/logs
L13=$IT_DIR/logs13
mkdir -p "$L" "$L13" "$IT_DIR/bb-logs"
cat >"$IT_DIR/bb.xml" <<XML
<emgdiag>
  <logs dir="$IT_DIR/bb-logs"/>
</emgdiag>
XML

# 50 accounts for the concurrency test: cNN may bind only from 127.0.0.1
# when NN is even, only from 127.0.0.2 when NN is odd.
N=50
users50=
for ((i = 0; i < N; i++)); do
    id=$(printf 'c%02d' "$i")
    if ((i % 2 == 0)); then home=127.0.0.1; else home=127.0.0.2; fi
    users50+="    <user system-id=\"$id\"><allow connector=\"smpp-in\" address=\"$home\"/></user>"$'\n'
done

X=$IT_DIR/emg.xml
cat >"$X" <<XML
<emgdiag>
  <logs dir="$L"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb">
    <access>
      <deny  address="127.0.0.3"/>
      <allow address="127.0.0.0/29"/>
      <allow address="::1"/>
    </access>
  </connector>
  <users default="allow">
    <user system-id="pinned">
      <allow connector="smpp-in" address="127.0.0.2"/>
    </user>
    <user system-id="v6user">
      <allow connector="*" address="::1/128"/>
    </user>
    <user system-id="nobody"/>
    <user system-id="bbok"><allow connector="smpp-in" address="127.0.0.2/32"/></user>
    <user system-id="bbbad"><allow connector="smpp-in" address="127.0.0.4"/></user>
$users50  </users>
</emgdiag>
XML
RULE_DENY3=$(line_of "$X" '<deny  address="127.0.0.3"/>')
RULE_LOOP29=$(line_of "$X" '<allow address="127.0.0.0/29"/>')
RULE_V6=$(line_of "$X" '<allow address="::1"/>')
RULE_PINNED=$(line_of "$X" '<allow connector="smpp-in" address="127.0.0.2"/>')
RULE_V6USER=$(line_of "$X" '<allow connector="*" address="::1/128"/>')

X13=$IT_DIR/emg13.xml
write_x13() { # $1: the <users> default
    cat >"$X13" <<XML
<emgdiag>
  <logs dir="$L13"/>
  <connector name="strict-in" type="incoming" opensmppbox-id="osb13" login-failure-status="13"/>
  <users default="$1">
    <user system-id="listed">
      <allow connector="strict-in" address="127.0.0.1"/>
    </user>
  </users>
</emgdiag>
XML
}
write_x13 deny
RULE_USERS13=$(line_of "$X13" '<users default=')

{
    echo "alice pw-alice x"
    echo "pinned pw-pinned x"
    echo "v6user pw-v6user x"
    echo "nobody pw-nobody x"
    echo "listed pw-listed x"
    echo "stranger pw-strg x"
    echo "bbok pw-bbok x"
    echo "bbbad pw-bbbad x"
    for ((i = 0; i < N; i++)); do printf 'c%02d pw-c%02d x\n' "$i" "$i"; done
} >"$IT_DIR/logins"

box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/bb.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
box_osb_conf "$IT_DIR/osb.conf" "$X" "$OSB_PORT" "$IT_DIR/logins"
box_osb_conf "$IT_DIR/osb13.conf" "$X13" "$OSB13_PORT" "$IT_DIR/logins"
sed -i -e 's/^opensmppbox-id = osb$/opensmppbox-id = osb13/' \
    -e "s|^log-file = .*|log-file = $IT_DIR/opensmppbox13.log|" "$IT_DIR/osb13.conf"
box_start bb "$IT_DIR/kannel.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
box_start osb13 "$IT_DIR/osb13.conf" "$OSB13_PORT"
C=$L/connector.smpp-in
PD=$L/pdu.smpp-in
S=$L/security
E=$IT_DIR/expected
mkdir -p "$E"

# Sections of a log: mark NAME FILE... records where section NAME starts in
# each FILE; slice FILE NAME OUT writes FILE's lines of that section (up to
# where the next marked section starts, or the end) to OUT.  Each section
# waits until its sessions are over before the next one is marked, so every
# line of a file is in exactly one section.
SECTIONS=()
declare -A MARK=()
lines_of_file() {
    if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}
mark() {
    local name=$1 f
    shift
    SECTIONS+=("$name")
    for f in "$@"; do MARK[$name:$f]=$(lines_of_file "$f"); done
}
slice() {
    local f=$1 name=$2 out=$3 s from to='' after=no
    from=${MARK[$name:$f]}
    for s in "${SECTIONS[@]}"; do
        if [ "$after" = yes ] && [ -n "${MARK[$s:$f]:-}" ]; then
            to=${MARK[$s:$f]}
            break
        fi
        [ "$s" = "$name" ] && after=yes
    done
    to=${to:-$(lines_of_file "$f")}
    if [ "$to" -gt "$from" ]; then sed -n "$((from + 1)),${to}p" "$f" >"$out"; else : >"$out"; fi
}
# addr_of CLIENT: the address a client peer connected from (its transcript).
addr_of() {
    peer_field "$IT_DIR/$1.out" connect local | sed 's/:[0-9]*$//'
}
# Expected connector-log sessions (docs/connector-log.md#connector-log), the
# instance written K: a good bind and a clean unbind; a refused bind.
sess_ok() { printf '%s\n' "(K) CONNECT OK (info=\"0 $1\")" "(K) LOGIN OK (info=\"0 $2\")" '(K) DISCONNECT OK'; }
sess_refused() {
    printf '%s\n' "(K) CONNECT OK (info=\"0 $1\")" "(K) LOGIN ERR (info=\"$2\")" '(K) DISCONNECT ERR (info="login-failed")'
}
# at0 FILE...: the K of exact (one-after-another) sections is instance 0.
at0() { sed -i -e 's/^(K) /(0) /' -e 's/^\([A-Z]* *([^(),]*\),K) /\1,0) /' "$@"; }
# blocks OUT FILE...: the expected sessions FILE..., one block each.
blocks() {
    local out=$1 f
    shift
    : >"$out"
    for f in "$@"; do cat "$f" >>"$out"; echo >>"$out"; done
}
# wait_lines FILE REGEX N: until FILE has N lines matching REGEX
# (synchronisation only).
wait_lines() {
    local i
    for ((i = 0; i < 150; i++)); do
        [ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.1
    done
    it_fail "fewer than $3 lines matching /$2/ in $1 after 15 s"
    it__tail "$1"
}

# ---------------------------------------------------------------------------
# 1. Allowed binds from 127.0.0.1 (Net::SMPP), 127.0.0.2 and ::1 (node-smpp).
mark allowed "$C" "$PD" "$S"
it_start alice perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id alice --password pw-alice --submit 1 --unbind
it_start pinned node "$P/client.js" --pdus --host 127.0.0.1 --local-address 127.0.0.2 --port "$OSB_PORT" \
    --system-id pinned --password pw-pinned --submit 1 --unbind
it_start v6user node "$P/client.js" --pdus --host ::1 --port "$OSB_PORT" \
    --system-id v6user --password pw-v6user --submit 1 --unbind
it_wait_exit alice 30
it_wait_exit pinned 30
it_wait_exit v6user 30
for who in alice pinned v6user; do
    it_assert_eq "$(peer_field "$IT_DIR/$who.out" bind status)" 0 "allowed: $who's bind answered 0"
    it_assert_eq "$(peer_field "$IT_DIR/$who.out" submit status)" 0 "allowed: $who's submit answered 0"
done
it_assert_eq "$(addr_of pinned)" 127.0.0.2 "allowed: pinned really came from 127.0.0.2"
wait_lines "$C" 'DISCONNECT' 3
# They ran at once: per session, instance numbers free.  Each address as
# the client connected from it (127.0.0.2 dotted, not ::ffff:), its
# system_id, a clean unbind; every PDU it exchanged; nothing in security.
for who in alice pinned v6user; do
    sess_ok "$(addr_of "$who")" "$who" >"$E/allowed.c.$who"
    : >"$E/allowed.p.$who"
    peer_pdus "$E/allowed.p.$who" "$IT_DIR/$who.out" --connector smpp-in --instance K
done
blocks "$E/allowed.c" "$E"/allowed.c.{alice,pinned,v6user}
blocks "$E/allowed.p" "$E"/allowed.p.{alice,pinned,v6user}
: >"$E/allowed.s"

# ---------------------------------------------------------------------------
# 2. Refused at connect: 127.0.0.3 by the deny rule, 127.0.0.9 by no rule
# (outside the /29).  Closed at once, no CONNECT line, one security line.
mark connect-refusal "$C" "$PD" "$S"
it_start deny3 perl "$IT_DIR/tcpprobe.pl" 127.0.0.1 "$OSB_PORT" 127.0.0.3 1
it_start deny9 node "$P/client.js" --host 127.0.0.1 --local-address 127.0.0.9 --port "$OSB_PORT" \
    --system-id alice --password pw-alice --timeout 5
it_wait_exit deny3 15
it_wait_exit deny9 15
it_assert_eq "$(cat "$IT_DIR/deny3.out")" CLOSED "connect refusal: the server closed the connection from 127.0.0.3"
it_assert_eq "$(peer_field "$IT_DIR/deny9.out" bind status)" "" "connect refusal: node-smpp from 127.0.0.9 got no bind response"
it_assert_line "$IT_DIR/deny9.out" '"event":"closed"' "connect refusal: node-smpp from 127.0.0.9 saw the connection closed"
wait_lines "$S" 'DENY CONNECT' 2
# Nothing in the connector and pdu logs (the refused node-smpp client's bind
# was never read); in security one DENY CONNECT each, naming the deny rule
# or "no match".  The two clients came at once: either may be first.
: >"$E/connect-refusal.c"
: >"$E/connect-refusal.p"
{
    echo '#any-order 2'
    echo "WARN  (smpp-in) DENY CONNECT address=\"127.0.0.3\" rule=\"$X:$RULE_DENY3\""
    echo 'WARN  (smpp-in) DENY CONNECT address="127.0.0.9" rule="no match"'
} >"$E/connect-refusal.s"

# ---------------------------------------------------------------------------
# 3. Refused at bind by <users>: the client sees 14, the server closes the
# connection after the response; LOGIN ERR 14 and DENY LOGIN reason=address.
# One after the other, each once the one before has ended: all on (0).
mark bind-refusal "$C" "$PD" "$S"
n_disc=$(grep -c DISCONNECT "$C")
run_raw() { # name host local sysid password
    it_start "$1" perl "$IT_DIR/rawbind.pl" "$2" "$OSB_PORT" "$3" "$4" "$5" 6 "$IT_DIR/$1.trace"
    it_wait_exit "$1" 30
    n_disc=$((n_disc + 1))
    wait_lines "$C" DISCONNECT "$n_disc"
}
run_raw raw_pinned 127.0.0.1 - pinned pw-pinned
run_raw raw_nobody 127.0.0.1 - nobody pw-nobody
run_raw raw_v6user 127.0.0.1 127.0.0.2 v6user pw-v6user
for who in pinned nobody v6user; do
    out=$(cat "$IT_DIR/raw_$who.out")
    case $out in
    "STATUS 14 CMD 0x80000009 SEQ 7"*) it_pass "bind refusal: $who answered 14 (bind_transceiver_resp, our sequence number)" ;;
    *) it_fail "bind refusal: $who answered 14 (client saw: $(printf "%s" "$out" | tr "\n" " "))" ;;
    esac
    case $out in
    *"EOF "*) it_pass "bind refusal: the server closed $who's connection after the response" ;;
    *) it_fail "bind refusal: the server closed $who's connection after the response (client saw: $(printf "%s" "$out" | tr "\n" " "))" ;;
    esac
done
# LOGIN ERR 14 and DISCONNECT ERR login-failed each; DENY LOGIN with
# reason address and no rule that matched (an IPv6 rule does not admit an
# IPv4 client); no DENY CONNECT.
: >"$E/bind-refusal.c"
: >"$E/bind-refusal.p"
: >"$E/bind-refusal.s"
for spec in "pinned 127.0.0.1" "nobody 127.0.0.1" "v6user 127.0.0.2"; do
    read -r who addr <<<"$spec"
    sess_refused "$addr" 14 >>"$E/bind-refusal.c"
    peer_pdus "$E/bind-refusal.p" "$IT_DIR/raw_$who.trace" --connector smpp-in --instance 0
    echo "WARN  (smpp-in,0) DENY LOGIN system-id=\"$who\" address=\"$addr\" status=\"14\" reason=\"address\" rule=\"no match\"" >>"$E/bind-refusal.s"
done
at0 "$E/bind-refusal.c"

# ---------------------------------------------------------------------------
# 3b. A patched bearerbox as the client, its sessions leaving from 127.0.0.2
# (`our-host`): account bbok may bind from 127.0.0.2 and does; account bbbad
# may bind only from 127.0.0.4 and is refused at bind: 14 on both sides'
# logs.  A wire tap (tests/peers/tap.pl) between it and opensmppbox, which
# connects on from the client's own address, records the PDUs.
mark bb-client "$C" "$PD" "$S"
TAP_PORT=$(it_port)
it_start tap perl "$P/tap.pl" --port "$TAP_PORT" --to-port "$OSB_PORT"
it_wait_line "$IT_DIR/tap.out" '^LISTENING' 10
BBCL=$IT_DIR/bbc-logs
mkdir -p "$BBCL"
cat >"$IT_DIR/bbc.xml" <<XML
<emgdiag>
  <logs dir="$BBCL"/>
  <connector name="up-ok" type="outgoing" smsc-id="bbok"/>
  <connector name="up-bad" type="outgoing" smsc-id="bbbad"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/kannel-client.conf" "$IT_DIR/bbc.xml"
sed -i "s|^log-file = .*|log-file = $IT_DIR/bearerbox-client.log|" "$IT_DIR/kannel-client.conf"
box_smsc_smpp "$IT_DIR/kannel-client.conf" bbok "$TAP_PORT" bbok pw-bbok "transceiver-mode = true" "our-host = 127.0.0.2"
box_smsc_smpp "$IT_DIR/kannel-client.conf" bbbad "$TAP_PORT" bbbad pw-bbbad "transceiver-mode = true" "our-host = 127.0.0.2"
box_start bbclient "$IT_DIR/kannel-client.conf"
it_wait_line "$BBCL/connector.up-ok" 'LOGIN' 20
it_wait_line "$BBCL/connector.up-bad" 'DISCONNECT' 20
it_wait_line "$C" 'LOGIN OK \(info="0 bbok"\)' 5
# Kannel gives up on 14 for good; the other session unbinds at shutdown.
it_stop bbclient
n_disc=$((n_disc + 2))
wait_lines "$C" DISCONNECT "$n_disc"
peer_wait_closed "$IT_DIR/tap.out" 10
# The tap's connections, told apart by the system_id of their bind.
peer_pdus /dev/null "$IT_DIR/tap.out" --connector smpp-in --instance K --gateway server --split "$E/tap.in"
peer_pdus /dev/null "$IT_DIR/tap.out" --connector X --instance 0 --split "$E/tap.out"
for k in 1 2; do
    for id in bbok bbbad; do
        if grep -q "SYSTEMID:$id\b" "$E/tap.in.$k"; then
            cp "$E/tap.in.$k" "$E/bb-client.p.$id"
            sed "s/^INFO  (X,0) /INFO  (up-${id#bb},0) /" "$E/tap.out.$k" >"$E/pdu.up-${id#bb}"
        fi
    done
done
sess_ok 127.0.0.2 bbok >"$E/bb-client.c.bbok"
sess_refused 127.0.0.2 14 >"$E/bb-client.c.bbbad"
blocks "$E/bb-client.c" "$E"/bb-client.c.{bbok,bbbad}
blocks "$E/bb-client.p" "$E"/bb-client.p.{bbok,bbbad}
echo 'WARN  (smpp-in,K) DENY LOGIN system-id="bbbad" address="127.0.0.2" status="14" reason="address" rule="no match"' >"$E/bb-client.s"
# The client's side: the allowed account binds (opensmppbox's
# our-system-id OSB) and unbinds at shutdown; the refused one is LOGIN ERR 14.
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 OSB")' '(0) DISCONNECT OK' >"$E/connector.up-ok"
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN ERR (info="14")' '(0) DISCONNECT ERR (info="login-failed")' >"$E/connector.up-bad"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/bbc.xml\"" >"$E/general.bbc"
it_assert_file "$BBCL/connector.up-ok" "$E/connector.up-ok" "bearerbox client (our-host 127.0.0.2): the allowed account binds"
it_assert_file "$BBCL/connector.up-bad" "$E/connector.up-bad" "bearerbox client: refused account, LOGIN ERR 14 on the outgoing side"
for c in up-ok up-bad; do
    it_assert_file "$BBCL/pdu.$c" "$E/pdu.$c" "bearerbox client: pdu.$c is the PDUs the tap saw"
done
it_assert_file "$BBCL/general" "$E/general.bbc" "bearerbox client: general is CONFIG LOADED"
it_assert_files "$BBCL" "bearerbox client's log directory" connector.up-ok connector.up-bad pdu.up-ok pdu.up-bad general

# ---------------------------------------------------------------------------
# 4. login-failure-status="13" and <users default="deny"> (osb13).
C13=$L13/connector.strict-in
PD13=$L13/pdu.strict-in
S13=$L13/security
X13Q=$(rq "$X13")
mark strict "$C13" "$PD13" "$S13"
it_start s13_listed perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB13_PORT" \
    --system-id listed --password pw-listed --unbind
it_start s13_stranger perl "$IT_DIR/rawbind.pl" 127.0.0.1 "$OSB13_PORT" - stranger pw-strg 6 "$IT_DIR/s13_stranger.trace"
it_start s13_badpw node "$P/client.js" --pdus --host 127.0.0.1 --port "$OSB13_PORT" \
    --system-id listed --password wrong
it_wait_exit s13_listed 30
it_wait_exit s13_stranger 30
it_wait_exit s13_badpw 30
it_assert_eq "$(peer_field "$IT_DIR/s13_listed.out" bind status)" 0 "strict: a listed user from its address binds"
case $(cat "$IT_DIR/s13_stranger.out") in
"STATUS 13 CMD 0x80000009 SEQ 7"*EOF*) it_pass "strict: an unlisted user is answered 13 and closed" ;;
*) it_fail "strict: an unlisted user is answered 13 and closed (client saw: $(tr '\n' ' ' <"$IT_DIR/s13_stranger.out"))" ;;
esac
it_assert_eq "$(peer_field "$IT_DIR/s13_badpw.out" bind status)" 13 "strict: wrong password answered 13 (login-failure-status)"
wait_lines "$C13" DISCONNECT 3
# The three ran at once: per session, instance numbers free.  The listed
# user binds; the unlisted one is refused by <users default="deny">, its
# DENY LOGIN naming the <users> line; the wrong password is refused as
# credentials; both refusals answered 13.
sess_ok "$(addr_of s13_listed)" listed >"$E/strict.c.listed"
sess_refused 127.0.0.1 13 >"$E/strict.c.stranger"
sess_refused "$(addr_of s13_badpw)" 13 >"$E/strict.c.badpw"
blocks "$E/strict.c" "$E"/strict.c.{listed,stranger,badpw}
: >"$E/strict.p.listed" && peer_pdus "$E/strict.p.listed" "$IT_DIR/s13_listed.out" --connector strict-in --instance K
: >"$E/strict.p.stranger" && peer_pdus "$E/strict.p.stranger" "$IT_DIR/s13_stranger.trace" --connector strict-in --instance K
: >"$E/strict.p.badpw" && peer_pdus "$E/strict.p.badpw" "$IT_DIR/s13_badpw.out" --connector strict-in --instance K
blocks "$E/strict.p" "$E"/strict.p.{listed,stranger,badpw}
printf '%s\n\n%s\n' \
    "WARN  (strict-in,K) DENY LOGIN system-id=\"stranger\" address=\"127.0.0.1\" status=\"13\" reason=\"address\" rule=\"$X13:$RULE_USERS13\"" \
    'WARN  (strict-in,K) DENY LOGIN system-id="listed" address="127.0.0.1" status="13" reason="credentials" rule="smpp-logins"' >"$E/strict.s"

# ---------------------------------------------------------------------------
# 5. Reloads (SIGHUP to osb13): a file that is not well-formed, then one with
# a bad address: each is rejected and the old decisions stay; then a valid
# file with <users default="allow"> lets the stranger in.
OSB13_PID=$(it_pid osb13)
G13=$L13/general
reload_and_wait() { # event count-expected
    kill -HUP "$OSB13_PID"
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$(grep -c "$1" "$G13")" -ge "$2" ] && return 0
        sleep 0.1
    done
    it_fail "no ${2}th $1 line in $G13 after a SIGHUP"
    it__tail "$G13"
}
printf '<emgdiag>\n  <logs dir="%s"/>\n  <connector name="strict-in"\n' "$L13" >"$X13"
reload_and_wait 'CONFIG REJECTED' 1
it_assert_line "$G13" "^$TS ${LVL}\(opensmppbox\) CONFIG REJECTED file=\"$X13Q\" reason=\"$X13Q:[0-9]+: [^\"]+\"$" \
    "reload, not well-formed: CONFIG REJECTED with FILE:LINE in the reason"
write_x13 allow
sed -i 's|<allow connector="strict-in" address="127.0.0.1"/>|<allow connector="strict-in" address="127.000.0.1"/>|' "$X13"
BAD_LINE=$(line_of "$X13" '127.000.0.1')
reload_and_wait 'CONFIG REJECTED' 2
it_assert_line "$G13" "^$TS ${LVL}\(opensmppbox\) CONFIG REJECTED file=\"$X13Q\" reason=\"$X13Q:$BAD_LINE: [^\"]*127\.000\.0\.1[^\"]*\"$" \
    "reload, bad address: CONFIG REJECTED names line $BAD_LINE and the value"
mark strict-reload "$C13" "$PD13" "$S13"
it_start s13_after_bad perl "$IT_DIR/rawbind.pl" 127.0.0.1 "$OSB13_PORT" - stranger pw-strg 3 "$IT_DIR/s13_after_bad.trace"
it_wait_exit s13_after_bad 20
case $(cat "$IT_DIR/s13_after_bad.out") in
"STATUS 13 "*) it_pass "reload rejected: the old lists stay (stranger still answered 13)" ;;
*) it_fail "reload rejected: the old lists stay (client saw: $(tr '\n' ' ' <"$IT_DIR/s13_after_bad.out"))" ;;
esac
wait_lines "$C13" DISCONNECT 4
write_x13 allow
reload_and_wait 'CONFIG LOADED' 2
it_assert_eq "$(grep -Ec "^$TS ${LVL}\(opensmppbox\) CONFIG LOADED file=\"$X13Q\"$" "$G13")" 2 "reload, valid file: a second CONFIG LOADED"
it_start s13_after_good perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB13_PORT" \
    --system-id stranger --password pw-strg --unbind
it_wait_exit s13_after_good 20
it_assert_eq "$(peer_field "$IT_DIR/s13_after_good.out" bind status)" 0 "reload accepted: the new file's decision (stranger binds)"
wait_lines "$C13" DISCONNECT 5
# One after the other, on (0): refused by the old lists (13, the <users>
# line of the file then loaded), then let in by the new ones.
sess_refused 127.0.0.1 13 >"$E/strict-reload.c"
sess_ok "$(addr_of s13_after_good)" stranger >>"$E/strict-reload.c"
at0 "$E/strict-reload.c"
: >"$E/strict-reload.p"
peer_pdus "$E/strict-reload.p" "$IT_DIR/s13_after_bad.trace" "$IT_DIR/s13_after_good.out" --connector strict-in --instance 0
echo "WARN  (strict-in,0) DENY LOGIN system-id=\"stranger\" address=\"127.0.0.1\" status=\"13\" reason=\"address\" rule=\"$X13:$RULE_USERS13\"" >"$E/strict-reload.s"

# ---------------------------------------------------------------------------
# 6. 50 concurrent clients with distinct logins on smpp-in, from 127.0.0.1
# and 127.0.0.2; cNN is allowed when its address is its account's (see the
# XML).  One node process runs them all; each allowed client holds its
# session 1 s, then unbinds; each refused one waits for the server to close.
# Each client records the wire as client.js does (tests/peers/), in
# many/<id>.out.
cat >"$IT_DIR/many.js" <<'JS'
'use strict';
const fs = require('fs');
const smpp = require(process.argv[2]);
const port = Number(process.argv[3]);
const n = Number(process.argv[4]);
const traces = process.argv[5];
let left = n;
function done(rec) {
	process.stdout.write(JSON.stringify(rec) + '\n');
	if (--left === 0)
		process.exit(0);
}
// Every PDU read or written on socket, whole, as a "pdu" event in file.
function trace(socket, file) {
	const pending = { in: Buffer.alloc(0), out: Buffer.alloc(0) };
	const record = (dir, chunk) => {
		let buf = Buffer.concat([pending[dir], chunk]);
		while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
			const len = Math.max(buf.readUInt32BE(0), 4);
			fs.appendFileSync(file, JSON.stringify({ event: 'pdu', dir: dir, hex: buf.subarray(0, len).toString('hex') }) + '\n');
			buf = buf.subarray(len);
		}
		pending[dir] = buf;
	};
	const read = socket.read.bind(socket);
	socket.read = (k) => { const c = read(k); if (c) record('in', c); return c; };
	const write = socket.write.bind(socket);
	socket.write = (c, ...rest) => { record('out', Buffer.from(c)); return write(c, ...rest); };
}
for (let i = 0; i < n; i++) {
	const id = 'c' + String(i).padStart(2, '0');
	const from = i % 3 === 0 ? '127.0.0.1' : '127.0.0.2';
	const rec = { id: id, from: from, status: null, end: null };
	const file = traces + '/' + id + '.out';
	let ended = false;
	const s = smpp.connect({ host: '127.0.0.1', port: port, localAddress: from });
	trace(s.socket, file);
	const finish = (how) => { if (!ended) { ended = true; rec.end = how; done(rec); } };
	s.on('error', (e) => finish('error ' + e.message));
	s.on('close', () => finish(rec.status === 0 ? 'unbound' : 'server-closed'));
	s.on('connect', () => {
		fs.appendFileSync(file, JSON.stringify({ event: 'connect', local: s.socket.localAddress + ':' + s.socket.localPort }) + '\n');
		s.bind_transceiver({ system_id: Buffer.from(id), password: Buffer.from('pw-' + id) }, (pdu) => {
			rec.status = pdu.command_status;
			if (pdu.command_status === 0)
				setTimeout(() => s.unbind({}, () => s.close()), 1000);
		});
	});
}
setTimeout(() => process.exit(3), 40000);
JS
mkdir -p "$IT_DIR/many"
mark many "$C" "$PD" "$S"
start=$SECONDS
it_start many node "$IT_DIR/many.js" "$P/node_modules/smpp" "$OSB_PORT" "$N" "$IT_DIR/many"
it_wait_exit many 45
took=$((SECONDS - start))
it_assert_eq "$(grep -c '"id"' "$IT_DIR/many.out")" "$N" "50 clients: every client reported"
if [ "$took" -le 30 ]; then it_pass "50 clients: all finished in ${took}s (<= 30 s)"; else it_fail "50 clients: all finished in ${took}s (> 30 s)"; fi
n_disc=$((n_disc + N))
wait_lines "$C" DISCONNECT "$n_disc"
# After a new second, one more refused login (nobody) makes the module
# report what the rate limit held back during the burst (docs/connector-log.md#security-and-general).
sleep 1.2
it_start flush_login perl "$IT_DIR/rawbind.pl" 127.0.0.1 "$OSB_PORT" - nobody pw-nobody 1 "$IT_DIR/flush_login.trace"
it_wait_exit flush_login 20
n_disc=$((n_disc + 1))
wait_lines "$C" DISCONNECT "$n_disc"
sleep 0.3
# Expected: each client as its account says (peer side: 0 and an unbind,
# or 14 and the server closing); in the logs, one session each, instance
# numbers free (they ran at once), and the last refusal's.  In security,
# each refusal's DENY LOGIN, at most 10 a second, SUPPRESSED lines
# counting the rest.
n_ok=0 n_bad=0 wrong=
: >"$E/many.c"
: >"$E/many.s"
for ((i = 0; i < N; i++)); do
    id=$(printf 'c%02d' "$i")
    if ((i % 2 == 0)); then home=127.0.0.1; else home=127.0.0.2; fi
    if ((i % 3 == 0)); then from=127.0.0.1; else from=127.0.0.2; fi
    rec=$(grep "\"id\":\"$id\"" "$IT_DIR/many.out")
    if [ "$home" = "$from" ]; then
        n_ok=$((n_ok + 1))
        case $rec in *'"status":0,'*'"end":"unbound"'*) ;; *) wrong+=" $id(expected 0: $rec)" ;; esac
        sess_ok "$from" "$id" >>"$E/many.c"
    else
        n_bad=$((n_bad + 1))
        case $rec in *'"status":14,'*'"end":"server-closed"'*) ;; *) wrong+=" $id(expected 14 and a close: $rec)" ;; esac
        sess_refused "$from" 14 >>"$E/many.c"
        echo "WARN  (smpp-in,K) DENY LOGIN system-id=\"$id\" address=\"$from\" status=\"14\" reason=\"address\" rule=\"no match\"" >>"$E/many.s"
    fi
    echo >>"$E/many.c"
done
sess_refused 127.0.0.1 14 >>"$E/many.c"
echo 'WARN  (smpp-in,K) DENY LOGIN system-id="nobody" address="127.0.0.1" status="14" reason="address" rule="no match"' >>"$E/many.s"
it_assert_eq "${wrong:-none}" none "50 clients: $n_ok allowed and $n_bad refused, each answered as its account says"
peer_pdus /dev/null "$IT_DIR"/many/c{00..49}.out "$IT_DIR/flush_login.trace" --connector smpp-in --instance K --split "$E/many.p"
blocks "$E/many.p" "$E"/many.p.{1..51}

# ---------------------------------------------------------------------------
# 7. A flood of refused connects: 40 at once from 127.0.1.1 (no rule), then
# after a new second one more.  At most 10 DENY CONNECT lines in any second;
# SUPPRESSED lines count the rest.
FLOOD=40
sleep 1.1 # a new second: the burst above is not counted with this one
mark flood "$C" "$PD" "$S"
it_start flood perl "$IT_DIR/tcpprobe.pl" 127.0.0.1 "$OSB_PORT" 127.0.1.1 "$FLOOD"
it_wait_exit flood 30
it_assert_eq "$(grep -c '^CLOSED$' "$IT_DIR/flood.out")" "$FLOOD" "flood: all $FLOOD connects closed by the server"
sleep 1.2
it_start flood_last perl "$IT_DIR/tcpprobe.pl" 127.0.0.1 "$OSB_PORT" 127.0.1.1 1
it_wait_exit flood_last 10
it_assert_eq "$(cat "$IT_DIR/flood_last.out")" CLOSED "flood: the connect after it closed too"
wait_lines "$S" 'DENY CONNECT address="127.0.1.1"' 1
sleep 0.3
: >"$E/flood.c"
: >"$E/flood.p"
for ((i = 0; i <= FLOOD; i++)); do echo 'WARN  (smpp-in) DENY CONNECT address="127.0.1.1" rule="no match"'; done >"$E/flood.s"
slice "$S" flood "$IT_DIR/security.flood"
# 40 connects take far less than 2 s, so at most 20 lines get through.
supp=$(sed -nE 's/.* SUPPRESSED count="([0-9]+)".*/\1/p' "$IT_DIR/security.flood" | awk '{ n += $1 } END { print n + 0 }')
if [ "$supp" -ge $((FLOOD - 20)) ]; then it_pass "flood: SUPPRESSED accounts for the rest ($supp)"; else it_fail "flood: SUPPRESSED counts only $supp"; fi

# ---------------------------------------------------------------------------
# 8. emgdiag-check on the same file: valid; an invalid copy; decisions that
# agree with what opensmppbox logged above.
out=$("$EMGDIAG_CHECK" --config "$X" 2>&1)
it_assert_eq "$?:$out" "0:$X: OK" "emgdiag-check: the file opensmppbox runs is valid"
BADX=$IT_DIR/bad.xml
sed 's|<allow address="127.0.0.0/29"/>|<allow address="127.0.0.1/29"/>|' "$X" >"$BADX"
out=$("$EMGDIAG_CHECK" --config "$BADX" 2>&1)
rc=$?
it_assert_eq "$rc" 1 "emgdiag-check: an invalid file exits 1"
if printf '%s\n' "$out" | grep -Eq "^$(rq "$BADX"):$RULE_LOOP29: .*127\.0\.0\.1/29.*127\.0\.0\.0/29"; then
    it_pass "emgdiag-check: the problem as FILE:$RULE_LOOP29: with the value and the block"
else
    it_fail "emgdiag-check: the problem as FILE:$RULE_LOOP29: (got: $out)"
fi
check() { # expected-output args...
    local want=$1 got
    shift
    got=$("$EMGDIAG_CHECK" --config "$X" --connector smpp-in "$@" 2>&1)
    it_assert_eq "$got" "$want" "emgdiag-check $*"
}
# What opensmppbox decided, from its security log: the rule of 127.0.0.3.
osb_rule3=$(grep 'DENY CONNECT address="127.0.0.3"' "$S" | sed -E 's/.*rule="([^"]*)".*/\1/')
check "deny $osb_rule3" --address 127.0.0.3
check "deny $X:$RULE_DENY3" --address 127.0.0.3
check "deny no match" --address 127.0.0.9
check "deny $X:$RULE_DENY3" --address ::ffff:127.0.0.3
check "allow $X:$RULE_LOOP29" --address 127.0.0.2
check "allow $X:$RULE_V6" --address ::1
check "allow login: $X:$RULE_PINNED (connect: allow $X:$RULE_LOOP29)" --address 127.0.0.2 --system-id pinned
check "deny login: no match (connect: allow $X:$RULE_LOOP29)" --address 127.0.0.1 --system-id pinned
check "allow login: $X:$RULE_V6USER (connect: allow $X:$RULE_V6)" --address ::1 --system-id v6user
check "allow login: user not listed (connect: allow $X:$RULE_LOOP29)" --address 127.0.0.1 --system-id alice
"$EMGDIAG_CHECK" --config "$X" --connector smpp-in --address 127.0.0.3 >/dev/null 2>&1
it_assert_eq "$?" 1 "emgdiag-check: deny exits 1"
"$EMGDIAG_CHECK" --config "$X" --connector smpp-in --address 127.0.0.2 >/dev/null 2>&1
it_assert_eq "$?" 0 "emgdiag-check: allow exits 0"

# ---------------------------------------------------------------------------
# The whole logs.  Stop the boxes (the opensmppboxes have no session left;
# bearerbox unbinds from the SMSC) so that every file is complete.
it_stop osb
it_stop osb13
it_stop bb
peer_wait_closed "$IT_DIR/smsc.out" 10

# opensmppbox (smpp-in), section by section: every line of each file is in
# exactly one section.
for spec in "allowed sessions allowed: three clients at once, each bound and unbound, nothing refused" \
    "connect-refusal file connect refusal: closed at once, no CONNECT and no pdu line, one DENY CONNECT each" \
    "bind-refusal file bind refusal: 14, login-failed, DENY LOGIN reason=address" \
    "bb-client sessions bearerbox client: bbok bound and unbound, bbbad refused 14" \
    "many sessions 50 clients: one session each as its account says, and the last refusal" \
    "flood file flood: no CONNECT and no pdu line for the refused address"; do
    read -r name how what <<<"$spec"
    slice "$C" "$name" "$IT_DIR/connector.$name"
    slice "$PD" "$name" "$IT_DIR/pdu.$name"
    if [ "$how" = sessions ]; then
        it_assert_file_sessions "$IT_DIR/connector.$name" "$E/$name.c" "connector.smpp-in, $what"
        it_assert_file_sessions "$IT_DIR/pdu.$name" "$E/$name.p" "pdu.smpp-in, $what: every PDU each client exchanged"
    else
        it_assert_file "$IT_DIR/connector.$name" "$E/$name.c" "connector.smpp-in, $what"
        it_assert_file "$IT_DIR/pdu.$name" "$E/$name.p" "pdu.smpp-in, $what: every PDU each client exchanged"
    fi
    case $name in
    many | flood)
        slice "$S" "$name" "$IT_DIR/security.$name"
        event="DENY LOGIN"
        [ "$name" = flood ] && event="DENY CONNECT"
        it_assert_file_limited "$IT_DIR/security.$name" "$E/$name.s" \
            "security, $name: one $event per refusal, at most 10 a second, SUPPRESSED counting the rest" 10 "$event"
        ;;
    bb-client)
        slice "$S" "$name" "$IT_DIR/security.$name"
        it_assert_file_sessions "$IT_DIR/security.$name" "$E/$name.s" "security, $what"
        ;;
    *)
        slice "$S" "$name" "$IT_DIR/security.$name"
        it_assert_file "$IT_DIR/security.$name" "$E/$name.s" "security, $what"
        ;;
    esac
done
printf '%s\n' "INFO  (opensmppbox) CONFIG LOADED file=\"$X\"" >"$E/general"
it_assert_file "$L/general" "$E/general" "smpp-in's opensmppbox: general is CONFIG LOADED"
# The submits made the message log too (docs/message-log.md#files).
it_assert_files "$L" "smpp-in's log directory" connector.smpp-in pdu.smpp-in message.osb security general

# The strict opensmppbox (strict-in), its two sections.
for spec in "strict sessions strict: three clients at once" \
    "strict-reload file strict, after the reloads: refused by the old lists, let in by the new"; do
    read -r name how what <<<"$spec"
    for f in "$C13" "$PD13" "$S13"; do slice "$f" "$name" "$IT_DIR/$(basename "$f").$name"; done
    if [ "$how" = sessions ]; then
        it_assert_file_sessions "$IT_DIR/connector.strict-in.$name" "$E/$name.c" "connector.strict-in, $what"
        it_assert_file_sessions "$IT_DIR/pdu.strict-in.$name" "$E/$name.p" "pdu.strict-in, $what: every PDU each client exchanged"
        it_assert_file_sessions "$IT_DIR/security.$name" "$E/$name.s" "security (strict-in), $what: DENY LOGIN, status 13"
    else
        it_assert_file "$IT_DIR/connector.strict-in.$name" "$E/$name.c" "connector.strict-in, $what"
        it_assert_file "$IT_DIR/pdu.strict-in.$name" "$E/$name.p" "pdu.strict-in, $what: every PDU each client exchanged"
        it_assert_file "$IT_DIR/security.$name" "$E/$name.s" "security (strict-in), $what: DENY LOGIN, status 13"
    fi
done
# Its general: loaded, then a reload per SIGHUP: rejected (not well-formed),
# rejected (bad address), loaded.  opensmppbox reopens its logs in the
# signal handler (the module's REOPEN line, written by its writer thread)
# and reloads later in its accept loop: the docs give no order between the
# two lines of one SIGHUP.  A rejection's reason is FILE:LINE: and a
# message whose wording the docs leave open (checked above): replaced by
# "<message>" here.
{
    echo "INFO  (opensmppbox) CONFIG LOADED file=\"$X13\""
    echo '#any-order 2'
    echo "ERROR (opensmppbox) CONFIG REJECTED file=\"$X13\" reason=\"$X13:<line>: <message>\""
    echo 'INFO  (opensmppbox) REOPEN'
    echo '#any-order 2'
    echo "ERROR (opensmppbox) CONFIG REJECTED file=\"$X13\" reason=\"$X13:$BAD_LINE: <message>\""
    echo 'INFO  (opensmppbox) REOPEN'
    echo '#any-order 2'
    echo "INFO  (opensmppbox) CONFIG LOADED file=\"$X13\""
    echo 'INFO  (opensmppbox) REOPEN'
} >"$E/general13"
sed -E -e "\#reason=\"$X13Q:$BAD_LINE: #{s|(reason=\"$X13Q:$BAD_LINE: )[^\"]+\"$|\1<message>\"|;b}" \
    -e "s|(reason=\"$X13Q:)[0-9]+: [^\"]+\"$|\1<line>: <message>\"|" "$G13" >"$IT_DIR/general13"
it_assert_file "$IT_DIR/general13" "$E/general13" "strict-in's general: loaded, two rejected reloads, one loaded, a REOPEN per SIGHUP"
it_assert_files "$L13" "strict-in's log directory" connector.strict-in pdu.strict-in security general

# bearerbox, the SMSC's client: one session (the submits of section 1
# forwarded), unbound at shutdown.
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 smsc")' '(0) DISCONNECT OK' >"$E/connector.up"
it_assert_file "$IT_DIR/bb-logs/connector.up" "$E/connector.up" "bearerbox to the SMSC: connector.up whole"
: >"$E/pdu.up"
peer_pdus "$E/pdu.up" "$IT_DIR/smsc.out" --connector up --instance 0
it_assert_file_directions "$IT_DIR/bb-logs/pdu.up" "$E/pdu.up" "bearerbox to the SMSC: pdu.up is the PDUs the SMSC recorded"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/bb.xml\"" >"$E/general.bb"
it_assert_file "$IT_DIR/bb-logs/general" "$E/general.bb" "bearerbox: general is CONFIG LOADED"
it_assert_files "$IT_DIR/bb-logs" "bearerbox's log directory" connector.up pdu.up message.bearerbox general

it_summary
