#!/usr/bin/perl
# smsc.pl: a small SMSC (SMPP 3.4 server) for emgdiag's integration tests.
#
# Built on Net::SMPP (Debian's libnet-smpp-perl), an SMPP implementation
# written independently of Kannel, so Kannel's bearerbox and our module face
# a peer that does not share their code.  It checks credentials, can be told
# to misbehave in the ways the connector log must record (refused binds,
# forced statuses, silence, closing or unbinding on its own), and prints one
# flushed line per event on stdout so a test can wait for it:
#   LISTENING <port>
#   CONNECT <address>:<port>
#   PDU <address>:<port> <in|out> <hex>   every PDU received or sent, whole,
#                                         in wire order (tests expect the
#                                         gateway's pdu log from these)
#   BIND <trx|tx|rx> <system_id> -> <status>     (status "none": not answered)
#   SUBMIT <source_addr> -> <destination_addr> id=<message_id> status=<status>
#   RECEIPT <message_id> as <id in the receipt>   (--receipts)
#   ENQUIRE_LINK
#   UNBIND                  (the peer unbound; answered, then closed)
#   UNBIND_SENT / UNBIND_RESP   (--unbind-after)
#   NACK 0x<command_id>     (an operation this SMSC does not serve)
#   CLOSED <address>:<port> <smsc|esme>   who closed the connection
# Several connections are served at once by one process (no forks), so the
# test that stops this PID stops everything it started.
use strict;
use warnings;

use Getopt::Long qw(GetOptions);
use IO::Select;
use Net::SMPP;
use Time::HiRes qw(time);

use constant {
    CMD_BIND_RECEIVER      => 0x00000001,
    CMD_BIND_TRANSMITTER   => 0x00000002,
    CMD_SUBMIT_SM          => 0x00000004,
    CMD_UNBIND             => 0x00000006,
    CMD_BIND_TRANSCEIVER   => 0x00000009,
    CMD_ENQUIRE_LINK       => 0x00000015,
    CMD_UNBIND_RESP        => 0x80000006,
    RESP_BIT               => 0x80000000,
    ESME_RINVBNDSTS        => 0x04,    # incorrect bind status for the operation
    ESME_RINVCMDID         => 0x03,    # invalid command id
    ESME_RINVPASWD         => 0x0e,
    ESME_RINVSYSID         => 0x0f,
    ESME_RTHROTTLED        => 0x58,    # throttling error (88)
    UNBIND_RESP_WAIT       => 10,      # seconds to wait for unbind_resp
};

my %bind_types = (
    CMD_BIND_RECEIVER()    => 'rx',
    CMD_BIND_TRANSMITTER() => 'tx',
    CMD_BIND_TRANSCEIVER() => 'trx',
);

my %opt = (host => '127.0.0.1', 'smsc-system-id' => 'smsc');
sub usage {
    print STDERR <<"EOF";
usage: $0 --port N --system-id ID --password PW [--host 127.0.0.1]
          [--smsc-system-id NAME] [--bind-status N] [--close-after-bind]
          [--unbind-after SECS] [--no-bind-response] [--error-body]
          [--throttle-every N] [--hex-ids] [--receipts] [--receipt-zeros N]
  --error-body   put system_id in refused bind responses too (default: a
                 header-only response, as most real SMSCs send)
  --throttle-every N  answer every N-th submit_sm ESME_RTHROTTLED (88),
                 header-only, as a real SMSC over its rate does
  --hex-ids      answer submit_sm with upper-case hexadecimal message ids
  --receipts     send a delivery receipt (deliver_sm, DELIVRD) right after
                 answering a submit_sm that asks for one; its id (TLV and
                 `id:` text) is the decimal form of the message id, as
                 SMSCs whose submit_sm_resp ids are hex do
  --receipt-zeros N  the N-th receipt writes its decimal id with three
                 leading zeros
EOF
    exit 2;
}
GetOptions(\%opt, 'port=i', 'host=s', 'system-id=s', 'password=s', 'smsc-system-id=s',
           'bind-status=i', 'close-after-bind', 'unbind-after=f', 'no-bind-response',
           'error-body', 'throttle-every=i', 'hex-ids', 'receipts', 'receipt-zeros=i', 'help')
    or usage();
usage() if $opt{help} || !defined $opt{port} || !defined $opt{'system-id'}
    || !defined $opt{password};

$| = 1;
$SIG{PIPE} = 'IGNORE';
$SIG{TERM} = $SIG{INT} = sub { exit 0 };

my $listener = Net::SMPP->new_listen($opt{host}, port => $opt{port}, timeout => undef,
                                     smpp_version => 0x34)
    or die "smsc.pl: cannot listen on $opt{host}:$opt{port}: $!\n";
print "LISTENING ", $listener->sockport, "\n";

my $select = IO::Select->new($listener);
my %sessions;    # fileno => { conn, peer, bound, unbind_at, unbind_sent_at }
my $next_message_id = 1;
my $submits_seen = 0;
my $receipts_sent = 0;
# Hex ids start here: eight hex digits with letters, as real SMSCs send.
use constant HEX_ID_BASE => 0x4B3C1000;

# Every PDU Net::SMPP (or send_header_only) writes passes through here and
# is printed whole before it is written; a buffer holding several PDUs is
# cut at each command_length.
sub trace_pdus {
    my ($conn, $dir, $octets) = @_;
    my $s = $sessions{ fileno($conn) } or return;
    while (length($octets) >= 4) {
        my $len = unpack('N', $octets);
        $len = length($octets) if $len < 4 || $len > length($octets);
        print "PDU $s->{peer} $dir ", unpack('H*', substr($octets, 0, $len, '')), "\n";
    }
}
{
    no warnings qw(redefine once);
    *Net::SMPP::syswrite = sub {
        my ($me, $buf, @rest) = @_;
        trace_pdus($me, 'out', $buf);
        return $me->IO::Handle::syswrite($buf, @rest);
    };
}

# $who closed the connection: "smsc" (this peer) or "esme" (the other side).
sub close_session {
    my ($s, $who) = @_;
    $select->remove($s->{conn});
    delete $sessions{ fileno($s->{conn}) };
    close($s->{conn});
    print "CLOSED $s->{peer} $who\n";
}

# A response of 16 octets: what real SMSCs send for a refused request.
sub send_header_only {
    my ($conn, $cmd, $status, $seq) = @_;
    $conn->syswrite(pack('NNNN', 16, $cmd, $status, $seq));
}

sub bind_status {
    my ($pdu) = @_;
    return $opt{'bind-status'} if defined $opt{'bind-status'};
    return ESME_RINVSYSID if $pdu->{system_id} ne $opt{'system-id'};
    return ESME_RINVPASWD if $pdu->{password} ne $opt{password};
    return 0;
}

sub handle_bind {
    my ($s, $pdu) = @_;
    my $conn = $s->{conn};
    my $type = $bind_types{ $pdu->{cmd} };

    if ($opt{'no-bind-response'}) {
        print "BIND $type $pdu->{system_id} -> none\n";
        return 1;
    }
    my $status = $s->{bound} ? ESME_RINVBNDSTS : bind_status($pdu);
    my $resp_cmd = $pdu->{cmd} | RESP_BIT;
    if ($status == 0 || $opt{'error-body'}) {
        # Net::SMPP's *_resp builders put system_id in the body.
        my $method = { rx => 'bind_receiver_resp', tx => 'bind_transmitter_resp',
                       trx => 'bind_transceiver_resp' }->{$type};
        $conn->$method(seq => $pdu->{seq}, status => $status,
                       system_id => $opt{'smsc-system-id'});
    } else {
        send_header_only($conn, $resp_cmd, $status, $pdu->{seq});
    }
    print "BIND $type $pdu->{system_id} -> $status\n";
    $s->{bound} = $type if $status == 0;
    if ($opt{'close-after-bind'}) {
        close_session($s, 'smsc');
        return 0;
    }
    if ($status == 0 && defined $opt{'unbind-after'}) {
        $s->{unbind_at} = time + $opt{'unbind-after'};
    }
    return 1;
}

sub handle_submit {
    my ($s, $pdu) = @_;
    if (!$s->{bound} || $s->{bound} eq 'rx') {
        send_header_only($s->{conn}, CMD_SUBMIT_SM | RESP_BIT, ESME_RINVBNDSTS, $pdu->{seq});
        print "SUBMIT $pdu->{source_addr} -> $pdu->{destination_addr} id= status=",
            ESME_RINVBNDSTS, "\n";
        return;
    }
    $submits_seen++;
    if ($opt{'throttle-every'} && $submits_seen % $opt{'throttle-every'} == 0) {
        send_header_only($s->{conn}, CMD_SUBMIT_SM | RESP_BIT, ESME_RTHROTTLED, $pdu->{seq});
        print "SUBMIT $pdu->{source_addr} -> $pdu->{destination_addr} id= status=",
            ESME_RTHROTTLED, "\n";
        return;
    }
    my $n = $next_message_id++;
    my $id = $opt{'hex-ids'} ? sprintf('%X', HEX_ID_BASE + $n) : sprintf('%08d', $n);
    $s->{conn}->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
    print "SUBMIT $pdu->{source_addr} -> $pdu->{destination_addr} id=$id status=0\n";
    send_receipt($s, $pdu, $opt{'hex-ids'} ? HEX_ID_BASE + $n : $n, $id)
        if $opt{receipts} && ($pdu->{registered_delivery} & 0x01);
}

# A receipt for message $num (answered as $id): the id in decimal, in the
# receipted_message_id TLV and in the `id:` text (SMPP 3.4 appendix B).
sub send_receipt {
    my ($s, $pdu, $num, $id) = @_;
    $receipts_sent++;
    my $dec = sprintf('%d', $num);
    $dec = "000$dec" if $opt{'receipt-zeros'} && $receipts_sent == $opt{'receipt-zeros'};
    my @t = gmtime();
    my $date = sprintf('%02d%02d%02d%02d%02d', $t[5] % 100, $t[4] + 1, $t[3], $t[2], $t[1]);
    $s->{conn}->deliver_sm(
        async => 1, esm_class => 0x04,
        source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
        short_message => "id:$dec sub:001 dlvrd:001 submit date:$date done date:$date "
            . "stat:DELIVRD err:000 text:",
        receipted_message_id => "$dec\0", message_state => pack('C', 2));
    print "RECEIPT $id as $dec\n";
}

# One PDU from a readable session; false when the session is gone.
sub handle_pdu {
    my ($s) = @_;
    my $conn = $s->{conn};
    my $pdu = $conn->read_pdu();
    if (!defined $pdu) {
        close_session($s, 'esme');
        return 0;
    }
    print "PDU $s->{peer} in ",
        unpack('H*', pack('NNNN', 16 + length($pdu->{data}), $pdu->{cmd}, $pdu->{status}, $pdu->{seq})
                     . $pdu->{data}), "\n";
    my $cmd = $pdu->{cmd};
    if (exists $bind_types{$cmd}) {
        return handle_bind($s, $pdu);
    } elsif ($cmd == CMD_SUBMIT_SM) {
        handle_submit($s, $pdu);
    } elsif ($cmd == CMD_ENQUIRE_LINK) {
        $conn->enquire_link_resp(seq => $pdu->{seq});
        print "ENQUIRE_LINK\n";
    } elsif ($cmd == CMD_UNBIND) {
        $conn->unbind_resp(seq => $pdu->{seq});
        print "UNBIND\n";
        close_session($s, 'smsc');
        return 0;
    } elsif ($cmd == CMD_UNBIND_RESP) {
        print "UNBIND_RESP\n";
        close_session($s, 'smsc');
        return 0;
    } elsif (!($cmd & RESP_BIT)) {
        send_header_only($conn, 0x80000000, ESME_RINVCMDID, $pdu->{seq});
        printf "NACK 0x%08x\n", $cmd;
    }
    # other responses (deliver_sm_resp, enquire_link_resp...) need no answer
    return 1;
}

sub run_timers {
    my $now = time;
    for my $s (values %sessions) {
        if (defined $s->{unbind_at} && $now >= $s->{unbind_at}) {
            delete $s->{unbind_at};
            $s->{conn}->unbind(async => 1);
            $s->{unbind_sent_at} = $now;
            print "UNBIND_SENT\n";
        } elsif (defined $s->{unbind_sent_at} && $now >= $s->{unbind_sent_at} + UNBIND_RESP_WAIT) {
            close_session($s, 'smsc');
        }
    }
}

sub next_timeout {
    my $next;
    for my $s (values %sessions) {
        for my $t ($s->{unbind_at},
                   defined $s->{unbind_sent_at} ? $s->{unbind_sent_at} + UNBIND_RESP_WAIT : undef) {
            $next = $t if defined $t && (!defined $next || $t < $next);
        }
    }
    return undef unless defined $next;
    my $wait = $next - time;
    return $wait > 0 ? $wait : 0;
}

for (;;) {
    my @ready = $select->can_read(next_timeout());
    for my $fh (@ready) {
        if ($fh == $listener) {
            my $conn = $listener->accept() or next;
            my $peer = $conn->peerhost . ":" . $conn->peerport;
            $sessions{ fileno($conn) } = { conn => $conn, peer => $peer, bound => '' };
            $select->add($conn);
            print "CONNECT $peer\n";
            next;
        }
        my $s = $sessions{ fileno($fh) } or next;
        handle_pdu($s);
    }
    run_timers();
}
