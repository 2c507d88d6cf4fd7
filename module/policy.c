/*
 * policy.c: access decisions over the loaded lists (see policy.h).
 *
 * First match wins within the peer's address family (acl.c keeps the
 * families apart); every decision names what decided it, so the security
 * log can say which line of which file refused a client.
 */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"

static int decide(int verdict, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int decide(int verdict, char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return verdict;
}

int emg_access_connect(const struct emg_connector *c, const char *peer, char *why, size_t whylen)
{
    struct acl_peer addr;
    const struct acl_rule *rule;

    if (acl_parse_peer(peer, &addr) != 0)
        return decide(0, why, whylen, "bad address");
    if (c == NULL || !c->has_access)
        return decide(1, why, whylen, "no access list");
    rule = acl_list_match(&c->access, &addr);
    if (rule == NULL)
        return decide(0, why, whylen, "no match");
    return decide(rule->action == ACL_ALLOW, why, whylen, "%s:%d", rule->file, rule->line);
}

int emg_access_login(const struct emg_config *cfg, const struct emg_connector *c,
                     const char *system_id, const char *peer, char *why, size_t whylen)
{
    struct acl_peer addr;
    const struct emg_user *user;

    if (acl_parse_peer(peer, &addr) != 0)
        return decide(0, why, whylen, "bad address");
    user = emg_config_user(cfg, system_id);
    if (user == NULL) {
        if (cfg != NULL && cfg->users_default_deny)
            return decide(0, why, whylen, "%s:%d", cfg->file, cfg->users_line);
        return decide(1, why, whylen, "user not listed");
    }
    for (size_t i = 0; i < user->n_allows; i++) {
        const struct emg_user_allow *entry = &user->allows[i];
        if (entry->connector != NULL && (c == NULL || strcmp(entry->connector, c->name) != 0))
            continue;
        if (acl_rule_match(&entry->rule, &addr))
            return decide(1, why, whylen, "%s:%d", entry->rule.file, entry->rule.line);
    }
    return decide(0, why, whylen, "no match");
}
