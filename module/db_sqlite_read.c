/*
 * db_sqlite_read.c: the SQLite back-end's reading queries (see
 * db_sqlite_read.h).
 */
#include "db_sqlite_read.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_msgids.h"

long db_sqlite_end_lines(struct db_sqlite *d, const char *table, const char *node,
                         const char *connector, unsigned long instance, int last, long limit,
                         void (*each)(void *ctx, const char *line, size_t n, int64_t ts),
                         void *ctx, char *err, size_t errlen)
{
    sqlite3 *db = db_sqlite_handle(d);
    sqlite3_stmt *st = NULL;
    char sql[512];
    long rows = 0;
    int rc;

    /* The inner query reads only the (connector, node, instance, ts)
     * index, which holds each row's id: the ids of the instance's rows, of
     * which a bounded sorter keeps the first or last `limit`.  Only those
     * rows are then read from the table, by id. */
    snprintf(sql, sizeof(sql),
             "SELECT line, ts FROM %s WHERE id IN (SELECT id FROM %s INDEXED BY %s_connector_ts"
             " WHERE connector = ?1 AND node = ?2 AND instance = ?3 ORDER BY id%s LIMIT ?4)"
             " ORDER BY id",
             table, table, table, last ? " DESC" : "");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", table, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, node, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)instance);
    sqlite3_bind_int64(st, 4, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        each(ctx, (const char *)sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
             sqlite3_column_int64(st, 1));
        rows++;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", table, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return rows;
}

int db_sqlite_read_nodes(struct db_sqlite *d, const char *connector,
                         void (*each)(void *ctx, const char *node), void *ctx, char *err,
                         size_t errlen)
{
    /* One seek in the (connector, node, …) index per node, rather than a
     * walk over every connector row: the first node, then the next one
     * after the last. */
    static const char *const sql[2] = {
        "SELECT node FROM connectorlog INDEXED BY connectorlog_connector_ts"
        " WHERE connector = ?1 AND node >= ?2 ORDER BY node LIMIT 1",
        "SELECT node FROM connectorlog INDEXED BY connectorlog_connector_ts"
        " WHERE connector = ?1 AND node > ?2 ORDER BY node LIMIT 1",
    };
    sqlite3 *db = db_sqlite_handle(d);
    char *last = strdup("");
    int rc = SQLITE_DONE;

    for (int first = 1; last != NULL; first = 0) {
        sqlite3_stmt *st = NULL;
        char *node;

        if (sqlite3_prepare_v2(db, sql[!first], -1, &st, NULL) != SQLITE_OK) {
            rc = SQLITE_ERROR;
            break;
        }
        sqlite3_bind_text(st, 1, connector, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, last, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        node = rc == SQLITE_ROW ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
        sqlite3_finalize(st);
        free(last);
        last = node;
        if (rc == SQLITE_ROW && node == NULL) {
            snprintf(err, errlen, "nodes: out of memory");
            return -1;
        }
        if (node != NULL)
            each(ctx, node);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "nodes: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

long db_sqlite_message_lines(struct db_sqlite *d, const char *node, const char *key, int ranged,
                             int64_t from_us, int64_t to_us,
                             void (*each)(void *ctx, int64_t id, const char *line, size_t n,
                                          int64_t ts),
                             void *ctx, char *err, size_t errlen)
{
    sqlite3 *db = db_sqlite_handle(d);
    sqlite3_stmt *st = NULL;
    char sql[1024];
    const char *range = ranged ? " AND ts BETWEEN ?3 AND ?4" : "";
    const char *of_node = node != NULL ? " AND node = ?5" : "";
    long rows = 0;
    int rc;

    /* Each equality has its index (SQLite's OR optimisation reads the
     * five and joins their row ids); a list's id is found in
     * messagelog_ids and its row by (ts, node) through messagelog_ts
     * (named: with one node, the planner would rather walk the unique
     * key's node prefix, that is every row). */
    snprintf(sql, sizeof(sql),
             "SELECT id, line, ts FROM messagelog WHERE id IN ("
             "SELECT id FROM messagelog WHERE (uuid = ?1 OR message_id = ?1 OR id_raw = ?1"
             " OR dlr_key = ?1 OR \"key\" = ?1)%s%s"
             " UNION SELECT m.id FROM messagelog_ids i JOIN messagelog m INDEXED BY messagelog_ts"
             " ON m.ts = i.ts AND m.node = i.node WHERE i.id = ?2%s%s)"
             " ORDER BY ts, id",
             range, of_node, ranged ? " AND i.ts BETWEEN ?3 AND ?4" : "",
             node != NULL ? " AND i.node = ?5" : "");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "messagelog: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, (int)db_message_id_cut(key, strlen(key)), SQLITE_STATIC);
    if (ranged) {
        sqlite3_bind_int64(st, 3, from_us);
        sqlite3_bind_int64(st, 4, to_us);
    }
    if (node != NULL)
        sqlite3_bind_text(st, 5, node, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        each(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_blob(st, 1),
             (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_int64(st, 2));
        rows++;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "messagelog: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return rows;
}
