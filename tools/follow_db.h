/*
 * follow_db: emgdiag-follow --db, the lines of one connector read from the
 * database the database sink writes (docs/database.md) instead of from
 * its files.
 *
 * The `line` column holds each line exactly as the file has it, so rows
 * are written, in the order they were stored, into anonymous files that
 * the tool then reads like any connector and pdu log: what it prints is
 * what it prints from the files, by construction.  First the connector-log
 * rows of the connector (of one instance, when one is asked for); once the
 * tool has cut them into sessions and chosen the ones to print, only the
 * pdu-log rows inside the time span of those sessions are read, through
 * the (connector, node, instance, ts) index.  For one session of one
 * instance only the connector rows from the end of the log it is counted
 * from are read (export_end()), so one session of a table of millions of
 * rows costs about that session's rows.
 */
#ifndef EMGDIAG_FOLLOW_DB_H
#define EMGDIAG_FOLLOW_DB_H

#include "follow_model.h"

/* Opens the database at `uri` (sqlite:PATH, postgresql://…, mysql://…)
 * and fills an anonymous file with the connector-log lines of `connector`
 * (of `instance` when have_instance) of node `node` (NULL: the only node
 * that has the connector).  With an instance and want != 0 (the session
 * the tool prints: 1 the first, -1 the last), only the lines from one end
 * of the log that hold that session and its bounds, as the tool's model
 * cuts them (SQLite; the other back-ends give every line); want == 0: every
 * line.  0 with the file's path (/proc/self/fd/N) in con_path (at least 64
 * octets); -1 after a message on stderr. */
int follow_db_connector(const char *uri, const char *node, const char *connector,
                        int have_instance, unsigned long instance, long want, char *con_path);

/* The pdu-log lines into another anonymous file: all of them when `m` is
 * NULL, else those of the time span of the sessions of m marked in
 * `chosen` (m built from the connector file above, of one instance).  0
 * with the path in pdu_path; -1 after a message on stderr.  Closes the
 * database. */
int follow_db_pdu(const struct model *m, const unsigned char *chosen, char *pdu_path);

#endif
