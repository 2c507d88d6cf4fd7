/*
 * emgdiag-compare: compare two EMG-style logs of the same traffic, say
 * EMG's pdu log and emgdiag's, during a migration.
 *
 *   emgdiag-compare [options] FIRST SECOND
 *
 * Timestamps and the connector name are left out of the comparison: the two
 * gateways ran at different moments under different names.  Lines are
 * paired by what identifies them, in order of appearance:
 *   pdu log        instance, Read/Write, command_id and sequence number
 *   connector log  instance and event (CONNECT, LOGIN, DISCONNECT, ...)
 * so a reordering across directions (which the two gateways may log in
 * different orders) is not a difference.  A pair whose lines differ is
 * printed with the fields that differ; a line without a partner is printed
 * as only in FIRST or only in SECOND.  The last line sums up.  In pdu
 * lines \x20 is read as a space, and where a file has a JSON twin
 * (FILE.jsonl) its lines' fields come from there (json_twin.h).
 *
 * Exit status: 0 the logs agree, 1 they differ (or lines not in the format
 * were skipped), 2 usage error or a file cannot be read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_model.h"
#include "json_twin.h"
#include "logline.h"

#include "tool_version.h"

#define EXIT_SAME 0
#define EXIT_DIFFER 1
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 2 /* a file cannot be opened or read */
#define PROG "emgdiag-compare"

static void usage(FILE *out)
{
    fputs("usage: emgdiag-compare [options] FIRST SECOND\n"
          "\n"
          "Compares two EMG-style logs of the same traffic (EMG's and emgdiag's, say):\n"
          "pdu logs or connector logs.  Timestamps and connector names are left out;\n"
          "lines are paired by instance and event (connector log) or by instance,\n"
          "direction, command_id and sequence number (pdu log), in order of appearance.\n"
          "\n"
          "  -t, --type pdu|connector   the kind of both logs (default: from the first\n"
          "                             line of FIRST in either format)\n"
          "  -i, --ignore-instance      pair lines whatever their instance numbers\n"
          "  -x, --ignore-field KEY     leave KEY:value out of pdu lines (repeatable),\n"
          "                             e.g. MESSAGEID when each side's SMSC made its own\n"
          "  -q, --quiet                print only the summary\n"
          "      --max-line-length N    skip (and report) lines longer than N octets\n"
          "                             (default 1048576)\n"
          "      --text-only            pdu logs: cut fields from the text lines even where\n"
          "                             FILE.jsonl, the log's JSON twin, is there\n"
          "      --window LINES         how many lines apart two lines of a pair may be\n"
          "                             (default 32768)\n"
          "      --window-memory MIB    at most this many MiB of SECOND's lines held for\n"
          "                             pairing (default 24)\n"
          "  -h, --help                 this text\n"
          "  -V, --version              the version\n"
          "Exit status: 0 the logs agree; 1 they differ, or lines not in the format (or\n"
          "too long) were skipped; 2 usage error, or a file cannot be opened or read (no\n"
          "summary is printed then).\n",
          out);
}

/* ---- main -------------------------------------------------------------------- */

static int open_log(struct logfile *lf, const char *path, size_t max_len)
{
    memset(lf, 0, sizeof *lf);
    lf->prog = PROG;
    lf->path = path;
    lf->max_len = max_len;
    if (logfile_open(lf) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", lf->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Decides the kind from FIRST's first line that parses as either, then goes
 * back to its start.  KIND_UNKNOWN when none does, or when the file cannot
 * be read (reported; lf->read_error set) or cannot be read again. */
static enum kind guess_kind(struct logfile *lf)
{
    struct linereader lr;
    enum kind k = KIND_UNKNOWN;
    enum linereader_result r;
    const char *p;
    size_t n;

    /* a reader of its own: lines too long are reported by the real pass */
    linereader_init(&lr, lf->fd, lf->max_len);
    lr.gzip_auto = 1;
    while (k == KIND_UNKNOWN) {
        struct line l;

        r = linereader_next(&lr, &p, &n);
        if (r == LINEREADER_END && (r = linereader_finish(&lr, &p, &n)) == LINEREADER_END)
            break;

        if (r == LINEREADER_ERROR) {
            lf->read_error = lr.error;
            fprintf(stderr, PROG ": %s: %s\n", lf->path, linereader_strerror(lr.error));
            break;
        }
        if (r != LINEREADER_LINE)
            continue;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        l.text = (char *)p; /* the parsers only read it */
        l.len = n;
        if (parse_connector_line(&l) == 0)
            k = KIND_CONNECTOR;
        else if (parse_pdu_line(&l) == 0)
            k = KIND_PDU;
    }
    linereader_free(&lr);
    if (lf->read_error == 0 && logfile_rewind(lf) != 0) {
        lf->read_error = errno;
        fprintf(stderr, PROG ": %s: cannot read it again from its start (%s); say --type\n",
                lf->path, strerror(errno));
    }
    return lf->read_error != 0 ? KIND_UNKNOWN : k;
}

/* A whole number from 1 to max, digits only: 0, or -1. */
static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (unsigned)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

struct sums {
    unsigned long paired, differ, only_a, only_b;
};

/* How far apart two lines of a pair may be: SECOND is read at most
 * `lines` lines ahead of FIRST, and its unpaired lines are kept until
 * FIRST is `lines` lines past them, as long as the lines held stay under
 * `bytes`.  When `bytes` is what binds, reading ahead stops and an unpaired
 * line goes once FIRST is half the lines held past it, so a pair may then
 * be that far apart either way (docs/man/emgdiag-compare.1, WINDOW;
 * --window, --window-memory). */
struct window {
    unsigned long long lines;
    size_t bytes;
};

#define WINDOW_LINES 32768ull
#define WINDOW_MIB 24ull
#define WINDOW_LINES_MAX 1000000000ull
#define WINDOW_MIB_MAX 1048576ull /* 1 TiB: the machine's memory is the real bound */

static void only_in_second(const struct options *o, const struct line *l, struct sums *sum)
{
    sum->only_b++;
    if (!o->quiet)
        print_text(stdout, "> ", l);
}

/* One more line of SECOND into the table: 1, 0 at its end, -1 when it
 * could not be read (reported). */
static int read_second(const struct options *o, struct logfile *fb, struct json_twin *tb,
                       struct table *t)
{
    int (*parse)(struct line *) = o->kind == KIND_PDU ? parse_pdu_line : parse_connector_line;
    struct line l;

    if (!logfile_next(fb, &l, parse, 0))
        return fb->read_error != 0 ? -1 : 0;
    table_add(t, o, &l, json_twin_take(tb, &l, fb->lr.lineno));
    return json_twin_read_error(tb) != 0 ? -1 : 1;
}

/* Pairs FIRST's lines with SECOND's within the window, printing as it
 * goes; the counts in *sum.  -1 when a file could not be read to its end
 * (reported). */
static int compare(const struct options *o, const struct window *win, struct logfile *fa,
                   struct logfile *fb, struct json_twin *ta, struct json_twin *tb, struct table *t,
                   struct sums *sum)
{
    int (*parse)(struct line *) = o->kind == KIND_PDU ? parse_pdu_line : parse_connector_line;
    unsigned long long ia = 0;
    int more_b = 1, r;
    struct line l;

    /* FIRST's lines are not kept: read without a copy */
    while (logfile_next_view(fa, &l, parse, 0)) {
        struct pdu_json *twin = json_twin_take(ta, &l, fa->lr.lineno);
        char *key;
        struct entry *e;

        if (json_twin_read_error(ta) != 0)
            return -1;
        /* SECOND up to win->lines ahead; its lines too far behind out */
        while (more_b && t->added < ia + win->lines && t->bytes < win->bytes) {
            if ((r = read_second(o, fb, tb, t)) < 0)
                return -1;
            more_b = r;
        }
        while ((e = t->oldest) != NULL &&
               (e->paired || e->seq + win->lines < ia ||
                (t->bytes >= win->bytes && e->seq + t->n / 2 < ia))) {
            if (!e->paired)
                only_in_second(o, &e->l, sum);
            table_drop_oldest(t);
        }
        ia++;
        key = line_key(o, &l);
        e = table_take(t, key);

        if (e == NULL) {
            sum->only_a++;
            if (!o->quiet)
                print_text(stdout, "< ", &l);
        } else {
            sum->paired++;
            if (pair_differs(o, &l, twin, e)) {
                sum->differ++;
                if (!o->quiet) {
                    print_text(stdout, "! ", &l);
                    print_text(stdout, "  ", &e->l);
                    if (o->kind == KIND_PDU)
                        print_field_diff(stdout, o, &l, twin, &e->l, e->twin);
                }
            }
        }
        free(key);
        if (twin != NULL) {
            pdu_json_free(twin);
            free(twin);
        }
    }
    if (fa->read_error != 0)
        return -1;
    /* what is left of SECOND: in its order, read one line at a time */
    for (;;) {
        while (t->oldest != NULL) {
            if (!t->oldest->paired)
                only_in_second(o, &t->oldest->l, sum);
            table_drop_oldest(t);
        }
        if (!more_b)
            break;
        if ((r = read_second(o, fb, tb, t)) < 0)
            return -1;
        more_b = r;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "type", required_argument, NULL, 't' },
        { "ignore-instance", no_argument, NULL, 'i' },
        { "ignore-field", required_argument, NULL, 'x' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "max-line-length", required_argument, NULL, 'M' },
        { "text-only", no_argument, NULL, 'T' },
        { "window", required_argument, NULL, 'w' },
        { "window-memory", required_argument, NULL, 'W' },
        { NULL, 0, NULL, 0 },
    };
    struct options o;
    struct logfile fa, fb;
    struct json_twin ta, tb;
    int text_only = 0;
    struct table t;
    struct sums sum;
    size_t max_len = LINEREADER_DEFAULT_MAX;
    struct window win = {WINDOW_LINES, (size_t)WINDOW_MIB * 1024 * 1024};
    unsigned long long n;
    int opt, rc;

    memset(&o, 0, sizeof o);
    memset(&t, 0, sizeof t);
    while ((opt = getopt_long(argc, argv, "t:ix:qhV", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (strcmp(optarg, "pdu") == 0) {
                o.kind = KIND_PDU;
            } else if (strcmp(optarg, "connector") == 0) {
                o.kind = KIND_CONNECTOR;
            } else {
                fprintf(stderr, PROG ": --type is pdu or connector, not \"%s\"\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'i': o.ignore_instance = 1; break;
        case 'x':
            o.ignored = xrealloc(o.ignored, (o.nignored + 1) * sizeof *o.ignored);
            o.ignored[o.nignored++] = optarg;
            break;
        case 'q': o.quiet = 1; break;
        case 'M':
            if (linereader_parse_max(optarg, &max_len) != 0) {
                fprintf(stderr, PROG ": --max-line-length wants a number of octets, not \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'T': text_only = 1; break;
        case 'w':
        case 'W':
            if (parse_count(optarg, opt == 'w' ? WINDOW_LINES_MAX : WINDOW_MIB_MAX, &n) != 0) {
                fprintf(stderr, PROG ": %s wants a whole number from 1 to %llu, not \"%s\"\n",
                        opt == 'w' ? "--window" : "--window-memory",
                        opt == 'w' ? WINDOW_LINES_MAX : WINDOW_MIB_MAX, optarg);
                free(o.ignored);
                return EXIT_USAGE;
            }
            if (opt == 'w')
                win.lines = n;
            else
                win.bytes = (size_t)n * 1024 * 1024;
            break;
        case 'h': usage(stdout); return EXIT_SAME;
        case 'V': printf(PROG " %s\n", EMGDIAG_VERSION); return EXIT_SAME;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        free(o.ignored);
        return EXIT_USAGE;
    }
    if (open_log(&fa, argv[optind], max_len) != 0) {
        free(o.ignored);
        return EXIT_UNREADABLE;
    }
    if (open_log(&fb, argv[optind + 1], max_len) != 0) {
        logfile_close(&fa);
        free(o.ignored);
        return EXIT_UNREADABLE;
    }
    if (o.kind == KIND_UNKNOWN && (o.kind = guess_kind(&fa)) == KIND_UNKNOWN) {
        if (fa.read_error == 0)
            fprintf(stderr, PROG ": %s holds no line of a pdu log or a connector log; say --type\n",
                    fa.path);
        logfile_close(&fa);
        logfile_close(&fb);
        free(o.ignored);
        return EXIT_UNREADABLE;
    }
    fa.what = fb.what = o.kind == KIND_PDU ? "pdu log" : "connector log";

    /* pdu logs: the fields from each file's JSON twin, where it has one */
    memset(&ta, 0, sizeof ta);
    memset(&tb, 0, sizeof tb);
    rc = 0;
    if (o.kind == KIND_PDU && !text_only &&
        (json_twin_open(&ta, PROG, fa.path, max_len) < 0 ||
         json_twin_open(&tb, PROG, fb.path, max_len) < 0))
        rc = -1;
    memset(&sum, 0, sizeof sum);
    if (rc == 0)
        rc = compare(&o, &win, &fa, &fb, &ta, &tb, &t, &sum);
    if (rc == 0)
        printf("%lu paired (%lu differ), %lu only in %s, %lu only in %s\n", sum.paired, sum.differ,
               sum.only_a, fa.path, sum.only_b, fb.path);
    logfile_summary(&fa);
    logfile_summary(&fb);
    json_twin_summary(&ta);
    json_twin_summary(&tb);

    table_free(&t);
    free(o.ignored);
    logfile_close(&fa);
    logfile_close(&fb);
    json_twin_close(&ta);
    json_twin_close(&tb);
    if (fflush(stdout) != 0) {
        fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
        return EXIT_UNREADABLE;
    }
    if (rc != 0)
        return EXIT_UNREADABLE;
    return sum.differ || sum.only_a || sum.only_b || fa.bad || fb.bad ? EXIT_DIFFER : EXIT_SAME;
}
