/*
 * follow_db: emgdiag-follow --db, the lines of one connector read from the
 * database the database sink writes (docs/database.md) instead of from
 * its files.
 *
 * The `line` column holds each line exactly as the file has it, so the
 * rows of the connector (and of one instance, when one is asked for) are
 * written, in the order they were stored, into two anonymous files that
 * the tool then reads like any connector and pdu log: what it prints is
 * what it prints from the files, by construction.  The queries use the
 * tables' (connector, instance, ts) indexes (db.h).
 */
#ifndef EMGDIAG_FOLLOW_DB_H
#define EMGDIAG_FOLLOW_DB_H

/* Fills two anonymous files with the connector-log and pdu-log lines of
 * `connector` (of `instance` when have_instance) from the database at
 * `uri` (sqlite:PATH, postgresql://…), of node `node` (NULL: the only node that has the
 * connector).  0 with the files' paths (/proc/self/fd/N) in con_path and
 * pdu_path (each at least 64 octets); -1 after a message on stderr. */
int follow_db_export(const char *uri, const char *node, const char *connector, int have_instance,
                     unsigned long instance, char *con_path, char *pdu_path);

#endif
