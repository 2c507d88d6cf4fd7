/*
 * check_acl: unit tests of module/acl.c, the address rules and matching.
 *
 * Expected blocks are written here as octets by hand from the documented
 * syntax (docs/access-control.md), never taken from the parser's output:
 * every valid and invalid rule form, /0, /32, /128, first and last address
 * of a block and its neighbours outside, IPv4-mapped peers, rule order,
 * empty lists.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "acl.h"

/* ---- helpers ---- */

static struct acl_rule rule_of(const char *text, int action, int line)
{
    struct acl_rule r;
    char err[160] = "";

    ck_assert_msg(acl_parse_rule(text, &r, err, sizeof(err)) == 0, "rule \"%s\" rejected: %s", text,
                  err);
    r.action = action;
    r.file = "t.xml";
    r.line = line;
    return r;
}

static struct acl_peer peer_of(const char *text)
{
    struct acl_peer p;

    ck_assert_msg(acl_parse_peer(text, &p) == 0, "peer \"%s\" rejected", text);
    return p;
}

static int matches(const char *rule_text, const char *peer_text)
{
    struct acl_rule r = rule_of(rule_text, ACL_ALLOW, 1);
    struct acl_peer p = peer_of(peer_text);
    return acl_rule_match(&r, &p);
}

/* ---- valid rules, normalised form ---- */

static const struct {
    const char *text;
    int family;
    int prefix;
    uint8_t addr[16];
    uint8_t mask[16];
} valid_rules[] = {
    { "0.0.0.0/0", AF_INET, 0, { 0 }, { 0 } },
    { "192.0.2.0/24", AF_INET, 24, { 192, 0, 2, 0 }, { 255, 255, 255, 0 } },
    { "192.0.2.66", AF_INET, 32, { 192, 0, 2, 66 }, { 255, 255, 255, 255 } },
    { "10.0.0.0/20", AF_INET, 20, { 10, 0, 0, 0 }, { 255, 255, 240, 0 } },
    { "255.255.255.255/32", AF_INET, 32, { 255, 255, 255, 255 }, { 255, 255, 255, 255 } },
    { "0.0.0.0", AF_INET, 32, { 0 }, { 255, 255, 255, 255 } },
    { "128.0.0.0/1", AF_INET, 1, { 128 }, { 128 } },
    { "::/0", AF_INET6, 0, { 0 }, { 0 } },
    { "::1",
      AF_INET6,
      128,
      { [15] = 1 },
      { 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 } },
    { "2001:db8::/32", AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 }, { 255, 255, 255, 255 } },
    { "2001:DB8:0:0:0:0:0:1/128",
      AF_INET6,
      128,
      { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
      { 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 } },
    { "2001:db8:8000::/33",
      AF_INET6,
      33,
      { 0x20, 0x01, 0x0d, 0xb8, 0x80 },
      { 255, 255, 255, 255, 0x80 } },
    { "::192.0.2.1",
      AF_INET6,
      128,
      { [12] = 192, [13] = 0, [14] = 2, [15] = 1 },
      { 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 } },
};

START_TEST(test_valid_rule)
{
    struct acl_rule r;
    char err[160] = "";
    const char *text = valid_rules[_i].text;

    ck_assert_msg(acl_parse_rule(text, &r, err, sizeof(err)) == 0, "\"%s\": %s", text, err);
    ck_assert_int_eq(r.family, valid_rules[_i].family);
    ck_assert_int_eq(r.prefix, valid_rules[_i].prefix);
    ck_assert_msg(memcmp(r.addr, valid_rules[_i].addr, 16) == 0, "address of \"%s\"", text);
    ck_assert_msg(memcmp(r.mask, valid_rules[_i].mask, 16) == 0, "mask of \"%s\"", text);
}
END_TEST

/* ---- every invalid form, with the key words of its message ---- */

static const struct {
    const char *text;
    const char *message_part;
} invalid_rules[] = {
    { "", "empty address" },
    { "010.1.2.3", "leading zero" },
    { "1.2.3.04", "leading zero" },
    { "00.1.2.3", "leading zero" },
    { "1.2.3", "four dotted" },
    { "1.2.3.4.5", "four dotted" },
    { "1..3.4", "four dotted" },
    { "1.2.3.4.", "four dotted" },
    { "256.1.1.1", "out of range 0-255" },
    { "1.2.3.1000", "out of range 0-255" },
    { "1.2.3.4/33", "prefix length 33 out of range 0-32" },
    { "::/129", "prefix length 129 out of range 0-128" },
    { "1.2.3.4/1000", "out of range" },
    { "1.2.3.4/", "missing prefix length" },
    { "1.2.3.4/a", "plain decimal digits" },
    { "1.2.3.4/+8", "plain decimal digits" },
    { "1.2.3.4/-1", "plain decimal digits" },
    { "10.0.0.0/08", "leading zero in prefix" },
    { "1.2.3.4/8/8", "more than one '/'" },
    { "/24", "missing address" },
    { "192.0.2.1/24", "host bits set beyond /24 (the block is 192.0.2.0/24)" },
    { "10.0.16.0/19", "host bits set" },
    { "2001:db8::1/32", "host bits set beyond /32 (the block is 2001:db8::/32)" },
    { "fe80::1%eth0", "zone id" },
    { "fe80::%1/64", "zone id" },
    { "::ffff:192.0.2.1", "IPv4-mapped" },
    { "::ffff:c000:201", "IPv4-mapped" },
    { "::ffff:0.0.0.0/96", "IPv4-mapped" },
    { "example.com", "host name" },
    { "localhost", "host name" },
    { "gw-1.example.net/24", "host name" },
    { "2001:db8:::1", "not a valid IPv6" },
    { "2001:db8::g", "not a valid IPv6" },
    { "1.2.3.4 ", "white space" },
    { " 1.2.3.4", "white space" },
    { "1.2.3.4\n", "white space" },
    { "1.2.3.\x01", "invalid character" },
    { "1.2.3.4,5", "not an IPv4 or IPv6" },
    { "*", "not an IPv4 or IPv6" },
};

START_TEST(test_invalid_rule)
{
    struct acl_rule r;
    char err[160] = "";
    const char *text = invalid_rules[_i].text;

    ck_assert_msg(acl_parse_rule(text, &r, err, sizeof(err)) == -1, "\"%s\" accepted", text);
    ck_assert_msg(strstr(err, invalid_rules[_i].message_part) != NULL,
                  "\"%s\": message \"%s\" lacks \"%s\"", text, err, invalid_rules[_i].message_part);
}
END_TEST

START_TEST(test_null_and_long_rule)
{
    struct acl_rule r;
    char err[160];
    char long_text[300];

    ck_assert_int_eq(acl_parse_rule(NULL, &r, err, sizeof(err)), -1);
    memset(long_text, '1', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    ck_assert_int_eq(acl_parse_rule(long_text, &r, err, sizeof(err)), -1);
    memset(long_text, ':', sizeof(long_text) - 1);
    ck_assert_int_eq(acl_parse_rule(long_text, &r, err, sizeof(err)), -1);
}
END_TEST

/* ---- peers ---- */

START_TEST(test_peer_forms)
{
    struct acl_peer p;
    static const uint8_t v4[16] = { 192, 0, 2, 5 };
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };

    p = peer_of("192.0.2.5");
    ck_assert_int_eq(p.family, AF_INET);
    ck_assert(memcmp(p.addr, v4, 16) == 0);
    p = peer_of("::ffff:192.0.2.5");
    ck_assert_int_eq(p.family, AF_INET);
    ck_assert(memcmp(p.addr, v4, 16) == 0);
    p = peer_of("::FFFF:c000:0205");
    ck_assert_int_eq(p.family, AF_INET);
    ck_assert(memcmp(p.addr, v4, 16) == 0);
    p = peer_of("2001:db8::5");
    ck_assert_int_eq(p.family, AF_INET6);
    ck_assert(memcmp(p.addr, v6, 16) == 0);
    p = peer_of("fe80::1%eth0");
    ck_assert_int_eq(p.family, AF_INET6);
    ck_assert_int_eq(p.addr[0], 0xfe);
    /* IPv4-compatible (not mapped) stays IPv6 */
    p = peer_of("::192.0.2.5");
    ck_assert_int_eq(p.family, AF_INET6);
}
END_TEST

static const char *const bad_peers[] = {
    "",          "bogus",    "localhost",    "1.2.3.4/32",   "010.1.2.3", "1.2.3",
    "256.0.0.1", "fe80::1%", "1.2.3.4%eth0", "2001:db8:::1", " 1.2.3.4",  "1.2.3.4 ",
};

START_TEST(test_bad_peer)
{
    struct acl_peer p;

    ck_assert_msg(acl_parse_peer(bad_peers[_i], &p) == -1, "peer \"%s\" accepted", bad_peers[_i]);
}
END_TEST

START_TEST(test_null_peer)
{
    struct acl_peer p;

    ck_assert_int_eq(acl_parse_peer(NULL, &p), -1);
}
END_TEST

/* ---- matching ---- */

START_TEST(test_match_prefix_zero)
{
    ck_assert(matches("0.0.0.0/0", "0.0.0.0"));
    ck_assert(matches("0.0.0.0/0", "255.255.255.255"));
    ck_assert(matches("0.0.0.0/0", "::ffff:10.1.2.3"));
    ck_assert(!matches("0.0.0.0/0", "::1"));
    ck_assert(matches("::/0", "::"));
    ck_assert(matches("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    ck_assert(!matches("::/0", "10.1.2.3"));
    /* a mapped peer is IPv4: only IPv4 rules see it */
    ck_assert(!matches("::/0", "::ffff:10.1.2.3"));
}
END_TEST

START_TEST(test_match_host_rules)
{
    ck_assert(matches("192.0.2.66", "192.0.2.66"));
    ck_assert(matches("192.0.2.66/32", "192.0.2.66"));
    ck_assert(!matches("192.0.2.66", "192.0.2.67"));
    ck_assert(!matches("192.0.2.66", "192.0.2.65"));
    ck_assert(matches("2001:db8::1/128", "2001:db8::1"));
    ck_assert(matches("2001:db8::1", "2001:db8:0::1"));
    ck_assert(!matches("2001:db8::1/128", "2001:db8::2"));
    ck_assert(!matches("2001:db8::1/128", "2001:db8::"));
    ck_assert(matches("::1", "::1"));
    ck_assert(!matches("::1", "127.0.0.1"));
}
END_TEST

START_TEST(test_match_block_edges)
{
    ck_assert(matches("192.0.2.0/24", "192.0.2.0"));
    ck_assert(matches("192.0.2.0/24", "192.0.2.255"));
    ck_assert(!matches("192.0.2.0/24", "192.0.1.255"));
    ck_assert(!matches("192.0.2.0/24", "192.0.3.0"));
    ck_assert(matches("10.0.0.0/20", "10.0.15.255"));
    ck_assert(!matches("10.0.0.0/20", "10.0.16.0"));
    ck_assert(matches("2001:db8::/32", "2001:db8::"));
    ck_assert(matches("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
    ck_assert(!matches("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
    ck_assert(!matches("2001:db8::/32", "2001:db9::"));
    ck_assert(matches("2001:db8:8000::/33", "2001:db8:ffff::1"));
    ck_assert(!matches("2001:db8:8000::/33", "2001:db8:7fff::1"));
}
END_TEST

START_TEST(test_match_mapped_peer)
{
    ck_assert(matches("192.0.2.0/24", "::ffff:192.0.2.9"));
    ck_assert(matches("192.0.2.9", "::ffff:c000:209"));
    ck_assert(!matches("192.0.2.0/24", "::ffff:192.0.3.9"));
    ck_assert(!matches("::/96", "::ffff:192.0.2.9"));
}
END_TEST

START_TEST(test_list_order_and_families)
{
    struct acl_list list;
    struct acl_rule deny66 = rule_of("192.0.2.66", ACL_DENY, 3);
    struct acl_rule allow24 = rule_of("192.0.2.0/24", ACL_ALLOW, 4);
    struct acl_rule allow6 = rule_of("2001:db8::/32", ACL_ALLOW, 5);
    const struct acl_rule *hit;
    struct acl_peer p;

    acl_list_init(&list);
    p = peer_of("192.0.2.66");
    ck_assert_ptr_null(acl_list_match(&list, &p)); /* empty list: no match */
    ck_assert_int_eq(acl_list_add(&list, &deny66), 0);
    ck_assert_int_eq(acl_list_add(&list, &allow24), 0);
    ck_assert_int_eq(acl_list_add(&list, &allow6), 0);
    ck_assert_uint_eq(list.n_v4, 2);
    ck_assert_uint_eq(list.n_v6, 1);

    hit = acl_list_match(&list, &p);
    ck_assert_ptr_nonnull(hit);
    ck_assert_int_eq(hit->line, 3);
    ck_assert_int_eq(hit->action, ACL_DENY);
    p = peer_of("::ffff:192.0.2.66");
    hit = acl_list_match(&list, &p);
    ck_assert_ptr_nonnull(hit);
    ck_assert_int_eq(hit->line, 3);
    p = peer_of("192.0.2.67");
    hit = acl_list_match(&list, &p);
    ck_assert_ptr_nonnull(hit);
    ck_assert_int_eq(hit->line, 4);
    ck_assert_int_eq(hit->action, ACL_ALLOW);
    p = peer_of("2001:db8::66");
    hit = acl_list_match(&list, &p);
    ck_assert_ptr_nonnull(hit);
    ck_assert_int_eq(hit->line, 5);
    p = peer_of("198.51.100.1");
    ck_assert_ptr_null(acl_list_match(&list, &p));
    p = peer_of("2001:db9::1");
    ck_assert_ptr_null(acl_list_match(&list, &p));
    acl_list_free(&list);

    /* the other order: the broad allow comes first and wins */
    acl_list_init(&list);
    ck_assert_int_eq(acl_list_add(&list, &allow24), 0);
    ck_assert_int_eq(acl_list_add(&list, &deny66), 0);
    p = peer_of("192.0.2.66");
    hit = acl_list_match(&list, &p);
    ck_assert_ptr_nonnull(hit);
    ck_assert_int_eq(hit->line, 4);
    acl_list_free(&list);
    ck_assert_uint_eq(list.n_v4, 0);
}
END_TEST

START_TEST(test_format)
{
    struct acl_rule r = rule_of("2001:db8::/32", ACL_ALLOW, 1);
    char buf[64];

    acl_rule_format(&r, buf, sizeof(buf));
    ck_assert_str_eq(buf, "2001:db8::/32");
    r = rule_of("192.0.2.66", ACL_ALLOW, 1);
    acl_rule_format(&r, buf, sizeof(buf));
    ck_assert_str_eq(buf, "192.0.2.66/32");
}
END_TEST

static Suite *acl_suite(void)
{
    Suite *s = suite_create("acl");
    TCase *parse = tcase_create("parse");
    TCase *match = tcase_create("match");

    tcase_add_loop_test(parse, test_valid_rule, 0,
                        (int)(sizeof(valid_rules) / sizeof(valid_rules[0])));
    tcase_add_loop_test(parse, test_invalid_rule, 0,
                        (int)(sizeof(invalid_rules) / sizeof(invalid_rules[0])));
    tcase_add_test(parse, test_null_and_long_rule);
    tcase_add_test(parse, test_peer_forms);
    tcase_add_loop_test(parse, test_bad_peer, 0, (int)(sizeof(bad_peers) / sizeof(bad_peers[0])));
    tcase_add_test(parse, test_null_peer);
    tcase_add_test(parse, test_format);
    suite_add_tcase(s, parse);
    tcase_add_test(match, test_match_prefix_zero);
    tcase_add_test(match, test_match_host_rules);
    tcase_add_test(match, test_match_block_edges);
    tcase_add_test(match, test_match_mapped_peer);
    tcase_add_test(match, test_list_order_and_families);
    suite_add_tcase(s, match);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(acl_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
