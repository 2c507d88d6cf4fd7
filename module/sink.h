/*
 * sink: what consumes events.
 *
 * A sink is one output of the module: the file sink (sink_file.c) writes
 * the connector, pdu, security and general logs and their JSON twins;
 * metrics and database sinks are further implementations of the same
 * interface.  The hook adapters (emgdiag.c) dispatch every event to every
 * sink in turn, on the thread that reported it, so on_event must be quick
 * and must never wait on a disk, a network or a lock held across sessions
 * for long: a sink that does I/O hands its work to a thread of its own.
 *
 * Per-session storage: each sink gets a slot (a void pointer) in every
 * session, reachable from the events of that session through ev->slot
 * without any lock shared across sessions.  A sink that uses it fills it on
 * EMG_EV_SESSION_OPEN and frees it on EMG_EV_SESSION_CLOSE; events of a
 * session are never dispatched concurrently with each other.
 */
#ifndef EMGDIAG_SINK_H
#define EMGDIAG_SINK_H

#include <stddef.h>

#include "event.h"

struct emg_config;
struct emg_sink;

struct emg_sink_ops {
    const char *name;
    /* One event; `slot` is this sink's per-session slot, NULL for events
     * outside a session. */
    void (*on_event)(struct emg_sink *s, const struct emg_event *ev, void **slot);
    /* Waits until what on_event accepted so far is written, or counted as
     * lost. */
    void (*flush)(struct emg_sink *s);
    /* The host reopens its logs.  Async-signal-safe: the work is done on the
     * sink's own thread. */
    void (*reopen)(struct emg_sink *s);
    /* Can the sink work with `cfg`?  No side effects.  0, or -1 with one
     * line in err (the reload is then refused and the old configuration
     * stays).  May be NULL. */
    int (*check)(struct emg_sink *s, const struct emg_config *cfg, char *err, size_t errlen);
    /* Switches to `cfg`, which passed check.  May be NULL. */
    void (*reload)(struct emg_sink *s, const struct emg_config *cfg);
    /* Last call: writes what is pending, waiting at most timeout_ms, counts
     * what is left as lost, frees the sink. */
    void (*close)(struct emg_sink *s, int timeout_ms);
};

struct emg_sink {
    const struct emg_sink_ops *ops;
};

#endif
