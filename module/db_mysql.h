/*
 * db_mysql: the MariaDB/MySQL back-end (MariaDB Connector/C; built with
 * HAVE_MYSQL), behind db.h (docs/database.md).
 *
 * The target is a mysql:// URI (the loader builds one from <database
 * type="mysql" host port user database socket>; the tools take one on the
 * command line), parsed here into Connector/C's connect arguments.  The
 * password is the first line of the password file, read at each connect,
 * or MYSQL_PWD from the environment: it is handed to the library as an
 * argument, never put on a command line or in a message.  The DDL differs
 * from SQLite's where MariaDB does: BIGINT times, utf8mb4 text compared as
 * octets, `fields` as JSON, prefix indexes on the text columns, and the
 * unique key over (ts, an MD5 of node, connector and line) held in a
 * stored generated column (an index entry cannot hold a long line).
 * MariaDB commits DDL at once, so schema steps are serialised by a named
 * lock (GET_LOCK) instead of a transaction, and each step is idempotent.
 * Rows go in as multi-row prepared INSERTs (bound parameters), a
 * duplicate key left as it is, one transaction per batch.
 */
#ifndef EMGDIAG_DB_MYSQL_H
#define EMGDIAG_DB_MYSQL_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_mysql;

/* 1 when uri is mysql://[USER@][HOST][:PORT]/DATABASE[?socket=PATH] with
 * each part well formed (percent escapes allowed) and no password. */
int db_mysql_uri_ok(const char *uri, char *err, size_t errlen);

struct db_mysql *db_mysql_open(const char *uri, const char *password_file, char *err,
                               size_t errlen);
void db_mysql_close(struct db_mysql *d);
int db_mysql_version(struct db_mysql *d, char *err, size_t errlen);
int db_mysql_schema(struct db_mysql *d, int *from, char *err, size_t errlen);
long db_mysql_insert(struct db_mysql *d, const char *node, const char *box,
                     const struct db_row *rows, const char *const *sessions, size_t n, char *err,
                     size_t errlen);
long db_mysql_expire(struct db_mysql *d, const char *node, int64_t before_us, int limit,
                     char *err, size_t errlen);
int db_mysql_lines(struct db_mysql *d, const char *table, const char *node, const char *connector,
                   int have_instance, unsigned long instance, int64_t from_us, int64_t to_us,
                   void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                   char *err, size_t errlen);
/* See db_end_lines() in db.h. */
long db_mysql_end_lines(struct db_mysql *d, const char *table, const char *node,
                        const char *connector, unsigned long instance, int last, long limit,
                        void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                        void *ctx, char *err, size_t errlen);
int db_mysql_table_lines(struct db_mysql *d, const char *table, const char *node,
                      void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                      void *ctx, char *err, size_t errlen);
long db_mysql_message_lines(struct db_mysql *d, const char *node, const char *key, int ranged,
                            int64_t from_us, int64_t to_us,
                            void (*each)(void *ctx, int64_t id, const char *line, size_t n,
                                         int64_t ts),
                            void *ctx, char *err, size_t errlen);
int db_mysql_nodes(struct db_mysql *d, const char *connector,
                   void (*each)(void *ctx, const char *node), void *ctx, char *err, size_t errlen);

#endif
