/*
 * db_sqlite: the SQLite back-end of the database sink and of the tools
 * (docs/database.md).
 *
 * One connection, used by one thread at a time.  The file is opened in
 * WAL mode with a busy timeout, so both boxes (and a reader such as
 * emgdiag-follow --db) can use it at once.  The schema has a version
 * (table emgdiag_schema); db_sqlite_schema() creates what is missing and
 * upgrades an older version in place, each step in the transaction that
 * records its version, so two processes starting together do it once.
 * Rows are written in one transaction per batch through one prepared
 * statement per table: values are always bound, never put into SQL text.
 * The sink and the tools reach it through db.h.
 */
#ifndef EMGDIAG_DB_SQLITE_H
#define EMGDIAG_DB_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_row.h"

/* How long a write waits for another process's transaction, in ms. */
#define DB_SQLITE_BUSY_MS 2000

struct db_sqlite;

/* Once per process, before SQLite is used (db_sqlite_open() calls it; the sink
 * calls it earlier, from the thread that loads the configuration, before
 * it starts its own): turns off SQLite's count of its allocations, which
 * takes a process-wide mutex around every allocation and free of every
 * row written (docs/performance.md).  SQLite takes the setting only if no
 * one has used it yet in the process (a host that has is left as it is);
 * later calls do nothing. */
void db_sqlite_setup(void);

/* Opens (creating it when `create`) the database file.  NULL with one
 * line in err. */
struct db_sqlite *db_sqlite_open(const char *file, int create, char *err, size_t errlen);
void db_sqlite_close(struct db_sqlite *db);

/* The schema's version: 0 for a database without emgdiag's tables, -1 with
 * err set when it cannot be read. */
int db_sqlite_version(struct db_sqlite *db, char *err, size_t errlen);

/* Creates what is missing and upgrades an older schema to
 * DB_SCHEMA_VERSION.  0, or -1 with err set (a newer schema than this code
 * knows is refused, untouched).  *from (may be NULL) gets the version found. */
int db_sqlite_schema(struct db_sqlite *db, int *from, char *err, size_t errlen);

/* Writes rows[0..n) in one transaction, as `node`/`box`, their session ids
 * sessions[i] (NULL: none).  A row already there (the same node,
 * connector, ts and line) is left as it is.  The number of rows inserted,
 * or -1 with err set (nothing written). */
long db_sqlite_insert(struct db_sqlite *db, const char *node, const char *box,
                      const struct db_row *rows, const char *const *sessions, size_t n, char *err,
                      size_t errlen);

/* Deletes at most `limit` rows of `node` older than before_us from each
 * table; the number deleted, or -1 with err set. */
long db_sqlite_expire(struct db_sqlite *db, const char *node, int64_t before_us, int limit,
                      char *err, size_t errlen);

/* db_lines() and db_nodes() (db.h) of this back-end. */
int db_sqlite_lines(struct db_sqlite *db, const char *table, const char *node,
                    const char *connector, int have_instance, unsigned long instance,
                    int64_t from_us, int64_t to_us,
                    void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                    char *err, size_t errlen);
int db_sqlite_table_lines(struct db_sqlite *d, const char *table, const char *node,
                      void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                      void *ctx, char *err, size_t errlen);

/* The underlying sqlite3 handle, for tests. */
void *db_sqlite_handle(struct db_sqlite *db);

/* 1 when the last failure was the disk being full. */
int db_sqlite_full(const struct db_sqlite *db);

#endif
