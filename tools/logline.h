/*
 * logline: reading EMG-style log files line by line (the connector log of
 * docs/connector-log.md, the pdu log of docs/pdu-log.md) for the tools that work on logs already
 * written: emgdiag-follow and emgdiag-compare.
 *
 * Files are not trusted.  A line that is not in the format of its log is
 * reported on stderr as PROG: FILE:LINE: why (the first ten per file, then
 * a count at the end) and skipped; its count is in logfile.bad.
 */
#ifndef EMGDIAG_LOGLINE_H
#define EMGDIAG_LOGLINE_H

#include <stdio.h>
#include <sys/types.h>

#define TS_LEN 26                 /* YYYY-MM-DD HH:MM:SS.uuuuuu */
#define MAX_REPORTED 10           /* bad lines reported one by one per file */

enum event { EV_CONNECT, EV_DISCONNECT, EV_OTHER };

/* One line of either log, parsed. */
struct line {
    char *text;                   /* as read, without its '\n'; the caller frees it */
    size_t len;
    char ts[TS_LEN + 1];
    unsigned long instance;
    enum event ev;                /* connector lines only */
    int err;                      /* connector lines: the outcome is ERR */
    size_t name_off, name_len;    /* pdu lines: the connector name inside "(…,N)" */
    size_t rest;                  /* offset of what follows "(N) " or "(name,N) " */
};

/* A log file being read line by line. */
struct logfile {
    const char *prog;             /* message prefix: the tool's name */
    const char *path;
    const char *what;             /* "connector log" or "pdu log" */
    FILE *f;
    unsigned long lineno;
    unsigned long bad;
    char *buf;                    /* getline buffer */
    size_t cap;
    char *partial;                /* follow mode: an unterminated last line */
    size_t partial_len;
    ino_t ino;
    dev_t dev;
};

/* malloc, realloc and strndup for the log tools: when memory runs out they
 * end the program with status 2 and "<program>: out of memory" on stderr. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

/* Decimal digits at *p up to `end`; advances *p.  -1 when none or too large. */
int parse_ulong(const char **p, const char *end, unsigned long *out);

/* `<ts> (<instance>) <EVENT> <OK|ERR>[ (info="…")]`: 0, or -1 when the line
 * is not one. */
int parse_connector_line(struct line *l);

/* `<ts> <LEVEL> (<connector>,<instance>) …`: 0, or -1. */
int parse_pdu_line(struct line *l);

/* Opens lf->path (and records its inode, for logfile_check_rotation-style
 * checks); -1 with errno. */
int logfile_open(struct logfile *lf);

/* The next whole line of lf into l, skipping (and reporting) lines that
 * `parse` refuses.  1: a line; 0: end of file for now.  With `following`,
 * an unterminated last line is kept until its end arrives; otherwise it is
 * reported as cut short and skipped. */
int logfile_next(struct logfile *lf, struct line *l, int (*parse)(struct line *), int following);

/* The count of skipped lines, when more were skipped than were reported. */
void logfile_summary(const struct logfile *lf);

/* Frees what lf holds besides its FILE. */
void logfile_free(struct logfile *lf);

#endif
