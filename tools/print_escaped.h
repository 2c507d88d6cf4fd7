/*
 * print_escaped: text read from a log, written to a terminal safely.
 *
 * emgdiag-follow and emgdiag-compare print lines that EMG or a hostile
 * peer may have written.  Every octet below 0x20 and the octet 0x7f (DEL)
 * goes out as \xHH with two lower-case hex digits, so that no escape
 * sequence (ESC is 0x1b), bell, backspace or carriage return reaches the
 * terminal.  Other octets are written as they are: the log's own escapes
 * (docs/pdu-log.md: `\\`, `\xHH`) already keep everything else printable,
 * and octets from 0x80 up are left for UTF-8 text.
 */
#ifndef EMGDIAG_PRINT_ESCAPED_H
#define EMGDIAG_PRINT_ESCAPED_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..n) to out with control octets as \xHH. */
void print_escaped(FILE *out, const char *s, size_t n);

#endif
