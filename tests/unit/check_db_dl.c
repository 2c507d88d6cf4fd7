/*
 * check_db_dl: a server back-end whose client library cannot be loaded
 * (module/db_dl.h) is one line of error from db_open(), never a crash.
 * This binary is built with module/db_pq_syms.c and module/db_my_syms.c
 * compiled for a libpq that does not exist (EMG_PQ_SONAME
 * "/nonexistent/libpq.so.5") and for a "MariaDB Connector/C" that is
 * SQLite's library (EMG_MY_SONAME "libsqlite3.so.0": it loads, and has none
 * of the functions), as configure's PQ_SONAME and MY_SONAME would give
 * them (Makefile.in, DB_DL_TEST_CFLAGS).  The expected lines are those
 * db_dl.h promises, "SCHEME needs SONAME: " and the dynamic linker's
 * reason.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#if defined(HAVE_PGSQL) && defined(HAVE_MYSQL)

#include "db_my_syms.h"
#include "db_pq_syms.h"

/* db_open() of uri: NULL, with its one line in err. */
static void open_fails(const char *uri, char *err, size_t errlen)
{
    struct db_target t;

    ck_assert_int_eq(db_target_from_uri(uri, &t, err, errlen), 0);
    ck_assert_ptr_null(db_open(&t, 0, err, errlen));
    ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(test_pq_missing)
{
    static const char want[] = "postgresql:// needs /nonexistent/libpq.so.5: ";
    char err[512], again[512];

    ck_assert_str_eq(EMG_PQ_SONAME, "/nonexistent/libpq.so.5");
    open_fails("postgresql:///emg?host=/nonexistent", err, sizeof(err));
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "err: %s", err);
    ck_assert_msg(strstr(err, "No such file or directory") != NULL, "err: %s", err);
    /* the outcome of the one attempt, every time */
    open_fails("postgresql:///other", again, sizeof(again));
    ck_assert_str_eq(again, err);
    ck_assert_int_eq(db_pq_load(again, sizeof(again)), -1);
    ck_assert_str_eq(again, err);
}
END_TEST

START_TEST(test_my_without_functions)
{
    static const char want[] = "mysql:// needs libsqlite3.so.0: ";
    char err[512];

    ck_assert_str_eq(EMG_MY_SONAME, "libsqlite3.so.0");
    open_fails("mysql://emgdiag@localhost/emg", err, sizeof(err));
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "err: %s", err);
    /* the first function of the table is the one missing */
    ck_assert_msg(strstr(err, "undefined symbol: mysql_close") != NULL, "err: %s", err);
}
END_TEST

/* Many threads open at once: one load, the same line for each. */
struct racer {
    char err[512];
    int rc;
};

static void *race(void *arg)
{
    struct racer *r = arg;

    r->rc = db_pq_load(r->err, sizeof(r->err));
    return NULL;
}

START_TEST(test_load_once_across_threads)
{
    struct racer r[8];
    pthread_t th[8];

    memset(r, 0, sizeof(r));
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, race, &r[i]), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(r[i].rc, -1);
        ck_assert_str_eq(r[i].err, r[0].err);
    }
    ck_assert_msg(strncmp(r[0].err, "postgresql:// needs /nonexistent/libpq.so.5: ", 45) == 0,
                  "err: %s", r[0].err);
}
END_TEST

START_TEST(test_sqlite_needs_neither)
{
    struct db_target t;
    char err[256];
    struct db *d;

    /* SQLite opens whatever the server libraries do */
    ck_assert_int_eq(db_target_from_uri("sqlite::memory:", &t, err, sizeof(err)), 0);
    d = db_open(&t, 1, err, sizeof(err));
    ck_assert_msg(d != NULL, "err: %s", err);
    ck_assert_int_eq(db_version(d, err, sizeof(err)), 0);
    db_close(d);
}
END_TEST

static Suite *db_dl_suite(void)
{
    Suite *s = suite_create("db_dl");
    TCase *tc = tcase_create("missing");

    tcase_add_test(tc, test_pq_missing);
    tcase_add_test(tc, test_my_without_functions);
    tcase_add_test(tc, test_load_once_across_threads);
    tcase_add_test(tc, test_sqlite_needs_neither);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(db_dl_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#else

int main(void)
{
    /* reported as skipped, not as passed: Check's summary line is not printed */
    puts("check_db_dl: skipped: this build has no PostgreSQL or no MariaDB/MySQL back-end");
    return EXIT_SUCCESS;
}

#endif
