/*
 * escape: log-safe text from untrusted octets (see escape.h).
 *
 * The *_to variants write into memory the caller reserved, so the PDU
 * formatter can reserve a line's worst case once and escape without a
 * bounds check per octet; the sbuf variants reserve and then call them.
 */
#include "escape.h"

#include <stdint.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether all eight octets of w are in 0x20-0x7e and none is '\\'
   (bit tricks: an octet below k sets its high bit in (x - k) & ~x). */
static int word_is_plain(uint64_t w)
{
    uint64_t below_space = (w - ONES * 0x20) & ~w;
    uint64_t del_or_high = (w + ONES * 0x01) | w;     /* 0x7f..0xff set the high bit */
    uint64_t bs = w ^ (ONES * 0x5c);
    uint64_t is_bs = (bs - ONES) & ~bs;

    return ((below_space | del_or_high | is_bs) & HIGHS) == 0;
}

/* What an octet becomes: PLAIN itself, BACKSLASH two backslashes, HEX a
   \xHH escape. */
enum { HEX = 0, PLAIN = 1, BACKSLASH = 2 };
static const unsigned char octet_class[256] = {
    [0x20 ... 0x5b] = PLAIN,
    [0x5c] = BACKSLASH,
    [0x5d ... 0x7e] = PLAIN,
};

static inline char *put_escaped(char *out, unsigned char c, unsigned cls)
{
    if (cls == BACKSLASH) {
        out[0] = '\\';
        out[1] = '\\';
        return out + 2;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex_digits[c >> 4];
    out[3] = hex_digits[c & 0xf];
    return out + 4;
}

size_t esc_octets_to(char *dst, const unsigned char *p, size_t n, unsigned flags)
{
    char *out = dst;
    size_t i = 0;

    if (flags != 0) {
        for (i = 0; i < n; i++) {
            unsigned char c = p[i];
            unsigned cls = octet_class[c];

            if ((c == '"' && (flags & ESC_QUOTE)) || (c == ',' && (flags & ESC_COMMA)))
                cls = HEX;
            if (cls == PLAIN)
                *out++ = (char)c;
            else
                out = put_escaped(out, c, cls);
        }
        return (size_t)(out - dst);
    }
    while (i < n) {
        unsigned char c;
        unsigned cls;

        /* Runs of plain octets are copied eight at a time. */
        if (n - i >= 8) {
            uint64_t w;

            memcpy(&w, p + i, 8);
            if (word_is_plain(w)) {
                memcpy(out, &w, 8);
                out += 8;
                i += 8;
                continue;
            }
        }
        c = p[i++];
        cls = octet_class[c];
        if (cls == PLAIN)
            *out++ = (char)c;
        else
            out = put_escaped(out, c, cls);
    }
    return (size_t)(out - dst);
}

void esc_octets(struct sbuf *b, const unsigned char *p, size_t n, unsigned flags)
{
    if (n > ((size_t)-1 - 1) / ESC_MAX_PER_OCTET) {
        b->failed = 1;
        return;
    }
    if (sbuf_reserve(b, n * ESC_MAX_PER_OCTET) != 0)
        return;
    b->len += esc_octets_to(b->buf + b->len, p, n, flags);
    b->buf[b->len] = '\0';
}

size_t esc_json_to(char *dst, const char *s, size_t n)
{
    char *out = dst;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char)c;
        } else if (c < 0x20) {
            /* \u00XX for every control character keeps the rule simple. */
            out[0] = '\\';
            out[1] = 'u';
            out[2] = '0';
            out[3] = '0';
            out[4] = hex_digits[c >> 4];
            out[5] = hex_digits[c & 0xf];
            out += 6;
        } else {
            *out++ = (char)c;
        }
    }
    return (size_t)(out - dst);
}

void esc_json(struct sbuf *b, const char *s, size_t n)
{
    if (n > ((size_t)-1 - 1) / 6) {
        b->failed = 1;
        return;
    }
    if (sbuf_reserve(b, n * 6) != 0)
        return;
    b->len += esc_json_to(b->buf + b->len, s, n);
    b->buf[b->len] = '\0';
}
