#!/usr/bin/perl
# fast_smsc.pl: a minimal, fast SMSC (SMPP 3.4 server) for bench/live.sh.
#
# The integration tests' tests/peers/smsc.pl is built on Net::SMPP, whose
# buffered reader hands over one PDU per select() wakeup; when bearerbox
# writes several submit_sm in one TCP segment the rest wait, and the peer,
# not bearerbox, sets the pace (a few messages per second).  This peer is
# for the benchmark only: it keeps its own read buffer per connection, reads
# everything the socket has, and answers every complete PDU in the buffer
# before it sleeps again.  It serves several connections from one process
# (no forks, so stopping its PID stops everything it started) and answers:
#   bind_receiver / bind_transmitter / bind_transceiver  -> *_resp, status 0
#   submit_sm     -> submit_sm_resp, status 0, a fresh decimal message_id
#   enquire_link  -> enquire_link_resp
#   unbind        -> unbind_resp, then the connection is closed
#   any response (deliver_sm_resp, ...)  -> ignored
#   any other request                    -> generic_nack ESME_RINVCMDID
# A command_length below 16 or above 64 KiB is answered with generic_nack
# ESME_RINVCMDLEN and the connection is closed: the stream cannot be framed.
#
# It prints flushed lines on stdout:
#   LISTENING <port>
#   BIND <trx|tx|rx> <system_id>
#   FIRST <epoch seconds>           (the first submit_sm)
#   DONE <count> <first> <last>     (when --expect N submit_sm have arrived;
#                                    first/last: arrival times, epoch seconds)
#   TOTAL <count> <first> <last>    (on exit, e.g. SIGTERM)
# Times are taken when the read that brought the PDU returned.
use strict;
use warnings;

use Errno qw(EAGAIN EINTR EWOULDBLOCK);
use Getopt::Long qw(GetOptions);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

use constant {
    CMD_GENERIC_NACK     => 0x80000000,
    CMD_BIND_RECEIVER    => 0x00000001,
    CMD_BIND_TRANSMITTER => 0x00000002,
    CMD_SUBMIT_SM        => 0x00000004,
    CMD_UNBIND           => 0x00000006,
    CMD_BIND_TRANSCEIVER => 0x00000009,
    CMD_ENQUIRE_LINK     => 0x00000015,
    RESP_BIT             => 0x80000000,
    ESME_RINVCMDLEN      => 0x02,
    ESME_RINVCMDID       => 0x03,
    HEADER_LEN           => 16,
    MAX_PDU_LEN          => 65536,
    READ_CHUNK           => 65536,
};

my %bind_names = (
    CMD_BIND_RECEIVER()    => 'rx',
    CMD_BIND_TRANSMITTER() => 'tx',
    CMD_BIND_TRANSCEIVER() => 'trx',
);

my %opt = (host => '127.0.0.1', 'system-id' => 'FASTSMSC', expect => 0);
GetOptions(\%opt, 'host=s', 'port=i', 'system-id=s', 'expect=i')
    && defined $opt{port}
    or die "usage: $0 --port N [--host 127.0.0.1] [--system-id NAME] [--expect N]\n";

$| = 1;
my $listener = IO::Socket::INET->new(
    LocalAddr => $opt{host},
    LocalPort => $opt{port},
    Proto     => 'tcp',
    Listen    => 64,
    ReuseAddr => 1,
) or die "fast_smsc.pl: cannot listen on $opt{host}:$opt{port}: $!\n";
$listener->blocking(0);

my $submits = 0;
my ($first_submit, $last_submit);
my $next_message_id = 1;
my $done_printed = 0;
my %conns;    # fileno -> { sock, in, out, closing }
my $readers = IO::Select->new($listener);
my $writers = IO::Select->new();

sub print_total {
    printf "TOTAL %d %.6f %.6f\n", $submits, $first_submit // 0, $last_submit // 0;
}
my $stopping = 0;
$SIG{TERM} = $SIG{INT} = sub { $stopping = 1 };

print "LISTENING $opt{port}\n";

# Queues one PDU for a connection: header (length, id, status, sequence)
# followed by BODY.
sub queue_pdu {
    my ($conn, $command_id, $status, $sequence, $body) = @_;
    $conn->{out} .= pack('NNNN', HEADER_LEN + length $body, $command_id, $status, $sequence) . $body;
}

# Answers one complete PDU (header fields already unpacked; BODY the rest).
sub handle_pdu {
    my ($conn, $command_id, $sequence, $body, $arrival) = @_;
    if ($command_id == CMD_SUBMIT_SM) {
        $submits++;
        if (!defined $first_submit) {
            $first_submit = $arrival;
            printf "FIRST %.6f\n", $arrival;
        }
        $last_submit = $arrival;
        queue_pdu($conn, CMD_SUBMIT_SM | RESP_BIT, 0, $sequence, ($next_message_id++) . "\0");
        if ($opt{expect} > 0 && $submits >= $opt{expect} && !$done_printed) {
            $done_printed = 1;
            printf "DONE %d %.6f %.6f\n", $submits, $first_submit, $last_submit;
        }
    } elsif (exists $bind_names{$command_id}) {
        my ($system_id) = unpack('Z*', $body);
        $system_id = '' unless defined $system_id;
        $system_id =~ s/[^\x21-\x7e]/?/g;
        print "BIND $bind_names{$command_id} $system_id\n";
        queue_pdu($conn, $command_id | RESP_BIT, 0, $sequence, "$opt{'system-id'}\0");
    } elsif ($command_id == CMD_ENQUIRE_LINK) {
        queue_pdu($conn, CMD_ENQUIRE_LINK | RESP_BIT, 0, $sequence, '');
    } elsif ($command_id == CMD_UNBIND) {
        queue_pdu($conn, CMD_UNBIND | RESP_BIT, 0, $sequence, '');
        $conn->{closing} = 1;
    } elsif ($command_id & RESP_BIT) {
        # A response to something we never send, or a generic_nack: ignore.
    } else {
        queue_pdu($conn, CMD_GENERIC_NACK, ESME_RINVCMDID, $sequence, '');
    }
}

sub close_conn {
    my ($conn) = @_;
    my $sock = $conn->{sock};
    $readers->remove($sock);
    $writers->remove($sock);
    delete $conns{$sock};
    close $sock;
}

# Writes as much of the output buffer as the socket takes now.
sub flush_conn {
    my ($conn) = @_;
    while (length $conn->{out}) {
        my $n = syswrite($conn->{sock}, $conn->{out});
        if (!defined $n) {
            next if $! == EINTR;
            if ($! == EAGAIN || $! == EWOULDBLOCK) {
                $writers->add($conn->{sock});
                return;
            }
            close_conn($conn);
            return;
        }
        substr($conn->{out}, 0, $n, '');
    }
    $writers->remove($conn->{sock});
    close_conn($conn) if $conn->{closing};
}

# Reads everything available, then answers every complete PDU in the buffer.
sub read_conn {
    my ($conn) = @_;
    my $eof = 0;
    while (1) {
        my $n = sysread($conn->{sock}, $conn->{in}, READ_CHUNK, length $conn->{in});
        if (!defined $n) {
            next if $! == EINTR;
            last if $! == EAGAIN || $! == EWOULDBLOCK;
            $eof = 1;
            last;
        }
        if ($n == 0) {
            $eof = 1;
            last;
        }
        last if $n < READ_CHUNK;
    }
    my $arrival = time;
    my $offset = 0;
    my $avail = length $conn->{in};
    while (!$conn->{closing} && $avail - $offset >= HEADER_LEN) {
        my ($length, $command_id, undef, $sequence) = unpack('NNNN', substr($conn->{in}, $offset, HEADER_LEN));
        if ($length < HEADER_LEN || $length > MAX_PDU_LEN) {
            queue_pdu($conn, CMD_GENERIC_NACK, ESME_RINVCMDLEN, $sequence, '');
            $conn->{closing} = 1;
            last;
        }
        last if $avail - $offset < $length;
        handle_pdu($conn, $command_id, $sequence,
                   substr($conn->{in}, $offset + HEADER_LEN, $length - HEADER_LEN), $arrival);
        $offset += $length;
    }
    substr($conn->{in}, 0, $offset, '') if $offset;
    if ($eof) {
        close_conn($conn);
        return;
    }
    flush_conn($conn);
}

while (!$stopping) {
    my ($can_read, $can_write) = IO::Select->select($readers, $writers, undef, 1);
    next unless $can_read || $can_write;
    for my $sock (@{ $can_write || [] }) {
        my $conn = $conns{$sock};
        flush_conn($conn) if $conn;
    }
    for my $sock (@{ $can_read || [] }) {
        if ($sock == $listener) {
            while (my $client = $listener->accept) {
                $client->blocking(0);
                setsockopt($client, 6, 1, 1);    # IPPROTO_TCP, TCP_NODELAY
                $conns{$client} = { sock => $client, in => '', out => '', closing => 0 };
                $readers->add($client);
            }
            next;
        }
        my $conn = $conns{$sock};
        read_conn($conn) if $conn;
    }
}
print_total();
close_conn($_) for values %conns;
exit 0;
