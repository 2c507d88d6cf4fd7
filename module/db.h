/*
 * db: the database back-ends behind one set of calls (docs/database.md).
 *
 * The database sink (sink_db.c) and the tools (emgdiag-db, emgdiag-follow
 * --db) name a database by a target: SQLite's file (db_sqlite.c, always
 * built), PostgreSQL's conninfo (db_pgsql.c, built when configure found
 * libpq; HAVE_PGSQL) or a mysql:// URI (db_mysql.c, built when configure
 * found MariaDB Connector/C; HAVE_MYSQL).  The servers' client libraries
 * are not linked: db_open() loads one the first time a target of its
 * back-end is opened (db_dl.h).  Each call goes to the target's back-end; every
 * back-end keeps the same promises: one connection used by one thread at a
 * time, a versioned schema created or upgraded in one transaction per
 * step, rows written in one transaction per batch with bound parameters
 * only, a row already there (same node, connector, ts and line) left as it
 * is.
 */
#ifndef EMGDIAG_DB_H
#define EMGDIAG_DB_H

#include <stddef.h>
#include <stdint.h>

#include "db_row.h"

/* The schema version this code writes: 1 = connectorlog, pdulog,
 * securitylog; 2 = and messagelog; 3 = SQLite's rows keyed by (ts, lkey)
 * (db_linekey.h); 4 = and messagelog_ids (db_msgids.h).  An older
 * database is upgraded step by step. */
#define DB_SCHEMA_VERSION 4

/* The back-ends (the values of enum emg_db_type). */
#define DB_TYPE_SQLITE 1
#define DB_TYPE_PGSQL 2
#define DB_TYPE_MYSQL 3

/* Longest password read from a password file. */
#define DB_PASSWORD_MAX 1024

struct db_target {
    int type;
    const char *file;          /* SQLite */
    const char *conninfo;      /* PostgreSQL: key=value pairs or a postgresql:// URI;
                                  MariaDB/MySQL: a mysql:// URI (db_mysql.h) */
    const char *password_file; /* the password's file; NULL: the library's own sources
                                  (PGPASSWORD, ~/.pgpass; MYSQL_PWD) */
};

struct db;

/* 1 when this build has the back-end of `type`. */
int db_type_built(int type);

/* 1 when a conninfo or URI names a password (password=…, or a URI's
 * user:password@): refused in the XML and on command lines. */
int db_conninfo_has_password(const char *conninfo);

/* The first line of a password file, without its line end, in
 * pw[0..pwlen).  0, or -1 with err set. */
int db_read_password(const char *path, char *pw, size_t pwlen, char *err, size_t errlen);

/* A tool's URI: sqlite:PATH, postgresql://… or postgres://…, or
 * mysql://[USER@][HOST][:PORT]/DB[?socket=PATH] (without a password).  0, or -1 with err set.  t points into uri. */
int db_target_from_uri(const char *uri, struct db_target *t, char *err, size_t errlen);

/* Opens a connection (SQLite: creating the file when `create`).  NULL with
 * one line in err (never holding a password). */
struct db *db_open(const struct db_target *t, int create, char *err, size_t errlen);
void db_close(struct db *d);

/* The schema's version: 0 without emgdiag's tables; -1 with err set. */
int db_version(struct db *d, char *err, size_t errlen);

/* Creates what is missing and upgrades an older schema to
 * DB_SCHEMA_VERSION.  0, or -1 with err set (a newer schema is refused,
 * untouched).  *from (may be NULL) gets the version found. */
int db_schema(struct db *d, int *from, char *err, size_t errlen);

/* Writes rows[0..n) in one transaction as `node`/`box`, sessions[i] (NULL:
 * none).  The number of rows inserted, or -1 with err set (nothing
 * written). */
long db_insert(struct db *d, const char *node, const char *box, const struct db_row *rows,
               const char *const *sessions, size_t n, char *err, size_t errlen);

/* Deletes at most `limit` rows of `node` older than before_us from each
 * table; the number deleted, or -1 with err set. */
long db_expire(struct db *d, const char *node, int64_t before_us, int limit, char *err,
               size_t errlen);

/* The `line` and `ts` of every row of `table` of node and connector (and
 * instance when have_instance) with from_us <= ts <= to_us, in the order
 * they were stored, to each().  0, or -1 with err set. */
int db_lines(struct db *d, const char *table, const char *node, const char *connector,
             int have_instance, unsigned long instance, int64_t from_us, int64_t to_us,
             void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
             char *err, size_t errlen);

/* The `line` and `ts` of the first (last == 0) or the last `limit` rows, in
 * the order they were stored, of `table` of node, connector and instance,
 * to each(), through the (connector, node, instance, ts) index: a few rows
 * at either end of a connector's log without reading the rest.  SQLite
 * takes the ends in the order stored (its index entries hold the ids: a
 * bounded sort of them); PostgreSQL and MariaDB/MySQL in the index's order,
 * ts and then the order stored (a walk from one end of the index that stops
 * after `limit` entries): the same rows unless the times of the instance's
 * rows go back somewhere in the order stored.  The number of rows given
 * (fewer than `limit`: there are no more), -1 with err set, or -2 (nothing
 * given) when the back-end has not got this query (none now; the caller
 * then reads the whole range with db_lines()). */
long db_end_lines(struct db *d, const char *table, const char *node, const char *connector,
                  unsigned long instance, int last, long limit,
                  void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                  char *err, size_t errlen);

/* The `line` and `ts` of every row of `table` (of `node`; NULL: of every
 * node), in the order of ts and then of storing, to each().  0, or -1
 * with err set. */
int db_table_lines(struct db *d, const char *table, const char *node,
                   void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                   char *err, size_t errlen);

/* The rows of messagelog (of `node`; NULL: of every node) that may hold
 * `key` as one of their ids, found through the indexes: uuid, message_id,
 * id_raw, dlr_key or "key" equal to it, or an id of their `ids` or `url`
 * list equal to its first DB_MESSAGE_ID_CHARS characters (messagelog_ids,
 * schema version 4: a row that shares node and ts with such a row comes
 * too; the caller checks each line).  With `ranged`, only those with
 * from_us <= ts <= to_us.  Each row's id (the row key), `line` and `ts`
 * to each(), in the order of ts and then of storing.  The number of rows,
 * or -1 with err set, or -2 (nothing given) when the back-end has not got
 * this query. */
long db_message_lines(struct db *d, const char *node, const char *key, int ranged, int64_t from_us,
                      int64_t to_us,
                      void (*each)(void *ctx, int64_t id, const char *line, size_t n, int64_t ts),
                      void *ctx, char *err, size_t errlen);

/* Every node that has connector-log rows of `connector`, to each().  0, or
 * -1 with err set. */
int db_nodes(struct db *d, const char *connector, void (*each)(void *ctx, const char *node),
             void *ctx, char *err, size_t errlen);

/* ---- for the back-ends ---- */

/* Rows per multi-row INSERT of the server back-ends (a row is at most 21
 * parameters). */
#define DB_ROWS_PER_STATEMENT 200

/* One statement of a back-end `be`: rows[idx[0..n)], all of `table`.  The
 * number of rows inserted, or -1 with err set. */
typedef long (*db_insert_some_fn)(void *be, int table, const char *node, const char *box,
                                  const struct db_row *rows, const char *const *sessions,
                                  const size_t *idx, size_t n, char *err, size_t errlen);

/* rows[0..n) to some(), table by table in enum db_table's order, keeping
 * their order within a table, at most `per` rows a call.  The sum of what
 * the calls returned, or -1 with err set at the first that failed (the
 * caller rolls its transaction back). */
long db_insert_by_table(void *be, db_insert_some_fn some, size_t per, const char *node,
                        const char *box, const struct db_row *rows, const char *const *sessions,
                        size_t n, char *err, size_t errlen);

#endif
