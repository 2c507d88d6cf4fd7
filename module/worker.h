/*
 * worker: a thread of the module's own that runs one job on request.
 *
 * A host calls some hooks from threads that must not wait: opensmppbox
 * reloads its configuration from its accept loop, so a reload that parses
 * a large file there would keep new clients waiting.  Such a hook only
 * requests the job; the worker runs it.  Requests made while the job is
 * pending or running are folded into one more run, so the job always runs
 * once more after the last request.
 */
#ifndef EMGDIAG_WORKER_H
#define EMGDIAG_WORKER_H

struct worker;

/* Starts the thread (all signals blocked, named `name`, at most 15
 * characters).  NULL when it cannot be started. */
struct worker *worker_start(const char *name, void (*job)(void *ctx), void *ctx);

/* Asks for one more run of the job; never blocks on the job. */
void worker_request(struct worker *w);

/* Finishes the runs requested so far (so every request is answered), stops
 * and joins the thread, frees w. */
void worker_stop(struct worker *w);

#endif
