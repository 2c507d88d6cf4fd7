/*
 * smpp: a decoder of SMPP 3.4/5.0 PDUs from raw octets, for logging.
 *
 * Input is the complete PDU as it crossed the wire, command_length
 * included, and is trusted in nothing: every length is checked against the
 * octets actually present and nothing is read past them.  Decoding fills a
 * caller-owned struct smpp_decoded (normally on the stack) with the header
 * and a flat list of fields, pointing into the PDU, so the same pass serves
 * the text and the JSON pdu log.  The tables come from smpp_def.h.
 *
 * The decode comes in two stages over one struct: the header stage
 * (smpp_decode_header: the four header words, the command's name, whether
 * the header is consistent, a bind's system_id) is all the session machine
 * needs; the body stage (smpp_decode_body: every field) runs only when a
 * consumer formats the PDU, continues from the header stage and is done at
 * most once.  Every consumer of a PDU reads this one view.
 */
#ifndef EMGDIAG_SMPP_H
#define EMGDIAG_SMPP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smpp_def.h"

#define SMPP_HEADER_LEN 16
#define SMPP_RESP_BIT 0x80000000u

const char *smpp_command_name(uint32_t command_id);  /* "SUBMIT_SM", ..., or "UNKNOWN" */
int smpp_command_id(const char *name, uint32_t *id); /* by printed name; 0 ok, -1 unknown */

/* Command ids by name, from smpp_def.h: SMPP_CMD_BIND_TRANSCEIVER, ... */
#define SMPP_CMD_ENUM(id, NAME, body) SMPP_CMD_##NAME = id,
enum smpp_command { SMPP_OPERATIONS(SMPP_CMD_ENUM) };
#undef SMPP_CMD_ENUM
const char *smpp_status_name(uint32_t status); /* "ESME_RINVPASWD"..., NULL if unknown */
/* 1 when p[0..n) is a key a pdu line can print (SYSTEMID, TLV14ab, BODY,
   ERROR...), else 0. */
int smpp_is_key(const char *p, size_t n);

/* How a decoded field's value prints. */
enum smpp_value_kind {
    SMPP_VAL_UINT,     /* num, decimal */
    SMPP_VAL_OCTETS,   /* p/n, escaped octets */
    SMPP_VAL_PASSWORD, /* p/n, masked unless passwords are logged in clear */
    SMPP_VAL_DECOPT,   /* num in decimal, or empty when n == 0 */
    SMPP_VAL_DEST_SME, /* "1,<ton>,<npi>,<addr>": num=ton, num2=npi, p/n=addr */
    SMPP_VAL_DEST_DL,  /* "2,<dl_name>": p/n */
    SMPP_VAL_UNSUCCESS /* "<ton>,<npi>,<addr>,<error>": num, num2, p/n, num3 */
};

struct smpp_field {
    const char *key;  /* EMG key; NULL for an unknown TLV (see keybuf) */
    uint64_t sort_hi; /* first 16 octets of the key, NUL padded, big-endian: */
    uint64_t sort_lo; /* comparing them orders keys as strcmp does */
    uint8_t klen;     /* strlen(key) */
    uint8_t kind;     /* enum smpp_value_kind */
    char keybuf[16];  /* "TLVxxxx" of an unknown TLV, NUL padded */
    /* The value: only the members its kind uses are set (see enum
       smpp_value_kind); the others hold whatever was there. */
    uint32_t num2, num3;
    uint64_t num;
    const unsigned char *p;
    size_t n;
};

#define SMPP_INLINE_FIELDS 24
#define SMPP_MAX_MANDATORY 24 /* most mandatory field definitions of one operation (<= 32) */
#define SMPP_MAX_KEY_LEN 40   /* longest key in the tables (checked at build time) */

struct smpp_decoded {
    /* Header stage (smpp_decode_header). */
    const unsigned char *pdu; /* the octets decoded; the fields point into them */
    size_t len;
    uint32_t command_length, command_id, command_status, sequence_number;
    const char *name; /* command name, "UNKNOWN" if not in the tables */
    size_t name_len;
    int known;                      /* the command is in the tables */
    const void *op;                 /* its table entry (smpp.c's), or NULL */
    int header_complete;            /* >= 16 octets and command_length equal to them */
    const unsigned char *system_id; /* bind, bind_resp, outbind: the first C-Octet
                                       String of the body, without its NUL; else NULL */
    size_t system_id_len;
    uint32_t bad_length; /* smpp_decode_bad_length(): the command_length the host rejected */
    /* Body stage (smpp_decode_body). */
    int body_done;
    uint32_t datalen;
    const char *error; /* NULL, or why the PDU is malformed (points at errbuf) */
    size_t nfields;
    size_t cap;
    struct smpp_field *fields; /* inline_fields or heap when a PDU has many */
    /* Key order without sorting: fields[0..nmandatory) come from the
       operation's mandatory definitions.  Numbering those definitions by
       the key order of their keys, bit r of present says that definition r
       produced fields, namely fields [first[r], end[r]) (one field, or a
       list's entries in wire order).  fields[nmandatory..nfields) are the
       TLVs (or BODY), in wire order. */
    size_t nmandatory;
    uint32_t present;
    uint16_t first[SMPP_MAX_MANDATORY];
    uint16_t end[SMPP_MAX_MANDATORY];
    struct smpp_field inline_fields[SMPP_INLINE_FIELDS];
    char errbuf[96];
};

/* The header stage: fills the header members of d from pdu[0..len) (a
   header field not received in full is 0).  pdu must stay valid while d is
   used.  Call smpp_decoded_free() afterwards. */
void smpp_decode_header(const unsigned char *pdu, size_t len, struct smpp_decoded *d);

/* The body stage, after smpp_decode_header(): fields in wire order
   (mandatory ones that are 0 or empty left out, every TLV kept), datalen,
   and the first error met.  Never fails: whatever the input, d describes
   it.  A second call does nothing. */
void smpp_decode_body(struct smpp_decoded *d);

/* Both stages. */
void smpp_decode(const unsigned char *pdu, size_t len, struct smpp_decoded *d);

/* The view of a PDU whose command_length the host rejected, so that only
   those 4 octets reached us: no header, UNKNOWN, datalen 0 and the error
   "command_length N out of range" (docs/pdu-log.md, malformed PDUs). */
void smpp_decode_bad_length(uint32_t command_length, struct smpp_decoded *d);

void smpp_decoded_free(struct smpp_decoded *d);

/* A field's key: stable, as a field may be moved (sorted). */
static inline const char *smpp_field_key(const struct smpp_field *f)
{
    return f->key != NULL ? f->key : f->keybuf;
}

/* strcmp() order of two fields' keys, mostly without touching the strings:
   equal 16-octet prefixes mean equal keys unless both are longer. */
static inline int smpp_field_key_cmp(const struct smpp_field *a, const struct smpp_field *b)
{
    if (a->sort_hi != b->sort_hi)
        return a->sort_hi < b->sort_hi ? -1 : 1;
    if (a->sort_lo != b->sort_lo)
        return a->sort_lo < b->sort_lo ? -1 : 1;
    if (a->klen <= 16 || b->klen <= 16)
        return (int)a->klen - (int)b->klen; /* equal prefix: the shorter first */
    return strcmp(smpp_field_key(a) + 16, smpp_field_key(b) + 16);
}

#endif
