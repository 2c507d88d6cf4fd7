/*
 * trace_scan: finding one message's lines by searching (see trace_scan.h).
 */
#include "trace_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msglog.h"
#include "trace_rounds.h"
#include "xalloc.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct scan_file {
    char *path; /* a copy */
    const char *buf;
    size_t len;
    /* Offsets of the lines already added (sorted on demand: few). */
    size_t *added;
    size_t n_added;
};

struct trace_scan {
    struct scan_file *files;
    size_t n;
    struct msglog_line line;
};

struct trace_scan *trace_scan_open(char *const *paths, size_t n)
{
    struct trace_scan *sc = xmalloc(sizeof(*sc));
    struct stat st;
    size_t i;
    int fd;

    memset(sc, 0, sizeof(*sc));
    sc->files = xmalloc((n ? n : 1) * sizeof(*sc->files));
    memset(sc->files, 0, (n ? n : 1) * sizeof(*sc->files));
    for (i = 0; i < n; i++) {
        struct scan_file *f = &sc->files[sc->n++];

        f->path = xstrndup(paths[i], strlen(paths[i]));
        fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0) {
            fprintf(stderr, "emgdiag-trace: %s: %s\n", paths[i], strerror(errno));
            if (fd >= 0)
                close(fd);
            trace_scan_close(sc);
            return NULL;
        }
        f->len = (size_t)st.st_size;
        if (f->len > 0) {
            f->buf = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
            if (f->buf == MAP_FAILED) {
                fprintf(stderr, "emgdiag-trace: %s: %s\n", paths[i], strerror(errno));
                f->buf = NULL;
                close(fd);
                trace_scan_close(sc);
                return NULL;
            }
        }
        close(fd);
    }
    return sc;
}

void trace_scan_close(struct trace_scan *sc)
{
    size_t i;

    if (sc == NULL)
        return;
    for (i = 0; i < sc->n; i++) {
        if (sc->files[i].buf != NULL)
            munmap((void *)sc->files[i].buf, sc->files[i].len);
        free(sc->files[i].added);
        free(sc->files[i].path);
    }
    free(sc->files);
    msglog_line_free(&sc->line);
    free(sc);
}

/* The smallest line start >= off (f->len when none). */
static size_t line_start(const struct scan_file *f, size_t off)
{
    const char *nl;

    if (off == 0 || off >= f->len)
        return off >= f->len ? f->len : 0;
    if (f->buf[off - 1] == '\n')
        return off;
    nl = memchr(f->buf + off, '\n', f->len - off);
    return nl != NULL ? (size_t)(nl + 1 - f->buf) : f->len;
}

/* The line at s is at or after ts (a line without a timestamp counts as
 * after: it cannot be placed). */
static int at_or_after(const struct scan_file *f, size_t s, const char *ts)
{
    return f->len - s < MSGLOG_TS_LEN || memcmp(f->buf + s, ts, MSGLOG_TS_LEN) >= 0;
}

/* The first line of f whose timestamp is >= ts, bisecting on the
 * timestamps (the writer appends lines in time order). */
static size_t bisect(const struct scan_file *f, const char *ts)
{
    size_t lo = 0, hi = f->len, mid, s;

    while (hi - lo > 4096) {
        mid = lo + (hi - lo) / 2;
        s = line_start(f, mid);
        if (s >= hi)
            break;
        if (at_or_after(f, s, ts))
            hi = s;
        else
            lo = s + 1;
    }
    for (s = line_start(f, lo); s < hi && !at_or_after(f, s, ts); s = line_start(f, s + 1))
        ;
    return s < hi ? s : hi;
}

static int already(struct scan_file *f, size_t off)
{
    size_t i;

    for (i = 0; i < f->n_added; i++) {
        if (f->added[i] == off)
            return 1;
    }
    f->added = xrealloc(f->added, (f->n_added + 1) * sizeof(*f->added));
    f->added[f->n_added++] = off;
    return 0;
}

/*
 * The first occurrence of needle n (nn octets, nn >= 1) in h (hn octets).
 * With SSE2, 16 positions at a time are tested for the needle's first and
 * last octets together, and only those candidates are compared whole: in
 * log text full of digits and hex, far fewer than a skip table leaves.
 */
static const char *find(const char *h, size_t hn, const char *n, size_t nn)
{
    size_t i = 0;

    if (nn == 0 || hn < nn)
        return NULL;
#ifdef __SSE2__
    {
        const __m128i first = _mm_set1_epi8(n[0]), last = _mm_set1_epi8(n[nn - 1]);
        __m128i a, b;
        unsigned mask;
        int bit;

        for (; i + nn - 1 + 16 <= hn; i += 16) {
            a = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
            b = _mm_loadu_si128((const __m128i *)(const void *)(h + i + nn - 1));
            mask = (unsigned)_mm_movemask_epi8(
                _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
            while (mask != 0) {
                bit = __builtin_ctz(mask);
                if (memcmp(h + i + (size_t)bit, n, nn) == 0)
                    return h + i + (size_t)bit;
                mask &= mask - 1;
            }
        }
    }
#endif
    return memmem(h + i, hn - i, n, nn);
}

/* Adds the line holding `hit` (once) when `key` is one of its ids; b holds
 * the file's octets [boff, boff + blen) and whole lines around `hit` (a
 * window read whole, or the mapping).  Returns the offset after its end. */
static size_t take_line(struct trace_scan *sc, struct scan_file *f, struct trace_model *m,
                        const char *b, size_t boff, size_t blen, size_t hit, const char *key,
                        const char *since, const char *until)
{
    size_t start = hit - boff, end;
    const char *nl, *why;

    while (start > 0 && b[start - 1] != '\n')
        start--;
    nl = memchr(b + (hit - boff), '\n', blen - (hit - boff));
    end = nl != NULL ? (size_t)(nl - b) : blen;
    if (msglog_parse(&sc->line, b + start, end - start, &why) != 0) {
        /* Only lines holding an id are read: the line number is not known. */
        if (!already(f, boff + start))
            fprintf(stderr, "emgdiag-trace: %s: the line at octet %zu: %s, skipped\n", f->path,
                    boff + start, why);
    } else if (sc->line.step != MSG_UNKNOWN_STEP && trace_rounds_line_has_id(&sc->line, key) &&
               !already(f, boff + start)) {
        trace_model_add(m, &sc->line, since, until);
    }
    return boff + end + 1;
}

/* Adds every line of f in [from, to) (line starts: bisect()) that holds
 * one of keys[first..n): the window read once with pread(2), then
 * searched for each key. */
static void search_window(struct trace_scan *sc, struct scan_file *f, struct trace_model *m,
                          char *const *keys, size_t first, size_t n, size_t from, size_t to,
                          const char *since, const char *until)
{
    size_t len = to - from, got = 0, k, klen, at;
    const char *p, *hit;
    char *buf;
    ssize_t r;
    int fd;

    if (to <= from || first >= n)
        return;
    fd = open(f->path, O_RDONLY | O_CLOEXEC);
    buf = xmalloc(len);
    while (fd >= 0 && got < len && (r = pread(fd, buf + got, len - got, (off_t)(from + got))) > 0)
        got += (size_t)r;
    if (fd >= 0)
        close(fd);
    if (got < len) {
        /* Unreadable now: the mapping still has it. */
        free(buf);
        buf = NULL;
    }
    for (k = first; k < n; k++) {
        klen = strlen(keys[k]);
        if (buf == NULL) {
            p = f->buf + from;
            while (p < f->buf + to && (hit = find(p, (size_t)(f->buf + to - p), keys[k], klen)) != NULL)
                p = f->buf + take_line(sc, f, m, f->buf, 0, f->len, (size_t)(hit - f->buf), keys[k],
                                       since, until);
            continue;
        }
        p = buf;
        while (p < buf + len && (hit = find(p, (size_t)(buf + len - p), keys[k], klen)) != NULL) {
            at = take_line(sc, f, m, buf, from, len, from + (size_t)(hit - buf), keys[k], since, until);
            p = buf + (at - from);
        }
    }
    free(buf);
}

/* The same over the whole file, read with read(2) in large blocks: on a
 * file of a gigabyte, faulting in its mapping page by page costs several
 * times the search.  Only the lines found are read from the mapping. */
#define SCAN_BLOCK (1u << 20)

static void search_whole(struct trace_scan *sc, struct scan_file *f, struct trace_model *m,
                         const char *key, const char *since, const char *until)
{
    size_t klen = strlen(key), keep = 0, len, base = 0, skip_to = 0, off;
    char *buf;
    const char *p, *hit;
    ssize_t r;
    int fd;

    if (klen == 0 || f->len == 0)
        return;
    fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        search_window(sc, f, m, (char *const *)&key, 0, 1, 0, f->len, since, until);
        return;
    }
    buf = xmalloc(SCAN_BLOCK + klen);
    /* base: the file offset of buf[0]. */
    while (base + keep < f->len && (r = read(fd, buf + keep, SCAN_BLOCK)) > 0) {
        len = keep + (size_t)r;
        if (base + len > f->len)
            len = f->len - base; /* the file grew: the mapping ends where it did */
        p = buf;
        while ((hit = find(p, len - (size_t)(p - buf), key, klen)) != NULL) {
            off = base + (size_t)(hit - buf);
            if (off >= skip_to)
                skip_to = take_line(sc, f, m, f->buf, 0, f->len, off, key, since, until);
            p = hit + 1;
        }
        keep = len >= klen - 1 ? klen - 1 : len;
        memmove(buf, buf + len - keep, keep);
        base += len - keep;
    }
    free(buf);
    close(fd);
}

/* The search of the rounds (trace_rounds.h) over the files. */
static void search(void *ctx, struct trace_model *m, char *const *keys, size_t first, size_t n,
                   const char *lo, const char *hi, const char *since, const char *until)
{
    struct trace_scan *sc = ctx;
    size_t f, k;

    for (f = 0; f < sc->n; f++) {
        if (lo == NULL) {
            for (k = first; k < n; k++)
                search_whole(sc, &sc->files[f], m, keys[k], since, until);
        } else {
            search_window(sc, &sc->files[f], m, keys, first, n, bisect(&sc->files[f], lo),
                          bisect(&sc->files[f], hi), since, until);
        }
    }
}

void trace_scan_id(struct trace_scan *sc, struct trace_model *m, const char *id, const char *since,
                   const char *until)
{
    trace_rounds(search, sc, m, id, since, until);
}
