/*
 * message_log: the lines of the message log (docs/message-log.md), built
 * from an EMG_EV_MESSAGE event.
 *
 * One line per step of a message:
 *   <ts> (<connector>,<instance>) <STEP> key="value"…
 * and its JSON twin.  Every value comes from the host (ids, addresses,
 * urls the peers chose) and is escaped here as the connector log's info
 * is; the file sink decides whether and where a line goes.
 */
#ifndef EMGDIAG_MESSAGE_LOG_H
#define EMGDIAG_MESSAGE_LOG_H

#include "event.h"
#include "sbuf.h"

/* Builds the text line into `text` and the JSON object into `json` (each
 * may be NULL; both end in '\n').  0, or -1 for a step this module does
 * not know (nothing is built). */
int message_log_build(struct sbuf *text, struct sbuf *json, const struct emg_event *ev, int utc);

#endif
