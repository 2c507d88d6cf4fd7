#!/bin/bash
# Instance numbers of outgoing connectors (docs/connector-log.md#connector-log): the sessions of one
# connector are numbered in configuration order — smsc groups in file
# order, each group's `instances` copies, TX or TRX before RX.  A TX+RX
# group followed by a TRX group of the same smsc-id is therefore 0 (TX),
# 1 (RX), 2 (TRX), and `instances = 2` on a TRX group is 0 and 1.
# Kannel 1.4.5 refuses `port` and `receive-port` in one group ("Usage of
# both in one group is deprecated!", and bearerbox panics), so the TX and
# RX sessions come from two groups here: a TX group (port, transceiver-mode
# off) and an RX group (receive-port only), then the TRX group; the rule
# numbers them the same way, 0, 1, 2.  A
# session keeps its number over reconnects: every SMSC peer here closes
# the connection right after answering the bind, so bearerbox reconnects
# every reconnect-delay and each session logs in several times.
# Each peer answers with its own system_id, so a LOGIN OK line also shows
# which TCP port (and so which session) the instance number belongs to.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init instances

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

declare -A PORT FIRST_OF_SEQ
for peer in tx rx trx pair; do PORT[$peer]=$(it_port); done
it_start smsc_tx perl "$P/smsc.pl" --port "${PORT[tx]}" --system-id user --password secret --smsc-system-id SMSC-TX --close-after-bind
it_start smsc_rx perl "$P/smsc.pl" --port "${PORT[rx]}" --system-id user --password secret --smsc-system-id SMSC-RX --close-after-bind
it_start smsc_trx perl "$P/smsc.pl" --port "${PORT[trx]}" --system-id user --password secret --smsc-system-id SMSC-TRX --close-after-bind
it_start smsc_pair perl "$P/smsc.pl" --port "${PORT[pair]}" --system-id user --password secret --smsc-system-id SMSC-PAIR --close-after-bind
for peer in tx rx trx pair; do
    it_wait_line "$IT_DIR/smsc_$peer.out" '^LISTENING' 10
done

mkdir -p "$IT_DIR/logs"
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$IT_DIR/logs"/>
  <connector name="multi-out" type="outgoing" smsc-id="multi"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
# Group 1 of "multi": a transmitter on port.
box_smsc_smpp "$IT_DIR/kannel.conf" multi "${PORT[tx]}" user secret "transceiver-mode = false"
# Group 2 of "multi": a receiver on receive-port only (port = 0: no TX thread).
box_smsc_smpp "$IT_DIR/kannel.conf" multi 0 user secret "receive-port = ${PORT[rx]}" "transceiver-mode = false"
# Group 3 of "multi": one transceiver.
box_smsc_smpp "$IT_DIR/kannel.conf" multi "${PORT[trx]}" user secret "transceiver-mode = true"
# Another smsc-id: one TRX group run twice.
box_smsc_smpp "$IT_DIR/kannel.conf" pair "${PORT[pair]}" user secret "transceiver-mode = true" "instances = 2"

box_start bb "$IT_DIR/kannel.conf"
L=$IT_DIR/logs
C=$L/connector.multi-out
D=$L/pdu.multi-out

# count_lines FILE REGEX: lines of FILE matching REGEX (0 for a missing file).
count_lines() {
    local n
    n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}

# wait_count FILE REGEX N TIMEOUT: until FILE has at least N matching
# lines; gives up at once when bearerbox is gone.
wait_count() {
    local deadline=$((SECONDS + $4))
    while [ "$(count_lines "$1" "$2")" -lt "$3" ]; do
        if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$(it_pid bb)" 2>/dev/null; then
            kill -0 "$(it_pid bb)" 2>/dev/null || it__tail "$IT_DIR/bearerbox.log" 5
            it_fail "fewer than $3 lines matching /$2/ in $1 after $4s (have $(count_lines "$1" "$2"))"
            it__tail "$1"
            return 1
        fi
        sleep 0.2
    done
}

# Each session logs in at least twice (so at least one reconnect each);
# then bearerbox stops between two reconnects, so every session it opened
# is a whole cycle in the peers' transcripts.
wait_count "$C" "^$TS \(0\) LOGIN OK" 2 30
wait_count "$C" "^$TS \(1\) LOGIN OK" 2 30
wait_count "$C" "^$TS \(2\) LOGIN OK" 2 30
wait_count "$L/connector.pair" "^$TS \(0\) LOGIN OK" 2 30
wait_count "$L/connector.pair" "^$TS \(1\) LOGIN OK" 2 30
box_stop_idle bb 15 "$IT_DIR"/smsc_{tx,rx,trx,pair}.out

# Instance -> peer: the TX session is on the TX peer's port, the RX one on
# the RX port, the TRX one on the TRX port, and each peer answers with its
# own system_id.  Each connection a peer accepted is one session of its
# instance: CONNECT OK, LOGIN OK "0 <that peer's system_id>" and, as the
# peer closes after the bind, DISCONNECT ERR peer-closed
# (docs/connector-log.md#connector-log); its pdu lines are the PDUs the
# peer recorded.  The three sessions run at once, so connector.multi-out
# and pdu.multi-out are compared per instance (whole and in order within
# each; any other instance number fails).
E=$IT_DIR/expected
mkdir -p "$E"
# cycles FILE INSTANCE SYSTEM_ID N: appends N sessions ended by the peer.
cycles() {
    local i
    for ((i = 0; i < $4; i++)); do
        printf '%s\n' "($2) CONNECT OK" "($2) LOGIN OK (info=\"0 $3\")" "($2) DISCONNECT ERR (info=\"peer-closed\")" >>"$1"
    done
}
: >"$E/connector.multi-out"
: >"$E/pdu.multi-out"
for spec in "0 tx SMSC-TX" "1 rx SMSC-RX" "2 trx SMSC-TRX"; do
    read -r inst peer sid <<<"$spec"
    peer_wait_closed "$IT_DIR/smsc_$peer.out" 10
    n=$(peer_connections "$IT_DIR/smsc_$peer.out")
    if [ "$n" -ge 2 ]; then
        it_pass "instance $inst: $n sessions with the $peer peer ($sid), so at least one reconnect"
    else
        it_fail "instance $inst: $n sessions with the $peer peer, want >= 2"
    fi
    cycles "$E/connector.multi-out" "$inst" "$sid" "$n"
    peer_pdus "$E/pdu.multi-out" "$IT_DIR/smsc_$peer.out" --connector multi-out --instance "$inst"
done
it_assert_file_per_instance "$C" "$E/connector.multi-out" \
    "connector.multi-out: instance 0 the TX sessions, 1 the RX ones, 2 the TRX ones, every reconnect under its number"
it_assert_file_per_instance "$D" "$E/pdu.multi-out" \
    "pdu.multi-out: instance 0 wrote bind_transmitter, 1 bind_receiver, 2 bind_transceiver: every PDU each peer saw"

# emgdiag-follow on these real logs, where every instance reconnected:
# it lists as many sessions of an instance as the connector log has
# CONNECT lines for it, and the last session of an instance is exactly
# its connector lines from its last CONNECT on and its pdu lines from that
# CONNECT's timestamp on (each file's lines in that file's order; picked
# here with awk, independently of the tool).
FOLLOW=${EMGDIAG_FOLLOW:-$TOP/tools/emgdiag-follow}
for inst in 0 1 2; do
    n_connect=$(count_lines "$C" "^$TS \($inst\) CONNECT ")
    n_listed=$("$FOLLOW" --dir "$L" --list multi-out "$inst" | grep -c "^($inst) #")
    it_assert_eq "$n_listed" "$n_connect" "emgdiag-follow lists one session per CONNECT of instance $inst"
    last=$(grep -E "^$TS \($inst\) CONNECT " "$C" | tail -n 1 | cut -c1-26)
    got=$("$FOLLOW" --dir "$L" multi-out "$inst")
    want_c=$(awk -v ts="$last" -v tag="($inst)" 'substr($0, 1, 26) >= ts && $3 == tag' "$C")
    want_p=$(awk -v ts="$last" -v tag="(multi-out,$inst)" 'substr($0, 1, 26) >= ts && $4 == tag' "$D")
    got_c=$(grep -E "^$TS \($inst\) " <<<"$got")
    got_p=$(grep -E "^$TS INFO  " <<<"$got")
    if [ -n "$want_p" ] && [ "$got_c" == "$want_c" ] && [ "$got_p" == "$want_p" ] \
        && [ "$(wc -l <<<"$got")" -eq $(($(wc -l <<<"$want_c") + $(wc -l <<<"$want_p"))) ]; then
        it_pass "emgdiag-follow: the last session of instance $inst, both logs"
    else
        it_fail "emgdiag-follow: the last session of instance $inst differs from the logs"
        diff <(printf '%s\n' "$want_c" "$want_p" | sort) <(printf '%s\n' "$got" | sort) | head -n 10 >&2
    fi
done

# The peers saw the bind types the instances claim.
it_assert_no_line "$IT_DIR/smsc_tx.out" '^BIND (rx|trx) ' "TX port saw only bind_transmitter"
it_assert_no_line "$IT_DIR/smsc_rx.out" '^BIND (tx|trx) ' "RX port saw only bind_receiver"
it_assert_no_line "$IT_DIR/smsc_trx.out" '^BIND (tx|rx) ' "TRX port saw only bind_transceiver"

# instances = 2 on a TRX group: 0 and 1, both transceivers, nothing else.
# Both sessions reconnect to the same peer, which cannot tell them apart;
# but Kannel numbers each instance's PDUs on its own (one sequence per smsc
# connection, kept over reconnects), so an instance's k-th bind has
# sequence number k: the peer's binds with sequence number k are the k-th
# sessions of the instances that got that far (checked below: two runs 1..a
# and 1..b).  So the wire gives the two instances' session counts, a and b,
# and the content of each session.  Which instance made
# the extra sessions when a != b the wire cannot say; the connector log's
# own count for instance 0 picks between the two assignments.
T=$IT_DIR/smsc_pair.out
peer_wait_closed "$T" 10
n=$(peer_connections "$T")
declare -A BY_SEQ=() # sequence number -> how many sessions had it
peer_pdus /dev/null "$T" --connector pair --instance 0 --split "$E/pair"
for ((k = 1; k <= n; k++)); do
    seq=$(sed -nE '1s/.* Write op:0x00000009 \(BIND_TRANSCEIVER\) status:0 trn:([0-9]+) .*/\1/p' "$E/pair.$k")
    BY_SEQ[${seq:-none}]=$((${BY_SEQ[${seq:-none}]:-0} + 1))
    FIRST_OF_SEQ[${seq:-none}]=${FIRST_OF_SEQ[${seq:-none}]:-$k}
done
a=0 b=0
for ((k = 1; k <= n; k++)); do
    case ${BY_SEQ[$k]:-0} in
    2) a=$k b=$k ;;
    1) a=$k ;;
    esac
done
it_assert_eq "$((a + b)):${BY_SEQ[none]:-0}" "$n:0" \
    "pair: the peer's $n sessions are two runs of sequence numbers 1..$a and 1..$b, each a bind_transceiver"
if [ "$a" -ge 2 ] && [ "$b" -ge 2 ]; then
    it_pass "pair: both instances reconnected ($a and $b sessions)"
else
    it_fail "pair: $a and $b sessions, want >= 2 each"
fi
k0=$(grep -Ec "^$TS \(0\) CONNECT " "$L/connector.pair")
[ "$k0" = "$b" ] && b=$a a=$k0 # instance 0 made the b sessions
: >"$E/connector.pair"
: >"$E/pdu.pair"
cycles "$E/connector.pair" 0 SMSC-PAIR "$a"
cycles "$E/connector.pair" 1 SMSC-PAIR "$b"
for inst in 0 1; do
    count=$a
    [ "$inst" = 1 ] && count=$b
    for ((k = 1; k <= count; k++)); do
        sed "s/^INFO  (pair,0) /INFO  (pair,$inst) /" "$E/pair.${FIRST_OF_SEQ[$k]:-none}" >>"$E/pdu.pair"
    done
done
it_assert_file_per_instance "$L/connector.pair" "$E/connector.pair" \
    "connector.pair: instances 0 and 1, every session of each under its number, nothing else"
it_assert_file_per_instance "$L/pdu.pair" "$E/pdu.pair" \
    "pdu.pair: instances 0 and 1 wrote only bind_transceiver, one per session, sequence numbers 1, 2, ..."
it_assert_files "$L" "log directory: the two connectors' logs and general" \
    connector.multi-out pdu.multi-out connector.pair pdu.pair general
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/emg.xml\"" >"$E/general"
it_assert_file "$L/general" "$E/general" "general: CONFIG LOADED, nothing else"

it_summary
