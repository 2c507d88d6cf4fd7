/*
 * emgdiag-db: the database the module's database sink writes
 * (docs/database.md), set up and upgraded by hand.
 *
 *   emgdiag-db init URI      create the tables of the current schema
 *   emgdiag-db upgrade URI   upgrade an older schema in place
 *   emgdiag-db version URI   print the schema version (0: none)
 *
 * The sink itself creates a missing schema and upgrades an older one when
 * it starts, so neither step is needed for the embedded default; these
 * are for a database prepared before the gateways start, or checked
 * after.  URI: sqlite:PATH or postgresql://… (the password from PGPASSWORD
 * or ~/.pgpass, never from the command line).  Exit status: 0 done; 1 the database cannot
 * be used (opened, read, written, or its schema is newer than this tool);
 * 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "tool_version.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fputs("usage: emgdiag-db init|upgrade|version URI\n"
          "\n"
          "Sets up the database emgdiag's database sink writes (docs/database.md).\n"
          "  init      create the tables of the current schema (a database that has an\n"
          "            older one is left to `upgrade`)\n"
          "  upgrade   upgrade an older schema in place, keeping its rows\n"
          "  version   print the schema version (0: no emgdiag tables)\n"
          "URI: sqlite:PATH, or postgresql://[USER@]HOST[:PORT]/DB[?...] (the password\n"
          "     from PGPASSWORD or ~/.pgpass)\n"
          "  -h, --help     this text\n"
          "  -V, --version  the version\n"
          "Exit status: 0 done; 1 the database cannot be used; 2 usage error.\n",
          out);
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
    if (argc != 3) {
        usage(stderr);
        return EXIT_USAGE;
    }
    cmd = argv[1];
    uri = argv[2];
    if (strcmp(cmd, "init") != 0 && strcmp(cmd, "upgrade") != 0 && strcmp(cmd, "version") != 0) {
        fprintf(stderr, "emgdiag-db: no command \"%s\" (init, upgrade or version)\n", cmd);
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
    } else if (db_schema(d, &from, err, sizeof(err)) != 0) {
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
