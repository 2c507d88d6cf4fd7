/*
 * policy: the access decisions of incoming connectors, made over a loaded
 * configuration (config.h) with the address rules of acl.h.
 *
 * The loader turns the XML into lists; this file answers the two questions
 * the gateway asks of them: may this client connect to this connector, and
 * may this system_id bind from this address.  Nothing here keeps state, so
 * any thread may ask at any time of any configuration snapshot.
 */
#ifndef EMGDIAG_POLICY_H
#define EMGDIAG_POLICY_H

#include <stddef.h>

#include "config.h"

/* Access decisions.  `peer` is a textual address as a client arrives (IPv4,
 * IPv6, IPv4-mapped IPv6).  Return 1 allow / 0 deny; `why` gets "FILE:LINE"
 * of the deciding rule, or "no match", or "no access list" / "user not
 * listed" when nothing restricts; a peer that does not parse is denied with
 * "bad address".  A user not listed under <users default="deny"> is denied
 * with the FILE:LINE of that <users> element.  `c` may be NULL (a Kannel
 * connector the XML does not name): no connect restriction, and only
 * connector="*" entries apply at login. */
int emg_access_connect(const struct emg_connector *c, const char *peer, char *why, size_t whylen);
int emg_access_login(const struct emg_config *cfg, const struct emg_connector *c,
                     const char *system_id, const char *peer, char *why, size_t whylen);

#endif
