/*
 * reasons: the one table of what the numbers and words of the connector
 * log mean (docs/troubleshooting.md): errno and -h_errno of a CONNECT ERR,
 * the SMPP command_status of a LOGIN ERR or of a response, the word or
 * errno of a DISCONNECT ERR.  Each entry has a name, its meaning in plain
 * words, and the usual fixes.  emgdiag-explain prints them for every
 * failure of a connector; emgdiag-follow --explain under each ERR line.
 */
#ifndef EMGDIAG_REASONS_H
#define EMGDIAG_REASONS_H

#include <stdint.h>

struct reason {
    const char *name;    /* "ECONNREFUSED", "ESME_RINVPASWD", "peer-closed" */
    const char *meaning; /* one sentence */
    const char *fixes;   /* one or two sentences; "" when there is nothing to change here */
};

/* A CONNECT ERR's info: errno (> 0) or -h_errno (< 0).  NULL: not known. */
const struct reason *reason_connect(long err);
/* An SMPP command_status.  NULL: not known. */
const struct reason *reason_status(uint32_t status);
/* A DISCONNECT ERR's info: a word, or an errno in decimal.  NULL: not known. */
const struct reason *reason_disconnect(const char *info);

/* The entry for a connector-log line's outcome, from what follows its
 * "(<instance>) " (`CONNECT ERR (info="111")`, `LOGIN ERR (info="14")`,
 * `DISCONNECT ERR (info="peer-closed")`); NULL for an OK line or a value
 * not in the table. */
const struct reason *reason_of_connector_line(const char *rest);

#endif
