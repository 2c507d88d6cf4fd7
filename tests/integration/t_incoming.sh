#!/bin/bash
# Incoming connectors (the patched opensmppbox with the emgdiag module)
# against real SMPP clients: Net::SMPP (tests/peers/client.pl), node-smpp
# (tests/peers/client.js) and a second patched bearerbox whose `smsc = smpp`
# group binds to opensmppbox.  The connector log of the incoming side must
# show each client's address, its system_id on a good bind, the status we
# answered on a refused one, the lowest free instance number per session,
# and the clean unbind (docs/connector-log.md#connector-log); a refused bind also goes to `security`
# (docs/connector-log.md#security-and-general).  Every log of the three boxes is compared whole with a
# file written from the docs, from what the scenario makes each client do
# and from the PDUs the peers (and a tap between the two boxes) recorded,
# never copied from a run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init incoming

P=$TOP/tests/peers

if [ ! -d "$P/node_modules/smpp" ]; then
    (cd "$P" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi

# ---------------------------------------------------------------------------
# An SMSC for bearerbox (so that submits have somewhere to go), bearerbox
# serving opensmppbox, and opensmppbox with the module.
SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10

L=$IT_DIR/logs
BBL=$IT_DIR/bb-logs
mkdir -p "$L" "$BBL"
cat >"$IT_DIR/bb.xml" <<XML
<emgdiag>
  <logs dir="$BBL"/>
</emgdiag>
XML
cat >"$IT_DIR/emg.xml" <<XML
<emgdiag>
  <logs dir="$L"/>
  <connector name="smpp-in" type="incoming" opensmppbox-id="osb"/>
</emgdiag>
XML
# smpp-logins: system_id password system_type (not compared here).
cat >"$IT_DIR/logins" <<EOF
perl1 pw-perl1 x
node1 pw-node1 x
holdA pw-holdA x
holdB pw-holdB x
holdC pw-holdC x
chain pw-chain x
EOF
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/bb.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start bb "$IT_DIR/kannel.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
C=$L/connector.smpp-in

E=$IT_DIR/expected
mkdir -p "$E"
: >"$E/connector.smpp-in"
: >"$E/pdu.smpp-in"
# session INSTANCE CLIENT OUTCOME...: appends to the expected incoming logs
# one session of a client peer (its JSON transcript $IT_DIR/CLIENT.out):
# CONNECT OK with the address it connected from, then the OUTCOME lines
# (docs/connector-log.md#connector-log), and every PDU it exchanged.
session() {
    local inst=$1 client=$2 addr
    shift 2
    addr=$(peer_field "$IT_DIR/$client.out" connect local | sed 's/:[0-9]*$//')
    printf '%s\n' "($inst) CONNECT OK (info=\"0 ${addr:-?}\")" "$@" >>"$E/connector.smpp-in"
    peer_pdus "$E/pdu.smpp-in" "$IT_DIR/$client.out" --connector smpp-in --instance "$inst"
}
# The outcomes: a good bind and a clean unbind; a refused bind.
ok() { printf '%s\n' "($1) LOGIN OK (info=\"0 $2\")" "($1) DISCONNECT OK"; }
refused() { printf '%s\n' "($1) LOGIN ERR (info=\"$2\")" "($1) DISCONNECT ERR (info=\"login-failed\")"; }
# wait_disconnects N: until the incoming connector log has N DISCONNECT
# lines, so that the next client finds the instances of the ones before
# free (synchronisation only).
wait_disconnects() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'DISCONNECT' "$C" 2>/dev/null)" -ge "$1" ] && return 0
        sleep 0.1
    done
    it_fail "fewer than $1 DISCONNECT lines in $C after 10 s"
    it__tail "$C"
}

# ---------------------------------------------------------------------------
# 1. Net::SMPP: bind, submit, unbind.  Alone on the connector: instance 0.
it_start perl1 perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id perl1 --password pw-perl1 --submit 1 --unbind
it_wait_exit perl1 30
it_assert_eq "$(peer_field "$IT_DIR/perl1.out" bind status)" 0 "Net::SMPP: bind answered 0"
it_assert_eq "$(peer_field "$IT_DIR/perl1.out" submit status)" 0 "Net::SMPP: submit_sm answered 0"
it_assert_eq "$(peer_field "$IT_DIR/perl1.out" unbind status)" 0 "Net::SMPP: unbind answered 0"
it_wait_line "$IT_DIR/smsc.out" '^SUBMIT 12345 -> 46700000001 ' 10 &&
    it_pass "Net::SMPP: the submit went through bearerbox to the SMSC"
wait_disconnects 1
session 0 perl1 "$(ok 0 perl1)"

# ---------------------------------------------------------------------------
# 2. node-smpp (interface_version 0x50): the same exchange, instance 0 again.
it_start node1 node "$P/client.js" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id node1 --password pw-node1 --submit 1 --unbind
it_wait_exit node1 30
it_assert_eq "$(peer_field "$IT_DIR/node1.out" bind status)" 0 "node-smpp: bind answered 0"
it_assert_eq "$(peer_field "$IT_DIR/node1.out" submit status)" 0 "node-smpp: submit_sm answered 0"
it_assert_eq "$(peer_field "$IT_DIR/node1.out" unbind status)" 0 "node-smpp: unbind answered 0"
wait_disconnects 2
session 0 node1 "$(ok 0 node1)"

# ---------------------------------------------------------------------------
# 3. Wrong password, from both clients, one after the other: the client
# sees 14 (ESME_RINVPASWD, the module's default), the log LOGIN ERR 14,
# security a DENY LOGIN with reason credentials.
it_start badperl perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id perl1 --password wrong --unbind
it_wait_exit badperl 30
it_assert_eq "$(peer_field "$IT_DIR/badperl.out" bind status)" 14 "Net::SMPP, wrong password: bind answered 14"
wait_disconnects 3
session 0 badperl "$(refused 0 14)"
it_start badnode node "$P/client.js" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id node1 --password wrong --unbind
it_wait_exit badnode 30
it_assert_eq "$(peer_field "$IT_DIR/badnode.out" bind status)" 14 "node-smpp, wrong password: bind answered 14"
wait_disconnects 4
session 0 badnode "$(refused 0 14)"
for who in perl1 node1; do
    printf '%s\n' "WARN  (smpp-in,0) DENY LOGIN system-id=\"$who\" address=\"127.0.0.1\" status=\"14\" reason=\"credentials\" rule=\"smpp-logins\""
done >"$E/security"

# ---------------------------------------------------------------------------
# 4. Instances: A binds and holds, B binds while A is there (A has 0, B gets
# 1); A unbinds; C binds while B still holds and takes 0, the lowest free.
it_start holdA perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id holdA --password pw-holdA --hold 3 --unbind
it_wait_line "$C" 'LOGIN OK \(info="0 holdA"\)' 15
it_start holdB node "$P/client.js" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id holdB --password pw-holdB --hold 14 --unbind
it_wait_line "$C" 'LOGIN OK \(info="0 holdB"\)' 15
it_wait_exit holdA 30
it_assert_eq "$(peer_field "$IT_DIR/holdA.out" unbind status)" 0 "instances: A unbound"
wait_disconnects 5
session 0 holdA "$(ok 0 holdA)"
it_start holdC perl "$P/client.pl" --pdus --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id holdC --password pw-holdC --hold 1 --unbind
it_wait_line "$C" 'LOGIN OK \(info="0 holdC"\)' 15
b_alive=no
it__alive "$(it_pid holdB)" && b_alive=yes
it_assert_eq "$b_alive" yes "instances: B still bound when C bound"
it_wait_exit holdC 30
wait_disconnects 6
session 0 holdC "$(ok 0 holdC)"

# ---------------------------------------------------------------------------
# 5. bearerbox -> opensmppbox: a second patched bearerbox, with its own module
# configuration and log directory, binds to opensmppbox as a transceiver
# (the first bearerbox keeps serving opensmppbox) while B still holds 1: it
# takes 0.  A wire tap (tests/peers/tap.pl) between the two records the
# PDUs both boxes must log.
TAP_PORT=$(it_port)
it_start tap perl "$P/tap.pl" --port "$TAP_PORT" --to-port "$OSB_PORT"
it_wait_line "$IT_DIR/tap.out" '^LISTENING' 10
BB2L=$IT_DIR/bb2-logs
mkdir -p "$BB2L"
cat >"$IT_DIR/bb2.xml" <<XML
<emgdiag>
  <logs dir="$BB2L"/>
  <connector name="to-osb" type="outgoing" smsc-id="osbup"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/kannel2.conf" "$IT_DIR/bb2.xml"
sed -i "s|^log-file = .*|log-file = $IT_DIR/bearerbox2.log|" "$IT_DIR/kannel2.conf"
box_smsc_smpp "$IT_DIR/kannel2.conf" osbup "$TAP_PORT" chain pw-chain "transceiver-mode = true"
box_start bb2 "$IT_DIR/kannel2.conf"
it_wait_line "$BB2L/connector.to-osb" 'LOGIN' 20
it_wait_line "$C" 'LOGIN OK \(info="0 chain"\)' 10

# B unbinds after its hold; then bearerbox's shutdown unbinds the chain.
it_wait_exit holdB 30
wait_disconnects 7
it_stop bb2
wait_disconnects 8
peer_wait_closed "$IT_DIR/tap.out" 10
# chain, incoming side: CONNECT OK with bearerbox's address (the tap
# connects from it), LOGIN OK with its system_id, DISCONNECT OK.
printf '%s\n' '(0) CONNECT OK (info="0 127.0.0.1")' "$(ok 0 chain)" >>"$E/connector.smpp-in"
peer_pdus "$E/pdu.smpp-in" "$IT_DIR/tap.out" --connector smpp-in --instance 0 --gateway server
session 1 holdB "$(ok 1 holdB)"

# Stop the rest: opensmppbox (nothing connected any more), then bearerbox,
# which unbinds from the SMSC.
it_stop osb
it_stop bb
peer_wait_closed "$IT_DIR/smsc.out" 10

# ---------------------------------------------------------------------------
# The whole files.  Incoming: instance 0 is every session in turn and 1 is
# B's, which overlapped A's, C's and the chain's: compared per instance
# (whole and in order within each; any other number fails).
it_assert_file_per_instance "$C" "$E/connector.smpp-in" \
    "connector.smpp-in: each client's address, LOGIN OK with its system_id or LOGIN ERR 14, clean unbinds; A 0, B 1, C 0, chain 0"
it_assert_file_per_instance "$L/pdu.smpp-in" "$E/pdu.smpp-in" \
    "pdu.smpp-in: every PDU each client and bearerbox exchanged with opensmppbox, per instance in order"
it_assert_file "$L/security" "$E/security" "security: one DENY LOGIN reason=credentials per wrong password"
printf '%s\n' "INFO  (opensmppbox) CONFIG LOADED file=\"$IT_DIR/emg.xml\"" >"$E/general"
it_assert_file "$L/general" "$E/general" "opensmppbox: general is CONFIG LOADED"
# The clients' submits became messages: the message log of opensmppbox-id
# osb, and bearerbox's (docs/message-log.md#files).
it_assert_files "$L" "opensmppbox's log directory: connector, pdu, message, security, general" \
    connector.smpp-in pdu.smpp-in message.osb security general

# The chain's outgoing side: CONNECT OK, LOGIN OK with opensmppbox's
# our-system-id, and bearerbox's shutdown unbinds: DISCONNECT OK; its PDUs
# as the tap saw them ("OSB" + NUL = 4 octets of bind response).
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 OSB")' '(0) DISCONNECT OK' >"$E/connector.to-osb"
it_assert_file "$BB2L/connector.to-osb" "$E/connector.to-osb" "chain, outgoing side: connector.to-osb whole"
: >"$E/pdu.to-osb"
peer_pdus "$E/pdu.to-osb" "$IT_DIR/tap.out" --connector to-osb --instance 0
it_assert_file "$BB2L/pdu.to-osb" "$E/pdu.to-osb" "chain, outgoing side: pdu.to-osb is the PDUs on the wire"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/bb2.xml\"" >"$E/general2"
it_assert_file "$BB2L/general" "$E/general2" "chain: the second bearerbox loaded its own file"
it_assert_files "$BB2L" "chain: the second bearerbox's log directory" connector.to-osb pdu.to-osb general

# The first bearerbox, the SMSC's client: one session, the two submits
# forwarded, unbound at shutdown.
printf '%s\n' '(0) CONNECT OK' '(0) LOGIN OK (info="0 smsc")' '(0) DISCONNECT OK' >"$E/connector.up"
it_assert_file "$BBL/connector.up" "$E/connector.up" "bearerbox to the SMSC: connector.up whole"
: >"$E/pdu.up"
peer_pdus "$E/pdu.up" "$IT_DIR/smsc.out" --connector up --instance 0
it_assert_file_directions "$BBL/pdu.up" "$E/pdu.up" "bearerbox to the SMSC: pdu.up is the PDUs the SMSC recorded"
printf '%s\n' "INFO  (bearerbox) CONFIG LOADED file=\"$IT_DIR/bb.xml\"" >"$E/general1"
it_assert_file "$BBL/general" "$E/general1" "bearerbox: general is CONFIG LOADED"
it_assert_files "$BBL" "bearerbox's log directory" connector.up pdu.up message.bearerbox general

it_summary
