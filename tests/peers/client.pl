#!/usr/bin/perl
# client.pl: a minimal SMPP 3.4 client (ESME) on Net::SMPP, for emgdiag's
# integration tests; the Perl twin of client.js.
#
# It connects (optionally from a chosen local address, to test per-address
# access lists), binds, optionally submits messages, holds the session
# (answering enquire_link and a server's unbind), optionally unbinds, and
# prints one JSON object per event on stdout, flushed:
#   {"event":"connect","local":"127.0.0.2:40000"}
#   {"event":"bind","mode":"trx","status":0,"system_id":"smsc"}
#   {"event":"bind_timeout"}           no bind response within --timeout
#   {"event":"submit","status":0,"message_id":"00000001"}
#                                      (--concat: one per part, with "part":"k/n")
#   {"event":"deliver","source":"…","destination":"…","text":"…"}
#                                      a deliver_sm received (answered)
#   {"event":"unbind_received"}        the server unbound us (answered)
#   {"event":"unbind","status":0}      our unbind was answered
#   {"event":"pdu","dir":"out","hex":"..."}   with --pdus: every PDU sent
#                                      ("out") or received ("in"), whole, in
#                                      wire order
#   {"event":"closed","by":"client"}   who closed: "client" (us) or "server"
#   {"event":"error","message":"..."}
# Net::SMPP reports success even when a bind is refused, so the status
# printed is the command_status read from the response PDU.
# Exit status: 0 when it ran as asked, whatever the bind status (the test
# judges it); 1 when the TCP connection could not be made; 2 on bad usage.
use strict;
use warnings;

use Getopt::Long qw(GetOptions);
use IO::Select;
use Net::SMPP;
use Time::HiRes qw(time);

use constant {
    CMD_GENERIC_NACK   => 0x80000000,
    CMD_UNBIND         => 0x00000006,
    CMD_ENQUIRE_LINK   => 0x00000015,
    CMD_DELIVER_SM     => 0x00000005,
};

my %opt = (mode => 'trx', submit => 0, hold => 0, timeout => 10);
sub usage {
    print STDERR "usage: $0 --host H --port N --system-id ID --password PW\n",
        "          [--mode trx|tx|rx] [--local-address A] [--submit N] [--hold SECS]\n",
        "          [--unbind] [--timeout SECS] [--pdus] [--dlr] [--concat N]\n",
        "  --dlr       ask for a delivery receipt (registered_delivery 1)\n",
        "  --concat N  after the --submit messages, one message of N parts of 150\n",
        "              characters each, with a concatenation UDH (IE 0x00)\n";
    exit 2;
}
GetOptions(\%opt, 'host=s', 'port=i', 'system-id=s', 'password=s', 'mode=s',
           'local-address=s', 'submit=i', 'hold=f', 'unbind', 'timeout=f', 'pdus', 'dlr',
           'concat=i', 'help')
    or usage();
usage() if $opt{help} || !defined $opt{host} || !defined $opt{port}
    || !defined $opt{'system-id'} || !defined $opt{password}
    || $opt{mode} !~ /^(trx|tx|rx)$/;

$| = 1;
$SIG{PIPE} = 'IGNORE';

sub json_string {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f\x7f-\xff])/sprintf('\\u%04x', ord($1))/ge;
    return "\"$s\"";
}

# event NAME, then key/value pairs; values matching an integer print bare.
sub event {
    my ($name, @kv) = @_;
    my $out = '{"event":' . json_string($name);
    while (@kv) {
        my ($k, $v) = splice(@kv, 0, 2);
        $out .= ',' . json_string($k) . ':' . ($v =~ /^(0|[1-9][0-9]*)$/ ? $v : json_string($v));
    }
    print "$out}\n";
}

my %connect_args = (port => $opt{port}, timeout => $opt{timeout}, async => 1,
                    smpp_version => 0x34);
$connect_args{local_ip} = $opt{'local-address'} if defined $opt{'local-address'};
my $conn = Net::SMPP->new_connect($opt{host}, %connect_args);
if (!$conn) {
    event('error', message => "connect to $opt{host}:$opt{port}: " . ($! || $@ || 'failed'));
    exit 1;
}
event('connect', local => $conn->sockhost . ':' . $conn->sockport);
my $select = IO::Select->new($conn);

# A PDU as the test sees it: the octets, whole, in hex.
sub trace_pdu {
    my ($dir, $octets) = @_;
    return unless $opt{pdus};
    print '{"event":"pdu","dir":"', $dir, '","hex":"', unpack('H*', $octets), "\"}\n";
}
# Every PDU Net::SMPP writes passes through its syswrite method: print it
# first (cut at each command_length, should a buffer hold several).
{
    no warnings qw(redefine once);
    *Net::SMPP::syswrite = sub {
        my ($me, $buf, @rest) = @_;
        my $octets = $buf;
        while (length($octets) >= 4) {
            my $len = unpack('N', $octets);
            $len = length($octets) if $len < 4 || $len > length($octets);
            trace_pdu('out', substr($octets, 0, $len, ''));
        }
        return $me->IO::Handle::syswrite($buf, @rest);
    };
}

sub finish {
    close($conn);
    event('closed', by => 'client');
    exit 0;
}

# Reads PDUs until the response with sequence number $seq arrives (with $seq
# undef: until the deadline), answering what a client must answer meanwhile.
# Returns (PDU, 'ok') or (undef, 'timeout' | 'closed' | 'unbound').
sub wait_response {
    my ($seq, $deadline) = @_;
    for (;;) {
        my $left = $deadline - time;
        return (undef, 'timeout') if $left <= 0;
        next unless $select->can_read($left);
        my $pdu = $conn->read_pdu();
        return (undef, 'closed') unless defined $pdu;
        trace_pdu('in', pack('NNNN', 16 + length($pdu->{data}), $pdu->{cmd}, $pdu->{status},
                             $pdu->{seq}) . $pdu->{data});
        return ($pdu, 'ok') if defined $seq && $pdu->{seq} == $seq && ($pdu->{cmd} & 0x80000000);
        handle_request($pdu) or return (undef, 'unbound');
    }
}

# Answers a request from the SMSC; false when the session is over.
sub handle_request {
    my ($pdu) = @_;
    if ($pdu->{cmd} == CMD_ENQUIRE_LINK) {
        $conn->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($pdu->{cmd} == CMD_DELIVER_SM) {
        $conn->deliver_sm_resp(seq => $pdu->{seq}, message_id => '');
        event('deliver', source => $pdu->{source_addr}, destination => $pdu->{destination_addr},
              text => defined $pdu->{short_message} ? $pdu->{short_message} : '');
    } elsif ($pdu->{cmd} == CMD_UNBIND) {
        $conn->unbind_resp(seq => $pdu->{seq});
        event('unbind_received');
        return 0;
    }
    return 1;
}

my $bind_method = { trx => 'bind_transceiver', tx => 'bind_transmitter',
                    rx => 'bind_receiver' }->{ $opt{mode} };
my $seq = $conn->$bind_method(system_id => $opt{'system-id'}, password => $opt{password});
my ($resp, $why) = wait_response($seq, time + $opt{timeout});
if (!defined $resp) {
    event('bind_timeout') if $why eq 'timeout';
    finish() if $why ne 'closed';    # timeout, or the server unbound us
    event('closed', by => 'server');
    exit 0;
}
event('bind', mode => $opt{mode}, status => $resp->{status},
      system_id => defined $resp->{system_id} ? $resp->{system_id} : '');
finish() if $resp->{status} != 0;

# The submits: --submit single messages, then --concat parts of one.
my @submits = map { [ '4670000000' . $_, "test message $_", 0, '' ] } 1 .. $opt{submit};
for my $k (1 .. ($opt{concat} || 0)) {
    my $udh = pack('C6', 5, 0, 3, 0x2a, $opt{concat}, $k);
    push @submits, [ '46700000099', $udh . (chr(ord('a') + $k - 1) x 150), 0x40, "$k/$opt{concat}" ];
}
for my $sub (@submits) {
    my ($dst, $text, $esm, $part) = @$sub;
    $seq = $conn->submit_sm(source_addr => '12345', destination_addr => $dst, esm_class => $esm,
                            registered_delivery => $opt{dlr} ? 1 : 0, short_message => $text);
    ($resp, $why) = wait_response($seq, time + $opt{timeout});
    if (!defined $resp) {
        event('submit_timeout') if $why eq 'timeout';
        finish() if $why ne 'closed';    # timeout, or the server unbound us
        event('closed', by => 'server');
        exit 0;
    }
    event('submit', status => $resp->{status},
          message_id => defined $resp->{message_id} ? $resp->{message_id} : '',
          $part ne '' ? (part => $part) : ());
}

if ($opt{hold} > 0) {
    ($resp, $why) = wait_response(undef, time + $opt{hold});
    if ($why eq 'closed') {
        event('closed', by => 'server');
        exit 0;
    }
    finish() if $why eq 'unbound';
}

if ($opt{unbind}) {
    $seq = $conn->unbind();
    ($resp, $why) = wait_response($seq, time + $opt{timeout});
    if (defined $resp) {
        event('unbind', status => $resp->{status});
    } else {
        if ($why eq 'closed') {
            event('closed', by => 'server');
            exit 0;
        }
        event('unbind_timeout');
    }
}
finish();
