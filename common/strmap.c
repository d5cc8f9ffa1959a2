/* strmap.c - open-addressing hash map (linear probing) over an insertion-ordered
 * entry array, with keys copied into an arena of large blocks.
 *
 * The index holds, per slot, 0 (empty), 1 (tombstone) or entry index + 2. Entries
 * are appended in insertion order; a removed entry is marked dead (key NULL) and
 * its slot becomes a tombstone. Inserting never reuses a tombstone, so every new
 * key takes an empty slot and a rebuild (which also drops dead entries) comes
 * before the index passes 70% use. Key bytes of removed entries stay in the arena
 * until the map is destroyed, which keeps interned pointers valid.
 *
 * Removing entries while iterating is fine; adding a new key may rebuild and
 * compact the entry array, so an iteration must not add keys.
 */
#include "strmap.h"

#include "kpm_err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STRMAP_SLOT_EMPTY 0u
#define STRMAP_SLOT_TOMB 1u
#define STRMAP_MIN_CAP 16u
#define STRMAP_BLOCK 65536u
#define STRMAP_MAX_ENTRIES (UINT32_MAX - 2u)

typedef struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    char data[];
} arena_block_t;

typedef struct {
    const char *key; /* arena copy, NUL-terminated; NULL: removed */
    size_t len;
    uint64_t hash;
    void *value;
} strmap_ent_t;

struct strmap {
    uint32_t *slots;
    size_t cap;  /* slots, a power of two */
    size_t used; /* slots not empty (live + tombstones) */
    strmap_ent_t *ents;
    size_t n_ents; /* entries including dead ones */
    size_t ents_cap;
    size_t live;
    arena_block_t *arena;
};

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint64_t mix_word(uint64_t h, uint64_t w)
{
    w *= 0x87c37b91114253d5ULL;
    w = rotl64(w, 31);
    w *= 0x4cf5ad432745937fULL;
    h ^= w;
    return rotl64(h, 27) * 5 + 0x52dce729;
}

/* A MurmurHash3-style hash, eight bytes per step. */
static uint64_t strmap_hash(const char *key, size_t len)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    uint64_t w;
    size_t n = len;

    while (n >= 8) {
        memcpy(&w, p, 8);
        h = mix_word(h, w);
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        w = 0;
        memcpy(&w, p, n);
        h = mix_word(h, w);
    }
    return fmix64(h ^ len);
}

static char *arena_copy(strmap_t *m, const char *key, size_t len)
{
    arena_block_t *b = m->arena;
    char *dst;

    if (len >= SIZE_MAX - sizeof *b - 1) return NULL;
    if (b == NULL || b->size - b->used < len + 1) {
        /* Large keys get a block of their own, kept behind the current one. */
        size_t size = len + 1 > STRMAP_BLOCK / 4 ? len + 1 : STRMAP_BLOCK;
        arena_block_t *nb = malloc(sizeof *nb + size);
        if (nb == NULL) return NULL;
        nb->size = size;
        nb->used = 0;
        if (b != NULL && size != STRMAP_BLOCK) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            m->arena = nb;
        }
        b = nb;
    }
    dst = b->data + b->used;
    if (len > 0) memcpy(dst, key, len);
    dst[len] = '\0';
    b->used += len + 1;
    return dst;
}

strmap_t *strmap_new(void)
{
    strmap_t *m = calloc(1, sizeof *m);

    if (m == NULL) return NULL;
    m->slots = calloc(STRMAP_MIN_CAP, sizeof *m->slots);
    if (m->slots == NULL) {
        free(m);
        return NULL;
    }
    m->cap = STRMAP_MIN_CAP;
    return m;
}

void strmap_destroy(strmap_t **mp)
{
    strmap_t *m;

    if (mp == NULL || *mp == NULL) return;
    m = *mp;
    while (m->arena != NULL) {
        arena_block_t *next = m->arena->next;
        free(m->arena);
        m->arena = next;
    }
    free(m->slots);
    free(m->ents);
    free(m);
    *mp = NULL;
}

/* The entry index of key, or -1; *slot_out receives its slot, or the first empty
 * slot of its probe sequence when absent. */
static long strmap_find(const strmap_t *m, const char *key, size_t len, uint64_t hash,
                        size_t *slot_out)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)hash & mask;

    for (;;) {
        uint32_t s = m->slots[i];
        if (s == STRMAP_SLOT_EMPTY) {
            if (slot_out != NULL) *slot_out = i;
            return -1;
        }
        if (s != STRMAP_SLOT_TOMB) {
            const strmap_ent_t *e = &m->ents[s - 2];
            if (e->hash == hash && e->len == len && (len == 0 || memcmp(e->key, key, len) == 0)) {
                if (slot_out != NULL) *slot_out = i;
                return (long)(s - 2);
            }
        }
        i = (i + 1) & mask;
    }
}

/* Rebuilds the index for `live + 1` entries at most half full, dropping dead
 * entries from the entry array (the order of live entries is kept). */
static int strmap_rebuild(strmap_t *m)
{
    size_t want = m->live + 1;
    size_t cap = STRMAP_MIN_CAP;
    uint32_t *slots;
    size_t j = 0;

    while (cap < want * 2) {
        if (cap > SIZE_MAX / 2 / sizeof *slots) return KPM_ENOMEM;
        cap *= 2;
    }
    slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return KPM_ENOMEM;
    for (size_t i = 0; i < m->n_ents; i++) {
        if (m->ents[i].key == NULL) continue;
        m->ents[j] = m->ents[i];
        size_t s = (size_t)m->ents[j].hash & (cap - 1);
        while (slots[s] != STRMAP_SLOT_EMPTY)
            s = (s + 1) & (cap - 1);
        slots[s] = (uint32_t)j + 2;
        j++;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = j;
    m->n_ents = j;
    return KPM_OK;
}

/* Appends a new entry for an absent key. Returns its index or a negative code. */
static long strmap_insert(strmap_t *m, const char *key, size_t len, uint64_t hash, void *value)
{
    size_t slot;
    char *copy;

    if (m->live >= STRMAP_MAX_ENTRIES) return KPM_ENOMEM;
    if ((m->used + 1) * 10 > m->cap * 7 || m->n_ents >= STRMAP_MAX_ENTRIES) {
        int rc = strmap_rebuild(m);
        if (rc != KPM_OK) return rc;
    }
    if (m->n_ents == m->ents_cap) {
        size_t ncap = m->ents_cap ? m->ents_cap * 2 : 16;
        strmap_ent_t *ne;
        if (ncap > SIZE_MAX / sizeof *ne) return KPM_ENOMEM;
        ne = realloc(m->ents, ncap * sizeof *ne);
        if (ne == NULL) return KPM_ENOMEM;
        m->ents = ne;
        m->ents_cap = ncap;
    }
    copy = arena_copy(m, key, len);
    if (copy == NULL) return KPM_ENOMEM;
    strmap_find(m, key, len, hash, &slot);
    m->ents[m->n_ents] = (strmap_ent_t){copy, len, hash, value};
    m->slots[slot] = (uint32_t)m->n_ents + 2;
    m->used++;
    m->live++;
    return (long)m->n_ents++;
}

void *strmap_get(const strmap_t *m, const char *key, size_t len)
{
    long e = strmap_find(m, key, len, strmap_hash(key, len), NULL);

    return e < 0 ? NULL : m->ents[e].value;
}

int strmap_put(strmap_t *m, const char *key, size_t len, void *value, void **old)
{
    uint64_t hash = strmap_hash(key, len);
    long e = strmap_find(m, key, len, hash, NULL);

    if (old != NULL) *old = NULL;
    if (e >= 0) {
        if (old != NULL) *old = m->ents[e].value;
        m->ents[e].value = value;
        return KPM_OK;
    }
    e = strmap_insert(m, key, len, hash, value);
    return e < 0 ? (int)e : KPM_OK;
}

void *strmap_remove(strmap_t *m, const char *key, size_t len)
{
    size_t slot;
    long e = strmap_find(m, key, len, strmap_hash(key, len), &slot);
    void *value;

    if (e < 0) return NULL;
    value = m->ents[e].value;
    m->ents[e].key = NULL;
    m->ents[e].value = NULL;
    m->slots[slot] = STRMAP_SLOT_TOMB;
    m->live--;
    return value;
}

size_t strmap_count(const strmap_t *m)
{
    return m->live;
}

int strmap_entry(const strmap_t *m, size_t *i, const char **key, size_t *len, void **value)
{
    for (size_t k = *i; k < m->n_ents; k++) {
        const strmap_ent_t *e = &m->ents[k];
        if (e->key == NULL) continue;
        if (key != NULL) *key = e->key;
        if (len != NULL) *len = e->len;
        if (value != NULL) *value = e->value;
        *i = k + 1;
        return 1;
    }
    *i = m->n_ents;
    return 0;
}

const char *strmap_intern(strmap_t *m, const char *key, size_t len)
{
    uint64_t hash = strmap_hash(key, len);
    long e = strmap_find(m, key, len, hash, NULL);

    if (e < 0) {
        e = strmap_insert(m, key, len, hash, NULL);
        if (e < 0) return NULL;
    }
    return m->ents[e].key;
}
