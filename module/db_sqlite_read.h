/*
 * db_sqlite_read: the SQLite back-end's reading queries for the tools that
 * answer one question through the indexes (emgdiag-follow --db of one
 * session, emgdiag-trace --db of one id; docs/database.md, "Reading"),
 * beside the write path of db_sqlite.c.  The tools reach them through db.h
 * (db_end_lines(), db_nodes(), db_message_lines()); they use the
 * connection db_sqlite.c opened and only read.
 */
#ifndef EMGDIAG_DB_SQLITE_READ_H
#define EMGDIAG_DB_SQLITE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "db_sqlite.h"

/* See db_end_lines() in db.h. */
long db_sqlite_end_lines(struct db_sqlite *d, const char *table, const char *node,
                         const char *connector, unsigned long instance, int last, long limit,
                         void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                         void *ctx, char *err, size_t errlen);

/* See db_nodes() in db.h: one index seek per node. */
int db_sqlite_read_nodes(struct db_sqlite *d, const char *connector,
                         void (*each)(void *ctx, const char *node), void *ctx, char *err,
                         size_t errlen);

/* See db_message_lines() in db.h. */
long db_sqlite_message_lines(struct db_sqlite *d, const char *node, const char *key, int ranged,
                             int64_t from_us, int64_t to_us,
                             void (*each)(void *ctx, int64_t id, const char *line, size_t n,
                                          int64_t ts),
                             void *ctx, char *err, size_t errlen);

#endif
