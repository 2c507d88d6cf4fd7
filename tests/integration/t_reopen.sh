#!/bin/bash
# Log reopening and configuration reload in bearerbox (docs/connector-log.md#files and docs/connector-log.md#security-and-general).
#  - SIGUSR2 after the connector and pdu logs were renamed away: the module
#    reopens, new lines go to new files of the old names, the renamed files
#    stop growing, and no line is lost: every bind the SMSC answered is a
#    LOGIN OK line in the old or the new connector log and a bind response
#    read in the old or the new pdu log.
#  - SIGUSR2 after the log directory was removed: the directory is created
#    again and new lines are written.
#  - SIGHUP (bearerbox's graceful restart, which reloads): a changed XML
#    gives `CONFIG LOADED file=...` in general and takes effect (here it
#    turns on the JSON twin); an invalid XML gives `CONFIG REJECTED` with the
#    FILE:LINE reason and the old configuration stays in force.
# The SMSC peers close every connection right after the bind, so bearerbox
# reconnects and logs in again and again: a steady source of new lines.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
it_init reopen

P=$TOP/tests/peers
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

# REGEX=... count_lines FILE...: lines matching REGEX in all the FILEs
# (names may be glob patterns; scratch paths hold no spaces).
count_lines() {
    local n
    # shellcheck disable=SC2068
    n=$(cat -- $@ 2>/dev/null | grep -Ec -- "$REGEX")
    echo "${n:-0}"
}

# wait_count BOX FILE REGEX N TIMEOUT: until FILE has N lines matching
# REGEX; gives up at once when BOX (a started bearerbox) is gone.
wait_count() {
    local box=$1 file=$2 deadline=$((SECONDS + $5)) have
    while :; do
        have=$(REGEX=$3 count_lines "$file")
        [ "$have" -ge "$4" ] && return 0
        if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$(it_pid "$box")" 2>/dev/null; then
            it_fail "fewer than $4 lines matching /$3/ in $file after $5s (have $have)"
            it__tail "$file" 5
            it__tail "$IT_DIR/$box.log" 5
            return 1
        fi
        sleep 0.2
    done
}

SMSC1=$(it_port)
SMSC2=$(it_port)
it_start smsc1 perl "$P/smsc.pl" --port "$SMSC1" --system-id user --password secret --smsc-system-id SMSC-1 --close-after-bind
it_start smsc2 perl "$P/smsc.pl" --port "$SMSC2" --system-id user --password secret --smsc-system-id SMSC-2 --close-after-bind
it_wait_line "$IT_DIR/smsc1.out" '^LISTENING' 10
it_wait_line "$IT_DIR/smsc2.out" '^LISTENING' 10

# Box 1: renaming files.  Box 2: removing the directory, then SIGHUP.
L1=$IT_DIR/logs1
L2=$IT_DIR/logs2
mkdir -p "$L1" "$L2"
cat >"$IT_DIR/emg1.xml" <<XML
<emgdiag>
  <logs dir="$L1"/>
  <connector name="ro" type="outgoing" smsc-id="r1"/>
</emgdiag>
XML
cat >"$IT_DIR/emg2.xml" <<XML
<emgdiag>
  <logs dir="$L2"/>
  <connector name="hup-a" type="outgoing" smsc-id="r2"/>
</emgdiag>
XML
box_bearerbox_conf "$IT_DIR/kannel1.conf" "$IT_DIR/emg1.xml"
sed -i "s|^log-file = .*|log-file = $IT_DIR/bb1.log|" "$IT_DIR/kannel1.conf"
box_smsc_smpp "$IT_DIR/kannel1.conf" r1 "$SMSC1" user secret "transceiver-mode = true" "reconnect-delay = 1"
box_start bb1 "$IT_DIR/kannel1.conf"
box_bearerbox_conf "$IT_DIR/kannel2.conf" "$IT_DIR/emg2.xml"
sed -i "s|^log-file = .*|log-file = $IT_DIR/bb2.log|" "$IT_DIR/kannel2.conf"
box_smsc_smpp "$IT_DIR/kannel2.conf" r2 "$SMSC2" user secret "transceiver-mode = true" "reconnect-delay = 1"
box_start bb2 "$IT_DIR/kannel2.conf"

LOGIN1="^$TS \(0\) LOGIN OK \(info=\"0 SMSC-1\"\)$"
LOGIN2="^$TS \(0\) LOGIN OK \(info=\"0 SMSC-2\"\)$"

# ---- Box 1: rename, SIGUSR2 -------------------------------------------
wait_count bb1 "$L1/connector.ro" "$LOGIN1" 2 20
mv "$L1/connector.ro" "$L1/connector.ro.old"
mv "$L1/pdu.ro" "$L1/pdu.ro.old"
kill -USR2 "$(it_pid bb1)"
# New files of the old names, with new logins.
wait_count bb1 "$L1/connector.ro" "$LOGIN1" 2 20 &&
    it_pass "reopen: new connector.ro of the old name gets the new logins"
it_assert_line "$L1/pdu.ro" "^$TS INFO  \(ro,0\) Read op:0x80000009 \(BIND_TRANSCEIVER_RESP\) status:0 " "reopen: new pdu.ro has bind responses"
it_assert_eq "$(stat -c %a "$L1/connector.ro")" 640 "reopen: new connector log created mode 0640"
# The renamed files no longer grow once the new ones are in use.
old_c=$(wc -l <"$L1/connector.ro.old")
old_p=$(wc -l <"$L1/pdu.ro.old")
have=$(REGEX=$LOGIN1 count_lines "$L1/connector.ro")
wait_count bb1 "$L1/connector.ro" "$LOGIN1" $((have + 2)) 20
it_assert_eq "$(wc -l <"$L1/connector.ro.old")" "$old_c" "reopen: renamed connector log no longer written"
it_assert_eq "$(wc -l <"$L1/pdu.ro.old")" "$old_p" "reopen: renamed pdu log no longer written"

# Nothing lost: stop the SMSC first (bearerbox then only fails to connect),
# wait until bearerbox has seen that, then stop bearerbox and count.
it_stop smsc1
wait_count bb1 "$L1/connector.ro" "^$TS \(0\) CONNECT ERR \(info=\"111\"\)$" 1 20
it_stop bb1
binds=$(REGEX='^BIND trx user -> 0$' count_lines "$IT_DIR/smsc1.out")
logins=$(REGEX=$LOGIN1 count_lines "$L1/connector.ro.old" "$L1/connector.ro")
resps=$(REGEX="^$TS INFO  \(ro,0\) Read op:0x80000009 \(BIND_TRANSCEIVER_RESP\) status:0 " count_lines "$L1/pdu.ro.old" "$L1/pdu.ro")
bindw=$(REGEX="^$TS INFO  \(ro,0\) Write op:0x00000009 \(BIND_TRANSCEIVER\) " count_lines "$L1/pdu.ro.old" "$L1/pdu.ro")
sbinds=$(REGEX='^BIND trx ' count_lines "$IT_DIR/smsc1.out")
if [ "$binds" -ge 4 ]; then
    it_pass "reopen: $binds binds answered by the SMSC over the test"
else
    it_fail "reopen: only $binds binds answered by the SMSC (expected >= 4)"
fi
it_assert_eq "$logins" "$binds" "reopen: every answered bind is one LOGIN OK in old+new connector logs"
it_assert_eq "$resps" "$binds" "reopen: every bind response is one Read line in old+new pdu logs"
it_assert_eq "$bindw" "$sbinds" "reopen: every bind the SMSC received is one Write line in old+new pdu logs"

# ---- Box 2: directory removed, SIGUSR2 ---------------------------------
wait_count bb2 "$L2/connector.hup-a" "$LOGIN2" 1 20
rm -rf -- "$L2"
kill -USR2 "$(it_pid bb2)"
wait_count bb2 "$L2/connector.hup-a" "$LOGIN2" 2 20
if [ -d "$L2" ]; then it_pass "removed directory recreated"; else it_fail "removed directory not recreated"; fi
it_assert_line "$L2/pdu.hup-a" "^$TS INFO  \(hup-a,0\) Write op:0x00000009 \(BIND_TRANSCEIVER\) " "recreated directory: pdu log written again"
# SIGUSR2 is a log reopen only (notes: bearerbox.c's SIGUSR2 handling), not
# a reload: the recreated general has no CONFIG line from it.
it_assert_no_line "$L2/general" 'CONFIG (LOADED|REJECTED)' "SIGUSR2 reopens logs without reloading the configuration"

# ---- Box 2: SIGHUP with a changed XML ----------------------------------
# The new file renames the connector and turns on the JSON twin.
cat >"$IT_DIR/emg2.xml" <<XML
<emgdiag>
  <logs dir="$L2" format="both"/>
  <connector name="hup-b" type="outgoing" smsc-id="r2"/>
</emgdiag>
XML
loaded=$(REGEX='CONFIG LOADED' count_lines "$L2/general")
kill -HUP "$(it_pid bb2)"
wait_count bb2 "$L2/general" "^$TS INFO  \(bearerbox\) CONFIG LOADED file=\"$IT_DIR/emg2.xml\"$" $((loaded + 1)) 20 &&
    it_pass "SIGHUP with a changed XML: CONFIG LOADED in general"
loaded=$(REGEX='CONFIG LOADED' count_lines "$L2/general")
# New logins carry the new configuration: JSON lines appear.
wait_count bb2 "$L2/connector.hup-?.jsonl" '"event":"LOGIN","result":"OK"' 1 20 &&
    it_pass "SIGHUP: the new configuration is in force (JSON twin written)"
if [ -e "$L2/connector.hup-b" ]; then
    it_pass "SIGHUP: renamed connector logs under its new name"
else
    it_fail "SIGHUP: no connector.hup-b after the reload renamed the connector (lines still go to: $(cd "$L2" && echo connector.*))"
fi

# ---- Box 2: SIGHUP with an invalid XML ---------------------------------
# Line 3 holds an element the schema does not know.
printf '<emgdiag>\n  <logs dir="%s"/>\n  <bogus/>\n</emgdiag>\n' "$L2" >"$IT_DIR/emg2.xml"
kill -HUP "$(it_pid bb2)"
it_wait_line "$L2/general" "^$TS ERROR \(bearerbox\) CONFIG REJECTED file=\"$IT_DIR/emg2.xml\" reason=\"$IT_DIR/emg2.xml:3: [^\"]+\"$" 20 &&
    it_pass "SIGHUP with an invalid XML: CONFIG REJECTED with FILE:3: reason"
it_assert_eq "$(grep -c 'CONFIG LOADED' "$L2/general")" "$loaded" "SIGHUP with invalid XML: no new CONFIG LOADED"
# Logging goes on, still under the old configuration (JSON twin on).
json=$(ls "$L2"/connector.hup-?.jsonl 2>/dev/null | head -n 1)
have=$(REGEX='"event":"LOGIN","result":"OK"' count_lines "$json")
wait_count bb2 "$json" '"event":"LOGIN","result":"OK"' $((have + 2)) 20 &&
    it_pass "after the rejected reload, logging goes on under the old configuration"
it_assert_line "$IT_DIR/bb2.log" 'emgdiag: reload rejected, old configuration kept' "bearerbox's own log says the reload was rejected"
it_stop bb2
it_stop smsc2

it_summary
