/*
 * compare_model: how emgdiag-compare pairs and compares lines (see
 * docs/man/emgdiag-compare.1).  A line is keyed by what identifies it (pdu
 * log: instance, Read/Write, op and trn; connector log: instance and
 * event); the lines of SECOND wait in a table by key until a line of FIRST
 * takes the first one with its key; a pair is compared on its text after
 * the timestamp and name, with the ignored fields left out.  The table
 * holds a window of SECOND: the caller reads ahead and drops the oldest
 * entries, whose octets the table counts, so memory stays bounded
 * whatever the size of the files.  The tool and
 * its fuzz target (tests/fuzz/fuzz_compare.c) link this same code.
 */
#ifndef EMGDIAG_COMPARE_MODEL_H
#define EMGDIAG_COMPARE_MODEL_H

#include <stddef.h>
#include <stdio.h>

#include "logline.h"
#include "pdu_json.h"

enum kind { KIND_UNKNOWN, KIND_PDU, KIND_CONNECTOR };

struct options {
    enum kind kind;
    int ignore_instance;
    int quiet;
    char **ignored; /* KEYs left out of pdu lines */
    size_t nignored;
};

/* A line of SECOND, kept until it is paired and no longer the oldest. */
struct entry {
    struct line l;
    char *key;
    char *cmp; /* what is compared (entry_cmp): the line without ts, name, ignored fields */
    size_t cmp_len;
    struct pdu_json *twin;   /* its JSON-twin line, or NULL; the entry owns it */
    unsigned long long seq;  /* its place among SECOND's lines added, 0 first */
    size_t bytes;            /* what it holds, roughly, in octets */
    unsigned long long hash; /* of key */
    struct entry *chain;     /* the next unpaired entry of its hash slot */
    struct entry *newer;     /* the entry added after it */
    int paired;
};

/* Hash slots of the unpaired entries (each slot's chain in the order they
 * were added), and every entry held, oldest first. */
struct table {
    struct entry **slot;
    size_t nslot;
    struct entry *oldest, *newest;
    size_t n;                 /* entries held */
    size_t bytes;             /* the octets they hold */
    unsigned long long added; /* entries ever added */
};

/* "<instance>|<first words>": for a pdu line Read/Write, op and trn; for a
 * connector line the event (what pairs lines).  The caller frees it. */
char *line_key(const struct options *o, const struct line *l);

/* What is compared: the body, with the ignored fields left out, and in a
 * pdu line each `\x20` read as the space it stands for (EMG writes a
 * plain space where the module may write \x20).  A pdu line's fields come
 * from its JSON-twin line when twin is not NULL (the caller has checked
 * that it is the line's twin), else from cutting the text.  Its length in
 * *cmp_len (it may hold NUL octets); the caller frees it. */
char *line_cmp(const struct options *o, const struct line *l, const struct pdu_json *twin,
               size_t *cmp_len);

/* Adds a line of SECOND, with its twin line or NULL (the table takes the
 * line's text and the twin, malloc'd). */
void table_add(struct table *t, const struct options *o, const struct line *l,
               struct pdu_json *twin);

/* The first unpaired entry with key, taken off its chain (it stays held,
 * marked paired, until it is dropped); NULL when none. */
struct entry *table_take(struct table *t, const char *key);

/* What is compared of an entry's line (line_cmp), made on first use. */
const char *entry_cmp(const struct options *o, struct entry *e);

/* Whether the line a of FIRST (with its twin or NULL) and its pair e differ
 * in what is compared. */
int pair_differs(const struct options *o, const struct line *a, const struct pdu_json *atwin,
                 struct entry *e);

/* Frees the oldest entry held (t->oldest, which must not be NULL). */
void table_drop_oldest(struct table *t);

void table_free(struct table *t);

/* "PREFIX<line>\n", the line with terminal control octets as \xHH
 * (print_escaped.h). */
void print_text(FILE *out, const char *prefix, const struct line *l);

/* The fields of a differing pdu pair, side by side: "    KEY: a | b"
 * (escaped as print_text does). */
void print_field_diff(FILE *out, const struct options *o, const struct line *a,
                      const struct pdu_json *atwin, const struct line *b,
                      const struct pdu_json *btwin);

#endif
