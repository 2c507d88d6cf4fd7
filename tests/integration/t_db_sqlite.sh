#!/bin/bash
# The database sink with SQLite (docs/database.md), both patched boxes
# reading one configuration and writing one database file.  Time budget:
# about 60 s.
#  1. The database starts at a synthetic schema version 0 (emgdiag_schema
#     says 0, an unrelated table holds a row): the sink upgrades it in
#     place at start, keeping that row.
#  2. Live traffic through opensmppbox and bearerbox (clients bind, submit,
#     unbind; refused binds with hostile system_ids: quotes, backslashes,
#     NUL, octets that are not UTF-8, SQL text): every line of the
#     connector, pdu and security logs is one row, field for field through
#     the JSON twin (db_compare.py), within 2 s of the files settling.
#  3. An outage: another process holds the database's write lock while a
#     client submits.  Sessions are unaffected, the files are complete, the
#     rows resume after the lock is gone, and the lines without a row are
#     exactly the count the `general` line DATABASE ROWS DROPPED reports.
#     Neither box has loaded libpq or MariaDB Connector/C (/proc/PID/maps).
#  4. emgdiag-follow --db prints exactly what emgdiag-follow prints from the
#     files, for sessions from before the outage.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/db_servers.sh"
. "$(dirname "$0")/boxes.sh"
it_init db_sqlite

P=$TOP/tests/peers
FOLLOW=${EMGDIAG_FOLLOW:?set EMGDIAG_FOLLOW}
L=$IT_DIR/logs
DB=$IT_DIR/emg.db
mkdir -p "$L"

if [ ! -d "$P/node_modules/smpp" ]; then
    (cd "$P" && npm install --no-audit --no-fund >/dev/null 2>&1)
fi

# 1. A database at schema version 0.
python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript("CREATE TABLE emgdiag_schema (version INTEGER NOT NULL);"
                "INSERT INTO emgdiag_schema VALUES (0);"
                "CREATE TABLE site_notes (note TEXT); INSERT INTO site_notes VALUES (\"kept\");")
c.commit()
' "$DB"

SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
printf '%s\n' '<emgdiag>' \
    "  <logs dir=\"$L\" format=\"both\" timezone=\"utc\"/>" \
    '  <connector name="out" type="outgoing" smsc-id="up"/>' \
    '  <connector name="in" type="incoming" opensmppbox-id="osb"/>' \
    "  <database type=\"sqlite\" file=\"$DB\" node=\"gw1\"/>" \
    '</emgdiag>' >"$IT_DIR/emg.xml"
printf '%s\n' 'c1 pw1 x' 'c2 pw2 x' >"$IT_DIR/logins"
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start bb "$IT_DIR/kannel.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_line "$L/connector.out" 'LOGIN OK' 20

# (the sinks connect on their own threads: synchronisation only)
for ((i = 0; i < 50; i++)); do
    [ "$(sqlite3 "$DB" 'SELECT max(version) FROM emgdiag_schema' 2>/dev/null)" = 4 ] && break
    sleep 0.1
done
it_assert_eq "$(sqlite3 "$DB" 'SELECT max(version) FROM emgdiag_schema')" 4 \
    "schema version 0 upgraded to 4 (the message table and messagelog_ids with it) by the sink at start"
it_assert_eq "$(sqlite3 "$DB" 'SELECT note FROM site_notes')" kept \
    "the upgrade kept what the database held"

# The emgdiag-db thread runs DB_NICE_STEP (10) nicer than its process
# (docs/database.md, "Writing"): field 19 of /proc's stat is the nice value.
for box in bb osb; do
    pid=$(it_pid "$box") dbnice="" mainnice=""
    for task in /proc/"$pid"/task/*; do
        [ "$(cat "$task/comm" 2>/dev/null)" = emgdiag-db ] &&
            dbnice=$(sed 's/.*) //' "$task/stat" | awk '{print $17}')
    done
    mainnice=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $17}')
    it_assert_eq "$dbnice" "$((mainnice + 10 > 19 ? 19 : mainnice + 10))" \
        "$box: the emgdiag-db thread runs 10 nicer than the process (nice $mainnice)"
done

# lines: the connector, pdu and security text lines written so far; rows:
# the rows.
rows() { sqlite3 "$DB" 'SELECT (SELECT count(*) FROM connectorlog) + (SELECT count(*) FROM pdulog) + (SELECT count(*) FROM securitylog) + (SELECT count(*) FROM messagelog)'; }

# 2. Traffic, and hostile system_ids (db_traffic in db_servers.sh).
db_traffic
it_assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM securitylog WHERE fields LIKE '%DROP TABLE pdulog%'")" 1 \
    "the hostile system_id is a value in securitylog, not SQL"
it_assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name IN ('pdulog', 'connectorlog')")" 2 \
    "pdulog and connectorlog still exist"
python3 "$TOP/tests/integration/db_compare.py" "$DB" "$L" --node gw1 --box in=opensmppbox \
    --box out=bearerbox --box osb=opensmppbox --messages >"$IT_DIR/compare1.out" 2>&1 &&
    it_pass "before the outage: every line one row, each row field for field its JSON twin" || {
    it_fail "before the outage: rows and files differ"
    grep -E '^DIFF' "$IT_DIR/compare1.out" | head -20
}

# 3. An outage: the write lock held by another process for 6 s while a
# client submits.
it_start locker python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE")
print("LOCKED", flush=True)
time.sleep(6)
c.execute("COMMIT")
print("UNLOCKED", flush=True)
' "$DB"
it_wait_line "$IT_DIR/locker.out" '^LOCKED' 10
it_start c3 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c1 --password pw1 --submit 30 --unbind
it_wait_exit c3 30
it_assert_eq "$(peer_field "$IT_DIR/c3.out" unbind status)" 0 "a session during the outage: unbind answered 0"
it_wait_line "$IT_DIR/locker.out" '^UNLOCKED' 15
# The rows resume: a session after the outage.
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
box_db_libraries bb 0 0
box_db_libraries osb 0 0
it_stop osb
it_stop bb

# The files are complete: every session wrote its lines.
it_assert_eq "$(grep -c 'DISCONNECT OK' "$L/connector.in")" 4 "connector.in: four clean sessions"
it_assert_eq "$(grep -c 'SUBMIT_SM_RESP' "$L/pdu.in")" 80 "pdu.in: every submit_sm_resp of 20 + 20 + 30 + 10 submits"
dropped=$(sed -nE 's/.*DATABASE ROWS DROPPED count="([0-9]+)".*/\1/p' "$L/general" | awk '{s += $1} END {print s + 0}')
if [ "$dropped" -gt 0 ]; then
    it_pass "the outage cost $dropped rows, reported in general"
else
    it_fail "no rows reported dropped for the outage"
fi
it_assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM connectorlog WHERE connector = 'in' AND event = 'DISCONNECT' AND ts = (SELECT max(ts) FROM connectorlog WHERE connector = 'in')")" 1 \
    "rows resumed after the outage: the last session's DISCONNECT is a row"
if python3 "$TOP/tests/integration/db_compare.py" "$DB" "$L" --node gw1 --box in=opensmppbox \
    --box out=bearerbox --box osb=opensmppbox --messages --missing "$dropped" >"$IT_DIR/compare.out" 2>&1; then
    it_pass "rows = file lines - $dropped dropped, each row field for field its JSON twin"
else
    it_fail "rows and files differ"
    grep -E '^DIFF' "$IT_DIR/compare.out" | head -20
fi

# 4. emgdiag-follow --db against the files: the sessions before the outage
# are whole in both.
URI="sqlite:$DB"
follow_same "the first session" --session 1 in 0
follow_same "the second session" --session 2 in 0
follow_same "the last session, after the outage" --session -1 in 0
"$FOLLOW" --db "sqlite:$DB" --node gw2 out 0 >/dev/null 2>&1
it_assert_eq "$?" 1 "emgdiag-follow --db --node gw2: no session there (exit 1)"
it_summary
