/*
 * db_mysql.c: the MariaDB/MySQL back-end (see db_mysql.h; the DDL is the
 * one docs/database.md shows).
 */
#include "db_mysql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "db_msgids.h"
#include "hexdigit.h"

/* The URI's parts, percent escapes undone: one allocation (`store`). */
struct mysql_uri {
    const char *user;     /* NULL: the library's default */
    const char *host;     /* NULL: localhost */
    const char *database; /* required */
    const char *socket;   /* NULL: the library's default */
    unsigned port;        /* 0: the default (3306) */
    char *store;
};

/* Copies s[0..n) to *out with %XX undone and a NUL after it, moving *out
 * past it; -1 on a bad escape or an escaped NUL. */
static int unescape(const char *s, size_t n, char **out)
{
    char *o = *out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        if (n - i < 3 || hex_digit((unsigned char)s[i + 1]) < 0 ||
            hex_digit((unsigned char)s[i + 2]) < 0)
            return -1;
        *o = (char)(hex_digit((unsigned char)s[i + 1]) * 16 + hex_digit((unsigned char)s[i + 2]));
        if (*o++ == '\0')
            return -1;
        i += 2;
    }
    *o++ = '\0';
    *out = o;
    return 0;
}

/* mysql://[USER@][HOST][:PORT]/DATABASE[?socket=PATH]: 0, or -1 with err
 * set.  u->store is to be freed on success. */
static int parse_uri(const char *uri, struct mysql_uri *u, char *err, size_t errlen)
{
    const char *p, *auth, *auth_end, *at, *host, *host_end, *colon, *db, *db_end, *q;
    char *o;

    memset(u, 0, sizeof(*u));
    if (strncmp(uri, "mysql://", 8) != 0) {
        snprintf(err, errlen, "not a mysql:// URI");
        return -1;
    }
    auth = uri + 8;
    auth_end = auth + strcspn(auth, "/?");
    if (*auth_end != '/') {
        snprintf(err, errlen, "mysql://[USER@][HOST][:PORT]/DATABASE: the database is missing");
        return -1;
    }
    at = memchr(auth, '@', (size_t)(auth_end - auth));
    if (at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL) {
        snprintf(err, errlen, "a password does not belong in the URI (it would be in the "
                              "process list): use MYSQL_PWD");
        return -1;
    }
    host = at != NULL ? at + 1 : auth;
    colon = memchr(host, ':', (size_t)(auth_end - host));
    host_end = colon != NULL ? colon : auth_end;
    if (colon != NULL) {
        char *end;
        unsigned long port = strtoul(colon + 1, &end, 10);

        if (end != auth_end || colon + 1 == auth_end || port == 0 || port > 65535) {
            snprintf(err, errlen, "mysql:// URI: the port is not a number 1-65535");
            return -1;
        }
        u->port = (unsigned)port;
    }
    db = auth_end + 1;
    db_end = db + strcspn(db, "?");
    if (db_end == db) {
        snprintf(err, errlen, "mysql://[USER@][HOST][:PORT]/DATABASE: the database is missing");
        return -1;
    }
    q = *db_end == '?' ? db_end + 1 : NULL;
    if (q != NULL && (strncmp(q, "socket=", 7) != 0 || q[7] == '\0' || strchr(q, '&') != NULL)) {
        snprintf(err, errlen, "mysql:// URI: the only query is ?socket=PATH");
        return -1;
    }
    if ((u->store = emg_malloc(strlen(uri) + 4)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    o = u->store;
    p = o;
    if (at != NULL && at > auth) {
        if (unescape(auth, (size_t)(at - auth), &o) != 0)
            goto bad;
        u->user = p;
    }
    p = o;
    if (host_end > host) {
        if (unescape(host, (size_t)(host_end - host), &o) != 0)
            goto bad;
        u->host = p;
    }
    p = o;
    if (unescape(db, (size_t)(db_end - db), &o) != 0)
        goto bad;
    u->database = p;
    p = o;
    if (q != NULL) {
        if (unescape(q + 7, strlen(q + 7), &o) != 0)
            goto bad;
        u->socket = p;
    }
    return 0;

bad:
    emg_free(u->store);
    u->store = NULL;
    snprintf(err, errlen, "mysql:// URI: a bad %%-escape");
    return -1;
}

int db_mysql_uri_ok(const char *uri, char *err, size_t errlen)
{
    struct mysql_uri u;

    if (parse_uri(uri, &u, err, errlen) != 0)
        return 0;
    emg_free(u.store);
    return 1;
}

#ifdef HAVE_MYSQL

#include "db_my_syms.h" /* MariaDB Connector/C, loaded when first needed */

/* Seconds a box waits for another one's schema change. */
#define SCHEMA_LOCK_WAIT "30"
/* Longest line a reader fetches into its first buffer (longer: grown). */
#define LINE_BUF 4096

struct db_mysql {
    MYSQL *conn;
};

/* Schema version 1, one statement each (MariaDB commits each at once:
 * every one is idempotent). */
#define TEXT_OPTS " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
#define COMMON_COLS                                                                                \
    " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, node VARCHAR(255) NOT NULL,"                  \
    " box VARCHAR(32) NOT NULL, session VARCHAR(64), ts BIGINT NOT NULL,"                          \
    " connector VARCHAR(255) NOT NULL, instance INT,"
#define ROW_KEY                                                                                    \
    " row_key BINARY(16) AS (UNHEX(MD5(CONCAT_WS(CHAR(0), node, connector, line)))) STORED,"

static const char *const upgrade_to_1[] = {
    "CREATE TABLE IF NOT EXISTS connectorlog (" COMMON_COLS
    " event LONGTEXT, result LONGTEXT, info LONGTEXT, line LONGTEXT NOT NULL," ROW_KEY
    " UNIQUE KEY connectorlog_key (ts, row_key),"
    " KEY connectorlog_session (session),"
    " KEY connectorlog_connector_ts (connector, node, instance, ts))" TEXT_OPTS,
    "CREATE TABLE IF NOT EXISTS pdulog (" COMMON_COLS
    " dir LONGTEXT, op LONGTEXT, name LONGTEXT, status BIGINT, trn BIGINT, datalen BIGINT,"
    " fields JSON, error LONGTEXT, message_id LONGTEXT, receipted_message_id LONGTEXT,"
    " source_addr LONGTEXT, destination_addr LONGTEXT, line LONGTEXT NOT NULL," ROW_KEY
    " UNIQUE KEY pdulog_key (ts, row_key),"
    " KEY pdulog_session (session),"
    " KEY pdulog_connector_ts (connector, node, instance, ts),"
    " KEY pdulog_message_id (message_id(64)),"
    " KEY pdulog_receipted_message_id (receipted_message_id(64)),"
    " KEY pdulog_status_ts (status, ts))" TEXT_OPTS,
    "CREATE TABLE IF NOT EXISTS securitylog (" COMMON_COLS
    " level LONGTEXT, event LONGTEXT, fields JSON, line LONGTEXT NOT NULL," ROW_KEY
    " UNIQUE KEY securitylog_key (ts, row_key),"
    " KEY securitylog_connector_ts (connector, ts),"
    " KEY securitylog_ts (ts))" TEXT_OPTS,
    NULL
};

/* Step 1 -> 2: the message log's table (docs/message-log.md). */
static const char *const upgrade_to_2[] = {
    "CREATE TABLE IF NOT EXISTS messagelog (" COMMON_COLS
    " step LONGTEXT, uuid LONGTEXT, trn LONGTEXT, message_id LONGTEXT, part LONGTEXT,"
    " `to` LONGTEXT, `from` LONGTEXT, dlr_key LONGTEXT, ids LONGTEXT, status LONGTEXT,"
    " id_raw LONGTEXT, type LONGTEXT, url LONGTEXT, `key` LONGTEXT, line LONGTEXT NOT NULL,"
    ROW_KEY
    " UNIQUE KEY messagelog_key (ts, row_key),"
    " KEY messagelog_uuid (uuid(64)),"
    " KEY messagelog_message_id (message_id(64)),"
    " KEY messagelog_id_raw (id_raw(64)),"
    " KEY messagelog_dlr_key (dlr_key(64)),"
    " KEY messagelog_lookup_key (`key`(64)),"
    " KEY messagelog_ts (ts))" TEXT_OPTS,
    NULL
};

/* Step 2 -> 3 changed SQLite's unique key only (db_sqlite.c): the
 * MariaDB tables already key a hash (row_key). */
static const char *const upgrade_to_3[] = { NULL };

/* Step 3 -> 4: messagelog_ids (db_msgids.h), filled from the rows already
 * there: each list with ';' appended is cut at its first ';' until
 * nothing is left (a row of the anchor, lvl 0, is the whole list). */
static const char *const upgrade_to_4[] = {
    "CREATE TABLE IF NOT EXISTS messagelog_ids ("
    " node VARCHAR(255) NOT NULL, ts BIGINT NOT NULL, id VARCHAR(" DB_MESSAGE_ID_CHARS_SQL
    ") NOT NULL,"
    " UNIQUE KEY messagelog_ids_key (node, ts, id),"
    " KEY messagelog_ids_id (id))" TEXT_OPTS,
    "INSERT IGNORE INTO messagelog_ids (node, ts, id)"
    " SELECT node, ts, LEFT(id, " DB_MESSAGE_ID_CHARS_SQL ") FROM ("
    "  WITH RECURSIVE split (node, ts, rest, id, lvl) AS ("
    "   SELECT node, ts, CONCAT(ids, ';'), ids, 0 FROM messagelog WHERE ids IS NOT NULL"
    "   UNION ALL SELECT node, ts, CONCAT(url, ';'), url, 0 FROM messagelog WHERE url IS NOT NULL"
    "   UNION ALL SELECT node, ts, SUBSTRING(rest, LOCATE(';', rest) + 1),"
    "    SUBSTRING_INDEX(rest, ';', 1), 1 FROM split WHERE rest <> '')"
    "  SELECT node, ts, id, lvl FROM split) AS listed"
    " WHERE lvl = 1 AND id <> ''",
    NULL
};

static const char *const *const upgrades[DB_SCHEMA_VERSION] = { upgrade_to_1, upgrade_to_2,
                                                                upgrade_to_3, upgrade_to_4 };

static void set_err(const char *msg, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
}

/* Runs sql (no parameters, no rows); 0 when it worked. */
static int exec(struct db_mysql *d, const char *sql, char *err, size_t errlen, const char *what)
{
    if (mysql_real_query(d->conn, sql, strlen(sql)) != 0) {
        set_err(mysql_error(d->conn), err, errlen, what);
        return -1;
    }
    return 0;
}

/* The one integer sql returns (NULL: 0); 0, or -1 with err set. */
static int query_long(struct db_mysql *d, const char *sql, long *v, char *err, size_t errlen,
                      const char *what)
{
    MYSQL_RES *res;
    MYSQL_ROW row;

    if (exec(d, sql, err, errlen, what) != 0)
        return -1;
    if ((res = mysql_store_result(d->conn)) == NULL) {
        set_err(mysql_error(d->conn), err, errlen, what);
        return -1;
    }
    row = mysql_fetch_row(res);
    *v = row != NULL && row[0] != NULL ? strtol(row[0], NULL, 10) : 0;
    mysql_free_result(res);
    return 0;
}

struct db_mysql *db_mysql_open(const char *uri, const char *password_file, char *err,
                               size_t errlen)
{
    char pw[DB_PASSWORD_MAX];
    const char *password = NULL;
    unsigned int timeout = 5, io_timeout = 10;
    struct mysql_uri u;
    struct db_mysql *d;

    if (parse_uri(uri, &u, err, errlen) != 0)
        return NULL;
    if (password_file != NULL) {
        if (db_read_password(password_file, pw, sizeof(pw), err, errlen) != 0) {
            emg_free(u.store);
            return NULL;
        }
        password = pw;
    } else {
        password = getenv("MYSQL_PWD");
    }
    if ((d = emg_calloc(1, sizeof(*d))) == NULL || (d->conn = mysql_init(NULL)) == NULL) {
        emg_free(d);
        emg_free(u.store);
        memset(pw, 0, sizeof(pw));
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    mysql_options(d->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(d->conn, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(d->conn, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(d->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(d->conn, u.host, u.user, password, u.database, u.port, u.socket, 0) ==
        NULL) {
        set_err(mysql_error(d->conn), err, errlen, "connecting");
        memset(pw, 0, sizeof(pw));
        emg_free(u.store);
        db_mysql_close(d);
        return NULL;
    }
    memset(pw, 0, sizeof(pw));
    emg_free(u.store);
    /* a value that does not fit is an error, never silently cut */
    if (exec(d, "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'", err, errlen,
             "connecting") != 0) {
        db_mysql_close(d);
        return NULL;
    }
    return d;
}

void db_mysql_close(struct db_mysql *d)
{
    if (d == NULL)
        return;
    if (d->conn != NULL)
        mysql_close(d->conn);
    emg_free(d);
}

int db_mysql_version(struct db_mysql *d, char *err, size_t errlen)
{
    long n, v;

    if (query_long(d,
                   "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                   "AND table_name = 'emgdiag_schema'",
                   &n, err, errlen, "reading the schema version") != 0)
        return -1;
    if (n == 0)
        return 0;
    if (query_long(d, "SELECT COALESCE(MAX(version), 0) FROM emgdiag_schema", &v, err, errlen,
                   "reading the schema version") != 0)
        return -1;
    return (int)v;
}

int db_mysql_schema(struct db_mysql *d, int *from, char *err, size_t errlen)
{
    char sql[128];
    long locked;
    int v, rc = -1;

    if (query_long(d, "SELECT GET_LOCK('emgdiag_schema', " SCHEMA_LOCK_WAIT ")", &locked, err,
                   errlen, "creating the schema") != 0)
        return -1;
    if (locked != 1) {
        snprintf(err, errlen, "creating the schema: another process held its lock for "
                              SCHEMA_LOCK_WAIT " s");
        return -1;
    }
    if ((v = db_mysql_version(d, err, errlen)) < 0)
        goto out;
    if (from != NULL)
        *from = v;
    if (v > DB_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "the database's schema is version %d, newer than this emgdiag's %d: left as it is",
                 v, DB_SCHEMA_VERSION);
        goto out;
    }
    if (exec(d, "CREATE TABLE IF NOT EXISTS emgdiag_schema (version INTEGER NOT NULL) ENGINE=InnoDB",
             err, errlen, "creating the schema") != 0)
        goto out;
    for (; v < DB_SCHEMA_VERSION; v++) {
        for (const char *const *s = upgrades[v]; *s != NULL; s++)
            if (exec(d, *s, err, errlen, "upgrading the schema") != 0)
                goto out;
        snprintf(sql, sizeof(sql), "INSERT INTO emgdiag_schema VALUES (%d)", v + 1);
        if (exec(d, "START TRANSACTION", err, errlen, "recording the schema version") != 0 ||
            exec(d, "DELETE FROM emgdiag_schema", err, errlen, "recording the schema version") !=
                0 ||
            exec(d, sql, err, errlen, "recording the schema version") != 0 ||
            exec(d, "COMMIT", err, errlen, "recording the schema version") != 0) {
            mysql_rollback(d->conn);
            goto out;
        }
    }
    rc = 0;
out:
    mysql_query(d->conn, "DO RELEASE_LOCK('emgdiag_schema')");
    return rc;
}

/* Parameters of one statement: binds and the storage they point at. */
struct params {
    MYSQL_BIND *bind;
    unsigned long *len;
    my_bool *null;
    long long *num;
    size_t n, cap;
};

static void params_free(struct params *p)
{
    emg_free(p->bind);
    emg_free(p->len);
    emg_free(p->null);
    emg_free(p->num);
    memset(p, 0, sizeof(*p)); /* freeing twice is harmless */
}

/* Room for cap parameters: 0, or -1 with "out of memory" in err (nothing
 * left to free). */
static int params_init(struct params *p, size_t cap, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->bind = emg_calloc(cap ? cap : 1, sizeof(*p->bind));
    p->len = emg_calloc(cap ? cap : 1, sizeof(*p->len));
    p->null = emg_calloc(cap ? cap : 1, sizeof(*p->null));
    p->num = emg_calloc(cap ? cap : 1, sizeof(*p->num));
    p->cap = cap;
    if (p->bind != NULL && p->len != NULL && p->null != NULL && p->num != NULL)
        return 0;
    params_free(p);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* s[0..n) as text (s NULL: SQL NULL). */
static void param_text(struct params *p, const char *s, size_t n)
{
    MYSQL_BIND *b = &p->bind[p->n];

    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = (void *)(s != NULL ? s : "");
    p->len[p->n] = s != NULL ? (unsigned long)n : 0;
    b->buffer_length = p->len[p->n];
    b->length = &p->len[p->n];
    p->null[p->n] = s == NULL;
    b->is_null = &p->null[p->n];
    p->n++;
}

static void param_str(struct params *p, const char *s)
{
    param_text(p, s, s != NULL ? strlen(s) : 0);
}

static void param_num(struct params *p, long long v, int null)
{
    MYSQL_BIND *b = &p->bind[p->n];

    p->num[p->n] = v;
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = &p->num[p->n];
    p->null[p->n] = (my_bool)(null != 0);
    b->is_null = &p->null[p->n];
    p->n++;
}

/* A statement prepared from sql with p's parameters bound; NULL with err
 * set. */
static MYSQL_STMT *prepare(struct db_mysql *d, const char *sql, size_t sqllen, struct params *p,
                           char *err, size_t errlen, const char *what)
{
    MYSQL_STMT *st = mysql_stmt_init(d->conn);

    if (st == NULL) {
        snprintf(err, errlen, "%s: out of memory", what);
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, (unsigned long)sqllen) != 0 ||
        (p != NULL && p->n > 0 && mysql_stmt_bind_param(st, p->bind) != 0)) {
        set_err(mysql_stmt_error(st), err, errlen, what);
        mysql_stmt_close(st);
        return NULL;
    }
    return st;
}

/* One INSERT of rows[i] for i in idx[0..n), all of one table. */
static long insert_some(void *be, int table, const char *node, const char *box,
                        const struct db_row *rows, const char *const *sessions, const size_t *idx,
                        size_t n, char *err, size_t errlen)
{
    struct db_mysql *d = be;
    const char *const *cols = db_table_columns(table);
    size_t ncols = 0, per, i, c;
    struct params p;
    MYSQL_STMT *st;
    char *sql = NULL, *o;
    long done = -1;

    while (cols[ncols] != NULL)
        ncols++;
    per = 6 + ncols;
    /* the statement: a fixed head, then "(?, …)" per row */
    if (params_init(&p, n * per, err, errlen) != 0)
        goto out;
    if ((sql = emg_malloc(1024 + n * (per * 3 + 4))) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    o = sql + sprintf(sql, "INSERT INTO %s (node, box, session, ts, connector, instance",
                      db_table_name(table));
    for (c = 0; c < ncols; c++)
        o += sprintf(o, ", `%s`", cols[c]);
    o += sprintf(o, ") VALUES ");
    for (i = 0; i < n; i++) {
        const struct db_row *r = &rows[idx[i]];

        *o++ = i == 0 ? '(' : ',';
        if (i > 0)
            *o++ = '(';
        for (c = 0; c < per; c++) {
            *o++ = '?';
            *o++ = c + 1 < per ? ',' : ')';
        }
        param_str(&p, node);
        param_str(&p, box);
        param_str(&p, sessions[idx[i]]);
        param_num(&p, (long long)r->ts_us, 0);
        param_str(&p, r->connector);
        param_num(&p, r->instance, r->instance < 0);
        for (c = 0; c < ncols; c++) {
            const struct db_value *x = &r->col[c];

            if (x->null)
                param_text(&p, NULL, 0);
            else if (x->is_int)
                param_num(&p, (long long)x->i, 0);
            else
                param_text(&p, x->s, x->n);
        }
    }
    /* a row already there (the unique key) is left as it is */
    o += sprintf(o, " ON DUPLICATE KEY UPDATE id = id");
    if ((st = prepare(d, sql, (size_t)(o - sql), &p, err, errlen, "INSERT")) == NULL)
        goto out;
    if (mysql_stmt_execute(st) != 0)
        set_err(mysql_stmt_error(st), err, errlen, "INSERT");
    else
        done = (long)mysql_stmt_affected_rows(st);
    mysql_stmt_close(st);
out:
    params_free(&p);
    emg_free(sql);
    return done;
}

/* Rows of messagelog_ids per INSERT. */
#define IDS_PER_STATEMENT 1000

/* The ids of the batch's messagelog rows into messagelog_ids, in the open
 * transaction (db_msgids.h); a pair already there is left as it is.  0,
 * or -1 with err set. */
static int insert_ids(struct db_mysql *d, const char *node, const struct db_row *rows, size_t n,
                      char *err, size_t errlen)
{
    static const char head[] = "INSERT INTO messagelog_ids (node, ts, id) VALUES ";
    static const char tail[] = " ON DUPLICATE KEY UPDATE ts = ts";
    struct db_id_rows ids;
    struct params p;
    MYSQL_STMT *st;
    size_t first, count, k;
    char *sql = NULL, *o;
    int rc = 0;

    memset(&ids, 0, sizeof(ids));
    if (db_id_rows_collect(&ids, rows, n) != 0) {
        snprintf(err, errlen, "out of memory");
        db_id_rows_free(&ids);
        return -1;
    }
    if (ids.n == 0) {
        db_id_rows_free(&ids);
        return 0;
    }
    if ((sql = emg_malloc(sizeof(head) + sizeof(tail) + 10 * IDS_PER_STATEMENT)) == NULL) {
        snprintf(err, errlen, "out of memory");
        db_id_rows_free(&ids);
        return -1;
    }
    for (first = 0; first < ids.n && rc == 0; first += count) {
        count = ids.n - first < IDS_PER_STATEMENT ? ids.n - first : IDS_PER_STATEMENT;
        if (params_init(&p, 3 * count, err, errlen) != 0) {
            rc = -1;
            break;
        }
        o = sql + sprintf(sql, "%s", head);
        for (k = 0; k < count; k++) {
            o += sprintf(o, "%s(?,?,?)", k ? "," : "");
            param_str(&p, node);
            param_num(&p, atoll(db_id_rows_ts(&ids, first + k)), 0);
            param_str(&p, db_id_rows_id(&ids, first + k));
        }
        o += sprintf(o, "%s", tail);
        if ((st = prepare(d, sql, (size_t)(o - sql), &p, err, errlen, "INSERT INTO messagelog_ids")) ==
            NULL) {
            rc = -1;
        } else {
            if (mysql_stmt_execute(st) != 0) {
                set_err(mysql_stmt_error(st), err, errlen, "INSERT INTO messagelog_ids");
                rc = -1;
            }
            mysql_stmt_close(st);
        }
        params_free(&p);
    }
    emg_free(sql);
    db_id_rows_free(&ids);
    return rc;
}

long db_mysql_insert(struct db_mysql *d, const char *node, const char *box,
                     const struct db_row *rows, const char *const *sessions, size_t n, char *err,
                     size_t errlen)
{
    long inserted;

    if (exec(d, "START TRANSACTION", err, errlen, "START TRANSACTION") != 0)
        return -1;
    inserted = db_insert_by_table(d, insert_some, DB_ROWS_PER_STATEMENT, node, box, rows,
                                  sessions, n, err, errlen);
    if (inserted >= 0 && insert_ids(d, node, rows, n, err, errlen) != 0)
        inserted = -1;
    if (inserted < 0 || exec(d, "COMMIT", err, errlen, "COMMIT") != 0) {
        mysql_rollback(d->conn);
        return -1;
    }
    return inserted;
}

long db_mysql_expire(struct db_mysql *d, const char *node, int64_t before_us, int limit,
                     char *err, size_t errlen)
{
    long deleted = 0;

    for (int t = 0; t < DB_TABLES; t++) {
        char sql[160];
        struct params p;
        MYSQL_STMT *st;
        int len;

        if (params_init(&p, 3, err, errlen) != 0)
            return -1;
        param_str(&p, node);
        param_num(&p, (long long)before_us, 0);
        param_num(&p, limit, 0);
        len = snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE node = ? AND ts < ? LIMIT ?",
                       db_table_name(t));
        st = prepare(d, sql, (size_t)len, &p, err, errlen, "deleting old rows");
        if (st != NULL && mysql_stmt_execute(st) != 0) {
            set_err(mysql_stmt_error(st), err, errlen, "deleting old rows");
            mysql_stmt_close(st);
            st = NULL;
        }
        params_free(&p);
        if (st == NULL)
            return -1;
        deleted += (long)mysql_stmt_affected_rows(st);
        mysql_stmt_close(st);
    }
    /* The ids of the messagelog rows gone (not counted: not log rows). */
    {
        static const char sql[] =
            "DELETE FROM messagelog_ids WHERE node = ? AND ts < ? AND NOT EXISTS (SELECT 1 FROM"
            " messagelog m WHERE m.ts = messagelog_ids.ts AND m.node = messagelog_ids.node)"
            " LIMIT ?";
        struct params p;
        MYSQL_STMT *st;

        if (params_init(&p, 3, err, errlen) != 0)
            return -1;
        param_str(&p, node);
        param_num(&p, (long long)before_us, 0);
        param_num(&p, (long long)limit * DB_MESSAGE_IDS_PER_ROW, 0);
        st = prepare(d, sql, sizeof(sql) - 1, &p, err, errlen, "deleting old messagelog_ids rows");
        if (st != NULL && mysql_stmt_execute(st) != 0) {
            set_err(mysql_stmt_error(st), err, errlen, "deleting old messagelog_ids rows");
            mysql_stmt_close(st);
            st = NULL;
        }
        params_free(&p);
        if (st == NULL)
            return -1;
        mysql_stmt_close(st);
    }
    return deleted;
}

/* Runs st and hands each row's first column (text, any length) and second
 * (an integer, when want_num) to each(). */
static int fetch_rows(MYSQL_STMT *st, int want_num,
                      void (*each)(void *ctx, const char *s, size_t n, long long v), void *ctx,
                      char *err, size_t errlen, const char *what)
{
    MYSQL_BIND out[2];
    unsigned long len = 0;
    long long num = 0;
    size_t cap = LINE_BUF;
    char *buf = emg_malloc(cap);
    int rc;

    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(out, 0, sizeof(out));
    out[0].buffer_type = MYSQL_TYPE_STRING;
    out[0].buffer = buf;
    out[0].buffer_length = (unsigned long)cap;
    out[0].length = &len;
    out[1].buffer_type = MYSQL_TYPE_LONGLONG;
    out[1].buffer = &num;
    if (mysql_stmt_execute(st) != 0 || mysql_stmt_bind_result(st, out) != 0) {
        set_err(mysql_stmt_error(st), err, errlen, what);
        emg_free(buf);
        return -1;
    }
    (void)want_num;
    while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
        if (len >= cap) { /* longer than the buffer: fetched again whole */
            MYSQL_BIND again;
            char *grown = emg_realloc(buf, (size_t)len + 1);

            if (grown == NULL) {
                emg_free(buf);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            buf = grown;
            cap = (size_t)len + 1;
            memset(&again, 0, sizeof(again));
            again.buffer_type = MYSQL_TYPE_STRING;
            again.buffer = buf;
            again.buffer_length = (unsigned long)cap;
            again.length = &len;
            if (mysql_stmt_fetch_column(st, &again, 0, 0) != 0) {
                set_err(mysql_stmt_error(st), err, errlen, what);
                emg_free(buf);
                return -1;
            }
            out[0].buffer = buf;
            out[0].buffer_length = (unsigned long)cap;
            if (mysql_stmt_bind_result(st, out) != 0) {
                set_err(mysql_stmt_error(st), err, errlen, what);
                emg_free(buf);
                return -1;
            }
        }
        buf[len] = '\0';
        each(ctx, buf, (size_t)len, num);
    }
    emg_free(buf);
    if (rc != MYSQL_NO_DATA) {
        set_err(mysql_stmt_error(st), err, errlen, what);
        return -1;
    }
    return 0;
}

/* Prepares sql with p's parameters, runs it through fetch_rows() and frees
 * the statement and p; 0, or -1 with err set. */
static int query_rows(struct db_mysql *d, const char *sql, size_t sqllen, struct params *p,
                      int want_num, void (*each)(void *ctx, const char *s, size_t n, long long v),
                      void *ctx, char *err, size_t errlen, const char *what)
{
    MYSQL_STMT *st = prepare(d, sql, sqllen, p, err, errlen, what);
    int rc = st != NULL ? fetch_rows(st, want_num, each, ctx, err, errlen, what) : -1;

    if (st != NULL)
        mysql_stmt_close(st);
    params_free(p);
    return rc;
}

struct lines_ctx {
    void (*each)(void *ctx, const char *line, size_t n, int64_t ts);
    void *ctx;
};

static void each_line(void *ctx, const char *s, size_t n, long long v)
{
    struct lines_ctx *c = ctx;

    c->each(c->ctx, s, n, (int64_t)v);
}

int db_mysql_lines(struct db_mysql *d, const char *table, const char *node, const char *connector,
                   int have_instance, unsigned long instance, int64_t from_us, int64_t to_us,
                   void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                   char *err, size_t errlen)
{
    struct lines_ctx c = { each, ctx };
    struct params p;
    char sql[256];
    int len;

    if (params_init(&p, 5, err, errlen) != 0)
        return -1;
    param_str(&p, connector);
    param_str(&p, node);
    param_num(&p, (long long)from_us, 0);
    param_num(&p, (long long)to_us, 0);
    if (have_instance)
        param_num(&p, (long long)instance, 0);
    len = snprintf(sql, sizeof(sql),
                   "SELECT line, ts FROM %s WHERE connector = ? AND node = ? AND ts BETWEEN ? AND "
                   "?%s ORDER BY id",
                   table, have_instance ? " AND instance = ?" : "");
    return query_rows(d, sql, (size_t)len, &p, 1, each_line, &c, err, errlen, table);
}

struct end_ctx {
    void (*each)(void *ctx, const char *line, size_t n, int64_t ts);
    void *ctx;
    long rows;
};

static void each_end_line(void *ctx, const char *s, size_t n, long long v)
{
    struct end_ctx *c = ctx;

    c->each(c->ctx, s, n, (int64_t)v);
    c->rows++;
}

long db_mysql_end_lines(struct db_mysql *d, const char *table, const char *node,
                        const char *connector, unsigned long instance, int last, long limit,
                        void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                        void *ctx, char *err, size_t errlen)
{
    struct end_ctx c = { each, ctx, 0 };
    struct params p;
    char sql[320];
    int len;

    /* The inner query walks the (connector, node, instance, ts) index from
     * one end (InnoDB's entries end with the id, so equal times come in
     * the order stored) and stops after `limit` entries: no sort of the
     * instance's rows.  The few rows it keeps are then handed in the order
     * stored. */
    if (params_init(&p, 4, err, errlen) != 0)
        return -1;
    param_str(&p, connector);
    param_str(&p, node);
    param_num(&p, (long long)instance, 0);
    param_num(&p, (long long)limit, 0);
    len = snprintf(sql, sizeof(sql),
                   "SELECT line, ts FROM (SELECT id, line, ts FROM %s WHERE connector = ? AND"
                   " node = ? AND instance = ? ORDER BY ts%s, id%s LIMIT ?) AS e ORDER BY id",
                   table, last ? " DESC" : "", last ? " DESC" : "");
    if (query_rows(d, sql, (size_t)len, &p, 1, each_end_line, &c, err, errlen, table) != 0)
        return -1;
    return c.rows;
}

int db_mysql_table_lines(struct db_mysql *d, const char *table, const char *node,
                         void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                         void *ctx, char *err, size_t errlen)
{
    struct lines_ctx c = { each, ctx };
    struct params p;
    char sql[160];
    int len;

    if (params_init(&p, 1, err, errlen) != 0)
        return -1;
    if (node != NULL)
        param_str(&p, node);
    len = snprintf(sql, sizeof(sql), "SELECT line, ts FROM %s%s ORDER BY ts, id", table,
                   node != NULL ? " WHERE node = ?" : "");
    return query_rows(d, sql, (size_t)len, &p, 1, each_line, &c, err, errlen, table);
}

/* db_mysql_nodes(): the one node a seek finds (its one row), kept for the
 * next seek. */
struct next_node {
    char *node;
    int oom;
};

static void take_node(void *ctx, const char *s, size_t n, long long none)
{
    struct next_node *c = ctx;

    if (none) /* MIN() over no rows */
        return;
    if ((c->node = emg_malloc(n + 1)) == NULL) {
        c->oom = 1;
        return;
    }
    memcpy(c->node, s, n);
    c->node[n] = '\0';
}

int db_mysql_nodes(struct db_mysql *d, const char *connector,
                   void (*each)(void *ctx, const char *node), void *ctx, char *err, size_t errlen)
{
    /* One seek in the (connector, node, ...) index per node, as SQLite
     * does (db_sqlite_read_nodes()), rather than DISTINCT over every row
     * of the connector: the first node, then the next after the last.
     * MIN(), which MariaDB answers with one lookup in the index; ORDER BY
     * node LIMIT 1 could be planned as a walk over the connector's rows
     * up to the next node (t_db_follow_ends reads the plans).  The
     * second column is 1 when there is none. */
    static const char first[] = "SELECT MIN(node), MIN(node) IS NULL FROM connectorlog "
                                "WHERE connector = ?";
    static const char next[] = "SELECT MIN(node), MIN(node) IS NULL FROM connectorlog "
                               "WHERE connector = ? AND node > ?";
    char *last = NULL;

    for (;;) {
        struct next_node c = { NULL, 0 };
        struct params p;
        const char *sql = last == NULL ? first : next;
        size_t len = last == NULL ? sizeof(first) - 1 : sizeof(next) - 1;
        int rc;

        if (params_init(&p, 2, err, errlen) != 0) {
            emg_free(last);
            return -1;
        }
        param_str(&p, connector);
        if (last != NULL)
            param_str(&p, last);
        rc = query_rows(d, sql, len, &p, 1, take_node, &c, err, errlen, "nodes");
        emg_free(last);
        last = c.node;
        if (rc == 0 && c.oom)
            snprintf(err, errlen, "nodes: out of memory");
        if (rc != 0 || c.oom) {
            emg_free(last);
            return -1;
        }
        if (last == NULL)
            return 0;
        each(ctx, last);
    }
}

/* db_message_lines(): each row comes as "<id> <line>" and ts
 * (query_rows() gives a text and a number), for db_message_line(). */
static void each_message_line(void *ctx, const char *s, size_t n, long long v)
{
    db_message_line(ctx, s, n, (int64_t)v);
}

long db_mysql_message_lines(struct db_mysql *d, const char *node, const char *key, int ranged,
                            int64_t from_us, int64_t to_us,
                            void (*each)(void *ctx, int64_t id, const char *line, size_t n,
                                         int64_t ts),
                            void *ctx, char *err, size_t errlen)
{
    struct db_message_lines c = { each, ctx, 0 };
    struct params p;
    char sql[1024];
    const char *range = ranged ? " AND ts BETWEEN ? AND ?" : "";
    const char *of_node = node != NULL ? " AND node = ?" : "";
    int len;

    if (params_init(&p, 24, err, errlen) != 0)
        return -1;
    /* the parameters in the order of the ? below: five equalities and
     * messagelog_ids, each with its range and node */
    for (int k = 0; k < 6; k++) {
        if (k < 5)
            param_str(&p, key);
        else
            param_text(&p, key, db_message_id_cut(key, strlen(key)));
        if (ranged) {
            param_num(&p, (long long)from_us, 0);
            param_num(&p, (long long)to_us, 0);
        }
        if (node != NULL)
            param_str(&p, node);
    }
    /* Each equality has its (prefix) index; a list's id is found in
     * messagelog_ids and its row by (ts, node).  The union is a derived
     * table joined by the primary key: as `id IN (… UNION …)` MariaDB
     * would test it against every row. */
    len = snprintf(sql, sizeof(sql),
                   "SELECT CONCAT(m.id, ' ', m.line), m.ts FROM ("
                   "SELECT id FROM messagelog WHERE uuid = ?%s%s"
                   " UNION SELECT id FROM messagelog WHERE message_id = ?%s%s"
                   " UNION SELECT id FROM messagelog WHERE id_raw = ?%s%s"
                   " UNION SELECT id FROM messagelog WHERE dlr_key = ?%s%s"
                   " UNION SELECT id FROM messagelog WHERE `key` = ?%s%s"
                   " UNION SELECT l.id FROM messagelog_ids i JOIN messagelog l"
                   " ON l.ts = i.ts AND l.node = i.node WHERE i.id = ?%s%s) AS found"
                   " JOIN messagelog m ON m.id = found.id ORDER BY m.ts, m.id",
                   range, of_node, range, of_node, range, of_node, range, of_node, range, of_node,
                   ranged ? " AND i.ts BETWEEN ? AND ?" : "", node != NULL ? " AND i.node = ?" : "");
    if (query_rows(d, sql, (size_t)len, &p, 1, each_message_line, &c, err, errlen, "messagelog") != 0)
        return -1;
    return c.rows;
}

#else /* !HAVE_MYSQL: db.c never calls these but open */

struct db_mysql *db_mysql_open(const char *uri, const char *password_file, char *err,
                               size_t errlen)
{
    (void)uri;
    (void)password_file;
    snprintf(err, errlen, "this build has no MariaDB/MySQL back-end (configure --without-mysql)");
    return NULL;
}

#endif
