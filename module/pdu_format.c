/*
 * pdu_format: EMG pdu-log text and JSON from one decode (see pdu_format.h).
 *
 * The hot path is a short submit_sm, so a line is built without printf and
 * without an allocation per field: the worst-case size of the whole line is
 * reserved once in the sbuf and then written through a cursor.  The JSON
 * form writes each value exactly as the text form does and then escapes it
 * for JSON in place (the reservation leaves room for that doubling).
 */
#include "pdu_format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "smpp.h"

/* ---- sorting: by key with strcmp, stable ---- */

static int field_cmp(const struct smpp_field *a, const struct smpp_field *b)
{
    return strcmp(smpp_field_key(a), smpp_field_key(b));
}

static void insertion_sort(struct smpp_field *f, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        struct smpp_field tmp;

        if (field_cmp(&f[i - 1], &f[i]) <= 0)
            continue;
        tmp = f[i];
        j = i;
        while (j > 0 && field_cmp(&f[j - 1], &tmp) > 0) {
            f[j] = f[j - 1];
            j--;
        }
        f[j] = tmp;
    }
}

/* Bottom-up merge sort for PDUs with many fields (long TLV lists,
   submit_multi); falls back to insertion sort without memory. */
static void sort_fields(struct smpp_field *f, size_t n)
{
    struct smpp_field *tmp, *src, *dst, *swap;
    size_t width, lo;

    if (n <= 32) {
        insertion_sort(f, n);
        return;
    }
    tmp = malloc(n * sizeof(*tmp));
    if (tmp == NULL) {
        insertion_sort(f, n);
        return;
    }
    src = f;
    dst = tmp;
    for (width = 1; width < n; width *= 2) {
        for (lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;

            while (i < mid && j < hi)
                dst[k++] = field_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        swap = src;
        src = dst;
        dst = swap;
    }
    if (src != f)
        memcpy(f, src, n * sizeof(*f));
    free(tmp);
}

/* ---- writing through a cursor into reserved space ---- */

static const char hex_lower[] = "0123456789abcdef";

static char *put_mem(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

#define PUT_LIT(w, lit) put_mem((w), (lit), sizeof(lit) - 1)

static char *put_u64(char *w, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return put_mem(w, tmp + i, sizeof(tmp) - i);
}

static char *put_hex32(char *w, uint32_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        w[i] = hex_lower[v & 0xf];
        v >>= 4;
    }
    return w + 8;
}

/* Most characters a value of the text form can take. */
static size_t value_bound(const struct smpp_field *f)
{
    return 24 + ESC_MAX_PER_OCTET * f->n;
}

/* A field's value exactly as the text form prints it. */
static char *put_value(char *w, const struct smpp_field *f, int passwords_clear)
{
    switch ((enum smpp_value_kind)f->kind) {
    case SMPP_VAL_UINT:
        return put_u64(w, f->num);
    case SMPP_VAL_DECOPT:
        return f->n == 0 ? w : put_u64(w, f->num);
    case SMPP_VAL_OCTETS:
        return w + esc_octets_to(w, f->p, f->n, 0);
    case SMPP_VAL_PASSWORD:
        if (!passwords_clear)
            return PUT_LIT(w, "***");
        return w + esc_octets_to(w, f->p, f->n, 0);
    case SMPP_VAL_DEST_SME:
        w = PUT_LIT(w, "1,");
        w = put_u64(w, f->num);
        *w++ = ',';
        w = put_u64(w, f->num2);
        *w++ = ',';
        return w + esc_octets_to(w, f->p, f->n, ESC_COMMA);
    case SMPP_VAL_DEST_DL:
        w = PUT_LIT(w, "2,");
        return w + esc_octets_to(w, f->p, f->n, ESC_COMMA);
    case SMPP_VAL_UNSUCCESS:
        w = put_u64(w, f->num);
        *w++ = ',';
        w = put_u64(w, f->num2);
        *w++ = ',';
        w += esc_octets_to(w, f->p, f->n, ESC_COMMA);
        *w++ = ',';
        return put_u64(w, f->num3);
    }
    return w;
}

/* JSON-escapes [start, end) in place; the space after end must hold as
   many characters again.  The text is printable ASCII, so only '"' and
   '\' need escaping. */
static char *json_escape_in_place(char *start, char *end)
{
    size_t extra = 0;
    char *src, *dst;

    for (src = start; src < end; src++)
        extra += *src == '"' || *src == '\\';
    if (extra == 0)
        return end;
    src = end;
    dst = end + extra;
    while (src > start) {
        char c = *--src;

        *--dst = c;
        if (c == '"' || c == '\\')
            *--dst = '\\';
    }
    return end + extra;
}

static int is_json_number(const struct smpp_field *f)
{
    return f->kind == SMPP_VAL_UINT || (f->kind == SMPP_VAL_DECOPT && f->n > 0);
}

/* Reserves room for a line; returns the cursor or NULL (sbuf failed). */
static char *reserve_line(struct sbuf *b, const struct smpp_decoded *d, int json)
{
    size_t need = 192 + d->name_len, i;

    for (i = 0; i < d->nfields; i++) {
        const struct smpp_field *f = &d->fields[i];

        need += json ? 2 * (size_t)f->klen + 8 + 2 * value_bound(f) : f->klen + 2 + value_bound(f);
    }
    if (d->error != NULL)
        need += 16 + 6 * strlen(d->error);
    if (sbuf_reserve(b, need) != 0)
        return NULL;
    return b->buf + b->len;
}

static void finish_line(struct sbuf *b, char *w)
{
    b->len = (size_t)(w - b->buf);
    b->buf[b->len] = '\0';
}

static void emit_text(struct sbuf *b, int dir, const struct smpp_decoded *d,
                      const struct pdu_format_opts *o)
{
    int clear = o != NULL && o->passwords_clear;
    char *w = reserve_line(b, d, 0);
    size_t i;

    if (w == NULL)
        return;
    w = dir == PDU_DIR_WRITE ? PUT_LIT(w, "Write op:0x") : PUT_LIT(w, "Read op:0x");
    w = put_hex32(w, d->command_id);
    w = PUT_LIT(w, " (");
    w = put_mem(w, d->name, d->name_len);
    w = PUT_LIT(w, ") status:");
    w = put_u64(w, d->command_status);
    w = PUT_LIT(w, " trn:");
    w = put_u64(w, d->sequence_number);
    w = PUT_LIT(w, " datalen:");
    w = put_u64(w, d->datalen);
    for (i = 0; i < d->nfields; i++) {
        const struct smpp_field *f = &d->fields[i];

        *w++ = ' ';
        w = put_mem(w, smpp_field_key(f), f->klen);
        *w++ = ':';
        w = put_value(w, f, clear);
    }
    if (d->error != NULL) {
        w = PUT_LIT(w, " ERROR:");
        w = put_mem(w, d->error, strlen(d->error));
    }
    finish_line(b, w);
}

static char *put_json_value(char *w, const struct smpp_field *f, int clear)
{
    char *start;

    if (is_json_number(f))
        return put_value(w, f, clear);
    *w++ = '"';
    start = w;
    w = put_value(w, f, clear);
    w = json_escape_in_place(start, w);
    *w++ = '"';
    return w;
}

static void emit_json(struct sbuf *b, int dir, const struct smpp_decoded *d,
                      const struct pdu_format_opts *o)
{
    int clear = o != NULL && o->passwords_clear;
    char *w = reserve_line(b, d, 1);
    size_t i, j;

    if (w == NULL)
        return;
    w = dir == PDU_DIR_WRITE ? PUT_LIT(w, "\"dir\":\"write\",\"op\":\"0x")
                             : PUT_LIT(w, "\"dir\":\"read\",\"op\":\"0x");
    w = put_hex32(w, d->command_id);
    w = PUT_LIT(w, "\",\"name\":\"");
    w = put_mem(w, d->name, d->name_len);
    w = PUT_LIT(w, "\",\"status\":");
    w = put_u64(w, d->command_status);
    w = PUT_LIT(w, ",\"trn\":");
    w = put_u64(w, d->sequence_number);
    w = PUT_LIT(w, ",\"datalen\":");
    w = put_u64(w, d->datalen);
    w = PUT_LIT(w, ",\"fields\":{");
    for (i = 0; i < d->nfields; i = j) {
        const struct smpp_field *f = &d->fields[i];
        const char *key = smpp_field_key(f);

        /* Sorted, so a repeated key is a run of neighbours. */
        for (j = i + 1; j < d->nfields && strcmp(smpp_field_key(&d->fields[j]), key) == 0; j++)
            ;
        if (i > 0)
            *w++ = ',';
        *w++ = '"';
        w = put_mem(w, key, f->klen);
        w = PUT_LIT(w, "\":");
        if (j - i == 1) {
            w = put_json_value(w, f, clear);
        } else {
            size_t k;

            *w++ = '[';
            for (k = i; k < j; k++) {
                if (k > i)
                    *w++ = ',';
                w = put_json_value(w, &d->fields[k], clear);
            }
            *w++ = ']';
        }
    }
    *w++ = '}';
    if (d->error != NULL) {
        w = PUT_LIT(w, ",\"error\":\"");
        w += esc_json_to(w, d->error, strlen(d->error));
        *w++ = '"';
    }
    finish_line(b, w);
}

void pdu_format_text(struct sbuf *b, int dir, const unsigned char *pdu, size_t len,
                     const struct pdu_format_opts *o)
{
    struct smpp_decoded d;

    smpp_decode(pdu, len, &d);
    sort_fields(d.fields, d.nfields);
    emit_text(b, dir, &d, o);
    smpp_decoded_free(&d);
}

void pdu_format_json(struct sbuf *b, int dir, const unsigned char *pdu, size_t len,
                     const struct pdu_format_opts *o)
{
    struct smpp_decoded d;

    smpp_decode(pdu, len, &d);
    sort_fields(d.fields, d.nfields);
    emit_json(b, dir, &d, o);
    smpp_decoded_free(&d);
}

void pdu_format_both(struct sbuf *text, struct sbuf *json, int dir, const unsigned char *pdu,
                     size_t len, const struct pdu_format_opts *o)
{
    struct smpp_decoded d;

    smpp_decode(pdu, len, &d);
    sort_fields(d.fields, d.nfields);
    if (text != NULL)
        emit_text(text, dir, &d, o);
    if (json != NULL)
        emit_json(json, dir, &d, o);
    smpp_decoded_free(&d);
}
