/*
 * metrics_textfile: the metrics sink's node-exporter textfile
 * (docs/metrics.md).
 *
 * A thread of its own, named emgdiag-metrics and started with every signal
 * blocked, writes the scrape (the render callback) to the file at start,
 * then every `interval` seconds, and once more when stopped, so the file
 * ends with the final counts.  Each write goes to a temporary file in the
 * same directory (not named *.prom, which the collector would read) and is
 * renamed over the file, so node-exporter reads the old text or the new
 * one, never a part.  A write that fails costs that write; the first
 * failure of a run of them is reported through the failed callback.
 */
#ifndef EMGDIAG_METRICS_TEXTFILE_H
#define EMGDIAG_METRICS_TEXTFILE_H

#include <stddef.h>

#include "metrics_text.h"

/* The writer's thread: writing `path` failed with `why` (the first failure
 * since the last write that worked). */
typedef void (*metrics_textfile_failed_fn)(void *ctx, const char *path, const char *why);

struct metrics_textfile;

/* Can a file be made in `path`'s directory?  0, or -1 with one line, e.g.
 * "metrics textfile F: directory D: No such file or directory". */
int metrics_textfile_check(const char *path, char *err, size_t errlen);

/* Starts the writer; NULL with one line in err. */
struct metrics_textfile *metrics_textfile_start(const char *path, int interval,
                                                metrics_render_fn render,
                                                metrics_textfile_failed_fn failed, void *ctx,
                                                char *err, size_t errlen);

/* A new file or interval (a reload): written at once, then every
 * interval; the same ones change nothing.  0, or -1 when out of memory (the
 * old ones stay). */
int metrics_textfile_set(struct metrics_textfile *t, const char *path, int interval);

/* Writes the last time, stops and frees t, waiting at most timeout_ms (< 0:
 * as long as it takes).  0 when done; -1 when the writer is stuck (a hung
 * disk): it then keeps t and still calls render and failed with ctx.  NULL
 * is fine. */
int metrics_textfile_stop(struct metrics_textfile *t, int timeout_ms);

#endif
