/*
 * dispatch.c: sinks, snapshots and the event hand-over (see dispatch.h).
 *
 * A dispatch announces itself in one of the two `readers` counters before
 * it looks at `closing`, and dispatch_stop() sets `closing` before it waits
 * for both counters to drain (all sequentially consistent), so no dispatch
 * can reach a sink that is being closed.  A dispatch that leaves while
 * closing and finds both counters at zero wakes the waiter through a
 * condition variable (of two leaving at once, at least one sees both zero).
 *
 * The configuration in force is read without a lock: the hot path takes no
 * lock shared across sessions (docs/metrics.md).  A dispatch loads
 * `current` inside its counted section, and a reload frees the snapshot it
 * replaced only after a grace period: it swaps the pointer, then twice
 * flips `gen` (the counter new dispatches count in) and waits for the
 * counter it flipped away from to drain.  A dispatch that saw the old
 * pointer entered its counter before the swap; the first wait covers one
 * counted under the current generation, the second one that read the
 * generation before the previous flip and counted late.  Anything that
 * enters after a wait's check loads `current` later, so it sees the new
 * snapshot.  Holders of a longer reference (dispatch_config_get) take a
 * count on the snapshot inside such a section.
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
static pthread_mutex_t swap_lock = PTHREAD_MUTEX_INITIALIZER; /* one swap at a time */
static _Atomic(struct snapshot *) current;
static atomic_uint gen;        /* readers[gen & 1] counts new dispatches */
static atomic_int readers[2];  /* dispatches and snapshot reads under way */
static atomic_int closing = 1;
/* How long a reload waits for the dispatches that may still read the old
 * snapshot; past it the old snapshot is left allocated rather than freed
 * under a running thread. */
#define GRACE_MS 10000
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;

/* ---- snapshots ---- */

static unsigned read_enter(void)
{
    unsigned g = atomic_load(&gen) & 1u;

    atomic_fetch_add(&readers[g], 1);
    return g;
}

/* 1 when this was the last reader of both generations. */
static int read_leave(unsigned g)
{
    atomic_fetch_sub(&readers[g], 1);
    return atomic_load(&readers[g ^ 1u]) == 0 && atomic_load(&readers[g]) == 0;
}

static struct snapshot *snapshot_get(void)
{
    struct snapshot *s;
    unsigned g = read_enter();

    s = atomic_load(&current);
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    read_leave(g);
    return s;
}

/* Waits until readers[g] is zero; 0, or -1 when the deadline passed. */
static int drain_counter(unsigned g, const struct timespec *deadline)
{
    struct timespec nap = {0, 100000}; /* 100 us */

    while (atomic_load(&readers[g]) != 0) {
        if (emg_ms_until(deadline) <= 0)
            return -1;
        nanosleep(&nap, NULL);
    }
    return 0;
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
 * last user is done, after the grace period (see the top of this file).
 * When dispatches are known to be stuck (wait_ms 0) or the grace period
 * runs past wait_ms, the old snapshot is left allocated. */
static void snapshot_swap(struct snapshot *s, int wait_ms)
{
    struct snapshot *old;
    struct timespec deadline = emg_deadline_in(wait_ms);
    unsigned g, round;
    int ok = wait_ms > 0;

    pthread_mutex_lock(&swap_lock);
    old = atomic_exchange(&current, s);
    for (round = 0; round < 2 && ok && old != NULL; round++) {
        g = atomic_fetch_add(&gen, 1u) & 1u;
        ok = drain_counter(g, &deadline) == 0;
    }
    pthread_mutex_unlock(&swap_lock);
    if (ok || old == NULL)
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
    snapshot_swap(s, GRACE_MS);
    atomic_store(&readers[0], 0);
    atomic_store(&readers[1], 0);
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
    unsigned g;
    size_t i;

    g = read_enter();
    if (!atomic_load(&closing) && (snap = atomic_load(&current)) != NULL) {
        ev->cfg = snap->cfg;
        if (ev->connector != NULL && ev->conn == NULL)
            ev->conn = emg_config_connector(snap->cfg, ev->connector);
        if (ev->tv.tv_sec == 0)
            gettimeofday(&ev->tv, NULL);
        for (i = 0; i < nsinks; i++)
            sinks[i]->ops->on_event(sinks[i], ev, slots != NULL ? &slots[i] : NULL);
    }
    if (read_leave(g) && atomic_load(&closing)) {
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
    snapshot_swap(s, GRACE_MS);
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
    while ((left = atomic_load(&readers[0]) + atomic_load(&readers[1])) > 0)
        if (pthread_cond_timedwait(&drained, &drain_lock, &deadline) != 0 &&
            (left = atomic_load(&readers[0]) + atomic_load(&readers[1])) > 0)
            break;
    pthread_mutex_unlock(&drain_lock);
    if (left == 0)
        for (i = 0; i < nsinks; i++)
            sinks[i]->ops->close(sinks[i], emg_ms_until(&deadline));
    /* With dispatches still under way, a sink is left to a process that is
     * ending rather than freed under a running thread. */
    nsinks = 0;
    snapshot_swap(NULL, left == 0 ? GRACE_MS : 0);
    return left;
}
