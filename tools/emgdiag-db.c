/*
 * emgdiag-db: the database the module's database sink writes
 * (docs/database.md), set up and upgraded by hand.
 *
 *   emgdiag-db init URI      create the tables of the current schema
 *   emgdiag-db upgrade URI   upgrade an older schema in place
 *   emgdiag-db version URI   print the schema version (0: none)
 *   emgdiag-db load URI --box BOX [--node NODE] FILE|DIR...
 *                            log files already written, as rows (db_load.h)
 *
 * The sink itself creates a missing schema and upgrades an older one when
 * it starts, so neither step is needed for the embedded default; these
 * are for a database prepared before the gateways start, or checked
 * after.  URI: sqlite:PATH, postgresql://… (the password from PGPASSWORD
 * or ~/.pgpass) or mysql://… (the password from MYSQL_PWD), never from
 * the command line.  Exit status: 0 done; 1 the database cannot
 * be used (opened, read, written, or its schema is newer than this tool),
 * or a file could not be loaded whole; 2 usage error.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_load.h"
#include "tool_version.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* ---- progress of a schema step (on a terminal) ----
 * An upgrade can copy every row (SQLite, version 2 to 3: docs/database.md),
 * minutes on a large file, in one statement: a line on stderr says how long
 * it has run, once a second, until it ends. */
struct ticker {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    int done;
    const char *what;
};

static void *tick(void *arg)
{
    struct ticker *t = arg;
    time_t t0 = time(NULL);
    struct timespec at;

    pthread_mutex_lock(&t->lock);
    clock_gettime(CLOCK_REALTIME, &at);
    while (!t->done) {
        at.tv_sec++;
        if (pthread_cond_timedwait(&t->done_cv, &t->lock, &at) != 0 && !t->done)
            fprintf(stderr, "\remgdiag-db: %s: %lld s", t->what, (long long)(time(NULL) - t0));
    }
    pthread_mutex_unlock(&t->lock);
    fputs("\r\033[K", stderr);
    return NULL;
}

/* db_schema(), with the ticker on a terminal. */
static int schema_step(struct db *d, const char *what, int *from, char *err, size_t errlen)
{
    struct ticker t = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, what };
    pthread_t th;
    int rc, ticking = isatty(2) && pthread_create(&th, NULL, tick, &t) == 0;

    rc = db_schema(d, from, err, errlen);
    if (ticking) {
        pthread_mutex_lock(&t.lock);
        t.done = 1;
        pthread_cond_signal(&t.done_cv);
        pthread_mutex_unlock(&t.lock);
        pthread_join(th, NULL);
    }
    return rc;
}

static void usage(FILE *out)
{
    fputs("usage: emgdiag-db init|upgrade|version URI\n"
          "       emgdiag-db load URI --box bearerbox|opensmppbox [--node NODE] FILE|DIR...\n"
          "\n"
          "Sets up the database emgdiag's database sink writes (docs/database.md).\n"
          "  init      create the tables of the current schema (a database that has an\n"
          "            older one is left to `upgrade`)\n"
          "  upgrade   upgrade an older schema in place, keeping its rows\n"
          "  version   print the schema version (0: no emgdiag tables)\n"
          "  load      add log files already written (connector.*, pdu.*, message.*,\n"
          "            security, each with its .jsonl twin; a DIR: every such file in\n"
          "            it) as rows of NODE (default: this host's name) and BOX;\n"
          "            rows already there are left as they are\n"
          "URI: sqlite:PATH, postgresql://[USER@]HOST[:PORT]/DB[?...] (the password\n"
          "     from PGPASSWORD or ~/.pgpass), or\n"
          "     mysql://[USER@][HOST][:PORT]/DB[?socket=PATH] (the password from MYSQL_PWD)\n"
          "  -h, --help     this text\n"
          "  -V, --version  the version\n"
          "Exit status: 0 done; 1 the database cannot be used; 2 usage error.\n",
          out);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads one path: a log file, or every log file of a directory (sorted). */
static int load_path(struct db *d, const char *node, const char *box, const char *path,
                     int progress, struct db_load_stats *st)
{
    struct stat sb;
    struct dirent *e;
    DIR *dir;
    char **names = NULL, full[4096];
    size_t n = 0, i;
    int rc = 0;

    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        if (db_load_table_of(path) < 0) {
            fprintf(stderr, "emgdiag-db: %s: not a connector, pdu or security log\n", path);
            return -1;
        }
        return db_load_file(d, node, box, path, progress, st);
    }
    if ((dir = opendir(path)) == NULL) {
        perror(path);
        return -1;
    }
    while ((e = readdir(dir)) != NULL) {
        if (db_load_table_of(e->d_name) < 0)
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        if (names == NULL || (names[n] = strdup(e->d_name)) == NULL) {
            fprintf(stderr, "emgdiag-db: out of memory\n");
            exit(EXIT_FAILED);
        }
        n++;
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), cmp_names);
    for (i = 0; i < n; i++) {
        snprintf(full, sizeof(full), "%s/%s", path, names[i]);
        if (db_load_file(d, node, box, full, progress, st) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

static int load(int argc, char **argv)
{
    const char *uri = argv[2], *node = NULL, *box = NULL;
    struct db_load_stats st;
    struct db_target t;
    struct db *d;
    char err[512], host[256];
    int i, rc = EXIT_OK, npaths = 0;

    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc)
            node = argv[++i];
        else if (strcmp(argv[i], "--box") == 0 && i + 1 < argc)
            box = argv[++i];
        else if (argv[i][0] == '-') {
            usage(stderr);
            return EXIT_USAGE;
        } else
            npaths++;
    }
    if (box == NULL || (strcmp(box, "bearerbox") != 0 && strcmp(box, "opensmppbox") != 0) ||
        npaths == 0) {
        fprintf(stderr, "emgdiag-db: load needs --box bearerbox|opensmppbox and a FILE or DIR\n");
        return EXIT_USAGE;
    }
    if (node == NULL) {
        if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
            snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        node = host;
    }
    if (db_target_from_uri(uri, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "emgdiag-db: %s\n", err);
        return EXIT_USAGE;
    }
    if ((d = db_open(&t, 1, err, sizeof(err))) == NULL || db_schema(d, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "emgdiag-db: %s\n", err);
        db_close(d);
        return EXIT_FAILED;
    }
    memset(&st, 0, sizeof(st));
    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 || strcmp(argv[i], "--box") == 0) {
            i++;
            continue;
        }
        if (load_path(d, node, box, argv[i], isatty(2), &st) != 0)
            rc = EXIT_FAILED;
    }
    db_close(d);
    printf("%lu lines: %lu rows added, %lu already there, %lu without a twin, %lu not "
           "understood\n",
           st.lines, st.added, st.present, st.no_twin, st.bad);
    if (st.no_twin > 0 || st.bad > 0)
        rc = EXIT_FAILED;
    return rc;
}

int main(int argc, char **argv)
{
    struct db_target t;
    struct db *d;
    const char *cmd, *uri;
    char err[512];
    int v, from, create, rc = EXIT_OK;

    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return EXIT_OK;
    }
    if (argc == 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
        printf("emgdiag-db %s\n", EMGDIAG_VERSION);
        return EXIT_OK;
    }
    if (argc >= 3 && strcmp(argv[1], "load") == 0)
        return load(argc, argv);
    if (argc != 3) {
        usage(stderr);
        return EXIT_USAGE;
    }
    cmd = argv[1];
    uri = argv[2];
    if (strcmp(cmd, "init") != 0 && strcmp(cmd, "upgrade") != 0 && strcmp(cmd, "version") != 0) {
        fprintf(stderr, "emgdiag-db: no command \"%s\" (init, upgrade, version or load)\n", cmd);
        return EXIT_USAGE;
    }
    if (db_target_from_uri(uri, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "emgdiag-db: %s\n", err);
        return EXIT_USAGE;
    }
    create = strcmp(cmd, "init") == 0;
    d = db_open(&t, create, err, sizeof(err));
    if (d == NULL) {
        fprintf(stderr, "emgdiag-db: %s\n", err);
        return EXIT_FAILED;
    }
    v = db_version(d, err, sizeof(err));
    if (v < 0) {
        fprintf(stderr, "emgdiag-db: %s: %s\n", uri, err);
        rc = EXIT_FAILED;
    } else if (strcmp(cmd, "version") == 0) {
        printf("%d\n", v);
    } else if (v > DB_SCHEMA_VERSION) {
        fprintf(stderr, "emgdiag-db: %s: schema version %d is newer than this tool's %d\n", uri, v,
                DB_SCHEMA_VERSION);
        rc = EXIT_FAILED;
    } else if (v == DB_SCHEMA_VERSION) {
        printf("%s: schema version %d already\n", uri, v);
    } else if (create && v > 0) {
        fprintf(stderr, "emgdiag-db: %s: schema version %d: run `emgdiag-db upgrade %s`\n", uri, v,
                uri);
        rc = EXIT_FAILED;
    } else if (schema_step(d, create ? "creating the schema" : "upgrading the schema", &from, err,
                           sizeof(err)) != 0) {
        fprintf(stderr, "emgdiag-db: %s: %s\n", uri, err);
        rc = EXIT_FAILED;
    } else if (create) {
        printf("%s: schema version %d created\n", uri, DB_SCHEMA_VERSION);
    } else {
        printf("%s: schema upgraded from version %d to %d\n", uri, from, DB_SCHEMA_VERSION);
    }
    db_close(d);
    return rc;
}
