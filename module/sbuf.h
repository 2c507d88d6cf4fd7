/*
 * sbuf: a growable byte buffer for building log lines.
 *
 * Lines are built on the calling thread and handed to the log writer, so
 * the buffer grows on the heap rather than truncating: nothing a peer sends
 * is cut short.  An allocation failure is sticky (`failed`); appends after it
 * do nothing and the caller drops the line and counts it.
 */
#ifndef EMGDIAG_SBUF_H
#define EMGDIAG_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
    char *buf; /* NUL-terminated whenever len > 0 or after sbuf_cstr() */
    size_t len;
    size_t cap;
    int failed; /* an allocation failed: content is incomplete */
};

#define SBUF_INIT     \
    {                 \
        NULL, 0, 0, 0 \
    }

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);               /* len = 0, keeps memory */
int sbuf_reserve(struct sbuf *b, size_t more); /* 0 ok, -1 failed */
void sbuf_putc(struct sbuf *b, char c);
void sbuf_putn(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
/* Decimal, as printf's %llu and %lld write them, without printf's cost
 * (hot paths: the message log writes several numbers per line). */
void sbuf_put_uint(struct sbuf *b, unsigned long long v);
void sbuf_put_int(struct sbuf *b, long long v);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
const char *sbuf_cstr(struct sbuf *b); /* never NULL ("" when empty) */

#endif
