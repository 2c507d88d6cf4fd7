/*
 * trace_db: message lines from the database (see trace_db.h).
 */
#include "trace_db.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "msglog.h"

#define PROG "emgdiag-trace"

struct reading {
    struct trace_model *m;
    struct msglog_line l;
    const char *since, *until;
    long rows;
};

static void on_line(void *ctx, const char *line, size_t n, int64_t ts)
{
    struct reading *r = ctx;
    const char *why;

    (void)ts;
    r->rows++;
    if (msglog_parse(&r->l, line, n, &why) != 0) {
        fprintf(stderr, "%s: messagelog row %ld: %s, skipped\n", PROG, r->rows, why);
        r->m->bad_lines++;
        return;
    }
    if (r->l.step != MSG_UNKNOWN_STEP)
        trace_model_add(r->m, &r->l, r->since, r->until);
}

long trace_db_read(struct trace_model *m, const char *uri, const char *node, const char *since,
                   const char *until)
{
    struct reading r;
    struct db_target t;
    struct db *d;
    char err[512];
    int v;

    if (db_target_from_uri(uri, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: --db: %s\n", PROG, err);
        return -1;
    }
    if ((d = db_open(&t, 0, err, sizeof(err))) == NULL) {
        fprintf(stderr, "%s: %s: %s\n", PROG, uri, err);
        return -1;
    }
    if ((v = db_version(d, err, sizeof(err))) < 0 || v < 2) {
        if (v >= 0)
            snprintf(err, sizeof(err), "schema version %d has no messagelog (emgdiag-db upgrade)", v);
        fprintf(stderr, "%s: %s: %s\n", PROG, uri, err);
        db_close(d);
        return -1;
    }
    memset(&r, 0, sizeof(r));
    r.m = m;
    r.since = since;
    r.until = until;
    if (db_table_lines(d, "messagelog", node, on_line, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s: %s\n", PROG, uri, err);
        msglog_line_free(&r.l);
        db_close(d);
        return -1;
    }
    msglog_line_free(&r.l);
    db_close(d);
    return r.rows;
}
