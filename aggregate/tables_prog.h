/* tables_prog.h - the programme overview for the reports, as unpublished
 * tables (report shows them; they are not CSV files):
 * - programma: the register, one row per koploper sorted by id: koploper_id,
 *   naam, tranche, startjaar, status, gemeenten (how many), provincie (of its
 *   gemeenten by the gemeenten kind: the one province, "meerdere", or empty);
 * - programma_uitvraag: per meting, tranche, status and questionnaire version
 *   (deelnemers' versie) the koplopers invited and those whose response counts;
 *   a response of a koploper that was not invited has version "" ;
 * - oproepen: the calls for koplopers (oproepen.h);
 * - aantallen: per meting and `aantal` item (gebruik_aantal) the counting
 *   responses asked it, the valid answers n, minimum, quartiles (linear
 *   interpolation, R's type 7; the median of an even n is the mean of the
 *   middle two) and maximum, over all koplopers only (no groups);
 * - middelen_jaar: the budgets of koplopers of the register per year, tranche
 *   and circulaire ("" when not given): how many budget rows and their sum.
 */
#ifndef KPM_AGG_TABLES_PROG_H
#define KPM_AGG_TABLES_PROG_H

#include <stddef.h>

#include "state.h"
#include "table_out.h"
#include "tables.h"

/* counted: the responses that count (tables.c). Returns KPM_OK, KPM_ENOMEM or
 * the writer's error. */
int tables_prog_emit(const agg_state_t *s, const tables_opts_t *o,
                     const agg_response_t *const *counted, size_t n_counted, table_out_t *w);

#endif
