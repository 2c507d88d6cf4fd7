/*
 * db_my_syms.c: loading MariaDB Connector/C (see db_my_syms.h).
 */
#ifdef HAVE_MYSQL

#define DB_MY_SYMS_LOADER
#include "db_my_syms.h"

#include <pthread.h>
#include <stdio.h>

#include "db_dl.h"

struct db_my_syms emg_my;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = -1;
static char load_err[256];

static void load(void)
{
    void *lib = db_dl_open("mysql://", EMG_MY_SONAME, load_err, sizeof(load_err));

    if (lib == NULL)
        return;
#define DB_MY_LOAD(f)                                                                             \
    if (db_dl_function(lib, "mysql://", EMG_MY_SONAME, #f, &emg_my.f, sizeof(emg_my.f), load_err, \
                       sizeof(load_err)) != 0)                                                    \
        return;
    DB_MY_FUNCTIONS(DB_MY_LOAD)
#undef DB_MY_LOAD
    loaded = 0;
}

int db_my_load(char *err, size_t errlen)
{
    pthread_once(&once, load);
    if (loaded != 0)
        snprintf(err, errlen, "%s", load_err);
    return loaded;
}

#endif
