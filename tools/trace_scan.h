/*
 * trace_scan: the lines of one message found without reading every line
 * (docs/message-log.md#how-an-id-is-found), for emgdiag-trace ID.
 *
 * The message logs are mapped and searched for the id itself, as grep
 * would; the lines found name the message's other ids (uuid, the SMSC's id
 * stored, the DLR key, the client's ids), which are then searched for in
 * the lines within TRACE_SCAN_WINDOW seconds of the first and last found,
 * found by bisecting each file on its timestamps.  When a link the found
 * lines name is still missing (a SUBMIT_RESP without its SUBMIT, a DLR's
 * url naming a FORWARD not found, a FORWARD's id without its
 * CLIENT_SUBMIT, a matched DLR of an opensmppbox message without its
 * DLR_TO_CLIENT), the files are searched whole for the missing ids.
 */
#ifndef EMGDIAG_TRACE_SCAN_H
#define EMGDIAG_TRACE_SCAN_H

#include "trace_model.h"

#ifndef TRACE_SCAN_WINDOW
#define TRACE_SCAN_WINDOW 600
#endif

struct trace_scan;

/* Maps the message logs `paths` (n of them); NULL with the error reported
 * on stderr when one cannot be read. */
struct trace_scan *trace_scan_open(char *const *paths, size_t n);
void trace_scan_close(struct trace_scan *sc);

/* Adds to m (not finished) every line of the message `id` names. */
void trace_scan_id(struct trace_scan *sc, struct trace_model *m, const char *id, const char *since,
                   const char *until);

#endif
