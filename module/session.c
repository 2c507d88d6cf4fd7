/*
 * session.c: the session state machine (see session.h).
 *
 * A connection goes: connected -> (bind pending -> bound | login failed) ->
 * (unbound) -> disconnected.  The side that binds is us on an outgoing
 * connector and the client on an incoming one; the response to a pending
 * bind is a bind response, or a generic_nack carrying the bind's sequence
 * number.  Kannel treats ESME_RALYBND (5) as bound, and so does the
 * connector log (docs/connector-log.md#connector-log).  A DISCONNECT's
 * reason is the session's own knowledge first (a clean unbind, a bind never
 * answered, a refused login), then the host's.
 */
#include "session.h"

#include <string.h>

#include "alloc.h"
#include "emgdiag_hook.h"

static void emit_event(struct emg_event *ev, enum emg_event_kind kind, emg_emit_fn emit, void *ctx)
{
    ev->kind = kind;
    emit(ctx, ev);
}

static void forget_system_id(struct emg_session_state *st)
{
    if (st->system_id != st->system_id_inline)
        emg_free(st->system_id);
    st->system_id = NULL;
    st->system_id_len = 0;
}

/* Keeps a copy of the system_id a client binds with; NULL when the bind has
 * none, or when there is no memory for a long one (its LOGIN line then
 * shows only the status). */
static void keep_system_id(struct emg_session_state *st, const unsigned char *p, size_t n)
{
    forget_system_id(st);
    if (p == NULL)
        return;
    if (n <= sizeof(st->system_id_inline)) {
        st->system_id = st->system_id_inline;
    } else if ((st->system_id = emg_malloc(n)) == NULL) {
        return;
    }
    memcpy(st->system_id, p, n);
    st->system_id_len = n;
}

void session_init(struct emg_session_state *st, int incoming)
{
    memset(st, 0, sizeof(*st));
    st->incoming = incoming;
}

void session_free(struct emg_session_state *st)
{
    forget_system_id(st);
}

void session_connected(struct emg_session_state *st, const char *peer, emg_emit_fn emit, void *ctx)
{
    struct emg_event ev;

    st->connected = 1;
    st->bound = st->bind_pending = st->login_failed = st->unbound = 0;
    forget_system_id(st);
    memset(&ev, 0, sizeof(ev));
    ev.u.connect.ok = 1;
    ev.u.connect.peer = st->incoming ? peer : NULL;
    emit_event(&ev, EMG_EV_CONNECT, emit, ctx);
}

void session_connect_failed(struct emg_session_state *st, int err, emg_emit_fn emit, void *ctx)
{
    struct emg_event ev;

    (void)st;
    memset(&ev, 0, sizeof(ev));
    ev.u.connect.err = err;
    emit_event(&ev, EMG_EV_CONNECT, emit, ctx);
}

static int is_bind(uint32_t id)
{
    return id == SMPP_CMD_BIND_RECEIVER || id == SMPP_CMD_BIND_TRANSMITTER ||
           id == SMPP_CMD_BIND_TRANSCEIVER;
}

static int is_bind_resp(uint32_t id)
{
    return id == SMPP_CMD_BIND_RECEIVER_RESP || id == SMPP_CMD_BIND_TRANSMITTER_RESP ||
           id == SMPP_CMD_BIND_TRANSCEIVER_RESP;
}

void session_pdu(struct emg_session_state *st, int dir, struct smpp_decoded *d,
                 int host_unpack_failed, emg_emit_fn emit, void *ctx)
{
    /* The side that binds writes binds (outgoing) or reads them (incoming). */
    int bind_dir = st->incoming ? EMGDIAG_DIR_READ : EMGDIAG_DIR_WRITE;
    struct emg_event ev;
    uint32_t id = d->command_id;

    memset(&ev, 0, sizeof(ev));
    ev.u.pdu.dir = dir;
    ev.u.pdu.d = d;
    ev.u.pdu.host_unpack_failed = host_unpack_failed;
    ev.u.pdu.bound = st->bound;
    emit_event(&ev, EMG_EV_PDU, emit, ctx);
    if (!d->header_complete)
        return;
    if (dir == bind_dir && is_bind(id)) {
        st->bind_pending = 1;
        st->bind_seq = d->sequence_number;
        if (st->incoming)
            keep_system_id(st, d->system_id, d->system_id_len);
    } else if (dir != bind_dir && st->bind_pending &&
               (is_bind_resp(id) ||
                (id == SMPP_CMD_GENERIC_NACK && d->sequence_number == st->bind_seq))) {
        uint32_t status = d->command_status;

        st->bind_pending = 0;
        memset(&ev, 0, sizeof(ev));
        ev.u.login.ok = is_bind_resp(id) && (status == 0 || status == 5);
        ev.u.login.status = status;
        st->bound = ev.u.login.ok;
        st->login_failed = !ev.u.login.ok;
        if (st->incoming) {
            ev.u.login.system_id.p = st->system_id;
            ev.u.login.system_id.n = st->system_id_len;
        } else {
            ev.u.login.system_id.p = d->system_id;
            ev.u.login.system_id.n = d->system_id_len;
        }
        emit_event(&ev, EMG_EV_LOGIN, emit, ctx);
        forget_system_id(st);
    } else if (id == SMPP_CMD_UNBIND_RESP && d->command_status == 0) {
        st->unbound = 1;
    }
}

void session_bind_refused(struct emg_session_state *st, struct emg_octets system_id,
                          const char *address, uint32_t status, const char *reason,
                          const char *rule, emg_emit_fn emit, void *ctx)
{
    struct emg_event ev;

    (void)st;
    memset(&ev, 0, sizeof(ev));
    ev.u.deny_login.system_id = system_id;
    ev.u.deny_login.address = address;
    ev.u.deny_login.status = status;
    ev.u.deny_login.reason = reason;
    ev.u.deny_login.rule = rule;
    emit_event(&ev, EMG_EV_DENY_LOGIN, emit, ctx);
}

const char *emg_disc_reason_word(enum emg_disc_reason reason)
{
    switch (reason) {
    case EMG_DISC_UNBOUND: return "unbound";
    case EMG_DISC_PEER_CLOSED: return "peer-closed";
    case EMG_DISC_TIMEOUT: return "timeout";
    case EMG_DISC_SHUTDOWN: return "shutdown";
    case EMG_DISC_LOGIN_FAILED: return "login-failed";
    case EMG_DISC_BEARERBOX_LINK: return "bearerbox-link";
    case EMG_DISC_IO_ERROR:
    case EMG_DISC_ERRNO: break;
    }
    return "io-error";
}

/* The host's reason (the ABI's enum emgdiag_disconnect) as ours. */
static enum emg_disc_reason host_reason_of(int host_reason)
{
    switch (host_reason) {
    case EMGDIAG_DISC_PEER_CLOSED: return EMG_DISC_PEER_CLOSED;
    case EMGDIAG_DISC_TIMEOUT: return EMG_DISC_TIMEOUT;
    case EMGDIAG_DISC_SHUTDOWN: return EMG_DISC_SHUTDOWN;
    case EMGDIAG_DISC_LOGIN_FAILED: return EMG_DISC_LOGIN_FAILED;
    case EMGDIAG_DISC_ERRNO: return EMG_DISC_ERRNO;
    case EMGDIAG_DISC_BEARERBOX_LINK: return EMG_DISC_BEARERBOX_LINK;
    default: return EMG_DISC_IO_ERROR; /* EMGDIAG_DISC_IO_ERROR, or a value of a newer host */
    }
}

void session_disconnected(struct emg_session_state *st, int host_reason, int err, emg_emit_fn emit,
                          void *ctx)
{
    struct emg_event ev;

    if (!st->connected)
        return;
    memset(&ev, 0, sizeof(ev));
    if (st->unbound) {
        ev.u.disconnect.ok = 1;
        ev.u.disconnect.reason = EMG_DISC_UNBOUND;
    } else if (st->bind_pending) {
        ev.u.disconnect.reason = EMG_DISC_TIMEOUT; /* the bind response never came */
    } else if (st->login_failed) {
        ev.u.disconnect.reason = EMG_DISC_LOGIN_FAILED;
    } else {
        ev.u.disconnect.reason = host_reason_of(host_reason);
        if (ev.u.disconnect.reason == EMG_DISC_ERRNO)
            ev.u.disconnect.err = err;
    }
    st->connected = st->bound = st->bind_pending = 0;
    forget_system_id(st);
    emit_event(&ev, EMG_EV_DISCONNECT, emit, ctx);
}
