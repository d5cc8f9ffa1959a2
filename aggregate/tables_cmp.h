/* tables_cmp.h - satisfaction shares and comparisons between groups and rounds
 * (docs/COMPARISONS.md): the small-cell plan that every answer table follows
 * (likert, keuze, besteding too) and the tables tevredenheid and vergelijking.
 * The configuration is tables_cmp_config.h's.
 */
#ifndef KPM_AGG_TABLES_CMP_H
#define KPM_AGG_TABLES_CMP_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "table_out.h"
#include "tables_cmp_config.h"

#define TABLES_CMP_MAX_GROUPS 32 /* tranches per meting (bits of a plan's masks) */

/* ------------------------------------------------------- small-cell plan */

/* One group of a plan: the tranches it holds (bit i = tranche i of the plan). */
typedef struct {
    uint32_t mask;
    int fixed;      /* never suppressed (alle) */
    int suppressed; /* out: primary or complementary */
} tables_cmp_group_t;

/* Decides which groups to suppress (pure). sizes[i] is the number of
 * respondents of tranche i; a group is the sum of its tranches. Primary: every
 * group that is not fixed and has fewer than min_cell respondents.
 * Complementary: more groups, smallest first, until no protected set can be
 * computed as a linear combination of the groups left published. Protected
 * sets: with strict 0, each primarily suppressed group with respondents; with
 * strict 1, every set of tranches with 1..min_cell-1 respondents. A set equal
 * to a fixed group is published anyway and never protected. Returns KPM_OK or
 * KPM_ERANGE (more than 32 tranches or 96 groups). */
int tables_cmp_plan(const uint64_t *sizes, size_t n_tranches, tables_cmp_group_t *groups,
                    size_t n_groups, int min_cell, int strict);

/* --------------------------------------------------------------- tables */

typedef struct tables_cmp tables_cmp_t;

/* Counts what the tables need from the state: the responses that count
 * (counted, borrowed, as tables.c found them), the invited tranches, the
 * configuration cfg (borrowed) and the threshold. Returns NULL with *rc set
 * (KPM_ENOMEM, KPM_ERANGE). */
tables_cmp_t *tables_cmp_new(const agg_state_t *s, const tables_cmp_config_t *cfg, int min_cell,
                             const agg_response_t *const *counted, size_t n_counted, int *rc);
void tables_cmp_destroy(tables_cmp_t **t);

/* True when the answers of tranche `tranche` in `meting` are suppressed in
 * every table (primary or complementary). */
int tables_cmp_suppressed(const tables_cmp_t *t, int32_t meting, int tranche);

/* Writes tevredenheid and vergelijking to w. Returns KPM_OK or the writer's
 * error. */
int tables_cmp_emit(const tables_cmp_t *t, table_out_t *w);

#endif
