/*
 * trace_rounds: which ids emgdiag-trace ID searches for, and where
 * (docs/message-log.md#how-an-id-is-found), apart from how a search is
 * done: trace_scan.c searches message-log files, trace_db.c the indexes
 * of the database's messagelog.  Both follow these rounds, so both give
 * the model the same lines and the trace prints the same.
 *
 * ID is searched for everywhere.  Then, up to four rounds, the ids the
 * lines found so far name (uuid, the SMSC's id raw and stored, the DLR
 * key, the client's ids; ids of fewer than four characters are not
 * searched for: a trn or "0" would match everything) that were not
 * searched yet are searched for among the lines within TRACE_SCAN_WINDOW
 * seconds of the first and of the last line found.  When a link the
 * found lines name is still missing (a SUBMIT_RESP without its SUBMIT, a
 * DLR whose url names no DLR_TO_CLIENT found), every id but the first is
 * searched for everywhere.
 */
#ifndef EMGDIAG_TRACE_ROUNDS_H
#define EMGDIAG_TRACE_ROUNDS_H

#include <stddef.h>

#include "trace_model.h"

#ifndef TRACE_SCAN_WINDOW
#define TRACE_SCAN_WINDOW 600
#endif

/* How one source searches: adds to m (trace_model_add(), with since and
 * until) every line that holds one of keys[first..n) as one of its ids,
 * whole (trace_rounds_line_has_id()), and no line twice; with lo and hi
 * (times as the lines write them, MSGLOG_TS_LEN characters) only the
 * lines with lo <= time < hi, with lo NULL every line. */
typedef void (*trace_rounds_search_fn)(void *ctx, struct trace_model *m, char *const *keys,
                                       size_t first, size_t n, const char *lo, const char *hi,
                                       const char *since, const char *until);

/* Adds to m (not finished) every line of the message `id` names. */
void trace_rounds(trace_rounds_search_fn search, void *ctx, struct trace_model *m,
                  const char *id, const char *since, const char *until);

/* Whether a parsed line has `key` as one of its ids, whole (a search finds
 * it inside any text: a number inside a longer one, say). */
int trace_rounds_line_has_id(const struct msglog_line *l, const char *key);

#endif
