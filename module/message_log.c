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

int message_log_build(struct sbuf *text, struct sbuf *json, const struct emg_event *ev, int utc)
{
    const char *step = message_step_word(ev->u.message.step, ev->u.message.matched);
    struct mkv kv[MAX_KEYS];
    char trn[16], part[32], status[16], ts[40];
    struct sbuf v = SBUF_INIT;
    const char *p_trn = NULL, *p_part = NULL;
    size_t n = 0, i;

    if (step == NULL)
        return -1;
    if (ev->u.message.trn != 0) {
        snprintf(trn, sizeof(trn), "%u", ev->u.message.trn);
        p_trn = trn;
    }
    if (ev->u.message.parts > 0) {
        snprintf(part, sizeof(part), "%d/%d", ev->u.message.part, ev->u.message.parts);
        p_part = part;
    }
    snprintf(status, sizeof(status), "%u", ev->u.message.status);
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
        sbuf_printf(text, "%s (%s,%d) %s", ts, ev->connector != NULL ? ev->connector : "",
                    ev->instance, step);
        for (i = 0; i < n; i++) {
            sbuf_printf(text, " %s=\"", kv[i].key);
            esc_octets(text, (const unsigned char *)kv[i].value, strlen(kv[i].value), ESC_QUOTE);
            sbuf_putc(text, '"');
        }
        sbuf_putc(text, '\n');
    }
    if (json != NULL) {
        emg_ts_iso(ts, &ev->tv, utc);
        sbuf_puts(json, "{\"ts\":\"");
        sbuf_puts(json, ts);
        sbuf_puts(json, "\",\"connector\":\"");
        if (ev->connector != NULL)
            esc_json(json, ev->connector, strlen(ev->connector));
        sbuf_printf(json, "\",\"instance\":%d,\"step\":\"%s\"", ev->instance, step);
        for (i = 0; i < n; i++) {
            sbuf_reset(&v);
            esc_octets(&v, (const unsigned char *)kv[i].value, strlen(kv[i].value), ESC_QUOTE);
            if (v.failed)
                json->failed = 1;
            sbuf_printf(json, ",\"%s\":\"", kv[i].key);
            esc_json(json, sbuf_cstr(&v), v.len);
            sbuf_putc(json, '"');
        }
        sbuf_puts(json, "}\n");
    }
    sbuf_free(&v);
    return 0;
}
