#!/bin/bash
# The database sink with MariaDB 10.11 (docs/database.md): a real server
# (mariadb-install-db + mariadbd in the scratch directory, on a unix
# socket only, password authentication for the user emgdiag), both patched
# boxes reading one configuration.  Time budget: about 60 s.
#  1. The database starts at a synthetic schema version 0: the sink
#     upgrades it in place at start, keeping what it held.
#  2. Live traffic through both boxes, refused binds with hostile
#     system_ids: every connector, pdu, security and message line is one row, field
#     for field through the JSON twin (db_compare.py, rows read with the
#     mariadb client), within 2 s of the files settling.  The password
#     (from password-file) is in no log file, no box log and no command
#     line.
#  3. The server stopped while a client submits: the session is
#     unaffected, the files are complete, the rows resume after the
#     restart, and the lines without a row are exactly the count the
#     `general` line DATABASE ROWS DROPPED reports.  Both boxes have loaded
#     MariaDB Connector/C (the module links none) and not libpq.
#  4. emgdiag-follow --db mysql://… prints what it prints from the files.
#  5. emgdiag-db load of the same files adds exactly the dropped lines
#     (the unique key leaves the others), and then every line is a row
#     (no security line is written during the outage: every dropped row
#     is a connector, pdu or message row; the loaded ones have no session).
#     emgdiag-trace --db mysql://… then prints what it prints from the
#     files, whole, for a client's id, a uuid, the SMSC's id and --to.
#  6. emgdiag-db upgrade of a version 1 database (to 3): the message table made,
#     the rows kept.
# A build --without-mysql: the tools and the box refuse the back-end, each
# with its line, and the rest is reported skipped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
. "$(dirname "$0")/db_servers.sh"
it_init db_mysql

P=$TOP/tests/peers
FOLLOW=${EMGDIAG_FOLLOW:?set EMGDIAG_FOLLOW}
DBTOOL=${EMGDIAG_DB:?set EMGDIAG_DB}
L=$IT_DIR/logs
mkdir -p "$L"
if ! db_backend_built "mysql:///emg" MariaDB/MySQL; then
    db_refused mysql MariaDB/MySQL 'database="emg"' "mysql:///emg"
    it_skip "the MariaDB/MySQL back-end: this build has none (configure --without-mysql)"
    it_summary
    exit $?
fi
if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null ||
    ! command -v mariadb >/dev/null; then
    it_skip "needs MariaDB 10.11 (mariadbd, mariadb-install-db, mariadb)"
    it_summary
    exit $?
fi

PASSWORD="my-$RANDOM-secret-$RANDOM"
unset MYSQL_PWD
my_init "$IT_DIR/my" "$PASSWORD" || {
    it_fail "mariadb-install-db failed"
    it__tail "$IT_DIR/my.install.log"
    it_summary
    exit 1
}
my_start my "$IT_DIR/my" || {
    it_summary
    exit 1
}
export MYSQL_PWD=$PASSWORD
# 1. Schema version 0, and a table of the site's own.
my_sql "CREATE TABLE emgdiag_schema (version INTEGER NOT NULL); INSERT INTO emgdiag_schema VALUES (0);
        CREATE TABLE site_notes (note TEXT); INSERT INTO site_notes VALUES ('kept');"
printf '%s\n' "$PASSWORD" >"$IT_DIR/db-password"
chmod 0600 "$IT_DIR/db-password"
# The boxes take the password from the file only.
unset MYSQL_PWD

SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
printf '%s\n' '<emgdiag>' \
    "  <logs dir=\"$L\" format=\"both\" timezone=\"utc\"/>" \
    '  <connector name="out" type="outgoing" smsc-id="up"/>' \
    '  <connector name="in" type="incoming" opensmppbox-id="osb"/>' \
    "  <database type=\"mysql\" host=\"localhost\" socket=\"$MY_SOCK\" user=\"emgdiag\" database=\"emg\"" \
    "            password-file=\"$IT_DIR/db-password\" node=\"gw1\"/>" \
    '</emgdiag>' >"$IT_DIR/emg.xml"
printf '%s\n' 'c1 pw1 x' 'c2 pw2 x' >"$IT_DIR/logins"
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start bb "$IT_DIR/kannel.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_line "$L/connector.out" 'LOGIN OK' 20
export MYSQL_PWD=$PASSWORD

rows() { my_sql 'SELECT (SELECT count(*) FROM connectorlog) + (SELECT count(*) FROM pdulog) + (SELECT count(*) FROM securitylog) + (SELECT count(*) FROM messagelog)' 2>/dev/null; }
for ((i = 0; i < 50; i++)); do
    [ "$(my_sql 'SELECT max(version) FROM emgdiag_schema' 2>/dev/null)" = 4 ] && break
    sleep 0.1
done
it_assert_eq "$(my_sql 'SELECT max(version) FROM emgdiag_schema')" 4 \
    "schema version 0 upgraded to 4 (the message table and messagelog_ids with it) by the sink at start"
it_assert_eq "$(my_sql 'SELECT note FROM site_notes')" kept "the upgrade kept what the database held"
it_assert_eq "$(my_sql "SELECT count(*) FROM information_schema.check_constraints WHERE constraint_schema = 'emg' AND table_name IN ('pdulog', 'securitylog') AND check_clause LIKE '%json_valid%'")" \
    2 "pdulog.fields and securitylog.fields are JSON (checked by json_valid)"

# 2. Traffic, and hostile system_ids (db_traffic in db_servers.sh).
db_traffic
it_assert_eq "$(my_sql "SELECT count(*) FROM securitylog WHERE JSON_VALUE(fields, '\$.\"system-id\"') LIKE '%DROP TABLE pdulog%'")" 1 \
    "the hostile system_id is a value in securitylog, not SQL"
it_assert_eq "$(my_sql "SELECT count(*) FROM pdulog WHERE JSON_VALUE(fields, '\$.SYSTEMID') = 'c1' AND name = 'BIND_TRANSCEIVER'")" 1 \
    "fields is queryable as JSON"
python3 "$TOP/tests/integration/db_compare.py" "mysql:$MY_SOCK:emg" "$L" --node gw1 --box in=opensmppbox \
    --box out=bearerbox --box osb=opensmppbox --messages >"$IT_DIR/compare1.out" 2>&1 &&
    it_pass "before the outage: every line one row, each row field for field its JSON twin" || {
    it_fail "before the outage: rows and files differ"
    grep -E '^DIFF|Error|error' "$IT_DIR/compare1.out" | head -20
}

# 3. The server stopped while a client submits, then started again.
# (it holds its session 2 s after its submits: its unbind comes while the
# server is down whatever the timing)
it_start c3 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c1 --password pw1 --submit 40 --hold 2 --unbind
sleep 0.3
my_stop my
it_wait_exit c3 30
it_assert_eq "$(peer_field "$IT_DIR/c3.out" unbind status)" 0 "a session while the server was down: unbind answered 0"
settle
my_start my2 "$IT_DIR/my" || {
    it_summary
    exit 1
}
it_wait_line "$L/general" 'DATABASE ROWS DROPPED' 40
# c3's connection ends first (its DISCONNECT may come a second after its
# unbind): c4 is then instance 0 again, the last session of instance 0.
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'DISCONNECT OK' "$L/connector.in")" -ge 3 ] && break
    sleep 0.1
done
it_start c4 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c2 --password pw2 --submit 10 --unbind
it_wait_exit c4 30
settle
sleep 1
box_db_libraries bb 0 1
box_db_libraries osb 0 1
it_stop osb
it_stop bb

it_assert_eq "$(grep -c 'DISCONNECT OK' "$L/connector.in")" 4 "connector.in: four clean sessions"
it_assert_eq "$(grep -c 'SUBMIT_SM_RESP' "$L/pdu.in")" 90 "pdu.in: every submit_sm_resp of 20 + 20 + 40 + 10 submits"
dropped=$(sed -nE 's/.*DATABASE ROWS DROPPED count="([0-9]+)".*/\1/p' "$L/general" | awk '{s += $1} END {print s + 0}')
if [ "$dropped" -gt 0 ]; then
    it_pass "the outage cost $dropped rows, reported in general"
else
    it_fail "no rows reported dropped for the outage"
fi
it_assert_eq "$(my_sql "SELECT count(*) FROM connectorlog WHERE connector = 'in' AND event = 'DISCONNECT' AND ts = (SELECT max(ts) FROM connectorlog WHERE connector = 'in')")" 1 \
    "rows resumed after the restart: the last session's DISCONNECT is a row"
if python3 "$TOP/tests/integration/db_compare.py" "mysql:$MY_SOCK:emg" "$L" --node gw1 --box in=opensmppbox \
    --box out=bearerbox --box osb=opensmppbox --messages --missing "$dropped" >"$IT_DIR/compare.out" 2>&1; then
    it_pass "rows = file lines - $dropped dropped, each row field for field its JSON twin"
else
    it_fail "rows and files differ"
    grep -E '^DIFF|Error|error' "$IT_DIR/compare.out" | head -20
fi
if grep -rqF -- "$PASSWORD" "$L" "$IT_DIR"/*.log "$IT_DIR"/*.err "$IT_DIR/emg.xml" "$IT_DIR"/*.conf; then
    it_fail "the database password is in a log or configuration file"
else
    it_pass "the database password is in no log line and not in the XML"
fi

# 4. emgdiag-follow --db against the files.
URI=$MY_URI
follow_same "the first session" --session 1 in 0
follow_same "the second session" --session 2 in 0
follow_same "the last session, after the restart" --session -1 in 0
"$FOLLOW" --db "mysql://emgdiag:$PASSWORD@localhost/emg?socket=$MY_SOCK" in 0 >/dev/null 2>"$IT_DIR/pwuri.err"
it_assert_eq "$?:$(grep -c 'does not belong in the URI' "$IT_DIR/pwuri.err")" "2:1" \
    "a password in the --db URI is refused (it would be in the process list)"

# 5. Loading the same files: only the dropped lines are new.
msg_missing=$(($(cat "$L"/message.bearerbox "$L"/message.osb | wc -l) - $(my_sql 'SELECT count(*) FROM messagelog')))
out_in=$("$DBTOOL" load "$URI" --box opensmppbox --node gw1 "$L/connector.in" "$L/pdu.in" "$L/security" \
    "$L/message.osb" 2>"$IT_DIR/load1.err")
out_out=$("$DBTOOL" load "$URI" --box bearerbox --node gw1 "$L/connector.out" "$L/pdu.out" "$L/message.bearerbox" \
    2>"$IT_DIR/load2.err")
added=$(printf '%s\n%s\n' "$out_in" "$out_out" | sed -nE 's/.* ([0-9]+) rows added.*/\1/p' | awk '{s += $1} END {print s + 0}')
it_assert_eq "$added" "$dropped" "emgdiag-db load mysql://… adds exactly the $dropped dropped lines, the rest already there"
python3 "$TOP/tests/integration/db_compare.py" "mysql:$MY_SOCK:emg" "$L" --node gw1 --box in=opensmppbox \
    --box out=bearerbox --box osb=opensmppbox --messages --sessionless "$((dropped - msg_missing))" >"$IT_DIR/compare2.out" 2>&1 &&
    it_pass "after the load: every line one row, field for field (the $((dropped - msg_missing)) connector and pdu rows loaded without a session)" || {
    it_fail "after the load: rows and files differ"
    grep -E '^DIFF|Error|error' "$IT_DIR/compare2.out" | head -20
}

# emgdiag-trace --db: the same output, whole, and the same exit status as
# from the files, for ids of the first and last messages and their
# destination (taken from the message logs, as a user would).
NODE=gw1
trace_same_messages
first_raw=$(sed -nE 's/.* SUBMIT_RESP .* id-raw="([^"]*)".*/\1/p' "$L/message.bearerbox" | head -n 1)
trace_same "the SMSC's id of the first message" "$first_raw"

# 6. A version 1 database upgraded to 4 in place (emgdiag-db upgrade):
# the message table made, the rows already there kept.
before=$(my_sql 'SELECT count(*) FROM pdulog')
my_sql 'DROP TABLE messagelog; DROP TABLE messagelog_ids; UPDATE emgdiag_schema SET version = 1'
out=$("$DBTOOL" upgrade "$URI" 2>&1)
it_assert_eq "$?:$out" "0:$URI: schema upgraded from version 1 to 4" "emgdiag-db upgrade mysql://…: 1 to 4"
it_assert_eq "$(my_sql 'SELECT count(*) FROM messagelog'):$(my_sql 'SELECT count(*) FROM pdulog')" "0:$before" \
    "upgrade 1 to 4: messagelog made, version 1's rows kept"
my_stop my2
it_summary
