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

/* 0x20-0x7E as is except '\' -> "\\"; any other octet -> \xHH lowercase;
   flags add more. */
void esc_octets(struct sbuf *b, const unsigned char *p, size_t n, unsigned flags);

/* The same escaping into dst, which has room for ESC_MAX_PER_OCTET * n
   characters; returns the number written (no NUL is added). */
size_t esc_octets_to(char *dst, const unsigned char *p, size_t n, unsigned flags);

/* Appends s as the *contents* of a JSON string (no surrounding quotes):
   escapes '"' and '\\' and control characters per RFC 8259. */
void esc_json(struct sbuf *b, const char *s, size_t n);

/* The same into dst, which has room for 6 * n characters; returns the number
   written.  Printable ASCII input needs at most 2 * n. */
size_t esc_json_to(char *dst, const char *s, size_t n);

#endif
