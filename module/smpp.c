/*
 * smpp: table-driven SMPP decoder for the pdu log (see smpp.h).
 *
 * The tables are expansions of smpp_def.h.  Decoding walks an operation's
 * field definitions with a cursor over the body; each definition type has
 * one small function.  Every read checks what is left first; a TLV's length
 * is checked against what is left and the cursor then advances by exactly
 * that length.  All decode state is on the caller's stack; the one
 * module-level table, each operation's mandatory definitions ranked by key
 * (so the formatter need not sort them), is written once on the first
 * decode under pthread_once and only read after that.
 */
#include "smpp.h"

#include <endian.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "smpp_def.h"

/* ---- tables ---- */

enum smpp_field_type {
    SMPP_FT_INT1,
    SMPP_FT_INT2,
    SMPP_FT_INT4,
    SMPP_FT_CSTR,
    SMPP_FT_PASSWORD,
    SMPP_FT_OSTR_PREV,
    SMPP_FT_DEST_LIST,
    SMPP_FT_UNSUCCESS_LIST
};

enum smpp_tlv_type { SMPP_TT_INT, SMPP_TT_CSTR, SMPP_TT_OSTR, SMPP_TT_DECOPT };

struct smpp_field_def {
    const char *key;
    uint64_t sort_hi, sort_lo; /* as in struct smpp_field */
    uint8_t klen;
    uint8_t type; /* enum smpp_field_type */
    uint16_t max; /* C-Octet String size with NUL, documentation only */
};

struct smpp_op_def {
    uint32_t id;
    const char *name;
    uint8_t name_len;
    const struct smpp_field_def *fields;
    uint8_t nfields;
};

struct smpp_tlv_def {
    uint16_t tag;
    uint8_t type; /* enum smpp_tlv_type */
    uint8_t klen;
    const char *key;
    uint64_t sort_hi, sort_lo;
};

/* Keys are stored with NUL padding so that their first 16 octets can always
   be loaded (sort keys, and copying keys 16 octets at a time). */
#define KEY_PADDED(KEY) #KEY "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
/* The sort key of a key, computed by the compiler: octets off..off+7 of the
   padded key as a big-endian number. */
#define KEY_OCTET(KEY, i, shift) ((uint64_t)(unsigned char)KEY_PADDED(KEY)[i] << (shift))
#define KEY_BE64(KEY, off)                                                                     \
    (KEY_OCTET(KEY, off, 56) | KEY_OCTET(KEY, off + 1, 48) | KEY_OCTET(KEY, off + 2, 40) |     \
     KEY_OCTET(KEY, off + 3, 32) | KEY_OCTET(KEY, off + 4, 24) | KEY_OCTET(KEY, off + 5, 16) | \
     KEY_OCTET(KEY, off + 6, 8) | KEY_OCTET(KEY, off + 7, 0))
#define KEY_SORT(KEY) KEY_BE64(KEY, 0), KEY_BE64(KEY, 8)

#define FIELD_DEF(type, KEY, max) \
    { KEY_PADDED(KEY), KEY_SORT(KEY), sizeof(#KEY) - 1, SMPP_FT_##type, max },
#define BODY_ARRAY(id, NAME, body)                                                                \
    static const struct smpp_field_def body_##NAME[] = { SMPP_BODY_##body(FIELD_DEF){ NULL, 0, 0, \
                                                                                      0, 0, 0 } };
SMPP_OPERATIONS(BODY_ARRAY)

#define OP_INDEX(id, NAME, body) SMPP_OPI_##NAME,
enum { SMPP_OPERATIONS(OP_INDEX) SMPP_OP_COUNT };

#define OP_DEF(id, NAME, body) \
    { id, #NAME, sizeof(#NAME) - 1, body_##NAME, sizeof(body_##NAME) / sizeof(body_##NAME[0]) - 1 },
static const struct smpp_op_def smpp_ops[SMPP_OP_COUNT] = { SMPP_OPERATIONS(OP_DEF) };

/* Limits the decoder and the formatter rely on, checked here. */
#define KEY_LEN_CHECK(type, KEY, max) \
    _Static_assert(sizeof(#KEY) - 1 <= SMPP_MAX_KEY_LEN, "key " #KEY " is too long");
#define BODY_CHECK(id, NAME, body)                                                \
    SMPP_BODY_##body(KEY_LEN_CHECK) _Static_assert(                               \
        sizeof(body_##NAME) / sizeof(body_##NAME[0]) - 1 <= SMPP_MAX_MANDATORY && \
            SMPP_MAX_MANDATORY <= 32 && SMPP_MAX_MANDATORY <= SMPP_INLINE_FIELDS, \
        #NAME " has too many mandatory fields");
SMPP_OPERATIONS(BODY_CHECK)
#define TLV_KEY_CHECK(tag, KEY, type) KEY_LEN_CHECK(type, KEY, 0)
SMPP_TLVS(TLV_KEY_CHECK)

#define TLV_INDEX(tag, KEY, type) SMPP_TLVI_##KEY,
enum { SMPP_TLVS(TLV_INDEX) SMPP_TLV_COUNT };

#define TLV_DEF(tag, KEY, type) \
    { tag, SMPP_TT_##type, sizeof(#KEY) - 1, KEY_PADDED(KEY), KEY_SORT(KEY) },
static const struct smpp_tlv_def smpp_tlvs[SMPP_TLV_COUNT] = { SMPP_TLVS(TLV_DEF) };

/* The rank of each mandatory definition of each operation in the key
   order (strcmp, ties in wire order), so that the formatter need not sort
   mandatory fields per PDU.  Written once, on the first decode
   (pthread_once); read-only after that. */
static uint8_t def_rank[SMPP_OP_COUNT][SMPP_MAX_MANDATORY];
static pthread_once_t def_rank_once = PTHREAD_ONCE_INIT;

static void rank_defs(void)
{
    size_t op, i, j;

    for (op = 0; op < SMPP_OP_COUNT; op++) {
        const struct smpp_field_def *defs = smpp_ops[op].fields;
        uint8_t order[SMPP_MAX_MANDATORY];

        for (i = 0; i < smpp_ops[op].nfields; i++) {
            for (j = i; j > 0 && strcmp(defs[order[j - 1]].key, defs[i].key) > 0; j--)
                order[j] = order[j - 1];
            order[j] = (uint8_t)i;
        }
        for (i = 0; i < smpp_ops[op].nfields; i++)
            def_rank[op][order[i]] = (uint8_t)i;
    }
}

/* Every key a pdu line can print, for smpp_is_key(): the mandatory
   fields' keys of every operation, the TLVs' keys, BODY, and ERROR (the
   marker of a malformed PDU).  Sorted (and duplicates dropped) once, on
   first use. */
#define ALL_KEY(type, KEY, max) #KEY,
#define ALL_BODY_KEYS(id, NAME, body) SMPP_BODY_##body(ALL_KEY)
#define ALL_TLV_KEY(tag, KEY, type) #KEY,
static const char *all_keys[] = { SMPP_OPERATIONS(ALL_BODY_KEYS) SMPP_TLVS(ALL_TLV_KEY) "BODY",
                                  "ERROR" };
static size_t n_keys;
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static int key_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_keys(void)
{
    size_t i, n = sizeof(all_keys) / sizeof(all_keys[0]);

    qsort(all_keys, n, sizeof(all_keys[0]), key_strcmp);
    for (i = 0; i < n; i++)
        if (n_keys == 0 || strcmp(all_keys[n_keys - 1], all_keys[i]) != 0)
            all_keys[n_keys++] = all_keys[i];
}

int smpp_is_key(const char *p, size_t n)
{
    size_t lo = 0, hi, mid, i;
    int cmp;

    if (n == 7 && memcmp(p, "TLV", 3) == 0) {
        for (i = 3; i < 7; i++)
            if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
                break;
        if (i == 7)
            return 1;
    }
    pthread_once(&keys_once, sort_keys);
    hi = n_keys;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        cmp = strncmp(all_keys[mid], p, n);
        if (cmp == 0 && all_keys[mid][n] != '\0')
            cmp = 1;
        if (cmp == 0)
            return 1;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---- lookups ---- */

#define OP_CASE(id, NAME, body) \
    case id: return &smpp_ops[SMPP_OPI_##NAME];
static const struct smpp_op_def *find_op(uint32_t command_id)
{
    switch (command_id) {
        SMPP_OPERATIONS(OP_CASE)
    default: return NULL;
    }
}

#define TLV_CASE(tag, KEY, type) \
    case tag: return &smpp_tlvs[SMPP_TLVI_##KEY];
static const struct smpp_tlv_def *find_tlv(uint16_t tag)
{
    switch (tag) {
        SMPP_TLVS(TLV_CASE)
    default: return NULL;
    }
}

const char *smpp_command_name(uint32_t command_id)
{
    const struct smpp_op_def *op = find_op(command_id);

    return op != NULL ? op->name : "UNKNOWN";
}

int smpp_command_id(const char *name, uint32_t *id)
{
    size_t i;

    if (name == NULL)
        return -1;
    for (i = 0; i < SMPP_OP_COUNT; i++) {
        if (strcmp(smpp_ops[i].name, name) == 0) {
            *id = smpp_ops[i].id;
            return 0;
        }
    }
    return -1;
}

#define STATUS_CASE(value, NAME) \
    case value: return #NAME;
const char *smpp_status_name(uint32_t status)
{
    switch (status) {
        SMPP_STATUSES(STATUS_CASE)
    default: return NULL;
    }
}

/* ---- reading ---- */

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Header words that arrived in full; missing ones are 0. */
static void read_header(const unsigned char *pdu, size_t len, uint32_t words[4])
{
    size_t i;

    if (len >= SMPP_HEADER_LEN) { /* the usual case, without a test per word */
        words[0] = get_be32(pdu);
        words[1] = get_be32(pdu + 4);
        words[2] = get_be32(pdu + 8);
        words[3] = get_be32(pdu + 12);
        return;
    }
    for (i = 0; i < 4; i++)
        words[i] = len >= 4 * i + 4 ? get_be32(pdu + 4 * i) : 0;
}

/* Operations whose body starts with a system_id: binds, their responses,
   outbind (the bodies of smpp_def.h whose first field is SYSTEMID).  An
   empty body's first entry is its terminator, whose sort key is 0. */
static int has_system_id(const struct smpp_op_def *op)
{
    return op->fields[0].sort_hi == KEY_BE64(SYSTEMID, 0) &&
           op->fields[0].sort_lo == KEY_BE64(SYSTEMID, 8);
}

/* ---- decoding ---- */

struct cursor {
    const unsigned char *p;
    size_t len;
    size_t off;
};

static void set_error(struct smpp_decoded *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct smpp_decoded *d, const char *fmt, ...)
{
    va_list ap;

    if (d->error != NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(d->errbuf, sizeof(d->errbuf), fmt, ap);
    va_end(ap);
    d->error = d->errbuf;
}

/* key points at 16 readable octets, NUL padded after the key. */
static void set_sort_key(struct smpp_field *f, const char *key)
{
    uint64_t hi, lo;

    memcpy(&hi, key, 8);
    memcpy(&lo, key + 8, 8);
    f->sort_hi = be64toh(hi);
    f->sort_lo = be64toh(lo);
}

static int grow_fields(struct smpp_decoded *d)
{
    size_t ncap = d->cap * 4;
    struct smpp_field *nf;

    if (d->fields == d->inline_fields) {
        nf = emg_malloc(ncap * sizeof(*nf));
        if (nf != NULL)
            memcpy(nf, d->inline_fields, d->nfields * sizeof(*nf));
    } else {
        nf = ncap > d->cap && ncap < (size_t)-1 / sizeof(*nf)
                 ? emg_realloc(d->fields, ncap * sizeof(*nf))
                 : NULL;
    }
    if (nf == NULL) {
        set_error(d, "out of memory after %zu fields", d->nfields);
        return -1;
    }
    d->fields = nf;
    d->cap = ncap;
    return 0;
}

/* A new field at the end of the list with value members cleared, or NULL
   (error set) when memory runs out.  key is a padded table key, or NULL for
   an unknown TLV whose caller fills keybuf and the sort key. */
static inline struct smpp_field *add_field(struct smpp_decoded *d, const char *key, size_t klen,
                                           uint64_t sort_hi, uint64_t sort_lo,
                                           enum smpp_value_kind kind)
{
    struct smpp_field *f;

    if (d->nfields == d->cap && grow_fields(d) != 0)
        return NULL;
    f = &d->fields[d->nfields++];
    f->key = key;
    f->klen = (uint8_t)klen;
    f->kind = (uint8_t)kind;
    f->sort_hi = sort_hi;
    f->sort_lo = sort_lo;
    f->num = 0;
    f->num2 = 0;
    f->num3 = 0;
    f->p = NULL;
    f->n = 0;
    return f;
}

static int read_int(struct cursor *c, size_t width, uint32_t *v)
{
    size_t i;
    uint32_t x = 0;

    if (c->len - c->off < width)
        return -1;
    for (i = 0; i < width; i++)
        x = x << 8 | c->p[c->off + i];
    c->off += width;
    *v = x;
    return 0;
}

/* A C-Octet String: s and n (its length without the NUL).  -1 when no NUL comes first. */
static inline int read_cstr(struct cursor *c, const unsigned char **s, size_t *n)
{
    const unsigned char *start = c->p + c->off;
    size_t left = c->len - c->off, i;

    /* Most C-Octet Strings are short: a plain loop beats a memchr() call. */
    for (i = 0; i < left && i < 24 && start[i] != 0; i++)
        ;
    if (i == left)
        return -1;
    if (start[i] != 0) {
        const unsigned char *nul = memchr(start + i, 0, left - i);

        if (nul == NULL)
            return -1;
        i = (size_t)(nul - start);
    }
    *s = start;
    *n = i;
    c->off += i + 1;
    return 0;
}

/* Records a mandatory integer: remembered for the fields that follow it,
 * printed unless it is 0. */
static inline int put_int_field(struct smpp_decoded *d, const struct smpp_field_def *def,
                                uint32_t v, uint32_t *prev)
{
    struct smpp_field *f;

    *prev = v;
    if (v == 0)
        return 0;
    f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_UINT);
    if (f == NULL)
        return -1;
    f->num = v;
    return 0;
}

static int decode_int_field(struct smpp_decoded *d, struct cursor *c,
                            const struct smpp_field_def *def, size_t width, uint32_t *prev)
{
    uint32_t v;

    if (read_int(c, width, &v) != 0) {
        set_error(d, "%s runs past the end of the PDU", def->key);
        return -1;
    }
    return put_int_field(d, def, v, prev);
}

static inline int decode_cstr_field(struct smpp_decoded *d, struct cursor *c,
                                    const struct smpp_field_def *def, enum smpp_value_kind kind)
{
    const unsigned char *s;
    size_t n;
    struct smpp_field *f;

    if (read_cstr(c, &s, &n) != 0) {
        set_error(d, "%s has no NUL before the end of the PDU", def->key);
        return -1;
    }
    if (n == 0)
        return 0;
    f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, kind);
    if (f == NULL)
        return -1;
    f->p = s;
    f->n = n;
    return 0;
}

static int decode_ostr_prev_field(struct smpp_decoded *d, struct cursor *c,
                                  const struct smpp_field_def *def, uint32_t length)
{
    struct smpp_field *f;

    if (c->len - c->off < length) {
        set_error(d, "%s of %u octets runs past the end of the PDU", def->key, length);
        return -1;
    }
    if (length > 0) {
        f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_OCTETS);
        if (f == NULL)
            return -1;
        f->p = c->p + c->off;
        f->n = length;
    }
    c->off += length;
    return 0;
}

static int decode_dest_list(struct smpp_decoded *d, struct cursor *c,
                            const struct smpp_field_def *def, uint32_t count)
{
    uint32_t i, flag, ton, npi;
    const unsigned char *s;
    size_t n;
    struct smpp_field *f;

    for (i = 0; i < count; i++) {
        if (read_int(c, 1, &flag) != 0) {
            set_error(d, "%s %u runs past the end of the PDU", def->key, i + 1);
            return -1;
        }
        if (flag == 1) {
            if (read_int(c, 1, &ton) != 0 || read_int(c, 1, &npi) != 0 ||
                read_cstr(c, &s, &n) != 0) {
                set_error(d, "%s %u runs past the end of the PDU", def->key, i + 1);
                return -1;
            }
            f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_DEST_SME);
            if (f == NULL)
                return -1;
            f->num = ton;
            f->num2 = npi;
        } else if (flag == 2) {
            if (read_cstr(c, &s, &n) != 0) {
                set_error(d, "%s %u runs past the end of the PDU", def->key, i + 1);
                return -1;
            }
            f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_DEST_DL);
            if (f == NULL)
                return -1;
        } else {
            set_error(d, "%s %u has dest_flag %u, not 1 or 2", def->key, i + 1, flag);
            return -1;
        }
        f->p = s;
        f->n = n;
    }
    return 0;
}

static int decode_unsuccess_list(struct smpp_decoded *d, struct cursor *c,
                                 const struct smpp_field_def *def, uint32_t count)
{
    uint32_t i, ton, npi, status;
    const unsigned char *s;
    size_t n;
    struct smpp_field *f;

    for (i = 0; i < count; i++) {
        if (read_int(c, 1, &ton) != 0 || read_int(c, 1, &npi) != 0 || read_cstr(c, &s, &n) != 0 ||
            read_int(c, 4, &status) != 0) {
            set_error(d, "%s %u runs past the end of the PDU", def->key, i + 1);
            return -1;
        }
        f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_UNSUCCESS);
        if (f == NULL)
            return -1;
        f->num = ton;
        f->num2 = npi;
        f->p = s;
        f->n = n;
        f->num3 = status;
    }
    return 0;
}

/* One mandatory field; *prev is the value of the last integer field (the
   length or count a following field needs). */
static int decode_mandatory(struct smpp_decoded *d, struct cursor *c,
                            const struct smpp_field_def *def, uint32_t *prev)
{
    switch ((enum smpp_field_type)def->type) {
    case SMPP_FT_INT1:
        /* Most fields: done here rather than through read_int(). */
        if (c->off < c->len)
            return put_int_field(d, def, c->p[c->off++], prev);
        return decode_int_field(d, c, def, 1, prev);
    case SMPP_FT_INT2: return decode_int_field(d, c, def, 2, prev);
    case SMPP_FT_INT4: return decode_int_field(d, c, def, 4, prev);
    case SMPP_FT_CSTR: return decode_cstr_field(d, c, def, SMPP_VAL_OCTETS);
    case SMPP_FT_PASSWORD: return decode_cstr_field(d, c, def, SMPP_VAL_PASSWORD);
    case SMPP_FT_OSTR_PREV: return decode_ostr_prev_field(d, c, def, *prev);
    case SMPP_FT_DEST_LIST: return decode_dest_list(d, c, def, *prev);
    case SMPP_FT_UNSUCCESS_LIST: return decode_unsuccess_list(d, c, def, *prev);
    }
    return -1;
}

/* Records that the definition of key rank r produced fields [first, end). */
static inline void mark_present(struct smpp_decoded *d, uint32_t *present, unsigned r, size_t first,
                                size_t end)
{
    *present |= 1u << r;
    d->first[r] = (uint16_t)first;
    d->end[r] = (uint16_t)end;
}

/* Makes room for `more` fields without a check per field; -1 (error set)
   when memory runs out. */
static int room_for(struct smpp_decoded *d, size_t more)
{
    while (d->cap - d->nfields < more)
        if (grow_fields(d) != 0)
            return -1;
    return 0;
}

/* The members every field has: key, its length and sort key, and kind.
   The value members a kind does not use are left as they are (the
   formatter reads only num for SMPP_VAL_UINT, only p and n for
   SMPP_VAL_OCTETS: smpp.h). */
static inline void fill_field(struct smpp_field *f, const struct smpp_field_def *def,
                              enum smpp_value_kind kind)
{
    f->key = def->key;
    f->klen = def->klen;
    f->kind = (uint8_t)kind;
    f->sort_hi = def->sort_hi;
    f->sort_lo = def->sort_lo;
}

/* An operation's mandatory fields, in wire order.  The common definitions
   (1-octet integers and C-Octet Strings: nearly every field of a
   submit_sm) are decoded right here with the cursor and the field count in
   registers; room for one field per remaining definition is made up front.
   The others, and every error, go through decode_mandatory().  Returns -1
   when the body ended early or memory ran out (error set). */
static int decode_mandatory_part(struct smpp_decoded *d, struct cursor *c,
                                 const struct smpp_op_def *op, const uint8_t *rank)
{
    const struct smpp_field_def *def;
    const unsigned char *body = c->p;
    size_t off = c->off, len = c->len, i, ndefs = op->nfields, nf;
    uint32_t prev = 0, present = 0;
    struct smpp_field *fields, *f;
    int rc = 0;

    if (room_for(d, ndefs) != 0)
        return -1;
    fields = d->fields;
    nf = d->nfields;
    for (i = 0; i < ndefs; i++) {
        def = &op->fields[i];
        if (def->type == SMPP_FT_INT1 && off < len) {
            uint32_t v = body[off++];

            prev = v;
            if (v == 0)
                continue;
            f = &fields[nf];
            fill_field(f, def, SMPP_VAL_UINT);
            f->num = v;
        } else if (def->type == SMPP_FT_CSTR) {
            const unsigned char *s = body + off, *stop = body + len, *e = s;

            while (e < stop && *e != 0)
                e++;
            if (e == stop) {
                c->off = off; /* no NUL: the full path says so */
                d->nfields = nf;
                (void)decode_mandatory(d, c, def, &prev);
                rc = -1;
                break;
            }
            off = (size_t)(e - body) + 1;
            if (e == s)
                continue;
            f = &fields[nf];
            fill_field(f, def, SMPP_VAL_OCTETS);
            f->p = s;
            f->n = (size_t)(e - s);
        } else {
            size_t before = nf;

            c->off = off;
            d->nfields = nf;
            rc = decode_mandatory(d, c, def, &prev);
            off = c->off;
            if (d->nfields != before)
                mark_present(d, &present, rank[i], before, d->nfields);
            if (rc == 0)
                rc = room_for(d, ndefs - i);
            if (rc != 0)
                break;
            fields = d->fields;
            nf = d->nfields;
            continue;
        }
        mark_present(d, &present, rank[i], nf, nf + 1);
        nf++;
    }
    if (rc == 0) {
        d->nfields = nf;
        c->off = off;
    }
    d->present = present;
    d->nmandatory = d->nfields;
    return rc;
}

static const char hex_lower[] = "0123456789abcdef";

static struct smpp_field *add_unknown_tlv(struct smpp_decoded *d, uint16_t tag)
{
    struct smpp_field *f = add_field(d, NULL, 7, 0, 0, SMPP_VAL_OCTETS);

    if (f == NULL)
        return NULL;
    memset(f->keybuf, 0, sizeof(f->keybuf));
    memcpy(f->keybuf, "TLV", 3);
    f->keybuf[3] = hex_lower[tag >> 12 & 0xf];
    f->keybuf[4] = hex_lower[tag >> 8 & 0xf];
    f->keybuf[5] = hex_lower[tag >> 4 & 0xf];
    f->keybuf[6] = hex_lower[tag & 0xf];
    set_sort_key(f, f->keybuf);
    return f;
}

/* One TLV whose value v[0..n) lies inside the PDU. */
static int decode_tlv(struct smpp_decoded *d, uint16_t tag, const unsigned char *v, size_t n)
{
    const struct smpp_tlv_def *def = find_tlv(tag);
    struct smpp_field *f;
    const unsigned char *nul;
    size_t i;

    if (def == NULL) {
        f = add_unknown_tlv(d, tag);
        if (f == NULL)
            return -1;
        f->p = v;
        f->n = n;
        return 0;
    }
    switch ((enum smpp_tlv_type)def->type) {
    case SMPP_TT_INT:
    case SMPP_TT_DECOPT:
        if (n > 8) {
            /* Too wide for a 64-bit integer: show the octets. */
            f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_OCTETS);
            if (f == NULL)
                return -1;
            f->p = v;
            f->n = n;
            return 0;
        }
        f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo,
                      def->type == SMPP_TT_INT ? SMPP_VAL_UINT : SMPP_VAL_DECOPT);
        if (f == NULL)
            return -1;
        for (i = 0; i < n; i++)
            f->num = f->num << 8 | v[i];
        f->n = n;
        return 0;
    case SMPP_TT_CSTR:
        nul = memchr(v, 0, n);
        if (nul == NULL) {
            set_error(d, "%s has no NUL before the end of the TLV", def->key);
            return -1;
        }
        f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_OCTETS);
        if (f == NULL)
            return -1;
        f->p = v;
        f->n = (size_t)(nul - v);
        return 0;
    case SMPP_TT_OSTR:
        f = add_field(d, def->key, def->klen, def->sort_hi, def->sort_lo, SMPP_VAL_OCTETS);
        if (f == NULL)
            return -1;
        f->p = v;
        f->n = n;
        return 0;
    }
    return -1;
}

static void decode_tlvs(struct smpp_decoded *d, struct cursor *c)
{
    while (c->off < c->len) {
        size_t left = c->len - c->off;
        const unsigned char *t = c->p + c->off;
        uint16_t tag;
        size_t vlen;

        if (left < 4) {
            set_error(d, "TLV header runs past the end of the PDU (%zu octets left)", left);
            return;
        }
        tag = (uint16_t)(t[0] << 8 | t[1]);
        vlen = (size_t)(t[2] << 8 | t[3]);
        if (vlen > left - 4) {
            set_error(d, "TLV 0x%04x of length %zu runs past the end of the PDU", tag, vlen);
            return;
        }
        if (decode_tlv(d, tag, t + 4, vlen) != 0)
            return;
        c->off += 4 + vlen;
    }
}

void smpp_decode_header(const unsigned char *pdu, size_t len, struct smpp_decoded *d)
{
    uint32_t w[4];
    const struct smpp_op_def *op;

    d->pdu = pdu;
    d->len = len;
    d->nfields = 0;
    d->cap = SMPP_INLINE_FIELDS;
    d->fields = d->inline_fields;
    d->error = NULL;
    d->datalen = 0;
    d->nmandatory = 0;
    d->present = 0;
    d->body_done = 0;
    d->bad_length = 0;
    read_header(pdu, len, w);
    d->command_length = w[0];
    d->command_id = w[1];
    d->command_status = w[2];
    d->sequence_number = w[3];
    op = len >= 8 ? find_op(w[1]) : NULL;
    d->name = op != NULL ? op->name : "UNKNOWN";
    d->name_len = op != NULL ? op->name_len : 7;
    d->known = op != NULL;
    d->op = op;
    d->header_complete = len >= SMPP_HEADER_LEN && w[0] == len;
    d->system_id = NULL;
    d->system_id_len = 0;
    if (len > SMPP_HEADER_LEN && op != NULL && has_system_id(op)) {
        size_t body_len = len - SMPP_HEADER_LEN;
        const unsigned char *nul;

        if (w[0] >= SMPP_HEADER_LEN && w[0] < len)
            body_len = w[0] - SMPP_HEADER_LEN;
        nul = memchr(pdu + SMPP_HEADER_LEN, 0, body_len);
        if (nul != NULL) {
            d->system_id = pdu + SMPP_HEADER_LEN;
            d->system_id_len = (size_t)(nul - d->system_id);
        }
    }
}

void smpp_decode_body(struct smpp_decoded *d)
{
    const unsigned char *pdu = d->pdu;
    size_t len = d->len, end;
    const struct smpp_op_def *op;
    struct cursor c;

    if (d->body_done)
        return;
    d->body_done = 1;
    if (d->bad_length != 0 || len < SMPP_HEADER_LEN) {
        if (d->bad_length == 0)
            set_error(d, "PDU of %zu octets is shorter than the 16-octet header", len);
        return;
    }
    op = d->op;
    if (d->command_length != len)
        set_error(d, "command_length %u but %zu octets", d->command_length, len);
    /* The body ends where command_length says, if those octets are here. */
    end = d->command_length >= SMPP_HEADER_LEN && d->command_length < len ? d->command_length : len;
    if (d->command_length < SMPP_HEADER_LEN)
        end = SMPP_HEADER_LEN;
    c.p = pdu + SMPP_HEADER_LEN;
    c.len = end - SMPP_HEADER_LEN;
    c.off = 0;
    if (op == NULL) {
        d->datalen = (uint32_t)c.len;
        if (c.len > 0) {
            struct smpp_field *f =
                add_field(d, KEY_PADDED(BODY), 4, KEY_SORT(BODY), SMPP_VAL_OCTETS);

            if (f != NULL) {
                f->p = c.p;
                f->n = c.len;
            }
        }
        return;
    }
    if ((d->command_id & SMPP_RESP_BIT) && c.len == 0)
        return;
    pthread_once(&def_rank_once, rank_defs);
    if (decode_mandatory_part(d, &c, op, def_rank[op - smpp_ops]) != 0) {
        d->datalen = (uint32_t)c.len;
        return;
    }
    d->datalen = (uint32_t)c.off;
    decode_tlvs(d, &c);
}

void smpp_decode(const unsigned char *pdu, size_t len, struct smpp_decoded *d)
{
    smpp_decode_header(pdu, len, d);
    smpp_decode_body(d);
}

void smpp_decode_bad_length(uint32_t command_length, struct smpp_decoded *d)
{
    smpp_decode_header(NULL, 0, d);
    d->bad_length = command_length;
    d->body_done = 1;
    set_error(d, "command_length %u out of range", command_length);
}

void smpp_decoded_free(struct smpp_decoded *d)
{
    if (d->fields != d->inline_fields)
        emg_free(d->fields);
    d->fields = d->inline_fields;
    d->nfields = 0;
    d->cap = SMPP_INLINE_FIELDS;
}
