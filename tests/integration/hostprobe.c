/*
 * hostprobe.c: a stand-in emgdiag module that records every hook the host
 * calls, one line per call, in the file named by hook-config, and whose
 * table of hooks ends exactly where a guard page begins.
 *
 * It proves what a host may read of a module's table
 * (include/emgdiag_hook.h: a reader tests `size` before touching a
 * member).  The table is copied to the end of a mapped page followed by a
 * PROT_NONE page, and only its first PROBE_TABLE_END octets are mapped: the
 * members from `reopen` on lie in the guard page.  Built as it is, `size`
 * says so too (an older minor version's table), and a host that honours
 * `size` never touches the guard page.  Built with -DPROBE_SIZE_LIES, `size`
 * claims the whole struct while the memory still ends at `reopen`: any
 * host that reads `reopen` (as a host that ignores `size` reads it for a
 * short table) is killed by SIGSEGV, which shows that the guard page is
 * where the test says it is.
 *
 * Lines written (t_host_abi.sh and t_host_signals.sh read them):
 *   entry box=B minor=N
 *   accept_check ADDR
 *   session_open S role=R id=ID
 *   connect_ok S | connect_err S ERR
 *   pdu S dir=D len=N flags=F
 *   bind_check S system_id=ID credentials_ok=0|1
 *   disconnected S reason=R err=E
 *   session_close S
 * where S numbers the sessions from 1.  Each line is one write(2) on a file
 * opened for append, so concurrent hooks never mix lines.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emgdiag_hook.h"

/* The mapped part of the table: everything before `reopen`. */
#define PROBE_TABLE_END offsetof(struct emgdiag_module, reopen)

struct emgdiag_session {
    int number;
};

static int record_fd = -1;
static atomic_int sessions_opened;

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void record(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (record_fd >= 0 && write(record_fd, line, (size_t)n) < 0)
        return;
}

static int probe_accept_check(const char *kannel_id, const char *peer_addr, int peer_port)
{
    (void)kannel_id;
    (void)peer_port;
    record("accept_check %s", peer_addr ? peer_addr : "-");
    return EMGDIAG_ALLOW;
}

static struct emgdiag_session *probe_session_open(const struct emgdiag_session_info *info)
{
    struct emgdiag_session *s = malloc(sizeof(*s));

    if (s == NULL)
        return NULL;
    s->number = atomic_fetch_add(&sessions_opened, 1) + 1;
    record("session_open %d role=%d id=%s", s->number, info->role,
           info->kannel_id ? info->kannel_id : "-");
    return s;
}

static void probe_session_close(struct emgdiag_session *s)
{
    if (s == NULL)
        return;
    record("session_close %d", s->number);
    free(s);
}

static void probe_connect_ok(struct emgdiag_session *s)
{
    record("connect_ok %d", s ? s->number : 0);
}

static void probe_connect_err(struct emgdiag_session *s, int err)
{
    record("connect_err %d %d", s ? s->number : 0, err);
}

static void probe_pdu(struct emgdiag_session *s, int dir, const unsigned char *octets, size_t len,
                      unsigned flags)
{
    (void)octets;
    record("pdu %d dir=%d len=%zu flags=%u", s ? s->number : 0, dir, len, flags);
}

static int probe_bind_check(struct emgdiag_session *s, struct emgdiag_bind *b)
{
    record("bind_check %d system_id=%s credentials_ok=%d", s ? s->number : 0,
           b->system_id ? b->system_id : "(NULL)", b->credentials_ok);
    b->status = b->host_status;
    b->close_after = 0;
    return b->credentials_ok ? EMGDIAG_ALLOW : EMGDIAG_REFUSE;
}

static void probe_disconnected(struct emgdiag_session *s, int reason, int err)
{
    record("disconnected %d reason=%d err=%d", s ? s->number : 0, reason, err);
}

static const struct emgdiag_module probe_template = {
#ifdef PROBE_SIZE_LIES
    .size = sizeof(struct emgdiag_module),
#else
    .size = PROBE_TABLE_END,
#endif
    .abi_major = EMGDIAG_ABI_MAJOR,
    .abi_minor = 0,
    .version = "hostprobe (table ends before reopen)",
    .accept_check = probe_accept_check,
    .session_open = probe_session_open,
    .session_close = probe_session_close,
    .connect_ok = probe_connect_ok,
    .connect_err = probe_connect_err,
    .pdu = probe_pdu,
    .bind_check = probe_bind_check,
    .disconnected = probe_disconnected,
};

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *host, char *err,
                                                  size_t errlen);

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *host, char *err,
                                                  size_t errlen)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *pages;

    if (host->config_path == NULL) {
        snprintf(err, errlen, "hostprobe: hook-config must name the record file");
        return NULL;
    }
    record_fd = open(host->config_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (record_fd < 0) {
        snprintf(err, errlen, "hostprobe: cannot open %s", host->config_path);
        return NULL;
    }
    pages =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED || mprotect(pages + page, (size_t)page, PROT_NONE) != 0) {
        snprintf(err, errlen, "hostprobe: cannot map the guard page");
        return NULL;
    }
    /* The first PROBE_TABLE_END octets, ending where the guard page starts. */
    memcpy(pages + page - PROBE_TABLE_END, &probe_template, PROBE_TABLE_END);
    record("entry box=%d minor=%d", host->box, (int)host->abi_minor);
    return (const struct emgdiag_module *)(void *)(pages + page - PROBE_TABLE_END);
}
