/* optval.h - strict values of command-line options.
 *
 * Every number an operator types is checked: the whole text must be the number
 * (no trailing letters, no blanks, no empty text) and within the option's range.
 * A typo is an error, never a default. The message names the option, what was
 * given and the allowed range, e.g.
 *   "--min-cell: 'five' is not a whole number (allowed: 0 to 1000)".
 * Every binary of kpm (the stages, the operator's command, the tools) parses its
 * numeric options through these functions, and exits KPM_EXIT_USAGE (2,
 * kpm_exit.h) on an error.
 */
#ifndef KPM_OPTVAL_H
#define KPM_OPTVAL_H

#include <stddef.h>

/* A whole number in decimal, min <= value <= max. Returns KPM_OK, or KPM_EINVAL
 * with a message in err ("OPT: 'TEXT' is not a whole number (allowed: MIN to MAX)"
 * or "... is out of range ..."). */
int optval_long(const char *opt, const char *text, long min, long max, long *out, char *err,
                size_t errlen);

/* An unsigned whole number, min <= value <= max (a leading '-' is refused). */
int optval_ulong(const char *opt, const char *text, unsigned long min, unsigned long max,
                 unsigned long *out, char *err, size_t errlen);

/* A decimal number with an optional fraction ("7.5"; a comma is refused, so is
 * "nan", "inf" and hex), min <= value <= max. */
int optval_double(const char *opt, const char *text, double min, double max, double *out, char *err,
                  size_t errlen);

#endif
