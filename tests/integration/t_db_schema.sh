#!/bin/bash
# emgdiag-db (docs/database.md, "Schema versions"): init creates schema
# version 4 in a new file and is idempotent; upgrade takes a database at
# the synthetic version 0 (emgdiag_schema says 0, another table holds a
# row) to 4 in place, keeping that row; a newer schema than the tool knows
# is refused and left untouched; usage errors exit 2.  The tables are
# looked at with the sqlite3 shell, not with our code.  Time budget: 5 s.
. "$(dirname "$0")/lib.sh"
it_init db_schema
DBTOOL=${EMGDIAG_DB:?set EMGDIAG_DB to the emgdiag-db tool}
cd "$IT_DIR" || exit 2

tables() { sqlite3 "$1" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"; }

out=$("$DBTOOL" init "sqlite:$IT_DIR/new.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/new.db: schema version 4 created" "init: a new database"
it_assert_eq "$(tables new.db)" "connectorlog emgdiag_schema messagelog messagelog_ids pdulog securitylog" "init: the four tables, messagelog_ids and the version"
it_assert_eq "$(sqlite3 new.db 'SELECT version FROM emgdiag_schema')" 4 "init: version 4 recorded"
it_assert_eq "$(sqlite3 new.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'pdulog_%'")" 5 \
    "init: pdulog's five indexes (session, connector over time, message ids, status over time)"
out=$("$DBTOOL" init "sqlite:$IT_DIR/new.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/new.db: schema version 4 already" "init again: nothing to do"
it_assert_eq "$("$DBTOOL" version "sqlite:$IT_DIR/new.db")" 4 "version: 4"

sqlite3 v0.db "CREATE TABLE emgdiag_schema (version INTEGER NOT NULL); INSERT INTO emgdiag_schema VALUES (0);
               CREATE TABLE notes (n TEXT); INSERT INTO notes VALUES ('kept');"
it_assert_eq "$("$DBTOOL" version "sqlite:$IT_DIR/v0.db")" 0 "version of the synthetic old database: 0"
out=$("$DBTOOL" upgrade "sqlite:$IT_DIR/v0.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/v0.db: schema upgraded from version 0 to 4" "upgrade: 0 to 4"
it_assert_eq "$(sqlite3 v0.db 'SELECT version FROM emgdiag_schema')" 4 "upgrade: version 4 recorded, once"
it_assert_eq "$(tables v0.db)" "connectorlog emgdiag_schema messagelog messagelog_ids notes pdulog securitylog" "upgrade: the tables added, the others kept"
it_assert_eq "$(sqlite3 v0.db 'SELECT n FROM notes')" kept "upgrade: the rows already there kept"

# A version 1 database (version 1's tables, a row in one) upgraded to 4.
sqlite3 v0.db "DROP TABLE messagelog; DROP TABLE messagelog_ids; UPDATE emgdiag_schema SET version = 1;
               INSERT INTO pdulog (node, box, ts, connector, line) VALUES ('gw', 'bearerbox', 1, 'c', 'L');"
out=$("$DBTOOL" upgrade "sqlite:$IT_DIR/v0.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/v0.db: schema upgraded from version 1 to 4" "upgrade: 1 to 4"
it_assert_eq "$(sqlite3 v0.db "SELECT (SELECT count(*) FROM messagelog) || ' ' || (SELECT line FROM pdulog)")" "0 L" \
    "upgrade 1 to 4: messagelog made, version 1's rows kept"

sqlite3 new.db "UPDATE emgdiag_schema SET version = 7"
out=$("$DBTOOL" upgrade "sqlite:$IT_DIR/new.db" 2>&1)
it_assert_eq "$?:$out" "1:emgdiag-db: sqlite:$IT_DIR/new.db: schema version 7 is newer than this tool's 4" \
    "upgrade: a newer schema refused"
it_assert_eq "$(sqlite3 new.db 'SELECT version FROM emgdiag_schema')" 7 "upgrade: the newer schema untouched"

"$DBTOOL" upgrade "sqlite:$IT_DIR/none.db" >/dev/null 2>&1
it_assert_eq "$?:$([ -e none.db ] && echo created || echo absent)" "1:absent" "upgrade of a missing file: exit 1, nothing created"
"$DBTOOL" init "oracle://localhost/x" >/dev/null 2>&1
it_assert_eq "$?" 2 "a URI this build does not know: exit 2"
"$DBTOOL" frob "sqlite:$IT_DIR/new.db" >/dev/null 2>&1
it_assert_eq "$?" 2 "an unknown command: exit 2"
it_summary
