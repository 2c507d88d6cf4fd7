/*
 * sbuf: growable byte buffer for log lines (see sbuf.h).
 */
#include "sbuf.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b)
{
    b->buf = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

void sbuf_free(struct sbuf *b)
{
    emg_free(b->buf);
    sbuf_init(b);
}

void sbuf_reset(struct sbuf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->buf != NULL)
        b->buf[0] = '\0';
}

int sbuf_reserve(struct sbuf *b, size_t more)
{
    size_t need, ncap;
    char *nbuf;

    if (b->failed)
        return -1;
    if (more > (size_t)-1 - b->len - 1) {
        b->failed = 1;
        return -1;
    }
    need = b->len + more + 1;
    if (need <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 256;
    while (ncap < need) {
        if (ncap > (size_t)-1 / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    nbuf = emg_realloc(b->buf, ncap);
    if (nbuf == NULL) {
        b->failed = 1;
        return -1;
    }
    b->buf = nbuf;
    b->cap = ncap;
    return 0;
}

void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
    if (sbuf_reserve(b, n) != 0 || n == 0)
        return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void sbuf_putc(struct sbuf *b, char c)
{
    sbuf_putn(b, &c, 1);
}

void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_putn(b, s, strlen(s));
}

void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;

    if (sbuf_reserve(b, 64) != 0)
        return;
    va_copy(aq, ap);
    n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, aq);
    va_end(aq);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (sbuf_reserve(b, (size_t)n) != 0)
            return;
        n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
    }
    b->len += (size_t)n;
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *sbuf_cstr(struct sbuf *b)
{
    if (b->buf == NULL)
        return "";
    return b->buf;
}
