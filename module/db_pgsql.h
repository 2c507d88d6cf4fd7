/*
 * db_pgsql: the PostgreSQL back-end (libpq; built with HAVE_PGSQL), behind
 * db.h (docs/database.md).
 *
 * The connection is made from the conninfo (key=value pairs or a
 * postgresql:// URI) and, when a password file is named, the password
 * read from it at each connect and handed to libpq as a parameter: never
 * on a command line, never in a message.  The schema's DDL differs from
 * SQLite's where PostgreSQL does: BIGSERIAL ids, BIGINT times, `fields` as
 * JSONB, and the unique key over md5(line) (a btree entry cannot hold a
 * long line).  Two processes creating the schema at once are serialised
 * by an advisory lock.  Rows go in one transaction per batch: each
 * table's rows as one COPY FROM STDIN in text form (db_pgcopy.h); when
 * COPY fails (a row already there: COPY has no ON CONFLICT), the batch is
 * written again as multi-row INSERTs with parameters, ON CONFLICT DO
 * NOTHING.
 */
#ifndef EMGDIAG_DB_PGSQL_H
#define EMGDIAG_DB_PGSQL_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_pgsql;

struct db_pgsql *db_pgsql_open(const char *conninfo, const char *password_file, char *err,
                               size_t errlen);
void db_pgsql_close(struct db_pgsql *d);
int db_pgsql_version(struct db_pgsql *d, char *err, size_t errlen);
int db_pgsql_schema(struct db_pgsql *d, int *from, char *err, size_t errlen);
long db_pgsql_insert(struct db_pgsql *d, const char *node, const char *box,
                     const struct db_row *rows, const char *const *sessions, size_t n, char *err,
                     size_t errlen);
long db_pgsql_expire(struct db_pgsql *d, const char *node, int64_t before_us, int limit,
                     char *err, size_t errlen);
int db_pgsql_lines(struct db_pgsql *d, const char *table, const char *node, const char *connector,
                   int have_instance, unsigned long instance, int64_t from_us, int64_t to_us,
                   void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                   char *err, size_t errlen);
/* See db_end_lines() in db.h. */
long db_pgsql_end_lines(struct db_pgsql *d, const char *table, const char *node,
                        const char *connector, unsigned long instance, int last, long limit,
                        void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                        void *ctx, char *err, size_t errlen);
int db_pgsql_table_lines(struct db_pgsql *d, const char *table, const char *node,
                      void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                      void *ctx, char *err, size_t errlen);
long db_pgsql_message_lines(struct db_pgsql *d, const char *node, const char *key, int ranged,
                            int64_t from_us, int64_t to_us,
                            void (*each)(void *ctx, int64_t id, const char *line, size_t n,
                                         int64_t ts),
                            void *ctx, char *err, size_t errlen);
int db_pgsql_nodes(struct db_pgsql *d, const char *connector,
                   void (*each)(void *ctx, const char *node), void *ctx, char *err, size_t errlen);

#endif
