/* usage_map.c - gebruik rows by key: open addressing with the key in the slot
 * (see usage_map.h). */
#include "usage_map.h"

#include <stdlib.h>
#include <string.h>

#define USAGE_MAP_MIN_CAP 1024u

typedef struct {
    uint64_t a;   /* gemeente bytes 0..5, type + 1 in byte 6 (0: empty slot) */
    uint32_t b;   /* periode */
    uint32_t row; /* index in rows */
} slot_t;

struct usage_map {
    slot_t *slots;
    size_t cap; /* a power of two; at most 70 % used */
    agg_gebruik_t *rows;
    size_t n, rows_cap;
};

static uint64_t key_a(const char *gemeente, uint8_t type)
{
    uint64_t a = 0;
    memcpy(&a, gemeente, 6);
    return a | ((uint64_t)type + 1) << 48;
}

static size_t slot_of(uint64_t a, uint32_t b, size_t mask)
{
    uint64_t h = (a ^ ((uint64_t)b << 20)) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (size_t)(h ^ (h >> 32)) & mask;
}

usage_map_t *usage_map_new(void)
{
    usage_map_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cap = USAGE_MAP_MIN_CAP;
    if (!(m->slots = calloc(m->cap, sizeof *m->slots))) {
        free(m);
        return NULL;
    }
    return m;
}

void usage_map_destroy(usage_map_t **pm)
{
    if (!pm || !*pm) return;
    free((*pm)->slots);
    free((*pm)->rows);
    free(*pm);
    *pm = NULL;
}

/* The slot holding the key, or the empty slot where it would go. */
static slot_t *probe(const usage_map_t *m, uint64_t a, uint32_t b)
{
    size_t mask = m->cap - 1;
    for (size_t i = slot_of(a, b, mask);; i = (i + 1) & mask) {
        slot_t *s = &m->slots[i];
        if (s->a == 0 || (s->a == a && s->b == b)) return s;
    }
}

static int grow_slots(usage_map_t *m)
{
    size_t cap = m->cap * 2;
    slot_t *old = m->slots, *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    size_t old_cap = m->cap;
    m->slots = slots;
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].a) *probe(m, old[i].a, old[i].b) = old[i];
    free(old);
    return 0;
}

agg_gebruik_t *usage_map_find(const usage_map_t *m, const char *gemeente, int32_t periode,
                              uint8_t type)
{
    const slot_t *s = probe(m, key_a(gemeente, type), (uint32_t)periode);
    return s->a ? &m->rows[s->row] : NULL;
}

agg_gebruik_t *usage_map_upsert(usage_map_t *m, const char *gemeente, int32_t periode, uint8_t type)
{
    uint64_t a = key_a(gemeente, type);
    slot_t *s = probe(m, a, (uint32_t)periode);
    if (s->a) return &m->rows[s->row];
    if ((m->n + 1) * 10 > m->cap * 7) {
        if (grow_slots(m)) return NULL;
        s = probe(m, a, (uint32_t)periode);
    }
    if (m->n == m->rows_cap) {
        size_t cap = m->rows_cap ? m->rows_cap * 2 : 1024;
        if (cap > UINT32_MAX) return NULL; /* slot_t.row */
        agg_gebruik_t *rows = realloc(m->rows, cap * sizeof *rows);
        if (!rows) return NULL;
        m->rows = rows;
        m->rows_cap = cap;
    }
    agg_gebruik_t *g = &m->rows[m->n];
    memset(g, 0, sizeof *g);
    memcpy(g->gemeente, gemeente, 6);
    g->periode = periode;
    g->type = type;
    *s = (slot_t){a, (uint32_t)periode, (uint32_t)m->n};
    m->n++;
    return g;
}

size_t usage_map_count(const usage_map_t *m)
{
    return m->n;
}

agg_gebruik_t *usage_map_at(const usage_map_t *m, size_t i)
{
    return i < m->n ? &m->rows[i] : NULL;
}
