#!/bin/bash
# bench/live.sh: the live cost of the module, as throughput of the patched
# bearerbox with the module against the same bearerbox without it.
#
# Each run starts a fresh chain on loopback and times one fixed job:
#   tests/peers/client.js x C          (C node-smpp ESMEs in parallel, each
#        |                              sending N/C submit_sm, one after the
#        |                              previous one's response)
#   opensmppbox (patched, no module in either arm)
#        |
#   bearerbox (patched; "with": hook-module = emgdiag.so, pdu and connector
#        |     logs written for its SMSC connector; "without": no hook-module)
#   tests/peers/smsc.pl (Net::SMPP SMSC)
# The time runs from the client's start until smsc.pl has printed its N-th
# SUBMIT line, so every message crossed both boxes.  Runs alternate (with,
# without, with, ...) so that drift in the machine hits both arms alike;
# the median and the spread (min..max) of each arm are printed, and the
# ratio of the medians.  The whole script stays within a few minutes.
#
# Environment: BEARERBOX, OPENSMPPBOX, EMGDIAG_SO, TOP (as for
# make check-integration); LIVE_MESSAGES (N, default 600), LIVE_CLIENTS (C,
# default 30), LIVE_PAIRS (default 3).  Both boxes log at log-level 1 (the
# integration tests' level 0 would dump every PDU in Kannel's own log and
# hide the module's cost).
. "${TOP:?set TOP to the emgdiag source tree}/tests/integration/lib.sh"
. "$TOP/tests/integration/boxes.sh"

N=${LIVE_MESSAGES:-600}
C=${LIVE_CLIENTS:-30}
PAIRS=${LIVE_PAIRS:-3}
PER_CLIENT=$(( (N + C - 1) / C ))
N=$((PER_CLIENT * C))
P=$TOP/tests/peers

command -v node >/dev/null 2>&1 || { echo "live.sh: node is missing" >&2; exit 1; }
it_init bench_live

# Seconds since the epoch with fractions.
now() { date +%s.%N; }

# run K ARM: one timed run; prints messages per second on stdout of the
# caller via $RESULT.
run() {
    local k=$1 arm=$2 dir=$IT_DIR/run$1 smsc_port osb_port t0 t1 i xml=""
    mkdir -p "$dir/logs"
    smsc_port=$(it_port)
    osb_port=$(it_port)
    it_start "smsc$k" perl "$P/smsc.pl" --port "$smsc_port" --system-id up --password uppw
    it_wait_line "$IT_DIR/smsc$k.out" '^LISTENING' 10 || return 1
    if [ "$arm" = with ]; then
        xml=$dir/emg.xml
        cat >"$xml" <<XML
<emgdiag>
  <logs dir="$dir/logs"/>
  <connector name="up" type="outgoing" smsc-id="up"/>
</emgdiag>
XML
    fi
    box_bearerbox_conf "$dir/kannel.conf" "$xml"
    box_smsc_smpp "$dir/kannel.conf" up "$smsc_port" up uppw "transceiver-mode = true"
    : >"$dir/logins"
    for ((i = 0; i < C; i++)); do echo "c$i pw-c$i x" >>"$dir/logins"; done
    box_osb_conf "$dir/osb.conf" "" "$osb_port" "$dir/logins"
    sed -i 's/^log-level = 0$/log-level = 1/' "$dir/kannel.conf" "$dir/osb.conf"
    box_start "bb$k" "$dir/kannel.conf"
    it_wait_line "$IT_DIR/smsc$k.out" '^BIND ' 20 || return 1
    box_start "osb$k" "$dir/osb.conf" "$osb_port"
    t0=$(now)
    for ((i = 0; i < C; i++)); do
        it_start "client$k.$i" node "$P/client.js" --host 127.0.0.1 --port "$osb_port" \
            --system-id "c$i" --password "pw-c$i" --submit "$PER_CLIENT" --unbind --timeout 20
    done
    for ((i = 0; i < 1200; i++)); do
        [ "$(grep -c '^SUBMIT ' "$IT_DIR/smsc$k.out")" -ge "$N" ] && break
        sleep 0.05
    done
    t1=$(now)
    if [ "$(grep -c '^SUBMIT ' "$IT_DIR/smsc$k.out")" -lt "$N" ]; then
        echo "live.sh: run $k ($arm): only $(grep -c '^SUBMIT ' "$IT_DIR/smsc$k.out") of $N messages reached the SMSC" >&2
        return 1
    fi
    if [ "$arm" = with ] && [ "$(grep -c 'SUBMIT_SM ' "$dir/logs/pdu.up")" -lt "$N" ]; then
        echo "live.sh: run $k: the pdu log has fewer than $N submit_sm lines" >&2
        return 1
    fi
    for ((i = 0; i < C; i++)); do it_stop "client$k.$i"; done
    it_stop "osb$k"
    it_stop "bb$k"
    it_stop "smsc$k"
    RESULT=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
}

with=()
without=()
k=0
for ((pair = 0; pair < PAIRS; pair++)); do
    for arm in with without; do
        k=$((k + 1))
        run "$k" "$arm" || { IT_FAILED=1; exit 1; }
        echo "run $k: $arm module: $RESULT msg/s"
        if [ "$arm" = with ]; then with+=("$RESULT"); else without+=("$RESULT"); fi
    done
done

stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f %.1f %.1f", m, v[1], v[NR] }'; }
read -r wm wlo whi <<<"$(stats "${with[@]}")"
read -r om olo ohi <<<"$(stats "${without[@]}")"
echo "messages per run: $N from $C clients, runs per arm: $PAIRS"
echo "with module:    median $wm msg/s (min $wlo, max $whi)"
echo "without module: median $om msg/s (min $olo, max $ohi)"
awk -v w="$wm" -v o="$om" 'BEGIN { printf "with/without: %.1f %% (goal >= 97 %%)\n", 100 * w / o }'
