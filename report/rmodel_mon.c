/* rmodel_mon.c - the monitoring chapter of the report model: adviser days
 * against the allotment per tranche, meetings per type and year against the
 * call's rhythm with the reach beyond the koplopers, budgets per tranche,
 * client experience of koploper gemeenten against the others with the change
 * since their start, and the use of client support per month. */
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

/* "januari 2021" (full) or "jan 2021" of "2021-01"; the text as is when it is
 * not a month. */
static const char *month_nl(rdoc_t *d, const char *ym, int full)
{
    int y, m;
    char dash;

    if (sscanf(ym, "%4d%c%2d", &y, &dash, &m) != 3 || dash != '-' || m < 1 || m > 12)
        return rd_fmt(d, "%s", ym);
    return rd_fmt(d, "%.*s %d", full ? 20 : 3, rd_months[m - 1], y);
}

static void usage(rdoc_t *d)
{
    static const char *const names[2] = {"Koplopergemeenten", "Andere gemeenten"};
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
        x[i] = month_nl(d, ms[i].m, 0);
        for (int g = 0; g < 2; g++) {
            v[(size_t)g * n + i] = ms[i].v[g];
            has[(size_t)g * n + i] = ms[i].has[g];
            rd_set(&tb, row, 1 + (size_t)g, ms[i].has[g] ? rd_int(d, ms[i].v[g]) : RD_NONE);
        }
        rd_set(&tb, row, 0, month_nl(d, ms[i].m, 1));
        rd_set(&tb, row, 3,
               ms[i].has[0] || ms[i].has[1] ? rd_int(d, ms[i].v[0] + ms[i].v[1]) : RD_NONE);
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

/* ---- per tranche (adviesinzet, middelen) ---- */

static double num(const rtable_t *t, size_t r, int c)
{
    const wire_value_t *v = rtable_cell(t, r, c);

    return v->type == WIRE_VAL_REAL ? v->r : v->type == WIRE_VAL_INT ? (double)v->i : 0.0;
}

static const char *const statuses[4] = {"actief", "netwerkfase", "afgerond", ""};
static const char *const status_labels[4] = {"Actief", "Netwerkfase", "Afgerond", "Onbekend"};

/* The group of row r of adviesinzet: its tranche's index in tr[], or (by
 * status) the index of its koploper's status in the register (programma). */
static size_t adviser_group(rdoc_t *d, const rtable_t *t, size_t r, const int64_t *tr, size_t n_tr,
                            int by_status)
{
    if (by_status) {
        const rtable_t *reg = d->m->tables[T_PROGRAMMA];
        long k =
            rtable_find_str(reg, "koploper_id", rtable_str(t, r, rtable_col(t, "koploper_id")));
        wire_str_t st =
            k >= 0 ? rtable_str(reg, (size_t)k, rtable_col(reg, "status")) : (wire_str_t){"", 0};
        for (size_t g = 0; g < 3; g++)
            if (wire_str_eq(st, statuses[g])) return g;
        return 3;
    }
    for (size_t g = 0; g < n_tr; g++)
        if (rtable_int(t, r, rtable_col(t, "tranche")) == tr[g]) return g;
    return n_tr;
}

/* Adviser days per tranche (with a chart) or per status, against the allotment. */
static void advisers_by(rdoc_t *d, const rtable_t *t, int by_status)
{
    int cd = rtable_col(t, "dagen"), ca = rtable_col(t, "dagen_toegekend");
    int64_t tr[64];
    size_t n = by_status ? 4 : rd_tranches(t, tr, 64);
    wire_str_t *labels = rd_alloc(d, (n + 1) * sizeof *labels);
    double *values = rd_alloc(d, (n + 1) * sizeof *values);
    size_t shown = 0;
    rtb_t tb;

    if (d->oom) return;
    rd_table(&tb, d, 6,
             by_status ? "Adviesdagen per status van de koploper tegenover de toekenning"
                       : "Adviesdagen per tranche tegenover de toekenning");
    rd_cols(&tb,
            (const char *const[]){by_status ? "Status" : "Tranche", "#Koplopers", "#Adviesdagen",
                                  "#Gemiddeld per koploper", "#Gemiddeld deel van de toekenning",
                                  "#Koplopers boven de toekenning", NULL});
    for (size_t i = 0; i <= n; i++) {
        int total = i == n;
        double sum = 0, alloc = 0;
        int64_t k = 0, over = 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            if (!total && adviser_group(d, t, r, tr, n, by_status) != i) continue;
            k++;
            sum += num(t, r, cd);
            alloc += num(t, r, ca);
            over += num(t, r, cd) > num(t, r, ca);
        }
        if (k == 0 && !total) continue;
        const char *l = total       ? "Totaal"
                        : by_status ? status_labels[i]
                                    : rd_fmt(d, "Tranche %" PRId64, tr[i]);
        size_t row = rd_row(&tb, total ? RROW_TOTAL : RROW_PLAIN);
        rd_set(&tb, row, 0, l);
        rd_set(&tb, row, 1, rd_int(d, k));
        rd_set(&tb, row, 2, rd_dec(d, sum, 1));
        rd_set(&tb, row, 3, k > 0 ? rd_dec(d, sum / (double)k, 1) : RD_NONE);
        rd_set(&tb, row, 4,
               alloc > 0 ? rd_fmt(d, "%s%%", rd_dec(d, 100.0 * sum / alloc, 0)) : RD_NONE);
        rd_set(&tb, row, 5, rd_int(d, over));
        if (!total) {
            labels[shown] = (wire_str_t){l, (uint32_t)strlen(l)};
            values[shown++] = alloc > 0 ? 100.0 * sum / alloc : -1;
        }
    }
    rd_table_end(&tb, by_status ? "Status: die van de koploper in het huidige register."
                                : "Adviesdagen: de gewerkte uren van de adviseurs gedeeld door de "
                                  "uren van een werkdag.");
    if (by_status) return;
    rfig_t *f =
        rd_figure(d, RF_BARS, "Ingezette adviesdagen per tranche, in procenten van de toekenning");
    f->labels = labels;
    f->values = values;
    f->n = shown;
}

static void advisers(rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_ADVIESINZET];
    double allot;

    rd_heading(d, 3, NULL, "Inzet van de adviseurs");
    if (t == NULL || t->n_rows == 0 || d->oom) {
        rd_para(d, "Er zijn nog geen gegevens over de inzet van de adviseurs ontvangen.");
        return;
    }
    allot = num(t, 0, rtable_col(t, "dagen_toegekend"));
    rd_para(d, rd_fmt(d,
                      "Elke koploper heeft recht op %s adviesdagen. Per tranche en per status "
                      "de ingezette dagen van de adviseurs, opgeteld en per koploper, tegenover "
                      "die toekenning.",
                      rd_dec(d, allot, allot == (double)(int64_t)allot ? 0 : 1)));
    advisers_by(d, t, 0);
    if (d->m->tables[T_PROGRAMMA] != NULL) advisers_by(d, t, 1);
}

static void budgets_per_year(rdoc_t *d);

static void budgets(rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_MIDDELEN];
    int ct = rtable_col(t, "tranche"), ce = rtable_col(t, "toegekend_eur"),
        cc = rtable_col(t, "clienten_bereikt");
    int64_t tr[64];
    size_t n = rd_tranches(t, tr, 64);
    wire_str_t *labels = rd_alloc(d, (n + 1) * sizeof *labels);
    double *values = rd_alloc(d, (n + 1) * sizeof *values);
    double grand = 0;
    rtb_t tb;

    rd_heading(d, 3, NULL, "Financiële middelen");
    if (t == NULL || t->n_rows == 0 || d->oom) {
        rd_para(d, "Er zijn nog geen gegevens over de toegekende middelen ontvangen.");
        return;
    }
    for (size_t r = 0; r < t->n_rows; r++)
        grand += num(t, r, ce);
    rd_table(&tb, d, 5, "Toegekende middelen per tranche (alle jaren en circulaires)");
    rd_cols(&tb, (const char *const[]){"Tranche", "#Koplopers", "#Toegekend", "#Cliënten bereikt",
                                       "#Per bereikte cliënt", NULL});
    for (size_t i = 0; i <= n; i++) {
        int total = i == n, any = 0;
        double eur = 0;
        int64_t k = 0, clients = 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            if (!total && rtable_int(t, r, ct) != tr[i]) continue;
            k++;
            eur += num(t, r, ce);
            if (rtable_cell(t, r, cc)->type == WIRE_VAL_INT)
                clients += rtable_int(t, r, cc), any = 1;
        }
        size_t row = rd_row(&tb, total ? RROW_TOTAL : RROW_PLAIN);
        rd_set(&tb, row, 0, total ? "Totaal" : rd_fmt(d, "Tranche %" PRId64, tr[i]));
        rd_set(&tb, row, 1, rd_int(d, k));
        rd_set(&tb, row, 2, rd_eur(d, eur));
        rd_set(&tb, row, 3, any ? rd_int(d, clients) : RD_NONE);
        rd_set(&tb, row, 4, any && clients > 0 ? rd_eur(d, eur / (double)clients) : RD_NONE);
        if (!total) {
            const char *l = rd_fmt(d, "Tranche %" PRId64, tr[i]);
            labels[i] = (wire_str_t){l, (uint32_t)strlen(l)};
            values[i] = grand > 0 ? 100.0 * eur / grand : -1;
        }
    }
    rd_table_end(&tb, "Toegekend: de projectmiddelen van alle jaren en circulaires samen. Cliënten "
                      "bereikt: volgens de gebruiksgegevens van de gemeenten van de koplopers.");
    rfig_t *f = rd_figure(d, RF_BARS, "Aandeel van elke tranche in de toegekende middelen");
    f->labels = labels;
    f->values = values;
    f->n = n;
    budgets_per_year(d);
}

/* The circulaire of a middelen_jaar row: 0 mei, 1 september, 2 not given. */
static size_t circulaire_of(wire_str_t c)
{
    return wire_str_eq(c, "mei") ? 0 : wire_str_eq(c, "september") ? 1 : 2;
}

/* Whether row r of t starts another year (column cj; the rows are by year). */
static int year_starts(const rtable_t *t, int cj, size_t r)
{
    return r == 0 || rtable_int(t, r, cj) != rtable_int(t, r - 1, cj);
}

/* A chart of the budgets per year (the last 8) and circulaire, in whole euros,
 * summed over the tranches; a circulaire no row has is left out. */
static void budgets_chart(rdoc_t *d, const rtable_t *t, const rtab_t *tab)
{
    static const char *const names[3] = {"Meicirculaire", "Septembercirculaire",
                                         "Circulaire niet opgegeven"};
    int cj = rtable_col(t, "jaar"), cc = rtable_col(t, "circulaire"),
        ce = rtable_col(t, "toegekend_eur");
    size_t n_years = 0, used[3] = {0, 0, 0};

    for (size_t r = 0; r < t->n_rows; r++) {
        n_years += year_starts(t, cj, r);
        used[circulaire_of(rtable_str(t, r, cc))] = 1;
    }
    size_t off = n_years > RSVG_MAX_CATS ? n_years - RSVG_MAX_CATS : 0, n_s = 0, col[3];
    const char **series = rd_alloc(d, 3 * sizeof *series);
    rsvg_group_row_t *rows = rd_alloc(d, (n_years + 1) * sizeof *rows);
    int64_t *eur = rd_alloc(d, (n_years + 1) * 3 * sizeof *eur);
    double *sum = rd_alloc(d, (n_years + 1) * 3 * sizeof *sum); /* zeroed, as all of rd_alloc */
    if (d->oom) return;
    for (size_t k = 0; k < 3; k++)
        if (used[k]) {
            col[k] = n_s;
            series[n_s++] = names[k];
        }
    for (size_t r = 0, y = 0, seen = 0; r < t->n_rows; r++) {
        if (year_starts(t, cj, r)) {
            y = seen++;
            const char *label = rd_fmt(d, "%" PRId64, rtable_int(t, r, cj));
            rows[y].label = (wire_str_t){label, (uint32_t)strlen(label)};
            rows[y].v = &eur[y * n_s];
        }
        sum[y * n_s + col[circulaire_of(rtable_str(t, r, cc))]] += num(t, r, ce);
    }
    for (size_t i = 0; i < n_years * n_s; i++)
        eur[i] = (int64_t)(sum[i] + 0.5);
    rd_grouped(d, "Toegekende middelen per jaar en circulaire (in euro, alle tranches samen)",
               rows + off, n_years - off, series, n_s, tab);
}

/* Budgets per year, circulaire and tranche, with a total per year and overall. */
static void budgets_per_year(rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_MIDDELEN_JAAR];
    int cj = rtable_col(t, "jaar"), cc = rtable_col(t, "circulaire"),
        ce = rtable_col(t, "toegekend_eur");
    double grand = 0;
    int64_t grand_k = 0;
    rtb_t tb;

    if (t == NULL || t->n_rows == 0) return;
    rd_table(&tb, d, 5, "Toegekende middelen per jaar, tranche en circulaire");
    rd_cols(&tb, (const char *const[]){"Jaar", "Tranche", "Circulaire", "#Koplopers", "#Toegekend",
                                       NULL});
    for (size_t r0 = 0, r1; r0 < t->n_rows; r0 = r1) {
        double year = 0;
        int64_t year_k = 0;
        for (r1 = r0; r1 < t->n_rows && rtable_int(t, r1, cj) == rtable_int(t, r0, cj); r1++) {
            wire_str_t c = rtable_str(t, r1, cc);
            size_t row = rd_row(&tb, RROW_PLAIN);
            rd_set(&tb, row, 0, rd_fmt(d, "%" PRId64, rtable_int(t, r1, cj)));
            rd_set(&tb, row, 1,
                   rd_fmt(d, "Tranche %" PRId64, rtable_int(t, r1, rtable_col(t, "tranche"))));
            rd_set(&tb, row, 2,
                   wire_str_eq(c, "mei")         ? "Meicirculaire"
                   : wire_str_eq(c, "september") ? "Septembercirculaire"
                                                 : "Niet opgegeven");
            rd_set(&tb, row, 3, rd_cell(d, t, r1, rtable_col(t, "koplopers"), 0, ""));
            rd_set(&tb, row, 4, rd_eur(d, num(t, r1, ce)));
            year += num(t, r1, ce);
            year_k += rtable_int(t, r1, rtable_col(t, "koplopers"));
        }
        size_t row = rd_row(&tb, RROW_TOTAL);
        rd_set(&tb, row, 0, rd_fmt(d, "Totaal %" PRId64, rtable_int(t, r0, cj)));
        rd_set(&tb, row, 3, rd_int(d, year_k));
        rd_set(&tb, row, 4, rd_eur(d, year));
        grand += year;
        grand_k += year_k;
    }
    size_t row = rd_row(&tb, RROW_TOTAL);
    rd_set(&tb, row, 0, "Totaal");
    rd_set(&tb, row, 3, rd_int(d, grand_k));
    rd_set(&tb, row, 4, rd_eur(d, grand));
    rd_table_end(&tb, "Koplopers: het aantal toekenningen (een koploper per jaar en circulaire).");
    budgets_chart(d, t, tb.t);
}

/* ---- meetings against the call's rhythm ---- */

static const struct {
    const char *type, *label, *rhythm;
    int min, max; /* per year; 0, 0: no rhythm set */
} meeting_types[] = {
    {"projectleiders", "Projectleidersbijeenkomst", "3 per jaar", 3, 3},
    {"intervisie", "Lerende cirkel (intervisie)", "4 à 5 per jaar", 4, 5},
    {"congres", "Landelijk congres", "1 per jaar", 1, 1},
    {"masterclass", "Masterclass", "geen vast aantal", 0, 0},
    {"thema", "Themabijeenkomst", "geen vast aantal", 0, 0},
    {"regio", "Regiobijeenkomst", "geen vast aantal", 0, 0},
};

#define N_MEETING_TYPES (sizeof meeting_types / sizeof meeting_types[0])

/* Charts of the meetings table tab: per type (those with a rhythm, and the
 * others that took place) the number per year (the last 8 years: a bar each)
 * against the rhythm; per year
 * the participants from koploper gemeenten and from others. counts[k *
 * n_years + y] and reach[y * 2 + g] as in the table. */
static void meeting_charts(rdoc_t *d, const rtab_t *tab, const int64_t *years, size_t n_years,
                           const int64_t *counts, const int64_t *reach)
{
    const char **names = rd_alloc(d, (n_years + 1) * sizeof *names);
    rsvg_group_row_t *rows = rd_alloc(d, (N_MEETING_TYPES + n_years) * sizeof *rows);
    static const char *const from[2] = {"Uit koplopergemeenten", "Uit andere gemeenten"};
    size_t n = 0, off = n_years > RSVG_MAX_CATS ? n_years - RSVG_MAX_CATS : 0; /* last 8 years */

    if (d->oom || n_years == 0) return;
    for (size_t y = 0; y < n_years; y++)
        names[y] = rd_fmt(d, "%" PRId64, years[y]);
    for (size_t k = 0; k < N_MEETING_TYPES; k++) {
        int64_t any = 0;
        for (size_t y = off; y < n_years; y++)
            any += counts[k * n_years + y];
        if (any == 0 && meeting_types[k].min == 0) continue;
        rows[n].label =
            (wire_str_t){meeting_types[k].label, (uint32_t)strlen(meeting_types[k].label)};
        rows[n].v = &counts[k * n_years + off];
        rows[n].has_target = meeting_types[k].min > 0;
        rows[n].lo = meeting_types[k].min;
        rows[n++].hi = meeting_types[k].max;
    }
    rfig_t *f = rd_grouped(d, "Bijeenkomsten per soort en jaar tegenover het ritme van de oproep",
                           rows, n, names + off, n_years - off, tab);
    f->target = "Volgens de oproep";
    for (size_t y = 0; y < n_years; y++) {
        rows[n + y].label = (wire_str_t){names[y], (uint32_t)strlen(names[y])};
        rows[n + y].v = &reach[y * 2];
    }
    rd_grouped(d,
               "Deelnemers aan bijeenkomsten per jaar: uit koplopergemeenten en uit andere "
               "gemeenten",
               rows + n, n_years, from, 2, tab);
}

static void meetings(rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_BIJEENKOMSTEN];
    int cj = rtable_col(t, "jaar"), ct = rtable_col(t, "type"),
        ca = rtable_col(t, "aantal_bijeenkomsten");
    int64_t *years = NULL, *counts, *reach;
    size_t n_years = 0;
    int64_t tot[3] = {0, 0, 0};
    rtb_t tb;

    rd_heading(d, 3, NULL, "Bijeenkomsten");
    if (t == NULL || t->n_rows == 0) {
        rd_para(d, "Er zijn nog geen gegevens over bijeenkomsten ontvangen.");
        return;
    }
    if (rtable_distinct_ints((rtable_t *const *)&d->m->tables[T_BIJEENKOMSTEN], 1, "jaar", &years,
                             &n_years) != 0)
        d->oom = 1;
    counts = rd_alloc(d, (N_MEETING_TYPES * n_years + 1) * sizeof *counts);
    reach = rd_alloc(d, (2 * n_years + 1) * sizeof *reach);
    if (d->oom) {
        free(years);
        return;
    }
    rd_para(d,
            "De oproep vraagt per jaar drie bijeenkomsten voor de projectleiders, vier à vijf "
            "lerende cirkels (intervisie) en één landelijk congres. Per jaar en soort het aantal "
            "bijeenkomsten tegenover dat ritme, en wie er kwamen: deelnemers uit de gemeenten "
            "van koplopers en uit andere gemeenten (het bereik buiten de koplopers).");
    rd_table(&tb, d, 7, "Bijeenkomsten per jaar en soort tegenover het ritme van de oproep");
    rd_cols(&tb, (const char *const[]){"Jaar", "Soort", "#Aantal", "Volgens de oproep",
                                       "#Deelnemers uit koplopergemeenten",
                                       "#Deelnemers uit andere gemeenten",
                                       "#Andere gemeenten bereikt", NULL});
    for (size_t y = 0; y < n_years; y++) {
        for (size_t k = 0; k < N_MEETING_TYPES; k++) {
            long r = -1;
            for (size_t i = 0; i < t->n_rows && r < 0; i++)
                if (rtable_is_int(t, i, cj, years[y]) &&
                    wire_str_eq(rtable_str(t, i, ct), meeting_types[k].type))
                    r = (long)i;
            if (r < 0 && meeting_types[k].min == 0) continue;
            int64_t count = r >= 0 ? rtable_int(t, (size_t)r, ca) : 0;
            counts[k * n_years + y] = count;
            int below = meeting_types[k].min > 0 && count < meeting_types[k].min;
            size_t row = rd_row(&tb, below ? RROW_STRONG : RROW_PLAIN);
            rd_set(&tb, row, 0, rd_fmt(d, "%" PRId64, years[y]));
            rd_set(&tb, row, 1, meeting_types[k].label);
            rd_set(&tb, row, 2, rd_int(d, count));
            rd_set(&tb, row, 3,
                   meeting_types[k].min == 0 ? meeting_types[k].rhythm
                   : below                   ? rd_fmt(d, "%s: minder", meeting_types[k].rhythm)
                   : count > meeting_types[k].max
                       ? rd_fmt(d, "%s: meer", meeting_types[k].rhythm)
                       : rd_fmt(d, "%s: gehaald", meeting_types[k].rhythm));
            for (int c = 0; c < 3; c++) {
                static const char *const cols[3] = {
                    "deelnemers_koploper", "deelnemers_niet_koploper", "gemeenten_niet_koploper"};
                int64_t v = r >= 0 ? rtable_int(t, (size_t)r, rtable_col(t, cols[c])) : 0;
                tot[c] += c < 2 ? v : 0;
                if (c < 2) reach[y * 2 + (size_t)c] += v;
                rd_set(&tb, row, 4 + (size_t)c, rd_int(d, v));
            }
        }
    }
    size_t row = rd_row(&tb, RROW_TOTAL);
    rd_set(&tb, row, 0, "Totaal");
    rd_set(&tb, row, 4, rd_int(d, tot[0]));
    rd_set(&tb, row, 5, rd_int(d, tot[1]));
    rd_table_end(&tb,
                 "Vet: minder bijeenkomsten dan de oproep vraagt. Andere gemeenten bereikt: "
                 "het aantal verschillende gemeenten zonder koploper waaruit deelnemers kwamen.");
    meeting_charts(d, tb.t, years, n_years, counts, reach);
    free(years);
}

/* ---- client experience ---- */

static void experience(rdoc_t *d)
{
    const rtable_t *t = d->m->tables[T_ERVARING];
    int cj = rtable_col(t, "jaar"), cg = rtable_col(t, "groep");
    int64_t *years = NULL;
    size_t n_years = 0;
    rtb_t tb;

    rd_heading(d, 3, NULL, "Ervaringen van cliënten");
    if (t == NULL || t->n_rows == 0) {
        rd_para(d, "Er zijn nog geen gegevens over de ervaringen van cliënten ontvangen.");
        return;
    }
    if (rtable_distinct_ints((rtable_t *const *)&d->m->tables[T_ERVARING], 1, "jaar", &years,
                             &n_years) != 0)
        d->oom = 1;
    rd_para(d, "Uit de onderzoeken onder inwoners: het deel dat onafhankelijke "
               "cliëntondersteuning kent en het deel dat er tevreden over is, in de gemeenten van "
               "koplopers en in de andere gemeenten, gewogen naar het aantal respondenten. De "
               "verandering sinds de start vergelijkt dezelfde koplopergemeenten met het jaar "
               "waarin hun koploper begon.");
    rd_table(&tb, d, 8, "Bekendheid en tevredenheid, koplopergemeenten tegenover andere gemeenten");
    rd_cols(&tb, (const char *const[]){
                     "Jaar", "Gemeenten", "#Aantal gemeenten", "#Respondenten", "#Bekend",
                     "#Tevreden", "#Bekend: verandering sinds de start (procentpunten)",
                     "#Tevreden: verandering sinds de start (procentpunten)", NULL});
    int64_t *v = rd_alloc(d, 2 * n_years * sizeof *v + 1);
    int *has = rd_alloc(d, 2 * n_years * sizeof *has + 1);
    const char **x = rd_alloc(d, n_years * sizeof *x + 1);
    for (size_t r = 0; !d->oom && r < t->n_rows; r++) {
        int kop = wire_str_eq(rtable_str(t, r, cg), "koploper");
        size_t row = rd_row(&tb, RROW_PLAIN), y = 0;
        rd_set(&tb, row, 0, rd_fmt(d, "%" PRId64, rtable_int(t, r, cj)));
        rd_set(&tb, row, 1, kop ? "Koplopergemeenten" : "Andere gemeenten");
        rd_set(&tb, row, 2, rd_cell(d, t, r, rtable_col(t, "gemeenten"), 0, ""));
        rd_set(&tb, row, 3, rd_cell(d, t, r, rtable_col(t, "respondenten"), 0, ""));
        rd_set(&tb, row, 4, rd_cell(d, t, r, rtable_col(t, "bekend_pct"), 0, "%"));
        rd_set(&tb, row, 5, rd_cell(d, t, r, rtable_col(t, "tevreden_pct"), 0, "%"));
        for (int c = 0; c < 2; c++) {
            const wire_value_t *dv =
                rtable_cell(t, r, rtable_col(t, c ? "verschil_tevreden_pp" : "verschil_bekend_pp"));
            double dd = dv->type == WIRE_VAL_REAL ? dv->r : (double)dv->i;
            rd_set(&tb, row, 6 + (size_t)c,
                   dv->type == WIRE_VAL_NIL
                       ? RD_NONE
                       : rd_fmt(d, "%s%s", dd > 0.05 ? "+" : "", rd_dec(d, dd, 1)));
        }
        while (y < n_years && years[y] != rtable_int(t, r, cj))
            y++;
        if (y < n_years && rtable_cell(t, r, rtable_col(t, "bekend_pct"))->type != WIRE_VAL_NIL) {
            v[(kop ? 0 : n_years) + y] = (int64_t)(num(t, r, rtable_col(t, "bekend_pct")) + 0.5);
            has[(kop ? 0 : n_years) + y] = 1;
        }
    }
    rd_table_end(&tb,
                 "Bekend en tevreden: percentages van de respondenten, gewogen naar hun aantal "
                 "per gemeente.");
    for (size_t y = 0; !d->oom && y < n_years; y++)
        x[y] = rd_fmt(d, "%" PRId64, years[y]);
    rsvg_series_t *series = rd_alloc(d, 2 * sizeof *series);
    if (!d->oom && n_years > 0) {
        series[0] = (rsvg_series_t){"Koplopergemeenten", v, has};
        series[1] = (rsvg_series_t){"Andere gemeenten", v + n_years, has + n_years};
        rfig_t *f = rd_figure(d, RF_LINES,
                              "Bekendheid van onafhankelijke cliëntondersteuning per jaar (%)");
        f->x = x;
        f->n = n_years;
        f->series = series;
        f->n_series = 2;
    }
    free(years);
}

void rmodel_monitoring(rdoc_t *d)
{
    rd_chapter(d, "monitoring", "Monitoring");
    advisers(d);
    meetings(d);
    budgets(d);
    experience(d);
    usage(d);
}
