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

declare -A PORT
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

# Each session logs in at least twice (so at least one reconnect each).
wait_count "$C" "^$TS \(0\) LOGIN OK" 2 30
wait_count "$C" "^$TS \(1\) LOGIN OK" 2 30
wait_count "$C" "^$TS \(2\) LOGIN OK" 2 30
wait_count "$L/connector.pair" "^$TS \(0\) LOGIN OK" 2 30
wait_count "$L/connector.pair" "^$TS \(1\) LOGIN OK" 2 30
it_stop bb

# Instance -> peer: the LOGIN OK info carries the answering SMSC's system_id.
for pair in "0 SMSC-TX" "1 SMSC-RX" "2 SMSC-TRX"; do
    inst=${pair%% *} sid=${pair#* }
    n_ok=$(count_lines "$C" "^$TS \($inst\) LOGIN OK \(info=\"0 $sid\"\)$")
    n_all=$(count_lines "$C" "^$TS \($inst\) LOGIN ")
    if [ "$n_ok" -ge 2 ] && [ "$n_ok" -eq "$n_all" ]; then
        it_pass "instance $inst: $n_ok logins, all answered by $sid"
    else
        it_fail "instance $inst: $n_ok LOGIN OK from $sid of $n_all LOGIN lines (want >= 2, all from $sid)"
        grep -E "\($inst\) LOGIN" "$C" | head -n 5 | sed 's/^/  | /' >&2
    fi
done

# Bind type per instance, from the pdu log: every bind an instance wrote is
# of its session's type, and it wrote at least two.
for spec in "0 0x00000002 BIND_TRANSMITTER" "1 0x00000001 BIND_RECEIVER" "2 0x00000009 BIND_TRANSCEIVER"; do
    read -r inst op name <<<"$spec"
    n_type=$(count_lines "$D" "^$TS INFO  \(multi-out,$inst\) Write op:$op \($name\) ")
    n_binds=$(count_lines "$D" "^$TS INFO  \(multi-out,$inst\) Write op:0x0000000[129] ")
    if [ "$n_type" -ge 2 ] && [ "$n_type" -eq "$n_binds" ]; then
        it_pass "instance $inst wrote only $name ($n_type times)"
    else
        it_fail "instance $inst: $n_type $name of $n_binds binds written (want >= 2, all $name)"
        grep -E "\(multi-out,$inst\) Write op:0x0000000[129] " "$D" | head -n 5 | sed 's/^/  | /' >&2
    fi
done

# No other instance numbers, in either log.
it_assert_no_line "$C" "^$TS \(([3-9]|[1-9][0-9]+)\) " "multi-out: no instance beyond 2 in the connector log"
it_assert_no_line "$D" "^$TS INFO  \(multi-out,([3-9]|[1-9][0-9]+)\) " "multi-out: no instance beyond 2 in the pdu log"
it_assert_no_line "$C" "^$TS \(-" "multi-out: no negative instance"
# Every connector-log line is well-formed and numbered 0, 1 or 2.
it_assert_eq "$(grep -Evc "^$TS \([012]\) (CONNECT|LOGIN|DISCONNECT) (OK|ERR)( \(info=\"[^\"]*\"\))?$" "$C")" 0 \
    "multi-out: every connector line has instance 0, 1 or 2 and the connector-log grammar"

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
for inst in 0 1; do
    it_assert_line "$L/connector.pair" "^$TS \($inst\) LOGIN OK \(info=\"0 SMSC-PAIR\"\)$" "pair: instance $inst logs in"
    n_type=$(count_lines "$L/pdu.pair" "^$TS INFO  \(pair,$inst\) Write op:0x00000009 \(BIND_TRANSCEIVER\) ")
    n_binds=$(count_lines "$L/pdu.pair" "^$TS INFO  \(pair,$inst\) Write op:0x0000000[129] ")
    if [ "$n_type" -ge 2 ] && [ "$n_type" -eq "$n_binds" ]; then
        it_pass "pair: instance $inst wrote only BIND_TRANSCEIVER ($n_type times)"
    else
        it_fail "pair: instance $inst: $n_type BIND_TRANSCEIVER of $n_binds binds (want >= 2, all transceiver)"
    fi
done
it_assert_eq "$(grep -Evc "^$TS \([01]\) " "$L/connector.pair")" 0 "pair: only instances 0 and 1"
it_assert_eq "$(grep -Evc "^$TS INFO  \(pair,[01]\) " "$L/pdu.pair")" 0 "pair: pdu log only instances 0 and 1"

it_summary
