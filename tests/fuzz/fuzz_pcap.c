/*
 * fuzz_pcap: libFuzzer target over the capture reader of emgdiag-pdu
 * (tools/pcap_smpp.c) and the pdu-log formatter behind it.
 *
 * The input is taken as a whole capture file (pcap or pcapng; libpcap parses
 * the file format, our code everything from the link layer up: VLAN tags,
 * IPv4 options, IPv6 extension headers, TCP, reassembly).  Each PDU the
 * reader hands over must be what pcap_smpp.h promises: at least a header,
 * no more than PCAP_SMPP_MAX_PDU, its command_length equal to its length,
 * frame numbers (from 1) that never go back.  Its pdu-log line must hold no CR or LF.
 * Problems the reader reports go to /dev/null; the sanitizers' own reports
 * still reach stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_smpp.h"
#include "pdu_format.h"
#include "sbuf.h"

#define FUZZ_PORT 2775
#define FUZZ_MAX_LIVE 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    unsigned long last_frame;
};

static void on_pdu(void *ctx, const struct pcap_smpp_pdu *pdu)
{
    struct seen *s = ctx;
    struct sbuf line = SBUF_INIT;
    struct pdu_format_opts o = { 0 };
    uint32_t cl;

    if (pdu->len < 16 || pdu->len > PCAP_SMPP_MAX_PDU)
        abort();
    cl = (uint32_t)pdu->octets[0] << 24 | (uint32_t)pdu->octets[1] << 16 |
         (uint32_t)pdu->octets[2] << 8 | pdu->octets[3];
    if (cl != pdu->len)
        abort();
    if (pdu->frame == 0 || pdu->frame < s->last_frame)
        abort();
    s->last_frame = pdu->frame;
    pdu_format_text(&line, pdu->from_client ? PDU_DIR_READ : PDU_DIR_WRITE, pdu->octets, pdu->len,
                    &o);
    if (line.failed || memchr(line.buf, '\n', line.len) != NULL ||
        memchr(line.buf, '\r', line.len) != NULL)
        abort();
    sbuf_free(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    struct seen s = { 0 };
    FILE *fp;

    if (size == 0)
        return 0;
    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
        abort();
    fp = fmemopen((void *)data, size, "rb");
    if (fp == NULL)
        abort();
    /* a small bound, so that dropping the connection idle longest is fuzzed too */
    pcap_smpp_read_fp(fp, "fuzz", FUZZ_PORT, FUZZ_MAX_LIVE, devnull, on_pdu, &s);
    return 0;
}
