/*
 * fuzz_msglog: libFuzzer target over the message-log parser
 * (tools/msglog.c) and the trace model it feeds (tools/trace_model.c).
 *
 * The input is cut into lines at '\n'; each is parsed as one message-log
 * line, as emgdiag-trace parses a file anyone with access to the log
 * directory could have written.  Beyond the sanitizers' checks: a refused
 * line has a reason; an accepted one has a timestamp of 26 octets, a
 * connector name no longer than the line, and every value within the
 * line's length.  Accepted lines then go through the model's index and
 * every lookup the tool makes, so that hostile ids cannot break them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msglog.h"
#include "trace_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size, *nl, *why;
    struct msglog_line l;
    struct trace_model m;
    size_t i, n = 0, cap = 0, *out = NULL, k;
    int key;

    memset(&l, 0, sizeof(l));
    trace_model_init(&m);
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        why = NULL;
        if (msglog_parse(&l, p, (size_t)(nl - p), &why) != 0) {
            if (why == NULL)
                abort();
        } else {
            if (strlen(l.ts) != MSGLOG_TS_LEN || l.connector_len > (size_t)(nl - p))
                abort();
            for (key = 0; key < MK_KEYS; key++) {
                if (l.v[key] != NULL && l.len[key] > (size_t)(nl - p))
                    abort();
            }
            if (l.step != MSG_UNKNOWN_STEP)
                trace_model_add(&m, &l, NULL, NULL);
        }
        p = nl + 1;
    }
    trace_model_finish(&m);
    for (i = 0; i < m.n; i++) {
        const char *u = trace_message_of(&m, i);

        if (u != NULL) {
            n = 0;
            trace_message_records(&m, u, &out, &n, &cap);
            (void)trace_lookup(&m, 'i', u, &k);
        }
        (void)trace_ts_us(m.recs[i].ts);
    }
    free(out);
    trace_model_free(&m);
    msglog_line_free(&l);
    return 0;
}
