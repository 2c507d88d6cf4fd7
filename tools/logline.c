/*
 * logline: reading EMG-style log files line by line (see logline.h).
 */
#include "logline.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
        exit(2);   /* the tools' "cannot go on" status */
    }
    return p;
}

void *xmalloc(size_t n)
{
    return xrealloc(NULL, n);
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

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

    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 &&
           (p + n == end || p[n] == ' ');
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

int logfile_open(struct logfile *lf)
{
    struct stat st;

    lf->f = fopen(lf->path, "r");
    if (lf->f == NULL)
        return -1;
    if (fstat(fileno(lf->f), &st) == 0) {
        lf->ino = st.st_ino;
        lf->dev = st.st_dev;
    }
    lf->lineno = 0;
    return 0;
}

static void report_bad(struct logfile *lf, const char *why)
{
    lf->bad++;
    if (lf->bad <= MAX_REPORTED)
        fprintf(stderr, "%s: %s:%lu: %s\n", lf->prog, lf->path, lf->lineno, why);
    else if (lf->bad == MAX_REPORTED + 1)
        fprintf(stderr, "%s: %s: more such lines; only a count is given at the end\n", lf->prog,
                lf->path);
}

/* The next whole line of lf into l (text copied), skipping lines that are
 * not in the format.  1: a line; 0: end of file for now.  In follow mode an
 * unterminated last line is kept until its end arrives; otherwise it is
 * reported as cut short and skipped. */
int logfile_next(struct logfile *lf, struct line *l, int (*parse)(struct line *),
                        int following)
{
    ssize_t n;
    char *text;
    size_t len;

    for (;;) {
        n = getline(&lf->buf, &lf->cap, lf->f);
        if (n < 0) {
            clearerr(lf->f);
            return 0;
        }
        if (lf->buf[n - 1] != '\n') {
            char *joined = xrealloc(lf->partial, lf->partial_len + (size_t)n);

            memcpy(joined + lf->partial_len, lf->buf, (size_t)n);
            lf->partial = joined;
            lf->partial_len += (size_t)n;
            if (following)
                return 0;
            lf->lineno++;
            free(lf->partial);
            lf->partial = NULL;
            lf->partial_len = 0;
            report_bad(lf, "last line cut short (no newline); skipped");
            return 0;
        }
        lf->lineno++;
        len = lf->partial_len + (size_t)n - 1;
        text = xmalloc(len + 1);
        if (lf->partial_len > 0)
            memcpy(text, lf->partial, lf->partial_len);
        memcpy(text + lf->partial_len, lf->buf, (size_t)n - 1);
        text[len] = '\0';
        free(lf->partial);
        lf->partial = NULL;
        lf->partial_len = 0;
        if (len > 0 && text[len - 1] == '\r')
            len--;      /* a log copied through a CRLF system */
        l->text = text;
        l->len = len;
        if (parse(l) == 0)
            return 1;
        free(text);
        report_bad(lf, lf->what[0] == 'c' ? "not a connector-log line; skipped"
                                          : "not a pdu-log line; skipped");
    }
}

void logfile_summary(const struct logfile *lf)
{
    if (lf->bad > MAX_REPORTED)
        fprintf(stderr, "%s: %s: %lu lines skipped in all\n", lf->prog, lf->path, lf->bad);
}
void logfile_free(struct logfile *lf)
{
    free(lf->buf);
    free(lf->partial);
    lf->buf = lf->partial = NULL;
    lf->cap = lf->partial_len = 0;
}
