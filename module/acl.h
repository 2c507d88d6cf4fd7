/*
 * acl: IP address rules and the first-match decision over a list of them.
 *
 * The XML loader turns every `address="..."` of an access list into a
 * struct acl_rule here, and the gateway hooks ask which rule, if any, a
 * client's address matches.  The rule syntax is deliberately narrow so that
 * one written address means one thing everywhere: IPv4 as four dotted decimal
 * numbers without leading zeros, IPv6 as inet_pton(3) reads it without a zone
 * id, an optional "/prefix" in plain digits with no host bits set, and never
 * an IPv4-mapped IPv6 address (write the IPv4 form).  A client arriving as an
 * IPv4-mapped IPv6 address is turned into IPv4 before matching, so only IPv4
 * rules can match it.  This file has no libxml2 dependency, and nothing in it
 * keeps state: a loaded list is read-only and may be matched from any thread.
 */
#ifndef EMGDIAG_ACL_H
#define EMGDIAG_ACL_H

#include <stddef.h>
#include <stdint.h>

enum acl_action { ACL_DENY = 0, ACL_ALLOW = 1 };

/* One rule, normalised: `addr` already has its host bits clear. */
struct acl_rule {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network order; IPv4 uses the first 4 octets */
    uint8_t mask[16]; /* `prefix` leading one bits */
    int prefix;       /* 0..32 or 0..128 */
    int action;       /* enum acl_action */
    const char *file; /* where the rule was written; not owned */
    int line;
};

/* Rules of one list, kept apart by family; each array is in document order,
 * so "first match wins" holds within the only family a peer can match. */
struct acl_list {
    struct acl_rule *v4;
    size_t n_v4;
    struct acl_rule *v6;
    size_t n_v6;
};

/* A client address, IPv4-mapped IPv6 already converted to IPv4. */
struct acl_peer {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
};

/* Parse a rule address ("192.0.2.0/24", "2001:db8::1").  Fills `out` except
 * action/file/line and returns 0; on a bad form returns -1 with a message
 * (without the quoted value) in `err`. */
int acl_parse_rule(const char *text, struct acl_rule *out, char *err, size_t errlen);

/* Parse an address as a client arrives with it: IPv4, IPv6 (a "%zone"
 * suffix is ignored), or IPv4-mapped IPv6 (converted to IPv4).  No prefix.
 * Returns 0, or -1 when it is not an address. */
int acl_parse_peer(const char *text, struct acl_peer *out);

/* 1 when `peer` lies inside `rule`'s block. */
int acl_rule_match(const struct acl_rule *rule, const struct acl_peer *peer);

void acl_list_init(struct acl_list *list);
/* Append a copy of `rule` to the array of its family; 0, or -1 out of memory. */
int acl_list_add(struct acl_list *list, const struct acl_rule *rule);
/* The first rule matching `peer`, or NULL. */
const struct acl_rule *acl_list_match(const struct acl_list *list, const struct acl_peer *peer);
void acl_list_free(struct acl_list *list);

/* Write a rule's block back in canonical text ("192.0.2.0/24"); for messages. */
void acl_rule_format(const struct acl_rule *rule, char *buf, size_t buflen);

#endif
