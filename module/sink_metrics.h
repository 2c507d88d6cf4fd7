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

#include "sink.h"

struct emg_config;
struct emgdiag_host;

/* How long a failed start waits for the sinks added before to close. */
#define METRICS_FAILED_START_WAIT_MS 2000

/*
 * Adds the metrics sink to dispatching (dispatch.h), after the sinks whose
 * counts it reads (the file sink's lost lines).  When the process's
 * <metrics> (emg_config_metrics(), for host->box and its opensmppbox-id)
 * is in `cfg`, its endpoint and textfile start now; without one the sink
 * counts nothing until a reload brings one.  0; or -1 with one line in err
 * when the port cannot be bound, `listen` is set and this build has no
 * libmicrohttpd, or the textfile's directory cannot be written: the module
 * cannot start, and dispatching is stopped (the sinks added before are
 * closed).
 */
int metrics_sink_add(const struct emg_config *cfg, const struct emgdiag_host *host, char *err,
                     size_t errlen);

#endif
