/*
 * event: what happened, as typed values, between the session machine and
 * the sinks.
 *
 * The hook adapters (emgdiag.c) and the session machine (session.c) turn
 * the host's calls into events; every sink (sink.h) consumes the same
 * events: the file sink writes them as log lines, and metrics and database
 * sinks can count or store them.  An event carries raw values (a system_id
 * is the octets the peer sent, an address is the host's text), never text
 * escaped for one output: escaping belongs to the sink that writes text
 * (docs/architecture.md).
 *
 * An event and everything it points to are valid only for the duration of
 * the dispatch; a sink that keeps anything copies it.
 */
#ifndef EMGDIAG_EVENT_H
#define EMGDIAG_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct emg_config;
struct emg_connector;
struct smpp_decoded;

enum emg_event_kind {
    EMG_EV_SESSION_OPEN,  /* a session took its connector name and instance */
    EMG_EV_SESSION_CLOSE, /* ... and gave them back */
    EMG_EV_CONNECT,       /* TCP connect done or failed; a client accepted */
    EMG_EV_LOGIN,         /* a bind answered */
    EMG_EV_PDU,           /* a PDU read or written */
    EMG_EV_DISCONNECT,    /* the TCP connection of a session ended */
    EMG_EV_DENY_CONNECT,  /* a client refused at accept by an access list */
    EMG_EV_DENY_LOGIN,    /* a bind refused (credentials or addresses) */
    EMG_EV_CONFIG,        /* the configuration was loaded or rejected */
    EMG_EV_NAME_CUT,      /* a Kannel id too long for a connector name was cut */
    EMG_EV_GENERAL,       /* a sink's own notice, for the general log */
    EMG_EV_TICK,          /* once a second, from the ticker thread */
    EMG_EV_MESSAGE        /* a message passed a step (docs/message-log.md) */
};

/* Why a session ended (EMG_EV_DISCONNECT). */
enum emg_disc_reason {
    EMG_DISC_UNBOUND, /* a clean unbind: the only DISCONNECT OK */
    EMG_DISC_PEER_CLOSED,
    EMG_DISC_TIMEOUT, /* no response in time, or a bind never answered */
    EMG_DISC_SHUTDOWN,
    EMG_DISC_LOGIN_FAILED,
    EMG_DISC_IO_ERROR,
    EMG_DISC_ERRNO,         /* err holds the errno */
    EMG_DISC_BEARERBOX_LINK /* opensmppbox lost its bearerbox connection */
};

/* Most key/value pairs of an EMG_EV_GENERAL notice. */
#define EMG_GENERAL_MAX_KV 4

/* Octets from the peer, not NUL-terminated. */
struct emg_octets {
    const unsigned char *p;
    size_t n;
};

/* The word the connector log writes for a reason ("peer-closed", ...;
 * "io-error" for EMG_DISC_ERRNO, whose info is the errno itself). */
const char *emg_disc_reason_word(enum emg_disc_reason reason);

struct emg_event {
    enum emg_event_kind kind;
    struct timeval tv;                /* when: stamped once, at dispatch */
    const char *connector;            /* connector name; NULL for process events */
    int instance;                     /* -1: none */
    int incoming;                     /* the connector is an SMPP server's */
    const struct emg_config *cfg;     /* the configuration in force */
    const struct emg_connector *conn; /* the connector's <connector>, or NULL */
    union {
        struct {
            int role;         /* enum emgdiag_role */
            const char *peer; /* SMSC host, or client address */
            int port;
        } session; /* SESSION_OPEN, SESSION_CLOSE */
        struct {
            int ok;
            int err;          /* errno, or -h_errno of a lookup; 0 when ok */
            const char *peer; /* incoming: the client's address, else NULL */
        } connect;
        struct {
            int ok; /* status 0, or 5 which Kannel accepts */
            uint32_t status;
            /* outgoing: the bind response's system_id; incoming: the one the
             * client bound with; p NULL when there is none */
            struct emg_octets system_id;
        } login;
        struct {
            int dir;                /* enum emgdiag_dir */
            struct smpp_decoded *d; /* the one decode: header done, body on demand */
            int host_unpack_failed; /* the host could not unpack it */
            int bound;              /* the session was bound when it crossed */
        } pdu;
        struct {
            int ok;
            enum emg_disc_reason reason;
            int err;
        } disconnect;
        struct {
            const char *address;
            const char *rule; /* "FILE:LINE", "no match", ... */
        } deny_connect;
        struct {
            struct emg_octets system_id;
            const char *address;
            uint32_t status;    /* answered to the client */
            const char *reason; /* "credentials" or "address" */
            const char *rule;
        } deny_login;
        struct {
            int ok;
            int reload; /* 0: the load at start */
            const char *file;
            const char *reason; /* rejected: why; NULL when ok */
        } config;
        struct {
            const char *kannel_id;
            const char *name;
        } name_cut;
        struct {
            int step;            /* enum emgdiag_msg_step (a value the module may not know) */
            const char *uuid;    /* the host's message uuid, or NULL */
            uint32_t trn;        /* 0: none */
            int part, parts;     /* 0 0: not a part */
            const char *id_raw;  /* an id as on the wire, or NULL */
            const char *id;      /* as the host stores or looks it up, or NULL */
            int matched;         /* receipts: a stored entry was found */
            const char *dlr_url; /* the stored entry's url, or NULL */
            const char *source;
            const char *destination;
            uint32_t status;
        } message;
        struct {
            const char *level; /* "INFO", "WARN" or "ERROR" */
            const char *event; /* e.g. "METRICS LISTEN FAILED" */
            size_t n;          /* key/value pairs that follow */
            const char *keys[EMG_GENERAL_MAX_KV];
            const char *values[EMG_GENERAL_MAX_KV]; /* raw */
        } general;
    } u;
};

#endif
