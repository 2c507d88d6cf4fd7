/*
 * compare_model: emgdiag-compare's pairing and comparison (see
 * compare_model.h).
 */
#include "compare_model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "print_escaped.h"

/* ---- fields of a pdu line ------------------------------------------------ */

/* A pdu-log body as compared: each `\x20` becomes the space it stands for.
 * The module writes a space inside a text value as `\x20` where it could
 * be read as the start of another field (" KEY:"); EMG writes a plain
 * space; both mean the same octet.  A `\\` (an escaped backslash) and every
 * other escape are kept as they are.  out has room for n octets; returns
 * how many it holds. */
static size_t unescape_spaces(char *out, const char *s, size_t n)
{
    size_t i = 0, k = 0;

    while (i < n) {
        if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && s[i + 2] == '2' && s[i + 3] == '0') {
            out[k++] = ' ';
            i += 4;
        } else if (s[i] == '\\' && i + 1 < n) {
            out[k++] = s[i++]; /* the escape's two first octets as they are */
            out[k++] = s[i++];
        } else {
            out[k++] = s[i++];
        }
    }
    return k;
}

/* A field starts at a KEY of [A-Z][A-Za-z0-9]* followed by ':' after a
 * space.  Values may hold spaces, so a value holding " WORD:" is cut there
 * too; both logs are cut the same way, so a pair still compares right. */
static int field_starts(const char *s, size_t i, size_t n)
{
    size_t j = i;

    if (i == 0 || s[i - 1] != ' ' || !(s[i] >= 'A' && s[i] <= 'Z'))
        return 0;
    while (j < n && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') ||
                     (s[j] >= '0' && s[j] <= '9')))
        j++;
    return j < n && s[j] == ':';
}

struct field {
    const char *p; /* "KEY:value" */
    size_t len, keylen;
};

/* The fields of body (what follows "(name,N) "), in order; *n set.  The
 * caller frees the array. */
static struct field *split_fields(const char *s, size_t n, size_t *count)
{
    struct field *f = NULL;
    size_t nf = 0, i, start = SIZE_MAX;

    for (i = 0; i <= n; i++) {
        if (i < n && !field_starts(s, i, n))
            continue;
        if (start != SIZE_MAX) {
            size_t end = i < n ? i - 1 : n; /* drop the separating space */

            f = xrealloc(f, (nf + 1) * sizeof *f);
            f[nf].p = s + start;
            f[nf].len = end - start;
            f[nf].keylen =
                (size_t)((const char *)memchr(s + start, ':', end - start) - (s + start));
            nf++;
        }
        start = i;
    }
    *count = nf;
    return f;
}

static int ignored_key(const struct options *o, const char *k, size_t n)
{
    size_t i;

    for (i = 0; i < o->nignored; i++)
        if (strlen(o->ignored[i]) == n && memcmp(o->ignored[i], k, n) == 0)
            return 1;
    return 0;
}

/* A line's body as compared: for a pdu line its header ("Write op:...
 * datalen:N"), then its fields, cut from the text or, when its JSON twin
 * line is known, taken from there; \x20 read as a space throughout. */
struct body {
    char *text; /* header, then " KEY:value" for each field */
    size_t len, header_len;
    struct field *f; /* into text */
    size_t nf;
};

static void body_make(struct body *b, const struct options *o, const struct line *l,
                      const struct pdu_json *twin)
{
    size_t n = l->len - l->rest, i, k, need;
    char *t;

    b->text = xmalloc(n + 1);
    b->f = NULL;
    b->nf = 0;
    if (o->kind != KIND_PDU) {
        memcpy(b->text, l->text + l->rest, n);
        b->len = b->header_len = n;
        b->text[n] = '\0';
        return;
    }
    b->len = unescape_spaces(b->text, l->text + l->rest, n);
    b->text[b->len] = '\0';
    b->f = split_fields(b->text, b->len, &b->nf);
    b->header_len = b->nf > 0 ? (size_t)(b->f[0].p - b->text) - 1 : b->len;
    if (twin == NULL)
        return;
    /* the header as it is, then the twin's fields one by one */
    need = b->header_len + (twin->error != NULL ? 7 + twin->error_len : 0);
    for (i = 0; i < twin->nfields; i++)
        need += 2 + twin->fields[i].key_len + twin->fields[i].value_len;
    t = xmalloc(need + 1);
    memcpy(t, b->text, b->header_len);
    k = b->header_len;
    free(b->f);
    b->f = xmalloc((twin->nfields + 1) * sizeof *b->f);
    b->nf = 0;
    for (i = 0; i <= twin->nfields; i++) {
        const char *key = i < twin->nfields ? twin->fields[i].key : "ERROR";
        size_t key_len = i < twin->nfields ? twin->fields[i].key_len : 5;
        struct field *f = &b->f[b->nf];

        if (i == twin->nfields && twin->error == NULL)
            break;
        t[k++] = ' ';
        f->p = t + k;
        memcpy(t + k, key, key_len);
        k += key_len;
        t[k++] = ':';
        if (i < twin->nfields)
            k += unescape_spaces(t + k, twin->fields[i].value, twin->fields[i].value_len);
        else
            k += unescape_spaces(t + k, twin->error, twin->error_len);
        f->len = (size_t)(t + k - f->p);
        f->keylen = key_len;
        b->nf++;
    }
    t[k] = '\0';
    free(b->text);
    b->text = t;
    b->len = k;
}

static void body_free(struct body *b)
{
    free(b->text);
    free(b->f);
}

/* ---- keys ------------------------------------------------------------------ */

static size_t word_len(const char *p, const char *end)
{
    const char *q = memchr(p, ' ', (size_t)(end - p));

    return q != NULL ? (size_t)(q - p) : (size_t)(end - p);
}

/* "N|" for the instance into buf (room for 22 octets); its length. */
static size_t instance_prefix(char *buf, unsigned long v)
{
    char tmp[24];
    size_t n = 0, k = 0;

    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        buf[k++] = tmp[--n];
    buf[k++] = '|';
    return k;
}

/* A pdu line without op or trn is keyed by its whole text after the name.
 * Made with memchr and memcpy: it runs for every line of both logs. */
char *line_key(const struct options *o, const struct line *l)
{
    const char *body = l->text + l->rest, *end = l->text + l->len, *p;
    char inst[24], *k;
    size_t n, il = instance_prefix(inst, o->ignore_instance ? 0ul : l->instance);

    if (o->kind == KIND_CONNECTOR) {
        n = word_len(body, end);
    } else {
        /* "Write op:0x00000004 (SUBMIT_SM) status:0 trn:5" -> "Write op:0x00000004 trn:5" */
        const char *op = NULL, *trn = NULL;
        size_t oplen = 0, trnlen = 0, dirlen;

        dirlen = word_len(body, end);
        for (p = body; (p = memchr(p, ' ', (size_t)(end - p))) != NULL; p++) {
            if (op == NULL && end - p >= 4 && memcmp(p, " op:", 4) == 0) {
                op = p + 1;
                oplen = word_len(op, end);
            } else if (trn == NULL && end - p >= 5 && memcmp(p, " trn:", 5) == 0) {
                trn = p + 1;
                trnlen = word_len(trn, end);
                break;
            }
        }
        if (op == NULL || trn == NULL) {
            n = (size_t)(end - body);
        } else {
            k = xmalloc(il + dirlen + oplen + trnlen + 3);
            memcpy(k, inst, il);
            memcpy(k + il, body, dirlen);
            n = il + dirlen;
            k[n++] = ' ';
            memcpy(k + n, op, oplen);
            n += oplen;
            k[n++] = ' ';
            memcpy(k + n, trn, trnlen);
            k[n + trnlen] = '\0';
            return k;
        }
    }
    k = xmalloc(il + n + 1);
    memcpy(k, inst, il);
    memcpy(k + il, body, n);
    k[il + n] = '\0';
    return k;
}

char *line_cmp(const struct options *o, const struct line *l, const struct pdu_json *twin,
               size_t *cmp_len)
{
    struct body b;
    size_t i, len;
    char *out;

    body_make(&b, o, l, twin);
    if (o->nignored == 0 && twin == NULL) {
        free(b.f);
        *cmp_len = b.len;
        return b.text;
    }
    out = xmalloc(b.len + 1);
    memcpy(out, b.text, b.header_len);
    len = b.header_len;
    for (i = 0; i < b.nf; i++) {
        if (ignored_key(o, b.f[i].p, b.f[i].keylen))
            continue;
        out[len++] = ' ';
        memcpy(out + len, b.f[i].p, b.f[i].len);
        len += b.f[i].len;
    }
    out[len] = '\0';
    body_free(&b);
    *cmp_len = len;
    return out;
}

/* ---- the table of SECOND's lines ------------------------------------------ */

static unsigned long long hash(const char *s)
{
    unsigned long long h = 1469598103934665603ull;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Appends e at the end of its slot's chain. */
static void chain_append(struct table *t, struct entry *e)
{
    struct entry **pp = &t->slot[e->hash & (t->nslot - 1)];

    while (*pp != NULL)
        pp = &(*pp)->chain;
    e->chain = NULL;
    *pp = e;
}

/* Twice the slots when the entries outnumber them; chains keep their order
 * (entries are re-linked oldest first). */
static void slots_grow(struct table *t)
{
    struct entry *e;

    if (t->nslot != 0 && t->n <= t->nslot)
        return;
    free(t->slot);
    t->nslot = t->nslot ? t->nslot * 2 : 1024;
    t->slot = xmalloc(t->nslot * sizeof *t->slot);
    memset(t->slot, 0, t->nslot * sizeof *t->slot);
    for (e = t->oldest; e != NULL; e = e->newer)
        if (!e->paired)
            chain_append(t, e);
}

void table_add(struct table *t, const struct options *o, const struct line *l,
               struct pdu_json *twin)
{
    struct entry *e = xmalloc(sizeof *e);

    e->l = *l;
    e->key = line_key(o, l);
    e->twin = twin;
    e->cmp = NULL; /* made when a pair needs it (entry_cmp) */
    e->cmp_len = 0;
    e->seq = t->added++;
    e->hash = hash(e->key);
    e->paired = 0;
    e->newer = NULL;
    /* the texts, the key, the compared text, the twin (about the text again) */
    e->bytes = sizeof *e + 2 * (l->len + 1) + strlen(e->key) + 1 + l->len +
               (twin != NULL ? l->len : 0);
    if (t->newest != NULL)
        t->newest->newer = e;
    else
        t->oldest = e;
    t->newest = e;
    t->n++;
    t->bytes += e->bytes;
    if (t->nslot == 0 || t->n > t->nslot)
        slots_grow(t); /* links e too */
    else
        chain_append(t, e);
}

static void entry_free(struct entry *e)
{
    free(e->l.text);
    free(e->key);
    free(e->cmp);
    if (e->twin != NULL) {
        pdu_json_free(e->twin);
        free(e->twin);
    }
    free(e);
}

void table_drop_oldest(struct table *t)
{
    struct entry *e = t->oldest, **pp;

    if (!e->paired) {
        for (pp = &t->slot[e->hash & (t->nslot - 1)]; *pp != e; pp = &(*pp)->chain)
            ;
        *pp = e->chain;
    }
    t->oldest = e->newer;
    if (t->oldest == NULL)
        t->newest = NULL;
    t->n--;
    t->bytes -= e->bytes;
    entry_free(e);
}

void table_free(struct table *t)
{
    while (t->oldest != NULL)
        table_drop_oldest(t);
    free(t->slot);
    t->slot = NULL;
    t->nslot = 0;
}

const char *entry_cmp(const struct options *o, struct entry *e)
{
    if (e->cmp == NULL)
        e->cmp = line_cmp(o, &e->l, e->twin, &e->cmp_len);
    return e->cmp;
}

int pair_differs(const struct options *o, const struct line *a, const struct pdu_json *atwin,
                 struct entry *e)
{
    size_t alen = a->len - a->rest, cmp_len;
    char *cmp;
    int differ;

    /* Without twins, what is compared is made from the body alone: equal
     * bodies compare equal, and most pairs are that. */
    if (atwin == NULL && e->twin == NULL && alen == e->l.len - e->l.rest &&
        memcmp(a->text + a->rest, e->l.text + e->l.rest, alen) == 0)
        return 0;
    entry_cmp(o, e);
    cmp = line_cmp(o, a, atwin, &cmp_len);
    differ = cmp_len != e->cmp_len || memcmp(cmp, e->cmp, cmp_len) != 0;
    free(cmp);
    return differ;
}

struct entry *table_take(struct table *t, const char *key)
{
    unsigned long long h = hash(key);
    struct entry **pp, *e;

    if (t->nslot == 0)
        return NULL;
    for (pp = &t->slot[h & (t->nslot - 1)]; (e = *pp) != NULL; pp = &e->chain) {
        if (e->hash == h && strcmp(e->key, key) == 0) {
            *pp = e->chain;
            e->chain = NULL;
            e->paired = 1;
            return e;
        }
    }
    return NULL;
}

/* ---- output ----------------------------------------------------------------- */

void print_text(FILE *out, const char *prefix, const struct line *l)
{
    fputs(prefix, out);
    print_escaped(out, l->text, l->len);
    putc('\n', out);
}

/* "    NAME: first | second\n", each value escaped; NULL prints (none). */
static void print_diff_line(FILE *out, const char *name, size_t name_len, const char *a,
                            size_t alen, const char *b, size_t blen)
{
    fputs("    ", out);
    print_escaped(out, name, name_len);
    fputs(": ", out);
    if (a != NULL)
        print_escaped(out, a, alen);
    else
        fputs("(none)", out);
    fputs(" | ", out);
    if (b != NULL)
        print_escaped(out, b, blen);
    else
        fputs("(none)", out);
    putc('\n', out);
}

/* The fields of a differing pdu pair, side by side: "    KEY: a | b". */
void print_field_diff(FILE *out, const struct options *o, const struct line *a,
                      const struct pdu_json *atwin, const struct line *b,
                      const struct pdu_json *btwin)
{
    struct body ba, bb;
    size_t na, nb, i, j;
    struct field *fa, *fb;
    unsigned char *used;

    /* both bodies as compared, so that both are cut into fields alike */
    body_make(&ba, o, a, atwin);
    body_make(&bb, o, b, btwin);
    fa = ba.f;
    fb = bb.f;
    na = ba.nf;
    nb = bb.nf;
    used = xmalloc(nb + 1);
    memset(used, 0, nb + 1);
    if (ba.header_len != bb.header_len || memcmp(ba.text, bb.text, ba.header_len) != 0)
        print_diff_line(out, "header", 6, ba.text, ba.header_len, bb.text, bb.header_len);
    for (i = 0; i < na; i++) {
        if (ignored_key(o, fa[i].p, fa[i].keylen))
            continue;
        for (j = 0; j < nb; j++) {
            if (!used[j] && fb[j].keylen == fa[i].keylen &&
                memcmp(fb[j].p, fa[i].p, fa[i].keylen) == 0)
                break;
        }
        if (j < nb) {
            used[j] = 1;
            if (fa[i].len == fb[j].len && memcmp(fa[i].p, fb[j].p, fa[i].len) == 0)
                continue;
            print_diff_line(out, fa[i].p, fa[i].keylen, fa[i].p + fa[i].keylen + 1,
                            fa[i].len - fa[i].keylen - 1, fb[j].p + fb[j].keylen + 1,
                            fb[j].len - fb[j].keylen - 1);
        } else {
            print_diff_line(out, fa[i].p, fa[i].keylen, fa[i].p + fa[i].keylen + 1,
                            fa[i].len - fa[i].keylen - 1, NULL, 0);
        }
    }
    for (j = 0; j < nb; j++) {
        if (used[j] || ignored_key(o, fb[j].p, fb[j].keylen))
            continue;
        print_diff_line(out, fb[j].p, fb[j].keylen, NULL, 0, fb[j].p + fb[j].keylen + 1,
                        fb[j].len - fb[j].keylen - 1);
    }
    free(used);
    body_free(&ba);
    body_free(&bb);
}
