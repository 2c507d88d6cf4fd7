/*
 * check_db: the database sink's parts without a box (docs/database.md):
 * a JSON twin cut into a row's columns (module/db_row.c) and the SQLite
 * back-end (module/db_sqlite.c): schema creation, the upgrade from version
 * 0, a newer version left alone, batches, the unique key, retention; and
 * the tools' URIs (module/db.c, module/db_mysql.c's mysql:// reader); the
 * text form of PostgreSQL's COPY (module/db_pgcopy.c), its expected lines
 * written from PostgreSQL's documentation of COPY's text format; the batch
 * cut into statements by table (db_insert_by_table).
 * Expected columns come from the twin lines as docs/pdu-log.md and
 * docs/connector-log.md write them, typed in here.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "db_linekey.h"
#include "db_msgids.h"
#include "db_mysql.h"
#include "db_pgcopy.h"
#include "db_row.h"
#include "db_sqlite.h"
#include "db_sqlite_read.h"

static char dir[64];
static char path[128];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "%s/check_db.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
}

static void remove_dir(void)
{
    char p[160];
    static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };

    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* The column `name` of r. */
static const struct db_value *col(const struct db_row *r, const char *name)
{
    const char *const *cols = db_table_columns(r->table);

    for (size_t i = 0; cols[i] != NULL; i++)
        if (strcmp(cols[i], name) == 0)
            return &r->col[i];
    ck_abort_msg("no column %s", name);
    return NULL;
}

static void expect_text(const struct db_row *r, const char *name, const char *want)
{
    const struct db_value *v = col(r, name);

    if (want == NULL) {
        ck_assert_msg(v->null, "%s should be NULL", name);
        return;
    }
    ck_assert_msg(!v->null && !v->is_int, "%s should be text", name);
    ck_assert_uint_eq(v->n, strlen(want));
    ck_assert_msg(memcmp(v->s, want, v->n) == 0, "%s is %.*s, not %s", name, (int)v->n, v->s,
                  want);
}

static int parse(int table, const char *json, const char *text, struct db_row *r)
{
    char why[160];

    return db_row_parse(table, json, strlen(json), text, strlen(text), r, why, sizeof(why));
}

/* docs/pdu-log.md's twin example, at +02:00. */
#define BIND_TWIN                                                                             \
    "{\"ts\":\"2015-04-29T03:03:59.473594+02:00\",\"connector\":\"smpp-out\",\"instance\":0,"  \
    "\"dir\":\"write\",\"op\":\"0x00000009\",\"name\":\"BIND_TRANSCEIVER\",\"status\":0,"     \
    "\"trn\":11638,\"datalen\":17,\"fields\":{\"INTERFACEVERSION\":52,\"PASSWORD\":\"***\"," \
    "\"SYSTEMID\":\"user\"}}"
#define BIND_TEXT                                                                              \
    "2015-04-29 03:03:59.473594 INFO  (smpp-out,0) Write op:0x00000009 (BIND_TRANSCEIVER) "    \
    "status:0 trn:11638 datalen:17 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user"

START_TEST(test_pdu_row)
{
    struct db_row r;
    char twin[] = BIND_TWIN, text[] = BIND_TEXT;

    /* the row outlives its inputs: they are wiped before it is looked at */
    ck_assert_int_eq(parse(DB_PDULOG, twin, text, &r), 0);
    memset(twin, 'x', sizeof(twin) - 1);
    memset(text, 'x', sizeof(text) - 1);
    /* 2015-04-29 01:03:59 UTC */
    ck_assert_int_eq(r.ts_us, 1430269439473594LL);
    ck_assert_str_eq(r.connector, "smpp-out");
    ck_assert_int_eq(r.instance, 0);
    expect_text(&r, "dir", "write");
    expect_text(&r, "op", "0x00000009");
    expect_text(&r, "name", "BIND_TRANSCEIVER");
    ck_assert(col(&r, "trn")->is_int && col(&r, "trn")->i == 11638);
    ck_assert(col(&r, "datalen")->is_int && col(&r, "datalen")->i == 17);
    ck_assert(col(&r, "status")->is_int && col(&r, "status")->i == 0);
    expect_text(&r, "fields",
                "{\"INTERFACEVERSION\":52,\"PASSWORD\":\"***\",\"SYSTEMID\":\"user\"}");
    expect_text(&r, "error", NULL);
    expect_text(&r, "message_id", NULL);
    expect_text(&r, "line", BIND_TEXT);
    db_row_free(&r);
}
END_TEST

/* Column values cut from fields, a repeated key's first value, escapes
 * undone once (the text form's own escaping stays). */
START_TEST(test_pdu_fields_columns)
{
    struct db_row r;
    const char *twin =
        "{\"ts\":\"2024-01-01T00:00:00.000001+00:00\",\"connector\":\"c\",\"instance\":3,"
        "\"dir\":\"read\",\"op\":\"0x00000005\",\"name\":\"DELIVER_SM\",\"status\":0,\"trn\":7,"
        "\"datalen\":60,\"fields\":{\"SOURCEADDR\":\"46700\\\\x22a\",\"DESTINATIONADDR\":[\"1\","
        "\"2\"],\"RECEIPTEDMESSAGEID\":\"m-1\",\"SHORTMESSAGE\":\"id:m-1 \\u00e9\"},"
        "\"error\":\"x\"}";

    ck_assert_int_eq(parse(DB_PDULOG, twin, "T", &r), 0);
    ck_assert_int_eq(r.ts_us, 1704067200000001LL);
    ck_assert_int_eq(r.instance, 3);
    expect_text(&r, "source_addr", "46700\\x22a");
    expect_text(&r, "destination_addr", "1");
    expect_text(&r, "receipted_message_id", "m-1");
    expect_text(&r, "message_id", NULL);
    expect_text(&r, "error", "x");
    db_row_free(&r);
}
END_TEST

START_TEST(test_connector_and_security_rows)
{
    struct db_row r;

    ck_assert_int_eq(parse(DB_CONNECTORLOG,
                           "{\"ts\":\"2024-01-01T01:00:00.000000+01:00\",\"connector\":\"in\","
                           "\"instance\":1,\"event\":\"LOGIN\",\"result\":\"ERR\",\"info\":\"14\"}",
                           "L", &r),
                     0);
    ck_assert_int_eq(r.ts_us, 1704067200000000LL);
    expect_text(&r, "event", "LOGIN");
    expect_text(&r, "result", "ERR");
    expect_text(&r, "info", "14");
    expect_text(&r, "line", "L");
    db_row_free(&r);

    ck_assert_int_eq(parse(DB_SECURITYLOG,
                           "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"in\","
                           "\"level\":\"WARN\",\"event\":\"DENY CONNECT\",\"address\":\"192.0.2.1\","
                           "\"rule\":\"x.xml:9\"}",
                           "S", &r),
                     0);
    ck_assert_int_eq(r.instance, -1);
    expect_text(&r, "level", "WARN");
    expect_text(&r, "event", "DENY CONNECT");
    expect_text(&r, "fields", "{\"address\":\"192.0.2.1\",\"rule\":\"x.xml:9\"}");
    db_row_free(&r);
}
END_TEST

/* docs/message-log.md's SUBMIT_RESP example as its twin: every value
 * text, `id-raw` as id_raw, `id` as message_id; a key a newer module
 * might write is skipped (it stays in `line`). */
START_TEST(test_message_row)
{
    struct db_row r;

    ck_assert_int_eq(parse(DB_MESSAGELOG,
                           "{\"ts\":\"2026-11-26T04:10:00.103221+00:00\",\"connector\":\"up\","
                           "\"instance\":0,\"step\":\"SUBMIT_RESP\",\"uuid\":\"5a0c\",\"trn\":\"7\","
                           "\"part\":\"1/1\",\"status\":\"0\",\"id-raw\":\"4B3C1001\","
                           "\"id\":\"1262227457\",\"later-key\":\"x\"}",
                           "M", &r),
                     0);
    ck_assert_str_eq(db_table_name(DB_MESSAGELOG), "messagelog");
    ck_assert_int_eq(r.ts_us, 1795666200103221LL);
    ck_assert_int_eq(r.instance, 0);
    expect_text(&r, "step", "SUBMIT_RESP");
    expect_text(&r, "uuid", "5a0c");
    expect_text(&r, "trn", "7");
    expect_text(&r, "part", "1/1");
    expect_text(&r, "status", "0");
    expect_text(&r, "id_raw", "4B3C1001");
    expect_text(&r, "message_id", "1262227457");
    expect_text(&r, "to", NULL);
    expect_text(&r, "dlr_key", NULL);
    expect_text(&r, "line", "M");
    db_row_free(&r);
    ck_assert_int_eq(parse(DB_MESSAGELOG,
                           "{\"ts\":\"2026-11-26T04:10:00.103221+00:00\",\"connector\":\"up\","
                           "\"instance\":0,\"step\":\"FORWARD\",\"dlr-key\":\"k\",\"to\":\"4670\"}",
                           "F", &r),
                     0);
    expect_text(&r, "dlr_key", "k");
    expect_text(&r, "to", "4670");
    db_row_free(&r);
    /* a number where the twin writes text */
    ck_assert_int_eq(parse(DB_MESSAGELOG,
                           "{\"ts\":\"2026-11-26T04:10:00.103221+00:00\",\"connector\":\"up\","
                           "\"step\":\"SUBMIT\",\"trn\":7}",
                           "X", &r),
                     -1);
}
END_TEST

/* Not a twin: refused whole. */
/* "ts" as microseconds since 1970 UTC, or -1 when refused (a connector
 * twin around it). */
static long long ts_of(const char *ts)
{
    char twin[256];
    struct db_row r;
    long long us;

    snprintf(twin, sizeof(twin), "{\"ts\":\"%s\",\"connector\":\"c\",\"event\":\"CONNECT\"}", ts);
    if (parse(DB_CONNECTORLOG, twin, "T", &r) != 0)
        return -1;
    us = r.ts_us;
    db_row_free(&r);
    return us;
}

START_TEST(test_ts_forms)
{
    ck_assert_int_eq(ts_of("1970-01-01T00:00:00.000000+00:00"), 0);
    ck_assert_int_eq(ts_of("1970-01-01T00:00:00.000007+00:00"), 7);
    ck_assert_int_eq(ts_of("1969-12-31T23:59:59.999998-00:00"), -2);
    /* 2000 is a leap year: 10,957 days to 2000-01-01, then 31 + 29 */
    ck_assert_int_eq(ts_of("2000-03-01T00:00:00.000000+01:00"), (11017LL * 86400 - 3600) * 1000000);
    ck_assert_int_eq(ts_of("2024-01-01T00:00:00.000000-05:30"), (1704067200LL + 19800) * 1000000);
    /* a leap second and a day past the month's end count on (timegm) */
    ck_assert_int_eq(ts_of("1970-01-01T00:00:60.000000+00:00"), 60000000LL);
    ck_assert_int_eq(ts_of("1970-02-31T00:00:00.000000+00:00"), (31LL + 30) * 86400 * 1000000);
    /* refused: a sign or a space where a digit belongs, out of range, the
     * wrong length */
    ck_assert_int_eq(ts_of("2024-01-01T00:+0:00.000000+00:00"), -1);
    ck_assert_int_eq(ts_of(" 024-01-01T00:00:00.000000+00:00"), -1);
    ck_assert_int_eq(ts_of("2024-01-01T00:00:00.-00001+00:00"), -1);
    ck_assert_int_eq(ts_of("2024-13-01T00:00:00.000000+00:00"), -1);
    ck_assert_int_eq(ts_of("2024-01-01T24:00:00.000000+00:00"), -1);
    ck_assert_int_eq(ts_of("2024-01-01T00:00:00.000000+24:00"), -1);
    ck_assert_int_eq(ts_of("2024-01-01T00:00:00.000000Z"), -1);
    ck_assert_int_eq(ts_of("2024-01-01T00:00:00.0000000+00:00"), -1);
}
END_TEST

START_TEST(test_refused)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\"}", /* no connector */
        "{\"ts\":\"2024-01-01 00:00:00.000000\",\"connector\":\"c\",\"event\":\"CONNECT\"}",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\",\"event\":\"A\"} x",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\",\"event\":\"A\\u0000\"}",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\",\"line\":\"forged\"}",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\",\"event\":\"A",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\",\"event\":{}}",
        "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\",\"event\":1e5}",
    };
    struct db_row r;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse(DB_CONNECTORLOG, bad[i], "x", &r) == -1, "taken: %s", bad[i]);
    /* a pdu twin without fields, and fields nested deeper than the twin's */
    ck_assert_int_eq(parse(DB_PDULOG,
                           "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\","
                           "\"dir\":\"read\"}",
                           "x", &r),
                     -1);
    ck_assert_int_eq(parse(DB_PDULOG,
                           "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"c\","
                           "\"fields\":{\"A\":[[[1]]]}}",
                           "x", &r),
                     -1);
}
END_TEST

/* ---- the SQLite back-end ---- */

static long long count(struct db_sqlite *d, const char *sql)
{
    sqlite3_stmt *st;
    long long n;

    ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite_handle(d), sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The line key (docs/database.md): every octet counts, NUL and the last
 * one of a partial word included, and the parts' boundaries count. */
START_TEST(test_line_key)
{
    static const char line[] = "2024-01-01 00:00:00.000000 (in,0) CONNECT OK\0tail";
    int64_t k = db_line_key("gw", 2, "in", 2, line, sizeof(line) - 1);
    char copy[sizeof(line)];

    ck_assert(k == db_line_key("gw", 2, "in", 2, line, sizeof(line) - 1));
    ck_assert(k != db_line_key("gw", 2, "in", 2, line, strlen(line)));
    ck_assert(db_line_key("ab", 2, "c", 1, "", 0) != db_line_key("a", 1, "bc", 2, "", 0));
    ck_assert(db_line_key("gw", 2, "in", 2, "", 0) != db_line_key("gw", 2, "", 0, "in", 2));
    ck_assert(db_line_key("", 0, "", 0, "", 0) != db_line_key("", 0, "", 0, "\0", 1));
    for (size_t i = 0; i < sizeof(line) - 1; i++) {
        memcpy(copy, line, sizeof(line));
        copy[i] ^= 0x20;
        ck_assert_msg(db_line_key("gw", 2, "in", 2, copy, sizeof(line) - 1) != k,
                      "octet %zu changed, the key did not", i);
    }
}
END_TEST

/* db_row_parse_into() gives the row db_row_parse() gives, within the
 * store DB_ROW_STORE sizes (ASan builds check the bound). */
START_TEST(test_parse_into)
{
    struct db_row a, b;
    char why[128];
    size_t jn = strlen(BIND_TWIN), tn = strlen(BIND_TEXT);
    char *store = malloc(DB_ROW_STORE(jn, tn));

    ck_assert_ptr_nonnull(store);
    ck_assert_int_eq(parse(DB_PDULOG, BIND_TWIN, BIND_TEXT, &a), 0);
    ck_assert_int_eq(db_row_parse_into(DB_PDULOG, BIND_TWIN, jn, BIND_TEXT, tn, &b, store, why,
                                       sizeof(why)),
                     0);
    ck_assert_ptr_null(b.store);
    ck_assert_int_eq(a.ncol, b.ncol);
    ck_assert(a.ts_us == b.ts_us);
    ck_assert_str_eq(a.connector, b.connector);
    for (size_t c = 0; c < a.ncol; c++) {
        ck_assert_int_eq(a.col[c].null, b.col[c].null);
        ck_assert_int_eq(a.col[c].is_int, b.col[c].is_int);
        ck_assert(a.col[c].i == b.col[c].i);
        ck_assert_uint_eq(a.col[c].n, b.col[c].n);
        if (!a.col[c].null && !a.col[c].is_int)
            ck_assert(memcmp(a.col[c].s, b.col[c].s, a.col[c].n) == 0);
    }
    ck_assert_int_eq(db_row_parse_into(DB_PDULOG, "{", 1, "x", 1, &b, store, why, sizeof(why)),
                     -1);
    db_row_free(&a);
    db_row_free(&b); /* frees nothing: the store is the caller's */
    free(store);
}
END_TEST

START_TEST(test_schema_and_rows)
{
    char err[256];
    struct db_sqlite *d = db_sqlite_open(path, 1, err, sizeof(err));
    struct db_row rows[2];
    const char *sessions[2] = { "1.2.3", NULL };
    int from = -1;

    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_int_eq(db_sqlite_version(d, err, sizeof(err)), 0);
    ck_assert_int_eq(db_sqlite_schema(d, &from, err, sizeof(err)), 0);
    ck_assert_int_eq(from, 0);
    ck_assert_int_eq(db_sqlite_version(d, err, sizeof(err)), DB_SCHEMA_VERSION);
    /* idempotent */
    ck_assert_int_eq(db_sqlite_schema(d, &from, err, sizeof(err)), 0);
    ck_assert_int_eq(from, DB_SCHEMA_VERSION);

    ck_assert_int_eq(parse(DB_PDULOG, BIND_TWIN, BIND_TEXT, &rows[0]), 0);
    ck_assert_int_eq(parse(DB_CONNECTORLOG,
                           "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"in\","
                           "\"instance\":1,\"event\":\"CONNECT\",\"result\":\"OK\"}",
                           "2024-01-01 00:00:00.000000 (1) CONNECT OK", &rows[1]),
                     0);
    ck_assert_int_eq(db_sqlite_insert(d, "gw1", "bearerbox", rows, sessions, 2, err, sizeof(err)),
                     2);
    /* the same lines again: the unique key keeps one of each */
    ck_assert_int_eq(db_sqlite_insert(d, "gw1", "bearerbox", rows, sessions, 2, err, sizeof(err)),
                     0);
    /* each row keyed by its line key (db_linekey.h) */
    {
        char q[256];

        snprintf(q, sizeof(q), "SELECT count(*) FROM pdulog WHERE lkey = %lld",
                 (long long)db_line_key("gw1", 3, "smpp-out", 8, BIND_TEXT, strlen(BIND_TEXT)));
        ck_assert_int_eq(count(d, q), 1);
    }
    ck_assert_int_eq(count(d, "SELECT count(*) FROM pdulog WHERE session = '1.2.3' AND trn = 11638 "
                              "AND node = 'gw1' AND box = 'bearerbox' AND ts = 1430269439473594"),
                     1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM connectorlog WHERE session IS NULL AND "
                              "info IS NULL AND instance = 1"),
                     1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM pdulog WHERE json_extract(fields, "
                              "'$.SYSTEMID') = 'user'"),
                     1);
    /* the same line at another ts is another row */
    rows[0].ts_us++;
    ck_assert_int_eq(db_sqlite_insert(d, "gw1", "bearerbox", rows, sessions, 1, err, sizeof(err)),
                     1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM pdulog"), 2);
    rows[0].ts_us--;
    /* retention: rows of gw1 before 2020 (the bind of 2015) */
    ck_assert_int_eq(db_sqlite_expire(d, "gw2", 1577836800000000LL, 10, err, sizeof(err)), 0);
    ck_assert_int_eq(db_sqlite_expire(d, "gw1", 1577836800000000LL, 10, err, sizeof(err)), 2);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM pdulog"), 0);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM connectorlog"), 1);
    db_row_free(&rows[0]);
    db_row_free(&rows[1]);
    db_sqlite_close(d);
}
END_TEST

/* SQLite keeps no count of its allocations (db_sqlite_setup(), called by
 * the first open): with the count on, every allocation and free of a row
 * takes a process-wide mutex, and sqlite3_memory_used() is what it counts. */
START_TEST(test_no_allocation_count)
{
    char err[256];
    struct db_sqlite *d = db_sqlite_open(path, 1, err, sizeof(err));
    struct db_row row;
    const char *session = "1.2.3";

    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_int_eq(db_sqlite_schema(d, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(parse(DB_PDULOG, BIND_TWIN, BIND_TEXT, &row), 0);
    ck_assert_int_eq(db_sqlite_insert(d, "gw1", "bearerbox", &row, &session, 1, err, sizeof(err)),
                     1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM pdulog"), 1);
    ck_assert_int_eq(sqlite3_memory_used(), 0);
    db_row_free(&row);
    db_sqlite_close(d);
}
END_TEST

START_TEST(test_upgrade_and_newer)
{
    char err[256];
    struct db_sqlite *d = db_sqlite_open(path, 1, err, sizeof(err));
    int from = -1;

    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(sqlite3_exec(db_sqlite_handle(d),
                                  "CREATE TABLE emgdiag_schema (version INTEGER NOT NULL);"
                                  "INSERT INTO emgdiag_schema VALUES (0);"
                                  "CREATE TABLE mine (x TEXT); INSERT INTO mine VALUES ('kept');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(db_sqlite_version(d, err, sizeof(err)), 0);
    ck_assert_int_eq(db_sqlite_schema(d, &from, err, sizeof(err)), 0);
    ck_assert_int_eq(from, 0);
    ck_assert_int_eq(db_sqlite_version(d, err, sizeof(err)), DB_SCHEMA_VERSION);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM mine WHERE x = 'kept'"), 1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM sqlite_master WHERE name = 'messagelog'"), 1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM sqlite_master WHERE name = 'messagelog_ids'"), 1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM sqlite_master WHERE name IN "
                              "('connectorlog', 'pdulog', 'securitylog')"),
                     3);
    /* a newer schema than this code knows: refused, untouched */
    ck_assert_int_eq(sqlite3_exec(db_sqlite_handle(d), "UPDATE emgdiag_schema SET version = 99",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(db_sqlite_schema(d, &from, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "version 99, newer") != NULL, "%s", err);
    ck_assert_int_eq(db_sqlite_version(d, err, sizeof(err)), 99);
    db_sqlite_close(d);
}
END_TEST

/* ---- messagelog_ids (db_msgids.h) ---- */

struct seen_ids {
    char buf[512];
    size_t len;
};

static int note_id(void *ctx, const char *id, size_t n)
{
    struct seen_ids *s = ctx;

    s->len += (size_t)snprintf(s->buf + s->len, sizeof(s->buf) - s->len, "[%.*s]", (int)n, id);
    return 0;
}

START_TEST(test_message_ids)
{
    char long_id[700];
    struct seen_ids seen = { "", 0 };
    struct db_row r;

    /* 255 characters kept: octets of ASCII, whole UTF-8 characters */
    memset(long_id, 'a', 300);
    ck_assert_uint_eq(db_message_id_cut(long_id, 300), 255);
    ck_assert_uint_eq(db_message_id_cut(long_id, 12), 12);
    for (int i = 0; i < 300; i++)
        memcpy(long_id + 2 * i, "\xc3\xa9", 2);
    ck_assert_uint_eq(db_message_id_cut(long_id, 600), 510);
    /* each id of ids and url, empty ones skipped; none in other columns */
    ck_assert_int_eq(parse(DB_MESSAGELOG,
                           "{\"ts\":\"2026-11-26T04:10:00.103221+00:00\",\"connector\":\"in\","
                           "\"instance\":0,\"step\":\"DLR\",\"id\":\"n1\",\"ids\":\"a;;b;\","
                           "\"url\":\"c;a\"}",
                           "D", &r),
                     0);
    ck_assert_int_eq(db_message_ids(&r, note_id, &seen), 0);
    ck_assert_str_eq(seen.buf, "[a][b][c][a]");
    db_row_free(&r);
}
END_TEST

struct found_rows {
    int n;
    char lines[256];
};

static void note_row(void *ctx, int64_t id, const char *line, size_t n, int64_t ts)
{
    struct found_rows *f = ctx;
    size_t len = strlen(f->lines);

    (void)id;
    (void)ts;
    snprintf(f->lines + len, sizeof(f->lines) - len, "%s%.*s", len ? "," : "", (int)n, line);
    f->n++;
}

START_TEST(test_message_ids_sqlite)
{
    char err[256];
    struct db_sqlite *d = db_sqlite_open(path, 1, err, sizeof(err));
    struct db_row rows[2];
    const char *sessions[2] = { NULL, NULL };
    struct found_rows f;

    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_int_eq(db_sqlite_schema(d, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(parse(DB_MESSAGELOG,
                           "{\"ts\":\"2024-01-01T00:00:00.000000+00:00\",\"connector\":\"in\","
                           "\"instance\":0,\"step\":\"FORWARD\",\"uuid\":\"u1\",\"ids\":\"x1;x2\"}",
                           "F", &rows[0]),
                     0);
    ck_assert_int_eq(parse(DB_MESSAGELOG,
                           "{\"ts\":\"2024-01-01T00:00:05.000000+00:00\",\"connector\":\"out\","
                           "\"instance\":0,\"step\":\"DLR\",\"id\":\"n1\",\"url\":\"k9;x2\"}",
                           "D", &rows[1]),
                     0);
    ck_assert_int_eq(db_sqlite_insert(d, "gw1", "bearerbox", rows, sessions, 2, err, sizeof(err)), 2);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM messagelog_ids"), 4);
    /* again: nothing new, in either table */
    ck_assert_int_eq(db_sqlite_insert(d, "gw1", "bearerbox", rows, sessions, 2, err, sizeof(err)), 0);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM messagelog_ids"), 4);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM messagelog_ids WHERE node = 'gw1' AND id = 'x2' "
                              "AND ts IN (1704067200000000, 1704067205000000)"),
                     2);
    /* found by a list's id, by a column, within a range, of a node */
    memset(&f, 0, sizeof(f));
    ck_assert_int_eq(db_sqlite_message_lines(d, NULL, "x2", 0, 0, 0, note_row, &f, err, sizeof(err)), 2);
    ck_assert_str_eq(f.lines, "F,D");
    memset(&f, 0, sizeof(f));
    ck_assert_int_eq(db_sqlite_message_lines(d, "gw1", "n1", 0, 0, 0, note_row, &f, err, sizeof(err)), 1);
    ck_assert_str_eq(f.lines, "D");
    memset(&f, 0, sizeof(f));
    ck_assert_int_eq(db_sqlite_message_lines(d, "gw1", "x2", 1, 1704067201000000LL, 1704067209000000LL,
                                             note_row, &f, err, sizeof(err)),
                     1);
    ck_assert_str_eq(f.lines, "D");
    ck_assert_int_eq(db_sqlite_message_lines(d, "gw2", "x2", 0, 0, 0, note_row, &f, err, sizeof(err)), 0);
    ck_assert_int_eq(db_sqlite_message_lines(d, NULL, "x3", 0, 0, 0, note_row, &f, err, sizeof(err)), 0);
    /* retention takes a row's ids with it, and only those */
    ck_assert_int_eq(db_sqlite_expire(d, "gw1", 1704067201000000LL, 10, err, sizeof(err)), 1);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM messagelog_ids"), 2);
    ck_assert_int_eq(count(d, "SELECT count(*) FROM messagelog_ids WHERE ts = 1704067205000000"), 2);
    db_row_free(&rows[0]);
    db_row_free(&rows[1]);
    db_sqlite_close(d);
}
END_TEST

START_TEST(test_uris)
{
    struct db_target t;
    char err[256];

    ck_assert_int_eq(db_target_from_uri("sqlite:/x/e.db", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.type, DB_TYPE_SQLITE);
    ck_assert_str_eq(t.file, "/x/e.db");
    /* mysql://[USER@][HOST][:PORT]/DB[?socket=PATH] (docs/database.md) */
    ck_assert_int_eq(db_mysql_uri_ok("mysql://e@h:3306/emg?socket=%2Frun%2Fs", err, sizeof(err)),
                     1);
    ck_assert_int_eq(db_mysql_uri_ok("mysql:///emg", err, sizeof(err)), 1);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://e:pw@h/emg", err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "does not belong in the URI") != NULL, "%s", err);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h", err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "the database is missing") != NULL, "%s", err);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h/", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h:0/emg", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h:65536/emg", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h:/emg", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h/emg?user=x", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h/emg?socket=", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h/e%2", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h/e%zz", err, sizeof(err)), 0);
    ck_assert_int_eq(db_mysql_uri_ok("mysql://h/e%00x", err, sizeof(err)), 0);
    ck_assert_msg(strstr(err, "%-escape") != NULL, "%s", err);
#ifdef HAVE_MYSQL
    ck_assert_int_eq(db_target_from_uri("mysql://e@h/emg", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.type, DB_TYPE_MYSQL);
    ck_assert_str_eq(t.conninfo, "mysql://e@h/emg");
    ck_assert_int_eq(db_target_from_uri("mysql://e:pw@h/emg", &t, err, sizeof(err)), -1);
#else
    ck_assert_int_eq(db_target_from_uri("mysql://e@h/emg", &t, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "no MariaDB/MySQL back-end") != NULL, "%s", err);
#endif
    ck_assert_int_eq(db_target_from_uri("oracle://h/emg", &t, err, sizeof(err)), -1);
}
END_TEST

/* COPY's text form of s[0..n) as a C string ("<NUL>" when refused). */
static const char *copy_text(const char *s, size_t n)
{
    static struct sbuf b;

    sbuf_reset(&b);
    if (db_pgcopy_text(&b, s, n) != 0)
        return "<NUL>";
    return b.len > 0 ? b.buf : ""; /* an empty value leaves the buffer unwritten */
}

START_TEST(test_pgcopy_text)
{
    /* backslash, tab, newline, carriage return: the four COPY escapes */
    ck_assert_str_eq(copy_text("a\\b\tc\nd\re", 9), "a\\\\b\\tc\\nd\\re");
    /* the end-of-data marker \. cannot be formed by a value */
    ck_assert_str_eq(copy_text("\\.", 2), "\\\\.");
    ck_assert_str_eq(copy_text("\\N", 2), "\\\\N");
    /* SQL NULL, and the empty string, which is not NULL */
    ck_assert_str_eq(copy_text(NULL, 0), "\\N");
    ck_assert_str_eq(copy_text("", 0), "");
    /* invalid UTF-8 passes as it is (the server checks the encoding) */
    ck_assert_str_eq(copy_text("\xff\xfe'\";--", 7), "\xff\xfe'\";--");
    /* a NUL is refused, wherever it is */
    ck_assert_str_eq(copy_text("a\0b", 3), "<NUL>");
    ck_assert_str_eq(copy_text("\0", 1), "<NUL>");
    ck_assert_str_eq(copy_text("ab\0", 3), "<NUL>");
    /* the text form's own escapes (docs/pdu-log.md) are just text */
    ck_assert_str_eq(copy_text("\\x00\\x22", 8), "\\\\x00\\\\x22");
}
END_TEST

/* COPY's text form read back as PostgreSQL's documentation describes it:
 * every octet but the 1..255 range a string of random octets can hold
 * comes back, none of tab, newline or CR is left bare. */
static size_t copy_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(s[i] != '\t' && s[i] != '\n' && s[i] != '\r', "a bare separator");
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        ck_assert_uint_lt(i + 1, n);
        switch (s[++i]) {
        case '\\': out[o++] = '\\'; break;
        case 't': out[o++] = '\t'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        default: ck_abort_msg("an escape COPY does not define here: \\%c", s[i]);
        }
    }
    return o;
}

START_TEST(test_pgcopy_round_trip)
{
    char in[64], out[64];
    unsigned seed = 11;

    for (int k = 0; k < 20000; k++) {
        size_t n = (size_t)(k % 64), m;
        const char *e;

        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)(1 + (seed >> 16) % 255); /* 1..255: no NUL */
            if ((seed >> 8) % 4 == 0)             /* and often one of the four */
                in[i] = "\\\t\n\r"[(seed >> 12) % 4];
        }
        e = copy_text(in, n);
        m = copy_decode(e, strlen(e), out);
        ck_assert_uint_eq(m, n);
        ck_assert(memcmp(in, out, n) == 0);
    }
}
END_TEST

START_TEST(test_pgcopy_row)
{
    struct db_row r;
    struct sbuf b = SBUF_INIT;
    /* a hostile system_id as docs/pdu-log.md escapes it in the twin:
     * quote, backslash (\x5c), a NUL (\x00), 0xff */
    const char *twin =
        "{\"ts\":\"2024-01-01T00:00:00.000001+00:00\",\"connector\":\"c\\tx\",\"instance\":3,"
        "\"dir\":\"read\",\"op\":\"0x00000009\",\"name\":\"BIND_TRANSCEIVER\",\"status\":14,"
        "\"trn\":7,\"datalen\":30,\"fields\":{\"SYSTEMID\":\"'\\\"\\\\x5c\\\\x00\\\\xff\"}}";

    ck_assert_int_eq(parse(DB_PDULOG, twin, "L\\x00\tx", &r), 0);
    ck_assert_int_eq(db_pgcopy_row(&b, "n1", "bearerbox", NULL, &r), 0);
    /* node box session ts connector instance dir op name status trn
     * datalen fields error message_id receipted_message_id source_addr
     * destination_addr line */
    ck_assert_str_eq(sbuf_cstr(&b),
                     "n1\tbearerbox\t\\N\t1704067200000001\tc\\tx\t3\tread\t0x00000009\t"
                     "BIND_TRANSCEIVER\t14\t7\t30\t"
                     "{\"SYSTEMID\":\"'\\\\\"\\\\\\\\x5c\\\\\\\\x00\\\\\\\\xff\"}\t"
                     "\\N\t\\N\t\\N\t\\N\t\\N\tL\\\\x00\\tx\n");
    /* no instance: \N; a session */
    r.instance = -1;
    sbuf_reset(&b);
    ck_assert_int_eq(db_pgcopy_row(&b, "n", "b", "s\\1", &r), 0);
    {
        const char *want = "n\tb\ts\\\\1\t1704067200000001\tc\\tx\t\\N\tread\t";

        ck_assert_msg(strncmp(sbuf_cstr(&b), want, strlen(want)) == 0, "%s", b.buf);
    }
    /* a value holding a NUL: refused */
    r.col[7].s = "a\0b"; /* error */
    r.col[7].n = 3;
    r.col[7].null = 0;
    sbuf_reset(&b);
    ck_assert_int_eq(db_pgcopy_row(&b, "n", "b", NULL, &r), -1);
    db_row_free(&r);
    sbuf_reset(&b);
    db_pgcopy_columns(&b, DB_CONNECTORLOG);
    ck_assert_str_eq(sbuf_cstr(&b), "(node, box, session, ts, connector, instance, \"event\", "
                                    "\"result\", \"info\", \"line\")");
    sbuf_free(&b);
}
END_TEST

/* db_insert_by_table: table by table, in order, at most `per` a call. */
struct some_call {
    int table;
    size_t idx[8], n;
};
static struct some_call calls[16];
static size_t ncalls;

static long record_some(void *be, int table, const char *node, const char *box,
                        const struct db_row *rows, const char *const *sessions, const size_t *idx,
                        size_t n, char *err, size_t errlen)
{
    (void)node;
    (void)box;
    (void)rows;
    (void)sessions;
    ck_assert_uint_lt(ncalls, 16);
    ck_assert_uint_le(n, 8);
    calls[ncalls].table = table;
    calls[ncalls].n = n;
    memcpy(calls[ncalls].idx, idx, n * sizeof(*idx));
    ncalls++;
    if (be != NULL && table == DB_SECURITYLOG) {
        snprintf(err, errlen, "refused");
        return -1;
    }
    return (long)n;
}

START_TEST(test_insert_by_table)
{
    struct db_row rows[7];
    const char *sessions[7] = { NULL };
    char err[64];
    /* pdu, conn, pdu, pdu, security, pdu, conn */
    static const int tables[7] = { DB_PDULOG, DB_CONNECTORLOG, DB_PDULOG, DB_PDULOG,
                                   DB_SECURITYLOG, DB_PDULOG, DB_CONNECTORLOG };

    memset(rows, 0, sizeof(rows));
    for (int i = 0; i < 7; i++)
        rows[i].table = tables[i];
    ncalls = 0;
    ck_assert_int_eq(db_insert_by_table(NULL, record_some, 3, "n", "b", rows, sessions, 7, err,
                                        sizeof(err)),
                     7);
    ck_assert_uint_eq(ncalls, 4);
    ck_assert_int_eq(calls[0].table, DB_CONNECTORLOG);
    ck_assert_uint_eq(calls[0].n, 2);
    ck_assert(calls[0].idx[0] == 1 && calls[0].idx[1] == 6);
    ck_assert_int_eq(calls[1].table, DB_PDULOG);
    ck_assert_uint_eq(calls[1].n, 3);
    ck_assert(calls[1].idx[0] == 0 && calls[1].idx[1] == 2 && calls[1].idx[2] == 3);
    ck_assert_int_eq(calls[2].table, DB_PDULOG);
    ck_assert(calls[2].n == 1 && calls[2].idx[0] == 5);
    ck_assert(calls[3].table == DB_SECURITYLOG && calls[3].n == 1 && calls[3].idx[0] == 4);
    /* no rows: no call */
    ncalls = 0;
    ck_assert_int_eq(db_insert_by_table(NULL, record_some, 0, "n", "b", rows, sessions, 0, err,
                                        sizeof(err)),
                     0);
    ck_assert_uint_eq(ncalls, 0);
    /* a call that fails ends it: -1, err set, no later table */
    ncalls = 0;
    err[0] = '\0';
    ck_assert_int_eq(db_insert_by_table(rows, record_some, 8, "n", "b", rows, sessions, 7, err,
                                        sizeof(err)),
                     -1);
    ck_assert_str_eq(err, "refused");
    ck_assert_uint_eq(ncalls, 3);
}
END_TEST

static Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *rows = tcase_create("rows");
    TCase *sqlite = tcase_create("sqlite");

    tcase_add_test(rows, test_pdu_row);
    tcase_add_test(rows, test_pdu_fields_columns);
    tcase_add_test(rows, test_connector_and_security_rows);
    tcase_add_test(rows, test_refused);
    tcase_add_test(rows, test_ts_forms);
    tcase_add_test(rows, test_uris);
    tcase_add_test(rows, test_message_row);
    tcase_add_test(rows, test_message_ids);
    tcase_add_test(rows, test_pgcopy_text);
    tcase_add_test(rows, test_pgcopy_round_trip);
    tcase_add_test(rows, test_pgcopy_row);
    tcase_add_test(rows, test_insert_by_table);
    tcase_add_test(rows, test_line_key);
    tcase_add_test(rows, test_parse_into);
    tcase_add_checked_fixture(sqlite, make_dir, remove_dir);
    tcase_add_test(sqlite, test_schema_and_rows);
    tcase_add_test(sqlite, test_upgrade_and_newer);
    tcase_add_test(sqlite, test_message_ids_sqlite);
    tcase_add_test(sqlite, test_no_allocation_count);
    suite_add_tcase(s, rows);
    suite_add_tcase(s, sqlite);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(db_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
