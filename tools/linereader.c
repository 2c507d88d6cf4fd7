/*
 * linereader: bounded lines from read(2) (see linereader.h).
 *
 * Each octet is looked at once (memchr for the newline) and copied at most
 * once: a line that lies whole in the read buffer is handed out in place;
 * only a line that spans reads is gathered into `line`, which never grows
 * past the bound.
 */
#include "linereader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

#define CHUNK_SIZE 65536

void linereader_init(struct linereader *lr, int fd, size_t max_len)
{
    memset(lr, 0, sizeof *lr);
    lr->fd = fd;
    lr->max_len = max_len ? max_len : LINEREADER_DEFAULT_MAX;
    lr->read_size = CHUNK_SIZE;
}

/* Appends n octets to the spanning line; the caller has checked the bound. */
static void line_append(struct linereader *lr, const char *p, size_t n)
{
    if (lr->line_len + n > lr->line_cap) {
        size_t cap = lr->line_cap ? lr->line_cap : 4096;

        while (cap < lr->line_len + n)
            cap = cap > SIZE_MAX / 2 ? lr->line_len + n : cap * 2;
        if (cap > lr->max_len)
            cap = lr->max_len; /* line_len + n <= max_len here */
        lr->line = xrealloc(lr->line, cap);
        lr->line_cap = cap;
    }
    memcpy(lr->line + lr->line_len, p, n);
    lr->line_len += n;
}

enum linereader_result linereader_next(struct linereader *lr, const char **text, size_t *len)
{
    for (;;) {
        if (lr->chunk_off < lr->chunk_len) {
            char *p = lr->chunk + lr->chunk_off;
            size_t avail = lr->chunk_len - lr->chunk_off;
            char *nl = memchr(p, '\n', avail);
            size_t n = nl != NULL ? (size_t)(nl - p) : avail;

            lr->chunk_off += nl != NULL ? n + 1 : n;
            if (!lr->dropping && n > lr->max_len - lr->line_len) {
                lr->dropping = 1;
                lr->dropped_len = lr->line_len;
                lr->line_len = 0;
            }
            if (lr->dropping) {
                lr->dropped_len += n;
                if (nl == NULL)
                    continue;
                lr->dropping = 0;
                lr->lineno++;
                return LINEREADER_TOO_LONG;
            }
            if (nl != NULL && lr->line_len == 0) {
                lr->lineno++;
                *text = p;
                *len = n;
                return LINEREADER_LINE;
            }
            line_append(lr, p, n);
            if (nl == NULL)
                continue;
            lr->lineno++;
            *text = lr->line;
            *len = lr->line_len;
            lr->line_len = 0;
            return LINEREADER_LINE;
        }
        if (lr->fd < 0)
            return LINEREADER_END;
        if (lr->chunk == NULL)
            lr->chunk = xmalloc(CHUNK_SIZE);
        lr->chunk_off = lr->chunk_len = 0;
        {
            size_t ask =
                lr->read_size > 0 && lr->read_size < CHUNK_SIZE ? lr->read_size : CHUNK_SIZE;
            ssize_t got = read(lr->fd, lr->chunk, ask);

            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                lr->error = errno;
                return LINEREADER_ERROR;
            }
            if (got == 0)
                return LINEREADER_END;
            lr->chunk_len = (size_t)got;
        }
    }
}

int linereader_pending(const struct linereader *lr)
{
    return lr->line_len > 0 || lr->dropping || lr->chunk_off < lr->chunk_len;
}

enum linereader_result linereader_finish(struct linereader *lr, const char **text, size_t *len)
{
    if (lr->dropping) {
        lr->dropping = 0;
        lr->lineno++;
        return LINEREADER_TOO_LONG;
    }
    if (lr->line_len == 0)
        return LINEREADER_END;
    lr->lineno++;
    *text = lr->line;
    *len = lr->line_len;
    lr->line_len = 0;
    return LINEREADER_LINE;
}

void linereader_drop_pending(struct linereader *lr)
{
    if (!linereader_pending(lr))
        return;
    lr->line_len = 0;
    lr->dropping = 0;
    lr->chunk_off = lr->chunk_len = 0;
    lr->lineno++;
}

void linereader_restart(struct linereader *lr, int fd)
{
    lr->fd = fd;
    lr->lineno = 0;
    lr->error = 0;
    lr->line_len = 0;
    lr->dropping = 0;
    lr->chunk_off = lr->chunk_len = 0;
}

void linereader_free(struct linereader *lr)
{
    free(lr->chunk);
    free(lr->line);
    lr->chunk = lr->line = NULL;
    lr->chunk_len = lr->chunk_off = lr->line_len = lr->line_cap = 0;
}

int linereader_parse_max(const char *arg, size_t *out)
{
    unsigned long long v = 0;
    const char *p;

    if (*arg == '\0')
        return -1;
    for (p = arg; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (SIZE_MAX / 2 - 9) / 10)
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v == 0)
        return -1;
    *out = (size_t)v;
    return 0;
}
