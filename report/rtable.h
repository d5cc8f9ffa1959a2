/* rtable.h - a result table kept in memory for a report that needs it whole
 * (rapport.html): its column names and its rows, strings copied. */
#ifndef KPM_RTABLE_H
#define KPM_RTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct {
    uint32_t n_cols;
    char *cols[WIRE_MAX_COLS];
    size_t n_rows, cap_rows;
    wire_value_t *cells; /* n_rows * n_cols; strings owned and NUL-terminated */
} rtable_t;

/* A table with tb's columns and no rows; NULL when out of memory. */
rtable_t *rtable_new(const wire_table_begin_t *tb);
void rtable_destroy(rtable_t **t);

/* Appends a copy of row (ignored when its cell count differs from the
 * columns'). Returns KPM_OK or KPM_ENOMEM. */
int rtable_add(rtable_t *t, const wire_table_row_t *row);

/* The column named name, or -1 (also for t == NULL). */
int rtable_col(const rtable_t *t, const char *name);

/* Cell r of column c; an empty cell for c < 0. */
const wire_value_t *rtable_cell(const rtable_t *t, size_t r, int c);

/* The cell as an integer (0 when not one), as a string ("" when not one), and
 * whether it is the integer want. */
int64_t rtable_int(const rtable_t *t, size_t r, int c);
wire_str_t rtable_str(const rtable_t *t, size_t r, int c);
int rtable_is_int(const rtable_t *t, size_t r, int c, int64_t want);

/* The first row whose column `col` holds the string s, or -1 (also when t is
 * NULL or has no such column). */
long rtable_find_str(const rtable_t *t, const char *col, wire_str_t s);

/* The distinct integers of column col over tables[0 .. n_tables) (NULL tables
 * and tables without the column are skipped), ascending, in a new array *out
 * of *n (NULL when none; the caller frees it). Returns KPM_OK or KPM_ENOMEM. */
int rtable_distinct_ints(rtable_t *const *tables, size_t n_tables, const char *col, int64_t **out,
                         size_t *n);

/* Whether row r is marked suppressed (column onderdrukt = "ja"). */
int rtable_suppressed(const rtable_t *t, size_t r);

#endif
