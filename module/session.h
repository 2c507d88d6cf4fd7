/*
 * session: the state machine of one SMPP session, as the module sees it.
 *
 * Input: what the host reports (a TCP connect done or failed, a client
 * accepted, every PDU read or written as decoded to its header, a bind the
 * module refused, the end of the connection).  Output: typed events
 * (event.h), in the order they happened, handed to an emit callback.  The
 * machine decides what the connector log needs to know: when a bind was
 * answered and how (LOGIN), whether the session ended with a clean unbind,
 * a bind never answered, a refused login or the host's reason
 * (DISCONNECT).  It has no threads, no files and no clock: the caller
 * serialises calls on one session and stamps the events, and
 * tests/unit/check_session.c drives it with tables of inputs and expected
 * events.
 */
#ifndef EMGDIAG_SESSION_H
#define EMGDIAG_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "smpp.h"

/* Receives each event the machine emits; the event's connector, instance,
 * time and configuration are the caller's to fill. */
typedef void (*emg_emit_fn)(void *ctx, struct emg_event *ev);

/* A system_id of at most this many octets is kept without an allocation. */
#define SESSION_SYSTEM_ID_INLINE 64

struct emg_session_state {
    int incoming;     /* we are the SMPP server: the peer binds */
    int connected;    /* CONNECT OK emitted, a DISCONNECT is owed */
    int bound;        /* a bind of this connection was answered 0 (or 5) */
    int bind_pending; /* a bind seen, its response not yet */
    uint32_t bind_seq;
    int login_failed; /* the bind was answered with an error */
    int unbound;      /* an unbind was answered with status 0 */
    /* incoming: the system_id of the pending bind, as the client sent it */
    unsigned char *system_id; /* system_id_inline, heap, or NULL */
    size_t system_id_len;
    unsigned char system_id_inline[SESSION_SYSTEM_ID_INLINE];
};

void session_init(struct emg_session_state *st, int incoming);
void session_free(struct emg_session_state *st);

/* Outgoing: the TCP connect succeeded.  Incoming: a client was accepted
 * from `peer` (its address as the host gives it).  Emits CONNECT OK and
 * starts a new connection's state. */
void session_connected(struct emg_session_state *st, const char *peer, emg_emit_fn emit, void *ctx);

/* Outgoing: the connect failed with errno `err` (or -h_errno).  Emits
 * CONNECT ERR. */
void session_connect_failed(struct emg_session_state *st, int err, emg_emit_fn emit, void *ctx);

/* A PDU read or written (dir: enum emgdiag_dir), decoded to its header.
 * Emits PDU, then LOGIN when it answers the pending bind. */
void session_pdu(struct emg_session_state *st, int dir, struct smpp_decoded *d,
                 int host_unpack_failed, emg_emit_fn emit, void *ctx);

/* The module refused a bind: emits DENY_LOGIN with what decided it.  The
 * LOGIN ERR follows when the host writes the refusing response. */
void session_bind_refused(struct emg_session_state *st, struct emg_octets system_id,
                          const char *address, uint32_t status, const char *reason,
                          const char *rule, emg_emit_fn emit, void *ctx);

/* The connection ended; host_reason is enum emgdiag_disconnect and err its
 * errno.  Emits DISCONNECT when a CONNECT OK is owed one. */
void session_disconnected(struct emg_session_state *st, int host_reason, int err, emg_emit_fn emit,
                          void *ctx);

#endif
