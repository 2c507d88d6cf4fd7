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

/* ---- sorting: by key in strcmp order, stable ---- */

/* The fields in printing order, as pointers so that sorting moves words. */
struct field_order {
    const struct smpp_field **v;
    size_t n;
    const struct smpp_field *inline_v[SMPP_INLINE_FIELDS];
};

static void insertion_sort(const struct smpp_field **v, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        const struct smpp_field *cur = v[i];

        if (smpp_field_key_cmp(v[i - 1], cur) <= 0)
            continue;
        j = i;
        while (j > 0 && smpp_field_key_cmp(v[j - 1], cur) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = cur;
    }
}

/* Bottom-up merge sort for PDUs with many fields (long TLV lists,
   submit_multi); insertion sort when memory is short. */
static void merge_sort(const struct smpp_field **v, size_t n)
{
    const struct smpp_field **tmp, **src, **dst, **swap;
    size_t width, lo;

    tmp = malloc(n * sizeof(*tmp));
    if (tmp == NULL) {
        insertion_sort(v, n);
        return;
    }
    src = v;
    dst = tmp;
    for (width = 1; width < n; width *= 2) {
        for (lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;

            while (i < mid && j < hi)
                dst[k++] = smpp_field_key_cmp(src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        swap = src;
        src = dst;
        dst = swap;
    }
    if (src != v)
        memcpy(v, src, n * sizeof(*v));
    free(tmp);
}

/* Fills o with d's fields sorted; -1 when memory runs out. */
static int order_fields(struct field_order *o, const struct smpp_decoded *d)
{
    size_t i;

    o->n = d->nfields;
    o->v = o->inline_v;
    if (d->nfields > SMPP_INLINE_FIELDS) {
        o->v = malloc(d->nfields * sizeof(*o->v));
        if (o->v == NULL)
            return -1;
    }
    for (i = 0; i < d->nfields; i++)
        o->v[i] = &d->fields[i];
    if (o->n <= 32)
        insertion_sort(o->v, o->n);
    else
        merge_sort(o->v, o->n);
    return 0;
}

static void order_free(struct field_order *o)
{
    if (o->v != o->inline_v)
        free(o->v);
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

    if (v < 10) { /* most PDU integers: TON, NPI, flags */
        *w = (char)('0' + v);
        return w + 1;
    }

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return put_mem(w, tmp + i, sizeof(tmp) - i);
}

static char *put_hex32(char *w, uint32_t v)
{
    w[0] = hex_lower[v >> 28];
    w[1] = hex_lower[v >> 24 & 0xf];
    w[2] = hex_lower[v >> 20 & 0xf];
    w[3] = hex_lower[v >> 16 & 0xf];
    w[4] = hex_lower[v >> 12 & 0xf];
    w[5] = hex_lower[v >> 8 & 0xf];
    w[6] = hex_lower[v >> 4 & 0xf];
    w[7] = hex_lower[v & 0xf];
    return w + 8;
}

/* A field's key.  Keys are NUL padded to at least 16 readable octets and
   every field's reservation has room past its key, so the common short key
   is one fixed-size copy. */
static char *put_key(char *w, const struct smpp_field *f)
{
    const char *key = smpp_field_key(f);

    memcpy(w, key, 16);
    if (f->klen > 16)
        memcpy(w + 16, key + 16, (size_t)f->klen - 16);
    return w + f->klen;
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
                      const struct field_order *order, const struct pdu_format_opts *o)
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
    for (i = 0; i < order->n; i++) {
        const struct smpp_field *f = order->v[i];

        *w++ = ' ';
        w = put_key(w, f);
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
                      const struct field_order *order, const struct pdu_format_opts *o)
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
    for (i = 0; i < order->n; i = j) {
        const struct smpp_field *f = order->v[i];
        const char *key = smpp_field_key(f);

        /* Sorted, so a repeated key is a run of neighbours. */
        for (j = i + 1; j < order->n && smpp_field_key_cmp(order->v[j], f) == 0; j++)
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
                w = put_json_value(w, order->v[k], clear);
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

/* The one decode pass behind every entry point. */
static void format_pdu(struct sbuf *text, struct sbuf *json, int dir, const unsigned char *pdu,
                       size_t len, const struct pdu_format_opts *o)
{
    struct smpp_decoded d;
    struct field_order order;

    smpp_decode(pdu, len, &d);
    if (order_fields(&order, &d) != 0) {
        if (text != NULL)
            text->failed = 1;
        if (json != NULL)
            json->failed = 1;
        smpp_decoded_free(&d);
        return;
    }
    if (text != NULL)
        emit_text(text, dir, &d, &order, o);
    if (json != NULL)
        emit_json(json, dir, &d, &order, o);
    order_free(&order);
    smpp_decoded_free(&d);
}

void pdu_format_text(struct sbuf *b, int dir, const unsigned char *pdu, size_t len,
                     const struct pdu_format_opts *o)
{
    format_pdu(b, NULL, dir, pdu, len, o);
}

void pdu_format_json(struct sbuf *b, int dir, const unsigned char *pdu, size_t len,
                     const struct pdu_format_opts *o)
{
    format_pdu(NULL, b, dir, pdu, len, o);
}

void pdu_format_both(struct sbuf *text, struct sbuf *json, int dir, const unsigned char *pdu,
                     size_t len, const struct pdu_format_opts *o)
{
    format_pdu(text, json, dir, pdu, len, o);
}
