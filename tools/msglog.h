/*
 * msglog: one line of the message log (docs/message-log.md), parsed.
 *
 *   <ts> (<connector>,<instance>) <STEP> key="value"…
 *
 * The line comes from a file anyone with access to the log directory could
 * have written: it is checked octet by octet, a value's escapes (\\ and
 * \xHH) are undone into the parser's own buffer, and a line that is not in
 * the grammar is refused with the column and the reason, never read past
 * its end.  A step or a key this version does not know is kept as unknown
 * (a newer module may write more), not refused.
 */
#ifndef EMGDIAG_MSGLOG_H
#define EMGDIAG_MSGLOG_H

#include <stddef.h>

#define MSGLOG_TS_LEN 26 /* YYYY-MM-DD HH:MM:SS.uuuuuu */

enum msglog_step {
    MSG_UNKNOWN_STEP = 0,
    MSG_CLIENT_SUBMIT,
    MSG_FORWARD,
    MSG_SUBMIT,
    MSG_SUBMIT_RESP,
    MSG_DLR,
    MSG_DLR_UNMATCHED,
    MSG_DLR_TO_CLIENT,
    MSG_DLR_TO_CLIENT_UNMATCHED,
    MSG_STEPS
};

/* The keys of docs/message-log.md. */
enum msglog_key {
    MK_UUID,
    MK_TRN,
    MK_ID,
    MK_PART,
    MK_TO,
    MK_FROM,
    MK_DLR_KEY,
    MK_IDS,
    MK_STATUS,
    MK_ID_RAW,
    MK_TYPE,
    MK_URL,
    MK_KEY,
    MK_KEYS
};

struct msglog_line {
    char ts[MSGLOG_TS_LEN + 1];
    const char *connector; /* into buf */
    size_t connector_len;
    unsigned long instance;
    enum msglog_step step;
    /* Unescaped values (NUL-terminated, into buf; a value may hold NUL
     * octets: see len), NULL when the key is absent. */
    const char *v[MK_KEYS];
    size_t len[MK_KEYS];
    /* The known keys in the order the line has them. */
    enum msglog_key order[MK_KEYS];
    int n_order;
    /* The parser's buffer: at most the line's length plus one octet per
     * value; owned, reused from line to line. */
    char *buf;
    size_t cap;
};

/* The word of a step, "CLIENT_SUBMIT" …; "?" for MSG_UNKNOWN_STEP. */
const char *msglog_step_word(enum msglog_step step);
/* The key's name in the log ("uuid", "id-raw", …). */
const char *msglog_key_name(enum msglog_key key);

/* Parses `text` (len octets, no newline).  0, or -1 with a static reason
 * in *why.  l->buf grows as needed (xalloc: exits on no memory). */
int msglog_parse(struct msglog_line *l, const char *text, size_t len, const char **why);

void msglog_line_free(struct msglog_line *l);

#endif
