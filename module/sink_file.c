/*
 * sink_file.c: events as EMG-style log lines (see sink_file.h).
 *
 * Every line is built here from an event's raw values: the timestamp
 * (docs/connector-log.md#timestamps), the fixed parts of its grammar, and
 * every value a peer or a file could have chosen escaped on the way in, as
 * docs/connector-log.md and docs/pdu-log.md say.  The JSON twin of a line
 * carries the same escaped text as a JSON string.  A finished line goes to
 * the log writer; a line that could not be built (no memory) is counted as
 * dropped under the file it was for.
 *
 * Per session the sink keeps, in its session slot, the four file names of
 * the session's connector, so the pdu log's hot path formats no file name.
 */
#include "sink_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
#include "escape.h"
#include "logwriter.h"
#include "message_log.h"
#include "naming.h"
#include "pdu_format.h"
#include "ratelimit.h"
#include "sbuf.h"
#include "smpp.h"
#include "timefmt.h"

/* Lines of one flood a second before they are counted instead
 * (docs/connector-log.md#security-and-general, docs/pdu-log.md). */
#define FLOOD_LINES_PER_SECOND 10

/* How long the log writer gathers lines after a batch (logwriter.h): on a
 * busy gateway one wake-up per 10 ms instead of one every few lines; a line
 * after a quiet spell is still written at once. */
#define WRITER_LINGER_MS 10

/* A logwriter_signal() bit of ours: write the REOPEN line. */
#define SIG_REOPENED 0x100u

/* The ERROR of a pdu line whose PDU the host could not unpack although the
 * decoder found nothing wrong (docs/pdu-log.md). */
#define HOST_UNPACK_ERROR "host could not unpack"

/* Room for "connector." + a name + ".jsonl". */
#define FILE_NAME_LEN (16 + EMG_NAME_MAX + 8)
/* A pdu or message line (and its twin) is built in an array of this size on
 * the SMPP thread's stack, and moves to the heap only when it is longer. */
#define LINE_ON_STACK 2048

enum flood_kind { FLOOD_DENY_CONNECT, FLOOD_DENY_LOGIN, FLOOD_BAD_LENGTH, FLOOD_PREBIND };

/* What a SUPPRESSED line says a flood was, and where it goes. */
static const struct {
    const char *file;
    const char *reason;
} flood_report[] = {
    [FLOOD_DENY_CONNECT] = { "security", "DENY CONNECT" },
    [FLOOD_DENY_LOGIN] = { "security", "DENY LOGIN" },
    [FLOOD_BAD_LENGTH] = { "general", "command_length out of range" },
    [FLOOD_PREBIND] = { "general", "PDUs before bind" },
};

/* A connector name this process writes, with its lock file held. */
struct claim {
    struct claim *next;
    int fd;
    int shared; /* another process holds the lock: it writes these files too */
    char name[];
};

/* PDU lines of a connection written in full before its bind succeeds; the
 * rest are counted (docs/pdu-log.md).  A peer that never binds cannot make
 * the logs grow faster than the host answers it. */
#define PREBIND_LINES 16

/* The session slot: the session's file names, text and JSON, and its count
 * of pdu lines before the bind. */
struct session_files {
    char connector[2][FILE_NAME_LEN];
    char pdu[2][FILE_NAME_LEN];
    unsigned long session;      /* the connection's number (file_sink_line) */
    unsigned prebind_lines;     /* written in full on this connection */
    unsigned long prebind_held; /* held back, not reported yet */
};

struct file_sink {
    struct emg_sink base;
    struct logwriter *writer;
    struct ratelimit *floods;
    char *process;
    void (*host_log)(const char *line);
    /* For lines built outside an event (the writer's DROPPED and REOPEN,
     * the ticker's SUPPRESSED): the configuration's choices. */
    atomic_int utc;
    atomic_int format;
    pthread_mutex_t claims_lock;
    struct claim *claims;
    char message_file[2][FILE_NAME_LEN]; /* message.<name>, text and JSON */
    /* The database sink's tap (file_sink_set_tap), or NULL. */
    void (*tap)(void *ctx, const struct file_sink_line *line);
    void *tap_ctx;
};

/* Connections numbered in this process, for the tap's session. */
static atomic_ulong connections;

/* A key and a raw value of a security or general line. */
struct kv {
    const char *key;
    const unsigned char *p;
    size_t n;
};

static struct kv kv_str(const char *key, const char *value)
{
    struct kv kv;

    kv.key = key;
    kv.p = (const unsigned char *)(value != NULL ? value : "");
    kv.n = value != NULL ? strlen(value) : 0;
    return kv;
}

static struct kv kv_octets(const char *key, struct emg_octets o)
{
    struct kv kv;

    kv.key = key;
    kv.p = o.p != NULL ? o.p : (const unsigned char *)"";
    kv.n = o.p != NULL ? o.n : 0;
    return kv;
}

/* ------------------------------------------------------------------ */
/* Formats and files                                                   */

static int format_of(const struct emg_config *cfg, const struct emg_connector *c)
{
    if (c != NULL && c->format != EMG_FMT_INHERIT)
        return c->format;
    return cfg != NULL && cfg->format != EMG_FMT_INHERIT ? cfg->format : EMG_FMT_EMG;
}

static void file_name(char *out, size_t outlen, const char *kind, const char *name, int json)
{
    snprintf(out, outlen, "%s%s%s%s", kind, name != NULL ? "." : "", name != NULL ? name : "",
             json ? ".jsonl" : "");
}

/* Hands a finished line (ending in '\n') to the writer; a line that could
 * not be built is counted as dropped. */
static void write_line(struct file_sink *fs, const char *file, struct sbuf *line)
{
    if (line->failed || line->len == 0)
        logwriter_count_drop(fs->writer, file);
    else
        logwriter_submit(fs->writer, file, line->buf, line->len);
}

/* Hands a line's two forms to the tap, when there is one. */
static void tap_line(struct file_sink *fs, int log, const struct timeval *tv, const char *connector,
                     int instance, unsigned long session, const struct sbuf *text,
                     const struct sbuf *json)
{
    struct file_sink_line l;
    int ok = !text->failed && !json->failed && text->len > 0 && json->len > 0;

    if (fs->tap == NULL)
        return;
    memset(&l, 0, sizeof(l));
    l.log = log;
    l.tv = tv;
    l.connector = connector;
    l.instance = instance;
    l.session = session;
    if (ok) {
        l.text = text->buf;
        l.text_len = text->len - (text->buf[text->len - 1] == '\n');
        l.json = json->buf;
        l.json_len = json->len - (json->buf[json->len - 1] == '\n');
    }
    fs->tap(fs->tap_ctx, &l);
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

/* A JSON member whose value is `text` (already escaped as in a text line). */
static void json_text_member(struct sbuf *b, const char *key, const char *text, size_t n)
{
    sbuf_puts(b, ",\"");
    esc_json(b, key, strlen(key));
    sbuf_puts(b, "\":\"");
    esc_json(b, text, n);
    sbuf_putc(b, '"');
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */

/*
 * A line of `security` or `general` (docs/connector-log.md#security-and-general):
 *   <ts> <LEVEL> (<connector>[,<instance>]) <EVENT> key="value"…
 * Every value is escaped here, '"' as \x22.
 */
static void event_line(struct file_sink *fs, const char *file_kind, int fmt, int utc,
                       const struct timeval *tv, const char *level, const char *connector,
                       int instance, const char *event, const struct kv *kv, size_t nkv)
{
    struct sbuf b = SBUF_INIT, j = SBUF_INIT, v = SBUF_INIT;
    char ts[32], file[FILE_NAME_LEN];
    int tapped = fs->tap != NULL && strcmp(file_kind, "security") == 0;
    int build = fmt | (tapped ? EMG_FMT_BOTH : 0);
    size_t i;

    if (build & EMG_FMT_EMG) {
        emg_ts_text(ts, tv, utc);
        sbuf_printf(&b, "%s %-5s (%s", ts, level, connector);
        if (instance >= 0)
            sbuf_printf(&b, ",%d", instance);
        sbuf_printf(&b, ") %s", event);
        for (i = 0; i < nkv; i++) {
            sbuf_printf(&b, " %s=\"", kv[i].key);
            esc_octets(&b, kv[i].p, kv[i].n, ESC_QUOTE);
            sbuf_putc(&b, '"');
        }
        sbuf_putc(&b, '\n');
        if (fmt & EMG_FMT_EMG) {
            file_name(file, sizeof(file), file_kind, NULL, 0);
            write_line(fs, file, &b);
        }
    }
    if (build & EMG_FMT_JSON) {
        json_open(&j, tv, utc, connector, instance);
        sbuf_printf(&j, ",\"level\":\"%s\",\"event\":\"", level);
        esc_json(&j, event, strlen(event));
        sbuf_putc(&j, '"');
        for (i = 0; i < nkv; i++) {
            sbuf_reset(&v);
            esc_octets(&v, kv[i].p, kv[i].n, ESC_QUOTE);
            if (v.failed)
                j.failed = 1;
            json_text_member(&j, kv[i].key, sbuf_cstr(&v), v.len);
        }
        sbuf_puts(&j, "}\n");
        if (fmt & EMG_FMT_JSON) {
            file_name(file, sizeof(file), file_kind, NULL, 1);
            write_line(fs, file, &j);
        }
    }
    if (tapped)
        tap_line(fs, FILE_LOG_SECURITY, tv, connector, instance, 0, &b, &j);
    sbuf_free(&v);
    sbuf_free(&j);
    sbuf_free(&b);
}

/* A process-wide line of `general`, at the time of the call. */
static void general_line(struct file_sink *fs, const char *level, const char *event,
                         const struct kv *kv, size_t nkv)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    event_line(fs, "general", atomic_load(&fs->format), atomic_load(&fs->utc), &tv, level,
               fs->process, -1, event, kv, nkv);
}

static void suppressed_line(struct file_sink *fs, const char *connector, int instance, int kind,
                            unsigned long count)
{
    struct timeval tv;
    char num[32];
    struct kv kv[2];

    snprintf(num, sizeof(num), "%lu", count);
    kv[0] = kv_str("count", num);
    kv[1] = kv_str("reason", flood_report[kind].reason);
    gettimeofday(&tv, NULL);
    event_line(fs, flood_report[kind].file, atomic_load(&fs->format), atomic_load(&fs->utc), &tv,
               "WARN", connector, instance, "SUPPRESSED", kv, 2);
}

static void on_flood_over(void *ctx, const char *name, int instance, int kind, unsigned long count)
{
    suppressed_line(ctx, name, instance, kind, count);
}

/* Counts a line of a flood; 1 when it may be written.  The count of an
 * earlier second's flood is written first. */
static int flood_admit(struct file_sink *fs, const struct emg_event *ev, int kind)
{
    unsigned long report = 0;
    int admit;

    if (fs->floods == NULL)
        return 1;
    admit = ratelimit_admit(fs->floods, ev->connector, kind == FLOOD_BAD_LENGTH ? ev->instance : -1,
                            kind, ev->tv.tv_sec, &report);
    if (report > 0)
        suppressed_line(fs, ev->connector, kind == FLOOD_BAD_LENGTH ? ev->instance : -1, kind,
                        report);
    return admit;
}

/* The session's file name of `kind` ("connector" or "pdu"), from its slot,
 * or formatted into buf when the slot is empty. */
static const char *session_file(const struct emg_event *ev, void **slot, int pdu, int json,
                                char *buf, size_t buflen)
{
    const struct session_files *sf = slot != NULL ? *slot : NULL;

    if (sf != NULL)
        return pdu ? sf->pdu[json] : sf->connector[json];
    file_name(buf, buflen, pdu ? "pdu" : "connector", ev->connector, json);
    return buf;
}

/* A connector log line: <ts> (<instance>) <EVENT> <OK|ERR>[ (info="<info>")]
 * (docs/connector-log.md#connector-log); `info` is already escaped. */
static void connector_line(struct file_sink *fs, const struct emg_event *ev, void **slot,
                           const char *event, int ok, const struct sbuf *info)
{
    const struct session_files *sf = slot != NULL ? *slot : NULL;
    int fmt = format_of(ev->cfg, ev->conn);
    int build = fmt | (fs->tap != NULL ? EMG_FMT_BOTH : 0);
    int utc = ev->cfg != NULL ? ev->cfg->utc : 0;
    struct sbuf b = SBUF_INIT, j = SBUF_INIT;
    char ts[32], buf[FILE_NAME_LEN];
    const char *file;

    if (build & EMG_FMT_EMG) {
        emg_ts_text(ts, &ev->tv, utc);
        sbuf_printf(&b, "%s (%d) %s %s", ts, ev->instance, event, ok ? "OK" : "ERR");
        if (info != NULL) {
            sbuf_puts(&b, " (info=\"");
            if (info->failed)
                b.failed = 1; /* the line cannot be built: counted as dropped */
            else
                sbuf_putn(&b, info->buf, info->len);
            sbuf_puts(&b, "\")");
        }
        sbuf_putc(&b, '\n');
        if (fmt & EMG_FMT_EMG) {
            file = session_file(ev, slot, 0, 0, buf, sizeof(buf));
            write_line(fs, file, &b);
        }
    }
    if (build & EMG_FMT_JSON) {
        json_open(&j, &ev->tv, utc, ev->connector, ev->instance);
        sbuf_printf(&j, ",\"event\":\"%s\",\"result\":\"%s\"", event, ok ? "OK" : "ERR");
        if (info != NULL) {
            if (info->failed)
                j.failed = 1;
            else
                json_text_member(&j, "info", info->buf != NULL ? info->buf : "", info->len);
        }
        sbuf_puts(&j, "}\n");
        if (fmt & EMG_FMT_JSON) {
            file = session_file(ev, slot, 0, 1, buf, sizeof(buf));
            write_line(fs, file, &j);
        }
    }
    tap_line(fs, FILE_LOG_CONNECTOR, &ev->tv, ev->connector, ev->instance,
             sf != NULL ? sf->session : 0, &b, &j);
    sbuf_free(&j);
    sbuf_free(&b);
}

/* The pdu lines a connection held back before its bind, in one SUPPRESSED
 * line; the count starts again. */
static void report_prebind(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    struct session_files *sf = slot != NULL ? *slot : NULL;

    if (sf == NULL || sf->prebind_held == 0)
        return;
    suppressed_line(fs, ev->connector, ev->instance, FLOOD_PREBIND, sf->prebind_held);
    sf->prebind_held = 0;
}

/* Operations that decide a session's fate: always written in full. */
static int decides_session(uint32_t id)
{
    switch (id) {
    case SMPP_CMD_BIND_RECEIVER:
    case SMPP_CMD_BIND_RECEIVER_RESP:
    case SMPP_CMD_BIND_TRANSMITTER:
    case SMPP_CMD_BIND_TRANSMITTER_RESP:
    case SMPP_CMD_BIND_TRANSCEIVER:
    case SMPP_CMD_BIND_TRANSCEIVER_RESP:
    case SMPP_CMD_OUTBIND:
    case SMPP_CMD_UNBIND:
    case SMPP_CMD_UNBIND_RESP: return 1;
    default: return 0;
    }
}

/* 1 when a pdu line of a session not bound yet may be written; counts it
 * either way. */
static int prebind_admit(const struct emg_event *ev, void **slot)
{
    struct session_files *sf = slot != NULL ? *slot : NULL;

    if (ev->u.pdu.bound || sf == NULL || decides_session(ev->u.pdu.d->command_id))
        return 1;
    if (sf->prebind_lines < PREBIND_LINES) {
        sf->prebind_lines++;
        return 1;
    }
    sf->prebind_held++;
    return 0;
}

static void connect_event(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    struct session_files *sf = slot != NULL ? *slot : NULL;
    struct sbuf info = SBUF_INIT;

    if (sf != NULL && ev->u.connect.ok) {
        report_prebind(fs, ev, slot);
        sf->prebind_lines = 0;
    }
    if (sf != NULL)
        sf->session = atomic_fetch_add(&connections, 1) + 1;

    if (!ev->u.connect.ok) {
        sbuf_printf(&info, "%d", ev->u.connect.err);
        connector_line(fs, ev, slot, "CONNECT", 0, &info);
    } else if (ev->u.connect.peer != NULL) {
        sbuf_puts(&info, "0 ");
        esc_octets(&info, (const unsigned char *)ev->u.connect.peer, strlen(ev->u.connect.peer),
                   ESC_QUOTE);
        connector_line(fs, ev, slot, "CONNECT", 1, &info);
    } else {
        connector_line(fs, ev, slot, "CONNECT", 1, NULL);
    }
    sbuf_free(&info);
}

static void login_event(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    struct sbuf info = SBUF_INIT;

    report_prebind(fs, ev, slot);
    sbuf_printf(&info, "%u", ev->u.login.status);
    if (ev->u.login.ok && ev->u.login.system_id.p != NULL && ev->u.login.system_id.n > 0) {
        sbuf_putc(&info, ' ');
        esc_octets(&info, ev->u.login.system_id.p, ev->u.login.system_id.n, ESC_QUOTE);
    }
    connector_line(fs, ev, slot, "LOGIN", ev->u.login.ok, &info);
    sbuf_free(&info);
}

static void disconnect_event(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    struct sbuf info = SBUF_INIT;
    unsigned long pending;

    /* A bad-length flood of this session ends with it. */
    if (fs->floods != NULL &&
        (pending = ratelimit_take(fs->floods, ev->connector, ev->instance, FLOOD_BAD_LENGTH)) > 0)
        suppressed_line(fs, ev->connector, ev->instance, FLOOD_BAD_LENGTH, pending);
    report_prebind(fs, ev, slot);
    if (ev->u.disconnect.ok) {
        connector_line(fs, ev, slot, "DISCONNECT", 1, NULL);
        return;
    }
    if (ev->u.disconnect.reason == EMG_DISC_ERRNO)
        sbuf_printf(&info, "%d", ev->u.disconnect.err);
    else
        sbuf_puts(&info, emg_disc_reason_word(ev->u.disconnect.reason));
    connector_line(fs, ev, slot, "DISCONNECT", 0, &info);
    sbuf_free(&info);
}

/* A pdu log line (docs/pdu-log.md) and/or its twin, from the one decode. */
static void pdu_event(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    const struct emg_config *cfg = ev->cfg;
    const struct emg_connector *c = ev->conn;
    struct smpp_decoded *d = ev->u.pdu.d;
    struct pdu_format_opts opts;
    char bmem[LINE_ON_STACK], jmem[LINE_ON_STACK];
    struct sbuf b = SBUF_ON(bmem), j = SBUF_ON(jmem);
    const struct session_files *sf = slot != NULL ? *slot : NULL;
    char ts[32], buf[FILE_NAME_LEN];
    int fmt, build, utc;

    if ((c != NULL && !c->pdu_log) ||
        (cfg != NULL && d->bad_length == 0 && emg_config_pdu_skipped(cfg, d->command_id)))
        return;
    if (!prebind_admit(ev, slot))
        return;
    if (d->bad_length != 0 && !flood_admit(fs, ev, FLOOD_BAD_LENGTH))
        return;
    fmt = format_of(cfg, c);
    build = fmt | (fs->tap != NULL ? EMG_FMT_BOTH : 0);
    utc = cfg != NULL ? cfg->utc : 0;
    opts.passwords_clear = cfg != NULL ? cfg->passwords_clear : 0;
    opts.value_max = cfg != NULL ? cfg->pdu_value_max : 0;
    opts.host_error = ev->u.pdu.host_unpack_failed ? HOST_UNPACK_ERROR : NULL;
    if (build & EMG_FMT_EMG) {
        emg_ts_text(ts, &ev->tv, utc);
        sbuf_puts(&b, ts);
        sbuf_puts(&b, " INFO  (");
        sbuf_puts(&b, ev->connector);
        sbuf_putc(&b, ',');
        sbuf_put_int(&b, ev->instance);
        sbuf_puts(&b, ") ");
    }
    if (build & EMG_FMT_JSON) {
        json_open(&j, &ev->tv, utc, ev->connector, ev->instance);
        sbuf_putc(&j, ',');
    }
    pdu_format_decoded((build & EMG_FMT_EMG) ? &b : NULL, (build & EMG_FMT_JSON) ? &j : NULL,
                       ev->u.pdu.dir == PDU_DIR_WRITE ? PDU_DIR_WRITE : PDU_DIR_READ, d, &opts);
    if (build & EMG_FMT_EMG) {
        sbuf_putc(&b, '\n');
        if (fmt & EMG_FMT_EMG)
            write_line(fs, session_file(ev, slot, 1, 0, buf, sizeof(buf)), &b);
    }
    if (build & EMG_FMT_JSON) {
        sbuf_puts(&j, "}\n");
        if (fmt & EMG_FMT_JSON)
            write_line(fs, session_file(ev, slot, 1, 1, buf, sizeof(buf)), &j);
    }
    tap_line(fs, FILE_LOG_PDU, &ev->tv, ev->connector, ev->instance, sf != NULL ? sf->session : 0,
             &b, &j);
    sbuf_free(&j);
    sbuf_free(&b);
}

/* A message-log line and/or its twin (docs/message-log.md): written when
 * the message log is on and the connector's pdu log is. */
static void message_event(struct file_sink *fs, const struct emg_event *ev)
{
    char bmem[LINE_ON_STACK], jmem[LINE_ON_STACK];
    struct sbuf b = SBUF_ON(bmem), j = SBUF_ON(jmem);
    int fmt = format_of(ev->cfg, ev->conn);
    int build = fmt | (fs->tap != NULL ? EMG_FMT_BOTH : 0);
    int rc;

    if ((ev->cfg != NULL && !ev->cfg->message_log) || (ev->conn != NULL && !ev->conn->pdu_log))
        return;
    rc = message_log_build((build & EMG_FMT_EMG) ? &b : NULL, (build & EMG_FMT_JSON) ? &j : NULL,
                           ev, ev->cfg != NULL ? ev->cfg->utc : 0);
    if (rc == 0) {
        if (fmt & EMG_FMT_EMG)
            write_line(fs, fs->message_file[0], &b);
        if (fmt & EMG_FMT_JSON)
            write_line(fs, fs->message_file[1], &j);
        /* the message table has no session: a message crosses them */
        tap_line(fs, FILE_LOG_MESSAGE, &ev->tv, ev->connector, ev->instance, 0, &b, &j);
    }
    sbuf_free(&j);
    sbuf_free(&b);
}

static void deny_connect_event(struct file_sink *fs, const struct emg_event *ev)
{
    struct kv kv[2];

    if (!flood_admit(fs, ev, FLOOD_DENY_CONNECT))
        return;
    kv[0] = kv_str("address", ev->u.deny_connect.address);
    kv[1] = kv_str("rule", ev->u.deny_connect.rule);
    event_line(fs, "security", format_of(ev->cfg, NULL), ev->cfg != NULL ? ev->cfg->utc : 0,
               &ev->tv, "WARN", ev->connector, -1, "DENY CONNECT", kv, 2);
}

static void deny_login_event(struct file_sink *fs, const struct emg_event *ev)
{
    char status[16];
    struct kv kv[5];

    if (!flood_admit(fs, ev, FLOOD_DENY_LOGIN))
        return;
    snprintf(status, sizeof(status), "%u", ev->u.deny_login.status);
    kv[0] = kv_octets("system-id", ev->u.deny_login.system_id);
    kv[1] = kv_str("address", ev->u.deny_login.address);
    kv[2] = kv_str("status", status);
    kv[3] = kv_str("reason", ev->u.deny_login.reason);
    kv[4] = kv_str("rule", ev->u.deny_login.rule);
    event_line(fs, "security", format_of(ev->cfg, NULL), ev->cfg != NULL ? ev->cfg->utc : 0,
               &ev->tv, "WARN", ev->connector, ev->instance, "DENY LOGIN", kv, 5);
}

static void config_event(struct file_sink *fs, const struct emg_event *ev)
{
    struct kv kv[2];

    kv[0] = kv_str("file", ev->u.config.file);
    kv[1] = kv_str("reason", ev->u.config.reason);
    event_line(fs, "general", format_of(ev->cfg, NULL), ev->cfg != NULL ? ev->cfg->utc : 0, &ev->tv,
               ev->u.config.ok ? "INFO" : "ERROR", fs->process, -1,
               ev->u.config.ok ? "CONFIG LOADED" : "CONFIG REJECTED", kv, ev->u.config.ok ? 1 : 2);
}

static void general_event(struct file_sink *fs, const struct emg_event *ev)
{
    struct kv kv[EMG_GENERAL_MAX_KV];
    size_t i, n = ev->u.general.n < EMG_GENERAL_MAX_KV ? ev->u.general.n : EMG_GENERAL_MAX_KV;

    for (i = 0; i < n; i++)
        kv[i] = kv_str(ev->u.general.keys[i], ev->u.general.values[i]);
    event_line(fs, "general", format_of(ev->cfg, NULL), ev->cfg != NULL ? ev->cfg->utc : 0, &ev->tv,
               ev->u.general.level, fs->process, -1, ev->u.general.event, kv, n);
}

static void name_cut_event(struct file_sink *fs, const struct emg_event *ev)
{
    struct kv kv[2];

    kv[0] = kv_str("kannel-id", ev->u.name_cut.kannel_id);
    kv[1] = kv_str("name", ev->u.name_cut.name);
    event_line(fs, "general", format_of(ev->cfg, NULL), ev->cfg != NULL ? ev->cfg->utc : 0, &ev->tv,
               "WARN", fs->process, -1, "CONNECTOR NAME CUT", kv, 2);
}

/* ------------------------------------------------------------------ */
/* Sessions: file names and lock files                                  */

/*
 * Two processes writing one connector's files is a configuration error
 * (docs/connector-log.md#files): the first to use a name holds an flock()
 * on <dir>/.<name>.lock for its lifetime; a second process that cannot take
 * it says so in general.  Its lines are still written.
 */
static void claim_name(struct file_sink *fs, const char *dir, const char *name)
{
    struct claim *c;
    char path[4096];
    struct kv kv;
    size_t n = strlen(name);
    int fd, shared = 0;

    pthread_mutex_lock(&fs->claims_lock);
    for (c = fs->claims; c != NULL && strcmp(c->name, name) != 0; c = c->next)
        ;
    if (c != NULL || (c = emg_malloc(sizeof(*c) + n + 1)) == NULL) {
        pthread_mutex_unlock(&fs->claims_lock);
        return;
    }
    memcpy(c->name, name, n + 1);
    snprintf(path, sizeof(path), "%s/.%s.lock", dir, name);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0)
        shared = 1;
    c->fd = fd;
    c->shared = shared;
    c->next = fs->claims;
    fs->claims = c;
    pthread_mutex_unlock(&fs->claims_lock);
    if (shared) {
        kv = kv_str("connector", name);
        general_line(fs, "ERROR", "CONNECTOR SHARED", &kv, 1);
    }
}

static void session_open(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    struct session_files *sf;
    int json;

    if (ev->cfg != NULL && ev->cfg->log_dir != NULL)
        claim_name(fs, ev->cfg->log_dir, ev->connector);
    if (slot == NULL || (sf = emg_calloc(1, sizeof(*sf))) == NULL)
        return; /* file names are then formatted per line, pre-bind lines not limited */
    for (json = 0; json <= 1; json++) {
        file_name(sf->connector[json], FILE_NAME_LEN, "connector", ev->connector, json);
        file_name(sf->pdu[json], FILE_NAME_LEN, "pdu", ev->connector, json);
    }
    emg_free(*slot);
    *slot = sf;
}

static void session_close(struct file_sink *fs, const struct emg_event *ev, void **slot)
{
    report_prebind(fs, ev, slot);
    if (slot != NULL) {
        emg_free(*slot);
        *slot = NULL;
    }
}

/* ------------------------------------------------------------------ */
/* The sink's operations                                               */

static void fs_on_event(struct emg_sink *s, const struct emg_event *ev, void **slot)
{
    struct file_sink *fs = (struct file_sink *)s;

    switch (ev->kind) {
    case EMG_EV_SESSION_OPEN: session_open(fs, ev, slot); break;
    case EMG_EV_SESSION_CLOSE: session_close(fs, ev, slot); break;
    case EMG_EV_CONNECT: connect_event(fs, ev, slot); break;
    case EMG_EV_LOGIN: login_event(fs, ev, slot); break;
    case EMG_EV_PDU: pdu_event(fs, ev, slot); break;
    case EMG_EV_DISCONNECT: disconnect_event(fs, ev, slot); break;
    case EMG_EV_DENY_CONNECT: deny_connect_event(fs, ev); break;
    case EMG_EV_DENY_LOGIN: deny_login_event(fs, ev); break;
    case EMG_EV_CONFIG: config_event(fs, ev); break;
    case EMG_EV_NAME_CUT: name_cut_event(fs, ev); break;
    case EMG_EV_GENERAL: general_event(fs, ev); break;
    case EMG_EV_MESSAGE: message_event(fs, ev); break;
    case EMG_EV_TICK:
        if (fs->floods != NULL)
            ratelimit_sweep(fs->floods, ev->tv.tv_sec, on_flood_over, fs);
        break;
    }
}

static void fs_flush(struct emg_sink *s)
{
    logwriter_flush(((struct file_sink *)s)->writer);
}

static void fs_reopen(struct emg_sink *s)
{
    logwriter_signal(((struct file_sink *)s)->writer, LW_SIG_REOPEN | SIG_REOPENED);
}

static int fs_check(struct emg_sink *s, const struct emg_config *cfg, char *err, size_t errlen)
{
    (void)s;
    return logwriter_check_dir(cfg->log_dir, err, errlen);
}

static void fs_reload(struct emg_sink *s, const struct emg_config *cfg)
{
    struct file_sink *fs = (struct file_sink *)s;
    char err[512], line[640];

    atomic_store(&fs->utc, cfg->utc);
    atomic_store(&fs->format, format_of(cfg, NULL));
    logwriter_set_rotation(fs->writer, cfg->rotate_size, cfg->keep, cfg->compress);
    if (logwriter_set_dir(fs->writer, cfg->log_dir, err, sizeof(err)) != 0 && fs->host_log) {
        snprintf(line, sizeof(line), "emgdiag: the log directory stays as it was: %s", err);
        fs->host_log(line);
    }
}

static void release_claims(struct file_sink *fs)
{
    struct claim *c;

    pthread_mutex_lock(&fs->claims_lock);
    while ((c = fs->claims) != NULL) {
        fs->claims = c->next;
        if (c->fd >= 0)
            close(c->fd);
        emg_free(c);
    }
    pthread_mutex_unlock(&fs->claims_lock);
}

static void fs_free(struct file_sink *fs)
{
    ratelimit_free(fs->floods);
    pthread_mutex_destroy(&fs->claims_lock);
    emg_free(fs->process);
    emg_free(fs);
}

/* The writer finished after fs_close() gave up on it: it was the last user. */
static void on_orphan_exit(void *ctx)
{
    fs_free(ctx);
}

static void fs_close(struct emg_sink *s, int timeout_ms)
{
    struct file_sink *fs = (struct file_sink *)s;
    void (*log)(const char *line) = fs->host_log;
    unsigned long left;
    char line[256];

    if (fs->floods != NULL)
        ratelimit_sweep(fs->floods, 0, on_flood_over, fs);
    release_claims(fs);
    /* From here only the writer thread uses fs (through its callbacks). */
    left = logwriter_stop_within(fs->writer, timeout_ms);
    if (left == 0) {
        fs_free(fs);
        return;
    }
    /* fs now belongs to the stuck writer thread (on_orphan_exit). */
    if (log != NULL) {
        snprintf(line, sizeof(line),
                 "emgdiag: %lu log lines lost: the log writer did not finish within %d ms "
                 "(a stuck disk?)",
                 left, timeout_ms);
        log(line);
    }
}

static const struct emg_sink_ops file_sink_ops = {
    .name = "files",
    .on_event = fs_on_event,
    .flush = fs_flush,
    .reopen = fs_reopen,
    .check = fs_check,
    .reload = fs_reload,
    .close = fs_close,
};

/* ------------------------------------------------------------------ */
/* Writer callbacks (on the writer thread)                             */

/* The DROPPED line in general's format(s), like every general line. */
static void on_dropped(void *ctx, const char *file, unsigned long count, struct sbuf *text,
                       struct sbuf *json)
{
    struct file_sink *fs = ctx;
    int fmt = atomic_load(&fs->format), utc = atomic_load(&fs->utc);
    struct timeval tv;
    struct sbuf v = SBUF_INIT;
    char ts[32];

    gettimeofday(&tv, NULL);
    esc_octets(&v, (const unsigned char *)file, strlen(file), ESC_QUOTE);
    if (fmt & EMG_FMT_EMG) {
        emg_ts_text(ts, &tv, utc);
        sbuf_printf(text, "%s %-5s (%s) DROPPED count=\"%lu\" file=\"", ts, "WARN", fs->process,
                    count);
        sbuf_putn(text, sbuf_cstr(&v), v.len);
        sbuf_puts(text, "\"\n");
        if (v.failed)
            text->failed = 1;
    }
    if (fmt & EMG_FMT_JSON) {
        json_open(json, &tv, utc, fs->process, -1);
        sbuf_printf(json, ",\"level\":\"WARN\",\"event\":\"DROPPED\",\"count\":\"%lu\"", count);
        json_text_member(json, "file", sbuf_cstr(&v), v.len);
        sbuf_puts(json, "}\n");
        if (v.failed)
            json->failed = 1;
    }
    sbuf_free(&v);
}

/* Files other processes append to: general and security (and twins), and a
 * connector another process already writes (CONNECTOR SHARED). */
static int is_shared(void *ctx, const char *file)
{
    struct file_sink *fs = ctx;
    const char *name = NULL;
    struct claim *c;
    size_t n;
    int shared = 0;

    if (strncmp(file, "general", 7) == 0 || strncmp(file, "security", 8) == 0)
        return 1;
    if (strncmp(file, "connector.", 10) == 0)
        name = file + 10;
    else if (strncmp(file, "pdu.", 4) == 0)
        name = file + 4;
    if (name == NULL)
        return 1;
    n = strlen(name);
    if (n > 6 && strcmp(name + n - 6, ".jsonl") == 0)
        n -= 6;
    pthread_mutex_lock(&fs->claims_lock);
    for (c = fs->claims; c != NULL; c = c->next)
        if (strlen(c->name) == n && memcmp(c->name, name, n) == 0)
            shared = c->shared;
    pthread_mutex_unlock(&fs->claims_lock);
    return shared;
}

/* The files were closed for reopening (fs_reopen): say so in the new general. */
static void on_signal(void *ctx, unsigned bits)
{
    if (bits & SIG_REOPENED)
        general_line(ctx, "INFO", "REOPEN", NULL, 0);
}

/* The log a file name belongs to: connector.*, pdu.*, security*, general*,
 * message.*. */
static int log_of_file(const char *file)
{
    if (strncmp(file, "connector.", 10) == 0)
        return FILE_LOG_CONNECTOR;
    if (strncmp(file, "pdu.", 4) == 0)
        return FILE_LOG_PDU;
    if (strncmp(file, "security", 8) == 0)
        return FILE_LOG_SECURITY;
    if (strncmp(file, "general", 7) == 0)
        return FILE_LOG_GENERAL;
    if (strncmp(file, "message.", 8) == 0)
        return FILE_LOG_MESSAGE;
    return -1;
}

/* Size rotation (docs/connector-log.md#rotation) is for the per-connector
 * files this process alone writes: never general or security, nor a
 * connector another process writes too (CONNECTOR SHARED). */
static int rotatable(void *ctx, const char *file)
{
    int log = log_of_file(file);

    return (log == FILE_LOG_CONNECTOR || log == FILE_LOG_PDU) && !is_shared(ctx, file);
}

/* Lines lost per log (enum file_sink_log) since the file sink started: a
 * process has one file sink, and the counts outlive it, so the metrics
 * sink can read them until its own last write. */
static atomic_ullong lines_lost[FILE_SINK_LOGS];

/* Any thread, maybe under the writer's lock: one line of `file` lost. */
static void on_lost(void *ctx, const char *file)
{
    int log = file != NULL ? log_of_file(file) : -1;

    (void)ctx;
    if (log >= 0)
        atomic_fetch_add_explicit(&lines_lost[log], 1, memory_order_relaxed);
}

void file_sink_dropped(unsigned long long out[FILE_SINK_LOGS])
{
    for (int i = 0; i < FILE_SINK_LOGS; i++)
        out[i] = atomic_load_explicit(&lines_lost[i], memory_order_relaxed);
}

static void on_host_log(void *ctx, const char *msg)
{
    struct file_sink *fs = ctx;

    if (fs->host_log != NULL)
        fs->host_log(msg);
}

void file_sink_set_tap(struct emg_sink *files,
                       void (*tap)(void *ctx, const struct file_sink_line *line), void *ctx)
{
    struct file_sink *fs = (struct file_sink *)files;

    fs->tap = tap;
    fs->tap_ctx = ctx;
}

struct emg_sink *file_sink_new(const struct file_sink_opts *o, char *err, size_t errlen)
{
    struct logwriter_opts wo;
    struct file_sink *fs = emg_calloc(1, sizeof(*fs));

    if (fs == NULL || (fs->process = emg_strdup(o->process)) == NULL) {
        emg_free(fs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fs->base.ops = &file_sink_ops;
    fs->host_log = o->host_log;
    {
        char name[EMG_NAME_MAX + 1];

        naming_from_kannel_id(o->message_name != NULL ? o->message_name : o->process, name);
        file_name(fs->message_file[0], FILE_NAME_LEN, "message", name, 0);
        file_name(fs->message_file[1], FILE_NAME_LEN, "message", name, 1);
    }
    atomic_init(&fs->utc, o->cfg->utc);
    atomic_init(&fs->format, format_of(o->cfg, NULL));
    for (int i = 0; i < FILE_SINK_LOGS; i++)
        atomic_store(&lines_lost[i], 0ull);
    pthread_mutex_init(&fs->claims_lock, NULL);
    /* Without memory for the table, floods are simply not limited. */
    fs->floods = ratelimit_new(FLOOD_LINES_PER_SECOND);
    memset(&wo, 0, sizeof(wo));
    wo.dir = o->cfg->log_dir;
    wo.linger_ms = WRITER_LINGER_MS;
    wo.format_dropped = on_dropped;
    wo.is_shared = is_shared;
    wo.host_log = on_host_log;
    wo.on_signal = on_signal;
    wo.on_orphan_exit = on_orphan_exit;
    wo.on_lost = on_lost;
    wo.rotatable = rotatable;
    wo.ctx = fs;
    fs->writer = logwriter_start(&wo, err, errlen);
    if (fs->writer == NULL) {
        ratelimit_free(fs->floods);
        pthread_mutex_destroy(&fs->claims_lock);
        emg_free(fs->process);
        emg_free(fs);
        return NULL;
    }
    logwriter_set_rotation(fs->writer, o->cfg->rotate_size, o->cfg->keep, o->cfg->compress);
    return &fs->base;
}
