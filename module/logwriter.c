/*
 * logwriter: a bounded queue of finished log lines and the one thread that
 * appends them to files (see logwriter.h for the contract).
 *
 * Producers (SMPP threads) copy a line into the last of a chain of chunks
 * under `lock`; that is all they do.  The writer thread takes the whole
 * chain at once, hands the chunks back for reuse when it is done (so a line
 * costs no emg_malloc() on one thread and emg_free() on another, which contend for
 * the allocator's locks), and sleeps in poll(2) on a self-pipe when there is
 * nothing to do.  The lines of one batch that go to one file are written
 * together, in order, with one writev(2) of whole lines on a cached O_APPEND
 * descriptor (a run of up to LW_RUN_MAX lines): a file shared with another
 * process still never sees a line cut by another's, and a busy gateway pays
 * for one system call per file and batch instead of one per line.  A run
 * the disk cuts short is finished line by line, as single lines were before
 * (see lw_flush_run).  The process's own "general" lines, a line that may
 * start a rotation and a line for a file that is not open yet take the
 * single-line path.  The same pipe carries wake-ups from producers and from
 * logwriter_signal(), which may run inside a signal handler and therefore
 * only does an atomic OR and a write(2).
 *
 * Wake-ups, not bytes, are what a busy gateway pays for (a pipe write on the
 * SMPP thread, a context switch on each side), so the writer lingers: after
 * a batch it sleeps opts.linger_ms before taking the next one, and while it
 * lingers producers do not wake it unless LW_LINGER_WAKE_BYTES are waiting.
 * A writer that finds the queue empty after lingering sleeps until the next
 * line, which wakes it at once: on a quiet gateway a line is written as soon
 * as it is submitted, on a busy one within linger_ms, in batches.
 *
 * Losses are counted per file name.  Producers record queue-full drops in a
 * small list under the lock; the writer folds them into its own table of
 * files, where open and write failures are counted too.  A file's count is
 * reported to "general" once a write to that file, or to "general", works.
 *
 * Size rotation is decided here, between two lines of one file: the writer
 * keeps each open file's size (fstat at open, then what it appended), and
 * a line that would pass the limit first has rotation.c rename the file
 * and its JSON twin, then opens the new file for it.
 */
#include "logwriter.h"

#include "alloc.h"
#include "deadline.h"
#include "rotation.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define LW_GENERAL_FILE "general"
#define LW_GENERAL_JSON "general.jsonl"
#define LW_UNKNOWN_FILE "(unknown)" /* drops whose file name could not be kept */
#define LW_NAME_MAX 255
#define LW_DIR_MODE 0750
#define LW_FILE_MODE 0640
#define LW_OPEN_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC)
/* Queued bytes that end a linger early (capped at a quarter of the bound). */
#define LW_LINGER_WAKE_BYTES ((size_t)256 * 1024)
#define LW_JSON_SUFFIX ".jsonl"
/* How long a stopping writer waits for the gzip helper to abandon its file. */
#define LW_GZ_STOP_MS 200

/* What the writer thread is doing, as producers see it (under lock). */
enum lw_state {
    LW_BUSY,      /* taking or writing a batch: it will look at the queue again */
    LW_LINGERING, /* sleeping linger_ms after a batch: wake only for a full queue */
    LW_SLEEPING   /* sleeping until woken: the next line wakes it */
};

/* Chunks of queued records: LW_CHUNK_BYTES each, or one record's size when
 * that is larger; up to LW_SPARE_CHUNKS emptied ones are kept for reuse. */
#define LW_CHUNK_BYTES ((size_t)64 * 1024)
#define LW_SPARE_CHUNKS 4

struct lw_chunk {
    struct lw_chunk *next;
    size_t used, cap; /* octets of data[] */
    max_align_t data[];
};

/* One queued record inside a chunk: a line of the file `name` (len octets
 * after the name's NUL), or, when new_dir is set, a switch of directory. */
struct lw_rec {
    size_t size; /* the whole record, a multiple of its alignment */
    size_t len;
    char *new_dir;
    char name[];
};

/* Lines of one file dropped on the producer side, not yet seen by the writer. */
struct lw_queue_drop {
    struct lw_queue_drop *next;
    unsigned long count;
    char name[];
};

/* The writer's view of one file. */
struct lw_file {
    char *name;
    int fd;                      /* -1 when closed */
    unsigned long dropped;       /* lost and not reported yet */
    unsigned long checked_batch; /* batch in which fd's link count was checked */
    int torn;                    /* the file ends in a fragment: end it first */
    unsigned long long size;     /* octets in the open file (fstat at open, then appends) */
    unsigned long long retry_at; /* after a failed rotation: size at which to try again */
    int wrote;                   /* a line was appended since the writer started */
    /* Lines of the current batch waiting for one writev(2); they point into
     * the batch's chunks, so the run is written before the chunks go back. */
    struct iovec run[LW_RUN_MAX];
    size_t nrun, run_bytes;
};

struct logwriter {
    /* set at start, read-only afterwards */
    struct logwriter_opts opts;
    size_t max_queued_bytes;
    size_t linger_wake_bytes;
    int wake_pipe[2];
    pthread_t thread;

    /* shared with producers, under lock */
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    struct lw_chunk *head, *tail; /* records not taken by the writer yet */
    struct lw_chunk *spare;       /* emptied chunks, at most LW_SPARE_CHUNKS */
    unsigned nspare;
    size_t queued_bytes;
    unsigned long long queued_items, done_items;
    struct lw_queue_drop *queue_drops;
    unsigned long unnamed_drops;
    enum lw_state state;
    unsigned flushers; /* threads in logwriter_flush(): no lingering */
    int stopping;

    /* written by signal handlers and read by the writer */
    atomic_uint signal_bits;

    /* size rotation (logwriter_set_rotation), any thread to the writer */
    atomic_ullong rot_size;
    atomic_uint rot_keep;
    atomic_int rot_compress;
    struct rotation *rot; /* renames and the gzip helper */

    /* statistics, any thread */
    atomic_ulong written, dropped, short_writes, batches, writes;

    /* the writer thread's end, under lock */
    int exited;
    atomic_int orphaned; /* logwriter_stop_within() gave up on the thread: what
                            it still holds is counted lost, it frees w */
    pthread_cond_t exit_cond;

    /* writer thread only */
    char *dir;
    struct lw_file *unknown; /* LW_UNKNOWN_FILE, made at start: drops with no file entry */
    struct lw_file **files;  /* pointers, so an entry survives the table growing */
    size_t nfiles, files_cap;
    unsigned long batch;
    int host_logged_once;
    struct timespec last_host_log;
};

static void lw_free(struct logwriter *w);

static const char *lw_strerror(int err, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, len);
#else
    if (strerror_r(err, buf, len) != 0)
        snprintf(buf, len, "error %d", err);
    return buf;
#endif
}

static void lw_set_err(char *err, size_t errlen, const char *dir, int e)
{
    char ebuf[128];

    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "log directory %s: %s", dir, lw_strerror(e, ebuf, sizeof ebuf));
}

/* "dir/name" on the heap, or NULL. */
static char *lw_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = emg_malloc(dl + 1 + nl + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

/* mkdir -p with mode LW_DIR_MODE; 0 or -1 with errno. */
static int lw_mkdir_parents(const char *dir)
{
    char *copy = emg_strdup(dir);
    char *p;
    int saved;

    if (copy == NULL)
        return -1;
    for (p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, LW_DIR_MODE) != 0 && errno != EEXIST) {
            saved = errno;
            emg_free(copy);
            errno = saved;
            return -1;
        }
        *p = '/';
    }
    if (mkdir(copy, LW_DIR_MODE) != 0 && errno != EEXIST) {
        saved = errno;
        emg_free(copy);
        errno = saved;
        return -1;
    }
    emg_free(copy);
    return 0;
}

/* Creates dir if needed and proves a file can be created there for append. */
static int lw_check_dir(const char *dir, char *err, size_t errlen)
{
    static atomic_ulong probe_counter;
    char name[64];
    char *path;
    int fd, e;

    if (dir == NULL || dir[0] == '\0') {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "log directory not set");
        return -1;
    }
    if (lw_mkdir_parents(dir) != 0) {
        lw_set_err(err, errlen, dir, errno);
        return -1;
    }
    snprintf(name, sizeof name, ".emgdiag-probe.%ld.%lu", (long)getpid(),
             atomic_fetch_add(&probe_counter, 1));
    path = lw_join(dir, name);
    if (path == NULL) {
        lw_set_err(err, errlen, dir, ENOMEM);
        return -1;
    }
    fd = open(path, LW_OPEN_FLAGS, LW_FILE_MODE);
    if (fd < 0) {
        e = errno;
        emg_free(path);
        lw_set_err(err, errlen, dir, e);
        return -1;
    }
    close(fd);
    unlink(path);
    emg_free(path);
    return 0;
}

static int lw_valid_name(const char *name)
{
    size_t n;

    if (name == NULL)
        return 0;
    n = strnlen(name, LW_NAME_MAX + 1);
    if (n == 0 || n > LW_NAME_MAX)
        return 0;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    return strchr(name, '/') == NULL;
}

static void lw_wake(struct logwriter *w)
{
    ssize_t r;

    do
        r = write(w->wake_pipe[1], "w", 1);
    while (r < 0 && errno == EINTR);
    /* EAGAIN: the pipe is full of wake-ups already, which is enough. */
}

/* Producer side, lock held: count one lost line of `name`. */
static void lw_count_queue_drop(struct logwriter *w, const char *name)
{
    struct lw_queue_drop *d;
    size_t n;

    atomic_fetch_add(&w->dropped, 1);
    if (w->opts.on_lost != NULL)
        w->opts.on_lost(w->opts.ctx, name);
    if (name == NULL) {
        w->unnamed_drops++;
        return;
    }
    for (d = w->queue_drops; d != NULL; d = d->next) {
        if (strcmp(d->name, name) == 0) {
            d->count++;
            return;
        }
    }
    n = strlen(name);
    d = emg_malloc(sizeof *d + n + 1);
    if (d == NULL) {
        w->unnamed_drops++;
        return;
    }
    memcpy(d->name, name, n + 1);
    d->count = 1;
    d->next = w->queue_drops;
    w->queue_drops = d;
}

/* Lock held: returns 1 when the caller must wake the writer (and marks it
 * busy, so that one wake-up is sent), 0 when it will look at the queue by
 * itself.  `urgent` wakes a lingering writer too. */
static int lw_need_wake_locked(struct logwriter *w, int urgent)
{
    if (w->state == LW_BUSY || (w->state == LW_LINGERING && !urgent))
        return 0;
    w->state = LW_BUSY;
    return 1;
}

/* The size of a record holding a name of nl octets and a line of len, or 0
 * when that does not fit in a size_t. */
static size_t lw_rec_size(size_t nl, size_t len)
{
    const size_t align = _Alignof(struct lw_rec);
    size_t n = sizeof(struct lw_rec);

    if (nl > SIZE_MAX - n - 1 - align)
        return 0;
    n += nl + 1;
    if (len > SIZE_MAX - n - align)
        return 0;
    n += len;
    return (n + align - 1) & ~(align - 1);
}

static struct lw_chunk *lw_chunk_new(size_t rec_size)
{
    size_t cap = rec_size > LW_CHUNK_BYTES ? rec_size : LW_CHUNK_BYTES;
    struct lw_chunk *c = emg_malloc(sizeof *c + cap);

    if (c != NULL) {
        c->next = NULL;
        c->used = 0;
        c->cap = cap;
    }
    return c;
}

/* Lock held: room for a record of `size` at the end of the queue, taking a
 * spare chunk, or `*fresh` (which the caller then no longer owns) when the
 * last chunk is full.  NULL when a new chunk must be allocated first. */
static struct lw_rec *lw_reserve_locked(struct logwriter *w, size_t size, struct lw_chunk **fresh)
{
    struct lw_chunk *c = w->tail;
    struct lw_rec *r;

    if (c == NULL || c->cap - c->used < size) {
        if (*fresh != NULL) {
            c = *fresh;
            *fresh = NULL;
        } else if (w->spare != NULL && w->spare->cap >= size) {
            c = w->spare;
            w->spare = c->next;
            w->nspare--;
            c->next = NULL;
        } else {
            return NULL;
        }
        if (w->tail != NULL)
            w->tail->next = c;
        else
            w->head = c;
        w->tail = c;
    }
    r = (struct lw_rec *)((char *)c->data + c->used);
    c->used += size;
    r->size = size;
    return r;
}

/* Copies a record to the end of the queue: a line (new_dir NULL) or a switch
 * to new_dir, which the queue then owns.  Returns 1 when queued and the
 * writer must be woken, 0 when queued, -1 when dropped and counted. */
static int lw_enqueue(struct logwriter *w, const char *name, const char *line, size_t len,
                      char *new_dir)
{
    size_t nl = strlen(name), size = lw_rec_size(nl, len);
    struct lw_chunk *fresh = NULL;
    struct lw_rec *r = NULL;
    int wake;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        if (size == 0 || w->stopping || w->queued_bytes > w->max_queued_bytes ||
            len > w->max_queued_bytes - w->queued_bytes)
            break;
        r = lw_reserve_locked(w, size, &fresh);
        if (r != NULL)
            break;
        pthread_mutex_unlock(&w->lock);
        fresh = lw_chunk_new(size);
        pthread_mutex_lock(&w->lock);
        if (fresh == NULL)
            break;
    }
    if (r == NULL) {
        if (new_dir == NULL)
            lw_count_queue_drop(w, name);
        pthread_mutex_unlock(&w->lock);
        emg_free(fresh);
        return -1;
    }
    r->len = len;
    r->new_dir = new_dir;
    memcpy(r->name, name, nl + 1);
    if (len > 0)
        memcpy(r->name + nl + 1, line, len);
    w->queued_bytes += len;
    w->queued_items++;
    /* A change of directory is not delayed by a linger. */
    wake = lw_need_wake_locked(w, new_dir != NULL || w->queued_bytes >= w->linger_wake_bytes);
    pthread_mutex_unlock(&w->lock);
    emg_free(fresh); /* NULL unless another producer linked a chunk meanwhile */
    return wake;
}

int logwriter_submit(struct logwriter *w, const char *file, const char *line, size_t len)
{
    int rc;

    if (!lw_valid_name(file) || line == NULL || len == 0 || line[len - 1] != '\n') {
        logwriter_count_drop(w, file);
        return -1;
    }
    rc = lw_enqueue(w, file, line, len, NULL);
    if (rc > 0)
        lw_wake(w);
    return rc < 0 ? -1 : 0;
}

void logwriter_count_drop(struct logwriter *w, const char *file)
{
    pthread_mutex_lock(&w->lock);
    lw_count_queue_drop(w, lw_valid_name(file) ? file : NULL);
    pthread_mutex_unlock(&w->lock);
}

void logwriter_signal(struct logwriter *w, unsigned bits)
{
    int saved = errno;

    atomic_fetch_or(&w->signal_bits, bits);
    lw_wake(w);
    errno = saved;
}

int logwriter_check_dir(const char *dir, char *err, size_t errlen)
{
    return lw_check_dir(dir, err, errlen);
}

int logwriter_set_dir(struct logwriter *w, const char *dir, char *err, size_t errlen)
{
    char *copy;
    int rc;

    if (lw_check_dir(dir, err, errlen) != 0)
        return -1;
    copy = emg_strdup(dir);
    rc = copy != NULL ? lw_enqueue(w, "", NULL, 0, copy) : -1;
    if (rc < 0) {
        emg_free(copy);
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "log directory %s: the log writer is stopping or out of memory",
                     dir);
        return -1;
    }
    if (rc > 0)
        lw_wake(w);
    return 0;
}

void logwriter_flush(struct logwriter *w)
{
    unsigned long long target;
    int wake;

    pthread_mutex_lock(&w->lock);
    target = w->queued_items;
    w->flushers++;
    wake = w->done_items < target && lw_need_wake_locked(w, 1);
    pthread_mutex_unlock(&w->lock);
    if (wake)
        lw_wake(w);
    pthread_mutex_lock(&w->lock);
    while (w->done_items < target)
        pthread_cond_wait(&w->done_cond, &w->lock);
    w->flushers--;
    pthread_mutex_unlock(&w->lock);
}

void logwriter_stats(struct logwriter *w, struct logwriter_stats *s)
{
    s->written = atomic_load(&w->written);
    s->dropped = atomic_load(&w->dropped);
    s->short_writes = atomic_load(&w->short_writes);
    s->batches = atomic_load(&w->batches);
    s->writes = atomic_load(&w->writes);
    rotation_counts(w->rot, &s->rotated, &s->compressed);
}

void logwriter_set_rotation(struct logwriter *w, unsigned long long size, unsigned keep,
                            int compress)
{
    atomic_store(&w->rot_keep, keep);
    atomic_store(&w->rot_compress, compress);
    atomic_store(&w->rot_size, size);
}

/* ---- writer thread ---------------------------------------------------- */

static struct lw_file *lw_file_get(struct logwriter *w, const char *name)
{
    struct lw_file *f;
    size_t i;

    for (i = 0; i < w->nfiles; i++)
        if (strcmp(w->files[i]->name, name) == 0)
            return w->files[i];
    if (w->nfiles == w->files_cap) {
        size_t ncap = w->files_cap ? w->files_cap * 2 : 16;
        struct lw_file **nf = emg_realloc(w->files, ncap * sizeof *nf);
        if (nf == NULL)
            return NULL;
        w->files = nf;
        w->files_cap = ncap;
    }
    f = emg_malloc(sizeof *f);
    if (f == NULL || (f->name = emg_strdup(name)) == NULL) {
        emg_free(f);
        return NULL;
    }
    f->fd = -1;
    f->dropped = 0;
    f->checked_batch = 0;
    f->torn = 0;
    f->size = 0;
    f->retry_at = 0;
    f->wrote = 0;
    f->nrun = 0;
    f->run_bytes = 0;
    w->files[w->nfiles++] = f;
    return f;
}

static void lw_close_all(struct logwriter *w)
{
    size_t i;

    for (i = 0; i < w->nfiles; i++) {
        if (w->files[i]->fd >= 0)
            close(w->files[i]->fd);
        w->files[i]->fd = -1;
    }
}

/* At most one host_log message a second, unless forced (the last report
 * before the writer stops); returns 1 when it was sent. */
static int lw_host_log(struct logwriter *w, const char *msg, int force)
{
    struct timespec now;

    if (w->opts.host_log == NULL)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (w->host_logged_once && !force) {
        long long ms = (long long)(now.tv_sec - w->last_host_log.tv_sec) * 1000 +
                       (now.tv_nsec - w->last_host_log.tv_nsec) / 1000000;
        if (ms < 1000)
            return 0;
    }
    w->host_logged_once = 1;
    w->last_host_log = now;
    w->opts.host_log(w->opts.ctx, msg);
    return 1;
}

/* An open descriptor for f, reopening a file whose name was unlinked and
 * recreating a removed directory once; -1 with errno on failure. */
static int lw_file_fd(struct logwriter *w, struct lw_file *f)
{
    struct stat st;
    char *path;
    int fd, e;

    if (f->fd >= 0 && f->checked_batch != w->batch) {
        f->checked_batch = w->batch;
        if (fstat(f->fd, &st) == 0 && st.st_nlink == 0) {
            close(f->fd);
            f->fd = -1;
        }
    }
    if (f->fd >= 0)
        return f->fd;
    path = lw_join(w->dir, f->name);
    if (path == NULL) {
        errno = ENOMEM;
        return -1;
    }
    do
        fd = open(path, LW_OPEN_FLAGS, LW_FILE_MODE);
    while (fd < 0 && errno == EINTR);
    if (fd < 0 && errno == ENOENT && lw_mkdir_parents(w->dir) == 0) {
        do
            fd = open(path, LW_OPEN_FLAGS, LW_FILE_MODE);
        while (fd < 0 && errno == EINTR);
    }
    e = errno;
    emg_free(path);
    f->fd = fd;
    f->checked_batch = w->batch;
    f->size = fd >= 0 && fstat(fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
    errno = e;
    return fd;
}

/* All of iov[0..cnt) with as many writev(2) calls as it takes (iov is
 * used up); 0 or -1/errno.  *written says how much reached the file. */
static int lw_writev_all(struct logwriter *w, int fd, struct iovec *iov, int cnt, size_t *written)
{
    size_t left = 0;
    ssize_t n;
    int i;

    for (i = 0; i < cnt; i++)
        left += iov[i].iov_len;
    *written = 0;
    while (left > 0) {
        n = writev(fd, iov, cnt);
        atomic_fetch_add_explicit(&w->writes, 1, memory_order_relaxed);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        if ((size_t)n < left)
            atomic_fetch_add(&w->short_writes, 1);
        left -= (size_t)n;
        *written += (size_t)n;
        while (cnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0 && n > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* The whole line; as lw_writev_all(). */
static int lw_write_all(struct logwriter *w, int fd, const char *p, size_t len, size_t *written)
{
    struct iovec v = {(void *)p, len};

    return lw_writev_all(w, fd, &v, 1, written);
}

/*
 * A write cut short (a full disk) left `written` octets of a line at the end
 * of f.  In a file only this process writes, they are cut off again; in a
 * file other processes append to (or when cutting fails), the fragment is
 * ended with a newline so that the next line starts on a line of its own,
 * now or, when even that cannot be written, before the next line.  The
 * caller counts the line as dropped.
 */
static void lw_undo_fragment(struct logwriter *w, struct lw_file *f, int fd, size_t written)
{
    struct stat st;
    size_t nl;

    if (written == 0)
        return;
    if ((w->opts.is_shared == NULL || !w->opts.is_shared(w->opts.ctx, f->name)) &&
        fstat(fd, &st) == 0 && (off_t)written <= st.st_size &&
        ftruncate(fd, st.st_size - (off_t)written) == 0)
        return;
    f->torn = lw_write_all(w, fd, "\n", 1, &nl) != 0;
}

/* The entry of `name` if the writer has one (never makes one). */
static struct lw_file *lw_file_find(struct logwriter *w, const char *name)
{
    size_t i;

    for (i = 0; i < w->nfiles; i++)
        if (strcmp(w->files[i]->name, name) == 0)
            return w->files[i];
    return NULL;
}

/* Renames one member of a rotation group (rotation.c) and closes its
 * descriptor, so its next line creates the file anew; 0, or -1/errno. */
static int lw_rotate_one(struct logwriter *w, const char *name, unsigned keep, int compress)
{
    struct lw_file *m;

    if (rotation_shift(w->rot, w->dir, name, keep, compress) != 0)
        return -1;
    m = lw_file_find(w, name);
    if (m != NULL && m->fd >= 0) {
        close(m->fd);
        m->fd = -1;
        m->size = 0;
        m->torn = 0; /* its fragment was ended or cut before the line that failed */
    }
    return 0;
}

/*
 * Before `len` more octets go to f: rotates f's group (the text file and
 * its JSON twin) when the line would take f past the limit.  A JSON twin
 * whose text file this writer writes too waits for the text file, so the
 * two always rotate at the same line of the session.  A rotation that
 * fails leaves the file growing; it is tried again one limit later.
 */
static void lw_maybe_rotate(struct logwriter *w, struct lw_file *f, size_t len)
{
    unsigned long long limit = atomic_load_explicit(&w->rot_size, memory_order_relaxed);
    char base[LW_NAME_MAX + 1], twin[LW_NAME_MAX + sizeof LW_JSON_SUFFIX];
    size_t n, sl = sizeof LW_JSON_SUFFIX - 1;
    struct lw_file *text;
    char msg[PATH_MAX + 160], ebuf[128];
    unsigned keep;
    int compress;

    if (limit == 0 || f->size == 0 || f->size + len <= limit || f->size < f->retry_at)
        return;
    n = strlen(f->name);
    if (n >= sizeof base)
        return;
    memcpy(base, f->name, n + 1);
    if (n > sl && strcmp(base + n - sl, LW_JSON_SUFFIX) == 0) {
        base[n - sl] = '\0';
        text = lw_file_find(w, base);
        if (text != NULL && text->wrote)
            return;
    }
    if (w->opts.rotatable == NULL || !w->opts.rotatable(w->opts.ctx, base))
        return;
    keep = atomic_load_explicit(&w->rot_keep, memory_order_relaxed);
    compress = atomic_load_explicit(&w->rot_compress, memory_order_relaxed);
    snprintf(twin, sizeof twin, "%s%s", base, LW_JSON_SUFFIX);
    if (lw_rotate_one(w, base, keep, compress) != 0 && errno != ENOENT)
        goto fail;
    if (lw_rotate_one(w, twin, keep, compress) != 0 && errno != ENOENT)
        goto fail;
    f->retry_at = 0;
    return;
fail:
    f->retry_at = f->size + limit;
    snprintf(msg, sizeof msg, "emgdiag: cannot rotate log file %s/%s: %s; it keeps growing", w->dir,
             f->name, lw_strerror(errno, ebuf, sizeof ebuf));
    lw_host_log(w, msg, 0);
}

/* Appends to f; on failure closes f so the next line reopens it. */
static int lw_append(struct logwriter *w, struct lw_file *f, const char *line, size_t len)
{
    int fd = lw_file_fd(w, f);
    size_t written;
    int e;

    if (fd < 0)
        return -1;
    lw_maybe_rotate(w, f, len);
    if (f->fd < 0 && (fd = lw_file_fd(w, f)) < 0)
        return -1;
    if (f->torn) {
        if (lw_write_all(w, fd, "\n", 1, &written) != 0)
            goto fail;
        f->torn = 0;
        f->size++;
    }
    if (lw_write_all(w, fd, line, len, &written) == 0) {
        f->size += len;
        f->wrote = 1;
        return 0;
    }
    e = errno;
    lw_undo_fragment(w, f, fd, written);
    errno = e;
fail:
    e = errno;
    close(fd);
    f->fd = -1;
    errno = e;
    return -1;
}

/* Writes the DROPPED line for f to general; keeps the count if that fails
 * and the host could not be told either. */
static void lw_report_drops(struct logwriter *w, struct lw_file *f, int last)
{
    struct lw_file *general;
    struct sbuf text = SBUF_INIT, json = SBUF_INIT;
    char msg[512], ebuf[128];
    int e = ENOMEM, reported = 0;

    if (f->dropped == 0)
        return;
    if (w->opts.format_dropped != NULL)
        w->opts.format_dropped(w->opts.ctx, f->name, f->dropped, &text, &json);
    else
        sbuf_printf(&text, "DROPPED count=\"%lu\" file=\"%s\"\n", f->dropped, f->name);
    if (!text.failed && text.len > 0 && (general = lw_file_get(w, LW_GENERAL_FILE)) != NULL) {
        if (lw_append(w, general, text.buf, text.len) == 0)
            reported = 1;
        else
            e = errno;
    }
    if (!json.failed && json.len > 0 && (general = lw_file_get(w, LW_GENERAL_JSON)) != NULL) {
        if (lw_append(w, general, json.buf, json.len) == 0)
            reported = 1;
        else
            e = errno;
    }
    sbuf_free(&text);
    sbuf_free(&json);
    if (reported) {
        f->dropped = 0;
        return;
    }
    snprintf(msg, sizeof msg, "emgdiag: %lu lines lost for log file %s/%s; cannot write %s/%s: %s",
             f->dropped, w->dir, f->name, w->dir, LW_GENERAL_FILE,
             lw_strerror(e, ebuf, sizeof ebuf));
    if (lw_host_log(w, msg, last))
        f->dropped = 0;
}

static void lw_report_all_drops(struct logwriter *w, int last)
{
    size_t i;

    for (i = 0; i < w->nfiles; i++)
        lw_report_drops(w, w->files[i], last);
}

static int lw_is_general(const char *name)
{
    return strcmp(name, LW_GENERAL_FILE) == 0 || strcmp(name, LW_GENERAL_JSON) == 0;
}

/* One line of f lost (errno e): counted, and for general told to the host. */
static void lw_count_lost(struct logwriter *w, struct lw_file *f, int e)
{
    char msg[512], ebuf[128];

    f->dropped++;
    atomic_fetch_add(&w->dropped, 1);
    if (w->opts.on_lost != NULL)
        w->opts.on_lost(w->opts.ctx, f->name);
    if (lw_is_general(f->name)) {
        snprintf(msg, sizeof msg, "emgdiag: cannot write log file %s/%s: %s", w->dir, f->name,
                 lw_strerror(e, ebuf, sizeof ebuf));
        lw_host_log(w, msg, 0);
    }
}

/* n lines of f written: counted, and the losses waiting for a working
 * write reported. */
static void lw_count_written(struct logwriter *w, struct lw_file *f, size_t n)
{
    atomic_fetch_add(&w->written, n);
    if (lw_is_general(f->name))
        lw_report_all_drops(w, 0);
    else if (f->dropped > 0)
        lw_report_drops(w, f, 0);
}

/* The single-line path: one line, written (or lost) now. */
static void lw_deliver_now(struct logwriter *w, struct lw_file *f, const char *line, size_t len)
{
    if (lw_append(w, f, line, len) != 0)
        lw_count_lost(w, f, errno);
    else
        lw_count_written(w, f, 1);
}

/*
 * Writes f's run.  Whole lines go in one writev(2), repeated for what a
 * short count left.  When the disk refuses the rest, the lines that reached
 * the file whole count as written, the one cut is undone (lw_undo_fragment)
 * and lost, and each line after it takes the single-line path, which
 * reopens the file and counts every line it cannot write: the same lines
 * are kept and lost as when each was written on its own.
 */
static void lw_flush_run(struct logwriter *w, struct lw_file *f)
{
    struct iovec v[LW_RUN_MAX];
    size_t n = f->nrun, total = f->run_bytes, written = 0, full, k, i;
    int fd, e;

    f->nrun = 0;
    f->run_bytes = 0;
    if (n == 0)
        return;
    if (atomic_load(&w->orphaned))
        return; /* given up on: these lines were reported lost */
    if (n == 1 || f->torn || (fd = lw_file_fd(w, f)) < 0) {
        for (i = 0; i < n; i++)
            lw_deliver_now(w, f, f->run[i].iov_base, f->run[i].iov_len);
        return;
    }
    memcpy(v, f->run, n * sizeof *v);
    e = lw_writev_all(w, fd, v, (int)n, &written) == 0 ? 0 : errno;
    if (written == total) {
        f->size += total;
        f->wrote = 1;
        lw_count_written(w, f, n);
        return;
    }
    /* Lines 0..k-1 are in the file whole, line k has `written - full` octets. */
    for (k = 0, full = 0; full + f->run[k].iov_len <= written; k++)
        full += f->run[k].iov_len;
    if (k > 0) {
        f->size += full;
        f->wrote = 1;
        lw_count_written(w, f, k);
    }
    lw_undo_fragment(w, f, fd, written - full);
    close(fd);
    f->fd = -1;
    lw_count_lost(w, f, e);
    for (i = k + 1; i < n; i++)
        lw_deliver_now(w, f, f->run[i].iov_base, f->run[i].iov_len);
}

static void lw_flush_all_runs(struct logwriter *w)
{
    size_t i;

    for (i = 0; i < w->nfiles; i++)
        lw_flush_run(w, w->files[i]);
}

/*
 * One line of the batch: added to its file's run, or written at once when
 * it is a general line, when its file is not open yet (its size is known
 * once it is) or when it may start a rotation (which must see every earlier
 * line of the file and of its twin in place first).
 */
static void lw_deliver(struct logwriter *w, const char *name, const char *line, size_t len)
{
    struct lw_file *f = lw_file_get(w, name);
    unsigned long long limit;

    if (f == NULL) {
        /* No memory for the file's entry: counted, reported as "(unknown)". */
        w->unknown->dropped++;
        atomic_fetch_add(&w->dropped, 1);
        if (w->opts.on_lost != NULL)
            w->opts.on_lost(w->opts.ctx, name);
        return;
    }
    limit = atomic_load_explicit(&w->rot_size, memory_order_relaxed);
    if (lw_is_general(name) || f->fd < 0 || f->torn ||
        (limit != 0 && f->size + f->run_bytes + len > limit)) {
        if (limit != 0 && !lw_is_general(name))
            lw_flush_all_runs(w);
        else
            lw_flush_run(w, f);
        lw_deliver_now(w, f, line, len);
        return;
    }
    if (f->nrun == LW_RUN_MAX)
        lw_flush_run(w, f);
    f->run[f->nrun].iov_base = (void *)line;
    f->run[f->nrun].iov_len = len;
    f->nrun++;
    f->run_bytes += len;
}

/* Moves producer-side drop counts into the writer's table. */
static void lw_fold_queue_drops(struct logwriter *w, struct lw_queue_drop *d, unsigned long unnamed)
{
    struct lw_queue_drop *next;
    struct lw_file *f;

    for (; d != NULL; d = next) {
        next = d->next;
        f = lw_file_get(w, d->name);
        if (f != NULL)
            f->dropped += d->count;
        else
            unnamed += d->count;
        emg_free(d);
    }
    w->unknown->dropped += unnamed;
}

/* Sleeps until woken, or at most timeout_ms when that is not negative. */
static void lw_wait_for_wake(struct logwriter *w, int timeout_ms)
{
    struct pollfd p;
    char buf[64];

    p.fd = w->wake_pipe[0];
    p.events = POLLIN;
    p.revents = 0;
    /* An EINTR cuts a linger short, which is harmless. */
    while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR && timeout_ms < 0)
        ;
    while (read(w->wake_pipe[0], buf, sizeof buf) > 0)
        ;
}

static void lw_handle_signals(struct logwriter *w)
{
    unsigned bits = atomic_exchange(&w->signal_bits, 0u);

    if (bits & LW_SIG_REOPEN)
        lw_close_all(w);
    bits &= ~LW_SIG_REOPEN;
    if (bits != 0 && w->opts.on_signal != NULL)
        w->opts.on_signal(w->opts.ctx, bits);
}

static void *lw_writer_main(void *arg)
{
    struct logwriter *w = arg;
    struct lw_chunk *batch, *c, *next, *to_free;
    struct lw_rec *r;
    struct lw_queue_drop *drops;
    unsigned long unnamed, count;
    size_t bytes;
    int stopping, linger, orphaned;

    for (;;) {
        lw_handle_signals(w);

        pthread_mutex_lock(&w->lock);
        batch = w->head;
        w->head = w->tail = NULL;
        drops = w->queue_drops;
        w->queue_drops = NULL;
        unnamed = w->unnamed_drops;
        w->unnamed_drops = 0;
        stopping = w->stopping;
        w->state =
            batch == NULL && drops == NULL && unnamed == 0 && !stopping ? LW_SLEEPING : LW_BUSY;
        pthread_mutex_unlock(&w->lock);

        lw_fold_queue_drops(w, drops, unnamed);
        if (batch == NULL) {
            if (stopping)
                break;
            if (drops == NULL && unnamed == 0)
                lw_wait_for_wake(w, -1);
            continue;
        }

        w->batch++;
        atomic_fetch_add(&w->batches, 1);
        bytes = 0;
        count = 0;
        for (c = batch; c != NULL; c = c->next) {
            for (size_t off = 0; off < c->used; off += r->size) {
                r = (struct lw_rec *)((char *)c->data + off);
                if (r->new_dir != NULL) {
                    lw_flush_all_runs(w);
                    lw_close_all(w);
                    emg_free(w->dir);
                    w->dir = r->new_dir;
                } else {
                    /* Given up on: these lines were reported lost. */
                    if (!atomic_load(&w->orphaned))
                        lw_deliver(w, r->name, r->name + strlen(r->name) + 1, r->len);
                    bytes += r->len;
                }
                count++;
            }
        }
        lw_flush_all_runs(w);

        pthread_mutex_lock(&w->lock);
        to_free = NULL;
        for (c = batch; c != NULL; c = next) {
            next = c->next;
            if (w->nspare < LW_SPARE_CHUNKS && c->cap == LW_CHUNK_BYTES) {
                c->used = 0;
                c->next = w->spare;
                w->spare = c;
                w->nspare++;
            } else {
                c->next = to_free;
                to_free = c;
            }
        }
        w->queued_bytes -= bytes;
        w->done_items += count;
        pthread_cond_broadcast(&w->done_cond);
        linger = w->opts.linger_ms > 0 && !w->stopping && w->flushers == 0 &&
                 w->queued_bytes < w->linger_wake_bytes;
        if (linger)
            w->state = LW_LINGERING;
        pthread_mutex_unlock(&w->lock);
        for (c = to_free; c != NULL; c = next) {
            next = c->next;
            emg_free(c);
        }
        if (linger)
            lw_wait_for_wake(w, w->opts.linger_ms);
    }
    /* Last chance to report losses before the files close. */
    if (!atomic_load(&w->orphaned))
        lw_report_all_drops(w, 1);
    pthread_mutex_lock(&w->lock);
    w->exited = 1;
    orphaned = atomic_load(&w->orphaned);
    pthread_cond_broadcast(&w->exit_cond);
    pthread_mutex_unlock(&w->lock);
    if (orphaned) {
        /* Nobody waits for us any more: tidy up after ourselves. */
        rotation_stop(w->rot, LW_GZ_STOP_MS);
        w->rot = NULL;
        if (w->opts.on_orphan_exit != NULL)
            w->opts.on_orphan_exit(w->opts.ctx);
        lw_free(w);
    }
    return NULL;
}

/* ---- start and stop --------------------------------------------------- */

/* Frees what start made, after the thread (if any) is gone. */
static void lw_free(struct logwriter *w)
{
    struct lw_queue_drop *d, *next;
    struct lw_chunk *c, *cnext;
    size_t i;

    rotation_stop(w->rot, LW_GZ_STOP_MS);
    lw_close_all(w);
    for (i = 0; i < w->nfiles; i++) {
        emg_free(w->files[i]->name);
        emg_free(w->files[i]);
    }
    emg_free(w->files);
    for (d = w->queue_drops; d != NULL; d = next) {
        next = d->next;
        emg_free(d);
    }
    for (c = w->spare; c != NULL; c = cnext) {
        cnext = c->next;
        emg_free(c);
    }
    if (w->wake_pipe[0] >= 0) {
        close(w->wake_pipe[0]);
        close(w->wake_pipe[1]);
    }
    pthread_cond_destroy(&w->exit_cond);
    pthread_cond_destroy(&w->done_cond);
    pthread_mutex_destroy(&w->lock);
    emg_free(w->dir);
    emg_free(w);
}

/* The gzip helper's messages (any thread; rare): straight to the host. */
static void lw_rotation_log(void *ctx, const char *msg)
{
    struct logwriter *w = ctx;

    if (w->opts.host_log != NULL)
        w->opts.host_log(w->opts.ctx, msg);
}

struct logwriter *logwriter_start(const struct logwriter_opts *o, char *err, size_t errlen)
{
    struct logwriter *w;
    sigset_t all, old;
    char ebuf[128];
    int rc;

    if (lw_check_dir(o->dir, err, errlen) != 0)
        return NULL;
    w = emg_calloc(1, sizeof *w);
    if (w == NULL) {
        lw_set_err(err, errlen, o->dir, ENOMEM);
        return NULL;
    }
    w->wake_pipe[0] = w->wake_pipe[1] = -1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->done_cond, NULL);
    pthread_cond_init(&w->exit_cond, NULL);
    w->opts = *o;
    w->opts.dir = NULL; /* the caller's string may go away; w->dir is ours */
    w->max_queued_bytes = o->max_queued_bytes ? o->max_queued_bytes : LW_DEFAULT_MAX_QUEUED_BYTES;
    w->linger_wake_bytes = w->max_queued_bytes / 4;
    if (w->linger_wake_bytes > LW_LINGER_WAKE_BYTES)
        w->linger_wake_bytes = LW_LINGER_WAKE_BYTES;
    w->state = LW_BUSY;
    atomic_init(&w->signal_bits, 0u);
    atomic_init(&w->written, 0ul);
    atomic_init(&w->dropped, 0ul);
    atomic_init(&w->short_writes, 0ul);
    atomic_init(&w->writes, 0ul);
    atomic_init(&w->orphaned, 0);
    atomic_init(&w->rot_size, 0ull);
    atomic_init(&w->rot_keep, ROTATION_KEEP_DEFAULT);
    atomic_init(&w->rot_compress, 0);
    w->dir = emg_strdup(o->dir);
    if (w->dir == NULL || (w->unknown = lw_file_get(w, LW_UNKNOWN_FILE)) == NULL ||
        (w->rot = rotation_new(lw_rotation_log, w)) == NULL) {
        lw_set_err(err, errlen, o->dir, ENOMEM);
        lw_free(w);
        return NULL;
    }
    if (pipe2(w->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        w->wake_pipe[0] = w->wake_pipe[1] = -1;
        lw_set_err(err, errlen, o->dir, errno);
        lw_free(w);
        return NULL;
    }

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&w->thread, NULL, lw_writer_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "log writer thread: %s", lw_strerror(rc, ebuf, sizeof ebuf));
        lw_free(w);
        return NULL;
    }
    /* For ps -L and top -H; a name that cannot be set costs nothing. */
    pthread_setname_np(w->thread, "emgdiag-writer");
    return w;
}

unsigned long logwriter_stop_within(struct logwriter *w, int timeout_ms)
{
    struct timespec deadline;
    unsigned long left;
    int exited;

    if (w == NULL)
        return 0;
    deadline = emg_deadline_in(timeout_ms);
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    w->state = LW_BUSY;
    pthread_mutex_unlock(&w->lock);
    lw_wake(w);
    pthread_mutex_lock(&w->lock);
    while (!w->exited && timeout_ms >= 0 &&
           pthread_cond_timedwait(&w->exit_cond, &w->lock, &deadline) != ETIMEDOUT)
        ;
    while (!w->exited && timeout_ms < 0)
        pthread_cond_wait(&w->exit_cond, &w->lock);
    exited = w->exited;
    left = (unsigned long)(w->queued_items - w->done_items);
    if (!exited) {
        /* Stuck, most likely in an open(2) or write(2) on a hung disk.  The
         * thread keeps w and frees it (and calls on_orphan_exit) if it
         * ever finishes; freeing it here, under a running thread, cannot
         * be done. */
        atomic_store(&w->orphaned, 1);
        pthread_detach(w->thread);
    }
    pthread_mutex_unlock(&w->lock);
    if (!exited)
        return left > 0 ? left : 1;
    pthread_join(w->thread, NULL);
    lw_free(w);
    return 0;
}

void logwriter_stop(struct logwriter *w)
{
    (void)logwriter_stop_within(w, -1);
}
