/*
 * pdu_format: EMG pdu-log text and JSON from one decode (see pdu_format.h).
 *
 * The hot path is a short submit_sm, so a line is built without printf and
 * without an allocation per field: the worst-case size of the whole line is
 * reserved once in the sbuf and then written through a cursor.  The JSON
 * form writes each value exactly as the text form does and then escapes it
 * for JSON in place (the reservation leaves room for that doubling).
 * Fields are put in key order without comparing mandatory keys: the
 * decoder says which of the operation's definitions, ranked by key,
 * produced fields; only TLVs are sorted, then merged in.
 */
#include "pdu_format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
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

    tmp = emg_malloc(n * sizeof(*tmp));
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
    emg_free(tmp);
}

static void order_free(struct field_order *o)
{
    if (o->v != o->inline_v)
        emg_free(o->v);
    o->v = o->inline_v;
}

static void sort_fields(const struct smpp_field **v, size_t n)
{
    if (n <= 32)
        insertion_sort(v, n);
    else
        merge_sort(v, n);
}

/* Puts the mandatory fields into v in key order without comparing keys:
   the decoder marked which definitions (numbered in key order) produced
   which fields.  Returns how many were put. */
static size_t put_mandatory_in_order(const struct smpp_field **v, const struct smpp_decoded *d)
{
    const struct smpp_field *fields = d->fields; /* locals: not reloaded after each store */
    const struct smpp_field **out = v;
    uint32_t present = d->present;

    while (present != 0) {
        unsigned r = (unsigned)__builtin_ctz(present);
        const struct smpp_field *f = fields + d->first[r], *stop = fields + d->end[r];

        present &= present - 1;
        do
            *out++ = f++;
        while (f < stop);
    }
    return (size_t)(out - v);
}

/* Fills o with d's fields in key order (stable); -1 when memory runs out. */
static int order_fields(struct field_order *o, const struct smpp_decoded *d)
{
    const struct smpp_field *inline_tlvs[SMPP_INLINE_FIELDS], **tlvs = inline_tlvs;
    size_t m, t, i, j, k;

    o->n = d->nfields;
    o->v = o->inline_v;
    if (d->nfields > SMPP_INLINE_FIELDS) {
        o->v = emg_malloc(d->nfields * sizeof(*o->v));
        if (o->v == NULL)
            return -1;
    }
    m = put_mandatory_in_order(o->v, d);
    t = d->nfields - d->nmandatory;
    if (t == 0)
        return 0;
    if (m == 0) {
        for (i = 0; i < t; i++)
            o->v[i] = &d->fields[d->nmandatory + i];
        sort_fields(o->v, t);
        return 0;
    }
    /* TLVs: sorted on their own, then merged from the back; on equal keys
       the mandatory field (earlier on the wire) stays first. */
    if (t > SMPP_INLINE_FIELDS) {
        tlvs = emg_malloc(t * sizeof(*tlvs));
        if (tlvs == NULL) {
            order_free(o);
            return -1;
        }
    }
    for (i = 0; i < t; i++)
        tlvs[i] = &d->fields[d->nmandatory + i];
    sort_fields(tlvs, t);
    i = m;
    j = t;
    k = m + t;
    while (j > 0) {
        if (i > 0 && smpp_field_key_cmp(o->v[i - 1], tlvs[j - 1]) > 0)
            o->v[--k] = o->v[--i];
        else
            o->v[--k] = tlvs[--j];
    }
    if (tlvs != inline_tlvs)
        emg_free(tlvs);
    return 0;
}


/* ---- writing through a cursor into reserved space ---- */

static char *put_mem(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

#define PUT_LIT(w, lit) put_mem((w), (lit), sizeof(lit) - 1)

/* "00" to "99": two decimal digits per table look-up. */
static const char two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* v in decimal.  Most PDU integers (TON, NPI, flags, lengths) have one or
   two digits and take one branch; longer ones are written two digits at
   a time from the right. */
static char *put_u64(char *w, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);

    if (v < 10) {
        *w = (char)('0' + v);
        return w + 1;
    }
    if (v < 100) {
        memcpy(w, two_digits + 2 * v, 2);
        return w + 2;
    }
    while (v >= 100) {
        i -= 2;
        memcpy(tmp + i, two_digits + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        i -= 2;
        memcpy(tmp + i, two_digits + 2 * v, 2);
    } else {
        tmp[--i] = (char)('0' + v);
    }
    return put_mem(w, tmp + i, sizeof(tmp) - i);
}

/* "00" to "ff" for each octet value. */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static char *put_hex32(char *w, uint32_t v)
{
    memcpy(w, hex_pairs + 2 * (v >> 24), 2);
    memcpy(w + 2, hex_pairs + 2 * (v >> 16 & 0xff), 2);
    memcpy(w + 4, hex_pairs + 2 * (v >> 8 & 0xff), 2);
    memcpy(w + 6, hex_pairs + 2 * (v & 0xff), 2);
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

/*
 * Inside a value, a space followed by a key the pdu log prints (or ERROR)
 * and ':' is written \x20 (docs/pdu-log.md), so that a peer cannot make
 * one value read as two fields or fake an ERROR marker.  [start, end) is
 * the value as escaped so far; the space after end holds 3 more characters
 * per space (a space is one octet, and every octet may take 4).  Escaped
 * text never holds a raw control octet, so 0x01 marks a space to escape
 * between the two passes.
 */
static char *escape_key_spaces(char *start, char *end)
{
    size_t marks = 0;
    char *s, *k, *src, *dst;

    for (s = start; s < end; s++) {
        if (*s != ' ')
            continue;
        for (k = s + 1; k < end && ((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
                                    (*k >= '0' && *k <= '9'));
             k++)
            ;
        if (k < end && *k == ':' && k > s + 1 && smpp_is_key(s + 1, (size_t)(k - s - 1))) {
            *s = '\001';
            marks++;
        }
    }
    if (marks == 0)
        return end;
    src = end;
    dst = end + 3 * marks;
    while (src > start) {
        char c = *--src;

        if (c == '\001') {
            dst -= 4;
            memcpy(dst, "\\x20", 4);
        } else {
            *--dst = c;
        }
    }
    return end + 3 * marks;
}

/* How values print: passwords in clear or not, and the most octets of a
   value printed before it is cut (SIZE_MAX: never). */
struct value_mode {
    int clear;
    size_t max;
};

/* Escaped octets of a value, spaces before keys included.  A value of one
   to seven octets, all plain (the usual short address or id), takes one
   8-octet load that ends at its last octet and one 8-octet store: every
   value lies in a PDU body, which starts 16 octets into the PDU, so the
   octets before it are readable, and the store's surplus lands in the
   line's reserved space and is overwritten next.  Only a value that holds
   a ':' pays for looking at its spaces. */
static inline __attribute__((always_inline)) char *put_octets(char *w, const unsigned char *p,
                                                              size_t n, unsigned flags)
{
    int colon = 0;
    char *start = w;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (flags == 0 && n - 1 < 7) {
        unsigned drop = 8 * (unsigned)(8 - n); /* the octets before the value */
        uint64_t word;

        memcpy(&word, p + n - 8, 8);
        if (esc_word_special_colon(word) >> drop == 0) {
            word >>= drop;
            memcpy(w, &word, 8);
            return w + n;
        }
    }
#endif
    w += esc_run(w, p, n, flags, 1, &colon);
    return colon ? escape_key_spaces(start, w) : w;
}

/* A value longer than the line allows: its first `max` octets, then
   \[+N octets] saying how many were left out.  A peer cannot forge the
   marker: a backslash of its own always prints doubled. */
static char *put_cut_octets(char *w, const unsigned char *p, size_t n, unsigned flags, size_t max)
{
    w = put_octets(w, p, max, flags);
    w = PUT_LIT(w, "\\[+");
    w = put_u64(w, n - max);
    return PUT_LIT(w, " octets]");
}

static inline __attribute__((always_inline)) char *
put_text(char *w, const unsigned char *p, size_t n, unsigned flags, struct value_mode vm)
{
    if (vm.max != SIZE_MAX && n > vm.max)
        return put_cut_octets(w, p, n, flags, vm.max);
    return put_octets(w, p, n, flags);
}

/* A field's value exactly as the text form prints it. */
static inline __attribute__((always_inline)) char *put_value(char *w, const struct smpp_field *f,
                                                             struct value_mode vm)
{
    switch ((enum smpp_value_kind)f->kind) {
    case SMPP_VAL_UINT: return put_u64(w, f->num);
    case SMPP_VAL_DECOPT: return f->n == 0 ? w : put_u64(w, f->num);
    case SMPP_VAL_OCTETS: return put_text(w, f->p, f->n, 0, vm);
    case SMPP_VAL_PASSWORD:
        if (!vm.clear)
            return PUT_LIT(w, "***");
        return put_text(w, f->p, f->n, 0, vm);
    case SMPP_VAL_DEST_SME:
        w = PUT_LIT(w, "1,");
        w = put_u64(w, f->num);
        *w++ = ',';
        w = put_u64(w, f->num2);
        *w++ = ',';
        return put_text(w, f->p, f->n, ESC_COMMA, vm);
    case SMPP_VAL_DEST_DL: w = PUT_LIT(w, "2,"); return put_text(w, f->p, f->n, ESC_COMMA, vm);
    case SMPP_VAL_UNSUCCESS:
        w = put_u64(w, f->num);
        *w++ = ',';
        w = put_u64(w, f->num2);
        *w++ = ',';
        w = put_text(w, f->p, f->n, ESC_COMMA, vm);
        *w++ = ',';
        return put_u64(w, f->num3);
    }
    return w;
}

/* The value mode of a line: values are only tested against the cut when
   the PDU is longer than it. */
static struct value_mode value_mode(const struct pdu_format_opts *o, size_t pdu_len)
{
    struct value_mode vm;

    vm.clear = o != NULL && o->passwords_clear;
    vm.max = o != NULL && o->value_max > 0 && pdu_len > o->value_max ? o->value_max : SIZE_MAX;
    return vm;
}

/* The fields of a text line; `cut` is a constant, so that the common
   line, which no cut can touch, is a loop of its own without the test. */
static inline __attribute__((always_inline)) char *
put_text_fields(char *w, const struct field_order *order, struct value_mode mode, int cut)
{
    size_t i;

    if (!cut)
        mode.max = SIZE_MAX;
    for (i = 0; i < order->n; i++) {
        const struct smpp_field *f = order->v[i];

        *w++ = ' ';
        w = put_key(w, f);
        *w++ = ':';
        w = put_value(w, f, mode);
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

/* Most characters a field can print in the text form, besides what its
   value octets become: space, key, ':', numbers and separators (24 as
   a value's numbers take), the 16-octet key copy of put_key(), and the
   marker of a cut value (32: "\\[+" 20 digits " octets]"). */
#define FIELD_OVERHEAD (2 + SMPP_MAX_KEY_LEN + 24 + 16 + 32)

/* Reserves room for a line; returns the cursor or NULL (sbuf failed).
   Every field's octets lie in the PDU and no two fields share any, so the
   escaped values of all fields together take at most ESC_MAX_PER_OCTET *
   pdu_len: a bound with no pass over the fields. */
/* The ERROR a line ends with: the decoder's own, else the host's (a PDU of
   a known operation that the host could not unpack). */
static inline const char *line_error(const struct smpp_decoded *d, const struct pdu_format_opts *o)
{
    if (d->error != NULL)
        return d->error;
    return o != NULL && o->host_error != NULL && d->known ? o->host_error : NULL;
}

static char *reserve_line(struct sbuf *b, const struct smpp_decoded *d, size_t pdu_len, int json,
                          const char *error)
{
    size_t need = 192 + d->name_len + d->nfields * FIELD_OVERHEAD + ESC_MAX_PER_OCTET * pdu_len;

    if (json)
        need = 2 * need + 8 * d->nfields;
    if (error != NULL)
        need += 16 + 6 * strlen(error);
    if (sbuf_reserve(b, need) != 0)
        return NULL;
    return b->buf + b->len;
}

static void finish_line(struct sbuf *b, char *w)
{
    b->len = (size_t)(w - b->buf);
    b->buf[b->len] = '\0';
}

static void emit_text(struct sbuf *b, int dir, const struct smpp_decoded *d, size_t pdu_len,
                      const struct field_order *order, const struct pdu_format_opts *o)
{
    struct value_mode mode = value_mode(o, pdu_len);
    const char *error = line_error(d, o);
    char *w = reserve_line(b, d, pdu_len, 0, error);

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
    if (mode.max == SIZE_MAX)
        w = put_text_fields(w, order, mode, 0);
    else
        w = put_text_fields(w, order, mode, 1);
    if (error != NULL) {
        w = PUT_LIT(w, " ERROR:");
        w = put_mem(w, error, strlen(error));
    }
    finish_line(b, w);
}

static char *put_json_value(char *w, const struct smpp_field *f, struct value_mode mode)
{
    char *start;

    if (is_json_number(f))
        return put_value(w, f, mode);
    *w++ = '"';
    start = w;
    w = put_value(w, f, mode);
    w = json_escape_in_place(start, w);
    *w++ = '"';
    return w;
}

static void emit_json(struct sbuf *b, int dir, const struct smpp_decoded *d, size_t pdu_len,
                      const struct field_order *order, const struct pdu_format_opts *o)
{
    struct value_mode mode = value_mode(o, pdu_len);
    const char *error = line_error(d, o);
    char *w = reserve_line(b, d, pdu_len, 1, error);
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
            w = put_json_value(w, f, mode);
        } else {
            size_t k;

            *w++ = '[';
            for (k = i; k < j; k++) {
                if (k > i)
                    *w++ = ',';
                w = put_json_value(w, order->v[k], mode);
            }
            *w++ = ']';
        }
    }
    *w++ = '}';
    if (error != NULL) {
        w = PUT_LIT(w, ",\"error\":\"");
        w += esc_json_to(w, error, strlen(error));
        *w++ = '"';
    }
    finish_line(b, w);
}

void pdu_format_decoded(struct sbuf *text, struct sbuf *json, int dir, struct smpp_decoded *d,
                        const struct pdu_format_opts *o)
{
    struct field_order order;

    smpp_decode_body(d);
    if (order_fields(&order, d) != 0) {
        if (text != NULL)
            text->failed = 1;
        if (json != NULL)
            json->failed = 1;
        return;
    }
    if (text != NULL)
        emit_text(text, dir, d, d->len, &order, o);
    if (json != NULL)
        emit_json(json, dir, d, d->len, &order, o);
    order_free(&order);
}

/* One decode pass serves both forms. */
static void format_pdu(struct sbuf *text, struct sbuf *json, int dir, const unsigned char *pdu,
                       size_t len, const struct pdu_format_opts *o)
{
    struct smpp_decoded d;

    smpp_decode_header(pdu, len, &d);
    pdu_format_decoded(text, json, dir, &d, o);
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
