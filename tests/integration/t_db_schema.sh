#!/bin/bash
# emgdiag-db (docs/database.md, "Schema versions"): init creates schema
# version 4 in a new file and is idempotent; upgrade takes a database at
# the synthetic version 0 (emgdiag_schema says 0, another table holds a
# row) to 4 in place, keeping that row; a version 1 database and a version
# 2 one with rows are upgraded to 4, the rows kept with their ids and
# keyed by the line key (version 3) computed here in Python from its
# definition in docs/database.md; a newer schema than the tool knows is
# refused and left untouched; usage errors exit 2.  The tables are looked
# at with the sqlite3 shell, not with our code.  Time budget: 5 s.
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
it_assert_eq "$(sqlite3 new.db 'PRAGMA page_size')" 16384 "init: a new file has 16 KiB pages"
it_assert_eq "$(sqlite3 new.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE message_id IS NOT NULL'")" 2 \
    "init: the message_id indexes of pdulog and messagelog hold only rows that have one"

sqlite3 v0.db "CREATE TABLE emgdiag_schema (version INTEGER NOT NULL); INSERT INTO emgdiag_schema VALUES (0);
               CREATE TABLE notes (n TEXT); INSERT INTO notes VALUES ('kept');"
it_assert_eq "$("$DBTOOL" version "sqlite:$IT_DIR/v0.db")" 0 "version of the synthetic old database: 0"
out=$("$DBTOOL" upgrade "sqlite:$IT_DIR/v0.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/v0.db: schema upgraded from version 0 to 4" "upgrade: 0 to 4"
it_assert_eq "$(sqlite3 v0.db 'SELECT version FROM emgdiag_schema')" 4 "upgrade: version 4 recorded, once"
it_assert_eq "$(tables v0.db)" "connectorlog emgdiag_schema messagelog messagelog_ids notes pdulog securitylog" "upgrade: the tables added, the others kept"
it_assert_eq "$(sqlite3 v0.db 'SELECT n FROM notes')" kept "upgrade: the rows already there kept"

# A version 1 database (version 1's tables as docs/database.md gives them,
# a row in one) upgraded to 4.
v1_ddl="CREATE TABLE emgdiag_schema (version INTEGER NOT NULL); INSERT INTO emgdiag_schema VALUES (1);
CREATE TABLE connectorlog (id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,
  ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER, event TEXT, result TEXT, info TEXT,
  line TEXT NOT NULL, UNIQUE (node, connector, ts, line));
CREATE TABLE pdulog (id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,
  ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER, dir TEXT, op TEXT, name TEXT,
  status INTEGER, trn INTEGER, datalen INTEGER, fields TEXT, error TEXT, message_id TEXT,
  receipted_message_id TEXT, source_addr TEXT, destination_addr TEXT, line TEXT NOT NULL,
  UNIQUE (node, connector, ts, line));
CREATE TABLE securitylog (id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,
  ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER, level TEXT, event TEXT, fields TEXT,
  line TEXT NOT NULL, UNIQUE (node, connector, ts, line));"
v2_ddl="CREATE TABLE messagelog (id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL,
  session TEXT, ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER, step TEXT, uuid TEXT,
  trn TEXT, message_id TEXT, part TEXT, \"to\" TEXT, \"from\" TEXT, dlr_key TEXT, ids TEXT,
  status TEXT, id_raw TEXT, type TEXT, url TEXT, \"key\" TEXT, line TEXT NOT NULL,
  UNIQUE (node, connector, ts, line)); UPDATE emgdiag_schema SET version = 2;"
sqlite3 v1.db "$v1_ddl INSERT INTO pdulog (node, box, ts, connector, line) VALUES ('gw', 'bearerbox', 1, 'c', 'L');"
out=$("$DBTOOL" upgrade "sqlite:$IT_DIR/v1.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/v1.db: schema upgraded from version 1 to 4" "upgrade: 1 to 4"
it_assert_eq "$(sqlite3 v1.db "SELECT (SELECT count(*) FROM messagelog) || ' ' || (SELECT line FROM pdulog)")" "0 L" \
    "upgrade 1 to 4: messagelog made, version 1's rows kept"

# A version 2 database with rows (a line with octets that are not UTF-8, a
# NUL-free quote and backslash, rows out of ts order, ids with a gap)
# upgraded to 4: every row kept with its id, and its lkey the line key of
# docs/database.md, computed here from that definition.
sqlite3 v2.db "$v1_ddl $v2_ddl
  INSERT INTO pdulog (id, node, box, ts, connector, instance, line) VALUES
    (3, 'gw1', 'bearerbox', 1700000000000002, 'out', 0, '2023-11-14 22:13:20.000002 write'),
    (7, 'gw1', 'bearerbox', 1700000000000001, 'out', 0, CAST(X'2271ff5c22' AS TEXT)),
    (8, 'gw2', 'opensmppbox', 1700000000000001, 'in', 1, 'a line of exactly 24 oct');
  INSERT INTO connectorlog (id, node, box, ts, connector, line) VALUES (5, 'gw1', 'bearerbox', 9, 'out', '');
  INSERT INTO securitylog (node, box, ts, connector, line) VALUES ('gw1', 'opensmppbox', 10, 'in', 'DENY');
  INSERT INTO messagelog (node, box, ts, connector, line, ids) VALUES ('gw1', 'bearerbox', 11, 'out', 'm', 'a;b');"
out=$("$DBTOOL" upgrade "sqlite:$IT_DIR/v2.db" 2>&1)
it_assert_eq "$?:$out" "0:sqlite:$IT_DIR/v2.db: schema upgraded from version 2 to 4" "upgrade: 2 to 4"
linekey() { # the line key of docs/database.md: node, connector and line as x and hex
    python3 - "$@" <<'PY'
import sys
M = (1 << 64) - 1
K1, K2 = 0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f
def absorb(h, w):
    h ^= (w * K1) & M
    h = ((h << 29) | (h >> 35)) & M
    return (h * K2) & M
parts = [bytes.fromhex(a[1:]) for a in sys.argv[1:4]]
h = int.from_bytes(b"emgdiag!", "big")
for p in parts:
    h = absorb(h, len(p))
    for i in range(0, len(p), 8):
        h = absorb(h, int.from_bytes(p[i:i + 8].ljust(8, b"\0"), "little"))
h ^= sum(len(p) for p in parts)
for c in (0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53):
    h ^= h >> 33
    h = (h * c) & M
h ^= h >> 33
print(h - (1 << 64) if h >> 63 else h)
PY
}
for t in pdulog connectorlog securitylog messagelog; do
    rows=$(sqlite3 -separator ' ' v2.db "SELECT id, 'x' || hex(node), 'x' || hex(connector), 'x' || hex(line), lkey FROM $t ORDER BY id")
    want=""; got=""
    while read -r id n c l k; do
        want+="$id $(linekey "$n" "$c" "$l");"
        got+="$id $k;"
    done <<<"$rows"
    it_assert_eq "$got" "$want" "upgrade 2 to 4: $t's rows kept (ids $(sqlite3 v2.db "SELECT group_concat(id, ',') FROM (SELECT id FROM $t ORDER BY id)")), each keyed by its line key"
done
it_assert_eq "$(sqlite3 v2.db "SELECT hex(line) FROM pdulog WHERE id = 7")" 2271FF5C22 \
    "upgrade 2 to 4: a line that is not UTF-8 kept octet for octet"
it_assert_eq "$(sqlite3 v2.db "SELECT ids FROM messagelog")" "a;b" "upgrade 2 to 4: messagelog's columns kept"
it_assert_eq "$(sqlite3 v2.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM messagelog_ids ORDER BY id)")" "a b" \
    "upgrade 2 to 4: messagelog_ids filled from the rebuilt messagelog"
sqlite3 v2.db "INSERT INTO pdulog (node, box, ts, connector, line, lkey) SELECT node, box, ts, connector, line, lkey FROM pdulog WHERE id = 3" 2>/dev/null
rc=$?
it_assert_eq "$([ "$rc" -ne 0 ] && echo refused):$(sqlite3 v2.db 'SELECT count(*) FROM pdulog')" "refused:3" "version 3: the same ts and line key again is refused (the unique key)"
it_assert_eq "$(sqlite3 v2.db "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pdulog' AND sql IS NOT NULL ORDER BY name)")" \
    "pdulog_connector_ts pdulog_message_id pdulog_receipted_message_id pdulog_session pdulog_status_ts" \
    "upgrade 2 to 4: pdulog's indexes made again"

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
