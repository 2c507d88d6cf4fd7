/*
 * rotation: the renames of a size rotation and the gzip helper thread (see
 * rotation.h for the contract).
 *
 * One mutex orders everything that names a history file: a shift (on the
 * writer thread) and the helper's final rename.  The helper holds it only
 * to pick a job, open its source and finish; the compression itself runs
 * unlocked, so the writer never waits on zlib.  Jobs, queued or under way,
 * say which file they compress by its directory, its name and its current
 * number, which each shift moves up by one.
 */
#include "rotation.h"

#include "alloc.h"
#include "deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zlib.h>

#define GZ_IO_BYTES ((size_t)64 * 1024)
#define GZ_FILE_MODE 0640
#define GZ_NICE 10               /* the helper yields to the box's own threads */
#define GZ_DISCARD UINT_MAX      /* a job whose file was shifted past keep */

struct gz_job {
    struct gz_job *next;
    char *dir, *name;
    unsigned idx; /* compresses dir/name.idx */
};

struct rotation {
    pthread_mutex_t lock;
    pthread_cond_t cond;      /* jobs queued, stop asked, the thread exited */
    struct gz_job *head, *tail;
    struct gz_job *running;   /* the job under way, NULL when none */
    int started, stop, exited, orphaned;
    pthread_t thread;
    void (*host_log)(void *ctx, const char *msg);
    void *ctx;
    atomic_ulong rotated, compressed;
};

/* ---- names ---------------------------------------------------------------- */

/* "dir/name", "dir/name.N" (n > 0) or "dir/name.N.gz" into buf; -1 when it
 * does not fit. */
static int hist_path(char *buf, size_t len, const char *dir, const char *name, unsigned n, int gz)
{
    int w;

    if (n == 0)
        w = snprintf(buf, len, "%s/%s", dir, name);
    else
        w = snprintf(buf, len, "%s/%s.%u%s", dir, name, n, gz ? ".gz" : "");
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

static int path_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

static void job_free(struct gz_job *j)
{
    if (j == NULL)
        return;
    emg_free(j->dir);
    emg_free(j->name);
    emg_free(j);
}

static int job_is(const struct gz_job *j, const char *dir, const char *name)
{
    return strcmp(j->name, name) == 0 && strcmp(j->dir, dir) == 0;
}

/* ---- the helper thread ---------------------------------------------------- */

static voidpf gz_zalloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    if (size != 0 && items > SIZE_MAX / size)
        return Z_NULL;
    return emg_malloc((size_t)items * size);
}

static void gz_zfree(voidpf opaque, voidpf p)
{
    (void)opaque;
    emg_free(p);
}

static void gz_log(struct rotation *r, const char *what, const char *dir, const char *name,
                   unsigned idx, int e)
{
    char msg[PATH_MAX + 256];

    snprintf(msg, sizeof msg, "emgdiag: cannot gzip %s/%s.%u (%s: %s); it stays uncompressed",
             dir, name, idx, what, strerror(e));
    pthread_mutex_lock(&r->lock);
    if (!r->orphaned && r->host_log != NULL)
        r->host_log(r->ctx, msg);
    pthread_mutex_unlock(&r->lock);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* src into dst as gzip; 0, 1 when asked to stop, -1 with errno (and *what). */
static int gz_copy(struct rotation *r, int src, int dst, unsigned char *in, unsigned char *out,
                   const char **what)
{
    z_stream zs;
    ssize_t n;
    int flush, rc, stop, ret = 0;

    memset(&zs, 0, sizeof zs);
    zs.zalloc = gz_zalloc;
    zs.zfree = gz_zfree;
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        *what = "zlib";
        errno = ENOMEM;
        return -1;
    }
    do {
        pthread_mutex_lock(&r->lock);
        stop = r->stop;
        pthread_mutex_unlock(&r->lock);
        if (stop) {
            ret = 1;
            break;
        }
        do
            n = read(src, in, GZ_IO_BYTES);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            *what = "read";
            ret = -1;
            break;
        }
        flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = in;
        zs.avail_in = (uInt)n;
        do {
            zs.next_out = out;
            zs.avail_out = (uInt)GZ_IO_BYTES;
            rc = deflate(&zs, flush);
            if (rc == Z_STREAM_ERROR) {
                *what = "zlib";
                errno = EIO;
                ret = -1;
                break;
            }
            if (write_all(dst, out, GZ_IO_BYTES - zs.avail_out) != 0) {
                *what = "write";
                ret = -1;
                break;
            }
        } while (zs.avail_out == 0);
    } while (ret == 0 && flush != Z_FINISH);
    n = errno;
    deflateEnd(&zs);
    errno = (int)n;
    return ret;
}

/* One job: gzip dir/name.idx into the temporary file, then (if the file is
 * still kept) name it <name>.<its number now>.gz and remove the plain one. */
static void gz_run(struct rotation *r, struct gz_job *j, int src, unsigned char *in,
                   unsigned char *out)
{
    char tmp[PATH_MAX], plain[PATH_MAX], gz[PATH_MAX];
    const char *what = "open";
    int dst, rc = -1, e = 0;

    if (snprintf(tmp, sizeof tmp, "%s/.%s.gz-tmp", j->dir, j->name) >= (int)sizeof tmp) {
        close(src);
        return;
    }
    dst = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, GZ_FILE_MODE);
    if (dst >= 0) {
        rc = gz_copy(r, src, dst, in, out, &what);
        if (rc == 0 && fdatasync(dst) != 0) {
            what = "sync";
            rc = -1;
        }
        e = errno;
        if (close(dst) != 0 && rc == 0) {
            what = "close";
            rc = -1;
            e = errno;
        }
    } else {
        e = errno;
    }
    close(src);
    pthread_mutex_lock(&r->lock);
    r->running = NULL;
    if (rc == 0 && j->idx != GZ_DISCARD &&
        hist_path(plain, sizeof plain, j->dir, j->name, j->idx, 0) == 0 &&
        hist_path(gz, sizeof gz, j->dir, j->name, j->idx, 1) == 0 && rename(tmp, gz) == 0) {
        unlink(plain);
        atomic_fetch_add(&r->compressed, 1);
    } else if (dst >= 0) {
        unlink(tmp);
    }
    pthread_mutex_unlock(&r->lock);
    if (rc < 0)
        gz_log(r, what, j->dir, j->name, j->idx, e);
}

static void *gz_main(void *arg)
{
    struct rotation *r = arg;
    unsigned char *in = emg_malloc(GZ_IO_BYTES), *out = emg_malloc(GZ_IO_BYTES);
    char path[PATH_MAX];
    struct gz_job *j, *next;
    int src, orphaned;

    /* Linux: the nice value of this thread only. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), GZ_NICE);
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (r->head == NULL && !r->stop)
            pthread_cond_wait(&r->cond, &r->lock);
        if (r->stop) {
            pthread_mutex_unlock(&r->lock);
            break;
        }
        j = r->head;
        r->head = j->next;
        if (r->head == NULL)
            r->tail = NULL;
        src = -1;
        if (j->idx != GZ_DISCARD && in != NULL && out != NULL &&
            hist_path(path, sizeof path, j->dir, j->name, j->idx, 0) == 0)
            src = open(path, O_RDONLY | O_CLOEXEC);
        if (src >= 0)
            r->running = j;
        pthread_mutex_unlock(&r->lock);
        if (src >= 0)
            gz_run(r, j, src, in, out);
        job_free(j);
    }
    emg_free(in);
    emg_free(out);
    pthread_mutex_lock(&r->lock);
    for (j = r->head; j != NULL; j = next) {
        next = j->next;
        job_free(j);
    }
    r->head = r->tail = NULL;
    r->exited = 1;
    orphaned = r->orphaned;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    if (orphaned) {
        /* rotation_stop() gave up on us: nobody else will free r. */
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        emg_free(r);
    }
    return NULL;
}

/* ---- the writer's side ---------------------------------------------------- */

struct rotation *rotation_new(void (*host_log)(void *ctx, const char *msg), void *ctx)
{
    struct rotation *r = emg_calloc(1, sizeof *r);

    if (r == NULL)
        return NULL;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->host_log = host_log;
    r->ctx = ctx;
    atomic_init(&r->rotated, 0ul);
    atomic_init(&r->compressed, 0ul);
    return r;
}

/* Under lock: starts the helper if it is not running; 0 or -1. */
static int gz_start_locked(struct rotation *r)
{
    sigset_t all, old;
    int rc;

    if (r->started)
        return 0;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&r->thread, NULL, gz_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    pthread_setname_np(r->thread, "emgdiag-gzip");
    r->started = 1;
    return 0;
}

/* Under lock: whether dir/name.idx is queued or under way already. */
static int gz_has_job_locked(struct rotation *r, const char *dir, const char *name, unsigned idx)
{
    struct gz_job *j;

    if (r->running != NULL && r->running->idx == idx && job_is(r->running, dir, name))
        return 1;
    for (j = r->head; j != NULL; j = j->next)
        if (j->idx == idx && job_is(j, dir, name))
            return 1;
    return 0;
}

/* Under lock: queues dir/name.idx; out of memory leaves it plain. */
static void gz_queue_locked(struct rotation *r, const char *dir, const char *name, unsigned idx)
{
    struct gz_job *j;

    if (gz_has_job_locked(r, dir, name, idx) || gz_start_locked(r) != 0)
        return;
    j = emg_calloc(1, sizeof *j);
    if (j == NULL || (j->dir = emg_strdup(dir)) == NULL || (j->name = emg_strdup(name)) == NULL) {
        job_free(j);
        return;
    }
    j->idx = idx;
    if (r->tail != NULL)
        r->tail->next = j;
    else
        r->head = j;
    r->tail = j;
    pthread_cond_signal(&r->cond);
}

/* Under lock: a shift moved every file of dir/name up by one. */
static void gz_renumber_locked(struct rotation *r, const char *dir, const char *name,
                               unsigned keep)
{
    struct gz_job *j, **pp;

    if (r->running != NULL && r->running->idx != GZ_DISCARD &&
        job_is(r->running, dir, name))
        r->running->idx = r->running->idx >= keep ? GZ_DISCARD : r->running->idx + 1;
    for (pp = &r->head; (j = *pp) != NULL;) {
        if (job_is(j, dir, name) && j->idx != GZ_DISCARD)
            j->idx = j->idx >= keep ? GZ_DISCARD : j->idx + 1;
        if (j->idx == GZ_DISCARD) {
            *pp = j->next;
            job_free(j);
            continue;
        }
        pp = &j->next;
    }
    r->tail = NULL;
    for (j = r->head; j != NULL; j = j->next)
        r->tail = j;
}

int rotation_shift(struct rotation *r, const char *dir, const char *name, unsigned keep,
                   int compress)
{
    char from[PATH_MAX], to[PATH_MAX], base[PATH_MAX];
    unsigned i;
    int gz, e;

    if (keep < ROTATION_KEEP_MIN)
        keep = ROTATION_KEEP_MIN;
    if (keep > ROTATION_KEEP_MAX)
        keep = ROTATION_KEEP_MAX;
    if (hist_path(base, sizeof base, dir, name, 0, 0) != 0 ||
        hist_path(to, sizeof to, dir, name, keep + 1, 1) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!path_exists(base)) {
        errno = ENOENT;
        return -1;
    }
    pthread_mutex_lock(&r->lock);
    /* The last kept one goes, and any left past keep (a smaller keep now). */
    for (i = keep;; i++) {
        int found = 0;

        for (gz = 0; gz <= 1; gz++) {
            hist_path(from, sizeof from, dir, name, i, gz);
            if (unlink(from) == 0 || errno != ENOENT)
                found = 1;
        }
        if (!found && i > keep)
            break;
    }
    gz_renumber_locked(r, dir, name, keep);
    for (i = keep - 1; i >= 1; i--) {
        for (gz = 0; gz <= 1; gz++) {
            hist_path(from, sizeof from, dir, name, i, gz);
            hist_path(to, sizeof to, dir, name, i + 1, gz);
            rename(from, to); /* ENOENT: no such one yet */
        }
    }
    hist_path(to, sizeof to, dir, name, 1, 0);
    if (rename(base, to) != 0) {
        e = errno;
        pthread_mutex_unlock(&r->lock);
        errno = e;
        return -1;
    }
    atomic_fetch_add(&r->rotated, 1);
    if (compress) {
        for (i = 1; i <= keep; i++) {
            hist_path(from, sizeof from, dir, name, i, 0);
            if (path_exists(from))
                gz_queue_locked(r, dir, name, i);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

void rotation_counts(struct rotation *r, unsigned long *rotated, unsigned long *compressed)
{
    *rotated = atomic_load(&r->rotated);
    *compressed = atomic_load(&r->compressed);
}

void rotation_stop(struct rotation *r, int timeout_ms)
{
    struct timespec deadline;
    int exited;

    if (r == NULL)
        return;
    deadline = emg_deadline_in(timeout_ms);
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_broadcast(&r->cond);
    if (!r->started) {
        pthread_mutex_unlock(&r->lock);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        emg_free(r);
        return;
    }
    while (!r->exited && timeout_ms >= 0 &&
           pthread_cond_timedwait(&r->cond, &r->lock, &deadline) != ETIMEDOUT)
        ;
    while (!r->exited && timeout_ms < 0)
        pthread_cond_wait(&r->cond, &r->lock);
    exited = r->exited;
    if (!exited) {
        r->orphaned = 1;
        pthread_detach(r->thread);
    }
    pthread_mutex_unlock(&r->lock);
    if (!exited)
        return;
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    emg_free(r);
}
