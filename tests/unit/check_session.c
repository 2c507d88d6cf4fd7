/*
 * Unit tests of the session state machine (module/session.c), table
 * driven: each scenario is a sequence of inputs (what a host reports) and,
 * for each input, the events the machine must emit, written out as text.
 * The expectations come from docs/connector-log.md#connector-log (when a
 * LOGIN line is due and with which info, which DISCONNECT a session ends
 * with) and from SMPP's own rules (a generic_nack answers the PDU whose
 * sequence number it carries); no clock, no files, no threads.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emgdiag_hook.h"
#include "session.h"
#include "smpp.h"

enum input {
    END = 0,
    CONNECTED,       /* session_connected(peer = text) */
    CONNECT_FAILED,  /* session_connect_failed(err = a) */
    PDU,             /* session_pdu(dir, PDU built from id/status/seq/body) */
    PDU_CUT,         /* the same PDU with its last octet missing */
    PDU_UNPACK_FAIL, /* the same PDU, host_unpack_failed set */
    BIND_REFUSED,    /* session_bind_refused(text, "192.0.2.1", a, "address", "no match") */
    DISCONNECTED     /* session_disconnected(host reason a, err b) */
};

#define R EMGDIAG_DIR_READ
#define W EMGDIAG_DIR_WRITE

struct step {
    enum input in;
    int dir;
    uint32_t id, status, seq;
    const char *text; /* PDU body (with its NULs), peer, or system_id */
    size_t text_len;  /* PDU body length */
    int a, b;
    const char *expect; /* the events, one per line, "" for none */
};

#define BODY(lit) lit, sizeof(lit) - 1
#define STEP_PDU(dir, id, status, seq, body, expect)  \
    {                                                 \
        PDU, dir, id, status, seq, body, 0, 0, expect \
    }
#define MAX_STEPS 16

struct scenario {
    const char *name;
    int incoming;
    struct step steps[MAX_STEPS];
};

/* bind body: system_id "user", password, system_type "VMA", version 0x34,
 * ton, npi, address_range. */
#define BIND_BODY BODY("user\0secret\0VMA\0\x34\0\0\0")
#define ALICE_BIND BODY("alice\0pw\0\0\x34\0\0\0")

static const struct scenario scenarios[] = {
    { "outgoing: bind answered 0, clean unbind",
      0,
      { { CONNECTED, 0, 0, 0, 0, "smsc.example", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER, 0, 1, BIND_BODY, 0, 0,
          "PDU write 0x00000009 seq=1 bound=0" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 1, BODY("SMSC\0"), 0, 0,
          "PDU read 0x80000009 seq=1 bound=0\nLOGIN OK status=0 system_id=SMSC" },
        { PDU, W, SMPP_CMD_ENQUIRE_LINK, 0, 2, BODY(""), 0, 0,
          "PDU write 0x00000015 seq=2 bound=1" },
        { PDU, R, SMPP_CMD_UNBIND, 0, 7, BODY(""), 0, 0, "PDU read 0x00000006 seq=7 bound=1" },
        { PDU, W, SMPP_CMD_UNBIND_RESP, 0, 7, BODY(""), 0, 0,
          "PDU write 0x80000006 seq=7 bound=1" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0, "DISCONNECT OK unbound" },
        { END } } },
    { "outgoing: refused bind ends login-failed whatever the host says",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_TRANSMITTER, 0, 1, BIND_BODY, 0, 0,
          "PDU write 0x00000002 seq=1 bound=0" },
        { PDU, R, SMPP_CMD_BIND_TRANSMITTER_RESP, 14, 1, BODY(""), 0, 0,
          "PDU read 0x80000002 seq=1 bound=0\nLOGIN ERR status=14" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_SHUTDOWN, 0,
          "DISCONNECT ERR login-failed" },
        { END } } },
    { "outgoing: a generic_nack answers the bind only with the bind's sequence number",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_RECEIVER, 0, 5, BIND_BODY, 0, 0,
          "PDU write 0x00000001 seq=5 bound=0" },
        { PDU, R, SMPP_CMD_GENERIC_NACK, 3, 4, BODY(""), 0, 0,
          "PDU read 0x80000000 seq=4 bound=0" },
        { PDU, R, SMPP_CMD_GENERIC_NACK, 3, 5, BODY(""), 0, 0,
          "PDU read 0x80000000 seq=5 bound=0\nLOGIN ERR status=3" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0,
          "DISCONNECT ERR login-failed" },
        { END } } },
    { "outgoing: a bind never answered ends in timeout, with no LOGIN",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER, 0, 3, BIND_BODY, 0, 0,
          "PDU write 0x00000009 seq=3 bound=0" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0,
          "DISCONNECT ERR timeout" },
        { END } } },
    { "outgoing: status 5 is bound; an errno ends it",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER, 0, 4, BIND_BODY, 0, 0,
          "PDU write 0x00000009 seq=4 bound=0" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER_RESP, 5, 4, BODY(""), 0, 0,
          "PDU read 0x80000009 seq=4 bound=0\nLOGIN OK status=5" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_ERRNO, 104, "DISCONNECT ERR errno=104" },
        { END } } },
    { "outgoing: failed connects, then a reconnect starts afresh",
      0,
      { { CONNECT_FAILED, 0, 0, 0, 0, NULL, 0, 111, 0, "CONNECT ERR err=111" },
        { CONNECT_FAILED, 0, 0, 0, 0, NULL, 0, -1, 0, "CONNECT ERR err=-1" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_IO_ERROR, 0, "" },
        { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER, 0, 1, BIND_BODY, 0, 0,
          "PDU write 0x00000009 seq=1 bound=0" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_TIMEOUT, 0, "DISCONNECT ERR timeout" },
        { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        /* The old bind is forgotten: a late response is no LOGIN. */
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 1, BODY("SMSC\0"), 0, 0,
          "PDU read 0x80000009 seq=1 bound=0" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0,
          "DISCONNECT ERR peer-closed" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0, "" },
        { END } } },
    { "outgoing: the host's reasons, including one from a newer host",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_BEARERBOX_LINK, 0,
          "DISCONNECT ERR bearerbox-link" },
        { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, 99, 0, "DISCONNECT ERR io-error" },
        { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_TIMEOUT, 0, "DISCONNECT ERR timeout" },
        { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_SHUTDOWN, 0, "DISCONNECT ERR shutdown" },
        { END } } },
    { "outgoing: a bind read (not written) is not ours; an unbind answered with an error is no "
      "clean end",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER, 0, 1, BIND_BODY, 0, 0,
          "PDU read 0x00000009 seq=1 bound=0" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 1, BODY("X\0"), 0, 0,
          "PDU write 0x80000009 seq=1 bound=0" },
        { PDU, W, SMPP_CMD_UNBIND, 0, 2, BODY(""), 0, 0, "PDU write 0x00000006 seq=2 bound=0" },
        { PDU, R, SMPP_CMD_UNBIND_RESP, 8, 2, BODY(""), 0, 0, "PDU read 0x80000006 seq=2 bound=0" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0,
          "DISCONNECT ERR peer-closed" },
        { END } } },
    { "outgoing: a PDU whose header is incomplete changes nothing",
      0,
      { { CONNECTED, 0, 0, 0, 0, "h", 0, 0, 0, "CONNECT OK" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER, 0, 1, BIND_BODY, 0, 0,
          "PDU write 0x00000009 seq=1 bound=0" },
        { PDU_CUT, R, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 1, BODY("SMSC\0"), 0, 0,
          "PDU read 0x80000009 seq=1 bound=0" },
        { PDU_UNPACK_FAIL, R, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 1, BODY("SMSC\0"), 0, 0,
          "PDU read 0x80000009 seq=1 bound=0 host-unpack-failed\nLOGIN OK status=0 "
          "system_id=SMSC" },
        { END } } },
    { "incoming: LOGIN OK names the system_id the client bound with",
      1,
      { { CONNECTED, 0, 0, 0, 0, "192.0.2.7", 0, 0, 0, "CONNECT OK peer=192.0.2.7" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER, 0, 9, ALICE_BIND, 0, 0,
          "PDU read 0x00000009 seq=9 bound=0" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 9, BODY("OSB\0"), 0, 0,
          "PDU write 0x80000009 seq=9 bound=0\nLOGIN OK status=0 system_id=alice" },
        { PDU, R, SMPP_CMD_SUBMIT_SM, 0, 10, BODY("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), 0, 0,
          "PDU read 0x00000004 seq=10 bound=1" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0,
          "DISCONNECT ERR peer-closed" },
        { END } } },
    { "incoming: a long system_id is kept whole, quote and all",
      1,
      { { CONNECTED, 0, 0, 0, 0, "::1", 0, 0, 0, "CONNECT OK peer=::1" },
        { PDU, R, SMPP_CMD_BIND_TRANSMITTER, 0, 1,
          BODY("0123456789012345678901234567890123456789012345678901234567890123456789\"x\0pw\0\0"
               "\x34\0\0\0"),
          0, 0, "PDU read 0x00000002 seq=1 bound=0" },
        { PDU, W, SMPP_CMD_BIND_TRANSMITTER_RESP, 0, 1, BODY("OSB\0"), 0, 0,
          "PDU write 0x80000002 seq=1 bound=0\nLOGIN OK status=0 "
          "system_id=0123456789012345678901234567890123456789012345678901234567890123456789\"x" },
        { END } } },
    { "incoming: a refused bind: DENY_LOGIN, then LOGIN ERR with the answered status",
      1,
      { { CONNECTED, 0, 0, 0, 0, "127.0.0.2", 0, 0, 0, "CONNECT OK peer=127.0.0.2" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER, 0, 7, ALICE_BIND, 0, 0,
          "PDU read 0x00000009 seq=7 bound=0" },
        { BIND_REFUSED, 0, 0, 0, 0, "alice", 0, 14, 0,
          "DENY_LOGIN system_id=alice address=192.0.2.1 status=14 reason=address rule=no match" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER_RESP, 14, 7, BODY(""), 0, 0,
          "PDU write 0x80000009 seq=7 bound=0\nLOGIN ERR status=14 system_id=alice" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_LOGIN_FAILED, 0,
          "DISCONNECT ERR login-failed" },
        { END } } },
    { "incoming: a second bind after a failed one",
      1,
      { { CONNECTED, 0, 0, 0, 0, "127.0.0.1", 0, 0, 0, "CONNECT OK peer=127.0.0.1" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER, 0, 1, BIND_BODY, 0, 0,
          "PDU read 0x00000009 seq=1 bound=0" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER_RESP, 13, 1, BODY(""), 0, 0,
          "PDU write 0x80000009 seq=1 bound=0\nLOGIN ERR status=13 system_id=user" },
        { PDU, R, SMPP_CMD_BIND_TRANSCEIVER, 0, 2, ALICE_BIND, 0, 0,
          "PDU read 0x00000009 seq=2 bound=0" },
        { PDU, W, SMPP_CMD_BIND_TRANSCEIVER_RESP, 0, 2, BODY("OSB\0"), 0, 0,
          "PDU write 0x80000009 seq=2 bound=0\nLOGIN OK status=0 system_id=alice" },
        { DISCONNECTED, 0, 0, 0, 0, NULL, 0, EMGDIAG_DISC_PEER_CLOSED, 0,
          "DISCONNECT ERR peer-closed" },
        { END } } },
};

/* ---- building PDUs and rendering events ---- */

static size_t build_pdu(unsigned char *out, size_t cap, const struct step *st)
{
    uint32_t len = (uint32_t)(16 + st->text_len), v[4] = { len, st->id, st->status, st->seq };
    int i;

    ck_assert_uint_le(len, cap);
    for (i = 0; i < 4; i++) {
        out[i * 4] = (unsigned char)(v[i] >> 24);
        out[i * 4 + 1] = (unsigned char)(v[i] >> 16);
        out[i * 4 + 2] = (unsigned char)(v[i] >> 8);
        out[i * 4 + 3] = (unsigned char)v[i];
    }
    memcpy(out + 16, st->text, st->text_len);
    return len;
}

struct collected {
    char text[2048];
    size_t len;
};

static void put(struct collected *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct collected *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->len > 0 && c->len < sizeof(c->text) - 1)
        c->text[c->len++] = '\n';
    va_start(ap, fmt);
    n = vsnprintf(c->text + c->len, sizeof(c->text) - c->len, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof(c->text) - c->len);
    c->len += (size_t)n;
}

static void collect(void *ctx, struct emg_event *ev)
{
    struct collected *c = ctx;

    switch (ev->kind) {
    case EMG_EV_CONNECT:
        if (!ev->u.connect.ok)
            put(c, "CONNECT ERR err=%d", ev->u.connect.err);
        else if (ev->u.connect.peer != NULL)
            put(c, "CONNECT OK peer=%s", ev->u.connect.peer);
        else
            put(c, "CONNECT OK");
        break;
    case EMG_EV_LOGIN:
        if (ev->u.login.system_id.p != NULL && ev->u.login.system_id.n > 0)
            put(c, "LOGIN %s status=%u system_id=%.*s", ev->u.login.ok ? "OK" : "ERR",
                ev->u.login.status, (int)ev->u.login.system_id.n,
                (const char *)ev->u.login.system_id.p);
        else
            put(c, "LOGIN %s status=%u", ev->u.login.ok ? "OK" : "ERR", ev->u.login.status);
        break;
    case EMG_EV_PDU:
        put(c, "PDU %s 0x%08x seq=%u bound=%d%s",
            ev->u.pdu.dir == EMGDIAG_DIR_WRITE ? "write" : "read", ev->u.pdu.d->command_id,
            ev->u.pdu.d->sequence_number, ev->u.pdu.bound,
            ev->u.pdu.host_unpack_failed ? " host-unpack-failed" : "");
        break;
    case EMG_EV_DISCONNECT:
        if (ev->u.disconnect.reason == EMG_DISC_ERRNO)
            put(c, "DISCONNECT %s errno=%d", ev->u.disconnect.ok ? "OK" : "ERR",
                ev->u.disconnect.err);
        else
            put(c, "DISCONNECT %s %s", ev->u.disconnect.ok ? "OK" : "ERR",
                emg_disc_reason_word(ev->u.disconnect.reason));
        break;
    case EMG_EV_DENY_LOGIN:
        put(c, "DENY_LOGIN system_id=%.*s address=%s status=%u reason=%s rule=%s",
            (int)ev->u.deny_login.system_id.n, (const char *)ev->u.deny_login.system_id.p,
            ev->u.deny_login.address, ev->u.deny_login.status, ev->u.deny_login.reason,
            ev->u.deny_login.rule);
        break;
    default: put(c, "unexpected event %d", (int)ev->kind); break;
    }
}

static void run_step(struct emg_session_state *st, const struct step *s, struct collected *c)
{
    unsigned char pdu[512];
    struct smpp_decoded d;
    struct emg_octets id;
    size_t n;

    switch (s->in) {
    case CONNECTED: session_connected(st, s->text, collect, c); break;
    case CONNECT_FAILED: session_connect_failed(st, s->a, collect, c); break;
    case PDU:
    case PDU_CUT:
    case PDU_UNPACK_FAIL:
        n = build_pdu(pdu, sizeof(pdu), s);
        smpp_decode_header(pdu, s->in == PDU_CUT ? n - 1 : n, &d);
        session_pdu(st, s->dir, &d, s->in == PDU_UNPACK_FAIL, collect, c);
        smpp_decoded_free(&d);
        break;
    case BIND_REFUSED:
        id.p = (const unsigned char *)s->text;
        id.n = strlen(s->text);
        session_bind_refused(st, id, "192.0.2.1", (uint32_t)s->a, "address", "no match", collect,
                             c);
        break;
    case DISCONNECTED: session_disconnected(st, s->a, s->b, collect, c); break;
    case END: break;
    }
}

START_TEST(scenario)
{
    const struct scenario *sc = &scenarios[_i];
    struct emg_session_state st;
    struct collected c;
    size_t k;

    session_init(&st, sc->incoming);
    for (k = 0; k < MAX_STEPS && sc->steps[k].in != END; k++) {
        memset(&c, 0, sizeof(c));
        run_step(&st, &sc->steps[k], &c);
        ck_assert_msg(strcmp(c.text, sc->steps[k].expect) == 0, "%s, step %zu:\n got: %s\nwant: %s",
                      sc->name, k + 1, c.text, sc->steps[k].expect);
    }
    session_free(&st);
}
END_TEST

static Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("scenarios");

    tcase_add_loop_test(tc, scenario, 0, (int)(sizeof(scenarios) / sizeof(scenarios[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(session_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
