/*
 * badabi.c: a stand-in emgdiag module that claims the next major ABI
 * version.  t_startup_errors.sh builds it as a shared object and points
 * bearerbox's hook-module at it, to prove that a host refuses a module whose
 * major version differs from its own and stops with one line saying so.
 * Built as it is, it does nothing else: every hook is NULL.
 *
 * Built with -DBADABI_THREAD (t_host_abi.sh), its entry point first starts
 * a thread that runs the module's own code without pause, as a real
 * module's writer thread would, and its table has a `shutdown` that stops
 * and joins that thread and then appends "shutdown: thread stopped" to the
 * file named by hook-config.  A host that refuses the table and unloads the
 * module without calling `shutdown` unmaps the code that thread is running,
 * and the box dies of SIGSEGV instead of exiting with its one error line
 * (include/emgdiag_hook.h: a refusal after the entry point has run calls
 * `shutdown`).
 */
#include <stddef.h>

#include "emgdiag_hook.h"

#ifdef BADABI_THREAD
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static pthread_t spinner;
static atomic_int spinner_stop;
static atomic_ulong spins;
static char marker_path[4096];

/* Runs the module's code until told to stop: unmapped under it, it faults. */
static void *spin(void *arg)
{
    (void)arg;
    while (!atomic_load(&spinner_stop))
        atomic_fetch_add(&spins, 1);
    return NULL;
}

static void badabi_shutdown(void)
{
    static const char line[] = "shutdown: thread stopped\n";
    int fd;

    atomic_store(&spinner_stop, 1);
    pthread_join(spinner, NULL);
    fd = open(marker_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, line, sizeof(line) - 1) < 0) {
            /* nothing else to tell */
        }
        close(fd);
    }
}
#endif

static const struct emgdiag_module future_module = {
    .size = sizeof(struct emgdiag_module),
    .abi_major = EMGDIAG_ABI_MAJOR + 1,
    .abi_minor = 0,
    .version = "badabi (ABI major + 1)",
#ifdef BADABI_THREAD
    .shutdown = badabi_shutdown,
#endif
};

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *host, char *err,
                                                  size_t errlen);

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *host, char *err,
                                                  size_t errlen)
{
    (void)host;
    (void)err;
    (void)errlen;
#ifdef BADABI_THREAD
    {
        sigset_t all, old;

        if (host->config_path != NULL)
            strncpy(marker_path, host->config_path, sizeof(marker_path) - 1);
        /* The host's signals are not this thread's business. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_create(&spinner, NULL, spin, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        /* Let it run before the host answers. */
        while (atomic_load(&spins) == 0)
            sched_yield();
    }
#endif
    return &future_module;
}
