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


size_t esc_octets_to(char *dst, const unsigned char *p, size_t n, unsigned flags)
{
    return esc_run(dst, p, n, flags, 0, NULL);
}

size_t esc_octets_colon_to(char *dst, const unsigned char *p, size_t n, unsigned flags, int *colon)
{
    return esc_run(dst, p, n, flags, 1, colon);
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

/* The octets of w that JSON escapes (a quote, a backslash, below 0x20),
 * marked as esc_word_has() marks them. */
static inline unsigned long long json_word_special(unsigned long long w)
{
    const unsigned long long ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

    return (((w - ones * 0x20) & ~w) & highs) | esc_word_has(w, '"') | esc_word_has(w, '\\');
}

size_t esc_json_to(char *dst, const char *s, size_t n)
{
    char *out = dst;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c;

        /* octets that stand for themselves, eight at a time */
        while (n - i >= 8) {
            uint64_t w;

            memcpy(&w, s + i, 8);
            if (json_word_special(w) != 0)
                break;
            memcpy(out, &w, 8);
            out += 8;
            i += 8;
        }
        if (i == n)
            break;
        c = (unsigned char)s[i];

        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char)c;
        } else if (c < 0x20) {
            /* \u00XX for every control character keeps the rule simple. */
            out[0] = '\\';
            out[1] = 'u';
            out[2] = '0';
            out[3] = '0';
            out[4] = esc_hex_digits[c >> 4];
            out[5] = esc_hex_digits[c & 0xf];
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
