/*
 * db_pgcopy.c: a row as a line of COPY's text form (see db_pgcopy.h).
 */
#include "db_pgcopy.h"

#include <stdint.h>
#include <string.h>

int db_pgcopy_text(struct sbuf *b, const char *s, size_t n)
{
    size_t i, run = 0;

    if (s == NULL) {
        sbuf_putn(b, "\\N", 2);
        return 0;
    }
    /* runs of octets that need nothing are copied at once */
    for (i = 0; i < n; i++) {
        char c = s[i], e;

        switch (c) {
        case '\\': e = '\\'; break;
        case '\t': e = 't'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\0': return -1;
        default: continue;
        }
        sbuf_putn(b, s + run, i - run);
        sbuf_putc(b, '\\');
        sbuf_putc(b, e);
        run = i + 1;
    }
    sbuf_putn(b, s + run, n - run);
    return 0;
}

/* A decimal integer. */
static void put_int(struct sbuf *b, int64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    sbuf_putn(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int put_str(struct sbuf *b, const char *s)
{
    return db_pgcopy_text(b, s, s != NULL ? strlen(s) : 0);
}

int db_pgcopy_row(struct sbuf *b, const char *node, const char *box, const char *session,
                  const struct db_row *r)
{
    int rc = 0;

    rc |= put_str(b, node);
    sbuf_putc(b, '\t');
    rc |= put_str(b, box);
    sbuf_putc(b, '\t');
    rc |= put_str(b, session);
    sbuf_putc(b, '\t');
    put_int(b, r->ts_us);
    sbuf_putc(b, '\t');
    rc |= put_str(b, r->connector);
    sbuf_putc(b, '\t');
    if (r->instance >= 0)
        put_int(b, r->instance);
    else
        sbuf_putn(b, "\\N", 2);
    for (size_t c = 0; c < r->ncol; c++) {
        const struct db_value *v = &r->col[c];

        sbuf_putc(b, '\t');
        if (v->null)
            sbuf_putn(b, "\\N", 2);
        else if (v->is_int)
            put_int(b, v->i);
        else
            rc |= db_pgcopy_text(b, v->s, v->n);
    }
    sbuf_putc(b, '\n');
    return rc != 0 ? -1 : 0;
}

void db_pgcopy_columns(struct sbuf *b, int table)
{
    const char *const *cols = db_table_columns(table);

    sbuf_puts(b, "(node, box, session, ts, connector, instance");
    for (size_t c = 0; cols != NULL && cols[c] != NULL; c++) {
        sbuf_puts(b, ", \"");
        sbuf_puts(b, cols[c]);
        sbuf_putc(b, '"');
    }
    sbuf_putc(b, ')');
}
