/*
 * pdu_format: one SMPP PDU as the body of an EMG pdu-log line, or as the
 * members of its JSON twin (docs/pdu-log.md and docs/pdu-log.md#json-twin-decided).
 *
 * Both forms come from one decode pass (smpp_decode) into an on-stack field
 * list, sorted once by key; the caller adds the timestamp, level and
 * "(connector,instance)" prefix, or the JSON braces and ts/connector/instance.
 */
#ifndef EMGDIAG_PDU_FORMAT_H
#define EMGDIAG_PDU_FORMAT_H

#include <stddef.h>

#include "sbuf.h"
#include "smpp.h"

struct pdu_format_opts {
    int passwords_clear; /* print PASSWORD values instead of *** */
    /* Octets of a value printed before it is cut with a marker saying how
       many were left out (docs/pdu-log.md); 0: never cut. */
    size_t value_max;
    /* When the decoder finds nothing wrong with a PDU of a known operation,
       the ERROR to print anyway (the host could not unpack it), or NULL. */
    const char *host_error;
};

enum { PDU_DIR_READ = 0, PDU_DIR_WRITE = 1 };

/* Appends, with no timestamp/level/connector prefix and no newline:
   "Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:51 DESTADDRTON:1 ... [ ERROR:reason]".
   o may be NULL (defaults: passwords masked). */
void pdu_format_text(struct sbuf *b, int dir, const unsigned char *pdu, size_t len,
                     const struct pdu_format_opts *o);

/* Appends the JSON members for the same PDU, no braces:
   "dir":"read","op":"0x00000004","name":"SUBMIT_SM","status":0,"trn":7,
   "datalen":51,"fields":{...}[,"error":"..."] */
void pdu_format_json(struct sbuf *b, int dir, const unsigned char *pdu, size_t len,
                     const struct pdu_format_opts *o);

/* Both forms from one decode, for a log written as text and JSON; either
   buffer may be NULL. */
void pdu_format_both(struct sbuf *text, struct sbuf *json, int dir, const unsigned char *pdu,
                     size_t len, const struct pdu_format_opts *o);

/* Both forms from a PDU already decoded to its header (smpp.h); completes
   the decode (smpp_decode_body) if no one has.  This is the module's path:
   the session machine and every sink read the same view.  The caller frees
   d. */
void pdu_format_decoded(struct sbuf *text, struct sbuf *json, int dir, struct smpp_decoded *d,
                        const struct pdu_format_opts *o);

#endif
