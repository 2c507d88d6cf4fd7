/*
 * trace_pdu: message steps from pdu logs (see trace_pdu.h).
 */
#include "trace_pdu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexdigit.h"
#include "logline.h"
#include "xalloc.h"

/* The value of field KEY (" KEY:" up to the next space) of a pdu line,
 * unescaped into out; 0, or -1 when absent. */
static int field(const char *rest, const char *key, char *out, size_t outlen)
{
    char pat[40];
    const char *p, *end;
    size_t n = 0;

    snprintf(pat, sizeof(pat), " %s:", key);
    p = strstr(rest, pat);
    if (p == NULL)
        return -1;
    p += strlen(pat);
    end = strchr(p, ' ');
    if (end == NULL)
        end = p + strlen(p);
    while (p < end && n + 1 < outlen) {
        if (p[0] == '\\' && end - p >= 2 && p[1] == '\\') {
            out[n++] = '\\';
            p += 2;
        } else if (p[0] == '\\' && end - p >= 4 && p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
            out[n++] = (char)(hex_digit(p[2]) * 16 + hex_digit(p[3]));
            p += 4;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return 0;
}

static void add(struct trace_model *m, const struct line *l, const char *connector, size_t clen,
                enum msglog_step step, const enum msglog_key *keys, const char *const *vals, int n,
                const char *since, const char *until)
{
    struct msglog_line ml;
    int i;

    memset(&ml, 0, sizeof(ml));
    memcpy(ml.ts, l->ts, sizeof(ml.ts));
    ml.connector = connector;
    ml.connector_len = clen;
    ml.instance = l->instance;
    ml.step = step;
    for (i = 0; i < n; i++) {
        if (vals[i] == NULL)
            continue;
        ml.v[keys[i]] = vals[i];
        ml.len[keys[i]] = strlen(vals[i]);
        ml.order[ml.n_order++] = keys[i];
    }
    trace_model_add(m, &ml, since, until);
}

int trace_pdu_read(struct trace_model *m, const char *path, const char *since, const char *until)
{
    static const enum msglog_key resp_keys[] = { MK_UUID, MK_TRN, MK_STATUS, MK_ID_RAW, MK_ID };
    static const enum msglog_key client_keys[] = { MK_UUID, MK_TRN, MK_ID };
    static const enum msglog_key dlr_keys[] = { MK_ID_RAW, MK_ID, MK_TO };
    static const enum msglog_key to_client_keys[] = { MK_UUID, MK_KEY, MK_TRN, MK_ID, MK_TO };
    struct logfile lf;
    struct line l;
    char id[256], trn[32], to[256], text[512], uuid[600], *conn;
    const char *rest, *p;
    size_t clen;
    int write, receipt;

    memset(&lf, 0, sizeof(lf));
    lf.prog = "emgdiag-trace";
    lf.path = path;
    lf.what = "pdu log";
    if (logfile_open(&lf) != 0) {
        fprintf(stderr, "emgdiag-trace: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (logfile_next(&lf, &l, parse_pdu_line, 0)) {
        rest = l.text + l.rest;
        conn = l.text + l.name_off;
        clen = l.name_len;
        write = strncmp(rest, "Write ", 6) == 0;
        if (field(rest, "trn", trn, sizeof(trn)) != 0)
            trn[0] = '\0';
        if (strstr(rest, " (SUBMIT_SM_RESP) status:0 ") != NULL &&
            field(rest, "MESSAGEID", id, sizeof(id)) == 0) {
            snprintf(uuid, sizeof(uuid), "%.*s/%s", (int)clen, conn, id);
            if (write) {
                const char *v[] = { id, trn, id };

                add(m, &l, conn, clen, MSG_CLIENT_SUBMIT, client_keys, v, 3, since, until);
            } else {
                const char *v[] = { uuid, trn, "0", id, id };

                add(m, &l, conn, clen, MSG_SUBMIT_RESP, resp_keys, v, 5, since, until);
            }
        } else if (strstr(rest, " (DELIVER_SM) ") != NULL) {
            receipt = field(rest, "RECEIPTEDMESSAGEID", id, sizeof(id)) == 0;
            if (!receipt && field(rest, "SHORTMESSAGE", text, sizeof(text)) == 0 &&
                (p = strstr(text, "id:")) != NULL) {
                size_t n = strcspn(p + 3, " ");

                if (n > 0 && n < sizeof(id)) {
                    memcpy(id, p + 3, n);
                    id[n] = '\0';
                    receipt = 1;
                }
            }
            if (receipt) {
                const char *tov = field(rest, "SOURCEADDR", to, sizeof(to)) == 0 ? to : NULL;

                if (write) {
                    const char *v[] = { id, id, trn, id, tov };

                    add(m, &l, conn, clen, MSG_DLR_TO_CLIENT, to_client_keys, v, 5, since, until);
                } else {
                    const char *v[] = { id, id, tov };

                    add(m, &l, conn, clen, MSG_DLR_UNMATCHED, dlr_keys, v, 3, since, until);
                }
            }
        }
        free(l.text);
    }
    logfile_summary(&lf);
    logfile_close(&lf);
    return lf.read_error != 0 ? -1 : 0;
}

void trace_pdu_match(struct trace_model *m)
{
    const size_t *ix;
    size_t i, j, n;

    for (i = 0; i < m->n; i++) {
        struct trace_rec *d = &m->recs[i];

        if (d->step != MSG_DLR_UNMATCHED || d->v[MK_ID] == NULL)
            continue;
        ix = trace_lookup(m, 'i', d->v[MK_ID], &n);
        for (j = 0; j < n; j++) {
            const struct trace_rec *r = &m->recs[ix[j]];

            if (r->step == MSG_SUBMIT_RESP && strcmp(r->connector, d->connector) == 0 &&
                r->v[MK_ID] != NULL && strcmp(r->v[MK_ID], d->v[MK_ID]) == 0)
                d->step = MSG_DLR;
        }
    }
}
