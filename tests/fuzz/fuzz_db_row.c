/*
 * fuzz_db_row: libFuzzer target over the reader that cuts a log line's
 * JSON twin into a database row's columns (module/db_row.c), the parser
 * the database sink and emgdiag-db read twins with (docs/database.md).
 *
 * The first octet picks the table, the rest is the twin.  Beyond the
 * sanitizers' checks: a row taken keeps no pointer into its input (the
 * input is wiped before the row is looked at: a column left pointing
 * there would hold NULs), a text column is never longer than the input
 * plus the line, holds no NUL, and `line` is exactly the text given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db_row.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINE "2024-01-01 00:00:00.000000 (0) CONNECT OK"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct db_row r;
    char why[160];
    char *twin;
    size_t n, i;
    int table;

    if (size == 0)
        return 0;
    table = data[0] % DB_TABLES;
    n = size - 1;
    /* a copy of exactly the input's size, so that an overread shows */
    twin = malloc(n ? n : 1);
    if (twin == NULL)
        abort();
    memcpy(twin, data + 1, n);
    if (db_row_parse(table, twin, n, LINE, strlen(LINE), &r, why, sizeof(why)) == 0) {
        memset(twin, 0, n); /* the row keeps copies, never pointers into its input */
        if (r.connector == NULL || memchr(r.connector, '\0', n + 1) == NULL)
            abort();
        for (i = 0; i < r.ncol; i++) {
            const struct db_value *v = &r.col[i];

            if (v->null || v->is_int)
                continue;
            if (v->n > n + strlen(LINE) + 2 || memchr(v->s, '\0', v->n) != NULL)
                abort();
        }
        if (r.col[r.ncol - 1].n != strlen(LINE) || memcmp(r.col[r.ncol - 1].s, LINE, strlen(LINE)))
            abort();
        db_row_free(&r);
    } else if (strlen(why) == 0) {
        abort();
    }
    free(twin);
    return 0;
}
