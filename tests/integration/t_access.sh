#!/bin/bash
# Access lists (issue #4) enforced by the patched opensmppbox with the
# emgdiag module, against real clients from 127.0.0.1, 127.0.0.2 and ::1:
# the connector's <access> list at connect (a refused client is closed, has
# no CONNECT line and one DENY CONNECT line in `security`), the <users>
# lists at bind (status 14, or the connector's login-failure-status, LOGIN
# ERR, DENY LOGIN, the connection closed after the response), reloads on
# SIGHUP (a broken file keeps the old decisions), 50 concurrent clients, the
# rate limit on refused connects, and emgdiag-check agreeing with the box.
# Expected lines are written from docs/connector-log.md#connector-log and #security-and-general, docs/access-control.md
# and the XML this test writes; rule line numbers are looked up in that XML.
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
cat >"$IT_DIR/rawbind.pl" <<'PERL'
use strict; use warnings;
use IO::Socket::IP; use IO::Select; use Time::HiRes qw(time);
my ($host, $port, $local, $sysid, $pw, $wait) = @ARGV;
$| = 1;
my %a = (PeerHost => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5);
$a{LocalHost} = $local if $local ne '-';
my $s = IO::Socket::IP->new(%a) or do { print "NOCONNECT $@\n"; exit 0 };
my $body = "$sysid\0$pw\0\0" . pack('CCC', 0x34, 0, 0) . "\0";
print $s pack('NNNN', 16 + length($body), 0x00000009, 0, 7) . $body;
my $sel = IO::Select->new($s);
my $buf = '';
my $deadline = time + 10;
while (length($buf) < 16) {
    my $left = $deadline - time;
    last if $left <= 0 || !$sel->can_read($left);
    my $n = sysread($s, $buf, 4096, length $buf);
    if (!$n) { print "CLOSED\n"; exit 0 }
}
if (length($buf) < 16) { print "NORESPONSE\n"; exit 0 }
my ($len, $cmd, $status, $seq) = unpack('NNNN', $buf);
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
S=$L/security
XQ=$(rq "$X")

# ---------------------------------------------------------------------------
# 1. Allowed binds from 127.0.0.1 (Net::SMPP), 127.0.0.2 and ::1 (node-smpp).
it_start alice perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id alice --password pw-alice --submit 1 --unbind
it_start pinned node "$P/client.js" --host 127.0.0.1 --local-address 127.0.0.2 --port "$OSB_PORT" \
    --system-id pinned --password pw-pinned --submit 1 --unbind
it_start v6user node "$P/client.js" --host ::1 --port "$OSB_PORT" \
    --system-id v6user --password pw-v6user --submit 1 --unbind
it_wait_exit alice 30
it_wait_exit pinned 30
it_wait_exit v6user 30
for who in alice pinned v6user; do
    it_assert_eq "$(peer_field "$IT_DIR/$who.out" bind status)" 0 "allowed: $who's bind answered 0"
    it_assert_eq "$(peer_field "$IT_DIR/$who.out" submit status)" 0 "allowed: $who's submit answered 0"
done
it_assert_eq "$(peer_field "$IT_DIR/pinned.out" connect local | sed 's/:[0-9]*$//')" 127.0.0.2 "allowed: pinned really came from 127.0.0.2"
it_wait_line "$C" 'LOGIN OK \(info="0 v6user"\)' 10
it_assert_line "$C" "^$TS \([0-9]+\) CONNECT OK \(info=\"0 127\.0\.0\.1\"\)$" "allowed: CONNECT OK from 127.0.0.1"
it_assert_line "$C" "^$TS \([0-9]+\) CONNECT OK \(info=\"0 127\.0\.0\.2\"\)$" "allowed: CONNECT OK from 127.0.0.2 (dotted quad, not ::ffff:)"
it_assert_line "$C" "^$TS \([0-9]+\) CONNECT OK \(info=\"0 ::1\"\)$" "allowed: CONNECT OK from ::1"
for who in alice pinned v6user; do
    it_assert_line "$C" "^$TS \([0-9]+\) LOGIN OK \(info=\"0 $who\"\)$" "allowed: LOGIN OK for $who"
done
it_assert_no_line "$S" '.' "allowed: nothing in security"

# ---------------------------------------------------------------------------
# 2. Refused at connect: 127.0.0.3 by the deny rule, 127.0.0.9 by no rule
# (outside the /29).  Closed at once, no CONNECT line, one security line.
it_start deny3 perl "$IT_DIR/tcpprobe.pl" 127.0.0.1 "$OSB_PORT" 127.0.0.3 1
it_start deny9 node "$P/client.js" --host 127.0.0.1 --local-address 127.0.0.9 --port "$OSB_PORT" \
    --system-id alice --password pw-alice --timeout 5
it_wait_exit deny3 15
it_wait_exit deny9 15
it_assert_eq "$(cat "$IT_DIR/deny3.out")" CLOSED "connect refusal: the server closed the connection from 127.0.0.3"
it_assert_eq "$(peer_field "$IT_DIR/deny9.out" bind status)" "" "connect refusal: node-smpp from 127.0.0.9 got no bind response"
it_assert_line "$IT_DIR/deny9.out" '"event":"closed"' "connect refusal: node-smpp from 127.0.0.9 saw the connection closed"
it_wait_line "$S" 'address="127\.0\.0\.9"' 5
it_assert_eq "$(grep -c 'DENY CONNECT address="127.0.0.3"' "$S")" 1 "connect refusal: exactly one DENY CONNECT for 127.0.0.3"
it_assert_line "$S" "^$TS ${LVL}\(smpp-in\) DENY CONNECT address=\"127\.0\.0\.3\" rule=\"$XQ:$RULE_DENY3\"$" \
    "connect refusal: DENY CONNECT names the deny rule $(basename "$X"):$RULE_DENY3"
it_assert_eq "$(grep -c 'DENY CONNECT address="127.0.0.9"' "$S")" 1 "connect refusal: exactly one DENY CONNECT for 127.0.0.9"
it_assert_line "$S" "^$TS ${LVL}\(smpp-in\) DENY CONNECT address=\"127\.0\.0\.9\" rule=\"no match\"$" \
    "connect refusal: no rule matches 127.0.0.9: rule=\"no match\""
it_assert_no_line "$C" '127\.0\.0\.(3|9)' "connect refusal: no CONNECT line for 127.0.0.3 or 127.0.0.9"
n_alice_binds=$(grep -c 'Read op:0x00000009 .*SYSTEMID:alice' "$L/pdu.smpp-in")
it_assert_eq "$n_alice_binds" 1 "connect refusal: the refused node-smpp client's bind was never read"

# ---------------------------------------------------------------------------
# 3. Refused at bind by <users>: the client sees 14, the server closes the
# connection after the response; LOGIN ERR 14 and DENY LOGIN reason=address.
run_raw() { # name host local sysid password
    it_start "$1" perl "$IT_DIR/rawbind.pl" "$2" "$OSB_PORT" "$3" "$4" "$5" 6
    it_wait_exit "$1" 30
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
it_wait_line "$S" 'system-id="v6user"' 5
it_assert_line "$S" "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"pinned\" address=\"127\.0\.0\.1\" status=\"14\" reason=\"address\" rule=\"no match\"$" \
    "bind refusal: DENY LOGIN pinned from 127.0.0.1, reason=address, no match"
it_assert_line "$S" "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"nobody\" address=\"127\.0\.0\.1\" status=\"14\" reason=\"address\" rule=\"no match\"$" \
    "bind refusal: a listed user without entries may not bind"
it_assert_line "$S" "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"v6user\" address=\"127\.0\.0\.2\" status=\"14\" reason=\"address\" rule=\"no match\"$" \
    "bind refusal: an IPv6 rule does not admit an IPv4 client (from 127.0.0.2)"
it_assert_eq "$(grep -Ec "^$TS \([0-9]+\) LOGIN ERR \(info=\"14\"\)$" "$C")" 3 "bind refusal: three LOGIN ERR (info=\"14\") lines"
it_assert_eq "$(grep -Ec "^$TS \([0-9]+\) DISCONNECT ERR \(info=\"login-failed\"\)$" "$C")" 3 "bind refusal: three DISCONNECT ERR (info=\"login-failed\")"
it_assert_eq "$(grep -c 'DENY CONNECT' "$S")" 2 "bind refusal: refused binds add no DENY CONNECT"

# ---------------------------------------------------------------------------
# 3b. A patched bearerbox as the client, its sessions leaving from 127.0.0.2
# (`our-host`): account bbok may bind from 127.0.0.2 and does; account bbbad
# may bind only from 127.0.0.4 and is refused at bind:
# 14 on both sides' logs.
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
box_smsc_smpp "$IT_DIR/kannel-client.conf" bbok "$OSB_PORT" bbok pw-bbok "transceiver-mode = true" "our-host = 127.0.0.2"
box_smsc_smpp "$IT_DIR/kannel-client.conf" bbbad "$OSB_PORT" bbbad pw-bbbad "transceiver-mode = true" "our-host = 127.0.0.2"
box_start bbclient "$IT_DIR/kannel-client.conf"
it_wait_line "$BBCL/connector.up-ok" 'LOGIN' 20
it_wait_line "$BBCL/connector.up-bad" 'LOGIN' 20
it_assert_line "$BBCL/connector.up-ok" "^$TS \(0\) LOGIN OK \(info=\"0 OSB\"\)$" "bearerbox client (our-host 127.0.0.2): allowed account binds"
it_assert_line "$BBCL/connector.up-bad" "^$TS \(0\) LOGIN ERR \(info=\"14\"\)$" "bearerbox client: refused account, LOGIN ERR 14 on the outgoing side"
it_wait_line "$C" 'LOGIN OK \(info="0 bbok"\)' 5
it_assert_line "$S" "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"bbbad\" address=\"127\.0\.0\.2\" status=\"14\" reason=\"address\" rule=\"no match\"$" \
    "bearerbox client: DENY LOGIN bbbad from 127.0.0.2 on the incoming side"
it_stop bbclient

# ---------------------------------------------------------------------------
# 4. login-failure-status="13" and <users default="deny"> (osb13).
C13=$L13/connector.strict-in
S13=$L13/security
X13Q=$(rq "$X13")
it_start s13_listed perl "$P/client.pl" --host 127.0.0.1 --port "$OSB13_PORT" \
    --system-id listed --password pw-listed --unbind
it_start s13_stranger perl "$IT_DIR/rawbind.pl" 127.0.0.1 "$OSB13_PORT" - stranger pw-strg 6
it_start s13_badpw node "$P/client.js" --host 127.0.0.1 --port "$OSB13_PORT" \
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
it_wait_line "$S13" 'reason="credentials"' 5
it_assert_line "$C13" "^$TS \([0-9]+\) LOGIN OK \(info=\"0 listed\"\)$" "strict: LOGIN OK for the listed user"
it_assert_eq "$(grep -Ec "^$TS \([0-9]+\) LOGIN ERR \(info=\"13\"\)$" "$C13")" 2 "strict: two LOGIN ERR (info=\"13\")"
it_assert_line "$S13" "^$TS ${LVL}\(strict-in(,[0-9]+)?\) DENY LOGIN system-id=\"stranger\" address=\"127\.0\.0\.1\" status=\"13\" reason=\"address\" rule=\"$X13Q:$RULE_USERS13\"$" \
    "strict: DENY LOGIN for the unlisted user names the <users> line"
it_assert_line "$S13" "^$TS ${LVL}\(strict-in(,[0-9]+)?\) DENY LOGIN system-id=\"listed\" address=\"127\.0\.0\.1\" status=\"13\" reason=\"credentials\" rule=\"[^\"]*\"$" \
    "strict: DENY LOGIN for the wrong password, status 13"

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
it_start s13_after_bad perl "$IT_DIR/rawbind.pl" 127.0.0.1 "$OSB13_PORT" - stranger pw-strg 3
it_wait_exit s13_after_bad 20
case $(cat "$IT_DIR/s13_after_bad.out") in
"STATUS 13 "*) it_pass "reload rejected: the old lists stay (stranger still answered 13)" ;;
*) it_fail "reload rejected: the old lists stay (client saw: $(tr '\n' ' ' <"$IT_DIR/s13_after_bad.out"))" ;;
esac
write_x13 allow
reload_and_wait 'CONFIG LOADED' 2
it_assert_eq "$(grep -Ec "^$TS ${LVL}\(opensmppbox\) CONFIG LOADED file=\"$X13Q\"$" "$G13")" 2 "reload, valid file: a second CONFIG LOADED"
it_start s13_after_good perl "$P/client.pl" --host 127.0.0.1 --port "$OSB13_PORT" \
    --system-id stranger --password pw-strg --unbind
it_wait_exit s13_after_good 20
it_assert_eq "$(peer_field "$IT_DIR/s13_after_good.out" bind status)" 0 "reload accepted: the new file's decision (stranger binds)"
it_wait_line "$C13" 'LOGIN OK \(info="0 stranger"\)' 5

# ---------------------------------------------------------------------------
# 6. 50 concurrent clients with distinct logins on smpp-in, from 127.0.0.1
# and 127.0.0.2; cNN is allowed when its address is its account's (see the
# XML).  One node process runs them all; each allowed client holds its
# session 1 s, then unbinds; each refused one waits for the server to close.
cat >"$IT_DIR/many.js" <<'JS'
'use strict';
const smpp = require(process.argv[2]);
const port = Number(process.argv[3]);
const n = Number(process.argv[4]);
let left = n;
function done(rec) {
	process.stdout.write(JSON.stringify(rec) + '\n');
	if (--left === 0)
		process.exit(0);
}
for (let i = 0; i < n; i++) {
	const id = 'c' + String(i).padStart(2, '0');
	const from = i % 3 === 0 ? '127.0.0.1' : '127.0.0.2';
	const rec = { id: id, from: from, status: null, end: null };
	let ended = false;
	const s = smpp.connect({ host: '127.0.0.1', port: port, localAddress: from });
	const finish = (how) => { if (!ended) { ended = true; rec.end = how; done(rec); } };
	s.on('error', (e) => finish('error ' + e.message));
	s.on('close', () => finish(rec.status === 0 ? 'unbound' : 'server-closed'));
	s.on('connect', () => {
		s.bind_transceiver({ system_id: Buffer.from(id), password: Buffer.from('pw-' + id) }, (pdu) => {
			rec.status = pdu.command_status;
			if (pdu.command_status === 0)
				setTimeout(() => s.unbind({}, () => s.close()), 1000);
		});
	});
}
setTimeout(() => process.exit(3), 40000);
JS
sec_before6=$(wc -l <"$S")
login_err_before6=$(grep -c 'LOGIN ERR' "$C")
start=$SECONDS
it_start many node "$IT_DIR/many.js" "$P/node_modules/smpp" "$OSB_PORT" "$N"
it_wait_exit many 45
took=$((SECONDS - start))
it_assert_eq "$(grep -c '"id"' "$IT_DIR/many.out")" "$N" "50 clients: every client reported"
if [ "$took" -le 30 ]; then it_pass "50 clients: all finished in ${took}s (<= 30 s)"; else it_fail "50 clients: all finished in ${took}s (> 30 s)"; fi
# After a new second, one more refused login (nobody) makes the module
# report what the rate limit held back during the burst (docs/connector-log.md#security-and-general).
sleep 1.2
it_start flush_login perl "$IT_DIR/rawbind.pl" 127.0.0.1 "$OSB_PORT" - nobody pw-nobody 1
it_wait_exit flush_login 20
it_wait_line "$S" 'DENY LOGIN system-id="nobody".*' 5
sleep 0.3
tail -n +"$((sec_before6 + 1))" "$S" >"$IT_DIR/security.part6"
n_ok=0 n_bad=0 wrong=
for ((i = 0; i < N; i++)); do
    id=$(printf 'c%02d' "$i")
    if ((i % 2 == 0)); then home=127.0.0.1; else home=127.0.0.2; fi
    if ((i % 3 == 0)); then from=127.0.0.1; else from=127.0.0.2; fi
    rec=$(grep "\"id\":\"$id\"" "$IT_DIR/many.out")
    if [ "$home" = "$from" ]; then
        n_ok=$((n_ok + 1))
        case $rec in *'"status":0,'*'"end":"unbound"'*) ;; *) wrong+=" $id(expected 0: $rec)" ;; esac
        grep -Eq "^$TS \([0-9]+\) LOGIN OK \(info=\"0 $id\"\)$" "$C" || wrong+=" $id(no LOGIN OK)"
        grep -q "system-id=\"$id\"" "$S" && wrong+=" $id(DENY LOGIN for an allowed client)"
    else
        n_bad=$((n_bad + 1))
        case $rec in *'"status":14,'*'"end":"server-closed"'*) ;; *) wrong+=" $id(expected 14 and a close: $rec)" ;; esac
        # Its DENY LOGIN line, if the rate limit let it through, must be right.
        if grep -q "system-id=\"$id\"" "$S"; then
            grep -Eq "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"$id\" address=\"$from\" status=\"14\" reason=\"address\" rule=\"no match\"$" "$S" ||
                wrong+=" $id(wrong DENY LOGIN line)"
        fi
    fi
done
it_assert_eq "${wrong:-none}" none "50 clients: $n_ok allowed and $n_bad refused, each decided as its account says"
it_assert_eq "$(grep -Ec 'LOGIN OK \(info="0 c[0-9]{2}"\)' "$C")" "$n_ok" "50 clients: exactly $n_ok LOGIN OK lines"
it_assert_eq "$(($(grep -c 'LOGIN ERR' "$C") - login_err_before6))" "$((n_bad + 1))" "50 clients: $n_bad LOGIN ERR lines (+1 for the last refusal)"
deny_c=$(grep -Ec 'DENY LOGIN system-id="c[0-9]{2}"' "$IT_DIR/security.part6")
supp6=$(grep -E "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) SUPPRESSED count=\"[0-9]+\" reason=\"[^\"]*\"$" "$IT_DIR/security.part6" |
    sed -E 's/.*count="([0-9]+)".*/\1/' | awk '{ n += $1 } END { print n + 0 }')
max6=$(grep ') DENY LOGIN ' "$IT_DIR/security.part6" | cut -c1-19 | sort | uniq -c | sort -rn | head -n 1 | awk '{ print $1 }')
it_assert_eq "$((deny_c + supp6))" "$n_bad" "50 clients: DENY LOGIN lines ($deny_c) + SUPPRESSED counts ($supp6) = $n_bad refusals"
if [ "${max6:-0}" -le 10 ]; then it_pass "50 clients: at most 10 DENY LOGIN lines in a second (max $max6)"; else it_fail "50 clients: $max6 DENY LOGIN lines in one second"; fi

# ---------------------------------------------------------------------------
# 7. A flood of refused connects: 40 at once from 127.0.1.1 (no rule), then
# after a new second one more.  At most 10 DENY CONNECT lines in any second;
# SUPPRESSED lines count the rest.
FLOOD=40
sleep 1.1 # a new second: the burst above is not counted with this one
sec_before7=$(wc -l <"$S")
it_start flood perl "$IT_DIR/tcpprobe.pl" 127.0.0.1 "$OSB_PORT" 127.0.1.1 "$FLOOD"
it_wait_exit flood 30
it_assert_eq "$(grep -c '^CLOSED$' "$IT_DIR/flood.out")" "$FLOOD" "flood: all $FLOOD connects closed by the server"
sleep 1.2
it_start flood_last perl "$IT_DIR/tcpprobe.pl" 127.0.0.1 "$OSB_PORT" 127.0.1.1 1
it_wait_exit flood_last 10
it_assert_eq "$(cat "$IT_DIR/flood_last.out")" CLOSED "flood: the connect after it closed too"
sleep 0.3
tail -n +"$((sec_before7 + 1))" "$S" >"$IT_DIR/security.part7"
deny_lines=$(grep -c 'DENY CONNECT address="127.0.1.1" rule="no match"' "$IT_DIR/security.part7")
max_per_sec=$(grep ') DENY CONNECT ' "$IT_DIR/security.part7" | cut -c1-19 | sort | uniq -c | sort -rn | head -n 1 | awk '{ print $1 }')
supp=$(grep -E "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) SUPPRESSED count=\"[0-9]+\" reason=\"[^\"]*\"$" "$IT_DIR/security.part7" |
    sed -E 's/.*count="([0-9]+)".*/\1/' | awk '{ n += $1 } END { print n + 0 }')
if [ "${max_per_sec:-0}" -le 10 ]; then it_pass "flood: at most 10 DENY CONNECT lines in a second (max $max_per_sec)"; else it_fail "flood: $max_per_sec DENY CONNECT lines in one second"; fi
it_assert_eq "$((deny_lines + supp))" "$((FLOOD + 1))" "flood: DENY CONNECT lines ($deny_lines) + SUPPRESSED counts ($supp) = $((FLOOD + 1)) connects"
# 40 connects take far less than 2 s, so at most 20 lines get through.
if [ "$supp" -ge $((FLOOD - 20)) ]; then it_pass "flood: SUPPRESSED accounts for the rest ($supp)"; else it_fail "flood: SUPPRESSED counts only $supp"; fi
it_assert_no_line "$C" '127\.0\.1\.1' "flood: no CONNECT line for the refused address"

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

it_summary
