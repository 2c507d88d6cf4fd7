# shellcheck shell=bash
# boxes.sh: writing configurations for, and starting, the patched Kannel
# boxes in an integration test.  Source after lib.sh and it_init.
#
# Environment (set by `make check-integration`): BEARERBOX, OPENSMPPBOX,
# EMGDIAG_SO (the module), TOP (the source tree).
#
#   box_bearerbox_conf FILE XML         core + smsbox groups; hook-config XML
#                                       ("" for no module); ports in
#                                       BOX_ADMIN_PORT, BOX_SMSBOX_PORT
#   box_osb_conf FILE XML PORT LOGINS [EXTRA]   opensmppbox on PORT
#   box_start NAME CONF                 starts bearerbox (or opensmppbox if
#                                       NAME starts with osb) and waits for it
#   peer_pdus OUT TRANSCRIPT ...        the pdu-log lines a peer's record of
#                                       the wire calls for (wire_expect.py)
#   peer_connections, peer_closed, peer_wait_closed TRANSCRIPT
#                                       an SMSC peer's connections so far,
#                                       those ended, wait until all ended
#   peers_wait_idle, box_stop_idle      act (or stop a box) between two
#                                       sessions of reconnecting peers
#   peer_field FILE EVENT KEY           a client peer's reported value

: "${BEARERBOX:?set BEARERBOX to the patched bearerbox}"
: "${OPENSMPPBOX:?set OPENSMPPBOX to the patched opensmppbox}"
: "${EMGDIAG_SO:?set EMGDIAG_SO to emgdiag.so}"
: "${TOP:?set TOP to the emgdiag source tree}"

box_bearerbox_conf() {
    local file=$1 xml=$2
    BOX_ADMIN_PORT=$(it_port)
    BOX_SMSBOX_PORT=$(it_port)
    {
        echo "group = core"
        echo "admin-port = $BOX_ADMIN_PORT"
        echo "admin-interface = 127.0.0.1"
        echo "admin-password = emgdiag"
        echo "smsbox-port = $BOX_SMSBOX_PORT"
        echo "log-file = $IT_DIR/bearerbox.log"
        echo "log-level = 0"
        echo "box-allow-ip = 127.0.0.1"
        if [ -n "$xml" ]; then
            echo "hook-module = $EMGDIAG_SO"
            echo "hook-config = $xml"
        fi
        echo
        echo "group = smsbox"
        echo "bearerbox-host = 127.0.0.1"
        echo
    } >"$file"
}

# box_smsc_smpp FILE ID PORT USER PASSWORD [EXTRA LINES...]: appends an smsc
# group (transceiver unless EXTRA says otherwise).
box_smsc_smpp() {
    local file=$1 id=$2 port=$3 user=$4 pass=$5
    shift 5
    {
        echo "group = smsc"
        echo "smsc = smpp"
        echo "smsc-id = $id"
        echo "host = 127.0.0.1"
        echo "port = $port"
        echo "smsc-username = $user"
        echo "smsc-password = $pass"
        echo "system-type = VMA"
        echo "reconnect-delay = 2"
        for line in "$@"; do echo "$line"; done
        echo
    } >>"$file"
}

# box_upstream: what a test of opensmppbox needs behind it: the SMSC peer
# (smsc.pl, logins up/uppw) on SMSC_PORT and a bearerbox without the module
# bound to it as a transceiver (conf in $IT_DIR/bb.conf), both started.
box_upstream() {
    SMSC_PORT=$(it_port)
    it_start smsc perl "$TOP/tests/peers/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
    it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
    box_bearerbox_conf "$IT_DIR/bb.conf" ""
    box_smsc_smpp "$IT_DIR/bb.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
    box_start bb "$IT_DIR/bb.conf"
}

box_osb_conf() {
    local file=$1 xml=$2 port=$3 logins=$4 extra=${5:-}
    {
        echo "group = core"
        echo "dlr-storage = internal"
        echo
        echo "group = opensmppbox"
        echo "opensmppbox-id = osb"
        echo "opensmppbox-port = $port"
        echo "bearerbox-host = 127.0.0.1"
        echo "bearerbox-port = $BOX_SMSBOX_PORT"
        echo "our-system-id = OSB"
        echo "use-systemid-as-smsboxid = true"
        echo "smpp-logins = $logins"
        echo "log-file = $IT_DIR/opensmppbox.log"
        echo "log-level = 0"
        if [ -n "$xml" ]; then
            echo "hook-module = $EMGDIAG_SO"
            echo "hook-config = $xml"
        fi
        [ -n "$extra" ] && printf '%s\n' "$extra"
    } >"$file"
}

# box_start NAME CONF: start and wait until the box is up (bearerbox: its
# smsbox port listens; opensmppbox: the port given as $3 listens).
box_start() {
    local name=$1 conf=$2 port=${3:-}
    case $name in
    osb*)
        it_start "$name" "$OPENSMPPBOX" "$conf"
        it_wait_port "${port:?box_start: opensmppbox needs its port}" 20
        ;;
    *)
        it_start "$name" "$BEARERBOX" "$conf"
        it_wait_port "$BOX_SMSBOX_PORT" 20
        ;;
    esac
}

# peer_pdus OUT TRANSCRIPT --connector NAME --instance K [wire_expect.py
# options]: appends to OUT the pdu-log lines (timestamps left out) that the
# PDUs a peer recorded in TRANSCRIPT call for (wire_expect.py).  A
# transcript it cannot turn into lines fails the test.
peer_pdus() {
    local out=$1 err=$IT_DIR/.wire_expect.err
    shift
    : >"$err"
    it_helper wire_expect "$out" "$err" "$@" && return 0
    it_fail "expected pdu-log lines from $1: $(cat "$err")"
    return 1
}

# peer_connections TRANSCRIPT: how many connections an SMSC peer (smsc.pl)
# accepted.
peer_connections() {
    local n
    n=$(grep -c '^CONNECT ' "$1" 2>/dev/null)
    echo "${n:-0}"
}

# peer_closed TRANSCRIPT: how many of them have ended.
peer_closed() {
    local n
    n=$(grep -c '^CLOSED ' "$1" 2>/dev/null)
    echo "${n:-0}"
}

# peer_wait_closed TRANSCRIPT TIMEOUT: waits until an SMSC peer has recorded
# the end of every connection it accepted (a CLOSED line for each CONNECT),
# so that its transcript is complete; a timeout fails.
peer_wait_closed() {
    local deadline=$((SECONDS + ${2:-10}))
    while [ "$(peer_closed "$1")" -lt "$(peer_connections "$1")" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            it_fail "$1: a connection still open after ${2:-10}s"
            it__tail "$1" 5
            return 1
        fi
        sleep 0.1
    done
}

# peers_wait_idle TIMEOUT TRANSCRIPT...: for sessions that reconnect every
# reconnect-delay, waits for a moment when none of them is open: until a
# connection ends and every connection these SMSC peers accepted has ended,
# then 0.3 s more for the box to log that end.  What the test does next
# (a signal, a stop) then falls between two sessions, and the next
# reconnect is most of a reconnect-delay away.  A timeout fails.
peers_wait_idle() {
    local timeout=$1 deadline=$((SECONDS + $1)) t opened closed start_closed=
    shift
    while :; do
        opened=0 closed=0
        for t in "$@"; do
            opened=$((opened + $(peer_connections "$t")))
            closed=$((closed + $(peer_closed "$t")))
        done
        [ -z "$start_closed" ] && start_closed=$closed
        [ "$closed" -gt "$start_closed" ] && [ "$closed" -eq "$opened" ] && break
        if [ "$SECONDS" -ge "$deadline" ]; then
            it_fail "no moment without an open session in ${timeout}s ($*)"
            return 1
        fi
        sleep 0.05
    done
    sleep 0.3
}

# box_stop_idle BOX TIMEOUT TRANSCRIPT...: stops the started box BOX at such
# a moment (peers_wait_idle), so that no session is cut in the middle of a
# handshake and its logs end where the peers' transcripts do.
box_stop_idle() {
    local box=$1 timeout=$2
    shift 2
    peers_wait_idle "$timeout" "$@"
    it_stop "$box"
}

# peer_field FILE EVENT KEY: the value of KEY in the first JSON event line
# EVENT that a peer client (client.js, client.pl) printed to FILE.
peer_field() {
    perl -ne 'BEGIN { ($e, $k) = splice(@ARGV, 0, 2) }
        if (/"event":"\Q$e\E"/ && /"\Q$k\E":("([^"]*)"|(-?[0-9]+))/) {
            print defined $2 ? $2 : $3; exit }' "$2" "$3" "$1"
}
