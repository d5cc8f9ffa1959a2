/* inwoners.h - inhabitants per gemeente and year, and the one rule for the
 * figure of a territory in a year (docs/DATABASE.md, "Inhabitants per year").
 *
 * A territory is a set of codes: one gemeente, the gemeenten of a koploper, or
 * today's gemeente with the codes folded into it. Its inhabitants in year Y
 * are the figures of one year summed over its codes: Y itself when every code
 * that counts has a figure for it, else the nearest earlier year where every
 * code has one, else the nearest later year. A code's undated figure (a
 * `gemeenten` file whose name gives no year) stands in for any year the code
 * has no dated figure of. Figures of different years are never added up, so a
 * trend per 1,000 inhabitants never mixes years or boundaries.
 */
#ifndef KPM_AGG_INWONERS_H
#define KPM_AGG_INWONERS_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct feed_ref;

typedef enum { INW_GELEVERD = 1, INW_CBS = 2 } inw_bron_t;

typedef struct {
    int32_t jaar;     /* 0: undated */
    int64_t inwoners; /* > 0 */
    inw_bron_t bron;
} inw_figure_t;

typedef struct inwoners inwoners_t;

/* The figures of the delivered gemeenten (s->gemeenten) and, when ref is not
 * NULL, of its CBS list (year ref->gem_jaar; a delivered figure of the same
 * year wins). NULL when out of memory. */
inwoners_t *inwoners_new(const agg_state_t *s, const struct feed_ref *ref);

void inwoners_destroy(inwoners_t **w);

/* A code's figures, sorted by year (undated first); NULL with *n = 0 when it
 * has none. */
const inw_figure_t *inwoners_of_code(const inwoners_t *w, const char *code, size_t *n);

/* Whether code counts in year jaar (existed on its 1 January). */
typedef int (*inw_exists_fn)(void *ctx, const char *code, int32_t jaar);

/* The inhabitants of the territory codes[0..n) in year jaar by the rule above;
 * exists (NULL: every code counts) leaves out the codes that did not exist in
 * a candidate year. -1 when no year has a figure for every code that counts. */
int64_t inwoners_sum(const inwoners_t *w, const char *const *codes, size_t n, int32_t jaar,
                     inw_exists_fn exists, void *ctx);

/* The inhabitants of koploper k's gemeenten (each once) in year jaar. */
int64_t inwoners_koploper(const inwoners_t *w, const agg_koploper_t *k, int32_t jaar);

#endif
