/*
 * db_sqlite.c: the SQLite back-end (see db_sqlite.h; the DDL is the one
 * docs/database.md shows).
 */
#include "db_sqlite.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "db_linekey.h"
#include "db_msgids.h"

struct db_sqlite {
    sqlite3 *db;
    sqlite3_stmt *insert[DB_TABLES];
    sqlite3_stmt *insert_id; /* into messagelog_ids */
    int full;
};

/* Step 0 -> 1: the three log tables and their indexes.  A later version
 * adds its step here (a new table, a new column), run in order from the
 * version a database has. */
static const char *const upgrade_to_1 =
    "CREATE TABLE IF NOT EXISTS connectorlog ("
    " id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " event TEXT, result TEXT, info TEXT, line TEXT NOT NULL,"
    " UNIQUE (node, connector, ts, line));"
    "CREATE INDEX IF NOT EXISTS connectorlog_session ON connectorlog (session);"
    "CREATE INDEX IF NOT EXISTS connectorlog_connector_ts ON connectorlog (connector, node, instance, ts);"
    "CREATE TABLE IF NOT EXISTS pdulog ("
    " id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " dir TEXT, op TEXT, name TEXT, status INTEGER, trn INTEGER, datalen INTEGER,"
    " fields TEXT, error TEXT, message_id TEXT, receipted_message_id TEXT,"
    " source_addr TEXT, destination_addr TEXT, line TEXT NOT NULL,"
    " UNIQUE (node, connector, ts, line));"
    "CREATE INDEX IF NOT EXISTS pdulog_session ON pdulog (session);"
    "CREATE INDEX IF NOT EXISTS pdulog_connector_ts ON pdulog (connector, node, instance, ts);"
    "CREATE INDEX IF NOT EXISTS pdulog_message_id ON pdulog (message_id);"
    "CREATE INDEX IF NOT EXISTS pdulog_receipted_message_id ON pdulog (receipted_message_id);"
    "CREATE INDEX IF NOT EXISTS pdulog_status_ts ON pdulog (status, ts);"
    "CREATE TABLE IF NOT EXISTS securitylog ("
    " id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " level TEXT, event TEXT, fields TEXT, line TEXT NOT NULL,"
    " UNIQUE (node, connector, ts, line));"
    "CREATE INDEX IF NOT EXISTS securitylog_connector_ts ON securitylog (connector, ts);"
    "CREATE INDEX IF NOT EXISTS securitylog_ts ON securitylog (ts);";

/* Step 1 -> 2: the message log's table (docs/message-log.md). */
static const char *const upgrade_to_2 =
    "CREATE TABLE IF NOT EXISTS messagelog ("
    " id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " step TEXT, uuid TEXT, trn TEXT, message_id TEXT, part TEXT, \"to\" TEXT, \"from\" TEXT,"
    " dlr_key TEXT, ids TEXT, status TEXT, id_raw TEXT, type TEXT, url TEXT, \"key\" TEXT,"
    " line TEXT NOT NULL,"
    " UNIQUE (node, connector, ts, line));"
    "CREATE INDEX IF NOT EXISTS messagelog_uuid ON messagelog (uuid);"
    "CREATE INDEX IF NOT EXISTS messagelog_message_id ON messagelog (message_id);"
    "CREATE INDEX IF NOT EXISTS messagelog_id_raw ON messagelog (id_raw);"
    "CREATE INDEX IF NOT EXISTS messagelog_dlr_key ON messagelog (dlr_key);"
    "CREATE INDEX IF NOT EXISTS messagelog_lookup_key ON messagelog (\"key\");"
    "CREATE INDEX IF NOT EXISTS messagelog_ts ON messagelog (ts);";

/* Step 2 -> 3: each table rebuilt with `lkey` (db_linekey.h) and the
 * unique key (ts, lkey) in place of (node, connector, ts, line), whose
 * index held every line a second time; the indexes of ids that most rows
 * have not got (a submit_sm has no message_id) hold only the rows that
 * have one.  The rows keep their ids and their order; the columns are
 * copied by name, so a table that has more (a later version's, marked
 * older by hand) is rebuilt all the same. */
#define REBUILD(t, cols, names, indexes)                                                           \
    "CREATE TABLE " t "_v3 (id INTEGER PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL,"        \
    " session TEXT, ts INTEGER NOT NULL, connector TEXT NOT NULL, instance INTEGER," cols          \
    " line TEXT NOT NULL, lkey INTEGER NOT NULL, UNIQUE (ts, lkey));"                              \
    "INSERT OR IGNORE INTO " t "_v3 (id, node, box, session, ts, connector, instance," names        \
    " line, lkey) SELECT id, node, box, session, ts, connector, instance," names " line,"          \
    " emgdiag_line_key(node, connector, line) FROM " t " ORDER BY id;"                             \
    "DROP TABLE " t ";"                                                                            \
    "ALTER TABLE " t "_v3 RENAME TO " t ";" indexes
static const char *const upgrade_to_3 =
    REBUILD("connectorlog", " event TEXT, result TEXT, info TEXT,", " event, result, info,",
            "CREATE INDEX connectorlog_session ON connectorlog (session);"
            "CREATE INDEX connectorlog_connector_ts ON connectorlog (connector, node, instance, ts);")
    REBUILD("pdulog",
            " dir TEXT, op TEXT, name TEXT, status INTEGER, trn INTEGER, datalen INTEGER,"
            " fields TEXT, error TEXT, message_id TEXT, receipted_message_id TEXT,"
            " source_addr TEXT, destination_addr TEXT,",
            " dir, op, name, status, trn, datalen, fields, error, message_id, receipted_message_id,"
            " source_addr, destination_addr,",
            "CREATE INDEX pdulog_session ON pdulog (session);"
            "CREATE INDEX pdulog_connector_ts ON pdulog (connector, node, instance, ts);"
            "CREATE INDEX pdulog_message_id ON pdulog (message_id) WHERE message_id IS NOT NULL;"
            "CREATE INDEX pdulog_receipted_message_id ON pdulog (receipted_message_id)"
            " WHERE receipted_message_id IS NOT NULL;"
            "CREATE INDEX pdulog_status_ts ON pdulog (status, ts);")
    REBUILD("securitylog", " level TEXT, event TEXT, fields TEXT,", " level, event, fields,",
            "CREATE INDEX securitylog_connector_ts ON securitylog (connector, ts);"
            "CREATE INDEX securitylog_ts ON securitylog (ts);")
    REBUILD("messagelog",
            " step TEXT, uuid TEXT, trn TEXT, message_id TEXT, part TEXT, \"to\" TEXT,"
            " \"from\" TEXT, dlr_key TEXT, ids TEXT, status TEXT, id_raw TEXT, type TEXT,"
            " url TEXT, \"key\" TEXT,",
            " step, uuid, trn, message_id, part, \"to\", \"from\", dlr_key, ids, status, id_raw,"
            " type, url, \"key\",",
            "CREATE INDEX messagelog_uuid ON messagelog (uuid) WHERE uuid IS NOT NULL;"
            "CREATE INDEX messagelog_message_id ON messagelog (message_id)"
            " WHERE message_id IS NOT NULL;"
            "CREATE INDEX messagelog_id_raw ON messagelog (id_raw) WHERE id_raw IS NOT NULL;"
            "CREATE INDEX messagelog_dlr_key ON messagelog (dlr_key) WHERE dlr_key IS NOT NULL;"
            "CREATE INDEX messagelog_lookup_key ON messagelog (\"key\") WHERE \"key\" IS NOT NULL;"
            "CREATE INDEX messagelog_ts ON messagelog (ts);");

/* Step 3 -> 4: messagelog_ids, one row per id of a messagelog row's `ids`
 * and `url` lists (db_msgids.h), and those of the rows already there: each
 * list with ';' appended is cut at its first ';' until nothing is left. */
static const char *const upgrade_to_4 =
    "CREATE TABLE IF NOT EXISTS messagelog_ids ("
    " node TEXT NOT NULL, ts INTEGER NOT NULL, id TEXT NOT NULL,"
    " UNIQUE (node, ts, id));"
    "CREATE INDEX IF NOT EXISTS messagelog_ids_id ON messagelog_ids (id);"
    "WITH RECURSIVE split (node, ts, rest, id) AS ("
    " SELECT node, ts, rest, NULL FROM ("
    "  SELECT node, ts, ids || ';' AS rest FROM messagelog WHERE ids IS NOT NULL"
    "  UNION ALL SELECT node, ts, url || ';' FROM messagelog WHERE url IS NOT NULL)"
    " UNION ALL SELECT node, ts, substr(rest, instr(rest, ';') + 1),"
    "  substr(rest, 1, instr(rest, ';') - 1) FROM split WHERE rest <> '')"
    "INSERT OR IGNORE INTO messagelog_ids (node, ts, id)"
    " SELECT node, ts, substr(id, 1, " DB_MESSAGE_ID_CHARS_SQL ") FROM split WHERE id <> '';";

static const char *const upgrades[DB_SCHEMA_VERSION] = { upgrade_to_1, upgrade_to_2, upgrade_to_3,
                                                          upgrade_to_4 };

static void set_err(struct db_sqlite *d, char *err, size_t errlen, const char *what)
{
    int code = d->db != NULL ? sqlite3_extended_errcode(d->db) : SQLITE_NOMEM;

    d->full = (code & 0xff) == SQLITE_FULL;
    snprintf(err, errlen, "%s: %s", what, d->db != NULL ? sqlite3_errmsg(d->db) : "out of memory");
}

/* emgdiag_line_key(node, connector, line): db_line_key() for SQL (the
 * upgrade to version 3 keys the rows already there with it).  A NULL
 * argument gives NULL. */
static void line_key_sql(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    const void *p[3];
    int n[3];

    (void)argc;
    for (int i = 0; i < 3; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
            sqlite3_result_null(cx);
            return;
        }
        /* The octets as stored, not converted to text. */
        p[i] = sqlite3_value_blob(argv[i]);
        n[i] = sqlite3_value_bytes(argv[i]);
    }
    sqlite3_result_int64(cx, db_line_key(p[0], (size_t)n[0], p[1], (size_t)n[1], p[2],
                                         (size_t)n[2]));
}

static void setup_once(void)
{
    /* SQLITE_MISUSE when SQLite is already initialized: nothing to do */
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void db_sqlite_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, setup_once);
}

struct db_sqlite *db_sqlite_open(const char *file, int create, char *err, size_t errlen)
{
    struct db_sqlite *d = emg_calloc(1, sizeof(*d));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    db_sqlite_setup();
    if (sqlite3_open_v2(file, &d->db, flags, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, file);
        db_sqlite_close(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->db, DB_SQLITE_BUSY_MS);
    if (sqlite3_create_function_v2(d->db, "emgdiag_line_key", 3,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   line_key_sql, NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, file);
        db_sqlite_close(d);
        return NULL;
    }
    /* A new file gets 16 KiB pages: a row of about 700 octets is written
     * in a quarter of the WAL frames (and system calls) of 4 KiB pages
     * (docs/performance.md).  A file that has pages keeps its size. */
    if (sqlite3_exec(d->db,
                     "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, file);
        db_sqlite_close(d);
        return NULL;
    }
    return d;
}

void db_sqlite_close(struct db_sqlite *d)
{
    if (d == NULL)
        return;
    for (int t = 0; t < DB_TABLES; t++)
        sqlite3_finalize(d->insert[t]);
    sqlite3_finalize(d->insert_id);
    sqlite3_close(d->db);
    emg_free(d);
}

void *db_sqlite_handle(struct db_sqlite *d)
{
    return d->db;
}

int db_sqlite_full(const struct db_sqlite *d)
{
    return d->full;
}

/* The version recorded, 0 when there is none; -1 on an error. */
static int read_version(struct db_sqlite *d, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int v = 0, rc;

    rc = sqlite3_prepare_v2(d->db,
                            "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                            "name='emgdiag_schema'",
                            -1, &st, NULL);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        set_err(d, err, errlen, "reading the schema version");
        sqlite3_finalize(st);
        return -1;
    }
    rc = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc == 0)
        return 0;
    if (sqlite3_prepare_v2(d->db, "SELECT max(version) FROM emgdiag_schema", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        set_err(d, err, errlen, "reading the schema version");
        sqlite3_finalize(st);
        return -1;
    }
    v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int db_sqlite_version(struct db_sqlite *d, char *err, size_t errlen)
{
    return read_version(d, err, errlen);
}

int db_sqlite_schema(struct db_sqlite *d, int *from, char *err, size_t errlen)
{
    char sql[96];
    int v;

    /* BEGIN IMMEDIATE: a second process starting now waits for this one
     * and then finds the schema done. */
    if (sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, "creating the schema");
        return -1;
    }
    if ((v = read_version(d, err, errlen)) < 0)
        goto fail;
    if (from != NULL)
        *from = v;
    if (v > DB_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "the database's schema is version %d, newer than this emgdiag's %d: left as it is",
                 v, DB_SCHEMA_VERSION);
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (sqlite3_exec(d->db, "CREATE TABLE IF NOT EXISTS emgdiag_schema (version INTEGER NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, "creating the schema");
        goto fail;
    }
    for (; v < DB_SCHEMA_VERSION; v++) {
        if (sqlite3_exec(d->db, upgrades[v], NULL, NULL, NULL) != SQLITE_OK) {
            set_err(d, err, errlen, "upgrading the schema");
            goto fail;
        }
        snprintf(sql, sizeof(sql), "DELETE FROM emgdiag_schema; INSERT INTO emgdiag_schema VALUES (%d)",
                 v + 1);
        if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            set_err(d, err, errlen, "recording the schema version");
            goto fail;
        }
    }
    if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, "creating the schema");
        goto fail;
    }
    return 0;

fail:
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* INSERT OR IGNORE INTO <table> (node, box, session, ts, connector,
 * instance, <columns>, lkey) VALUES (?, ...): prepared once per
 * connection. */
static sqlite3_stmt *insert_stmt(struct db_sqlite *d, int table)
{
    char sql[1024];
    const char *const *cols = db_table_columns(table);
    size_t len, i;

    if (d->insert[table] != NULL)
        return d->insert[table];
    len = (size_t)snprintf(sql, sizeof(sql),
                           "INSERT OR IGNORE INTO %s (node, box, session, ts, connector, instance",
                           db_table_name(table));
    for (i = 0; cols[i] != NULL; i++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", \"%s\"", cols[i]);
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", lkey) VALUES (?, ?, ?, ?, ?, ?");
    for (i = 0; cols[i] != NULL; i++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", ?");
    snprintf(sql + len, sizeof(sql) - len, ", ?)");
    if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &d->insert[table], NULL) !=
        SQLITE_OK)
        d->insert[table] = NULL;
    return d->insert[table];
}

static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    if (s == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text64(st, i, s, n, SQLITE_STATIC, SQLITE_UTF8);
}

/* One id of a messagelog row into messagelog_ids (see insert_ids()). */
struct id_insert {
    struct db_sqlite *d;
    const char *node;
    int64_t ts;
};

static int insert_id(void *ctx, const char *id, size_t n)
{
    struct id_insert *a = ctx;
    sqlite3_stmt *st = a->d->insert_id;
    int rc;

    sqlite3_reset(st);
    rc = sqlite3_bind_text(st, 1, a->node, -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(st, 2, a->ts);
    rc |= bind_text(st, 3, id, n);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* The ids of a messagelog row's lists into messagelog_ids, in the
 * transaction of the row (db_msgids.h).  0, or -1 with err set. */
static int insert_ids(struct db_sqlite *d, const char *node, const struct db_row *r, char *err,
                      size_t errlen)
{
    struct id_insert a = { d, node, r->ts_us };

    if (d->insert_id == NULL &&
        sqlite3_prepare_v3(d->db, "INSERT OR IGNORE INTO messagelog_ids (node, ts, id) VALUES (?, ?, ?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &d->insert_id, NULL) != SQLITE_OK) {
        d->insert_id = NULL;
        set_err(d, err, errlen, "preparing the insert of messagelog_ids");
        return -1;
    }
    if (db_message_ids(r, insert_id, &a) != 0) {
        set_err(d, err, errlen, "INSERT INTO messagelog_ids");
        return -1;
    }
    return 0;
}

long db_sqlite_insert(struct db_sqlite *d, const char *node, const char *box,
                      const struct db_row *rows, const char *const *sessions, size_t n, char *err,
                      size_t errlen)
{
    long inserted = 0;
    size_t i, c, node_len = strlen(node), box_len = strlen(box);

    if (sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, "BEGIN");
        return -1;
    }
    for (i = 0; i < n; i++) {
        const struct db_row *r = &rows[i];
        sqlite3_stmt *st = insert_stmt(d, r->table);
        const struct db_value *line = &r->col[r->ncol - 1]; /* `line` is last */
        size_t conn_len = strlen(r->connector);
        int rc = SQLITE_OK;

        if (st == NULL) {
            set_err(d, err, errlen, "preparing the insert");
            goto fail;
        }
        sqlite3_reset(st);
        rc |= bind_text(st, 1, node, node_len);
        rc |= bind_text(st, 2, box, box_len);
        rc |= bind_text(st, 3, sessions[i], sessions[i] != NULL ? strlen(sessions[i]) : 0);
        rc |= sqlite3_bind_int64(st, 4, r->ts_us);
        rc |= bind_text(st, 5, r->connector, conn_len);
        rc |= r->instance >= 0 ? sqlite3_bind_int(st, 6, r->instance) : sqlite3_bind_null(st, 6);
        for (c = 0; c < r->ncol; c++) {
            const struct db_value *v = &r->col[c];

            if (v->null)
                rc |= sqlite3_bind_null(st, (int)c + 7);
            else if (v->is_int)
                rc |= sqlite3_bind_int64(st, (int)c + 7, v->i);
            else
                rc |= bind_text(st, (int)c + 7, v->s, v->n);
        }
        rc |= sqlite3_bind_int64(st, (int)r->ncol + 7,
                                 db_line_key(node, node_len, r->connector, conn_len, line->s,
                                             line->n));
        if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
            set_err(d, err, errlen, "INSERT");
            sqlite3_reset(st);
            goto fail;
        }
        if (sqlite3_changes(d->db) > 0) {
            inserted++;
            sqlite3_reset(st);
            if (r->table == DB_MESSAGELOG && insert_ids(d, node, r, err, errlen) != 0)
                goto fail;
        }
        sqlite3_reset(st);
    }
    for (int t = 0; t < DB_TABLES; t++)
        if (d->insert[t] != NULL)
            sqlite3_clear_bindings(d->insert[t]);
    if (d->insert_id != NULL)
        sqlite3_clear_bindings(d->insert_id);
    if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, "COMMIT");
        goto fail;
    }
    d->full = 0;
    return inserted;

fail:
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* At most ?3 rows of messagelog_ids of node ?1 older than ?2 whose
 * messagelog row is gone. */
#define DB_EXPIRE_MESSAGE_IDS_SQL                                                                  \
    "DELETE FROM messagelog_ids WHERE rowid IN (SELECT i.rowid FROM messagelog_ids i"              \
    " WHERE i.node = ?1 AND i.ts < ?2 AND NOT EXISTS (SELECT 1 FROM messagelog m"                  \
    " WHERE m.ts = i.ts AND m.node = i.node) LIMIT ?3)"

long db_sqlite_expire(struct db_sqlite *d, const char *node, int64_t before_us, int limit,
                      char *err, size_t errlen)
{
    char sql[256];
    long deleted = 0;

    for (int t = 0; t < DB_TABLES; t++) {
        sqlite3_stmt *st = NULL;

        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE node = ? AND ts < ? "
                 "LIMIT ?)",
                 db_table_name(t), db_table_name(t));
        if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK ||
            sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_int64(st, 2, before_us) != SQLITE_OK ||
            sqlite3_bind_int(st, 3, limit) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
            set_err(d, err, errlen, "deleting old rows");
            sqlite3_finalize(st);
            return -1;
        }
        deleted += sqlite3_changes(d->db);
        sqlite3_finalize(st);
    }
    /* The ids of the messagelog rows gone (not counted: not log rows). */
    {
        sqlite3_stmt *st = NULL;

        if (sqlite3_prepare_v2(d->db, DB_EXPIRE_MESSAGE_IDS_SQL, -1, &st, NULL) != SQLITE_OK ||
            sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_int64(st, 2, before_us) != SQLITE_OK ||
            sqlite3_bind_int(st, 3, limit * DB_MESSAGE_IDS_PER_ROW) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_DONE) {
            set_err(d, err, errlen, "deleting old messagelog_ids rows");
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_finalize(st);
    }
    return deleted;
}

int db_sqlite_lines(struct db_sqlite *d, const char *table, const char *node,
                    const char *connector, int have_instance, unsigned long instance,
                    int64_t from_us, int64_t to_us,
                    void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                    char *err, size_t errlen)
{
    char sql[256];
    sqlite3_stmt *st = NULL;
    int rc;

    snprintf(sql, sizeof(sql),
             "SELECT line, ts FROM %s WHERE connector = ?1 AND node = ?2%s AND ts BETWEEN ?4 AND "
             "?5 ORDER BY id",
             table, have_instance ? " AND instance = ?3" : "");
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, table);
        return -1;
    }
    sqlite3_bind_text(st, 1, connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, node, -1, SQLITE_STATIC);
    if (have_instance)
        sqlite3_bind_int64(st, 3, (sqlite3_int64)instance);
    sqlite3_bind_int64(st, 4, from_us);
    sqlite3_bind_int64(st, 5, to_us);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, (const char *)sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
             sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        set_err(d, err, errlen, table);
        return -1;
    }
    return 0;
}

int db_sqlite_table_lines(struct db_sqlite *d, const char *table, const char *node,
                          void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                          void *ctx, char *err, size_t errlen)
{
    char sql[160];
    sqlite3_stmt *st = NULL;
    int rc;

    snprintf(sql, sizeof(sql), "SELECT line, ts FROM %s%s ORDER BY ts, id", table,
             node != NULL ? " WHERE node = ?1" : "");
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
        set_err(d, err, errlen, table);
        return -1;
    }
    if (node != NULL)
        sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, (const char *)sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
             sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        set_err(d, err, errlen, table);
        return -1;
    }
    return 0;
}
