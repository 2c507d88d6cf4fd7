/*
 * follow_model: the session model behind emgdiag-follow.  Connector-log
 * lines are cut into sessions per instance (a session starts at a CONNECT
 * of its instance and ends at its DISCONNECT, at a CONNECT ERR, or where
 * the next CONNECT of the instance starts; lines before any CONNECT of an
 * instance form a session of their own), and a pdu-log line is placed into
 * the session of its instance whose time span holds its timestamp.  The
 * rules are those of docs/man/emgdiag-follow.1; the tool and its fuzz
 * target (tests/fuzz/fuzz_follow.c) link this same code.
 */
#ifndef EMGDIAG_FOLLOW_MODEL_H
#define EMGDIAG_FOLLOW_MODEL_H

#include <stddef.h>
#include <stdio.h>

#include "logline.h"

struct session {
    unsigned long instance;
    int ordinal;            /* 1 for the first session of its instance */
    int started;            /* begins with a CONNECT line */
    int ended;              /* a DISCONNECT or CONNECT ERR closed it */
    int superseded;         /* a CONNECT came before its DISCONNECT */
    char start[TS_LEN + 1]; /* its first line's timestamp */
    char end[TS_LEN + 1];   /* its last line's */
    size_t *idx;            /* its lines: indexes into the connector-line array */
    size_t nidx, capidx;
    unsigned long pdus;
};

/* The sessions of one instance, in order. */
struct instance {
    unsigned long instance;
    int used;
    size_t *sess; /* indexes into the session array */
    size_t n, cap;
};

struct model {
    struct line *lines; /* connector lines, file order */
    size_t nlines, caplines;
    struct session *sessions; /* in order of their first line */
    size_t nsessions, capsessions;
    struct instance *inst; /* open-addressing table by instance number */
    size_t ninst, capinst;
};

/* Adds a parsed connector line (the model takes its text) to its session. */
void model_add_line(struct model *m, const struct line *l);

/* Frees what the model holds, the lines' texts included. */
void model_free(struct model *m);

/* The session of `instance` that a pdu line at `ts` belongs to, or NULL. */
struct session *session_for(struct model *m, unsigned long instance, const char *ts);

/* One line of the session list: "(N) #K start .. end: events; P pdu lines"
 * (the events escaped as print_line does). */
void list_session(FILE *out, const struct model *m, const struct session *s);

/* A line as read, with terminal control octets as \xHH (print_escaped.h),
 * and its newline. */
void print_line(FILE *out, const struct line *l);

#endif
