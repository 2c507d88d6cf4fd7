/*
 * alloc: the module's own allocation calls.
 *
 * Every allocation the module's code makes (not libxml2's, not libc's
 * inside fopen or pthread_create) goes through these names, so a test can
 * make any one of them fail and prove that the module survives it: no
 * crash, no leak, and a log line that could not be built counted as
 * dropped (tests/unit/sweep_alloc.c sweeps every allocation of a scripted
 * session).  In a normal build they are plain malloc() and friends, inline,
 * at no cost; a build with EMGDIAG_FAULT_INJECTION defined routes them
 * through a counter instead.
 */
#ifndef EMGDIAG_ALLOC_H
#define EMGDIAG_ALLOC_H

#include <stdlib.h>
#include <string.h>

#ifdef EMGDIAG_FAULT_INJECTION

void *emg_malloc(size_t n);
void *emg_calloc(size_t count, size_t size);
void *emg_realloc(void *p, size_t n);
char *emg_strdup(const char *s);
char *emg_strndup(const char *s, size_t n);

/* From now on, the n-th allocation call (counting from 1) fails, and so
 * does every later one when `sticky` is set; n == 0 stops failing. */
void emg_alloc_fail_at(unsigned long n, int sticky);
/* Allocation calls since the last emg_alloc_fail_at(). */
unsigned long emg_alloc_calls(void);
/* Allocation calls that were made to fail since the last emg_alloc_fail_at(). */
unsigned long emg_alloc_failures(void);

#else

static inline void *emg_malloc(size_t n)
{
    return malloc(n);
}

static inline void *emg_calloc(size_t count, size_t size)
{
    return calloc(count, size);
}

static inline void *emg_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

static inline char *emg_strdup(const char *s)
{
    return strdup(s);
}

static inline char *emg_strndup(const char *s, size_t n)
{
    return strndup(s, n);
}

#endif

/* Frees what any of the calls above returned (NULL is fine). */
static inline void emg_free(void *p)
{
    free(p);
}

#endif
