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
    /* The ids searched for so far. */
    char **keys;
    size_t n_keys;
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
    for (i = 0; i < sc->n_keys; i++)
        free(sc->keys[i]);
    free(sc->keys);
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

/* Whether a parsed line has `key` as one of its ids, whole: the search
 * finds it inside any text (a number inside a longer one, say). */
static int line_has_id(const struct msglog_line *l, const char *key)
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
    } else if (sc->line.step != MSG_UNKNOWN_STEP && line_has_id(&sc->line, key) &&
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

static int known_key(struct trace_scan *sc, const char *key, size_t n)
{
    size_t i;

    for (i = 0; i < sc->n_keys; i++) {
        if (strlen(sc->keys[i]) == n && memcmp(sc->keys[i], key, n) == 0)
            return 1;
    }
    return 0;
}

/* Records a new key (of n octets; ';'-separated lists split); returns how
 * many were new. */
static int add_key(struct trace_scan *sc, const char *v, size_t n)
{
    const char *q;
    size_t len;
    int added = 0;

    while (n > 0) {
        q = memchr(v, ';', n);
        len = q != NULL ? (size_t)(q - v) : n;
        /* Short values (a trn, "0") would match everywhere: ids only. */
        if (len >= 4 && !known_key(sc, v, len)) {
            sc->keys = xrealloc(sc->keys, (sc->n_keys + 1) * sizeof(*sc->keys));
            sc->keys[sc->n_keys++] = xstrndup(v, len);
            added++;
        }
        if (q == NULL)
            break;
        n -= len + 1;
        v = q + 1;
    }
    return added;
}

static int keys_of_model(struct trace_scan *sc, const struct trace_model *m)
{
    static const enum msglog_key id_keys[] = { MK_UUID, MK_ID, MK_ID_RAW, MK_DLR_KEY, MK_IDS, MK_URL, MK_KEY };
    size_t i, k;
    int added = 0;

    for (i = 0; i < m->n; i++) {
        for (k = 0; k < sizeof(id_keys) / sizeof(id_keys[0]); k++) {
            const struct trace_rec *r = &m->recs[i];

            if (r->v[id_keys[k]] != NULL)
                added += add_key(sc, r->v[id_keys[k]], r->len[id_keys[k]]);
        }
    }
    return added;
}

/* Whether a link the found lines name is missing (see trace_scan.h). */
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

void trace_scan_id(struct trace_scan *sc, struct trace_model *m, const char *id, const char *since,
                   const char *until)
{
    char lo[MSGLOG_TS_LEN + 1], hi[MSGLOG_TS_LEN + 1];
    size_t i, f, first_new, searched = 0;
    long long t;
    int round;

    add_key(sc, id, strlen(id));
    if (sc->n_keys == 0)
        add_key(sc, id, 0);
    for (f = 0; f < sc->n; f++)
        search_whole(sc, &sc->files[f], m, id, since, until);
    searched = sc->n_keys;
    for (round = 0; round < 4 && m->n > 0; round++) {
        first_new = searched;
        if (keys_of_model(sc, m) == 0)
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
        for (f = 0; f < sc->n; f++)
            search_window(sc, &sc->files[f], m, sc->keys, first_new, sc->n_keys,
                          bisect(&sc->files[f], lo), bisect(&sc->files[f], hi), since, until);
        searched = sc->n_keys;
    }
    if (incomplete(m)) {
        for (f = 0; f < sc->n; f++) {
            for (i = 1; i < sc->n_keys; i++)
                search_whole(sc, &sc->files[f], m, sc->keys[i], since, until);
        }
    }
}
