/*
 * message_event: the host's message steps as typed events (see
 * message_event.h).
 */
#include "message_event.h"

#include <string.h>

int message_event_fill(struct emg_event *ev, const struct emgdiag_message *m)
{
    /* `status` is the last member of 1.2: a shorter struct is refused whole. */
    if (m == NULL || !EMGDIAG_HAS(m, status))
        return -1;
    memset(ev, 0, sizeof(*ev));
    ev->kind = EMG_EV_MESSAGE;
    ev->u.message.step = m->step;
    ev->u.message.uuid = m->uuid;
    ev->u.message.trn = m->trn;
    ev->u.message.part = m->part;
    ev->u.message.parts = m->parts;
    ev->u.message.id_raw = m->id_raw;
    ev->u.message.id = m->id;
    ev->u.message.matched = m->matched != 0;
    ev->u.message.dlr_url = m->dlr_url;
    ev->u.message.source = m->source;
    ev->u.message.destination = m->destination;
    ev->u.message.status = m->status;
    return 0;
}

const char *message_step_word(int step, int matched)
{
    switch (step) {
    case EMGDIAG_MSG_CLIENT_SUBMIT: return "CLIENT_SUBMIT";
    case EMGDIAG_MSG_FORWARD: return "FORWARD";
    case EMGDIAG_MSG_SUBMIT: return "SUBMIT";
    case EMGDIAG_MSG_SUBMIT_RESP: return "SUBMIT_RESP";
    case EMGDIAG_MSG_DLR: return matched ? "DLR" : "DLR_UNMATCHED";
    case EMGDIAG_MSG_DLR_TO_CLIENT: return matched ? "DLR_TO_CLIENT" : "DLR_TO_CLIENT_UNMATCHED";
    default: return NULL;
    }
}
