/* report_out.h - the report stage's writers: one night's result tables in, the
 * output directory's files out (CSV per published table, dashboard.json,
 * rapport.md).
 *
 * Tables arrive as wire records (TABLE_BEGIN, TABLE_ROW..., TABLE_END) in the
 * order aggregate sends them. Published tables are streamed to temporary files
 * (memory does not grow with their size); the small tables rapport.md needs are
 * also kept in memory. Nothing in the output directory changes until
 * report_out_commit(), which renames every file into place; a night that is
 * abandoned (report_out_destroy before commit) leaves the previous outputs as
 * they were.
 */
#ifndef KPM_REPORT_OUT_H
#define KPM_REPORT_OUT_H

#include <stddef.h>

#include "wire.h"

typedef struct report_out report_out_t;

/* Starts a night's output into out_dir (created with mode 0750 if missing).
 * Returns NULL with a message in err. */
report_out_t *report_out_new(const char *out_dir, char *err, size_t errlen);

/* Feed one record of the result stream. Returns KPM_OK, KPM_EPROTO for records
 * out of order (a ROW outside a table, a cell count unlike the columns, an END
 * whose row count differs from the rows seen, an unknown format, a cell that
 * does not fit its column's format, a table name that is not [a-z0-9_]{1,64}
 * or comes twice), KPM_EIO or KPM_ENOMEM. A message is available from
 * report_out_error(). After an error every later call returns it again. */
int report_out_table_begin(report_out_t *o, const wire_table_begin_t *tb);
int report_out_table_row(report_out_t *o, const wire_table_row_t *row);
int report_out_table_end(report_out_t *o, const wire_table_end_t *te);

/* Writes dashboard.json and rapport.md and moves all files into place
 * atomically per file. Returns KPM_OK, KPM_EIO, KPM_EPROTO while a table is
 * open, or the error of an earlier call (a night that failed once is never
 * committed). */
int report_out_commit(report_out_t *o);

/* Number of published tables and of their rows written so far (for the run
 * manifest and logs); unpublished tables are not counted. */
size_t report_out_tables(const report_out_t *o);
size_t report_out_rows(const report_out_t *o);

const char *report_out_error(const report_out_t *o);

/* Frees everything; removes temporary files of an uncommitted night. */
void report_out_destroy(report_out_t **o);

/* Formats one cell as the CSV shows it ("" for NIL) into buf (NUL-terminated).
 * Formats: "int", "text", "dec1"/"pct1" (one decimal), "dec2" (two decimals),
 * rounding half away from zero; an INT is accepted by the decimal formats.
 * Returns the length, or -1 for an unknown format, a value of the wrong type
 * (REAL for "int", non-finite) or a result that does not fit in buf. */
int report_format_cell(const wire_value_t *v, const char *format, size_t format_len, char *buf,
                       size_t buflen);

#endif
