/*
 * alloc.c: the counting allocator behind alloc.h, compiled in only when
 * EMGDIAG_FAULT_INJECTION is defined (the fault-injection tests).
 *
 * One process-wide counter numbers every allocation call, from any thread;
 * the call whose number is `fail_at` returns NULL (and, when sticky, every
 * call after it), with errno set to ENOMEM as malloc() would.
 */
#include "alloc.h"

#ifdef EMGDIAG_FAULT_INJECTION

#include <errno.h>
#include <stdatomic.h>

static atomic_ulong calls;
static atomic_ulong failures;
static atomic_ulong fail_at;
static atomic_int fail_sticky;

void emg_alloc_fail_at(unsigned long n, int sticky)
{
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    atomic_store(&failures, 0);
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_at, n);
}

unsigned long emg_alloc_calls(void)
{
    return atomic_load(&calls);
}

unsigned long emg_alloc_failures(void)
{
    return atomic_load(&failures);
}

/* 1 when this call must fail. */
static int must_fail(void)
{
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    unsigned long at = atomic_load(&fail_at);

    if (at == 0 || n < at || (n > at && !atomic_load(&fail_sticky)))
        return 0;
    atomic_fetch_add(&failures, 1);
    errno = ENOMEM;
    return 1;
}

void *emg_malloc(size_t n)
{
    return must_fail() ? NULL : malloc(n);
}

void *emg_calloc(size_t count, size_t size)
{
    return must_fail() ? NULL : calloc(count, size);
}

void *emg_realloc(void *p, size_t n)
{
    return must_fail() ? NULL : realloc(p, n);
}

char *emg_strdup(const char *s)
{
    return must_fail() ? NULL : strdup(s);
}

char *emg_strndup(const char *s, size_t n)
{
    return must_fail() ? NULL : strndup(s, n);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int emg_alloc_unused;

#endif
