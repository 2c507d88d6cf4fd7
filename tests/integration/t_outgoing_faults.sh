#!/bin/bash
# Outgoing connect failures that loopback alone cannot produce: a SMSC port
# that swallows SYNs (a black hole) and a host name that does not resolve.
# Each bearerbox runs in a network and mount namespace of its own, made by
# this test with unshare: its own loopback, an iptables DROP rule on the
# SMSC port, and a private nsswitch.conf/hosts.  docs/connector-log.md#connector-log says what the
# connector log must show: CONNECT ERR with errno 110 (ETIMEDOUT) when
# `connect-timeout` expires, -1 (HOST_NOT_FOUND as -h_errno) for a failed
# lookup, and, without connect-timeout, nothing for as long as the kernel
# keeps retrying SYNs (≈127 s with the default tcp_syn_retries = 6).  The
# logs are compared whole with files written from those rules.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init outgoing_faults


# The namespace needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iptables.
if ! unshare --net --mount true 2>/dev/null || ! command -v iptables >/dev/null; then
    it_skip "needs root, unshare and iptables to build a black hole"
    it_summary
    exit $?
fi

# ns_port_listening PID PORT: PORT listens in PID's network namespace
# (/proc/PID/net/tcp is that namespace's table, unlike /proc/net/tcp).
ns_port_listening() {
    local hex
    hex=$(printf '%04X' "$2")
    awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
                      END { exit !found }' "/proc/$1/net/tcp" 2>/dev/null
}

# ns_wait_port NAME PORT TIMEOUT: waits for the started process NAME to
# listen on PORT inside its namespace; a timeout fails.
ns_wait_port() {
    local pid deadline
    pid=$(it_pid "$1")
    deadline=$((SECONDS + $3))
    while ! ns_port_listening "$pid" "$2"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            it_fail "$1 not listening on port $2 in its namespace after $3s"
            it__tail "$IT_DIR/$1.err"
            it__tail "$IT_DIR/$1.log"
            return 1
        fi
        sleep 0.1
    done
}

# Epoch seconds (with fraction) of a connector-log line's timestamp.
line_epoch() {
    date -d "$(printf '%s\n' "$1" | cut -c1-26)" +%s.%N
}

# The wrapper runs inside the new namespaces: it sets them up as told by
# its arguments, then execs bearerbox, so the PID it_start records is
# bearerbox's own and it_stop signals the box itself.
#   ns_box.sh CONF DROP_PORT SYN_RETRIES|- HOSTS_DIR|-
cat >"$IT_DIR/ns_box.sh" <<'SH'
#!/bin/bash
conf=$1 drop_port=$2 syn_retries=$3 hosts_dir=$4
ip link set lo up || { echo "ns_box: cannot bring lo up" >&2; exit 3; }
iptables -A INPUT -p tcp --dport "$drop_port" -j DROP ||
    { echo "ns_box: iptables failed" >&2; exit 3; }
if [ "$syn_retries" != - ]; then
    sysctl -q -w net.ipv4.tcp_syn_retries="$syn_retries" ||
        { echo "ns_box: sysctl failed" >&2; exit 3; }
fi
if [ "$hosts_dir" != - ]; then
    mount --bind "$hosts_dir/nsswitch.conf" /etc/nsswitch.conf &&
        mount --bind "$hosts_dir/hosts" /etc/hosts ||
        { echo "ns_box: bind mounts failed" >&2; exit 3; }
fi
exec "$BEARERBOX" "$conf"
SH

# A resolver that only reads a hosts file that does not know the name.
mkdir -p "$IT_DIR/resolv"
echo "hosts: files" >"$IT_DIR/resolv/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$IT_DIR/resolv/hosts"

# Box 1: black hole with connect-timeout = 3 (SYN retries 2: the kernel
# alone would give up after ≈7 s, so an answer near 3 s is ours), and an
# unresolvable SMSC host.  Box 2: black hole, no connect-timeout, default
# SYN retries.
HOLE1=$(it_port)
HOLE2=$(it_port)
for b in 1 2; do
    mkdir -p "$IT_DIR/logs$b"
    cat >"$IT_DIR/emg$b.xml" <<XML
<emgdiag>
  <logs dir="$IT_DIR/logs$b"/>
</emgdiag>
XML
done

box_bearerbox_conf "$IT_DIR/kannel1.conf" "$IT_DIR/emg1.xml"
BB1_SMSBOX_PORT=$BOX_SMSBOX_PORT
sed -i "s|^log-file = .*|log-file = $IT_DIR/bb1.log|" "$IT_DIR/kannel1.conf"
# A reconnect-delay longer than the test: one attempt each, so the whole
# connector log is known.
box_smsc_smpp "$IT_DIR/kannel1.conf" hole "$HOLE1" user secret "transceiver-mode = true" "connect-timeout = 3" "reconnect-delay = 60"
box_smsc_smpp "$IT_DIR/kannel1.conf" nxhost 2775 user secret "transceiver-mode = true" "reconnect-delay = 60"
# The second group's host: replace only inside the nxhost group.
awk '/^smsc-id = nxhost$/ { nx = 1 } nx && /^host = / { $0 = "host = no-such-smsc.invalid"; nx = 0 } { print }' \
    "$IT_DIR/kannel1.conf" >"$IT_DIR/kannel1.tmp" && mv "$IT_DIR/kannel1.tmp" "$IT_DIR/kannel1.conf"

box_bearerbox_conf "$IT_DIR/kannel2.conf" "$IT_DIR/emg2.xml"
BB2_SMSBOX_PORT=$BOX_SMSBOX_PORT
sed -i "s|^log-file = .*|log-file = $IT_DIR/bb2.log|" "$IT_DIR/kannel2.conf"
box_smsc_smpp "$IT_DIR/kannel2.conf" hole "$HOLE2" user secret "transceiver-mode = true"

# The configuration must say what the scenario needs, or the test proves nothing.
grep -q '^host = no-such-smsc.invalid$' "$IT_DIR/kannel1.conf" || it_fail "kannel1.conf lacks the unresolvable host"
grep -q '^connect-timeout' "$IT_DIR/kannel2.conf" && it_fail "kannel2.conf must not set connect-timeout"

export BEARERBOX
start1=$(date +%s.%N)
it_start bb1 unshare --net --mount bash "$IT_DIR/ns_box.sh" "$IT_DIR/kannel1.conf" "$HOLE1" 2 "$IT_DIR/resolv"
start2=$(date +%s.%N)
it_start bb2 unshare --net --mount bash "$IT_DIR/ns_box.sh" "$IT_DIR/kannel2.conf" "$HOLE2" - -
ns_wait_port bb1 "$BB1_SMSBOX_PORT" 20
ns_wait_port bb2 "$BB2_SMSBOX_PORT" 20

# The recorded PIDs are the boxes themselves (the wrapper exec'd them).
for b in bb1 bb2; do
    it_assert_eq "$(readlink "/proc/$(it_pid $b)/exe")" "$(readlink -f "$BEARERBOX")" "$b: tracked PID is bearerbox"
    if [ "$(readlink "/proc/$(it_pid $b)/ns/net")" != "$(readlink /proc/$$/ns/net)" ]; then
        it_pass "$b: runs in its own network namespace"
    else
        it_fail "$b: runs in the test's network namespace"
    fi
done

L1=$IT_DIR/logs1
L2=$IT_DIR/logs2

# Black hole with connect-timeout = 3: ETIMEDOUT (110) after ≈3 s.
if it_wait_line "$L1/connector.hole" 'CONNECT' 15; then
    first=$(grep -m1 'CONNECT' "$L1/connector.hole")
    elapsed=$(awk -v a="$(line_epoch "$first")" -v b="$start1" 'BEGIN { printf "%.2f", a - b }')
    if awk -v e="$elapsed" 'BEGIN { exit !(e >= 2.5 && e < 6) }'; then
        it_pass "black hole: first CONNECT ERR after ${elapsed}s (connect-timeout 3, kernel alone ≈7)"
    else
        it_fail "black hole: first CONNECT ERR after ${elapsed}s, expected 3 s give or take (connect-timeout 3)"
    fi
fi
# Unresolvable name: -h_errno, HOST_NOT_FOUND = 1.
it_wait_line "$L1/connector.nxhost" 'CONNECT' 15

# Without connect-timeout the connect blocks on the kernel's SYN retries:
# nothing in the first 10 s.  (Waiting for the ≈127 s ERR is too long here.)
rest=$(awk -v now="$(date +%s.%N)" -v b="$start2" 'BEGIN { r = 10 - (now - b); printf "%.2f", (r > 0 ? r : 0) }')
sleep "$rest"
it_assert_files "$L2" "black hole without connect-timeout: no connector log in 10 s, only general" general

# Box 2 is blocked in connect(): no graceful exit to wait for.
kill -KILL "$(it_pid bb2)" 2>/dev/null
it_stop bb2
it_stop bb1
it_assert_no_line "$IT_DIR/bb1.err" '^ns_box:' "box 1 namespace set up"
it_assert_no_line "$IT_DIR/bb2.err" '^ns_box:' "box 2 namespace set up"

# Whole files (docs/connector-log.md#connector-log): each session is one
# CONNECT ERR with the errno of the failed connect, or -h_errno of the
# failed lookup, and nothing else (no CONNECT OK, no LOGIN).  Box 2's
# general shows the module was loaded, so its silence means something.
E=$IT_DIR/expected
mkdir -p "$E"
printf '%s\n' '(0) CONNECT ERR (info="110")' >"$E/connector.hole"
printf '%s\n' '(0) CONNECT ERR (info="-1")' >"$E/connector.nxhost"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/emg1.xml\"" >"$E/general1"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/emg2.xml\"" >"$E/general2"
it_assert_file "$L1/connector.hole" "$E/connector.hole" "black hole + connect-timeout: connector.hole is CONNECT ERR 110, nothing else"
it_assert_file "$L1/connector.nxhost" "$E/connector.nxhost" "unresolvable host: connector.nxhost is CONNECT ERR -1, nothing else"
it_assert_file "$L1/general" "$E/general1" "box 1: general is CONFIG LOADED"
it_assert_file "$L2/general" "$E/general2" "box 2: general is CONFIG LOADED (the module was loaded)"
it_assert_files "$L1" "box 1: no pdu log (nothing was ever connected)" connector.hole connector.nxhost general

it_summary
