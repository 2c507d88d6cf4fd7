/*
 * bench_pdu: the per-PDU cost of the emgdiag pdu log beside Kannel's own
 * SMPP PDU dump, for bench/run.sh.
 *
 * Both sides get the same typical 68-octet submit_sm, built here field by
 * field.  The emgdiag side is one pdu_format_text() call (decode, sort,
 * escape, write; no timestamp prefix) into a reused buffer.  The Kannel
 * side is what bearerbox does to dump a PDU it read: the octets after
 * command_length as an Octstr, smpp_pdu_unpack(), smpp_pdu_dump_line()
 * (the dump string is built; the debug() call that would print it finds no
 * log at debug level), then both freed.  Each side runs in its own
 * non-inlined loop function so that callgrind reports its inclusive cost;
 * run.sh runs the program twice with different iteration counts and
 * divides the difference, which cancels set-up and first-call costs.
 *
 * Usage: bench_pdu [--check] N_EMG N_KANNEL
 *   --check  prints both lines once to stdout (to see what is measured).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwlib/gwlib.h"
#include "gw/smsc/smpp_pdu.h"

#include "pdu_format.h"
#include "sbuf.h"

/* ---- the PDU ---- */

struct pdu_builder {
    unsigned char octets[256];
    size_t len;
};

static void put_octet(struct pdu_builder *b, unsigned v)
{
    b->octets[b->len++] = (unsigned char)v;
}

static void put_word(struct pdu_builder *b, unsigned long v)
{
    put_octet(b, (unsigned)(v >> 24 & 0xff));
    put_octet(b, (unsigned)(v >> 16 & 0xff));
    put_octet(b, (unsigned)(v >> 8 & 0xff));
    put_octet(b, (unsigned)(v & 0xff));
}

static void put_cstring(struct pdu_builder *b, const char *s)
{
    size_t n = strlen(s) + 1;

    memcpy(b->octets + b->len, s, n);
    b->len += n;
}

/* A submit_sm as an ESME sends a short text: international destination,
   alphanumeric-free numeric source, delivery receipt requested, GSM 7-bit
   default alphabet, 20-character message, no TLVs.  68 octets in all. */
static void build_submit_sm(struct pdu_builder *b)
{
    static const char text[] = "Your code is 4711 ok";

    b->len = 0;
    put_word(b, 0); /* command_length, set below */
    put_word(b, 0x00000004ul);
    put_word(b, 0);
    put_word(b, 7);
    put_cstring(b, "");             /* service_type */
    put_octet(b, 1);                /* source_addr_ton */
    put_octet(b, 1);                /* source_addr_npi */
    put_cstring(b, "12345");        /* source_addr */
    put_octet(b, 1);                /* dest_addr_ton */
    put_octet(b, 1);                /* dest_addr_npi */
    put_cstring(b, "4670123456");   /* destination_addr */
    put_octet(b, 0);                /* esm_class */
    put_octet(b, 0);                /* protocol_id */
    put_octet(b, 0);                /* priority_flag */
    put_cstring(b, "");             /* schedule_delivery_time */
    put_cstring(b, "");             /* validity_period */
    put_octet(b, 1);                /* registered_delivery */
    put_octet(b, 0);                /* replace_if_present_flag */
    put_octet(b, 0);                /* data_coding */
    put_octet(b, 0);                /* sm_default_msg_id */
    put_octet(b, sizeof(text) - 1); /* sm_length */
    memcpy(b->octets + b->len, text, sizeof(text) - 1);
    b->len += sizeof(text) - 1;
    b->octets[0] = (unsigned char)(b->len >> 24);
    b->octets[1] = (unsigned char)(b->len >> 16);
    b->octets[2] = (unsigned char)(b->len >> 8);
    b->octets[3] = (unsigned char)b->len;
}

/* ---- the two loops (callgrind reads their inclusive cost by name) ---- */

/* A sink the compiler cannot see through, so no loop is optimised away. */
size_t bench_sink;

__attribute__((noinline)) void bench_emgdiag_loop(const unsigned char *pdu, size_t len, long n,
                                                  struct sbuf *line);
__attribute__((noinline)) void bench_kannel_loop(const unsigned char *pdu, size_t len, long n,
                                                 Octstr *smsc_id);

void bench_emgdiag_loop(const unsigned char *pdu, size_t len, long n, struct sbuf *line)
{
    long i;

    for (i = 0; i < n; i++) {
        sbuf_reset(line);
        pdu_format_text(line, PDU_DIR_READ, pdu, len, NULL);
        bench_sink += line->len;
    }
}

void bench_kannel_loop(const unsigned char *pdu, size_t len, long n, Octstr *smsc_id)
{
    long i;

    for (i = 0; i < n; i++) {
        /* What smpp_pdu_read_data() hands to smpp_pdu_unpack(). */
        Octstr *data = octstr_create_from_data((const char *)pdu + 4, (long)len - 4);
        SMPP_PDU *p = smpp_pdu_unpack(smsc_id, data);

        if (p != NULL) {
            smpp_pdu_dump_line(smsc_id, p);
            smpp_pdu_destroy(p);
        } else {
            bench_sink = (size_t)-1;
        }
        octstr_destroy(data);
    }
}

/* ---- checking what is measured ---- */

static int show_lines(const unsigned char *pdu, size_t len, Octstr *smsc_id)
{
    struct sbuf line = SBUF_INIT;
    Octstr *data = octstr_create_from_data((const char *)pdu + 4, (long)len - 4);
    SMPP_PDU *p = smpp_pdu_unpack(smsc_id, data);
    int rc = 0;

    pdu_format_text(&line, PDU_DIR_READ, pdu, len, NULL);
    printf("octets: %zu\nemgdiag: %s\n", len, sbuf_cstr(&line));
    if (p == NULL) {
        fprintf(stderr, "bench_pdu: Kannel could not unpack the PDU\n");
        rc = 1;
    } else {
        /* With the log at debug level the dump line goes to stderr. */
        log_set_output_level(GW_DEBUG);
        smpp_pdu_dump_line(smsc_id, p);
        log_set_output_level(GW_INFO);
        smpp_pdu_destroy(p);
    }
    octstr_destroy(data);
    sbuf_free(&line);
    return rc;
}

static long parse_count(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "bench_pdu: not a count: %s\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    struct pdu_builder b;
    struct sbuf line = SBUF_INIT;
    Octstr *smsc_id;
    int check = 0, rc = 0;
    long n_emg, n_kannel;

    if (argc > 1 && strcmp(argv[1], "--check") == 0) {
        check = 1;
        argc--;
        argv++;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: bench_pdu [--check] N_EMG N_KANNEL\n");
        return 2;
    }
    n_emg = parse_count(argv[1]);
    n_kannel = parse_count(argv[2]);
    build_submit_sm(&b);

    gwlib_init();
    /* Debug output off: Kannel builds the dump string, then debug() finds
       no log that wants it, as in a bearerbox running at log-level 1+. */
    log_set_output_level(GW_INFO);
    smsc_id = octstr_create("bench");

    if (check)
        rc = show_lines(b.octets, b.len, smsc_id);
    bench_emgdiag_loop(b.octets, b.len, n_emg, &line);
    bench_kannel_loop(b.octets, b.len, n_kannel, smsc_id);

    octstr_destroy(smsc_id);
    sbuf_free(&line);
    gwlib_shutdown();
    return rc;
}
