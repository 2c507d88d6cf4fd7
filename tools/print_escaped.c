/*
 * print_escaped: control octets as \xHH on the way out (see print_escaped.h).
 */
#include "print_escaped.h"

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void print_escaped(FILE *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run;

    while (i < n) {
        for (run = i; run < n && !is_control((unsigned char)s[run]); run++)
            ;
        if (run > i)
            fwrite(s + i, 1, run - i, out);
        if (run == n)
            break;
        putc('\\', out);
        putc('x', out);
        putc(hex[(unsigned char)s[run] >> 4], out);
        putc(hex[(unsigned char)s[run] & 15], out);
        i = run + 1;
    }
}
