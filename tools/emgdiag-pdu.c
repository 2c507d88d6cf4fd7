/*
 * emgdiag-pdu: EMG pdu-log lines from SMPP PDUs given offline.
 *
 * Input is either hex (one whole PDU per line on stdin) or a packet
 * capture (--pcap, through pcap_smpp).  Each PDU goes through the module's
 * own decoder and formatter, so the output is exactly what the gateway
 * would log for it.  A PDU that is malformed is not an input error: it
 * prints as a normal line ending in ERROR.  Input that cannot be read
 * (bad hex, a line longer than --max-line-length, a broken capture) is
 * reported on stderr, skipped, and makes the exit status 1.  Input that
 * cannot be read at all (a file that cannot be opened, a directory, a
 * read(2) error part-way) is exit status 2, never taken for its end.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "escape.h"
#include "hexdigit.h"
#include "linereader.h"
#include "pcap_smpp.h"
#include "pdu_format.h"
#include "sbuf.h"
#include "timefmt.h"
#include "xalloc.h"

#include "tool_version.h"

struct tool {
    const char *connector;
    unsigned long instance;
    int direction;          /* hex input: PDU_DIR_READ or PDU_DIR_WRITE */
    int perspective_server; /* capture: the listening side is the gateway */
    int json;
    int utc;
    size_t max_line; /* hex input: the line-length bound */
    size_t max_live; /* capture: connections followed at once */
    struct pdu_format_opts fmt;
    struct sbuf line;
    int failed_output;
};

static void usage(FILE *f)
{
    fputs("usage: emgdiag-pdu [options] < hex-lines\n"
          "       emgdiag-pdu [options] --pcap FILE --port N\n"
          "Prints one EMG pdu-log line per SMPP PDU.\n"
          "  --connector NAME          connector name in each line (default offline)\n"
          "  --instance N              instance for hex input (default 0)\n"
          "  --direction read|write    direction for hex input (default read)\n"
          "  --passwords clear         print passwords instead of ***\n"
          "  --json                    JSON objects instead of text lines\n"
          "  --utc                     timestamps in UTC instead of local time\n"
          "  --pcap FILE               read SMPP over TCP from a pcap/pcapng capture\n"
          "  --port N                  the SMPP server's TCP port in the capture\n"
          "  --perspective client|server  which side of a captured connection is the\n"
          "                            gateway (default client: the side that connected)\n"
          "  --max-connections N       capture: follow at most N TCP connections at once;\n"
          "                            past that the one idle longest is dropped, reported\n"
          "                            (default 65536)\n"
          "  --max-line-length N       hex input: skip (and report) lines longer than N\n"
          "                            octets (default 1048576)\n"
          "  --help, --version\n",
          f);
}

/* The connector name as the module writes it: [A-Za-z0-9._-] as is, any
   other octet as %HH. */
static void put_connector(struct sbuf *b, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '_' || *p == '-') {
            sbuf_putc(b, (char)*p);
        } else {
            sbuf_putc(b, '%');
            sbuf_putc(b, hex[*p >> 4]);
            sbuf_putc(b, hex[*p & 0xf]);
        }
    }
}

static void print_pdu(struct tool *t, const struct timeval *tv, unsigned long instance, int dir,
                      const unsigned char *pdu, size_t len)
{
    char ts[40];
    struct sbuf *b = &t->line;

    sbuf_reset(b);
    if (t->json) {
        emg_ts_iso(ts, tv, t->utc);
        sbuf_puts(b, "{\"ts\":\"");
        sbuf_puts(b, ts);
        sbuf_puts(b, "\",\"connector\":\"");
        put_connector(b, t->connector);
        sbuf_printf(b, "\",\"instance\":%lu,", instance);
        pdu_format_json(b, dir, pdu, len, &t->fmt);
        sbuf_putc(b, '}');
    } else {
        emg_ts_text(ts, tv, t->utc);
        sbuf_puts(b, ts);
        sbuf_puts(b, " INFO  (");
        put_connector(b, t->connector);
        sbuf_printf(b, ",%lu) ", instance);
        pdu_format_text(b, dir, pdu, len, &t->fmt);
    }
    sbuf_putc(b, '\n');
    if (b->failed) {
        fprintf(stderr, "emgdiag-pdu: out of memory formatting a PDU of %zu octets\n", len);
        t->failed_output = 1;
        return;
    }
    if (fwrite(b->buf, 1, b->len, stdout) != b->len)
        t->failed_output = 1;
}

/* Turns line into octets at o (room for len / 2); returns the count, or -1
   after reporting why the line is not a PDU in hex. */
static long parse_hex_line(const char *line, size_t len, unsigned char *o, unsigned long lineno)
{
    size_t i, digits = 0, out = 0;
    int high = -1;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        int v;

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f')
            continue;
        v = hex_digit(c);
        if (v < 0) {
            if (c >= 0x20 && c < 0x7f)
                fprintf(stderr, "emgdiag-pdu: line %lu: '%c' at column %zu is not a hex digit\n",
                        lineno, c, i + 1);
            else
                fprintf(stderr,
                        "emgdiag-pdu: line %lu: octet 0x%02x at column %zu is not a hex digit\n",
                        lineno, c, i + 1);
            return -1;
        }
        digits++;
        if (high < 0) {
            high = v;
        } else {
            o[out++] = (unsigned char)(high << 4 | v);
            high = -1;
        }
    }
    if (high >= 0) {
        fprintf(stderr, "emgdiag-pdu: line %lu: odd number of hex digits (%zu)\n", lineno, digits);
        return -1;
    }
    return (long)out;
}

/* Hex lines from standard input.  0: all decoded; 1: some could not be
   (reported); 2: standard input could not be read (reported). */
static int run_hex(struct tool *t)
{
    struct linereader lr;
    enum linereader_result r;
    const char *line;
    size_t n;
    unsigned char *pdu = NULL;
    size_t pdu_cap = 0;
    int bad = 0;

    linereader_init(&lr, STDIN_FILENO, t->max_line);
    for (;;) {
        struct timeval tv;
        long len;
        size_t i;
        int blank = 1;

        r = linereader_next(&lr, &line, &n);
        if (r == LINEREADER_END && (r = linereader_finish(&lr, &line, &n)) == LINEREADER_END)
            break; /* a last line without its newline is still a line here */

        if (r == LINEREADER_ERROR) {
            fprintf(stderr, "emgdiag-pdu: standard input: %s\n", strerror(lr.error));
            bad = 2;
            break;
        }
        if (r == LINEREADER_TOO_LONG) {
            fprintf(stderr,
                    "emgdiag-pdu: line %lu: %zu octets, longer than %zu "
                    "(--max-line-length); skipped\n",
                    lr.lineno, lr.dropped_len, lr.max_len);
            bad = 1;
            continue;
        }
        gettimeofday(&tv, NULL);
        for (i = 0; i < n; i++)
            if (!strchr(" \t\r\n\v\f", line[i]) || line[i] == '\0')
                blank = 0;
        if (blank)
            continue;
        if (n / 2 + 1 > pdu_cap) {
            pdu_cap = n / 2 + 1;
            pdu = xrealloc(pdu, pdu_cap);
        }
        len = parse_hex_line(line, n, pdu, lr.lineno);
        if (len < 0) {
            bad = 1;
            continue;
        }
        print_pdu(t, &tv, t->instance, t->direction, pdu, (size_t)len);
    }
    free(pdu);
    linereader_free(&lr);
    return bad;
}

static void on_captured_pdu(void *ctx, const struct pcap_smpp_pdu *p)
{
    struct tool *t = ctx;
    int gateway_sent = t->perspective_server ? !p->from_client : p->from_client;

    print_pdu(t, &p->ts, p->instance, gateway_sent ? PDU_DIR_WRITE : PDU_DIR_READ, p->octets,
              p->len);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "connector", required_argument, NULL, 'c' },
        { "instance", required_argument, NULL, 'i' },
        { "direction", required_argument, NULL, 'd' },
        { "passwords", required_argument, NULL, 'P' },
        { "json", no_argument, NULL, 'j' },
        { "utc", no_argument, NULL, 'u' },
        { "pcap", required_argument, NULL, 'f' },
        { "port", required_argument, NULL, 'p' },
        { "perspective", required_argument, NULL, 's' },
        { "max-line-length", required_argument, NULL, 'M' },
        { "max-connections", required_argument, NULL, 'C' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct tool t;
    const char *pcap_path = NULL;
    unsigned long port = 0;
    int have_port = 0, opt, bad;

    memset(&t, 0, sizeof(t));
    t.connector = "offline";
    t.direction = PDU_DIR_READ;
    sbuf_init(&t.line);
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (optarg[0] == '\0') {
                fputs("emgdiag-pdu: --connector needs a non-empty name\n", stderr);
                return 2;
            }
            t.connector = optarg;
            break;
        case 'i':
            if (parse_ulong(optarg, 0xffffffffUL, &t.instance) != 0) {
                fprintf(stderr, "emgdiag-pdu: --instance '%s' is not a number\n", optarg);
                return 2;
            }
            break;
        case 'd':
            if (strcmp(optarg, "read") == 0) {
                t.direction = PDU_DIR_READ;
            } else if (strcmp(optarg, "write") == 0) {
                t.direction = PDU_DIR_WRITE;
            } else {
                fprintf(stderr, "emgdiag-pdu: --direction must be read or write, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'P':
            if (strcmp(optarg, "clear") != 0) {
                fprintf(stderr, "emgdiag-pdu: --passwords takes only 'clear', not '%s'\n", optarg);
                return 2;
            }
            t.fmt.passwords_clear = 1;
            break;
        case 'j': t.json = 1; break;
        case 'u': t.utc = 1; break;
        case 'f': pcap_path = optarg; break;
        case 'p':
            if (parse_ulong(optarg, 65535, &port) != 0 || port == 0) {
                fprintf(stderr, "emgdiag-pdu: --port '%s' is not a TCP port\n", optarg);
                return 2;
            }
            have_port = 1;
            break;
        case 's':
            if (strcmp(optarg, "client") == 0) {
                t.perspective_server = 0;
            } else if (strcmp(optarg, "server") == 0) {
                t.perspective_server = 1;
            } else {
                fprintf(stderr, "emgdiag-pdu: --perspective must be client or server, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'M':
            if (linereader_parse_max(optarg, &t.max_line) != 0) {
                fprintf(stderr, "emgdiag-pdu: --max-line-length '%s' is not a number of octets\n",
                        optarg);
                return 2;
            }
            break;
        case 'C':
            if (linereader_parse_max(optarg, &t.max_live) != 0) {
                fprintf(stderr, "emgdiag-pdu: --max-connections '%s' is not a positive number\n",
                        optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("emgdiag-pdu %s\n", EMGDIAG_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "emgdiag-pdu: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (pcap_path != NULL && !have_port) {
        fputs("emgdiag-pdu: --pcap needs --port (the SMPP server's TCP port)\n", stderr);
        return 2;
    }
    if (pcap_path == NULL && have_port) {
        fputs("emgdiag-pdu: --port is only for --pcap\n", stderr);
        return 2;
    }
    if (pcap_path != NULL) {
        int problems = pcap_smpp_read(pcap_path, (uint16_t)port, t.max_live, on_captured_pdu, &t);

        bad = problems == PCAP_SMPP_UNREADABLE ? 2 : problems != 0;
    } else {
        bad = run_hex(&t);
    }
    sbuf_free(&t.line);
    if (fflush(stdout) != 0 || t.failed_output) {
        fprintf(stderr, "emgdiag-pdu: writing output failed\n");
        return 1;
    }
    return bad;
}
