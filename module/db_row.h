/*
 * db_row: one log line as a database row (docs/database.md).
 *
 * The file sink builds every line once, in text and as its JSON twin
 * (sink_file.h, the tap); a row is those two, cut into the columns the
 * twin's members name.  db_row_parse() reads the twin: one JSON object of
 * the members the module writes for that log.  Its input is treated as
 * untrusted (the same parser reads .jsonl files for `emgdiag-db load`):
 * anything that is not such an object is refused as a whole, nothing is
 * read past its end, nesting deeper than the twin's own is refused, and a
 * string holding a NUL (\u0000) is refused.  Strings are stored with their
 * JSON escapes undone, which leaves exactly the text form's own escaping
 * (docs/pdu-log.md, docs/connector-log.md); `fields` is kept as the JSON
 * text of the twin's object.  A row holds copies: it outlives its
 * inputs.
 */
#ifndef EMGDIAG_DB_ROW_H
#define EMGDIAG_DB_ROW_H

#include <stddef.h>
#include <stdint.h>

/* The tables (enum file_sink_log's first three, in the same order, then
 * the message log's: schema version 2). */
enum db_table { DB_CONNECTORLOG, DB_PDULOG, DB_SECURITYLOG, DB_MESSAGELOG, DB_TABLES };

/* A column's value: text (s, n; s NULL for SQL NULL) or an integer. */
struct db_value {
    const char *s;
    size_t n;
    int64_t i;
    int is_int; /* 1: i holds the value */
    int null;
};

/* The columns of every table after the common ones (node, box, session, ts,
 * connector, instance), in DDL order, and then `line`. */
#define DB_MAX_COLS 16

struct db_row {
    int table; /* enum db_table */
    int64_t ts_us;
    const char *connector; /* into store */
    int instance;          /* -1: none */
    struct db_value col[DB_MAX_COLS];
    size_t ncol;
    char *store; /* what the values point into */
};

/* The table's name and the names of its own columns (after the common
 * ones, `line` last); NULL-terminated.  A message-log twin's member is
 * its column with `-` as `_` (dlr-key: dlr_key), but for `id`, which is
 * `message_id` (every table's `id` is its row key); `to`, `from` and
 * `key` are SQL keywords: every back-end quotes column names. */
const char *db_table_name(int table);
const char *const *db_table_columns(int table);

/* Fills r from the JSON twin json[0..n) of a line of `table`, and the
 * text line text[0..tn).  0, or -1 with the reason in why (nothing to
 * free).  ts_us is taken from the twin's "ts". */
int db_row_parse(int table, const char *json, size_t n, const char *text, size_t tn,
                 struct db_row *r, char *why, size_t whylen);

/* The octets db_row_parse_into() may use for a twin of n octets and a text
 * line of tn: decoded strings never grow, so all of them, the fields'
 * columns decoded again, security's members copied and the text line
 * fit. */
#define DB_ROW_STORE(n, tn) (3 * (size_t)(n) + (size_t)(tn) + 16)

/* db_row_parse() into store[0..DB_ROW_STORE(n, tn)), which the caller
 * owns and keeps while r is used (r->store stays NULL): one allocation
 * for a batch of rows instead of one a row. */
int db_row_parse_into(int table, const char *json, size_t n, const char *text, size_t tn,
                      struct db_row *r, char *store, char *why, size_t whylen);

/* Frees what db_row_parse() allocated (nothing after db_row_parse_into()). */
void db_row_free(struct db_row *r);

#endif
