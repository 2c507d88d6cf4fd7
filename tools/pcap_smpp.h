/*
 * pcap_smpp: SMPP PDUs out of a packet capture.
 *
 * Reads a pcap or pcapng file with libpcap, keeps the TCP segments to or
 * from one port, and reassembles each direction of each connection into
 * whole PDUs (split across segments or several in one segment), dropping
 * retransmitted octets.  A gap in a stream, a frame cut short by the
 * capture's snap length, or octets that cannot be SMPP stop that direction
 * with one line on stderr naming the frame; the rest of the capture is
 * still read.  A connection is let go when it closes, and only so many are
 * followed at once.
 */
#ifndef EMGDIAG_PCAP_SMPP_H
#define EMGDIAG_PCAP_SMPP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

struct pcap_smpp_pdu {
    const unsigned char *octets; /* the complete PDU, command_length included */
    size_t len;
    int from_client;     /* sent by the side that opened the connection */
    unsigned instance;   /* TCP connections numbered from 0 in order of appearance */
    unsigned long frame; /* number (from 1) of the frame that completed it */
    struct timeval ts;   /* that frame's capture time */
};

typedef void (*pcap_smpp_handler)(void *ctx, const struct pcap_smpp_pdu *pdu);

/* Largest command_length taken for SMPP; anything larger is reported as
   traffic that is not SMPP. */
#define PCAP_SMPP_MAX_PDU (1u << 20)

/* The default bound on connections followed at once; past the bound the
   one idle longest is dropped (reported). */
#define PCAP_SMPP_MAX_LIVE 65536u

/* What pcap_smpp_read returns when the file cannot be opened or read(2)
   fails (reported as "emgdiag-pdu: FILE: strerror"). */
#define PCAP_SMPP_UNREADABLE (-2)

/* Calls handler for every PDU of the SMPP traffic on TCP port `port` in
   capture order, following at most max_live connections at once (0: the
   default, PCAP_SMPP_MAX_LIVE).  Returns the number of problems reported on stderr (0 when
   the whole capture decoded cleanly), -1 when the file is not a capture this
   can read, or PCAP_SMPP_UNREADABLE. */
int pcap_smpp_read(const char *path, uint16_t port, size_t max_live, pcap_smpp_handler handler,
                   void *ctx);

/* The same for a capture already open as fp, which it closes; `name` names
   the capture in messages, which go to errs instead of stderr. */
int pcap_smpp_read_fp(FILE *fp, const char *name, uint16_t port, size_t max_live, FILE *errs,
                      pcap_smpp_handler handler, void *ctx);

#endif
