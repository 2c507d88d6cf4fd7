/*
 * db_pgcopy: rows in the text form of PostgreSQL's COPY … FROM STDIN
 * (docs/database.md, "Writing").
 *
 * The PostgreSQL back-end (db_pgsql.c) sends a batch's rows of one table
 * as one COPY: a line per row, its columns separated by a tab, in the
 * order db_pgcopy_columns() names them (the common ones, then the table's
 * own).  A value is written as it is but for four octets, which COPY's
 * text form escapes: a backslash as `\\`, a tab as `\t`, a newline as
 * `\n`, a carriage return as `\r`; an SQL NULL is `\N`.  Other octets,
 * invalid UTF-8 among them, pass unchanged: the server checks the
 * encoding, as it does for a parameter.  A NUL cannot be in a PostgreSQL
 * text value at all: a value holding one is refused (-1), and the caller
 * writes that batch another way.  Needs no libpq: always built, tested
 * without a server.
 */
#ifndef EMGDIAG_DB_PGCOPY_H
#define EMGDIAG_DB_PGCOPY_H

#include <stddef.h>

#include "db_row.h"
#include "sbuf.h"

/* Appends s[0..n) in COPY's text form (s NULL: `\N`).  0, or -1 when s
 * holds a NUL (b then holds part of it). */
int db_pgcopy_text(struct sbuf *b, const char *s, size_t n);

/* Appends r as one COPY line, newline included, as node/box/session
 * (session NULL: none).  0, or -1 when a value holds a NUL. */
int db_pgcopy_row(struct sbuf *b, const char *node, const char *box, const char *session,
                  const struct db_row *r);

/* "(node, box, session, ts, connector, instance, <the table's own>)": the
 * column list of a COPY of `table` into b. */
void db_pgcopy_columns(struct sbuf *b, int table);

#endif
