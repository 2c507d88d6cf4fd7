/*
 * Unit tests for the metrics sink (module/sink_metrics.c), driven through
 * the hook ABI as a host drives it and scraped over loopback with a plain
 * HTTP/1.0 GET on a TCP socket, as Prometheus would.  Each test sends a
 * known story of events and compares the whole scrape (families in their
 * documented order, series sorted by label text) with text written here
 * from docs/metrics.md and the events sent; only values that depend on the
 * clock (a bind's time, response-time sums) are checked by range and then
 * replaced by a placeholder.  Response times land in buckets chosen by
 * sleeping between a request and its response.  Every scrape is also
 * handed to `promtool check metrics` (Debian's prometheus package).
 */
#include "emgdiag_hook.h"
#include "abi_driver.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen);

static char dir[64];
static char xml_path[128];
static char host_log_line[1024];
static struct emgdiag_host host;

static void test_host_log(int level, const char *line)
{
    (void)level;
    snprintf(host_log_line, sizeof(host_log_line), "%s", line);
}

static void make_dir(void)
{
    char tmpl[] = "/tmp/check_metrics.XXXXXX";

    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(dir, sizeof(dir), "%s", tmpl);
    snprintf(xml_path, sizeof(xml_path), "%s/emg.xml", dir);
}

/* Writes the XML; "@D" stands for the scratch directory, "@P" and "@Q"
 * for the ports given. */
static void write_xml(const char *tmpl, int p, int q)
{
    FILE *f = fopen(xml_path, "w");

    ck_assert_ptr_nonnull(f);
    for (const char *c = tmpl; *c != '\0'; c++) {
        if (c[0] == '@' && c[1] == 'D') {
            fputs(dir, f);
            c++;
        } else if (c[0] == '@' && (c[1] == 'P' || c[1] == 'Q')) {
            fprintf(f, "%d", c[1] == 'P' ? p : q);
            c++;
        } else {
            fputc(*c, f);
        }
    }
    fclose(f);
}

static const struct emgdiag_module *start(int box, const char *box_id, char *err, size_t errlen)
{
    memset(&host, 0, sizeof(host));
    host.size = sizeof(host);
    host.abi_major = EMGDIAG_ABI_MAJOR;
    host.abi_minor = EMGDIAG_ABI_MINOR;
    host.box = box;
    host.box_id = box_id;
    host.module_path = "emgdiag.so";
    host.config_path = xml_path;
    host.host_version = "Kannel \"test\"";
    host.log = test_host_log;
    err[0] = '\0';
    return emgdiag_module_entry(&host, err, errlen);
}

static const struct emgdiag_module *start_ok(int box, const char *box_id)
{
    char err[512];
    const struct emgdiag_module *m = start(box, box_id, err, sizeof(err));

    ck_assert_msg(m != NULL, "entry refused: %s", err);
    return m;
}

/* `promtool check metrics` must accept the text. */
static void promtool_accepts(const char *text)
{
    char path[160], cmd[400], out[2048];
    FILE *f, *p;
    size_t n;
    int rc;

    snprintf(path, sizeof(path), "%s/scrape.txt", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    rc = pclose(p);
    ck_assert_msg(rc == 0,
                  "promtool check metrics (exit %d; is Debian's prometheus installed?):\n%s", rc,
                  out);
}

/* ---- the expected text ---- */

struct text {
    char buf[32768];
    size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    t->len += (size_t)vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    ck_assert_uint_lt(t->len, sizeof(t->buf));
}

/* HELP and TYPE of a family, as docs/metrics.md gives them. */
static void family(struct text *t, const char *name)
{
    static const struct {
        const char *name, *type, *help;
    } fams[] = {
        { "emgdiag_build_info", "gauge", "emgdiag's version and the host's, as labels; always 1." },
        { "emgdiag_config_reloads_total", "counter",
          "Configuration reloads, accepted (ok) or refused (rejected)." },
        { "emgdiag_connects_total", "counter",
          "TCP connects (outgoing) and accepted clients (incoming), by result and errno as in "
          "the connector log." },
        { "emgdiag_logins_total", "counter",
          "Binds answered, by command_status (decimal) as in the connector log's LOGIN." },
        { "emgdiag_disconnects_total", "counter",
          "Connections ended, by the connector log's reason word (and errno)." },
        { "emgdiag_pdus_total", "counter",
          "PDUs read and written, by operation and command_status (0 for requests)." },
        { "emgdiag_response_seconds", "histogram",
          "Time from a request to its response in the same session." },
        { "emgdiag_access_refused_total", "counter",
          "Clients refused by the access lists, at connect or at bind." },
        { "emgdiag_session_up", "gauge", "1 while the session is bound, else 0." },
        { "emgdiag_session_up_since_seconds", "gauge",
          "When the bound session's bind was answered (Unix time)." },
        { "emgdiag_outstanding_requests", "gauge",
          "Requests of the session (either side) not answered yet." },
        { "emgdiag_session_info", "gauge",
          "1 per bound session, with its peer address and system_id." },
        { "emgdiag_log_lines_dropped_total", "counter",
          "Log lines the file sink lost (queue full, disk full, no memory), per log." },
        { "emgdiag_series_overflow_total", "counter",
          "Samples counted past a family's series cap (max-series), or without memory for "
          "their series." },
    };
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        if (strcmp(fams[i].name, name) == 0) {
            add(t, "# HELP %s %s\n# TYPE %s %s\n", name, fams[i].help, name, fams[i].type);
            return;
        }
    }
    ck_abort_msg("no family %s", name);
}

/* The families that do not depend on the story. */
static void head(struct text *t, const char *box, unsigned reloads_ok, unsigned rejected)
{
    family(t, "emgdiag_build_info");
    add(t, "emgdiag_build_info{box=\"%s\",version=\"%s\",host_version=\"Kannel \\\"test\\\"\"} 1\n",
        box, EMGDIAG_VERSION);
    family(t, "emgdiag_config_reloads_total");
    add(t, "emgdiag_config_reloads_total{box=\"%s\",result=\"ok\"} %u\n", box, reloads_ok);
    add(t, "emgdiag_config_reloads_total{box=\"%s\",result=\"rejected\"} %u\n", box, rejected);
}

static void tail(struct text *t, const char *box, const unsigned long dropped[5],
                 const unsigned long overflow[6])
{
    static const char *const logs[5] = { "connector", "pdu", "security", "general", "message" };
    static const char *const fams[6] = {
        "emgdiag_connects_total", "emgdiag_logins_total",     "emgdiag_disconnects_total",
        "emgdiag_pdus_total",     "emgdiag_response_seconds", "emgdiag_access_refused_total"
    };
    static const unsigned long zero[6];

    family(t, "emgdiag_log_lines_dropped_total");
    for (int i = 0; i < 5; i++)
        add(t, "emgdiag_log_lines_dropped_total{box=\"%s\",log=\"%s\"} %lu\n", box, logs[i],
            dropped ? dropped[i] : 0);
    family(t, "emgdiag_series_overflow_total");
    for (int i = 0; i < 6; i++)
        add(t, "emgdiag_series_overflow_total{box=\"%s\",family=\"%s\"} %lu\n", box, fams[i],
            (overflow ? overflow : zero)[i]);
}

/* Equal texts; else both go to stderr and the first differing line is
 * named. */
static void assert_text(const char *got, const char *want, int line)
{
    const char *g = got, *w = want;
    int n = 1;

    if (strcmp(got, want) == 0)
        return;
    fprintf(stderr, "--- got:\n%s--- expected:\n%s---\n", got, want);
    while (*g != '\0' && *g == *w) {
        if (*g == '\n')
            n++;
        g++;
        w++;
    }
    ck_abort_msg("line %d: scrape differs at its line %d: got \"%.120s\", expected \"%.120s\"",
                 line, n, g, w);
}
#define ck_assert_text(got, want) assert_text(got, want, __LINE__)

#define W EMGDIAG_DIR_WRITE
#define R EMGDIAG_DIR_READ

/* ------------------------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* <metrics> in the configuration (docs/configuration.md): what loads, which
 * element a process takes, and the errors, each as FILE:LINE: message. */
START_TEST(config_metrics_element)
{
    static const struct {
        const char *element;
        const char *error; /* NULL: loads */
    } cases[] = {
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1:9391\"/>", NULL },
        { "<metrics box=\"bearerbox\" listen=\"[::1]:9391\" session-info=\"off\" "
          "max-series=\"5\"/>",
          NULL },
        { "<metrics box=\"opensmppbox\" textfile=\"/x/a.prom\" interval=\"60\"/>", NULL },
        { "<metrics box=\"bearerbox\" listen=\"localhost:9391\"/>",
          "m.xml:2: listen \"localhost:9391\": not an IPv4 address (host names are not allowed; "
          "write IPv6 as [::1]:port)" },
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1\"/>",
          "m.xml:2: listen \"127.0.0.1\": missing ':port' (write e.g. 127.0.0.1:9391)" },
        { "<metrics box=\"bearerbox\" listen=\"[::1:9391\"/>",
          "m.xml:2: listen \"[::1:9391\": expected [IPv6 address]:port" },
        { "<metrics box=\"bearerbox\" listen=\"[127.0.0.1]:9391\"/>",
          "m.xml:2: listen \"[127.0.0.1]:9391\": not a valid IPv6 address inside [...]" },
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1:0\"/>",
          "m.xml:2: listen \"127.0.0.1:0\": port must be a number 1-65535 without a leading zero" },
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1:65536\"/>",
          "m.xml:2: listen \"127.0.0.1:65536\": port must be a number 1-65535 without a leading "
          "zero" },
        { "<metrics box=\"bearerbox\" textfile=\"/x/a.txt\"/>",
          "m.xml:2: textfile \"/x/a.txt\": the file name must end in \".prom\" (node-exporter's "
          "textfile collector reads only those)" },
        { "<metrics box=\"bearerbox\" textfile=\"/x/a.prom\" interval=\"0\"/>",
          "m.xml:2: interval \"0\" on <metrics>: expected a number 1-3600" },
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1:1\" interval=\"5\"/>",
          "m.xml:2: attribute \"interval\" needs \"textfile\" on <metrics>" },
        { "<metrics box=\"bearerbox\"/>",
          "m.xml:2: <metrics> needs \"listen\", \"textfile\" or both (or leave the element out)" },
        { "<metrics listen=\"127.0.0.1:1\"/>",
          "m.xml:2: missing attribute \"box\" on <metrics> (bearerbox or opensmppbox)" },
        { "<metrics box=\"smsbox\" listen=\"127.0.0.1:1\"/>",
          "m.xml:2: box \"smsbox\" on <metrics>: expected \"bearerbox\" or \"opensmppbox\"" },
        { "<metrics box=\"bearerbox\" opensmppbox-id=\"x\" listen=\"127.0.0.1:1\"/>",
          "m.xml:2: attribute \"opensmppbox-id\" not allowed on <metrics box=\"bearerbox\">" },
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1:1\"/>\n<metrics box=\"bearerbox\" "
          "textfile=\"a.prom\"/>",
          "m.xml:3: second <metrics> for box \"bearerbox\" (first at line 2; one element per "
          "process)" },
        { "<metrics box=\"opensmppbox\" opensmppbox-id=\"a\" listen=\"127.0.0.1:1\"/>\n<metrics "
          "box=\"opensmppbox\" opensmppbox-id=\"a\" listen=\"127.0.0.1:2\"/>",
          "m.xml:3: second <metrics> for box \"opensmppbox\" opensmppbox-id \"a\" (first at line "
          "2; one element per process)" },
        { "<metrics box=\"bearerbox\" listen=\"127.0.0.1:1\" colour=\"red\"/>",
          "m.xml:2: unknown attribute \"colour\" on <metrics>" },
    };
    char xml[1024];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct emg_errors errs = { NULL, 0 };
        struct emg_config *cfg;

        snprintf(xml, sizeof(xml), "<emgdiag><logs dir=\"/tmp\"/>\n%s\n</emgdiag>\n",
                 cases[i].element);
        cfg = emg_config_load_buffer(xml, strlen(xml), "m.xml", &errs);
        if (cases[i].error == NULL) {
            ck_assert_msg(cfg != NULL, "%s: %s", cases[i].element, errs.n ? errs.msgs[0] : "?");
        } else {
            ck_assert_msg(cfg == NULL, "%s loaded", cases[i].element);
            ck_assert_msg(errs.n >= 1 && strcmp(errs.msgs[0], cases[i].error) == 0,
                          "%s: got \"%s\"", cases[i].element, errs.n ? errs.msgs[0] : "(nothing)");
        }
        emg_config_free(cfg);
        emg_errors_free(&errs);
    }
    /* Which element a process takes: the one naming its id, else the one
     * without an id; none for bearerbox here. */
    {
        const char *x =
            "<emgdiag><logs dir=\"/tmp\"/>"
            "<metrics box=\"opensmppbox\" listen=\"127.0.0.1:1\"/>"
            "<metrics box=\"opensmppbox\" opensmppbox-id=\"b\" listen=\"127.0.0.1:2\"/></emgdiag>";
        struct emg_config *cfg = emg_config_load_buffer(x, strlen(x), "m.xml", NULL);
        const struct emg_metrics *m;

        ck_assert_ptr_nonnull(cfg);
        m = emg_config_metrics(cfg, EMG_METRICS_OPENSMPPBOX, "b");
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(m->listen, "127.0.0.1:2");
        m = emg_config_metrics(cfg, EMG_METRICS_OPENSMPPBOX, "c");
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(m->listen, "127.0.0.1:1");
        m = emg_config_metrics(cfg, EMG_METRICS_OPENSMPPBOX, NULL);
        ck_assert_str_eq(m->listen, "127.0.0.1:1");
        ck_assert_int_eq(m->interval, 15);
        ck_assert_int_eq(m->session_info, 1);
        ck_assert_uint_eq(m->max_series, 10000);
        ck_assert_ptr_null(emg_config_metrics(cfg, EMG_METRICS_BEARERBOX, NULL));
        emg_config_free(cfg);
    }
}
END_TEST

/* textfile: written at once, then every interval, and last at shutdown
 * with the final counts; its directory is checked at start. */
START_TEST(textfile_written_atomically)
{
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    struct text want = { "", 0 };
    char path[160], err[512], *text;
    struct stat st;

    make_dir();
    write_xml("<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" "
              "textfile=\"@D/nodir/x.prom\"/></emgdiag>",
              0, 0);
    ck_assert_ptr_null(start(EMGDIAG_BOX_BEARERBOX, NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "metrics textfile ") == err &&
                      strstr(err, "No such file or directory"),
                  "%s", err);

    write_xml("<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" textfile=\"@D/bb.prom\" "
              "interval=\"1\"/></emgdiag>",
              0, 0);
    snprintf(path, sizeof(path), "%s/bb.prom", dir);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    for (int i = 0; i < 50 && stat(path, &st) != 0; i++)
        usleep(20000);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    s = abi_session_open(m, EMGDIAG_ROLE_TX, "x", 1, "h");
    m->connect_err(s, 110);
    usleep(1500000);
    text = slurp(path);
    ck_assert_ptr_nonnull(strstr(text, "emgdiag_connects_total{box=\"bearerbox\",connector=\"x\","
                                       "result=\"err\",errno=\"110\"} 1\n"));
    free(text);
    m->connect_err(s, 110);
    m->session_close(s);
    /* A reload to another file writes it at once. */
    write_xml("<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" textfile=\"@D/bb2.prom\" "
              "interval=\"3600\"/></emgdiag>",
              0, 0);
    m->reload();
    snprintf(path, sizeof(path), "%s/bb2.prom", dir);
    for (int i = 0; i < 100 && stat(path, &st) != 0; i++)
        usleep(20000);
    ck_assert_int_eq(stat(path, &st), 0);
    m->shutdown();
    head(&want, "bearerbox", 1, 0);
    family(&want, "emgdiag_connects_total");
    add(&want, "emgdiag_connects_total{box=\"bearerbox\",connector=\"x\",result=\"err\",errno="
               "\"110\"} 2\n");
    family(&want, "emgdiag_logins_total");
    family(&want, "emgdiag_disconnects_total");
    family(&want, "emgdiag_pdus_total");
    family(&want, "emgdiag_response_seconds");
    family(&want, "emgdiag_access_refused_total");
    family(&want, "emgdiag_session_up");
    family(&want, "emgdiag_session_up_since_seconds");
    family(&want, "emgdiag_outstanding_requests");
    family(&want, "emgdiag_session_info");
    tail(&want, "bearerbox", NULL, NULL);
    text = slurp(path);
    ck_assert_text(text, want.buf);
    promtool_accepts(text);
    free(text);
    /* No temporary file is left behind. */
    snprintf(path, sizeof(path), "%s/bb.prom.%ld.tmp", dir, (long)getpid());
    ck_assert_int_ne(stat(path, &st), 0);
}
END_TEST

#ifndef HAVE_MICROHTTPD
/* Without libmicrohttpd (configure --without-microhttpd): `listen` refuses
 * the module with one line; a reload that adds it is rejected. */
START_TEST(listen_refused_without_microhttpd)
{
    char err[512];
    const struct emgdiag_module *m;

    make_dir();
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:9\"/></emgdiag>",
        0, 0);
    ck_assert_ptr_null(start(EMGDIAG_BOX_BEARERBOX, NULL, err, sizeof(err)));
    ck_assert_str_eq(err,
                     "metrics listen 127.0.0.1:9: this emgdiag was built without libmicrohttpd "
                     "(configure --without-microhttpd); use textfile=, or rebuild with "
                     "libmicrohttpd-dev");
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" textfile=\"@D/a.prom\"/></emgdiag>",
        0, 0);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:9\"/></emgdiag>",
        0, 0);
    m->reload();
    m->shutdown();
    {
        char path[160], *g;

        snprintf(path, sizeof(path), "%s/general", dir);
        g = slurp(path);
        ck_assert_ptr_nonnull(g);
        ck_assert_msg(strstr(g, " ERROR (bearerbox) CONFIG REJECTED file=\"") != NULL &&
                          strstr(g, "built without libmicrohttpd") != NULL,
                      "general: %s", g);
        free(g);
        snprintf(path, sizeof(path), "%s/a.prom", dir);
        g = slurp(path);
        ck_assert_ptr_nonnull(g);
        ck_assert_ptr_nonnull(
            strstr(g, "emgdiag_config_reloads_total{box=\"bearerbox\",result=\"rejected\"} 1\n"));
        free(g);
    }
}
END_TEST

#endif

/* ------------------------------------------------------------------------ */
/* With libmicrohttpd: the endpoint. */
#ifdef HAVE_MICROHTTPD

static const char *const bounds[] = { "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                                      "0.25",  "0.5",    "1",     "2.5",  "5",     "10",   "30" };

static void send_pdu(const struct emgdiag_module *m, struct emgdiag_session *s, int direction,
                     uint32_t id, uint32_t status, uint32_t seq, const void *body, size_t blen)
{
    unsigned char b[256];

    m->pdu(s, direction, b, abi_pdu(b, id, status, seq, body, blen), 0);
}

static const unsigned char bind_body[] = "user\0secret\0VMA\0\x34\0\0";
/* A TCP port on 127.0.0.1 that is free right now. */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    ck_assert_int_ge(fd, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* A socket listening on 127.0.0.1:port (to make the port busy). */
static int occupy(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    return fd;
}

/* ---- HTTP ---- */

struct reply {
    int status;
    char *head; /* status line and headers */
    char *body;
};

static void reply_free(struct reply *r)
{
    free(r->head);
    free(r->body);
}

/* 1 when something accepts TCP connections on 127.0.0.1:port. */
static int listening(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* One HTTP/1.0 request to 127.0.0.1:port; the server closes after it. */
static struct reply http(int port, const char *method, const char *path)
{
    struct sockaddr_in a;
    struct reply r = { 0, NULL, NULL };
    char req[256], *buf = NULL, *sep;
    size_t len = 0, cap = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect to %d: %s", port,
                  strerror(errno));
    snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n",
             method, path);
    ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = (cap + 4096) * 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    ck_assert_ptr_nonnull(buf);
    buf[len] = '\0';
    sep = strstr(buf, "\r\n\r\n");
    ck_assert_msg(sep != NULL, "no end of headers in: %s", buf);
    *sep = '\0';
    r.head = strdup(buf);
    r.body = strdup(sep + 4);
    ck_assert_int_eq(sscanf(buf, "HTTP/1.%*d %d", &r.status), 1);
    free(buf);
    return r;
}

/* GET /metrics: 200, the format's content type, promtool's approval. */
static char *scrape(int port)
{
    struct reply r = http(port, "GET", "/metrics");
    char *body;

    ck_assert_msg(r.status == 200, "status %d: %s", r.status, r.head);
    ck_assert_msg(strstr(r.head, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8") !=
                      NULL,
                  "headers: %s", r.head);
    promtool_accepts(r.body);
    body = r.body;
    free(r.head);
    return body;
}

/* Scrapes until the text holds `needle` (reloads run on the module's own
 * thread: m->reload() returns before they are done); at most 10 s. */
static char *scrape_until(int port, const char *needle)
{
    char *body = scrape(port);

    for (int i = 0; i < 500 && strstr(body, needle) == NULL; i++) {
        free(body);
        usleep(20000);
        body = scrape(port);
    }
    ck_assert_msg(strstr(body, needle) != NULL, "no \"%s\" in:\n%s", needle, body);
    return body;
}

/* A histogram series with one observation in the bucket whose bound is
 * `le` (sum placeholder S). */
static void one_observation(struct text *t, const char *labels, const char *le)
{
    int seen = 0;

    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        if (strcmp(bounds[i], le) == 0)
            seen = 1;
        add(t, "emgdiag_response_seconds_bucket{%s,le=\"%s\"} %d\n", labels, bounds[i], seen);
    }
    add(t, "emgdiag_response_seconds_bucket{%s,le=\"+Inf\"} 1\n", labels);
    add(t, "emgdiag_response_seconds_sum{%s} S\n", labels);
    add(t, "emgdiag_response_seconds_count{%s} 1\n", labels);
}

/* Replaces the clock-dependent values: a session's up-since (checked to lie
 * in [t0, t1]) by T, a response-time sum (checked to be at least the
 * sleep that made it, in the bucket the expected text names) by S. */
static char *normalise(const char *body, double t0, double t1)
{
    char *out = malloc(strlen(body) + 1), *o = out;
    const char *line = body, *nl, *sp;

    ck_assert_ptr_nonnull(out);
    for (; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        sp = memrchr(line, ' ', (size_t)(nl - line));
        if (sp != NULL && strncmp(line, "emgdiag_session_up_since_seconds{", 33) == 0) {
            double v = strtod(sp + 1, NULL);

            ck_assert_msg(v >= t0 - 0.001 && v <= t1 + 0.001, "up since %f not in [%f, %f]", v, t0,
                          t1);
            o += sprintf(o, "%.*s T\n", (int)(sp - line), line);
        } else if (sp != NULL && strncmp(line, "emgdiag_response_seconds_sum{", 29) == 0) {
            ck_assert_msg(strtod(sp + 1, NULL) > 0.5, "sum %s", sp + 1);
            o += sprintf(o, "%.*s S\n", (int)(sp - line), line);
        } else {
            memcpy(o, line, (size_t)(nl - line + 1));
            o += nl - line + 1;
        }
    }
    *o = '\0';
    return out;
}

static double now(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* An outgoing session's story: connects that fail (111, -1), one that
 * works, a bind answered after 0.6 s, an enquire_link from the SMSC
 * answered after 1.1 s, a submit_sm answered 88 (throttled) after 2.6 s and
 * one left unanswered; scraped while bound, then after the peer closed and
 * the session ended. */
START_TEST(outgoing_story_scraped)
{
    int port = free_port();
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    struct text want = { "", 0 };
    char *body, *got;
    double t0, t1;
    const char *L = "box=\"bearerbox\",connector=\"up\"";

    make_dir();
    write_xml("<emgdiag><logs dir=\"@D\"/>"
              "<connector name=\"up\" type=\"outgoing\" smsc-id=\"upstream\"/>"
              "<metrics box=\"opensmppbox\" listen=\"127.0.0.1:@Q\"/>"
              "<metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\"/></emgdiag>\n",
              port, free_port());
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    s = abi_session_open(m, EMGDIAG_ROLE_TRX, "upstream", 3, "127.0.0.1");
    m->connect_err(s, 111);
    m->connect_err(s, -1);
    m->connect_ok(s);
    send_pdu(m, s, W, 0x00000009, 0, 1, bind_body, sizeof(bind_body));
    usleep(600000);
    t0 = now();
    send_pdu(m, s, R, 0x80000009, 0, 1, "SMSC", 5);
    t1 = now();
    send_pdu(m, s, R, 0x00000015, 0, 7, "", 0);
    usleep(1100000);
    send_pdu(m, s, W, 0x80000015, 0, 7, "", 0);
    send_pdu(m, s, W, 0x00000004, 0, 2, "", 0);
    usleep(2600000);
    send_pdu(m, s, R, 0x80000004, 88, 2, "", 0);
    send_pdu(m, s, W, 0x00000004, 0, 3, "", 0);

    head(&want, "bearerbox", 0, 0);
    family(&want, "emgdiag_connects_total");
    add(&want, "emgdiag_connects_total{%s,result=\"err\",errno=\"-1\"} 1\n", L);
    add(&want, "emgdiag_connects_total{%s,result=\"err\",errno=\"111\"} 1\n", L);
    add(&want, "emgdiag_connects_total{%s,result=\"ok\",errno=\"\"} 1\n", L);
    family(&want, "emgdiag_logins_total");
    add(&want, "emgdiag_logins_total{%s,status=\"0\"} 1\n", L);
    family(&want, "emgdiag_disconnects_total");
    size_t cut_disc = want.len;
    family(&want, "emgdiag_pdus_total");
    add(&want,
        "emgdiag_pdus_total{%s,direction=\"read\",op=\"BIND_TRANSCEIVER_RESP\",status=\"0\"} 1\n",
        L);
    add(&want, "emgdiag_pdus_total{%s,direction=\"read\",op=\"ENQUIRE_LINK\",status=\"0\"} 1\n", L);
    add(&want, "emgdiag_pdus_total{%s,direction=\"read\",op=\"SUBMIT_SM_RESP\",status=\"88\"} 1\n",
        L);
    add(&want,
        "emgdiag_pdus_total{%s,direction=\"write\",op=\"BIND_TRANSCEIVER\",status=\"0\"} 1\n", L);
    add(&want,
        "emgdiag_pdus_total{%s,direction=\"write\",op=\"ENQUIRE_LINK_RESP\",status=\"0\"} 1\n", L);
    add(&want, "emgdiag_pdus_total{%s,direction=\"write\",op=\"SUBMIT_SM\",status=\"0\"} 2\n", L);
    family(&want, "emgdiag_response_seconds");
    one_observation(&want, "box=\"bearerbox\",connector=\"up\",op=\"BIND_TRANSCEIVER\"", "1");
    one_observation(&want, "box=\"bearerbox\",connector=\"up\",op=\"ENQUIRE_LINK\"", "2.5");
    one_observation(&want, "box=\"bearerbox\",connector=\"up\",op=\"SUBMIT_SM\"", "5");
    family(&want, "emgdiag_access_refused_total");
    size_t cut_gauges = want.len;
    family(&want, "emgdiag_session_up");
    add(&want, "emgdiag_session_up{%s,instance=\"3\"} 1\n", L);
    family(&want, "emgdiag_session_up_since_seconds");
    add(&want, "emgdiag_session_up_since_seconds{%s,instance=\"3\"} T\n", L);
    family(&want, "emgdiag_outstanding_requests");
    add(&want, "emgdiag_outstanding_requests{%s,instance=\"3\"} 1\n", L);
    family(&want, "emgdiag_session_info");
    add(&want, "emgdiag_session_info{%s,instance=\"3\",peer=\"127.0.0.1\",system_id=\"SMSC\"} 1\n",
        L);
    tail(&want, "bearerbox", NULL, NULL);

    body = scrape(port);
    got = normalise(body, t0, t1);
    ck_assert_text(got, want.buf);
    free(body);
    free(got);

    /* The peer closes: a disconnect, the session down, the window empty. */
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    {
        struct text w2 = { "", 0 };
        char rest[sizeof(want.buf)];

        memcpy(w2.buf, want.buf, cut_disc);
        w2.len = cut_disc;
        w2.buf[w2.len] = '\0';
        add(&w2, "emgdiag_disconnects_total{%s,reason=\"peer-closed\",errno=\"\"} 1\n", L);
        snprintf(rest, (size_t)(cut_gauges - cut_disc) + 1, "%s", want.buf + cut_disc);
        add(&w2, "%s", rest);
        size_t cut2 = w2.len;
        family(&w2, "emgdiag_session_up");
        add(&w2, "emgdiag_session_up{%s,instance=\"3\"} 0\n", L);
        family(&w2, "emgdiag_session_up_since_seconds");
        family(&w2, "emgdiag_outstanding_requests");
        add(&w2, "emgdiag_outstanding_requests{%s,instance=\"3\"} 0\n", L);
        family(&w2, "emgdiag_session_info");
        tail(&w2, "bearerbox", NULL, NULL);
        body = scrape(port);
        got = normalise(body, t0, t1);
        ck_assert_text(got, w2.buf);
        free(body);
        free(got);

        /* The session ends: its counts stay, its gauges go. */
        m->session_close(s);
        w2.len = cut2;
        w2.buf[w2.len] = '\0';
        family(&w2, "emgdiag_session_up");
        family(&w2, "emgdiag_session_up_since_seconds");
        family(&w2, "emgdiag_outstanding_requests");
        family(&w2, "emgdiag_session_info");
        tail(&w2, "bearerbox", NULL, NULL);
        body = scrape(port);
        got = normalise(body, t0, t1);
        ck_assert_text(got, w2.buf);
        free(body);
        free(got);
    }
    m->shutdown();
}
END_TEST

/* An opensmppbox: refusals at connect and at bind, a client whose
 * system_id holds a quote and a line feed (escaped as the connector log
 * escapes it, then for the format), session-info="off" after a reload,
 * a rejected reload. */
START_TEST(incoming_refusals_and_session_info)
{
    int port = free_port();
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    struct emgdiag_bind b;
    struct text want = { "", 0 };
    char *body, *got;
    const char *L = "box=\"opensmppbox\",connector=\"in\"";
#define XML_IN(extra)                                                                            \
    "<emgdiag><logs dir=\"@D\"/>"                                                                \
    "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">"                           \
    "<access><deny address=\"127.0.0.3\"/><allow address=\"127.0.0.0/8\"/></access></connector>" \
    "<users><user system-id=\"alice\"><allow connector=\"in\" "                                  \
    "address=\"127.0.0.1\"/></user></users>"                                                     \
    "<metrics box=\"opensmppbox\" listen=\"127.0.0.1:@Q\"/>"                                     \
    "<metrics box=\"opensmppbox\" opensmppbox-id=\"osb\" listen=\"127.0.0.1:@P\"" extra          \
    "/></emgdiag>\n"

    make_dir();
    write_xml(XML_IN(""), port, free_port());
    m = start_ok(EMGDIAG_BOX_OPENSMPPBOX, "osb");
    ck_assert_int_eq(m->accept_check("osb", "127.0.0.3", 1), EMGDIAG_REFUSE);
    ck_assert_int_eq(m->accept_check("osb", "127.0.0.3", 1), EMGDIAG_REFUSE);
    /* alice from 127.0.0.2: refused at bind, answered 14. */
    s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.2");
    m->connect_ok(s);
    send_pdu(m, s, R, 0x00000002, 0, 1, "alice\0pw\0\0\x34\0\0", 14);
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "alice";
    b.credentials_ok = 1;
    ck_assert_int_eq(m->bind_check(s, &b), EMGDIAG_REFUSE);
    send_pdu(m, s, W, 0x80000002, 14, 1, "", 0);
    m->disconnected(s, EMGDIAG_DISC_LOGIN_FAILED, 0);
    m->session_close(s);
    /* A client from ::1 with a hostile system_id, bound. */
    s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "::1");
    m->connect_ok(s);
    send_pdu(m, s, R, 0x00000009, 0, 5, "a\"b\nc\\\0pw\0\0\x34\0\0", 15);
    send_pdu(m, s, W, 0x80000009, 0, 5, "OSB", 4);

    head(&want, "opensmppbox", 0, 0);
    family(&want, "emgdiag_connects_total");
    add(&want, "emgdiag_connects_total{%s,result=\"ok\",errno=\"\"} 2\n", L);
    family(&want, "emgdiag_logins_total");
    add(&want, "emgdiag_logins_total{%s,status=\"0\"} 1\n", L);
    add(&want, "emgdiag_logins_total{%s,status=\"14\"} 1\n", L);
    family(&want, "emgdiag_disconnects_total");
    add(&want, "emgdiag_disconnects_total{%s,reason=\"login-failed\",errno=\"\"} 1\n", L);
    family(&want, "emgdiag_pdus_total");
    add(&want, "emgdiag_pdus_total{%s,direction=\"read\",op=\"BIND_TRANSCEIVER\",status=\"0\"} 1\n",
        L);
    add(&want, "emgdiag_pdus_total{%s,direction=\"read\",op=\"BIND_TRANSMITTER\",status=\"0\"} 1\n",
        L);
    add(&want,
        "emgdiag_pdus_total{%s,direction=\"write\",op=\"BIND_TRANSCEIVER_RESP\",status=\"0\"} 1\n",
        L);
    add(&want,
        "emgdiag_pdus_total{%s,direction=\"write\",op=\"BIND_TRANSMITTER_RESP\",status=\"14\"} 1\n",
        L);
    family(&want, "emgdiag_response_seconds");
    family(&want, "emgdiag_access_refused_total");
    add(&want, "emgdiag_access_refused_total{%s,stage=\"bind\"} 1\n", L);
    add(&want, "emgdiag_access_refused_total{%s,stage=\"connect\"} 2\n", L);
    family(&want, "emgdiag_session_up");
    add(&want, "emgdiag_session_up{%s,instance=\"0\"} 1\n", L);
    family(&want, "emgdiag_session_up_since_seconds");
    add(&want, "emgdiag_session_up_since_seconds{%s,instance=\"0\"} T\n", L);
    family(&want, "emgdiag_outstanding_requests");
    add(&want, "emgdiag_outstanding_requests{%s,instance=\"0\"} 0\n", L);
    family(&want, "emgdiag_session_info");
    add(&want,
        "emgdiag_session_info{%s,instance=\"0\",peer=\"::1\",system_id="
        "\"a\\\\x22b\\\\x0ac\\\\\\\\\"} 1\n",
        L);
    tail(&want, "opensmppbox", NULL, NULL);

    body = scrape(port);
    /* The histograms' buckets depend on the clock here: check the counts,
     * then compare the rest. */
    ck_assert_ptr_nonnull(strstr(body, "emgdiag_response_seconds_count{box=\"opensmppbox\","
                                       "connector=\"in\",op=\"BIND_TRANSCEIVER\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(body, "emgdiag_response_seconds_count{box=\"opensmppbox\","
                                       "connector=\"in\",op=\"BIND_TRANSMITTER\"} 1\n"));
    {
        char *a = strstr(body, "# TYPE emgdiag_response_seconds histogram\n");
        char *z = strstr(body, "# HELP emgdiag_access_refused_total");

        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(z);
        a += strlen("# TYPE emgdiag_response_seconds histogram\n");
        memmove(a, z, strlen(z) + 1);
    }
    got = normalise(body, 0, 1e12);
    ck_assert_text(got, want.buf);
    free(body);
    free(got);

    /* Reload with session-info="off": no peer, no system_id. */
    write_xml(XML_IN(" session-info=\"off\""), port, free_port());
    m->reload();
    body =
        scrape_until(port, "emgdiag_config_reloads_total{box=\"opensmppbox\",result=\"ok\"} 1\n");
    ck_assert_ptr_nonnull(strstr(
        body, "\nemgdiag_session_info{box=\"opensmppbox\",connector=\"in\",instance=\"0\"} 1\n"));
    ck_assert_ptr_null(strstr(body, "system_id="));
    free(body);
    /* A broken file: rejected, counted; the old configuration stays. */
    write_xml("<emgdiag><bogus/></emgdiag>", 0, 0);
    m->reload();
    body = scrape_until(
        port, "emgdiag_config_reloads_total{box=\"opensmppbox\",result=\"rejected\"} 1\n");
    free(body);
    m->session_close(s);
    m->shutdown();
}
END_TEST

/* A process that started without <metrics> gets them at a reload: counting
 * starts then, and a session already open shows from its next event. */
START_TEST(reload_adds_metrics)
{
    int port = free_port();
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    char *body;

    make_dir();
    write_xml("<emgdiag><logs dir=\"@D\"/></emgdiag>", 0, 0);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 2, "smsc.example");
    m->connect_err(s, 111);
    ck_assert_int_eq(listening(port), 0);
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\"/></emgdiag>",
        port, 0);
    m->reload();
    for (int i = 0; i < 500 && !listening(port); i++)
        usleep(20000);
    body = scrape_until(port, "emgdiag_config_reloads_total{box=\"bearerbox\",result=\"ok\"} 1\n");
    ck_assert_ptr_null(strstr(body, "emgdiag_connects_total{"));
    free(body);
    m->connect_err(s, 111);
    body = scrape(port);
    ck_assert_ptr_nonnull(strstr(body, "emgdiag_connects_total{box=\"bearerbox\",connector=\"x\","
                                       "result=\"err\",errno=\"111\"} 1\n"));
    ck_assert_ptr_nonnull(
        strstr(body, "emgdiag_session_up{box=\"bearerbox\",connector=\"x\",instance=\"2\"} 0\n"));
    free(body);
    m->session_close(s);
    m->shutdown();
}
END_TEST

/* Anything but GET or HEAD of /metrics: 404 or 405. */
START_TEST(http_paths_and_methods)
{
    int port = free_port();
    const struct emgdiag_module *m;
    struct reply r;

    make_dir();
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\"/></emgdiag>",
        port, 0);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    r = http(port, "GET", "/");
    ck_assert_int_eq(r.status, 404);
    reply_free(&r);
    r = http(port, "GET", "/metricsx");
    ck_assert_int_eq(r.status, 404);
    reply_free(&r);
    r = http(port, "POST", "/metrics");
    ck_assert_int_eq(r.status, 405);
    ck_assert_msg(strstr(r.head, "\r\nAllow: GET, HEAD") != NULL, "%s", r.head);
    reply_free(&r);
    r = http(port, "DELETE", "/metrics");
    ck_assert_int_eq(r.status, 405);
    reply_free(&r);
    r = http(port, "HEAD", "/metrics");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "");
    reply_free(&r);
    r = http(port, "GET", "/metrics?x=1");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "# TYPE emgdiag_build_info gauge\n"));
    reply_free(&r);
    m->shutdown();
}
END_TEST

/* A port that cannot be bound refuses the module with one line. */
START_TEST(busy_port_refused_at_start)
{
    int port = free_port(), fd = occupy(port);
    char err[512], want[128];

    make_dir();
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\"/></emgdiag>",
        port, 0);
    ck_assert_ptr_null(start(EMGDIAG_BOX_BEARERBOX, NULL, err, sizeof(err)));
    snprintf(want, sizeof(want), "metrics listen 127.0.0.1:%d: Address already in use", port);
    ck_assert_str_eq(err, want);
    close(fd);
}
END_TEST

/* A reload that moves the endpoint to a busy port keeps the old one and
 * says so in general; a free one is taken; counters survive. */
START_TEST(reload_moves_endpoint)
{
    int a = free_port(), busy = free_port(), c = free_port(), fd = occupy(busy);
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    char *body, path[160], line[1024];
    FILE *f;
    int found = 0;
    const char *xml =
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\"/></emgdiag>";

    make_dir();
    write_xml(xml, a, 0);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    m->connect_err(s, 111);
    write_xml(xml, busy, 0);
    m->reload();
    body = scrape_until(a, "emgdiag_config_reloads_total{box=\"bearerbox\",result=\"ok\"} 1\n");
    ck_assert_ptr_nonnull(strstr(body, "emgdiag_connects_total{box=\"bearerbox\",connector=\"x\","
                                       "result=\"err\",errno=\"111\"} 1\n"));
    free(body);
    m->connect_err(s, 111);
    write_xml(xml, c, 0);
    m->reload();
    for (int i = 0; i < 500 && !listening(c); i++)
        usleep(20000);
    body = scrape_until(c, "emgdiag_config_reloads_total{box=\"bearerbox\",result=\"ok\"} 2\n");
    ck_assert_ptr_nonnull(strstr(body, "emgdiag_connects_total{box=\"bearerbox\",connector=\"x\","
                                       "result=\"err\",errno=\"111\"} 2\n"));
    ck_assert_int_eq(listening(a), 0);
    free(body);
    m->session_close(s);
    m->shutdown();
    close(fd);
    snprintf(path, sizeof(path), "%s/general", dir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char want[256];

        snprintf(
            want, sizeof(want),
            " ERROR (bearerbox) METRICS LISTEN FAILED listen=\"127.0.0.1:%d\" reason=\"metrics "
            "listen 127.0.0.1:%d: Address already in use\" kept=\"127.0.0.1:%d\"\n",
            busy, busy, a);
        if (strstr(line, want) != NULL)
            found++;
    }
    fclose(f);
    ck_assert_int_eq(found, 1);
}
END_TEST

/* max-series="2": the third login status has no series of its own; its
 * samples count in the overflow counter, in every later scrape too. */
START_TEST(series_cap_overflows)
{
    int port = free_port();
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    char *body;
    uint32_t statuses[] = { 0, 13, 88, 88, 13, 21 };

    make_dir();
    write_xml("<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\" "
              "max-series=\"2\"/></emgdiag>",
              port, 0);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        m->connect_ok(s);
        send_pdu(m, s, W, 0x00000009, 0, (uint32_t)i + 1, bind_body, sizeof(bind_body));
        send_pdu(m, s, R, 0x80000009, statuses[i], (uint32_t)i + 1, "", 0);
        m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
        if (i == 2) {
            body = scrape(port);
            ck_assert_ptr_nonnull(strstr(body, "emgdiag_series_overflow_total{box=\"bearerbox\","
                                               "family=\"emgdiag_logins_total\"} 1\n"));
            free(body);
        }
    }
    m->session_close(s);
    body = scrape(port);
    ck_assert_ptr_nonnull(
        strstr(body, "emgdiag_logins_total{box=\"bearerbox\",connector=\"x\",status=\"0\"} 1\n"));
    ck_assert_ptr_nonnull(
        strstr(body, "emgdiag_logins_total{box=\"bearerbox\",connector=\"x\",status=\"13\"} 2\n"));
    ck_assert_ptr_null(strstr(body, "status=\"88\""));
    ck_assert_ptr_null(strstr(body, "status=\"21\""));
    ck_assert_ptr_nonnull(strstr(
        body,
        "emgdiag_series_overflow_total{box=\"bearerbox\",family=\"emgdiag_logins_total\"} 3\n"));
    free(body);
    m->shutdown();
}
END_TEST

/* Lines the file sink loses are counted per log: a connector log that is
 * a directory cannot be opened, so its lines are lost. */
START_TEST(lost_log_lines_counted)
{
    int port = free_port();
    const struct emgdiag_module *m;
    struct emgdiag_session *s;
    char path[160], *body = NULL;

    make_dir();
    write_xml(
        "<emgdiag><logs dir=\"@D\"/><metrics box=\"bearerbox\" listen=\"127.0.0.1:@P\"/></emgdiag>",
        port, 0);
    snprintf(path, sizeof(path), "%s/connector.x", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/message.bearerbox", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL);
    s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    m->connect_err(s, 111);
    m->connect_err(s, 111);
    m->connect_err(s, 111);
    /* two message-log lines (docs/message-log.md), both lost */
    ck_assert(EMGDIAG_HAS(m, message) && m->message != NULL);
    for (int i = 0; i < 2; i++) {
        struct emgdiag_message msg;

        memset(&msg, 0, sizeof(msg));
        msg.size = sizeof(msg);
        msg.step = EMGDIAG_MSG_SUBMIT;
        msg.uuid = "u";
        msg.trn = (uint32_t)i + 1;
        m->message(s, &msg);
    }
    for (int i = 0; i < 100; i++) {
        free(body);
        body = scrape(port);
        if (strstr(body,
                   "emgdiag_log_lines_dropped_total{box=\"bearerbox\",log=\"connector\"} 3\n") &&
            strstr(body, "emgdiag_log_lines_dropped_total{box=\"bearerbox\",log=\"message\"} 2\n"))
            break;
        usleep(20000);
    }
    ck_assert_msg(
        strstr(body, "emgdiag_log_lines_dropped_total{box=\"bearerbox\",log=\"message\"} 2\n") !=
            NULL,
        "%s", body);
    ck_assert_msg(
        strstr(body, "emgdiag_log_lines_dropped_total{box=\"bearerbox\",log=\"connector\"} 3\n") !=
            NULL,
        "%s", body);
    ck_assert_ptr_nonnull(
        strstr(body, "emgdiag_log_lines_dropped_total{box=\"bearerbox\",log=\"pdu\"} 0\n"));
    free(body);
    m->session_close(s);
    m->shutdown();
}
END_TEST

/* ---- many sessions at once ---- */

#define CONC_SESSIONS 50
#define CONC_SUBMITS 200

static const struct emgdiag_module *conc_m;
static atomic_int conc_scrapes; /* scrapes done so far */

static void *conc_session(void *arg)
{
    int i = (int)(intptr_t)arg;
    struct emgdiag_session *s =
        abi_session_open(conc_m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.1");
    char sysid[32];
    unsigned char body[64];
    size_t n;

    ck_assert_ptr_nonnull(s);
    conc_m->connect_ok(s);
    n = (size_t)snprintf(sysid, sizeof(sysid), "c%02d", i) + 1;
    memcpy(body, sysid, n);
    memcpy(body + n, "pw\0\0\x34\0\0", 8);
    send_pdu(conc_m, s, R, 0x00000009, 0, 1, body, n + 8);
    send_pdu(conc_m, s, W, 0x80000009, 0, 1, "OSB", 4);
    for (uint32_t k = 0; k < CONC_SUBMITS; k++) {
        /* Half way, wait for scrapes to run while every session is live. */
        while (k == CONC_SUBMITS / 2 && atomic_load(&conc_scrapes) < 3)
            usleep(1000);
        send_pdu(conc_m, s, R, 0x00000004, 0, k + 2, "", 0);
        send_pdu(conc_m, s, W, 0x80000004, k % 10 == 0 ? 88 : 0, k + 2, "", 0);
    }
    conc_m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    conc_m->session_close(s);
    return NULL;
}

/* Every series of `body` whose name starts with `prefix`: its value must
 * not be below the one in the previous scrape (kept in `prev`, replaced);
 * returns their sum. */
static unsigned long long series_check(const char *body, const char *prefix, char **prev)
{
    unsigned long long sum = 0;
    const char *line, *nl;
    char *mine = strdup(""), *grown;
    size_t plen = strlen(prefix), mlen = 0;

    for (line = body; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        const char *sp;
        unsigned long long v;

        if (strncmp(line, prefix, plen) != 0)
            continue;
        sp = memrchr(line, ' ', (size_t)(nl - line));
        v = strtoull(sp + 1, NULL, 10);
        sum += v;
        if (*prev != NULL) {
            char key[512];
            const char *old;

            snprintf(key, sizeof(key), "\n%.*s ", (int)(sp - line), line);
            old = strstr(*prev, key);
            if (old != NULL)
                ck_assert_msg(strtoull(old + strlen(key), NULL, 10) <= v, "went down: %.*s",
                              (int)(nl - line), line);
        }
        grown = realloc(mine, mlen + (size_t)(nl - line) + 3);
        ck_assert_ptr_nonnull(grown);
        mine = grown;
        mlen += (size_t)sprintf(mine + mlen, "\n%.*s", (int)(nl - line), line);
    }
    free(*prev);
    *prev = mine;
    return sum;
}

/* 50 sessions at once, 400 PDUs each, while scrapes run: no series ever
 * goes down, and at the end every PDU and response is counted. */
START_TEST(concurrent_sessions_scrape_monotonic)
{
    int port = free_port();
    pthread_t th[CONC_SESSIONS];
    int joined[CONC_SESSIONS] = { 0 };
    char *prev_pdus = NULL, *prev_resp = NULL, *body;
    unsigned long long pdus = 0, last = 0, resp;
    int scrapes = 0;

    make_dir();
    write_xml("<emgdiag><logs dir=\"@D\" pdu-skip=\"SUBMIT_SM SUBMIT_SM_RESP\"/>"
              "<metrics box=\"opensmppbox\" listen=\"127.0.0.1:@P\"/></emgdiag>",
              port, 0);
    atomic_store(&conc_scrapes, 0);
    conc_m = start_ok(EMGDIAG_BOX_OPENSMPPBOX, "osb");
    for (int i = 0; i < CONC_SESSIONS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, conc_session, (void *)(intptr_t)i), 0);
    for (;;) {
        int alive = 0;

        body = scrape(port);
        scrapes++;
        atomic_fetch_add(&conc_scrapes, 1);
        pdus = series_check(body, "emgdiag_pdus_total{", &prev_pdus);
        series_check(body, "emgdiag_response_seconds_count{", &prev_resp);
        ck_assert_uint_ge(pdus, last);
        last = pdus;
        free(body);
        for (int i = 0; i < CONC_SESSIONS; i++) {
            if (!joined[i] && pthread_tryjoin_np(th[i], NULL) == 0)
                joined[i] = 1;
            alive += !joined[i];
        }
        if (alive == 0 || pdus == (unsigned long long)CONC_SESSIONS * (2 + 2 * CONC_SUBMITS))
            break;
    }
    for (int i = 0; i < CONC_SESSIONS; i++)
        if (!joined[i])
            pthread_join(th[i], NULL);
    body = scrape(port);
    pdus = series_check(body, "emgdiag_pdus_total{", &prev_pdus);
    resp = series_check(body, "emgdiag_response_seconds_count{", &prev_resp);
    ck_assert_uint_eq(pdus, (unsigned long long)CONC_SESSIONS * (2 + 2 * CONC_SUBMITS));
    ck_assert_uint_eq(resp, (unsigned long long)CONC_SESSIONS * (1 + CONC_SUBMITS));
    ck_assert_ptr_nonnull(
        strstr(body, "emgdiag_pdus_total{box=\"opensmppbox\",connector=\"osb\",direction=\"write\","
                     "op=\"SUBMIT_SM_RESP\",status=\"88\"} 1000\n"));
    ck_assert_ptr_nonnull(strstr(
        body, "emgdiag_logins_total{box=\"opensmppbox\",connector=\"osb\",status=\"0\"} 50\n"));
    ck_assert_ptr_null(strstr(body, "emgdiag_session_up{"));
    free(body);
    free(prev_pdus);
    free(prev_resp);
    ck_assert_int_ge(scrapes, 3); /* at least those the sessions waited for */
    conc_m->shutdown();
}
END_TEST

#endif /* HAVE_MICROHTTPD */

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("sink");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, config_metrics_element);
    tcase_add_test(tc, textfile_written_atomically);
#ifndef HAVE_MICROHTTPD
    tcase_add_test(tc, listen_refused_without_microhttpd);
#else
    tcase_add_test(tc, outgoing_story_scraped);
    tcase_add_test(tc, incoming_refusals_and_session_info);
    tcase_add_test(tc, http_paths_and_methods);
    tcase_add_test(tc, busy_port_refused_at_start);
    tcase_add_test(tc, reload_moves_endpoint);
    tcase_add_test(tc, reload_adds_metrics);
    tcase_add_test(tc, series_cap_overflows);
    tcase_add_test(tc, lost_log_lines_counted);
    tcase_add_test(tc, concurrent_sessions_scrape_monotonic);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
