/*
 * db_common.c: what the configuration and the tools ask of db.h without
 * reaching a back-end (which back-ends this build has, whether a conninfo
 * names a password, reading a password file).  Kept apart from db.c, which
 * calls the back-ends, so that what links the configuration (emgdiag-check,
 * emgdiag-pdu) does not link SQLite, libpq and MariaDB Connector/C.
 */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int db_type_built(int type)
{
#ifdef HAVE_PGSQL
    if (type == DB_TYPE_PGSQL)
        return 1;
#endif
#ifdef HAVE_MYSQL
    if (type == DB_TYPE_MYSQL)
        return 1;
#endif
    return type == DB_TYPE_SQLITE;
}

int db_read_password(const char *path, char *pw, size_t pwlen, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    size_t n;

    if (fp == NULL) {
        snprintf(err, errlen, "password-file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fgets(pw, (int)pwlen, fp) == NULL)
        pw[0] = '\0';
    fclose(fp);
    n = strlen(pw);
    while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
        pw[--n] = '\0';
    return 0;
}

int db_conninfo_has_password(const char *conninfo)
{
    const char *at, *scheme = strstr(conninfo, "://");

    if (strcasestr(conninfo, "password") != NULL)
        return 1;
    if (scheme != NULL && (at = strchr(scheme + 3, '@')) != NULL &&
        memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) != NULL)
        return 1;
    return 0;
}
