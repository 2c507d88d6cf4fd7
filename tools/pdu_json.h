/*
 * pdu_json: one line of a pdu log's JSON twin (docs/pdu-log.md, "JSON
 * twin"), read back for emgdiag-compare.
 *
 * The text line cannot always be cut into its fields: a value may hold
 * " KEY:" text.  The twin keeps each field apart, so a tool that has it
 * takes the fields from there.  Lines are not trusted: anything that is
 * not one JSON object with the members the module writes (ts, instance,
 * dir, op, trn, fields; error when present) is refused as a whole, never
 * read past its end, and nesting deeper than the twin's own is refused
 * too.
 */
#ifndef EMGDIAG_PDU_JSON_H
#define EMGDIAG_PDU_JSON_H

#include <stddef.h>

#define PDU_JSON_TS_LEN 26 /* "YYYY-MM-DDTHH:MM:SS.uuuuuu" */

/* A field as the text form would print it: KEY and its value (a string's
 * JSON escapes undone, so the text form's own escaping; a number's digits). */
struct pdu_json_field {
    const char *key, *value;
    size_t key_len, value_len;
};

struct pdu_json {
    char ts[PDU_JSON_TS_LEN + 1]; /* local digits, 'T' made a space: the text form's */
    unsigned long instance;
    int write;   /* dir: "write" 1, "read" 0 */
    char op[16]; /* "0x" and 8 hex digits */
    unsigned long trn;
    struct pdu_json_field *fields; /* in the line's order; a repeated KEY once per value */
    size_t nfields;
    const char *error; /* NULL unless the PDU was malformed */
    size_t error_len;
    char *store; /* the strings above point here */
};

/* Parses s[0..n).  0 with *j filled (pdu_json_free it), or -1 when the line
 * is not such an object (nothing to free). */
int pdu_json_parse(const char *s, size_t n, struct pdu_json *j);

void pdu_json_free(struct pdu_json *j);

#endif
