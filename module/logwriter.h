/*
 * logwriter: the one thread that touches log files.
 *
 * Log lines are formatted on Kannel's SMPP threads, many at once, and those
 * threads must never wait on a disk.  They hand finished lines to
 * logwriter_submit(), which copies the line into a bounded in-memory queue
 * under a short mutex and returns.  A single writer thread takes lines in
 * FIFO order and appends them to files opened O_APPEND in the log directory,
 * whole lines only in every write(2)/writev(2) (the lines of one batch for
 * one file go together, up to LW_RUN_MAX in one call), so processes sharing
 * the directory never interleave parts of lines (docs/connector-log.md#files).
 *
 * Failures cost lines, never sessions: a full queue, a full disk or a
 * removed directory drops the line and counts it per file; once writing works
 * again the writer appends one DROPPED line (built by the module's
 * format_dropped callback) to the file "general", or, if even that file
 * cannot be written, tells the host through host_log at most once a second
 * (and once more, whatever the time, before it stops).  A line a full disk
 * cut short is never left glued to the next one: the fragment is cut off
 * again, or, in a file other processes share, ended with a newline.
 *
 * Size rotation (logwriter_set_rotation(), docs/connector-log.md#rotation):
 * before it appends a line that would take a file the caller calls
 * rotatable past the size, the writer renames the file to `<name>.1`
 * (rotation.h shifts the older ones and gzips on a helper thread) together
 * with its JSON twin `<name>.jsonl`, and the line starts the new file.  A
 * JSON twin whose text file is written too rotates only with it.
 */
#ifndef EMGDIAG_LOGWRITER_H
#define EMGDIAG_LOGWRITER_H

#include <stddef.h>

#include "sbuf.h"

struct logwriter;

struct logwriter_opts {
    const char *dir;         /* log directory; created (mode 0750, parents too) if missing */
    size_t max_queued_bytes; /* bound on queued line bytes (default 16 MiB when 0) */
    /* After writing a batch the writer waits this long for more lines before
     * it takes the next batch, unless a quarter of max_queued_bytes (at most
     * 256 KiB) is waiting, a flush or stop is asked for, or a signal comes.
     * A line submitted while the writer is idle is written at once.  0: no
     * waiting, every batch is taken as soon as it is there. */
    int linger_ms;
    /* Writer thread: lines of `file` were lost and writing works again; append
     * the complete line for "general" (ending in '\n') to `text` and/or the
     * one for "general.jsonl" to `json` (either may be left empty).  When
     * NULL a bare `DROPPED count="N" file="F"` line goes to "general". */
    void (*format_dropped)(void *ctx, const char *file, unsigned long count, struct sbuf *text,
                           struct sbuf *json);
    /* Writer thread: 1 when other processes may append to `file` too, so a
     * fragment a full disk left there is ended with a newline instead of
     * being cut off.  When NULL every file is taken as this process's own. */
    int (*is_shared)(void *ctx, const char *file);
    /* Writer thread: one-line message for the host's own log, used when even
     * "general" cannot be written.  May be NULL. */
    void (*host_log)(void *ctx, const char *msg);
    /* Writer thread: the bits other than LW_SIG_REOPEN given to
     * logwriter_signal().  May be NULL. */
    void (*on_signal)(void *ctx, unsigned bits);
    /* Writer thread: logwriter_stop_within() gave up waiting for it and it
     * has now finished after all; it frees the writer right after this
     * call, and ctx is the caller's to free here.  May be NULL. */
    void (*on_orphan_exit)(void *ctx);
    /* Any thread, possibly with the writer's lock held (only count, do not
     * call back into the writer): one line of `file` (NULL when its name
     * could not be kept) was lost.  Called once per lost line, when it is
     * counted as dropped, whether or not a DROPPED line reports it later.
     * May be NULL. */
    void (*on_lost)(void *ctx, const char *file);
    /* Writer thread: 1 when `file` may be rotated by size (a file this
     * process alone writes).  When NULL no file is rotated. */
    int (*rotatable)(void *ctx, const char *file);
    void *ctx;
};

#define LW_DEFAULT_MAX_QUEUED_BYTES ((size_t)16 * 1024 * 1024)
/* The lines of one file that one batch writes with a single writev(2), at
 * most: a batch writes each file's lines in runs of up to this many. */
#define LW_RUN_MAX 64

/* Close every open file; the next line for a file reopens it (and recreates
 * the directory if it was removed). */
#define LW_SIG_REOPEN 0x1u

/* Checks the directory is usable (creates it, opens a probe file for append,
 * removes it), then starts the writer thread with every signal blocked.  On
 * failure returns NULL with one line in err, e.g.
 * "log directory /x: Permission denied". */
struct logwriter *logwriter_start(const struct logwriter_opts *o, char *err, size_t errlen);

/* Queues a copy of `line` (len octets, the last one '\n') for the plain file
 * name `file` inside the directory.  Never blocks on I/O.  Returns 0 when
 * queued; -1 when the line was dropped (queue full, out of memory, a file
 * name that is not a plain name, a line not ending in '\n') and counted. */
int logwriter_submit(struct logwriter *w, const char *file, const char *line, size_t len);

/* Counts one line of `file` as dropped without queueing anything: for a
 * line the caller could not build (out of memory). */
void logwriter_count_drop(struct logwriter *w, const char *file);

/* Async-signal-safe: atomically records `bits` and wakes the writer through
 * a self-pipe.  LW_SIG_REOPEN closes every file; other bits are passed to
 * opts.on_signal on the writer thread. */
void logwriter_signal(struct logwriter *w, unsigned bits);

/* Checks `dir` as logwriter_start() does (creating it if missing), without
 * starting anything.  0, or -1 with one line in err. */
int logwriter_check_dir(const char *dir, char *err, size_t errlen);

/* Checks `dir` as logwriter_start() does, then switches to it: lines queued
 * before the call go to the old directory, lines queued after it to the new
 * one.  0 on success; -1 with one line in err (the old directory stays). */
int logwriter_set_dir(struct logwriter *w, const char *dir, char *err, size_t errlen);

/* Size rotation from now on: a rotatable file is rotated before a line
 * would take it past `size` octets (0: never), `keep` rotated files are
 * kept (rotation.h's bounds), and with `compress` they are gzipped.  Any
 * thread; the writer reads the values before each line. */
void logwriter_set_rotation(struct logwriter *w, unsigned long long size, unsigned keep,
                            int compress);

/* Waits until every line queued before the call has been written or dropped. */
void logwriter_flush(struct logwriter *w);

/* Writes what is queued, stops and joins the thread, closes files, frees w. */
void logwriter_stop(struct logwriter *w);

/* The same, waiting at most timeout_ms (a negative value waits as long as
 * it takes) for the writer to finish: a stuck disk must not hang the
 * host's exit.  Returns 0 when the writer finished and w is freed; else
 * (at least 1) the number of lines still unwritten, counted as lost: w then
 * belongs to the stuck thread, which frees it if it ever finishes. */
unsigned long logwriter_stop_within(struct logwriter *w, int timeout_ms);

struct logwriter_stats {
    unsigned long written;      /* lines appended in full */
    unsigned long dropped;      /* lines lost (queue full, open or write failed) */
    unsigned long short_writes; /* write(2)/writev(2) calls that wrote part of what was asked */
    unsigned long writes;       /* write(2)/writev(2) calls that appended lines */
    unsigned long batches;      /* times the writer took lines from the queue */
    unsigned long rotated;      /* files renamed to <name>.1 by size rotation */
    unsigned long compressed;   /* rotated files gzipped */
};

void logwriter_stats(struct logwriter *w, struct logwriter_stats *s);

#endif
