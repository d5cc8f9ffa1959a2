/* rformat.h - a cell of a result table as the CSV shows it (report_out.c
 * implements it; the charts use it too, without depending on report_out). */
#ifndef KPM_RFORMAT_H
#define KPM_RFORMAT_H

#include <stddef.h>

#include "wire.h"

/* Formats one cell as the CSV shows it ("" for NIL) into buf (NUL-terminated).
 * Formats: "int", "text", "dec1"/"pct1" (one decimal), "dec2" (two decimals),
 * "dec4" (four decimals, for p-values), rounding half away from zero; an INT is accepted by the
 * decimal formats. Returns the length, or -1 for an unknown format, a value of the wrong type (REAL
 * for "int", non-finite) or a result that does not fit in buf. */
int report_format_cell(const wire_value_t *v, const char *format, size_t format_len, char *buf,
                       size_t buflen);

#endif
