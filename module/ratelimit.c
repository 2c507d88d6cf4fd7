/*
 * ratelimit.c: the flood table and the ticker (see ratelimit.h).
 *
 * Keys live in a small hash table of chained entries.  An entry records the
 * second its lines are counted in, how many were written in that second
 * and how many were held back and not reported yet.  Reports are made
 * outside the table's lock (the sweep copies what it reports first), so a
 * report callback may write lines and even come back to admit().
 */
#include "ratelimit.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

#define RL_BUCKETS 64
/* A key with nothing to report and no line for this long is forgotten. */
#define RL_IDLE_SECONDS 60

struct rl_entry {
    struct rl_entry *next;
    time_t second; /* the second `lines` counts in */
    unsigned lines;
    unsigned long suppressed; /* held back, not reported yet */
    int instance;
    int kind;
    char name[];
};

struct ratelimit {
    pthread_mutex_t lock;
    unsigned per_second;
    struct rl_entry *buckets[RL_BUCKETS];
};

struct ratelimit *ratelimit_new(unsigned per_second)
{
    struct ratelimit *rl = emg_calloc(1, sizeof(*rl));

    if (rl == NULL)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->per_second = per_second;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    struct rl_entry *e, *next;
    size_t i;

    if (rl == NULL)
        return;
    for (i = 0; i < RL_BUCKETS; i++) {
        for (e = rl->buckets[i]; e != NULL; e = next) {
            next = e->next;
            emg_free(e);
        }
    }
    pthread_mutex_destroy(&rl->lock);
    emg_free(rl);
}

static size_t rl_bucket(const char *name, int instance, int kind)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    h = (h ^ (uint32_t)instance) * 16777619u;
    h = (h ^ (uint32_t)kind) * 16777619u;
    return h % RL_BUCKETS;
}

/* The entry's link in its chain, or the chain's end; lock held. */
static struct rl_entry **rl_find(struct ratelimit *rl, const char *name, int instance, int kind)
{
    struct rl_entry **link = &rl->buckets[rl_bucket(name, instance, kind)];

    while (*link != NULL && ((*link)->instance != instance || (*link)->kind != kind ||
                             strcmp((*link)->name, name) != 0))
        link = &(*link)->next;
    return link;
}

int ratelimit_admit(struct ratelimit *rl, const char *name, int instance, int kind, time_t now,
                    unsigned long *report)
{
    struct rl_entry **link, *e;
    size_t n;
    int admit = 1;

    *report = 0;
    pthread_mutex_lock(&rl->lock);
    link = rl_find(rl, name, instance, kind);
    e = *link;
    if (e == NULL) {
        n = strlen(name);
        e = emg_calloc(1, sizeof(*e) + n + 1);
        if (e == NULL) {
            pthread_mutex_unlock(&rl->lock);
            return 1;
        }
        memcpy(e->name, name, n + 1);
        e->instance = instance;
        e->kind = kind;
        e->second = now;
        *link = e;
    }
    if (now != e->second) {
        *report = e->suppressed;
        e->suppressed = 0;
        e->second = now;
        e->lines = 0;
    }
    if (e->lines >= rl->per_second) {
        e->suppressed++;
        admit = 0;
    } else {
        e->lines++;
    }
    pthread_mutex_unlock(&rl->lock);
    return admit;
}

unsigned long ratelimit_take(struct ratelimit *rl, const char *name, int instance, int kind)
{
    struct rl_entry **link, *e;
    unsigned long count = 0;

    pthread_mutex_lock(&rl->lock);
    link = rl_find(rl, name, instance, kind);
    e = *link;
    if (e != NULL) {
        count = e->suppressed;
        *link = e->next;
        emg_free(e);
    }
    pthread_mutex_unlock(&rl->lock);
    return count;
}

/* What a sweep reports, copied out of the table. */
struct rl_report {
    struct rl_report *next;
    unsigned long count;
    int instance;
    int kind;
    char name[];
};

void ratelimit_sweep(struct ratelimit *rl, time_t now,
                     void (*report)(void *ctx, const char *name, int instance, int kind,
                                    unsigned long count),
                     void *ctx)
{
    struct rl_report *todo = NULL, **tail = &todo, *r, *rnext;
    struct rl_entry **link, *e;
    size_t i, n;

    pthread_mutex_lock(&rl->lock);
    for (i = 0; i < RL_BUCKETS; i++) {
        link = &rl->buckets[i];
        while ((e = *link) != NULL) {
            if (e->suppressed > 0 && (now == 0 || e->second != now)) {
                n = strlen(e->name);
                r = emg_malloc(sizeof(*r) + n + 1);
                if (r != NULL) {
                    /* Without memory the count stays for the next sweep. */
                    memcpy(r->name, e->name, n + 1);
                    r->count = e->suppressed;
                    r->instance = e->instance;
                    r->kind = e->kind;
                    r->next = NULL;
                    *tail = r;
                    tail = &r->next;
                    e->suppressed = 0;
                }
            }
            if (e->suppressed == 0 && (now == 0 || now - e->second > RL_IDLE_SECONDS)) {
                *link = e->next;
                emg_free(e);
            } else {
                link = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&rl->lock);
    for (r = todo; r != NULL; r = rnext) {
        rnext = r->next;
        report(ctx, r->name, r->instance, r->kind, r->count);
        emg_free(r);
    }
}

/* ---- the ticker ---- */

struct ticker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    void (*fn)(void *ctx);
    void *ctx;
};

static void *ticker_main(void *arg)
{
    struct ticker *t = arg;
    struct timespec until;

    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&t->cond, &t->lock, &until);
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->lock);
        t->fn(t->ctx);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

struct ticker *ticker_start(void (*fn)(void *ctx), void *ctx)
{
    struct ticker *t = emg_calloc(1, sizeof(*t));
    sigset_t all, old;
    int rc;

    if (t == NULL)
        return NULL;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    t->fn = fn;
    t->ctx = ctx;
    /* Kannel's threads expect to receive the signals, not ours. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&t->thread, NULL, ticker_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&t->cond);
        pthread_mutex_destroy(&t->lock);
        emg_free(t);
        return NULL;
    }
    pthread_setname_np(t->thread, "emgdiag-ticker");
    return t;
}

void ticker_stop(struct ticker *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    emg_free(t);
}
