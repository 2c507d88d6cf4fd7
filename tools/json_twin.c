/*
 * json_twin: the JSON twin of a pdu log, read in step with it (see
 * json_twin.h).
 */
#include "json_twin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

/* Where a rotated file's number starts: the offset of ".N" or ".N.gz" at
 * the end of path, or its length when it has none. */
static size_t history_suffix(const char *path)
{
    size_t n = strlen(path), end = n, i;

    if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
        end = n - 3;
    for (i = end; i > 0 && path[i - 1] >= '0' && path[i - 1] <= '9'; i--)
        ;
    return i < end && i > 1 && path[i - 1] == '.' ? i - 1 : n;
}

int json_twin_open(struct json_twin *tw, const char *prog, const char *text_path, size_t max_len)
{
    size_t n = strlen(text_path), cut = history_suffix(text_path);

    memset(tw, 0, sizeof *tw);
    tw->text_path = text_path;
    /* pdu.x -> pdu.x.jsonl; a rotated pdu.x.2.gz -> pdu.x.jsonl.2.gz
     * (docs/connector-log.md#rotation), when that one exists */
    tw->path = xmalloc(n + sizeof ".jsonl");
    memcpy(tw->path, text_path, cut);
    memcpy(tw->path + cut, ".jsonl", 6);
    memcpy(tw->path + cut + 6, text_path + cut, n - cut + 1);
    if (cut != n && access(tw->path, F_OK) != 0) {
        memcpy(tw->path, text_path, n);
        memcpy(tw->path + n, ".jsonl", sizeof ".jsonl");
    }
    tw->lf.prog = prog;
    tw->lf.path = tw->path;
    tw->lf.what = "JSON twin";
    tw->lf.max_len = max_len;
    if (logfile_open(&tw->lf) != 0) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "%s: %s: %s\n", prog, tw->path, strerror(errno));
        return -1;
    }
    tw->open = 1;
    return 1;
}

/* The value of " NAME:" in the header of a pdu-line body, up to the next
 * space; NULL when it has none. */
static const char *header_word(const char *body, const char *end, const char *name, size_t *len)
{
    size_t n = strlen(name);
    const char *p, *q;

    for (p = body; (size_t)(end - p) > n; p++) {
        if (*p == ' ' && memcmp(p + 1, name, n) == 0) {
            p += 1 + n;
            q = memchr(p, ' ', (size_t)(end - p));
            *len = (size_t)((q != NULL ? q : end) - p);
            return p;
        }
    }
    return NULL;
}

/* Whether j names the PDU of text line l. */
static int same_pdu(const struct pdu_json *j, const struct line *l)
{
    const char *body = l->text + l->rest, *end = l->text + l->len, *op, *trn;
    const char *dir = j->write ? "Write " : "Read ";
    size_t oplen, trnlen;
    char num[32];

    if (memcmp(j->ts, l->ts, TS_LEN) != 0 || j->instance != l->instance ||
        (size_t)(end - body) < strlen(dir) || memcmp(body, dir, strlen(dir)) != 0)
        return 0;
    op = header_word(body, end, "op:", &oplen);
    trn = header_word(body, end, "trn:", &trnlen);
    snprintf(num, sizeof num, "%lu", j->trn);
    return op != NULL && trn != NULL && oplen == strlen(j->op) && memcmp(op, j->op, oplen) == 0 &&
           trnlen == strlen(num) && memcmp(trn, num, trnlen) == 0;
}

static void release(struct pdu_json *j)
{
    pdu_json_free(j);
    free(j);
}

/* The next JSON line of the twin, parsed; NULL at its end (or on a read
 * error, reported).  Lines that are not JSON-twin lines are passed over. */
static struct pdu_json *next_json(struct json_twin *tw)
{
    const char *text;
    size_t len;
    struct pdu_json *j = xmalloc(sizeof *j);

    while (!tw->at_end) {
        if (!logfile_next_raw(&tw->lf, &text, &len)) {
            tw->at_end = 1; /* a read error is reported; the caller ends with status 2 */
            break;
        }
        if (pdu_json_parse(text, len, j) == 0)
            return j;
        if (tw->not_json++ == 0)
            fprintf(stderr, "%s: %s:%lu: not a JSON-twin line; passed over\n", tw->lf.prog,
                    tw->path, tw->lf.lr.lineno);
    }
    free(j);
    return NULL;
}

struct pdu_json *json_twin_take(struct json_twin *tw, const struct line *l, unsigned long lineno)
{
    struct pdu_json *j;
    size_t i, reads;

    if (!tw->open)
        return NULL;
    for (i = 0; i < tw->nheld; i++) {
        if (same_pdu(tw->held[i], l)) {
            j = tw->held[i];
            memmove(tw->held + i, tw->held + i + 1, (tw->nheld - i - 1) * sizeof *tw->held);
            tw->nheld--;
            return j;
        }
    }
    for (reads = 0; reads < JSON_TWIN_WINDOW && (j = next_json(tw)) != NULL; reads++) {
        if (same_pdu(j, l))
            return j;
        if (tw->nheld == JSON_TWIN_WINDOW) {
            release(tw->held[0]); /* the oldest: its text line was skipped, or is far off */
            memmove(tw->held, tw->held + 1, (JSON_TWIN_WINDOW - 1) * sizeof *tw->held);
            tw->nheld--;
        }
        tw->held[tw->nheld++] = j;
    }
    if (tw->lf.read_error != 0)
        return NULL; /* reported; the caller stops */
    if (tw->missed++ == 0)
        fprintf(stderr,
                "%s: %s:%lu has no twin near it in %s; its fields are cut from its text "
                "(so are those of any other such line, counted at the end)\n",
                tw->lf.prog, tw->text_path, lineno, tw->path);
    return NULL;
}

int json_twin_read_error(const struct json_twin *tw)
{
    return tw->lf.read_error;
}

void json_twin_summary(const struct json_twin *tw)
{
    if (tw->missed > 1)
        fprintf(stderr, "%s: %lu lines of %s had no twin near them in %s\n", tw->lf.prog,
                tw->missed, tw->text_path, tw->path);
    if (tw->not_json > 1)
        fprintf(stderr, "%s: %s: %lu lines that are not JSON-twin lines passed over\n", tw->lf.prog,
                tw->path, tw->not_json);
}

void json_twin_close(struct json_twin *tw)
{
    while (tw->nheld > 0)
        release(tw->held[--tw->nheld]);
    logfile_close(&tw->lf);
    free(tw->path);
    tw->path = NULL;
    tw->open = 0;
}
