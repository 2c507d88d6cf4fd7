/*
 * emgdiag_hook.h: the one contract between a Kannel box (the host) and the
 * emgdiag module.
 *
 * The host dlopen()s the module named by `hook-module` and calls the single
 * entry symbol EMGDIAG_ENTRY_SYMBOL with a table of its own services
 * (struct emgdiag_host).  The module answers with its table of hooks
 * (struct emgdiag_module).  Neither side links a symbol of the other by name.
 *
 * Versioning: the major version must match exactly, or the side that notices
 * refuses the other with one line.  A minor version adds members at the end
 * of a struct, or values to an enum, only; every struct that crosses the
 * boundary starts with its size as the sender knows it, so a reader tests
 * `size` (EMGDIAG_HAS) before touching a member a peer may not have, and
 * tests function pointers for NULL.  A reader must accept an enum value it
 * does not know.
 *
 * A host that refuses a module's table after the entry point has run (ABI
 * major mismatch, table too small) calls the table's `shutdown` when `size`
 * covers it, then unloads the module: a module that started threads in its
 * entry point stops them there.  Every major version keeps `size`,
 * `abi_major`, `abi_minor` and `shutdown` where they are in 1.x.  A module
 * that refuses the host itself returns NULL and has started nothing.
 *
 * History:
 *   1.0  first version.
 *   1.1  EMGDIAG_DISC_BEARERBOX_LINK (opensmppbox).
 *   1.2  emgdiag_module.message and struct emgdiag_message: where the host
 *        maps between PDUs and its own messages (docs/message-log.md).
 *
 * Only plain C types cross: octets and lengths, C strings, ints.  Strings
 * passed in are only valid for the duration of the call.
 *
 * Threads: every hook may be called concurrently from many host threads.
 * emgdiag_module.reopen is also async-signal-safe, so a host may call it from
 * a signal handler; the module does the work on its own thread.  .reload
 * takes locks: call it from an ordinary thread; it returns at once, and the
 * module parses and swaps its configuration on a thread of its own.
 */
#ifndef EMGDIAG_HOOK_H
#define EMGDIAG_HOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMGDIAG_ABI_MAJOR 1
#define EMGDIAG_ABI_MINOR 2

/* The one symbol a module exports (type emgdiag_entry_fn). */
#define EMGDIAG_ENTRY_SYMBOL "emgdiag_module_entry"

/* True when struct pointer `s` (whose first member is `size`) has `member`. */
#define EMGDIAG_HAS(s, member) \
    ((s) != NULL && (s)->size >= offsetof(__typeof__(*(s)), member) + sizeof((s)->member))

enum emgdiag_box {
    EMGDIAG_BOX_BEARERBOX = 1,  /* SMPP client sessions (smsc = smpp) */
    EMGDIAG_BOX_OPENSMPPBOX = 2 /* SMPP server sessions */
};

enum emgdiag_role {
    EMGDIAG_ROLE_TX = 1,    /* outgoing transmitter */
    EMGDIAG_ROLE_RX = 2,    /* outgoing receiver */
    EMGDIAG_ROLE_TRX = 3,   /* outgoing transceiver */
    EMGDIAG_ROLE_SERVER = 4 /* incoming: a client connected to us */
};

enum emgdiag_dir {
    EMGDIAG_DIR_READ = 0, /* received by the host */
    EMGDIAG_DIR_WRITE = 1 /* sent by the host */
};

enum emgdiag_level {
    EMGDIAG_LOG_DEBUG = 0,
    EMGDIAG_LOG_INFO = 1,
    EMGDIAG_LOG_WARNING = 2,
    EMGDIAG_LOG_ERROR = 3
};

/* Flags of emgdiag_module.pdu. */
enum emgdiag_pdu_flag {
    /* The host rejected the command_length: `octets` holds only the 4
     * length octets it consumed. */
    EMGDIAG_PDU_BAD_LENGTH = 0x1,
    /* The host could not unpack the PDU (octets are complete). */
    EMGDIAG_PDU_UNPACK_FAILED = 0x2
};

/* Why a session's TCP connection ended (emgdiag_module.disconnected). */
enum emgdiag_disconnect {
    EMGDIAG_DISC_PEER_CLOSED = 1,  /* EOF from the peer */
    EMGDIAG_DISC_TIMEOUT = 2,      /* no response in time */
    EMGDIAG_DISC_SHUTDOWN = 3,     /* we are stopping the session */
    EMGDIAG_DISC_LOGIN_FAILED = 4, /* the bind was refused */
    EMGDIAG_DISC_IO_ERROR = 5,     /* read/write error, errno unknown */
    EMGDIAG_DISC_ERRNO = 6,        /* read/write error, `err` is errno */
    /* 1.1: the session ended because the host lost its own upstream link
     * (opensmppbox: the client's bearerbox connection broke or bearerbox
     * told it to stop).  A 1.0 module does not know this value. */
    EMGDIAG_DISC_BEARERBOX_LINK = 7
};

/*
 * 1.2: the steps of a message at which the host calls emgdiag_module.message
 * (docs/message-log.md names each as a message-log STEP).
 */
enum emgdiag_msg_step {
    /* opensmppbox: a client's submit_sm or data_sm became a message; `id`
     * is the message_id answered to the client, `part`/`parts` the client's
     * concatenation UDH (0 when none). */
    EMGDIAG_MSG_CLIENT_SUBMIT = 1,
    /* opensmppbox: a message goes to bearerbox (for parts the client sent
     * apart, the one message they were joined into); `id` is the key of the
     * DLR entry stored for it (NULL when no DLR was asked), `dlr_url` the
     * ids answered to the client for it, ';'-separated (one per part). */
    EMGDIAG_MSG_FORWARD = 2,
    /* bearerbox: a message goes out as submit_sm `trn`, part `part` of
     * `parts` (1 of 1 when not split). */
    EMGDIAG_MSG_SUBMIT = 3,
    /* bearerbox: its submit_sm_resp; `id_raw` the SMSC's message_id as on
     * the wire, `id` as Kannel stored it after msg-id-type. */
    EMGDIAG_MSG_SUBMIT_RESP = 4,
    /* bearerbox: a receipt (deliver_sm or data_sm); `id_raw` from the
     * receipted_message_id TLV or the `id:` text, `id` as looked up after
     * msg-id-type; `matched` and, when matched, the stored entry's
     * `dlr_url`. */
    EMGDIAG_MSG_DLR = 5,
    /* opensmppbox: a receipt from bearerbox sent to the client as
     * deliver_sm `trn`; `id_raw` the DLR key looked up, `id` the id written
     * in the deliver_sm, `matched` 0 when no stored entry was found (then
     * nothing is sent and `trn` is 0). */
    EMGDIAG_MSG_DLR_TO_CLIENT = 6
};

/* 1.2: one step of a message (emgdiag_module.message).  Any string may be
 * NULL when the host has none. */
struct emgdiag_message {
    uint32_t size;
    int step;            /* enum emgdiag_msg_step */
    const char *uuid;    /* the host's message uuid; for a split part, its
                            original's (the uuid the previous box knew) */
    uint32_t trn;        /* sequence_number of the PDU of this step, 0: none */
    int part, parts;     /* part k of n; 0 0: not a part */
    const char *id_raw;  /* a message id as on the wire */
    const char *id;      /* the same as the host stores or looks it up */
    int matched;         /* DLR, DLR_TO_CLIENT: a stored entry was found */
    const char *dlr_url; /* see the steps */
    const char *source;  /* source_addr */
    const char *destination; /* destination_addr (receipts: the original's) */
    uint32_t status;     /* SUBMIT_RESP: command_status; DLR: the host's
                            DLR type (1 delivered, 2 failed, 8 buffered...) */
};

/* Answers of the decision hooks. */
enum emgdiag_verdict { EMGDIAG_ALLOW = 0, EMGDIAG_REFUSE = 1 };

/* Services of the host, passed to the entry point; valid until unload. */
struct emgdiag_host {
    uint32_t size;      /* sizeof(struct emgdiag_host) in the host */
    uint16_t abi_major; /* EMGDIAG_ABI_MAJOR of the host */
    uint16_t abi_minor;
    int box;                  /* enum emgdiag_box */
    const char *box_id;       /* opensmppbox: its opensmppbox-id (NULL when unset) */
    const char *module_path;  /* hook-module */
    const char *config_path;  /* hook-config (NULL when unset) */
    const char *host_version; /* e.g. "Kannel 1.4.5" */
    /* Write one line (no newline) to the host's own log.  Any thread,
     * including threads the host did not create.  Not async-signal-safe. */
    void (*log)(int level, const char *line);
};

/* Describes a session when it is registered (emgdiag_module.session_open). */
struct emgdiag_session_info {
    uint32_t size;
    int role;              /* enum emgdiag_role */
    const char *kannel_id; /* smsc-id (bearerbox) or opensmppbox-id; any octets */
    int instance;     /* outgoing: computed by the host as docs/connector-log.md#connector-log says;
                               incoming: -1, the module assigns the lowest free */
    const char *host; /* outgoing: SMSC host; incoming: client address */
    int port;         /* outgoing: SMSC port; incoming: client port */
};

/* A bind seen by an SMPP server (emgdiag_module.bind_check). */
struct emgdiag_bind {
    uint32_t size;
    const char *system_id; /* as the client sent it */
    int credentials_ok;    /* the host's own credential check passed */
    uint32_t host_status;  /* what the host would answer (0 when ok) */
    /* Filled by the module: */
    uint32_t status; /* command_status to answer */
    int close_after; /* close the connection after the response */
};

struct emgdiag_session; /* opaque, owned by the module */

/* Hooks of the module, returned by the entry point.  Any may be NULL. */
struct emgdiag_module {
    uint32_t size;      /* sizeof(struct emgdiag_module) in the module */
    uint16_t abi_major; /* EMGDIAG_ABI_MAJOR of the module */
    uint16_t abi_minor;
    const char *version; /* "emgdiag 0.1.0" */

    /* Decision at accept, before any session exists (incoming only).
     * Returns enum emgdiag_verdict; REFUSE means close at once. */
    int (*accept_check)(const char *kannel_id, const char *peer_addr, int peer_port);

    /* A session starts (outgoing: its I/O thread starts and keeps the
     * session over reconnects; incoming: a client was accepted and allowed). */
    struct emgdiag_session *(*session_open)(const struct emgdiag_session_info *info);
    void (*session_close)(struct emgdiag_session *s);

    /* Outgoing: TCP connect succeeded.  Incoming: the client is accepted. */
    void (*connect_ok)(struct emgdiag_session *s);
    /* Outgoing: connect failed: errno, or -h_errno for a failed lookup. */
    void (*connect_err)(struct emgdiag_session *s, int err);

    /* Every PDU read or written, complete: command_length octets included.
     * flags: enum emgdiag_pdu_flag. */
    void (*pdu)(struct emgdiag_session *s, int dir, const unsigned char *octets, size_t len,
                unsigned flags);

    /* Decision at bind (incoming only): fills b->status and b->close_after.
     * Returns enum emgdiag_verdict. */
    int (*bind_check)(struct emgdiag_session *s, struct emgdiag_bind *b);

    /* The TCP connection of a session ended.  reason: enum
     * emgdiag_disconnect; err: errno for EMGDIAG_DISC_ERRNO, else 0. */
    void (*disconnected)(struct emgdiag_session *s, int reason, int err);

    /* The host reopened its logs.  Async-signal-safe: the files are
     * reopened on the module's own thread. */
    void (*reopen)(void);
    /* The host reloads its configuration: the module re-reads its own on a
     * thread of its own (the call returns at once), and keeps the old one if
     * the new one is invalid.  Not signal-safe. */
    void (*reload)(void);

    /* Last call: flush and stop.  No other hook is called afterwards. */
    void (*shutdown)(void);

    /* 1.2: a message passed one of its steps on session `s` (enum
     * emgdiag_msg_step).  Called on the thread that handles the PDU. */
    void (*message)(struct emgdiag_session *s, const struct emgdiag_message *m);
};

/*
 * The entry point.  Returns the module's table, or NULL with a one-line
 * reason in err (e.g. "config.xml:3: unknown element \"foo\"").
 */
typedef const struct emgdiag_module *(*emgdiag_entry_fn)(const struct emgdiag_host *host, char *err,
                                                         size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* EMGDIAG_HOOK_H */
