/*
 * trace_pdu: emgdiag-trace without message logs (logs written before them):
 * the pdu logs' submit_sm_resp and deliver_sm lines as message steps
 * (docs/message-log.md#without-message-logs).
 *
 * An outgoing connector's submit_sm_resp read with status 0 becomes a
 * SUBMIT_RESP (its MESSAGEID raw; the id Kannel stored is not in the pdu
 * log, so it is taken as sent), a deliver_sm read with a receipt id (the
 * RECEIPTEDMESSAGEID TLV, else the `id:` of the text) a receipt, DLR when a
 * SUBMIT_RESP of the same connector had that id as sent, else
 * DLR_UNMATCHED.  An incoming connector's submit_sm_resp written becomes a
 * CLIENT_SUBMIT, its receipt written a DLR_TO_CLIENT.  Nothing links the
 * two boxes in pdu logs: the sides are traced apart.
 */
#ifndef EMGDIAG_TRACE_PDU_H
#define EMGDIAG_TRACE_PDU_H

#include "trace_model.h"

/* Adds the steps of one pdu log; -1 when it cannot be read (reported). */
int trace_pdu_read(struct trace_model *m, const char *path, const char *since, const char *until);

/* After trace_model_finish(): receipts whose id a SUBMIT_RESP of their
 * connector had as sent become DLR. */
void trace_pdu_match(struct trace_model *m);

#endif
