/*
 * db_pq_syms.c: loading libpq (see db_pq_syms.h).
 */
#ifdef HAVE_PGSQL

#define DB_PQ_SYMS_LOADER
#include "db_pq_syms.h"

#include <pthread.h>
#include <stdio.h>

#include "db_dl.h"

struct db_pq_syms emg_pq;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = -1;
static char load_err[256];

static void load(void)
{
    void *lib = db_dl_open("postgresql://", EMG_PQ_SONAME, load_err, sizeof(load_err));

    if (lib == NULL)
        return;
#define DB_PQ_LOAD(f)                                                                        \
    if (db_dl_function(lib, "postgresql://", EMG_PQ_SONAME, #f, &emg_pq.f, sizeof(emg_pq.f), \
                       load_err, sizeof(load_err)) != 0)                                     \
        return;
    DB_PQ_FUNCTIONS(DB_PQ_LOAD)
#undef DB_PQ_LOAD
    loaded = 0;
}

int db_pq_load(char *err, size_t errlen)
{
    pthread_once(&once, load);
    if (loaded != 0)
        snprintf(err, errlen, "%s", load_err);
    return loaded;
}

#endif
