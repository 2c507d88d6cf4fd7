/*
 * escape: turning untrusted octets into log-safe text.
 *
 * Everything a peer sends (PDU strings, system ids, addresses) passes through
 * here before it reaches a log line, so a line never holds a raw CR, LF or
 * other control octet and a peer cannot forge a line.  Printable ASCII stays
 * readable; `\` is doubled so the escaping can be undone without ambiguity.
 * esc_json() then wraps already-escaped text for the JSON twin of a log.
 */
#ifndef EMGDIAG_ESCAPE_H
#define EMGDIAG_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sbuf.h"

#define ESC_QUOTE 0x1u /* '"' prints \x22 (connector info, security key="value") */
#define ESC_COMMA 0x2u /* ',' prints \x2c (inside composite values) */

/* Most characters one input octet can become (a "\xHH" escape). */
#define ESC_MAX_PER_OCTET 4

/* The octets of w (eight input octets, as loaded from memory) that do not
   print as themselves (below 0x20, 0x7f and up, '\\'): their high bits
   (0x80 in each such octet's position) in the result.  Zero means the
   eight octets copy through unchanged.  Carries can also mark a plain
   octet above a marked one; an octet that needs escaping is never
   missed. */
static inline unsigned long long esc_word_special(unsigned long long w)
{
    const unsigned long long ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    unsigned long long below_space = (w - ones * 0x20) & ~w;
    unsigned long long del_or_high = (w + ones) | w; /* 0x7f..0xff set the high bit */
    unsigned long long bs = w ^ (ones * 0x5c);
    unsigned long long is_bs = (bs - ones) & ~bs;

    return (below_space | del_or_high | is_bs) & highs;
}

/* The octets of w equal to c, marked as esc_word_special() marks them (a
   plain octet above a marked one may be marked too; a match never missed). */
static inline unsigned long long esc_word_has(unsigned long long w, unsigned char c)
{
    const unsigned long long ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    unsigned long long x = w ^ (ones * c);

    return (x - ones) & ~x & highs;
}

/* esc_word_special(), and also the octets that are ':' (a value holding
   one may need its spaces escaped: see pdu_format.c). */
static inline unsigned long long esc_word_special_colon(unsigned long long w)
{
    return esc_word_special(w) | esc_word_has(w, ':');
}

static const char esc_hex_digits[] = "0123456789abcdef";

/* What an octet becomes: PLAIN itself, BACKSLASH two backslashes, HEX a
   \xHH escape. */
enum { ESC_HEX = 0, ESC_PLAIN = 1, ESC_BACKSLASH = 2 };
static const unsigned char esc_octet_class[256] = {
    [0x20 ... 0x5b] = ESC_PLAIN,
    [0x5c] = ESC_BACKSLASH,
    [0x5d ... 0x7e] = ESC_PLAIN,
};

static inline char *esc_put_escaped(char *out, unsigned char c, unsigned cls)
{
    if (cls == ESC_BACKSLASH) {
        out[0] = '\\';
        out[1] = '\\';
        return out + 2;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = esc_hex_digits[c >> 4];
    out[3] = esc_hex_digits[c & 0xf];
    return out + 4;
}

/* The escaping itself.  With colon_aware, a word holding ':' leaves the
   fast path too, and every ':' seen sets *colon: one pass tells the caller
   whether the value needs a look at its spaces (see esc_octets_colon_to). */
static inline __attribute__((always_inline)) size_t
esc_run(char *dst, const unsigned char *p, size_t n, unsigned flags, int colon_aware, int *colon)
{
    char *out = dst;
    size_t i = 0;
    int quote = (flags & ESC_QUOTE) != 0;

    if ((flags & ~ESC_QUOTE) != 0) {
        for (i = 0; i < n; i++) {
            unsigned char c = p[i];
            unsigned cls = esc_octet_class[c];

            if (colon_aware && c == ':')
                *colon = 1;
            if ((c == '"' && (flags & ESC_QUOTE)) || (c == ',' && (flags & ESC_COMMA)))
                cls = ESC_HEX;
            if (cls == ESC_PLAIN)
                *out++ = (char)c;
            else
                out = esc_put_escaped(out, c, cls);
        }
        return (size_t)(out - dst);
    }
    /* The common case, a plain run, is copied eight octets at a time (with
       ESC_QUOTE, '"' ends a plain run too). */
    while (n - i >= 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        if ((colon_aware ? esc_word_special_colon(w) : esc_word_special(w)) != 0 ||
            (quote && esc_word_has(w, '"') != 0))
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
        if ((colon_aware ? esc_word_special_colon(w) : esc_word_special(w)) == 0 &&
            !(quote && esc_word_has(w, '"') != 0)) {
            out += n - i;
            memcpy(out - 8, &w, 8);
            return (size_t)(out - dst);
        }
    }
    for (; i < n; i++) {
        unsigned char c = p[i];
        unsigned cls = esc_octet_class[c];

        if (colon_aware && c == ':')
            *colon = 1;
        if (quote && c == '"')
            cls = ESC_HEX;
        if (cls == ESC_PLAIN)
            *out++ = (char)c;
        else
            out = esc_put_escaped(out, c, cls);
    }
    return (size_t)(out - dst);
}

/* 0x20-0x7E as is except '\' -> "\\"; any other octet -> \xHH lowercase;
   flags add more. */
void esc_octets(struct sbuf *b, const unsigned char *p, size_t n, unsigned flags);

/* The same escaping into dst, which has room for ESC_MAX_PER_OCTET * n
   characters; returns the number written (no NUL is added). */
size_t esc_octets_to(char *dst, const unsigned char *p, size_t n, unsigned flags);

/* The same, also telling whether the octets hold a ':' (*colon set to 1,
   never cleared). */
size_t esc_octets_colon_to(char *dst, const unsigned char *p, size_t n, unsigned flags, int *colon);

/* Appends s as the *contents* of a JSON string (no surrounding quotes):
   escapes '"' and '\\' and control characters per RFC 8259. */
void esc_json(struct sbuf *b, const char *s, size_t n);

/* The same into dst, which has room for 6 * n characters; returns the number
   written.  Printable ASCII input needs at most 2 * n. */
size_t esc_json_to(char *dst, const char *s, size_t n);

#endif
