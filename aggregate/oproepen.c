/* oproepen.c - the calls for koplopers (see oproepen.h). */
#include "oproepen.h"

#include "csvin.h"
#include "kpm_err.h"
#include "values.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct oproepen {
    oproep_t *c; /* by closing date */
    size_t n;
};

static const oproep_t contract_call = {"2019", 20191007, 3, 1,
                                       "Oproep voor koplopers van september 2019"};

enum { OC_NAME, OC_SLUIT, OC_MIN, OC_CLIENT, OC_OMSCHRIJVING, OC_N };
static const char *const oc_names[OC_N] = {"oproep", "sluit_op", "min_criteria",
                                           "clientorganisatie_vereist", "omschrijving"};

void oproepen_destroy(oproepen_t **po)
{
    if (po == NULL || *po == NULL) return;
    free((*po)->c);
    free(*po);
    *po = NULL;
}

static int cmp_call(const void *a, const void *b)
{
    const oproep_t *x = a, *y = b;
    return (x->sluit_op > y->sluit_op) - (x->sluit_op < y->sluit_op);
}

static const char *cell(const csvin_row_t *row, int col, size_t *len)
{
    if (col < 0 || (size_t)col >= row->n) {
        *len = 0;
        return "";
    }
    *len = row->lens[col];
    return val_trim(row->fields[col], len);
}

/* One row into *c; returns a message, or NULL. */
static const char *parse_call(const csvin_row_t *row, const int *cols, oproep_t *c)
{
    size_t len;
    const char *s;
    int64_t v;

    memset(c, 0, sizeof *c);
    s = cell(row, cols[OC_NAME], &len);
    if (len == 0 || len >= sizeof c->name) return "oproep is empty or longer than 63 bytes";
    memcpy(c->name, s, len);
    s = cell(row, cols[OC_SLUIT], &len);
    if (val_parse_date(s, len, &c->sluit_op) != KPM_OK)
        return "sluit_op is not a date (YYYY-MM-DD)";
    s = cell(row, cols[OC_MIN], &len);
    if (val_parse_int(s, len, 0, 5, &v) != KPM_OK)
        return "min_criteria is not a whole number from 0 to 5";
    c->min_criteria = (int)v;
    s = cell(row, cols[OC_CLIENT], &len);
    if (val_equals_ci(s, len, "ja"))
        c->client_required = 1;
    else if (!val_equals_ci(s, len, "nee"))
        return "clientorganisatie_vereist is not ja or nee";
    s = cell(row, cols[OC_OMSCHRIJVING], &len);
    snprintf(c->omschrijving, sizeof c->omschrijving, "%.*s", (int)len, s);
    return NULL;
}

oproepen_t *oproepen_load(const char *path, int missing_ok, char *err, size_t errlen)
{
    oproepen_t *o = calloc(1, sizeof *o);
    char cerr[512] = "";
    csvin_t *r = NULL;
    csvin_row_t row;
    int cols[OC_N] = {-1, -1, -1, -1, -1}, rc;
    const char *msg = NULL;
    size_t cap = 0;

    if (o == NULL) goto nomem;
    if (missing_ok && access(path, F_OK) != 0 && errno == ENOENT) {
        if ((o->c = malloc(sizeof *o->c)) == NULL) goto nomem;
        o->c[0] = contract_call;
        o->n = 1;
        return o;
    }
    if ((r = csvin_open(path, cerr, sizeof cerr)) == NULL) {
        snprintf(err, errlen, "calls: %s", cerr);
        goto fail;
    }
    if ((rc = csvin_next(r, &row)) <= 0) {
        snprintf(err, errlen, "calls '%s': %s", path,
                 rc == 0 ? "the file is empty" : csvin_error(r));
        goto fail;
    }
    for (size_t f = 0; f < row.n; f++) {
        size_t len = row.lens[f];
        const char *s = val_trim(row.fields[f], &len);
        for (int k = 0; k < OC_N; k++)
            if (val_equals_ci(s, len, oc_names[k])) cols[k] = (int)f;
    }
    for (int k = 0; k < OC_OMSCHRIJVING; k++) {
        if (cols[k] < 0) {
            snprintf(err, errlen, "calls '%s' line %ld: required column '%s' is missing", path,
                     row.line, oc_names[k]);
            goto fail;
        }
    }
    while ((rc = csvin_next(r, &row)) > 0) {
        size_t blank = 1;
        for (size_t f = 0; f < row.n; f++) {
            size_t len = row.lens[f];
            val_trim(row.fields[f], &len);
            blank &= len == 0;
        }
        if (blank) continue;
        if (o->n == cap) {
            cap = cap ? cap * 2 : 4;
            oproep_t *n = realloc(o->c, cap * sizeof *n);
            if (n == NULL) goto nomem;
            o->c = n;
        }
        if ((msg = row.unterminated || row.too_wide
                       ? "the row cannot be read"
                       : parse_call(&row, cols, &o->c[o->n])) != NULL) {
            snprintf(err, errlen, "calls '%s' line %ld: %s", path, row.line, msg);
            goto fail;
        }
        o->n++;
    }
    if (rc < 0) {
        snprintf(err, errlen, "calls '%s': %s", path, csvin_error(r));
        goto fail;
    }
    if (o->n == 0) {
        snprintf(err, errlen, "calls '%s': lists no call", path);
        goto fail;
    }
    qsort(o->c, o->n, sizeof *o->c, cmp_call);
    csvin_close(&r);
    return o;
nomem:
    snprintf(err, errlen, "calls: out of memory");
fail:
    csvin_close(&r);
    oproepen_destroy(&o);
    return NULL;
}

size_t oproepen_count(const oproepen_t *o)
{
    return o ? o->n : 0;
}

const oproep_t *oproepen_get(const oproepen_t *o, size_t i)
{
    return o && i < o->n ? &o->c[i] : NULL;
}

const oproep_t *oproepen_for(const oproepen_t *o, int32_t yyyymmdd, int *late)
{
    *late = 0;
    if (o == NULL || o->n == 0) return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (yyyymmdd <= o->c[i].sluit_op) return &o->c[i];
    *late = 1;
    return &o->c[o->n - 1];
}

void oproepen_date_nl(int32_t d, char *buf, size_t len)
{
    static const char *const months[12] = {"januari",   "februari", "maart",    "april",
                                           "mei",       "juni",     "juli",     "augustus",
                                           "september", "oktober",  "november", "december"};
    int m = d / 100 % 100;

    snprintf(buf, len, "%d %s %d", d % 100, m >= 1 && m <= 12 ? months[m - 1] : "?", d / 10000);
}
