/*
 * check_pdu: unit tests of the SMPP decoder and the EMG pdu-log formatter
 * (docs/pdu-log.md and docs/pdu-log.md#json-twin-decided).
 *
 * Each test builds the PDU octets by hand with the small builder below and
 * compares against the line the spec prescribes, written out by hand.  The
 * texts after "ERROR:" are this project's own wording, so malformed-input
 * tests check everything before it exactly and only that an ERROR comes
 * last.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdu_format.h"
#include "sbuf.h"
#include "smpp.h"

/* ---- PDU builder ---- */

struct pb {
    unsigned char b[8192];
    size_t n;
};

static void pb_u8(struct pb *p, unsigned v)
{
    p->b[p->n++] = (unsigned char)v;
}

static void pb_u16(struct pb *p, unsigned v)
{
    pb_u8(p, v >> 8 & 0xff);
    pb_u8(p, v & 0xff);
}

static void pb_u32(struct pb *p, uint32_t v)
{
    pb_u16(p, v >> 16);
    pb_u16(p, v & 0xffff);
}

static void pb_raw(struct pb *p, const void *s, size_t n)
{
    memcpy(p->b + p->n, s, n);
    p->n += n;
}

/* A C-Octet String: s and its NUL. */
static void pb_cstr(struct pb *p, const char *s)
{
    pb_raw(p, s, strlen(s) + 1);
}

static void pb_tlv(struct pb *p, unsigned tag, const void *v, size_t n)
{
    pb_u16(p, tag);
    pb_u16(p, (unsigned)n);
    pb_raw(p, v, n);
}

static void pb_start(struct pb *p, uint32_t id, uint32_t status, uint32_t seq)
{
    p->n = 0;
    pb_u32(p, 0); /* command_length, set by pb_done */
    pb_u32(p, id);
    pb_u32(p, status);
    pb_u32(p, seq);
}

/* Writes command_length = the octets built. */
static void pb_done(struct pb *p)
{
    uint32_t n = (uint32_t)p->n;

    p->b[0] = (unsigned char)(n >> 24);
    p->b[1] = (unsigned char)(n >> 16);
    p->b[2] = (unsigned char)(n >> 8);
    p->b[3] = (unsigned char)n;
}

static struct sbuf out;

static const char *text_of(int dir, const struct pb *p, int clear)
{
    struct pdu_format_opts o = { .passwords_clear = clear };

    sbuf_reset(&out);
    pdu_format_text(&out, dir, p->b, p->n, &o);
    ck_assert(!out.failed);
    return sbuf_cstr(&out);
}

static const char *json_of(int dir, const struct pb *p, int clear)
{
    struct pdu_format_opts o = { .passwords_clear = clear };

    sbuf_reset(&out);
    pdu_format_json(&out, dir, p->b, p->n, &o);
    ck_assert(!out.failed);
    return sbuf_cstr(&out);
}

/* A malformed PDU's line: exactly `before`, then " ERROR:" and a reason. */
static void assert_error_line(const char *line, const char *before)
{
    size_t n = strlen(before);

    ck_assert_msg(strncmp(line, before, n) == 0, "line '%s' does not start with '%s'", line,
                  before);
    ck_assert_msg(strncmp(line + n, " ERROR:", 7) == 0, "no ERROR right after: '%s'", line);
    ck_assert_msg(strlen(line + n + 7) > 0, "empty ERROR reason: '%s'", line);
    ck_assert(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL);
}

static void build_seed_bind(struct pb *p)
{
    pb_start(p, 0x00000009, 0, 11638);
    pb_cstr(p, "user");
    pb_cstr(p, "secret");
    pb_cstr(p, "");
    pb_u8(p, 0x34);
    pb_u8(p, 0);
    pb_u8(p, 0);
    pb_cstr(p, "");
    pb_done(p);
}

/* ---- binds ---- */

START_TEST(seed_bind_transceiver)
{
    struct pb p;

    build_seed_bind(&p);
    ck_assert_uint_eq(p.n, 33);
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0),
                     "Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:11638 datalen:17 "
                     "INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:user");
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 1),
                     "Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:11638 datalen:17 "
                     "INTERFACEVERSION:52 PASSWORD:secret SYSTEMID:user");
}
END_TEST

START_TEST(seed_bind_json)
{
    struct pb p;

    build_seed_bind(&p);
    ck_assert_str_eq(
        json_of(PDU_DIR_WRITE, &p, 0),
        "\"dir\":\"write\",\"op\":\"0x00000009\",\"name\":\"BIND_TRANSCEIVER\","
        "\"status\":0,\"trn\":11638,\"datalen\":17,\"fields\":{\"INTERFACEVERSION\":52,"
        "\"PASSWORD\":\"***\",\"SYSTEMID\":\"user\"}");
}
END_TEST

START_TEST(bind_resp_with_tlv)
{
    struct pb p;
    unsigned char v = 0x34;

    pb_start(&p, 0x80000009, 0, 11638);
    pb_cstr(&p, "SMSC");
    pb_tlv(&p, 0x0210, &v, 1);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0),
                     "Read op:0x80000009 (BIND_TRANSCEIVER_RESP) status:0 trn:11638 datalen:5 "
                     "SCINTERFACEVERSION:52 SYSTEMID:SMSC");
}
END_TEST

START_TEST(bind_all_fields)
{
    struct pb p;

    pb_start(&p, 0x00000001, 0, 1);
    pb_cstr(&p, "sys");
    pb_cstr(&p, "pw");
    pb_cstr(&p, "VMA");
    pb_u8(&p, 0x34);
    pb_u8(&p, 1);
    pb_u8(&p, 2);
    pb_cstr(&p, "^44");
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000001 (BIND_RECEIVER) status:0 trn:1 datalen:18 ADDRESSRANGE:^44 "
        "ADDRNPI:2 ADDRTON:1 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:sys SYSTEMTYPE:VMA");
    p.b[7] = 0x02;
    ck_assert_str_eq(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000002 (BIND_TRANSMITTER) status:0 trn:1 datalen:18 ADDRESSRANGE:^44 "
        "ADDRNPI:2 ADDRTON:1 INTERFACEVERSION:52 PASSWORD:*** SYSTEMID:sys SYSTEMTYPE:VMA");
}
END_TEST

START_TEST(bind_all_empty_fields_left_out)
{
    struct pb p;

    pb_start(&p, 0x00000002, 0, 2);
    pb_cstr(&p, "");
    pb_cstr(&p, "");
    pb_cstr(&p, "");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "");
    pb_done(&p);
    /* An empty password is left out even in clear. */
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 1),
                     "Write op:0x00000002 (BIND_TRANSMITTER) status:0 trn:2 datalen:7");
}
END_TEST

START_TEST(bind_resp_failed_empty_body)
{
    struct pb p;

    pb_start(&p, 0x80000002, 14, 5);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0),
                     "Read op:0x80000002 (BIND_TRANSMITTER_RESP) status:14 trn:5 datalen:0");
    pb_start(&p, 0x80000001, 0, 6);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0),
                     "Read op:0x80000001 (BIND_RECEIVER_RESP) status:0 trn:6 datalen:0");
}
END_TEST

START_TEST(outbind)
{
    struct pb p;

    pb_start(&p, 0x0000000B, 0, 9);
    pb_cstr(&p, "smsc");
    pb_cstr(&p, "pw");
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x0000000b (OUTBIND) status:0 trn:9 datalen:8 PASSWORD:*** SYSTEMID:smsc");
}
END_TEST

/* ---- messages ---- */

/* submit_sm/deliver_sm with the given id and short message. */
static void build_sm(struct pb *p, uint32_t id, const char *msg, size_t msglen)
{
    pb_start(p, id, 0, 7);
    pb_cstr(p, ""); /* service_type */
    pb_u8(p, 5);    /* source_addr_ton */
    pb_u8(p, 0);    /* source_addr_npi */
    pb_cstr(p, "Sender");
    pb_u8(p, 1); /* dest_addr_ton */
    pb_u8(p, 1); /* dest_addr_npi */
    pb_cstr(p, "4712345");
    pb_u8(p, 0);    /* esm_class */
    pb_u8(p, 0);    /* protocol_id */
    pb_u8(p, 0);    /* priority_flag */
    pb_cstr(p, ""); /* schedule_delivery_time */
    pb_cstr(p, ""); /* validity_period */
    pb_u8(p, 1);    /* registered_delivery */
    pb_u8(p, 0);    /* replace_if_present_flag */
    pb_u8(p, 0);    /* data_coding */
    pb_u8(p, 0);    /* sm_default_msg_id */
    pb_u8(p, (unsigned)msglen);
    pb_raw(p, msg, msglen);
}

START_TEST(submit_sm_basic)
{
    struct pb p;

    build_sm(&p, 0x00000004, "Hello", 5);
    pb_done(&p);
    ck_assert_uint_eq(p.n, 51);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:35 DESTADDRNPI:1 DESTADDRTON:1 "
        "DESTINATIONADDR:4712345 REGISTEREDDELIVERY:1 SHORTMESSAGE:Hello SMLENGTH:5 "
        "SOURCEADDR:Sender SOURCEADDRTON:5");
}
END_TEST

START_TEST(deliver_sm_all_mandatory)
{
    struct pb p;

    pb_start(&p, 0x00000005, 0, 8);
    pb_cstr(&p, "CMT");
    pb_u8(&p, 1);
    pb_u8(&p, 2);
    pb_cstr(&p, "1");
    pb_u8(&p, 3);
    pb_u8(&p, 4);
    pb_cstr(&p, "2");
    pb_u8(&p, 5);
    pb_u8(&p, 6);
    pb_u8(&p, 7);
    pb_cstr(&p, "s");
    pb_cstr(&p, "v");
    pb_u8(&p, 8);
    pb_u8(&p, 9);
    pb_u8(&p, 10);
    pb_u8(&p, 11);
    pb_u8(&p, 1);
    pb_raw(&p, "x", 1);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000005 (DELIVER_SM) status:0 trn:8 datalen:25 DATACODING:10 "
        "DESTADDRNPI:4 DESTADDRTON:3 DESTINATIONADDR:2 ESMCLASS:5 PRIORITYFLAG:7 "
        "PROTOCOLID:6 REGISTEREDDELIVERY:8 REPLACEIFPRESENTFLAG:9 SCHEDULEDELIVERYTIME:s "
        "SERVICETYPE:CMT SHORTMESSAGE:x SMDEFAULTMSGID:11 SMLENGTH:1 SOURCEADDR:1 "
        "SOURCEADDRNPI:2 SOURCEADDRTON:1 VALIDITYPERIOD:v");
}
END_TEST

START_TEST(short_message_escaping)
{
    struct pb p;
    const char msg[] = "a b\\c\r\n\xff\"";

    build_sm(&p, 0x00000004, msg, sizeof(msg) - 1);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:39 DESTADDRNPI:1 DESTADDRTON:1 "
        "DESTINATIONADDR:4712345 REGISTEREDDELIVERY:1 SHORTMESSAGE:a b\\\\c\\x0d\\x0a\\xff\" "
        "SMLENGTH:9 SOURCEADDR:Sender SOURCEADDRTON:5");
    /* JSON: the text form's value, then JSON-escaped. */
    ck_assert_ptr_nonnull(strstr(json_of(PDU_DIR_READ, &p, 0),
                                 "\"SHORTMESSAGE\":\"a b\\\\\\\\c\\\\x0d\\\\x0a\\\\xff\\\"\","));
}
END_TEST

/* A value cannot dress up as fields: a space followed by a key the pdu log
 * prints (or ERROR) and ':' is written \x20 (docs/pdu-log.md); any other
 * text keeps its spaces. */
static const struct {
    const char *msg;
    const char *printed;
} key_space_cases[] = {
    { "hi SYSTEMID:root", "hi\\x20SYSTEMID:root" },
    { "hi SYSTEMID:root ERROR:forged", "hi\\x20SYSTEMID:root\\x20ERROR:forged" },
    { "Your OTP: 1234", "Your OTP: 1234" },
    { "a TLV14ab:x", "a\\x20TLV14ab:x" }, /* how an unknown TLV prints */
    { "a TLV14AB:x", "a TLV14AB:x" },     /* not how one prints */
    { "x error:y", "x error:y" },         /* ERROR is case-sensitive */
    { "a SYSTEMID b:", "a SYSTEMID b:" }, /* the key must end at ':' */
    { "a  BODY:", "a \\x20BODY:" },       /* only the space before the key */
    { "SYSTEMID:x", "SYSTEMID:x" },       /* no space before it */
    { "a BODY:", "a\\x20BODY:" },         /* short values too */
    { "see PASSWORD: no", "see\\x20PASSWORD: no" },
    { "12:30 ok", "12:30 ok" },
    { "a \\ SYSTEMID:", "a \\\\\\x20SYSTEMID:" },
};

START_TEST(key_like_text_in_values)
{
    struct pb p;
    const char *msg = key_space_cases[_i].msg;
    char want[256], jwant[256];
    const char *got;

    build_sm(&p, 0x00000004, msg, strlen(msg));
    pb_done(&p);
    snprintf(want, sizeof(want), " SHORTMESSAGE:%s SMLENGTH:", key_space_cases[_i].printed);
    got = text_of(PDU_DIR_READ, &p, 0);
    ck_assert_msg(strstr(got, want) != NULL, "'%s' printed as: %s", msg, got);
    /* The twin carries the same text, JSON-escaped. */
    {
        const char *s;
        size_t k = 0;

        k += (size_t)snprintf(jwant, sizeof(jwant), "\"SHORTMESSAGE\":\"");
        for (s = key_space_cases[_i].printed; *s != '\0'; s++) {
            if (*s == '\\' || *s == '"')
                jwant[k++] = '\\';
            jwant[k++] = *s;
        }
        jwant[k++] = '"';
        jwant[k] = '\0';
    }
    got = json_of(PDU_DIR_READ, &p, 0);
    ck_assert_msg(strstr(got, jwant) != NULL, "'%s' in JSON: %s", msg, got);
}
END_TEST

/* A value longer than value_max octets is cut there, with a marker that
 * says how many octets were left out; the cut is on raw octets, so no
 * escape is split, and the twin says the same (docs/pdu-log.md). */
START_TEST(long_values_are_cut)
{
    struct pdu_format_opts o = { .value_max = 10 };
    char msg[40], want[128];
    struct pb p;

    memset(msg, 'a', sizeof(msg));
    msg[9] = '\n'; /* the 10th octet, kept: \x0a */
    build_sm(&p, 0x00000004, msg, sizeof(msg));
    pb_done(&p);
    sbuf_reset(&out);
    pdu_format_text(&out, PDU_DIR_READ, p.b, p.n, &o);
    snprintf(want, sizeof(want), " SHORTMESSAGE:aaaaaaaaa\\x0a\\[+30 octets] SMLENGTH:40 ");
    ck_assert_msg(strstr(sbuf_cstr(&out), want) != NULL, "%s", sbuf_cstr(&out));
    /* DESTINATIONADDR and SOURCEADDR (7 and 6 octets) stay whole. */
    ck_assert_ptr_nonnull(strstr(sbuf_cstr(&out), " DESTINATIONADDR:4712345 "));
    sbuf_reset(&out);
    pdu_format_json(&out, PDU_DIR_READ, p.b, p.n, &o);
    ck_assert_msg(
        strstr(sbuf_cstr(&out), "\"SHORTMESSAGE\":\"aaaaaaaaa\\\\x0a\\\\[+30 octets]\"") != NULL,
        "%s", sbuf_cstr(&out));
    /* At the limit: whole. */
    o.value_max = 40;
    sbuf_reset(&out);
    pdu_format_text(&out, PDU_DIR_READ, p.b, p.n, &o);
    ck_assert_ptr_null(strstr(sbuf_cstr(&out), "octets]"));
}
END_TEST

/* The same rule in a composite value's address. */
START_TEST(key_like_text_in_a_destination)
{
    struct pb p;

    pb_start(&p, 0x00000021, 0, 3);
    pb_cstr(&p, "");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "src");
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "12 ERROR:x");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "");
    pb_cstr(&p, "");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_done(&p);
    ck_assert_ptr_nonnull(
        strstr(text_of(PDU_DIR_READ, &p, 0), " DESTADDRESS:1,1,1,12\\x20ERROR:x "));
}
END_TEST

START_TEST(submit_sm_tlvs)
{
    struct pb p;
    unsigned char ref[2] = { 0x01, 0x02 };
    unsigned char cb[4] = { 0x01, 0x01, '1', '2' };
    unsigned char nec[3] = { 0x03, 0x00, 0x01 };
    unsigned char wait = 0x80, zero = 0, ussd = 2;
    unsigned char qos[4] = { 0x00, 0x01, 0x00, 0x00 };

    build_sm(&p, 0x00000004, "", 0);
    pb_tlv(&p, 0x0204, ref, 2);        /* user_message_reference */
    pb_tlv(&p, 0x0424, "", 0);         /* message_payload, empty */
    pb_tlv(&p, 0x14ab, "a\n", 2);      /* unknown */
    pb_tlv(&p, 0x0381, cb, 4);         /* callback_num */
    pb_tlv(&p, 0x001E, "abc", 4);      /* receipted_message_id with NUL */
    pb_tlv(&p, 0x0030, &wait, 1);      /* ms_msg_wait_facilities */
    pb_tlv(&p, 0x0501, &ussd, 1);      /* ussd_service_op */
    pb_tlv(&p, 0x130C, "", 0);         /* alert_on_message_delivery, empty */
    pb_tlv(&p, 0x0210, &zero, 1);      /* sc_interface_version 0: still printed */
    pb_tlv(&p, 0x0423, nec, 3);        /* network_error_code */
    pb_tlv(&p, 0x0017, qos, 4);        /* qos_time_to_live */
    pb_tlv(&p, 0x0609, "20150101", 9); /* broadcast_end_time as C-string */
    pb_tlv(&p, 0x020A, "", 0);         /* source_port, no octets: 0 */
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:30 ALERTONMESSAGEDELIVERY: "
        "BROADCASTENDTIME:20150101 CALLBACKNUM:\\x01\\x0112 DESTADDRNPI:1 DESTADDRTON:1 "
        "DESTINATIONADDR:4712345 MESSAGEPAYLOAD: MSMSGWAITFACILITIES:128 "
        "NETWORKERRORCODE:\\x03\\x00\\x01 "
        "QOSTIMETOLIVE:65536 RECEIPTEDMESSAGEID:abc REGISTEREDDELIVERY:1 SCINTERFACEVERSION:0 "
        "SOURCEADDR:Sender SOURCEADDRTON:5 SOURCEPORT:0 TLV14ab:a\\x0a USERMESSAGEREFERENCE:258 "
        "USSDSERVICEOP:2");
}
END_TEST

START_TEST(repeated_keys_keep_wire_order)
{
    struct pb p;

    pb_start(&p, 0x00000103, 0, 4); /* data_sm */
    pb_cstr(&p, "");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "9");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_tlv(&p, 0x0424, "b", 1);
    pb_tlv(&p, 0x0424, "a", 1);
    pb_tlv(&p, 0x0424, "c", 1);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0),
                     "Write op:0x00000103 (DATA_SM) status:0 trn:4 datalen:11 DESTINATIONADDR:9 "
                     "MESSAGEPAYLOAD:b MESSAGEPAYLOAD:a MESSAGEPAYLOAD:c");
    ck_assert_str_eq(
        json_of(PDU_DIR_WRITE, &p, 0),
        "\"dir\":\"write\",\"op\":\"0x00000103\",\"name\":\"DATA_SM\",\"status\":0,\"trn\":4,"
        "\"datalen\":11,\"fields\":{\"DESTINATIONADDR\":\"9\","
        "\"MESSAGEPAYLOAD\":[\"b\",\"a\",\"c\"]}");
}
END_TEST

START_TEST(many_tlvs_sorted_stably)
{
    struct pb p;
    size_t i;
    unsigned char v;
    struct sbuf want = SBUF_INIT;

    /* More fields than the inline list holds: alternating two tags. */
    pb_start(&p, 0x80000015, 0, 1); /* enquire_link_resp */
    for (i = 0; i < 100; i++) {
        v = (unsigned char)i;
        pb_tlv(&p, i % 2 ? 0x0005 : 0x0019, &v, 1);
    }
    pb_done(&p);
    sbuf_puts(&want, "Read op:0x80000015 (ENQUIRE_LINK_RESP) status:0 trn:1 datalen:0");
    for (i = 1; i < 100; i += 2)
        sbuf_printf(&want, " DESTADDRSUBUNIT:%zu", i);
    for (i = 0; i < 100; i += 2)
        sbuf_printf(&want, " PAYLOADTYPE:%zu", i);
    ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0), sbuf_cstr(&want));
    sbuf_free(&want);
}
END_TEST

START_TEST(message_id_responses)
{
    static const struct {
        uint32_t id;
        const char *name;
    } ops[] = {
        { 0x80000004, "SUBMIT_SM_RESP" },
        { 0x80000005, "DELIVER_SM_RESP" },
        { 0x80000103, "DATA_SM_RESP" },
        { 0x80000111, "BROADCAST_SM_RESP" },
        { 0x80000112, "QUERY_BROADCAST_SM_RESP" },
    };
    char want[200];
    size_t i;
    struct pb p;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        pb_start(&p, ops[i].id, 0, 3);
        pb_cstr(&p, "abc");
        pb_done(&p);
        snprintf(want, sizeof(want), "Read op:0x%08x (%s) status:0 trn:3 datalen:4 MESSAGEID:abc",
                 ops[i].id, ops[i].name);
        ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0), want);
    }
}
END_TEST

START_TEST(empty_body_operations)
{
    static const struct {
        uint32_t id;
        const char *name;
        uint32_t status;
    } ops[] = {
        { 0x80000000, "GENERIC_NACK", 3 },         { 0x00000006, "UNBIND", 0 },
        { 0x80000006, "UNBIND_RESP", 0 },          { 0x80000007, "REPLACE_SM_RESP", 0 },
        { 0x80000008, "CANCEL_SM_RESP", 0 },       { 0x00000015, "ENQUIRE_LINK", 0 },
        { 0x80000015, "ENQUIRE_LINK_RESP", 0 },    { 0x80000113, "CANCEL_BROADCAST_SM_RESP", 0 },
        { 0x80000004, "SUBMIT_SM_RESP", 8 },       { 0x80000003, "QUERY_SM_RESP", 0x67 },
        { 0x80000021, "SUBMIT_MULTI_RESP", 0x45 },
    };
    char want[200];
    size_t i;
    struct pb p;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        pb_start(&p, ops[i].id, ops[i].status, 4294967295u);
        pb_done(&p);
        snprintf(want, sizeof(want), "Write op:0x%08x (%s) status:%u trn:4294967295 datalen:0",
                 ops[i].id, ops[i].name, ops[i].status);
        ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0), want);
    }
}
END_TEST

START_TEST(header_only_pdu_with_tlv)
{
    struct pb p;
    unsigned char v = 1;

    pb_start(&p, 0x00000015, 0, 2);
    pb_tlv(&p, 0x0426, &v, 1);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:2 datalen:0 MOREMESSAGESTOSEND:1");
}
END_TEST

START_TEST(query_and_cancel)
{
    struct pb p;

    pb_start(&p, 0x00000003, 0, 1);
    pb_cstr(&p, "id1");
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "src");
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0),
                     "Write op:0x00000003 (QUERY_SM) status:0 trn:1 datalen:10 MESSAGEID:id1 "
                     "SOURCEADDR:src SOURCEADDRNPI:1 SOURCEADDRTON:1");
    pb_start(&p, 0x80000003, 0, 1);
    pb_cstr(&p, "id1");
    pb_cstr(&p, "150101000000000+");
    pb_u8(&p, 2);
    pb_u8(&p, 0);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0),
                     "Read op:0x80000003 (QUERY_SM_RESP) status:0 trn:1 datalen:23 "
                     "FINALDATE:150101000000000+ MESSAGEID:id1 MESSAGESTATE:2");
    pb_start(&p, 0x00000008, 0, 1);
    pb_cstr(&p, "");
    pb_cstr(&p, "id1");
    pb_u8(&p, 1);
    pb_u8(&p, 0);
    pb_cstr(&p, "src");
    pb_u8(&p, 2);
    pb_u8(&p, 0);
    pb_cstr(&p, "dst");
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0),
                     "Write op:0x00000008 (CANCEL_SM) status:0 trn:1 datalen:17 DESTADDRTON:2 "
                     "DESTINATIONADDR:dst MESSAGEID:id1 SOURCEADDR:src SOURCEADDRTON:1");
}
END_TEST

START_TEST(replace_sm)
{
    struct pb p;

    pb_start(&p, 0x00000007, 0, 1);
    pb_cstr(&p, "m");
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "s");
    pb_cstr(&p, "");
    pb_cstr(&p, "");
    pb_u8(&p, 1);
    pb_u8(&p, 0);
    pb_u8(&p, 2);
    pb_raw(&p, "hi", 2);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0),
                     "Write op:0x00000007 (REPLACE_SM) status:0 trn:1 datalen:13 MESSAGEID:m "
                     "REGISTEREDDELIVERY:1 SHORTMESSAGE:hi SMLENGTH:2 SOURCEADDR:s SOURCEADDRNPI:1 "
                     "SOURCEADDRTON:1");
}
END_TEST

START_TEST(alert_notification)
{
    struct pb p;

    pb_start(&p, 0x00000102, 0, 1);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "123");
    pb_u8(&p, 2);
    pb_u8(&p, 0);
    pb_cstr(&p, "456");
    pb_tlv(&p, 0x0422, "\x01", 1);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000102 (ALERT_NOTIFICATION) status:0 trn:1 datalen:12 ESMEADDR:456 "
        "ESMEADDRTON:2 MSAVAILABILITYSTATUS:1 SOURCEADDR:123 SOURCEADDRNPI:1 SOURCEADDRTON:1");
}
END_TEST

START_TEST(broadcast_operations)
{
    struct pb p;
    unsigned char area[4] = { 0x00, 'A', 'B', 0x0d };

    pb_start(&p, 0x00000111, 0, 1);
    pb_cstr(&p, "");
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "s");
    pb_cstr(&p, "m1");
    pb_u8(&p, 0);
    pb_cstr(&p, "");
    pb_cstr(&p, "");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_tlv(&p, 0x0606, area, 4);
    pb_tlv(&p, 0x0604, "\x00\x05", 2);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000111 (BROADCAST_SM) status:0 trn:1 datalen:14 "
        "BROADCASTAREAIDENTIFIER:\\x00AB\\x0d BROADCASTREPNUM:5 MESSAGEID:m1 SOURCEADDR:s "
        "SOURCEADDRNPI:1 SOURCEADDRTON:1");
    pb_start(&p, 0x00000112, 0, 2);
    pb_cstr(&p, "m1");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "s");
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_WRITE, &p, 0),
                     "Write op:0x00000112 (QUERY_BROADCAST_SM) status:0 trn:2 datalen:7 "
                     "MESSAGEID:m1 SOURCEADDR:s");
    pb_start(&p, 0x00000113, 0, 3);
    pb_cstr(&p, "x");
    pb_cstr(&p, "m1");
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "s");
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000113 (CANCEL_BROADCAST_SM) status:0 trn:3 datalen:9 MESSAGEID:m1 "
        "SERVICETYPE:x SOURCEADDR:s");
}
END_TEST

/* ---- submit_multi composites ---- */

static void build_multi_head(struct pb *p, unsigned ndests)
{
    pb_start(p, 0x00000021, 0, 12);
    pb_cstr(p, "");
    pb_u8(p, 1);
    pb_u8(p, 1);
    pb_cstr(p, "src");
    pb_u8(p, ndests);
}

static void build_multi_tail(struct pb *p)
{
    pb_u8(p, 0);
    pb_u8(p, 0);
    pb_u8(p, 0);
    pb_cstr(p, "");
    pb_cstr(p, "");
    pb_u8(p, 0);
    pb_u8(p, 0);
    pb_u8(p, 0);
    pb_u8(p, 0);
    pb_u8(p, 2);
    pb_raw(p, "hi", 2);
}

START_TEST(submit_multi)
{
    struct pb p;

    build_multi_head(&p, 3);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "123");
    pb_u8(&p, 2);
    pb_cstr(&p, "list,a");
    pb_u8(&p, 1);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "");
    build_multi_tail(&p);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000021 (SUBMIT_MULTI) status:0 trn:12 datalen:39 DESTADDRESS:1,1,1,123 "
        "DESTADDRESS:2,list\\x2ca DESTADDRESS:1,0,0, NUMBEROFDESTS:3 SHORTMESSAGE:hi SMLENGTH:2 "
        "SOURCEADDR:src SOURCEADDRNPI:1 SOURCEADDRTON:1");
}
END_TEST

START_TEST(submit_multi_bad_dest_flag)
{
    struct pb p;

    build_multi_head(&p, 2);
    pb_u8(&p, 2);
    pb_cstr(&p, "dl");
    pb_u8(&p, 3);
    pb_cstr(&p, "x");
    build_multi_tail(&p);
    pb_done(&p);
    /* datalen: the mandatory part did not decode, so all body octets. */
    assert_error_line(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000021 (SUBMIT_MULTI) status:0 trn:12 datalen:27 DESTADDRESS:2,dl "
        "NUMBEROFDESTS:2 SOURCEADDR:src SOURCEADDRNPI:1 SOURCEADDRTON:1");
}
END_TEST

START_TEST(submit_multi_resp)
{
    struct pb p;

    pb_start(&p, 0x80000021, 0, 12);
    pb_cstr(&p, "m1");
    pb_u8(&p, 2);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "111");
    pb_u32(&p, 0x0000000b);
    pb_u8(&p, 0);
    pb_u8(&p, 0);
    pb_cstr(&p, "a,b");
    pb_u32(&p, 8);
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x80000021 (SUBMIT_MULTI_RESP) status:0 trn:12 datalen:24 MESSAGEID:m1 "
        "NOUNSUCCESS:2 UNSUCCESSSME:1,1,111,11 UNSUCCESSSME:0,0,a\\x2cb,8");
}
END_TEST

/* ---- unknown commands ---- */

START_TEST(unknown_command)
{
    struct pb p;

    pb_start(&p, 0x00000099, 0, 1);
    pb_raw(&p, "ab\x00\x04\x24\x00\x00", 7); /* looks like a TLV: not parsed */
    pb_done(&p);
    ck_assert_str_eq(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000099 (UNKNOWN) status:0 trn:1 datalen:7 BODY:ab\\x00\\x04$\\x00\\x00");
    pb_start(&p, 0x8000ABCD, 5, 2);
    pb_done(&p);
    ck_assert_str_eq(text_of(PDU_DIR_READ, &p, 0),
                     "Read op:0x8000abcd (UNKNOWN) status:5 trn:2 datalen:0");
    ck_assert_str_eq(
        json_of(PDU_DIR_READ, &p, 0),
        "\"dir\":\"read\",\"op\":\"0x8000abcd\",\"name\":\"UNKNOWN\",\"status\":5,\"trn\":2,"
        "\"datalen\":0,\"fields\":{}");
}
END_TEST

/* ---- malformed input ---- */

START_TEST(short_header)
{
    struct pb p;

    p.n = 0;
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x00000000 (UNKNOWN) status:0 trn:0 datalen:0");
    pb_start(&p, 0x00000015, 0x01020304, 0x05060708);
    pb_done(&p);
    p.n = 3;
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x00000000 (UNKNOWN) status:0 trn:0 datalen:0");
    p.n = 11; /* status received in part: prints as 0 */
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:0 datalen:0");
    p.n = 15;
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x00000015 (ENQUIRE_LINK) status:16909060 trn:0 datalen:0");
    ck_assert_ptr_nonnull(strstr(json_of(PDU_DIR_READ, &p, 0), "\"fields\":{},\"error\":\""));
}
END_TEST

START_TEST(command_length_disagrees)
{
    struct pb p;

    pb_start(&p, 0x80000004, 0, 1);
    pb_cstr(&p, "abc");
    pb_done(&p);
    p.b[3] = 30; /* says 30, 20 octets present */
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:1 datalen:4 MESSAGEID:abc");
    p.b[3] = 18; /* says 18, 20 octets present: body is 2 octets, no NUL */
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:1 datalen:2");
}
END_TEST

START_TEST(cstring_without_nul)
{
    struct pb p;

    pb_start(&p, 0x00000009, 0, 1);
    pb_cstr(&p, "user");
    pb_raw(&p, "secret", 6);
    pb_done(&p);
    assert_error_line(
        text_of(PDU_DIR_WRITE, &p, 0),
        "Write op:0x00000009 (BIND_TRANSCEIVER) status:0 trn:1 datalen:11 SYSTEMID:user");
}
END_TEST

START_TEST(field_runs_past_end)
{
    struct pb p;

    build_sm(&p, 0x00000004, "Hello", 5);
    p.b[p.n - 6] = 10; /* sm_length 10, 5 octets follow */
    pb_done(&p);
    assert_error_line(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x00000004 (SUBMIT_SM) status:0 trn:7 datalen:35 DESTADDRNPI:1 DESTADDRTON:1 "
        "DESTINATIONADDR:4712345 REGISTEREDDELIVERY:1 SMLENGTH:10 SOURCEADDR:Sender "
        "SOURCEADDRTON:5");
    /* A request with no body at all. */
    pb_start(&p, 0x00000004, 0, 1);
    pb_done(&p);
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x00000004 (SUBMIT_SM) status:0 trn:1 datalen:0");
    /* An integer field cut short. */
    pb_start(&p, 0x80000021, 0, 1);
    pb_cstr(&p, "m");
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_u8(&p, 1);
    pb_cstr(&p, "1");
    pb_u16(&p, 0);
    pb_done(&p);
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x80000021 (SUBMIT_MULTI_RESP) status:0 trn:1 datalen:9 MESSAGEID:m "
                      "NOUNSUCCESS:1");
}
END_TEST

START_TEST(tlv_runs_past_end)
{
    struct pb p;
    unsigned char v = 1;

    pb_start(&p, 0x80000004, 0, 1);
    pb_cstr(&p, "m");
    pb_tlv(&p, 0x0427, &v, 1);
    pb_u16(&p, 0x0424);
    pb_u16(&p, 10);
    pb_raw(&p, "ab", 2);
    pb_done(&p);
    assert_error_line(
        text_of(PDU_DIR_READ, &p, 0),
        "Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:1 datalen:2 MESSAGEID:m MESSAGESTATE:1");
    /* Fewer than 4 octets left for a TLV header. */
    pb_start(&p, 0x80000004, 0, 1);
    pb_cstr(&p, "m");
    pb_raw(&p, "\x04\x24\x00", 3);
    pb_done(&p);
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:1 datalen:2 MESSAGEID:m");
    /* A C-Octet String TLV without its NUL. */
    pb_start(&p, 0x80000004, 0, 1);
    pb_cstr(&p, "m");
    pb_tlv(&p, 0x001E, "abc", 3);
    pb_done(&p);
    assert_error_line(text_of(PDU_DIR_READ, &p, 0),
                      "Read op:0x80000004 (SUBMIT_SM_RESP) status:0 trn:1 datalen:2 MESSAGEID:m");
}
END_TEST

START_TEST(json_error_member)
{
    struct pb p;

    pb_start(&p, 0x80000004, 0, 1);
    pb_raw(&p, "a\"b", 3);
    pb_done(&p);
    {
        const char *j = json_of(PDU_DIR_READ, &p, 0);
        const char *prefix =
            "\"dir\":\"read\",\"op\":\"0x80000004\",\"name\":\"SUBMIT_SM_RESP\",\"status\":0,"
            "\"trn\":1,\"datalen\":3,\"fields\":{},\"error\":\"";

        ck_assert_msg(strncmp(j, prefix, strlen(prefix)) == 0, "%s", j);
        ck_assert(j[strlen(j) - 1] == '"');
    }
}
END_TEST

/* ---- lookups and summary ---- */

START_TEST(command_names_round_trip)
{
    static const struct {
        uint32_t id;
        const char *name;
    } ops[] = {
        { 0x80000000, "GENERIC_NACK" },
        { 0x00000001, "BIND_RECEIVER" },
        { 0x80000001, "BIND_RECEIVER_RESP" },
        { 0x00000002, "BIND_TRANSMITTER" },
        { 0x80000002, "BIND_TRANSMITTER_RESP" },
        { 0x00000003, "QUERY_SM" },
        { 0x80000003, "QUERY_SM_RESP" },
        { 0x00000004, "SUBMIT_SM" },
        { 0x80000004, "SUBMIT_SM_RESP" },
        { 0x00000005, "DELIVER_SM" },
        { 0x80000005, "DELIVER_SM_RESP" },
        { 0x00000006, "UNBIND" },
        { 0x80000006, "UNBIND_RESP" },
        { 0x00000007, "REPLACE_SM" },
        { 0x80000007, "REPLACE_SM_RESP" },
        { 0x00000008, "CANCEL_SM" },
        { 0x80000008, "CANCEL_SM_RESP" },
        { 0x00000009, "BIND_TRANSCEIVER" },
        { 0x80000009, "BIND_TRANSCEIVER_RESP" },
        { 0x0000000B, "OUTBIND" },
        { 0x00000015, "ENQUIRE_LINK" },
        { 0x80000015, "ENQUIRE_LINK_RESP" },
        { 0x00000021, "SUBMIT_MULTI" },
        { 0x80000021, "SUBMIT_MULTI_RESP" },
        { 0x00000102, "ALERT_NOTIFICATION" },
        { 0x00000103, "DATA_SM" },
        { 0x80000103, "DATA_SM_RESP" },
        { 0x00000111, "BROADCAST_SM" },
        { 0x80000111, "BROADCAST_SM_RESP" },
        { 0x00000112, "QUERY_BROADCAST_SM" },
        { 0x80000112, "QUERY_BROADCAST_SM_RESP" },
        { 0x00000113, "CANCEL_BROADCAST_SM" },
        { 0x80000113, "CANCEL_BROADCAST_SM_RESP" },
    };
    size_t i;
    uint32_t id;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        ck_assert_str_eq(smpp_command_name(ops[i].id), ops[i].name);
        ck_assert_int_eq(smpp_command_id(ops[i].name, &id), 0);
        ck_assert_uint_eq(id, ops[i].id);
    }
    ck_assert_str_eq(smpp_command_name(0x0000000A), "UNKNOWN");
    ck_assert_str_eq(smpp_command_name(0x8000000B), "UNKNOWN");
    ck_assert_int_eq(smpp_command_id("UNKNOWN", &id), -1);
    ck_assert_int_eq(smpp_command_id("submit_sm", &id), -1);
}
END_TEST

START_TEST(status_names)
{
    ck_assert_str_eq(smpp_status_name(0), "ESME_ROK");
    ck_assert_str_eq(smpp_status_name(14), "ESME_RINVPASWD");
    ck_assert_str_eq(smpp_status_name(0x58), "ESME_RTHROTTLED");
    ck_assert_str_eq(smpp_status_name(0x112), "ESME_RINVBCASTCHANIND");
    ck_assert_ptr_null(smpp_status_name(0x09));
    ck_assert_ptr_null(smpp_status_name(0x400));
}
END_TEST

/* The header stage of the decode: what the session machine reads. */
START_TEST(summary)
{
    struct pb p;
    struct smpp_decoded s;

    build_seed_bind(&p);
    smpp_decode_header(p.b, p.n, &s);
    ck_assert_uint_eq(s.command_length, 33);
    ck_assert_uint_eq(s.command_id, 9);
    ck_assert_uint_eq(s.sequence_number, 11638);
    ck_assert_int_eq(s.header_complete, 1);
    ck_assert_uint_eq(s.system_id_len, 4);
    ck_assert(memcmp(s.system_id, "user", 4) == 0);

    pb_start(&p, 0x80000002, 0, 3);
    pb_cstr(&p, "SMSC");
    pb_done(&p);
    smpp_decode_header(p.b, p.n, &s);
    ck_assert_uint_eq(s.system_id_len, 4);
    ck_assert(memcmp(s.system_id, "SMSC", 4) == 0);

    pb_start(&p, 0x80000002, 14, 3); /* failed, empty body */
    pb_done(&p);
    smpp_decode_header(p.b, p.n, &s);
    ck_assert_ptr_null(s.system_id);
    ck_assert_uint_eq(s.command_status, 14);

    pb_start(&p, 0x80000004, 0, 3); /* not a bind */
    pb_cstr(&p, "SMSC");
    pb_done(&p);
    smpp_decode_header(p.b, p.n, &s);
    ck_assert_ptr_null(s.system_id);

    pb_start(&p, 0x80000009, 0, 3); /* no NUL */
    pb_raw(&p, "SMSC", 4);
    pb_done(&p);
    smpp_decode_header(p.b, p.n, &s);
    ck_assert_ptr_null(s.system_id);

    p.b[3] = 40; /* length disagrees */
    smpp_decode_header(p.b, p.n, &s);
    ck_assert_int_eq(s.header_complete, 0);
    smpp_decode_header(p.b, 6, &s);
    ck_assert_int_eq(s.header_complete, 0);
    ck_assert_uint_eq(s.command_id, 0);
    ck_assert_uint_eq(s.command_length, 40);
}
END_TEST

START_TEST(appends_to_existing_buffer)
{
    struct pb p;

    pb_start(&p, 0x00000015, 0, 1);
    pb_done(&p);
    sbuf_reset(&out);
    sbuf_puts(&out, "prefix ");
    pdu_format_text(&out, PDU_DIR_READ, p.b, p.n, NULL);
    ck_assert_str_eq(sbuf_cstr(&out),
                     "prefix Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:1 datalen:0");
    sbuf_reset(&out);
    sbuf_puts(&out, "{");
    pdu_format_both(&out, NULL, PDU_DIR_READ, p.b, p.n, NULL);
    ck_assert_str_eq(sbuf_cstr(&out),
                     "{Read op:0x00000015 (ENQUIRE_LINK) status:0 trn:1 datalen:0");
}
END_TEST

static Suite *pdu_suite(void)
{
    Suite *s = suite_create("pdu");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, seed_bind_transceiver);
    tcase_add_test(tc, seed_bind_json);
    tcase_add_test(tc, bind_resp_with_tlv);
    tcase_add_test(tc, bind_all_fields);
    tcase_add_test(tc, bind_all_empty_fields_left_out);
    tcase_add_test(tc, bind_resp_failed_empty_body);
    tcase_add_test(tc, outbind);
    tcase_add_test(tc, submit_sm_basic);
    tcase_add_test(tc, deliver_sm_all_mandatory);
    tcase_add_test(tc, short_message_escaping);
    tcase_add_loop_test(tc, key_like_text_in_values, 0,
                        (int)(sizeof(key_space_cases) / sizeof(key_space_cases[0])));
    tcase_add_test(tc, key_like_text_in_a_destination);
    tcase_add_test(tc, long_values_are_cut);
    tcase_add_test(tc, submit_sm_tlvs);
    tcase_add_test(tc, repeated_keys_keep_wire_order);
    tcase_add_test(tc, many_tlvs_sorted_stably);
    tcase_add_test(tc, message_id_responses);
    tcase_add_test(tc, empty_body_operations);
    tcase_add_test(tc, header_only_pdu_with_tlv);
    tcase_add_test(tc, query_and_cancel);
    tcase_add_test(tc, replace_sm);
    tcase_add_test(tc, alert_notification);
    tcase_add_test(tc, broadcast_operations);
    tcase_add_test(tc, submit_multi);
    tcase_add_test(tc, submit_multi_bad_dest_flag);
    tcase_add_test(tc, submit_multi_resp);
    tcase_add_test(tc, unknown_command);
    tcase_add_test(tc, short_header);
    tcase_add_test(tc, command_length_disagrees);
    tcase_add_test(tc, cstring_without_nul);
    tcase_add_test(tc, field_runs_past_end);
    tcase_add_test(tc, tlv_runs_past_end);
    tcase_add_test(tc, json_error_member);
    tcase_add_test(tc, command_names_round_trip);
    tcase_add_test(tc, status_names);
    tcase_add_test(tc, summary);
    tcase_add_test(tc, appends_to_existing_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pdu_suite());
    int failed;

    sbuf_init(&out);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sbuf_free(&out);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
