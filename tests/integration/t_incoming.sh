#!/bin/bash
# Incoming connectors (the patched opensmppbox with the emgdiag module)
# against real SMPP clients: Net::SMPP (tests/peers/client.pl), node-smpp
# (tests/peers/client.js) and a second patched bearerbox whose `smsc = smpp`
# group binds to opensmppbox.  The connector log of the incoming side must
# show each client's address, its system_id on a good bind, the status we
# answered on a refused one, the lowest free instance number per session,
# and the clean unbind (docs/connector-log.md#connector-log); a refused bind also goes to `security`
# (docs/connector-log.md#security-and-general).  Every expected line is written from the spec and from what the
# scenario makes each client do, never copied from a run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init incoming

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
LVL='[A-Z ]{5} ' # a level padded to five characters, then one space (docs/pdu-log.md and docs/connector-log.md#security-and-general)

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

# ---------------------------------------------------------------------------
# 1. Net::SMPP: bind, submit, unbind.  Alone on the connector: instance 0.
it_start perl1 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id perl1 --password pw-perl1 --submit 1 --unbind
it_wait_exit perl1 30
it_assert_eq "$(peer_field "$IT_DIR/perl1.out" bind status)" 0 "Net::SMPP: bind answered 0"
it_assert_eq "$(peer_field "$IT_DIR/perl1.out" submit status)" 0 "Net::SMPP: submit_sm answered 0"
it_assert_eq "$(peer_field "$IT_DIR/perl1.out" unbind status)" 0 "Net::SMPP: unbind answered 0"
it_wait_line "$C" "^$TS \(0\) DISCONNECT" 10
it_assert_line "$C" "^$TS \(0\) CONNECT OK \(info=\"0 127\.0\.0\.1\"\)$" "Net::SMPP: CONNECT OK with the client's address"
it_assert_line "$C" "^$TS \(0\) LOGIN OK \(info=\"0 perl1\"\)$" "Net::SMPP: LOGIN OK with the system_id it bound with"
it_assert_line "$C" "^$TS \(0\) DISCONNECT OK$" "Net::SMPP: clean unbind gives DISCONNECT OK"
it_assert_line "$IT_DIR/smsc.out" '^SUBMIT 12345 -> 46700000001 ' "Net::SMPP: the submit went through bearerbox to the SMSC"
# The session's lines come in the order of the events.
order=$(grep -E '^[^ ]+ [^ ]+ \(0\) (CONNECT|LOGIN|DISCONNECT) ' "$C" | awk '{ print $4 " " $5 }' | head -n 3 | tr '\n' ',')
it_assert_eq "$order" "CONNECT OK,LOGIN OK,DISCONNECT OK," "Net::SMPP: CONNECT, LOGIN, DISCONNECT in that order"

# ---------------------------------------------------------------------------
# 2. node-smpp (interface_version 0x50): the same exchange.
before=$(grep -c 'DISCONNECT' "$C")
it_start node1 node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id node1 --password pw-node1 --submit 1 --unbind
it_wait_exit node1 30
it_assert_eq "$(peer_field "$IT_DIR/node1.out" bind status)" 0 "node-smpp: bind answered 0"
it_assert_eq "$(peer_field "$IT_DIR/node1.out" submit status)" 0 "node-smpp: submit_sm answered 0"
it_assert_eq "$(peer_field "$IT_DIR/node1.out" unbind status)" 0 "node-smpp: unbind answered 0"
for ((i = 0; i < 50; i++)); do
    [ "$(grep -c 'DISCONNECT' "$C")" -gt "$before" ] && break
    sleep 0.1
done
it_assert_line "$C" "^$TS \(0\) LOGIN OK \(info=\"0 node1\"\)$" "node-smpp: LOGIN OK with its system_id, instance 0 again"
it_assert_eq "$(grep -Ec "^$TS \(0\) DISCONNECT OK$" "$C")" 2 "node-smpp: DISCONNECT OK (second clean unbind)"

# ---------------------------------------------------------------------------
# 3. Wrong password, from both clients: the client sees 14 (ESME_RINVPASWD,
# the module's default), the log LOGIN ERR 14, security a DENY LOGIN with
# reason credentials, and no LOGIN OK for that system_id.
it_start badperl perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id perl1 --password wrong --unbind
it_wait_exit badperl 30
it_assert_eq "$(peer_field "$IT_DIR/badperl.out" bind status)" 14 "Net::SMPP, wrong password: bind answered 14"
it_start badnode node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id node1 --password wrong --unbind
it_wait_exit badnode 30
it_assert_eq "$(peer_field "$IT_DIR/badnode.out" bind status)" 14 "node-smpp, wrong password: bind answered 14"
it_wait_line "$L/security" 'system-id="node1"' 10
it_assert_eq "$(grep -Ec "^$TS \([0-9]+\) LOGIN ERR \(info=\"14\"\)$" "$C")" 2 "wrong password: two LOGIN ERR (info=\"14\") lines"
it_assert_line "$L/security" "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"perl1\" address=\"127\.0\.0\.1\" status=\"14\" reason=\"credentials\" rule=\"[^\"]*\"$" \
    "wrong password (Net::SMPP): DENY LOGIN reason=credentials in security"
it_assert_line "$L/security" "^$TS ${LVL}\(smpp-in(,[0-9]+)?\) DENY LOGIN system-id=\"node1\" address=\"127\.0\.0\.1\" status=\"14\" reason=\"credentials\" rule=\"[^\"]*\"$" \
    "wrong password (node-smpp): DENY LOGIN reason=credentials in security"
it_assert_eq "$(grep -c 'LOGIN OK' "$C")" 2 "wrong password: no new LOGIN OK"

# ---------------------------------------------------------------------------
# 4. Instances: A binds and holds, B binds while A is there (A has 0, B gets
# 1); A unbinds; C binds while B still holds and takes 0, the lowest free.
it_start holdA perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id holdA --password pw-holdA --hold 3 --unbind
it_wait_line "$C" 'LOGIN OK \(info="0 holdA"\)' 15
it_start holdB node "$P/client.js" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id holdB --password pw-holdB --hold 14 --unbind
it_wait_line "$C" 'LOGIN OK \(info="0 holdB"\)' 15
it_wait_exit holdA 30
it_assert_eq "$(peer_field "$IT_DIR/holdA.out" unbind status)" 0 "instances: A unbound"
# A's session is over once its DISCONNECT is logged: the third clean one on (0).
for ((i = 0; i < 50; i++)); do
    [ "$(grep -Ec "^$TS \(0\) DISCONNECT OK$" "$C")" -ge 3 ] && break
    sleep 0.1
done
it_assert_eq "$(grep -Ec "^$TS \(0\) DISCONNECT OK$" "$C")" 3 "instances: A's session ended cleanly on (0)"
it_start holdC perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" \
    --system-id holdC --password pw-holdC --hold 1 --unbind
it_wait_line "$C" 'LOGIN OK \(info="0 holdC"\)' 15
b_alive=no
it__alive "$(it_pid holdB)" && b_alive=yes
it_assert_eq "$b_alive" yes "instances: B still bound when C bound"
it_assert_line "$C" "^$TS \(0\) LOGIN OK \(info=\"0 holdA\"\)$" "instances: the first client has (0)"
it_assert_line "$C" "^$TS \(1\) LOGIN OK \(info=\"0 holdB\"\)$" "instances: a concurrent second client has (1)"
it_assert_line "$C" "^$TS \(0\) LOGIN OK \(info=\"0 holdC\"\)$" "instances: after the first left, a new client takes (0) again"
it_assert_no_line "$C" "^$TS \((2|[3-9]|[1-9][0-9]+)\) " "instances: never more than two numbers in use"

# ---------------------------------------------------------------------------
# 5. bearerbox -> opensmppbox: a second patched bearerbox, with its own module
# configuration and log directory, binds to opensmppbox as a transceiver
# (the first bearerbox keeps serving opensmppbox).
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
box_smsc_smpp "$IT_DIR/kannel2.conf" osbup "$OSB_PORT" chain pw-chain "transceiver-mode = true"
box_start bb2 "$IT_DIR/kannel2.conf"
it_wait_line "$BB2L/connector.to-osb" 'LOGIN' 20
it_wait_line "$C" 'LOGIN OK \(info="0 chain"\)' 10
it_assert_line "$BB2L/connector.to-osb" "^$TS \(0\) CONNECT OK$" "chain, outgoing side: CONNECT OK"
it_assert_line "$BB2L/connector.to-osb" "^$TS \(0\) LOGIN OK \(info=\"0 OSB\"\)$" "chain, outgoing side: LOGIN OK with opensmppbox's our-system-id"
# The instance of bearerbox's session on the incoming side: whichever is
# lowest free (B may still hold 1); read it from its LOGIN line and expect
# the CONNECT line of the same instance with bearerbox's address.
inst=$(grep -E "LOGIN OK \(info=\"0 chain\"\)" "$C" | sed -E 's/^[^ ]+ [^ ]+ \(([0-9]+)\).*/\1/' | head -n 1)
it_assert_line "$C" "^$TS \(${inst:-x}\) CONNECT OK \(info=\"0 127\.0\.0\.1\"\)$" "chain, incoming side: CONNECT OK with bearerbox's address"
it_assert_line "$C" "^$TS \(${inst:-x}\) LOGIN OK \(info=\"0 chain\"\)$" "chain, incoming side: LOGIN OK with bearerbox's system_id"
it_assert_line "$BB2L/pdu.to-osb" "^$TS INFO  \(to-osb,0\) Read op:0x80000009 \(BIND_TRANSCEIVER_RESP\) status:0 trn:[0-9]+ datalen:4 SYSTEMID:OSB$" \
    "chain, outgoing side: bind response read (\"OSB\" + NUL = 4 octets)"
it_assert_line "$L/pdu.smpp-in" "^$TS INFO  \(smpp-in,${inst:-x}\) Read op:0x00000009 \(BIND_TRANSCEIVER\) status:0 trn:[0-9]+ datalen:[0-9]+ .*SYSTEMID:chain( |$)" \
    "chain, incoming side: bearerbox's bind read"
# Each side's general log says which process loaded which file.
it_assert_line "$BB2L/general" "^$TS ${LVL}\(bearerbox\) CONFIG LOADED file=\"$IT_DIR/bb2\.xml\"$" "chain: the second bearerbox loaded its own file"
it_assert_line "$L/general" "^$TS ${LVL}\(opensmppbox\) CONFIG LOADED file=\"$IT_DIR/emg\.xml\"$" "opensmppbox: CONFIG LOADED in general"
it_assert_no_line "$BB2L/connector.to-osb" "LOGIN ERR|CONNECT ERR" "chain: no error on the outgoing side"

it_wait_exit holdB 30
it_wait_exit holdC 30
it_stop bb2
it_wait_line "$C" "^$TS \(${inst:-x}\) DISCONNECT " 10
it_assert_line "$BB2L/connector.to-osb" "^$TS \(0\) DISCONNECT OK$" "chain: bearerbox's shutdown unbinds, DISCONNECT OK outgoing"
it_assert_line "$C" "^$TS \(${inst:-x}\) DISCONNECT OK$" "chain: and DISCONNECT OK incoming"

it_summary
