/*
 * trace_rounds: the ids of one message searched for, round by round (see
 * trace_rounds.h).
 */
#include "trace_rounds.h"

#include <stdlib.h>
#include <string.h>

#include "msglog.h"
#include "xalloc.h"

/* The ids searched for so far. */
struct keys {
    char **v;
    size_t n;
};

int trace_rounds_line_has_id(const struct msglog_line *l, const char *key)
{
    static const enum msglog_key ids[] = { MK_UUID, MK_ID, MK_ID_RAW, MK_DLR_KEY, MK_KEY, MK_IDS, MK_URL };
    size_t i, klen = strlen(key), len;
    const char *v, *end, *q;

    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if ((v = l->v[ids[i]]) == NULL)
            continue;
        end = v + l->len[ids[i]];
        while (v <= end) {
            q = memchr(v, ';', (size_t)(end - v));
            len = q != NULL ? (size_t)(q - v) : (size_t)(end - v);
            if (len == klen && memcmp(v, key, klen) == 0)
                return 1;
            if (q == NULL || (ids[i] != MK_IDS && ids[i] != MK_URL))
                break;
            v = q + 1;
        }
    }
    return 0;
}

static int known_key(const struct keys *k, const char *key, size_t n)
{
    size_t i;

    for (i = 0; i < k->n; i++) {
        if (strlen(k->v[i]) == n && memcmp(k->v[i], key, n) == 0)
            return 1;
    }
    return 0;
}

/* Records a new key (of n octets; ';'-separated lists split); returns how
 * many were new. */
static int add_key(struct keys *k, const char *v, size_t n)
{
    const char *q;
    size_t len;
    int added = 0;

    while (n > 0) {
        q = memchr(v, ';', n);
        len = q != NULL ? (size_t)(q - v) : n;
        /* Short values (a trn, "0") would match everywhere: ids only. */
        if (len >= 4 && !known_key(k, v, len)) {
            k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
            k->v[k->n++] = xstrndup(v, len);
            added++;
        }
        if (q == NULL)
            break;
        n -= len + 1;
        v = q + 1;
    }
    return added;
}

static int keys_of_model(struct keys *k, const struct trace_model *m)
{
    static const enum msglog_key id_keys[] = { MK_UUID, MK_ID, MK_ID_RAW, MK_DLR_KEY, MK_IDS, MK_URL, MK_KEY };
    size_t i, j;
    int added = 0;

    for (i = 0; i < m->n; i++) {
        for (j = 0; j < sizeof(id_keys) / sizeof(id_keys[0]); j++) {
            const struct trace_rec *r = &m->recs[i];

            if (r->v[id_keys[j]] != NULL)
                added += add_key(k, r->v[id_keys[j]], r->len[id_keys[j]]);
        }
    }
    return added;
}

/* Whether a link the found lines name is missing (see trace_rounds.h). */
static int incomplete(const struct trace_model *m)
{
    size_t i, j;
    int found;

    for (i = 0; i < m->n; i++) {
        const struct trace_rec *r = &m->recs[i];

        found = 1;
        if (r->step == MSG_SUBMIT_RESP && r->v[MK_UUID] != NULL) {
            found = 0;
            for (j = 0; j < m->n && !found; j++)
                found = m->recs[j].step == MSG_SUBMIT && m->recs[j].v[MK_UUID] != NULL &&
                        strcmp(m->recs[j].v[MK_UUID], r->v[MK_UUID]) == 0;
        } else if (r->step == MSG_DLR && r->v[MK_URL] != NULL) {
            found = 0;
            for (j = 0; j < m->n && !found; j++)
                found = (m->recs[j].step == MSG_DLR_TO_CLIENT ||
                         m->recs[j].step == MSG_DLR_TO_CLIENT_UNMATCHED) &&
                        m->recs[j].v[MK_KEY] != NULL &&
                        strncmp(r->v[MK_URL], m->recs[j].v[MK_KEY], m->recs[j].len[MK_KEY]) == 0;
        }
        if (!found)
            return 1;
    }
    return 0;
}

void trace_rounds(trace_rounds_search_fn search, void *ctx, struct trace_model *m,
                  const char *id, const char *since, const char *until)
{
    char lo[MSGLOG_TS_LEN + 1], hi[MSGLOG_TS_LEN + 1];
    struct keys k = { NULL, 0 };
    size_t i, first_new, searched;
    long long t;
    int round;
    char *first_key = (char *)id;

    add_key(&k, id, strlen(id));
    search(ctx, m, &first_key, 0, 1, NULL, NULL, since, until);
    searched = k.n;
    for (round = 0; round < 4 && m->n > 0; round++) {
        first_new = searched;
        if (keys_of_model(&k, m) == 0)
            break;
        /* The window around every line found so far. */
        strcpy(lo, m->recs[0].ts);
        strcpy(hi, m->recs[0].ts);
        for (i = 1; i < m->n; i++) {
            if (strcmp(m->recs[i].ts, lo) < 0)
                strcpy(lo, m->recs[i].ts);
            if (strcmp(m->recs[i].ts, hi) > 0)
                strcpy(hi, m->recs[i].ts);
        }
        t = trace_ts_us(lo) - (long long)TRACE_SCAN_WINDOW * 1000000;
        trace_ts_format(lo, t);
        t = trace_ts_us(hi) + (long long)TRACE_SCAN_WINDOW * 1000000;
        trace_ts_format(hi, t);
        search(ctx, m, k.v, first_new, k.n, lo, hi, since, until);
        searched = k.n;
    }
    if (incomplete(m) && k.n > 1)
        search(ctx, m, k.v, 1, k.n, NULL, NULL, since, until);
    for (i = 0; i < k.n; i++)
        free(k.v[i]);
    free(k.v);
}
