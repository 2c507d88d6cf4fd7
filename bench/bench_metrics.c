/*
 * bench_metrics: instructions per PDU the module spends on the SMPP thread,
 * with and without the metrics sink (bench/metrics.sh runs it under
 * callgrind; docs/performance.md has the result).
 *
 * The module is driven through the hook ABI as bearerbox drives it: one
 * outgoing session, connected and bound, then `n` submit_sm written and
 * their submit_sm_resp read, in run_loop().  Only run_loop()'s inclusive
 * cost is read, on the thread that calls the hooks: what the log writer
 * thread does later is not in it, and neither is a scrape, nor what the
 * emgdiag-db thread does with the rows.  argv: "off" (the file sink alone),
 * "on" (the same with <metrics listen> on a free loopback port) or "db"
 * (the file sink with <database type="sqlite">: the twin built for every
 * line and the line queued for the database), then n.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emgdiag_hook.h"

#include "abi_driver.h"

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen);

/* submit_sm body as in bench/bench_pdu.c: 12345 -> 4670123456, 20 octets. */
static const unsigned char submit_body[] = "\0\1\1"
                                           "12345\0"
                                           "\1\1"
                                           "4670123456\0"
                                           "\0\0\0"      /* esm_class, protocol_id, priority_flag */
                                           "\0\0"        /* schedule_delivery_time, validity_period */
                                           "\1\0\0\0\x14" /* registered_delivery .. sm_length */
                                           "Your code is 4711 ok";
static const unsigned char resp_body[] = "00000001";

__attribute__((noinline)) static void run_loop(const struct emgdiag_module *m,
                                               struct emgdiag_session *s, unsigned long n)
{
    unsigned char a[128], b[64];
    size_t alen, blen;
    struct emgdiag_message sub, resp;

    /* The message hook as patch 0016 calls it around a submit_sm and its
     * response, so the message log's two lines are in the cost. */
    memset(&sub, 0, sizeof(sub));
    sub.size = sizeof(sub);
    sub.step = EMGDIAG_MSG_SUBMIT;
    sub.uuid = "5d3c1a52-7f7e-4b1f-9d1e-2a6f0c1b9e77";
    sub.destination = "4670123456";
    resp = sub;
    resp.step = EMGDIAG_MSG_SUBMIT_RESP;
    resp.destination = NULL;
    resp.id_raw = "00000001";
    resp.id = "00000001";

    for (unsigned long i = 0; i < n; i++) {
        uint32_t seq = (uint32_t)(i % 1000000) + 2;

        alen = abi_pdu(a, 0x00000004, 0, seq, submit_body, sizeof(submit_body) - 1);
        blen = abi_pdu(b, 0x80000004, 0, seq, resp_body, sizeof(resp_body));
        m->pdu(s, EMGDIAG_DIR_WRITE, a, alen, 0);
        sub.trn = resp.trn = seq;
        m->message(s, &sub);
        m->pdu(s, EMGDIAG_DIR_READ, b, blen, 0);
        m->message(s, &resp);
    }
}

/* A TCP port on 127.0.0.1 that is free right now; 0 if none. */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

int main(int argc, char **argv)
{
    char metrics[192] = "";
    char dir[] = "/tmp/bench_metrics.XXXXXX", xml[128], err[512];
    struct emgdiag_host h;
    struct emgdiag_session_info si;
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    unsigned char p[128];
    unsigned long n;
    FILE *f;

    if (argc != 3 || (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0 &&
                      strcmp(argv[1], "db") != 0)) {
        fprintf(stderr, "usage: bench_metrics on|off|db N\n");
        return 2;
    }
    n = strtoul(argv[2], NULL, 10);
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(xml, sizeof(xml), "%s/emg.xml", dir);
    f = fopen(xml, "w");
    if (f == NULL)
        return 1;
    if (strcmp(argv[1], "on") == 0)
        snprintf(metrics, sizeof(metrics), "<metrics box=\"bearerbox\" listen=\"127.0.0.1:%d\"/>",
                 free_port());
    else if (strcmp(argv[1], "db") == 0)
        snprintf(metrics, sizeof(metrics), "<database type=\"sqlite\" file=\"%s/emg.db\"/>", dir);
    fprintf(f,
            "<emgdiag><logs dir=\"%s\"/><connector name=\"up\" type=\"outgoing\" "
            "smsc-id=\"up\"/>%s</emgdiag>\n",
            dir, metrics);
    fclose(f);
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    h.abi_major = EMGDIAG_ABI_MAJOR;
    h.abi_minor = EMGDIAG_ABI_MINOR;
    h.box = EMGDIAG_BOX_BEARERBOX;
    h.config_path = xml;
    h.host_version = "bench";
    m = emgdiag_module_entry(&h, err, sizeof(err));
    if (m == NULL) {
        fprintf(stderr, "bench_metrics: %s\n", err);
        return 1;
    }
    memset(&si, 0, sizeof(si));
    si.size = sizeof(si);
    si.role = EMGDIAG_ROLE_TRX;
    si.kannel_id = "up";
    si.instance = 0;
    si.host = "127.0.0.1";
    si.port = 2775;
    s = m->session_open(&si);
    m->connect_ok(s);
    m->pdu(s, EMGDIAG_DIR_WRITE, p,
           abi_pdu(p, 0x00000009, 0, 1, (const unsigned char *)"up\0pw\0VMA\0\x34\0\0", 14), 0);
    m->pdu(s, EMGDIAG_DIR_READ, p,
           abi_pdu(p, 0x80000009, 0, 1, (const unsigned char *)"SMSC", 5), 0);
    run_loop(m, s, n);
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(s);
    m->shutdown();
    snprintf(xml, sizeof(xml), "rm -rf '%s'", dir);
    return system(xml) == 0 ? 0 : 1;
}
