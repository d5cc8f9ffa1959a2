/* tables.h - the night's result tables, computed from aggregate's state.
 *
 * Puts, in the order of docs/OUTPUTS.md and docs/MONITORING.md, every table as
 * TABLE_BEGIN (name, columns with their formats), TABLE_ROW..., TABLE_END (row
 * count): respons, likert, keuze, besteding, open_antwoorden, rejects (with the
 * notices found while counting), gebruik, gebruik_jaar, adviesinzet,
 * bijeenkomsten, middelen, ervaring, voordrachten, with o->cmp set also
 * tevredenheid and vergelijking (docs/COMPARISONS.md), and the report's own
 * input table vragen. Counting happens here; formatting (decimals, CSV, JSON)
 * is the report's. The output depends only on the state, so it can be produced again
 * for a restarted receiver.
 */
#ifndef KPM_AGG_TABLES_H
#define KPM_AGG_TABLES_H

#include <stdint.h>

#include "batcher.h"
#include "state.h"

struct tables_cmp_config;
struct oproepen;

typedef struct {
    int min_cell;        /* small-cell threshold: tranche groups below it are suppressed */
    double uren_per_dag; /* adviser hours per day (default 8; > 0) */
    int dagen_toegekend; /* adviser days allotted per koploper (default 8) */
    const struct tables_cmp_config *cmp; /* comparisons (docs/COMPARISONS.md); NULL: no
                                            tevredenheid/vergelijking tables and only
                                            primary suppression */
    const struct oproepen *oproepen;     /* the calls for koplopers (oproepen.h); NULL: the
                                            contract's rule (3 criteria, client organisation) */
    unsigned worker;            /* this worker's number: 0 sends every table; others only the
                                   tables that are merged from parts (docs/SCALING.md) */
    const struct feed_ref *ref; /* the CBS gemeenten and the mergers (feed_ref.h); NULL: none */
    int32_t as_of;              /* YYYYMMDD: mergers in force on this day fold (0: every one) */
} tables_opts_t;

#define TABLES_UREN_PER_DAG 8.0
#define TABLES_DAGEN_TOEGEKEND 8

/* Returns KPM_OK, KPM_ENOMEM or the batcher's error. *tables and *rows count
 * what was put. */
int tables_emit(const agg_state_t *s, const tables_opts_t *o, batcher_t *b, uint64_t *tables,
                uint64_t *rows);

#endif
