/*
 * xalloc: malloc, realloc and strndup for the tools.  When memory runs out
 * they end the program with status 2 and "<program>: out of memory" on
 * stderr: a tool that cannot hold its input says so and stops, rather than
 * print a partial answer as if it were whole.
 */
#ifndef EMGDIAG_XALLOC_H
#define EMGDIAG_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

#endif
