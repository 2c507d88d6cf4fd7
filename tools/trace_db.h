/*
 * trace_db: emgdiag-trace's message lines from the database the module's
 * database sink writes (docs/database.md, table messagelog) instead of
 * from message.* files.
 *
 * Every row's `line` is the message-log line exactly as the file has it;
 * each is parsed as a file's line is (msglog.h) and added to the model, in
 * the order of time and then of storing, which is each file's own order.
 * The model then answers as it does from files: emgdiag-trace prints the
 * same thing either way.
 */
#ifndef EMGDIAG_TRACE_DB_H
#define EMGDIAG_TRACE_DB_H

#include "trace_model.h"

/* Adds the messagelog rows of node (NULL: of every node) of the database
 * uri (sqlite:PATH, postgresql://…, mysql://…) within [since, until] to m.
 * The number of rows read, or -1 after an error (reported on stderr). */
long trace_db_read(struct trace_model *m, const char *uri, const char *node, const char *since,
                   const char *until);

#endif
