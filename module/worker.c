/*
 * worker.c: the job thread (see worker.h).
 *
 * `requested` counts requests, `done` the requests covered by finished
 * runs; a run covers every request made before it started.
 */
#include "worker.h"

#include <pthread.h>
#include <signal.h>

#include "alloc.h"

struct worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned long requested, done;
    int stop;
    void (*job)(void *ctx);
    void *ctx;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    unsigned long target;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && w->done == w->requested)
            pthread_cond_wait(&w->cond, &w->lock);
        if (w->done == w->requested)
            break; /* stopping, nothing pending */
        target = w->requested;
        pthread_mutex_unlock(&w->lock);
        w->job(w->ctx);
        pthread_mutex_lock(&w->lock);
        w->done = target;
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct worker *worker_start(const char *name, void (*job)(void *ctx), void *ctx)
{
    struct worker *w = emg_calloc(1, sizeof(*w));
    sigset_t all, old;
    int rc;

    if (w == NULL)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->job = job;
    w->ctx = ctx;
    /* Kannel's threads expect to receive the signals, not ours. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        emg_free(w);
        return NULL;
    }
    pthread_setname_np(w->thread, name);
    return w;
}

void worker_request(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->requested++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void worker_stop(struct worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    emg_free(w);
}
