/*
 * message_event: the host's message steps (ABI 1.2, emgdiag_module.message)
 * as typed events, and the words the message log names them by.
 *
 * The adapter in emgdiag.c takes the session's lock and dispatches; this
 * file only copies the host's values into an event (pointers, no copies:
 * they stay valid for the duration of the call) after checking the
 * struct's size, so a host that sends a shorter struct is read safely.
 */
#ifndef EMGDIAG_MESSAGE_EVENT_H
#define EMGDIAG_MESSAGE_EVENT_H

#include "emgdiag_hook.h"
#include "event.h"

/* Fills ev (kind EMG_EV_MESSAGE) from m; -1 when m is too short to read. */
int message_event_fill(struct emg_event *ev, const struct emgdiag_message *m);

/* The STEP word of the message log for an event (docs/message-log.md), or
 * NULL for a step this module does not know (the line is not written). */
const char *message_step_word(int step, int matched);

#endif
