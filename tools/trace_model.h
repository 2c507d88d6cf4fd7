/*
 * trace_model: the message logs of one or more directories, in memory and
 * indexed by every identifier Kannel links a message by, for emgdiag-trace
 * (docs/message-log.md#following-a-message).
 *
 * The links are the host's own, never guessed: a client's id is listed in
 * the FORWARD line of the message it became; FORWARD and bearerbox's
 * SUBMIT lines carry the same uuid; a receipt matches the SUBMIT_RESP whose
 * stored id it was looked up by on the same connector (Kannel's dlr_find()
 * key); a receipt sent to the client carries the DLR key of the FORWARD
 * line.
 */
#ifndef EMGDIAG_TRACE_MODEL_H
#define EMGDIAG_TRACE_MODEL_H

#include <stddef.h>

#include "msglog.h"

struct trace_rec {
    char ts[MSGLOG_TS_LEN + 1];
    char *connector;
    unsigned long instance;
    enum msglog_step step;
    char *v[MK_KEYS]; /* NUL-terminated copies; NULL: absent */
    size_t len[MK_KEYS];
    enum msglog_key order[MK_KEYS]; /* as the line had them */
    int n_order;
};

struct trace_index;

struct trace_model {
    struct trace_rec *recs; /* sorted by ts once trace_model_finish() ran */
    size_t n, cap;
    struct trace_index *ix;
    unsigned long bad_lines; /* refused lines (reported on stderr) */
};

void trace_model_init(struct trace_model *m);
void trace_model_free(struct trace_model *m);

/* Adds a parsed line, when its time is within [since, until] (either may be
 * NULL; compared as text over the shorter length). */
void trace_model_add(struct trace_model *m, const struct msglog_line *l, const char *since,
                     const char *until);

/* Sorts by time (stable: lines of one file keep their order) and indexes. */
void trace_model_finish(struct trace_model *m);

/* Indexes of the records listed under `key` in space `space` ('i' an id
 * of any kind, 'u' a uuid, 't' a destination, 'n' a number an SMSC id
 * reads as, 'c' the case-folded id); *n of them. */
const size_t *trace_lookup(const struct trace_model *m, char space, const char *key, size_t *n);

/* The uuid of the message a record belongs to (a FORWARD's or bearerbox's),
 * or NULL when none is known. */
const char *trace_message_of(const struct trace_model *m, size_t rec);

/* Appends to *out (grown with xrealloc; *n, *cap) the records of message
 * `uuid`, sorted by time. */
void trace_message_records(const struct trace_model *m, const char *uuid, size_t **out, size_t *n,
                           size_t *cap);

/* Microseconds since the epoch of a record's time (its own clock). */
long long trace_ts_us(const char *ts);
/* The reverse: a time as the logs write it, into out. */
void trace_ts_format(char out[MSGLOG_TS_LEN + 1], long long us);

#endif
