/*
 * trace_model: message-log records and their index (see trace_model.h).
 */
#include "trace_model.h"

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msgid_cause.h"
#include "xalloc.h"

/* ---- the index: "<space>:<key>" -> record indexes ----------------------- */

struct ix_entry {
    char *key; /* NULL: empty slot */
    size_t *idx;
    size_t n, cap;
};

struct trace_index {
    struct ix_entry *slots;
    size_t n_slots, used;
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static struct ix_entry *ix_find(struct trace_index *ix, const char *key, size_t n, int create)
{
    size_t i, j;
    struct ix_entry *old;

    if (create && (ix->used + 1) * 2 > ix->n_slots) {
        old = ix->slots;
        j = ix->n_slots;
        ix->n_slots = j ? j * 2 : 1024;
        ix->slots = xmalloc(ix->n_slots * sizeof(*ix->slots));
        memset(ix->slots, 0, ix->n_slots * sizeof(*ix->slots));
        for (i = 0; i < j; i++) {
            if (old[i].key != NULL) {
                size_t k = hash(old[i].key, strlen(old[i].key)) & (ix->n_slots - 1);

                while (ix->slots[k].key != NULL)
                    k = (k + 1) & (ix->n_slots - 1);
                ix->slots[k] = old[i];
            }
        }
        free(old);
    }
    if (ix->n_slots == 0)
        return NULL;
    for (i = hash(key, n) & (ix->n_slots - 1);; i = (i + 1) & (ix->n_slots - 1)) {
        if (ix->slots[i].key == NULL)
            break;
        if (strlen(ix->slots[i].key) == n && memcmp(ix->slots[i].key, key, n) == 0)
            return &ix->slots[i];
    }
    if (!create)
        return NULL;
    ix->slots[i].key = xstrndup(key, n);
    ix->used++;
    return &ix->slots[i];
}

static void ix_add(struct trace_index *ix, char space, const char *value, size_t n, size_t rec)
{
    char stack[256], *key = n + 3 <= sizeof(stack) ? stack : xmalloc(n + 3);
    struct ix_entry *e;

    key[0] = space;
    key[1] = ':';
    memcpy(key + 2, value, n);
    e = ix_find(ix, key, n + 2, 1);
    if (key != stack)
        free(key);
    if (e->n > 0 && e->idx[e->n - 1] == rec)
        return;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 2;
        e->idx = xrealloc(e->idx, e->cap * sizeof(*e->idx));
    }
    e->idx[e->n++] = rec;
}

const size_t *trace_lookup(const struct trace_model *m, char space, const char *key, size_t *n)
{
    size_t len = strlen(key);
    char stack[256], *k = len + 3 <= sizeof(stack) ? stack : xmalloc(len + 3);
    struct ix_entry *e;

    k[0] = space;
    k[1] = ':';
    memcpy(k + 2, key, len);
    e = m->ix != NULL ? ix_find(m->ix, k, len + 2, 0) : NULL;
    if (k != stack)
        free(k);
    *n = e != NULL ? e->n : 0;
    return e != NULL ? e->idx : NULL;
}

/* ---- records ------------------------------------------------------------ */

void trace_model_init(struct trace_model *m)
{
    memset(m, 0, sizeof(*m));
}

void trace_model_free(struct trace_model *m)
{
    size_t i;
    int k;

    for (i = 0; i < m->n; i++) {
        free(m->recs[i].connector);
        for (k = 0; k < MK_KEYS; k++)
            free(m->recs[i].v[k]);
    }
    free(m->recs);
    if (m->ix != NULL) {
        for (i = 0; i < m->ix->n_slots; i++) {
            free(m->ix->slots[i].key);
            free(m->ix->slots[i].idx);
        }
        free(m->ix->slots);
        free(m->ix);
    }
    memset(m, 0, sizeof(*m));
}

static int ts_cmp_prefix(const char *a, const char *b)
{
    size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);

    return strncmp(a, b, n);
}

void trace_model_add(struct trace_model *m, const struct msglog_line *l, const char *since,
                     const char *until)
{
    struct trace_rec *r;
    int k;

    if ((since != NULL && ts_cmp_prefix(l->ts, since) < 0) ||
        (until != NULL && ts_cmp_prefix(l->ts, until) > 0))
        return;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->recs = xrealloc(m->recs, m->cap * sizeof(*m->recs));
    }
    r = &m->recs[m->n++];
    memcpy(r->ts, l->ts, sizeof(r->ts));
    r->connector = xstrndup(l->connector, l->connector_len);
    r->instance = l->instance;
    r->step = l->step;
    for (k = 0; k < MK_KEYS; k++) {
        r->v[k] = l->v[k] != NULL ? xstrndup(l->v[k], l->len[k]) : NULL;
        r->len[k] = l->len[k];
    }
    memcpy(r->order, l->order, sizeof(r->order));
    r->n_order = l->n_order;
}

static int rec_cmp(const void *a, const void *b)
{
    const struct trace_rec *x = a, *y = b;
    int c = strcmp(x->ts, y->ts);

    if (c != 0)
        return c;
    return x < y ? -1 : x > y;
}

/* Every id of a ';'-separated list. */
static void ix_add_list(struct trace_index *ix, const char *list, size_t rec)
{
    const char *p = list, *q;

    while (p != NULL) {
        q = strchr(p, ';');
        if ((q != NULL ? (size_t)(q - p) : strlen(p)) > 0)
            ix_add(ix, 'i', p, q != NULL ? (size_t)(q - p) : strlen(p), rec);
        p = q != NULL ? q + 1 : NULL;
    }
}

/* The numbers an SMSC id can be read as (msgid_cause.h), and its letters
 * folded: where --unmatched looks for the resp a receipt was meant for. */
static void ix_add_forms(struct trace_index *ix, const char *id, size_t rec)
{
    char num[MSGID_NUM_LEN], folded[256];
    size_t i;

    msgid_stored(0x01, id, num, sizeof(num));
    ix_add(ix, 'n', num, strlen(num), rec);
    msgid_stored(0x00, id, num, sizeof(num));
    ix_add(ix, 'n', num, strlen(num), rec);
    for (i = 0; id[i] != '\0' && i < sizeof(folded) - 1; i++)
        folded[i] = (char)tolower((unsigned char)id[i]);
    ix_add(ix, 'c', folded, i, rec);
}

void trace_model_finish(struct trace_model *m)
{
    struct trace_index *ix;
    struct trace_rec *r;
    size_t i;

    if (m->n > 1)
        qsort(m->recs, m->n, sizeof(*m->recs), rec_cmp);
    ix = xmalloc(sizeof(*ix));
    memset(ix, 0, sizeof(*ix));
    m->ix = ix;
    for (i = 0; i < m->n; i++) {
        r = &m->recs[i];
        if (r->v[MK_UUID] != NULL)
            ix_add(ix, 'u', r->v[MK_UUID], r->len[MK_UUID], i);
        if (r->v[MK_TO] != NULL)
            ix_add(ix, 't', r->v[MK_TO], r->len[MK_TO], i);
        if (r->v[MK_ID] != NULL)
            ix_add(ix, 'i', r->v[MK_ID], r->len[MK_ID], i);
        if (r->v[MK_ID_RAW] != NULL)
            ix_add(ix, 'i', r->v[MK_ID_RAW], r->len[MK_ID_RAW], i);
        if (r->v[MK_DLR_KEY] != NULL)
            ix_add(ix, 'i', r->v[MK_DLR_KEY], r->len[MK_DLR_KEY], i);
        if (r->v[MK_KEY] != NULL)
            ix_add(ix, 'i', r->v[MK_KEY], r->len[MK_KEY], i);
        if (r->v[MK_IDS] != NULL && r->step == MSG_FORWARD)
            ix_add_list(ix, r->v[MK_IDS], i);
        if (r->step == MSG_SUBMIT_RESP && r->v[MK_ID_RAW] != NULL)
            ix_add_forms(ix, r->v[MK_ID_RAW], i);
    }
}

/* The first record of `step` under space/key, matching `connector` when not
 * NULL, else SIZE_MAX. */
static size_t first_of(const struct trace_model *m, char space, const char *key,
                       enum msglog_step step, const char *connector)
{
    const size_t *ix;
    size_t n, i;

    ix = trace_lookup(m, space, key, &n);
    for (i = 0; i < n; i++) {
        const struct trace_rec *r = &m->recs[ix[i]];

        if (r->step == step && (connector == NULL || strcmp(r->connector, connector) == 0))
            return ix[i];
    }
    return SIZE_MAX;
}

/* The first element of a ';'-separated list, into buf. */
static const char *first_id(const char *list, char *buf, size_t buflen)
{
    size_t n = strcspn(list, ";");

    if (n >= buflen)
        n = buflen - 1;
    memcpy(buf, list, n);
    buf[n] = '\0';
    return buf;
}

const char *trace_message_of(const struct trace_model *m, size_t rec)
{
    const struct trace_rec *r = &m->recs[rec];
    char buf[512];
    size_t f;

    switch (r->step) {
    case MSG_FORWARD:
    case MSG_SUBMIT:
    case MSG_SUBMIT_RESP: return r->v[MK_UUID];
    case MSG_CLIENT_SUBMIT:
        if (r->v[MK_ID] == NULL)
            return NULL;
        f = first_of(m, 'i', r->v[MK_ID], MSG_FORWARD, NULL);
        /* Not forwarded (yet), or read from a pdu log: a message of its own. */
        return f != SIZE_MAX ? m->recs[f].v[MK_UUID] : r->v[MK_UUID];
    case MSG_DLR:
    case MSG_DLR_UNMATCHED:
        /* Kannel's own key: the id stored by this connector. */
        if (r->v[MK_ID] != NULL &&
            (f = first_of(m, 'i', r->v[MK_ID], MSG_SUBMIT_RESP, r->connector)) != SIZE_MAX &&
            m->recs[f].v[MK_ID] != NULL && strcmp(m->recs[f].v[MK_ID], r->v[MK_ID]) == 0)
            return m->recs[f].v[MK_UUID];
        if (r->v[MK_URL] != NULL &&
            (f = first_of(m, 'i', first_id(r->v[MK_URL], buf, sizeof(buf)), MSG_FORWARD, NULL)) !=
                SIZE_MAX)
            return m->recs[f].v[MK_UUID];
        return NULL;
    case MSG_DLR_TO_CLIENT:
    case MSG_DLR_TO_CLIENT_UNMATCHED:
        if (r->v[MK_KEY] == NULL)
            return NULL;
        f = first_of(m, 'i', r->v[MK_KEY], MSG_FORWARD, NULL);
        /* From a pdu log: the uuid is the client's id. */
        return f != SIZE_MAX ? m->recs[f].v[MK_UUID] : r->v[MK_UUID];
    default: return NULL;
    }
}

static void push(size_t **out, size_t *n, size_t *cap, size_t v)
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if ((*out)[i] == v)
            return;
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *out = xrealloc(*out, *cap * sizeof(**out));
    }
    (*out)[(*n)++] = v;
}

static int idx_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* Records under an id that belong to `uuid`. */
static void push_linked(const struct trace_model *m, const char *id, const char *uuid, size_t **out,
                        size_t *n, size_t *cap)
{
    const size_t *ix;
    size_t k, i;
    const char *u;

    ix = trace_lookup(m, 'i', id, &k);
    for (i = 0; i < k; i++) {
        u = trace_message_of(m, ix[i]);
        if (u != NULL && strcmp(u, uuid) == 0)
            push(out, n, cap, ix[i]);
    }
}

void trace_message_records(const struct trace_model *m, const char *uuid, size_t **out, size_t *n,
                           size_t *cap)
{
    const size_t *ix;
    size_t k, i, start = *n;
    const struct trace_rec *r;

    ix = trace_lookup(m, 'u', uuid, &k);
    for (i = 0; i < k; i++)
        push(out, n, cap, ix[i]);
    for (i = start; i < *n; i++) {
        r = &m->recs[(*out)[i]];
        if (r->step == MSG_FORWARD && r->v[MK_IDS] != NULL) {
            const char *p = r->v[MK_IDS], *q;
            char id[512];

            size_t len;

            while (p != NULL) {
                q = strchr(p, ';');
                len = q != NULL ? (size_t)(q - p) : strlen(p);
                if (len > 0 && len < sizeof(id)) {
                    memcpy(id, p, len);
                    id[len] = '\0';
                    push_linked(m, id, uuid, out, n, cap);
                }
                p = q != NULL ? q + 1 : NULL;
            }
        }
        if (r->step == MSG_FORWARD && r->v[MK_DLR_KEY] != NULL)
            push_linked(m, r->v[MK_DLR_KEY], uuid, out, n, cap);
        if (r->step == MSG_SUBMIT_RESP && r->v[MK_ID] != NULL)
            push_linked(m, r->v[MK_ID], uuid, out, n, cap);
    }
    qsort(*out + start, *n - start, sizeof(**out), idx_cmp);
}

long long trace_ts_us(const char *ts)
{
    struct tm tm;
    long long us = 0;
    int i;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = atoi(ts) - 1900;
    tm.tm_mon = atoi(ts + 5) - 1;
    tm.tm_mday = atoi(ts + 8);
    tm.tm_hour = atoi(ts + 11);
    tm.tm_min = atoi(ts + 14);
    tm.tm_sec = atoi(ts + 17);
    for (i = 20; i < 26; i++)
        us = us * 10 + (ts[i] - '0');
    return (long long)timegm(&tm) * 1000000 + us;
}

void trace_ts_format(char out[MSGLOG_TS_LEN + 1], long long us)
{
    time_t sec = (time_t)(us / 1000000);
    struct tm tm;
    char buf[64];

    if (us < 0)
        sec = 0, us = 0;
    gmtime_r(&sec, &tm);
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%06lld", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000);
    memcpy(out, buf, MSGLOG_TS_LEN);
    out[MSGLOG_TS_LEN] = '\0';
}
