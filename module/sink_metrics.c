/*
 * sink_metrics.c: events counted, folded and written as the Prometheus
 * text format (see sink_metrics.h and docs/metrics.md).
 *
 * Three places hold counts:
 *   - a session's slot (struct msession): one series per distinct label
 *     set the session met (struct sseries), found through an index that
 *     only the session's thread reads, listed (under the session's own
 *     mutex, taken only when a series is added) for the scraper;
 *   - the sink's table of series (struct gseries), keyed by connector and
 *     labels, under the sink's mutex: totals of closed sessions, counts of
 *     events outside a session (refused connects), and a scratch copy a
 *     scrape fills;
 *   - process counters (reloads) as atomics.
 * A scrape takes the sink's mutex, adds every live session's series to the
 * scratch of the table's, reads the gauges of the live sessions, lets go,
 * and writes the text families in a fixed order with their series sorted
 * by label text.  A series the table cannot take (the family is at its
 * cap, or no memory) is marked overflowed once and for all, so its samples
 * count in emgdiag_series_overflow_total in every later scrape too and no
 * counter ever goes down.
 *
 * Response times: each session remembers its unanswered requests (by
 * direction and sequence number, at most PENDING_MAX) with the time they
 * crossed; a response in the other direction with the same sequence number
 * (the request's response id, or generic_nack) is observed in the
 * histogram of the request's operation.
 */
#include "sink_metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "alloc.h"
#include "config.h"
#include "dispatch.h"
#include "emgdiag_hook.h"
#include "metrics_http.h"
#include "metrics_text.h"
#include "metrics_textfile.h"
#include "sink_db.h"
#include "sink_file.h"
#include "smpp.h"

/* The families a session counts in (the rest are read at scrape time). */
enum family { F_CONNECTS, F_LOGINS, F_DISCONNECTS, F_PDUS, F_REFUSED, F_RESPONSE, NFAM };

static const char *const family_name[NFAM] = {
    [F_CONNECTS] = "emgdiag_connects_total",       [F_LOGINS] = "emgdiag_logins_total",
    [F_DISCONNECTS] = "emgdiag_disconnects_total", [F_PDUS] = "emgdiag_pdus_total",
    [F_REFUSED] = "emgdiag_access_refused_total",  [F_RESPONSE] = "emgdiag_response_seconds",
};

/* Response-time buckets (upper bounds, microseconds and as `le` text). */
#define NBUCKETS 14
static const int64_t bucket_us[NBUCKETS] = { 1000,    2500,    5000,     10000,   25000,
                                             50000,   100000,  250000,   500000,  1000000,
                                             2500000, 5000000, 10000000, 30000000 };
static const char *const bucket_le[NBUCKETS] = { "0.001", "0.0025", "0.005", "0.01", "0.025",
                                                 "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                                 "2.5",   "5",      "10",    "30" };
/* A histogram's values: observations per bucket (not cumulative; past the
 * last bound only in the count), the count, the sum in microseconds. */
#define H_COUNT NBUCKETS
#define H_SUM (NBUCKETS + 1)
#define H_VALUES (NBUCKETS + 2)

/* The op label of an operation the tables do not know. */
#define OP_UNKNOWN 0xffffffffu
/* Requests of one session whose responses are awaited; more are not timed. */
#define PENDING_MAX 1024u
/* Series one session keeps of its own (all families); more go to overflow. */
#define SESSION_MAX_SERIES 4096u
/* Chains of the sink's series table. */
#define GBUCKETS 1024u
/* A series the table could not take. */
#define OVERFLOWED ((struct gseries *)(uintptr_t)1)

enum refused_stage { STAGE_CONNECT, STAGE_BIND };

/* What tells two series of a connector apart:
 *   connects: a = ok, b = errno;  logins: c = status;
 *   disconnects: a = reason, b = errno;  pdus: a = dir, b = op, c = status;
 *   refused: a = stage;  response: b = op. */
struct mkey {
    uint32_t fam, a, b, c;
};

struct sseries {
    struct mkey key;
    struct gseries *g; /* the table's series, OVERFLOWED, or NULL (sink mutex) */
    atomic_ullong v[]; /* 1 value, or H_VALUES; written by the session's thread */
};

struct pending {
    uint32_t seq, cmd, op;
    int64_t us;
    uint8_t used, dir;
};

/* The session slot. */
struct msession {
    struct msession *prev, *next; /* the sink's live sessions (sink mutex) */
    pthread_mutex_t lock;         /* list growth and system_id */
    char *connector;
    char *peer; /* as the host gave it */
    int instance;
    /* The session's thread only. */
    struct sseries **index;
    size_t index_cap, index_n;
    struct pending *pending;
    /* Under `lock`. */
    struct sseries **list;
    size_t n, cap;
    unsigned char *system_id; /* of the bound session; NULL when none */
    size_t system_id_len;
    /* Written by the session's thread, read by scrapes. */
    atomic_ullong overflow[NFAM];
    atomic_int up;
    atomic_llong up_since_us;
    atomic_int outstanding;
};

struct gseries {
    struct gseries *next;
    char *connector;
    struct mkey key;
    uint64_t *total;   /* sink mutex */
    uint64_t *scratch; /* a scrape's sum (scrape mutex) */
    uint64_t v[];      /* total then scratch */
};

struct metrics_sink {
    struct emg_sink base;
    int box;
    char *box_id;
    char *host_version;
    atomic_int active; /* a <metrics> was there, at start or a reload */
    atomic_uint max_series;
    atomic_int session_info;
    atomic_ullong reloads_ok, reloads_rejected;

    pthread_mutex_t lock; /* sessions and the table */
    struct msession *sessions;
    struct gseries *table[GBUCKETS];
    struct gseries **all; /* in the order they came */
    size_t nall, allcap;
    unsigned fam_series[NFAM];
    uint64_t overflow[NFAM]; /* folded */

    pthread_mutex_t scrape_lock; /* one scrape at a time */
    uint64_t scratch_overflow[NFAM];

    /* The endpoint: changed by reload and close only (the host's control
     * calls, never at once). */
    struct metrics_http *http;
    char *listen;

    struct metrics_textfile *textfile; /* the writer, or NULL */
};

/* The host's box (enum emgdiag_box) as <metrics box> names it. */
static int metrics_box_of(int host_box)
{
    return host_box == EMGDIAG_BOX_OPENSMPPBOX ? EMG_METRICS_OPENSMPPBOX : EMG_METRICS_BEARERBOX;
}

static size_t nvalues(uint32_t fam)
{
    return fam == F_RESPONSE ? H_VALUES : 1;
}

static uint64_t key_hash(const struct mkey *k)
{
    uint64_t h = 1469598103934665603ull;

    h = (h ^ k->fam) * 1099511628211ull;
    h = (h ^ k->a) * 1099511628211ull;
    h = (h ^ k->b) * 1099511628211ull;
    h = (h ^ k->c) * 1099511628211ull;
    return h ^ (h >> 29);
}

static int key_eq(const struct mkey *x, const struct mkey *y)
{
    return x->fam == y->fam && x->a == y->a && x->b == y->b && x->c == y->c;
}

static int64_t micros_of(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* Relaxed add by the only writer: no locked instruction on the hot path. */
static void owner_add(atomic_ullong *v, unsigned long long n)
{
    atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* The sink's table (sink mutex held)                                  */

/* The table's series for connector + key, made if the family has room;
 * NULL when it has none or there is no memory. */
static struct gseries *table_get(struct metrics_sink *ms, const char *connector,
                                 const struct mkey *k)
{
    uint64_t h = key_hash(k);
    size_t nv = nvalues(k->fam), slot;
    struct gseries *g, **grown;

    for (const char *p = connector; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    slot = (size_t)(h % GBUCKETS);
    for (g = ms->table[slot]; g != NULL; g = g->next)
        if (key_eq(&g->key, k) && strcmp(g->connector, connector) == 0)
            return g;
    if (ms->fam_series[k->fam] >= atomic_load(&ms->max_series))
        return NULL;
    if (ms->nall == ms->allcap) {
        grown = emg_realloc(ms->all, (ms->allcap ? ms->allcap * 2 : 64) * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        ms->all = grown;
        ms->allcap = ms->allcap ? ms->allcap * 2 : 64;
    }
    g = emg_calloc(1, sizeof(*g) + 2 * nv * sizeof(uint64_t));
    if (g == NULL || (g->connector = emg_strdup(connector)) == NULL) {
        emg_free(g);
        return NULL;
    }
    g->key = *k;
    g->total = g->v;
    g->scratch = g->v + nv;
    g->next = ms->table[slot];
    ms->table[slot] = g;
    ms->all[ms->nall++] = g;
    ms->fam_series[k->fam]++;
    return g;
}

/* The samples a series' values stand for (a histogram: its count). */
static uint64_t samples_of(uint32_t fam, const uint64_t *v)
{
    return fam == F_RESPONSE ? v[H_COUNT] : v[0];
}

/* Adds n to a counter outside any session (sink mutex taken here). */
static void table_add(struct metrics_sink *ms, const char *connector, const struct mkey *k,
                      uint64_t n)
{
    struct gseries *g;

    pthread_mutex_lock(&ms->lock);
    g = table_get(ms, connector != NULL ? connector : "", k);
    if (g != NULL)
        g->total[0] += n;
    else
        ms->overflow[k->fam] += n;
    pthread_mutex_unlock(&ms->lock);
}

/* The table's series of a session's series, decided once (sink mutex). */
static struct gseries *resolve(struct metrics_sink *ms, struct msession *s, struct sseries *ss)
{
    if (ss->g == NULL) {
        ss->g = table_get(ms, s->connector, &ss->key);
        if (ss->g == NULL)
            ss->g = OVERFLOWED;
    }
    return ss->g;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */

/* The slot of the session of `ev`: at SESSION_OPEN, or at any later event
 * of a session that began before the metrics were turned on. */
static struct msession *session_new(struct metrics_sink *ms, const struct emg_event *ev)
{
    struct msession *s = emg_calloc(1, sizeof(*s));
    const char *peer = NULL;

    if (s == NULL)
        return NULL;
    if (ev->kind == EMG_EV_SESSION_OPEN)
        peer = ev->u.session.peer;
    else if (ev->kind == EMG_EV_CONNECT)
        peer = ev->u.connect.peer;
    s->connector = emg_strdup(ev->connector != NULL ? ev->connector : "");
    s->peer = emg_strdup(peer != NULL ? peer : "");
    if (s->connector == NULL || s->peer == NULL) {
        emg_free(s->connector);
        emg_free(s->peer);
        emg_free(s);
        return NULL;
    }
    s->instance = ev->instance;
    pthread_mutex_init(&s->lock, NULL);
    for (int f = 0; f < NFAM; f++)
        atomic_init(&s->overflow[f], 0ull);
    atomic_init(&s->up, 0);
    atomic_init(&s->up_since_us, 0ll);
    atomic_init(&s->outstanding, 0);
    pthread_mutex_lock(&ms->lock);
    s->next = ms->sessions;
    if (ms->sessions != NULL)
        ms->sessions->prev = s;
    ms->sessions = s;
    pthread_mutex_unlock(&ms->lock);
    return s;
}

static void session_free_mem(struct msession *s)
{
    for (size_t i = 0; i < s->n; i++)
        emg_free(s->list[i]);
    emg_free(s->list);
    emg_free(s->index);
    emg_free(s->pending);
    emg_free(s->system_id);
    emg_free(s->connector);
    emg_free(s->peer);
    pthread_mutex_destroy(&s->lock);
    emg_free(s);
}

/* The session ends: its counts join the table for good. */
static void session_close(struct metrics_sink *ms, struct msession *s)
{
    pthread_mutex_lock(&ms->lock);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n; i++) {
        struct sseries *ss = s->list[i];
        struct gseries *g = resolve(ms, s, ss);
        size_t nv = nvalues(ss->key.fam);
        uint64_t v[H_VALUES];

        for (size_t k = 0; k < nv; k++)
            v[k] = atomic_load_explicit(&ss->v[k], memory_order_relaxed);
        if (g == OVERFLOWED) {
            ms->overflow[ss->key.fam] += samples_of(ss->key.fam, v);
        } else {
            for (size_t k = 0; k < nv; k++)
                g->total[k] += v[k];
        }
    }
    for (int f = 0; f < NFAM; f++)
        ms->overflow[f] += atomic_load_explicit(&s->overflow[f], memory_order_relaxed);
    pthread_mutex_unlock(&s->lock);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        ms->sessions = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&ms->lock);
    session_free_mem(s);
}

/* The session's series for `k`, made if needed; NULL when it cannot have
 * one more (its samples then count as overflow).  Session thread only. */
static struct sseries *series_of(struct msession *s, const struct mkey *k)
{
    size_t mask, i, nv = nvalues(k->fam);
    struct sseries *ss, **idx;

    if (s->index_cap > 0) {
        mask = s->index_cap - 1;
        for (i = (size_t)key_hash(k) & mask; (ss = s->index[i]) != NULL; i = (i + 1) & mask)
            if (key_eq(&ss->key, k))
                return ss;
    }
    if (s->index_n >= SESSION_MAX_SERIES)
        return NULL;
    if (2 * (s->index_n + 1) > s->index_cap) {
        size_t cap = s->index_cap ? s->index_cap * 2 : 16;

        idx = emg_calloc(cap, sizeof(*idx));
        if (idx == NULL)
            return NULL;
        for (size_t j = 0; j < s->index_cap; j++) {
            if ((ss = s->index[j]) == NULL)
                continue;
            for (i = (size_t)key_hash(&ss->key) & (cap - 1); idx[i] != NULL;
                 i = (i + 1) & (cap - 1))
                ;
            idx[i] = ss;
        }
        emg_free(s->index);
        s->index = idx;
        s->index_cap = cap;
    }
    ss = emg_calloc(1, sizeof(*ss) + nv * sizeof(atomic_ullong));
    if (ss == NULL)
        return NULL;
    ss->key = *k;
    for (i = 0; i < nv; i++)
        atomic_init(&ss->v[i], 0ull);
    pthread_mutex_lock(&s->lock);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct sseries **grown = emg_realloc(s->list, cap * sizeof(*grown));

        if (grown == NULL) {
            pthread_mutex_unlock(&s->lock);
            emg_free(ss);
            return NULL;
        }
        s->list = grown;
        s->cap = cap;
    }
    s->list[s->n++] = ss;
    pthread_mutex_unlock(&s->lock);
    mask = s->index_cap - 1;
    for (i = (size_t)key_hash(k) & mask; s->index[i] != NULL; i = (i + 1) & mask)
        ;
    s->index[i] = ss;
    s->index_n++;
    return ss;
}

/* Counts one sample of a counter family in the session (or, without a
 * session slot, in the table). */
static void count(struct metrics_sink *ms, struct msession *s, const struct emg_event *ev,
                  uint32_t fam, uint32_t a, uint32_t b, uint32_t c)
{
    struct mkey k = { fam, a, b, c };
    struct sseries *ss;

    if (s == NULL) {
        table_add(ms, ev->connector, &k, 1);
        return;
    }
    ss = series_of(s, &k);
    if (ss != NULL)
        owner_add(&ss->v[0], 1);
    else
        owner_add(&s->overflow[fam], 1);
}

static void observe(struct msession *s, uint32_t op, int64_t us)
{
    struct mkey k = { F_RESPONSE, 0, op, 0 };
    struct sseries *ss = series_of(s, &k);
    int b;

    if (ss == NULL) {
        owner_add(&s->overflow[F_RESPONSE], 1);
        return;
    }
    if (us < 0)
        us = 0; /* the clock went back */
    for (b = 0; b < NBUCKETS && us > bucket_us[b]; b++)
        ;
    if (b < NBUCKETS)
        owner_add(&ss->v[b], 1);
    owner_add(&ss->v[H_COUNT], 1);
    owner_add(&ss->v[H_SUM], (unsigned long long)us);
}

/* ---- unanswered requests: open addressing, deleted by backward shift ---- */

static size_t pending_slot(uint32_t seq, int dir)
{
    return (size_t)((seq * 2654435761u) ^ (uint32_t)dir) & (PENDING_MAX - 1);
}

static void pending_clear(struct msession *s)
{
    if (s->pending != NULL)
        memset(s->pending, 0, PENDING_MAX * sizeof(*s->pending));
    atomic_store_explicit(&s->outstanding, 0, memory_order_relaxed);
}

static void pending_add(struct msession *s, int dir, uint32_t seq, uint32_t cmd, uint32_t op,
                        int64_t us)
{
    int n = atomic_load_explicit(&s->outstanding, memory_order_relaxed);
    size_t i;

    if (s->pending == NULL && (s->pending = emg_calloc(PENDING_MAX, sizeof(*s->pending))) == NULL)
        return;
    for (i = pending_slot(seq, dir); s->pending[i].used; i = (i + 1) & (PENDING_MAX - 1)) {
        if (s->pending[i].seq == seq && s->pending[i].dir == dir) {
            s->pending[i].cmd = cmd; /* the same number again: the later request */
            s->pending[i].op = op;
            s->pending[i].us = us;
            return;
        }
    }
    if ((unsigned)n >= PENDING_MAX - 1)
        return; /* a full window of requests that are never answered */
    s->pending[i].used = 1;
    s->pending[i].dir = (uint8_t)dir;
    s->pending[i].seq = seq;
    s->pending[i].cmd = cmd;
    s->pending[i].op = op;
    s->pending[i].us = us;
    atomic_store_explicit(&s->outstanding, n + 1, memory_order_relaxed);
}

/* The request a response answers, taken out; 0 when none. */
static int pending_take(struct msession *s, int dir, uint32_t seq, uint32_t resp_id,
                        struct pending *out)
{
    size_t i, j, home;

    if (s->pending == NULL)
        return 0;
    for (i = pending_slot(seq, dir); s->pending[i].used; i = (i + 1) & (PENDING_MAX - 1))
        if (s->pending[i].seq == seq && s->pending[i].dir == dir)
            break;
    if (!s->pending[i].used)
        return 0;
    if (resp_id != (s->pending[i].cmd | SMPP_RESP_BIT) && resp_id != SMPP_CMD_GENERIC_NACK)
        return 0;
    *out = s->pending[i];
    /* Backward shift: move later entries of the run into the hole. */
    for (j = (i + 1) & (PENDING_MAX - 1); s->pending[j].used; j = (j + 1) & (PENDING_MAX - 1)) {
        home = pending_slot(s->pending[j].seq, s->pending[j].dir);
        if (((j - home) & (PENDING_MAX - 1)) >= ((j - i) & (PENDING_MAX - 1))) {
            s->pending[i] = s->pending[j];
            i = j;
        }
    }
    s->pending[i].used = 0;
    atomic_store_explicit(&s->outstanding,
                          atomic_load_explicit(&s->outstanding, memory_order_relaxed) - 1,
                          memory_order_relaxed);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

/* Operations that have no response. */
static int unanswered(uint32_t id)
{
    return id == SMPP_CMD_OUTBIND || id == SMPP_CMD_ALERT_NOTIFICATION;
}

static void pdu_event(struct metrics_sink *ms, struct msession *s, const struct emg_event *ev)
{
    const struct smpp_decoded *d = ev->u.pdu.d;
    uint32_t id = d->command_id, op = d->known ? id : OP_UNKNOWN;
    int resp = (id & SMPP_RESP_BIT) != 0, dir = ev->u.pdu.dir == EMGDIAG_DIR_WRITE;
    struct pending p;

    count(ms, s, ev, F_PDUS, (uint32_t)dir, op, resp ? d->command_status : 0);
    if (s == NULL || !d->header_complete)
        return;
    if (!resp) {
        if (!unanswered(id))
            pending_add(s, dir, d->sequence_number, id, op, micros_of(&ev->tv));
    } else if (pending_take(s, !dir, d->sequence_number, id, &p)) {
        observe(s, p.op, micros_of(&ev->tv) - p.us);
    }
}

static void login_event(struct metrics_sink *ms, struct msession *s, const struct emg_event *ev)
{
    const struct emg_octets *id = &ev->u.login.system_id;
    unsigned char *copy = NULL;

    count(ms, s, ev, F_LOGINS, 0, 0, ev->u.login.status);
    if (s == NULL || !ev->u.login.ok)
        return;
    if (id->p != NULL && id->n > 0 && (copy = emg_malloc(id->n)) != NULL)
        memcpy(copy, id->p, id->n);
    pthread_mutex_lock(&s->lock);
    emg_free(s->system_id);
    s->system_id = copy;
    s->system_id_len = copy != NULL ? id->n : 0;
    pthread_mutex_unlock(&s->lock);
    atomic_store_explicit(&s->up_since_us, micros_of(&ev->tv), memory_order_relaxed);
    atomic_store_explicit(&s->up, 1, memory_order_relaxed);
}

static void disconnect_event(struct metrics_sink *ms, struct msession *s,
                             const struct emg_event *ev)
{
    enum emg_disc_reason r = ev->u.disconnect.reason;

    count(ms, s, ev, F_DISCONNECTS, (uint32_t)r,
          r == EMG_DISC_ERRNO ? (uint32_t)ev->u.disconnect.err : 0, 0);
    if (s == NULL)
        return;
    atomic_store_explicit(&s->up, 0, memory_order_relaxed);
    pending_clear(s);
    pthread_mutex_lock(&s->lock);
    emg_free(s->system_id);
    s->system_id = NULL;
    s->system_id_len = 0;
    pthread_mutex_unlock(&s->lock);
}

static void mt_on_event(struct emg_sink *sk, const struct emg_event *ev, void **slot)
{
    struct metrics_sink *ms = (struct metrics_sink *)sk;
    struct msession *s;

    if (!atomic_load_explicit(&ms->active, memory_order_relaxed))
        return; /* no <metrics> yet */
    if (slot != NULL && *slot == NULL && ev->connector != NULL && ev->kind != EMG_EV_SESSION_OPEN &&
        ev->kind != EMG_EV_SESSION_CLOSE)
        *slot = session_new(ms, ev); /* a session older than the metrics */
    s = slot != NULL ? *slot : NULL;
    switch (ev->kind) {
    case EMG_EV_SESSION_OPEN:
        if (slot == NULL)
            break;
        if (s != NULL)
            session_close(ms, s);
        *slot = session_new(ms, ev);
        break;
    case EMG_EV_SESSION_CLOSE:
        if (s != NULL)
            session_close(ms, s);
        if (slot != NULL)
            *slot = NULL;
        break;
    case EMG_EV_CONNECT:
        count(ms, s, ev, F_CONNECTS, (uint32_t)(ev->u.connect.ok != 0),
              ev->u.connect.ok ? 0 : (uint32_t)ev->u.connect.err, 0);
        if (s != NULL)
            pending_clear(s);
        break;
    case EMG_EV_LOGIN: login_event(ms, s, ev); break;
    case EMG_EV_PDU: pdu_event(ms, s, ev); break;
    case EMG_EV_DISCONNECT: disconnect_event(ms, s, ev); break;
    case EMG_EV_DENY_CONNECT: count(ms, NULL, ev, F_REFUSED, STAGE_CONNECT, 0, 0); break;
    case EMG_EV_DENY_LOGIN: count(ms, s, ev, F_REFUSED, STAGE_BIND, 0, 0); break;
    case EMG_EV_CONFIG:
        if (ev->u.config.reload)
            atomic_fetch_add(ev->u.config.ok ? &ms->reloads_ok : &ms->reloads_rejected, 1);
        break;
    case EMG_EV_NAME_CUT:
    case EMG_EV_GENERAL:
    case EMG_EV_TICK:
    case EMG_EV_MESSAGE: break; /* message steps are not counted (docs/metrics.md) */
    }
}

/* ------------------------------------------------------------------ */
/* The scrape                                                          */

/* One series of a family as written: its label text and its values. */
struct item {
    char *labels;
    const uint64_t *v; /* counters and histograms: the scratch */
    int64_t value;     /* gauges */
};

struct items {
    struct item *it;
    size_t n, cap;
    int failed;
};

static void items_add(struct items *l, struct sbuf *labels, const uint64_t *v, int64_t value)
{
    struct item *grown;

    if (labels->failed || l->failed) {
        l->failed = 1;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;

        grown = emg_realloc(l->it, cap * sizeof(*grown));
        if (grown == NULL) {
            l->failed = 1;
            return;
        }
        l->it = grown;
        l->cap = cap;
    }
    l->it[l->n].labels = emg_strdup(sbuf_cstr(labels));
    if (l->it[l->n].labels == NULL) {
        l->failed = 1;
        return;
    }
    l->it[l->n].v = v;
    l->it[l->n].value = value;
    l->n++;
}

static void items_free(struct items *l)
{
    for (size_t i = 0; i < l->n; i++)
        emg_free(l->it[i].labels);
    emg_free(l->it);
    memset(l, 0, sizeof(*l));
}

static int item_cmp(const void *x, const void *y)
{
    return strcmp(((const struct item *)x)->labels, ((const struct item *)y)->labels);
}

static void box_labels(const struct metrics_sink *ms, struct sbuf *b, const char *connector)
{
    sbuf_reset(b);
    mt_label(b, "box", ms->box == EMG_METRICS_OPENSMPPBOX ? "opensmppbox" : "bearerbox",
             ms->box == EMG_METRICS_OPENSMPPBOX ? 11 : 9);
    if (connector != NULL)
        mt_label(b, "connector", connector, strlen(connector));
}

static void label_text(struct sbuf *b, const char *key, const char *v)
{
    mt_label(b, key, v, strlen(v));
}

static const char *op_name(uint32_t op)
{
    return op == OP_UNKNOWN ? "UNKNOWN" : smpp_command_name(op);
}

/* The labels of a table series (after box and connector). */
static void series_labels(struct sbuf *b, const struct mkey *k)
{
    char num[24];

    switch (k->fam) {
    case F_CONNECTS:
        label_text(b, "result", k->a ? "ok" : "err");
        if (k->a)
            num[0] = '\0';
        else
            snprintf(num, sizeof(num), "%d", (int)k->b);
        label_text(b, "errno", num);
        break;
    case F_LOGINS:
        snprintf(num, sizeof(num), "%u", k->c);
        label_text(b, "status", num);
        break;
    case F_DISCONNECTS:
        label_text(b, "reason", emg_disc_reason_word((enum emg_disc_reason)k->a));
        if (k->a == EMG_DISC_ERRNO)
            snprintf(num, sizeof(num), "%d", (int)k->b);
        else
            num[0] = '\0';
        label_text(b, "errno", num);
        break;
    case F_PDUS:
        label_text(b, "direction", k->a ? "write" : "read");
        label_text(b, "op", op_name(k->b));
        snprintf(num, sizeof(num), "%u", k->c);
        label_text(b, "status", num);
        break;
    case F_REFUSED: label_text(b, "stage", k->a == STAGE_BIND ? "bind" : "connect"); break;
    case F_RESPONSE: label_text(b, "op", op_name(k->b)); break;
    }
}

/* The gauges of the live sessions (sink mutex held). */
struct gauges {
    struct items up, since, outstanding, info;
};

static void session_gauges(struct metrics_sink *ms, struct msession *s, struct gauges *gs,
                           struct sbuf *b)
{
    char inst[16];
    int up = atomic_load_explicit(&s->up, memory_order_relaxed);

    snprintf(inst, sizeof(inst), "%d", s->instance);
    box_labels(ms, b, s->connector);
    label_text(b, "instance", inst);
    items_add(&gs->up, b, NULL, up);
    items_add(&gs->outstanding, b, NULL,
              atomic_load_explicit(&s->outstanding, memory_order_relaxed));
    if (!up)
        return;
    items_add(&gs->since, b, NULL, atomic_load_explicit(&s->up_since_us, memory_order_relaxed));
    if (atomic_load(&ms->session_info)) {
        mt_label_octets(b, "peer", (const unsigned char *)s->peer, strlen(s->peer));
        pthread_mutex_lock(&s->lock);
        mt_label_octets(b, "system_id",
                        s->system_id != NULL ? s->system_id : (const unsigned char *)"",
                        s->system_id_len);
        pthread_mutex_unlock(&s->lock);
    }
    items_add(&gs->info, b, NULL, 1);
}

/* Fills the scratch of every table series with its total plus the live
 * sessions' counts, and reads the gauges; returns the table's series in
 * their order (a copy: the table may grow once the mutex is let go). */
static struct gseries **collect(struct metrics_sink *ms, size_t *n, struct gauges *gs,
                                struct sbuf *b)
{
    struct gseries **snap;
    struct msession *s;

    pthread_mutex_lock(&ms->lock);
    for (size_t i = 0; i < ms->nall; i++)
        memcpy(ms->all[i]->scratch, ms->all[i]->total,
               nvalues(ms->all[i]->key.fam) * sizeof(uint64_t));
    memcpy(ms->scratch_overflow, ms->overflow, sizeof(ms->overflow));
    for (s = ms->sessions; s != NULL; s = s->next) {
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n; i++) {
            struct sseries *ss = s->list[i];
            struct gseries *g = resolve(ms, s, ss);
            size_t nv = nvalues(ss->key.fam);
            uint64_t v[H_VALUES];

            for (size_t k = 0; k < nv; k++)
                v[k] = atomic_load_explicit(&ss->v[k], memory_order_relaxed);
            if (g == OVERFLOWED) {
                ms->scratch_overflow[ss->key.fam] += samples_of(ss->key.fam, v);
            } else {
                /* A series the table took during this pass starts at 0. */
                for (size_t k = 0; k < nv; k++)
                    g->scratch[k] += v[k];
            }
        }
        pthread_mutex_unlock(&s->lock);
        for (int f = 0; f < NFAM; f++)
            ms->scratch_overflow[f] += atomic_load_explicit(&s->overflow[f], memory_order_relaxed);
        session_gauges(ms, s, gs, b);
    }
    *n = ms->nall;
    snap = emg_malloc((ms->nall ? ms->nall : 1) * sizeof(*snap));
    if (snap != NULL && ms->nall > 0)
        memcpy(snap, ms->all, ms->nall * sizeof(*snap));
    pthread_mutex_unlock(&ms->lock);
    return snap;
}

static void write_gauge_family(struct sbuf *out, const char *name, const char *help,
                               struct items *l, int micros)
{
    mt_family(out, name, "gauge", help);
    if (l->n > 1)
        qsort(l->it, l->n, sizeof(*l->it), item_cmp);
    for (size_t i = 0; i < l->n; i++) {
        if (micros)
            mt_sample_micros(out, name, l->it[i].labels, l->it[i].value);
        else
            mt_sample_u64(out, name, l->it[i].labels, (uint64_t)l->it[i].value);
    }
}

static const char *const family_help[NFAM] = {
    [F_CONNECTS] = "TCP connects (outgoing) and accepted clients (incoming), by result and "
                   "errno as in the connector log.",
    [F_LOGINS] = "Binds answered, by command_status (decimal) as in the connector log's LOGIN.",
    [F_DISCONNECTS] = "Connections ended, by the connector log's reason word (and errno).",
    [F_PDUS] = "PDUs read and written, by operation and command_status (0 for requests).",
    [F_REFUSED] = "Clients refused by the access lists, at connect or at bind.",
    [F_RESPONSE] = "Time from a request to its response in the same session.",
};

static void write_histogram(struct sbuf *out, const char *labels, const uint64_t *v)
{
    struct sbuf l = SBUF_INIT;
    uint64_t cum = 0;

    for (int b = 0; b < NBUCKETS; b++) {
        cum += v[b];
        sbuf_reset(&l);
        sbuf_puts(&l, labels);
        label_text(&l, "le", bucket_le[b]);
        mt_sample_u64(out, "emgdiag_response_seconds_bucket", sbuf_cstr(&l), cum);
    }
    sbuf_reset(&l);
    sbuf_puts(&l, labels);
    label_text(&l, "le", "+Inf");
    mt_sample_u64(out, "emgdiag_response_seconds_bucket", sbuf_cstr(&l), v[H_COUNT]);
    if (l.failed)
        out->failed = 1;
    sbuf_free(&l);
    mt_sample_micros(out, "emgdiag_response_seconds_sum", labels, (int64_t)v[H_SUM]);
    mt_sample_u64(out, "emgdiag_response_seconds_count", labels, v[H_COUNT]);
}

static void write_counter_family(struct metrics_sink *ms, struct sbuf *out, int fam,
                                 struct gseries **snap, size_t n, struct sbuf *b)
{
    struct items l = { NULL, 0, 0, 0 };

    for (size_t i = 0; i < n; i++) {
        if (snap[i]->key.fam != (uint32_t)fam)
            continue;
        box_labels(ms, b, snap[i]->connector);
        series_labels(b, &snap[i]->key);
        items_add(&l, b, snap[i]->scratch, 0);
    }
    if (l.n > 1)
        qsort(l.it, l.n, sizeof(*l.it), item_cmp);
    mt_family(out, family_name[fam], fam == F_RESPONSE ? "histogram" : "counter", family_help[fam]);
    for (size_t i = 0; i < l.n; i++) {
        if (fam == F_RESPONSE)
            write_histogram(out, l.it[i].labels, l.it[i].v);
        else
            mt_sample_u64(out, family_name[fam], l.it[i].labels, l.it[i].v[0]);
    }
    if (l.failed)
        out->failed = 1;
    items_free(&l);
}

static void metrics_sink_render(struct emg_sink *sk, struct sbuf *out)
{
    static const char *const log_names[FILE_SINK_LOGS] = { "connector", "pdu", "security",
                                                           "general",   "message" };
    static const int counted[] = { F_CONNECTS, F_LOGINS,   F_DISCONNECTS,
                                   F_PDUS,     F_RESPONSE, F_REFUSED };
    struct metrics_sink *ms = (struct metrics_sink *)sk;
    struct gauges gs;
    struct gseries **snap;
    struct sbuf b = SBUF_INIT;
    unsigned long long dropped[FILE_SINK_LOGS];
    size_t n = 0, i;

    memset(&gs, 0, sizeof(gs));
    pthread_mutex_lock(&ms->scrape_lock);
    snap = collect(ms, &n, &gs, &b);
    if (snap == NULL)
        out->failed = 1;

    mt_family(out, "emgdiag_build_info", "gauge",
              "emgdiag's version and the host's, as labels; always 1.");
    box_labels(ms, &b, NULL);
    label_text(&b, "version", EMGDIAG_VERSION);
    label_text(&b, "host_version", ms->host_version);
    mt_sample_u64(out, "emgdiag_build_info", sbuf_cstr(&b), 1);

    mt_family(out, "emgdiag_config_reloads_total", "counter",
              "Configuration reloads, accepted (ok) or refused (rejected).");
    box_labels(ms, &b, NULL);
    label_text(&b, "result", "ok");
    mt_sample_u64(out, "emgdiag_config_reloads_total", sbuf_cstr(&b), atomic_load(&ms->reloads_ok));
    box_labels(ms, &b, NULL);
    label_text(&b, "result", "rejected");
    mt_sample_u64(out, "emgdiag_config_reloads_total", sbuf_cstr(&b),
                  atomic_load(&ms->reloads_rejected));

    for (i = 0; snap != NULL && i < sizeof(counted) / sizeof(counted[0]); i++)
        write_counter_family(ms, out, counted[i], snap, n, &b);

    write_gauge_family(out, "emgdiag_session_up", "1 while the session is bound, else 0.", &gs.up,
                       0);
    write_gauge_family(out, "emgdiag_session_up_since_seconds",
                       "When the bound session's bind was answered (Unix time).", &gs.since, 1);
    write_gauge_family(out, "emgdiag_outstanding_requests",
                       "Requests of the session (either side) not answered yet.", &gs.outstanding,
                       0);
    write_gauge_family(out, "emgdiag_session_info",
                       "1 per bound session, with its peer address and system_id.", &gs.info, 0);

    mt_family(out, "emgdiag_log_lines_dropped_total", "counter",
              "Log lines the file sink lost (queue full, disk full, no memory), per log.");
    file_sink_dropped(dropped);
    for (i = 0; i < FILE_SINK_LOGS; i++) {
        box_labels(ms, &b, NULL);
        label_text(&b, "log", log_names[i]);
        mt_sample_u64(out, "emgdiag_log_lines_dropped_total", sbuf_cstr(&b), dropped[i]);
    }

    if (db_sink_configured()) {
        mt_family(out, "emgdiag_database_rows_dropped_total", "counter",
                  "Rows the database sink lost (queue full, database down or full, shutdown).");
        box_labels(ms, &b, NULL);
        mt_sample_u64(out, "emgdiag_database_rows_dropped_total", sbuf_cstr(&b), db_sink_dropped());
    }

    mt_family(out, "emgdiag_series_overflow_total", "counter",
              "Samples counted past a family's series cap (max-series), or without memory "
              "for their series.");
    for (i = 0; i < NFAM; i++) {
        int f = counted[i];

        box_labels(ms, &b, NULL);
        label_text(&b, "family", family_name[f]);
        mt_sample_u64(out, "emgdiag_series_overflow_total", sbuf_cstr(&b), ms->scratch_overflow[f]);
    }
    pthread_mutex_unlock(&ms->scrape_lock);
    if (b.failed || gs.up.failed || gs.since.failed || gs.outstanding.failed || gs.info.failed)
        out->failed = 1;
    items_free(&gs.up);
    items_free(&gs.since);
    items_free(&gs.outstanding);
    items_free(&gs.info);
    emg_free(snap);
    sbuf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Notices in `general`                                                 */

static void notice(const char *level, const char *event, size_t n, const char *const *keys,
                   const char *const *values)
{
    struct emg_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = EMG_EV_GENERAL;
    ev.instance = -1;
    ev.u.general.level = level;
    ev.u.general.event = event;
    ev.u.general.n = n < EMG_GENERAL_MAX_KV ? n : EMG_GENERAL_MAX_KV;
    for (size_t i = 0; i < ev.u.general.n; i++) {
        ev.u.general.keys[i] = keys[i];
        ev.u.general.values[i] = values[i];
    }
    dispatch_event(&ev, NULL);
}

/* ------------------------------------------------------------------ */
/* The sink's operations                                               */

static void render_cb(void *ctx, struct sbuf *out)
{
    metrics_sink_render(ctx, out);
}

/* The textfile writer's thread: a write failed. */
static void textfile_failed(void *ctx, const char *path, const char *why)
{
    const char *keys[2] = { "file", "reason" };
    const char *values[2] = { path, why };

    (void)ctx;
    notice("WARN", "METRICS TEXTFILE FAILED", 2, keys, values);
}

static const struct emg_metrics *my_element(const struct metrics_sink *ms,
                                            const struct emg_config *cfg)
{
    return emg_config_metrics(cfg, ms->box, ms->box_id);
}

static void mt_flush(struct emg_sink *s)
{
    (void)s;
}

static void mt_reopen(struct emg_sink *s)
{
    (void)s; /* no files kept open */
}

static int mt_check(struct emg_sink *s, const struct emg_config *cfg, char *err, size_t errlen)
{
    const struct emg_metrics *m = my_element((struct metrics_sink *)s, cfg);

    if (m == NULL)
        return 0;
    if (m->listen != NULL && !metrics_http_available()) {
        metrics_http_start(m->listen, render_cb, s, err, errlen); /* says why */
        return -1;
    }
    if (m->textfile != NULL && metrics_textfile_check(m->textfile, err, errlen) != 0)
        return -1;
    return 0;
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A reload that moves the endpoint: the new one is bound first; if it
 * cannot be, the old one stays and general says why. */
static void reload_endpoint(struct metrics_sink *ms, const char *listen)
{
    const char *keys[3] = { "listen", "reason", "kept" };
    const char *values[3];
    struct metrics_http *h;
    char err[512], *copy;

    if (same(listen, ms->listen))
        return;
    if (listen == NULL) {
        metrics_http_stop(ms->http);
        ms->http = NULL;
        emg_free(ms->listen);
        ms->listen = NULL;
        return;
    }
    copy = emg_strdup(listen);
    h = copy != NULL ? metrics_http_start(listen, render_cb, ms, err, sizeof(err)) : NULL;
    if (copy == NULL)
        snprintf(err, sizeof(err), "out of memory");
    if (h == NULL) {
        emg_free(copy);
        values[0] = listen;
        values[1] = err;
        values[2] = ms->listen != NULL ? ms->listen : "";
        notice("ERROR", "METRICS LISTEN FAILED", 3, keys, values);
        return;
    }
    metrics_http_stop(ms->http);
    emg_free(ms->listen);
    ms->http = h;
    ms->listen = copy;
}

static void mt_reload(struct emg_sink *s, const struct emg_config *cfg)
{
    struct metrics_sink *ms = (struct metrics_sink *)s;
    const struct emg_metrics *m = my_element(ms, cfg);
    const char *textfile = m != NULL ? m->textfile : NULL;
    char err[512];

    atomic_store(&ms->max_series, m != NULL ? m->max_series : EMG_METRICS_DEFAULT_MAX_SERIES);
    atomic_store(&ms->session_info, m != NULL ? m->session_info : 1);
    if (m != NULL)
        atomic_store(&ms->active, 1); /* counting from now on, also once it is gone */
    reload_endpoint(ms, m != NULL ? m->listen : NULL);
    if (textfile == NULL) {
        metrics_textfile_stop(ms->textfile, -1);
        ms->textfile = NULL;
    } else if (ms->textfile != NULL) {
        if (metrics_textfile_set(ms->textfile, textfile, m->interval) != 0)
            textfile_failed(ms, textfile, "out of memory: the old file stays");
    } else {
        ms->textfile = metrics_textfile_start(textfile, m->interval, render_cb, textfile_failed, ms,
                                              err, sizeof(err));
        if (ms->textfile == NULL)
            textfile_failed(ms, textfile, err);
    }
}

static void sink_free(struct metrics_sink *ms)
{
    struct msession *s, *next;

    for (s = ms->sessions; s != NULL; s = next) {
        next = s->next;
        session_free_mem(s);
    }
    for (size_t i = 0; i < ms->nall; i++) {
        emg_free(ms->all[i]->connector);
        emg_free(ms->all[i]);
    }
    emg_free(ms->all);
    pthread_mutex_destroy(&ms->lock);
    pthread_mutex_destroy(&ms->scrape_lock);
    emg_free(ms->listen);
    emg_free(ms->box_id);
    emg_free(ms->host_version);
    emg_free(ms);
}

static void mt_close(struct emg_sink *s, int timeout_ms)
{
    struct metrics_sink *ms = (struct metrics_sink *)s;

    metrics_http_stop(ms->http);
    ms->http = NULL;
    /* A writer stuck on a hung disk keeps the sink: the process is ending. */
    if (metrics_textfile_stop(ms->textfile, timeout_ms) == 0)
        sink_free(ms);
}

static const struct emg_sink_ops metrics_sink_ops = {
    .name = "metrics",
    .on_event = mt_on_event,
    .flush = mt_flush,
    .reopen = mt_reopen,
    .check = mt_check,
    .reload = mt_reload,
    .close = mt_close,
};

/* Starts what `m` asks for; 0, or -1 with one line in err. */
static int start_outputs(struct metrics_sink *ms, const struct emg_metrics *m, char *err,
                         size_t errlen)
{
    if (m->textfile != NULL && metrics_textfile_check(m->textfile, err, errlen) != 0)
        return -1;
    if (m->listen != NULL) {
        if ((ms->listen = emg_strdup(m->listen)) == NULL) {
            snprintf(err, errlen, "metrics: out of memory");
            return -1;
        }
        if ((ms->http = metrics_http_start(m->listen, render_cb, ms, err, errlen)) == NULL)
            return -1;
    }
    if (m->textfile != NULL &&
        (ms->textfile = metrics_textfile_start(m->textfile, m->interval, render_cb, textfile_failed,
                                               ms, err, errlen)) == NULL) {
        metrics_http_stop(ms->http);
        ms->http = NULL;
        return -1;
    }
    return 0;
}

int metrics_sink_add(const struct emg_config *cfg, const struct emgdiag_host *h, char *err,
                     size_t errlen)
{
    const char *box_id = EMGDIAG_HAS(h, box_id) ? h->box_id : NULL;
    const char *host_version = EMGDIAG_HAS(h, host_version) ? h->host_version : NULL;
    int box = metrics_box_of(h->box);
    const struct emg_metrics *m = emg_config_metrics(cfg, box, box_id);
    struct metrics_sink *ms = emg_calloc(1, sizeof(*ms));

    if (ms == NULL ||
        (ms->host_version = emg_strdup(host_version != NULL ? host_version : "")) == NULL ||
        (box_id != NULL && (ms->box_id = emg_strdup(box_id)) == NULL)) {
        if (ms != NULL)
            emg_free(ms->host_version);
        emg_free(ms);
        if (m == NULL)
            return 0; /* without <metrics> the module runs on without the sink */
        snprintf(err, errlen, "metrics: out of memory");
        dispatch_stop(METRICS_FAILED_START_WAIT_MS);
        return -1;
    }
    ms->base.ops = &metrics_sink_ops;
    ms->box = box;
    atomic_init(&ms->active, m != NULL);
    atomic_init(&ms->max_series, m != NULL ? m->max_series : EMG_METRICS_DEFAULT_MAX_SERIES);
    atomic_init(&ms->session_info, m != NULL ? m->session_info : 1);
    atomic_init(&ms->reloads_ok, 0ull);
    atomic_init(&ms->reloads_rejected, 0ull);
    pthread_mutex_init(&ms->lock, NULL);
    pthread_mutex_init(&ms->scrape_lock, NULL);
    if (m != NULL && start_outputs(ms, m, err, errlen) != 0) {
        sink_free(ms);
        dispatch_stop(METRICS_FAILED_START_WAIT_MS);
        return -1;
    }
    if (dispatch_add_sink(&ms->base) != 0) {
        metrics_http_stop(ms->http);
        ms->http = NULL;
        metrics_textfile_stop(ms->textfile, -1);
        sink_free(ms);
        if (m == NULL)
            return 0;
        snprintf(err, errlen, "metrics: no room for another sink");
        dispatch_stop(METRICS_FAILED_START_WAIT_MS);
        return -1;
    }
    return 0;
}
