/*
 * follow_db: a connector's lines from the database, as files (see
 * follow_db.h).
 */
#include "follow_db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "db.h"
#include "logline.h"
#include "xalloc.h"

#define PROG "emgdiag-follow"

/* The database between the two calls, and the connector lines' times in
 * the order they were written. */
static struct db *db;
static char *db_node;
static const char *db_connector;
static int db_have_instance;
static unsigned long db_instance;
static int64_t *con_ts;
static size_t n_con, cap_con;

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

struct out {
    FILE *fp;
    int keep_ts;
};

static void on_line(void *ctx, const char *line, size_t n, int64_t ts)
{
    struct out *o = ctx;

    fwrite(line, 1, n, o->fp);
    putc('\n', o->fp);
    if (o->keep_ts) {
        if (n_con == cap_con) {
            cap_con = cap_con ? 2 * cap_con : 256;
            con_ts = realloc(con_ts, cap_con * sizeof(*con_ts));
            if (con_ts == NULL) {
                fprintf(stderr, "%s: out of memory\n", PROG);
                exit(2);
            }
        }
        con_ts[n_con++] = ts;
    }
}

/* The lines of one table within [from, to] into a new anonymous file; its
 * fd, or -1. */
static int export_table(const char *table, int have_instance, int64_t from, int64_t to,
                        int keep_ts)
{
    char err[512];
    struct out o;
    int fd, rc;

    fd = memfd_create(table, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: memfd_create: %s\n", PROG, strerror(errno));
        return -1;
    }
    o.fp = fdopen(dup(fd), "w");
    o.keep_ts = keep_ts;
    if (o.fp == NULL) {
        fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
        close(fd);
        return -1;
    }
    rc = db_lines(db, table, db_node, db_connector, have_instance, db_instance, from, to, on_line,
                  &o, err, sizeof(err));
    if (fclose(o.fp) != 0 || rc != 0) {
        fprintf(stderr, "%s: %s\n", PROG, rc != 0 ? err : strerror(errno));
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Rows read from one end of the connector's log (db_end_lines()). */
struct grab {
    struct grabbed {
        char *text;
        size_t n;
        int64_t ts;
    } *l;
    size_t n, cap;
};

static void on_grab(void *ctx, const char *line, size_t n, int64_t ts)
{
    struct grab *g = ctx;

    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->l = xrealloc(g->l, g->cap * sizeof(*g->l));
    }
    g->l[g->n].text = xrealloc(NULL, n + 1);
    memcpy(g->l[g->n].text, line, n);
    g->l[g->n].text[n] = '\0';
    g->l[g->n].n = n;
    g->l[g->n++].ts = ts;
}

static void grab_free(struct grab *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->l[i].text);
    free(g->l);
    memset(g, 0, sizeof(*g));
}

/* The sessions the tool's model (follow_model.h) cuts g->l[from..] into. */
static size_t sessions_of(const struct grab *g, size_t from)
{
    struct model m;
    struct line l;
    size_t n;

    memset(&m, 0, sizeof(m));
    for (size_t i = from; i < g->n; i++) {
        memset(&l, 0, sizeof(l));
        l.len = g->l[i].n;
        l.text = xrealloc(NULL, l.len + 1);
        memcpy(l.text, g->l[i].text, l.len + 1);
        if (parse_connector_line(&l) != 0) {
            free(l.text); /* the tool reports it when it reads the file */
            continue;
        }
        model_add_line(&m, &l);
    }
    n = m.nsessions;
    model_free(&m);
    return n;
}

/* Session `want` of the instance (1 the first, -1 the last) needs only the
 * rows up to the start of the next session, or from the CONNECT line that
 * starts it (or an earlier one): the model starts a new session at every
 * CONNECT whatever came before, so the sessions from a CONNECT on are the
 * same as in the whole log, and the tool numbers sessions only from the end
 * it asked from.  The rows are read from that end through the index, four
 * times as many each round, until they hold the session and its bounds
 * (or all the rows there are).  The anonymous file's fd; -1 after an
 * error; -2 when the back-end cannot read one end (read everything). */
static int export_end(long want)
{
    struct grab g = { NULL, 0, 0 };
    unsigned long need = want > 0 ? (unsigned long)want + 1 : (unsigned long)-want;
    long limit = (long)(need < 16 ? 16 : need) * 4, got;
    size_t from = 0;
    char err[512];
    struct out o;
    int fd;

    for (;;) {
        got = db_end_lines(db, "connectorlog", db_node, db_connector, db_instance, want < 0, limit,
                           on_grab, &g, err, sizeof(err));
        if (got < 0) {
            grab_free(&g);
            if (got == -1)
                fprintf(stderr, "%s: %s\n", PROG, err);
            return (int)got;
        }
        if (got < limit)
            break; /* every row of the instance */
        if (want < 0) {
            struct line l;

            for (from = 0; from < g.n; from++) {
                memset(&l, 0, sizeof(l));
                l.text = g.l[from].text;
                l.len = g.l[from].n;
                if (parse_connector_line(&l) == 0 && l.ev == EV_CONNECT)
                    break;
            }
            if (from < g.n && sessions_of(&g, from) >= need)
                break;
        } else if (sessions_of(&g, 0) >= need) {
            break;
        }
        grab_free(&g);
        from = 0;
        limit = limit > LONG_MAX / 4 ? LONG_MAX : limit * 4;
    }
    fd = memfd_create("connectorlog", 0);
    if (fd < 0 || (o.fp = fdopen(dup(fd), "w")) == NULL) {
        fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
        if (fd >= 0)
            close(fd);
        grab_free(&g);
        return -1;
    }
    o.keep_ts = 1;
    for (size_t i = from; i < g.n; i++)
        on_line(&o, g.l[i].text, g.l[i].n, g.l[i].ts);
    grab_free(&g);
    if (fclose(o.fp) != 0) {
        fprintf(stderr, "%s: %s\n", PROG, strerror(errno));
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

int follow_db_connector(const char *uri, const char *node, const char *connector,
                        int have_instance, unsigned long instance, long want, char *con_path)
{
    struct db_target t;
    struct nodes ns = { NULL, 0 };
    char err[512];
    int fd, v;

    if (db_target_from_uri(uri, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: --db: %s\n", PROG, err);
        return -1;
    }
    db = db_open(&t, 0, err, sizeof(err));
    if (db == NULL) {
        fprintf(stderr, "%s: --db: %s\n", PROG, err);
        return -1;
    }
    v = db_version(db, err, sizeof(err));
    if (v != DB_SCHEMA_VERSION) {
        if (v >= 0)
            fprintf(stderr, "%s: --db: schema version %d, this tool reads %d%s\n", PROG, v,
                    DB_SCHEMA_VERSION, v < DB_SCHEMA_VERSION ? " (emgdiag-db upgrade)" : "");
        else
            fprintf(stderr, "%s: --db: %s\n", PROG, err);
        goto fail;
    }
    if (node == NULL) {
        if (db_nodes(db, connector, on_node, &ns, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: --db: %s\n", PROG, err);
            free(ns.first);
            goto fail;
        }
        if (ns.n > 1) {
            fprintf(stderr, ": choose one with --node\n");
            free(ns.first);
            goto fail;
        }
        /* none: empty logs, reported as files would be */
        db_node = ns.first != NULL ? ns.first : strdup("");
    } else {
        db_node = strdup(node);
    }
    db_connector = connector;
    db_have_instance = have_instance;
    db_instance = instance;
    fd = want != 0 && have_instance ? export_end(want) : -2;
    if (fd == -2) /* every line, or a back-end without db_end_lines() */
        fd = export_table("connectorlog", have_instance, INT64_MIN, INT64_MAX, 1);
    if (fd < 0)
        goto fail;
    snprintf(con_path, 64, "/proc/self/fd/%d", fd);
    return 0;

fail:
    db_close(db);
    db = NULL;
    return -1;
}

/* The time span [*from, *to] of the chosen sessions (one instance), by the
 * placement rule of follow_model.h: a session holds the pdu lines from its
 * first line (from any time before, for a first session that did not start
 * with a CONNECT) up to the next session's first line, and no later than
 * its own last line when it ended. */
static void chosen_span(const struct model *m, const unsigned char *chosen, int64_t *from,
                        int64_t *to)
{
    int any = 0;

    *from = INT64_MAX;
    *to = INT64_MIN;
    if (m->nlines != n_con) { /* a line was skipped: no times to go by */
        *from = INT64_MIN;
        *to = INT64_MAX;
        return;
    }
    for (size_t i = 0; i < m->nsessions; i++) {
        const struct session *s = &m->sessions[i];
        int64_t lo, hi;

        if (!chosen[i] || s->nidx == 0)
            continue;
        any = 1;
        lo = (i == 0 && !s->started) ? INT64_MIN : con_ts[s->idx[0]];
        hi = i + 1 < m->nsessions && m->sessions[i + 1].nidx > 0 ? con_ts[m->sessions[i + 1].idx[0]]
                                                                 : INT64_MAX;
        if (s->ended && con_ts[s->idx[s->nidx - 1]] < hi)
            hi = con_ts[s->idx[s->nidx - 1]];
        if (lo < *from)
            *from = lo;
        if (hi > *to)
            *to = hi;
    }
    if (!any) {
        *from = 0;
        *to = -1;
    }
}

int follow_db_pdu(const struct model *m, const unsigned char *chosen, char *pdu_path)
{
    int64_t from = INT64_MIN, to = INT64_MAX;
    int fd;

    if (db == NULL)
        return -1;
    if (m != NULL && db_have_instance)
        chosen_span(m, chosen, &from, &to);
    fd = export_table("pdulog", db_have_instance, from, to, 0);
    db_close(db);
    db = NULL;
    free(db_node);
    db_node = NULL;
    free(con_ts);
    con_ts = NULL;
    if (fd < 0)
        return -1;
    snprintf(pdu_path, 64, "/proc/self/fd/%d", fd);
    return 0;
}
