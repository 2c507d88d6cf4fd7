/*
 * pdu_json: a JSON-twin line back into its parts (see pdu_json.h).
 *
 * A small recursive-descent reader of RFC 8259 JSON, bounded by the input's
 * length at every step and by MAX_DEPTH in nesting.  Decoded strings go to
 * one buffer of the line's size (a JSON string never decodes longer than
 * it is written), so the fields point into memory that does not move.
 */
#include "pdu_json.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define MAX_DEPTH 8 /* the twin nests 3 deep: object, fields, array */

struct reader {
    const char *p, *end;
    char *store; /* decoded strings, appended */
    size_t store_len;
};

static void skip_ws(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int eat(struct reader *r, char c)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return 1;
    }
    return 0;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = p[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(struct reader *r, unsigned cp)
{
    char *o = r->store + r->store_len;

    if (cp < 0x80) {
        o[0] = (char)cp;
        r->store_len += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        r->store_len += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        r->store_len += 3;
    } else {
        o[0] = (char)(0xf0 | cp >> 18);
        o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[3] = (char)(0x80 | (cp & 0x3f));
        r->store_len += 4;
    }
}

/* A string at r->p, decoded into the store: *s and *len.  -1 when it is not
 * one.  Each escape decodes to no more octets than it is written with. */
static int string(struct reader *r, const char **s, size_t *len)
{
    size_t start;

    if (!eat(r, '"'))
        return -1;
    start = r->store_len;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;

        if (c < 0x20)
            return -1; /* a control octet must be escaped */
        if (c != '\\') {
            r->store[r->store_len++] = (char)c;
            r->p++;
            continue;
        }
        if (r->end - r->p < 2)
            return -1;
        switch (r->p[1]) {
        case '"':
        case '\\':
        case '/': r->store[r->store_len++] = r->p[1]; break;
        case 'b': r->store[r->store_len++] = '\b'; break;
        case 'f': r->store[r->store_len++] = '\f'; break;
        case 'n': r->store[r->store_len++] = '\n'; break;
        case 'r': r->store[r->store_len++] = '\r'; break;
        case 't': r->store[r->store_len++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;

            if (r->end - r->p < 6 || hex4(r->p + 2, &cp) != 0)
                return -1;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return -1; /* a low surrogate alone */
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (r->end - r->p < 12 || r->p[6] != '\\' || r->p[7] != 'u' ||
                    hex4(r->p + 8, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                r->p += 6;
            }
            put_utf8(r, cp);
            r->p += 4; /* the hex digits; the 2 of "\u" below */
            break;
        }
        default: return -1;
        }
        r->p += 2;
    }
    if (r->p >= r->end)
        return -1;
    r->p++; /* the closing quote */
    *s = r->store + start;
    *len = r->store_len - start;
    return 0;
}

/* A number at r->p, its text copied into the store as it is written. */
static int number(struct reader *r, const char **s, size_t *len)
{
    const char *q;

    skip_ws(r);
    q = r->p;
    if (q < r->end && *q == '-')
        q++;
    if (q >= r->end || *q < '0' || *q > '9')
        return -1;
    if (*q == '0')
        q++;
    else
        while (q < r->end && *q >= '0' && *q <= '9')
            q++;
    if (q < r->end && *q == '.') {
        q++;
        if (q >= r->end || *q < '0' || *q > '9')
            return -1;
        while (q < r->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < r->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < r->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= r->end || *q < '0' || *q > '9')
            return -1;
        while (q < r->end && *q >= '0' && *q <= '9')
            q++;
    }
    *len = (size_t)(q - r->p);
    memcpy(r->store + r->store_len, r->p, *len);
    *s = r->store + r->store_len;
    r->store_len += *len;
    r->p = q;
    return 0;
}

/* An unsigned decimal integer that fits an unsigned long. */
static int unsigned_number(struct reader *r, unsigned long *out)
{
    const char *s;
    size_t len, i;
    unsigned long v = 0;

    if (number(r, &s, &len) != 0 || len == 0 || s[0] == '-')
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (ULONG_MAX - 9) / 10)
            return -1; /* a fraction or an exponent: not the twin's */
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);

    skip_ws(r);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return -1;
    r->p += n;
    return 0;
}

/* Any value, read and left aside. */
static int skip_value(struct reader *r, int depth)
{
    const char *s;
    size_t len;

    if (depth > MAX_DEPTH)
        return -1;
    skip_ws(r);
    if (r->p >= r->end)
        return -1;
    switch (*r->p) {
    case '"': return string(r, &s, &len);
    case '{':
        r->p++;
        if (eat(r, '}'))
            return 0;
        do {
            if (string(r, &s, &len) != 0 || !eat(r, ':') || skip_value(r, depth + 1) != 0)
                return -1;
        } while (eat(r, ','));
        return eat(r, '}') ? 0 : -1;
    case '[':
        r->p++;
        if (eat(r, ']'))
            return 0;
        do {
            if (skip_value(r, depth + 1) != 0)
                return -1;
        } while (eat(r, ','));
        return eat(r, ']') ? 0 : -1;
    case 't': return literal(r, "true");
    case 'f': return literal(r, "false");
    case 'n': return literal(r, "null");
    default: return number(r, &s, &len);
    }
}

static void add_field(struct pdu_json *j, const char *key, size_t key_len, const char *value,
                      size_t value_len)
{
    j->fields = xrealloc(j->fields, (j->nfields + 1) * sizeof *j->fields);
    j->fields[j->nfields].key = key;
    j->fields[j->nfields].key_len = key_len;
    j->fields[j->nfields].value = value;
    j->fields[j->nfields].value_len = value_len;
    j->nfields++;
}

/* A string or a number, as the text form prints it. */
static int scalar(struct reader *r, const char **s, size_t *len)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == '"')
        return string(r, s, len);
    return number(r, s, len);
}

/* "fields": {KEY: value or [values], ...} */
static int fields(struct reader *r, struct pdu_json *j)
{
    const char *key, *value;
    size_t key_len, value_len;

    if (!eat(r, '{'))
        return -1;
    if (eat(r, '}'))
        return 0;
    do {
        if (string(r, &key, &key_len) != 0 || key_len == 0 || !eat(r, ':'))
            return -1;
        skip_ws(r);
        if (r->p < r->end && *r->p == '[') {
            r->p++;
            if (eat(r, ']'))
                return -1; /* the twin writes no empty array */
            do {
                if (scalar(r, &value, &value_len) != 0)
                    return -1;
                add_field(j, key, key_len, value, value_len);
            } while (eat(r, ','));
            if (!eat(r, ']'))
                return -1;
        } else {
            if (scalar(r, &value, &value_len) != 0)
                return -1;
            add_field(j, key, key_len, value, value_len);
        }
    } while (eat(r, ','));
    return eat(r, '}') ? 0 : -1;
}

static int is_key(const char *key, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(key, want, len) == 0;
}

enum { HAVE_TS = 1, HAVE_INSTANCE = 2, HAVE_DIR = 4, HAVE_OP = 8, HAVE_TRN = 16, HAVE_FIELDS = 32 };


/* "YYYY-MM-DDTHH:MM:SS.uuuuuu" at s (the offset that may follow is not
 * looked at): the twin's ts, and nothing else, is taken. */
static int iso_timestamp(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddd";
    size_t i;

    for (i = 0; i < PDU_JSON_TS_LEN; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

static int members(struct reader *r, struct pdu_json *j)
{
    const char *key, *s;
    size_t key_len, len;
    int have = 0, bit;

    if (!eat(r, '{') || eat(r, '}'))
        return -1;
    do {
        if (string(r, &key, &key_len) != 0 || !eat(r, ':'))
            return -1;
        bit = 0;
        if (is_key(key, key_len, "ts")) {
            bit = HAVE_TS;
            if (string(r, &s, &len) != 0 || len < PDU_JSON_TS_LEN || !iso_timestamp(s))
                return -1;
            memcpy(j->ts, s, PDU_JSON_TS_LEN);
            j->ts[10] = ' ';
            j->ts[PDU_JSON_TS_LEN] = '\0';
        } else if (is_key(key, key_len, "instance")) {
            bit = HAVE_INSTANCE;
            if (unsigned_number(r, &j->instance) != 0)
                return -1;
        } else if (is_key(key, key_len, "dir")) {
            bit = HAVE_DIR;
            if (string(r, &s, &len) != 0)
                return -1;
            if (is_key(s, len, "write"))
                j->write = 1;
            else if (is_key(s, len, "read"))
                j->write = 0;
            else
                return -1;
        } else if (is_key(key, key_len, "op")) {
            bit = HAVE_OP;
            /* kept as a C string: a \u0000 inside would cut it short */
            if (string(r, &s, &len) != 0 || len == 0 || len >= sizeof j->op ||
                memchr(s, '\0', len) != NULL)
                return -1;
            memcpy(j->op, s, len);
            j->op[len] = '\0';
        } else if (is_key(key, key_len, "trn")) {
            bit = HAVE_TRN;
            if (unsigned_number(r, &j->trn) != 0)
                return -1;
        } else if (is_key(key, key_len, "fields")) {
            bit = HAVE_FIELDS;
            if ((have & HAVE_FIELDS) || fields(r, j) != 0)
                return -1;
        } else if (is_key(key, key_len, "error")) {
            if (j->error != NULL || string(r, &j->error, &j->error_len) != 0)
                return -1;
        } else if (skip_value(r, 1) != 0) {
            return -1;
        }
        have |= bit;
    } while (eat(r, ','));
    if (!eat(r, '}'))
        return -1;
    skip_ws(r);
    if (r->p != r->end)
        return -1; /* one object per line, nothing after it */
    return have == (HAVE_TS | HAVE_INSTANCE | HAVE_DIR | HAVE_OP | HAVE_TRN | HAVE_FIELDS) ? 0 : -1;
}

int pdu_json_parse(const char *s, size_t n, struct pdu_json *j)
{
    struct reader r;

    memset(j, 0, sizeof *j);
    r.p = s;
    r.end = s + n;
    r.store = j->store = xmalloc(n + 1);
    r.store_len = 0;
    if (members(&r, j) != 0) {
        pdu_json_free(j);
        return -1;
    }
    return 0;
}

void pdu_json_free(struct pdu_json *j)
{
    free(j->fields);
    free(j->store);
    memset(j, 0, sizeof *j);
}
