/*
 * follow_model: emgdiag-follow's session model (see follow_model.h).
 */
#include "follow_model.h"

#include <stdlib.h>
#include <string.h>

#include "print_escaped.h"

/* ---- sessions ------------------------------------------------------------- */

static size_t inst_slot(const struct model *m, unsigned long instance)
{
    size_t i = (size_t)(instance * 2654435761u) & (m->capinst - 1);

    while (m->inst[i].used && m->inst[i].instance != instance)
        i = (i + 1) & (m->capinst - 1);
    return i;
}

/* The entry of `instance`; NULL when it has none and `create` is 0. */
static struct instance *inst_get(struct model *m, unsigned long instance, int create)
{
    struct instance *e;
    size_t i;

    if (m->capinst == 0) {
        if (!create)
            return NULL;
        m->capinst = 64;
        m->inst = xrealloc(NULL, m->capinst * sizeof *m->inst);
        memset(m->inst, 0, m->capinst * sizeof *m->inst);
    }
    e = &m->inst[inst_slot(m, instance)];
    if (e->used || !create)
        return e->used ? e : NULL;
    if (2 * (m->ninst + 1) > m->capinst) {
        struct instance *old = m->inst;
        size_t oldcap = m->capinst;

        m->capinst *= 2;
        m->inst = xrealloc(NULL, m->capinst * sizeof *m->inst);
        memset(m->inst, 0, m->capinst * sizeof *m->inst);
        for (i = 0; i < oldcap; i++)
            if (old[i].used)
                m->inst[inst_slot(m, old[i].instance)] = old[i];
        free(old);
        e = &m->inst[inst_slot(m, instance)];
    }
    e->used = 1;
    e->instance = instance;
    m->ninst++;
    return e;
}

/* The last session of `instance` when it has not ended, else NULL. */
static struct session *open_session(struct model *m, unsigned long instance)
{
    struct instance *e = inst_get(m, instance, 0);
    struct session *s;

    if (e == NULL || e->n == 0)
        return NULL;
    s = &m->sessions[e->sess[e->n - 1]];
    return s->ended ? NULL : s;
}

static struct session *new_session(struct model *m, unsigned long instance, int started,
                                   const char *start)
{
    struct instance *e = inst_get(m, instance, 1);
    struct session *s;

    if (m->nsessions == m->capsessions) {
        m->capsessions = m->capsessions ? m->capsessions * 2 : 16;
        m->sessions = xrealloc(m->sessions, m->capsessions * sizeof *m->sessions);
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->sess = xrealloc(e->sess, e->cap * sizeof *e->sess);
    }
    e->sess[e->n++] = m->nsessions;
    s = &m->sessions[m->nsessions++];
    memset(s, 0, sizeof *s);
    s->instance = instance;
    s->ordinal = (int)e->n;
    s->started = started;
    memcpy(s->start, start, TS_LEN + 1);
    return s;
}

static void session_add(struct session *s, size_t line_index, const char *ts)
{
    if (s->nidx == s->capidx) {
        s->capidx = s->capidx ? s->capidx * 2 : 8;
        s->idx = xrealloc(s->idx, s->capidx * sizeof *s->idx);
    }
    s->idx[s->nidx++] = line_index;
    memcpy(s->end, ts, TS_LEN + 1);
}

/* Places connector line `i` into its session. */
static void model_place(struct model *m, size_t i)
{
    const struct line *l = &m->lines[i];
    struct session *s = open_session(m, l->instance);

    if (l->ev == EV_CONNECT) {
        if (s != NULL)
            s->superseded = 1; /* no DISCONNECT: it ends where this one starts */
        s = new_session(m, l->instance, 1, l->ts);
    } else if (s == NULL) {
        s = new_session(m, l->instance, 0, l->ts);
    }
    session_add(s, i, l->ts);
    if (l->ev == EV_DISCONNECT || (l->ev == EV_CONNECT && l->err))
        s->ended = 1;
}

void model_add_line(struct model *m, const struct line *l)
{
    if (m->nlines == m->caplines) {
        m->caplines = m->caplines ? m->caplines * 2 : 64;
        m->lines = xrealloc(m->lines, m->caplines * sizeof *m->lines);
    }
    m->lines[m->nlines++] = *l;
    model_place(m, m->nlines - 1);
}

void model_free(struct model *m)
{
    size_t i;

    for (i = 0; i < m->nlines; i++)
        free(m->lines[i].text);
    for (i = 0; i < m->nsessions; i++)
        free(m->sessions[i].idx);
    for (i = 0; i < m->capinst; i++)
        free(m->inst[i].sess);
    free(m->inst);
    free(m->lines);
    free(m->sessions);
}

/* The session of `instance` that a pdu line at `ts` belongs to, or NULL.
 * Sessions of one instance follow each other in time; a line belongs to the
 * last one that started at or before it, unless that one had ended before
 * it.  A line earlier than every session belongs to the first one when
 * that one did not start with a CONNECT (the log began inside it). */
struct session *session_for(struct model *m, unsigned long instance, const char *ts)
{
    struct instance *e = inst_get(m, instance, 0);
    struct session *s;
    size_t lo = 0, hi, mid;

    if (e == NULL || e->n == 0)
        return NULL;
    hi = e->n; /* the answer is the last index in [0, hi) with start <= ts */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (strcmp(m->sessions[e->sess[mid]].start, ts) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) {
        s = &m->sessions[e->sess[0]];
        return s->started ? NULL : s;
    }
    s = &m->sessions[e->sess[lo - 1]];
    if (s->ended && strcmp(ts, s->end) > 0)
        return NULL;
    return s;
}

/* ---- output ------------------------------------------------------------- */

void print_line(FILE *out, const struct line *l)
{
    print_escaped(out, l->text, l->len);
    putc('\n', out);
}

void list_session(FILE *out, const struct model *m, const struct session *s)
{
    size_t i;

    fprintf(out, "(%lu) #%d %s%s .. %s", s->instance, s->ordinal, s->started ? "" : "(log starts) ",
            s->start,
            s->ended        ? s->end
            : s->superseded ? "(no DISCONNECT)"
                            : "(open)");
    for (i = 0; i < s->nidx; i++) {
        const struct line *l = &m->lines[s->idx[i]];

        if (i < 8) {
            /* the event and outcome: what follows "<ts> (<n>) " */
            fputs(i == 0 ? ": " : ", ", out);
            print_escaped(out, l->text + l->rest, l->len - l->rest);
        } else if (i == 8) {
            fprintf(out, ", ... %zu more", s->nidx - 8);
        }
    }
    fprintf(out, "; %lu pdu line%s\n", s->pdus, s->pdus == 1 ? "" : "s");
}
