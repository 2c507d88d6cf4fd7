/*
 * msgid_cause: why a delivery receipt matched no message, told from the ids
 * alone, with Kannel's own conversions (docs/message-log.md#unmatched).
 *
 * Kannel 1.4.5's smsc_smpp stores a submit_sm_resp's message_id with
 * dlr_add() and looks a receipt's id up with dlr_find().  With msg-id-type
 * unset both are the strings the SMSC sent.  With msg-id-type = N set, an
 * id is read with strtoll(…, 16) when its bit is set in N (0x01 for
 * submit_sm_resp, 0x02 for the receipt) or when it is not all digits, else
 * with strtoll(…, 10), and written back with "%llu".  The classifier
 * replays those conversions for each N and names the difference that made
 * the two strings unequal.
 */
#ifndef EMGDIAG_MSGID_CAUSE_H
#define EMGDIAG_MSGID_CAUSE_H

#include <stddef.h>

/* Room for "%llu" of any value, and its NUL. */
#define MSGID_NUM_LEN 24

/* msg-id-type unset: ids are compared as sent. */
#define MSGID_TYPE_UNSET (-1)

enum msgid_cause {
    CAUSE_HEX_VS_DECIMAL,       /* one side hex, the other decimal, same number */
    CAUSE_LEADING_ZEROS,        /* same base and number, written with other zeros */
    CAUSE_LETTER_CASE,          /* the same hex digits in another case */
    CAUSE_RECEIPT_BEFORE_RESP,  /* the id was stored only after the receipt came */
    CAUSE_OTHER_CONNECTOR,      /* the id was stored by another connector */
    CAUSE_DUPLICATE,            /* an earlier receipt already took the stored entry */
    CAUSE_UNKNOWN,
    CAUSES
};

const char *msgid_cause_word(enum msgid_cause cause);

/* The id Kannel stores for submit_sm_resp message_id `raw` under
 * msg-id-type `type` (MSGID_TYPE_UNSET or 0..3), into out (`outlen`
 * octets, NUL-terminated; cut when too small). */
void msgid_stored(int type, const char *raw, char *out, size_t outlen);
/* The id Kannel looks up for receipt id `raw` under `type`. */
void msgid_lookup(int type, const char *raw, char *out, size_t outlen);

/* The msg-id-type (0..3) to recommend so that resp id `resp_raw` and
 * receipt id `dlr_raw` are equal: of the settings that make them equal, the
 * one reading fewest ids as hex, with the bit of every side it reads as hex
 * set; -1 when none would, or when they would only as the number 0 (what
 * strtoll gives for text that is no number). */
int msgid_type_that_matches(const char *resp_raw, const char *dlr_raw);

/* The cause for a receipt id and a submit_sm_resp id of the same connector
 * that a type makes equal (msgid_type_that_matches() >= 0). */
enum msgid_cause msgid_cause_of(const char *resp_raw, const char *dlr_raw, int type);

#endif
