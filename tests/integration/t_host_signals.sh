#!/bin/bash
# opensmppbox and signals (patch 0011, docs/install.md#signals):
#  - 20 stops under traffic: each time three clients are bound and
#    submitting when opensmppbox gets SIGINT or SIGTERM (in turn).  It must
#    exit 0, with no PANIC, and close every client.  14 of the stops run
#    with the emgdiag module: every session's CONNECT OK must then have its
#    DISCONNECT line in the connector log (docs/connector-log.md#connector-log),
#    which the module writes only from the disconnected hook and flushes
#    only at its shutdown.  6 run without a module (stock crashed there too).
#  - SIGUSR2 reopens the logs and keeps the box running: without a module,
#    Kannel's renamed log file is replaced by a new one; with the module,
#    `general` gets a REOPEN line (docs/connector-log.md#security-and-general).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init host_signals

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
STOPS=20
WITH_MODULE=14
CLIENTS=3
BUDGET=90

count() {
    local n
    n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}

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
for ((k = 1; k <= CLIENTS; k++)); do echo "sig$k pw$k x" >>"$IT_DIR/logins"; done
C=$L/connector.smpp-in

# ---------------------------------------------------------------------------
# SIGUSR2, without and with the module.
OSB_PORT=$(it_port)
box_osb_conf "$IT_DIR/stock.conf" "" "$OSB_PORT" "$IT_DIR/logins"
sed -i "s|^log-file = .*|log-file = $IT_DIR/stock.log|" "$IT_DIR/stock.conf"
box_start osbusr2stock "$IT_DIR/stock.conf" "$OSB_PORT"
mv "$IT_DIR/stock.log" "$IT_DIR/stock.log.old"
kill -USR2 "$(it_pid osbusr2stock)"
# Kannel says so in the file it is about to close, then opens the new one.
it_wait_line "$IT_DIR/stock.log.old" 'SIGUSR2 received, re-opening logs' 10 &&
    it_pass "no module: SIGUSR2 is logged in the renamed log"
sleep 1
it__alive "$(it_pid osbusr2stock)" && it_pass "no module: opensmppbox survives SIGUSR2" ||
    it_fail "no module: SIGUSR2 killed opensmppbox"
it_stop osbusr2stock
it_assert_eq "$?" 0 "no module: SIGTERM after SIGUSR2 exits 0"
it_assert_line "$IT_DIR/stock.log" 'All client sessions closed' "no module: after SIGUSR2, new lines go to a new log file of the old name"
it_assert_no_line "$IT_DIR/stock.log.old" 'All client sessions closed' "no module: the renamed log is no longer written"

OSB_PORT=$(it_port)
box_osb_conf "$IT_DIR/mod.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start osbusr2mod "$IT_DIR/mod.conf" "$OSB_PORT"
it_wait_line "$L/general" 'CONFIG LOADED' 10
kill -USR2 "$(it_pid osbusr2mod)"
it_wait_line "$L/general" "^$TS INFO  \(opensmppbox\) REOPEN$" 10 &&
    it_pass "module: SIGUSR2 writes REOPEN to general"
sleep 1
it__alive "$(it_pid osbusr2mod)" && it_pass "module: opensmppbox survives SIGUSR2" ||
    it_fail "module: SIGUSR2 killed opensmppbox"
it_stop osbusr2mod
it_assert_eq "$?" 0 "module: SIGTERM after SIGUSR2 exits 0"

# ---------------------------------------------------------------------------
# Stops under traffic.
start=$SECONDS
clean=0 disconnects_ok=0
for ((i = 1; i <= STOPS; i++)); do
    if [ $((SECONDS - start)) -ge "$BUDGET" ]; then
        it_fail "stops under traffic: over the ${BUDGET}s budget after $((i - 1)) stops"
        break
    fi
    sig=INT
    [ $((i % 2)) -eq 0 ] && sig=TERM
    OSB_PORT=$(it_port)
    if [ "$i" -le "$WITH_MODULE" ]; then
        box_osb_conf "$IT_DIR/osb$i.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
    else
        box_osb_conf "$IT_DIR/osb$i.conf" "" "$OSB_PORT" "$IT_DIR/logins"
    fi
    sed -i "s|^log-file = .*|log-file = $IT_DIR/osb$i.log|" "$IT_DIR/osb$i.conf"
    box_start "osb$i" "$IT_DIR/osb$i.conf" "$OSB_PORT"
    for ((k = 1; k <= CLIENTS; k++)); do
        it_start "c${i}_$k" perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
            --system-id "sig$k" --password "pw$k" --submit 100000 --timeout 20
    done
    # Every client bound and at least one answer to a submit each.
    deadline=$((SECONDS + 15))
    for ((k = 1; k <= CLIENTS; k++)); do
        while ! grep -q '"event":"submit"' "$IT_DIR/c${i}_$k.out" 2>/dev/null &&
            [ "$SECONDS" -lt "$deadline" ]; do
            sleep 0.05
        done
    done
    kill "-$sig" "$(it_pid "osb$i")"
    if ! it_wait_exit "osb$i" 15; then
        it_stop "osb$i"
        continue
    fi
    it_stop "osb$i"
    status=$?
    submitted=0
    for ((k = 1; k <= CLIENTS; k++)); do
        it_wait_exit "c${i}_$k" 10 || it_stop "c${i}_$k"
        grep -q '"event":"submit"' "$IT_DIR/c${i}_$k.out" && submitted=$((submitted + 1))
    done
    panics=$(count "$IT_DIR/osb$i.log" ' PANIC: ')
    if [ "$status" -eq 0 ] && [ "$panics" -eq 0 ] && [ "$submitted" -eq "$CLIENTS" ]; then
        clean=$((clean + 1))
    else
        it_fail "stop $i (SIG$sig): exit status $status, $panics PANIC lines, $submitted of $CLIENTS clients were submitting"
        it__tail "$IT_DIR/osb$i.log" 5
    fi
    if [ "$i" -le "$WITH_MODULE" ]; then
        # Each stop is a new process whose sessions start again at (0): the
        # running totals of CONNECT OK and DISCONNECT lines must stay equal.
        connects=$(count "$C" "^$TS \([0-9]+\) CONNECT OK ")
        disconnects=$(count "$C" "^$TS \([0-9]+\) DISCONNECT ")
        shutdowns=$(count "$C" "^$TS \([0-9]+\) DISCONNECT ERR \(info=\"shutdown\"\)$")
        if [ "$connects" -eq $((i * CLIENTS)) ] && [ "$disconnects" -eq "$connects" ] &&
            [ "$shutdowns" -eq "$connects" ]; then
            disconnects_ok=$((disconnects_ok + 1))
        else
            it_fail "stop $i (SIG$sig): $connects CONNECT OK, $disconnects DISCONNECT, $shutdowns DISCONNECT ERR (info=\"shutdown\") lines; want $((i * CLIENTS)) of each"
        fi
    fi
done
it_assert_eq "$clean" "$STOPS" "stops under traffic ($WITH_MODULE with the module, $((STOPS - WITH_MODULE)) without): each exits 0, no PANIC, every client was submitting"
it_assert_eq "$disconnects_ok" "$WITH_MODULE" "stops with the module: every session stopped has its DISCONNECT ERR (info=\"shutdown\") line"
echo "stops under traffic took $((SECONDS - start))s"

it_summary
