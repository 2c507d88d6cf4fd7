/*
 * db.c: each call to the target's back-end (see db.h).
 */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "db_mysql.h"
#include "db_pgsql.h"
#include "db_sqlite.h"
#include "db_sqlite_read.h"
#ifdef HAVE_MYSQL
#include "db_my_syms.h"
#endif
#ifdef HAVE_PGSQL
#include "db_pq_syms.h"
#endif

struct db {
    int type;
    struct db_sqlite *sqlite;
    struct db_pgsql *pgsql;
    struct db_mysql *mysql;
};

int db_target_from_uri(const char *uri, struct db_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (strncmp(uri, "sqlite:", 7) == 0 && uri[7] != '\0') {
        t->type = DB_TYPE_SQLITE;
        t->file = uri + 7;
        return 0;
    }
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
        if (!db_type_built(DB_TYPE_PGSQL)) {
            snprintf(err, errlen, "%.40s…: this build has no PostgreSQL back-end", uri);
            return -1;
        }
        if (db_conninfo_has_password(uri)) {
            snprintf(err, errlen, "a password does not belong in the URI (it would be in the "
                                  "process list): use PGPASSWORD or ~/.pgpass");
            return -1;
        }
        t->type = DB_TYPE_PGSQL;
        t->conninfo = uri; /* the password, if any, from PGPASSWORD or ~/.pgpass */
        return 0;
    }
    if (strncmp(uri, "mysql://", 8) == 0) {
        if (!db_type_built(DB_TYPE_MYSQL)) {
            snprintf(err, errlen, "%.40s…: this build has no MariaDB/MySQL back-end", uri);
            return -1;
        }
        if (!db_mysql_uri_ok(uri, err, errlen))
            return -1;
        t->type = DB_TYPE_MYSQL;
        t->conninfo = uri; /* the password, if any, from MYSQL_PWD */
        return 0;
    }
    snprintf(err, errlen, "a URI that is sqlite:PATH%s%s, not this one",
             db_type_built(DB_TYPE_PGSQL) ? ", postgresql://…" : "",
             db_type_built(DB_TYPE_MYSQL) ? ", mysql://…" : "");
    return -1;
}

struct db *db_open(const struct db_target *t, int create, char *err, size_t errlen)
{
    struct db *d;

    if (!db_type_built(t->type)) {
        snprintf(err, errlen, "this build has no back-end of type %d", t->type);
        return NULL;
    }
    /* a server's client library: loaded now, the first time one is opened */
#ifdef HAVE_PGSQL
    if (t->type == DB_TYPE_PGSQL && db_pq_load(err, errlen) != 0)
        return NULL;
#endif
#ifdef HAVE_MYSQL
    if (t->type == DB_TYPE_MYSQL && db_my_load(err, errlen) != 0)
        return NULL;
#endif
    if ((d = emg_calloc(1, sizeof(*d))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->type = t->type;
    if (t->type == DB_TYPE_SQLITE)
        d->sqlite = db_sqlite_open(t->file, create, err, errlen);
    else if (t->type == DB_TYPE_PGSQL)
        d->pgsql = db_pgsql_open(t->conninfo, t->password_file, err, errlen);
    else
        d->mysql = db_mysql_open(t->conninfo, t->password_file, err, errlen);
    if (d->sqlite == NULL && d->pgsql == NULL && d->mysql == NULL) {
        emg_free(d);
        return NULL;
    }
    return d;
}

void db_close(struct db *d)
{
    if (d == NULL)
        return;
    if (d->sqlite != NULL)
        db_sqlite_close(d->sqlite);
#ifdef HAVE_PGSQL
    if (d->pgsql != NULL)
        db_pgsql_close(d->pgsql);
#endif
#ifdef HAVE_MYSQL
    if (d->mysql != NULL)
        db_mysql_close(d->mysql);
#endif
    emg_free(d);
}

/* The call for the back-end of d that is not SQLite's. */
#if defined(HAVE_PGSQL) && defined(HAVE_MYSQL)
#define PG_OR_MY(pg, my) return d->pgsql != NULL ? (pg) : (my)
#elif defined(HAVE_PGSQL)
#define PG_OR_MY(pg, my) return pg
#elif defined(HAVE_MYSQL)
#define PG_OR_MY(pg, my) return my
#else
#define PG_OR_MY(pg, my)                                                                           \
    do {                                                                                           \
        snprintf(err, errlen, "no server back-end");                                               \
        return -1;                                                                                 \
    } while (0)
#endif


int db_version(struct db *d, char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_version(d->sqlite, err, errlen);
    PG_OR_MY(db_pgsql_version(d->pgsql, err, errlen),
             db_mysql_version(d->mysql, err, errlen));
}

int db_schema(struct db *d, int *from, char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_schema(d->sqlite, from, err, errlen);
    PG_OR_MY(db_pgsql_schema(d->pgsql, from, err, errlen),
             db_mysql_schema(d->mysql, from, err, errlen));
}

long db_insert(struct db *d, const char *node, const char *box, const struct db_row *rows,
               const char *const *sessions, size_t n, char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_insert(d->sqlite, node, box, rows, sessions, n, err, errlen);
    PG_OR_MY(db_pgsql_insert(d->pgsql, node, box, rows, sessions, n, err, errlen),
             db_mysql_insert(d->mysql, node, box, rows, sessions, n, err, errlen));
}

long db_insert_by_table(void *be, db_insert_some_fn some, size_t per, const char *node,
                        const char *box, const struct db_row *rows, const char *const *sessions,
                        size_t n, char *err, size_t errlen)
{
    size_t *idx = emg_malloc((n ? n : 1) * sizeof(*idx));
    long inserted = 0, got;

    if (idx == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int t = 0; t < DB_TABLES; t++) {
        size_t k = 0;

        for (size_t i = 0; i <= n; i++) {
            if (i < n && rows[i].table == t)
                idx[k++] = i;
            if (k > 0 && (k == per || i == n)) {
                got = some(be, t, node, box, rows, sessions, idx, k, err, errlen);
                if (got < 0) {
                    emg_free(idx);
                    return -1;
                }
                inserted += got;
                k = 0;
            }
        }
    }
    emg_free(idx);
    return inserted;
}

long db_expire(struct db *d, const char *node, int64_t before_us, int limit, char *err,
               size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_expire(d->sqlite, node, before_us, limit, err, errlen);
    PG_OR_MY(db_pgsql_expire(d->pgsql, node, before_us, limit, err, errlen),
             db_mysql_expire(d->mysql, node, before_us, limit, err, errlen));
}

int db_lines(struct db *d, const char *table, const char *node, const char *connector,
             int have_instance, unsigned long instance, int64_t from_us, int64_t to_us,
             void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
             char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_lines(d->sqlite, table, node, connector, have_instance, instance, from_us,
                               to_us, each, ctx, err, errlen);
    PG_OR_MY(db_pgsql_lines(d->pgsql, table, node, connector, have_instance, instance, from_us, to_us,
                      each, ctx, err, errlen),
             db_mysql_lines(d->mysql, table, node, connector, have_instance, instance, from_us, to_us,
                      each, ctx, err, errlen));
}

long db_end_lines(struct db *d, const char *table, const char *node, const char *connector,
                  unsigned long instance, int last, long limit,
                  void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                  char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_end_lines(d->sqlite, table, node, connector, instance, last, limit, each,
                                   ctx, err, errlen);
    PG_OR_MY(db_pgsql_end_lines(d->pgsql, table, node, connector, instance, last, limit, each, ctx,
                                err, errlen),
             db_mysql_end_lines(d->mysql, table, node, connector, instance, last, limit, each, ctx,
                                err, errlen));
}

int db_table_lines(struct db *d, const char *table, const char *node,
                   void (*each)(void *ctx, const char *line, size_t n, int64_t ts), void *ctx,
                   char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_table_lines(d->sqlite, table, node, each, ctx, err, errlen);
    PG_OR_MY(db_pgsql_table_lines(d->pgsql, table, node, each, ctx, err, errlen),
             db_mysql_table_lines(d->mysql, table, node, each, ctx, err, errlen));
}

long db_message_lines(struct db *d, const char *node, const char *key, int ranged, int64_t from_us,
                      int64_t to_us,
                      void (*each)(void *ctx, int64_t id, const char *line, size_t n, int64_t ts),
                      void *ctx, char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_message_lines(d->sqlite, node, key, ranged, from_us, to_us, each, ctx, err,
                                       errlen);
    PG_OR_MY(db_pgsql_message_lines(d->pgsql, node, key, ranged, from_us, to_us, each, ctx, err,
                                    errlen),
             db_mysql_message_lines(d->mysql, node, key, ranged, from_us, to_us, each, ctx, err,
                                    errlen));
}

int db_nodes(struct db *d, const char *connector, void (*each)(void *ctx, const char *node),
             void *ctx, char *err, size_t errlen)
{
    if (d->sqlite != NULL)
        return db_sqlite_read_nodes(d->sqlite, connector, each, ctx, err, errlen);
    PG_OR_MY(db_pgsql_nodes(d->pgsql, connector, each, ctx, err, errlen),
             db_mysql_nodes(d->mysql, connector, each, ctx, err, errlen));
}
