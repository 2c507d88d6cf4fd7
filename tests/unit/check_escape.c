/*
 * check_escape: unit tests of octet escaping (escape.c) and of the log
 * timestamps (timefmt.c), against the rules of docs/connector-log.md#timestamps and docs/pdu-log.md.
 *
 * Expected strings are derived from the rules octet by octet; timestamps
 * are built from a broken-down date with timegm(), not from the code under
 * test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "escape.h"
#include "sbuf.h"
#include "timefmt.h"

static const char *escaped(const void *p, size_t n, unsigned flags)
{
    static struct sbuf b;

    sbuf_reset(&b);
    esc_octets(&b, p, n, flags);
    ck_assert(!b.failed);
    return sbuf_cstr(&b);
}

START_TEST(printable_as_is)
{
    ck_assert_str_eq(escaped("Hello, world \"x\" ~", 18, 0), "Hello, world \"x\" ~");
    ck_assert_str_eq(escaped("", 0, 0), "");
}
END_TEST

START_TEST(backslash_doubled)
{
    ck_assert_str_eq(escaped("a\\b", 3, 0), "a\\\\b");
    ck_assert_str_eq(escaped("\\x41", 4, 0), "\\\\x41");
}
END_TEST

START_TEST(every_octet)
{
    unsigned c;
    char want[8];

    for (c = 0; c < 256; c++) {
        unsigned char o = (unsigned char)c;

        if (c == '\\')
            strcpy(want, "\\\\");
        else if (c >= 0x20 && c <= 0x7e)
            snprintf(want, sizeof(want), "%c", c);
        else
            snprintf(want, sizeof(want), "\\x%02x", c);
        ck_assert_str_eq(escaped(&o, 1, 0), want);
    }
}
END_TEST

/* Every octet at every position of runs of 1 to 19 octets, with and
   without ESC_QUOTE (the escaper copies runs of plain octets in words, and
   the last word may overlap the one before it). */
START_TEST(every_octet_in_runs)
{
    unsigned c, pos, len, quote;
    unsigned char in[19];
    char want[19 * 4 + 1], one[8];

    for (quote = 0; quote < 2; quote++)
        for (len = 1; len <= sizeof(in); len++)
            for (c = 0; c < 256; c++) {
                for (pos = 0; pos < len; pos++) {
                    size_t i;

                    memset(in, 'a', sizeof(in));
                    in[pos] = (unsigned char)c;
                    want[0] = '\0';
                    for (i = 0; i < len; i++) {
                        if (in[i] == '\\')
                            strcpy(one, "\\\\");
                        else if (in[i] >= 0x20 && in[i] <= 0x7e && !(quote && in[i] == '"'))
                            snprintf(one, sizeof(one), "%c", in[i]);
                        else
                            snprintf(one, sizeof(one), "\\x%02x", in[i]);
                        strcat(want, one);
                    }
                    ck_assert_str_eq(escaped(in, len, quote ? ESC_QUOTE : 0), want);
                }
            }
}
END_TEST

START_TEST(cr_lf_nul_high)
{
    ck_assert_str_eq(escaped("a\r\nb\0\xff\x7f", 7, 0), "a\\x0d\\x0ab\\x00\\xff\\x7f");
}
END_TEST

START_TEST(flags)
{
    ck_assert_str_eq(escaped("a\"b,c", 5, 0), "a\"b,c");
    ck_assert_str_eq(escaped("a\"b,c", 5, ESC_QUOTE), "a\\x22b,c");
    ck_assert_str_eq(escaped("a\"b,c", 5, ESC_COMMA), "a\"b\\x2cc");
    ck_assert_str_eq(escaped("a\"b,c", 5, ESC_QUOTE | ESC_COMMA), "a\\x22b\\x2cc");
}
END_TEST

START_TEST(appends)
{
    struct sbuf b = SBUF_INIT;

    sbuf_puts(&b, "k=");
    esc_octets(&b, (const unsigned char *)"\n", 1, 0);
    esc_json(&b, "\"", 1);
    ck_assert_str_eq(sbuf_cstr(&b), "k=\\x0a\\\"");
    sbuf_free(&b);
}
END_TEST

/* sbuf_put_uint/sbuf_put_int write what printf's %llu/%lld write. */
START_TEST(decimal_as_printf_writes_it)
{
    static const unsigned long long u[] = {0, 9, 10, 99, 100, 4294967295ull, 18446744073709551615ull};
    static const long long s[] = {0, -1, 1, -10, 2147483647ll, -2147483648ll,
                                  9223372036854775807ll, -9223372036854775807ll - 1};
    struct sbuf b = SBUF_INIT;
    char want[32];
    size_t i;

    for (i = 0; i < sizeof u / sizeof u[0]; i++) {
        sbuf_reset(&b);
        sbuf_puts(&b, "n=");
        sbuf_put_uint(&b, u[i]);
        snprintf(want, sizeof want, "n=%llu", u[i]);
        ck_assert_str_eq(sbuf_cstr(&b), want);
    }
    for (i = 0; i < sizeof s / sizeof s[0]; i++) {
        sbuf_reset(&b);
        sbuf_put_int(&b, s[i]);
        snprintf(want, sizeof want, "%lld", s[i]);
        ck_assert_str_eq(sbuf_cstr(&b), want);
    }
    sbuf_free(&b);
}
END_TEST

/* An sbuf on the caller's array keeps its content when a line outgrows the
   array (it moves to the heap) and never frees the array (ASan would see
   a free of the stack). */
START_TEST(sbuf_on_an_array_moves_to_the_heap)
{
    char mem[16], want[96];
    struct sbuf b = SBUF_ON(mem);
    int i;

    ck_assert_str_eq(sbuf_cstr(&b), "");
    sbuf_puts(&b, "0123456789");
    ck_assert_ptr_eq(b.buf, mem);
    ck_assert_str_eq(sbuf_cstr(&b), "0123456789");
    sbuf_putc(&b, 'a');
    sbuf_puts(&b, "bcd"); /* 14 octets and the NUL: still in the array */
    ck_assert_ptr_eq(b.buf, mem);
    sbuf_putc(&b, 'e'); /* 15 and the NUL fill it */
    ck_assert_ptr_eq(b.buf, mem);
    sbuf_putc(&b, 'f'); /* one more moves it */
    ck_assert_ptr_ne(b.buf, mem);
    ck_assert_str_eq(sbuf_cstr(&b), "0123456789abcdef");
    for (i = 0; i < 4; i++)
        sbuf_puts(&b, "0123456789abcdef");
    strcpy(want, "0123456789abcdef");
    for (i = 0; i < 4; i++)
        strcat(want, "0123456789abcdef");
    ck_assert_str_eq(sbuf_cstr(&b), want);
    ck_assert_uint_eq(b.len, strlen(want));
    sbuf_free(&b);
    /* freed, it is an empty heap sbuf that works again */
    sbuf_puts(&b, "x");
    ck_assert_str_eq(sbuf_cstr(&b), "x");
    sbuf_free(&b);
    {
        char small[4];
        struct sbuf c = SBUF_ON(small);
        sbuf_free(&c); /* never used: nothing to free */
    }
}
END_TEST

START_TEST(json_escaping)
{
    struct sbuf b = SBUF_INIT;

    esc_json(&b, "a\"b\\c d", 7);
    ck_assert_str_eq(sbuf_cstr(&b), "a\\\"b\\\\c d");
    sbuf_reset(&b);
    esc_json(&b, "\n\x01\x1f", 3);
    ck_assert_str_eq(sbuf_cstr(&b), "\\u000a\\u0001\\u001f");
    sbuf_reset(&b);
    esc_json(&b, "", 0);
    ck_assert_str_eq(sbuf_cstr(&b), "");
    sbuf_free(&b);
}
END_TEST

/* The word-at-a-time path gives what JSON's rule gives octet by octet: a
 * quote, a backslash or an octet below 0x20 (escaped as \u00XX) at every
 * place of inputs of 1 to 24 octets, among octets 0x20-0xff. */
static size_t json_reference(char *out, const unsigned char *s, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            out[o++] = '\\';
            out[o++] = (char)s[i];
        } else if (s[i] < 0x20) {
            o += (size_t)sprintf(out + o, "\\u%04x", s[i]);
        } else {
            out[o++] = (char)s[i];
        }
    }
    return o;
}

START_TEST(json_escaping_every_place)
{
    static const unsigned char specials[] = { '"', '\\', 0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xff };
    unsigned char in[24];
    char want[24 * 6 + 1], got[24 * 6 + 1];

    for (size_t n = 1; n <= sizeof(in); n++)
        for (size_t at = 0; at < n; at++)
            for (size_t k = 0; k < sizeof(specials); k++) {
                for (size_t i = 0; i < n; i++)
                    in[i] = (unsigned char)('a' + (i * 7 + k) % 26) | (i % 5 == 4 ? 0x80 : 0);
                in[at] = specials[k];
                size_t wn = json_reference(want, in, n);
                size_t gn = esc_json_to(got, (const char *)in, n);

                ck_assert_msg(gn == wn && memcmp(got, want, wn) == 0,
                              "%zu octets, 0x%02x at %zu", n, specials[k], at);
            }
}
END_TEST

/* 2015-04-28 21:25:42 UTC, as seconds since the epoch. */
static time_t seed_second(void)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = 2015 - 1900;
    tm.tm_mon = 4 - 1;
    tm.tm_mday = 28;
    tm.tm_hour = 21;
    tm.tm_min = 25;
    tm.tm_sec = 42;
    return timegm(&tm);
}

START_TEST(text_utc)
{
    struct timeval tv = { seed_second(), 104666 };
    char out[32];

    emg_ts_text(out, &tv, 1);
    ck_assert_str_eq(out, "2015-04-28 21:25:42.104666");
    ck_assert_uint_eq(strlen(out), 26);
    tv.tv_usec = 5; /* same second, from the cache */
    emg_ts_text(out, &tv, 1);
    ck_assert_str_eq(out, "2015-04-28 21:25:42.000005");
    tv.tv_sec += 18;
    tv.tv_usec = 999999;
    emg_ts_text(out, &tv, 1);
    ck_assert_str_eq(out, "2015-04-28 21:26:00.999999");
}
END_TEST

START_TEST(text_local_and_switch)
{
    struct timeval tv = { seed_second(), 104666 };
    char out[32];

    setenv("TZ", "XXX-2", 1); /* POSIX: two hours east of UTC */
    tzset();
    emg_ts_text(out, &tv, 1);
    ck_assert_str_eq(out, "2015-04-28 21:25:42.104666");
    emg_ts_text(out, &tv, 0); /* same second, other flavour */
    ck_assert_str_eq(out, "2015-04-28 23:25:42.104666");
    emg_ts_text(out, &tv, 1);
    ck_assert_str_eq(out, "2015-04-28 21:25:42.104666");
}
END_TEST

START_TEST(iso)
{
    struct timeval tv = { seed_second(), 104666 };
    char out[40];

    setenv("TZ", "XXX-2", 1);
    tzset();
    emg_ts_iso(out, &tv, 0);
    ck_assert_str_eq(out, "2015-04-28T23:25:42.104666+02:00");
    emg_ts_iso(out, &tv, 1);
    ck_assert_str_eq(out, "2015-04-28T21:25:42.104666+00:00");
    setenv("TZ", "YYY+5:30", 1); /* five and a half hours west */
    tzset();
    tv.tv_sec += 1;
    emg_ts_iso(out, &tv, 0);
    ck_assert_str_eq(out, "2015-04-28T15:55:43.104666-05:30");
}
END_TEST

START_TEST(out_of_range_year_does_not_overrun)
{
    struct timeval tv = { (time_t)1 << 60, 1 };
    char out[32];
    char iso_out[40];

    emg_ts_text(out, &tv, 1);
    ck_assert_uint_eq(strlen(out), 26);
    emg_ts_iso(iso_out, &tv, 1);
    ck_assert_uint_eq(strlen(iso_out), 32);
}
END_TEST

static Suite *escape_suite(void)
{
    Suite *s = suite_create("escape+timefmt");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, printable_as_is);
    tcase_add_test(tc, backslash_doubled);
    tcase_add_test(tc, every_octet);
    tcase_add_test(tc, every_octet_in_runs);
    tcase_add_test(tc, cr_lf_nul_high);
    tcase_add_test(tc, flags);
    tcase_add_test(tc, appends);
    tcase_add_test(tc, decimal_as_printf_writes_it);
    tcase_add_test(tc, sbuf_on_an_array_moves_to_the_heap);
    tcase_add_test(tc, json_escaping);
    tcase_add_test(tc, text_utc);
    tcase_add_test(tc, text_local_and_switch);
    tcase_add_test(tc, iso);
    tcase_add_test(tc, out_of_range_year_does_not_overrun);
    tcase_add_test(tc, json_escaping_every_place);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(escape_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
