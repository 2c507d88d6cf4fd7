/*
 * name_index: a hash index from strings to positions in an array.
 *
 * The configuration keeps its connectors and users in arrays in document
 * order; an index over each array answers "which entry has this name" in
 * constant time, which the loader needs for its duplicate checks (one per
 * element: a linear scan each would make loading quadratic in the file's
 * size) and the gateway needs on every bind and every PDU.  The index does
 * not own its keys: each points into the entry it stands for and must live
 * as long as the index.  Once built it is only read, so any number of
 * threads may look up at once.
 */
#ifndef EMGDIAG_NAME_INDEX_H
#define EMGDIAG_NAME_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct name_slot {
    const char *key; /* NULL: empty slot */
    uint32_t hash;   /* of key: compared before the key, kept for growing */
    uint32_t pos;
};

struct name_index {
    struct name_slot *slots;
    size_t cap; /* 0 or a power of two */
    size_t n;
};

#define NAME_INDEX_NONE ((size_t)-1)

void name_index_init(struct name_index *ix);
void name_index_free(struct name_index *ix);
/* Adds `key` (NUL-terminated, not copied) at `pos` (below UINT32_MAX).  A
 * key already present keeps its first position.  0, or -1 when out of
 * memory or `pos` is too large (the index is unchanged then). */
int name_index_add(struct name_index *ix, const char *key, size_t pos);
/* The position stored for `key`, or NAME_INDEX_NONE. */
size_t name_index_find(const struct name_index *ix, const char *key);

#endif
