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
 * as only in FIRST or only in SECOND.  The last line sums up.
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

#include "logline.h"

#ifndef EMGDIAG_VERSION
#define EMGDIAG_VERSION "0.1"
#endif

#define EXIT_SAME 0
#define EXIT_DIFFER 1
#define EXIT_USAGE 2
#define PROG "emgdiag-compare"

enum kind { KIND_UNKNOWN, KIND_PDU, KIND_CONNECTOR };

struct options {
    enum kind kind;
    int ignore_instance;
    int quiet;
    char **ignored;           /* KEYs left out of pdu lines */
    size_t nignored;
};

/* A line of SECOND, kept until it is paired. */
struct entry {
    struct line l;
    char *key;
    char *cmp;                /* what is compared: the line without ts, name, ignored fields */
    size_t next;              /* the next entry with the same key, or SIZE_MAX */
    int paired;
};

/* Open-addressing table: key -> first unpaired entry with it. */
struct bucket {
    char *key;                /* NULL: free slot */
    size_t head, tail;
};

struct table {
    struct entry *e;
    size_t n, cap;
    struct bucket *b;
    size_t nb, capb;
};

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
          "  -h, --help                 this text\n"
          "  -V, --version              the version\n"
          "Exit status: 0 the logs agree; 1 they differ, or lines not in the format were\n"
          "skipped; 2 usage error or a file cannot be read.\n",
          out);
}

/* ---- fields of a pdu line ------------------------------------------------ */

/* A field starts at a KEY of [A-Z][A-Za-z0-9]* followed by ':' after a
 * space.  Values may hold spaces, so a value holding " WORD:" is cut there
 * too; both logs are cut the same way, so a pair still compares right. */
static int field_starts(const char *s, size_t i, size_t n)
{
    size_t j = i;

    if (i == 0 || s[i - 1] != ' ' || !(s[i] >= 'A' && s[i] <= 'Z'))
        return 0;
    while (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') ||
                     (s[j] >= '0' && s[j] <= '9')))
        j++;
    return j < n && s[j] == ':';
}

struct field {
    const char *p;            /* "KEY:value" */
    size_t len, keylen;
};

/* The fields of body (what follows "(name,N) "), in order; *n set.  The
 * caller frees the array. */
static struct field *split_fields(const char *s, size_t n, size_t *count)
{
    struct field *f = NULL;
    size_t nf = 0, i, start = SIZE_MAX;

    for (i = 0; i <= n; i++) {
        if (i < n && !field_starts(s, i, n))
            continue;
        if (start != SIZE_MAX) {
            size_t end = i < n ? i - 1 : n;   /* drop the separating space */

            f = xrealloc(f, (nf + 1) * sizeof *f);
            f[nf].p = s + start;
            f[nf].len = end - start;
            f[nf].keylen = (size_t)((const char *)memchr(s + start, ':', end - start) - (s + start));
            nf++;
        }
        start = i;
    }
    *count = nf;
    return f;
}

static int ignored_key(const struct options *o, const char *k, size_t n)
{
    size_t i;

    for (i = 0; i < o->nignored; i++)
        if (strlen(o->ignored[i]) == n && memcmp(o->ignored[i], k, n) == 0)
            return 1;
    return 0;
}

/* ---- keys ------------------------------------------------------------------ */

static size_t word_len(const char *p, const char *end)
{
    const char *q = memchr(p, ' ', (size_t)(end - p));

    return q != NULL ? (size_t)(q - p) : (size_t)(end - p);
}

/* "<instance>|<first words>": for a pdu line Read/Write, op and trn; for a
 * connector line the event.  A pdu line without op or trn is keyed by its
 * whole text after the name. */
static char *line_key(const struct options *o, const struct line *l)
{
    const char *body = l->text + l->rest, *end = l->text + l->len, *p;
    char inst[32], *k;
    size_t n;

    snprintf(inst, sizeof inst, "%lu|", o->ignore_instance ? 0ul : l->instance);
    if (o->kind == KIND_CONNECTOR) {
        n = word_len(body, end);
    } else {
        /* "Write op:0x00000004 (SUBMIT_SM) status:0 trn:5" -> "Write op:0x00000004 trn:5" */
        const char *op = NULL, *trn = NULL;
        size_t oplen = 0, trnlen = 0, dirlen;

        dirlen = word_len(body, end);
        for (p = body; p + 4 <= end; p++) {
            if (op == NULL && memcmp(p, " op:", 4) == 0) {
                op = p + 1;
                oplen = word_len(op, end);
            } else if (trn == NULL && p + 5 <= end && memcmp(p, " trn:", 5) == 0) {
                trn = p + 1;
                trnlen = word_len(trn, end);
                break;
            }
        }
        if (op == NULL || trn == NULL) {
            n = (size_t)(end - body);
        } else {
            k = xmalloc(strlen(inst) + dirlen + oplen + trnlen + 3);
            sprintf(k, "%s%.*s %.*s %.*s", inst, (int)dirlen, body, (int)oplen, op, (int)trnlen,
                    trn);
            return k;
        }
    }
    k = xmalloc(strlen(inst) + n + 1);
    memcpy(k, inst, strlen(inst));
    memcpy(k + strlen(inst), body, n);
    k[strlen(inst) + n] = '\0';
    return k;
}

/* What is compared: the body, with the ignored fields left out. */
static char *line_cmp(const struct options *o, const struct line *l)
{
    const char *body = l->text + l->rest;
    size_t n = l->len - l->rest, nf, i, len = 0;
    struct field *f;
    char *out;

    if (o->kind != KIND_PDU || o->nignored == 0)
        return xstrndup(body, n);
    f = split_fields(body, n, &nf);
    out = xmalloc(n + 1);
    /* the header before the first field: "Write op:… (NAME) status:… trn:…
     * datalen:…" (its lower-case names are not fields) */
    if (nf == 0 || f[0].p > body) {
        size_t head = nf == 0 ? n : (size_t)(f[0].p - body) - 1;

        memcpy(out, body, head);
        len = head;
    }
    for (i = 0; i < nf; i++) {
        if (ignored_key(o, f[i].p, f[i].keylen))
            continue;
        if (len > 0)
            out[len++] = ' ';
        memcpy(out + len, f[i].p, f[i].len);
        len += f[i].len;
    }
    out[len] = '\0';
    free(f);
    return out;
}

/* ---- the table of SECOND's lines ------------------------------------------ */

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct bucket *bucket_for(struct table *t, const char *key, int create)
{
    size_t i;

    if (create && 2 * (t->nb + 1) > t->capb) {
        struct bucket *old = t->b;
        size_t oldcap = t->capb;

        t->capb = t->capb ? t->capb * 2 : 1024;
        t->b = xmalloc(t->capb * sizeof *t->b);
        memset(t->b, 0, t->capb * sizeof *t->b);
        for (i = 0; i < oldcap; i++) {
            if (old[i].key != NULL) {
                size_t j = (size_t)hash(old[i].key) & (t->capb - 1);

                while (t->b[j].key != NULL)
                    j = (j + 1) & (t->capb - 1);
                t->b[j] = old[i];
            }
        }
        free(old);
    }
    if (t->capb == 0)
        return NULL;
    for (i = (size_t)hash(key) & (t->capb - 1); t->b[i].key != NULL; i = (i + 1) & (t->capb - 1))
        if (strcmp(t->b[i].key, key) == 0)
            return &t->b[i];
    if (!create)
        return NULL;
    t->b[i].key = xstrndup(key, strlen(key));
    t->b[i].head = t->b[i].tail = SIZE_MAX;
    t->nb++;
    return &t->b[i];
}

static void table_add(struct table *t, const struct options *o, const struct line *l)
{
    struct entry *e;
    struct bucket *b;

    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->e = xrealloc(t->e, t->cap * sizeof *t->e);
    }
    e = &t->e[t->n];
    e->l = *l;
    e->key = line_key(o, l);
    e->cmp = line_cmp(o, l);
    e->next = SIZE_MAX;
    e->paired = 0;
    b = bucket_for(t, e->key, 1);
    if (b->tail == SIZE_MAX)
        b->head = t->n;
    else
        t->e[b->tail].next = t->n;
    b->tail = t->n;
    t->n++;
}

static void table_free(struct table *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        free(t->e[i].l.text);
        free(t->e[i].key);
        free(t->e[i].cmp);
    }
    for (i = 0; i < t->capb; i++)
        free(t->b[i].key);
    free(t->e);
    free(t->b);
}

/* The first unpaired entry with key, taken off its bucket; NULL when none. */
static struct entry *table_take(struct table *t, const char *key)
{
    struct bucket *b = bucket_for(t, key, 0);
    struct entry *e;

    if (b == NULL || b->head == SIZE_MAX)
        return NULL;
    e = &t->e[b->head];
    b->head = e->next;
    if (b->head == SIZE_MAX)
        b->tail = SIZE_MAX;
    e->paired = 1;
    return e;
}

/* ---- output ----------------------------------------------------------------- */

static void print_text(const char *prefix, const struct line *l)
{
    fputs(prefix, stdout);
    fwrite(l->text, 1, l->len, stdout);
    putchar('\n');
}

/* The fields of a differing pdu pair, side by side: "    KEY: a | b". */
static void print_field_diff(const struct options *o, const struct line *a, const struct line *b)
{
    size_t na, nb, i, j;
    struct field *fa = split_fields(a->text + a->rest, a->len - a->rest, &na);
    struct field *fb = split_fields(b->text + b->rest, b->len - b->rest, &nb);
    unsigned char *used = xmalloc(nb + 1);
    /* the headers, without the space before the first field */
    size_t ha = na > 0 ? (size_t)(fa[0].p - (a->text + a->rest)) - 1 : a->len - a->rest;
    size_t hb = nb > 0 ? (size_t)(fb[0].p - (b->text + b->rest)) - 1 : b->len - b->rest;

    memset(used, 0, nb + 1);
    if (ha != hb || memcmp(a->text + a->rest, b->text + b->rest, ha) != 0)
        printf("    header: %.*s | %.*s\n", (int)ha, a->text + a->rest, (int)hb, b->text + b->rest);
    for (i = 0; i < na; i++) {
        if (ignored_key(o, fa[i].p, fa[i].keylen))
            continue;
        for (j = 0; j < nb; j++) {
            if (!used[j] && fb[j].keylen == fa[i].keylen &&
                memcmp(fb[j].p, fa[i].p, fa[i].keylen) == 0)
                break;
        }
        if (j < nb) {
            used[j] = 1;
            if (fa[i].len == fb[j].len && memcmp(fa[i].p, fb[j].p, fa[i].len) == 0)
                continue;
            printf("    %.*s: %.*s | %.*s\n", (int)fa[i].keylen, fa[i].p,
                   (int)(fa[i].len - fa[i].keylen - 1), fa[i].p + fa[i].keylen + 1,
                   (int)(fb[j].len - fb[j].keylen - 1), fb[j].p + fb[j].keylen + 1);
        } else {
            printf("    %.*s: %.*s | (none)\n", (int)fa[i].keylen, fa[i].p,
                   (int)(fa[i].len - fa[i].keylen - 1), fa[i].p + fa[i].keylen + 1);
        }
    }
    for (j = 0; j < nb; j++) {
        if (used[j] || ignored_key(o, fb[j].p, fb[j].keylen))
            continue;
        printf("    %.*s: (none) | %.*s\n", (int)fb[j].keylen, fb[j].p,
               (int)(fb[j].len - fb[j].keylen - 1), fb[j].p + fb[j].keylen + 1);
    }
    free(used);
    free(fa);
    free(fb);
}

/* ---- main -------------------------------------------------------------------- */

static int open_log(struct logfile *lf, const char *path)
{
    memset(lf, 0, sizeof *lf);
    lf->prog = PROG;
    lf->path = path;
    if (logfile_open(lf) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Decides the kind from FIRST's first line that parses as either, then
 * rewinds. */
static enum kind guess_kind(struct logfile *lf)
{
    struct line l;
    enum kind k = KIND_UNKNOWN;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    while (k == KIND_UNKNOWN && (n = getline(&line, &cap, lf->f)) > 0) {
        l.text = line;
        l.len = (size_t)n;
        while (l.len > 0 && (line[l.len - 1] == '\n' || line[l.len - 1] == '\r'))
            l.len--;
        if (parse_connector_line(&l) == 0)
            k = KIND_CONNECTOR;
        else if (parse_pdu_line(&l) == 0)
            k = KIND_PDU;
    }
    free(line);
    rewind(lf->f);
    return k;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"type", required_argument, NULL, 't'},
        {"ignore-instance", no_argument, NULL, 'i'},
        {"ignore-field", required_argument, NULL, 'x'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct options o;
    struct logfile fa, fb;
    struct table t;
    struct line l;
    int opt, (*parse)(struct line *);
    unsigned long paired = 0, differ = 0, only_a = 0, only_b = 0;
    size_t i;

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
        case 'i':
            o.ignore_instance = 1;
            break;
        case 'x':
            o.ignored = xrealloc(o.ignored, (o.nignored + 1) * sizeof *o.ignored);
            o.ignored[o.nignored++] = optarg;
            break;
        case 'q':
            o.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SAME;
        case 'V':
            printf(PROG " %s\n", EMGDIAG_VERSION);
            return EXIT_SAME;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (open_log(&fa, argv[optind]) != 0)
        return EXIT_USAGE;
    if (open_log(&fb, argv[optind + 1]) != 0) {
        fclose(fa.f);
        return EXIT_USAGE;
    }
    if (o.kind == KIND_UNKNOWN && (o.kind = guess_kind(&fa)) == KIND_UNKNOWN) {
        fprintf(stderr, PROG ": %s holds no line of a pdu log or a connector log; say --type\n",
                fa.path);
        fclose(fa.f);
        fclose(fb.f);
        free(o.ignored);
        return EXIT_USAGE;
    }
    parse = o.kind == KIND_PDU ? parse_pdu_line : parse_connector_line;
    fa.what = fb.what = o.kind == KIND_PDU ? "pdu log" : "connector log";

    while (logfile_next(&fb, &l, parse, 0))
        table_add(&t, &o, &l);
    while (logfile_next(&fa, &l, parse, 0)) {
        char *key = line_key(&o, &l);
        struct entry *e = table_take(&t, key);

        if (e == NULL) {
            only_a++;
            if (!o.quiet)
                print_text("< ", &l);
        } else {
            char *cmp = line_cmp(&o, &l);

            paired++;
            if (strcmp(cmp, e->cmp) != 0) {
                differ++;
                if (!o.quiet) {
                    print_text("! ", &l);
                    print_text("  ", &e->l);
                    if (o.kind == KIND_PDU)
                        print_field_diff(&o, &l, &e->l);
                }
            }
            free(cmp);
        }
        free(key);
        free(l.text);
    }
    for (i = 0; i < t.n; i++) {
        if (!t.e[i].paired) {
            only_b++;
            if (!o.quiet)
                print_text("> ", &t.e[i].l);
        }
    }
    printf("%lu paired (%lu differ), %lu only in %s, %lu only in %s\n", paired, differ, only_a,
           fa.path, only_b, fb.path);
    logfile_summary(&fa);
    logfile_summary(&fb);

    table_free(&t);
    free(o.ignored);
    logfile_free(&fa);
    logfile_free(&fb);
    fclose(fa.f);
    fclose(fb.f);
    if (fflush(stdout) != 0) {
        fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return differ || only_a || only_b || fa.bad || fb.bad ? EXIT_DIFFER : EXIT_SAME;
}
