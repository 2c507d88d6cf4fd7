/*
 * db_linekey: the 64-bit key that tells one stored line from another in
 * SQLite's tables (schema version 3, docs/database.md "The line key").
 *
 * A row is the same row when its node, connector, ts and line are the
 * same.  SQLite used to keep that as a unique index over the whole `line`
 * (some 300 octets a row, the largest of the six indexes a pdu row
 * updates); it now keeps (ts, lkey), where lkey is this hash of node,
 * connector and line.  Two different lines share a key only if they also
 * share the microsecond and collide in 64 bits.
 *
 * The function is defined octet by octet in docs/database.md so that any
 * program can compute it: the same value on every machine (words are read
 * little-endian whatever the host's order), for any octets (NUL and
 * invalid UTF-8 included).
 */
#ifndef EMGDIAG_DB_LINEKEY_H
#define EMGDIAG_DB_LINEKEY_H

#include <stddef.h>
#include <stdint.h>

/* The key of (node, connector, line), each given with its length; as
 * SQLite stores it, a signed 64-bit integer of the same bits. */
int64_t db_line_key(const char *node, size_t node_len, const char *connector,
                    size_t connector_len, const char *line, size_t line_len);

#endif
