/* rapport_md.h - the Dutch markdown report (rapport.md).
 *
 * Per meting: the response per tranche; per theme every Likert item (answers
 * of all koplopers, and per tranche n, the share (zeer) tevreden and the mean),
 * the choice questions and the spending split. Then the Vergelijkingen: per
 * configured comparison both satisfied shares, the difference with its
 * interval, the test and p; and the rejects per code and per file.
 *
 * Fed with the result tables as report_out receives them, it keeps the small
 * tables it renders (respons, likert, keuze, besteding, vragen, vergelijking)
 * and counts the rejects per code and per file; every other table is ignored.
 * The report is derived from those tables only and holds no run-specific
 * content, so the same tables give the same bytes.
 */
#ifndef KPM_RAPPORT_MD_H
#define KPM_RAPPORT_MD_H

#include <stdio.h>

#include "wire.h"

typedef struct rapport_md rapport_md_t;

/* Returns NULL when out of memory. */
rapport_md_t *rapport_md_new(void);
void rapport_md_destroy(rapport_md_t **m);

/* One table's records, in stream order; the caller has checked the protocol
 * (a row has one cell per column, of its column's format). Strings are copied.
 * Returns KPM_OK or KPM_ENOMEM. */
int rapport_md_table_begin(rapport_md_t *m, const wire_table_begin_t *tb);
int rapport_md_table_row(rapport_md_t *m, const wire_table_row_t *row);
void rapport_md_table_end(rapport_md_t *m);

/* Writes the report to fp. Returns KPM_OK, KPM_ENOMEM or KPM_EIO. */
int rapport_md_write(const rapport_md_t *m, FILE *fp);

#endif
