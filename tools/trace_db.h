/*
 * trace_db: emgdiag-trace's message lines from the database the module's
 * database sink writes (docs/database.md, table messagelog) instead of
 * from message.* files.
 *
 * Every row's `line` is the message-log line exactly as the file has it;
 * each is parsed as a file's line is (msglog.h) and added to the model, in
 * the order of time and then of storing, which is each file's own order.
 * The model then answers as it does from files: emgdiag-trace prints the
 * same thing either way.  For one ID only the rows the rounds of the file
 * search (trace_rounds.h) would find are read, each search a query
 * through the indexes (db_message_lines(); docs/database.md, "Reading").
 */
#ifndef EMGDIAG_TRACE_DB_H
#define EMGDIAG_TRACE_DB_H

#include "trace_model.h"

/* Adds the messagelog rows of node (NULL: of every node) of the database
 * uri (sqlite:PATH, postgresql://…, mysql://…) within [since, until] to m.
 * The number of rows read, or -1 after an error (reported on stderr). */
long trace_db_read(struct trace_model *m, const char *uri, const char *node, const char *since,
                   const char *until);

/* Adds to m the messagelog rows of the message `id` names, as
 * trace_scan_id() does from files, found through the indexes (every row
 * of node, with a line on stderr, when the schema is older than version 4
 * or the back-end has no such query).  The number of rows read, or -1
 * after an error (reported on stderr). */
long trace_db_id(struct trace_model *m, const char *uri, const char *node, const char *id,
                 const char *since, const char *until);

#endif
