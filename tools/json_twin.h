/*
 * json_twin: a pdu log's JSON twin (`<file>.jsonl`, docs/pdu-log.md "JSON
 * twin"), read alongside the text file, for emgdiag-compare.
 *
 * The module writes each PDU's text line and its JSON line one after the
 * other, so a line's twin is at or near the same place in the other file:
 * near, because sessions on other threads may write their lines in
 * between.  So the twin of a text line is looked for among the next
 * JSON_TWIN_WINDOW JSON lines not yet claimed, and taken only when it
 * parses (pdu_json.h) and names the same timestamp, instance, direction,
 * command_id and sequence number.  A text line without a twin there has
 * its fields cut from its text; the first is named on stderr, the others
 * counted at the end.  A twin that cannot be read (a directory, a read
 * error) is an error like any file's.
 */
#ifndef EMGDIAG_JSON_TWIN_H
#define EMGDIAG_JSON_TWIN_H

#include <stddef.h>

#include "logline.h"
#include "pdu_json.h"

/* JSON lines held while looking for a twin: how far apart the two
 * files' lines may be (at most this many lines of the longest kept). */
#define JSON_TWIN_WINDOW 32

struct json_twin {
    struct logfile lf;
    char *path; /* TEXT.jsonl */
    const char *text_path;
    int open, at_end;
    struct pdu_json *held[JSON_TWIN_WINDOW]; /* read, not yet claimed; oldest first */
    size_t nheld;
    unsigned long missed;   /* text lines with no twin found */
    unsigned long not_json; /* twin lines that are not JSON-twin lines */
};

/* Looks for TEXT.jsonl: 1 when it is open, 0 when there is none, -1 when it
 * exists but cannot be opened (reported as PROG: PATH: strerror). */
int json_twin_open(struct json_twin *tw, const char *prog, const char *text_path, size_t max_len);

/* The twin of text line l, the `lineno`-th line of the text file,
 * malloc'd for the caller to pdu_json_free and free; NULL when none is
 * found (or there is no twin). */
struct pdu_json *json_twin_take(struct json_twin *tw, const struct line *l, unsigned long lineno);

/* errno of a read of the twin that failed (reported), else 0. */
int json_twin_read_error(const struct json_twin *tw);

/* The counts of lines without a twin and of twin lines not understood,
 * when there were more than the one of each named as it happened. */
void json_twin_summary(const struct json_twin *tw);

void json_twin_close(struct json_twin *tw);

#endif
