/* usage_map.h - the gebruik rows of aggregate's state, by their key
 * (gemeente, periode, aanbieder type).
 *
 * Two million lookups a night go through here, one per usage record. A
 * general string map (strmap) costs four cache misses per lookup (slot, entry,
 * key bytes, value); this map keeps the whole key in its slot and the rows in
 * one dense array, so a lookup touches a slot and then its row. Rows stay in
 * the order their keys first arrived (the checkpoint and every iteration see
 * that order). There is no removal: a later delivery overwrites the row.
 *
 * Row pointers are valid until the next insertion (the array may move). */
#ifndef KPM_USAGE_MAP_H
#define KPM_USAGE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

typedef struct usage_map usage_map_t;

usage_map_t *usage_map_new(void);
void usage_map_destroy(usage_map_t **m);

/* The row of the key (gemeente: 6 bytes), created with its key fields set and
 * its figures zero when absent. NULL when memory runs out. */
agg_gebruik_t *usage_map_upsert(usage_map_t *m, const char *gemeente, int32_t periode,
                                uint8_t type);

/* The row of the key, or NULL. */
agg_gebruik_t *usage_map_find(const usage_map_t *m, const char *gemeente, int32_t periode,
                              uint8_t type);

size_t usage_map_count(const usage_map_t *m);

/* Row i (0 .. count-1) in arrival order of its key. */
agg_gebruik_t *usage_map_at(const usage_map_t *m, size_t i);

#endif
