#!/usr/bin/perl
# host_rawclient.pl: an SMPP client that writes PDUs octet by octet, for
# what no SMPP library sends (t_host_input.sh).  Each request waits for its
# response before the next is sent.
#
#   host_rawclient.pl PORT enquire N        N enquire_links (sequence 1..N),
#                                           without binding
#   host_rawclient.pl PORT bind HEX PW      one bind_transceiver whose
#                                           system_id is the octets in HEX
#                                           (any length, "" for none)
#
# Prints one line per response read, then how the connection ended:
#   RESP <command_id hex> <command_status> <sequence_number>
#   EOF after <N> responses
#   TIMEOUT after <N> responses     (no response within 10 s)
# Exit status 0 when it ran, 2 on bad usage or when it cannot connect.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;

$| = 1;
$SIG{PIPE} = 'IGNORE';

my ($port, $mode, @args) = @ARGV;
die "usage: $0 PORT enquire N | PORT bind HEX PASSWORD\n"
    unless defined $mode && ($mode eq 'enquire' && @args == 1 || $mode eq 'bind' && @args == 2);

my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
    or do { print STDERR "connect 127.0.0.1:$port: $!\n"; exit 2 };
my $select = IO::Select->new($sock);
my $responses = 0;

sub pdu {
    my ($cmd, $seq, $body) = @_;
    return pack('NNNN', 16 + length($body), $cmd, 0, $seq) . $body;
}

# Reads exactly $n octets; undef on EOF, error or a 10 s silence.
sub read_exact {
    my ($n) = @_;
    my $buf = '';
    while (length($buf) < $n) {
        return (undef, 'TIMEOUT') unless $select->can_read(10);
        my $got = sysread($sock, $buf, $n - length($buf), length($buf));
        return (undef, 'EOF') unless $got;
    }
    return ($buf, 'ok');
}

# Sends one request and prints its response; false when the connection ended.
sub request {
    my ($octets) = @_;
    syswrite($sock, $octets);
    my ($head, $why) = read_exact(16);
    if (!defined $head) {
        print "$why after $responses responses\n";
        return 0;
    }
    my ($len, $cmd, $status, $seq) = unpack('NNNN', $head);
    if ($len > 16) {
        my ($body, $why2) = read_exact($len - 16);
        if (!defined $body) {
            print "$why2 after $responses responses\n";
            return 0;
        }
    }
    $responses++;
    printf "RESP 0x%08x %d %d\n", $cmd, $status, $seq;
    return 1;
}

if ($mode eq 'enquire') {
    for my $seq (1 .. $args[0]) {
        request(pdu(0x00000015, $seq, '')) or exit 0;
    }
} else {
    my $system_id = pack('H*', $args[0]);
    # system_id, password, system_type "", interface_version 0x34,
    # addr_ton, addr_npi, address_range "".
    my $body = $system_id . "\0" . $args[1] . "\0" . "\0" . pack('CCC', 0x34, 0, 0) . "\0";
    request(pdu(0x00000009, 1, $body)) or exit 0;
}
# The server may close after the last response: wait for that a moment.
if ($select->can_read(2)) {
    my $buf;
    print "EOF after $responses responses\n" unless sysread($sock, $buf, 1);
}
exit 0;
