#!/bin/bash
# kannel.conf's `include` (patch 0013): only a line whose key is `include`
# includes a file.  A bearerbox whose log-file path contains the word
# "include" starts and logs there (stock Kannel took that line for an
# include directive and panicked), and so does an opensmppbox whose
# smpp-logins path contains it; a real `include = FILE` line still brings in
# FILE's groups (here the smsc group, which must bind to the SMSC).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init host_include

P=$TOP/tests/peers
SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10

D=$IT_DIR/include
mkdir -p "$D"
box_bearerbox_conf "$IT_DIR/bb.conf" ""
sed -i "s|^log-file = .*|log-file = $D/bearerbox-include.log|" "$IT_DIR/bb.conf"
box_smsc_smpp "$IT_DIR/smsc-group.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
echo "include = $IT_DIR/smsc-group.conf" >>"$IT_DIR/bb.conf"
it_assert_line "$IT_DIR/bb.conf" "^log-file = .*include.*include" "the bearerbox log-file path holds the word include"
box_start bb "$IT_DIR/bb.conf"
it__alive "$(it_pid bb)" && it_pass "bearerbox starts with \"include\" in its log-file path" ||
    it_fail "bearerbox did not start with \"include\" in its log-file path"
it_assert_line "$D/bearerbox-include.log" 'bearerbox II version' "bearerbox logs to the path with \"include\" in it"
it_assert_no_line "$IT_DIR/bb.err" PANIC "bearerbox: no PANIC on its stderr"
it_wait_line "$IT_DIR/smsc.out" '^BIND trx up -> 0$' 20 &&
    it_pass "the smsc group from \`include = FILE\` binds to the SMSC"

echo "inc1 pw1 x" >"$D/logins-include"
box_osb_conf "$IT_DIR/osb.conf" "" "$OSB_PORT" "$D/logins-include"
sed -i "s|^log-file = .*|log-file = $D/opensmppbox-include.log|" "$IT_DIR/osb.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_start c1 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id inc1 --password pw1 --unbind
it_wait_exit c1 20
it_assert_eq "$(peer_field "$IT_DIR/c1.out" bind status)" 0 \
    "opensmppbox with \"include\" in its log-file and smpp-logins paths serves a bind"
it_assert_no_line "$IT_DIR/osb.err" PANIC "opensmppbox: no PANIC on its stderr"
it_stop osb
it_stop bb

it_summary
