/*
 * metrics_text: writing the Prometheus text exposition format, version
 * 0.0.4 (docs/metrics.md).
 *
 * The metrics sink (sink_metrics.c) builds its scrape with these calls: a
 * family's HELP and TYPE lines, then its samples, each `name{labels} value`.
 * Label values are escaped here as the format requires (a backslash, a
 * double quote and a line feed are written \\, \" and \n); a value a peer
 * chose (a system_id, an address) is first escaped as the logs escape it
 * (escape.h), so it is printable ASCII and reads as in the connector log.
 */
#ifndef EMGDIAG_METRICS_TEXT_H
#define EMGDIAG_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* Appends a whole scrape to `out` (out->failed: it could not be made). */
typedef void (*metrics_render_fn)(void *ctx, struct sbuf *out);

/* The Content-Type of a scrape. */
#define MT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help\n# TYPE name type\n"; help is our own text (no
 * backslash, no line feed). */
void mt_family(struct sbuf *b, const char *name, const char *type, const char *help);

/* Appends `key="value"` to a label set being built in b, with a ',' first
 * unless b is empty; value (n octets) escaped for the format. */
void mt_label(struct sbuf *b, const char *key, const char *value, size_t n);

/* The same with a value a peer chose: escaped as the logs escape it
 * (escape.h, '"' as \x22), then for the format. */
void mt_label_octets(struct sbuf *b, const char *key, const unsigned char *p, size_t n);

/* One sample line: name{labels} value, labels as built by mt_label ("" for
 * none). */
void mt_sample_u64(struct sbuf *b, const char *name, const char *labels, uint64_t value);

/* The same with a value in microseconds, written as seconds ("12.000345"). */
void mt_sample_micros(struct sbuf *b, const char *name, const char *labels, int64_t micros);

#endif
