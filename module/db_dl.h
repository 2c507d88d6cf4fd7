/*
 * db_dl: the server back-ends' client libraries (libpq, MariaDB
 * Connector/C) loaded when a target first needs one, not linked: a tool or
 * a box that uses SQLite, or no database, never pays for them or for the
 * TLS, Kerberos and LDAP libraries they pull in (docs/install.md).  Each
 * library's table of functions (db_pq_syms.h, db_my_syms.h) is filled
 * through these two calls, once per process; a library or a function that
 * is missing is one line of error, never a crash.
 */
#ifndef EMGDIAG_DB_DL_H
#define EMGDIAG_DB_DL_H

#include <stddef.h>

/* dlopen(soname) with RTLD_NOW | RTLD_LOCAL; NULL with "SCHEME needs
 * SONAME: <dlerror>" in err. */
void *db_dl_open(const char *scheme, const char *soname, char *err, size_t errlen);

/* The function `name` of the library opened as soname copied into the
 * function pointer at fn (of fnlen bytes); 0, or -1 with "SCHEME needs
 * SONAME: <dlerror>" in err. */
int db_dl_function(void *lib, const char *scheme, const char *soname, const char *name, void *fn,
                   size_t fnlen, char *err, size_t errlen);

#endif
