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
#include <string.h>

struct sbuf {
    char *buf; /* NUL-terminated whenever len > 0 */
    size_t len;
    size_t cap;
    int failed;   /* an allocation failed: content is incomplete */
    int borrowed; /* buf is the caller's array (SBUF_ON), not the heap's */
};

#define SBUF_INIT        \
    {                    \
        NULL, 0, 0, 0, 0 \
    }

/* An sbuf that starts in the caller's array (usually on the stack): a line
 * that fits costs no allocation; a longer one moves to the heap. */
#define SBUF_ON(array)                          \
    {                                           \
        (array), 0, sizeof(array), 0, 1         \
    }

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);               /* len = 0, keeps memory */
int sbuf_reserve(struct sbuf *b, size_t more); /* 0 ok, -1 failed */
void sbuf_putn_grow(struct sbuf *b, const char *s, size_t n); /* sbuf_putn's slow path */

/* Appends n octets.  Inline: a line is built from many short pieces, and a
 * piece that fits (the usual case) costs a compare and a copy. */
static inline void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
    if (n < b->cap - b->len && !b->failed) { /* room for n and the NUL */
        memcpy(b->buf + b->len, s, n);
        b->len += n;
        b->buf[b->len] = '\0';
    } else {
        sbuf_putn_grow(b, s, n);
    }
}

static inline void sbuf_putc(struct sbuf *b, char c)
{
    if (b->cap - b->len > 1 && !b->failed) {
        b->buf[b->len++] = c;
        b->buf[b->len] = '\0';
    } else {
        sbuf_putn_grow(b, &c, 1);
    }
}

static inline void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_putn(b, s, strlen(s));
}
/* Decimal, as printf's %llu and %lld write them, without printf's cost
 * (hot paths: the message log writes several numbers per line). */
void sbuf_put_uint(struct sbuf *b, unsigned long long v);
void sbuf_put_int(struct sbuf *b, long long v);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
const char *sbuf_cstr(struct sbuf *b); /* never NULL ("" when empty) */

#endif
