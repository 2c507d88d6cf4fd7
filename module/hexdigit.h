/* hexdigit.h: the value of one hexadecimal digit, for the code that reads
 * hex from untrusted text (a PDU given as hex, %HH in a file name or a
 * mysql:// URI, a hex message id).  One copy, inline: each caller is a hot
 * loop over input. */
#ifndef EMGDIAG_HEXDIGIT_H
#define EMGDIAG_HEXDIGIT_H

/* 0..15 for 0-9, a-f, A-F; -1 for anything else. */
static inline int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
