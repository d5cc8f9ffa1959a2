/* opt_sum.h - sums of optional whole numbers (usage figures whose cells may be
 * empty) and their cells in a result table, shared by tables_mon.c and
 * tables_dim.c. A negative value stands for an empty one.
 */
#ifndef KPM_AGG_OPT_SUM_H
#define KPM_AGG_OPT_SUM_H

#include <stdint.h>

#include "table_out.h"

/* A sum of optional whole numbers: has is 0 while every value was empty. */
typedef struct {
    int64_t sum;
    int has;
} opt_sum_t;

/* Adds v unless it is empty (< 0). */
static inline void opt_add(opt_sum_t *t, int64_t v)
{
    if (v < 0) return;
    t->sum += v;
    t->has = 1;
}

/* Adds another sum unless all its values were empty. */
static inline void opt_merge(opt_sum_t *t, opt_sum_t v)
{
    if (!v.has) return;
    t->sum += v.sum;
    t->has = 1;
}

/* The sum as a cell: empty while it has no value. */
static inline void out_opt(table_out_t *w, opt_sum_t v)
{
    if (v.has)
        table_out_int(w, v.sum);
    else
        table_out_nil(w);
}

/* A whole number as a cell, empty when negative (unknown). */
static inline void out_opt_int(table_out_t *w, int64_t v)
{
    if (v >= 0)
        table_out_int(w, v);
    else
        table_out_nil(w);
}

/* 1000 * clienten / inwoners, empty when either is unknown. */
static inline void out_per_1000(table_out_t *w, opt_sum_t clienten, int64_t inwoners)
{
    if (clienten.has && inwoners > 0)
        table_out_real(w, 1000.0 * (double)clienten.sum / (double)inwoners);
    else
        table_out_nil(w);
}

#endif
