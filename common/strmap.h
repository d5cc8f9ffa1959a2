/* strmap.h - an open-addressing hash map from byte-string keys to pointers, and
 * an interning pool.
 *
 * Keys are copied into the map's own arena (no allocation per key beyond the
 * arena's blocks); values are the caller's. Iteration order is insertion order,
 * which keeps every output built from a map deterministic.
 */
#ifndef KPM_STRMAP_H
#define KPM_STRMAP_H

#include <stddef.h>

typedef struct strmap strmap_t;

strmap_t *strmap_new(void);
/* Frees the map and its keys, not the values. */
void strmap_destroy(strmap_t **m);

/* The value stored under key, or NULL. */
void *strmap_get(const strmap_t *m, const char *key, size_t len);

/* Stores value under key (replacing). When `old` is not NULL it receives the
 * replaced value (or NULL). Returns KPM_OK or KPM_ENOMEM. */
int strmap_put(strmap_t *m, const char *key, size_t len, void *value, void **old);

/* Removes key; returns the value it had, or NULL. Order of the rest is kept. */
void *strmap_remove(strmap_t *m, const char *key, size_t len);

size_t strmap_count(const strmap_t *m);

/* Iteration in insertion order over live entries: i from 0 while
 * strmap_entry(m, &i, &key, &len, &value) returns 1. */
int strmap_entry(const strmap_t *m, size_t *i, const char **key, size_t *len, void **value);

/* The map's stored copy of key (NUL-terminated), adding it with a NULL value
 * when absent: an interning pool. Returns NULL when out of memory. The pointer is
 * valid until the map is destroyed. */
const char *strmap_intern(strmap_t *m, const char *key, size_t len);

#endif
