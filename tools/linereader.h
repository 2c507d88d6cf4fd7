/*
 * linereader: lines of untrusted input read with read(2), in bounded memory
 * and linear time, for the tools that read text (emgdiag-follow and
 * emgdiag-compare through logline, emgdiag-pdu's hex input).
 *
 * A line is what comes before a '\n'.  A line longer than the reader's
 * bound is not kept: its octets are dropped as they arrive, and the reader
 * says so once its end comes (LINEREADER_TOO_LONG), so memory stays at one
 * 64 KiB read buffer plus the bound whatever the input.  A read(2) error is
 * never taken for the end of the input: it is LINEREADER_ERROR with errno
 * saved.  At the end of the input for now (read(2) returned 0) an
 * unterminated last line is held: the caller either waits for the rest of
 * it (following a growing file) or drops it.
 *
 * With `gzip_auto` set, input that starts with the gzip magic (0x1f 0x8b)
 * is inflated (zlib, one or more gzip members) as it is read, in the same
 * bounded memory: rotated logs `<name>.N.gz` (docs/connector-log.md#rotation)
 * read like plain ones.  Data that is not valid gzip, or ends before its
 * last member does, is LINEREADER_ERROR with EBADMSG.
 */
#ifndef EMGDIAG_LINEREADER_H
#define EMGDIAG_LINEREADER_H

#include <stddef.h>

struct linereader_gz;

/* The default bound: 1 MiB, room for the longest line a 7,424-octet PDU
 * makes in the pdu log (every octet escaped as \xHH is 29,696) many times
 * over, and for a PDU of 512 KiB in hex. */
#define LINEREADER_DEFAULT_MAX (1024u * 1024u)

enum linereader_result {
    LINEREADER_LINE,     /* a whole line: *text, *len (without its '\n') */
    LINEREADER_TOO_LONG, /* a whole line longer than the bound was dropped */
    LINEREADER_END,      /* no whole line until more input arrives */
    LINEREADER_ERROR     /* read(2) failed: errno is in ->error */
};

struct linereader {
    int fd;               /* -1: none */
    size_t max_len;       /* longest line kept, in octets without the '\n' */
    unsigned long lineno; /* whole lines returned so far (kept or dropped) */
    int error;            /* errno of the read(2) that failed, else 0 */
    size_t dropped_len;   /* octets of the last line dropped as too long */
    size_t read_size;     /* octets asked of each read(2) (64 KiB; less in fuzzing) */
    char *chunk;          /* what read(2) gave, chunk_off..chunk_len not taken yet */
    size_t chunk_len, chunk_off;
    char *line; /* the start of a line that spans reads */
    size_t line_len, line_cap;
    int dropping; /* the current line is over the bound */
    int gzip_auto;                /* inflate input that starts as gzip (set after init) */
    int seen_input;               /* the first read was looked at */
    struct linereader_gz *gz;     /* the inflater, when the input is gzip */
};

/* Starts reading fd (not owned: the caller closes it); 0 max_len means the
 * default. */
void linereader_init(struct linereader *lr, int fd, size_t max_len);

/* The next line.  *text stays valid until the next call. */
enum linereader_result linereader_next(struct linereader *lr, const char **text, size_t *len);

/* After LINEREADER_END: whether an unterminated line is held. */
int linereader_pending(const struct linereader *lr);

/* After LINEREADER_END at the true end of the input: the unterminated last
 * line as a whole one (LINEREADER_LINE, or LINEREADER_TOO_LONG), or
 * LINEREADER_END when none is held. */
enum linereader_result linereader_finish(struct linereader *lr, const char **text, size_t *len);

/* Drops the unterminated line held (it counts as a line). */
void linereader_drop_pending(struct linereader *lr);

/* Forgets everything buffered and reads fd from where it stands (after a
 * reopen or an lseek); line numbers start again from 0. */
void linereader_restart(struct linereader *lr, int fd);

/* A message for a LINEREADER_ERROR errno: strerror's, or what EBADMSG
 * means here (bad gzip data). */
const char *linereader_strerror(int err);

/* Frees the buffers (not the fd). */
void linereader_free(struct linereader *lr);

/* Parses a count given on the command line (--max-line-length, and
 * emgdiag-pdu's --max-connections): decimal, at least 1, at most half of
 * SIZE_MAX.  0 on success, -1 when it is not one. */
int linereader_parse_max(const char *arg, size_t *out);

#endif
