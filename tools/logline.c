/*
 * logline: reading EMG-style log files line by line (see logline.h).
 */
#include "logline.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- parsing ------------------------------------------------------------ */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "YYYY-MM-DD HH:MM:SS.uuuuuu" at p (n octets available). */
static int parse_ts(const char *p, size_t n, char *ts)
{
    static const char pattern[] = "dddd-dd-dd dd:dd:dd.dddddd";
    size_t i;

    if (n < TS_LEN)
        return -1;
    for (i = 0; i < TS_LEN; i++) {
        if (pattern[i] == 'd' ? !is_digit(p[i]) : p[i] != pattern[i])
            return -1;
    }
    memcpy(ts, p, TS_LEN);
    ts[TS_LEN] = '\0';
    return 0;
}

/* Decimal digits at *p up to `end`; advances *p.  -1 when none or too large. */
int parse_ulong(const char **p, const char *end, unsigned long *out)
{
    unsigned long v = 0;
    const char *q = *p;

    if (q >= end || !is_digit(*q))
        return -1;
    while (q < end && is_digit(*q)) {
        if (v > (ULONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (unsigned long)(*q - '0');
        q++;
    }
    *p = q;
    *out = v;
    return 0;
}

static int has_word(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);

    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 && (p + n == end || p[n] == ' ');
}

/* `<ts> (<instance>) <EVENT> <OK|ERR>[ (info="…")]` */
int parse_connector_line(struct line *l)
{
    const char *p = l->text, *end = l->text + l->len, *ev;

    if (parse_ts(p, l->len, l->ts) != 0)
        return -1;
    p += TS_LEN;
    if (end - p < 2 || p[0] != ' ' || p[1] != '(')
        return -1;
    p += 2;
    if (parse_ulong(&p, end, &l->instance) != 0 || end - p < 2 || p[0] != ')' || p[1] != ' ')
        return -1;
    p += 2;
    l->rest = (size_t)(p - l->text);
    ev = p;
    while (p < end && *p >= 'A' && *p <= 'Z')
        p++;
    if (p == ev || p == end || *p != ' ')
        return -1;
    if (p - ev == 7 && memcmp(ev, "CONNECT", 7) == 0)
        l->ev = EV_CONNECT;
    else if (p - ev == 10 && memcmp(ev, "DISCONNECT", 10) == 0)
        l->ev = EV_DISCONNECT;
    else
        l->ev = EV_OTHER;
    p++;
    if (has_word(p, end, "OK"))
        l->err = 0;
    else if (has_word(p, end, "ERR"))
        l->err = 1;
    else
        return -1;
    return 0;
}

/* `<ts> <LEVEL> (<connector>,<instance>) …`; the connector is not checked, so
 * a pdu log written under another name (EMG's own, say) can be read too. */
int parse_pdu_line(struct line *l)
{
    const char *p = l->text, *end = l->text + l->len, *open, *close, *comma;

    if (parse_ts(p, l->len, l->ts) != 0)
        return -1;
    p += TS_LEN;
    if (p == end || *p != ' ')
        return -1;
    p++;
    open = p;
    while (p < end && *p >= 'A' && *p <= 'Z')
        p++;
    if (p == open)
        return -1;
    while (p < end && *p == ' ')
        p++;
    if (p == end || *p != '(')
        return -1;
    open = p;
    close = memchr(open, ')', (size_t)(end - open));
    if (close == NULL)
        return -1;
    comma = NULL;
    for (p = open + 1; p < close; p++)
        if (*p == ',')
            comma = p;
    if (comma == NULL || comma == open + 1)
        return -1;
    p = comma + 1;
    if (parse_ulong(&p, close, &l->instance) != 0 || p != close)
        return -1;
    l->name_off = (size_t)(open + 1 - l->text);
    l->name_len = (size_t)(comma - (open + 1));
    l->rest = (size_t)(close + 1 - l->text);
    if (close + 1 < end && close[1] == ' ')
        l->rest++;
    l->ev = EV_OTHER;
    l->err = 0;
    return 0;
}

/* ---- reading files -------------------------------------------------------- */

/* Opens path for reading: the fd, or -1 with errno (EISDIR for a
 * directory); *st filled. */
static int open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || S_ISDIR(st->st_mode)) {
        e = S_ISDIR(st->st_mode) ? EISDIR : errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void close_segments(struct logfile *lf)
{
    for (size_t i = 0; i < lf->nseg; i++) {
        if (lf->seg_fds[i] >= 0)
            close(lf->seg_fds[i]);
        free(lf->seg_paths[i]);
    }
    free(lf->seg_paths);
    free(lf->seg_fds);
    lf->seg_paths = NULL;
    lf->seg_fds = NULL;
    lf->nseg = lf->seg = 0;
    lf->opened = 0;
}

static void add_segment(struct logfile *lf, char *path, int fd)
{
    lf->seg_paths = xrealloc(lf->seg_paths, (lf->nseg + 1) * sizeof *lf->seg_paths);
    lf->seg_fds = xrealloc(lf->seg_fds, (lf->nseg + 1) * sizeof *lf->seg_fds);
    lf->seg_paths[lf->nseg] = path;
    lf->seg_fds[lf->nseg] = fd;
    lf->nseg++;
}

/* Starts reading segment i. */
static void start_segment(struct logfile *lf, size_t i)
{
    lf->seg = i;
    lf->fd = lf->seg_fds[i];
    lf->path = lf->seg_paths[i];
    if (lf->lr.max_len == 0)
        linereader_init(&lf->lr, lf->fd, lf->max_len);
    else
        linereader_restart(&lf->lr, lf->fd);
    lf->lr.gzip_auto = 1;
}

/* Opens lf->given, and with `history` its rotated files, oldest first.
 * The current file is opened first: if a rotation renames it meanwhile, a
 * history file has its inode, and the whole look is taken again. */
static int open_with_history(struct logfile *lf, int history)
{
    struct stat st;
    char *p;
    size_t len;
    int fd, fd0, e, again, tries = 0;

    if (lf->given == NULL)
        lf->given = lf->path;
    len = strlen(lf->given) + 32;
    do {
        close_segments(lf);
        lf->path = lf->given;
        fd0 = open_regular(lf->given, &st);
        if (fd0 < 0)
            return -1;
        lf->ino = st.st_ino;
        lf->dev = st.st_dev;
        again = 0;
        for (unsigned long n = 1; history; n++) {
            p = xmalloc(len);
            snprintf(p, len, "%s.%lu", lf->given, n);
            fd = open_regular(p, &st);
            if (fd < 0 && errno == ENOENT) {
                snprintf(p, len, "%s.%lu.gz", lf->given, n);
                fd = open_regular(p, &st);
            }
            if (fd < 0 && errno == ENOENT) {
                free(p);
                break;
            }
            if (fd < 0) {
                e = errno;
                close(fd0);
                close_segments(lf);
                lf->path = p; /* named in the caller's message; the tool stops */
                errno = e;
                return -1;
            }
            add_segment(lf, p, fd);
            if (st.st_ino == lf->ino && st.st_dev == lf->dev)
                again = 1;
        }
        if (again)
            close(fd0);
    } while (again && ++tries < 10);
    /* the history was found newest first */
    for (size_t i = 0; i < lf->nseg / 2; i++) {
        char *tp = lf->seg_paths[i];
        int tf = lf->seg_fds[i];

        lf->seg_paths[i] = lf->seg_paths[lf->nseg - 1 - i];
        lf->seg_fds[i] = lf->seg_fds[lf->nseg - 1 - i];
        lf->seg_paths[lf->nseg - 1 - i] = tp;
        lf->seg_fds[lf->nseg - 1 - i] = tf;
    }
    if (again) { /* rotating faster than it can be looked at */
        close_segments(lf);
        errno = EAGAIN;
        return -1;
    }
    add_segment(lf, xstrndup(lf->given, strlen(lf->given)), fd0);
    lf->opened = 1;
    lf->read_error = 0;
    start_segment(lf, 0);
    return 0;
}

int logfile_open(struct logfile *lf)
{
    return open_with_history(lf, 1);
}

int logfile_open_current(struct logfile *lf)
{
    return open_with_history(lf, 0);
}

int logfile_on_current(const struct logfile *lf)
{
    return lf->nseg == 0 || lf->seg + 1 == lf->nseg;
}

int logfile_is_open(const struct logfile *lf)
{
    return lf->opened;
}

int logfile_rewind(struct logfile *lf)
{
    for (size_t i = 0; i < lf->nseg; i++)
        if (lseek(lf->seg_fds[i], 0, SEEK_SET) < 0)
            return -1;
    start_segment(lf, 0);
    return 0;
}

static void report_bad(struct logfile *lf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_bad(struct logfile *lf, const char *fmt, ...)
{
    va_list ap;

    lf->bad++;
    if (lf->bad <= MAX_REPORTED) {
        fprintf(stderr, "%s: %s:%lu: ", lf->prog, lf->path, lf->lr.lineno);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    } else if (lf->bad == MAX_REPORTED + 1) {
        fprintf(stderr, "%s: %s: more such lines; only a count is given at the end\n", lf->prog,
                lf->path);
    }
}

int logfile_next_raw(struct logfile *lf, const char **text, size_t *len)
{
    if (!lf->opened || lf->read_error != 0)
        return 0;
    for (;;) {
        switch (linereader_next(&lf->lr, text, len)) {
        case LINEREADER_LINE: return 1;
        case LINEREADER_TOO_LONG:
            report_bad(lf, "line of %zu octets, longer than %zu (--max-line-length); skipped",
                       lf->lr.dropped_len, lf->lr.max_len);
            continue;
        case LINEREADER_ERROR:
            lf->read_error = lf->lr.error;
            fprintf(stderr, "%s: %s: %s\n", lf->prog, lf->path,
                    linereader_strerror(lf->read_error));
            return 0;
        case LINEREADER_END:
            if (logfile_on_current(lf))
                return 0;
            /* a rotated file is complete: on to the next one */
            if (linereader_pending(&lf->lr)) {
                linereader_drop_pending(&lf->lr);
                report_bad(lf, "last line cut short (no newline); skipped");
            }
            start_segment(lf, lf->seg + 1);
            continue;
        }
    }
}

int logfile_next(struct logfile *lf, struct line *l, int (*parse)(struct line *), int following)
{
    if (!logfile_next_view(lf, l, parse, following))
        return 0;
    l->text = xstrndup(l->text, l->len); /* parse kept offsets only */
    return 1;
}

int logfile_next_view(struct logfile *lf, struct line *l, int (*parse)(struct line *),
                      int following)
{
    const char *p;
    size_t len;

    for (;;) {
        if (!logfile_next_raw(lf, &p, &len)) {
            if (!following && lf->read_error == 0 && linereader_pending(&lf->lr)) {
                linereader_drop_pending(&lf->lr);
                report_bad(lf, "last line cut short (no newline); skipped");
            }
            return 0;
        }
        if (len > 0 && p[len - 1] == '\r')
            len--; /* a log copied through a CRLF system */
        l->text = (char *)p; /* the parsers only read it */
        l->len = len;
        if (parse(l) == 0)
            return 1;
        report_bad(lf, "%s",
                   lf->what[0] == 'c' ? "not a connector-log line; skipped"
                                      : "not a pdu-log line; skipped");
    }
}

void logfile_summary(const struct logfile *lf)
{
    if (lf->bad > MAX_REPORTED)
        fprintf(stderr, "%s: %s: %lu lines skipped in all\n", lf->prog, lf->path, lf->bad);
}

void logfile_close(struct logfile *lf)
{
    close_segments(lf);
    linereader_free(&lf->lr);
    lf->lr.max_len = 0;
}
