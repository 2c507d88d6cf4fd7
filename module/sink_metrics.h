/*
 * sink_metrics: the sink that counts events for Prometheus.
 *
 * Every event of a session is counted in the session's own slot (no lock
 * shared across sessions on the SMPP threads: relaxed atomics that only the
 * session's thread writes); a scrape folds the live sessions' counts into
 * the per-connector totals it reads, and a session that closes folds its
 * counts into them for good, so counters never go down and survive reloads
 * and reopens.  The text (docs/metrics.md) is served at GET /metrics by
 * libmicrohttpd on its own thread (metrics_http.h) and/or written to a
 * node-exporter textfile every `interval` seconds by a thread of its own
 * (metrics_textfile.h).
 * Series per family are capped (<metrics max-series>); samples past the
 * cap are counted in emgdiag_series_overflow_total.
 */
#ifndef EMGDIAG_SINK_METRICS_H
#define EMGDIAG_SINK_METRICS_H

#include <stddef.h>

#include "sbuf.h"
#include "sink.h"

struct emg_config;

struct metrics_sink_opts {
    const struct emg_config *cfg;  /* the configuration at start */
    int box;                       /* enum emgdiag_box: the process */
    const char *box_id;            /* opensmppbox: its opensmppbox-id, or NULL */
    const char *host_version;      /* e.g. "Kannel 1.4.5"; NULL: "" */
    /* The file sink, for emgdiag_log_lines_dropped_total (file_sink_dropped);
     * NULL: none.  It must outlive this sink. */
    const struct emg_sink *files;
};

/* Starts the endpoint and the textfile thread the process's <metrics>
 * element in o->cfg asks for (emg_config_metrics()).  NULL with err ""
 * when there is none (metrics are off); NULL with one line in err when the
 * port cannot be bound, this build has no libmicrohttpd and `listen` is
 * set, or the textfile's directory cannot be written. */
struct emg_sink *metrics_sink_new(const struct metrics_sink_opts *o, char *err, size_t errlen);

/* A reload in a process that started without metrics: when `cfg` now has
 * a <metrics> for it, general says it waits for a restart (a sink is only
 * added at start). */
void metrics_reload_without_sink(const struct emg_config *cfg, const struct metrics_sink_opts *o);

/* Appends the text a scrape answers to `out` (the tests compare it). */
void metrics_sink_render(struct emg_sink *s, struct sbuf *out);

#endif
