/*
 * dispatch: the module's sinks, the configuration in force, and the
 * hand-over of every event to every sink.
 *
 * The configuration is an immutable snapshot, reference counted, so a
 * reload swaps it without stopping any thread; each event carries the
 * snapshot in force when it was dispatched, and the <connector> of its
 * connector.  Dispatching happens on the calling thread, sink after sink in
 * the order they were added.  At shutdown no new dispatch starts, the ones
 * under way are waited for (bounded), and then the sinks are closed.
 */
#ifndef EMGDIAG_DISPATCH_H
#define EMGDIAG_DISPATCH_H

#include <stddef.h>

#include "config.h"
#include "event.h"
#include "sink.h"

/* Sinks one process can have: files, metrics, database, and room.  A
 * session keeps this many slots (sink.h). */
#define DISPATCH_MAX_SINKS 4

/* Starts dispatching with configuration `cfg` (owned from now on, also on
 * failure) and no sinks yet.  0, or -1 when out of memory. */
int dispatch_start(struct emg_config *cfg);

/* Adds a sink (owned from now on).  0, or -1 when there is no room. */
int dispatch_add_sink(struct emg_sink *s);

/* 1 between dispatch_start() and dispatch_stop(). */
int dispatch_running(void);

/* A reference to the configuration in force, given back with
 * dispatch_config_put(); NULL when not running.  The configuration stays
 * valid while the reference is held, whatever reloads happen. */
struct dispatch_config;
struct dispatch_config *dispatch_config_get(void);
const struct emg_config *dispatch_config_of(const struct dispatch_config *ref);
void dispatch_config_put(struct dispatch_config *ref);

/* Hands `ev` to every sink, with the configuration in force and stamped now
 * unless ev->tv is set.  `slots` are the session's DISPATCH_MAX_SINKS sink
 * slots, or NULL outside a session.  Nothing happens once stopping. */
void dispatch_event(struct emg_event *ev, void **slots);

/* Asks every sink whether it can work with `cfg`: 0, or -1 with the first
 * refusal in err. */
int dispatch_check(const struct emg_config *cfg, char *err, size_t errlen);

/* Switches every sink and the snapshot to `cfg` (owned from now on), which
 * passed dispatch_check().  0, or -1 when out of memory (cfg freed, the
 * old configuration stays). */
int dispatch_reload(struct emg_config *cfg);

/* Async-signal-safe: every sink reopens its files on its own thread. */
void dispatch_reopen(void);

/* Stops: no new dispatch, waits up to timeout_ms for those under way, then
 * closes every sink within what is left of that time.  Returns 0, or the
 * number of dispatches still under way (the sinks are then left open: they
 * are still in use). */
int dispatch_stop(int timeout_ms);

#endif
