/*
 * name_index.c: open addressing with linear probing over a power-of-two
 * table kept at most half full (see name_index.h).
 *
 * The hash is 64-bit FNV-1a folded to 32 bits; each slot keeps it, so a
 * probe compares keys only when the hashes agree and growing never reads a
 * key.  Keys come from the operator's configuration file, not from SMPP
 * peers: a file crafted for collisions could only slow its own loading.
 */
#include "name_index.h"

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NAME_INDEX_MIN_CAP 16

static uint32_t hash_key(const char *key)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
        h ^= *p;
        h *= 0x100000001b3u;
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* The slot holding `key` (whose hash is `hash`), or the empty slot where it
 * belongs. */
static struct name_slot *probe(struct name_slot *slots, size_t cap, const char *key, uint32_t hash)
{
    size_t i = hash & (cap - 1);

    while (slots[i].key != NULL && (slots[i].hash != hash || strcmp(slots[i].key, key) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct name_index *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : NAME_INDEX_MIN_CAP;
    struct name_slot *slots;

    if (cap < ix->cap || cap > SIZE_MAX / sizeof(*slots))
        return -1;
    slots = emg_calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    /* Keys are distinct: each goes to the first empty slot of its run. */
    for (size_t i = 0; i < ix->cap; i++) {
        if (ix->slots[i].key != NULL) {
            size_t k = ix->slots[i].hash & (cap - 1);
            while (slots[k].key != NULL)
                k = (k + 1) & (cap - 1);
            slots[k] = ix->slots[i];
        }
    }
    emg_free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return 0;
}

void name_index_init(struct name_index *ix)
{
    memset(ix, 0, sizeof(*ix));
}

void name_index_free(struct name_index *ix)
{
    emg_free(ix->slots);
    name_index_init(ix);
}

int name_index_add(struct name_index *ix, const char *key, size_t pos)
{
    uint32_t hash = hash_key(key);
    struct name_slot *slot;

    if (pos >= UINT32_MAX)
        return -1;
    if ((ix->n + 1) * 2 > ix->cap && grow(ix) != 0)
        return -1;
    slot = probe(ix->slots, ix->cap, key, hash);
    if (slot->key == NULL) {
        slot->key = key;
        slot->hash = hash;
        slot->pos = (uint32_t)pos;
        ix->n++;
    }
    return 0;
}

size_t name_index_find(const struct name_index *ix, const char *key)
{
    const struct name_slot *slot;

    if (ix->cap == 0 || key == NULL)
        return NAME_INDEX_NONE;
    slot = probe(ix->slots, ix->cap, key, hash_key(key));
    return slot->key != NULL ? slot->pos : NAME_INDEX_NONE;
}
