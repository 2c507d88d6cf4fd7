/*
 * db_linekey.c: the line key (see db_linekey.h; the definition is in
 * docs/database.md).
 *
 * Each part is absorbed as its length and then its octets, eight at a
 * time as little-endian words (the last word padded with zero octets), so
 * that ("ab", "c") and ("a", "bc") differ.  A word w is absorbed as
 *   h = rotl64(h ^ (w * K1), 29) * K2
 * and the result is h ^ total length, mixed by the 64-bit finaliser
 * (xor-shift 33, multiply, xor-shift 33, multiply, xor-shift 33).  The
 * constants are the usual odd ones: K1 the golden ratio's 2^64 fraction,
 * K2 and the finaliser's from MurmurHash3.
 */
#include "db_linekey.h"

#include <string.h>

#define K1 0x9e3779b97f4a7c15ull
#define K2 0xc2b2ae3d27d4eb4full
#define SEED 0x656d676469616721ull /* "emgdiag!" read as a big-endian word */

static inline uint64_t rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

static inline uint64_t absorb(uint64_t h, uint64_t w)
{
    return rotl(h ^ (w * K1), 29) * K2;
}

static inline uint64_t load_le(const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

static uint64_t absorb_part(uint64_t h, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char tail[8] = { 0 };

    h = absorb(h, (uint64_t)n);
    for (; n >= 8; p += 8, n -= 8)
        h = absorb(h, load_le(p));
    if (n > 0) {
        memcpy(tail, p, n);
        h = absorb(h, load_le(tail));
    }
    return h;
}

int64_t db_line_key(const char *node, size_t node_len, const char *connector,
                    size_t connector_len, const char *line, size_t line_len)
{
    uint64_t h = SEED;

    h = absorb_part(h, node, node_len);
    h = absorb_part(h, connector, connector_len);
    h = absorb_part(h, line, line_len);
    h ^= (uint64_t)node_len + connector_len + line_len;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (int64_t)h;
}
