/*
 * trace_scan: the lines of one message found without reading every line
 * (docs/message-log.md#how-an-id-is-found), for emgdiag-trace ID.
 *
 * The rounds (which ids, in which window of time: trace_rounds.h) are
 * trace_rounds.c's; here the message logs are mapped and searched for an
 * id as grep would, a window of time found by bisecting each file on its
 * timestamps.
 */
#ifndef EMGDIAG_TRACE_SCAN_H
#define EMGDIAG_TRACE_SCAN_H

#include "trace_model.h"

struct trace_scan;

/* Maps the message logs `paths` (n of them); NULL with the error reported
 * on stderr when one cannot be read. */
struct trace_scan *trace_scan_open(char *const *paths, size_t n);
void trace_scan_close(struct trace_scan *sc);

/* Adds to m (not finished) every line of the message `id` names. */
void trace_scan_id(struct trace_scan *sc, struct trace_model *m, const char *id, const char *since,
                   const char *until);

#endif
