/*
 * db_msgids: the ids a message-log row lists, for the table messagelog_ids
 * (docs/database.md, schema version 4).
 *
 * A FORWARD line's `ids` and a receipt's `url` hold ';'-separated ids that
 * no index of messagelog can find one by one; every back-end writes each
 * of them as a row (node, ts, id) of messagelog_ids in the transaction of
 * the messagelog row, so emgdiag-trace --db finds a line by any id it
 * holds through an index (docs/message-log.md#how-an-id-is-found).  An id
 * is stored by its first DB_MESSAGE_ID_CHARS characters (an index entry
 * has a bounded size); a lookup cuts its key the same way and the reader
 * checks the line itself, so a longer id is still found exactly.
 */
#ifndef EMGDIAG_DB_MSGIDS_H
#define EMGDIAG_DB_MSGIDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "db_row.h"
#include "sbuf.h"

/* Characters of an id kept in messagelog_ids (UTF-8 characters: SQL's
 * substr()/left() count the same). */
#define DB_MESSAGE_ID_CHARS 255
#define DB_MESSAGE_ID_CHARS_SQL "255"

/* Rows of messagelog_ids deleted per messagelog row a retention statement
 * may delete (a FORWARD of several parts lists several ids). */
#define DB_MESSAGE_IDS_PER_ROW 4

/* The length in octets of the first DB_MESSAGE_ID_CHARS characters of
 * s[0..n). */
size_t db_message_id_cut(const char *s, size_t n);

/* Calls each() with every non-empty id (already cut) of the `ids` and
 * `url` columns of a messagelog row r (none for another table's row).
 * 0, or the first non-zero value each() returned. */
int db_message_ids(const struct db_row *r, int (*each)(void *ctx, const char *id, size_t n),
                   void *ctx);

/* db_message_lines() on the server back-ends: their queries give each row
 * as one text "<id> <line>" and its ts; db_message_line() cuts the id off
 * and hands the row to each(), counting it in rows. */
struct db_message_lines {
    void (*each)(void *ctx, int64_t id, const char *line, size_t n, int64_t ts);
    void *ctx;
    long rows;
};

void db_message_line(struct db_message_lines *c, const char *s, size_t n, int64_t ts);

/* The (ts, id) pairs of messagelog_ids of a batch, for the server
 * back-ends' parameters: pair k is the NUL-terminated ts in decimal at
 * text.buf + off[k], followed by the NUL-terminated id. */
struct db_id_rows {
    struct sbuf text;
    size_t *off;
    size_t n, cap;
};

/* Fills out (zeroed by the caller) with the ids of every messagelog row of
 * rows[0..n).  0, or -1 when out of memory (db_id_rows_free() then). */
int db_id_rows_collect(struct db_id_rows *out, const struct db_row *rows, size_t n);
void db_id_rows_free(struct db_id_rows *out);

/* Pair k's ts and id. */
static inline const char *db_id_rows_ts(const struct db_id_rows *r, size_t k)
{
    return r->text.buf + r->off[k];
}

static inline const char *db_id_rows_id(const struct db_id_rows *r, size_t k)
{
    return r->text.buf + r->off[k] + strlen(r->text.buf + r->off[k]) + 1;
}

#endif
