/*
 * metrics_text.c: the exposition format's lines (see metrics_text.h).
 *
 * Only the escapes the format defines are written; every other octet of a
 * label value is copied.  The values we pass are printable ASCII (names,
 * numbers, and peers' values already escaped by esc_octets), so the text
 * is valid UTF-8 whatever a peer sent.
 */
#include "metrics_text.h"

#include <inttypes.h>
#include <string.h>

#include "escape.h"

void mt_family(struct sbuf *b, const char *name, const char *type, const char *help)
{
    sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label_open(struct sbuf *b, const char *key)
{
    if (b->len > 0)
        sbuf_putc(b, ',');
    sbuf_puts(b, key);
    sbuf_puts(b, "=\"");
}

void mt_label(struct sbuf *b, const char *key, const char *value, size_t n)
{
    size_t i, run = 0;

    label_open(b, key);
    for (i = 0; i < n; i++) {
        const char *esc = value[i] == '\\'   ? "\\\\"
                          : value[i] == '"'  ? "\\\""
                          : value[i] == '\n' ? "\\n"
                                             : NULL;

        if (esc == NULL)
            continue;
        sbuf_putn(b, value + run, i - run);
        sbuf_puts(b, esc);
        run = i + 1;
    }
    sbuf_putn(b, value + run, n - run);
    sbuf_putc(b, '"');
}

void mt_label_octets(struct sbuf *b, const char *key, const unsigned char *p, size_t n)
{
    struct sbuf v = SBUF_INIT;

    esc_octets(&v, p, n, ESC_QUOTE);
    if (v.failed)
        b->failed = 1;
    else
        mt_label(b, key, v.buf != NULL ? v.buf : "", v.len);
    sbuf_free(&v);
}

static void sample_name(struct sbuf *b, const char *name, const char *labels)
{
    sbuf_puts(b, name);
    if (labels[0] != '\0') {
        sbuf_putc(b, '{');
        sbuf_puts(b, labels);
        sbuf_putc(b, '}');
    }
}

void mt_sample_u64(struct sbuf *b, const char *name, const char *labels, uint64_t value)
{
    sample_name(b, name, labels);
    sbuf_printf(b, " %" PRIu64 "\n", value);
}

void mt_sample_micros(struct sbuf *b, const char *name, const char *labels, int64_t micros)
{
    uint64_t m = micros < 0 ? (uint64_t)-micros : (uint64_t)micros;

    sample_name(b, name, labels);
    sbuf_printf(b, " %s%" PRIu64 ".%06" PRIu64 "\n", micros < 0 ? "-" : "", m / 1000000u,
                m % 1000000u);
}
