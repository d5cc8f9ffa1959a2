/* tables_prog.c - the programme overview tables (see tables_prog.h). */
#include "tables_prog.h"

#include "kpm_err.h"
#include "oproepen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_koploper_id(const void *a, const void *b)
{
    const agg_koploper_t *x = *(const agg_koploper_t *const *)a,
                         *y = *(const agg_koploper_t *const *)b;
    return strcmp(x->id, y->id);
}

/* The province of a koploper's gemeenten: the one, "meerdere", or NULL. */
static const char *province(const agg_state_t *s, const agg_koploper_t *k)
{
    const char *p = NULL;

    for (size_t g = 0; g < k->n_gemeenten; g++) {
        const agg_gemeente_t *gm =
            strmap_get(s->gemeenten, k->gemeenten[g], strlen(k->gemeenten[g]));
        if (!gm || !gm->provincie || !gm->provincie[0]) continue;
        if (p && strcmp(p, gm->provincie) != 0) return "meerdere";
        p = gm->provincie;
    }
    return p;
}

static int emit_register(const agg_state_t *s, const agg_koploper_t **kl, size_t n, table_out_t *w)
{
    static const char *const cols[] = {"koploper_id", "text",      "naam",      "text",   "tranche",
                                       "int",         "startjaar", "int",       "status", "text",
                                       "gemeenten",   "int",       "provincie", "text",   NULL};
    int rc = table_out_begin(w, "programma", 0, cols);
    for (size_t i = 0; !rc && i < n; i++) {
        const agg_koploper_t *k = kl[i];
        const char *p = province(s, k);
        table_out_row(w);
        table_out_str(w, k->id);
        table_out_str(w, k->naam ? k->naam : "");
        table_out_int(w, k->tranche);
        table_out_int(w, k->startjaar);
        if (k->status && k->status[0])
            table_out_str(w, k->status);
        else
            table_out_nil(w);
        table_out_int(w, (int64_t)k->n_gemeenten);
        if (p)
            table_out_str(w, p);
        else
            table_out_nil(w);
        rc = table_out_put(w);
    }
    return rc ? rc : table_out_end(w);
}

/* One cell of programma_uitvraag. */
typedef struct {
    int32_t meting, tranche;
    const char *status, *versie;
    int64_t invited, responded;
} cell_t;

static int cmp_cell(const void *a, const void *b)
{
    const cell_t *x = a, *y = b;
    int c;
    if (x->meting != y->meting) return x->meting < y->meting ? -1 : 1;
    if (x->tranche != y->tranche) return x->tranche < y->tranche ? -1 : 1;
    if ((c = strcmp(x->status, y->status)) != 0) return c;
    return strcmp(x->versie, y->versie);
}

static cell_t *cell_of(cell_t **cells, size_t *n, size_t *cap, int32_t meting,
                       const agg_koploper_t *k, const char *versie)
{
    const char *status = k->status ? k->status : "";
    for (size_t i = 0; i < *n; i++) {
        cell_t *c = &(*cells)[i];
        if (c->meting == meting && c->tranche == k->tranche && strcmp(c->status, status) == 0 &&
            strcmp(c->versie, versie) == 0)
            return c;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        cell_t *p = realloc(*cells, nc * sizeof *p);
        if (!p) return NULL;
        *cells = p;
        *cap = nc;
    }
    (*cells)[*n] = (cell_t){meting, k->tranche, status, versie, 0, 0};
    return &(*cells)[(*n)++];
}

static int emit_uitvraag(const agg_state_t *s, const agg_response_t *const *counted,
                         size_t n_counted, table_out_t *w)
{
    static const char *const cols[] = {"meting",  "int",    "tranche", "int",         "status",
                                       "text",    "versie", "text",    "uitgenodigd", "int",
                                       "respons", "int",    NULL};
    cell_t *cells = NULL, *c;
    size_t n = 0, cap = 0, i = 0, len;
    const char *key;
    void *v;
    char dk[96];
    int rc = KPM_OK;

    while (strmap_entry(s->deelnemers, &i, &key, &len, &v)) {
        const agg_deelnemer_t *d = v;
        const agg_koploper_t *k = strmap_get(s->koplopers, d->koploper_id, strlen(d->koploper_id));
        if (!k) continue; /* reported by tables.c */
        if (!(c = cell_of(&cells, &n, &cap, d->meting, k, d->versie))) goto nomem;
        c->invited++;
    }
    for (size_t r = 0; r < n_counted; r++) {
        const agg_response_t *resp = counted[r];
        const agg_koploper_t *k =
            strmap_get(s->koplopers, resp->koploper_id, strlen(resp->koploper_id));
        snprintf(dk, sizeof dk, "%d|%s", (int)resp->meting, resp->koploper_id);
        const agg_deelnemer_t *d = strmap_get(s->deelnemers, dk, strlen(dk));
        if (!k) continue;
        if (!(c = cell_of(&cells, &n, &cap, resp->meting, k, d ? d->versie : ""))) goto nomem;
        c->responded++;
    }
    if (n > 1) qsort(cells, n, sizeof *cells, cmp_cell);
    rc = table_out_begin(w, "programma_uitvraag", 0, cols);
    for (size_t k = 0; !rc && k < n; k++) {
        table_out_row(w);
        table_out_int(w, cells[k].meting);
        table_out_int(w, cells[k].tranche);
        table_out_str(w, cells[k].status);
        table_out_str(w, cells[k].versie);
        table_out_int(w, cells[k].invited);
        table_out_int(w, cells[k].responded);
        rc = table_out_put(w);
    }
    free(cells);
    return rc ? rc : table_out_end(w);
nomem:
    free(cells);
    return KPM_ENOMEM;
}

static int emit_oproepen(const tables_opts_t *o, table_out_t *w)
{
    static const char *const cols[] = {"oproep",
                                       "text",
                                       "sluit_op",
                                       "text",
                                       "min_criteria",
                                       "int",
                                       "clientorganisatie_vereist",
                                       "text",
                                       "omschrijving",
                                       "text",
                                       NULL};
    int rc = table_out_begin(w, "oproepen", 0, cols);
    for (size_t i = 0; !rc && i < oproepen_count(o->oproepen); i++) {
        const oproep_t *c = oproepen_get(o->oproepen, i);
        char iso[16];
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", (int)(c->sluit_op / 10000),
                 (int)(c->sluit_op / 100 % 100), (int)(c->sluit_op % 100));
        table_out_row(w);
        table_out_str(w, c->name);
        table_out_str(w, iso);
        table_out_int(w, c->min_criteria);
        table_out_str(w, c->client_required ? "ja" : "nee");
        table_out_str(w, c->omschrijving);
        rc = table_out_put(w);
    }
    return rc ? rc : table_out_end(w);
}

/* ---- budgets per year, tranche and circulaire ---- */

typedef struct {
    int32_t jaar, tranche;
    const char *circulaire; /* "" when not given */
    int64_t koplopers;      /* rows (a koploper has one per year and circulaire) */
    double eur;
} budget_t;

static int cmp_budget(const void *a, const void *b)
{
    const budget_t *x = a, *y = b;
    if (x->jaar != y->jaar) return x->jaar < y->jaar ? -1 : 1;
    if (x->tranche != y->tranche) return x->tranche < y->tranche ? -1 : 1;
    return strcmp(x->circulaire, y->circulaire);
}

static int emit_budgets(const agg_state_t *s, table_out_t *w)
{
    static const char *const cols[] = {"jaar",          "int",  "tranche",   "int",
                                       "circulaire",    "text", "koplopers", "int",
                                       "toegekend_eur", "dec2", NULL};
    size_t n = 0, cap = strmap_count(s->middelen) + 1, i = 0, len;
    budget_t *b = calloc(cap, sizeof *b);
    const char *key;
    void *v;
    int rc;

    if (!b) return KPM_ENOMEM;
    while (strmap_entry(s->middelen, &i, &key, &len, &v)) {
        const agg_middelen_t *m = v;
        const agg_koploper_t *k = strmap_get(s->koplopers, m->koploper_id, strlen(m->koploper_id));
        size_t j = 0;
        if (!k) continue; /* UNKNOWN_KOPLOPER, reported by tables_mon.c */
        while (j < n && !(b[j].jaar == m->jaar && b[j].tranche == k->tranche &&
                          strcmp(b[j].circulaire, m->circulaire) == 0))
            j++;
        if (j == n) b[n++] = (budget_t){m->jaar, k->tranche, m->circulaire, 0, 0.0};
        b[j].koplopers++;
        b[j].eur += m->toegekend_eur;
    }
    if (n > 1) qsort(b, n, sizeof *b, cmp_budget);
    rc = table_out_begin(w, "middelen_jaar", 0, cols);
    for (size_t j = 0; !rc && j < n; j++) {
        table_out_row(w);
        table_out_int(w, b[j].jaar);
        table_out_int(w, b[j].tranche);
        table_out_str(w, b[j].circulaire);
        table_out_int(w, b[j].koplopers);
        table_out_real(w, b[j].eur);
        rc = table_out_put(w);
    }
    free(b);
    return rc ? rc : table_out_end(w);
}

/* ---- the answers of aantal items (gebruik_aantal) ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted v[0..n) by linear interpolation between order
 * statistics (R's default, type 7): the median of an even n is the mean of
 * the middle two. */
static double quantile(const int64_t *v, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)h;
    return lo + 1 < n ? (double)v[lo] + (h - (double)lo) * (double)(v[lo + 1] - v[lo])
                      : (double)v[lo];
}

static int emit_aantallen(const agg_state_t *s, const agg_response_t *const *counted,
                          size_t n_counted, table_out_t *w)
{
    static const char *const cols[] = {
        "meting", "int",  "item",    "text", "gevraagd", "int",  "n",       "int", "minimum", "int",
        "q1",     "dec1", "mediaan", "dec1", "q3",       "dec1", "maximum", "int", NULL};
    int64_t *vals = calloc(n_counted + 1, sizeof *vals),
            *metingen = calloc(n_counted + 1, sizeof *metingen);
    size_t n_met = 0;
    int rc = vals && metingen ? table_out_begin(w, "aantallen", 0, cols) : KPM_ENOMEM;

    for (size_t r = 0; !rc && r < n_counted; r++) { /* the metingen, ascending */
        size_t i = 0;
        while (i < n_met && metingen[i] < counted[r]->meting)
            i++;
        if (i < n_met && metingen[i] == counted[r]->meting) continue;
        memmove(metingen + i + 1, metingen + i, (n_met - i) * sizeof *metingen);
        metingen[i] = counted[r]->meting;
        n_met++;
    }
    for (size_t m = 0; !rc && m < n_met; m++) {
        for (size_t it = 0; !rc && it < catalog_count(s->cat); it++) {
            const catalog_item_t *ci = catalog_item(s->cat, it);
            size_t n = 0, asked = 0;
            if (ci->type != ITEM_AANTAL) continue;
            for (size_t r = 0; r < n_counted; r++) {
                if (counted[r]->meting != metingen[m]) continue;
                for (uint32_t a = 0; a < counted[r]->n_answers; a++) {
                    const agg_answer_t *ans = &counted[r]->answers[a];
                    if (ans->item != it) continue;
                    asked++;
                    if (ans->type == WIRE_VAL_INT) vals[n++] = ans->i;
                }
            }
            if (asked == 0) continue;
            qsort(vals, n, sizeof *vals, cmp_i64);
            table_out_row(w);
            table_out_int(w, metingen[m]);
            table_out_str(w, ci->name);
            table_out_int(w, (int64_t)asked);
            table_out_int(w, (int64_t)n);
            if (n > 0) {
                table_out_int(w, vals[0]);
                table_out_real(w, quantile(vals, n, 0.25));
                table_out_real(w, quantile(vals, n, 0.5));
                table_out_real(w, quantile(vals, n, 0.75));
                table_out_int(w, vals[n - 1]);
            } else {
                for (int k = 0; k < 5; k++)
                    table_out_nil(w);
            }
            rc = table_out_put(w);
        }
    }
    free(vals);
    free(metingen);
    return rc ? rc : table_out_end(w);
}

int tables_prog_emit(const agg_state_t *s, const tables_opts_t *o,
                     const agg_response_t *const *counted, size_t n_counted, table_out_t *w)
{
    size_t n = strmap_count(s->koplopers), i = 0, k = 0, len;
    const agg_koploper_t **kl = calloc(n ? n : 1, sizeof *kl);
    const char *key;
    void *v;
    int rc;

    if (!kl) return KPM_ENOMEM;
    while (k < n && strmap_entry(s->koplopers, &i, &key, &len, &v))
        kl[k++] = v;
    if (k > 1) qsort(kl, k, sizeof *kl, cmp_koploper_id);
    rc = emit_register(s, kl, k, w);
    free(kl);
    if (!rc) rc = emit_uitvraag(s, counted, n_counted, w);
    if (!rc) rc = emit_oproepen(o, w);
    if (!rc) rc = emit_aantallen(s, counted, n_counted, w);
    if (!rc) rc = emit_budgets(s, w);
    return rc;
}
