/*
 * linereader: bounded lines from read(2) (see linereader.h).
 *
 * Each octet is looked at once (memchr for the newline) and copied at most
 * once: a line that lies whole in the read buffer is handed out in place;
 * only a line that spans reads is gathered into `line`, which never grows
 * past the bound.  Gzip input is inflated into the same read buffer, from a
 * second buffer of compressed octets, so a line costs the same either way.
 */
#include "linereader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xalloc.h"

#define CHUNK_SIZE 65536

struct linereader_gz {
    z_stream zs;
    unsigned char *in; /* compressed octets read, zs.next_in into them */
    int in_eof;        /* read(2) returned 0 */
    int member_ended;  /* the last inflate() ended a gzip member */
};

static void gz_free(struct linereader *lr)
{
    if (lr->gz == NULL)
        return;
    inflateEnd(&lr->gz->zs);
    free(lr->gz->in);
    free(lr->gz);
    lr->gz = NULL;
}

/* read(2) without EINTR. */
static ssize_t read_raw(int fd, void *buf, size_t n)
{
    ssize_t got;

    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}

/* Up to `ask` inflated octets into lr->chunk; 0 at the end of the input, -1
 * with errno. */
static ssize_t gz_read(struct linereader *lr, size_t ask)
{
    struct linereader_gz *g = lr->gz;
    ssize_t got;
    int rc;

    for (;;) {
        if (g->zs.avail_in == 0 && !g->in_eof) {
            got = read_raw(lr->fd, g->in, CHUNK_SIZE);
            if (got < 0)
                return -1;
            if (got == 0)
                g->in_eof = 1;
            g->zs.next_in = g->in;
            g->zs.avail_in = (uInt)got;
        }
        if (g->zs.avail_in == 0 && g->in_eof) {
            if (g->member_ended)
                return 0;
            errno = EBADMSG; /* cut short */
            return -1;
        }
        if (g->member_ended) { /* another gzip member follows */
            if (inflateReset(&g->zs) != Z_OK) {
                errno = EBADMSG;
                return -1;
            }
            g->member_ended = 0;
        }
        g->zs.next_out = (unsigned char *)lr->chunk;
        g->zs.avail_out = (uInt)ask;
        rc = inflate(&g->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            g->member_ended = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            errno = rc == Z_MEM_ERROR ? ENOMEM : EBADMSG;
            return -1;
        }
        if (ask - g->zs.avail_out > 0)
            return (ssize_t)(ask - g->zs.avail_out);
    }
}

/* The first `got` octets read are gzip: they become the inflater's input. */
static int gz_start(struct linereader *lr, size_t got)
{
    struct linereader_gz *g = xmalloc(sizeof *g);

    memset(g, 0, sizeof *g);
    g->in = xmalloc(CHUNK_SIZE);
    memcpy(g->in, lr->chunk, got);
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)got;
    if (inflateInit2(&g->zs, 15 + 16) != Z_OK) {
        free(g->in);
        free(g);
        errno = ENOMEM;
        return -1;
    }
    lr->gz = g;
    return 0;
}

/* Up to `ask` octets of input into lr->chunk: 0 at its end, -1 with errno. */
static ssize_t fill(struct linereader *lr, size_t ask)
{
    ssize_t got;

    if (lr->gz != NULL)
        return gz_read(lr, ask);
    got = read_raw(lr->fd, lr->chunk, ask);
    if (got > 0 && lr->gzip_auto && !lr->seen_input) {
        /* the magic is two octets: a read of one (a pipe, a tiny read
         * size) is followed by another */
        while (got == 1) {
            ssize_t more = read_raw(lr->fd, lr->chunk + 1, ask > 1 ? ask - 1 : 1);

            if (more < 0)
                return -1;
            if (more == 0)
                break;
            got += more;
        }
        lr->seen_input = 1;
        if (got >= 2 && (unsigned char)lr->chunk[0] == 0x1f &&
            (unsigned char)lr->chunk[1] == 0x8b) {
            if (gz_start(lr, (size_t)got) != 0)
                return -1;
            return gz_read(lr, ask);
        }
    }
    return got;
}

const char *linereader_strerror(int err)
{
    return err == EBADMSG ? "not valid gzip data, or cut short" : strerror(err);
}

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
            ssize_t got = fill(lr, ask);

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
    gz_free(lr);
    lr->seen_input = 0;
    lr->fd = fd;
    lr->lineno = 0;
    lr->error = 0;
    lr->line_len = 0;
    lr->dropping = 0;
    lr->chunk_off = lr->chunk_len = 0;
}

void linereader_free(struct linereader *lr)
{
    gz_free(lr);
    lr->seen_input = 0;
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
