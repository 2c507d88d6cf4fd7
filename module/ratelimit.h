/*
 * ratelimit: flood counting for log lines, and the once-a-second ticker.
 *
 * A port scan, a client retrying a refused bind in a loop or a peer
 * sending garbage lengths must not turn into a flood of identical lines:
 * past a number of lines a second of one kind (a refusal on a connector,
 * a bad command_length on a session), lines are counted instead of
 * written, and the count is reported once as a SUPPRESSED line
 * (docs/connector-log.md#security-and-general).  A flood's count is
 * reported when the next second's first line of that kind comes, or by the
 * ticker's sweep once the flood has stopped, or when its session ends.
 *
 * Floods are keyed by connector name, instance (-1 for a whole connector)
 * and a small kind number chosen by the caller.  The table is shared by
 * the threads of all sessions under one mutex: only lines that are
 * candidates for suppression (refusals, bad lengths) come here, never the
 * ordinary pdu log.
 */
#ifndef EMGDIAG_RATELIMIT_H
#define EMGDIAG_RATELIMIT_H

#include <time.h>

struct ratelimit;

/* `per_second` lines of one key are written each second, the rest counted.
 * NULL when out of memory. */
struct ratelimit *ratelimit_new(unsigned per_second);
void ratelimit_free(struct ratelimit *rl);

/* Counts one line of (name, instance, kind) at time `now`: 1 when it may
 * be written, 0 when it is counted instead.  When a new second starts after
 * lines were counted in an earlier one, *report gets that count (the caller
 * writes its SUPPRESSED line before this one).  Without memory for a new
 * key the line is admitted. */
int ratelimit_admit(struct ratelimit *rl, const char *name, int instance, int kind, time_t now,
                    unsigned long *report);

/* The count of (name, instance, kind) not reported yet, and forgets the
 * key: for a session that ends. */
unsigned long ratelimit_take(struct ratelimit *rl, const char *name, int instance, int kind);

/* Reports every key whose counted lines belong to a second before `now`
 * (all of them when `now` is 0), through `report`, and forgets keys that
 * have been quiet for a while.  Called by the ticker, and at shutdown. */
void ratelimit_sweep(struct ratelimit *rl, time_t now,
                     void (*report)(void *ctx, const char *name, int instance, int kind,
                                    unsigned long count),
                     void *ctx);

/* The ticker: a thread (all signals blocked, named "emgdiag-ticker") that
 * calls fn(ctx) about once a second until stopped.  NULL when the thread
 * cannot be started. */
struct ticker;
struct ticker *ticker_start(void (*fn)(void *ctx), void *ctx);
/* Stops and joins the ticker; fn is not called after it returns. */
void ticker_stop(struct ticker *t);

#endif
