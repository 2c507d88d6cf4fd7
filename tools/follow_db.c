/*
 * follow_db: a connector's lines from the database, as files (see
 * follow_db.h).
 */
#include "follow_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "db.h"

#define PROG "emgdiag-follow"

struct nodes {
    char *first;
    int n;
};

static void on_node(void *ctx, const char *node)
{
    struct nodes *ns = ctx;

    if (ns->n++ == 0)
        ns->first = strdup(node);
    else if (ns->n == 2)
        fprintf(stderr, "%s: the connector is on more than one node: %s, %s", PROG, ns->first,
                node);
    else
        fprintf(stderr, ", %s", node);
}

static void on_line(void *ctx, const char *line, size_t n)
{
    FILE *out = ctx;

    fwrite(line, 1, n, out);
    putc('\n', out);
}

/* The lines of one table into a new anonymous file; its fd, or -1. */
static int export_table(struct db *d, const char *table, const char *node, const char *connector,
                        int have_instance, unsigned long instance)
{
    char err[512];
    FILE *out;
    int fd, rc;

    fd = memfd_create(table, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: memfd_create: %s\n", PROG, strerror(errno));
        return -1;
    }
    out = fdopen(dup(fd), "w");
    if (out == NULL) {
        fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
        close(fd);
        return -1;
    }
    rc = db_lines(d, table, node, connector, have_instance, instance, on_line, out, err,
                  sizeof(err));
    if (fclose(out) != 0 || rc != 0) {
        fprintf(stderr, "%s: %s\n", PROG, rc != 0 ? err : strerror(errno));
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

int follow_db_export(const char *uri, const char *node, const char *connector, int have_instance,
                     unsigned long instance, char *con_path, char *pdu_path)
{
    struct db_target t;
    struct nodes ns = { NULL, 0 };
    struct db *d;
    char err[512];
    int cfd = -1, pfd = -1, v;

    if (db_target_from_uri(uri, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: --db: %s\n", PROG, err);
        return -1;
    }
    d = db_open(&t, 0, err, sizeof(err));
    if (d == NULL) {
        fprintf(stderr, "%s: --db: %s\n", PROG, err);
        return -1;
    }
    v = db_version(d, err, sizeof(err));
    if (v != DB_SCHEMA_VERSION) {
        if (v >= 0)
            fprintf(stderr, "%s: --db: schema version %d, this tool reads %d%s\n", PROG, v,
                    DB_SCHEMA_VERSION, v < DB_SCHEMA_VERSION ? " (emgdiag-db upgrade)" : "");
        else
            fprintf(stderr, "%s: --db: %s\n", PROG, err);
        db_close(d);
        return -1;
    }
    if (node == NULL) {
        if (db_nodes(d, connector, on_node, &ns, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: --db: %s\n", PROG, err);
            ns.n = -1;
        } else if (ns.n > 1) {
            fprintf(stderr, ": choose one with --node\n");
        }
        node = ns.first != NULL ? ns.first : ""; /* none: empty logs, reported as files are */
    }
    if (ns.n <= 1) {
        cfd = export_table(d, "connectorlog", node, connector, have_instance, instance);
        if (cfd >= 0)
            pfd = export_table(d, "pdulog", node, connector, have_instance, instance);
    }
    free(ns.first);
    db_close(d);
    if (cfd < 0 || pfd < 0) {
        if (cfd >= 0)
            close(cfd);
        return -1;
    }
    snprintf(con_path, 64, "/proc/self/fd/%d", cfd);
    snprintf(pdu_path, 64, "/proc/self/fd/%d", pfd);
    return 0;
}
