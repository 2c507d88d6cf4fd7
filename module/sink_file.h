/*
 * sink_file: the sink that writes EMG-style log files.
 *
 * Events become lines of the connector log (connector.<name>), the pdu log
 * (pdu.<name>), `security` and `general`, in text and/or as the JSON twin
 * (<file>.jsonl), as the configuration says (docs/connector-log.md,
 * docs/pdu-log.md).  This is the one place where a peer's raw values are
 * escaped into text.  Lines are built on the thread that dispatched the
 * event and handed to the log writer thread (logwriter.h), so no SMPP
 * thread waits on a disk; a line that cannot be built or queued is counted
 * as dropped and reported in `general`.  Floods of refusals and bad
 * command_lengths are rate-limited here (ratelimit.h), and the lock files
 * that detect two processes writing one connector are held here.
 */
#ifndef EMGDIAG_SINK_FILE_H
#define EMGDIAG_SINK_FILE_H

#include <stddef.h>

#include "sink.h"

struct emg_config;

struct file_sink_opts {
    const struct emg_config *cfg; /* the configuration at start */
    const char *process;          /* "bearerbox" or "opensmppbox": the (connector)
                                      of this process's general lines */
    /* The message log's name: "bearerbox", "opensmppbox" or the
     * opensmppbox-id (docs/message-log.md); NULL: `process`. */
    const char *message_name;
    /* One line for the host's own log (when even `general` cannot be
     * written); any thread. */
    void (*host_log)(const char *line);
};

/* The logs whose lost lines file_sink_dropped() counts. */
enum file_sink_log {
    FILE_LOG_CONNECTOR,
    FILE_LOG_PDU,
    FILE_LOG_SECURITY,
    FILE_LOG_GENERAL,
    FILE_LOG_MESSAGE,
    FILE_SINK_LOGS
};

/* Lines lost so far per log (JSON twins included), since the file sink
 * started: dropped on the way to the writer or by it.  Any thread; still
 * readable after the sink is closed. */
void file_sink_dropped(unsigned long long out[FILE_SINK_LOGS]);

/*
 * The tap: the database sink (sink_db.h) stores the lines this sink builds
 * rather than formatting them a second time.  With a tap set, every
 * connector, pdu, security and message line is built in both forms (text
 * and JSON twin, whatever `format=` writes to the files) and handed over
 * after it went to the writer, on the thread that dispatched its event.
 * A line that could not be built for the tap arrives with text NULL (the
 * tap counts it as lost).
 */
struct file_sink_line {
    int log;                  /* FILE_LOG_CONNECTOR, _PDU, _SECURITY or _MESSAGE */
    const struct timeval *tv; /* the event's time */
    const char *connector;
    int instance;          /* -1: none */
    unsigned long session; /* the connection's number in this process; 0: none */
    const char *text;      /* the text line, without its newline */
    size_t text_len;
    const char *json; /* its JSON twin, without its newline */
    size_t json_len;
};

/* Sets the tap; before the first event (file_sink_new, then this, then
 * dispatching). */
void file_sink_set_tap(struct emg_sink *files,
                       void (*tap)(void *ctx, const struct file_sink_line *line), void *ctx);

/* Checks the log directory and starts the writer thread.  NULL with one
 * line in err when the directory cannot be used. */
struct emg_sink *file_sink_new(const struct file_sink_opts *o, char *err, size_t errlen);

#endif
