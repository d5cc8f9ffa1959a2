#include "optval.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"

/* The text is only digits (with one leading '-' where `sign` allows it, and one
 * '.' between digits where `point` allows it): strtol and strtod accept far more
 * (blanks, '+', hex, "inf", exponents), none of which an operator means. */
static int plain_number(const char *text, int sign, int point)
{
    const char *p = text;
    if (sign && *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p))
        p++;
    if (point && *p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

static int refuse(const char *opt, const char *text, const char *what, const char *range, char *err,
                  size_t errlen)
{
    snprintf(err, errlen, "%s: '%.60s' %s (allowed: %s)", opt, text ? text : "", what, range);
    return KPM_EINVAL;
}

int optval_long(const char *opt, const char *text, long min, long max, long *out, char *err,
                size_t errlen)
{
    char range[64];
    snprintf(range, sizeof range, "%ld to %ld", min, max);
    if (!text || !plain_number(text, min < 0, 0))
        return refuse(opt, text, "is not a whole number", range, err, errlen);
    errno = 0;
    long v = strtol(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return refuse(opt, text, "is out of range", range, err, errlen);
    *out = v;
    return KPM_OK;
}

int optval_ulong(const char *opt, const char *text, unsigned long min, unsigned long max,
                 unsigned long *out, char *err, size_t errlen)
{
    char range[64];
    snprintf(range, sizeof range, "%lu to %lu", min, max);
    if (!text || !plain_number(text, 0, 0))
        return refuse(opt, text, "is not a whole number", range, err, errlen);
    errno = 0;
    unsigned long v = strtoul(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return refuse(opt, text, "is out of range", range, err, errlen);
    *out = v;
    return KPM_OK;
}

int optval_double(const char *opt, const char *text, double min, double max, double *out, char *err,
                  size_t errlen)
{
    char range[96];
    snprintf(range, sizeof range, "%g to %g", min, max);
    if (!text || !plain_number(text, min < 0, 1))
        return refuse(opt, text, "is not a number (use a point for decimals)", range, err, errlen);
    errno = 0;
    double v = strtod(text, NULL);
    if (errno == ERANGE || !(v >= min && v <= max))
        return refuse(opt, text, "is out of range", range, err, errlen);
    *out = v;
    return KPM_OK;
}
