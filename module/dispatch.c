/*
 * dispatch.c: sinks, snapshots and the event hand-over (see dispatch.h).
 *
 * A dispatch announces itself in `inflight` before it looks at `closing`,
 * and dispatch_stop() sets `closing` before it waits for `inflight` to
 * drain (both sequentially consistent), so no dispatch can reach a sink
 * that is being closed.  The last dispatch to leave while closing wakes
 * the waiter through a condition variable.
 */
#include "dispatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "alloc.h"
#include "deadline.h"

struct snapshot {
    struct emg_config *cfg;
    atomic_int refs;
};

static struct emg_sink *sinks[DISPATCH_MAX_SINKS];
static size_t nsinks;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static atomic_int inflight;
static atomic_int closing = 1;
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;

/* ---- snapshots ---- */

static struct snapshot *snapshot_get(void)
{
    struct snapshot *s;

    pthread_mutex_lock(&cfg_lock);
    s = current;
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&cfg_lock);
    return s;
}

static void snapshot_put(struct snapshot *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
        emg_config_free(s->cfg);
        emg_free(s);
    }
}

/* A snapshot of `cfg` with one reference; NULL (cfg freed) when out of
 * memory. */
static struct snapshot *snapshot_new(struct emg_config *cfg)
{
    struct snapshot *s = emg_calloc(1, sizeof(*s));

    if (s == NULL) {
        emg_config_free(cfg);
        return NULL;
    }
    s->cfg = cfg;
    atomic_init(&s->refs, 1);
    return s;
}

/* Makes `s` (NULL: none) the snapshot in force; the old one goes when its
 * last user is done. */
static void snapshot_swap(struct snapshot *s)
{
    struct snapshot *old;

    pthread_mutex_lock(&cfg_lock);
    old = current;
    current = s;
    pthread_mutex_unlock(&cfg_lock);
    snapshot_put(old);
}

struct dispatch_config *dispatch_config_get(void)
{
    return (struct dispatch_config *)snapshot_get();
}

const struct emg_config *dispatch_config_of(const struct dispatch_config *ref)
{
    return ref != NULL ? ((const struct snapshot *)ref)->cfg : NULL;
}

void dispatch_config_put(struct dispatch_config *ref)
{
    snapshot_put((struct snapshot *)ref);
}

int dispatch_start(struct emg_config *cfg)
{
    struct snapshot *s = snapshot_new(cfg);

    nsinks = 0;
    if (s == NULL)
        return -1;
    snapshot_swap(s);
    atomic_store(&inflight, 0);
    atomic_store(&closing, 0);
    return 0;
}

int dispatch_add_sink(struct emg_sink *s)
{
    if (nsinks >= DISPATCH_MAX_SINKS)
        return -1;
    sinks[nsinks++] = s;
    return 0;
}

int dispatch_running(void)
{
    return !atomic_load(&closing);
}

void dispatch_event(struct emg_event *ev, void **slots)
{
    struct snapshot *snap;
    size_t i;

    atomic_fetch_add(&inflight, 1);
    if (!atomic_load(&closing) && (snap = snapshot_get()) != NULL) {
        ev->cfg = snap->cfg;
        if (ev->connector != NULL && ev->conn == NULL)
            ev->conn = emg_config_connector(snap->cfg, ev->connector);
        if (ev->tv.tv_sec == 0)
            gettimeofday(&ev->tv, NULL);
        for (i = 0; i < nsinks; i++)
            sinks[i]->ops->on_event(sinks[i], ev, slots != NULL ? &slots[i] : NULL);
        snapshot_put(snap);
    }
    if (atomic_fetch_sub(&inflight, 1) == 1 && atomic_load(&closing)) {
        pthread_mutex_lock(&drain_lock);
        pthread_cond_broadcast(&drained);
        pthread_mutex_unlock(&drain_lock);
    }
}

int dispatch_check(const struct emg_config *cfg, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < nsinks; i++)
        if (sinks[i]->ops->check != NULL && sinks[i]->ops->check(sinks[i], cfg, err, errlen) != 0)
            return -1;
    return 0;
}

int dispatch_reload(struct emg_config *cfg)
{
    struct snapshot *s = snapshot_new(cfg);
    size_t i;

    if (s == NULL)
        return -1;
    for (i = 0; i < nsinks; i++)
        if (sinks[i]->ops->reload != NULL)
            sinks[i]->ops->reload(sinks[i], cfg);
    snapshot_swap(s);
    return 0;
}

void dispatch_reopen(void)
{
    size_t i;

    if (atomic_load(&closing))
        return;
    for (i = 0; i < nsinks; i++)
        sinks[i]->ops->reopen(sinks[i]);
}

int dispatch_stop(int timeout_ms)
{
    struct timespec deadline;
    int left = 0;
    size_t i;

    deadline = emg_deadline_in(timeout_ms);
    atomic_store(&closing, 1);
    pthread_mutex_lock(&drain_lock);
    while ((left = atomic_load(&inflight)) > 0)
        if (pthread_cond_timedwait(&drained, &drain_lock, &deadline) != 0 &&
            (left = atomic_load(&inflight)) > 0)
            break;
    pthread_mutex_unlock(&drain_lock);
    if (left == 0)
        for (i = 0; i < nsinks; i++)
            sinks[i]->ops->close(sinks[i], emg_ms_until(&deadline));
    /* With dispatches still under way, a sink is left to a process that is
     * ending rather than freed under a running thread. */
    nsinks = 0;
    snapshot_swap(NULL);
    return left;
}
