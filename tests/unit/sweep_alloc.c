/*
 * sweep_alloc: allocation failures injected into a scripted session, one
 * allocation at a time (SQLite's way).
 *
 * Built with EMGDIAG_FAULT_INJECTION (module/alloc.h) and ASan+UBSan by
 * `make check-faults`.  A script drives the module through the hook ABI as
 * a host would: start, a refused connect, an allowed one, a refused and an
 * accepted bind, PDUs both ways (a bad command_length and a PDU the host
 * could not unpack among them), an outgoing session that fails to connect
 * and then binds, a reload, a log reopen, shutdown.  It runs first with no
 * failure, counting the module's allocation calls and the lines it writes;
 * then once for every N, in a child process of its own, with the N-th
 * allocation failing (and, in the second test, every allocation from the
 * N-th on).  Each child must exit cleanly (no crash, no sanitizer report,
 * no leak: LeakSanitizer checks at its exit), and the lines must add up:
 * the lines in the files, plus those reported as DROPPED in general, plus
 * those reported lost to the host's log, equal the lines of the run
 * without failures.  Runs where the module could not start, or a session
 * could not be opened (the host then has no session to report on), are
 * only held to the first promise.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "emgdiag_hook.h"

#include "abi_driver.h"

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *h, char *err,
                                                  size_t errlen);

/* What one run of the script found. */
struct outcome {
    unsigned long calls;   /* allocation calls the module made */
    unsigned long lines;   /* lines in the files, DROPPED lines left out */
    unsigned long dropped; /* counts of the DROPPED lines */
    unsigned long lost;    /* lines reported lost to the host's log */
    int skipped;           /* the module or a session could not start */
};

static unsigned long host_lost;
static int debug;                  /* SWEEP_DEBUG set: show the host's log and keep the files */
static unsigned long expect_lines; /* the clean run's, once known */
static char host_lines[4096];      /* what the host's log got, for a failing run */

/* The host's log: counts the lines the module says it lost. */
static void host_log(int level, const char *line)
{
    const char *p;
    unsigned long n;

    (void)level;
    if (debug)
        fprintf(stderr, "host log: %s\n", line);
    if (strlen(host_lines) + strlen(line) + 2 < sizeof(host_lines)) {
        strcat(host_lines, line);
        strcat(host_lines, "\n");
    }
    if ((p = strstr(line, "emgdiag: ")) != NULL && sscanf(p, "emgdiag: %lu l", &n) == 1 &&
        strstr(p, " lost") != NULL)
        host_lost += n;
}

static void pdu(const struct emgdiag_module *m, struct emgdiag_session *s, int dir, uint32_t id,
                uint32_t status, uint32_t seq, const void *body, size_t blen, unsigned flags)
{
    unsigned char b[256];

    m->pdu(s, dir, b, abi_pdu(b, id, status, seq, body, blen), flags);
}

static const char bind_body[] = "alice\0pw\0VMA\0\x34\0\0"; /* + the literal's NUL */
static const char submit_body[] = "\0\1\1"
                                  "12345\0"
                                  "\1\1"
                                  "4670123456\0"
                                  "\0\0\0\0\0\0\0\0\x05"
                                  "hello";

/* The script; returns -1 when the module or a session could not start. */
static int script(const char *dir, const char *xml)
{
    static struct emgdiag_host h;
    const struct emgdiag_module *m;
    struct emgdiag_session *in1, *in2, *out;
    struct emgdiag_bind b;
    const unsigned char bad_len[4] = { 0, 0, 0, 9 };
    char err[512];
    int i;

    (void)dir;
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    h.abi_major = EMGDIAG_ABI_MAJOR;
    h.abi_minor = EMGDIAG_ABI_MINOR;
    h.box = EMGDIAG_BOX_OPENSMPPBOX;
    h.box_id = "osb";
    h.module_path = "emgdiag.so";
    h.config_path = xml;
    h.host_version = "sweep";
    h.log = host_log;
    m = emgdiag_module_entry(&h, err, sizeof(err));
    if (m == NULL)
        return -1;

    m->accept_check("osb", "192.0.2.66", 4000);
    m->accept_check("osb", "127.0.0.1", 4001);

    in1 = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.2");
    in2 = abi_session_open(m, EMGDIAG_ROLE_SERVER, "osb", -1, "127.0.0.1");
    out = abi_session_open(m, EMGDIAG_ROLE_TRX, "upstream", 0, "smsc.example");
    if (in1 == NULL || in2 == NULL || out == NULL) {
        if (in1 != NULL)
            m->session_close(in1);
        if (in2 != NULL)
            m->session_close(in2);
        if (out != NULL)
            m->session_close(out);
        m->shutdown();
        return -1;
    }

    /* A bind refused by the per-user addresses. */
    m->connect_ok(in1);
    pdu(m, in1, EMGDIAG_DIR_READ, 0x00000009, 0, 1, bind_body, sizeof(bind_body), 0);
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "alice";
    b.credentials_ok = 1;
    m->bind_check(in1, &b);
    pdu(m, in1, EMGDIAG_DIR_WRITE, 0x80000009, b.status, 1, "", 0, 0);
    m->disconnected(in1, EMGDIAG_DISC_LOGIN_FAILED, 0);
    m->session_close(in1);

    /* An accepted bind and some traffic. */
    m->connect_ok(in2);
    pdu(m, in2, EMGDIAG_DIR_READ, 0x00000009, 0, 1, bind_body, sizeof(bind_body), 0);
    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.system_id = "alice";
    b.credentials_ok = 1;
    m->bind_check(in2, &b);
    pdu(m, in2, EMGDIAG_DIR_WRITE, 0x80000009, 0, 1, "OSB", 4, 0);
    for (i = 0; i < 3; i++) {
        pdu(m, in2, EMGDIAG_DIR_READ, 0x00000004, 0, 2 + (uint32_t)i, submit_body,
            sizeof(submit_body) - 1, 0);
        pdu(m, in2, EMGDIAG_DIR_WRITE, 0x80000004, 0, 2 + (uint32_t)i, "id1", 4, 0);
    }

    /* An outgoing session: a failed connect, then a bind. */
    m->connect_err(out, 111);
    m->connect_ok(out);
    pdu(m, out, EMGDIAG_DIR_WRITE, 0x00000009, 0, 1, bind_body, sizeof(bind_body), 0);
    pdu(m, out, EMGDIAG_DIR_READ, 0x80000009, 0, 1, "SMSC", 5, 0);
    for (i = 0; i < 3; i++)
        m->pdu(out, EMGDIAG_DIR_READ, bad_len, sizeof(bad_len), EMGDIAG_PDU_BAD_LENGTH);
    pdu(m, out, EMGDIAG_DIR_READ, 0x00000015, 0, 9, "", 0, EMGDIAG_PDU_UNPACK_FAILED);

    m->reload();
    m->reopen();

    pdu(m, in2, EMGDIAG_DIR_READ, 0x00000006, 0, 20, "", 0, 0);
    pdu(m, in2, EMGDIAG_DIR_WRITE, 0x80000006, 0, 20, "", 0, 0);
    m->disconnected(in2, EMGDIAG_DISC_PEER_CLOSED, 0);
    m->session_close(in2);
    m->disconnected(out, EMGDIAG_DISC_ERRNO, 104);
    m->session_close(out);
    m->shutdown();
    return 0;
}

/* Counts the lines of every file in dir, and the DROPPED counts. */
static void count_files(const char *dir, struct outcome *o)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512], line[8192];
    FILE *f;
    const char *p;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "emg.xml") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof(line), f) != NULL) {
            ck_assert_msg(strchr(line, '\n') != NULL, "%s: a line without its end", path);
            /* A DROPPED report is accounting, not a line of the script: its
             * count is taken once, from the text line. */
            if ((p = strstr(line, "DROPPED count=\"")) != NULL)
                o->dropped += strtoul(p + strlen("DROPPED count=\""), NULL, 10);
            else if (strstr(line, "\"event\":\"DROPPED\"") == NULL)
                o->lines++;
        }
        fclose(f);
    }
    closedir(d);
}

static void remove_tree(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The child: runs the script with allocation `n` failing, writes its
 * outcome to fd. */
static void child(unsigned long n, int sticky, int fd)
{
    char tmpl[] = "/tmp/sweep_alloc.XXXXXX", xml[128];
    struct outcome o;
    FILE *f;
    int rc;

    memset(&o, 0, sizeof(o));
    if (mkdtemp(tmpl) == NULL)
        _exit(2);
    snprintf(xml, sizeof(xml), "%s/emg.xml", tmpl);
    f = fopen(xml, "w");
    if (f == NULL)
        _exit(2);
    fprintf(
        f,
        "<emgdiag>\n<logs dir=\"%s\" format=\"both\"/>\n"
        "<connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">\n"
        "<access><deny address=\"192.0.2.66\"/><allow address=\"127.0.0.0/8\"/></access>\n"
        "</connector>\n"
        "<connector name=\"up\" type=\"outgoing\" smsc-id=\"upstream\"/>\n"
        "<users><user system-id=\"alice\"><allow connector=\"in\" address=\"127.0.0.1\"/></user>"
        "</users>\n</emgdiag>\n",
        tmpl);
    fclose(f);
    host_lost = 0;
    host_lines[0] = '\0';
    emg_alloc_fail_at(n, sticky);
    rc = script(tmpl, xml);
    o.calls = emg_alloc_calls();
    emg_alloc_fail_at(0, 0);
    o.skipped = rc != 0;
    o.lost = host_lost;
    count_files(tmpl, &o);
    if (debug ||
        (expect_lines != 0 && !o.skipped && o.lines + o.dropped + o.lost != expect_lines)) {
        /* Kept for a look: the files, and what the host's log was told. */
        fprintf(stderr, "allocation %lu%s: files kept in %s; host log:\n%s", n,
                sticky ? " (sticky)" : "", tmpl, host_lines);
    } else {
        remove_tree(tmpl);
    }
    if (write(fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
        _exit(2);
    close(fd);
    exit(0); /* through exit(): LeakSanitizer checks here */
}

/* Runs one child; fails the test unless it ended cleanly. */
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

    expect_lines = 0;
    run(0, 0, &base);
    ck_assert_int_eq(base.skipped, 0);
    expect_lines = base.lines;
    ck_assert_msg(base.dropped + base.lost == 0,
                  "without failures: %lu lines, %lu dropped, %lu lost", base.lines, base.dropped,
                  base.lost);
    ck_assert_uint_gt(base.lines, 30);
    ck_assert_uint_gt(base.calls, 50);
    /* A few past the end: the count varies a little with thread timing. */
    for (n = 1; n <= base.calls + base.calls / 10; n++) {
        run(n, sticky, &o);
        if (o.skipped)
            continue;
        checked++;
        ck_assert_msg(o.lines + o.dropped + o.lost == base.lines,
                      "allocation %lu failing%s: %lu lines + %lu dropped + %lu lost != %lu", n,
                      sticky ? " (and every one after)" : "", o.lines, o.dropped, o.lost,
                      base.lines);
    }
    printf("sweep%s: %lu allocation calls, %lu runs with every line accounted for\n",
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

static unsigned long debug_n;
static int debug_sticky;

START_TEST(one_run)
{
    struct outcome o;

    run(debug_n, debug_sticky, &o);
    printf("calls %lu lines %lu dropped %lu lost %lu skipped %d\n", o.calls, o.lines, o.dropped,
           o.lost, o.skipped);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("allocation sweep");
    TCase *tc = tcase_create("sweep");
    SRunner *sr;
    int failed;
    const char *one = getenv("SWEEP_DEBUG");

    /* SWEEP_DEBUG=N[s]: run allocation N failing (s: and every one after)
     * once, show the host's log and keep the files. */
    if (one != NULL) {
        debug = 1;
        debug_n = strtoul(one, NULL, 10);
        debug_sticky = strchr(one, 's') != NULL;
        tcase_add_test(tc, one_run);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_set_fork_status(sr, CK_NOFORK);
        srunner_run_all(sr, CK_NORMAL);
        srunner_free(sr);
        return 0;
    }
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
