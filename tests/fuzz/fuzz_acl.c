/*
 * fuzz_acl: libFuzzer target for the access-list address parsers.
 *
 * The input, cut at its first NUL, is parsed both as a rule (operator XML)
 * and as a peer (network), and whatever parses is matched against itself
 * and the other, so parsing, masking and matching all see hostile text.
 * Properties checked: a parsed rule has no host bits set, its prefix fits
 * its family, and it matches its own network address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct acl_rule rule;
    struct acl_peer peer, self;
    struct acl_list list;
    char err[160], canon[96];
    int rule_ok, peer_ok;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rule_ok = acl_parse_rule(text, &rule, err, sizeof(err)) == 0;
    peer_ok = acl_parse_peer(text, &peer) == 0;
    if (rule_ok) {
        int n = rule.family == AF_INET ? 4 : 16;
        if (rule.prefix < 0 || rule.prefix > n * 8)
            abort();
        for (int i = 0; i < 16; i++) {
            if (rule.addr[i] & (uint8_t)~rule.mask[i])
                abort();
        }
        self.family = rule.family;
        memcpy(self.addr, rule.addr, sizeof(self.addr));
        if (!acl_rule_match(&rule, &self))
            abort();
        acl_rule_format(&rule, canon, sizeof(canon));
        rule.action = ACL_ALLOW;
        rule.file = "fuzz";
        rule.line = 1;
        acl_list_init(&list);
        if (acl_list_add(&list, &rule) == 0 && peer_ok)
            (void)acl_list_match(&list, &peer);
        acl_list_free(&list);
    } else if (memchr(err, '\0', sizeof(err)) == NULL) {
        abort();
    }
    free(text);
    return 0;
}
