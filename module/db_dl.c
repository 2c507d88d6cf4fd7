/*
 * db_dl.c: loading a back-end's client library (see db_dl.h).
 */
#include "db_dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* err: "SCHEME needs SONAME: " and dlerror()'s first line. */
static void set_err(const char *scheme, const char *soname, char *err, size_t errlen)
{
    const char *why = dlerror();

    if (why == NULL)
        why = "not found";
    snprintf(err, errlen, "%s needs %s: %.*s", scheme, soname, (int)strcspn(why, "\n"), why);
}

void *db_dl_open(const char *scheme, const char *soname, char *err, size_t errlen)
{
    void *lib;

    dlerror(); /* a stale message is not this call's */
    if ((lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
        set_err(scheme, soname, err, errlen);
    return lib;
}

int db_dl_function(void *lib, const char *scheme, const char *soname, const char *name, void *fn,
                   size_t fnlen, char *err, size_t errlen)
{
    void *p;

    dlerror();
    if ((p = dlsym(lib, name)) == NULL || fnlen != sizeof(p)) {
        set_err(scheme, soname, err, errlen);
        return -1;
    }
    /* POSIX: dlsym's object pointer holds the function's address */
    memcpy(fn, &p, sizeof(p));
    return 0;
}
