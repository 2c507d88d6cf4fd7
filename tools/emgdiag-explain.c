/*
 * emgdiag-explain: why a connector failed, in plain words, from its
 * connector log and pdu log.
 *
 *   emgdiag-explain [-d DIR] CONNECTOR
 *
 * For every failed connect (CONNECT ERR: errno or -h_errno), refused bind
 * (LOGIN ERR: the SMPP status) and dropped session (DISCONNECT ERR) of the
 * connector, prints the line, what it means and the usual fixes, from the
 * one table the tools share (reasons.h).  From the pdu log it adds what
 * the connector log cannot show: a generic_nack answering a bind, an
 * enquire_link written and never answered before a session ended, and
 * submit_sm answered ESME_RTHROTTLED (88).  Exit 0 when something was
 * explained, 1 when the connector had no failure, 2 on a usage error or a
 * log that cannot be read (a missing pdu log aside: pdu-log="off").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "reasons.h"
#include "xalloc.h"

#include "tool_version.h"

#define EXIT_FOUND 0
#define EXIT_NONE 1
#define EXIT_USAGE 2

/* What the pdu log says about one instance, up to a point in time. */
struct pdu_fact {
    char ts[TS_LEN + 1];
    unsigned long instance;
    enum { F_BIND_NACK, F_ENQ_SENT, F_ENQ_ANSWERED, F_THROTTLED } kind;
    unsigned long trn, status;
};

static struct pdu_fact *facts;
static size_t n_facts;

static void usage(FILE *out)
{
    fputs("usage: emgdiag-explain [-d DIR] CONNECTOR\n"
          "\n"
          "For every failed connect, refused bind and dropped session of CONNECTOR\n"
          "(DIR/connector.CONNECTOR, and DIR/pdu.CONNECTOR when there is one), the\n"
          "cause in plain words and the usual fixes.\n"
          "Exit: 0 failures explained, 1 none found, 2 usage or read error.\n",
          out);
}

static void add_fact(const struct line *l, int kind, unsigned long trn, unsigned long status)
{
    facts = xrealloc(facts, (n_facts + 1) * sizeof(*facts));
    memcpy(facts[n_facts].ts, l->ts, sizeof(facts[n_facts].ts));
    facts[n_facts].instance = l->instance;
    facts[n_facts].kind = kind;
    facts[n_facts].trn = trn;
    facts[n_facts].status = status;
    n_facts++;
}

/* The decimal after `key` in s, or -1. */
static long field(const char *s, const char *key)
{
    const char *p = strstr(s, key);

    return p != NULL ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* Reads the pdu log's facts; -1 when it cannot be read (missing: 0). */
static int read_pdu_log(const char *path)
{
    struct logfile lf;
    struct line l;
    unsigned long bind_pending[64] = { 0 };

    memset(&lf, 0, sizeof(lf));
    lf.prog = "emgdiag-explain";
    lf.path = path;
    lf.what = "pdu log";
    if (logfile_open(&lf) != 0)
        return errno == ENOENT ? 0 : -1;
    while (logfile_next(&lf, &l, parse_pdu_line, 0)) {
        const char *r = l.text + l.rest;
        long trn = field(r, " trn:"), status = field(r, " status:");
        unsigned long slot = l.instance % 64;

        if (strncmp(r, "Write ", 6) == 0 && strstr(r, "(BIND_") != NULL && strstr(r, "_RESP)") == NULL)
            bind_pending[slot] = 1;
        else if (strncmp(r, "Read ", 5) == 0 && strstr(r, "(BIND_") != NULL)
            bind_pending[slot] = 0;
        else if (strncmp(r, "Read ", 5) == 0 && strstr(r, "(GENERIC_NACK)") != NULL && bind_pending[slot]) {
            add_fact(&l, F_BIND_NACK, (unsigned long)trn, (unsigned long)status);
            bind_pending[slot] = 0;
        } else if (strncmp(r, "Write ", 6) == 0 && strstr(r, "(ENQUIRE_LINK)") != NULL)
            add_fact(&l, F_ENQ_SENT, (unsigned long)trn, 0);
        else if (strncmp(r, "Read ", 5) == 0 && strstr(r, "(ENQUIRE_LINK_RESP)") != NULL)
            add_fact(&l, F_ENQ_ANSWERED, (unsigned long)trn, 0);
        else if (strncmp(r, "Read ", 5) == 0 && strstr(r, "(SUBMIT_SM_RESP)") != NULL && status == 88)
            add_fact(&l, F_THROTTLED, (unsigned long)trn, 88);
        free(l.text);
    }
    logfile_summary(&lf);
    logfile_close(&lf);
    return 0;
}

static void print_reason(const struct reason *r, const char *what)
{
    if (r == NULL) {
        printf("  %s: not in the table; see docs/troubleshooting.md\n", what);
        return;
    }
    printf("  %s: %s\n", r->name, r->meaning);
    if (r->fixes[0] != '\0')
        printf("  usual fixes: %s\n", r->fixes);
}

/* The pdu log's facts of `instance` between `from` and `to` (exclusive). */
static void print_facts(unsigned long instance, const char *from, const char *to)
{
    size_t i, j, throttled = 0;
    const char *first = NULL, *last = NULL;

    for (i = 0; i < n_facts; i++) {
        const struct pdu_fact *f = &facts[i];

        if (f->instance != instance || strcmp(f->ts, from) < 0 || strcmp(f->ts, to) > 0)
            continue;
        if (f->kind == F_BIND_NACK) {
            printf("  the bind was answered with generic_nack (status %lu) at %s: the peer does not\n"
                   "  take this bind; check the SMPP version (interface-version) and the bind type\n",
                   f->status, f->ts);
        } else if (f->kind == F_ENQ_SENT) {
            for (j = i + 1; j < n_facts; j++) {
                if (facts[j].instance == instance && facts[j].kind == F_ENQ_ANSWERED &&
                    facts[j].trn == f->trn && strcmp(facts[j].ts, to) <= 0)
                    break;
            }
            if (j == n_facts)
                printf("  enquire_link trn %lu written at %s was never answered: the peer or the\n"
                       "  path to it stopped responding; compare enquire-link-interval with the\n"
                       "  peer's idle timeout\n",
                       f->trn, f->ts);
        } else if (f->kind == F_THROTTLED) {
            throttled++;
            if (first == NULL)
                first = f->ts;
            last = f->ts;
        }
    }
    if (throttled > 0) {
        printf("  %zu submit_sm answered 88 between %s and %s:\n", throttled, first, last);
        print_reason(reason_status(88), "status 88");
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = ".", *name;
    char con_path[4096], pdu_path[4096], prev_ts[TS_LEN + 1] = "";
    struct logfile lf;
    struct line l;
    int c, found = 0;

    while ((c = getopt_long(argc, argv, "d:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'h': usage(stdout); return EXIT_FOUND;
        case 'V': printf("emgdiag-explain %s\n", EMGDIAG_VERSION); return EXIT_FOUND;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    name = argv[optind];
    snprintf(con_path, sizeof(con_path), "%s/connector.%s", dir, name);
    snprintf(pdu_path, sizeof(pdu_path), "%s/pdu.%s", dir, name);
    if (read_pdu_log(pdu_path) != 0) {
        fprintf(stderr, "emgdiag-explain: %s: %s\n", pdu_path, strerror(errno));
        return EXIT_USAGE;
    }
    memset(&lf, 0, sizeof(lf));
    lf.prog = "emgdiag-explain";
    lf.path = con_path;
    lf.what = "connector log";
    if (logfile_open(&lf) != 0) {
        fprintf(stderr, "emgdiag-explain: %s: %s\n", con_path, strerror(errno));
        free(facts);
        return EXIT_USAGE;
    }
    while (logfile_next(&lf, &l, parse_connector_line, 0)) {
        const char *r = l.text + l.rest;

        if (l.err) {
            printf("%s\n", l.text);
            print_reason(reason_of_connector_line(r), "the info value");
            print_facts(l.instance, prev_ts, l.ts);
            found = 1;
        }
        if (strncmp(r, "CONNECT ", 8) == 0)
            memcpy(prev_ts, l.ts, sizeof(prev_ts));
        free(l.text);
    }
    logfile_summary(&lf);
    if (lf.read_error != 0) {
        logfile_close(&lf);
        free(facts);
        return EXIT_USAGE;
    }
    logfile_close(&lf);
    free(facts);
    return found ? EXIT_FOUND : EXIT_NONE;
}
