/* rapport_html.h - the Dutch HTML report (rapport.html).
 *
 * One self-contained page: inline CSS and SVG, no scripts, nothing fetched, and
 * print rules, so it opens anywhere and prints readably. Per meting: the
 * response per tranche; per theme every Likert item as diverging stacked bars
 * (one bar per group, n on each, n.v.t. and missing beside it), the choice
 * questions as stacked bars, the spending split as bars; and the satisfied
 * share per item and group with its Wilson interval (tevredenheid). Then the
 * Vergelijkingen: per configured comparison a forest plot of the differences
 * with their intervals and a table of both shares, the difference, the test
 * and p (vergelijking); the usage per month of koploper gemeenten and the
 * other gemeenten as a line chart; and the rejects per code.
 *
 * Fed with the result tables as report_out receives them, it keeps the small
 * tables it renders (respons, likert, keuze, besteding, vragen, tevredenheid,
 * vergelijking), sums gebruik's nieuwe_vragen per (month, gemeente) as the
 * rows stream by (memory bounded by months x gemeenten), takes each gemeente's
 * koploper flag from gebruik_jaar, and counts the rejects per code. The same
 * tables give the same bytes: no date or other run-specific content.
 */
#ifndef KPM_RAPPORT_HTML_H
#define KPM_RAPPORT_HTML_H

#include <stdio.h>

#include "wire.h"

typedef struct rapport_html rapport_html_t;

/* Returns NULL when out of memory. */
rapport_html_t *rapport_html_new(void);
void rapport_html_destroy(rapport_html_t **h);

/* One table's records, in stream order; the caller has checked the protocol (a
 * row has one cell per column, of its column's format). Strings are copied.
 * Returns KPM_OK or KPM_ENOMEM. */
int rapport_html_table_begin(rapport_html_t *h, const wire_table_begin_t *tb);
int rapport_html_table_row(rapport_html_t *h, const wire_table_row_t *row);
void rapport_html_table_end(rapport_html_t *h);

/* Writes the page to fp. Returns KPM_OK, KPM_ENOMEM or KPM_EIO. */
int rapport_html_write(const rapport_html_t *h, FILE *fp);

#endif
