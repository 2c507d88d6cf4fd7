/*
 * emgdiag-follow: one session of one connector, across its connector log and
 * its pdu log, in time order.
 *
 *   emgdiag-follow [--dir DIR] CONNECTOR            list every session
 *   emgdiag-follow [--dir DIR] --list CONNECTOR N   list the sessions of instance N
 *   emgdiag-follow [--dir DIR] CONNECTOR N          print the last session of N
 *   emgdiag-follow ... --session K CONNECTOR N      the K-th (1 first, -1 last)
 *   emgdiag-follow ... --all CONNECTOR N            every session of N
 *   emgdiag-follow ... --follow CONNECTOR N         the last one, then new lines
 *   emgdiag-follow --db URI [--node NODE] ...       the same from the database
 *
 * A session of instance N starts at a CONNECT line of N in the connector log
 * and ends at the next DISCONNECT line of N, at a CONNECT ERR (a connect that
 * failed is a session of one line), or at the next CONNECT of N when the
 * DISCONNECT is missing.  Lines of N that come before any CONNECT of N (a log
 * that starts in the middle of a session) form a session of their own.  A
 * pdu-log line belongs to the session of its instance whose time span holds
 * its timestamp (the model: follow_model.c).  Lines are printed as they are
 * in the files, with terminal control octets as \xHH (print_escaped.h).
 *
 * Input is not trusted: a line that is not in the format of its log, or
 * longer than --max-line-length, is reported on stderr with its file and
 * line number and skipped; the exit status is then 1.  Exit 2: usage
 * error, or a log that cannot be opened or read (a missing pdu log aside:
 * a connector with pdu-log="off" has none).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "follow_db.h"
#include "follow_model.h"
#include "logline.h"
#include "reasons.h"

#include "tool_version.h"

#define EXIT_OK 0
#define EXIT_PROBLEMS 1
#define EXIT_USAGE 2
#define EXIT_UNREADABLE 2 /* a log cannot be opened or read */

#define FOLLOW_POLL_US 200000

static int problems;
static int explain; /* --explain */

/* A connector line, and with --explain the meaning of its ERR value and
 * the usual fixes (reasons.h, the table emgdiag-explain prints). */
static void print_connector_line(const struct line *c)
{
    const struct reason *r;

    print_line(stdout, c);
    if (explain && c->err && (r = reason_of_connector_line(c->text + c->rest)) != NULL)
        printf("    # %s: %s%s%s\n", r->name, r->meaning, r->fixes[0] ? "; usual fixes: " : "", r->fixes);
}
static volatile sig_atomic_t stop_following;

static void usage(FILE *out)
{
    fputs("usage: emgdiag-follow [options] CONNECTOR [INSTANCE]\n"
          "\n"
          "Prints one session of an EMG-style connector: its connector-log lines and\n"
          "its pdu-log lines, merged in time order.  Without INSTANCE, lists every\n"
          "session of the connector, one line each.\n"
          "\n"
          "  -d, --dir DIR             log directory (default: .); the files read are\n"
          "                            DIR/connector.CONNECTOR and DIR/pdu.CONNECTOR\n"
          "      --connector-log FILE  read this connector log instead\n"
          "      --pdu-log FILE        read this pdu log instead\n"
          "  -l, --list                list the sessions of INSTANCE instead of printing one\n"
          "  -s, --session K           print the K-th session of INSTANCE: 1 is the first,\n"
          "                            -1 (the default) the last, -2 the one before\n"
          "  -a, --all                 print every session of INSTANCE\n"
          "      --explain             under each CONNECT, LOGIN or DISCONNECT ERR line, what\n"
          "                            its value means and the usual fixes\n"
          "  -f, --follow              print the last session, then every new line of\n"
          "                            INSTANCE as the files grow, until interrupted\n"
          "      --db URI              read the connector's lines from the database the\n"
          "                            module writes (sqlite:PATH, postgresql://...,\n"
          "                            mysql://...)\n"
          "                            instead of files\n"
          "      --node NODE           with --db: the gateway (default: the only one\n"
          "                            that has CONNECTOR)\n"
          "      --max-line-length N   skip (and report) lines longer than N octets\n"
          "                            (default 1048576)\n"
          "  -h, --help                this text\n"
          "  -V, --version             the version\n"
          "Exit status: 0 done; 1 lines that are not in the log's format (or too long)\n"
          "were skipped, or no such session; 2 usage error, or a log cannot be opened or\n"
          "read.\n",
          out);
}

/* ---- output ------------------------------------------------------------- */

/* Prints the chosen sessions (marked), merging the pdu lines read from pdu
 * with their connector lines: a connector line goes before the first pdu
 * line with a later timestamp (a CONNECT line before one with the same
 * timestamp too), so each file keeps its own order. */
static void print_sessions(struct model *m, struct logfile *pdu, const unsigned char *chosen,
                           int following)
{
    size_t si, ci;
    struct line l;

    /* the connector lines of the chosen sessions, in file order */
    size_t *order = NULL, norder = 0, next = 0;

    for (si = 0; si < m->nsessions; si++) {
        if (!chosen[si])
            continue;
        order = xrealloc(order, (norder + m->sessions[si].nidx + 1) * sizeof *order);
        for (ci = 0; ci < m->sessions[si].nidx; ci++)
            order[norder++] = m->sessions[si].idx[ci];
    }
    if (logfile_is_open(pdu)) {
        /* no copy of the lines read: most belong to other sessions */
        while (logfile_next_view(pdu, &l, parse_pdu_line, following)) {
            struct session *s = session_for(m, l.instance, l.ts);

            if (s != NULL && chosen[s - m->sessions]) {
                while (next < norder) {
                    const struct line *c = &m->lines[order[next]];
                    int cmp = strcmp(c->ts, l.ts);

                    if (cmp > 0 || (cmp == 0 && c->ev != EV_CONNECT))
                        break;
                    print_connector_line(c);
                    next++;
                }
                print_line(stdout, &l);
            }
        }
    }
    for (; next < norder; next++)
        print_connector_line(&m->lines[order[next]]);
    free(order);
}

static void count_pdus(struct model *m, struct logfile *pdu, unsigned long *outside)
{
    struct line l;

    *outside = 0;
    if (!logfile_is_open(pdu))
        return;
    while (logfile_next_view(pdu, &l, parse_pdu_line, 0)) {
        struct session *s = session_for(m, l.instance, l.ts);

        if (s != NULL)
            s->pdus++;
        else
            (*outside)++;
    }
}

/* ---- following ------------------------------------------------------------ */

static void on_signal(int sig)
{
    (void)sig;
    stop_following = 1;
}

/* Reopens lf when its name now names another file (a rotation), or the
 * file shrank.  A renamed file is read to its end first, one round later:
 * a rotation renames a file only after its last line (its writer never
 * writes to it again), so no line is lost between the two files, and a
 * session that spans the rotation is followed as one. */
static void logfile_check_rotation(struct logfile *lf, int *renamed)
{
    const char *name = lf->given != NULL ? lf->given : lf->path;
    struct stat st;

    if (stat(name, &st) != 0)
        return; /* removed: keep reading what is open until it comes back */
    if (logfile_is_open(lf) && st.st_ino == lf->ino && st.st_dev == lf->dev &&
        (!logfile_on_current(lf) || st.st_size >= lseek(lf->fd, 0, SEEK_CUR))) {
        *renamed = 0;
        return;
    }
    if (logfile_is_open(lf) && st.st_ino != lf->ino && !*renamed) {
        *renamed = 1; /* drain the old file in the next round */
        return;
    }
    *renamed = 0;
    logfile_close(lf);
    logfile_open_current(lf); /* the new file from its start; until it can be opened, none */
}

/* Prints the new lines of `instance` from both files until a signal or a
 * read error (reported; lf->read_error set); new lines from one round are
 * merged by timestamp. */
static void follow(struct logfile *con, struct logfile *pdu, unsigned long instance)
{
    struct sigaction sa;
    struct line c, p;
    int have_c = 0, have_p = 0, renamed_c = 0, renamed_p = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fflush(stdout);
    while (!stop_following) {
        int printed = 0;

        for (;;) {
            if (!have_c && logfile_is_open(con))
                while ((have_c = logfile_next(con, &c, parse_connector_line, 1)) &&
                       c.instance != instance)
                    free(c.text);
            if (!have_p && logfile_is_open(pdu))
                while ((have_p = logfile_next(pdu, &p, parse_pdu_line, 1)) &&
                       p.instance != instance)
                    free(p.text);
            if (!have_c && !have_p)
                break;
            if (have_c && (!have_p || strcmp(c.ts, p.ts) <= 0)) {
                print_connector_line(&c);
                free(c.text);
                have_c = 0;
            } else {
                print_line(stdout, &p);
                free(p.text);
                have_p = 0;
            }
            printed = 1;
        }
        if (printed)
            fflush(stdout);
        if (con->read_error != 0 || pdu->read_error != 0)
            break;
        usleep(FOLLOW_POLL_US);
        logfile_check_rotation(con, &renamed_c);
        logfile_check_rotation(pdu, &renamed_p);
    }
}

/* ---- the database (--db) ------------------------------------------------------ */

/* The pdu lines from the database: all of them (m NULL), or those of the
 * time span of the chosen sessions (follow_db.h); pdu then reads them. */
static int db_pdu_open(struct logfile *pdu, const struct model *m, const unsigned char *chosen,
                       char *path)
{
    if (follow_db_pdu(m, chosen, path) != 0)
        return -1;
    if (logfile_open(pdu) != 0) {
        fprintf(stderr, "emgdiag-follow: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- main ----------------------------------------------------------------- */

static char *join_path(const char *dir, const char *prefix, const char *name)
{
    size_t n = strlen(dir) + strlen(prefix) + strlen(name) + 2;
    char *p = xrealloc(NULL, n);

    snprintf(p, n, "%s/%s%s", dir, prefix, name);
    return p;
}

/* A connector name as the module writes it in file names. */
static int valid_connector_name(const char *s)
{
    if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (; *s != '\0'; s++)
        if (*s == '/')
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "connector-log", required_argument, NULL, 'C' },
        { "pdu-log", required_argument, NULL, 'P' },
        { "list", no_argument, NULL, 'l' },
        { "session", required_argument, NULL, 's' },
        { "all", no_argument, NULL, 'a' },
        { "explain", no_argument, NULL, 'E' },
        { "follow", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "max-line-length", required_argument, NULL, 'M' },
        { "db", required_argument, NULL, 'D' },
        { "node", required_argument, NULL, 'N' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = ".", *con_path = NULL, *pdu_path = NULL, *name, *db_uri = NULL, *node = NULL;
    char db_con[64], db_pdu[64];
    char *con_alloc = NULL, *pdu_alloc = NULL, *end;
    int opt, list = 0, all = 0, following = 0, have_k = 0, have_instance = 0, unreadable = 0;
    size_t max_len = LINEREADER_DEFAULT_MAX;
    long k = -1;
    unsigned long instance = 0, outside;
    struct logfile con, pdu;
    struct model m;
    struct line l;
    unsigned char *chosen = NULL;
    size_t i, nof = 0, pick;

    while ((opt = getopt_long(argc, argv, "d:ls:afhV", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'C': con_path = optarg; break;
        case 'D': db_uri = optarg; break;
        case 'N': node = optarg; break;
        case 'P': pdu_path = optarg; break;
        case 'l': list = 1; break;
        case 's':
            errno = 0;
            k = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || end == optarg || k == 0) {
                fprintf(stderr, "emgdiag-follow: --session wants a non-zero number, not \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            have_k = 1;
            break;
        case 'a': all = 1; break;
        case 'E': explain = 1; break;
        case 'f': following = 1; break;
        case 'M':
            if (linereader_parse_max(optarg, &max_len) != 0) {
                fprintf(stderr,
                        "emgdiag-follow: --max-line-length wants a number of octets, "
                        "not \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("emgdiag-follow %s\n", EMGDIAG_VERSION); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc || argc - optind > 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    name = argv[optind];
    if (!valid_connector_name(name)) {
        fprintf(stderr, "emgdiag-follow: \"%s\" is not a connector name\n", name);
        return EXIT_USAGE;
    }
    if (argc - optind == 2) {
        const char *a = argv[optind + 1];

        if (parse_ulong(&a, a + strlen(a), &instance) != 0 || *a != '\0') {
            fprintf(stderr, "emgdiag-follow: the instance is a number, not \"%s\"\n",
                    argv[optind + 1]);
            return EXIT_USAGE;
        }
        have_instance = 1;
    }
    if (!have_instance && (all || following || have_k)) {
        fprintf(stderr, "emgdiag-follow: --all, --session and --follow need an INSTANCE\n");
        return EXIT_USAGE;
    }
    if ((all && have_k) || (following && (all || have_k || list)) || (list && (all || have_k))) {
        fprintf(stderr, "emgdiag-follow: choose one of --list, --all, --session, --follow\n");
        return EXIT_USAGE;
    }
    if (!have_instance)
        list = 1;

    if (node != NULL && db_uri == NULL) {
        fprintf(stderr, "emgdiag-follow: --node goes with --db\n");
        return EXIT_USAGE;
    }
    if (db_uri != NULL) {
        if (following || con_path != NULL || pdu_path != NULL) {
            fprintf(stderr, "emgdiag-follow: --db reads neither files nor new lines: not with "
                            "--follow, --connector-log or --pdu-log\n");
            return EXIT_USAGE;
        }
        /* --list counts the pdu lines outside any session: it needs them all;
         * one session (not --all) needs only the lines from one end of the
         * log; the pdu lines come once the sessions are chosen (db_pdu_open) */
        if (follow_db_connector(db_uri, node, name, have_instance && !list, instance,
                                all ? 0 : k, db_con) != 0)
            return EXIT_UNREADABLE;
        con_path = db_con;
        pdu_path = db_pdu;
        snprintf(db_pdu, sizeof(db_pdu), "(the database's pdulog)");
    }
    if (con_path == NULL)
        con_path = con_alloc = join_path(dir, "connector.", name);
    if (pdu_path == NULL)
        pdu_path = pdu_alloc = join_path(dir, "pdu.", name);
    memset(&con, 0, sizeof con);
    memset(&pdu, 0, sizeof pdu);
    con.prog = pdu.prog = "emgdiag-follow";
    con.path = con_path;
    con.what = "connector log";
    pdu.path = pdu_path;
    pdu.what = "pdu log";
    con.max_len = pdu.max_len = max_len;
    if (logfile_open(&con) != 0) {
        int e = errno;

        fprintf(stderr, "emgdiag-follow: %s: %s\n", con.path, strerror(e));
        /* --follow waits for a connector log that does not exist yet */
        if (e != ENOENT || !following)
            unreadable = 1;
    }
    if (db_uri == NULL && logfile_open(&pdu) != 0) {
        int e = errno;

        fprintf(stderr, "emgdiag-follow: %s: %s\n", pdu.path, strerror(e));
        /* a connector with pdu-log="off" has none: not a problem by itself */
        if (e != ENOENT)
            unreadable = 1;
    }
    if (unreadable || (!logfile_is_open(&con) && !logfile_is_open(&pdu))) {
        if (!unreadable && !logfile_is_open(&con) && logfile_is_open(&pdu))
            fprintf(stderr, "emgdiag-follow: sessions come from the connector log; without it "
                            "only --follow can be used\n");
        logfile_close(&con);
        logfile_close(&pdu);
        free(con_alloc);
        free(pdu_alloc);
        return EXIT_UNREADABLE;
    }

    memset(&m, 0, sizeof m);
    if (logfile_is_open(&con)) {
        while (logfile_next(&con, &l, parse_connector_line, following))
            model_add_line(&m, &l);
    }
    if (con.read_error != 0)
        goto done;

    chosen = xrealloc(NULL, m.nsessions + 1);
    memset(chosen, 0, m.nsessions + 1);
    for (i = 0; i < m.nsessions; i++)
        if (!have_instance || m.sessions[i].instance == instance)
            nof++;

    if (list) {
        if (db_uri != NULL && db_pdu_open(&pdu, NULL, NULL, db_pdu) != 0) {
            unreadable = 1;
            goto done;
        }
        count_pdus(&m, &pdu, &outside);
        if (pdu.read_error != 0)
            goto done;
        for (i = 0; i < m.nsessions; i++) {
            if (!have_instance || m.sessions[i].instance == instance)
                list_session(stdout, &m, &m.sessions[i]);
        }
        if (outside > 0)
            printf("%lu pdu line%s outside any session (no connector-log line of %s instance "
                   "covers %s)\n",
                   outside, outside == 1 ? "" : "s", outside == 1 ? "its" : "their",
                   outside == 1 ? "it" : "them");
        if (nof == 0) {
            fprintf(stderr, "emgdiag-follow: %s has no session%s\n", con_path,
                    have_instance ? " of that instance" : "");
            problems = 1;
        }
    } else {
        if (nof == 0 && !following) {
            fprintf(stderr, "emgdiag-follow: %s has no session of instance %lu\n", con_path,
                    instance);
            problems = 1;
        } else if (nof > 0) {
            long want = following ? -1 : k;

            if (!all && (want > (long)nof || -want > (long)nof)) {
                fprintf(stderr, "emgdiag-follow: instance %lu has %zu session%s in %s\n", instance,
                        nof, nof == 1 ? "" : "s", con_path);
                problems = 1;
            } else {
                pick = want > 0 ? (size_t)want : nof + 1 - (size_t)(-want);
                for (i = 0, nof = 0; i < m.nsessions; i++) {
                    if (m.sessions[i].instance != instance)
                        continue;
                    nof++;
                    chosen[i] = all || nof == pick;
                }
                if (db_uri != NULL && db_pdu_open(&pdu, &m, chosen, db_pdu) != 0) {
                    unreadable = 1;
                    goto done;
                }
                print_sessions(&m, &pdu, chosen, following);
            }
        }
        if (following && pdu.read_error == 0) {
            if (logfile_is_open(&pdu))
                while (logfile_next_view(&pdu, &l, parse_pdu_line, 1))
                    ; /* past what print_sessions read */
            follow(&con, &pdu, instance);
        }
    }
done:
    logfile_summary(&con);
    logfile_summary(&pdu);
    if (con.bad > 0 || pdu.bad > 0)
        problems = 1;
    if (con.read_error != 0 || pdu.read_error != 0)
        unreadable = 1;

    model_free(&m);
    free(chosen);
    logfile_close(&con);
    logfile_close(&pdu);
    free(con_alloc);
    free(pdu_alloc);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "emgdiag-follow: standard output: %s\n", strerror(errno));
        return EXIT_UNREADABLE;
    }
    return unreadable ? EXIT_UNREADABLE : problems ? EXIT_PROBLEMS : EXIT_OK;
}
