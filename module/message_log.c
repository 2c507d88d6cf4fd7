/*
 * message_log: message-log lines from message events (see message_log.h).
 *
 * The keys of each step, in the order they are written, are the table of
 * docs/message-log.md; a key whose value the host did not give is left
 * out.  Values are escaped with ESC_QUOTE, as connector-log info is.
 */
#include "message_log.h"

#include <stdio.h>
#include <string.h>

#include "emgdiag_hook.h"
#include "escape.h"
#include "message_event.h"
#include "timefmt.h"

#define MAX_KEYS 8

struct mkv {
    const char *key;
    const char *value; /* raw, NUL-terminated; NULL: left out */
};

static size_t add(struct mkv *kv, size_t n, const char *key, const char *value)
{
    if (value == NULL || n >= MAX_KEYS)
        return n;
    kv[n].key = key;
    kv[n].value = value;
    return n + 1;
}

/* Writes v in decimal at buf followed by `end`; returns buf, or when end is
 * not NUL, the position after it (buf must hold 11 digits, a sign and end). */
static char *put_digits(char *buf, unsigned long v, int negative, char end)
{
    char d[24], *p = d + sizeof d, *w = buf;

    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (negative)
        *w++ = '-';
    while (p < d + sizeof d)
        *w++ = *p++;
    *w++ = end;
    return end == '\0' ? buf : w;
}

static char *put_decimal(char *buf, unsigned v, char end)
{
    return put_digits(buf, v, 0, end);
}

static char *put_signed(char *buf, int v, char end)
{
    return put_digits(buf, v < 0 ? 0ul - (unsigned long)(long)v : (unsigned long)v, v < 0, end);
}

/* The JSON twin of the line: each value's text form JSON-escaped, taken
 * from the text line when it was built (text[voff[i]..+vlen[i]]), else
 * escaped here.  Apart from message_log_build() so that a text line alone
 * does not carry its stack. */
__attribute__((noinline)) static void build_twin(struct sbuf *json, const struct sbuf *text,
                                                 const struct emg_event *ev, int utc,
                                                 const char *step, const struct mkv *kv, size_t n,
                                                 const size_t *voff, const size_t *vlen)
{
    char vmem[256], ts[40];
    struct sbuf v = SBUF_ON(vmem);
    int reuse = text != NULL && !text->failed;

    emg_ts_iso(ts, &ev->tv, utc);
    sbuf_puts(json, "{\"ts\":\"");
    sbuf_puts(json, ts);
    sbuf_puts(json, "\",\"connector\":\"");
    if (ev->connector != NULL)
        esc_json(json, ev->connector, strlen(ev->connector));
    sbuf_puts(json, "\",\"instance\":");
    sbuf_put_int(json, ev->instance);
    sbuf_puts(json, ",\"step\":\"");
    sbuf_puts(json, step);
    sbuf_putc(json, '"');
    for (size_t i = 0; i < n; i++) {
        sbuf_puts(json, ",\"");
        sbuf_puts(json, kv[i].key);
        sbuf_puts(json, "\":\"");
        if (reuse) {
            esc_json(json, text->buf + voff[i], vlen[i]);
        } else {
            sbuf_reset(&v);
            esc_octets(&v, (const unsigned char *)kv[i].value, strlen(kv[i].value), ESC_QUOTE);
            if (v.failed)
                json->failed = 1;
            esc_json(json, sbuf_cstr(&v), v.len);
        }
        sbuf_putc(json, '"');
    }
    sbuf_puts(json, "}\n");
    sbuf_free(&v);
}

int message_log_build(struct sbuf *text, struct sbuf *json, const struct emg_event *ev, int utc)
{
    const char *step = message_step_word(ev->u.message.step, ev->u.message.matched);
    struct mkv kv[MAX_KEYS];
    char trn[16], part[32], status[16], ts[40];
    const char *p_trn = NULL, *p_part = NULL;
    size_t n = 0, i, voff[MAX_KEYS], vlen[MAX_KEYS];

    if (step == NULL)
        return -1;
    if (ev->u.message.trn != 0)
        p_trn = put_decimal(trn, ev->u.message.trn, '\0');
    if (ev->u.message.parts > 0) {
        /* "part/parts": the part is written before the parts, then joined */
        char *slash = put_signed(part, ev->u.message.part, '/');
        put_signed(slash, ev->u.message.parts, '\0');
        p_part = part;
    }
    put_decimal(status, ev->u.message.status, '\0');
    switch (ev->u.message.step) {
    case EMGDIAG_MSG_CLIENT_SUBMIT:
        n = add(kv, n, "uuid", ev->u.message.uuid);
        n = add(kv, n, "trn", p_trn);
        n = add(kv, n, "id", ev->u.message.id);
        n = add(kv, n, "part", p_part);
        n = add(kv, n, "to", ev->u.message.destination);
        n = add(kv, n, "from", ev->u.message.source);
        break;
    case EMGDIAG_MSG_FORWARD:
        n = add(kv, n, "uuid", ev->u.message.uuid);
        n = add(kv, n, "dlr-key", ev->u.message.id);
        n = add(kv, n, "ids", ev->u.message.dlr_url);
        n = add(kv, n, "to", ev->u.message.destination);
        break;
    case EMGDIAG_MSG_SUBMIT:
        n = add(kv, n, "uuid", ev->u.message.uuid);
        n = add(kv, n, "trn", p_trn);
        n = add(kv, n, "part", p_part);
        n = add(kv, n, "to", ev->u.message.destination);
        break;
    case EMGDIAG_MSG_SUBMIT_RESP:
        n = add(kv, n, "uuid", ev->u.message.uuid);
        n = add(kv, n, "trn", p_trn);
        n = add(kv, n, "part", p_part);
        n = add(kv, n, "status", status);
        n = add(kv, n, "id-raw", ev->u.message.id_raw);
        n = add(kv, n, "id", ev->u.message.id);
        break;
    case EMGDIAG_MSG_DLR:
        n = add(kv, n, "id-raw", ev->u.message.id_raw);
        n = add(kv, n, "id", ev->u.message.id);
        n = add(kv, n, "to", ev->u.message.destination);
        n = add(kv, n, "type", status);
        n = add(kv, n, "url", ev->u.message.matched ? ev->u.message.dlr_url : NULL);
        break;
    case EMGDIAG_MSG_DLR_TO_CLIENT:
        n = add(kv, n, "key", ev->u.message.id_raw);
        n = add(kv, n, "trn", p_trn);
        n = add(kv, n, "id", ev->u.message.matched ? ev->u.message.id : NULL);
        n = add(kv, n, "url", ev->u.message.matched ? ev->u.message.dlr_url : NULL);
        n = add(kv, n, "to", ev->u.message.destination);
        break;
    default: return -1;
    }
    if (text != NULL) {
        emg_ts_text(ts, &ev->tv, utc);
        sbuf_puts(text, ts);
        sbuf_puts(text, " (");
        sbuf_puts(text, ev->connector != NULL ? ev->connector : "");
        sbuf_putc(text, ',');
        sbuf_put_int(text, ev->instance);
        sbuf_puts(text, ") ");
        sbuf_puts(text, step);
        for (i = 0; i < n; i++) {
            sbuf_putc(text, ' ');
            sbuf_puts(text, kv[i].key);
            sbuf_puts(text, "=\"");
            size_t at = text->len;

            esc_octets(text, (const unsigned char *)kv[i].value, strlen(kv[i].value), ESC_QUOTE);
            if (json != NULL) { /* the twin takes the escaped value from here */
                voff[i] = at;
                vlen[i] = text->len - at;
            }
            sbuf_putc(text, '"');
        }
        sbuf_putc(text, '\n');
    }
    if (json != NULL)
        build_twin(json, text, ev, utc, step, kv, n, voff, vlen);
    return 0;
}
