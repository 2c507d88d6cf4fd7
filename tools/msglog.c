/*
 * msglog: parsing message-log lines (see msglog.h).
 */
#include "msglog.h"

#include <stdlib.h>
#include <string.h>

#include "hexdigit.h"
#include "xalloc.h"

static const char *const step_words[MSG_STEPS] = {
    [MSG_UNKNOWN_STEP] = "?",
    [MSG_CLIENT_SUBMIT] = "CLIENT_SUBMIT",
    [MSG_FORWARD] = "FORWARD",
    [MSG_SUBMIT] = "SUBMIT",
    [MSG_SUBMIT_RESP] = "SUBMIT_RESP",
    [MSG_DLR] = "DLR",
    [MSG_DLR_UNMATCHED] = "DLR_UNMATCHED",
    [MSG_DLR_TO_CLIENT] = "DLR_TO_CLIENT",
    [MSG_DLR_TO_CLIENT_UNMATCHED] = "DLR_TO_CLIENT_UNMATCHED",
};

static const char *const key_names[MK_KEYS] = {
    [MK_UUID] = "uuid",       [MK_TRN] = "trn",       [MK_ID] = "id",         [MK_PART] = "part",
    [MK_TO] = "to",           [MK_FROM] = "from",     [MK_DLR_KEY] = "dlr-key", [MK_IDS] = "ids",
    [MK_STATUS] = "status",   [MK_ID_RAW] = "id-raw", [MK_TYPE] = "type",     [MK_URL] = "url",
    [MK_KEY] = "key",
};

const char *msglog_step_word(enum msglog_step step)
{
    return step < MSG_STEPS ? step_words[step] : "?";
}

const char *msglog_key_name(enum msglog_key key)
{
    return key < MK_KEYS ? key_names[key] : "?";
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Octets a connector name may hold (docs/connector-log.md#files). */
static int is_name_octet(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' ||
           c == '_' || c == '-' || c == '%';
}

static int is_key_octet(char c)
{
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
}

int msglog_parse(struct msglog_line *l, const char *text, size_t len, const char **why)
{
    static const char pattern[] = "dddd-dd-dd dd:dd:dd.dddddd";
    const char *p = text, *end = text + len, *w;
    size_t i, out = 0, need = len + MK_KEYS + 2;
    int s, k;

    if (l->cap < need) {
        l->buf = xrealloc(l->buf, need);
        l->cap = need;
    }
    memset(l->v, 0, sizeof(l->v));
    memset(l->len, 0, sizeof(l->len));
    l->n_order = 0;
    if (len < MSGLOG_TS_LEN) {
        *why = "no timestamp";
        return -1;
    }
    for (i = 0; i < MSGLOG_TS_LEN; i++) {
        if (pattern[i] == 'd' ? !is_digit(p[i]) : p[i] != pattern[i]) {
            *why = "no timestamp";
            return -1;
        }
    }
    memcpy(l->ts, p, MSGLOG_TS_LEN);
    l->ts[MSGLOG_TS_LEN] = '\0';
    p += MSGLOG_TS_LEN;
    if (end - p < 2 || p[0] != ' ' || p[1] != '(') {
        *why = "no (connector,instance)";
        return -1;
    }
    p += 2;
    for (w = p; p < end && is_name_octet(*p); p++)
        ;
    if (p == w || p >= end || *p != ',') {
        *why = "bad connector name";
        return -1;
    }
    memcpy(l->buf, w, (size_t)(p - w));
    l->buf[p - w] = '\0';
    l->connector = l->buf;
    l->connector_len = (size_t)(p - w);
    out = l->connector_len + 1;
    p++;
    l->instance = 0;
    if (p >= end || !is_digit(*p)) {
        *why = "bad instance";
        return -1;
    }
    for (; p < end && is_digit(*p); p++) {
        if (l->instance > 100000000ul) {
            *why = "bad instance";
            return -1;
        }
        l->instance = l->instance * 10 + (unsigned long)(*p - '0');
    }
    if (end - p < 2 || p[0] != ')' || p[1] != ' ') {
        *why = "no ')' after the instance";
        return -1;
    }
    p += 2;
    for (w = p; p < end && ((*p >= 'A' && *p <= 'Z') || *p == '_'); p++)
        ;
    if (p == w || (p < end && *p != ' ')) {
        *why = "bad step";
        return -1;
    }
    l->step = MSG_UNKNOWN_STEP;
    for (s = 1; s < MSG_STEPS; s++) {
        if (strlen(step_words[s]) == (size_t)(p - w) && memcmp(step_words[s], w, (size_t)(p - w)) == 0)
            l->step = (enum msglog_step)s;
    }
    while (p < end) {
        /* ' ' key '="' value '"' */
        if (*p != ' ') {
            *why = "expected ' ' before a key";
            return -1;
        }
        p++;
        for (w = p; p < end && is_key_octet(*p); p++)
            ;
        if (p == w || end - p < 2 || p[0] != '=' || p[1] != '"') {
            *why = "expected key=\"value\"";
            return -1;
        }
        k = -1;
        for (s = 0; s < MK_KEYS; s++) {
            if (strlen(key_names[s]) == (size_t)(p - w) && memcmp(key_names[s], w, (size_t)(p - w)) == 0)
                k = s;
        }
        p += 2;
        i = out;
        for (;;) {
            if (p >= end) {
                *why = "value without its closing '\"'";
                return -1;
            }
            if (*p == '"')
                break;
            if (*p == '\\') {
                if (end - p >= 2 && p[1] == '\\') {
                    l->buf[out++] = '\\';
                    p += 2;
                } else if (end - p >= 4 && p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
                    l->buf[out++] = (char)(hex_digit(p[2]) * 16 + hex_digit(p[3]));
                    p += 4;
                } else {
                    *why = "bad escape in a value";
                    return -1;
                }
            } else if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
                *why = "unescaped control or non-ASCII octet in a value";
                return -1;
            } else {
                l->buf[out++] = *p++;
            }
        }
        p++; /* the closing quote */
        l->buf[out++] = '\0';
        if (k >= 0 && l->v[k] == NULL) {
            l->v[k] = l->buf + i;
            l->len[k] = out - 1 - i;
            l->order[l->n_order++] = (enum msglog_key)k;
        }
    }
    return 0;
}

void msglog_line_free(struct msglog_line *l)
{
    free(l->buf);
    l->buf = NULL;
    l->cap = 0;
}
