/*
 * db_my_syms: MariaDB Connector/C's functions as the MariaDB/MySQL
 * back-end calls them, through pointers filled by db_my_load() when a
 * mysql:// target is first opened (db_dl.h): nothing links libmariadb.
 * The back-end's sources (db_mysql.c) include this header instead of
 * <mysql.h> and keep writing mysql_init(…): each name below is redirected
 * to its pointer.  A function the back-end starts to call goes into
 * DB_MY_FUNCTIONS (a link error names it until it does).
 */
#ifndef EMGDIAG_DB_MY_SYMS_H
#define EMGDIAG_DB_MY_SYMS_H

#include <mysql.h>
#include <stddef.h>

/* The library's file: configure's (the SONAME of libmariadb-dev's
 * libmariadb.so). */
#ifndef EMG_MY_SONAME
#define EMG_MY_SONAME "libmariadb.so.3"
#endif

#define DB_MY_FUNCTIONS(X)                                                                         \
    X(mysql_close) X(mysql_error) X(mysql_fetch_row) X(mysql_free_result) X(mysql_init)            \
    X(mysql_options) X(mysql_query) X(mysql_real_connect) X(mysql_real_query) X(mysql_rollback)    \
    X(mysql_stmt_affected_rows) X(mysql_stmt_bind_param) X(mysql_stmt_bind_result)                 \
    X(mysql_stmt_close) X(mysql_stmt_error) X(mysql_stmt_execute) X(mysql_stmt_fetch)              \
    X(mysql_stmt_fetch_column) X(mysql_stmt_init) X(mysql_stmt_prepare) X(mysql_store_result)

#define DB_MY_POINTER(f) __typeof__(f) *f;
struct db_my_syms {
    DB_MY_FUNCTIONS(DB_MY_POINTER)
};
#undef DB_MY_POINTER

extern struct db_my_syms emg_my;

/* Loads the library and every function, once per process (later calls
 * give the first one's outcome): 0, or -1 with "mysql:// needs
 * libmariadb.so.3: <why>" in err. */
int db_my_load(char *err, size_t errlen);

#ifndef DB_MY_SYMS_LOADER
#define mysql_close emg_my.mysql_close
#define mysql_error emg_my.mysql_error
#define mysql_fetch_row emg_my.mysql_fetch_row
#define mysql_free_result emg_my.mysql_free_result
#define mysql_init emg_my.mysql_init
#define mysql_options emg_my.mysql_options
#define mysql_query emg_my.mysql_query
#define mysql_real_connect emg_my.mysql_real_connect
#define mysql_real_query emg_my.mysql_real_query
#define mysql_rollback emg_my.mysql_rollback
#define mysql_stmt_affected_rows emg_my.mysql_stmt_affected_rows
#define mysql_stmt_bind_param emg_my.mysql_stmt_bind_param
#define mysql_stmt_bind_result emg_my.mysql_stmt_bind_result
#define mysql_stmt_close emg_my.mysql_stmt_close
#define mysql_stmt_error emg_my.mysql_stmt_error
#define mysql_stmt_execute emg_my.mysql_stmt_execute
#define mysql_stmt_fetch emg_my.mysql_stmt_fetch
#define mysql_stmt_fetch_column emg_my.mysql_stmt_fetch_column
#define mysql_stmt_init emg_my.mysql_stmt_init
#define mysql_stmt_prepare emg_my.mysql_stmt_prepare
#define mysql_store_result emg_my.mysql_store_result
#endif

#endif
