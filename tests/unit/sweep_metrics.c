/*
 * sweep_metrics: allocation failures injected into a scripted story with
 * the metrics sink on, one allocation at a time, as tests/unit/sweep_alloc.c
 * does for the file sink.
 *
 * Built with EMGDIAG_FAULT_INJECTION (module/alloc.h) and ASan+UBSan by
 * `make check-faults`.  The script starts an opensmppbox whose <metrics>
 * has a textfile (written at start and, with the final counts, at
 * shutdown), refuses a connect, opens two sessions, binds, sends PDUs both
 * ways, disconnects, reloads and shuts down.  It runs once without
 * failures, then once per N in a child process with the N-th allocation
 * failing (and, in the second test, every one from the N-th on).  Each
 * child must end cleanly (no crash, no sanitizer report, no leak), and
 * when the final textfile was written every sample must be accounted for:
 * the PDUs and connects counted in their series plus those counted in
 * emgdiag_series_overflow_total equal the events the script made.  A run
 * where the module or a session could not start, or where the final text
 * could not be rendered, is only held to the first promise.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "emgdiag_hook.h"

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen);

/* What the script sends: PDUs and connects (ok and failed). */
#define SCRIPT_PDUS 10
#define SCRIPT_CONNECTS 2

struct outcome {
    unsigned long calls;
    int skipped; /* the module or a session did not start */
    int final;   /* the final textfile was written */
    unsigned long pdus, connects;
};

static void quiet_log(int level, const char *line)
{
    (void)level;
    (void)line;
}

static void pdu(const struct emgdiag_module *m, struct emgdiag_session *s, int dir, uint32_t id,
                uint32_t status, uint32_t seq, const void *body, size_t blen)
{
    unsigned char b[128];
    uint32_t v[4] = { (uint32_t)(16 + blen), id, status, seq };

    for (int i = 0; i < 4; i++) {
        b[i * 4] = (unsigned char)(v[i] >> 24);
        b[i * 4 + 1] = (unsigned char)(v[i] >> 16);
        b[i * 4 + 2] = (unsigned char)(v[i] >> 8);
        b[i * 4 + 3] = (unsigned char)v[i];
    }
    memcpy(b + 16, body, blen);
    m->pdu(s, dir, b, 16 + blen, 0);
}

static struct emgdiag_session *open_session(const struct emgdiag_module *m, const char *peer)
{
    struct emgdiag_session_info si;

    memset(&si, 0, sizeof(si));
    si.size = sizeof(si);
    si.role = EMGDIAG_ROLE_SERVER;
    si.kannel_id = "osb";
    si.instance = -1;
    si.host = peer;
    si.port = 4000;
    return m->session_open(&si);
}

static const char bind_body[] = "alice\0pw\0VMA\0\x34\0\0";

static int script(const char *xml, const char *prom)
{
    static struct emgdiag_host h;
    const struct emgdiag_module *m;
    struct emgdiag_session *a, *b;
    char err[512];

    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    h.abi_major = EMGDIAG_ABI_MAJOR;
    h.abi_minor = EMGDIAG_ABI_MINOR;
    h.box = EMGDIAG_BOX_OPENSMPPBOX;
    h.box_id = "osb";
    h.config_path = xml;
    h.host_version = "sweep";
    h.log = quiet_log;
    m = emgdiag_module_entry(&h, err, sizeof(err));
    if (m == NULL)
        return -1;
    /* The write at start comes first (unless it fails), so that the file
     * found at the end is that one or the final one, never one between. */
    for (int i = 0; i < 30 && access(prom, F_OK) != 0; i++)
        usleep(10000);
    m->accept_check("osb", "192.0.2.66", 1);
    a = open_session(m, "127.0.0.1");
    b = open_session(m, "127.0.0.2");
    if (a == NULL || b == NULL) {
        if (a != NULL)
            m->session_close(a);
        if (b != NULL)
            m->session_close(b);
        m->shutdown();
        return -1;
    }
    m->connect_ok(a);
    m->connect_ok(b);
    pdu(m, a, EMGDIAG_DIR_READ, 0x00000009, 0, 1, bind_body, sizeof(bind_body));
    pdu(m, a, EMGDIAG_DIR_WRITE, 0x80000009, 0, 1, "OSB", 4);
    pdu(m, a, EMGDIAG_DIR_READ, 0x00000004, 0, 2, "", 0);
    pdu(m, a, EMGDIAG_DIR_WRITE, 0x80000004, 88, 2, "", 0);
    pdu(m, a, EMGDIAG_DIR_READ, 0x00000015, 0, 3, "", 0);
    pdu(m, b, EMGDIAG_DIR_READ, 0x00000002, 0, 1, bind_body, sizeof(bind_body));
    pdu(m, b, EMGDIAG_DIR_WRITE, 0x80000002, 14, 1, "", 0);
    m->disconnected(b, EMGDIAG_DISC_LOGIN_FAILED, 0);
    m->session_close(b);
    m->reload();
    pdu(m, a, EMGDIAG_DIR_WRITE, 0x80000015, 0, 3, "", 0);
    pdu(m, a, EMGDIAG_DIR_READ, 0x00000006, 0, 4, "", 0);
    pdu(m, a, EMGDIAG_DIR_WRITE, 0x80000006, 0, 4, "", 0);
    m->disconnected(a, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(a);
    m->shutdown();
    return 0;
}

/* Sum of the values of the lines starting with `prefix` whose text holds
 * `also` (NULL: any). */
static unsigned long sum_of(const char *text, const char *prefix, const char *also)
{
    unsigned long sum = 0;
    const char *line, *nl;

    for (line = text; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        if (strncmp(line, prefix, strlen(prefix)) == 0 &&
            (also == NULL || (strstr(line, also) != NULL && strstr(line, also) < nl)))
            sum += strtoul(memrchr(line, ' ', (size_t)(nl - line)) + 1, NULL, 10);
    }
    return sum;
}

static void child(unsigned long n, int sticky, int fd)
{
    char tmpl[] = "/tmp/sweep_metrics.XXXXXX", xml[128], prom[128], cmd[160], text[65536];
    struct outcome o;
    FILE *f;
    size_t got;

    memset(&o, 0, sizeof(o));
    if (mkdtemp(tmpl) == NULL)
        _exit(2);
    snprintf(xml, sizeof(xml), "%s/emg.xml", tmpl);
    snprintf(prom, sizeof(prom), "%s/osb.prom", tmpl);
    f = fopen(xml, "w");
    if (f == NULL)
        _exit(2);
    fprintf(f,
            "<emgdiag><logs dir=\"%s\"/>"
            "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">"
            "<access><deny address=\"192.0.2.66\"/><allow "
            "address=\"127.0.0.0/8\"/></access></connector>"
            "<metrics box=\"opensmppbox\" textfile=\"%s\" interval=\"3600\"/></emgdiag>\n",
            tmpl, prom);
    fclose(f);
    emg_alloc_fail_at(n, sticky);
    o.skipped = script(xml, prom) != 0;
    o.calls = emg_alloc_calls();
    emg_alloc_fail_at(0, 0);
    f = fopen(prom, "r");
    if (f != NULL) {
        got = fread(text, 1, sizeof(text) - 1, f);
        text[got] = '\0';
        fclose(f);
        /* The text at start has no PDU; the final one has them all. */
        o.pdus = sum_of(text, "emgdiag_pdus_total{", NULL) +
                 sum_of(text, "emgdiag_series_overflow_total{", "\"emgdiag_pdus_total\"");
        o.connects = sum_of(text, "emgdiag_connects_total{", NULL) +
                     sum_of(text, "emgdiag_series_overflow_total{", "\"emgdiag_connects_total\"");
        o.final = o.pdus > 0;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        _exit(2);
    if (write(fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
        _exit(2);
    close(fd);
    exit(0); /* through exit(): LeakSanitizer checks here */
}

static void run(unsigned long n, int sticky, struct outcome *o)
{
    int p[2], status;
    pid_t pid;
    ssize_t got;

    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        child(n, sticky, p[1]);
    }
    close(p[1]);
    got = read(p[0], o, sizeof(*o));
    close(p[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "allocation %lu failing%s: the run ended with %s %d", n,
                  sticky ? " (and every one after)" : "", WIFEXITED(status) ? "status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    ck_assert_int_eq(got, (ssize_t)sizeof(*o));
}

static void sweep(int sticky)
{
    struct outcome base, o;
    unsigned long n, checked = 0;

    run(0, 0, &base);
    ck_assert_int_eq(base.skipped, 0);
    ck_assert_int_eq(base.final, 1);
    ck_assert_uint_eq(base.pdus, SCRIPT_PDUS);
    ck_assert_uint_eq(base.connects, SCRIPT_CONNECTS);
    ck_assert_uint_gt(base.calls, 50);
    for (n = 1; n <= base.calls + base.calls / 10; n++) {
        run(n, sticky, &o);
        if (o.skipped || !o.final)
            continue;
        checked++;
        ck_assert_msg(
            o.pdus == SCRIPT_PDUS && o.connects == SCRIPT_CONNECTS,
            "allocation %lu failing%s: %lu PDUs and %lu connects accounted for, not %d and %d", n,
            sticky ? " (and every one after)" : "", o.pdus, o.connects, SCRIPT_PDUS,
            SCRIPT_CONNECTS);
    }
    printf("sweep_metrics%s: %lu allocation calls, %lu runs with every sample accounted for\n",
           sticky ? " (sticky)" : "", base.calls, checked);
    ck_assert_uint_gt(checked, 0);
}

START_TEST(every_single_allocation_failing)
{
    sweep(0);
}
END_TEST

START_TEST(every_allocation_from_n_on_failing)
{
    sweep(1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics allocation sweep");
    TCase *tc = tcase_create("sweep");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, every_single_allocation_failing);
    tcase_add_test(tc, every_allocation_from_n_on_failing);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
