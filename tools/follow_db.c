/*
 * follow_db: a connector's lines from the database, as files (see
 * follow_db.h).
 */
#include "follow_db.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "db_sqlite.h"

#define PROG "emgdiag-follow"

/* The node that has `connector`: `node` when given; else the only one, or
 * NULL after a message (none, or several). */
static char *pick_node(sqlite3 *db, const char *node, const char *connector)
{
    sqlite3_stmt *st = NULL;
    char *found = NULL;
    int n = 0, rc;

    if (node != NULL)
        return strdup(node);
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT node FROM connectorlog WHERE connector = ?1 UNION "
                           "SELECT DISTINCT node FROM pdulog WHERE connector = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", PROG, sqlite3_errmsg(db));
        return NULL;
    }
    sqlite3_bind_text(st, 1, connector, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == 0) {
            found = strdup((const char *)sqlite3_column_text(st, 0));
        } else {
            if (n == 2)
                fprintf(stderr, "%s: connector \"%s\" is on more than one node (%s", PROG,
                        connector, found);
            fprintf(stderr, ", %s", (const char *)sqlite3_column_text(st, 0));
        }
    }
    sqlite3_finalize(st);
    if (n > 1) {
        fprintf(stderr, "): choose one with --node\n");
        free(found);
        return NULL;
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s\n", PROG, sqlite3_errmsg(db));
        free(found);
        return NULL;
    }
    if (n == 0)
        found = strdup(""); /* no rows: empty logs, reported as files would be */
    return found;
}

/* The lines of one table into a new anonymous file; its fd, or -1. */
static int export_table(sqlite3 *db, const char *table, const char *node, const char *connector,
                        int have_instance, unsigned long instance)
{
    char sql[256];
    sqlite3_stmt *st = NULL;
    FILE *out;
    int fd, rc;

    fd = memfd_create(table, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: memfd_create: %s\n", PROG, strerror(errno));
        return -1;
    }
    snprintf(sql, sizeof(sql),
             "SELECT line FROM %s WHERE connector = ?1 AND node = ?2%s ORDER BY id", table,
             have_instance ? " AND instance = ?3" : "");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", PROG, sqlite3_errmsg(db));
        close(fd);
        return -1;
    }
    sqlite3_bind_text(st, 1, connector, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, node, -1, SQLITE_STATIC);
    if (have_instance)
        sqlite3_bind_int64(st, 3, (sqlite3_int64)instance);
    out = fdopen(dup(fd), "w");
    if (out == NULL) {
        fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
        sqlite3_finalize(st);
        close(fd);
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fwrite(sqlite3_column_blob(st, 0), 1, (size_t)sqlite3_column_bytes(st, 0), out);
        putc('\n', out);
    }
    sqlite3_finalize(st);
    if (fclose(out) != 0 || rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s: %s\n", PROG, table,
                rc != SQLITE_DONE ? sqlite3_errmsg(db) : strerror(errno));
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

int follow_db_export(const char *uri, const char *node, const char *connector, int have_instance,
                     unsigned long instance, char *con_path, char *pdu_path)
{
    struct db_sqlite *d;
    char err[512], *picked;
    int cfd = -1, pfd = -1, v;

    if (strncmp(uri, "sqlite:", 7) != 0 || uri[7] == '\0') {
        fprintf(stderr, "%s: --db %s: this build reads sqlite:PATH only\n", PROG, uri);
        return -1;
    }
    d = db_sqlite_open(uri + 7, 0, err, sizeof(err));
    if (d == NULL) {
        fprintf(stderr, "%s: --db %s: %s\n", PROG, uri, err);
        return -1;
    }
    v = db_sqlite_version(d, err, sizeof(err));
    if (v != DB_SCHEMA_VERSION) {
        if (v >= 0)
            fprintf(stderr, "%s: --db %s: schema version %d, this tool reads %d%s\n", PROG, uri, v,
                    DB_SCHEMA_VERSION, v < DB_SCHEMA_VERSION ? " (emgdiag-db upgrade)" : "");
        else
            fprintf(stderr, "%s: --db %s: %s\n", PROG, uri, err);
        db_sqlite_close(d);
        return -1;
    }
    picked = pick_node(db_sqlite_handle(d), node, connector);
    if (picked != NULL) {
        cfd = export_table(db_sqlite_handle(d), "connectorlog", picked, connector, have_instance,
                           instance);
        if (cfd >= 0)
            pfd = export_table(db_sqlite_handle(d), "pdulog", picked, connector, have_instance,
                               instance);
    }
    free(picked);
    db_sqlite_close(d);
    if (cfd < 0 || pfd < 0) {
        if (cfd >= 0)
            close(cfd);
        return -1;
    }
    snprintf(con_path, 64, "/proc/self/fd/%d", cfd);
    snprintf(pdu_path, 64, "/proc/self/fd/%d", pfd);
    return 0;
}
