/*
 * db_pgsql.c: the PostgreSQL back-end (see db_pgsql.h; the DDL is the one
 * docs/database.md shows).
 */
#include "db_pgsql.h"

#ifdef HAVE_PGSQL

#include "db_pq_syms.h" /* libpq, loaded when first needed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "db_msgids.h"
#include "db_pgcopy.h"
#include "sbuf.h"

/* The most a COPY hands libpq at a time (its length is an int). */
#define COPY_CHUNK ((size_t)1 << 20)
/* The advisory lock that serialises schema changes (any constant). */
#define SCHEMA_LOCK "4242011"

struct db_pgsql {
    PGconn *conn;
    struct sbuf copy; /* a COPY's data, kept for the next batch */
};

static const char *const upgrade_to_1 =
    "CREATE TABLE IF NOT EXISTS connectorlog ("
    " id BIGSERIAL PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts BIGINT NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " event TEXT, result TEXT, info TEXT, line TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS connectorlog_key ON connectorlog (node, connector, ts, md5(line));"
    "CREATE INDEX IF NOT EXISTS connectorlog_session ON connectorlog (session);"
    "CREATE INDEX IF NOT EXISTS connectorlog_connector_ts ON connectorlog (connector, node, instance, ts);"
    "CREATE TABLE IF NOT EXISTS pdulog ("
    " id BIGSERIAL PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts BIGINT NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " dir TEXT, op TEXT, name TEXT, status BIGINT, trn BIGINT, datalen BIGINT,"
    " fields JSONB, error TEXT, message_id TEXT, receipted_message_id TEXT,"
    " source_addr TEXT, destination_addr TEXT, line TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS pdulog_key ON pdulog (node, connector, ts, md5(line));"
    "CREATE INDEX IF NOT EXISTS pdulog_session ON pdulog (session);"
    "CREATE INDEX IF NOT EXISTS pdulog_connector_ts ON pdulog (connector, node, instance, ts);"
    "CREATE INDEX IF NOT EXISTS pdulog_message_id ON pdulog (message_id);"
    "CREATE INDEX IF NOT EXISTS pdulog_receipted_message_id ON pdulog (receipted_message_id);"
    "CREATE INDEX IF NOT EXISTS pdulog_status_ts ON pdulog (status, ts);"
    "CREATE TABLE IF NOT EXISTS securitylog ("
    " id BIGSERIAL PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts BIGINT NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " level TEXT, event TEXT, fields JSONB, line TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS securitylog_key ON securitylog (node, connector, ts, md5(line));"
    "CREATE INDEX IF NOT EXISTS securitylog_connector_ts ON securitylog (connector, ts);"
    "CREATE INDEX IF NOT EXISTS securitylog_ts ON securitylog (ts);";

static const char *const upgrade_to_2 =
    "CREATE TABLE IF NOT EXISTS messagelog ("
    " id BIGSERIAL PRIMARY KEY, node TEXT NOT NULL, box TEXT NOT NULL, session TEXT,"
    " ts BIGINT NOT NULL, connector TEXT NOT NULL, instance INTEGER,"
    " step TEXT, uuid TEXT, trn TEXT, message_id TEXT, part TEXT, \"to\" TEXT, \"from\" TEXT,"
    " dlr_key TEXT, ids TEXT, status TEXT, id_raw TEXT, type TEXT, url TEXT, \"key\" TEXT,"
    " line TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS messagelog_key ON messagelog (node, connector, ts, md5(line));"
    "CREATE INDEX IF NOT EXISTS messagelog_uuid ON messagelog (uuid);"
    "CREATE INDEX IF NOT EXISTS messagelog_message_id ON messagelog (message_id);"
    "CREATE INDEX IF NOT EXISTS messagelog_id_raw ON messagelog (id_raw);"
    "CREATE INDEX IF NOT EXISTS messagelog_dlr_key ON messagelog (dlr_key);"
    "CREATE INDEX IF NOT EXISTS messagelog_lookup_key ON messagelog (\"key\");"
    "CREATE INDEX IF NOT EXISTS messagelog_ts ON messagelog (ts);";

/* Step 2 -> 3 changed SQLite's unique key only (db_sqlite.c): the
 * PostgreSQL tables already key md5(line). */
static const char *const upgrade_to_3 = "SELECT 1";

/* Step 3 -> 4: messagelog_ids (db_msgids.h), filled from the rows already
 * there. */
static const char *const upgrade_to_4 =
    "CREATE TABLE IF NOT EXISTS messagelog_ids ("
    " node TEXT NOT NULL, ts BIGINT NOT NULL, id TEXT NOT NULL,"
    " UNIQUE (node, ts, id));"
    "CREATE INDEX IF NOT EXISTS messagelog_ids_id ON messagelog_ids (id);"
    "INSERT INTO messagelog_ids (node, ts, id)"
    " SELECT node, ts, left(x, " DB_MESSAGE_ID_CHARS_SQL ") FROM ("
    "  SELECT node, ts, unnest(string_to_array(ids, ';')) AS x FROM messagelog WHERE ids IS NOT NULL"
    "  UNION ALL SELECT node, ts, unnest(string_to_array(url, ';')) FROM messagelog"
    "  WHERE url IS NOT NULL) AS listed"
    " WHERE x <> '' ON CONFLICT DO NOTHING;";

static const char *const upgrades[DB_SCHEMA_VERSION] = { upgrade_to_1, upgrade_to_2, upgrade_to_3,
                                                          upgrade_to_4 };

/* libpq's message: its first line. */
static void set_err(struct db_pgsql *d, const PGresult *res, char *err, size_t errlen,
                    const char *what)
{
    const char *m = res != NULL ? PQresultErrorMessage(res) : "";
    size_t n;

    if (m == NULL || m[0] == '\0')
        m = d->conn != NULL ? PQerrorMessage(d->conn) : "out of memory";
    n = strcspn(m, "\n"); /* libpq's first line says it */
    snprintf(err, errlen, "%s: %.*s", what, (int)n, m);
    n = strlen(err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

/* Runs sql (no parameters); 0 when it worked. */
static int exec(struct db_pgsql *d, const char *sql, char *err, size_t errlen, const char *what)
{
    PGresult *res = PQexec(d->conn, sql);
    ExecStatusType st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_err(d, res, err, errlen, what);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

/* Runs sql with nparams text parameters (no rows); the rows it changed
 * (PQcmdTuples), or -1 with err set. */
static long exec_params(struct db_pgsql *d, const char *sql, int nparams,
                        const char *const *values, char *err, size_t errlen, const char *what)
{
    PGresult *res = PQexecParams(d->conn, sql, nparams, NULL, values, NULL, NULL, 0);
    long n = -1;

    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        set_err(d, res, err, errlen, what);
    else
        n = atol(PQcmdTuples(res));
    PQclear(res);
    return n;
}

struct db_pgsql *db_pgsql_open(const char *conninfo, const char *password_file, char *err,
                               size_t errlen)
{
    const char *keys[4], *values[4];
    char pw[DB_PASSWORD_MAX];
    struct db_pgsql *d;
    int k = 0;

    if (password_file != NULL && db_read_password(password_file, pw, sizeof(pw), err, errlen) != 0)
        return NULL;
    if ((d = emg_calloc(1, sizeof(*d))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    keys[k] = "dbname"; /* expanded: the whole conninfo or URI */
    values[k++] = conninfo;
    if (password_file != NULL) {
        keys[k] = "password";
        values[k++] = pw;
    }
    keys[k] = "connect_timeout";
    values[k++] = "5";
    keys[k] = NULL;
    values[k] = NULL;
    d->conn = PQconnectdbParams(keys, values, 1);
    memset(pw, 0, sizeof(pw));
    if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, NULL, err, errlen, "connecting");
        db_pgsql_close(d);
        return NULL;
    }
    if (exec(d, "SET client_min_messages = warning", err, errlen, "connecting") != 0) {
        db_pgsql_close(d);
        return NULL;
    }
    return d;
}

void db_pgsql_close(struct db_pgsql *d)
{
    if (d == NULL)
        return;
    PQfinish(d->conn);
    sbuf_free(&d->copy);
    emg_free(d);
}

int db_pgsql_version(struct db_pgsql *d, char *err, size_t errlen)
{
    PGresult *res = PQexec(d->conn, "SELECT to_regclass('emgdiag_schema') IS NOT NULL");
    int v = 0;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        set_err(d, res, err, errlen, "reading the schema version");
        PQclear(res);
        return -1;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        PQclear(res);
        return 0;
    }
    PQclear(res);
    res = PQexec(d->conn, "SELECT coalesce(max(version), 0) FROM emgdiag_schema");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        set_err(d, res, err, errlen, "reading the schema version");
        PQclear(res);
        return -1;
    }
    v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

int db_pgsql_schema(struct db_pgsql *d, int *from, char *err, size_t errlen)
{
    char sql[128];
    int v;

    if (exec(d, "BEGIN", err, errlen, "creating the schema") != 0)
        return -1;
    if (exec(d, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")", err, errlen,
             "creating the schema") != 0 ||
        (v = db_pgsql_version(d, err, errlen)) < 0)
        goto fail;
    if (from != NULL)
        *from = v;
    if (v > DB_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "the database's schema is version %d, newer than this emgdiag's %d: left as it is",
                 v, DB_SCHEMA_VERSION);
        goto fail;
    }
    if (exec(d, "CREATE TABLE IF NOT EXISTS emgdiag_schema (version INTEGER NOT NULL)", err,
             errlen, "creating the schema") != 0)
        goto fail;
    for (; v < DB_SCHEMA_VERSION; v++) {
        if (upgrades[v][0] != '\0' && exec(d, upgrades[v], err, errlen, "upgrading the schema") != 0)
            goto fail;
        snprintf(sql, sizeof(sql),
                 "DELETE FROM emgdiag_schema; INSERT INTO emgdiag_schema VALUES (%d)", v + 1);
        if (exec(d, sql, err, errlen, "recording the schema version") != 0)
            goto fail;
    }
    return exec(d, "COMMIT", err, errlen, "creating the schema");

fail:
    PQclear(PQexec(d->conn, "ROLLBACK"));
    return -1;
}

/* One INSERT of rows[i] for i in idx[0..n), all of one table. */
static long insert_some(void *be, int table, const char *node, const char *box,
                        const struct db_row *rows, const char *const *sessions, const size_t *idx,
                        size_t n, char *err, size_t errlen)
{
    struct db_pgsql *d = be;
    const char *const *cols = db_table_columns(table);
    size_t ncols = 0, per, i, c, p = 0;
    struct sbuf sql = SBUF_INIT, nums = SBUF_INIT;
    const char **values;
    int *lengths;
    size_t *numoff;
    long done = -1;

    while (cols[ncols] != NULL)
        ncols++;
    per = 6 + ncols;
    values = emg_calloc(n * per, sizeof(*values));
    lengths = emg_calloc(n * per, sizeof(*lengths));
    numoff = emg_calloc(n * per, sizeof(*numoff));
    if (values == NULL || lengths == NULL || numoff == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    sbuf_printf(&sql, "INSERT INTO %s (node, box, session, ts, connector, instance",
                db_table_name(table));
    for (c = 0; c < ncols; c++)
        sbuf_printf(&sql, ", \"%s\"", cols[c]);
    sbuf_puts(&sql, ") VALUES ");
    /* numbers as text first (their buffer may move while it grows) */
    for (i = 0; i < n; i++) {
        const struct db_row *r = &rows[idx[i]];

        numoff[i * per + 3] = nums.len;
        sbuf_printf(&nums, "%lld", (long long)r->ts_us);
        sbuf_putc(&nums, '\0');
        numoff[i * per + 5] = nums.len;
        sbuf_printf(&nums, "%d", r->instance);
        sbuf_putc(&nums, '\0');
        for (c = 0; c < ncols; c++) {
            if (!r->col[c].null && r->col[c].is_int) {
                numoff[i * per + 6 + c] = nums.len;
                sbuf_printf(&nums, "%lld", (long long)r->col[c].i);
                sbuf_putc(&nums, '\0');
            }
        }
    }
    for (i = 0; i < n; i++) {
        const struct db_row *r = &rows[idx[i]];
        const char **v = &values[i * per];
        int *l = &lengths[i * per];

        sbuf_puts(&sql, i == 0 ? "(" : ", (");
        for (c = 0; c < per; c++)
            sbuf_printf(&sql, c == 0 ? "$%zu" : ", $%zu", ++p);
        sbuf_putc(&sql, ')');
        v[0] = node;
        v[1] = box;
        v[2] = sessions[idx[i]];
        v[3] = nums.buf + numoff[i * per + 3];
        v[4] = r->connector;
        v[5] = r->instance >= 0 ? nums.buf + numoff[i * per + 5] : NULL;
        for (c = 0; c < ncols; c++) {
            const struct db_value *x = &r->col[c];

            if (x->null) {
                v[6 + c] = NULL;
            } else if (x->is_int) {
                v[6 + c] = nums.buf + numoff[i * per + 6 + c];
            } else {
                v[6 + c] = x->s;
                l[6 + c] = (int)x->n;
            }
        }
        for (c = 0; c < per; c++)
            if (v[c] != NULL && l[c] == 0)
                l[c] = (int)strlen(v[c]);
    }
    sbuf_puts(&sql, " ON CONFLICT DO NOTHING");
    if (sql.failed || nums.failed) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* PQexecParams reads a text parameter up to its NUL; the values point
     * into the rows' stores without one, so each goes through a
     * NUL-terminated copy. */
    {
        struct sbuf copy = SBUF_INIT;
        size_t *off = emg_calloc(n * per, sizeof(*off));

        if (off == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        for (i = 0; i < n * per; i++) {
            if (values[i] == NULL)
                continue;
            off[i] = copy.len;
            sbuf_putn(&copy, values[i], (size_t)lengths[i]);
            sbuf_putc(&copy, '\0');
        }
        if (copy.failed) {
            emg_free(off);
            sbuf_free(&copy);
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        for (i = 0; i < n * per; i++)
            if (values[i] != NULL)
                values[i] = copy.buf + off[i];
        done = exec_params(d, sbuf_cstr(&sql), (int)(n * per), values, err, errlen, "INSERT");
        emg_free(off);
        sbuf_free(&copy);
    }
out:
    emg_free(values);
    emg_free(lengths);
    emg_free(numoff);
    sbuf_free(&sql);
    sbuf_free(&nums);
    return done;
}

/* One COPY of rows[idx[0..n)], all of one table, in the open transaction:
 * the number of rows copied, or -1 with err set (the transaction is then
 * failed). */
static long copy_some(void *be, int table, const char *node, const char *box,
                      const struct db_row *rows, const char *const *sessions, const size_t *idx,
                      size_t n, char *err, size_t errlen)
{
    struct db_pgsql *d = be;
    struct sbuf sql = SBUF_INIT;
    PGresult *res;
    long done = 0;
    int nul = 0, failed;

    sbuf_reset(&d->copy);
    for (size_t i = 0; i < n; i++)
        nul |= db_pgcopy_row(&d->copy, node, box, sessions[idx[i]], &rows[idx[i]]) != 0;
    if (nul) {
        snprintf(err, errlen, "COPY: a value holds a NUL");
        return -1;
    }
    sbuf_printf(&sql, "COPY %s ", db_table_name(table));
    db_pgcopy_columns(&sql, table);
    sbuf_puts(&sql, " FROM STDIN");
    if (sql.failed || d->copy.failed) {
        sbuf_free(&sql);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    res = PQexec(d->conn, sbuf_cstr(&sql));
    sbuf_free(&sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        set_err(d, res, err, errlen, "COPY");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    failed = 0;
    for (size_t off = 0; off < d->copy.len && !failed; off += COPY_CHUNK) {
        size_t k = d->copy.len - off < COPY_CHUNK ? d->copy.len - off : COPY_CHUNK;

        failed = PQputCopyData(d->conn, d->copy.buf + off, (int)k) != 1;
    }
    failed = failed || PQputCopyEnd(d->conn, NULL) != 1;
    if (failed)
        set_err(d, NULL, err, errlen, "COPY");
    /* the outcome (also after a failed send): every result, to the last */
    while ((res = PQgetResult(d->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (st == PGRES_COMMAND_OK) {
            done = atol(PQcmdTuples(res));
        } else {
            if (!failed)
                set_err(d, res, err, errlen, "COPY");
            failed = 1;
        }
        PQclear(res);
        if (st == PGRES_COPY_IN && PQputCopyEnd(d->conn, "not sent") != 1)
            break; /* the connection is gone */
    }
    return failed ? -1 : done;
}

/* Rows of messagelog_ids per INSERT (two parameters each, and the node). */
#define IDS_PER_STATEMENT 1000

/* The ids of the batch's messagelog rows into messagelog_ids, in the open
 * transaction (db_msgids.h); a pair already there is left as it is.  0,
 * or -1 with err set. */
static int insert_ids(struct db_pgsql *d, const char *node, const struct db_row *rows, size_t n,
                      char *err, size_t errlen)
{
    struct db_id_rows ids;
    struct sbuf sql = SBUF_INIT;
    const char **values = NULL;
    size_t k, first, count;
    int rc = 0;

    memset(&ids, 0, sizeof(ids));
    if (db_id_rows_collect(&ids, rows, n) != 0 ||
        (ids.n > 0 && (values = emg_calloc(1 + 2 * IDS_PER_STATEMENT, sizeof(*values))) == NULL)) {
        snprintf(err, errlen, "out of memory");
        db_id_rows_free(&ids);
        return -1;
    }
    for (first = 0; first < ids.n && rc == 0; first += count) {
        count = ids.n - first < IDS_PER_STATEMENT ? ids.n - first : IDS_PER_STATEMENT;
        sbuf_reset(&sql);
        sbuf_puts(&sql, "INSERT INTO messagelog_ids (node, ts, id) VALUES ");
        values[0] = node;
        for (k = 0; k < count; k++) {
            sbuf_printf(&sql, "%s($1, $%zu, $%zu)", k ? ", " : "", 2 + 2 * k, 3 + 2 * k);
            values[1 + 2 * k] = db_id_rows_ts(&ids, first + k);
            values[2 + 2 * k] = db_id_rows_id(&ids, first + k);
        }
        sbuf_puts(&sql, " ON CONFLICT DO NOTHING");
        if (sql.failed) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        if (exec_params(d, sbuf_cstr(&sql), (int)(1 + 2 * count), values, err, errlen,
                        "INSERT INTO messagelog_ids") < 0)
            rc = -1;
    }
    emg_free(values);
    sbuf_free(&sql);
    db_id_rows_free(&ids);
    return rc;
}

long db_pgsql_insert(struct db_pgsql *d, const char *node, const char *box,
                     const struct db_row *rows, const char *const *sessions, size_t n, char *err,
                     size_t errlen)
{
    long inserted;

    /* First each table's rows in one COPY: the fast path.  COPY knows no
     * ON CONFLICT: when it fails (a row already there, two equal rows in
     * the batch, a NUL, a value the server refuses), the transaction is
     * rolled back and the batch is written again as INSERT … ON CONFLICT
     * DO NOTHING, which leaves rows already there as they are. */
    if (exec(d, "BEGIN", err, errlen, "BEGIN") != 0)
        return -1;
    inserted = db_insert_by_table(d, copy_some, n, node, box, rows, sessions, n, err, errlen);
    if (inserted >= 0 && insert_ids(d, node, rows, n, err, errlen) != 0)
        inserted = -1;
    if (inserted < 0) {
        PQclear(PQexec(d->conn, "ROLLBACK"));
        if (PQstatus(d->conn) != CONNECTION_OK)
            return -1; /* the server is gone: COPY's reason says it */
        if (exec(d, "BEGIN", err, errlen, "BEGIN") != 0)
            return -1;
        inserted = db_insert_by_table(d, insert_some, DB_ROWS_PER_STATEMENT, node, box, rows,
                                      sessions, n, err, errlen);
        if (inserted >= 0 && insert_ids(d, node, rows, n, err, errlen) != 0)
            inserted = -1;
    }
    if (inserted < 0) {
        PQclear(PQexec(d->conn, "ROLLBACK"));
        return -1;
    }
    if (exec(d, "COMMIT", err, errlen, "COMMIT") != 0)
        return -1;
    return inserted;
}

long db_pgsql_expire(struct db_pgsql *d, const char *node, int64_t before_us, int limit,
                     char *err, size_t errlen)
{
    char sql[256], ts[32], lim[16];
    const char *values[3] = { node, ts, lim };
    long deleted = 0;

    snprintf(ts, sizeof(ts), "%lld", (long long)before_us);
    snprintf(lim, sizeof(lim), "%d", limit);
    for (int t = 0; t < DB_TABLES; t++) {
        long n;

        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE node = $1 AND ts < $2 "
                 "LIMIT $3)",
                 db_table_name(t), db_table_name(t));
        if ((n = exec_params(d, sql, 3, values, err, errlen, "deleting old rows")) < 0)
            return -1;
        deleted += n;
    }
    /* The ids of the messagelog rows gone (not counted: not log rows). */
    snprintf(lim, sizeof(lim), "%d", limit * DB_MESSAGE_IDS_PER_ROW);
    if (exec_params(d,
                    "DELETE FROM messagelog_ids WHERE ctid IN (SELECT i.ctid FROM"
                    " messagelog_ids i WHERE i.node = $1 AND i.ts < $2 AND NOT EXISTS"
                    " (SELECT 1 FROM messagelog m WHERE m.ts = i.ts AND m.node = i.node)"
                    " LIMIT $3)",
                    3, values, err, errlen, "deleting old messagelog_ids rows") < 0)
        return -1;
    return deleted;
}

/* Runs sql with its nparams values and hands each row's line and ts (its
 * first two columns) to each(); 0, or -1 with err set. */
static int query_lines(struct db_pgsql *d, const char *sql, int nparams, const char *const *values,
                       void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                       char *err, size_t errlen, const char *table)
{
    PGresult *res = PQexecParams(d->conn, sql, nparams, NULL, values, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        set_err(d, res, err, errlen, table);
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++)
        each(ctx, PQgetvalue(res, i, 0), (size_t)PQgetlength(res, i, 0),
             strtoll(PQgetvalue(res, i, 1), NULL, 10));
    PQclear(res);
    return 0;
}

/* each() of db_pgsql_end_lines(): the caller's, counting the rows. */
struct count_ctx {
    void (*each)(void *ctx, const char *line, size_t n, int64_t ts);
    void *ctx;
    long rows;
};

static void count_line(void *ctx, const char *line, size_t n, int64_t ts)
{
    struct count_ctx *c = ctx;

    c->each(c->ctx, line, n, ts);
    c->rows++;
}

int db_pgsql_lines(struct db_pgsql *d, const char *table, const char *node, const char *connector,
                   int have_instance, unsigned long instance, int64_t from_us, int64_t to_us,
                   void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                   char *err, size_t errlen)
{
    char sql[256], inst[24], from[24], to[24];
    const char *values[5] = { connector, node, from, to, inst };

    snprintf(inst, sizeof(inst), "%lu", instance);
    snprintf(from, sizeof(from), "%lld", (long long)from_us);
    snprintf(to, sizeof(to), "%lld", (long long)to_us);
    snprintf(sql, sizeof(sql),
             "SELECT line, ts FROM %s WHERE connector = $1 AND node = $2 AND ts BETWEEN $3 AND $4%s "
             "ORDER BY id",
             table, have_instance ? " AND instance = $5" : "");
    return query_lines(d, sql, have_instance ? 5 : 4, values, each, ctx, err, errlen, table);
}

int db_pgsql_table_lines(struct db_pgsql *d, const char *table, const char *node,
                         void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                         void *ctx, char *err, size_t errlen)
{
    const char *values[1] = { node };
    char sql[160];

    snprintf(sql, sizeof(sql), "SELECT line, ts FROM %s%s ORDER BY ts, id", table,
             node != NULL ? " WHERE node = $1" : "");
    return query_lines(d, sql, node != NULL ? 1 : 0, values, each, ctx, err, errlen, table);
}

int db_pgsql_nodes(struct db_pgsql *d, const char *connector,
                   void (*each)(void *ctx, const char *node), void *ctx, char *err, size_t errlen)
{
    /* One seek in the (connector, node, ...) index per node, as SQLite
     * does (db_sqlite_read_nodes()), rather than DISTINCT over every row
     * of the connector: the first node, then the next after the last. */
    static const char first[] = "SELECT node FROM connectorlog WHERE connector = $1 "
                                "ORDER BY node LIMIT 1";
    static const char next[] = "SELECT node FROM connectorlog WHERE connector = $1 "
                               "AND node > $2 ORDER BY node LIMIT 1";
    char *last = NULL;

    for (;;) {
        const char *values[2] = { connector, last };
        PGresult *res = PQexecParams(d->conn, last == NULL ? first : next, last == NULL ? 1 : 2,
                                     NULL, values, NULL, NULL, 0);

        emg_free(last);
        last = NULL;
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            set_err(d, res, err, errlen, "nodes");
            PQclear(res);
            return -1;
        }
        if (PQntuples(res) == 0) {
            PQclear(res);
            return 0;
        }
        last = emg_strdup(PQgetvalue(res, 0, 0));
        PQclear(res);
        if (last == NULL) {
            snprintf(err, errlen, "nodes: out of memory");
            return -1;
        }
        each(ctx, last);
    }
}

long db_pgsql_end_lines(struct db_pgsql *d, const char *table, const char *node,
                        const char *connector, unsigned long instance, int last, long limit,
                        void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                        void *ctx, char *err, size_t errlen)
{
    char sql[320], inst[24], lim[24];
    const char *values[4] = { connector, node, inst, lim };
    struct count_ctx c = { each, ctx, 0 };

    /* The inner query walks the (connector, node, instance, ts) index from
     * one end and stops after `limit` entries (equal times put in the
     * order stored by an incremental sort of each run of them): a plan
     * that never sorts the instance's rows.  The few rows it keeps are
     * then handed in the order stored. */
    snprintf(inst, sizeof(inst), "%lu", instance);
    snprintf(lim, sizeof(lim), "%ld", limit);
    snprintf(sql, sizeof(sql),
             "SELECT line, ts FROM (SELECT id, line, ts FROM %s WHERE connector = $1 AND node = $2"
             " AND instance = $3 ORDER BY ts%s, id%s LIMIT $4) AS e ORDER BY id",
             table, last ? " DESC" : "", last ? " DESC" : "");
    if (query_lines(d, sql, 4, values, count_line, &c, err, errlen, table) != 0)
        return -1;
    return c.rows;
}

/* db_message_lines(): each row comes as "<id> <line>" and ts (query_lines()
 * gives two columns), for db_message_line(). */
static void each_message_line(void *ctx, const char *s, size_t n, int64_t ts)
{
    db_message_line(ctx, s, n, ts);
}

long db_pgsql_message_lines(struct db_pgsql *d, const char *node, const char *key, int ranged,
                            int64_t from_us, int64_t to_us,
                            void (*each)(void *ctx, int64_t id, const char *line, size_t n,
                                         int64_t ts),
                            void *ctx, char *err, size_t errlen)
{
    struct db_message_lines c = { each, ctx, 0 };
    char from[24], to[24], cut[4 * DB_MESSAGE_ID_CHARS + 1], sql[1024];
    const char *values[5] = { key, cut, from, to, node };
    size_t n = db_message_id_cut(key, strlen(key));

    memcpy(cut, key, n);
    cut[n] = '\0';
    snprintf(from, sizeof(from), "%lld", (long long)from_us);
    snprintf(to, sizeof(to), "%lld", (long long)to_us);
    if (!ranged)
        values[2] = node; /* $3 is then the node */
    /* Each equality has its index (a BitmapOr of the five); a list's id is
     * found in messagelog_ids and its row by (ts, node). */
    snprintf(sql, sizeof(sql),
             "SELECT id || ' ' || line, ts FROM messagelog WHERE id IN ("
             "SELECT id FROM messagelog WHERE (uuid = $1 OR message_id = $1 OR id_raw = $1"
             " OR dlr_key = $1 OR \"key\" = $1)%s%s"
             " UNION SELECT m.id FROM messagelog_ids i JOIN messagelog m"
             " ON m.ts = i.ts AND m.node = i.node WHERE i.id = $2%s%s)"
             " ORDER BY ts, id",
             ranged ? " AND ts BETWEEN $3 AND $4" : "",
             node == NULL ? "" : ranged ? " AND node = $5" : " AND node = $3",
             ranged ? " AND i.ts BETWEEN $3 AND $4" : "",
             node == NULL ? "" : ranged ? " AND i.node = $5" : " AND i.node = $3");
    if (query_lines(d, sql, 2 + (ranged ? 2 : 0) + (node != NULL), values, each_message_line, &c,
                    err, errlen, "messagelog") != 0)
        return -1;
    return c.rows;
}

#else /* !HAVE_PGSQL: db.c never calls these */

#include <stdio.h>

struct db_pgsql *db_pgsql_open(const char *conninfo, const char *password_file, char *err,
                               size_t errlen)
{
    (void)conninfo;
    (void)password_file;
    snprintf(err, errlen, "this build has no PostgreSQL back-end (configure --without-pgsql)");
    return NULL;
}

#endif
