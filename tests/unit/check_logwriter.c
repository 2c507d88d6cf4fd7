/*
 * Unit tests for the log writer thread (module/logwriter.c).
 *
 * Each test builds its own log directory under a fresh mkdtemp() directory,
 * submits lines whose bytes the test chooses, and reads the files back.  The
 * faults are real ones: a directory whose parent is a regular file, a
 * directory removed under the writer, a renamed file, a file size limit
 * (RLIMIT_FSIZE with SIGXFSZ ignored) standing in for a full disk, "general"
 * made impossible to open by putting a directory of that name in its place,
 * and a writer held inside its on_signal callback so the queue bound can be
 * hit on purpose.  Size rotation is checked by reading every rotated file
 * back (gzipped ones through zlib) and finding each line exactly once, in
 * order, where the limit says it must be.  Tests run forked (Check's default), so the resource
 * limit and signal handlers stay inside one test.
 *
 * Every test that writes runs twice (Check loop tests): with a writer that
 * takes each batch at once (linger_ms 0) and with one that lingers as the
 * module's does (MODULE_LINGER_MS), so no behaviour depends on lingering.
 * The linger tests at the end check what lingering itself promises.
 */
#include "../../module/logwriter.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define FULL_FS_LINES 40
#define MODULE_LINGER_MS 10

/* The writers this test starts linger this long (loop index 1) or not (0). */
static int linger_ms;
#define LINGER_FROM_LOOP() (linger_ms = _i ? MODULE_LINGER_MS : 0)
#define DROPPED_FMT "DROPPED count=\"%lu\" file=\"%s\"\n"

/* ---- helpers ------------------------------------------------------------ */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/check_logwriter.XXXXXX";
    char *d = mkdtemp(tmpl);

    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = NULL;

    ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

/* Whole file as a NUL-terminated string; NULL when it does not exist. */
static char *read_file(const char *dir, const char *name, size_t *len_out)
{
    char *path = path_in(dir, name);
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0, n;

    free(path);
    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 131072;
            buf = realloc(buf, cap + 1);
            ck_assert_ptr_nonnull(buf);
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

static void assert_file_is(const char *dir, const char *name, const char *expected)
{
    char *got = read_file(dir, name, NULL);

    ck_assert_msg(got != NULL, "%s/%s does not exist", dir, name);
    ck_assert_str_eq(got, expected);
    free(got);
}

static void remove_tree(const char *dir)
{
    char *cmd = NULL;

    ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

/* "general" reports `count` lines dropped for each of files a and b. */
static void assert_drops_reported(const char *dir, unsigned long count, const char *a,
                                  const char *b)
{
    char *got = read_file(dir, "general", NULL), want[256];

    ck_assert_ptr_nonnull(got);
    snprintf(want, sizeof want, DROPPED_FMT, count, a);
    ck_assert_msg(strstr(got, want) != NULL, "general: %s", got);
    snprintf(want, sizeof want, DROPPED_FMT, count, b);
    ck_assert_msg(strstr(got, want) != NULL, "general: %s", got);
    free(got);
}

static int submit_str(struct logwriter *w, const char *file, const char *line)
{
    return logwriter_submit(w, file, line, strlen(line));
}

/* A 100-octet line: "<tag>-<n>" padded with '.' and ending in '\n'. */
static void line100(char *buf, const char *tag, int n)
{
    int k = snprintf(buf, 101, "%s-%d", tag, n);

    memset(buf + k, '.', (size_t)(99 - k));
    buf[99] = '\n';
    buf[100] = '\0';
}

/* Context shared with the callbacks: it can hold the writer thread inside
 * on_signal, and it records host_log and on_signal calls. */
struct test_ctx {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int held, release;
    int orphan_exits;
    unsigned signal_bits;
    int host_log_calls;
    char last_host_msg[512];
};

#define HOLD_BIT 0x100u

static void test_ctx_init(struct test_ctx *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
}

static void cb_format_dropped(void *ctx, const char *file, unsigned long count, struct sbuf *out,
                              struct sbuf *json)
{
    (void)ctx;
    (void)json;
    sbuf_printf(out, DROPPED_FMT, count, file);
}

/* Files whose name starts with "shared" are shared with other processes. */
static int cb_is_shared(void *ctx, const char *file)
{
    (void)ctx;
    return strncmp(file, "shared", 6) == 0;
}

static void cb_host_log(void *ctx, const char *msg)
{
    struct test_ctx *c = ctx;

    pthread_mutex_lock(&c->lock);
    c->host_log_calls++;
    snprintf(c->last_host_msg, sizeof c->last_host_msg, "%s", msg);
    pthread_mutex_unlock(&c->lock);
}

static void cb_on_signal(void *ctx, unsigned bits)
{
    struct test_ctx *c = ctx;

    pthread_mutex_lock(&c->lock);
    c->signal_bits |= bits;
    if (bits & HOLD_BIT) {
        c->held = 1;
        pthread_cond_broadcast(&c->cond);
        while (!c->release)
            pthread_cond_wait(&c->cond, &c->lock);
        c->held = 0;
        c->release = 0;
    }
    pthread_mutex_unlock(&c->lock);
}

static void cb_orphan_exit(void *ctx)
{
    struct test_ctx *c = ctx;

    pthread_mutex_lock(&c->lock);
    c->orphan_exits++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* Parks the writer thread inside on_signal until release_writer(). */
static void hold_writer(struct logwriter *w, struct test_ctx *c)
{
    logwriter_signal(w, HOLD_BIT);
    pthread_mutex_lock(&c->lock);
    while (!c->held)
        pthread_cond_wait(&c->cond, &c->lock);
    pthread_mutex_unlock(&c->lock);
}

static void release_writer(struct test_ctx *c)
{
    pthread_mutex_lock(&c->lock);
    c->release = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* A writer with the test's callbacks; rotatable NULL: nothing rotates. */
static struct logwriter *start_writer_with(const char *dir, size_t max_bytes, struct test_ctx *c,
                                           int (*rotatable)(void *ctx, const char *file))
{
    struct logwriter_opts o;
    struct logwriter *w;
    char err[256] = "";

    memset(&o, 0, sizeof o);
    o.dir = dir;
    o.max_queued_bytes = max_bytes;
    o.linger_ms = linger_ms;
    o.format_dropped = cb_format_dropped;
    o.is_shared = cb_is_shared;
    o.host_log = cb_host_log;
    o.on_signal = cb_on_signal;
    o.on_orphan_exit = cb_orphan_exit;
    o.rotatable = rotatable;
    o.ctx = c;
    w = logwriter_start(&o, err, sizeof err);
    ck_assert_msg(w != NULL, "logwriter_start(%s): %s", dir, err);
    return w;
}

static struct logwriter *start_writer(const char *dir, size_t max_bytes, struct test_ctx *c)
{
    return start_writer_with(dir, max_bytes, c, NULL);
}

/* Files whose name starts with "shared" or is "general" are never rotated. */
static int cb_rotatable(void *ctx, const char *file)
{
    (void)ctx;
    return strncmp(file, "shared", 6) != 0 && strcmp(file, "general") != 0;
}

static struct logwriter *start_rotating_writer(const char *dir, struct test_ctx *c,
                                               unsigned long long size, unsigned keep,
                                               int compress)
{
    struct logwriter *w = start_writer_with(dir, 0, c, cb_rotatable);

    logwriter_set_rotation(w, size, keep, compress);
    return w;
}

/* A whole file through zlib (which reads a plain file as it is); NULL when
 * it does not exist. */
static char *read_any(const char *dir, const char *name)
{
    char *path = path_in(dir, name);
    gzFile g;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    int n;

    if (access(path, F_OK) != 0) {
        free(path);
        return NULL;
    }
    g = gzopen(path, "rb");
    ck_assert_msg(g != NULL, "gzopen %s", path);
    free(path);
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 131072;
            buf = realloc(buf, cap + 1);
            ck_assert_ptr_nonnull(buf);
        }
        n = gzread(g, buf + len, (unsigned)(cap - len));
        ck_assert_int_ge(n, 0);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    gzclose(g);
    buf[len] = '\0';
    return buf;
}

/* The lines "<tag>-<from>" .. "<tag>-<to>" as line100() makes them. */
static char *lines100(const char *tag, int from, int to)
{
    char *all = calloc((size_t)(to - from + 1) * 100 + 1, 1);
    char l[101];

    ck_assert_ptr_nonnull(all);
    for (int i = from; i <= to; i++) {
        line100(l, tag, i);
        strcat(all, l);
    }
    return all;
}

static void assert_lines(const char *dir, const char *name, const char *tag, int from, int to)
{
    char *want = lines100(tag, from, to), *got = read_any(dir, name);

    ck_assert_msg(got != NULL, "%s/%s does not exist", dir, name);
    ck_assert_msg(strcmp(got, want) == 0, "%s: expected lines %d to %d, got:\n%s", name, from,
                  to, got);
    free(want);
    free(got);
}

static void assert_absent(const char *dir, const char *name)
{
    char *p = path_in(dir, name);

    ck_assert_msg(access(p, F_OK) != 0, "%s exists", p);
    free(p);
}

/* Waits up to 20 s for the gzip helper to have compressed n files. */
static void wait_compressed(struct logwriter *w, unsigned long n)
{
    struct logwriter_stats s;

    for (int i = 0; i < 2000; i++) {
        logwriter_stats(w, &s);
        if (s.compressed >= n)
            return;
        usleep(10000);
    }
    ck_abort_msg("only %lu of %lu rotated files compressed", s.compressed, n);
}

/* ---- start -------------------------------------------------------------- */

START_TEST(test_start_fails_when_parent_is_a_file)
{
    char *top = make_tmpdir();
    char *file = path_in(top, "plainfile");
    char *dir = path_in(file, "logs");
    char expected[512], err[256] = "";
    struct logwriter_opts o;
    FILE *f = fopen(file, "w");

    ck_assert_ptr_nonnull(f);
    fclose(f);
    memset(&o, 0, sizeof o);
    o.dir = dir;
    ck_assert_ptr_null(logwriter_start(&o, err, sizeof err));
    snprintf(expected, sizeof expected, "log directory %s: %s", dir, strerror(ENOTDIR));
    ck_assert_str_eq(err, expected);
    remove_tree(top);
    free(dir);
    free(file);
    free(top);
}
END_TEST

START_TEST(test_start_fails_without_dir)
{
    struct logwriter_opts o;
    char err[256] = "";

    memset(&o, 0, sizeof o);
    ck_assert_ptr_null(logwriter_start(&o, err, sizeof err));
    ck_assert_str_eq(err, "log directory not set");
}
END_TEST

START_TEST(test_start_creates_parents_mode_0750_and_leaves_no_probe)
{
    LINGER_FROM_LOOP();
    char *top = make_tmpdir();
    char *a = path_in(top, "a");
    char *dir = path_in(top, "a/b/c");
    struct test_ctx c;
    struct logwriter *w;
    struct stat st;
    char *cmd = NULL;

    umask(022);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0750);
    ck_assert_int_eq(stat(a, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0750);
    /* the probe file is gone: the directory is empty */
    ck_assert_int_ge(asprintf(&cmd, "test -z \"$(ls -A '%s')\"", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    logwriter_stop(w);
    remove_tree(top);
    free(dir);
    free(a);
    free(top);
}
END_TEST

/* The writer thread is named for ps -L and top -H: exactly one thread of
 * this process is called emgdiag-writer while it runs, none after. */
static int threads_named(const char *name)
{
    char *cmd = NULL, buf[64] = "";
    FILE *p;
    int n = -1;

    ck_assert_int_ge(
        asprintf(&cmd, "cat /proc/%ld/task/*/comm | grep -cx '%s'", (long)getpid(), name), 0);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    if (fgets(buf, sizeof buf, p) != NULL)
        n = atoi(buf);
    pclose(p);
    free(cmd);
    return n;
}

START_TEST(test_writer_thread_is_named)
{
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;

    test_ctx_init(&c);
    ck_assert_int_eq(threads_named("emgdiag-writer"), 0);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(threads_named("emgdiag-writer"), 1);
    logwriter_stop(w);
    ck_assert_int_eq(threads_named("emgdiag-writer"), 0);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* ---- writing ------------------------------------------------------------ */

START_TEST(test_lines_go_to_their_files_in_order_mode_0640)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    struct stat st;
    char *p;

    umask(022);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(submit_str(w, "connector.smpp-out", "one\n"), 0);
    ck_assert_int_eq(submit_str(w, "pdu.smpp-out", "pdu 1\n"), 0);
    ck_assert_int_eq(submit_str(w, "connector.smpp-out", "two\n"), 0);
    ck_assert_int_eq(submit_str(w, "general", "g\n"), 0);
    /* a line holding a NUL octet is copied by length, not by strlen */
    ck_assert_int_eq(logwriter_submit(w, "pdu.smpp-out", "a\0b\n", 4), 0);
    logwriter_flush(w);
    assert_file_is(dir, "connector.smpp-out", "one\ntwo\n");
    assert_file_is(dir, "general", "g\n");
    {
        size_t len;
        char *got = read_file(dir, "pdu.smpp-out", &len);
        ck_assert_ptr_nonnull(got);
        ck_assert_uint_eq(len, 10);
        ck_assert_int_eq(memcmp(got, "pdu 1\na\0b\n", 10), 0);
        free(got);
    }
    p = path_in(dir, "connector.smpp-out");
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    free(p);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, 5);
    ck_assert_uint_eq(s.dropped, 0);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_appends_to_existing_file)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    char *p = path_in(dir, "general");
    FILE *f = fopen(p, "w");
    struct test_ctx c;
    struct logwriter *w;

    ck_assert_ptr_nonnull(f);
    fputs("from another process\n", f);
    fclose(f);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(submit_str(w, "general", "ours\n"), 0);
    logwriter_flush(w);
    assert_file_is(dir, "general", "from another process\nours\n");
    logwriter_stop(w);
    free(p);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_rejects_bad_names_and_lines)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char longname[300];

    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(submit_str(w, "../escape", "x\n"), -1);
    ck_assert_int_eq(submit_str(w, "a/b", "x\n"), -1);
    ck_assert_int_eq(submit_str(w, "..", "x\n"), -1);
    ck_assert_int_eq(submit_str(w, ".", "x\n"), -1);
    ck_assert_int_eq(submit_str(w, "", "x\n"), -1);
    ck_assert_int_eq(submit_str(w, longname, "x\n"), -1);
    ck_assert_int_eq(logwriter_submit(w, NULL, "x\n", 2), -1);
    ck_assert_int_eq(submit_str(w, "general", "no newline"), -1);
    ck_assert_int_eq(logwriter_submit(w, "general", "", 0), -1);
    logwriter_flush(w);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.dropped, 9);
    ck_assert_uint_eq(s.written, 0);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_stop_drains_the_queue)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char line[32];
    char *got, *p;
    int i, n = 0;

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    for (i = 0; i < 5000; i++) {
        snprintf(line, sizeof line, "line %d\n", i);
        ck_assert_int_eq(submit_str(w, "connector.x", line), 0);
    }
    logwriter_stop(w);
    got = read_file(dir, "connector.x", NULL);
    ck_assert_ptr_nonnull(got);
    for (p = got; *p != '\0'; p = strchr(p, '\n') + 1) {
        snprintf(line, sizeof line, "line %d\n", n);
        ck_assert_int_eq(strncmp(p, line, strlen(line)), 0);
        n++;
    }
    ck_assert_int_eq(n, 5000);
    free(got);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* ---- faults ------------------------------------------------------------- */

START_TEST(test_removed_directory_is_recreated)
{
    LINGER_FROM_LOOP();
    char *top = make_tmpdir();
    char *dir = path_in(top, "logs");
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(submit_str(w, "connector.x", "before\n"), 0);
    logwriter_flush(w);
    assert_file_is(dir, "connector.x", "before\n");
    remove_tree(dir);
    ck_assert_int_eq(submit_str(w, "connector.x", "after\n"), 0);
    ck_assert_int_eq(submit_str(w, "general", "g\n"), 0);
    logwriter_flush(w);
    assert_file_is(dir, "connector.x", "after\n");
    assert_file_is(dir, "general", "g\n");
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, 3);
    ck_assert_uint_eq(s.dropped, 0);
    logwriter_stop(w);
    remove_tree(top);
    free(dir);
    free(top);
}
END_TEST

START_TEST(test_rename_then_reopen_loses_nothing)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    char *cur = path_in(dir, "pdu.x");
    char *old = path_in(dir, "pdu.x.1");
    struct test_ctx c;
    struct logwriter *w;

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(submit_str(w, "pdu.x", "A\n"), 0);
    logwriter_flush(w);
    ck_assert_int_eq(rename(cur, old), 0);
    /* not reopened yet: the line follows the renamed file */
    ck_assert_int_eq(submit_str(w, "pdu.x", "B\n"), 0);
    logwriter_flush(w);
    logwriter_signal(w, LW_SIG_REOPEN | 0x4u);
    ck_assert_int_eq(submit_str(w, "pdu.x", "C\n"), 0);
    logwriter_flush(w);
    assert_file_is(dir, "pdu.x.1", "A\nB\n");
    assert_file_is(dir, "pdu.x", "C\n");
    logwriter_stop(w);
    /* on_signal saw the other bit, without LW_SIG_REOPEN */
    ck_assert_uint_eq(c.signal_bits, 0x4u);
    free(cur);
    free(old);
    remove_tree(dir);
    free(dir);
}
END_TEST

static struct logwriter *signal_target;

static void on_sigusr1(int sig)
{
    (void)sig;
    logwriter_signal(signal_target, LW_SIG_REOPEN);
}

START_TEST(test_reopen_from_a_signal_handler)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    char *cur = path_in(dir, "connector.x");
    char *old = path_in(dir, "connector.x.old");
    struct test_ctx c;
    struct sigaction sa;

    test_ctx_init(&c);
    signal_target = start_writer(dir, 0, &c);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    ck_assert_int_eq(submit_str(signal_target, "connector.x", "1\n"), 0);
    logwriter_flush(signal_target);
    ck_assert_int_eq(rename(cur, old), 0);
    ck_assert_int_eq(raise(SIGUSR1), 0);
    ck_assert_int_eq(submit_str(signal_target, "connector.x", "2\n"), 0);
    logwriter_flush(signal_target);
    assert_file_is(dir, "connector.x.old", "1\n");
    assert_file_is(dir, "connector.x", "2\n");
    logwriter_stop(signal_target);
    free(cur);
    free(old);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_queue_bound_drops_and_reports)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char line[101], expected[2048] = "", dropped[128];
    int i;

    test_ctx_init(&c);
    w = start_writer(dir, 1000, &c);
    hold_writer(w, &c);
    /* 1000 bytes hold exactly ten 100-octet lines */
    for (i = 0; i < 15; i++) {
        line100(line, "q", i);
        ck_assert_int_eq(submit_str(w, "connector.x", line), i < 10 ? 0 : -1);
        if (i < 10)
            strcat(expected, line);
    }
    /* a line longer than the whole bound never fits */
    {
        char big[1200];
        memset(big, 'b', sizeof big);
        big[sizeof big - 1] = '\n';
        ck_assert_int_eq(logwriter_submit(w, "pdu.x", big, sizeof big), -1);
    }
    release_writer(&c);
    logwriter_flush(w);
    assert_file_is(dir, "connector.x", expected);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, 10);
    ck_assert_uint_eq(s.dropped, 6);
    /* connector.x's drops were reported once its writes worked */
    snprintf(dropped, sizeof dropped, DROPPED_FMT, 5ul, "connector.x");
    assert_file_is(dir, "general", dropped);
    /* pdu.x's drop is reported once pdu.x works */
    ck_assert_int_eq(submit_str(w, "pdu.x", "p\n"), 0);
    logwriter_flush(w);
    {
        char both[256];
        snprintf(both, sizeof both, DROPPED_FMT DROPPED_FMT, 5ul, "connector.x", 1ul, "pdu.x");
        assert_file_is(dir, "general", both);
    }
    /* the queue is usable again after draining */
    for (i = 0; i < 10; i++) {
        line100(line, "r", i);
        ck_assert_int_eq(submit_str(w, "connector.y", line), 0);
    }
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_losses_pending_at_stop_are_reported)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char line[101], expected[128];

    test_ctx_init(&c);
    w = start_writer(dir, 100, &c);
    hold_writer(w, &c);
    line100(line, "a", 0);
    ck_assert_int_eq(submit_str(w, "connector.a", line), 0);
    /* the queue is full: pdu.b loses its only line and is never written */
    ck_assert_int_eq(submit_str(w, "pdu.b", "b\n"), -1);
    release_writer(&c);
    logwriter_stop(w);
    snprintf(expected, sizeof expected, DROPPED_FMT, 1ul, "pdu.b");
    assert_file_is(dir, "general", expected);
    ck_assert_ptr_null(read_file(dir, "pdu.b", NULL));
    remove_tree(dir);
    free(dir);
}
END_TEST

/* A line the caller could not build is counted with a call of its own:
 * nothing is queued, the file is never created, general says how many. */
START_TEST(test_count_drop_is_reported)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char expected[128];

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    logwriter_count_drop(w, "pdu.x");
    logwriter_count_drop(w, "pdu.x");
    logwriter_stop(w);
    snprintf(expected, sizeof expected, DROPPED_FMT, 2ul, "pdu.x");
    assert_file_is(dir, "general", expected);
    ck_assert_ptr_null(read_file(dir, "pdu.x", NULL));
    remove_tree(dir);
    free(dir);
}
END_TEST

/* A writer that does not finish in time (here: parked in a callback, as it
 * would be in a write(2) to a hung disk) is given up on: the stop returns
 * in bounded time with the number of lines lost, those lines are never
 * written afterwards, and the thread frees the writer when it ends. */
START_TEST(test_stop_within_gives_up_on_a_stuck_writer)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct timespec t0, t1;
    unsigned long left;
    long ms;
    int waited;

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    hold_writer(w, &c);
    ck_assert_int_eq(submit_str(w, "pdu.a", "1\n"), 0);
    ck_assert_int_eq(submit_str(w, "pdu.a", "2\n"), 0);
    ck_assert_int_eq(submit_str(w, "pdu.b", "3\n"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    left = logwriter_stop_within(w, 300);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_uint_eq(left, 3);
    ck_assert_msg(ms >= 250 && ms < 2000, "stop_within(300) took %ld ms", ms);
    ck_assert_int_eq(c.orphan_exits, 0);
    release_writer(&c);
    pthread_mutex_lock(&c.lock);
    for (waited = 0; c.orphan_exits == 0 && waited < 50; waited++) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c.cond, &c.lock, &until);
    }
    pthread_mutex_unlock(&c.lock);
    ck_assert_int_eq(c.orphan_exits, 1);
    ck_assert_ptr_null(read_file(dir, "pdu.a", NULL));
    ck_assert_ptr_null(read_file(dir, "pdu.b", NULL));
    remove_tree(dir);
    free(dir);
}
END_TEST

/* A write a full disk cuts short must not leave half a line for the next
 * one to be glued to: in a file of this process only, the fragment is cut
 * off again; in a shared file it is ended with a newline.  Either way the
 * line is counted as dropped.  (RLIMIT_FSIZE makes the kernel write up to
 * the limit and return the short count, then fail with EFBIG.) */
START_TEST(test_short_write_leaves_no_torn_line)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct rlimit rl;
    rlim_t saved;
    char line[4][101], expected[512];
    int i;

    signal(SIGXFSZ, SIG_IGN);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    for (i = 0; i < 4; i++)
        line100(line[i], "t", i);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    saved = rl.rlim_cur;
    /* Two lines and a half fit; no ck_assert until the limit is lifted. */
    rl.rlim_cur = 250;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    for (i = 0; i < 3; i++) {
        submit_str(w, "pdu.x", line[i]);
        submit_str(w, "shared.x", line[i]);
    }
    logwriter_flush(w);
    rl.rlim_cur = saved;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    ck_assert_int_eq(submit_str(w, "pdu.x", line[3]), 0);
    ck_assert_int_eq(submit_str(w, "shared.x", line[3]), 0);
    logwriter_stop(w);
    /* Own file: the fragment of line 2 was cut off. */
    snprintf(expected, sizeof expected, "%s%s%s", line[0], line[1], line[3]);
    assert_file_is(dir, "pdu.x", expected);
    /* Shared file: the fragment stays, ended by a newline of its own. */
    snprintf(expected, sizeof expected, "%s%s%.50s\n%s", line[0], line[1], line[2], line[3]);
    assert_file_is(dir, "shared.x", expected);
    assert_drops_reported(dir, 1, "pdu.x", "shared.x");
    remove_tree(dir);
    free(dir);
}
END_TEST

/* The lines of one batch that go to one file reach it in one writev(2) per
 * LW_RUN_MAX lines, whole and in order, however the files interleave in
 * the queue: 3 files x 150 lines held back into one batch are 3 x 3 calls. */
#define RUN_TEST_LINES 150
START_TEST(test_a_batch_writes_each_file_in_runs)
{
    LINGER_FROM_LOOP();
    static const char *const names[3] = {"pdu.a", "message.b", "shared.c"};
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char line[101], *expected[3];
    unsigned long before, runs;
    int i, f;

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    for (f = 0; f < 3; f++) {
        expected[f] = calloc(1, RUN_TEST_LINES * 100 + 8);
        ck_assert_ptr_nonnull(expected[f]);
        strcpy(expected[f], "open\n");
        ck_assert_int_eq(submit_str(w, names[f], "open\n"), 0);
    }
    logwriter_flush(w); /* every file is open now */
    logwriter_stats(w, &s);
    before = s.writes;
    hold_writer(w, &c);
    for (i = 0; i < RUN_TEST_LINES; i++)
        for (f = 0; f < 3; f++) {
            line100(line, names[f], i);
            ck_assert_int_eq(submit_str(w, names[f], line), 0);
            strcat(expected[f] + 5 + i * 100, line);
        }
    release_writer(&c);
    logwriter_flush(w);
    logwriter_stats(w, &s);
    runs = (RUN_TEST_LINES + LW_RUN_MAX - 1) / LW_RUN_MAX;
    ck_assert_uint_eq(s.written, 3 + 3 * RUN_TEST_LINES);
    ck_assert_uint_eq(s.dropped, 0);
    ck_assert_uint_eq(s.writes - before, 3 * runs);
    logwriter_stop(w);
    for (f = 0; f < 3; f++) {
        assert_file_is(dir, names[f], expected[f]);
        free(expected[f]);
    }
    remove_tree(dir);
    free(dir);
}
END_TEST

/* A full disk that cuts a run in the middle keeps the lines before the cut
 * whole, undoes the cut one (own file) or ends it with a newline as soon as
 * it can (shared file), and counts every line from the cut on as lost: the
 * same lines as when each line was written on its own. */
START_TEST(test_short_write_inside_a_run)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    struct rlimit rl;
    rlim_t saved;
    char line[21][101], expected[2 * 1024 + 512];
    int results[2][20], i;

    signal(SIGXFSZ, SIG_IGN);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    for (i = 0; i < 21; i++)
        line100(line[i], "r", i);
    ck_assert_int_eq(submit_str(w, "pdu.x", "o\n"), 0);
    ck_assert_int_eq(submit_str(w, "shared.x", "o\n"), 0);
    logwriter_flush(w);
    hold_writer(w, &c);
    for (i = 0; i < 20; i++) {
        results[0][i] = submit_str(w, "pdu.x", line[i]);
        results[1][i] = submit_str(w, "shared.x", line[i]);
    }
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    saved = rl.rlim_cur;
    /* "o\n", ten lines and half of the eleventh fit; no ck_assert until the
     * limit is lifted again. */
    rl.rlim_cur = 2 + 10 * 100 + 50;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    release_writer(&c);
    logwriter_flush(w);
    rl.rlim_cur = saved;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    for (i = 0; i < 20; i++) {
        ck_assert_int_eq(results[0][i], 0);
        ck_assert_int_eq(results[1][i], 0);
    }
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, 2 + 2 * 10);
    ck_assert_uint_eq(s.dropped, 2 * 10);
    ck_assert_int_eq(submit_str(w, "pdu.x", line[20]), 0);
    ck_assert_int_eq(submit_str(w, "shared.x", line[20]), 0);
    logwriter_stop(w);
    strcpy(expected, "o\n");
    for (i = 0; i < 10; i++)
        strcat(expected, line[i]);
    strcat(expected, line[20]);
    assert_file_is(dir, "pdu.x", expected);
    strcpy(expected, "o\n");
    for (i = 0; i < 10; i++)
        strcat(expected, line[i]);
    snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%.50s\n%s",
             line[10], line[20]);
    assert_file_is(dir, "shared.x", expected);
    assert_drops_reported(dir, 10, "pdu.x", "shared.x");
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_full_filesystem_drops_then_reports)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    struct rlimit rl;
    rlim_t saved;
    char line[101], general[256];
    char *expected = calloc(1, FULL_FS_LINES * 100 + 1);
    int results[FULL_FS_LINES + 2];
    int i;

    ck_assert_ptr_nonnull(expected);
    signal(SIGXFSZ, SIG_IGN);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    saved = rl.rlim_cur;
    /* Every file of this process may now grow to FULL_FS_LINES 100-octet
     * lines.  Check's own result file is limited too: no ck_assert until the
     * limit is lifted again. */
    rl.rlim_cur = FULL_FS_LINES * 100;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    for (i = 0; i < FULL_FS_LINES + 2; i++) {
        line100(line, "f", i);
        results[i] = submit_str(w, "connector.x", line);
        if (i < FULL_FS_LINES)
            memcpy(expected + i * 100, line, 100);
    }
    logwriter_flush(w);
    rl.rlim_cur = saved;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    for (i = 0; i < FULL_FS_LINES + 2; i++)
        ck_assert_int_eq(results[i], 0);
    assert_file_is(dir, "connector.x", expected);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, FULL_FS_LINES);
    ck_assert_uint_eq(s.dropped, 2);
    ck_assert_ptr_null(read_file(dir, "general", NULL));
    /* writing works again: the next line to general brings the report */
    ck_assert_int_eq(submit_str(w, "general", "g\n"), 0);
    logwriter_flush(w);
    snprintf(general, sizeof general, "g\n" DROPPED_FMT, 2ul, "connector.x");
    assert_file_is(dir, "general", general);
    logwriter_stop(w);
    free(expected);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_unwritable_general_goes_to_host_log)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    char *gdir = path_in(dir, "general");
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char line[101], expected[256];
    int i;

    test_ctx_init(&c);
    w = start_writer(dir, 300, &c);
    ck_assert_int_eq(mkdir(gdir, 0700), 0); /* open("general") now fails: EISDIR */
    ck_assert_int_eq(submit_str(w, "general", "g1\n"), 0);
    ck_assert_int_eq(submit_str(w, "general", "g2\n"), 0);
    logwriter_flush(w);
    /* two failures within a second: one message */
    ck_assert_int_eq(c.host_log_calls, 1);
    snprintf(expected, sizeof expected, "emgdiag: cannot write log file %s/general: %s", dir,
             strerror(EISDIR));
    ck_assert_str_eq(c.last_host_msg, expected);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.dropped, 2);

    sleep(1);
    usleep(100000);
    hold_writer(w, &c);
    for (i = 0; i < 5; i++) {
        line100(line, "h", i);
        ck_assert_int_eq(submit_str(w, "connector.x", line), i < 3 ? 0 : -1);
    }
    release_writer(&c);
    logwriter_flush(w);
    ck_assert_int_eq(c.host_log_calls, 2);
    snprintf(expected, sizeof expected,
             "emgdiag: 2 lines lost for log file %s/connector.x; cannot write %s/general: %s", dir,
             dir, strerror(EISDIR));
    ck_assert_str_eq(c.last_host_msg, expected);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, 3);
    ck_assert_uint_eq(s.dropped, 4);
    logwriter_stop(w);
    free(gdir);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_set_dir_switches_between_lines)
{
    LINGER_FROM_LOOP();
    char *top = make_tmpdir();
    char *d1 = path_in(top, "one");
    char *d2 = path_in(top, "two/deeper");
    char *bad_parent = path_in(top, "file");
    char *bad = path_in(bad_parent, "x");
    char err[256] = "", expected[512];
    struct test_ctx c;
    struct logwriter *w;
    FILE *f;

    test_ctx_init(&c);
    w = start_writer(d1, 0, &c);
    ck_assert_int_eq(submit_str(w, "general", "first\n"), 0);
    ck_assert_int_eq(logwriter_set_dir(w, d2, err, sizeof err), 0);
    ck_assert_int_eq(submit_str(w, "general", "second\n"), 0);
    logwriter_flush(w);
    assert_file_is(d1, "general", "first\n");
    assert_file_is(d2, "general", "second\n");

    f = fopen(bad_parent, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(logwriter_set_dir(w, bad, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "log directory %s: %s", bad, strerror(ENOTDIR));
    ck_assert_str_eq(err, expected);
    ck_assert_int_eq(submit_str(w, "general", "third\n"), 0);
    logwriter_flush(w);
    assert_file_is(d2, "general", "second\nthird\n");
    logwriter_stop(w);
    remove_tree(top);
    free(bad);
    free(bad_parent);
    free(d2);
    free(d1);
    free(top);
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

#define N_THREADS 8
#define N_LINES 10000

struct producer {
    struct logwriter *w;
    int id;
    int failures;
};

/* Line n of thread t: "t<t> n<n> " then (n % 61) copies of 'a'+t, then '\n'. */
static void *producer_main(void *arg)
{
    struct producer *p = arg;
    char line[128];
    int n, k;

    for (n = 0; n < N_LINES; n++) {
        k = snprintf(line, sizeof line, "t%d n%d ", p->id, n);
        memset(line + k, 'a' + p->id, (size_t)(n % 61));
        k += n % 61;
        line[k++] = '\n';
        if (logwriter_submit(p->w, "pdu.shared", line, (size_t)k) != 0)
            p->failures++;
    }
    return NULL;
}

START_TEST(test_eight_threads_all_lines_intact_and_ordered)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct producer prod[N_THREADS];
    pthread_t th[N_THREADS];
    int next[N_THREADS] = { 0 };
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char *got, *p, *eol;
    int i, t, n, k, total = 0;

    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    for (i = 0; i < N_THREADS; i++) {
        prod[i].w = w;
        prod[i].id = i;
        prod[i].failures = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, producer_main, &prod[i]), 0);
    }
    for (i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(prod[i].failures, 0);
    }
    logwriter_flush(w);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, N_THREADS * N_LINES);
    ck_assert_uint_eq(s.dropped, 0);

    got = read_file(dir, "pdu.shared", NULL);
    ck_assert_ptr_nonnull(got);
    /* plain checks in the loop (a ck_assert per octet would be slow): the
     * first bad line is reported with its content */
    for (p = got; *p != '\0'; p = eol + 1) {
        int ok;

        eol = strchr(p, '\n');
        ck_assert_ptr_nonnull(eol);
        ok = sscanf(p, "t%d n%d%n", &t, &n, &k) == 2 && t >= 0 && t < N_THREADS && p[k] == ' ' &&
             n == next[t] && eol - (p + k + 1) == n % 61;
        for (i = 0; ok && i < n % 61; i++)
            ok = p[k + 1 + i] == 'a' + t;
        ck_assert_msg(ok, "line %d is damaged or out of order: %.*s", total, (int)(eol - p), p);
        next[t]++;
        total++;
    }
    ck_assert_int_eq(total, N_THREADS * N_LINES);
    for (t = 0; t < N_THREADS; t++)
        ck_assert_int_eq(next[t], N_LINES);
    free(got);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* ---- lingering and chunks ---------------------------------------------- */

/* Waits up to 10 s, without logwriter_flush(), until dir/name holds exactly
 * `expected`; fails with what it holds then. */
static void wait_for_file(const char *dir, const char *name, const char *expected)
{
    char *got = NULL;
    int i;

    for (i = 0; i < 1000; i++) {
        free(got);
        got = read_file(dir, name, NULL);
        if (got != NULL && strcmp(got, expected) == 0)
            break;
        usleep(10000);
    }
    ck_assert_msg(got != NULL, "%s/%s was never written", dir, name);
    ck_assert_str_eq(got, expected);
    free(got);
}

/* An idle writer takes a line at once, and while it lingers (2 s) it
 * gathers the lines that follow, a millisecond apart, into one batch; a
 * writer that did not linger would take most of them one by one. */
START_TEST(test_linger_writes_at_once_then_gathers)
{
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char line[101];
    int n;

    linger_ms = 2000;
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    ck_assert_int_eq(submit_str(w, "pdu.x", "first\n"), 0);
    wait_for_file(dir, "pdu.x", "first\n"); /* no flush: the writer was idle */
    for (n = 0; n < 50; n++) {
        line100(line, "l", n);
        ck_assert_int_eq(submit_str(w, "pdu.x", line), 0);
        usleep(1000);
    }
    logwriter_flush(w);
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.written, 51);
    /* "first", then the 50 taken together when the linger ended, or when
     * the flush ended it (then at most one more batch) */
    ck_assert_msg(s.batches <= 3, "%lu batches for 51 lines", s.batches);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* A lingering writer is woken early by a quarter of the queue bound, by a
 * flush and by a stop: none of them waits for the linger to run out
 * (60 s here, past the test's own timeout). */
START_TEST(test_linger_ends_for_full_queue_flush_and_stop)
{
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char line[101], expected[20 * 100 + 64];
    size_t off;
    int n;

    linger_ms = 60000;
    test_ctx_init(&c);
    w = start_writer(dir, 4000, &c); /* a quarter: 1000 octets */
    ck_assert_int_eq(submit_str(w, "pdu.x", "first\n"), 0);
    wait_for_file(dir, "pdu.x", "first\n");
    strcpy(expected, "first\n");
    off = strlen(expected);
    for (n = 0; n < 10; n++) { /* 1,000 octets: the tenth wakes it */
        line100(line, "q", n);
        ck_assert_int_eq(submit_str(w, "pdu.x", line), 0);
        memcpy(expected + off, line, 101);
        off += 100;
    }
    wait_for_file(dir, "pdu.x", expected);
    ck_assert_int_eq(submit_str(w, "pdu.x", "flushed\n"), 0);
    logwriter_flush(w);
    strcat(expected, "flushed\n");
    assert_file_is(dir, "pdu.x", expected);
    ck_assert_int_eq(submit_str(w, "pdu.x", "stopped\n"), 0);
    logwriter_stop(w);
    strcat(expected, "stopped\n");
    assert_file_is(dir, "pdu.x", expected);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* Lines larger than a queue chunk (64 KiB) keep their place between small
 * ones, whole. */
/* ---- size rotation (docs/connector-log.md#rotation) ---------------------- */

START_TEST(test_rotation_by_size_keeps_every_line_once)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    struct logwriter_stats s;
    char l[101];

    test_ctx_init(&c);
    /* 10 lines of 100 octets fill 1000: the 11th starts a new file */
    w = start_rotating_writer(dir, &c, 1000, 3, 0);
    for (int i = 1; i <= 95; i++) {
        line100(l, "p", i);
        ck_assert_int_eq(submit_str(w, "pdu.x", l), 0);
        line100(l, "g", i);
        ck_assert_int_eq(submit_str(w, "general", l), 0);
        ck_assert_int_eq(submit_str(w, "shared.x", l), 0);
    }
    logwriter_flush(w);
    assert_lines(dir, "pdu.x", "p", 91, 95);
    assert_lines(dir, "pdu.x.1", "p", 81, 90);
    assert_lines(dir, "pdu.x.2", "p", 71, 80);
    assert_lines(dir, "pdu.x.3", "p", 61, 70);
    assert_absent(dir, "pdu.x.4"); /* past keep="3" */
    assert_absent(dir, "pdu.x.jsonl");
    /* never rotated: general, and a file other processes write */
    assert_lines(dir, "general", "g", 1, 95);
    assert_lines(dir, "shared.x", "g", 1, 95);
    assert_absent(dir, "general.1");
    assert_absent(dir, "shared.x.1");
    logwriter_stats(w, &s);
    ck_assert_uint_eq(s.rotated, 9);
    ck_assert_uint_eq(s.dropped, 0);
    ck_assert_uint_eq(s.written, 95 * 3);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_rotation_starts_from_an_existing_file)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char l[101];

    test_ctx_init(&c);
    /* a file left by an earlier run: 8 lines; its size counts */
    w = start_rotating_writer(dir, &c, 0, 3, 0);
    for (int i = 1; i <= 8; i++) {
        line100(l, "p", i);
        ck_assert_int_eq(submit_str(w, "connector.x", l), 0);
    }
    logwriter_stop(w);
    w = start_rotating_writer(dir, &c, 1000, 3, 0);
    for (int i = 9; i <= 12; i++) {
        line100(l, "p", i);
        ck_assert_int_eq(submit_str(w, "connector.x", l), 0);
    }
    logwriter_stop(w);
    assert_lines(dir, "connector.x.1", "p", 1, 10);
    assert_lines(dir, "connector.x", "p", 11, 12);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_json_twin_rotates_with_its_text_file)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char l[101];

    test_ctx_init(&c);
    w = start_rotating_writer(dir, &c, 1000, 5, 0);
    /* The twin's lines (tag "j") are as long as the text's; the text file
     * decides, so both hold the same lines of the session. */
    for (int i = 1; i <= 25; i++) {
        line100(l, "t", i);
        ck_assert_int_eq(submit_str(w, "pdu.x", l), 0);
        line100(l, "j", i);
        ck_assert_int_eq(submit_str(w, "pdu.x.jsonl", l), 0);
    }
    /* a twin alone (format="json") rotates on its own size */
    for (int i = 1; i <= 15; i++) {
        line100(l, "o", i);
        ck_assert_int_eq(submit_str(w, "pdu.y.jsonl", l), 0);
    }
    logwriter_flush(w);
    assert_lines(dir, "pdu.x", "t", 21, 25);
    assert_lines(dir, "pdu.x.jsonl", "j", 21, 25);
    assert_lines(dir, "pdu.x.1", "t", 11, 20);
    assert_lines(dir, "pdu.x.jsonl.1", "j", 11, 20);
    assert_lines(dir, "pdu.x.2", "t", 1, 10);
    assert_lines(dir, "pdu.x.jsonl.2", "j", 1, 10);
    assert_lines(dir, "pdu.y.jsonl", "o", 11, 15);
    assert_lines(dir, "pdu.y.jsonl.1", "o", 1, 10);
    assert_absent(dir, "pdu.y");
    assert_absent(dir, "pdu.y.1");
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_rotation_gzips_on_the_helper)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char l[101], *p;
    unsigned char magic[2];
    FILE *f;

    test_ctx_init(&c);
    w = start_rotating_writer(dir, &c, 1000, 3, 1);
    for (int i = 1; i <= 45; i++) {
        line100(l, "z", i);
        ck_assert_int_eq(submit_str(w, "pdu.x", l), 0);
        logwriter_flush(w); /* one batch at a time: the helper races the shifts */
    }
    /* 4 rotations: .1 .2 .3 were queued, .4 pushed out (maybe mid-way) */
    wait_compressed(w, 3);
    for (int i = 0; i < 2000; i++) { /* the last one's plain file goes just after */
        p = path_in(dir, "pdu.x.1");
        int gone = access(p, F_OK) != 0;
        free(p);
        if (gone)
            break;
        usleep(10000);
    }
    assert_lines(dir, "pdu.x", "z", 41, 45);
    assert_lines(dir, "pdu.x.1.gz", "z", 31, 40);
    assert_lines(dir, "pdu.x.2.gz", "z", 21, 30);
    assert_lines(dir, "pdu.x.3.gz", "z", 11, 20);
    assert_absent(dir, "pdu.x.1");
    assert_absent(dir, "pdu.x.2");
    assert_absent(dir, "pdu.x.3");
    assert_absent(dir, "pdu.x.4");
    assert_absent(dir, "pdu.x.4.gz");
    assert_absent(dir, ".pdu.x.gz-tmp");
    /* a real gzip file, mode 0640 */
    p = path_in(dir, "pdu.x.1.gz");
    f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(magic, 1, 2, f), 2);
    ck_assert_uint_eq(magic[0], 0x1f);
    ck_assert_uint_eq(magic[1], 0x8b);
    fclose(f);
    {
        struct stat st;
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0640);
    }
    free(p);
    ck_assert_int_eq(c.host_log_calls, 0);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* Many rotations with compression running behind them, then a stop at
 * once: whatever was compressed and whatever was not, every line is in
 * exactly one file of the history, in order. */
START_TEST(test_rotation_with_gzip_under_load_loses_nothing)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char l[101], name[64];
    char *want, *got, *all;
    size_t alen = 0;
    int n = 3000;

    test_ctx_init(&c);
    w = start_rotating_writer(dir, &c, 20000, 1000, 1);
    for (int i = 1; i <= n; i++) {
        line100(l, "u", i);
        ck_assert_int_eq(submit_str(w, "pdu.x", l), 0);
    }
    logwriter_stop(w);
    all = calloc((size_t)n * 100 + 1, 1);
    ck_assert_ptr_nonnull(all);
    for (int k = 1000; k >= 0; k--) {
        int found = 0;

        for (int gz = 0; gz <= 1; gz++) {
            if (k == 0 && gz)
                continue;
            if (k == 0)
                snprintf(name, sizeof name, "pdu.x");
            else
                snprintf(name, sizeof name, "pdu.x.%d%s", k, gz ? ".gz" : "");
            got = read_any(dir, name);
            if (got == NULL)
                continue;
            ck_assert_msg(!found, "both %s and its other form exist", name);
            found = 1;
            memcpy(all + alen, got, strlen(got));
            alen += strlen(got);
            free(got);
        }
    }
    want = lines100("u", 1, n);
    ck_assert_uint_eq(alen, strlen(want));
    ck_assert_msg(strcmp(all, want) == 0, "the history is not every line once, in order");
    free(want);
    free(all);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_rotation_that_cannot_rename_keeps_writing)
{
    LINGER_FROM_LOOP();
    char *dir = make_tmpdir();
    struct test_ctx c;
    struct logwriter *w;
    char l[101], *p;

    test_ctx_init(&c);
    /* pdu.x.1 is a non-empty directory: the rename onto it fails */
    p = path_in(dir, "pdu.x.1");
    ck_assert_int_eq(mkdir(p, 0700), 0);
    free(p);
    p = path_in(dir, "pdu.x.1/f");
    ck_assert_int_eq(close(open(p, O_CREAT | O_WRONLY, 0600)), 0);
    free(p);
    w = start_rotating_writer(dir, &c, 1000, 1, 0);
    for (int i = 1; i <= 25; i++) {
        line100(l, "r", i);
        ck_assert_int_eq(submit_str(w, "pdu.x", l), 0);
    }
    logwriter_flush(w);
    assert_lines(dir, "pdu.x", "r", 1, 25);
    pthread_mutex_lock(&c.lock);
    ck_assert_int_ge(c.host_log_calls, 1);
    ck_assert_msg(strstr(c.last_host_msg, "cannot rotate log file") != NULL, "%s", c.last_host_msg);
    pthread_mutex_unlock(&c.lock);
    logwriter_stop(w);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_lines_larger_than_a_chunk)
{
    const size_t big = 200 * 1024;
    char *dir = make_tmpdir();
    char *line = malloc(big), *expected = malloc(3 * big + 64), *got;
    struct test_ctx c;
    struct logwriter *w;
    size_t off = 0, len, i;
    int n;

    LINGER_FROM_LOOP();
    ck_assert_ptr_nonnull(line);
    ck_assert_ptr_nonnull(expected);
    test_ctx_init(&c);
    w = start_writer(dir, 0, &c);
    for (n = 0; n < 3; n++) {
        for (i = 0; i < big - 1; i++)
            line[i] = (char)('a' + (i + (size_t)n) % 26);
        line[big - 1] = '\n';
        ck_assert_int_eq(submit_str(w, "pdu.x", "small\n"), 0);
        ck_assert_int_eq(logwriter_submit(w, "pdu.x", line, big), 0);
        memcpy(expected + off, "small\n", 6);
        memcpy(expected + off + 6, line, big);
        off += 6 + big;
    }
    logwriter_flush(w);
    got = read_file(dir, "pdu.x", &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, off);
    ck_assert_msg(memcmp(got, expected, off) == 0, "pdu.x differs from the lines submitted");
    logwriter_stop(w);
    free(got);
    free(expected);
    free(line);
    remove_tree(dir);
    free(dir);
}
END_TEST

static Suite *logwriter_suite(void)
{
    Suite *s = suite_create("logwriter");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_start_fails_when_parent_is_a_file);
    tcase_add_test(tc, test_start_fails_without_dir);
    tcase_add_loop_test(tc, test_start_creates_parents_mode_0750_and_leaves_no_probe, 0, 2);
    tcase_add_test(tc, test_writer_thread_is_named);
    tcase_add_loop_test(tc, test_lines_go_to_their_files_in_order_mode_0640, 0, 2);
    tcase_add_loop_test(tc, test_appends_to_existing_file, 0, 2);
    tcase_add_loop_test(tc, test_rejects_bad_names_and_lines, 0, 2);
    tcase_add_loop_test(tc, test_stop_drains_the_queue, 0, 2);
    tcase_add_loop_test(tc, test_removed_directory_is_recreated, 0, 2);
    tcase_add_loop_test(tc, test_rename_then_reopen_loses_nothing, 0, 2);
    tcase_add_loop_test(tc, test_reopen_from_a_signal_handler, 0, 2);
    tcase_add_loop_test(tc, test_queue_bound_drops_and_reports, 0, 2);
    tcase_add_loop_test(tc, test_losses_pending_at_stop_are_reported, 0, 2);
    tcase_add_loop_test(tc, test_count_drop_is_reported, 0, 2);
    tcase_add_loop_test(tc, test_stop_within_gives_up_on_a_stuck_writer, 0, 2);
    tcase_add_loop_test(tc, test_short_write_leaves_no_torn_line, 0, 2);
    tcase_add_loop_test(tc, test_full_filesystem_drops_then_reports, 0, 2);
    tcase_add_loop_test(tc, test_a_batch_writes_each_file_in_runs, 0, 2);
    tcase_add_loop_test(tc, test_short_write_inside_a_run, 0, 2);
    tcase_add_loop_test(tc, test_unwritable_general_goes_to_host_log, 0, 2);
    tcase_add_loop_test(tc, test_set_dir_switches_between_lines, 0, 2);
    tcase_add_loop_test(tc, test_eight_threads_all_lines_intact_and_ordered, 0, 2);
    tcase_add_test(tc, test_linger_writes_at_once_then_gathers);
    tcase_add_test(tc, test_linger_ends_for_full_queue_flush_and_stop);
    tcase_add_loop_test(tc, test_lines_larger_than_a_chunk, 0, 2);
    tcase_add_loop_test(tc, test_rotation_by_size_keeps_every_line_once, 0, 2);
    tcase_add_loop_test(tc, test_rotation_starts_from_an_existing_file, 0, 2);
    tcase_add_loop_test(tc, test_json_twin_rotates_with_its_text_file, 0, 2);
    tcase_add_loop_test(tc, test_rotation_gzips_on_the_helper, 0, 2);
    tcase_add_loop_test(tc, test_rotation_with_gzip_under_load_loses_nothing, 0, 2);
    tcase_add_loop_test(tc, test_rotation_that_cannot_rename_keeps_writing, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(logwriter_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
