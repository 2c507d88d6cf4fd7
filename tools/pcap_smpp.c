/*
 * pcap_smpp: SMPP over TCP from a capture file (see pcap_smpp.h).
 *
 * Layers, in call order: link header (Ethernet with VLAN tags, Linux cooked
 * SLL and SLL2, BSD loopback/null, raw IP) -> IPv4 or IPv6 (extension
 * headers skipped, fragments reported) -> TCP -> per-connection, per-
 * direction byte stream -> PDUs by command_length.
 *
 * Time and memory stay linear in the capture whatever it holds: live
 * connections are found through a hash table keyed by their address pair;
 * a connection is finished and its buffers freed as soon as it closes (a
 * FIN seen in each direction, or an RST), and when more than the bound are
 * open at once the one idle longest is dropped (reported).  The address
 * pairs of the last CLOSED_KEPT closed connections are remembered, so that
 * the last ACK or a late RST of one is not taken for a new connection.  A stream keeps
 * only the octets of a PDU not yet complete: whole PDUs are handed over
 * straight from the frame.  The file is read through read(2) (stdio on a
 * cookie), so a read error is told apart from a capture cut short.
 */
#include "pcap_smpp.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { DIR_FROM_CLIENT = 0, DIR_FROM_SERVER = 1 };

struct stream {
    int started;
    int stopped; /* a problem was reported: decode no more */
    uint32_t next_seq;
    unsigned char *buf; /* octets of a PDU not yet complete */
    size_t len, cap;
};

struct endpoint {
    int family; /* 4 or 6 */
    unsigned char addr[16];
    uint16_t port;
};

/* Closed connections whose address pairs are remembered. */
#define CLOSED_KEPT 4096

struct connection {
    struct endpoint client, server;
    unsigned instance;
    int closed; /* FIN or RST seen */
    int fin[2]; /* a FIN seen from that direction */
    int gone;   /* closed both ways or reset: only its address pair is kept */
    struct stream dir[2];
    struct connection *next_in_bucket;
    struct connection *older, *newer; /* in its list: by last segment, or by closing */
};

/* A list of connections, oldest first. */
struct conn_list {
    struct connection *oldest, *newest;
    size_t n;
};

struct reader {
    FILE *errs; /* where problems are reported */
    uint16_t port;
    size_t max_live; /* connections followed at once */
    pcap_smpp_handler handler;
    void *ctx;
    struct connection **buckets; /* live and gone connections by address pair */
    size_t nbuckets;
    struct conn_list live; /* by their last segment */
    struct conn_list gone; /* by their closing */
    unsigned next_instance;
    unsigned long dropped; /* connections dropped for the live bound */
    unsigned long frame;
    int problems;
};

struct segment {
    struct endpoint src, dst;
    uint32_t seq;
    uint8_t flags;
    const unsigned char *payload;
    size_t len;
    int cut; /* the capture kept less than the frame had */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

static void report(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct reader *r, const char *fmt, ...)
{
    va_list ap;

    fprintf(r->errs, "emgdiag-pdu: frame %lu: ", r->frame);
    va_start(ap, fmt);
    vfprintf(r->errs, fmt, ap);
    va_end(ap);
    fputc('\n', r->errs);
    r->problems++;
}

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int same_endpoint(const struct endpoint *a, const struct endpoint *b)
{
    size_t alen = a->family == 4 ? 4 : 16;

    return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, alen) == 0;
}

/* ---- streams ---- */

static void stream_stop(struct stream *s)
{
    s->stopped = 1;
    free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
}

static const char *dir_name(int dir)
{
    return dir == DIR_FROM_CLIENT ? "client-to-server" : "server-to-client";
}

static int stream_append(struct stream *s, const unsigned char *p, size_t n)
{
    if (s->len + n > s->cap) {
        size_t ncap = s->cap ? s->cap : 4096;
        unsigned char *nb;

        while (ncap < s->len + n)
            ncap *= 2;
        nb = realloc(s->buf, ncap);
        if (nb == NULL)
            return -1;
        s->buf = nb;
        s->cap = ncap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* Hands over the whole PDUs at the start of p[0..n); returns how many octets
 * they took, or (size_t)-1 when the direction stopped (not SMPP). */
static size_t deliver_pdus(struct reader *r, struct connection *c, int dir, const unsigned char *p,
                           size_t n, const struct pcap_pkthdr *h)
{
    size_t off = 0;

    while (n - off >= 4) {
        uint32_t cl = be32(p + off);
        struct pcap_smpp_pdu pdu;

        if (cl < 16 || cl > PCAP_SMPP_MAX_PDU) {
            report(
                r,
                "connection %u %s: command_length %u, not SMPP; decoding of that direction stops",
                c->instance, dir_name(dir), cl);
            stream_stop(&c->dir[dir]);
            return (size_t)-1;
        }
        if (n - off < cl)
            break;
        pdu.octets = p + off;
        pdu.len = cl;
        pdu.from_client = dir == DIR_FROM_CLIENT;
        pdu.instance = c->instance;
        pdu.frame = r->frame;
        pdu.ts.tv_sec = h->ts.tv_sec;
        pdu.ts.tv_usec = h->ts.tv_usec;
        r->handler(r->ctx, &pdu);
        off += cl;
    }
    return off;
}

/* Takes n new octets of the stream: completes the PDU held, hands over the
 * whole ones that follow from the frame itself, keeps the rest. */
static void stream_take(struct reader *r, struct connection *c, int dir, const unsigned char *p,
                        size_t n, const struct pcap_pkthdr *h)
{
    struct stream *s = &c->dir[dir];
    size_t used;

    while (s->len > 0 && n > 0) {
        /* first the header, then the rest of the PDU held (a header held
         * whole has a command_length deliver_pdus took) */
        size_t want = s->len < 4 ? 4 - s->len : (size_t)be32(s->buf) - s->len;
        size_t take = n < want ? n : want;

        if (stream_append(s, p, take) != 0) {
            report(r, "out of memory; decoding of connection %u %s stops", c->instance,
                   dir_name(dir));
            stream_stop(s);
            return;
        }
        p += take;
        n -= take;
        if (s->len < 4)
            continue;
        used = deliver_pdus(r, c, dir, s->buf, s->len, h);
        if (used == (size_t)-1)
            return;
        if (used == s->len)
            s->len = 0; /* the buffer stays for the next PDU held */
    }
    if (n == 0)
        return;
    used = deliver_pdus(r, c, dir, p, n, h);
    if (used == (size_t)-1 || used == n)
        return;
    if (stream_append(s, p + used, n - used) != 0) {
        report(r, "out of memory; decoding of connection %u %s stops", c->instance, dir_name(dir));
        stream_stop(s);
    }
}

static void stream_segment(struct reader *r, struct connection *c, int dir,
                           const struct segment *seg, const struct pcap_pkthdr *h)
{
    struct stream *s = &c->dir[dir];
    const unsigned char *p = seg->payload;
    size_t n = seg->len;
    int32_t diff;

    if (s->stopped)
        return;
    if (seg->flags & TCP_SYN) {
        s->started = 1;
        s->next_seq = seg->seq + 1;
        return;
    }
    if (n == 0)
        return;
    if (!s->started) {
        /* The capture began after the handshake: take the stream as it comes. */
        s->started = 1;
        s->next_seq = seg->seq;
    }
    diff = (int32_t)(seg->seq - s->next_seq);
    if (diff > 0) {
        report(r,
               "connection %u %s: %ld octets missing before this segment; decoding of that "
               "direction stops",
               c->instance, dir_name(dir), (long)diff);
        stream_stop(s);
        return;
    }
    if (diff < 0) {
        size_t seen = (size_t)(-(int64_t)diff);

        if (seen >= n)
            return; /* retransmission of octets already taken */
        p += seen;
        n -= seen;
    }
    if (seg->cut) {
        report(r,
               "connection %u %s: frame cut short by the capture's snap length; decoding of that "
               "direction stops",
               c->instance, dir_name(dir));
        stream_stop(s);
        return;
    }
    s->next_seq += (uint32_t)n;
    stream_take(r, c, dir, p, n, h);
}

/* ---- connections ---- */

static size_t endpoint_hash(const struct endpoint *e)
{
    size_t h = 14695981039346656037u, i, n = e->family == 4 ? 4 : 16;

    for (i = 0; i < n; i++)
        h = (h ^ e->addr[i]) * 1099511628211u;
    return (h ^ e->port) * 1099511628211u;
}

/* The same for either direction of a connection. */
static size_t pair_bucket(const struct reader *r, const struct endpoint *a,
                          const struct endpoint *b)
{
    size_t h = endpoint_hash(a) ^ endpoint_hash(b);

    return (h ^ (h >> 29)) & (r->nbuckets - 1);
}

static void list_unlink(struct conn_list *l, struct connection *c)
{
    if (c->older != NULL)
        c->older->newer = c->newer;
    else
        l->oldest = c->newer;
    if (c->newer != NULL)
        c->newer->older = c->older;
    else
        l->newest = c->older;
    c->older = c->newer = NULL;
    l->n--;
}

static void list_push_newest(struct conn_list *l, struct connection *c)
{
    c->older = l->newest;
    c->newer = NULL;
    if (l->newest != NULL)
        l->newest->newer = c;
    else
        l->oldest = c;
    l->newest = c;
    l->n++;
}

static void finish_connection(struct reader *r, struct connection *c)
{
    int d;

    for (d = 0; d < 2; d++) {
        struct stream *s = &c->dir[d];

        if (!s->stopped && s->len > 0) {
            if (s->len >= 4)
                report(r, "connection %u %s: stream ends inside a PDU (%zu of %u octets)",
                       c->instance, dir_name(d), s->len, be32(s->buf));
            else
                report(r, "connection %u %s: stream ends inside a PDU header (%zu octets)",
                       c->instance, dir_name(d), s->len);
        }
        stream_stop(s);
    }
}

/* Finishes c (when live), takes it out of the table and frees it. */
static void forget_connection(struct reader *r, struct connection *c)
{
    struct connection **pp = &r->buckets[pair_bucket(r, &c->client, &c->server)];

    if (!c->gone)
        finish_connection(r, c);
    while (*pp != c)
        pp = &(*pp)->next_in_bucket;
    *pp = c->next_in_bucket;
    list_unlink(c->gone ? &r->gone : &r->live, c);
    free(c);
}

/* c has closed: finished, its buffers freed, only its address pair kept
 * (the oldest such pair forgotten past CLOSED_KEPT). */
static void close_connection(struct reader *r, struct connection *c)
{
    finish_connection(r, c);
    list_unlink(&r->live, c);
    c->gone = 1;
    list_push_newest(&r->gone, c);
    if (r->gone.n > CLOSED_KEPT)
        forget_connection(r, r->gone.oldest);
}

/* The live connection between a and b, and the direction a -> b in it. */
static struct connection *find_connection(struct reader *r, const struct endpoint *a,
                                          const struct endpoint *b, int *dir)
{
    struct connection *c;

    if (r->nbuckets == 0)
        return NULL;
    for (c = r->buckets[pair_bucket(r, a, b)]; c != NULL; c = c->next_in_bucket) {
        if (same_endpoint(&c->client, a) && same_endpoint(&c->server, b)) {
            *dir = DIR_FROM_CLIENT;
            return c;
        }
        if (same_endpoint(&c->server, a) && same_endpoint(&c->client, b)) {
            *dir = DIR_FROM_SERVER;
            return c;
        }
    }
    return NULL;
}

static int grow_buckets(struct reader *r)
{
    size_t n = r->nbuckets ? r->nbuckets * 2 : 64, i;
    struct connection **nb = calloc(n, sizeof(*nb)), **old = r->buckets;
    size_t oldn = r->nbuckets;

    if (nb == NULL)
        return -1;
    r->buckets = nb;
    r->nbuckets = n;
    for (i = 0; i < oldn; i++) {
        struct connection *c = old[i], *next;

        for (; c != NULL; c = next) {
            struct connection **head = &nb[pair_bucket(r, &c->client, &c->server)];

            next = c->next_in_bucket;
            c->next_in_bucket = *head;
            *head = c;
        }
    }
    free(old);
    return 0;
}

static struct connection *new_connection(struct reader *r, const struct endpoint *client,
                                         const struct endpoint *server)
{
    struct connection *c, **head;

    if (r->live.n >= r->max_live) {
        struct connection *idle = r->live.oldest;

        if (r->dropped++ == 0)
            report(r,
                   "more than %zu connections open at once: connection %u, idle longest, is "
                   "dropped (a later segment of it would start a new instance); so are "
                   "the next ones, counted at the end",
                   r->max_live, idle->instance);
        forget_connection(r, idle);
    }
    if (r->live.n + r->gone.n >= r->nbuckets && grow_buckets(r) != 0)
        return NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->client = *client;
    c->server = *server;
    c->instance = r->next_instance++;
    head = &r->buckets[pair_bucket(r, client, server)];
    c->next_in_bucket = *head;
    *head = c;
    list_push_newest(&r->live, c);
    return c;
}

static void tcp_segment(struct reader *r, const struct segment *seg, const struct pcap_pkthdr *h)
{
    struct connection *c;
    int dir = DIR_FROM_CLIENT;
    int syn_only = (seg->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;

    if (seg->src.port != r->port && seg->dst.port != r->port)
        return;
    c = find_connection(r, &seg->src, &seg->dst, &dir);
    /* The last ACK, a late RST or a retransmission of a connection that has
     * closed is nothing new; a fresh SYN on its pair is. */
    if (c != NULL && c->gone && !syn_only)
        return;
    /* A fresh SYN on a finished or already used pair starts a new connection. */
    if (c != NULL && syn_only && (c->gone || c->closed || c->dir[0].started || c->dir[1].started)) {
        forget_connection(r, c);
        c = NULL;
    }
    if (c == NULL) {
        int src_is_client = syn_only || seg->dst.port == r->port;

        if ((seg->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
            src_is_client = 0;
        c = src_is_client ? new_connection(r, &seg->src, &seg->dst)
                          : new_connection(r, &seg->dst, &seg->src);
        if (c == NULL) {
            report(r, "out of memory for a new connection");
            return;
        }
        dir = src_is_client ? DIR_FROM_CLIENT : DIR_FROM_SERVER;
    } else if (c != r->live.newest) {
        list_unlink(&r->live, c);
        list_push_newest(&r->live, c);
    }
    stream_segment(r, c, dir, seg, h);
    if (seg->flags & TCP_FIN)
        c->fin[dir] = 1;
    if (seg->flags & (TCP_FIN | TCP_RST))
        c->closed = 1;
    /* Closed both ways, or reset: nothing more will come on it. */
    if ((seg->flags & TCP_RST) || (c->fin[0] && c->fin[1]))
        close_connection(r, c);
}

/* ---- network and transport layers ---- */

static void parse_tcp(struct reader *r, struct segment *seg, const unsigned char *p, size_t n,
                      const struct pcap_pkthdr *h)
{
    size_t hlen;

    if (n < 20) {
        if (seg->cut)
            return; /* headers not captured; nothing to take from it */
        report(r, "TCP header truncated (%zu octets)", n);
        return;
    }
    hlen = (size_t)(p[12] >> 4) * 4;
    if (hlen < 20 || hlen > n) {
        report(r, "TCP header length %zu is invalid", hlen);
        return;
    }
    seg->src.port = be16(p);
    seg->dst.port = be16(p + 2);
    seg->seq = be32(p + 4);
    seg->flags = p[13];
    seg->payload = p + hlen;
    seg->len = n - hlen;
    tcp_segment(r, seg, h);
}

static void parse_ipv4(struct reader *r, const unsigned char *p, size_t n, int cut,
                       const struct pcap_pkthdr *h)
{
    struct segment seg;
    size_t ihl, total;

    if (n < 20) {
        report(r, "IPv4 header truncated");
        return;
    }
    ihl = (size_t)(p[0] & 0xf) * 4;
    total = be16(p + 2);
    if (ihl < 20 || ihl > n || total < ihl) {
        report(r, "invalid IPv4 header");
        return;
    }
    if (p[9] != 6)
        return;
    if (total > n) {
        if (!cut) {
            report(r, "IPv4 packet longer than the frame");
            return;
        }
    } else {
        n = total; /* drop link-layer padding */
    }
    memset(&seg, 0, sizeof(seg));
    if ((be16(p + 6) & 0x3fff) != 0) {
        if (n >= ihl + 4 && (be16(p + ihl) == r->port || be16(p + ihl + 2) == r->port))
            report(r, "IPv4 fragment, not reassembled");
        return;
    }
    seg.cut = cut;
    seg.src.family = seg.dst.family = 4;
    memcpy(seg.src.addr, p + 12, 4);
    memcpy(seg.dst.addr, p + 16, 4);
    parse_tcp(r, &seg, p + ihl, n - ihl, h);
}

static void parse_ipv6(struct reader *r, const unsigned char *p, size_t n, int cut,
                       const struct pcap_pkthdr *h)
{
    struct segment seg;
    size_t off = 40, plen;
    unsigned next;

    if (n < 40) {
        report(r, "IPv6 header truncated");
        return;
    }
    plen = be16(p + 4);
    if (40 + plen > n) {
        if (!cut) {
            report(r, "IPv6 packet longer than the frame");
            return;
        }
    } else {
        n = 40 + plen;
    }
    next = p[6];
    while (next == 0 || next == 43 || next == 60 || next == 44) {
        if (next == 44) {
            report(r, "IPv6 fragment, not reassembled");
            return;
        }
        if (n - off < 8) {
            report(r, "IPv6 extension header truncated");
            return;
        }
        next = p[off];
        if ((size_t)(p[off + 1] + 1) * 8 > n - off) {
            report(r, "IPv6 extension header truncated");
            return;
        }
        off += (size_t)(p[off + 1] + 1) * 8;
    }
    if (next != 6)
        return;
    memset(&seg, 0, sizeof(seg));
    seg.cut = cut;
    seg.src.family = seg.dst.family = 6;
    memcpy(seg.src.addr, p + 8, 16);
    memcpy(seg.dst.addr, p + 24, 16);
    parse_tcp(r, &seg, p + off, n - off, h);
}

/* Dispatches on an ethertype-like value. */
static void parse_network(struct reader *r, unsigned proto, const unsigned char *p, size_t n,
                          int cut, const struct pcap_pkthdr *h)
{
    if (proto == 0x0800)
        parse_ipv4(r, p, n, cut, h);
    else if (proto == 0x86dd)
        parse_ipv6(r, p, n, cut, h);
}

static void parse_raw_ip(struct reader *r, const unsigned char *p, size_t n, int cut,
                         const struct pcap_pkthdr *h)
{
    if (n < 1)
        return;
    parse_network(r, (p[0] >> 4) == 6 ? 0x86dd : (p[0] >> 4) == 4 ? 0x0800 : 0, p, n, cut, h);
}

/* BSD loopback family numbers for IPv6 differ per system. */
static unsigned null_family_to_proto(uint32_t fam)
{
    if (fam == 2)
        return 0x0800;
    if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        return 0x86dd;
    return 0;
}

static void parse_frame(struct reader *r, int linktype, const struct pcap_pkthdr *h,
                        const unsigned char *p)
{
    size_t n = h->caplen;
    int cut = h->caplen < h->len;
    unsigned proto;

    switch (linktype) {
    case DLT_EN10MB:
        if (n < 14)
            return;
        proto = be16(p + 12);
        p += 14;
        n -= 14;
        while ((proto == 0x8100 || proto == 0x88a8) && n >= 4) {
            proto = be16(p + 2);
            p += 4;
            n -= 4;
        }
        parse_network(r, proto, p, n, cut, h);
        return;
    case DLT_LINUX_SLL:
        if (n < 16)
            return;
        parse_network(r, be16(p + 14), p + 16, n - 16, cut, h);
        return;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (n < 20)
            return;
        parse_network(r, be16(p), p + 20, n - 20, cut, h);
        return;
#endif
    case DLT_NULL:
        if (n < 4)
            return;
        proto = null_family_to_proto((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                     (uint32_t)p[3] << 24);
        if (proto == 0)
            proto = null_family_to_proto(be32(p));
        parse_network(r, proto, p + 4, n - 4, cut, h);
        return;
    case DLT_LOOP:
        if (n < 4)
            return;
        parse_network(r, null_family_to_proto(be32(p)), p + 4, n - 4, cut, h);
        return;
    default: parse_raw_ip(r, p, n, cut, h); return;
    }
}

static int supported_linktype(int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        return 1;
    default: return 0;
    }
}

/* The capture file read through read(2), so that a read error is known
 * for what it is (libpcap itself only sees a short read). */
struct file_source {
    int fd;
    int error; /* errno of the read(2) that failed, else 0 */
};

static ssize_t source_read(void *cookie, char *buf, size_t n)
{
    struct file_source *src = cookie;
    ssize_t got;

    do
        got = read(src->fd, buf, n);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        src->error = errno;
    return got;
}

static int source_close(void *cookie)
{
    struct file_source *src = cookie;

    return close(src->fd);
}

/* Reads the capture pc (named `name` in messages) and closes it.  src, when
 * not NULL, tells a read error from a capture cut short. */
static int read_capture(pcap_t *pc, const char *name, uint16_t port, size_t max_live, FILE *errs,
                        pcap_smpp_handler handler, void *ctx, const struct file_source *src)
{
    struct reader r;
    int linktype, rc;

    linktype = pcap_datalink(pc);
    if (!supported_linktype(linktype)) {
        const char *lname = pcap_datalink_val_to_name(linktype);

        fprintf(errs, "emgdiag-pdu: %s: link type %d (%s) is not supported\n", name, linktype,
                lname != NULL ? lname : "unknown");
        pcap_close(pc);
        return -1;
    }
    memset(&r, 0, sizeof(r));
    r.errs = errs;
    r.port = port;
    r.max_live = max_live ? max_live : PCAP_SMPP_MAX_LIVE;
    r.handler = handler;
    r.ctx = ctx;
    for (;;) {
        struct pcap_pkthdr *h;
        const unsigned char *data;

        rc = pcap_next_ex(pc, &h, &data);
        if (rc == -2)
            break;
        r.frame++;
        if (rc != 1) {
            if (src != NULL && src->error != 0) {
                fprintf(errs, "emgdiag-pdu: %s: %s\n", name, strerror(src->error));
                r.problems = PCAP_SMPP_UNREADABLE;
                break;
            }
            report(&r, "cannot read the capture: %s", pcap_geterr(pc));
            break;
        }
        parse_frame(&r, linktype, h, data);
    }
    while (r.live.oldest != NULL)
        forget_connection(&r, r.live.oldest);
    while (r.gone.oldest != NULL)
        forget_connection(&r, r.gone.oldest);
    if (r.dropped > 1)
        fprintf(errs,
                "emgdiag-pdu: %s: %lu connections dropped in all, each the one idle longest "
                "when more than %zu were open\n",
                name, r.dropped, r.max_live);
    free(r.buckets);
    pcap_close(pc);
    return r.problems;
}

int pcap_smpp_read(const char *path, uint16_t port, size_t max_live, pcap_smpp_handler handler,
                   void *ctx)
{
    static const cookie_io_functions_t io = { .read = source_read, .close = source_close };
    char errbuf[PCAP_ERRBUF_SIZE];
    struct file_source src = { .fd = -1, .error = 0 };
    struct stat st;
    pcap_t *pc;
    FILE *fp;

    src.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (src.fd < 0 || fstat(src.fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = src.fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : errno;

        if (src.fd >= 0)
            close(src.fd);
        fprintf(stderr, "emgdiag-pdu: %s: %s\n", path, strerror(e));
        return PCAP_SMPP_UNREADABLE;
    }
    fp = fopencookie(&src, "r", io);
    if (fp == NULL) {
        fprintf(stderr, "emgdiag-pdu: %s: %s\n", path, strerror(errno));
        close(src.fd);
        return PCAP_SMPP_UNREADABLE;
    }
    pc = pcap_fopen_offline(fp, errbuf);
    if (pc == NULL) {
        fclose(fp);
        if (src.error != 0) {
            fprintf(stderr, "emgdiag-pdu: %s: %s\n", path, strerror(src.error));
            return PCAP_SMPP_UNREADABLE;
        }
        fprintf(stderr, "emgdiag-pdu: %s: %s\n", path, errbuf);
        return -1;
    }
    return read_capture(pc, path, port, max_live, stderr, handler, ctx, &src);
}

int pcap_smpp_read_fp(FILE *fp, const char *name, uint16_t port, size_t max_live, FILE *errs,
                      pcap_smpp_handler handler, void *ctx)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_fopen_offline(fp, errbuf);

    if (pc == NULL) {
        fprintf(errs, "emgdiag-pdu: %s: %s\n", name, errbuf);
        fclose(fp);
        return -1;
    }
    return read_capture(pc, name, port, max_live, errs, handler, ctx, NULL);
}
