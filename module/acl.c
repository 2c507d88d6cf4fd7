/*
 * acl.c: parsing of access-list addresses and first-match lookup.
 *
 * Rules come from an operator's XML file and peers from the network, so both
 * parsers accept only what the documented syntax allows and say precisely
 * what is wrong otherwise (a host name, a leading zero that other tools read
 * as octal, a prefix with host bits set, a zone id, an IPv4-mapped rule...).
 * IPv4 is parsed here by hand, strictly; IPv6 is left to inet_pton(3).
 * Matching compares masked octets, so IPv4 and IPv6 share one code path.
 */
#include "acl.h"

#include "alloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Longest text worth looking at: an IPv6 address with an embedded IPv4 tail
 * (45 characters) plus "/128", with room to spare. */
#define ACL_TEXT_MAX 96

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int parse_ipv4_strict(const char *s, size_t len, uint8_t out[4], char *err, size_t errlen);
static int parse_prefix(const char *s, int max, int *prefix, char *err, size_t errlen);
static int looks_like_host_name(const char *s, size_t len);
static void make_mask(uint8_t mask[16], int prefix);
static int is_mapped(const uint8_t a[16]);

int acl_parse_rule(const char *text, struct acl_rule *out, char *err, size_t errlen)
{
    char buf[ACL_TEXT_MAX];
    size_t len, addr_len;
    const char *slash;
    int max_prefix, prefix, i;

    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0') {
        snprintf(err, errlen, "empty address");
        return -1;
    }
    len = strlen(text);
    for (i = 0; (size_t)i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isspace(c)) {
            snprintf(err, errlen, "white space inside the address");
            return -1;
        }
        if (c < 0x20 || c > 0x7e) {
            snprintf(err, errlen, "invalid character in the address");
            return -1;
        }
    }
    slash = strchr(text, '/');
    addr_len = slash ? (size_t)(slash - text) : len;
    if (slash && strchr(slash + 1, '/')) {
        snprintf(err, errlen, "more than one '/'");
        return -1;
    }
    if (addr_len == 0) {
        snprintf(err, errlen, "missing address before '/'");
        return -1;
    }
    if (memchr(text, '%', addr_len)) {
        snprintf(err, errlen, "zone id ('%%...') not allowed in a rule");
        return -1;
    }
    if (memchr(text, ':', addr_len)) {
        if (addr_len >= sizeof(buf)) {
            snprintf(err, errlen, "not a valid IPv6 address (too long)");
            return -1;
        }
        memcpy(buf, text, addr_len);
        buf[addr_len] = '\0';
        if (inet_pton(AF_INET6, buf, out->addr) != 1) {
            snprintf(err, errlen, "not a valid IPv6 address");
            return -1;
        }
        if (is_mapped(out->addr)) {
            snprintf(err, errlen,
                     "IPv4-mapped IPv6 address not allowed in a rule (write the IPv4 form, "
                     "e.g. %u.%u.%u.%u)",
                     out->addr[12], out->addr[13], out->addr[14], out->addr[15]);
            return -1;
        }
        out->family = AF_INET6;
        max_prefix = 128;
    } else if (strspn(text, "0123456789.") >= addr_len) {
        if (parse_ipv4_strict(text, addr_len, out->addr, err, errlen) != 0)
            return -1;
        out->family = AF_INET;
        max_prefix = 32;
    } else if (looks_like_host_name(text, addr_len)) {
        snprintf(err, errlen, "host name, not an IP address (write the address)");
        return -1;
    } else {
        snprintf(err, errlen, "not an IPv4 or IPv6 address");
        return -1;
    }

    prefix = max_prefix;
    if (slash && parse_prefix(slash + 1, max_prefix, &prefix, err, errlen) != 0)
        return -1;
    out->prefix = prefix;
    make_mask(out->mask, prefix);
    for (i = 0; i < 16; i++) {
        if (out->addr[i] & (uint8_t)~out->mask[i]) {
            struct acl_rule block = *out;
            char canon[ACL_TEXT_MAX];
            int k;
            for (k = 0; k < 16; k++)
                block.addr[k] &= block.mask[k];
            acl_rule_format(&block, canon, sizeof(canon));
            snprintf(err, errlen, "host bits set beyond /%d (the block is %s)", prefix, canon);
            return -1;
        }
    }
    return 0;
}

int acl_parse_peer(const char *text, struct acl_peer *out)
{
    char buf[ACL_TEXT_MAX];
    char ignored[8];
    size_t len;
    const char *zone;

    memset(out, 0, sizeof(*out));
    if (text == NULL)
        return -1;
    len = strlen(text);
    if (len == 0 || len >= sizeof(buf))
        return -1;
    if (strchr(text, ':')) {
        zone = strchr(text, '%');
        if (zone) {
            if (zone[1] == '\0')
                return -1;
            len = (size_t)(zone - text);
        }
        memcpy(buf, text, len);
        buf[len] = '\0';
        if (inet_pton(AF_INET6, buf, out->addr) != 1)
            return -1;
        if (is_mapped(out->addr)) {
            memmove(out->addr, out->addr + 12, 4);
            memset(out->addr + 4, 0, 12);
            out->family = AF_INET;
        } else {
            out->family = AF_INET6;
        }
        return 0;
    }
    if (strspn(text, "0123456789.") != len)
        return -1;
    if (parse_ipv4_strict(text, len, out->addr, ignored, sizeof(ignored)) != 0)
        return -1;
    out->family = AF_INET;
    return 0;
}

int acl_rule_match(const struct acl_rule *rule, const struct acl_peer *peer)
{
    int i, n;

    if (rule->family != peer->family)
        return 0;
    n = rule->family == AF_INET ? 4 : 16;
    for (i = 0; i < n; i++) {
        if ((peer->addr[i] & rule->mask[i]) != rule->addr[i])
            return 0;
    }
    return 1;
}

void acl_list_init(struct acl_list *list)
{
    memset(list, 0, sizeof(*list));
}

int acl_list_add(struct acl_list *list, const struct acl_rule *rule)
{
    struct acl_rule **arr = rule->family == AF_INET ? &list->v4 : &list->v6;
    size_t *n = rule->family == AF_INET ? &list->n_v4 : &list->n_v6;
    struct acl_rule *grown = emg_realloc(*arr, (*n + 1) * sizeof(**arr));

    if (grown == NULL)
        return -1;
    grown[*n] = *rule;
    *arr = grown;
    (*n)++;
    return 0;
}

const struct acl_rule *acl_list_match(const struct acl_list *list, const struct acl_peer *peer)
{
    const struct acl_rule *arr = peer->family == AF_INET ? list->v4 : list->v6;
    size_t n = peer->family == AF_INET ? list->n_v4 : list->n_v6;
    size_t i;

    for (i = 0; i < n; i++) {
        if (acl_rule_match(&arr[i], peer))
            return &arr[i];
    }
    return NULL;
}

void acl_list_free(struct acl_list *list)
{
    emg_free(list->v4);
    emg_free(list->v6);
    acl_list_init(list);
}

void acl_rule_format(const struct acl_rule *rule, char *buf, size_t buflen)
{
    char text[INET6_ADDRSTRLEN];

    if (inet_ntop(rule->family, rule->addr, text, sizeof(text)) == NULL)
        snprintf(text, sizeof(text), "?");
    snprintf(buf, buflen, "%s/%d", text, rule->prefix);
}

/* Four dot-separated decimal numbers 0..255, each without a leading zero.
 * `s` holds only digits and dots (the caller checked). */
static int parse_ipv4_strict(const char *s, size_t len, uint8_t out[4], char *err, size_t errlen)
{
    size_t pos = 0;
    int part;

    for (part = 0; part < 4; part++) {
        size_t start = pos, digits;
        unsigned value = 0;

        while (pos < len && s[pos] != '.')
            pos++;
        digits = pos - start;
        if (digits == 0) {
            snprintf(err, errlen, "not four dotted decimal numbers");
            return -1;
        }
        if (digits > 1 && s[start] == '0') {
            snprintf(err, errlen,
                     "leading zero in IPv4 number \"%.*s\" (other tools read it as octal)",
                     (int)(digits > 8 ? 8 : digits), s + start);
            return -1;
        }
        if (digits > 3) {
            snprintf(err, errlen, "IPv4 number \"%.*s\" out of range 0-255",
                     (int)(digits > 8 ? 8 : digits), s + start);
            return -1;
        }
        for (size_t k = start; k < pos; k++)
            value = value * 10 + (unsigned)(s[k] - '0');
        if (value > 255) {
            snprintf(err, errlen, "IPv4 number \"%u\" out of range 0-255", value);
            return -1;
        }
        out[part] = (uint8_t)value;
        if (part < 3) {
            if (pos >= len) {
                snprintf(err, errlen, "not four dotted decimal numbers");
                return -1;
            }
            pos++; /* the dot */
        }
    }
    if (pos != len) {
        snprintf(err, errlen, "not four dotted decimal numbers");
        return -1;
    }
    return 0;
}

static int parse_prefix(const char *s, int max, int *prefix, char *err, size_t errlen)
{
    size_t digits = strspn(s, "0123456789");
    int value = 0;

    if (s[0] == '\0') {
        snprintf(err, errlen, "missing prefix length after '/'");
        return -1;
    }
    if (s[digits] != '\0') {
        snprintf(err, errlen, "prefix length must be plain decimal digits");
        return -1;
    }
    if (digits > 1 && s[0] == '0') {
        snprintf(err, errlen, "leading zero in prefix length");
        return -1;
    }
    if (digits > 3) {
        snprintf(err, errlen, "prefix length out of range 0-%d", max);
        return -1;
    }
    for (size_t k = 0; k < digits; k++)
        value = value * 10 + (s[k] - '0');
    if (value > max) {
        snprintf(err, errlen, "prefix length %d out of range 0-%d", value, max);
        return -1;
    }
    *prefix = value;
    return 0;
}

/* Letters, digits, '-' and '.', with at least one letter: a DNS name. */
static int looks_like_host_name(const char *s, size_t len)
{
    int letter = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c))
            letter = 1;
        else if (!isdigit(c) && c != '-' && c != '.')
            return 0;
    }
    return letter;
}

static void make_mask(uint8_t mask[16], int prefix)
{
    int i;

    memset(mask, 0, 16);
    for (i = 0; i < 16 && prefix > 0; i++, prefix -= 8)
        mask[i] = prefix >= 8 ? 0xff : (uint8_t)(0xff << (8 - prefix));
}

static int is_mapped(const uint8_t a[16])
{
    return memcmp(a, mapped_prefix, sizeof(mapped_prefix)) == 0;
}
