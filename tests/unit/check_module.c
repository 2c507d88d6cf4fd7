/*
 * Unit tests for the module's hooks (module/emgdiag.c), driven through the
 * hook ABI exactly as a host drives them: the entry point with a host table,
 * sessions, PDUs as octets built here, decisions.  Each test starts the
 * module on a fresh directory and XML file, stops it (which drains the log
 * writer) and reads the files back.  Expected lines are written from
 * docs/connector-log.md; only the timestamp is matched by pattern.
 */
#include "emgdiag_hook.h"

#include "abi_driver.h"
#include "config.h"
#include "dispatch.h"

#include <check.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen);

#define TS "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}"

static char dir[64];
static char xml_path[128];
static char host_log_line[1024];
static struct emgdiag_host host;

static void test_host_log(int level, const char *line)
{
    (void)level;
    snprintf(host_log_line, sizeof(host_log_line), "%s", line);
}

/* Writes the XML (with %s standing for the log directory) and starts. */
static const struct emgdiag_module *start(int box, const char *box_id, const char *xml_fmt,
                                          char *err, size_t errlen)
{
    char tmpl[] = "/tmp/check_module.XXXXXX";
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(dir, sizeof(dir), "%s", tmpl);
    snprintf(xml_path, sizeof(xml_path), "%s/emg.xml", dir);
    f = fopen(xml_path, "w");
    ck_assert_ptr_nonnull(f);
    {
        /* The one "%s" in the template stands for the log directory. */
        const char *at = strstr(xml_fmt, "%s");

        ck_assert_ptr_nonnull(at);
        fwrite(xml_fmt, 1, (size_t)(at - xml_fmt), f);
        fputs(dir, f);
        fputs(at + 2, f);
    }
    fclose(f);
    memset(&host, 0, sizeof(host));
    host.size = sizeof(host);
    host.abi_major = EMGDIAG_ABI_MAJOR;
    host.abi_minor = EMGDIAG_ABI_MINOR;
    host.box = box;
    host.box_id = box_id;
    host.module_path = "emgdiag.so";
    host.config_path = xml_path;
    host.host_version = "test";
    host.log = test_host_log;
    err[0] = '\0';
    return emgdiag_module_entry(&host, err, errlen);
}

static const struct emgdiag_module *start_ok(int box, const char *box_id, const char *xml_fmt)
{
    char err[512];
    const struct emgdiag_module *m = start(box, box_id, xml_fmt, err, sizeof(err));

    ck_assert_msg(m != NULL, "entry refused: %s", err);
    ck_assert_int_eq(m->abi_major, EMGDIAG_ABI_MAJOR);
    return m;
}

/* The file's content ("" when missing). */
static char *slurp(const char *name)
{
    char path[256], *buf;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return strdup("");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* 0 when file `name` is missing from the log directory, 1 when present. */
static int access_in_dir(const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* How many lines of file `name` match the extended regex (anchored by the
 * caller). */
static int count_lines(const char *name, const char *re_src)
{
    regex_t re;
    char *text = slurp(name), *line, *save = NULL;
    int n = 0;

    ck_assert_int_eq(regcomp(&re, re_src, REG_EXTENDED | REG_NOSUB), 0);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
        if (regexec(&re, line, 0, NULL, 0) == 0)
            n++;
    regfree(&re);
    free(text);
    return n;
}

#define ck_assert_lines(name, re, want)                                                        \
    do {                                                                                       \
        int got_ = count_lines(name, re);                                                      \
        char *all_ = slurp(name);                                                              \
        ck_assert_msg(got_ == (want), "%s: %d lines match /%s/, expected %d; file:\n%s", name, \
                      got_, re, want, all_);                                                   \
        free(all_);                                                                            \
    } while (0)

static const char only_logs[] = "<emgdiag><logs dir=\"%s\"/></emgdiag>\n";

/* bind_transceiver: system_id, password, system_type, version, ton, npi, and
 * address_range "" (the literal's own NUL): 20 octets */
static const unsigned char bind_body[] = "user\0secret\0VMA\0\x34\0\0";
/* bind_transceiver_resp: system_id "SMSC" */
static const unsigned char bind_resp_body[] = "SMSC";

/* ------------------------------------------------------------------------ */

START_TEST(abi_major_mismatch_refused)
{
    char err[256];

    memset(&host, 0, sizeof(host));
    host.size = sizeof(host);
    host.abi_major = EMGDIAG_ABI_MAJOR + 1;
    host.config_path = "/nonexistent.xml";
    ck_assert_ptr_null(emgdiag_module_entry(&host, err, sizeof(err)));
    ck_assert_msg(strstr(err, "ABI") != NULL, "err: %s", err);
}
END_TEST

START_TEST(missing_hook_config_refused)
{
    char err[256];

    memset(&host, 0, sizeof(host));
    host.size = sizeof(host);
    host.abi_major = EMGDIAG_ABI_MAJOR;
    host.config_path = NULL;
    ck_assert_ptr_null(emgdiag_module_entry(&host, err, sizeof(err)));
    ck_assert_msg(strstr(err, "hook-config") != NULL, "err: %s", err);
}
END_TEST

START_TEST(invalid_config_refused_with_file_and_line)
{
    char err[512], want[256];

    ck_assert_ptr_null(start(EMGDIAG_BOX_BEARERBOX, NULL,
                             "<emgdiag>\n<logs dir=\"%s\"/>\n<bogus/>\n</emgdiag>\n", err,
                             sizeof(err)));
    snprintf(want, sizeof(want), "%s:3:", xml_path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "err: %s", err);
}
END_TEST

START_TEST(outgoing_session_story)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_BEARERBOX, NULL,
                 "<emgdiag><logs dir=\"%s\"/>"
                 "<connector name=\"up\" type=\"outgoing\" smsc-id=\"upstream\"/></emgdiag>\n");
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "upstream", 3, "127.0.0.1");
    unsigned char b[128];
    size_t n;

    ck_assert_ptr_nonnull(s);
    m->connect_err(s, 111);
    m->connect_err(s, -1);
    m->connect_ok(s);
    n = abi_pdu(b, 0x00000009, 0, 1, bind_body, sizeof(bind_body));
    m->pdu(s, EMGDIAG_DIR_WRITE, b, n, 0);
    n = abi_pdu(b, 0x80000009, 0, 1, bind_resp_body, sizeof(bind_resp_body));
    m->pdu(s, EMGDIAG_DIR_READ, b, n, 0);
    n = abi_pdu(b, 0x00000006, 0, 2, "", 0);
    m->pdu(s, EMGDIAG_DIR_READ, b, n, 0);
    n = abi_pdu(b, 0x80000006, 0, 2, "", 0);
    m->pdu(s, EMGDIAG_DIR_WRITE, b, n, 0);
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(s);
    m->shutdown();

    ck_assert_lines("connector.up", "^" TS " \\(3\\) CONNECT ERR \\(info=\"111\"\\)$", 1);
    ck_assert_lines("connector.up", "^" TS " \\(3\\) CONNECT ERR \\(info=\"-1\"\\)$", 1);
    ck_assert_lines("connector.up", "^" TS " \\(3\\) CONNECT OK$", 1);
    ck_assert_lines("connector.up", "^" TS " \\(3\\) LOGIN OK \\(info=\"0 SMSC\"\\)$", 1);
    /* An unbind answered 0 is a clean end, whatever the host says. */
    ck_assert_lines("connector.up", "^" TS " \\(3\\) DISCONNECT OK$", 1);
    ck_assert_lines("pdu.up",
                    "^" TS " INFO  \\(up,3\\) Write op:0x00000009 \\(BIND_TRANSCEIVER\\) status:0 "
                    "trn:1 datalen:20 INTERFACEVERSION:52 PASSWORD:\\*\\*\\* SYSTEMID:user "
                    "SYSTEMTYPE:VMA$",
                    1);
    ck_assert_lines("general", "^" TS " INFO  \\(bearerbox\\) CONFIG LOADED file=\"[^\"]+\"$", 1);
}
END_TEST

START_TEST(outgoing_refused_and_unanswered_binds)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL, only_logs);
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TX, "SMPP:host:2775/x", 0, "h");
    unsigned char b[128];
    size_t n;

    /* A refused bind: LOGIN ERR with the status, then login-failed. */
    m->connect_ok(s);
    n = abi_pdu(b, 0x00000002, 0, 1, bind_body, sizeof(bind_body));
    m->pdu(s, EMGDIAG_DIR_WRITE, b, n, 0);
    n = abi_pdu(b, 0x80000002, 14, 1, "", 0);
    m->pdu(s, EMGDIAG_DIR_READ, b, n, 0);
    m->disconnected(s, EMGDIAG_DISC_SHUTDOWN, 0);
    /* A generic_nack to the bind gives its status. */
    m->connect_ok(s);
    n = abi_pdu(b, 0x00000002, 0, 2, bind_body, sizeof(bind_body));
    m->pdu(s, EMGDIAG_DIR_WRITE, b, n, 0);
    n = abi_pdu(b, 0x80000000, 3, 2, "", 0);
    m->pdu(s, EMGDIAG_DIR_READ, b, n, 0);
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    /* A bind never answered: DISCONNECT ERR timeout, no LOGIN. */
    m->connect_ok(s);
    n = abi_pdu(b, 0x00000002, 0, 3, bind_body, sizeof(bind_body));
    m->pdu(s, EMGDIAG_DIR_WRITE, b, n, 0);
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    /* Bound (status 5 counts as bound), then an errno. */
    m->connect_ok(s);
    n = abi_pdu(b, 0x00000002, 0, 4, bind_body, sizeof(bind_body));
    m->pdu(s, EMGDIAG_DIR_WRITE, b, n, 0);
    n = abi_pdu(b, 0x80000002, 5, 4, "", 0);
    m->pdu(s, EMGDIAG_DIR_READ, b, n, 0);
    m->disconnected(s, EMGDIAG_DISC_ERRNO, 104);
    m->session_close(s);
    m->shutdown();

    /* Kannel's generated id: ':' and '/' written %HH in the file name. */
#define F "connector.SMPP%3Ahost%3A2775%2Fx"
    ck_assert_lines(F, "^" TS " \\(0\\) LOGIN ERR \\(info=\"14\"\\)$", 1);
    ck_assert_lines(F, "^" TS " \\(0\\) DISCONNECT ERR \\(info=\"login-failed\"\\)$", 2);
    ck_assert_lines(F, "^" TS " \\(0\\) LOGIN ERR \\(info=\"3\"\\)$", 1);
    ck_assert_lines(F, "^" TS " \\(0\\) DISCONNECT ERR \\(info=\"timeout\"\\)$", 1);
    ck_assert_lines(F, "^" TS " \\(0\\) LOGIN OK \\(info=\"5\"\\)$", 1);
    ck_assert_lines(F, "^" TS " \\(0\\) DISCONNECT ERR \\(info=\"104\"\\)$", 1);
    ck_assert_lines(F, "LOGIN", 3);
#undef F
}
END_TEST

START_TEST(incoming_instances_lowest_free)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_OPENSMPPBOX, NULL, only_logs);
    struct emgdiag_session *a, *b, *c;

    a = abi_session_open(m, EMGDIAG_ROLE_SERVER, NULL, -1, "127.0.0.1");
    b = abi_session_open(m, EMGDIAG_ROLE_SERVER, NULL, -1, "::1");
    m->connect_ok(a);
    m->connect_ok(b);
    m->session_close(a);
    c = abi_session_open(m, EMGDIAG_ROLE_SERVER, NULL, -1, "127.0.0.2");
    m->connect_ok(c);
    m->session_close(b);
    m->session_close(c);
    m->shutdown();
    /* No box id: the connector is called "opensmppbox". */
    ck_assert_lines("connector.opensmppbox",
                    "^" TS " \\(0\\) CONNECT OK \\(info=\"0 127.0.0.1\"\\)$", 1);
    ck_assert_lines("connector.opensmppbox", "^" TS " \\(1\\) CONNECT OK \\(info=\"0 ::1\"\\)$", 1);
    ck_assert_lines("connector.opensmppbox",
                    "^" TS " \\(0\\) CONNECT OK \\(info=\"0 127.0.0.2\"\\)$", 1);
}
END_TEST

START_TEST(incoming_decisions)
{
    const struct emgdiag_module *m = start_ok(
        EMGDIAG_BOX_OPENSMPPBOX, "osb",
        "<emgdiag>\n<logs dir=\"%s\"/>\n"
        "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">\n"
        "<access>\n<deny address=\"127.0.0.3\"/>\n<allow address=\"127.0.0.0/8\"/>\n</access>\n"
        "</connector>\n"
        "<users>\n<user system-id=\"alice\">\n<allow connector=\"in\" address=\"127.0.0.1\"/>\n"
        "</user>\n</users>\n</emgdiag>\n");
    struct emgdiag_session *s;
    struct emgdiag_bind b;
    unsigned char p[128];
    size_t n;
    char re[256];

    /* Connect-time: rule order, first match wins; no match denies. */
    ck_assert_int_eq(m->accept_check("osb", "127.0.0.3", 1000), EMGDIAG_REFUSE);
    ck_assert_int_eq(m->accept_check("osb", "127.0.0.2", 1000), EMGDIAG_ALLOW);
    ck_assert_int_eq(m->accept_check("osb", "::ffff:127.0.0.1", 1000), EMGDIAG_ALLOW);
    ck_assert_int_eq(m->accept_check("osb", "192.0.2.1", 1000), EMGDIAG_REFUSE);

    /* Bind-time: alice from 127.0.0.2 is not allowed: 14, close. */
    s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.2");
    m->connect_ok(s);
    n = abi_pdu(p, 0x00000009, 0, 7, "alice\0pw\0\0\x34\0\0", 14);
    m->pdu(s, EMGDIAG_DIR_READ, p, n, 0);
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "alice";
    b.credentials_ok = 1;
    ck_assert_int_eq(m->bind_check(s, &b), EMGDIAG_REFUSE);
    ck_assert_uint_eq(b.status, 14);
    ck_assert_int_eq(b.close_after, 1);
    n = abi_pdu(p, 0x80000009, 14, 7, "", 0);
    m->pdu(s, EMGDIAG_DIR_WRITE, p, n, 0);
    m->disconnected(s, EMGDIAG_DISC_LOGIN_FAILED, 0);
    m->session_close(s);

    /* Wrong credentials: 14 too (EMG), reason credentials. */
    s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.1");
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "bob";
    b.credentials_ok = 0;
    b.host_status = 13;
    ck_assert_int_eq(m->bind_check(s, &b), EMGDIAG_REFUSE);
    ck_assert_uint_eq(b.status, 14);
    /* alice from 127.0.0.1: allowed, status 0. */
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "alice";
    b.credentials_ok = 1;
    ck_assert_int_eq(m->bind_check(s, &b), EMGDIAG_ALLOW);
    ck_assert_uint_eq(b.status, 0);
    ck_assert_int_eq(b.close_after, 0);
    m->session_close(s);
    m->shutdown();

    snprintf(re, sizeof(re),
             "^" TS " WARN  \\(in\\) DENY CONNECT address=\"127\\.0\\.0\\.3\" rule=\"%s:5\"$",
             xml_path);
    ck_assert_lines("security", re, 1);
    ck_assert_lines(
        "security",
        "^" TS " WARN  \\(in\\) DENY CONNECT address=\"192\\.0\\.2\\.1\" rule=\"no match\"$", 1);
    ck_assert_lines("security",
                    "^" TS
                    " WARN  \\(in,0\\) DENY LOGIN system-id=\"alice\" address=\"127\\.0\\.0\\.2\" "
                    "status=\"14\" reason=\"address\" rule=\"no match\"$",
                    1);
    ck_assert_lines("security",
                    "^" TS
                    " WARN  \\(in,0\\) DENY LOGIN system-id=\"bob\" address=\"127\\.0\\.0\\.1\" "
                    "status=\"14\" reason=\"credentials\" rule=\"smpp-logins\"$",
                    1);
    ck_assert_lines("connector.in", "^" TS " \\(0\\) LOGIN ERR \\(info=\"14\"\\)$", 1);
    ck_assert_lines("connector.in", "^" TS " \\(0\\) DISCONNECT ERR \\(info=\"login-failed\"\\)$",
                    1);
}
END_TEST

START_TEST(bad_length_flood_counted)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL, only_logs);
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    const unsigned char len8[4] = { 0, 0, 0, 8 };
    int i, lines, suppressed;
    char *g;

    m->connect_ok(s);
    for (i = 0; i < 15; i++)
        m->pdu(s, EMGDIAG_DIR_READ, len8, sizeof(len8), EMGDIAG_PDU_BAD_LENGTH);
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(s);
    m->shutdown();
    lines =
        count_lines("pdu.x", "^" TS " INFO  \\(x,0\\) Read op:0x00000000 \\(UNKNOWN\\) status:0 "
                             "trn:0 datalen:0 ERROR:command_length 8 out of range$");
    /* At most 10 a second; the rest counted in general (one or two seconds). */
    ck_assert_int_ge(lines, 10);
    ck_assert_int_le(lines, 15);
    g = slurp("general");
    suppressed = 0;
    for (char *p = g; (p = strstr(p, "SUPPRESSED count=\"")) != NULL; p++)
        suppressed += atoi(p + strlen("SUPPRESSED count=\""));
    free(g);
    ck_assert_int_eq(lines + suppressed, 15);
}
END_TEST

START_TEST(json_twin_and_escaping)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_OPENSMPPBOX, "osb",
                 "<emgdiag><logs dir=\"%s\" format=\"both\"/>"
                 "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\"/></emgdiag>\n");
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.1");
    unsigned char p[128];
    size_t n;

    m->connect_ok(s);
    /* A system_id with a quote and a newline: escaped in info. */
    n = abi_pdu(p, 0x00000009, 0, 1, "a\"b\nc\0pw\0\0\x34\0\0", 14);
    m->pdu(s, EMGDIAG_DIR_READ, p, n, 0);
    n = abi_pdu(p, 0x80000009, 0, 1, "OSB", 4);
    m->pdu(s, EMGDIAG_DIR_WRITE, p, n, 0);
    m->session_close(s);
    m->shutdown();
    ck_assert_lines("connector.in", "^" TS " \\(0\\) LOGIN OK \\(info=\"0 a\\\\x22b\\\\x0ac\"\\)$",
                    1);
    ck_assert_lines(
        "connector.in.jsonl",
        "^\\{\"ts\":\"[0-9T:.+-]+\",\"connector\":\"in\",\"instance\":0,\"event\":\"LOGIN\","
        "\"result\":\"OK\",\"info\":\"0 a\\\\\\\\x22b\\\\\\\\x0ac\"\\}$",
        1);
    ck_assert_lines("pdu.in.jsonl",
                    "\"dir\":\"read\",\"op\":\"0x00000009\",\"name\":\"BIND_TRANSCEIVER\"", 1);
}
END_TEST

/* The bad-length line goes through the same gates and formats as every pdu
 * line (docs/pdu-log.md): format="json" writes only the twin, format="both"
 * both, pdu-log="off" nothing. */
static void send_bad_lengths(const struct emgdiag_module *m, const char *id, int n)
{
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, id, 0, "h");
    const unsigned char len8[4] = { 0, 0, 0, 8 };
    int i;

    ck_assert_ptr_nonnull(s);
    m->connect_ok(s);
    for (i = 0; i < n; i++)
        m->pdu(s, EMGDIAG_DIR_READ, len8, sizeof(len8), EMGDIAG_PDU_BAD_LENGTH);
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(s);
}

#define BAD_LENGTH_TEXT                                                                  \
    "^" TS " INFO  \\(x,0\\) Read op:0x00000000 \\(UNKNOWN\\) status:0 trn:0 datalen:0 " \
    "ERROR:command_length 8 out of range$"
#define BAD_LENGTH_JSON                                                                \
    "^\\{\"ts\":\"[0-9T:.+-]+\",\"connector\":\"x\",\"instance\":0,\"dir\":\"read\","  \
    "\"op\":\"0x00000000\",\"name\":\"UNKNOWN\",\"status\":0,\"trn\":0,\"datalen\":0," \
    "\"fields\":\\{\\},\"error\":\"command_length 8 out of range\"\\}$"

START_TEST(bad_length_follows_format_json)
{
    const struct emgdiag_module *m = start_ok(
        EMGDIAG_BOX_BEARERBOX, NULL, "<emgdiag><logs dir=\"%s\" format=\"json\"/></emgdiag>\n");

    send_bad_lengths(m, "x", 1);
    m->shutdown();
    ck_assert_int_eq(access_in_dir("pdu.x"), 0);
    ck_assert_lines("pdu.x.jsonl", BAD_LENGTH_JSON, 1);
}
END_TEST

START_TEST(bad_length_follows_format_both)
{
    const struct emgdiag_module *m = start_ok(
        EMGDIAG_BOX_BEARERBOX, NULL, "<emgdiag><logs dir=\"%s\" format=\"both\"/></emgdiag>\n");

    send_bad_lengths(m, "x", 1);
    m->shutdown();
    ck_assert_lines("pdu.x", BAD_LENGTH_TEXT, 1);
    ck_assert_lines("pdu.x.jsonl", BAD_LENGTH_JSON, 1);
}
END_TEST

START_TEST(bad_length_follows_pdu_log_off)
{
    const struct emgdiag_module *m = start_ok(
        EMGDIAG_BOX_BEARERBOX, NULL,
        "<emgdiag><logs dir=\"%s\"/>"
        "<connector name=\"x\" type=\"outgoing\" smsc-id=\"x\" pdu-log=\"off\"/></emgdiag>\n");

    send_bad_lengths(m, "x", 1);
    m->shutdown();
    ck_assert_int_eq(access_in_dir("pdu.x"), 0);
    ck_assert_int_eq(access_in_dir("pdu.x.jsonl"), 0);
    ck_assert_lines("connector.x", "^" TS " \\(0\\) CONNECT OK$", 1);
}
END_TEST

/* A rule names the configuration file; a path holding '"' is escaped like
 * every other value (docs/connector-log.md#security-and-general). */
START_TEST(rule_value_is_escaped)
{
    char tmpl[] = "/tmp/check_module.XXXXXX", qdir[128], path[192], err[512], re[512];
    const struct emgdiag_module *m;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(dir, sizeof(dir), "%s", tmpl);
    snprintf(qdir, sizeof(qdir), "%s/q\"d", dir);
    ck_assert_int_eq(mkdir(qdir, 0700), 0);
    snprintf(path, sizeof(path), "%s/emg.xml", qdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "<emgdiag>\n<logs dir=\"%s\"/>\n"
            "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">\n"
            "<access><deny address=\"192.0.2.9\"/></access>\n</connector>\n</emgdiag>\n",
            dir);
    fclose(f);
    memset(&host, 0, sizeof(host));
    host.size = sizeof(host);
    host.abi_major = EMGDIAG_ABI_MAJOR;
    host.abi_minor = EMGDIAG_ABI_MINOR;
    host.box = EMGDIAG_BOX_OPENSMPPBOX;
    host.box_id = "osb";
    host.config_path = path;
    host.log = test_host_log;
    m = emgdiag_module_entry(&host, err, sizeof(err));
    ck_assert_msg(m != NULL, "entry refused: %s", err);
    ck_assert_int_eq(m->accept_check("osb", "192.0.2.9", 1), EMGDIAG_REFUSE);
    m->shutdown();
    snprintf(re, sizeof(re),
             "^" TS " WARN  \\(in\\) DENY CONNECT address=\"192\\.0\\.2\\.9\" "
             "rule=\"%s/q\\\\x22d/emg\\.xml:4\"$",
             dir);
    ck_assert_lines("security", re, 1);
    ck_assert_lines("general", "^" TS " INFO  \\(opensmppbox\\) CONFIG LOADED file=\"[^\"]*\"$", 1);
}
END_TEST

/* The session keeps the peer as the host gave it: a long address with a
 * zone full of characters to escape shows whole, escaped once, in CONNECT
 * and DENY LOGIN, and the bind-time check reads the raw address. */
START_TEST(long_peer_is_kept_raw)
{
    const struct emgdiag_module *m = start_ok(
        EMGDIAG_BOX_OPENSMPPBOX, "osb",
        "<emgdiag>\n<logs dir=\"%s\"/>\n"
        "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\"/>\n"
        "<users>\n<user system-id=\"alice\"><allow connector=\"in\" address=\"fe80::1\"/></user>\n"
        "<user system-id=\"bob\"><allow connector=\"in\" address=\"192.0.2.1\"/></user>\n"
        "</users>\n</emgdiag>\n");
    const char *peer = "fe80:0000:0000:0000:0000:0000:0000:0001%\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"z";
    const char *esc = "fe80:0000:0000:0000:0000:0000:0000:0001%"
                      "\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22"
                      "\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22\\\\x22z";
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, peer);
    struct emgdiag_bind b;
    char re[1024];

    ck_assert_ptr_nonnull(s);
    m->connect_ok(s);
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "alice";
    b.credentials_ok = 1;
    ck_assert_int_eq(m->bind_check(s, &b), EMGDIAG_ALLOW);
    b.system_id = "bob";
    ck_assert_int_eq(m->bind_check(s, &b), EMGDIAG_REFUSE);
    m->session_close(s);
    m->shutdown();
    snprintf(re, sizeof(re), "^" TS " \\(0\\) CONNECT OK \\(info=\"0 %s\"\\)$", esc);
    ck_assert_lines("connector.in", re, 1);
    snprintf(re, sizeof(re),
             "^" TS " WARN  \\(in,0\\) DENY LOGIN system-id=\"bob\" address=\"%s\" status=\"14\" "
             "reason=\"address\" rule=\"no match\"$",
             esc);
    ck_assert_lines("security", re, 1);
}
END_TEST

/* A Kannel id too long for a name (64 octets) is cut to its first 55
 * octets of name, '-' and a hash; general says so once. */
START_TEST(long_kannel_id_is_cut_once)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL, only_logs);
    char id[101], want_name[80], file[96], re[512];
    struct emgdiag_session *a, *b;
    uint32_t h = 2166136261u;
    int i;

    for (i = 0; i < 100; i++) {
        id[i] = (char)('a' + i % 26);
        h = (h ^ (unsigned char)id[i]) * 16777619u;
    }
    id[100] = '\0';
    snprintf(want_name, sizeof(want_name), "%.55s-%08x", id, h);
    ck_assert_uint_eq(strlen(want_name), 64);
    a = abi_session_open(m, EMGDIAG_ROLE_TX, id, 0, "h");
    b = abi_session_open(m, EMGDIAG_ROLE_RX, id, 1, "h");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    m->connect_err(a, 111);
    m->connect_err(b, 111);
    m->session_close(a);
    m->session_close(b);
    m->shutdown();
    snprintf(file, sizeof(file), "connector.%s", want_name);
    ck_assert_lines(file, "^" TS " \\([01]\\) CONNECT ERR \\(info=\"111\"\\)$", 2);
    snprintf(re, sizeof(re),
             "^" TS " WARN  \\(bearerbox\\) CONNECTOR NAME CUT kannel-id=\"%s\" name=\"%s\"$", id,
             want_name);
    ck_assert_lines("general", re, 1);
    ck_assert_lines("general", "NAME CUT", 1);
}
END_TEST

/* A PDU of a known operation that the host could not unpack, although it
 * decodes cleanly, says so; an unknown operation does not (its name says
 * it). */
START_TEST(host_unpack_failure_is_shown)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL, only_logs);
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    unsigned char p[64];
    size_t n;

    m->connect_ok(s);
    n = abi_pdu(p, 0x00000015, 0, 3, "", 0);
    m->pdu(s, EMGDIAG_DIR_READ, p, n, EMGDIAG_PDU_UNPACK_FAILED);
    n = abi_pdu(p, 0x00000077, 0, 4, "ab", 2);
    m->pdu(s, EMGDIAG_DIR_READ, p, n, EMGDIAG_PDU_UNPACK_FAILED);
    m->session_close(s);
    m->shutdown();
    ck_assert_lines("pdu.x",
                    "^" TS " INFO  \\(x,0\\) Read op:0x00000015 \\(ENQUIRE_LINK\\) status:0 trn:3 "
                    "datalen:0 ERROR:host could not unpack$",
                    1);
    ck_assert_lines("pdu.x",
                    "^" TS " INFO  \\(x,0\\) Read op:0x00000077 \\(UNKNOWN\\) status:0 trn:4 "
                    "datalen:2 BODY:ab$",
                    1);
}
END_TEST

/* A stuck disk must not hang the host's exit: a log file that is a FIFO
 * nobody reads blocks the writer in open(2); shutdown returns in bounded
 * time and tells the host how many lines were lost. */
START_TEST(shutdown_is_bounded_on_a_stuck_disk)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_BEARERBOX, NULL, only_logs);
    struct emgdiag_session *s;
    struct timespec t0, t1;
    char fifo[160];
    long ms;
    int fd, i;

    snprintf(fifo, sizeof(fifo), "%s/connector.x", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    for (i = 0; i < 3; i++)
        m->connect_err(s, 111);
    m->session_close(s);
    host_log_line[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &t0);
    m->shutdown();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_msg(ms < 4000, "shutdown took %ld ms", ms);
    ck_assert_msg(strstr(host_log_line, "log lines lost") != NULL, "host log: %s", host_log_line);
    /* Let the writer go: it finds itself given up on and frees itself. */
    fd = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    usleep(300000);
    close(fd);
}
END_TEST

/* The reload runs on the module's own thread: the hook returns at once, and
 * CONFIG REJECTED / CONFIG LOADED follow; a rejected file leaves the old
 * lists in force. */
START_TEST(reload_is_done_off_the_callers_thread)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_OPENSMPPBOX, "osb",
                 "<emgdiag><logs dir=\"%s\"/><connector name=\"in\" type=\"incoming\" "
                 "opensmppbox-id=\"osb\">"
                 "<access><deny address=\"192.0.2.1\"/><allow "
                 "address=\"0.0.0.0/0\"/></access></connector></emgdiag>\n");
    FILE *f;
    int i;

    ck_assert_int_eq(m->accept_check("osb", "192.0.2.1", 1), EMGDIAG_REFUSE);
    f = fopen(xml_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("<emgdiag>\n<bogus/>\n</emgdiag>\n", f);
    fclose(f);
    m->reload();
    for (i = 0; i < 100 && count_lines("general", "CONFIG REJECTED") == 0; i++)
        usleep(20000);
    ck_assert_int_eq(m->accept_check("osb", "192.0.2.1", 1), EMGDIAG_REFUSE);
    f = fopen(xml_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "<emgdiag><logs dir=\"%s\"/></emgdiag>\n", dir);
    fclose(f);
    m->reload();
    for (i = 0; i < 100 && count_lines("general", "CONFIG LOADED") < 2; i++)
        usleep(20000);
    ck_assert_int_eq(m->accept_check("osb", "192.0.2.1", 1), EMGDIAG_ALLOW);
    m->shutdown();
    ck_assert_lines(
        "general",
        "^" TS
        " ERROR \\(opensmppbox\\) CONFIG REJECTED file=\"[^\"]+\" reason=\"[^\"]+:2: [^\"]+\"$",
        1);
    ck_assert_lines("general", "^" TS " INFO  \\(opensmppbox\\) CONFIG LOADED file=\"[^\"]+\"$", 2);
}
END_TEST

/* Before a successful bind a connection writes at most 16 pdu lines in
 * full (binds and unbinds always); the rest are one SUPPRESSED count in
 * general, written when the bind succeeds (docs/pdu-log.md). */
/* The configuration in force is read without a lock (module/dispatch.c):
 * four threads dispatch events whose sink reads the configuration each
 * carries while the main thread replaces it 200 times.  A snapshot freed
 * while a dispatch still reads it shows under ASan (make check-asan) as a
 * use after free; here every event must see a whole configuration. */
struct count_sink {
    struct emg_sink base;
    atomic_ulong seen, bad;
};

static void count_on_event(struct emg_sink *s, const struct emg_event *ev, void **slot)
{
    struct count_sink *c = (struct count_sink *)s;

    (void)slot;
    if (ev->cfg == NULL || ev->cfg->log_dir == NULL || strncmp(ev->cfg->log_dir, "/logs-", 6) != 0)
        atomic_fetch_add(&c->bad, 1);
    atomic_fetch_add(&c->seen, 1);
}

static void count_close(struct emg_sink *s, int timeout_ms)
{
    (void)s;
    (void)timeout_ms;
}

static const struct emg_sink_ops count_ops = {
    .name = "count", .on_event = count_on_event, .close = count_close};

#define DISPATCH_THREADS 4
#define DISPATCH_EVENTS 20000

static void *dispatch_many(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < DISPATCH_EVENTS; i++) {
        struct emg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = EMG_EV_GENERAL;
        dispatch_event(&ev, NULL);
    }
    return NULL;
}

static struct emg_config *numbered_config(int n)
{
    char xml[128];
    struct emg_config *cfg;

    snprintf(xml, sizeof xml, "<emgdiag><logs dir=\"/logs-%d\"/></emgdiag>\n", n);
    cfg = emg_config_load_buffer_flags(xml, strlen(xml), "mem.xml", NULL, EMG_CONFIG_NO_FILESYSTEM);
    ck_assert_ptr_nonnull(cfg);
    return cfg;
}

START_TEST(reload_while_dispatching)
{
    static struct count_sink sink = {.base = {.ops = &count_ops}};
    pthread_t t[DISPATCH_THREADS];
    int i;

    ck_assert_int_eq(dispatch_start(numbered_config(0)), 0);
    ck_assert_int_eq(dispatch_add_sink(&sink.base), 0);
    for (i = 0; i < DISPATCH_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, dispatch_many, NULL), 0);
    for (i = 1; i <= 200; i++)
        ck_assert_int_eq(dispatch_reload(numbered_config(i)), 0);
    for (i = 0; i < DISPATCH_THREADS; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(dispatch_stop(1000), 0);
    ck_assert_uint_eq(atomic_load(&sink.seen), (unsigned long)DISPATCH_THREADS * DISPATCH_EVENTS);
    ck_assert_uint_eq(atomic_load(&sink.bad), 0);
}
END_TEST

START_TEST(prebind_pdus_are_bounded)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_OPENSMPPBOX, "osb",
                 "<emgdiag><logs dir=\"%s\"/><connector name=\"in\" type=\"incoming\" "
                 "opensmppbox-id=\"osb\"/></emgdiag>\n");
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "192.0.2.5");
    unsigned char p[64];
    size_t n;
    uint32_t i;

    m->connect_ok(s);
    for (i = 1; i <= 40; i++) {
        n = abi_pdu(p, 0x00000015, 0, i, "", 0);
        m->pdu(s, EMGDIAG_DIR_READ, p, n, 0);
        n = abi_pdu(p, 0x80000000, 4, i, "", 0);
        m->pdu(s, EMGDIAG_DIR_WRITE, p, n, 0);
    }
    n = abi_pdu(p, 0x00000009, 0, 41, "alice\0pw\0\0\x34\0\0", 14);
    m->pdu(s, EMGDIAG_DIR_READ, p, n, 0);
    n = abi_pdu(p, 0x80000009, 0, 41, "OSB", 4);
    m->pdu(s, EMGDIAG_DIR_WRITE, p, n, 0);
    for (i = 42; i <= 61; i++) {
        n = abi_pdu(p, 0x00000015, 0, i, "", 0);
        m->pdu(s, EMGDIAG_DIR_READ, p, n, 0);
    }
    m->disconnected(s, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(s);
    m->shutdown();
    /* 16 of the 80 before the bind: enquire_link 1-8 and their nacks. */
    ck_assert_lines(
        "pdu.in",
        "^" TS
        " INFO  \\(in,0\\) Read op:0x00000015 \\(ENQUIRE_LINK\\) status:0 trn:[1-8] datalen:0$",
        8);
    ck_assert_lines(
        "pdu.in",
        "^" TS
        " INFO  \\(in,0\\) Write op:0x80000000 \\(GENERIC_NACK\\) status:4 trn:[1-8] datalen:0$",
        8);
    ck_assert_lines("pdu.in", "BIND_TRANSCEIVER", 2);
    ck_assert_lines("pdu.in", "trn:(4[2-9]|5[0-9]|6[01]) ", 20);
    ck_assert_lines("pdu.in", ".", 16 + 2 + 20);
    ck_assert_lines("general",
                    "^" TS " WARN  \\(in,0\\) SUPPRESSED count=\"64\" reason=\"PDUs before bind\"$",
                    1);
}
END_TEST

/* A value longer than <logs pdu-value-max> (1024 by default) is cut with a
 * marker; 0 writes it whole (docs/pdu-log.md). */
static void long_payload(const struct emgdiag_module *m)
{
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "x", 0, "h");
    static unsigned char p[3000], body[2200];
    size_t n, blen = 0;

    memset(body, 0, sizeof(body));
    blen = 17;           /* an empty submit_sm: the mandatory part, all 0 or empty */
    body[blen++] = 0x04; /* message_payload, 2000 octets of 'z' */
    body[blen++] = 0x24;
    body[blen++] = 2000 >> 8;
    body[blen++] = 2000 & 0xff;
    memset(body + blen, 'z', 2000);
    blen += 2000;
    m->connect_ok(s);
    /* Bound first: lines before a bind have a limit of their own. */
    n = abi_pdu(p, 0x00000009, 0, 1, "u\0p\0\0\x34\0\0", 9);
    m->pdu(s, EMGDIAG_DIR_WRITE, p, n, 0);
    n = abi_pdu(p, 0x80000009, 0, 1, "S", 2);
    m->pdu(s, EMGDIAG_DIR_READ, p, n, 0);
    n = abi_pdu(p, 0x00000004, 0, 2, body, blen);
    m->pdu(s, EMGDIAG_DIR_WRITE, p, n, 0);
    m->session_close(s);
    m->shutdown();
}

START_TEST(long_values_cut_by_default)
{
    char re[256];

    long_payload(start_ok(EMGDIAG_BOX_BEARERBOX, NULL, only_logs));
    snprintf(re, sizeof(re), " MESSAGEPAYLOAD:z{1024}\\\\\\[\\+976 octets\\]$");
    ck_assert_lines("pdu.x", re, 1);
}
END_TEST

START_TEST(long_values_whole_with_zero)
{
    long_payload(start_ok(EMGDIAG_BOX_BEARERBOX, NULL,
                          "<emgdiag><logs dir=\"%s\" pdu-value-max=\"0\"/></emgdiag>\n"));
    ck_assert_lines("pdu.x", " MESSAGEPAYLOAD:z{2000}$", 1);
    ck_assert_lines("pdu.x", "octets]", 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The message log (docs/message-log.md): ABI 1.2's message hook.            */

static void message_step(const struct emgdiag_module *m, struct emgdiag_session *s, int step,
                         const char *uuid, uint32_t trn, int part, int parts, const char *id_raw,
                         const char *id, int matched, const char *url, const char *to)
{
    struct emgdiag_message msg;

    memset(&msg, 0, sizeof(msg));
    msg.size = sizeof(msg);
    msg.step = step;
    msg.uuid = uuid;
    msg.trn = trn;
    msg.part = part;
    msg.parts = parts;
    msg.id_raw = id_raw;
    msg.id = id;
    msg.matched = matched;
    msg.dlr_url = url;
    msg.destination = to;
    m->message(s, &msg);
}

START_TEST(message_log_lines)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_BEARERBOX, NULL,
                 "<emgdiag><logs dir=\"%s\" format=\"both\"/>"
                 "<connector name=\"up\" type=\"outgoing\" smsc-id=\"upstream\"/></emgdiag>\n");
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "upstream", 2, "127.0.0.1");
    struct emgdiag_message short_msg;

    ck_assert(EMGDIAG_HAS(m, message) && m->message != NULL);
    message_step(m, s, EMGDIAG_MSG_SUBMIT, "u-1", 7, 1, 3, NULL, NULL, 0, NULL, "4670");
    message_step(m, s, EMGDIAG_MSG_SUBMIT_RESP, "u-1", 7, 1, 3, "4B3C1001", "1262227457", 0, NULL, NULL);
    /* A peer's id holding '"', a backslash and a control octet. */
    message_step(m, s, EMGDIAG_MSG_DLR, NULL, 0, 0, 0, "a\"b\\c\x01", "x", 0, "ignored", "4670");
    message_step(m, s, EMGDIAG_MSG_DLR, NULL, 0, 0, 0, "1262227457", "1262227457", 1, "k;c1", "4670");
    /* A step this module does not know: no line. */
    message_step(m, s, 99, "u-9", 1, 0, 0, NULL, NULL, 0, NULL, NULL);
    /* A 1.1-sized struct (no members past size): refused whole. */
    memset(&short_msg, 0, sizeof(short_msg));
    short_msg.size = (uint32_t)offsetof(struct emgdiag_message, status);
    short_msg.step = EMGDIAG_MSG_SUBMIT;
    m->message(s, &short_msg);
    m->session_close(s);
    m->shutdown();

    /* <ts> (<connector>,<instance>) <STEP> key="value"…, keys in the order
     * of the table, absent ones left out. */
    ck_assert_lines("message.bearerbox",
                    "^" TS " \\(up,2\\) SUBMIT uuid=\"u-1\" trn=\"7\" part=\"1/3\" to=\"4670\"$", 1);
    ck_assert_lines("message.bearerbox",
                    "^" TS " \\(up,2\\) SUBMIT_RESP uuid=\"u-1\" trn=\"7\" part=\"1/3\" status=\"0\" "
                    "id-raw=\"4B3C1001\" id=\"1262227457\"$",
                    1);
    ck_assert_lines("message.bearerbox",
                    "^" TS " \\(up,2\\) DLR_UNMATCHED id-raw=\"a\\\\x22b\\\\\\\\c\\\\x01\" id=\"x\" "
                    "to=\"4670\" type=\"0\"$",
                    1);
    ck_assert_lines("message.bearerbox",
                    "^" TS " \\(up,2\\) DLR id-raw=\"1262227457\" id=\"1262227457\" to=\"4670\" "
                    "type=\"0\" url=\"k;c1\"$",
                    1);
    ck_assert_lines("message.bearerbox", ".", 4);
    ck_assert_lines("message.bearerbox.jsonl",
                    "^\\{\"ts\":\"[^\"]+\",\"connector\":\"up\",\"instance\":2,\"step\":\"SUBMIT\","
                    "\"uuid\":\"u-1\",\"trn\":\"7\",\"part\":\"1/3\",\"to\":\"4670\"\\}$",
                    1);
    ck_assert_lines("message.bearerbox.jsonl", ".", 4);
}
END_TEST

/* opensmppbox's file is named after its opensmppbox-id. */
START_TEST(message_log_named_by_box_id)
{
    const struct emgdiag_module *m = start_ok(EMGDIAG_BOX_OPENSMPPBOX, "osb 2", only_logs);
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb 2", -1, "127.0.0.1");

    message_step(m, s, EMGDIAG_MSG_CLIENT_SUBMIT, "c-1", 2, 0, 0, NULL, "c-1", 0, NULL, "4670");
    m->session_close(s);
    m->shutdown();
    ck_assert_lines("message.osb%202", "^" TS " \\(osb%202,0\\) CLIENT_SUBMIT uuid=\"c-1\" trn=\"2\" "
                                       "id=\"c-1\" to=\"4670\"$", 1);
}
END_TEST

START_TEST(message_log_off)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_BEARERBOX, NULL,
                 "<emgdiag><logs dir=\"%s\" message-log=\"off\"/>"
                 "<connector name=\"up\" type=\"outgoing\" smsc-id=\"upstream\"/></emgdiag>\n");
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "upstream", 0, "127.0.0.1");

    message_step(m, s, EMGDIAG_MSG_SUBMIT, "u-1", 7, 1, 1, NULL, NULL, 0, NULL, "4670");
    m->session_close(s);
    m->shutdown();
    ck_assert_int_eq(access_in_dir("message.bearerbox"), 0);
}
END_TEST

START_TEST(message_log_follows_pdu_log_off)
{
    const struct emgdiag_module *m =
        start_ok(EMGDIAG_BOX_BEARERBOX, NULL,
                 "<emgdiag><logs dir=\"%s\"/>"
                 "<connector name=\"up\" type=\"outgoing\" smsc-id=\"upstream\" pdu-log=\"off\"/>"
                 "<connector name=\"up2\" type=\"outgoing\" smsc-id=\"other\"/></emgdiag>\n");
    struct emgdiag_session *s = abi_session_open(m, EMGDIAG_ROLE_TRX, "upstream", 0, "127.0.0.1");
    struct emgdiag_session *s2 = abi_session_open(m, EMGDIAG_ROLE_TRX, "other", 0, "127.0.0.1");

    message_step(m, s, EMGDIAG_MSG_SUBMIT, "u-1", 7, 1, 1, NULL, NULL, 0, NULL, "4670");
    message_step(m, s2, EMGDIAG_MSG_SUBMIT, "u-2", 8, 1, 1, NULL, NULL, 0, NULL, "4671");
    m->session_close(s);
    m->session_close(s2);
    m->shutdown();
    ck_assert_lines("message.bearerbox", "\\(up,0\\)", 0);
    ck_assert_lines("message.bearerbox", "^" TS " \\(up2,0\\) SUBMIT uuid=\"u-2\"", 1);
}
END_TEST

static Suite *module_suite(void)
{
    Suite *s = suite_create("module");
    TCase *tc = tcase_create("hooks");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, abi_major_mismatch_refused);
    tcase_add_test(tc, missing_hook_config_refused);
    tcase_add_test(tc, invalid_config_refused_with_file_and_line);
    tcase_add_test(tc, outgoing_session_story);
    tcase_add_test(tc, outgoing_refused_and_unanswered_binds);
    tcase_add_test(tc, incoming_instances_lowest_free);
    tcase_add_test(tc, incoming_decisions);
    tcase_add_test(tc, bad_length_flood_counted);
    tcase_add_test(tc, json_twin_and_escaping);
    tcase_add_test(tc, bad_length_follows_format_json);
    tcase_add_test(tc, bad_length_follows_format_both);
    tcase_add_test(tc, bad_length_follows_pdu_log_off);
    tcase_add_test(tc, rule_value_is_escaped);
    tcase_add_test(tc, long_peer_is_kept_raw);
    tcase_add_test(tc, long_kannel_id_is_cut_once);
    tcase_add_test(tc, host_unpack_failure_is_shown);
    tcase_add_test(tc, shutdown_is_bounded_on_a_stuck_disk);
    tcase_add_test(tc, reload_is_done_off_the_callers_thread);
    tcase_add_test(tc, reload_while_dispatching);
    tcase_add_test(tc, prebind_pdus_are_bounded);
    tcase_add_test(tc, long_values_cut_by_default);
    tcase_add_test(tc, long_values_whole_with_zero);
    tcase_add_test(tc, message_log_lines);
    tcase_add_test(tc, message_log_named_by_box_id);
    tcase_add_test(tc, message_log_off);
    tcase_add_test(tc, message_log_follows_pdu_log_off);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(module_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
