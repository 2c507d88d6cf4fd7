/*
 * reasons: the meanings table (see reasons.h).  The texts say what
 * docs/troubleshooting.md says, shorter; keep the two in step.
 */
#include "reasons.h"

#include <stdlib.h>
#include <string.h>

struct errno_reason {
    long err;
    struct reason r;
};

static const struct errno_reason errno_reasons[] = {
    { 110, { "ETIMEDOUT", "the TCP connect was never answered: a firewall drops the SYNs, or the host is down",
             "check the address and any firewall on the way; set connect-timeout in the smsc group to fail in seconds" } },
    { 111, { "ECONNREFUSED", "the host answered but nothing listens on that port",
             "check `port` (and `receive-port`); check that the SMSC's service is running" } },
    { 113, { "EHOSTUNREACH", "no route to the host, or a router or firewall answered \"unreachable\"",
             "check routing and firewalls between this host and the SMSC" } },
    { 101, { "ENETUNREACH", "no route to that network from this host", "check this host's routes" } },
    { 99, { "EADDRNOTAVAIL", "the source address (`our-host`) is not an address of this host",
            "fix or remove `our-host`" } },
    { 98, { "EADDRINUSE", "the source port (`our-port`) is already in use", "free or change `our-port`" } },
    { 104, { "ECONNRESET", "the peer reset the connection", "look at the peer's logs: it dropped the session" } },
    { 32, { "EPIPE", "we wrote to a connection the peer had already closed",
            "look at why the peer closed it (its logs, or the DISCONNECT just before)" } },
    { -1, { "HOST_NOT_FOUND", "the name in `host` does not resolve", "check DNS and /etc/hosts" } },
    { -2, { "TRY_AGAIN", "temporary DNS failure: no resolver answered", "check /etc/resolv.conf and the DNS servers" } },
    { -3, { "NO_RECOVERY", "the DNS server gave a non-recoverable error", "check the DNS servers" } },
    { -4, { "NO_ADDRESS", "the name has no IPv4 address; Kannel connects over IPv4 only",
            "give `host` an IPv4 address or a name with an A record" } },
};

struct status_reason {
    uint32_t status;
    struct reason r;
};

static const struct status_reason status_reasons[] = {
    { 2, { "ESME_RINVCMDLEN", "the PDU's length was rejected", "check the SMPP version both sides speak" } },
    { 3, { "ESME_RINVCMDID", "the peer does not know the command (a bind_transceiver to an SMPP 3.3 SMSC)",
           "use transmitter and receiver sessions, or the SMPP version the peer speaks" } },
    { 5, { "ESME_RALYBND", "already bound; Kannel takes it as success", "" } },
    { 8, { "ESME_RSYSERR", "system error at the SMSC", "ask the SMSC's operator" } },
    { 13, { "ESME_RBINDFAIL", "bind failed: a generic refusal (stock opensmppbox's answer to bad credentials)",
            "check smsc-username and smsc-password, and the address the SMSC expects" } },
    { 14, { "ESME_RINVPASWD", "invalid password (also what EMG and emgdiag answer for a refused client address)",
            "check the password; on an incoming connector check the access lists (security log)" } },
    { 15, { "ESME_RINVSYSID", "invalid system_id", "check smsc-username (system_id)" } },
    { 83, { "ESME_RINVSYSTYP", "invalid system_type", "check system-type in the smsc group" } },
    { 88, { "ESME_RTHROTTLED", "throttled: more submits than the SMSC allows", "lower `throughput` in the smsc group" } },
};

struct word_reason {
    const char *word;
    struct reason r;
};

static const struct word_reason word_reasons[] = {
    { "peer-closed", { "peer-closed", "the other side closed the TCP connection without an unbind",
                       "look at the peer's logs; an SMSC often closes after an unanswered enquire_link" } },
    { "timeout", { "timeout", "no response in time; without a LOGIN line before it, the bind was never answered",
                   "check that the peer speaks SMPP on that port and that no proxy is in the way" } },
    { "login-failed", { "login-failed", "the bind was refused (see the LOGIN ERR just before)", "" } },
    { "shutdown", { "shutdown", "we stopped the session without a clean unbind (the box was stopping)", "" } },
    { "io-error", { "io-error", "a read or write error on the socket", "look at the network between the two" } },
    { "bearerbox-link", { "bearerbox-link", "opensmppbox closed the client's session because its own connection to bearerbox ended",
                          "look at bearerbox, not at the client" } },
};

const struct reason *reason_connect(long err)
{
    size_t i;

    for (i = 0; i < sizeof(errno_reasons) / sizeof(errno_reasons[0]); i++) {
        if (errno_reasons[i].err == err)
            return &errno_reasons[i].r;
    }
    return NULL;
}

const struct reason *reason_status(uint32_t status)
{
    size_t i;

    for (i = 0; i < sizeof(status_reasons) / sizeof(status_reasons[0]); i++) {
        if (status_reasons[i].status == status)
            return &status_reasons[i].r;
    }
    return NULL;
}

const struct reason *reason_disconnect(const char *info)
{
    char *end;
    long n;
    size_t i;

    for (i = 0; i < sizeof(word_reasons) / sizeof(word_reasons[0]); i++) {
        if (strcmp(word_reasons[i].word, info) == 0)
            return &word_reasons[i].r;
    }
    n = strtol(info, &end, 10);
    if (end != info && *end == '\0' && n > 0)
        return reason_connect(n);
    return NULL;
}

const struct reason *reason_of_connector_line(const char *rest)
{
    const char *q = strstr(rest, " ERR (info=\"");
    char info[64];
    size_t n = 0;

    if (q == NULL)
        return NULL;
    q += 12;
    while (q[n] != '\0' && q[n] != '"' && n < sizeof(info) - 1)
        n++;
    memcpy(info, q, n);
    info[n] = '\0';
    if (strncmp(rest, "CONNECT ", 8) == 0)
        return reason_connect(strtol(info, NULL, 10));
    if (strncmp(rest, "LOGIN ", 6) == 0)
        return reason_status((uint32_t)strtoul(info, NULL, 10));
    if (strncmp(rest, "DISCONNECT ", 11) == 0)
        return reason_disconnect(info);
    return NULL;
}
