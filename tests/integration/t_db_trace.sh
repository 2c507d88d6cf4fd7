#!/bin/bash
# emgdiag-trace --db ID through the indexes (docs/database.md, "Reading";
# docs/message-log.md#how-an-id-is-found), on each back-end: both patched
# boxes write SQLite (the sink) and the files (in a local time three hours
# from the rows' UTC ts), with receipts and concatenated messages; the same files are then loaded into PostgreSQL 15
# and MariaDB 10.11.  On each, for every kind of id a message has and one
# nobody has, the output is the file trace's, whole, with its exit status
# (trace_every_id in db_servers.sh), fewer rows are read than the table has,
# and the output is the same as reading every row.  A database of schema
# version 2 is upgraded to 4 in place (emgdiag-db upgrade): messagelog_ids
# is filled from the rows there, and answers the same.  Time budget: about
# 90 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boxes.sh"
. "$(dirname "$0")/db_servers.sh"
it_init db_trace

P=$TOP/tests/peers
DBTOOL=${EMGDIAG_DB:?set EMGDIAG_DB}
# The files in local time three hours east of UTC (a POSIX TZ, no tzdata
# needed), the rows' ts in UTC: the rounds' windows, taken in the lines'
# time, must be turned into ts by that offset.
export TZ=EMGT-3
: "${EMGDIAG_TRACE:?set EMGDIAG_TRACE}"
L=$IT_DIR/logs
DB=$IT_DIR/emg.db
mkdir -p "$L"

# ---- traffic: 20 messages and one of two parts, then single ones and one
# of three parts with receipts (the SMSC answers hex ids, stored in decimal: msg-id-type 0x01)
SMSC_PORT=$(it_port)
OSB_PORT=$(it_port)
it_start smsc perl "$P/smsc.pl" --port "$SMSC_PORT" --system-id up --password uppw --hex-ids --receipts
it_wait_line "$IT_DIR/smsc.out" '^LISTENING' 10
printf '%s\n' '<emgdiag>' \
    "  <logs dir=\"$L\" format=\"both\"/>" \
    '  <connector name="out" type="outgoing" smsc-id="up"/>' \
    '  <connector name="in" type="incoming" opensmppbox-id="osb"/>' \
    "  <database type=\"sqlite\" file=\"$DB\" node=\"gw1\"/>" \
    '</emgdiag>' >"$IT_DIR/emg.xml"
printf '%s\n' 'c1 pw1 x' >"$IT_DIR/logins"
box_bearerbox_conf "$IT_DIR/kannel.conf" "$IT_DIR/emg.xml"
box_smsc_smpp "$IT_DIR/kannel.conf" up "$SMSC_PORT" up uppw "transceiver-mode = true" "msg-id-type = 0x01"
box_osb_conf "$IT_DIR/osb.conf" "$IT_DIR/emg.xml" "$OSB_PORT" "$IT_DIR/logins"
box_start bb "$IT_DIR/kannel.conf"
box_start osb "$IT_DIR/osb.conf" "$OSB_PORT"
it_wait_line "$L/connector.out" 'LOGIN OK' 20
# Other traffic first: the table holds more than the messages traced, and
# a concatenated message without receipts, whose second id only its
# FORWARD's ids list names (messagelog_ids finds it).
it_start c0 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c1 --password pw1 \
    --submit 20 --concat 2 --unbind
it_wait_exit c0 30
it_start c1 perl "$P/client.pl" --host 127.0.0.1 --port "$OSB_PORT" --system-id c1 --password pw1 \
    --submit 4 --concat 3 --dlr --hold 5 --unbind
it_wait_exit c1 40
msg_lines() { cat "$L/message.osb" "$L/message.bearerbox" 2>/dev/null | wc -l; }
for ((i = 0; i < 50; i++)); do
    [ "$(grep -c ' DLR_TO_CLIENT ' "$L/message.osb" 2>/dev/null)" -ge 7 ] &&
        [ "$(sqlite3 "$DB" 'SELECT count(*) FROM messagelog' 2>/dev/null)" = "$(msg_lines)" ] && break
    sleep 0.2
done
it_stop osb
it_stop bb
it_stop smsc
it_assert_eq "$(grep -c ' DLR_TO_CLIENT ' "$L/message.osb")" 7 \
    "seven receipts sent to the client (four messages and three parts)"
it_assert_eq "$(grep -c ' FORWARD .* ids="[^"]*;[^"]*;' "$L/message.osb")" 1 \
    "one FORWARD lists the three ids of the concatenated message"
ROWS=$(sqlite3 "$DB" 'SELECT count(*) FROM messagelog')
it_assert_eq "$ROWS" "$(msg_lines)" "SQLite: every message line is a messagelog row (the sink)"
it_assert_eq "$(sqlite3 "$DB" 'SELECT max(version) FROM emgdiag_schema')" 4 "SQLite: schema version 4"
it_assert_eq "$(sqlite3 "$DB" "SELECT DISTINCT strftime('%s', substr(line, 1, 19)) - ts / 1000000 FROM messagelog")" 10800 \
    "the lines' time is three hours ahead of ts (TZ=$TZ)"
# One row of messagelog_ids per id of an ids or url list, written with its row.
listed=$(sed -nE 's/.* (ids|url)="([^"]*)".*/\2/p; s/.* ids="([^"]*)".* url="([^"]*)".*/\2/p' \
    "$L/message.osb" "$L/message.bearerbox" | tr ';' '\n' | grep -c .)
it_assert_eq "$(sqlite3 "$DB" 'SELECT count(*) FROM messagelog_ids')" "$listed" \
    "SQLite: messagelog_ids holds the $listed ids of the ids and url lists"

URI=sqlite:$DB NODE=gw1
trace_every_id "$ROWS"

# upgrade_check NAME SQL_FN: messagelog_ids dropped and the version set to
# 2, then emgdiag-db upgrade: the same ids again, the same traces.
upgrade_check() {
    local name=$1 sql=$2 before out
    before=$("$sql" 'SELECT count(*) FROM messagelog_ids')
    "$sql" 'DROP TABLE messagelog_ids; UPDATE emgdiag_schema SET version = 2' >/dev/null
    out=$("$DBTOOL" upgrade "$URI" 2>&1)
    it_assert_eq "$?:$out" "0:$URI: schema upgraded from version 2 to 4" "$name: emgdiag-db upgrade 2 to 4"
    it_assert_eq "$("$sql" 'SELECT count(*) FROM messagelog_ids')" "$before" \
        "$name: the upgrade filled messagelog_ids from the rows there ($before ids)"
    trace_same "the client's id, after the upgrade" \
        "$(sed -nE 's/.* CLIENT_SUBMIT .* id="([^"]*)".*/\1/p' "$L/message.osb" | tail -n 1)"
    trace_same "the second id of a concatenated message, after the upgrade" \
        "$(sed -nE 's/.* FORWARD .* ids="[^";]*;([^";]*).*/\1/p' "$L/message.osb" | head -n 1)"
}
sq_sql() { sqlite3 "$DB" "$1"; }
upgrade_check SQLite sq_sql

# ---- the same files loaded into PostgreSQL and MariaDB
load_all() {
    "$DBTOOL" load "$URI" --box opensmppbox --node gw1 "$L/message.osb" >"$IT_DIR/load.out" 2>&1 &&
        "$DBTOOL" load "$URI" --box bearerbox --node gw1 "$L/message.bearerbox" >>"$IT_DIR/load.out" 2>&1
}

if pg_usable; then
    PASSWORD="pg-$RANDOM-secret-$RANDOM"
    if pg_init "$IT_DIR/pg" "$PASSWORD" && pg_start pg "$IT_DIR/pg"; then
        export PGPASSWORD=$PASSWORD
        PG_DB=postgres pg_psql -c 'CREATE DATABASE emg'
        URI="postgresql://emgdiag@/emg?host=$PG_SOCK&port=$PG_PORT"
        load_all
        it_assert_eq "$?:$(pg_psql -c 'SELECT count(*) FROM messagelog'):$(pg_psql -c 'SELECT count(*) FROM messagelog_ids')" \
            "0:$ROWS:$listed" "PostgreSQL: the files loaded, every id of a list in messagelog_ids"
        trace_every_id "$ROWS"
        pg_sql() { pg_psql -c "$1"; }
        upgrade_check PostgreSQL pg_sql
        pg_stop_fast pg
        unset PGPASSWORD
    else
        it_fail "PostgreSQL did not start"
        it__tail "$IT_DIR/pg.initdb.log"
    fi
fi

if my_usable; then
    PASSWORD="my-$RANDOM-secret-$RANDOM"
    if my_init "$IT_DIR/my" "$PASSWORD" && my_start my "$IT_DIR/my"; then
        export MYSQL_PWD=$PASSWORD
        URI=$MY_URI
        load_all
        it_assert_eq "$?:$(my_sql 'SELECT count(*) FROM messagelog'):$(my_sql 'SELECT count(*) FROM messagelog_ids')" \
            "0:$ROWS:$listed" "MariaDB: the files loaded, every id of a list in messagelog_ids"
        trace_every_id "$ROWS"
        upgrade_check MariaDB my_sql
        my_stop my
        unset MYSQL_PWD
    else
        it_fail "MariaDB did not start"
        it__tail "$IT_DIR/my.install.log"
    fi
fi
it_summary
