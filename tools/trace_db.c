/*
 * trace_db: message lines from the database (see trace_db.h).
 */
#include "trace_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "msglog.h"
#include "trace_rounds.h"
#include "xalloc.h"

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

/* Opens uri with a schema that has messagelog; its version in *version.
 * NULL after an error (reported). */
static struct db *open_db(const char *uri, int *version)
{
    struct db_target t;
    struct db *d;
    char err[512];
    int v;

    if (db_target_from_uri(uri, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: --db: %s\n", PROG, err);
        return NULL;
    }
    if ((d = db_open(&t, 0, err, sizeof(err))) == NULL) {
        fprintf(stderr, "%s: %s: %s\n", PROG, uri, err);
        return NULL;
    }
    if ((v = db_version(d, err, sizeof(err))) < 0 || v < 2) {
        if (v >= 0)
            snprintf(err, sizeof(err), "schema version %d has no messagelog (emgdiag-db upgrade)", v);
        fprintf(stderr, "%s: %s: %s\n", PROG, uri, err);
        db_close(d);
        return NULL;
    }
    *version = v;
    return d;
}

static long read_all(struct db *d, struct trace_model *m, const char *uri, const char *node,
                     const char *since, const char *until)
{
    struct reading r;
    char err[512];

    memset(&r, 0, sizeof(r));
    r.m = m;
    r.since = since;
    r.until = until;
    if (db_table_lines(d, "messagelog", node, on_line, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s: %s\n", PROG, uri, err);
        msglog_line_free(&r.l);
        return -1;
    }
    msglog_line_free(&r.l);
    return r.rows;
}

long trace_db_read(struct trace_model *m, const char *uri, const char *node, const char *since,
                   const char *until)
{
    struct db *d;
    long rows;
    int v;

    if ((d = open_db(uri, &v)) == NULL)
        return -1;
    rows = read_all(d, m, uri, node, since, until);
    db_close(d);
    return rows;
}

/* ---- one id, through the indexes ---------------------------------------- */

/* The search of the rounds (trace_rounds.h) over the database. */
struct id_search {
    struct db *d;
    const char *uri, *node, *since, *until;
    struct trace_model *m;
    struct msglog_line l;
    const char *key; /* of the query running */
    long rows;
    int failed, unsupported;
    /* Row keys already taken (added, or reported as not in the grammar):
     * an open-addressing set, 0 marking a free slot (row keys start at 1). */
    int64_t *seen;
    size_t n_seen, cap_seen;
    /* ts minus the time its line writes, over the rows added: the offset
     * of the files' time zone, to turn a window of line times into ts. */
    long long off_min, off_max;
    int have_off;
};

static uint64_t mix(int64_t v)
{
    uint64_t h = (uint64_t)v * 0x9e3779b97f4a7c15ull;

    return h ^ (h >> 29);
}

/* Marks row key `id` taken; 1 when it already was. */
static int already(struct id_search *s, int64_t id)
{
    size_t i, old_cap;
    int64_t *old;

    if ((s->n_seen + 1) * 2 > s->cap_seen) {
        old = s->seen;
        old_cap = s->cap_seen;
        s->cap_seen = old_cap ? old_cap * 2 : 256;
        s->seen = xmalloc(s->cap_seen * sizeof(*s->seen));
        memset(s->seen, 0, s->cap_seen * sizeof(*s->seen));
        for (i = 0; i < old_cap; i++) {
            if (old[i] != 0) {
                size_t k = mix(old[i]) & (s->cap_seen - 1);

                while (s->seen[k] != 0)
                    k = (k + 1) & (s->cap_seen - 1);
                s->seen[k] = old[i];
            }
        }
        free(old);
    }
    for (i = mix(id) & (s->cap_seen - 1); s->seen[i] != 0; i = (i + 1) & (s->cap_seen - 1)) {
        if (s->seen[i] == id)
            return 1;
    }
    s->seen[i] = id;
    s->n_seen++;
    return 0;
}

static void on_row(void *ctx, int64_t id, const char *line, size_t n, int64_t ts)
{
    struct id_search *s = ctx;
    const char *why;
    size_t before = s->m->n;
    long long off;

    s->rows++;
    if (msglog_parse(&s->l, line, n, &why) != 0) {
        /* As a file's line holding the id: reported once. */
        if (!already(s, id)) {
            fprintf(stderr, "%s: messagelog row id=%lld: %s, skipped\n", PROG, (long long)id, why);
            s->m->bad_lines++;
        }
        return;
    }
    if (s->l.step == MSG_UNKNOWN_STEP || !trace_rounds_line_has_id(&s->l, s->key) || already(s, id))
        return;
    trace_model_add(s->m, &s->l, s->since, s->until);
    if (s->m->n > before) {
        off = (long long)ts - trace_ts_us(s->l.ts);
        if (!s->have_off || off < s->off_min)
            s->off_min = off;
        if (!s->have_off || off > s->off_max)
            s->off_max = off;
        s->have_off = 1;
    }
}

static void search(void *ctx, struct trace_model *m, char *const *keys, size_t first, size_t n,
                   const char *lo, const char *hi, const char *since, const char *until)
{
    struct id_search *s = ctx;
    int64_t from = 0, to = 0;
    char err[512];
    long got;
    size_t k;

    (void)m, (void)since, (void)until; /* the same as in s */
    if (lo != NULL) {
        /* [lo, hi) in the lines' time, as ts. */
        from = trace_ts_us(lo) + (s->have_off ? s->off_min : 0);
        to = trace_ts_us(hi) - 1 + (s->have_off ? s->off_max : 0);
    }
    for (k = first; k < n && !s->failed && !s->unsupported; k++) {
        if (keys[k][0] == '\0')
            continue;
        s->key = keys[k];
        got = db_message_lines(s->d, s->node, keys[k], lo != NULL, from, to, on_row, s, err,
                               sizeof(err));
        if (got == -2) {
            s->unsupported = 1;
        } else if (got < 0) {
            fprintf(stderr, "%s: %s: %s\n", PROG, s->uri, err);
            s->failed = 1;
        }
    }
}

long trace_db_id(struct trace_model *m, const char *uri, const char *node, const char *id,
                 const char *since, const char *until)
{
    struct id_search s;
    long rows;
    int v, all;

    memset(&s, 0, sizeof(s));
    if ((s.d = open_db(uri, &v)) == NULL)
        return -1;
    s.uri = uri;
    s.node = node;
    s.since = since;
    s.until = until;
    s.m = m;
    /* EMGDIAG_TRACE_DB_ALL: the whole table, as before the search by id
     * (for the tests and bench/trace.sh, which compare the two). */
    all = getenv("EMGDIAG_TRACE_DB_ALL") != NULL && getenv("EMGDIAG_TRACE_DB_ALL")[0] != '\0';
    if (v >= 4 && !all)
        trace_rounds(search, &s, m, id, since, until);
    if (all) {
        rows = read_all(s.d, m, uri, node, since, until);
    } else if (v < 4 || s.unsupported) {
        /* No messagelog_ids, or no query for it: every row, as before. */
        fprintf(stderr, "%s: %s: %s: reading every messagelog row\n", PROG, uri,
                v < 4 ? "schema version older than 4 (emgdiag-db upgrade)"
                      : "this back-end has no search by id");
        trace_model_free(m);
        trace_model_init(m);
        rows = read_all(s.d, m, uri, node, since, until);
    } else {
        rows = s.failed ? -1 : s.rows;
    }
    msglog_line_free(&s.l);
    free(s.seen);
    db_close(s.d);
    return rows;
}
