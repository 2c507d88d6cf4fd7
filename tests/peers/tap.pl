#!/usr/bin/perl
# tap.pl: a wire tap between an SMPP client and an SMPP server, for
# emgdiag's integration tests.
#
# When both ends of a session are patched Kannel boxes (a bearerbox binding
# to opensmppbox), no independent peer sees the PDUs, yet the tests expect
# both boxes' pdu logs from what crossed the wire.  This relay sits between
# them: it passes every octet on unchanged, opens its connection to the
# server from the client's own address (so address-based access lists see
# the client), and records each PDU in the transcript format of smsc.pl,
# the client being the ESME and the server the SMSC:
#   LISTENING <port>
#   CONNECT <client address>:<port>
#   PDU <client address>:<port> in <hex>    client -> server, whole PDU
#   PDU <client address>:<port> out <hex>   server -> client
#   CLOSED <client address>:<port> <smsc|esme>   the side that closed first
# Lines are flushed; one process serves every connection (no forks).
use strict;
use warnings;

use Getopt::Long qw(GetOptions);
use IO::Select;
use IO::Socket::IP;

my %opt = (host => '127.0.0.1');
GetOptions(\%opt, 'port=i', 'host=s', 'to-host=s', 'to-port=i')
    and defined $opt{port} and defined $opt{'to-port'}
    or die "usage: $0 --port N --to-port N [--host 127.0.0.1] [--to-host 127.0.0.1]\n";
$opt{'to-host'} //= $opt{host};

$| = 1;
$SIG{PIPE} = 'IGNORE';
$SIG{TERM} = $SIG{INT} = sub { exit 0 };

my $listener = IO::Socket::IP->new(LocalHost => $opt{host}, LocalPort => $opt{port},
                                   Listen => 10, ReuseAddr => 1)
    or die "tap.pl: cannot listen on $opt{host}:$opt{port}: $@\n";
print "LISTENING ", $listener->sockport, "\n";

my $select = IO::Select->new($listener);
my %ends;    # fileno => { sock, other, name, dir, pending }

sub close_pair {
    my ($end, $who) = @_;
    my $other = $end->{other};
    for my $e ($end, $other) {
        $select->remove($e->{sock});
        delete $ends{ fileno($e->{sock}) };
    }
    close($end->{sock});
    close($other->{sock});
    print "CLOSED $end->{name} $who\n";
}

for (;;) {
    for my $fh ($select->can_read()) {
        if ($fh == $listener) {
            my $client = $listener->accept() or next;
            my $name = $client->peerhost . ':' . $client->peerport;
            my $server = IO::Socket::IP->new(PeerHost => $opt{'to-host'}, PeerPort => $opt{'to-port'},
                                             LocalHost => $client->peerhost);
            if (!$server) {
                print "NOCONNECT $name $@\n";
                close($client);
                next;
            }
            print "CONNECT $name\n";
            my $c = { sock => $client, name => $name, dir => 'in', pending => '', closer => 'esme' };
            my $s = { sock => $server, name => $name, dir => 'out', pending => '', closer => 'smsc' };
            $c->{other} = $s;
            $s->{other} = $c;
            $ends{ fileno($client) } = $c;
            $ends{ fileno($server) } = $s;
            $select->add($client, $server);
            next;
        }
        my $end = $ends{ fileno($fh) } or next;
        my $n = sysread($fh, my $buf, 65536);
        if (!$n) {
            close_pair($end, $end->{closer});
            next;
        }
        my $off = 0;
        while ($off < length $buf) {
            my $w = syswrite($end->{other}{sock}, $buf, length($buf) - $off, $off);
            last unless defined $w;
            $off += $w;
        }
        $end->{pending} .= $buf;
        while (length($end->{pending}) >= 4) {
            my $len = unpack('N', $end->{pending});
            $len = length($end->{pending}) if $len < 4;
            last if length($end->{pending}) < $len;
            print "PDU $end->{name} $end->{dir} ", unpack('H*', substr($end->{pending}, 0, $len, '')), "\n";
        }
    }
}
