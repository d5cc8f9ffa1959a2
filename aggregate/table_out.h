/* table_out.h - writes result tables onto a batcher as wire records:
 * TABLE_BEGIN (name, columns with their formats), TABLE_ROW..., TABLE_END (row
 * count). Formats are "int", "text", "dec1", "dec2" and "pct1"; the values go
 * out unrounded (doubles) and the report formats them. One table is open at a
 * time.
 */
#ifndef KPM_AGG_TABLE_OUT_H
#define KPM_AGG_TABLE_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "batcher.h"

typedef struct table_out table_out_t;

/* A writer onto b (borrowed). Returns NULL when out of memory. */
table_out_t *table_out_new(batcher_t *b);
void table_out_destroy(table_out_t **w);

/* Starts a table. cols holds (name, format) pairs followed by NULL; name and
 * cols must stay valid until table_out_end. publish 0 marks a table that is input
 * for the report only. Returns KPM_OK or the batcher's error. */
int table_out_begin(table_out_t *w, const char *name, int publish, const char *const *cols);

/* The same for a table that several aggregate workers may each send a part of:
 * merge is "owner", "union" or "sum", roles holds one merge role per column
 * (see wire_table_begin_t; NULL: all ""). roles must stay valid like cols. */
int table_out_begin_merged(table_out_t *w, const char *name, int publish, const char *const *cols,
                           const char *merge, const char *const *roles);

/* Starts a row with no cells; the cell calls append to it, table_out_put sends
 * it. Cells beyond the column limit of the wire format are dropped (the report
 * then rejects the row for its cell count). String cells are views: they must
 * stay valid until table_out_put. */
void table_out_row(table_out_t *w);
void table_out_int(table_out_t *w, int64_t v);
void table_out_real(table_out_t *w, double v);
void table_out_str(table_out_t *w, const char *s);
void table_out_strn(table_out_t *w, const char *s, size_t len);
void table_out_nil(table_out_t *w);
int table_out_put(table_out_t *w);

/* Ends the open table with its row count. */
int table_out_end(table_out_t *w);

/* Tables begun, and rows of all tables put, so far. */
uint64_t table_out_tables(const table_out_t *w);
uint64_t table_out_rows(const table_out_t *w);

#endif
