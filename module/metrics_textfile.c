/*
 * metrics_textfile.c: the textfile writer thread (see metrics_textfile.h).
 *
 * The thread waits on a condition variable until the interval is over, a
 * reload changes the file (a generation number), or stop is asked; the
 * render and the write happen outside the lock, on a copy of the path.
 */
#include "metrics_textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "deadline.h"

struct metrics_textfile {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char *path;         /* lock */
    int interval;       /* lock */
    unsigned gen;       /* lock: bumped by metrics_textfile_set() */
    int stop;           /* lock */
    atomic_int failing; /* the last write failed (reported once) */
    metrics_render_fn render;
    metrics_textfile_failed_fn failed;
    void *ctx;
};

int metrics_textfile_check(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "metrics textfile %s: directory %s: %s", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* One write of the scrape to `path`; 0, or -1 with the reason in why. */
static int write_once(struct metrics_textfile *t, const char *path, char *why, size_t whylen)
{
    struct sbuf text = SBUF_INIT;
    char tmp[4200];
    size_t off = 0;
    ssize_t w;
    int fd, e = 0;

    t->render(t->ctx, &text);
    if (text.failed) {
        sbuf_free(&text);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        e = errno;
    } else {
        fchmod(fd, 0644); /* node-exporter reads it as another user, whatever the umask */
        while (off < text.len) {
            w = write(fd, text.buf + off, text.len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                e = w < 0 ? errno : EIO;
                break;
            }
            off += (size_t)w;
        }
        if (close(fd) != 0 && e == 0)
            e = errno;
        if (e == 0 && rename(tmp, path) != 0)
            e = errno;
        if (e != 0)
            unlink(tmp);
    }
    sbuf_free(&text);
    if (e != 0) {
        snprintf(why, whylen, "%s", strerror(e));
        return -1;
    }
    return 0;
}

static void write_reporting(struct metrics_textfile *t, const char *path)
{
    char why[256];

    if (write_once(t, path, why, sizeof(why)) == 0)
        atomic_store(&t->failing, 0);
    else if (!atomic_exchange(&t->failing, 1) && t->failed != NULL)
        t->failed(t->ctx, path, why);
}

static void *writer_main(void *arg)
{
    struct metrics_textfile *t = arg;
    struct timespec until;
    unsigned gen;
    char *path;
    int stop;

    pthread_mutex_lock(&t->lock);
    for (;;) {
        stop = t->stop;
        path = emg_strdup(t->path);
        pthread_mutex_unlock(&t->lock);
        if (path != NULL)
            write_reporting(t, path);
        emg_free(path);
        pthread_mutex_lock(&t->lock);
        if (stop)
            break;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += t->interval;
        gen = t->gen;
        while (!t->stop && t->gen == gen &&
               pthread_cond_timedwait(&t->cond, &t->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

static void textfile_free(struct metrics_textfile *t)
{
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    emg_free(t->path);
    emg_free(t);
}

struct metrics_textfile *metrics_textfile_start(const char *path, int interval,
                                                metrics_render_fn render,
                                                metrics_textfile_failed_fn failed, void *ctx,
                                                char *err, size_t errlen)
{
    struct metrics_textfile *t = emg_calloc(1, sizeof(*t));
    sigset_t all, old;
    int rc;

    if (t == NULL || (t->path = emg_strdup(path)) == NULL) {
        emg_free(t);
        snprintf(err, errlen, "metrics textfile %s: out of memory", path);
        return NULL;
    }
    t->interval = interval;
    t->render = render;
    t->failed = failed;
    t->ctx = ctx;
    atomic_init(&t->failing, 0);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    /* Kannel's threads expect to receive the signals, not ours. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&t->thread, NULL, writer_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "metrics textfile %s: cannot start a thread: %s", path, strerror(rc));
        textfile_free(t);
        return NULL;
    }
    pthread_setname_np(t->thread, "emgdiag-metrics");
    return t;
}

int metrics_textfile_set(struct metrics_textfile *t, const char *path, int interval)
{
    char *copy;

    pthread_mutex_lock(&t->lock);
    if (strcmp(t->path, path) == 0 && t->interval == interval) {
        pthread_mutex_unlock(&t->lock);
        return 0; /* nothing changed: the schedule goes on */
    }
    pthread_mutex_unlock(&t->lock);
    if ((copy = emg_strdup(path)) == NULL)
        return -1;
    pthread_mutex_lock(&t->lock);
    emg_free(t->path);
    t->path = copy;
    t->interval = interval;
    t->gen++;
    atomic_store(&t->failing, 0);
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

int metrics_textfile_stop(struct metrics_textfile *t, int timeout_ms)
{
    struct timespec until;

    if (t == NULL)
        return 0;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    if (timeout_ms < 0) {
        pthread_join(t->thread, NULL);
    } else {
        until = emg_deadline_in(timeout_ms);
        if (pthread_timedjoin_np(t->thread, NULL, &until) != 0)
            return -1;
    }
    textfile_free(t);
    return 0;
}
