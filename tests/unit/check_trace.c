/*
 * check_trace: unit tests of emgdiag-trace's parts: Kannel's id
 * conversions and the cause classifier (tools/msgid_cause.c), and the
 * message-log parser (tools/msglog.c).
 *
 * The expected conversions are those of Kannel 1.4.5's smsc_smpp: an id
 * read as hex is strtoll(id, NULL, 16), as decimal strtoll(id, NULL, 10),
 * printed back with "%llu"; a submit_sm_resp id is read as hex when bit
 * 0x01 of msg-id-type is set or it is not all digits, a receipt's id when
 * bit 0x02 is set or it is not all digits; with msg-id-type unset both are
 * kept as sent.  The numbers below are worked out by hand from those rules
 * (0x4B3C1001 = 4*16^7 + 11*16^6 + 3*16^5 + 12*16^4 + 1*16^3 + 1 =
 * 1262227457), never taken from the code under test.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "msgid_cause.h"
#include "msglog.h"

static const char *stored(int type, const char *raw)
{
    static char out[MSGID_NUM_LEN];

    msgid_stored(type, raw, out, sizeof(out));
    return out;
}

static const char *lookup(int type, const char *raw)
{
    static char out[MSGID_NUM_LEN];

    msgid_lookup(type, raw, out, sizeof(out));
    return out;
}

START_TEST(kannel_conversions)
{
    /* Unset: as sent. */
    ck_assert_str_eq(stored(MSGID_TYPE_UNSET, "4B3C1001"), "4B3C1001");
    ck_assert_str_eq(lookup(MSGID_TYPE_UNSET, "0001262227457"), "0001262227457");
    /* 0x01: the resp id is hex, even when all digits; the receipt decimal. */
    ck_assert_str_eq(stored(0x01, "4B3C1001"), "1262227457");
    ck_assert_str_eq(stored(0x01, "10"), "16");
    ck_assert_str_eq(lookup(0x01, "1262227457"), "1262227457");
    ck_assert_str_eq(lookup(0x01, "0001262227457"), "1262227457");
    /* 0x00: decimal unless a letter makes it hex. */
    ck_assert_str_eq(stored(0x00, "10"), "10");
    ck_assert_str_eq(stored(0x00, "ff"), "255");
    ck_assert_str_eq(lookup(0x00, "00042"), "42");
    /* 0x02: the receipt's id is hex. */
    ck_assert_str_eq(lookup(0x02, "10"), "16");
    ck_assert_str_eq(stored(0x02, "10"), "10");
    /* Text that is no number reads as 0. */
    ck_assert_str_eq(stored(0x03, "xyz"), "0");
}
END_TEST

START_TEST(hex_resp_decimal_receipt)
{
    /* The SMSC answers 4B3C1001 and receipts 1262227457: 0x01 joins them. */
    ck_assert_int_eq(msgid_type_that_matches("4B3C1001", "1262227457"), 0x01);
    ck_assert_int_eq(msgid_cause_of("4B3C1001", "1262227457", 0x01), CAUSE_HEX_VS_DECIMAL);
    /* With leading zeros in the receipt, decimal still reads 1262227457. */
    ck_assert_int_eq(msgid_type_that_matches("4B3C1001", "0001262227457"), 0x01);
    ck_assert_int_eq(msgid_cause_of("4B3C1001", "0001262227457", 0x01), CAUSE_HEX_VS_DECIMAL);
    /* A hex id of digits only (0x12345678 = 305419896) needs the bit too. */
    ck_assert_int_eq(msgid_type_that_matches("12345678", "305419896"), 0x01);
}
END_TEST

START_TEST(decimal_resp_hex_receipt)
{
    /* 0x2A = 42: the resp decimal, the receipt hex. */
    ck_assert_int_eq(msgid_type_that_matches("42", "2A"), 0x02);
    ck_assert_int_eq(msgid_cause_of("42", "2A", 0x02), CAUSE_HEX_VS_DECIMAL);
}
END_TEST

START_TEST(leading_zeros)
{
    /* Both decimal; strtoll(…, 10) drops the zeros: 0x00 is enough. */
    ck_assert_int_eq(msgid_type_that_matches("00012345", "12345"), 0x00);
    ck_assert_int_eq(msgid_cause_of("00012345", "12345", 0x00), CAUSE_LEADING_ZEROS);
    /* Both hex with letters, zeros on one side: 0x03 (read as hex, both). */
    ck_assert_int_eq(msgid_type_that_matches("00AB12", "AB12"), 0x03);
    ck_assert_int_eq(msgid_cause_of("00AB12", "AB12", 0x03), CAUSE_LEADING_ZEROS);
}
END_TEST

START_TEST(letter_case)
{
    /* strtoll(…, 16) reads either case: both read as hex. */
    ck_assert_int_eq(msgid_type_that_matches("4b3c1001", "4B3C1001"), 0x03);
    ck_assert_int_eq(msgid_cause_of("4b3c1001", "4B3C1001", 0x03), CAUSE_LETTER_CASE);
}
END_TEST

START_TEST(no_setting_matches)
{
    /* Different numbers under every reading. */
    ck_assert_int_eq(msgid_type_that_matches("4B3C1001", "1262227458"), -1);
    /* Two texts that are no numbers read as 0 on both sides: not a match. */
    ck_assert_int_eq(msgid_type_that_matches("xyz", "qqq"), -1);
    ck_assert_str_eq(msgid_cause_word(CAUSE_RECEIPT_BEFORE_RESP), "receipt-before-resp");
    ck_assert_str_eq(msgid_cause_word(CAUSE_OTHER_CONNECTOR), "other-connector");
    ck_assert_str_eq(msgid_cause_word(CAUSE_UNKNOWN), "unknown");
}
END_TEST

/* ---- the parser (docs/message-log.md) ------------------------------------ */

static int parse(struct msglog_line *l, const char *s, const char **why)
{
    return msglog_parse(l, s, strlen(s), why);
}

START_TEST(parse_lines)
{
    struct msglog_line l;
    const char *why = NULL;

    memset(&l, 0, sizeof(l));
    ck_assert_int_eq(parse(&l,
                           "2026-11-26 04:10:00.000001 (up,0) SUBMIT_RESP uuid=\"u-1\" trn=\"5\" "
                           "status=\"0\" id-raw=\"4B3C1001\" id=\"1262227457\"",
                           &why),
                     0);
    ck_assert_str_eq(l.ts, "2026-11-26 04:10:00.000001");
    ck_assert_str_eq(l.connector, "up");
    ck_assert_int_eq(l.instance, 0);
    ck_assert_int_eq(l.step, MSG_SUBMIT_RESP);
    ck_assert_str_eq(l.v[MK_ID_RAW], "4B3C1001");
    ck_assert_str_eq(l.v[MK_ID], "1262227457");
    ck_assert_int_eq(l.n_order, 5);
    ck_assert_int_eq(l.order[3], MK_ID_RAW);
    /* Escapes undone: \x22 is '"', \\ is '\', \x00 a NUL inside. */
    ck_assert_int_eq(parse(&l, "2026-11-26 04:10:00.000001 (smpp-in,3) DLR_TO_CLIENT_UNMATCHED "
                               "key=\"a\\x22b\\\\c\\x00d\"",
                           &why),
                     0);
    ck_assert_int_eq(l.instance, 3);
    ck_assert_int_eq(l.step, MSG_DLR_TO_CLIENT_UNMATCHED);
    ck_assert_int_eq(l.len[MK_KEY], 7);
    ck_assert(memcmp(l.v[MK_KEY], "a\"b\\c\0d", 7) == 0);
    /* A step and a key of a newer version are kept unknown. */
    ck_assert_int_eq(parse(&l, "2026-11-26 04:10:00.000001 (x,0) NEW_STEP new-key=\"1\"", &why), 0);
    ck_assert_int_eq(l.step, MSG_UNKNOWN_STEP);
    msglog_line_free(&l);
}
END_TEST

START_TEST(parse_refusals)
{
    static const char *const bad[] = {
        "",
        "2026-11-26 04:10:00.00000",                               /* short timestamp */
        "2026-11-26 04:10:00.000001 up,0) SUBMIT",                 /* no '(' */
        "2026-11-26 04:10:00.000001 (up 0) SUBMIT",                /* bad name */
        "2026-11-26 04:10:00.000001 (up,) SUBMIT",                 /* no instance */
        "2026-11-26 04:10:00.000001 (up,0)SUBMIT",                 /* no space */
        "2026-11-26 04:10:00.000001 (up,0) submit",                /* lower-case step */
        "2026-11-26 04:10:00.000001 (up,0) SUBMIT id=\"x",         /* no closing quote */
        "2026-11-26 04:10:00.000001 (up,0) SUBMIT id=\"\\q\"",     /* bad escape */
        "2026-11-26 04:10:00.000001 (up,0) SUBMIT id=\"\\x4\"",    /* short escape */
        "2026-11-26 04:10:00.000001 (up,0) SUBMIT id=x",           /* unquoted */
        "2026-11-26 04:10:00.000001 (up,0) SUBMIT id=\"a\"x=\"b\"", /* no space between */
        "2026-11-26 04:10:00.000001 (up,0) SUBMIT id=\"\x01\"",    /* raw control */
    };
    struct msglog_line l;
    const char *why;
    size_t i;

    memset(&l, 0, sizeof(l));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        ck_assert_msg(parse(&l, bad[i], &why) == -1, "accepted: %s", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
    msglog_line_free(&l);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, kannel_conversions);
    tcase_add_test(tc, hex_resp_decimal_receipt);
    tcase_add_test(tc, decimal_resp_hex_receipt);
    tcase_add_test(tc, leading_zeros);
    tcase_add_test(tc, letter_case);
    tcase_add_test(tc, no_setting_matches);
    tcase_add_test(tc, parse_lines);
    tcase_add_test(tc, parse_refusals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
