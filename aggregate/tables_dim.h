/* tables_dim.h - the tables of the dashboard feed that the CSV contract lacks
 * (docs/DATABASE.md): the dimensions gemeente, koploper and koploper_gemeente,
 * usage per year in one grain per table (gebruik_gemeente, gebruik_koploper)
 * and on today's boundaries (gebruik_gemeente_nu: old codes folded into their
 * successors by config/herindelingen.csv). Sent with WIRE_PUBLISH_NO_CSV: they
 * go to kpm.sqlite, PostgreSQL and dashboard/, not to CSV files.
 */
#ifndef KPM_AGG_TABLES_DIM_H
#define KPM_AGG_TABLES_DIM_H

#include "state.h"
#include "table_out.h"
#include "tables.h"

/* Writes the six tables to w (worker 0 all of them, other workers only their
 * parts of the usage tables). Returns KPM_OK, KPM_ENOMEM or the writer's error. */
int tables_dim_emit(const agg_state_t *s, const tables_opts_t *o, table_out_t *w);

#endif
