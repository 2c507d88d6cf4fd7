/*
 * db_msgids: the ids a message-log row lists (see db_msgids.h).
 */
#include "db_msgids.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

size_t db_message_id_cut(const char *s, size_t n)
{
    size_t i, chars = 0;

    for (i = 0; i < n; i++) {
        /* A character starts at every octet that is not a continuation. */
        if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == DB_MESSAGE_ID_CHARS)
            return i;
    }
    return n;
}

/* The index among messagelog's own columns of `name`; -1 when none. */
static int column(const char *name)
{
    const char *const *cols = db_table_columns(DB_MESSAGELOG);

    for (int i = 0; cols[i] != NULL; i++)
        if (strcmp(cols[i], name) == 0)
            return i;
    return -1;
}

int db_message_ids(const struct db_row *r, int (*each)(void *ctx, const char *id, size_t n),
                   void *ctx)
{
    static const char *const lists[] = { "ids", "url" };
    const struct db_value *v;
    const char *p, *q, *end;
    int c, rc;

    if (r->table != DB_MESSAGELOG)
        return 0;
    for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
        if ((c = column(lists[k])) < 0 || (size_t)c >= r->ncol)
            continue;
        v = &r->col[c];
        if (v->null || v->is_int || v->s == NULL)
            continue;
        for (p = v->s, end = v->s + v->n; p <= end; p = q + 1) {
            q = memchr(p, ';', (size_t)(end - p));
            if (q == NULL)
                q = end;
            if (q > p && (rc = each(ctx, p, db_message_id_cut(p, (size_t)(q - p)))) != 0)
                return rc;
        }
    }
    return 0;
}

struct collecting {
    struct db_id_rows *out;
    int64_t ts;
};

static int collect_one(void *ctx, const char *id, size_t n)
{
    struct collecting *c = ctx;
    struct db_id_rows *o = c->out;
    size_t *grown;

    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        if ((grown = emg_realloc(o->off, o->cap * sizeof(*o->off))) == NULL)
            return -1;
        o->off = grown;
    }
    o->off[o->n++] = o->text.len;
    sbuf_put_int(&o->text, (long long)c->ts);
    sbuf_putc(&o->text, '\0');
    sbuf_putn(&o->text, id, n);
    sbuf_putc(&o->text, '\0');
    return o->text.failed ? -1 : 0;
}

int db_id_rows_collect(struct db_id_rows *out, const struct db_row *rows, size_t n)
{
    struct collecting c = { out, 0 };

    for (size_t i = 0; i < n; i++) {
        c.ts = rows[i].ts_us;
        if (db_message_ids(&rows[i], collect_one, &c) != 0)
            return -1;
    }
    return 0;
}

void db_id_rows_free(struct db_id_rows *out)
{
    sbuf_free(&out->text);
    emg_free(out->off);
    memset(out, 0, sizeof(*out));
}

void db_message_line(struct db_message_lines *c, const char *s, size_t n, int64_t ts)
{
    const char *sp = memchr(s, ' ', n);

    if (sp == NULL)
        return; /* not the query's form: cannot be */
    c->each(c->ctx, strtoll(s, NULL, 10), sp + 1, n - (size_t)(sp + 1 - s), ts);
    c->rows++;
}
