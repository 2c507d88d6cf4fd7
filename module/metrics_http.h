/*
 * metrics_http: the metrics sink's HTTP endpoint, GET /metrics, on
 * libmicrohttpd (docs/metrics.md).
 *
 * The module binds the listening socket itself, so a port that cannot be
 * bound is reported with its errno; libmicrohttpd then serves it from one
 * thread of its own (started with every signal blocked: Kannel's threads
 * expect them), with a bounded number of connections and a timeout per
 * connection.  Each GET or HEAD of /metrics calls the render callback on
 * that thread; any other path is 404, any other method on /metrics 405.
 * Built without libmicrohttpd (configure --without-microhttpd),
 * metrics_http_start() refuses with one line and nothing else changes.
 */
#ifndef EMGDIAG_METRICS_HTTP_H
#define EMGDIAG_METRICS_HTTP_H

#include <stddef.h>

#include "metrics_text.h"

/* Connections served at once; more wait in the kernel's backlog. */
#define METRICS_HTTP_MAX_CONNECTIONS 8
/* Seconds an idle or slow connection is kept. */
#define METRICS_HTTP_TIMEOUT 10

struct metrics_http;

/* 1 when this build has libmicrohttpd. */
int metrics_http_available(void);

/* Binds `where`, a `listen` value (checked by the configuration loader: "IPv4:port" or
 * "[IPv6]:port") and starts serving.  NULL with one line in err, e.g.
 * "metrics listen 127.0.0.1:9391: Address already in use". */
struct metrics_http *metrics_http_start(const char *where, metrics_render_fn render, void *ctx,
                                        char *err, size_t errlen);

/* Stops serving (a scrape under way finishes first), closes the socket and
 * frees h.  NULL is fine. */
void metrics_http_stop(struct metrics_http *h);

#endif
