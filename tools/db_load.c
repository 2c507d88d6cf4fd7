/*
 * db_load: log files into the database (see db_load.h).
 */
#include "db_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db_row.h"
#include "linereader.h"
#include "xalloc.h"

#define PROG "emgdiag-db"
#define BATCH 2000
#define TS_DIGITS 26 /* "YYYY-MM-DD HH:MM:SS.uuuuuu" */

/* A twin line held in the window. */
struct twin {
    char *json;
    size_t n;
    char ts[TS_DIGITS + 1]; /* its local time, as the text line writes it */
    long instance;          /* -1: none */
};

int db_load_table_of(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;

    base = base != NULL ? base + 1 : path;
    n = strlen(base);
    if (n > 6 && strcmp(base + n - 6, ".jsonl") == 0)
        return -1;
    if (strncmp(base, "connector.", 10) == 0 && base[10] != '\0')
        return DB_CONNECTORLOG;
    if (strncmp(base, "pdu.", 4) == 0 && base[4] != '\0')
        return DB_PDULOG;
    if (strcmp(base, "security") == 0)
        return DB_SECURITYLOG;
    if (strncmp(base, "message.", 8) == 0 && base[8] != '\0')
        return DB_MESSAGELOG;
    return -1;
}

/* The "ts" and "instance" of a twin line, found without parsing it all:
 * they are the first members the module writes.  0, or -1. */
static int twin_key(const char *s, size_t n, char ts[TS_DIGITS + 1], long *instance)
{
    const char *p = memmem(s, n, "\"ts\":\"", 6), *end = s + n;
    const char *q;

    if (p == NULL || end - (p + 6) < TS_DIGITS)
        return -1;
    memcpy(ts, p + 6, TS_DIGITS);
    ts[TS_DIGITS] = '\0';
    ts[10] = ' ';
    *instance = -1;
    q = memmem(s, n, ",\"instance\":", 12);
    if (q != NULL && q + 12 < end) {
        char *e;
        long v = strtol(q + 12, &e, 10);

        if (e > q + 12 && e <= end)
            *instance = v;
    }
    return 0;
}

/* The local time digits and instance of a text line: "<ts> (<n>) …"
 * (connector), "<ts> INFO  (<name>,<n>) …" (pdu), "<ts> LEVEL (<name>[,<n>]) …"
 * (security).  0, or -1. */
static int text_key(int table, const char *s, size_t n, char ts[TS_DIGITS + 1], long *instance)
{
    const char *open, *close, *comma, *end = s + n;
    char *e;

    if (n < TS_DIGITS + 2)
        return -1;
    memcpy(ts, s, TS_DIGITS);
    ts[TS_DIGITS] = '\0';
    *instance = -1;
    open = memchr(s + TS_DIGITS, '(', n - TS_DIGITS);
    if (open == NULL)
        return -1;
    close = memchr(open, ')', (size_t)(end - open));
    if (close == NULL)
        return -1;
    if (table == DB_CONNECTORLOG) {
        *instance = strtol(open + 1, &e, 10);
        return e == close ? 0 : -1;
    }
    comma = memrchr(open, ',', (size_t)(close - open));
    if (comma != NULL) {
        *instance = strtol(comma + 1, &e, 10);
        if (e != close)
            *instance = -1;
    }
    return 0;
}

static void show_progress(const char *path, int fd, off_t size, unsigned long lines, int done)
{
    off_t at = lseek(fd, 0, SEEK_CUR);
    int pct = size > 0 ? (int)(at * 100 / size) : 100;

    fprintf(stderr, "\r%s: %3d%% (%lu lines)%s", path, done ? 100 : pct, lines, done ? "\n" : "");
}

int db_load_file(struct db *d, const char *node, const char *box, const char *path, int progress,
                 struct db_load_stats *st)
{
    struct twin win[DB_LOAD_WINDOW];
    size_t nwin = 0, nrows = 0, i;
    struct db_row *rows = xrealloc(NULL, BATCH * sizeof(*rows));
    const char **sessions = xrealloc(NULL, BATCH * sizeof(*sessions));
    struct linereader text, json;
    char *twin_path, err[512], why[128], ts[TS_DIGITS + 1];
    int table = db_load_table_of(path), tfd, jfd, twin_end = 0, rc = 0, named_twin = 0,
        named_bad = 0;
    unsigned long jline = 0;
    struct stat sb;
    time_t last = 0;
    const char *s;
    size_t n;
    long inst;

    memset(sessions, 0, BATCH * sizeof(*sessions));
    twin_path = xrealloc(NULL, strlen(path) + 7);
    sprintf(twin_path, "%s.jsonl", path);
    tfd = open(path, O_RDONLY | O_CLOEXEC);
    if (tfd < 0) {
        fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
        free(twin_path);
        free(rows);
        free(sessions);
        return -1;
    }
    jfd = open(twin_path, O_RDONLY | O_CLOEXEC);
    if (jfd < 0) {
        fprintf(stderr, "%s: %s: %s (load needs the JSON twin: logs written with format=\"both\")\n",
                PROG, twin_path, strerror(errno));
        close(tfd);
        free(twin_path);
        free(rows);
        free(sessions);
        return -1;
    }
    if (fstat(tfd, &sb) != 0)
        sb.st_size = 0;
    linereader_init(&text, tfd, LINEREADER_DEFAULT_MAX);
    linereader_init(&json, jfd, LINEREADER_DEFAULT_MAX);
    for (;;) {
        enum linereader_result r = linereader_next(&text, &s, &n);
        size_t found;

        if (r == LINEREADER_END)
            r = linereader_finish(&text, &s, &n);
        if (r == LINEREADER_END)
            break;
        if (r == LINEREADER_ERROR) {
            fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(text.error));
            rc = -1;
            break;
        }
        st->lines++;
        if (progress && time(NULL) != last) {
            last = time(NULL);
            show_progress(path, tfd, sb.st_size, st->lines, 0);
        }
        if (r == LINEREADER_TOO_LONG || text_key(table, s, n, ts, &inst) != 0) {
            if (!named_bad++)
                fprintf(stderr, "%s: %s:%lu: not a line of this log, or too long: skipped\n", PROG,
                        path, text.lineno);
            st->bad++;
            continue;
        }
        /* fill the window, then look for the twin in it */
        while (!twin_end && nwin < DB_LOAD_WINDOW) {
            const char *js;
            size_t jn;
            enum linereader_result jr = linereader_next(&json, &js, &jn);

            if (jr == LINEREADER_END)
                jr = linereader_finish(&json, &js, &jn);
            if (jr == LINEREADER_END || jr == LINEREADER_ERROR) {
                if (jr == LINEREADER_ERROR) {
                    fprintf(stderr, "%s: %s: %s\n", PROG, twin_path, strerror(json.error));
                    rc = -1;
                }
                twin_end = 1;
                break;
            }
            jline++;
            if (jr == LINEREADER_TOO_LONG ||
                twin_key(js, jn, win[nwin].ts, &win[nwin].instance) != 0) {
                if (!named_bad++)
                    fprintf(stderr, "%s: %s:%lu: not a twin line, or too long: skipped\n", PROG,
                            twin_path, jline);
                st->bad++;
                continue;
            }
            win[nwin].json = xrealloc(NULL, jn + 1);
            memcpy(win[nwin].json, js, jn);
            win[nwin].json[jn] = '\0';
            win[nwin].n = jn;
            nwin++;
        }
        for (found = nwin, i = 0; i < nwin; i++)
            if (strcmp(win[i].ts, ts) == 0 && win[i].instance == inst) {
                found = i;
                break;
            }
        if (found == nwin) {
            if (!named_twin++)
                fprintf(stderr, "%s: %s:%lu: no twin among the next %d lines of %s: skipped\n",
                        PROG, path, text.lineno, DB_LOAD_WINDOW, twin_path);
            st->no_twin++;
            if (nwin == DB_LOAD_WINDOW) {
                /* the oldest twin has waited a whole window: it has no text line */
                free(win[0].json);
                memmove(&win[0], &win[1], (nwin - 1) * sizeof(win[0]));
                nwin--;
                st->bad++;
            }
            continue;
        }
        if (db_row_parse(table, win[found].json, win[found].n, s, n, &rows[nrows], why,
                         sizeof(why)) != 0) {
            if (!named_bad++)
                fprintf(stderr, "%s: %s: the twin of line %lu: %s: skipped\n", PROG, twin_path,
                        text.lineno, why);
            st->bad++;
        } else {
            nrows++;
        }
        free(win[found].json);
        memmove(&win[found], &win[found + 1], (nwin - found - 1) * sizeof(win[0]));
        nwin--;
        if (nrows == BATCH) {
            long got = db_insert(d, node, box, rows, sessions, nrows, err, sizeof(err));

            for (i = 0; i < nrows; i++)
                db_row_free(&rows[i]);
            if (got < 0) {
                fprintf(stderr, "%s: %s: %s\n", PROG, path, err);
                nrows = 0;
                rc = -1;
                break;
            }
            st->added += (unsigned long)got;
            st->present += nrows - (unsigned long)got;
            nrows = 0;
        }
    }
    if (nrows > 0) {
        long got = db_insert(d, node, box, rows, sessions, nrows, err, sizeof(err));

        for (i = 0; i < nrows; i++)
            db_row_free(&rows[i]);
        if (got < 0) {
            fprintf(stderr, "%s: %s: %s\n", PROG, path, err);
            rc = -1;
        } else {
            st->added += (unsigned long)got;
            st->present += nrows - (unsigned long)got;
        }
    }
    if (progress)
        show_progress(path, tfd, sb.st_size, st->lines, 1);
    /* twin lines left: no text line of the file was theirs */
    for (i = 0; i < nwin; i++)
        free(win[i].json);
    st->bad += nwin;
    linereader_free(&text);
    linereader_free(&json);
    close(tfd);
    close(jfd);
    free(twin_path);
    free(rows);
    free(sessions);
    return rc;
}
