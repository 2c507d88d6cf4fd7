/*
 * emgdiag.c: the module's entry point and its hooks.
 *
 * The host (a patched bearerbox or opensmppbox) calls emgdiag_module_entry()
 * once, then the hooks of struct emgdiag_module from many threads at once.
 * Here those calls become log lines: the connector log (CONNECT, LOGIN and
 * DISCONNECT, derived from connect results and from the bind PDUs a session
 * sees), the pdu log (every PDU, formatted by pdu_format.c), the security
 * log (refused connects and logins) and the general log (the module's own
 * events).  Lines are built on the calling thread and handed to the log
 * writer thread, so no SMPP thread waits on a disk.
 *
 * The configuration is an immutable snapshot, reference counted, so a
 * reload swaps it without stopping any hook.  Per-session state is guarded
 * by the session's own mutex: opensmppbox writes a client's PDUs from more
 * than one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "emgdiag_hook.h"

#include "config.h"
#include "policy.h"
#include "escape.h"
#include "logwriter.h"
#include "pdu_format.h"
#include "sbuf.h"
#include "smpp.h"
#include "timefmt.h"

#ifndef EMGDIAG_VERSION
#define EMGDIAG_VERSION "0.1.0"
#endif

/* Flood limits (docs/pdu-log.md and docs/connector-log.md#security-and-general): lines a second before counting instead. */
#define FLOOD_LINES_PER_SECOND 10

/* How long the log writer gathers lines after a batch (logwriter.h): on a
 * busy gateway one wake-up per 10 ms instead of one every few lines; a line
 * after a quiet spell is still written at once. */
#define WRITER_LINGER_MS 10

/* A logwriter_signal() bit of ours: write the REOPEN line (docs/connector-log.md#security-and-general). */
#define SIG_REOPENED 0x100u

/* Incoming instance numbers a connector can hand out at once. */
#define MAX_INCOMING_INSTANCES 4096

struct snapshot {
    struct emg_config *cfg;
    atomic_int refs;
};

/* A rate limiter: lines of one kind in the current second. */
struct flood {
    time_t second;
    unsigned lines;
    unsigned long suppressed;
};

/* The instance numbers in use on one incoming connector. */
enum { DENY_CONNECT = 0, DENY_LOGIN = 1 };
static const char *const deny_event[] = { "DENY CONNECT", "DENY LOGIN" };

/* Per incoming connector: its instance numbers in use and the flood state of
 * its refusals (guarded by slots_lock). */
struct incoming_slots {
    struct incoming_slots *next;
    struct flood deny[2];
    char *name;
    unsigned char used[MAX_INCOMING_INSTANCES];
};

struct emgdiag_session {
    pthread_mutex_t lock;
    char *name;          /* connector name as it appears in files and lines */
    char *kannel_id;     /* outgoing: the smsc-id, to find the name again */
    int instance;
    int role;
    int incoming;
    char peer[64];       /* escaped client address (incoming) */
    int peer_port;
    /* Per TCP connection, reset by connect_ok: */
    int connected;       /* CONNECT OK written, DISCONNECT owed */
    int bind_pending;    /* bind seen, its response not yet */
    uint32_t bind_seq;
    int login_failed;    /* the bind was answered with an error */
    int unbound;         /* an unbind was answered with status 0 */
    char *bind_system_id; /* incoming: escaped system_id of the bind */
    struct flood bad_length;
};

/* Module-wide state.  Written at entry and shutdown; the config pointer is
 * swapped under cfg_lock. */
static const struct emgdiag_host *host;
static struct logwriter *writer;
/* Lines being handed to the writer right now, and whether it is closing:
 * a box may still have threads logging while it shuts the module down. */
static atomic_int submitting;
static atomic_int closing;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct incoming_slots *slots;

/* Connector names this process writes, each with a lock file held. */
struct claim {
    struct claim *next;
    int fd;
    char name[];
};
static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;
static struct claim *claims;

/* The ticker: once a second it reports floods that stopped. */
static pthread_t ticker;
static int ticker_running;
static pthread_mutex_t ticker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ticker_cond = PTHREAD_COND_INITIALIZER;
static int ticker_stop;

/* ------------------------------------------------------------------ */
/* Configuration snapshots                                             */

static struct snapshot *snapshot_get(void)
{
    struct snapshot *s;

    pthread_mutex_lock(&cfg_lock);
    s = current;
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&cfg_lock);
    return s;
}

static void snapshot_put(struct snapshot *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
        emg_config_free(s->cfg);
        free(s);
    }
}

static struct snapshot *snapshot_new(struct emg_config *cfg)
{
    struct snapshot *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->cfg = cfg;
    atomic_init(&s->refs, 1);
    return s;
}

/* Installs `s` as current; the old one goes when its last user is done. */
static void snapshot_install(struct snapshot *s)
{
    struct snapshot *old;

    pthread_mutex_lock(&cfg_lock);
    old = current;
    current = s;
    pthread_mutex_unlock(&cfg_lock);
    snapshot_put(old);
}

/* ------------------------------------------------------------------ */
/* Names and line building                                             */

/* The connector name for a Kannel id not named in the XML: every octet
 * outside [A-Za-z0-9._-] as %HH (docs/connector-log.md#files). */
static char *name_from_kannel_id(const char *id)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    struct sbuf b = SBUF_INIT;

    for (p = (const unsigned char *)id; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '_' || *p == '-') {
            sbuf_putc(&b, (char)*p);
        } else {
            sbuf_putc(&b, '%');
            sbuf_putc(&b, hex[*p >> 4]);
            sbuf_putc(&b, hex[*p & 15]);
        }
    }
    if (b.len == 0)
        sbuf_puts(&b, "%00"); /* an empty id still needs a file name */
    if (b.failed) {
        sbuf_free(&b);
        return NULL;
    }
    return b.buf;
}

static int format_of(const struct emg_config *cfg, const struct emg_connector *c)
{
    if (c != NULL && c->format != EMG_FMT_INHERIT)
        return c->format;
    return cfg != NULL && cfg->format != EMG_FMT_INHERIT ? cfg->format : EMG_FMT_EMG;
}

static void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void host_log(int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (host != NULL && host->log != NULL)
        host->log(level, line);
    else
        fprintf(stderr, "%s\n", line);
    errno = saved;
}

/* Hands a finished line (ending in '\n') to the writer; a failed build or a
 * full queue costs the line and is counted by the writer. */
static void submit(const char *file, struct sbuf *line)
{
    /* Announce first, then look: hook_shutdown() sets `closing` first, then
     * waits for `submitting` to drain (both sequentially consistent). */
    atomic_fetch_add(&submitting, 1);
    if (!atomic_load(&closing) && writer != NULL) {
        if (line->failed)
            logwriter_submit(writer, file, "", 0); /* out of memory: counted as dropped */
        else
            logwriter_submit(writer, file, line->buf, line->len);
    }
    atomic_fetch_sub(&submitting, 1);
}

static void file_name(char *out, size_t outlen, const char *kind, const char *name, int json)
{
    snprintf(out, outlen, "%s%s%s%s", kind, name != NULL ? "." : "", name != NULL ? name : "",
             json ? ".jsonl" : "");
}

/* The JSON twin's common members: {"ts":…,"connector":…[,"instance":N] */
static void json_open(struct sbuf *b, const struct timeval *tv, int utc, const char *connector,
                      int instance)
{
    char ts[40];

    emg_ts_iso(ts, tv, utc);
    sbuf_puts(b, "{\"ts\":\"");
    sbuf_puts(b, ts);
    sbuf_puts(b, "\",\"connector\":\"");
    esc_json(b, connector, strlen(connector));
    sbuf_putc(b, '"');
    if (instance >= 0)
        sbuf_printf(b, ",\"instance\":%d", instance);
}

/* Writes one line of the connector log (and/or its twin). */
static void connector_line(struct emgdiag_session *s, const char *event, int ok, const char *info)
{
    struct snapshot *snap = snapshot_get();
    const struct emg_config *cfg = snap ? snap->cfg : NULL;
    int utc = cfg ? cfg->utc : 0;
    const struct emg_connector *c = NULL;
    struct timeval tv;
    struct sbuf b = SBUF_INIT;
    char ts[32], file[300];
    int fmt;

    if (cfg != NULL)
        c = emg_config_connector(cfg, s->name);
    fmt = format_of(cfg, c);
    gettimeofday(&tv, NULL);
    if (fmt & EMG_FMT_EMG) {
        emg_ts_text(ts, &tv, utc);
        sbuf_printf(&b, "%s (%d) %s %s", ts, s->instance, event, ok ? "OK" : "ERR");
        if (info != NULL)
            sbuf_printf(&b, " (info=\"%s\")", info);
        sbuf_putc(&b, '\n');
        file_name(file, sizeof(file), "connector", s->name, 0);
        submit(file, &b);
    }
    if (fmt & EMG_FMT_JSON) {
        sbuf_reset(&b);
        json_open(&b, &tv, utc, s->name, s->instance);
        sbuf_printf(&b, ",\"event\":\"%s\",\"result\":\"%s\"", event, ok ? "OK" : "ERR");
        if (info != NULL) {
            sbuf_puts(&b, ",\"info\":\"");
            esc_json(&b, info, strlen(info));
            sbuf_putc(&b, '"');
        }
        sbuf_puts(&b, "}\n");
        file_name(file, sizeof(file), "connector", s->name, 1);
        submit(file, &b);
    }
    sbuf_free(&b);
    snapshot_put(snap);
}

/*
 * A line of `security` or `general` (docs/connector-log.md#security-and-general):
 *   <ts> <LEVEL> (<connector>[,<instance>]) <EVENT> key="value"…
 * `kv` holds pairs of key and already-escaped value, NULL-terminated.
 */
static void event_line(const char *file_kind, const char *level, const char *connector,
                       int instance, const char *event, const char *const *kv)
{
    struct snapshot *snap = snapshot_get();
    const struct emg_config *cfg = snap ? snap->cfg : NULL;
    int utc = cfg ? cfg->utc : 0;
    int fmt = format_of(cfg, NULL);
    struct timeval tv;
    struct sbuf b = SBUF_INIT;
    char ts[32], file[64];
    size_t i;

    gettimeofday(&tv, NULL);
    if (fmt & EMG_FMT_EMG) {
        emg_ts_text(ts, &tv, utc);
        sbuf_printf(&b, "%s %-5s (%s", ts, level, connector);
        if (instance >= 0)
            sbuf_printf(&b, ",%d", instance);
        sbuf_printf(&b, ") %s", event);
        for (i = 0; kv != NULL && kv[i] != NULL && kv[i + 1] != NULL; i += 2)
            sbuf_printf(&b, " %s=\"%s\"", kv[i], kv[i + 1]);
        sbuf_putc(&b, '\n');
        file_name(file, sizeof(file), file_kind, NULL, 0);
        submit(file, &b);
    }
    if (fmt & EMG_FMT_JSON) {
        sbuf_reset(&b);
        json_open(&b, &tv, utc, connector, instance);
        sbuf_printf(&b, ",\"level\":\"%s\",\"event\":\"", level);
        esc_json(&b, event, strlen(event));
        sbuf_putc(&b, '"');
        for (i = 0; kv != NULL && kv[i] != NULL && kv[i + 1] != NULL; i += 2) {
            sbuf_puts(&b, ",\"");
            esc_json(&b, kv[i], strlen(kv[i]));
            sbuf_puts(&b, "\":\"");
            esc_json(&b, kv[i + 1], strlen(kv[i + 1]));
            sbuf_putc(&b, '"');
        }
        sbuf_puts(&b, "}\n");
        file_name(file, sizeof(file), file_kind, NULL, 1);
        submit(file, &b);
    }
    sbuf_free(&b);
    snapshot_put(snap);
}

/* Escapes a C string as a connector-log info / security-and-general value (docs/connector-log.md) ('"' as \x22) into a new
 * heap string; never NULL (an allocation failure gives ""). */
static char *escaped(const char *s, size_t n)
{
    struct sbuf b = SBUF_INIT;

    esc_octets(&b, (const unsigned char *)s, n, ESC_QUOTE);
    if (b.failed || b.buf == NULL) {
        sbuf_free(&b);
        return strdup("");
    }
    return b.buf;
}

/* The name general-log lines of this process carry. */
static const char *process_name(void)
{
    return host != NULL && host->box == EMGDIAG_BOX_OPENSMPPBOX ? "opensmppbox" : "bearerbox";
}

/* Counts a line against a flood limit; returns 1 when it may be written.
 * When a new second starts with lines suppressed in the last, `*report`
 * gets their count (and the caller writes one SUPPRESSED line). */
static int flood_admit(struct flood *f, unsigned long *report)
{
    time_t now = time(NULL);

    *report = 0;
    if (now != f->second) {
        *report = f->suppressed;
        f->suppressed = 0;
        f->second = now;
        f->lines = 0;
    }
    if (f->lines >= FLOOD_LINES_PER_SECOND) {
        f->suppressed++;
        return 0;
    }
    f->lines++;
    return 1;
}

static void suppressed_line(const char *file_kind, const char *connector, int instance,
                            unsigned long count, const char *reason)
{
    char num[32];
    const char *kv[5];

    snprintf(num, sizeof(num), "%lu", count);
    kv[0] = "count";
    kv[1] = num;
    kv[2] = "reason";
    kv[3] = reason;
    kv[4] = NULL;
    event_line(file_kind, "WARN", connector, instance, "SUPPRESSED", kv);
}

/* ------------------------------------------------------------------ */
/* Writer callbacks                                                    */

static void on_dropped(void *ctx, const char *file, unsigned long count, struct sbuf *out)
{
    struct timeval tv;
    char ts[32];
    struct snapshot *snap = snapshot_get();

    (void)ctx;
    gettimeofday(&tv, NULL);
    emg_ts_text(ts, &tv, snap && snap->cfg ? snap->cfg->utc : 0);
    snapshot_put(snap);
    sbuf_printf(out, "%s %-5s (%s) DROPPED count=\"%lu\" file=\"", ts, "WARN", process_name(),
                count);
    esc_octets(out, (const unsigned char *)file, strlen(file), ESC_QUOTE);
    sbuf_puts(out, "\"\n");
}

/* Writer thread: the files were closed for reopening (hook_reopen). */
static void on_signal(void *ctx, unsigned bits)
{
    (void)ctx;
    if (bits & SIG_REOPENED)
        event_line("general", "INFO", process_name(), -1, "REOPEN", NULL);
}

static void on_host_log(void *ctx, const char *msg)
{
    (void)ctx;
    host_log(EMGDIAG_LOG_ERROR, "emgdiag: %s", msg);
}

/* ------------------------------------------------------------------ */
/* Incoming instance numbers: the lowest free one per connector        */

/* The state of incoming connector `name`, created on first use; NULL when
 * out of memory.  Called with slots_lock held. */
static struct incoming_slots *incoming_get(const char *name)
{
    struct incoming_slots *sl;

    for (sl = slots; sl != NULL && strcmp(sl->name, name) != 0; sl = sl->next)
        ;
    if (sl == NULL && (sl = calloc(1, sizeof(*sl))) != NULL) {
        sl->name = strdup(name);
        if (sl->name == NULL) {
            free(sl);
            return NULL;
        }
        sl->next = slots;
        slots = sl;
    }
    return sl;
}

static int slot_take(const char *name)
{
    struct incoming_slots *sl;
    int i, got = -1;

    pthread_mutex_lock(&slots_lock);
    sl = incoming_get(name);
    for (i = 0; sl != NULL && i < MAX_INCOMING_INSTANCES; i++) {
        if (!sl->used[i]) {
            sl->used[i] = 1;
            got = i;
            break;
        }
    }
    pthread_mutex_unlock(&slots_lock);
    return got < 0 ? MAX_INCOMING_INSTANCES : got;
}

static void slot_release(const char *name, int instance)
{
    struct incoming_slots *sl;

    if (instance < 0 || instance >= MAX_INCOMING_INSTANCES)
        return;
    pthread_mutex_lock(&slots_lock);
    for (sl = slots; sl != NULL && strcmp(sl->name, name) != 0; sl = sl->next)
        ;
    if (sl != NULL)
        sl->used[instance] = 0;
    pthread_mutex_unlock(&slots_lock);
}

/*
 * Counts a refusal of `kind` on connector `name` against its flood limit
 * (docs/connector-log.md#security-and-general); returns 1 when its line may be written.  The count of a flood
 * is written when the next second's first refusal comes, or by the ticker
 * once the flood has stopped.
 */
static int deny_admit(const char *name, int kind)
{
    struct incoming_slots *sl;
    unsigned long report = 0;
    int admit = 1;

    pthread_mutex_lock(&slots_lock);
    sl = incoming_get(name);
    if (sl != NULL)
        admit = flood_admit(&sl->deny[kind], &report);
    pthread_mutex_unlock(&slots_lock);
    if (report > 0)
        suppressed_line("security", name, -1, report, deny_event[kind]);
    return admit;
}

/* Ticker: writes the SUPPRESSED count of every flood whose second is over. */
static void report_stopped_floods(void)
{
    struct pending {
        char *name;
        int kind;
        unsigned long count;
    } *todo = NULL, *grown;
    size_t n = 0, cap = 0, i;
    struct incoming_slots *sl;
    time_t now = time(NULL);
    int k;

    pthread_mutex_lock(&slots_lock);
    for (sl = slots; sl != NULL; sl = sl->next) {
        for (k = 0; k < 2; k++) {
            if (sl->deny[k].suppressed == 0 || sl->deny[k].second == now)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                grown = realloc(todo, cap * sizeof(*todo));
                if (grown == NULL)
                    break;
                todo = grown;
            }
            if (n < cap && (todo[n].name = strdup(sl->name)) != NULL) {
                todo[n].kind = k;
                todo[n].count = sl->deny[k].suppressed;
                sl->deny[k].suppressed = 0;
                n++;
            }
        }
    }
    pthread_mutex_unlock(&slots_lock);
    for (i = 0; i < n; i++) {
        suppressed_line("security", todo[i].name, -1, todo[i].count, deny_event[todo[i].kind]);
        free(todo[i].name);
    }
    free(todo);
}

static void *ticker_main(void *arg)
{
    struct timespec until;

    (void)arg;
    pthread_mutex_lock(&ticker_lock);
    while (!ticker_stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&ticker_cond, &ticker_lock, &until);
        pthread_mutex_unlock(&ticker_lock);
        report_stopped_floods();
        pthread_mutex_lock(&ticker_lock);
    }
    pthread_mutex_unlock(&ticker_lock);
    return NULL;
}

/* Starts the ticker with every signal blocked (Kannel's threads expect to
 * receive them, not ours). */
static void ticker_start(void)
{
    sigset_t all, old;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ticker_stop = 0;
    ticker_running = pthread_create(&ticker, NULL, ticker_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ticker_running)
        pthread_setname_np(ticker, "emgdiag-ticker");
}

static void ticker_end(void)
{
    if (!ticker_running)
        return;
    pthread_mutex_lock(&ticker_lock);
    ticker_stop = 1;
    pthread_cond_signal(&ticker_cond);
    pthread_mutex_unlock(&ticker_lock);
    pthread_join(ticker, NULL);
    ticker_running = 0;
    report_stopped_floods();
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

/* The connector an incoming Kannel id maps to: the XML's, or NULL. */
static const char *incoming_id(const char *kannel_id)
{
    return kannel_id != NULL ? kannel_id : "opensmppbox";
}

/* The name of the connector for a Kannel id, as a new heap string. */
static char *connector_name(const struct emg_config *cfg, int incoming, const char *kannel_id)
{
    const struct emg_connector *c = NULL;

    if (cfg != NULL)
        c = incoming ? emg_config_incoming(cfg, kannel_id) : emg_config_outgoing(cfg, kannel_id);
    return c != NULL ? strdup(c->name) : name_from_kannel_id(kannel_id);
}

static int hook_accept_check(const char *kannel_id, const char *peer_addr, int peer_port)
{
    struct snapshot *snap = snapshot_get();
    const struct emg_connector *c;
    char why[300], *name, *addr;
    const char *kv[5];
    int allow;

    (void)peer_port;
    if (snap == NULL)
        return EMGDIAG_ALLOW;
    kannel_id = incoming_id(kannel_id);
    c = emg_config_incoming(snap->cfg, kannel_id);
    allow = emg_access_connect(c, peer_addr != NULL ? peer_addr : "", why, sizeof(why));
    if (!allow) {
        name = connector_name(snap->cfg, 1, kannel_id);
        if (name != NULL && deny_admit(name, DENY_CONNECT)) {
            addr = escaped(peer_addr ? peer_addr : "", peer_addr ? strlen(peer_addr) : 0);
            kv[0] = "address";
            kv[1] = addr;
            kv[2] = "rule";
            kv[3] = why;
            kv[4] = NULL;
            event_line("security", "WARN", name, -1, "DENY CONNECT", kv);
            free(addr);
        }
        free(name);
    }
    snapshot_put(snap);
    return allow ? EMGDIAG_ALLOW : EMGDIAG_REFUSE;
}

/*
 * Two processes writing one connector's files is a configuration error
 * (docs/connector-log.md#files): the first to use a name holds an flock() on
 * <dir>/.<name>.lock for its lifetime; a second process that cannot take it
 * says so in general.  Its lines are still written.
 */
static void claim_name(const char *dir, const char *name)
{
    struct claim *c;
    char path[4096];
    const char *kv[3];
    int fd;

    pthread_mutex_lock(&claims_lock);
    for (c = claims; c != NULL && strcmp(c->name, name) != 0; c = c->next)
        ;
    if (c != NULL) {
        pthread_mutex_unlock(&claims_lock);
        return;
    }
    c = malloc(sizeof(*c) + strlen(name) + 1);
    if (c == NULL) {
        pthread_mutex_unlock(&claims_lock);
        return;
    }
    strcpy(c->name, name);
    snprintf(path, sizeof(path), "%s/.%s.lock", dir, name);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        kv[0] = "connector";
        kv[1] = name;
        kv[2] = NULL;
        event_line("general", "ERROR", process_name(), -1, "CONNECTOR SHARED", kv);
    }
    c->fd = fd;
    c->next = claims;
    claims = c;
    pthread_mutex_unlock(&claims_lock);
}

static struct emgdiag_session *hook_session_open(const struct emgdiag_session_info *info)
{
    struct emgdiag_session *s;
    struct snapshot *snap;
    const char *id;

    if (info == NULL || !EMGDIAG_HAS(info, port))
        return NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->role = info->role;
    s->incoming = info->role == EMGDIAG_ROLE_SERVER;
    id = s->incoming ? incoming_id(info->kannel_id) : (info->kannel_id ? info->kannel_id : "");
    snap = snapshot_get();
    s->name = connector_name(snap ? snap->cfg : NULL, s->incoming, id);
    if (s->name != NULL && snap != NULL)
        claim_name(snap->cfg->log_dir, s->name);
    snapshot_put(snap);
    if (s->name == NULL) {
        free(s);
        return NULL;
    }
    if (!s->incoming && (s->kannel_id = strdup(id)) == NULL) {
        free(s->name);
        free(s);
        return NULL;
    }
    if (s->incoming) {
        struct sbuf b = SBUF_INIT;
        const char *peer = info->host ? info->host : "";

        esc_octets(&b, (const unsigned char *)peer, strlen(peer), ESC_QUOTE);
        snprintf(s->peer, sizeof(s->peer), "%s", sbuf_cstr(&b));
        sbuf_free(&b);
        s->peer_port = info->port;
        s->instance = info->instance >= 0 ? info->instance : slot_take(s->name);
    } else {
        s->instance = info->instance >= 0 ? info->instance : 0;
    }
    return s;
}

static void hook_session_close(struct emgdiag_session *s)
{
    if (s == NULL)
        return;
    if (s->incoming && s->instance < MAX_INCOMING_INSTANCES)
        slot_release(s->name, s->instance);
    pthread_mutex_destroy(&s->lock);
    free(s->bind_system_id);
    free(s->kannel_id);
    free(s->name);
    free(s);
}

/*
 * An outgoing session outlives configuration reloads: each new connection
 * takes the connector name the current configuration gives its smsc-id.
 * Only the session's own I/O thread uses an outgoing session, so the name
 * can change here.
 */
static void refresh_name(struct emgdiag_session *s)
{
    struct snapshot *snap = snapshot_get();
    char *name;

    if (snap != NULL && (name = connector_name(snap->cfg, 0, s->kannel_id)) != NULL) {
        if (strcmp(name, s->name) != 0) {
            claim_name(snap->cfg->log_dir, name);
            free(s->name);
            s->name = name;
        } else {
            free(name);
        }
    }
    snapshot_put(snap);
}

static void hook_connect_ok(struct emgdiag_session *s)
{
    char info[96];

    if (s == NULL)
        return;
    if (!s->incoming)
        refresh_name(s);
    pthread_mutex_lock(&s->lock);
    s->connected = 1;
    s->bind_pending = s->login_failed = s->unbound = 0;
    free(s->bind_system_id);
    s->bind_system_id = NULL;
    pthread_mutex_unlock(&s->lock);
    if (s->incoming) {
        snprintf(info, sizeof(info), "0 %s", s->peer);
        connector_line(s, "CONNECT", 1, info);
    } else {
        connector_line(s, "CONNECT", 1, NULL);
    }
}

static void hook_connect_err(struct emgdiag_session *s, int err)
{
    char info[32];

    if (s == NULL)
        return;
    if (!s->incoming)
        refresh_name(s);
    snprintf(info, sizeof(info), "%d", err);
    connector_line(s, "CONNECT", 0, info);
}

static int is_bind(uint32_t id)
{
    return id == 0x00000001 || id == 0x00000002 || id == 0x00000009;
}

static int is_bind_resp(uint32_t id)
{
    return id == 0x80000001 || id == 0x80000002 || id == 0x80000009;
}

/* Follows the bind and unbind exchanges of a session and writes the LOGIN
 * line when a bind is answered (docs/connector-log.md#connector-log).  Called with the PDU's summary. */
static void track_session(struct emgdiag_session *s, int dir, const struct smpp_summary *sm)
{
    /* The side that binds: we (outgoing) write binds; clients (incoming) do. */
    int bind_dir = s->incoming ? EMGDIAG_DIR_READ : EMGDIAG_DIR_WRITE;
    char *info = NULL;
    int ok = 0, login = 0;

    if (!sm->header_complete)
        return;
    pthread_mutex_lock(&s->lock);
    if (dir == bind_dir && is_bind(sm->command_id)) {
        s->bind_pending = 1;
        s->bind_seq = sm->sequence_number;
        if (s->incoming) {
            free(s->bind_system_id);
            s->bind_system_id = escaped((const char *)sm->system_id,
                                        sm->system_id ? sm->system_id_len : 0);
        }
    } else if (dir != bind_dir && s->bind_pending &&
               (is_bind_resp(sm->command_id) ||
                (sm->command_id == 0x80000000 && sm->sequence_number == s->bind_seq))) {
        struct sbuf b = SBUF_INIT;
        uint32_t st = sm->command_status;

        s->bind_pending = 0;
        login = 1;
        /* Kannel accepts ESME_RALYBND (5) as bound: so do we (docs/connector-log.md#connector-log). */
        ok = is_bind_resp(sm->command_id) && (st == 0 || st == 5);
        s->login_failed = !ok;
        sbuf_printf(&b, "%u", st);
        if (ok && s->incoming && s->bind_system_id != NULL && s->bind_system_id[0] != '\0') {
            sbuf_putc(&b, ' ');
            sbuf_puts(&b, s->bind_system_id);
        } else if (ok && !s->incoming && sm->system_id != NULL && sm->system_id_len > 0) {
            sbuf_putc(&b, ' ');
            esc_octets(&b, sm->system_id, sm->system_id_len, ESC_QUOTE);
        }
        info = b.failed ? NULL : b.buf;
        if (info == NULL)
            sbuf_free(&b);
    } else if (sm->command_id == 0x80000006 && sm->command_status == 0) {
        s->unbound = 1;
    }
    pthread_mutex_unlock(&s->lock);
    if (login)
        connector_line(s, "LOGIN", ok, info != NULL ? info : "?");
    free(info);
}

/* The pdu log line of a command_length the host rejected (docs/pdu-log.md). */
static void bad_length_line(struct emgdiag_session *s, const unsigned char *octets, size_t len)
{
    uint32_t n = 0;
    unsigned long report;
    int admit;
    char file[300], ts[32];
    struct timeval tv;
    struct sbuf b = SBUF_INIT;
    struct snapshot *snap;

    if (len >= 4)
        n = (uint32_t)octets[0] << 24 | (uint32_t)octets[1] << 16 | (uint32_t)octets[2] << 8 | octets[3];
    pthread_mutex_lock(&s->lock);
    admit = flood_admit(&s->bad_length, &report);
    pthread_mutex_unlock(&s->lock);
    if (report > 0)
        suppressed_line("general", s->name, s->instance, report, "command_length out of range");
    if (!admit)
        return;
    snap = snapshot_get();
    gettimeofday(&tv, NULL);
    emg_ts_text(ts, &tv, snap && snap->cfg ? snap->cfg->utc : 0);
    snapshot_put(snap);
    sbuf_printf(&b,
                "%s INFO  (%s,%d) Read op:0x00000000 (UNKNOWN) status:0 trn:0 datalen:0 "
                "ERROR:command_length %u out of range\n",
                ts, s->name, s->instance, n);
    file_name(file, sizeof(file), "pdu", s->name, 0);
    submit(file, &b);
    sbuf_free(&b);
}

static void pdu_line(struct emgdiag_session *s, int dir, const unsigned char *octets, size_t len,
                     uint32_t command_id)
{
    struct snapshot *snap = snapshot_get();
    const struct emg_config *cfg = snap ? snap->cfg : NULL;
    const struct emg_connector *c = cfg ? emg_config_connector(cfg, s->name) : NULL;
    struct pdu_format_opts opts;
    struct timeval tv;
    struct sbuf b = SBUF_INIT, j = SBUF_INIT;
    char ts[32], file[300];
    int fmt = format_of(cfg, c);
    int utc = cfg ? cfg->utc : 0;

    if ((c != NULL && !c->pdu_log) || (cfg != NULL && emg_config_pdu_skipped(cfg, command_id))) {
        snapshot_put(snap);
        return;
    }
    memset(&opts, 0, sizeof(opts));
    opts.passwords_clear = cfg ? cfg->passwords_clear : 0;
    gettimeofday(&tv, NULL);
    if (fmt & EMG_FMT_EMG) {
        emg_ts_text(ts, &tv, utc);
        sbuf_printf(&b, "%s INFO  (%s,%d) ", ts, s->name, s->instance);
    }
    if (fmt & EMG_FMT_JSON) {
        json_open(&j, &tv, utc, s->name, s->instance);
        sbuf_putc(&j, ',');
    }
    /* One decode serves both forms. */
    pdu_format_both((fmt & EMG_FMT_EMG) ? &b : NULL, (fmt & EMG_FMT_JSON) ? &j : NULL,
                    dir == EMGDIAG_DIR_WRITE ? PDU_DIR_WRITE : PDU_DIR_READ, octets, len, &opts);
    if (fmt & EMG_FMT_EMG) {
        sbuf_putc(&b, '\n');
        file_name(file, sizeof(file), "pdu", s->name, 0);
        submit(file, &b);
    }
    if (fmt & EMG_FMT_JSON) {
        sbuf_puts(&j, "}\n");
        file_name(file, sizeof(file), "pdu", s->name, 1);
        submit(file, &j);
    }
    sbuf_free(&j);
    sbuf_free(&b);
    snapshot_put(snap);
}

static void hook_pdu(struct emgdiag_session *s, int dir, const unsigned char *octets, size_t len,
                     unsigned flags)
{
    struct smpp_summary sm;

    if (s == NULL || (octets == NULL && len > 0))
        return;
    if (flags & EMGDIAG_PDU_BAD_LENGTH) {
        bad_length_line(s, octets, len);
        return;
    }
    smpp_summarize(octets, len, &sm);
    pdu_line(s, dir, octets, len, sm.command_id);
    track_session(s, dir, &sm);
}

static int hook_bind_check(struct emgdiag_session *s, struct emgdiag_bind *b)
{
    struct snapshot *snap;
    const struct emg_connector *c = NULL;
    char why[300];
    const char *reason = NULL, *sysid;
    char *esc_id, *esc_addr, status[16];
    const char *kv[11];
    int fail_status = 14;

    if (b == NULL || !EMGDIAG_HAS(b, close_after))
        return EMGDIAG_ALLOW;
    b->status = b->host_status;
    b->close_after = 0;
    if (s == NULL)
        return b->credentials_ok ? EMGDIAG_ALLOW : EMGDIAG_REFUSE;
    snap = snapshot_get();
    if (snap != NULL)
        c = emg_config_connector(snap->cfg, s->name);
    if (c != NULL && c->login_failure_status > 0)
        fail_status = c->login_failure_status;
    sysid = b->system_id != NULL ? b->system_id : "";
    if (!b->credentials_ok) {
        reason = "credentials";
        snprintf(why, sizeof(why), "smpp-logins");
    } else if (snap != NULL &&
               !emg_access_login(snap->cfg, c, sysid, s->peer, why, sizeof(why))) {
        reason = "address";
    }
    snapshot_put(snap);
    if (reason == NULL) {
        b->status = 0;
        return EMGDIAG_ALLOW;
    }
    b->status = (uint32_t)fail_status;
    b->close_after = 1;
    if (deny_admit(s->name, DENY_LOGIN)) {
        esc_id = escaped(sysid, strlen(sysid));
        esc_addr = s->peer;
        snprintf(status, sizeof(status), "%u", b->status);
        kv[0] = "system-id";
        kv[1] = esc_id;
        kv[2] = "address";
        kv[3] = esc_addr;
        kv[4] = "status";
        kv[5] = status;
        kv[6] = "reason";
        kv[7] = reason;
        kv[8] = "rule";
        kv[9] = why;
        kv[10] = NULL;
        event_line("security", "WARN", s->name, s->instance, "DENY LOGIN", kv);
        free(esc_id);
    }
    return EMGDIAG_REFUSE;
}

static void hook_disconnected(struct emgdiag_session *s, int reason, int err)
{
    const char *info;
    char num[32];
    unsigned long pending;
    int ok = 0;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (!s->connected) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->connected = 0;
    pending = s->bad_length.suppressed;
    s->bad_length.suppressed = 0;
    if (s->unbound) {
        ok = 1;
        info = NULL;
    } else if (s->bind_pending) {
        info = "timeout"; /* the bind response never came (docs/connector-log.md#connector-log) */
    } else if (s->login_failed) {
        info = "login-failed";
    } else {
        switch (reason) {
        case EMGDIAG_DISC_PEER_CLOSED: info = "peer-closed"; break;
        case EMGDIAG_DISC_TIMEOUT: info = "timeout"; break;
        case EMGDIAG_DISC_SHUTDOWN: info = "shutdown"; break;
        case EMGDIAG_DISC_LOGIN_FAILED: info = "login-failed"; break;
        case EMGDIAG_DISC_ERRNO:
            snprintf(num, sizeof(num), "%d", err);
            info = num;
            break;
        default: info = "io-error"; break;
        }
    }
    s->bind_pending = 0;
    pthread_mutex_unlock(&s->lock);
    if (pending > 0)
        suppressed_line("general", s->name, s->instance, pending, "command_length out of range");
    connector_line(s, "DISCONNECT", ok, info);
}

static void hook_reopen(void)
{
    if (!atomic_load(&closing) && writer != NULL)
        logwriter_signal(writer, LW_SIG_REOPEN | SIG_REOPENED);
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

static void config_event(const char *event, const char *file, const char *reason)
{
    char *f = escaped(file, strlen(file));
    char *r = reason ? escaped(reason, strlen(reason)) : NULL;
    const char *kv[5];

    kv[0] = "file";
    kv[1] = f;
    kv[2] = r ? "reason" : NULL;
    kv[3] = r;
    kv[4] = NULL;
    event_line("general", r ? "ERROR" : "INFO", process_name(), -1, event, kv);
    free(f);
    free(r);
}

static void hook_reload(void)
{
    char err[1024];
    struct emg_config *cfg;
    struct snapshot *snap;
    const char *path = host != NULL ? host->config_path : NULL;

    if (path == NULL)
        return;
    cfg = load_config(path, err, sizeof(err));
    if (cfg == NULL) {
        /* Fail closed: the old lists stay in force. */
        config_event("CONFIG REJECTED", path, err);
        host_log(EMGDIAG_LOG_ERROR, "emgdiag: reload rejected, old configuration kept: %s", err);
        return;
    }
    if (writer != NULL && logwriter_set_dir(writer, cfg->log_dir, err, sizeof(err)) != 0) {
        config_event("CONFIG REJECTED", path, err);
        host_log(EMGDIAG_LOG_ERROR, "emgdiag: reload rejected, old configuration kept: %s", err);
        emg_config_free(cfg);
        return;
    }
    snap = snapshot_new(cfg);
    if (snap == NULL) {
        emg_config_free(cfg);
        return;
    }
    snapshot_install(snap);
    config_event("CONFIG LOADED", path, NULL);
}

static void hook_shutdown(void)
{
    struct incoming_slots *sl;
    struct claim *c;

    ticker_end();
    if (writer != NULL) {
        struct timespec pause = { 0, 1000000 };
        int waited;

        atomic_store(&closing, 1);
        for (waited = 0; atomic_load(&submitting) > 0 && waited < 2000; waited++)
            nanosleep(&pause, NULL);
        logwriter_stop(writer);
        writer = NULL;
    }
    snapshot_install(NULL);
    pthread_mutex_lock(&claims_lock);
    while ((c = claims) != NULL) {
        claims = c->next;
        if (c->fd >= 0)
            close(c->fd);
        free(c);
    }
    pthread_mutex_unlock(&claims_lock);
    pthread_mutex_lock(&slots_lock);
    while ((sl = slots) != NULL) {
        slots = sl->next;
        free(sl->name);
        free(sl);
    }
    pthread_mutex_unlock(&slots_lock);
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
};

/* The entry point (EMGDIAG_ENTRY_SYMBOL). */
__attribute__((visibility("default"))) const struct emgdiag_module *
emgdiag_module_entry(const struct emgdiag_host *h, char *err, size_t errlen);

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen)
{
    struct logwriter_opts wo;
    struct emg_config *cfg;
    struct snapshot *snap;

    atomic_store(&closing, 0);
    if (h == NULL || h->abi_major != EMGDIAG_ABI_MAJOR) {
        snprintf(err, errlen, "host ABI %d.%d, this module needs %d.x", h ? h->abi_major : -1,
                 h ? h->abi_minor : -1, EMGDIAG_ABI_MAJOR);
        return NULL;
    }
    if (!EMGDIAG_HAS(h, config_path) || h->config_path == NULL || h->config_path[0] == '\0') {
        snprintf(err, errlen, "hook-config is not set: emgdiag needs its XML configuration");
        return NULL;
    }
    if (writer != NULL) {
        snprintf(err, errlen, "module already started in this process");
        return NULL;
    }
    host = h;
    cfg = load_config(h->config_path, err, errlen);
    if (cfg == NULL)
        return NULL;
    memset(&wo, 0, sizeof(wo));
    wo.dir = cfg->log_dir;
    wo.linger_ms = WRITER_LINGER_MS;
    wo.format_dropped = on_dropped;
    wo.host_log = on_host_log;
    wo.on_signal = on_signal;
    writer = logwriter_start(&wo, err, errlen);
    if (writer == NULL) {
        emg_config_free(cfg);
        return NULL;
    }
    snap = snapshot_new(cfg);
    if (snap == NULL) {
        snprintf(err, errlen, "out of memory");
        logwriter_stop(writer);
        writer = NULL;
        emg_config_free(cfg);
        return NULL;
    }
    snapshot_install(snap);
    config_event("CONFIG LOADED", h->config_path, NULL);
    ticker_start();
    return &module_table;
}
