/*
 * db_load: `emgdiag-db load`, log files already written into the tables
 * the database sink writes (docs/database.md, "Loading files").
 *
 * A row needs both forms of its line: the text line (the `line` column)
 * and its JSON twin (the other columns), so a log is loaded from its text
 * file and its .jsonl twin together (logs written with format="both").
 * The two files hold the same lines, each in its own order, and lines of
 * concurrent sessions may come in a different order in the two: the twin
 * of a text line is the first one not yet taken, among the next
 * DB_LOAD_WINDOW twin lines, with the same local time digits and
 * instance.  Files are not trusted: a line longer than the bound, a twin
 * that is not the module's JSON (db_row.h), a text line without its twin,
 * a twin line no text line took, are each counted, the first of most
 * kinds named as FILE:LINE, and skipped.  Rows already in the database (the unique key) are left as
 * they are, so loading a file twice adds nothing the second time.
 */
#ifndef EMGDIAG_DB_LOAD_H
#define EMGDIAG_DB_LOAD_H

#include <stddef.h>

#include "db.h"

/* Twin lines held while looking for the twin of a text line. */
#define DB_LOAD_WINDOW 64

struct db_load_stats {
    unsigned long lines;   /* text lines read */
    unsigned long added;   /* rows inserted */
    unsigned long present; /* rows that were there already */
    unsigned long no_twin; /* text lines without a twin (skipped) */
    unsigned long bad;     /* twin lines not understood or without a text line, lines too
                              long (skipped) */
};

/* The table a log file's name belongs to (connector.*, pdu.*, security),
 * or -1 (general, a twin, anything else). */
int db_load_table_of(const char *path);

/* Loads the text file `path` and its twin path.jsonl as rows of `node` and
 * `box`.  0, or -1 after a message on stderr (a file that cannot be read,
 * a database that fails: the rows of the batches written so far stay).
 * With `progress`, a progress line on stderr (a terminal). */
int db_load_file(struct db *d, const char *node, const char *box, const char *path, int progress,
                 struct db_load_stats *st);

#endif
