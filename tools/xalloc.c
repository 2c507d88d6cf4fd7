/*
 * xalloc: allocation that ends the tool when memory runs out (see xalloc.h).
 */
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
        exit(2); /* the tools' "cannot go on" status */
    }
    return p;
}

void *xmalloc(size_t n)
{
    return xrealloc(NULL, n);
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
