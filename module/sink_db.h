/*
 * sink_db: the database sink (docs/database.md).
 *
 * With a <database> in the configuration, every connector, pdu, security
 * and message line the file sink builds is also a row: the file sink hands
 * both forms of each line to this sink's tap (sink_file.h), which copies
 * them into a bounded queue and returns; the sink's own thread
 * (emgdiag-db) cuts them into columns (db_row.h) and writes them in
 * batches, one transaction each, at least once a second.  No SMPP thread
 * ever waits on the database: a full queue, a database that is down, slow
 * or full, costs rows, which are counted (db_sink_dropped(), the metric
 * emgdiag_database_rows_dropped_total) and reported in one `general` line
 * when writing works again.  The connection is retried with back-off.
 * Bearerbox alone deletes rows older than `keep-days`, in small batches.
 */
#ifndef EMGDIAG_SINK_DB_H
#define EMGDIAG_SINK_DB_H

#include <stddef.h>

#include "sink.h"

struct emg_config;

/* Rows handed to the database thread at most (a full queue drops). */
#define DB_QUEUE_MAX 100000
/* Rows per transaction at most. */
#define DB_BATCH_MAX 2000
/* The longest a row waits in the queue before its batch is written, ms. */
#define DB_FLUSH_MS 250
/* How much nicer than the process the emgdiag-db thread runs. */
#define DB_NICE_STEP 10
/* Back-off between connection attempts: from the first to the longest, ms. */
#define DB_RETRY_FIRST_MS 500
#define DB_RETRY_MAX_MS 30000
/* Rows deleted per table and transaction by retention. */
#define DB_EXPIRE_BATCH 1000

/* Creates the database sink when cfg has a <database>: sets the file
 * sink's tap, starts the thread and adds the sink to dispatch (after the
 * file sink).  0 (also when there is no <database>), or -1 with one line in
 * err.  `process` is "bearerbox" or "opensmppbox" (the rows' box);
 * host_log gets the line about rows lost at shutdown. */
int db_sink_add(const struct emg_config *cfg, struct emg_sink *files, const char *process,
                void (*host_log)(const char *line), char *err, size_t errlen);

/* Rows lost since the sink started (queue full, database down or full,
 * no memory, shutdown).  Any thread; 0 without a database sink. */
unsigned long long db_sink_dropped(void);

/* 1 when this process started a database sink (its metric is written). */
int db_sink_configured(void);

#endif
