/*
 * bench_db: rows per second of the database sink's write path against the
 * same back-end's raw batched insert of the same rows, in one run (see
 * docs/performance.md, `make bench-db`).
 *
 *   bench_db insert URI ROWS   both measurements, on emptied tables, in
 *                              ROUNDS rounds (default 3) that take turns
 *                              at which goes first; the best of each
 *   bench_db fill URI ROWS     a table of ROWS pdu rows in sessions of 100,
 *                              with their connector lines, for
 *                              emgdiag-follow --db
 *
 * The rows are pdu lines of submit_sm as the file sink writes them (text
 * and JSON twin), each with its own time and sequence number.  The sink's
 * path is what the emgdiag-db thread does with a batch: cut each twin into
 * columns (db_row.c) and db_insert() 2,000 rows in one transaction.  The
 * raw insert gets the same values already split and writes them in
 * batches of 2,000, one transaction each, with the back-end's plainest
 * fast path: SQLite a prepared INSERT, PostgreSQL COPY FROM STDIN,
 * MariaDB one multi-row INSERT of escaped text per batch (the raw path
 * connects to MY_SOCK, database MY_DB, as MY_USER, password MYSQL_PWD:
 * bench/db.sh sets them with the mysql:// URI).
 */
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "db.h"
#include "db_linekey.h"
#include "db_row.h"
#include "sbuf.h"

#define BATCH 2000
#define T0 1764115200000000LL /* 2025-11-26 00:00:00 UTC, in µs */

struct line {
    char *text, *json;
    size_t tn, jn;
};

/* This process's CPU time, user and system, in seconds. */
static double cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void ts_text(char *out, size_t n, long long us, int iso)
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;

    gmtime_r(&s, &tm);
    snprintf(out, n, iso ? "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00"
                         : "%04d-%02d-%02d %02d:%02d:%02d.%06lld",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             us % 1000000);
}

static void make_pdu(struct line *l, long long us, int instance, long trn)
{
    char ts[40], iso[40];
    struct sbuf t = SBUF_INIT, j = SBUF_INIT;

    ts_text(ts, sizeof(ts), us, 0);
    ts_text(iso, sizeof(iso), us, 1);
    sbuf_printf(&t,
                "%s INFO  (bench,%d) Read op:0x00000004 (SUBMIT_SM) status:0 trn:%ld datalen:61 "
                "SOURCEADDRTON:1 SOURCEADDRNPI:1 SOURCEADDR:46700000001 DESTADDRTON:1 "
                "DESTADDRNPI:1 DESTINATIONADDR:4670%07ld SHORTMESSAGE:hello \\x22world\\x22 %ld",
                ts, instance, trn, trn % 10000000, trn);
    sbuf_printf(&j,
                "{\"ts\":\"%s\",\"connector\":\"bench\",\"instance\":%d,\"dir\":\"read\","
                "\"op\":\"0x00000004\",\"name\":\"SUBMIT_SM\",\"status\":0,\"trn\":%ld,"
                "\"datalen\":61,\"fields\":{\"SOURCEADDRTON\":1,\"SOURCEADDRNPI\":1,"
                "\"SOURCEADDR\":\"46700000001\",\"DESTADDRTON\":1,\"DESTADDRNPI\":1,"
                "\"DESTINATIONADDR\":\"4670%07ld\",\"SHORTMESSAGE\":\"hello \\\\x22world\\\\x22 "
                "%ld\"}}",
                iso, instance, trn, trn % 10000000, trn);
    l->tn = t.len;
    l->jn = j.len;
    l->text = strdup(sbuf_cstr(&t));
    l->json = strdup(sbuf_cstr(&j));
    sbuf_free(&t);
    sbuf_free(&j);
}

static void make_connector(struct line *l, long long us, int instance, const char *event)
{
    char ts[40], iso[40];
    struct sbuf t = SBUF_INIT, j = SBUF_INIT;

    ts_text(ts, sizeof(ts), us, 0);
    ts_text(iso, sizeof(iso), us, 1);
    sbuf_printf(&t, "%s (%d) %s OK", ts, instance, event);
    sbuf_printf(&j,
                "{\"ts\":\"%s\",\"connector\":\"bench\",\"instance\":%d,\"event\":\"%s\","
                "\"result\":\"OK\"}",
                iso, instance, event);
    l->tn = t.len;
    l->jn = j.len;
    l->text = strdup(sbuf_cstr(&t));
    l->json = strdup(sbuf_cstr(&j));
    sbuf_free(&t);
    sbuf_free(&j);
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "bench_db: %s: %s\n", what, err);
    exit(1);
}

/* The sink's path: parse, then db_insert, a batch at a time. */
__attribute__((noinline)) static double sink_path(struct db *d, struct line *lines, const int *tables, size_t n)
{
    static struct db_row rows[BATCH];
    static const char *sessions[BATCH];
    char err[512], why[128];
    double t0 = now();

    /* as sink_db.c's write_batch: one store for the batch's values */
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH, len = 0, used = 0;
        char *store;

        for (size_t r = 0; r < k; r++)
            len += DB_ROW_STORE(lines[i + r].jn, lines[i + r].tn);
        if ((store = malloc(len)) == NULL)
            die("store", "out of memory");
        for (size_t r = 0; r < k; r++) {
            if (db_row_parse_into(tables[i + r], lines[i + r].json, lines[i + r].jn,
                                  lines[i + r].text, lines[i + r].tn, &rows[r], store + used, why,
                                  sizeof(why)) != 0)
                die("parse", why);
            used += DB_ROW_STORE(lines[i + r].jn, lines[i + r].tn);
        }
        if (db_insert(d, "node1", "bearerbox", rows, sessions, k, err, sizeof(err)) < 0)
            die("insert", err);
        free(store);
    }
    return now() - t0;
}

/* SQLite's raw path: one prepared INSERT, a transaction per batch. */
__attribute__((noinline)) static double sqlite_raw(const char *file, struct db_row *rows, size_t n)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    double t0;
    const char *const *cols = db_table_columns(DB_PDULOG);
    char sql[1024];
    size_t len, c;

    if (sqlite3_open(file, &db) != SQLITE_OK)
        die(file, sqlite3_errmsg(db));
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
    len = (size_t)snprintf(sql, sizeof(sql),
                           "INSERT INTO pdulog (node, box, session, ts, connector, instance");
    for (c = 0; cols[c] != NULL; c++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", cols[c]);
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", lkey) VALUES (?, ?, ?, ?, ?, ?");
    for (c = 0; cols[c] != NULL; c++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", ?");
    snprintf(sql + len, sizeof(sql) - len, ", ?)");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(db));
    t0 = now();
    for (size_t i = 0; i < n; i++) {
        const struct db_row *r = &rows[i];

        if (i % BATCH == 0)
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_text(st, 1, "node1", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, "bearerbox", -1, SQLITE_STATIC);
        sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, r->ts_us);
        sqlite3_bind_text(st, 5, r->connector, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, r->instance);
        for (c = 0; c < r->ncol; c++) {
            if (r->col[c].null)
                sqlite3_bind_null(st, (int)c + 7);
            else if (r->col[c].is_int)
                sqlite3_bind_int64(st, (int)c + 7, r->col[c].i);
            else
                sqlite3_bind_text(st, (int)c + 7, r->col[c].s, (int)r->col[c].n, SQLITE_STATIC);
        }
        /* The schema's key column (db_linekey.h): part of storing a row. */
        sqlite3_bind_int64(st, (int)r->ncol + 7,
                           db_line_key("node1", 5, r->connector, strlen(r->connector),
                                       r->col[r->ncol - 1].s, r->col[r->ncol - 1].n));
        if (sqlite3_step(st) != SQLITE_DONE)
            die("insert", sqlite3_errmsg(db));
        sqlite3_reset(st);
        if (i % BATCH == BATCH - 1 || i == n - 1)
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    t0 = now() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return t0;
}

/* COPY's text form of a value. */
static void copy_text(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            sbuf_putc(b, '\\');
        sbuf_putc(b, s[i] == '\t' ? 't' : s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : s[i]);
    }
}

/* PostgreSQL's raw path: COPY FROM STDIN, a transaction per batch. */
static double pgsql_raw(const char *conninfo, struct db_row *rows, size_t n)
{
    PGconn *pg = PQconnectdb(conninfo);
    const char *const *cols = db_table_columns(DB_PDULOG);
    struct sbuf sql = SBUF_INIT, b = SBUF_INIT;
    double t0;
    size_t c;

    if (PQstatus(pg) != CONNECTION_OK)
        die("connect", PQerrorMessage(pg));
    sbuf_puts(&sql, "COPY pdulog (node, box, session, ts, connector, instance");
    for (c = 0; cols[c] != NULL; c++)
        sbuf_printf(&sql, ", %s", cols[c]);
    sbuf_puts(&sql, ") FROM STDIN");
    t0 = now();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        PGresult *res;

        PQclear(PQexec(pg, "BEGIN"));
        res = PQexec(pg, sbuf_cstr(&sql));
        if (PQresultStatus(res) != PGRES_COPY_IN)
            die("COPY", PQerrorMessage(pg));
        PQclear(res);
        sbuf_reset(&b);
        for (size_t r = i; r < i + k; r++) {
            const struct db_row *x = &rows[r];

            sbuf_printf(&b, "node1\tbearerbox\t\\N\t%lld\t%s\t%d", (long long)x->ts_us,
                        x->connector, x->instance);
            for (c = 0; c < x->ncol; c++) {
                sbuf_putc(&b, '\t');
                if (x->col[c].null)
                    sbuf_puts(&b, "\\N");
                else if (x->col[c].is_int)
                    sbuf_printf(&b, "%lld", (long long)x->col[c].i);
                else
                    copy_text(&b, x->col[c].s, x->col[c].n);
            }
            sbuf_putc(&b, '\n');
        }
        if (PQputCopyData(pg, b.buf, (int)b.len) != 1 || PQputCopyEnd(pg, NULL) != 1)
            die("COPY", PQerrorMessage(pg));
        res = PQgetResult(pg);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            die("COPY", PQerrorMessage(pg));
        PQclear(res);
        PQclear(PQexec(pg, "COMMIT"));
    }
    t0 = now() - t0;
    sbuf_free(&sql);
    sbuf_free(&b);
    PQfinish(pg);
    return t0;
}

/* MariaDB's raw path: one multi-row INSERT of escaped text per batch, a
 * transaction each. */
static MYSQL *my_connect(void)
{
    MYSQL *my = mysql_init(NULL);

    if (my == NULL || mysql_real_connect(my, NULL, getenv("MY_USER"), getenv("MYSQL_PWD"),
                                         getenv("MY_DB"), 0, getenv("MY_SOCK"), 0) == NULL)
        die("connect", my != NULL ? mysql_error(my) : "out of memory");
    mysql_set_character_set(my, "utf8mb4");
    return my;
}

static void my_text(MYSQL *my, struct sbuf *b, const char *s, size_t n)
{
    char *e = malloc(2 * n + 1);
    unsigned long k = mysql_real_escape_string(my, e, s, (unsigned long)n);

    sbuf_putc(b, '\'');
    sbuf_putn(b, e, k);
    sbuf_putc(b, '\'');
    free(e);
}

static double mysql_raw(struct db_row *rows, size_t n)
{
    MYSQL *my = my_connect();
    const char *const *cols = db_table_columns(DB_PDULOG);
    struct sbuf head = SBUF_INIT, b = SBUF_INIT;
    double t0;
    size_t c;

    sbuf_puts(&head, "INSERT INTO pdulog (node, box, session, ts, connector, instance");
    for (c = 0; cols[c] != NULL; c++)
        sbuf_printf(&head, ", %s", cols[c]);
    sbuf_puts(&head, ") VALUES ");
    t0 = now();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;

        sbuf_reset(&b);
        sbuf_puts(&b, sbuf_cstr(&head));
        for (size_t r = i; r < i + k; r++) {
            const struct db_row *x = &rows[r];

            sbuf_printf(&b, "%s('node1', 'bearerbox', NULL, %lld, ", r == i ? "" : ", ",
                        (long long)x->ts_us);
            my_text(my, &b, x->connector, strlen(x->connector));
            sbuf_printf(&b, ", %d", x->instance);
            for (c = 0; c < x->ncol; c++) {
                sbuf_puts(&b, ", ");
                if (x->col[c].null)
                    sbuf_puts(&b, "NULL");
                else if (x->col[c].is_int)
                    sbuf_printf(&b, "%lld", (long long)x->col[c].i);
                else
                    my_text(my, &b, x->col[c].s, x->col[c].n);
            }
            sbuf_putc(&b, ')');
        }
        if (mysql_query(my, "START TRANSACTION") != 0 ||
            mysql_real_query(my, b.buf, (unsigned long)b.len) != 0 || mysql_commit(my) != 0)
            die("INSERT", mysql_error(my));
    }
    t0 = now() - t0;
    sbuf_free(&head);
    sbuf_free(&b);
    mysql_close(my);
    return t0;
}

/* Empties the tables (a fresh schema). */
static struct db *fresh(const struct db_target *t)
{
    char err[512];
    struct db *d = db_open(t, 1, err, sizeof(err));

    if (d == NULL)
        die("open", err);
    if (db_schema(d, NULL, err, sizeof(err)) != 0)
        die("schema", err);
    return d;
}

static void empty(const struct db_target *t)
{
    if (t->type == DB_TYPE_SQLITE) {
        sqlite3 *db;

        sqlite3_open(t->file, &db);
        sqlite3_exec(db, "DELETE FROM pdulog; DELETE FROM connectorlog; VACUUM;", NULL, NULL, NULL);
        sqlite3_close(db);
    } else if (t->type == DB_TYPE_MYSQL) {
        MYSQL *my = my_connect();

        mysql_query(my, "TRUNCATE pdulog");
        mysql_query(my, "TRUNCATE connectorlog");
        mysql_close(my);
    } else {
        PGconn *pg = PQconnectdb(t->conninfo);

        PQclear(PQexec(pg, "TRUNCATE pdulog, connectorlog"));
        PQfinish(pg);
    }
}

/* One prepared INSERT of every column of `table`. */
static sqlite3_stmt *fill_stmt(sqlite3 *db, int table)
{
    const char *const *cols = db_table_columns(table);
    struct sbuf q = SBUF_INIT;
    sqlite3_stmt *st;
    size_t c;

    sbuf_printf(&q, "INSERT INTO %s (node, box, session, ts, connector, instance",
                db_table_name(table));
    for (c = 0; cols[c] != NULL; c++)
        sbuf_printf(&q, ", \"%s\"", cols[c]);
    sbuf_puts(&q, ", lkey) VALUES (?, ?, ?, ?, ?, ?");
    for (c = 0; cols[c] != NULL; c++)
        sbuf_puts(&q, ", ?");
    sbuf_puts(&q, ", ?)");
    if (sqlite3_prepare_v2(db, sbuf_cstr(&q), -1, &st, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(db));
    sbuf_free(&q);
    return st;
}

/* A table of n rows for emgdiag-follow --db, built a batch at a time so
 * that 10,000,000 rows (about 10 GB) need neither the rows in memory nor
 * hours: sessions of a CONNECT line, 100 pdu lines and a DISCONNECT line,
 * on instances 0-7 in turn, each line cut into its columns as the sink
 * does (db_row_parse) and written by one prepared INSERT per table, one
 * transaction per FILL_BATCH rows, with the schema's indexes in place.
 * Progress on stderr when it is a terminal. */
#define FILL_BATCH 100000
static void fill_sqlite(const struct db_target *t, size_t n)
{
    static struct line l;
    sqlite3_stmt *st[DB_TABLES] = { NULL };
    struct db_row row;
    char err[512], why[128];
    long long us = T0;
    size_t i = 0, s = 0;
    int p = -1, inst = 0, tty = isatty(2);
    double t0 = now();
    sqlite3 *db;
    struct db *d;

    if ((d = db_open(t, 1, err, sizeof(err))) == NULL || db_schema(d, NULL, err, sizeof(err)) != 0)
        die("schema", err);
    db_close(d);
    if (sqlite3_open(t->file, &db) != SQLITE_OK)
        die(t->file, sqlite3_errmsg(db));
    /* a bench table: a crash may lose it, so no fsync; a large cache for
     * the indexes */
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;",
                 NULL, NULL, NULL);
    st[DB_CONNECTORLOG] = fill_stmt(db, DB_CONNECTORLOG);
    st[DB_PDULOG] = fill_stmt(db, DB_PDULOG);
    for (i = 0; i < n; i++) {
        int table;

        /* p: -1 the CONNECT, 0-99 the pdu lines, 100 the DISCONNECT */
        if (p < 0) {
            inst = (int)(s % 8);
            make_connector(&l, us++, inst, "CONNECT");
            table = DB_CONNECTORLOG;
        } else if (p < 100) {
            make_pdu(&l, us++, inst, (long)i);
            table = DB_PDULOG;
        } else {
            make_connector(&l, us++, inst, "DISCONNECT");
            table = DB_CONNECTORLOG;
        }
        if (++p > 100) {
            p = -1;
            s++;
        }
        if (db_row_parse(table, l.json, l.jn, l.text, l.tn, &row, why, sizeof(why)) != 0)
            die("parse", why);
        free(l.text);
        free(l.json);
        if (i % FILL_BATCH == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            die("BEGIN", sqlite3_errmsg(db));
        sqlite3_reset(st[table]);
        sqlite3_bind_text(st[table], 1, "node1", -1, SQLITE_STATIC);
        sqlite3_bind_text(st[table], 2, "bearerbox", -1, SQLITE_STATIC);
        sqlite3_bind_null(st[table], 3);
        sqlite3_bind_int64(st[table], 4, row.ts_us);
        sqlite3_bind_text(st[table], 5, row.connector, -1, SQLITE_STATIC);
        sqlite3_bind_int(st[table], 6, row.instance);
        for (size_t c = 0; c < row.ncol; c++) {
            if (row.col[c].null)
                sqlite3_bind_null(st[table], (int)c + 7);
            else if (row.col[c].is_int)
                sqlite3_bind_int64(st[table], (int)c + 7, row.col[c].i);
            else
                sqlite3_bind_text(st[table], (int)c + 7, row.col[c].s, (int)row.col[c].n,
                                  SQLITE_STATIC);
        }
        sqlite3_bind_int64(st[table], (int)row.ncol + 7,
                           db_line_key("node1", 5, row.connector, strlen(row.connector),
                                       row.col[row.ncol - 1].s, row.col[row.ncol - 1].n));
        if (sqlite3_step(st[table]) != SQLITE_DONE)
            die("insert", sqlite3_errmsg(db));
        sqlite3_reset(st[table]);
        db_row_free(&row);
        if (i % FILL_BATCH == FILL_BATCH - 1 || i == n - 1) {
            if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
                die("COMMIT", sqlite3_errmsg(db));
            if (tty)
                fprintf(stderr, "\rfill: %zu of %zu rows (%.0f %%), %.0f s", i + 1, n,
                        100.0 * (double)(i + 1) / (double)n, now() - t0);
        }
    }
    if (tty)
        fputc('\n', stderr);
    sqlite3_finalize(st[DB_CONNECTORLOG]);
    sqlite3_finalize(st[DB_PDULOG]);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
    sqlite3_close(db);
    printf("fill: %zu rows (%zu sessions) in %.1f s\n", n, s + (p >= 0), now() - t0);
}

int main(int argc, char **argv)
{
    struct db_target t;
    struct line *lines;
    int *tables;
    char err[512], why[128];
    size_t n, i;

    if (argc != 4 || (strcmp(argv[1], "insert") != 0 && strcmp(argv[1], "fill") != 0)) {
        fprintf(stderr, "usage: bench_db insert|fill URI ROWS\n");
        return 2;
    }
    if (db_target_from_uri(argv[2], &t, err, sizeof(err)) != 0)
        die(argv[2], err);
    n = strtoul(argv[3], NULL, 10);
    if (strcmp(argv[1], "fill") == 0) {
        if (t.type != DB_TYPE_SQLITE)
            die(argv[2], "fill writes SQLite only");
        fill_sqlite(&t, n);
        return 0;
    }
    lines = calloc(n + 1, sizeof(*lines));
    tables = calloc(n + 1, sizeof(*tables));
    for (i = 0; i < n; i++) {
        tables[i] = DB_PDULOG;
        make_pdu(&lines[i], T0 + (long long)i, (int)(i % 8), (long)i);
    }
    {
        struct db_row *rows = calloc(n, sizeof(*rows));
        const char *e = getenv("ROUNDS");
        int rounds = e != NULL && atoi(e) > 0 ? atoi(e) : 3;
        double raw = 0, sink = 0, cpu_raw = 0, cpu_sink = 0;
        const char *name = t.type == DB_TYPE_SQLITE  ? "sqlite"
                           : t.type == DB_TYPE_MYSQL ? "mysql"
                                                     : "pgsql";

        for (i = 0; i < n; i++)
            if (db_row_parse(DB_PDULOG, lines[i].json, lines[i].jn, lines[i].text, lines[i].tn,
                             &rows[i], why, sizeof(why)) != 0)
                die("parse", why);
        db_close(fresh(&t));
        /* the two arms in turn, raw first in odd rounds and the sink's path
         * first in even ones, each on emptied tables after a sync(): what
         * one arm left the kernel to write does not slow the other */
        for (int round = 1; round <= rounds; round++) {
            double secs[2] = { 0, 0 }, c0;

            for (int k = 0; k < 2; k++) {
                int arm_raw = (k == 0) == (round % 2 == 1);
                struct db *d;

                empty(&t);
                sync();
                c0 = cpu();
                if (arm_raw) {
                    secs[0] = t.type == DB_TYPE_SQLITE  ? sqlite_raw(t.file, rows, n)
                              : t.type == DB_TYPE_MYSQL ? mysql_raw(rows, n)
                                                        : pgsql_raw(t.conninfo, rows, n);
                } else {
                    d = fresh(&t);
                    secs[1] = sink_path(d, lines, tables, n);
                    db_close(d);
                }
                *(arm_raw ? &cpu_raw : &cpu_sink) += cpu() - c0;
            }
            printf("%s: round %d: the sink's path %.0f rows/s, raw batched insert %.0f rows/s\n",
                   name, round, n / secs[1], n / secs[0]);
            fflush(stdout);
            if (raw == 0 || secs[0] < raw)
                raw = secs[0];
            if (sink == 0 || secs[1] < sink)
                sink = secs[1];
        }
        printf("%s: %zu rows, best of %d: the sink's path %.0f rows/s, raw batched insert %.0f "
               "rows/s: %.0f %%\n",
               name, n, rounds, n / sink, n / raw, 100.0 * raw / sink);
        if (t.type == DB_TYPE_SQLITE) /* all of SQLite's work is this process's */
            printf("%s: CPU time per row, mean of %d rounds: the sink's path %.2f µs, raw batched "
                   "insert %.2f µs\n",
                   name, rounds, 1e6 * cpu_sink / rounds / n, 1e6 * cpu_raw / rounds / n);
    }
    return 0;
}
