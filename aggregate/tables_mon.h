/* tables_mon.h - the monitoring tables of docs/MONITORING.md ("Output tables"),
 * computed from aggregate's state: gebruik, gebruik_jaar, adviesinzet,
 * bijeenkomsten, middelen, ervaring and voordrachten. Rows are sorted as the doc
 * says (never in the state's map order); values go out unrounded.
 */
#ifndef KPM_AGG_TABLES_MON_H
#define KPM_AGG_TABLES_MON_H

#include <stdint.h>

#include "state.h"
#include "table_out.h"
#include "tables.h"

/* Receives one notice: file, column and code stay valid while the state does,
 * message only during the call. Returns KPM_OK or an error that stops the walk. */
typedef int (*tables_mon_notice_fn)(void *ctx, const char *file, uint32_t line, const char *column,
                                    const char *code, const char *message);

/* Passes an UNKNOWN_KOPLOPER notice to fn for every adviesinzet and middelen row
 * whose koploper is not in the current register. Returns KPM_OK or fn's error. */
int tables_mon_notices(const agg_state_t *s, tables_mon_notice_fn fn, void *ctx);

/* Writes the seven monitoring tables, in the order above, to w. Returns KPM_OK,
 * KPM_ENOMEM or the writer's error. */
int tables_mon_emit(const agg_state_t *s, const tables_opts_t *o, table_out_t *w);

#endif
