/*
 * abi_driver.h: what the module's tests and benchmarks need to drive it
 * through the hook ABI as a host does: PDUs built octet by octet, and
 * sessions opened with the information a host gives.  Header only (static
 * inline), so each program takes what it uses.
 */
#ifndef EMGDIAG_ABI_DRIVER_H
#define EMGDIAG_ABI_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emgdiag_hook.h"

/* A PDU into out: the 16-octet header (command_length from blen) and the
 * body's octets as given.  Returns its length. */
static inline size_t abi_pdu(unsigned char *out, uint32_t id, uint32_t status, uint32_t seq,
                             const void *body, size_t blen)
{
    uint32_t v[4] = { (uint32_t)(16 + blen), id, status, seq };
    int i;

    for (i = 0; i < 4; i++) {
        out[i * 4] = (unsigned char)(v[i] >> 24);
        out[i * 4 + 1] = (unsigned char)(v[i] >> 16);
        out[i * 4 + 2] = (unsigned char)(v[i] >> 8);
        out[i * 4 + 3] = (unsigned char)v[i];
    }
    if (blen > 0)
        memcpy(out + 16, body, blen);
    return 16 + blen;
}

/* A session as a host opens it (port 2775). */
static inline struct emgdiag_session *abi_session_open(const struct emgdiag_module *m, int role,
                                                       const char *id, int instance,
                                                       const char *peer)
{
    struct emgdiag_session_info si;

    memset(&si, 0, sizeof(si));
    si.size = sizeof(si);
    si.role = role;
    si.kannel_id = id;
    si.instance = instance;
    si.host = peer;
    si.port = 2775;
    return m->session_open(&si);
}

#endif
