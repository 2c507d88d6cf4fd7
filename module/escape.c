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

/* Whether all eight octets of w print as themselves. */
static inline int word_is_plain(uint64_t w)
{
    return esc_word_special(w) == 0;
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
    /* The common case, a plain run, is copied eight octets at a time. */
    while (n - i >= 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        if (!word_is_plain(w))
            break;
        memcpy(out, &w, 8);
        out += 8;
        i += 8;
    }
    if (i == n)
        return (size_t)(out - dst);
    if (n >= 8 && n - i < 8) {
        /* Fewer than eight octets left, after at least eight: the last
           eight octets of the input overlap what was already copied.  If
           they are all plain, so were the overlapped ones, which therefore
           printed as themselves: writing the word eight characters before
           the end gives the same text. */
        uint64_t w;

        memcpy(&w, p + n - 8, 8);
        if (word_is_plain(w)) {
            out += n - i;
            memcpy(out - 8, &w, 8);
            return (size_t)(out - dst);
        }
    }
    for (; i < n; i++) {
        unsigned char c = p[i];
        unsigned cls = octet_class[c];

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
