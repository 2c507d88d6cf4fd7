/*
 * db_row.c: a log line's JSON twin cut into a row's columns (see db_row.h).
 *
 * The reader is a small recursive-descent JSON scanner over [p, end): it
 * never reads past end, and gives up at the first octet that does not fit.
 * Only what the twin holds is accepted at the top: an object of members
 * whose values are strings, numbers or (for `fields`) an object of
 * strings, numbers and arrays of those.
 */
#include "db_row.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

/* Deepest nesting the twin has: the line, `fields`, a repeated KEY. */
#define MAX_DEPTH 3

static const char *const connector_cols[] = { "event", "result", "info", "line", NULL };
static const char *const pdu_cols[] = { "dir",        "op",
                                        "name",       "status",
                                        "trn",        "datalen",
                                        "fields",     "error",
                                        "message_id", "receipted_message_id",
                                        "source_addr", "destination_addr",
                                        "line",       NULL };
/* Which of pdu_cols are integers: status, trn, datalen (the other
 * tables have none; the message log's values are all text). */
static const unsigned char pdu_int_cols[] = { 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };
_Static_assert(sizeof(pdu_int_cols) == sizeof(pdu_cols) / sizeof(pdu_cols[0]) - 1,
               "a flag for each pdu column");
static const char *const security_cols[] = { "level", "event", "fields", "line", NULL };
/* docs/message-log.md's keys, in its table's order */
static const char *const message_cols[] = { "step",   "uuid",   "trn",  "message_id", "part",
                                            "to",     "from",   "dlr_key", "ids",      "status",
                                            "id_raw", "type",   "url",  "key",        "line",
                                            NULL };

const char *db_table_name(int table)
{
    static const char *const names[DB_TABLES] = { "connectorlog", "pdulog", "securitylog",
                                                  "messagelog" };

    return table >= 0 && table < DB_TABLES ? names[table] : NULL;
}

const char *const *db_table_columns(int table)
{
    switch (table) {
    case DB_CONNECTORLOG: return connector_cols;
    case DB_PDULOG: return pdu_cols;
    case DB_SECURITYLOG: return security_cols;
    case DB_MESSAGELOG: return message_cols;
    default: return NULL;
    }
}

/* ---- the scanner ---- */

struct scan {
    const char *p, *end;
    char *out; /* decoded strings are appended here */
    size_t outlen;
    const char *why;
};

static inline void skip_ws(struct scan *s)
{
    /* the twins the module writes have none: one test for that case */
    if (s->p < s->end && (unsigned char)*s->p > ' ')
        return;
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
        s->p++;
}

static int fail(struct scan *s, const char *why)
{
    if (s->why == NULL)
        s->why = why;
    return -1;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];

        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    return 0;
}

/* The end of the run of octets from p that stand for themselves in a
 * string (no quote, no backslash, no control octet): eight at a time
 * while eight are left (a word has a byte below 0x20, or equal to one of
 * two, exactly when these bit tests say so), then one by one.  The tests
 * can also flag an octet after the first one that matches (a borrow runs
 * upwards), never one before it: on a little-endian machine the lowest
 * flag is the first such octet, so the word that has it ends the run
 * without a second look at its octets. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline const char *plain_run(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t w, q, b, hit;

        memcpy(&w, p, 8);
        q = w ^ (ONES * '"');
        b = w ^ (ONES * '\\');
        hit = (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
        if (hit != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return p + (__builtin_ctzll(hit) >> 3);
#else
            break;
#endif
        }
        p += 8;
    }
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    return p;
}

/* A string at s->p; its decoded octets are appended to s->out (when
 * `keep`) and NUL-terminated; *start is their offset. */
static int scan_string(struct scan *s, int keep, size_t *start)
{
    unsigned u;

    if (s->p >= s->end || *s->p != '"')
        return fail(s, "a string expected");
    s->p++;
    *start = s->outlen;
    for (;;) {
        const char *q = s->p;
        unsigned char c;

        /* a run of octets that stand for themselves, at once */
        q = plain_run(q, s->end);
        if (keep && q > s->p) {
            memcpy(s->out + s->outlen, s->p, (size_t)(q - s->p));
            s->outlen += (size_t)(q - s->p);
        }
        s->p = q;
        if (s->p >= s->end)
            return fail(s, "a string not closed");
        c = (unsigned char)*s->p++;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(s, "a control octet in a string");
        if (c == '\\') {
            if (s->p >= s->end)
                return fail(s, "a string not closed");
            c = (unsigned char)*s->p++;
            switch (c) {
            case '"':
            case '\\':
            case '/': break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                if (s->end - s->p < 4 || hex4(s->p, &u) != 0)
                    return fail(s, "a bad \\u escape");
                s->p += 4;
                if (u == 0)
                    return fail(s, "\\u0000 in a string");
                if (u >= 0xD800 && u <= 0xDFFF)
                    return fail(s, "a surrogate \\u escape");
                if (keep) {
                    if (u < 0x80) {
                        s->out[s->outlen++] = (char)u;
                    } else if (u < 0x800) {
                        s->out[s->outlen++] = (char)(0xC0 | (u >> 6));
                        s->out[s->outlen++] = (char)(0x80 | (u & 0x3F));
                    } else {
                        s->out[s->outlen++] = (char)(0xE0 | (u >> 12));
                        s->out[s->outlen++] = (char)(0x80 | ((u >> 6) & 0x3F));
                        s->out[s->outlen++] = (char)(0x80 | (u & 0x3F));
                    }
                }
                continue;
            default: return fail(s, "a bad escape in a string");
            }
        }
        if (keep)
            s->out[s->outlen++] = (char)c;
    }
    if (keep)
        s->out[s->outlen++] = '\0';
    return 0;
}

/* An integer (the twin writes no fractions or exponents); its value in *v. */
static int scan_number(struct scan *s, int64_t *v)
{
    int neg = 0, digits = 0;
    uint64_t n = 0;

    if (s->p < s->end && *s->p == '-') {
        neg = 1;
        s->p++;
    }
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        unsigned d = (unsigned)(*s->p++ - '0');

        if (n > (UINT64_MAX - d) / 10)
            return fail(s, "a number too large");
        n = n * 10 + d;
        digits++;
    }
    if (digits == 0)
        return fail(s, "a number expected");
    if (n > (uint64_t)INT64_MAX)
        n = (uint64_t)INT64_MAX; /* kept as text in fields; the column saturates */
    *v = neg ? -(int64_t)n : (int64_t)n;
    return 0;
}

/* Any value the twin can hold below the top, without keeping it. */
static int skip_value(struct scan *s, int depth)
{
    size_t start;
    int64_t v;

    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, "a value expected");
    if (*s->p == '"')
        return scan_string(s, 0, &start);
    if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
        return scan_number(s, &v);
    if (*s->p == '[' || *s->p == '{') {
        int obj = *s->p == '{';
        char close = obj ? '}' : ']';

        if (depth >= MAX_DEPTH)
            return fail(s, "nested too deep");
        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        for (;;) {
            if (obj) {
                skip_ws(s);
                if (scan_string(s, 0, &start) != 0)
                    return -1;
                skip_ws(s);
                if (s->p >= s->end || *s->p != ':')
                    return fail(s, "':' expected");
                s->p++;
            }
            if (skip_value(s, depth + 1) != 0)
                return -1;
            skip_ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                continue;
            }
            if (s->p < s->end && *s->p == close) {
                s->p++;
                return 0;
            }
            return fail(s, "',' or the end of a list expected");
        }
    }
    return fail(s, "a string, a number or an object expected");
}

/* The value of the k decimal digits at t, or -1. */
static long digits(const char *t, int k)
{
    long v = 0;

    for (int i = 0; i < k; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        v = v * 10 + (t[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to year y, month m (1-12), day d of the proleptic
 * Gregorian calendar; a day past the month's end counts on into the next
 * (as timegm() does). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+HH:MM" (exactly: digits where digits are)
 * as microseconds since 1970, UTC. */
static int parse_iso(const char *t, size_t n, int64_t *us)
{
    long Y, M, D, h, m, sec, micros, oh, om;

    if (n != 32 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || t[19] != '.' || (t[26] != '+' && t[26] != '-') || t[29] != ':')
        return -1;
    Y = digits(t, 4);
    M = digits(t + 5, 2);
    D = digits(t + 8, 2);
    h = digits(t + 11, 2);
    m = digits(t + 14, 2);
    sec = digits(t + 17, 2);
    micros = digits(t + 20, 6);
    oh = digits(t + 27, 2);
    om = digits(t + 30, 2);
    if (Y < 0 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || m < 0 || m > 59 ||
        sec < 0 || sec > 60 || micros < 0 || oh < 0 || oh > 23 || om < 0 || om > 59)
        return -1;
    *us = ((days_from_civil(Y, (int)M, (int)D) * 86400 + h * 3600 + m * 60 + sec) -
           (t[26] == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60)) *
              1000000 +
          micros;
    return 0;
}

/* The index of `name` among the table's columns (a message twin's
 * member: with `-` as `_`), or -1. */
static int col_index(int table, const char *name)
{
    const char *const *cols = db_table_columns(table);
    char col[32];
    size_t i;

    if (table != DB_MESSAGELOG) {
        for (int k = 0; cols[k] != NULL; k++)
            if (cols[k][0] == name[0] && strcmp(cols[k], name) == 0)
                return k;
        return -1;
    }
    for (i = 0; name[i] != '\0' && i + 1 < sizeof(col); i++)
        col[i] = name[i] == '-' ? '_' : name[i];
    if (name[i] != '\0')
        return -1;
    col[i] = '\0';
    if (strchr(name, '_') != NULL) /* the twin writes dlr-key */
        return -1;
    if (strcmp(col, "id") == 0) /* `id` is every table's key */
        snprintf(col, sizeof(col), "message_id");
    for (int k = 0; cols[k] != NULL; k++)
        if (strcmp(cols[k], col) == 0)
            return k;
    return -1;
}

/* The members of a twin that are not one of its table's own columns. */
enum member { M_OTHER, M_TS, M_CONNECTOR, M_INSTANCE, M_FIELDS, M_LINE };

static enum member member_of(const char *key, size_t n)
{
    switch (n) {
    case 2: return memcmp(key, "ts", 2) == 0 ? M_TS : M_OTHER;
    case 4: return memcmp(key, "line", 4) == 0 ? M_LINE : M_OTHER;
    case 6: return memcmp(key, "fields", 6) == 0 ? M_FIELDS : M_OTHER;
    case 8: return memcmp(key, "instance", 8) == 0 ? M_INSTANCE : M_OTHER;
    case 9: return memcmp(key, "connector", 9) == 0 ? M_CONNECTOR : M_OTHER;
    default: return M_OTHER;
    }
}

/* 1 when column `col` of `table` (col_index()) holds integers. */
static int is_int_col(int table, int col)
{
    return table == DB_PDULOG && col >= 0 && pdu_int_cols[col];
}

/* The `fields` keys that have a column of the pdu log, and the column. */
static const struct {
    const char *key, *col;
} field_keys[] = { { "MESSAGEID", "message_id" },
                   { "RECEIPTEDMESSAGEID", "receipted_message_id" },
                   { "SOURCEADDR", "source_addr" },
                   { "DESTINATIONADDR", "destination_addr" } };
#define NFIELD_KEYS (sizeof(field_keys) / sizeof(field_keys[0]))

/* Within the `fields` object fo[0..n), in one pass: for each of
 * field_keys, the value of its first occurrence into its column when that
 * is a string (or an array whose first element is one). */
static void field_columns(struct db_row *r, struct scan *outer, const char *fo, size_t n)
{
    struct scan s;
    size_t kstart, vstart;
    int decided[NFIELD_KEYS] = { 0 }, left = NFIELD_KEYS;

    memset(&s, 0, sizeof(s));
    s.p = fo + 1;
    s.end = fo + n - 1;
    s.out = outer->out;
    s.outlen = outer->outlen;
    while (left > 0) {
        int match = -1;
        const char *vp;

        skip_ws(&s);
        if (s.p >= s.end || scan_string(&s, 1, &kstart) != 0)
            return;
        for (size_t k = 0; k < NFIELD_KEYS; k++)
            if (!decided[k] && s.out[kstart] == field_keys[k].key[0] &&
                strcmp(s.out + kstart, field_keys[k].key) == 0)
                match = (int)k;
        s.outlen = kstart;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':')
            return;
        s.p++;
        skip_ws(&s);
        vp = s.p;
        if (match >= 0) {
            int col = col_index(DB_PDULOG, field_keys[match].col);

            decided[match] = 1;
            left--;
            if (s.p < s.end && *s.p == '[') {
                s.p++;
                skip_ws(&s);
            }
            if (s.p < s.end && *s.p == '"' && scan_string(&s, 1, &vstart) == 0) {
                r->col[col].s = s.out + vstart;
                r->col[col].n = s.outlen - vstart - 1;
                r->col[col].null = 0;
                outer->outlen = s.outlen;
            } else {
                s.outlen = outer->outlen;
            }
            s.p = vp;
        }
        if (skip_value(&s, 1) != 0)
            return;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ',')
            return;
        s.p++;
    }
}

int db_row_parse(int table, const char *json, size_t n, const char *text, size_t tn,
                 struct db_row *r, char *why, size_t whylen)
{
    char *store = emg_malloc(DB_ROW_STORE(n, tn));

    if (store == NULL) {
        memset(r, 0, sizeof(*r));
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (db_row_parse_into(table, json, n, text, tn, r, store, why, whylen) != 0) {
        emg_free(store);
        return -1;
    }
    r->store = store;
    return 0;
}

int db_row_parse_into(int table, const char *json, size_t n, const char *text, size_t tn,
                      struct db_row *r, char *store, char *why, size_t whylen)
{
    struct scan s;
    const char *fields = NULL, *extra = NULL;
    size_t fields_n = 0, extra_n = 0, kstart, vstart;
    int have_ts = 0, have_connector = 0, ncols;
    const char *const *cols;

    memset(r, 0, sizeof(*r));
    cols = db_table_columns(table);
    if (cols == NULL) {
        snprintf(why, whylen, "no such table");
        return -1;
    }
    for (ncols = 0; cols[ncols] != NULL; ncols++)
        r->col[ncols].null = 1;
    r->ncol = (size_t)ncols;
    r->table = table;
    r->instance = -1;
    memset(&s, 0, sizeof(s));
    s.p = json;
    s.end = json + n;
    s.out = store; /* DB_ROW_STORE (db_row.h) says why it is large enough */
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{') {
        fail(&s, "not a JSON object");
        goto bad;
    }
    s.p++;
    for (;;) {
        const char *key, *vp, *mstart;
        enum member m;
        int col;

        skip_ws(&s);
        mstart = s.p;
        if (scan_string(&s, 1, &kstart) != 0)
            goto bad;
        key = s.out + kstart;
        m = member_of(key, s.outlen - kstart - 1);
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':') {
            fail(&s, "':' expected");
            goto bad;
        }
        s.p++;
        skip_ws(&s);
        vp = s.p;
        col = col_index(table, key);
        if (m == M_FIELDS && table == DB_PDULOG) {
            if (s.p >= s.end || *s.p != '{') {
                fail(&s, "\"fields\" is not an object");
                goto bad;
            }
            if (skip_value(&s, 1) != 0)
                goto bad;
            fields = vp;
            fields_n = (size_t)(s.p - vp);
        } else if (s.p < s.end && *s.p == '"') {
            if (scan_string(&s, 1, &vstart) != 0)
                goto bad;
            if (m == M_TS) {
                if (parse_iso(s.out + vstart, s.outlen - vstart - 1, &r->ts_us) != 0) {
                    fail(&s, "\"ts\" is not an ISO 8601 time with microseconds and an offset");
                    goto bad;
                }
                have_ts = 1;
            } else if (m == M_CONNECTOR) {
                r->connector = s.out + vstart;
                have_connector = 1;
            } else if (col >= 0 && m != M_LINE && m != M_FIELDS &&
                       !is_int_col(table, col)) {
                r->col[col].s = s.out + vstart;
                r->col[col].n = s.outlen - vstart - 1;
                r->col[col].null = 0;
            } else if (table == DB_SECURITYLOG) {
                /* a key="value" of a security line: kept in fields */
                if (extra == NULL)
                    extra = mstart;
                extra_n = (size_t)(s.p - extra);
            } else if (table == DB_MESSAGELOG && m != M_LINE) {
                /* a key a newer module writes (docs/message-log.md): it
                 * is in `line`, and has no column here */
            } else {
                fail(&s, "a member the twin does not have");
                goto bad;
            }
        } else if (s.p < s.end && (*s.p == '-' || (*s.p >= '0' && *s.p <= '9'))) {
            int64_t v;

            if (scan_number(&s, &v) != 0)
                goto bad;
            if (m == M_INSTANCE && v >= 0 && v <= 0x7fffffff) {
                r->instance = (int)v;
            } else if (is_int_col(table, col)) {
                r->col[col].i = v;
                r->col[col].is_int = 1;
                r->col[col].null = 0;
            } else {
                fail(&s, "a number where the twin has none");
                goto bad;
            }
        } else {
            fail(&s, "a string or a number expected");
            goto bad;
        }
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        if (s.p < s.end && *s.p == '}') {
            s.p++;
            break;
        }
        fail(&s, "',' or '}' expected");
        goto bad;
    }
    skip_ws(&s);
    if (s.p != s.end) {
        fail(&s, "text after the object");
        goto bad;
    }
    if (!have_ts || !have_connector) {
        fail(&s, "\"ts\" or \"connector\" missing");
        goto bad;
    }
    if (fields != NULL) {
        int c = col_index(table, "fields");

        /* a copy: the row must not point into the caller's twin */
        memcpy(s.out + s.outlen, fields, fields_n);
        fields = s.out + s.outlen;
        s.outlen += fields_n;
        r->col[c].s = fields;
        r->col[c].n = fields_n;
        r->col[c].null = 0;
        field_columns(r, &s, fields, fields_n);
    }
    if (table == DB_SECURITYLOG) {
        /* {"key":"value",...}: the members as the twin wrote them */
        int c = col_index(table, "fields");
        char *o = s.out + s.outlen;

        o[0] = '{';
        if (extra != NULL) {
            /* extra starts at a member's opening quote; members between
             * two extras are only ever extras too (the twin writes level
             * and event first) */
            memcpy(o + 1, extra, extra_n);
        }
        o[1 + extra_n] = '}';
        r->col[c].s = o;
        r->col[c].n = extra_n + 2;
        r->col[c].null = 0;
        s.outlen += extra_n + 2;
    }
    if (table == DB_PDULOG && r->col[col_index(table, "fields")].null) {
        fail(&s, "\"fields\" missing");
        goto bad;
    }
    {
        int c = col_index(table, "line");

        memcpy(s.out + s.outlen, text, tn);
        r->col[c].s = s.out + s.outlen;
        r->col[c].n = tn;
        r->col[c].null = 0;
        s.outlen += tn;
    }
    return 0;

bad:
    snprintf(why, whylen, "%s at octet %zu", s.why != NULL ? s.why : "not a twin line",
             (size_t)(s.p - json));
    return -1;
}

void db_row_free(struct db_row *r)
{
    emg_free(r->store);
    r->store = NULL;
}
