/*
 * badabi.c: a stand-in emgdiag module that claims the next major ABI
 * version.  t_startup_errors.sh builds it as a shared object and points
 * bearerbox's hook-module at it, to prove that a host refuses a module whose
 * major version differs from its own and stops with one line saying so.
 * It does nothing else: every hook is NULL.
 */
#include <stddef.h>

#include "emgdiag_hook.h"

static const struct emgdiag_module future_module = {
    .size = sizeof(struct emgdiag_module),
    .abi_major = EMGDIAG_ABI_MAJOR + 1,
    .abi_minor = 0,
    .version = "badabi (ABI major + 1)",
};

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *host, char *err,
                                                  size_t errlen);

const struct emgdiag_module *emgdiag_module_entry(const struct emgdiag_host *host, char *err,
                                                  size_t errlen)
{
    (void)host;
    (void)err;
    (void)errlen;
    return &future_module;
}
