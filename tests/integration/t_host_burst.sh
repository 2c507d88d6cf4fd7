#!/bin/bash
# A burst of 200 SMPP clients through opensmppbox (patch 0012): each client
# needs a box connection of its own to bearerbox, which stock bearerbox
# accepted about one a second with a backlog of 10, so most of a burst lost
# its session.  All 200 node-smpp clients (host_burst.js, distinct logins:
# opensmppbox drops an earlier session with the same box id) connect at
# once; each must bind, submit and unbind with status 0, and each of its
# six PDUs (bind, submit_sm, unbind and their responses, numbered by the
# client) must appear exactly once in the module's pdu log
# (docs/pdu-log.md): found by op and trn, and no other line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init host_burst

N=200
BUDGET=120

OSB_PORT=$(it_port)
box_upstream

L=$IT_DIR/logs
mkdir -p "$L"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
: >"$IT_DIR/logins"
for ((i = 0; i < N; i++)); do echo "burst$i pw$i x" >>"$IT_DIR/logins"; done
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
# Kannel's own debug lines for 200 sessions would only slow the box down.
sed -i 's/^log-level = 0$/log-level = 2/' "$IT_DIR/osb.conf" "$IT_DIR/bb.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"

start=$SECONDS
it_start burst node "$TOP/tests/integration/host_burst.js" 127.0.0.1 "$OSB_PORT" "$N" 90
it_wait_exit burst "$BUDGET"
echo "the burst took $((SECONDS - start))s"
it_assert_line "$IT_DIR/burst.out" "^\{\"done\":$N,\"ok\":$N\}$" "all $N clients bound, submitted and unbound with status 0"
grep -v '"bind":0,"submit":0,"unbind":0}' "$IT_DIR/burst.out" | grep '"client"' | head -n 5 | sed 's/^/  | /'

# Every PDU of the burst once in the pdu log, by op and trn.  Wait until
# the last session's lines are written (every DISCONNECT in the connector log).
for ((t = 0; t < 100; t++)); do
    [ "$(grep -c ' DISCONNECT ' "$L/connector.smpp-in" 2>/dev/null)" -ge "$N" ] && break
    sleep 0.1
done
perl -ne '
    BEGIN { $n = shift @ARGV }
    next unless /^\S+ \S+ INFO  \(smpp-in,\d+\) (Read|Write) op:(0x[0-9a-f]{8}) \(\S+\) status:\d+ trn:(\d+) /;
    $seen{"$1 $2 $3"}++;
    $lines++;
    END {
        my %want = ("Read 0x00000009" => 1, "Write 0x80000009" => 1, "Read 0x00000004" => 2,
                    "Write 0x80000004" => 2, "Read 0x00000006" => 3, "Write 0x80000006" => 3);
        my ($once, $missing, $twice) = (0, 0, 0);
        for my $i (0 .. $n - 1) {
            for my $k (keys %want) {
                my $c = $seen{"$k " . (($i + 1) * 10 + $want{$k})} // 0;
                $once++ if $c == 1;
                $missing++ if $c == 0;
                $twice++ if $c > 1;
            }
        }
        print "once=$once missing=$missing twice=$twice lines=", $lines // 0, "\n";
    }' "$N" "$L/pdu.smpp-in" >"$IT_DIR/pducount"
cat "$IT_DIR/pducount"
it_assert_eq "$(cat "$IT_DIR/pducount")" "once=$((6 * N)) missing=0 twice=0 lines=$((6 * N))" \
    "each of the $((6 * N)) PDUs on the wire is exactly one pdu-log line, and there is no other"
it_assert_eq "$(grep -c '^SUBMIT ' "$IT_DIR/smsc.out")" "$N" "the SMSC received all $N messages through bearerbox"
it_assert_no_line "$IT_DIR/opensmppbox.log" 'Failed to connect to bearerbox' "opensmppbox never failed to connect to bearerbox"

it_summary
