#!/bin/bash
# demo.sh: a live run of the whole chain on loopback, then the logs it left.
#
#   SMPP client (node-smpp) ──▶ opensmppbox+emgdiag ──▶ bearerbox+emgdiag ──▶ SMSC (Net::SMPP)
#        incoming connector "smpp-in"                 outgoing connector "smpp-out"
#
# One client is allowed and submits a message that bearerbox forwards to
# the SMSC; one client uses a wrong password (LOGIN ERR 14); one client
# arrives from 127.0.0.2, which the access list refuses at connect.
# Environment (set by `make demo`): BEARERBOX, OPENSMPPBOX, EMGDIAG_SO, TOP.
# The logs stay in DEMO_DIR (default ./demo-logs).
set -u
: "${BEARERBOX:?}" "${OPENSMPPBOX:?}" "${EMGDIAG_SO:?}" "${TOP:?}"
DEMO_DIR=${DEMO_DIR:-$(pwd)/demo-logs}
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR/emg"
cd "$DEMO_DIR" || exit 1
PIDS=()
cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[$i]}" 2>/dev/null
        for _ in $(seq 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "${PIDS[$i]}" 2>/dev/null
        wait "${PIDS[$i]}" 2>/dev/null
    done
}
trap cleanup EXIT
port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(LocalAddr=>"127.0.0.1",LocalPort=>0,Listen=>1)->sockport'; }
wait_for() { # FILE REGEX SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "demo: timed out waiting for /$2/ in $1" >&2
    tail -5 "$1" >&2
    exit 1
}
SMSC_PORT=$(port) ADMIN_PORT=$(port) SMSBOX_PORT=$(port) OSB_PORT=$(port)

cat >emgdiag.xml <<XML
<emgdiag>
  <logs dir="$DEMO_DIR/emg" format="both"/>
  <connector name="smpp-out" type="outgoing" smsc-id="upstream"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb">
    <access>
      <allow address="127.0.0.1"/>
      <allow address="::1"/>
    </access>
  </connector>
</emgdiag>
XML
cat >kannel.conf <<CONF
group = core
admin-port = $ADMIN_PORT
admin-interface = 127.0.0.1
admin-password = demo
smsbox-port = $SMSBOX_PORT
box-allow-ip = 127.0.0.1
log-file = $DEMO_DIR/bearerbox.log
hook-module = $EMGDIAG_SO
hook-config = $DEMO_DIR/emgdiag.xml

group = smsbox
bearerbox-host = 127.0.0.1

group = smsc
smsc = smpp
smsc-id = upstream
host = 127.0.0.1
port = $SMSC_PORT
transceiver-mode = true
smsc-username = gateway
smsc-password = s3cret
system-type = VMA
reconnect-delay = 5
CONF
cat >opensmppbox.conf <<CONF
group = core
dlr-storage = internal

group = opensmppbox
opensmppbox-id = osb
opensmppbox-port = $OSB_PORT
bearerbox-host = 127.0.0.1
bearerbox-port = $SMSBOX_PORT
our-system-id = OSB
use-systemid-as-smsboxid = true
smpp-logins = $DEMO_DIR/smpp-logins
route-to-smsc = upstream
log-file = $DEMO_DIR/opensmppbox.log
hook-module = $EMGDIAG_SO
hook-config = $DEMO_DIR/emgdiag.xml
CONF
printf 'client1 pass1 VMA\nclient2 pass2 VMA\n' >smpp-logins

echo "== starting the SMSC peer (Net::SMPP) on 127.0.0.1:$SMSC_PORT"
perl "$TOP/tests/peers/smsc.pl" --port "$SMSC_PORT" --system-id gateway --password s3cret \
    --smsc-system-id DEMO-SMSC >smsc.out 2>&1 &
PIDS+=($!)
wait_for smsc.out '^LISTENING' 10
echo "== starting the patched bearerbox with emgdiag"
"$BEARERBOX" kannel.conf >bearerbox.out 2>&1 &
PIDS+=($!)
wait_for emg/connector.smpp-out 'LOGIN' 30
echo "== starting the patched opensmppbox with emgdiag on port $OSB_PORT"
"$OPENSMPPBOX" opensmppbox.conf >opensmppbox.out 2>&1 &
PIDS+=($!)
wait_for opensmppbox.log 'Waiting for SMPP connections' 20

CLIENT="node $TOP/tests/peers/client.js --host 127.0.0.1 --port $OSB_PORT"
echo "== client1 binds, submits one message, unbinds"
$CLIENT --system-id client1 --password pass1 --submit 1 --unbind | sed 's/^/   /'
echo "== client2 binds with a wrong password"
$CLIENT --system-id client2 --password wrong | sed 's/^/   /'
echo "== a client from 127.0.0.2 (not in the access list)"
$CLIENT --system-id client1 --password pass1 --local-address 127.0.0.2 | sed 's/^/   /'
wait_for smsc.out '^SUBMIT' 15
sleep 1
echo "== stopping the boxes (bearerbox unbinds from the SMSC)"
cleanup
PIDS=()

for f in emg/connector.smpp-out emg/pdu.smpp-out emg/connector.smpp-in emg/pdu.smpp-in \
         emg/security emg/general; do
    echo
    echo "==== $DEMO_DIR/$f"
    cat "$f" 2>/dev/null || echo "(none)"
done
FOLLOW=${EMGDIAG_FOLLOW:-$TOP/tools/emgdiag-follow}
if [ -x "$FOLLOW" ]; then
    echo
    echo "==== emgdiag-follow --dir $DEMO_DIR/emg smpp-in      (the sessions of the incoming connector)"
    "$FOLLOW" --dir emg smpp-in
    echo
    echo "==== emgdiag-follow --dir $DEMO_DIR/emg smpp-in 0    (its last session: the refused password)"
    "$FOLLOW" --dir emg smpp-in 0
fi
echo
echo "JSON twins: $(cd "$DEMO_DIR/emg" && ls ./*.jsonl | tr '\n' ' ')"
echo "Every file is in $DEMO_DIR (emg/ holds the EMG logs; Kannel's own logs beside them)."
