/*
 * db_pq_syms: libpq's functions as the PostgreSQL back-end calls them,
 * through pointers filled by db_pq_load() when a postgresql:// target is
 * first opened (db_dl.h): nothing links libpq.  The back-end's sources
 * (db_pgsql.c) include this header instead of <libpq-fe.h> and keep
 * writing PQexec(…): each name below is redirected to its pointer.  A
 * function the back-end starts to call goes into DB_PQ_FUNCTIONS (a link
 * error names it until it does).
 */
#ifndef EMGDIAG_DB_PQ_SYMS_H
#define EMGDIAG_DB_PQ_SYMS_H

#include <libpq-fe.h>
#include <stddef.h>

/* The library's file: configure's (the SONAME of libpq-dev's libpq.so). */
#ifndef EMG_PQ_SONAME
#define EMG_PQ_SONAME "libpq.so.5"
#endif

#define DB_PQ_FUNCTIONS(X)                                                                         \
    X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQerrorMessage) X(PQexec) X(PQexecParams)     \
    X(PQfinish) X(PQgetResult) X(PQgetlength) X(PQgetvalue) X(PQntuples) X(PQputCopyData)          \
    X(PQputCopyEnd) X(PQresultErrorMessage) X(PQresultStatus) X(PQstatus)

#define DB_PQ_POINTER(f) __typeof__(f) *f;
struct db_pq_syms {
    DB_PQ_FUNCTIONS(DB_PQ_POINTER)
};
#undef DB_PQ_POINTER

extern struct db_pq_syms emg_pq;

/* Loads the library and every function, once per process (later calls
 * give the first one's outcome): 0, or -1 with "postgresql:// needs
 * libpq.so.5: <why>" in err. */
int db_pq_load(char *err, size_t errlen);

#ifndef DB_PQ_SYMS_LOADER
#define PQclear emg_pq.PQclear
#define PQcmdTuples emg_pq.PQcmdTuples
#define PQconnectdbParams emg_pq.PQconnectdbParams
#define PQerrorMessage emg_pq.PQerrorMessage
#define PQexec emg_pq.PQexec
#define PQexecParams emg_pq.PQexecParams
#define PQfinish emg_pq.PQfinish
#define PQgetResult emg_pq.PQgetResult
#define PQgetlength emg_pq.PQgetlength
#define PQgetvalue emg_pq.PQgetvalue
#define PQntuples emg_pq.PQntuples
#define PQputCopyData emg_pq.PQputCopyData
#define PQputCopyEnd emg_pq.PQputCopyEnd
#define PQresultErrorMessage emg_pq.PQresultErrorMessage
#define PQresultStatus emg_pq.PQresultStatus
#define PQstatus emg_pq.PQstatus
#endif

#endif
