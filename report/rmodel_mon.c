/* rmodel_mon.c - the monitoring chapter of the report model: the use of
 * client support per month, koploper gemeenten against the others. */
#include "rmodel_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char m[16];   /* "YYYY-MM" */
    int64_t v[2]; /* koploper gemeenten, other gemeenten */
    int has[2];
} month_t;

static int month_cmp(const void *a, const void *b)
{
    return strcmp(((const month_t *)a)->m, ((const month_t *)b)->m);
}

/* Sums per month and koploper flag of the (month, gemeente) sums, ascending. */
static month_t *usage_months(rdoc_t *d, size_t *n)
{
    const rmodel_t *m = d->m;
    size_t cap = strmap_count(m->usage), i = 0, j, len;
    month_t *out = rd_alloc(d, (cap + 1) * sizeof *out);
    const char *key;
    void *val;

    *n = 0;
    if (out == NULL || d->oom) return NULL;
    while (strmap_entry(m->usage, &i, &key, &len, &val)) {
        const char *tab = memchr(key, '\t', len);
        const rusage_t *u = &m->use[(uintptr_t)val - 1];
        size_t ml = tab != NULL ? (size_t)(tab - key) : 0;
        int g;
        if (tab == NULL || ml >= sizeof out->m) continue;
        g = (uintptr_t)strmap_get(m->koploper, tab + 1, len - ml - 1) == 1 ? 0 : 1;
        for (j = 0; j < *n; j++)
            if (strlen(out[j].m) == ml && memcmp(out[j].m, key, ml) == 0) break;
        if (j == *n) {
            memcpy(out[j].m, key, ml);
            (*n)++;
        }
        if (u->has) {
            out[j].v[g] += u->sum;
            out[j].has[g] = 1;
        }
    }
    if (*n > 1) qsort(out, *n, sizeof *out, month_cmp);
    return out;
}

static void usage(rdoc_t *d)
{
    static const char *const names[2] = {"Koplopergemeenten", "Overige gemeenten"};
    size_t n = 0;
    month_t *ms = usage_months(d, &n);
    int64_t *v;
    int *has;
    const char **x;
    rsvg_series_t *series;
    rtb_t tb;
    rfig_t *f;

    rd_heading(d, 3, NULL, "Gebruik van cliëntondersteuning");
    if (ms == NULL || n == 0) {
        rd_para(d, "Er zijn nog geen gebruiksgegevens ontvangen.");
        return;
    }
    v = rd_alloc(d, 2 * n * sizeof *v);
    has = rd_alloc(d, 2 * n * sizeof *has);
    x = rd_alloc(d, n * sizeof *x);
    series = rd_alloc(d, 2 * sizeof *series);
    if (d->oom) return;
    rd_para(d, "Het aantal nieuwe vragen per maand, opgeteld over de gemeenten en de soorten "
               "aanbieders. Koplopergemeenten zijn de gemeenten van een koploper in het huidige "
               "register.");
    rd_table(&tb, d, 4, "Nieuwe vragen per maand");
    rd_col(&tb, 0, "Maand", 0);
    rd_col(&tb, 1, names[0], 1);
    rd_col(&tb, 2, names[1], 1);
    rd_col(&tb, 3, "Totaal", 1);
    for (size_t i = 0; i < n; i++) {
        size_t row = rd_row(&tb, RROW_PLAIN);
        x[i] = rd_fmt(d, "%s", ms[i].m);
        for (int g = 0; g < 2; g++) {
            v[(size_t)g * n + i] = ms[i].v[g];
            has[(size_t)g * n + i] = ms[i].has[g];
            rd_set(&tb, row, 1 + (size_t)g, ms[i].has[g] ? rd_int(d, ms[i].v[g]) : RD_NONE);
        }
        rd_set(&tb, row, 0, x[i]);
        rd_set(&tb, row, 3, ms[i].has[0] || ms[i].has[1] ? rd_int(d, ms[i].v[0] + ms[i].v[1]) : RD_NONE);
    }
    rd_table_end(&tb, NULL);
    series[0] = (rsvg_series_t){names[0], v, has};
    series[1] = (rsvg_series_t){names[1], v + n, has + n};
    f = rd_figure(d, RF_LINES, "Nieuwe vragen per maand");
    f->x = x;
    f->n = n;
    f->series = series;
    f->n_series = 2;
}

void rmodel_monitoring(rdoc_t *d)
{
    rd_chapter(d, "monitoring", "Monitoring");
    usage(d);
}
