/* wire_values.h - building wire cells and table rows in tests: I(1), R(2.5),
 * S("text"), N() and ROW(I(1), S("a"), N()). String cells are views. */
#ifndef KPM_TESTS_WIRE_VALUES_H
#define KPM_TESTS_WIRE_VALUES_H

#include <string.h>

#include "wire.h"

static inline wire_value_t I(int64_t i)
{
    wire_value_t v = {WIRE_VAL_INT, i, 0.0, {"", 0}};
    return v;
}

static inline wire_value_t R(double r)
{
    wire_value_t v = {WIRE_VAL_REAL, 0, r, {"", 0}};
    return v;
}

static inline wire_value_t S(const char *s)
{
    wire_value_t v = {WIRE_VAL_STR, 0, 0.0, {s, (uint32_t)strlen(s)}};
    return v;
}

static inline wire_value_t N(void)
{
    wire_value_t v = {WIRE_VAL_NIL, 0, 0.0, {"", 0}};
    return v;
}

static inline wire_table_row_t row_of(const wire_value_t *cells, size_t n)
{
    wire_table_row_t row;

    memset(&row, 0, sizeof row);
    row.n_cells = (uint32_t)n;
    memcpy(row.cells, cells, n * sizeof *cells);
    return row;
}

#define ROW(...)                                                                                   \
    row_of((wire_value_t[]){__VA_ARGS__},                                                          \
           sizeof((wire_value_t[]){__VA_ARGS__}) / sizeof(wire_value_t))

#endif
