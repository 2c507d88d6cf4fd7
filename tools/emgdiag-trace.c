/*
 * emgdiag-trace: the path of a message across connectors, from the message
 * logs (docs/message-log.md).
 *
 *   emgdiag-trace [-d DIR]… ID             the message(s) ID names
 *   emgdiag-trace [-d DIR]… --to MSISDN    every message to MSISDN
 *   emgdiag-trace [-d DIR]… --unmatched    every receipt that matched none
 *   … --since TS --until TS                only lines in that time
 *   emgdiag-trace --db URI [--node N] …    the same, from the database's
 *                                          messagelog (docs/database.md);
 *                                          one ID through its indexes
 *
 * ID is any id of a message as it was on the wire or in Kannel: the
 * message_id answered to a client, the SMSC's message_id (raw or as Kannel
 * stored it), a receipt's id, or a uuid.  Each message is printed as a
 * timeline: one line per step, with the time since the step before, the
 * connector and instance, and the step's keys as the log wrote them.
 * Several directories (one per box or per host) are read and merged by
 * time.  Exit 0 when something was found, 1 when nothing, 2 on a usage or
 * read error.  Lines not in the grammar are reported on stderr with their
 * file and line, and skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linereader.h"
#include "logline.h"
#include "msgid_cause.h"
#include "msglog.h"
#include "print_escaped.h"
#include "trace_db.h"
#include "trace_model.h"
#include "trace_pdu.h"
#include "trace_scan.h"
#include "xalloc.h"

#include "tool_version.h"

#define EXIT_FOUND 0
#define EXIT_NONE 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fputs("usage: emgdiag-trace [-d DIR]... [--since TS] [--until TS] ID\n"
          "       emgdiag-trace [-d DIR]... [--since TS] [--until TS] --to MSISDN\n"
          "       emgdiag-trace [-d DIR]... [--since TS] [--until TS] --unmatched\n"
          "       emgdiag-trace --db URI [--node NODE] [--db-stats] [--since TS] [--until TS]\n"
          "                     ID|--to MSISDN|--unmatched\n"
          "\n"
          "Follows a message across connectors through the message logs\n"
          "(message.* in each DIR, default the current directory): client submit,\n"
          "id answered to the client, forward to bearerbox, submit_sm per part, the\n"
          "SMSC's id, the receipt, and the receipt sent back to the client.\n"
          "--unmatched lists every receipt that matched no message, with its cause.\n"
          "TS is a time as the logs write it, or a prefix of one (\"2026-11-26 04\").\n"
          "--db reads the message lines from the table messagelog the module's\n"
          "database sink writes (sqlite:PATH, postgresql://..., mysql://...; the\n"
          "password from PGPASSWORD or MYSQL_PWD) instead of from files, and\n"
          "prints the same; --node picks one gateway's rows (default: every one).\n"
          "For one ID it reads only the rows found through the indexes.\n"
          "--db-stats prints on stderr how many messagelog rows the queries returned.\n"
          "Exit: 0 found, 1 nothing found, 2 usage or read error.\n",
          out);
}

/* A value as the log writes it: '"' and '\\' escaped, control octets \xHH. */
static void put_value(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '"' || c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static void put_kv(const struct trace_rec *r)
{
    int i, k;

    for (i = 0; i < r->n_order; i++) {
        k = r->order[i];
        printf(" %s=\"", msglog_key_name((enum msglog_key)k));
        put_value(r->v[k], r->len[k]);
        putchar('"');
    }
}

/* ---- reading ------------------------------------------------------------ */

/* A current text log of `kind` ("message" or "pdu"): <kind>.<name>, not a
 * twin (<name>.jsonl and its history), not a rotated file (<file>.N,
 * <file>.N.gz: read with their current file, docs/connector-log.md#rotation)
 * and not a compression's temporary file (hidden). */
static int is_log(const char *name, const char *kind)
{
    size_t n = strlen(name), k = strlen(kind), end = n, d;

    if (strncmp(name, kind, k) != 0 || name[k] != '.' || n <= k + 1)
        return 0;
    if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
        end = n - 3;
    for (d = end; d > k + 1 && name[d - 1] >= '0' && name[d - 1] <= '9'; d--)
        ;
    if (d < end && d > k + 1 && name[d - 1] == '.')
        return 0; /* <file>.N or <file>.N.gz */
    if (end != n)
        return 0; /* a .gz that is not a rotated file: not ours */
    return strstr(name + k, ".jsonl") == NULL;
}

/* Reads one message log into m, with `history` its rotated files first,
 * oldest first (plain or gzip): 0, or -1 after a read error (reported). */
static int read_log(struct trace_model *m, const char *path, int history, const char *since,
                    const char *until)
{
    struct logfile lf;
    struct msglog_line l;
    const char *text, *why;
    size_t len;
    unsigned long lines = 0;
    int progress = isatty(STDERR_FILENO);

    memset(&lf, 0, sizeof(lf));
    lf.prog = "emgdiag-trace";
    lf.path = path;
    lf.what = "message log";
    if ((history ? logfile_open(&lf) : logfile_open_current(&lf)) != 0) {
        fprintf(stderr, "emgdiag-trace: %s: %s\n", lf.path, strerror(errno));
        logfile_close(&lf);
        return -1;
    }
    memset(&l, 0, sizeof(l));
    for (;;) {
        if (!logfile_next_raw(&lf, &text, &len)) {
            /* the current file's last line, unterminated: taken as it is */
            if (lf.read_error != 0 || linereader_finish(&lf.lr, &text, &len) != LINEREADER_LINE)
                break;
        }
        if (msglog_parse(&l, text, len, &why) != 0) {
            fprintf(stderr, "emgdiag-trace: %s:%lu: %s, skipped\n", lf.path, lf.lr.lineno, why);
            m->bad_lines++;
            continue;
        }
        if (l.step != MSG_UNKNOWN_STEP)
            trace_model_add(m, &l, since, until);
        if (progress && ++lines % 1000000 == 0)
            fprintf(stderr, "\remgdiag-trace: %s: %lu lines", path, lines);
    }
    if (progress && lines >= 1000000)
        fputc('\n', stderr);
    m->bad_lines += lf.bad;
    msglog_line_free(&l);
    logfile_summary(&lf);
    logfile_close(&lf);
    return lf.read_error != 0 ? -1 : 0;
}

static int read_file(struct trace_model *m, const char *path, const char *since, const char *until)
{
    return read_log(m, path, 1, since, until);
}

/* The files of a message log and its history, oldest first, split into
 * plain ones (appended to *plain, for the search) and compressed ones
 * (appended to *gz, read whole); -1 when it cannot be opened (reported). */
static int history_of(const char *path, char ***plain, size_t *n_plain, char ***gz, size_t *n_gz)
{
    struct logfile lf;
    size_t i, len;
    const char *p;

    memset(&lf, 0, sizeof(lf));
    lf.prog = "emgdiag-trace";
    lf.path = path;
    lf.what = "message log";
    if (logfile_open(&lf) != 0) {
        fprintf(stderr, "emgdiag-trace: %s: %s\n", lf.path, strerror(errno));
        logfile_close(&lf);
        return -1;
    }
    for (i = 0; i < lf.nseg; i++) {
        p = lf.seg_paths[i];
        len = strlen(p);
        if (len > 3 && strcmp(p + len - 3, ".gz") == 0) {
            *gz = xrealloc(*gz, (*n_gz + 1) * sizeof(**gz));
            (*gz)[(*n_gz)++] = xstrndup(p, len);
        } else {
            *plain = xrealloc(*plain, (*n_plain + 1) * sizeof(**plain));
            (*plain)[(*n_plain)++] = xstrndup(p, len);
        }
    }
    logfile_close(&lf);
    return 0;
}

/* Appends the paths of dir's logs of `kind` to *paths; -1 when dir cannot
 * be read (reported). */
static int list_logs(const char *dir, const char *kind, char ***paths, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];

    if (d == NULL) {
        fprintf(stderr, "emgdiag-trace: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (is_log(e->d_name, kind)) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            *paths = xrealloc(*paths, (*n + 1) * sizeof(**paths));
            (*paths)[(*n)++] = xstrndup(path, strlen(path));
        }
    }
    closedir(d);
    return 0;
}

static void free_paths(char **paths, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* Reads every message log of dir (pdu: every pdu log instead); the number
 * found, or -1. */
static int read_dir(struct trace_model *m, const char *dir, int pdu, const char *since,
                    const char *until)
{
    char **paths = NULL;
    size_t n = 0, i;
    int rc = 0;

    if (list_logs(dir, pdu ? "pdu" : "message", &paths, &n) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        if ((pdu ? trace_pdu_read(m, paths[i], since, until) : read_file(m, paths[i], since, until)) != 0)
            rc = -1;
    }
    free_paths(paths, n);
    return rc != 0 ? -1 : (int)n;
}

static int print_messages(const struct trace_model *m, const size_t *recs, size_t n);

/* emgdiag-trace ID over message logs: the lines found by searching
 * (trace_scan.h), not every line read.  -1: no message log (the caller
 * reads the pdu logs), -2: a read error, else found or not. */
static int trace_one(const char *const *dirs, size_t n_dirs, const char *id, const char *since,
                     const char *until)
{
    char **paths = NULL, **plain = NULL, **gz = NULL;
    size_t n = 0, i, k, n_plain = 0, n_gz = 0;
    int read_failed = 0;
    struct trace_scan *sc;
    struct trace_model m;
    const size_t *ix;
    int found;

    for (i = 0; i < (n_dirs ? n_dirs : 1); i++) {
        if (list_logs(n_dirs ? dirs[i] : ".", "message", &paths, &n) != 0) {
            free_paths(paths, n);
            return -2;
        }
    }
    if (n == 0) {
        free(paths);
        return -1;
    }
    /* Rotated history: plain files are searched like the current one;
     * compressed ones cannot be, and are read whole. */
    for (i = 0; i < n; i++) {
        if (history_of(paths[i], &plain, &n_plain, &gz, &n_gz) != 0) {
            free_paths(paths, n);
            free_paths(plain, n_plain);
            free_paths(gz, n_gz);
            return -2;
        }
    }
    free_paths(paths, n);
    sc = trace_scan_open(plain, n_plain);
    free_paths(plain, n_plain);
    if (sc == NULL) {
        free_paths(gz, n_gz);
        return -2;
    }
    trace_model_init(&m);
    trace_scan_id(sc, &m, id, since, until);
    trace_scan_close(sc);
    for (i = 0; i < n_gz; i++)
        if (read_log(&m, gz[i], 0, since, until) != 0)
            read_failed = 1;
    free_paths(gz, n_gz);
    if (read_failed) {
        trace_model_free(&m);
        return -2;
    }
    trace_model_finish(&m);
    ix = trace_lookup(&m, 'i', id, &k);
    if (k == 0)
        ix = trace_lookup(&m, 'u', id, &k);
    found = print_messages(&m, ix, k);
    trace_model_free(&m);
    return found;
}

/* ---- a message's path ------------------------------------------------------ */

static void print_message(const struct trace_model *m, const char *uuid, size_t **buf, size_t *cap)
{
    size_t n = 0, i;
    long long prev = 0, t;
    const struct trace_rec *r;
    int parts = 0, steps[MSG_STEPS] = { 0 };

    trace_message_records(m, uuid, buf, &n, cap);
    for (i = 0; i < n; i++) {
        r = &m->recs[(*buf)[i]];
        steps[r->step]++;
        if (r->step == MSG_SUBMIT && r->v[MK_PART] != NULL && strchr(r->v[MK_PART], '/') != NULL)
            parts = atoi(strchr(r->v[MK_PART], '/') + 1);
    }
    printf("message uuid=\"");
    put_value(uuid, strlen(uuid));
    printf("\" parts=%d submits=%d receipts=%d to-client=%d\n", parts ? parts : steps[MSG_SUBMIT] ? 1 : 0,
           steps[MSG_SUBMIT], steps[MSG_DLR], steps[MSG_DLR_TO_CLIENT]);
    for (i = 0; i < n; i++) {
        r = &m->recs[(*buf)[i]];
        t = trace_ts_us(r->ts);
        printf("  %s %+9.3fs %-23s (", r->ts, i == 0 ? 0.0 : (double)(t - prev) / 1e6,
               msglog_step_word(r->step));
        put_value(r->connector, strlen(r->connector));
        printf(",%lu)", r->instance);
        put_kv(r);
        putchar('\n');
        prev = t;
    }
}

/* The messages a set of records belongs to, each once, in time order. */
static int print_messages(const struct trace_model *m, const size_t *recs, size_t n)
{
    const char **seen = NULL;
    size_t n_seen = 0, i, j, *buf = NULL, cap = 0;
    const char *u;
    int found = 0;

    for (i = 0; i < n; i++) {
        u = trace_message_of(m, recs[i]);
        if (u == NULL) {
            /* A step of no known message (a receipt nobody stored, a
             * client submit not forwarded yet): shown alone. */
            const struct trace_rec *r = &m->recs[recs[i]];

            printf("step of no known message\n  %s %-23s (", r->ts, msglog_step_word(r->step));
            put_value(r->connector, strlen(r->connector));
            printf(",%lu)", r->instance);
            put_kv(r);
            putchar('\n');
            found = 1;
            continue;
        }
        for (j = 0; j < n_seen && strcmp(seen[j], u) != 0; j++)
            ;
        if (j < n_seen)
            continue;
        seen = xrealloc(seen, (n_seen + 1) * sizeof(*seen));
        seen[n_seen++] = u;
        if (found)
            putchar('\n');
        print_message(m, u, &buf, &cap);
        found = 1;
    }
    free(seen);
    free(buf);
    return found;
}

/* ---- --unmatched ------------------------------------------------------------ */

struct verdict {
    enum msgid_cause cause;
    int fix;              /* msg-id-type to set, -1: none */
    const struct trace_rec *resp; /* the submit_sm_resp it was meant for */
};

/* Weighs one candidate resp against an unmatched receipt. */
static void weigh(const struct trace_model *m, const struct trace_rec *d, size_t di,
                  const struct trace_rec *c, size_t ci, struct verdict *best)
{
    int same = strcmp(c->connector, d->connector) == 0, type;
    enum msgid_cause cause;
    const size_t *ix;
    size_t k, i;

    if (c->v[MK_ID_RAW] == NULL || d->v[MK_ID_RAW] == NULL)
        return;
    if (same && c->v[MK_ID] != NULL && d->v[MK_ID] != NULL && strcmp(c->v[MK_ID], d->v[MK_ID]) == 0) {
        if (ci > di) {
            cause = CAUSE_RECEIPT_BEFORE_RESP;
        } else {
            cause = CAUSE_UNKNOWN;
            ix = trace_lookup(m, 'i', d->v[MK_ID], &k);
            for (i = 0; i < k; i++) {
                const struct trace_rec *o = &m->recs[ix[i]];

                if (ix[i] < di && o->step == MSG_DLR && strcmp(o->connector, d->connector) == 0)
                    cause = CAUSE_DUPLICATE;
            }
        }
        if (best->resp == NULL || best->cause == CAUSE_OTHER_CONNECTOR || best->cause == CAUSE_UNKNOWN) {
            best->cause = cause;
            best->fix = -1;
            best->resp = c;
        }
        return;
    }
    type = strcmp(c->v[MK_ID_RAW], d->v[MK_ID_RAW]) == 0 ? MSGID_TYPE_UNSET
                                                         : msgid_type_that_matches(c->v[MK_ID_RAW],
                                                                                   d->v[MK_ID_RAW]);
    if (type == -1 && strcmp(c->v[MK_ID_RAW], d->v[MK_ID_RAW]) != 0)
        return;
    if (!same) {
        if (best->resp == NULL) {
            best->cause = CAUSE_OTHER_CONNECTOR;
            best->fix = -1;
            best->resp = c;
        }
        return;
    }
    if (type < 0)
        return;
    if (best->resp == NULL || best->cause == CAUSE_OTHER_CONNECTOR || best->cause == CAUSE_UNKNOWN) {
        best->cause = msgid_cause_of(c->v[MK_ID_RAW], d->v[MK_ID_RAW], type);
        best->fix = type;
        best->resp = c;
    }
}

static void weigh_all(const struct trace_model *m, const struct trace_rec *d, size_t di, char space,
                      const char *key, struct verdict *v)
{
    const size_t *ix;
    size_t n, i;

    ix = trace_lookup(m, space, key, &n);
    for (i = 0; i < n; i++) {
        if (m->recs[ix[i]].step == MSG_SUBMIT_RESP)
            weigh(m, d, di, &m->recs[ix[i]], ix[i], v);
    }
}

static int list_unmatched(const struct trace_model *m)
{
    char num[MSGID_NUM_LEN], folded[256];
    const struct trace_rec *d;
    struct verdict v;
    size_t i, j;
    int found = 0;

    for (i = 0; i < m->n; i++) {
        d = &m->recs[i];
        if (d->step != MSG_DLR_UNMATCHED || d->v[MK_ID_RAW] == NULL)
            continue;
        memset(&v, 0, sizeof(v));
        v.cause = CAUSE_UNKNOWN;
        v.fix = -1;
        weigh_all(m, d, i, 'i', d->v[MK_ID_RAW], &v);
        if (d->v[MK_ID] != NULL)
            weigh_all(m, d, i, 'i', d->v[MK_ID], &v);
        msgid_lookup(0x02, d->v[MK_ID_RAW], num, sizeof(num));
        weigh_all(m, d, i, 'n', num, &v);
        msgid_lookup(0x00, d->v[MK_ID_RAW], num, sizeof(num));
        weigh_all(m, d, i, 'n', num, &v);
        for (j = 0; d->v[MK_ID_RAW][j] != '\0' && j < sizeof(folded) - 1; j++)
            folded[j] = (char)((d->v[MK_ID_RAW][j] >= 'A' && d->v[MK_ID_RAW][j] <= 'Z')
                                   ? d->v[MK_ID_RAW][j] + 32
                                   : d->v[MK_ID_RAW][j]);
        folded[j] = '\0';
        weigh_all(m, d, i, 'c', folded, &v);
        printf("%s (", d->ts);
        put_value(d->connector, strlen(d->connector));
        printf(",%lu) DLR_UNMATCHED", d->instance);
        put_kv(d);
        printf(" cause=%s", msgid_cause_word(v.cause));
        if (v.fix >= 0)
            printf(" fix=\"msg-id-type = 0x%02x\"", v.fix);
        if (v.resp != NULL) {
            printf(" resp-id-raw=\"");
            put_value(v.resp->v[MK_ID_RAW], v.resp->len[MK_ID_RAW]);
            printf("\" resp-connector=\"");
            put_value(v.resp->connector, strlen(v.resp->connector));
            printf("\"");
            if (v.resp->v[MK_UUID] != NULL) {
                printf(" uuid=\"");
                put_value(v.resp->v[MK_UUID], v.resp->len[MK_UUID]);
                printf("\"");
            }
        }
        putchar('\n');
        found = 1;
    }
    return found;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "dir", required_argument, NULL, 'd' },  { "to", required_argument, NULL, 't' },
        { "since", required_argument, NULL, 's' }, { "until", required_argument, NULL, 'u' },
        { "unmatched", no_argument, NULL, 'U' },  { "help", no_argument, NULL, 'h' },
        { "db", required_argument, NULL, 'D' },   { "node", required_argument, NULL, 'N' },
        { "version", no_argument, NULL, 'V' },    { "db-stats", no_argument, NULL, 'S' },
        { NULL, 0, NULL, 0 },
    };
    const char **dirs = NULL, *to = NULL, *since = NULL, *until = NULL, *id = NULL;
    const char *db_uri = NULL, *db_node = NULL;
    size_t n_dirs = 0, i, n;
    int c, unmatched = 0, found = 0, logs = 0, r, pdu, db_stats = 0;
    struct trace_model m;
    const size_t *ix;

    while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dirs = xrealloc(dirs, (n_dirs + 1) * sizeof(*dirs));
            dirs[n_dirs++] = optarg;
            break;
        case 't': to = optarg; break;
        case 's': since = optarg; break;
        case 'u': until = optarg; break;
        case 'U': unmatched = 1; break;
        case 'D': db_uri = optarg; break;
        case 'N': db_node = optarg; break;
        case 'S': db_stats = 1; break;
        case 'h': usage(stdout); return EXIT_FOUND;
        case 'V': printf("emgdiag-trace %s\n", EMGDIAG_VERSION); return EXIT_FOUND;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        id = argv[optind++];
    if (optind < argc || (id != NULL) + (to != NULL) + unmatched != 1 ||
        (db_uri != NULL && n_dirs > 0) || (db_node != NULL && db_uri == NULL) ||
        (db_stats && db_uri == NULL)) {
        usage(stderr);
        free(dirs);
        return EXIT_USAGE;
    }
    if (db_uri != NULL) {
        /* One id: the rows found through the indexes; else every
         * message line of the database.  Then as from the files. */
        long rows;

        trace_model_init(&m);
        rows = id != NULL ? trace_db_id(&m, db_uri, db_node, id, since, until)
                          : trace_db_read(&m, db_uri, db_node, since, until);
        free(dirs);
        if (db_stats && rows >= 0)
            fprintf(stderr, "emgdiag-trace: %ld messagelog rows read\n", rows);
        if (rows < 0) {
            trace_model_free(&m);
            return EXIT_USAGE;
        }
        logs = 1; /* the loop below reads no file */
    } else if (id != NULL) {
        r = trace_one(dirs, n_dirs, id, since, until);
        if (r >= 0 || r == -2) {
            free(dirs);
            return r == -2 ? EXIT_USAGE : r ? EXIT_FOUND : EXIT_NONE;
        }
    }
    if (db_uri == NULL)
        trace_model_init(&m);
    /* Message logs; without any, the pdu logs joined by their ids. */
    for (pdu = 0; pdu <= 1 && logs == 0; pdu++) {
        if (pdu)
            fprintf(stderr, "emgdiag-trace: no message log: joining the pdu logs by message id "
                            "(docs/message-log.md#without-message-logs)\n");
        for (i = 0; i < (n_dirs ? n_dirs : 1); i++) {
            r = read_dir(&m, n_dirs ? dirs[i] : ".", pdu, since, until);
            if (r < 0) {
                trace_model_free(&m);
                free(dirs);
                return EXIT_USAGE;
            }
            logs += r;
        }
    }
    if (db_uri == NULL)
        free(dirs);
    if (logs == 0) {
        fprintf(stderr, "emgdiag-trace: no message log (message.*) nor pdu log in the directories given\n");
        trace_model_free(&m);
        return EXIT_NONE;
    }
    trace_model_finish(&m);
    if (pdu > 1)
        trace_pdu_match(&m);
    if (unmatched) {
        found = list_unmatched(&m);
    } else if (to != NULL) {
        ix = trace_lookup(&m, 't', to, &n);
        found = print_messages(&m, ix, n);
    } else {
        ix = trace_lookup(&m, 'i', id, &n);
        if (n == 0)
            ix = trace_lookup(&m, 'u', id, &n);
        found = print_messages(&m, ix, n);
    }
    trace_model_free(&m);
    return found ? EXIT_FOUND : EXIT_NONE;
}
