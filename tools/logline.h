/*
 * logline: reading EMG-style log files line by line (the connector log of
 * docs/connector-log.md, the pdu log of docs/pdu-log.md) for the tools that work on logs already
 * written: emgdiag-follow and emgdiag-compare.
 *
 * Files are not trusted.  A line that is not in the format of its log, or
 * is longer than the bound (--max-line-length; linereader.h), is reported
 * on stderr as PROG: FILE:LINE: why (the first ten per file, then a count
 * at the end) and skipped; its count is in logfile.bad.  A file that
 * cannot be read (opened, a directory, a read(2) error part-way) is
 * reported as PROG: FILE: strerror and its errno kept in
 * logfile.read_error: the tools then stop with status 2, never taking a
 * read error for the end of the file.
 *
 * A file is read with its rotated history (docs/connector-log.md#rotation):
 * `<path>.N` or `<path>.N.gz` for N = 1, 2, ... up to the first number that
 * has neither, oldest first, then `<path>` itself, as one stream of lines.
 * Every one is opened when the file is, so a rotation while the tool reads
 * neither skips nor repeats a file.  Gzip files (by their first octets, not
 * their names) are inflated as they are read.  Messages name the file the
 * line came from.
 */
#ifndef EMGDIAG_LOGLINE_H
#define EMGDIAG_LOGLINE_H

#include <stdio.h>
#include <sys/types.h>

#include "linereader.h"
#include "xalloc.h"

#define TS_LEN 26       /* YYYY-MM-DD HH:MM:SS.uuuuuu */
#define MAX_REPORTED 10 /* bad lines reported one by one per file */

enum event { EV_CONNECT, EV_DISCONNECT, EV_OTHER };

/* One line of either log, parsed. */
struct line {
    char *text; /* as read, without its '\n'; the caller frees it */
    size_t len;
    char ts[TS_LEN + 1];
    unsigned long instance;
    enum event ev;             /* connector lines only */
    int err;                   /* connector lines: the outcome is ERR */
    size_t name_off, name_len; /* pdu lines: the connector name inside "(…,N)" */
    size_t rest;               /* offset of what follows "(N) " or "(name,N) " */
};

/* A log file being read line by line.  Set prog, path, what and max_len
 * (0: the default bound), the rest zero, then logfile_open(). */
struct logfile {
    const char *prog; /* message prefix: the tool's name */
    const char *path; /* as set by the caller; while reading, the history file read */
    const char *what; /* "connector log" or "pdu log" */
    size_t max_len;   /* the line-length bound */
    int opened;       /* fd is open */
    int fd;
    struct linereader lr;
    unsigned long bad; /* lines skipped: not in the format, too long, cut short */
    int read_error;    /* errno of a read that failed (reported), else 0 */
    ino_t ino; /* of the current file, <path> itself */
    dev_t dev;
    /* the history: files oldest first, the last one `given` itself */
    const char *given; /* the path the caller set */
    char **seg_paths;
    int *seg_fds;
    size_t nseg, seg; /* how many; the one being read */
};

/* Decimal digits at *p up to `end`; advances *p.  -1 when none or too large. */
int parse_ulong(const char **p, const char *end, unsigned long *out);

/* `<ts> (<instance>) <EVENT> <OK|ERR>[ (info="…")]`: 0, or -1 when the line
 * is not one. */
int parse_connector_line(struct line *l);

/* `<ts> <LEVEL> (<connector>,<instance>) …`: 0, or -1. */
int parse_pdu_line(struct line *l);

/* Opens lf->path and its history for reading from the start of the oldest
 * (and records the inode of lf->path itself, for rotation checks); -1 with
 * errno, EISDIR for a directory (lf->path then names the file that could
 * not be opened).  Reports nothing. */
int logfile_open(struct logfile *lf);
/* Opens only the file the caller named (no history), from its start: for
 * following it after a rotation.  -1 with errno. */
int logfile_open_current(struct logfile *lf);
/* Whether the file being read is the current one (not a rotated one). */
int logfile_on_current(const struct logfile *lf);

/* Whether lf has a file open. */
int logfile_is_open(const struct logfile *lf);

/* Goes back to the start of the file (for a second pass); -1 with errno
 * (a pipe cannot). */
int logfile_rewind(struct logfile *lf);

/* The next whole line of lf into l (its text a copy, NUL-terminated, that
 * the caller frees), skipping (and reporting) lines that `parse` refuses or
 * that are too long.  1: a line; 0: end of file for now, or a read error
 * (reported once, in lf->read_error).  With `following`, an unterminated
 * last line is kept until its end arrives; otherwise it is reported as cut
 * short and skipped. */
int logfile_next(struct logfile *lf, struct line *l, int (*parse)(struct line *), int following);

/* logfile_next() without the copy: l->text points into the reader's
 * buffer and stays valid only until the next call on lf (the caller must
 * not free it).  For a pass that keeps few of the lines it reads. */
int logfile_next_view(struct logfile *lf, struct line *l, int (*parse)(struct line *),
                      int following);
/* The next whole line as read, unparsed (*text valid until the next call).
 * 1: a line; 0: end of file or a read error (reported).  Lines too long
 * are reported and skipped. */
int logfile_next_raw(struct logfile *lf, const char **text, size_t *len);

/* The count of skipped lines, when more were skipped than were reported. */
void logfile_summary(const struct logfile *lf);

/* Closes the file (if open) and frees what lf holds. */
void logfile_close(struct logfile *lf);

#endif
