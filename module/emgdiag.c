/*
 * emgdiag.c: the module's entry point and its hooks.
 *
 * The host (a patched bearerbox or opensmppbox) calls emgdiag_module_entry()
 * once, then the hooks of struct emgdiag_module from many threads at once.
 * The hooks here are thin adapters: a PDU is decoded once to its header
 * (smpp.h), each session's state machine (session.h) turns the host's calls
 * into typed events (event.h), access questions go to the policy
 * (policy.h), and every event is dispatched to every sink (sink.h) on the
 * calling thread (dispatch.h).  The file sink writes the logs;
 * docs/architecture.md draws the whole flow.
 *
 * A session's calls are serialised by the session's own mutex (opensmppbox
 * writes a client's PDUs from more than one thread), so its events reach
 * the sinks in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "emgdiag_hook.h"

#include "alloc.h"
#include "config.h"
#include "dispatch.h"
#include "event.h"
#include "message_event.h"
#include "naming.h"
#include "policy.h"
#include "ratelimit.h"
#include "session.h"
#include "sink_file.h"
#include "sink_db.h"
#include "sink_metrics.h"
#include "smpp.h"
#include "worker.h"

#ifndef EMGDIAG_VERSION
#error "EMGDIAG_VERSION must be defined (configure's PACKAGE_VERSION)"
#endif

/* How long shutdown waits for hooks still dispatching and for the sinks to
 * write what they hold: a stuck disk must not hang the host's exit. */
#define SHUTDOWN_WAIT_MS 2000

struct emgdiag_session {
    pthread_mutex_t lock;
    struct emg_session_state st;
    char *name;      /* connector name, as in file names and lines */
    char *kannel_id; /* outgoing: the smsc-id, to find the name again */
    int instance;
    int role;
    int incoming;
    char *peer; /* as the host gave it: SMSC host, or client address */
    int port;
    void *slots[DISPATCH_MAX_SINKS];
};

/* Module-wide state, written at entry and shutdown. */
static const struct emgdiag_host *host;
static struct ticker *ticker;
static struct worker *reloader;

/* ------------------------------------------------------------------ */
/* Host services                                                       */

static void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void host_log(int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (EMGDIAG_HAS(host, log) && host->log != NULL)
        host->log(level, line);
    else
        fprintf(stderr, "%s\n", line);
    errno = saved;
}

static void host_log_error(const char *line)
{
    host_log(EMGDIAG_LOG_ERROR, "%s", line);
}

/* The name general-log lines of this process carry. */
static const char *process_name(void)
{
    return host != NULL && host->box == EMGDIAG_BOX_OPENSMPPBOX ? "opensmppbox" : "bearerbox";
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

/* A process-wide event. */
static void dispatch_process(struct emg_event *ev)
{
    ev->connector = NULL;
    ev->instance = -1;
    dispatch_event(ev, NULL);
}

/* The session machine's emit callback: the event is the session's. */
static void session_emit(void *ctx, struct emg_event *ev)
{
    struct emgdiag_session *s = ctx;

    ev->connector = s->name;
    ev->instance = s->instance;
    ev->incoming = s->incoming;
    dispatch_event(ev, s->slots);
}

static void emit_session_edge(struct emgdiag_session *s, enum emg_event_kind kind)
{
    struct emg_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.u.session.role = s->role;
    ev.u.session.peer = s->peer;
    ev.u.session.port = s->port;
    session_emit(s, &ev);
}

static void config_event(int ok, int reload, const char *file, const char *reason)
{
    struct emg_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = EMG_EV_CONFIG;
    ev.u.config.ok = ok;
    ev.u.config.reload = reload;
    ev.u.config.file = file;
    ev.u.config.reason = reason;
    dispatch_process(&ev);
}

static void on_tick(void *ctx)
{
    struct emg_event ev;

    (void)ctx;
    memset(&ev, 0, sizeof(ev));
    ev.kind = EMG_EV_TICK;
    dispatch_process(&ev);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

/* The connector a Kannel id of an incoming session maps to. */
static const char *incoming_id(const char *kannel_id)
{
    return kannel_id != NULL ? kannel_id : "opensmppbox";
}

/* The name of the connector for a Kannel id, into `out`; a cut is reported
 * once in general. */
static const char *connector_name(const struct emg_config *cfg, int incoming, const char *kannel_id,
                                  char out[EMG_NAME_MAX + 1])
{
    const struct emg_connector *c = NULL;
    struct emg_event ev;

    if (cfg != NULL)
        c = incoming ? emg_config_incoming(cfg, kannel_id) : emg_config_outgoing(cfg, kannel_id);
    if (c != NULL)
        return c->name;
    if (naming_from_kannel_id(kannel_id, out) && naming_first_report(out)) {
        memset(&ev, 0, sizeof(ev));
        ev.kind = EMG_EV_NAME_CUT;
        ev.u.name_cut.kannel_id = kannel_id;
        ev.u.name_cut.name = out;
        dispatch_process(&ev);
    }
    return out;
}

/*
 * An outgoing session outlives configuration reloads: each new connection
 * takes the connector name the current configuration gives its smsc-id.
 * Called with the session's lock held.
 */
static void refresh_name(struct emgdiag_session *s)
{
    struct dispatch_config *ref = dispatch_config_get();
    char buf[EMG_NAME_MAX + 1], *copy;
    const char *name;

    if (ref != NULL) {
        name = connector_name(dispatch_config_of(ref), 0, s->kannel_id, buf);
        /* Without memory for the new name the session keeps the old one. */
        if (strcmp(name, s->name) != 0 && (copy = emg_strdup(name)) != NULL) {
            emit_session_edge(s, EMG_EV_SESSION_CLOSE);
            emg_free(s->name);
            s->name = copy;
            emit_session_edge(s, EMG_EV_SESSION_OPEN);
        }
    }
    dispatch_config_put(ref);
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

static int hook_accept_check(const char *kannel_id, const char *peer_addr, int peer_port)
{
    struct dispatch_config *ref = dispatch_config_get();
    const struct emg_config *cfg = dispatch_config_of(ref);
    struct emg_event ev;
    char why[300], buf[EMG_NAME_MAX + 1];
    int allow;

    (void)peer_port;
    if (cfg == NULL)
        return EMGDIAG_ALLOW;
    kannel_id = incoming_id(kannel_id);
    peer_addr = peer_addr != NULL ? peer_addr : "";
    allow = emg_access_connect(emg_config_incoming(cfg, kannel_id), peer_addr, why, sizeof(why));
    if (!allow) {
        memset(&ev, 0, sizeof(ev));
        ev.kind = EMG_EV_DENY_CONNECT;
        ev.connector = connector_name(cfg, 1, kannel_id, buf);
        ev.instance = -1;
        ev.incoming = 1;
        ev.u.deny_connect.address = peer_addr;
        ev.u.deny_connect.rule = why;
        dispatch_event(&ev, NULL);
    }
    dispatch_config_put(ref);
    return allow ? EMGDIAG_ALLOW : EMGDIAG_REFUSE;
}

static void session_free_all(struct emgdiag_session *s)
{
    session_free(&s->st);
    pthread_mutex_destroy(&s->lock);
    emg_free(s->peer);
    emg_free(s->kannel_id);
    emg_free(s->name);
    emg_free(s);
}

static struct emgdiag_session *hook_session_open(const struct emgdiag_session_info *info)
{
    struct emgdiag_session *s;
    struct dispatch_config *ref;
    char buf[EMG_NAME_MAX + 1];
    const char *id;

    if (info == NULL || !EMGDIAG_HAS(info, port))
        return NULL;
    s = emg_calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->role = info->role;
    s->incoming = info->role == EMGDIAG_ROLE_SERVER;
    session_init(&s->st, s->incoming);
    s->port = info->port;
    id = s->incoming ? incoming_id(info->kannel_id) : (info->kannel_id ? info->kannel_id : "");
    ref = dispatch_config_get();
    s->name = emg_strdup(connector_name(dispatch_config_of(ref), s->incoming, id, buf));
    dispatch_config_put(ref);
    s->peer = emg_strdup(info->host != NULL ? info->host : "");
    if (!s->incoming)
        s->kannel_id = emg_strdup(id);
    if (s->name == NULL || s->peer == NULL || (!s->incoming && s->kannel_id == NULL)) {
        session_free_all(s);
        return NULL;
    }
    if (info->instance >= 0)
        s->instance = info->instance;
    else
        s->instance = s->incoming ? naming_instance_take(s->name) : 0;
    pthread_mutex_lock(&s->lock);
    emit_session_edge(s, EMG_EV_SESSION_OPEN);
    pthread_mutex_unlock(&s->lock);
    return s;
}

static void hook_session_close(struct emgdiag_session *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    emit_session_edge(s, EMG_EV_SESSION_CLOSE);
    pthread_mutex_unlock(&s->lock);
    if (s->incoming)
        naming_instance_release(s->name, s->instance);
    session_free_all(s);
}

static void hook_connect_ok(struct emgdiag_session *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (!s->incoming)
        refresh_name(s);
    session_connected(&s->st, s->peer, session_emit, s);
    pthread_mutex_unlock(&s->lock);
}

static void hook_connect_err(struct emgdiag_session *s, int err)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (!s->incoming)
        refresh_name(s);
    session_connect_failed(&s->st, err, session_emit, s);
    pthread_mutex_unlock(&s->lock);
}

static void hook_pdu(struct emgdiag_session *s, int dir, const unsigned char *octets, size_t len,
                     unsigned flags)
{
    struct smpp_decoded d;
    uint32_t n = 0;

    if (s == NULL || (octets == NULL && len > 0))
        return;
    if (flags & EMGDIAG_PDU_BAD_LENGTH) {
        if (len >= 4)
            n = (uint32_t)octets[0] << 24 | (uint32_t)octets[1] << 16 | (uint32_t)octets[2] << 8 |
                octets[3];
        smpp_decode_bad_length(n, &d);
    } else {
        smpp_decode_header(octets, len, &d);
    }
    pthread_mutex_lock(&s->lock);
    session_pdu(&s->st, dir, &d, (flags & EMGDIAG_PDU_UNPACK_FAILED) != 0, session_emit, s);
    pthread_mutex_unlock(&s->lock);
    smpp_decoded_free(&d);
}

static int hook_bind_check(struct emgdiag_session *s, struct emgdiag_bind *b)
{
    struct dispatch_config *ref;
    const struct emg_config *cfg;
    const struct emg_connector *c = NULL;
    struct emg_octets sysid;
    char why[300];
    const char *reason = NULL, *id;
    uint32_t fail_status = 14;

    if (b == NULL || !EMGDIAG_HAS(b, close_after))
        return EMGDIAG_ALLOW;
    b->status = b->host_status;
    b->close_after = 0;
    if (s == NULL)
        return b->credentials_ok ? EMGDIAG_ALLOW : EMGDIAG_REFUSE;
    id = b->system_id != NULL ? b->system_id : "";
    ref = dispatch_config_get();
    cfg = dispatch_config_of(ref);
    if (cfg != NULL)
        c = emg_config_connector(cfg, s->name);
    if (c != NULL && c->login_failure_status > 0)
        fail_status = (uint32_t)c->login_failure_status;
    if (!b->credentials_ok) {
        reason = "credentials";
        snprintf(why, sizeof(why), "smpp-logins");
    } else if (cfg != NULL && !emg_access_login(cfg, c, id, s->peer, why, sizeof(why))) {
        reason = "address";
    }
    dispatch_config_put(ref);
    if (reason == NULL) {
        b->status = 0;
        return EMGDIAG_ALLOW;
    }
    b->status = fail_status;
    b->close_after = 1;
    sysid.p = (const unsigned char *)id;
    sysid.n = strlen(id);
    pthread_mutex_lock(&s->lock);
    session_bind_refused(&s->st, sysid, s->peer, b->status, reason, why, session_emit, s);
    pthread_mutex_unlock(&s->lock);
    return EMGDIAG_REFUSE;
}

static void hook_disconnected(struct emgdiag_session *s, int reason, int err)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    session_disconnected(&s->st, reason, err, session_emit, s);
    pthread_mutex_unlock(&s->lock);
}

/* 1.2: a message passed a step (message_event.h). */
static void hook_message(struct emgdiag_session *s, const struct emgdiag_message *m)
{
    struct emg_event ev;

    if (s == NULL || message_event_fill(&ev, m) != 0)
        return;
    pthread_mutex_lock(&s->lock);
    session_emit(s, &ev);
    pthread_mutex_unlock(&s->lock);
}

/* Async-signal-safe: each sink only records the request and wakes its
 * thread. */
static void hook_reopen(void)
{
    dispatch_reopen();
}

/* Loads the configuration at `path`; on error fills err with the first
 * problem (and how many more there are). */
static struct emg_config *load_config(const char *path, char *err, size_t errlen)
{
    struct emg_errors errs;
    struct emg_config *cfg;

    memset(&errs, 0, sizeof(errs));
    cfg = emg_config_load(path, &errs);
    if (cfg == NULL) {
        if (errs.n == 0)
            snprintf(err, errlen, "%s: cannot load configuration", path);
        else if (errs.n == 1)
            snprintf(err, errlen, "%s", errs.msgs[0]);
        else
            snprintf(err, errlen, "%s (and %zu more problems)", errs.msgs[0], errs.n - 1);
    }
    emg_errors_free(&errs);
    return cfg;
}

static void reload_rejected(const char *path, const char *err)
{
    /* Fail closed: the old lists stay in force. */
    config_event(0, 1, path, err);
    host_log(EMGDIAG_LOG_ERROR, "emgdiag: reload rejected, old configuration kept: %s", err);
}

/* The reload itself, on the reloader thread (or, without it, the caller's). */
static void reload_job(void *ctx)
{
    char err[1024];
    struct emg_config *cfg;
    const char *path = host != NULL ? host->config_path : NULL;

    (void)ctx;
    if (path == NULL || !dispatch_running())
        return;
    cfg = load_config(path, err, sizeof(err));
    if (cfg == NULL) {
        reload_rejected(path, err);
        return;
    }
    if (dispatch_check(cfg, err, sizeof(err)) != 0) {
        emg_config_free(cfg);
        reload_rejected(path, err);
        return;
    }
    if (dispatch_reload(cfg) != 0) {
        reload_rejected(path, "out of memory");
        return;
    }
    config_event(1, 1, path, NULL);
}

/* Returns at once: the file is parsed and checked on the module's reloader
 * thread, and the new configuration swapped in whole when it is good, so
 * the host's thread (opensmppbox's accept loop) never waits on a large
 * file. */
static void hook_reload(void)
{
    if (reloader != NULL)
        worker_request(reloader);
    else
        reload_job(NULL);
}

static void hook_shutdown(void)
{
    int left;

    ticker_stop(ticker);
    ticker = NULL;
    worker_stop(reloader);
    reloader = NULL;
    left = dispatch_stop(SHUTDOWN_WAIT_MS);
    if (left > 0)
        host_log(EMGDIAG_LOG_ERROR,
                 "emgdiag: shutdown: %d hook calls still running after %d ms; logs not closed",
                 left, SHUTDOWN_WAIT_MS);
    naming_reset();
}

static const struct emgdiag_module module_table = {
    .size = sizeof(struct emgdiag_module),
    .abi_major = EMGDIAG_ABI_MAJOR,
    .abi_minor = EMGDIAG_ABI_MINOR,
    .version = "emgdiag " EMGDIAG_VERSION,
    .accept_check = hook_accept_check,
    .session_open = hook_session_open,
    .session_close = hook_session_close,
    .connect_ok = hook_connect_ok,
    .connect_err = hook_connect_err,
    .pdu = hook_pdu,
    .bind_check = hook_bind_check,
    .disconnected = hook_disconnected,
    .reopen = hook_reopen,
    .reload = hook_reload,
    .shutdown = hook_shutdown,
    .message = hook_message,
};

/* The entry point (EMGDIAG_ENTRY_SYMBOL). */
__attribute__((visibility("default"))) const struct emgdiag_module *
emgdiag_module_entry(const struct emgdiag_host *h, char *err, size_t errlen);

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen)
{
    struct file_sink_opts fo;
    struct emg_config *cfg;
    struct emg_sink *files;

    if (h == NULL || h->abi_major != EMGDIAG_ABI_MAJOR) {
        snprintf(err, errlen, "host ABI %d.%d, this module needs %d.x", h ? h->abi_major : -1,
                 h ? h->abi_minor : -1, EMGDIAG_ABI_MAJOR);
        return NULL;
    }
    if (!EMGDIAG_HAS(h, config_path) || h->config_path == NULL || h->config_path[0] == '\0') {
        snprintf(err, errlen, "hook-config is not set: emgdiag needs its XML configuration");
        return NULL;
    }
    if (dispatch_running()) {
        snprintf(err, errlen, "module already started in this process");
        return NULL;
    }
    host = h;
    cfg = load_config(h->config_path, err, errlen);
    if (cfg == NULL)
        return NULL;
    memset(&fo, 0, sizeof(fo));
    fo.cfg = cfg;
    fo.process = process_name();
    fo.message_name = h->box == EMGDIAG_BOX_OPENSMPPBOX && EMGDIAG_HAS(h, box_id) ? h->box_id : NULL;
    fo.host_log = host_log_error;
    files = file_sink_new(&fo, err, errlen);
    if (files == NULL) {
        emg_config_free(cfg);
        return NULL;
    }
    if (dispatch_start(cfg) != 0) {
        files->ops->close(files, SHUTDOWN_WAIT_MS);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    dispatch_add_sink(files);
    if (db_sink_add(cfg, files, process_name(), host_log_error, err, errlen) != 0) {
        dispatch_stop(SHUTDOWN_WAIT_MS);
        return NULL;
    }
    if (metrics_sink_add(cfg, h, err, errlen) != 0)
        return NULL; /* dispatching stopped */
    config_event(1, 0, h->config_path, NULL);
    /* Without the ticker, a flood's count waits for its next line; without
     * the reloader, reloads run on the host's thread. */
    ticker = ticker_start(on_tick, NULL);
    reloader = worker_start("emgdiag-reload", reload_job, NULL);
    return &module_table;
}
