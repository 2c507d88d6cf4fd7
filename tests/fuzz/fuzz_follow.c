/*
 * fuzz_follow: libFuzzer target over emgdiag-follow's line parsers
 * (tools/logline.c) and its session model (tools/follow_model.c), the same
 * files the tool links.
 *
 * The input is cut into lines at '\n'.  Each line goes through both
 * parsers; a connector line is added to the model, a pdu line is placed
 * into its session; every session is listed and its lines printed (to
 * /dev/null).  Beyond the sanitizers' checks: a parsed line has a
 * well-formed timestamp, every session's lines are of its instance and in
 * file order, and a pdu line is only ever placed into a session of its own
 * instance that started no later than it (unless it has no CONNECT).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow_model.h"
#include "logline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (freopen("/dev/null", "w", stdout) == NULL)
        abort(); /* the session list is printed, to nowhere */
    return 0;
}

static void check_ts(const char *ts)
{
    size_t i;

    for (i = 0; i < TS_LEN; i++)
        if (ts[i] == '\0' || ts[i] == '\n')
            abort();
    if (ts[TS_LEN] != '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct model m;
    const char *p = (const char *)data, *end = p + size, *nl;
    size_t i, j;

    memset(&m, 0, sizeof m);
    while (p < end) {
        struct line l;
        size_t len;

        nl = memchr(p, '\n', (size_t)(end - p));
        len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        /* the parsers see exactly the line's octets: a copy without a NUL
         * after it would hide an overread from ASan, so none is added */
        l.text = malloc(len ? len : 1);
        if (l.text == NULL)
            abort();
        memcpy(l.text, p, len);
        l.len = len;
        if (parse_pdu_line(&l) == 0) {
            struct session *s;

            check_ts(l.ts);
            s = session_for(&m, l.instance, l.ts);
            if (s != NULL &&
                (s->instance != l.instance || (s->started && strcmp(s->start, l.ts) > 0)))
                abort();
        }
        if (parse_connector_line(&l) == 0) {
            check_ts(l.ts);
            model_add_line(&m, &l); /* the model owns the text now */
        } else {
            free(l.text);
        }
        p += len + 1;
    }
    for (i = 0; i < m.nsessions; i++) {
        const struct session *s = &m.sessions[i];

        for (j = 0; j < s->nidx; j++) {
            if (m.lines[s->idx[j]].instance != s->instance || (j > 0 && s->idx[j] <= s->idx[j - 1]))
                abort();
            print_line(stdout, &m.lines[s->idx[j]]);
        }
        list_session(stdout, &m, s);
    }
    model_free(&m);
    return 0;
}
