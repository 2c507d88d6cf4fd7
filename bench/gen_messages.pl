#!/usr/bin/perl
# gen_messages.pl: a generated day of message logs for bench/trace.sh
# (docs/performance.md, "emgdiag-trace against grep").
#
#   gen_messages.pl N OUTDIR [--twins]
#
# Writes OUTDIR/osb/message.osb and OUTDIR/bb/message.bearerbox in the
# grammar of docs/message-log.md: N messages spread over one day, each a
# client submit, its forward, one submit_sm, the SMSC's hex id (stored in
# decimal, msg-id-type 0x01), a receipt a few seconds later and the receipt
# sent back to the client; every 50th receipt is for an id never answered
# (unmatched).  Prints the ids of
# one message in the middle of the day ("client=… smsc=…") for the lookup.
# The outputs are never committed (bench-out/).
use strict;
use warnings;

my ($n, $out, $twins) = @ARGV;
die "usage: $0 N OUTDIR [--twins]\n"
    unless defined $out && $n =~ /^[1-9][0-9]*$/ && (!defined $twins || $twins eq '--twins');
mkdir $out; mkdir "$out/osb"; mkdir "$out/bb";
open(my $osb, '>', "$out/osb/message.osb") or die "$out/osb/message.osb: $!\n";
open(my $bb, '>', "$out/bb/message.bearerbox") or die "$out/bb/message.bearerbox: $!\n";
# --twins: each file's JSON twin (<file>.jsonl, docs/message-log.md#json-twin)
# too, for emgdiag-db load (bench/trace.sh's database part).
my %twin;
if ($twins) {
    open($twin{$osb}, '>', "$out/osb/message.osb.jsonl") or die "$out/osb/message.osb.jsonl: $!\n";
    open($twin{$bb}, '>', "$out/bb/message.bearerbox.jsonl") or die "$out/bb/message.bearerbox.jsonl: $!\n";
}

sub ts {
    my ($us) = @_;
    my $s = int($us / 1e6);
    return sprintf('2026-11-25 %02d:%02d:%02d.%06d', int($s / 3600), int($s / 60) % 60, $s % 60,
                   $us % 1e6);
}

# One line at $us of the day: the text, and its twin with --twins (the
# values need no escaping: digits, hex and uuids).
sub line {
    my ($fh, $us, $conn, $inst, $step, @kv) = @_;
    my $text = ts($us) . " ($conn,$inst) $step";
    my $json = sprintf('{"ts":"%s+00:00","connector":"%s","instance":%d,"step":"%s"',
                       ts($us) =~ s/ /T/r, $conn, $inst, $step);
    for (my $k = 0; $k < @kv; $k += 2) {
        $text .= " $kv[$k]=\"$kv[$k + 1]\"";
        $json .= ",\"$kv[$k]\":\"$kv[$k + 1]\"";
    }
    print $fh "$text\n";
    print { $twin{$fh} } "$json}\n" if $twins;
}

my ($pick_client, $pick_smsc);
my $day = 86_000 * 1e6;
for my $i (1 .. $n) {
    my $t = int($day * ($i - 1) / $n);
    my $uuid = sprintf('%08x-%04x-4%03x-8%03x-%012x', $i * 2654435761 % 4294967296, $i % 65536,
                       $i % 4096, ($i >> 12) % 4096, $i * 40503);
    my $to = sprintf('467%08d', $i % 100000000);
    my $hex = sprintf('%X', 0x4B3C1000 + $i);
    my $dec = 0x4B3C1000 + $i;
    my $trn = $i % 2000000 + 1;
    my $in = $i % 4;
    line($osb, $t, 'smpp-in', $in, 'CLIENT_SUBMIT', uuid => $uuid, trn => $trn, id => $uuid, to => $to,
         from => '12345');
    line($osb, $t + 20, 'smpp-in', $in, 'FORWARD', uuid => $uuid, 'dlr-key' => $uuid, ids => $uuid, to => $to);
    line($bb, $t + 600, 'up', 0, 'SUBMIT', uuid => $uuid, trn => $trn, part => '1/1', to => $to);
    line($bb, $t + 900, 'up', 0, 'SUBMIT_RESP', uuid => $uuid, trn => $trn, part => '1/1', status => '0',
         'id-raw' => $hex, id => $dec);
    if ($i % 50 == 0) {
        # A receipt for an id this SMSC never answered: nobody's.
        my $stray = 0x5B3C1000 + $i;
        line($bb, $t + 3_000_000, 'up', 0, 'DLR_UNMATCHED', 'id-raw' => $stray, id => $stray, to => $to,
             type => '1');
    } else {
        line($bb, $t + 3_000_000, 'up', 0, 'DLR', 'id-raw' => $dec, id => $dec, to => $to, type => '1',
             url => $uuid);
        line($osb, $t + 3_000_400, 'smpp-in', $in, 'DLR_TO_CLIENT', key => $uuid, trn => $trn + 7, id => $uuid,
             url => $uuid, to => $to);
    }
    ($pick_client, $pick_smsc) = ($uuid, $dec) if $i == int($n / 2) + 1;
    print STDERR "\rgen_messages: $i of $n" if -t STDERR && $i % 100000 == 0;
}
print STDERR "\n" if -t STDERR;
close($osb) or die; close($bb) or die;
if ($twins) { close($_) or die for values %twin; }
print "client=$pick_client smsc=$pick_smsc\n";
