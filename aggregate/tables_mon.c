/* tables_mon.c - the monitoring tables (see tables_mon.h and
 * docs/MONITORING.md, "Output tables"). */
#include "tables_mon.h"

#include "oproepen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inwoners.h"
#include "kpm_err.h"
#include "opt_sum.h"
#include "usage_map.h"
#include "reject_codes.h"

#define N_TYPES 6
static const char *const bijeenkomst_types[N_TYPES] = {"masterclass",    "thema",      "congres",
                                                       "projectleiders", "intervisie", "regio"};

/* The columns of each table: (name, format) pairs. */
/* clang-format off */
static const char *const cols_gebruik[] = {
    "gemeente_code", "text", "periode", "month", "aanbieder_type", "text", "nieuwe_vragen", "int",
    "lopende_trajecten", "int", "clienten_bereikt", "int", NULL};
static const char *const cols_gebruik_jaar[] = {
    "jaar", "int", "eenheid", "text", "id", "text", "koploper", "text", "nieuwe_vragen", "int",
    "clienten_bereikt", "int", "clienten_per_1000_inwoners", "dec1", "_inwoners", "int", NULL};
static const char *const cols_adviesinzet[] = {
    "koploper_id", "text", "tranche", "int", "uren", "dec1", "dagen", "dec1",
    "dagen_toegekend", "dec1", "dagen_pct", "pct1", NULL};
static const char *const cols_bijeenkomsten[] = {
    "jaar", "int", "type", "text", "aantal_bijeenkomsten", "int", "deelnemers_koploper", "int",
    "deelnemers_niet_koploper", "int", "gemeenten_niet_koploper", "int", NULL};
static const char *const cols_middelen[] = {
    "koploper_id", "text", "tranche", "int", "toegekend_eur", "dec2", "clienten_bereikt", "int",
    "eur_per_client", "dec2", "adviesdagen", "dec1", NULL};
static const char *const cols_ervaring[] = {
    "jaar", "int", "groep", "text", "gemeenten", "int", "respondenten", "int",
    "bekend_pct", "pct1", "tevreden_pct", "pct1", "verschil_bekend_pp", "dec1",
    "verschil_tevreden_pp", "dec1", NULL};
static const char *const cols_voordrachten[] = {
    "voordracht_id", "text", "criteria_ja", "int", "clientorganisatie_betrokken", "jn",
    "geschikt", "jn", "reden", "text", "ingediend_op", "text", "oproep", "text", "tijdig", "jn",
    "visie", "jn", "betrokkenheid", "jn", "innovatie", "jn", "ambitie", "jn",
    "doelgroepen", "jn", "koploper_id", "text", NULL};

/* How the report merges the parts of several workers (wire_table_begin_t): usage
 * is sharded by gemeente, so gebruik's rows are disjoint per worker; a
 * koploper's yearly sums and its clients are added up, and the ratios computed
 * again from the sums. Every other table comes whole from worker 0. */
static const char *const merge_gebruik[] = {"key", "", "", "", "", ""};
static const char *const merge_gebruik_jaar[] = {
    "key", "key", "key", "key", "sum", "sum", "ratio clienten_bereikt _inwoners 1000", "same"};
static const char *const merge_middelen[] = {
    "key", "key", "sum", "sum", "ratio toegekend_eur clienten_bereikt 1", "sum"};
/* clang-format on */

/* Usage of one gemeente in one year. */
typedef struct {
    int32_t jaar;
    const char *gemeente; /* agg_gebruik_t's */
    opt_sum_t nieuwe_vragen, clienten_bereikt;
} year_use_t;

typedef struct {
    const agg_state_t *s;
    const tables_opts_t *o;
    table_out_t *w;
    void **kl; /* the register (agg_koploper_t), sorted by id */
    size_t n_kl;
    strmap_t *kl_index;  /* koploper id -> index in kl + 1 */
    strmap_t *kl_gem;    /* gemeente -> its koploper with the earliest startjaar */
    double *uren;        /* per koploper in kl */
    double *eur;         /* per koploper in kl */
    opt_sum_t *clienten; /* per koploper in kl, all months */
    void **gebruik;      /* all usage records (agg_gebruik_t) */
    size_t n_gebruik;
    year_use_t *years; /* sorted by jaar, gemeente */
    size_t n_years;
    strmap_t *year_index; /* "jaar|gemeente" -> year_use_t* */
    inwoners_t *inw;      /* the delivered figures per year (not the CBS list) */
} mon_t;

/* ------------------------------------------------------------- helpers */

/* A quotient, or an empty cell when the divisor is not positive. */
static void out_ratio(table_out_t *w, double num, double den)
{
    if (den > 0)
        table_out_real(w, num / den);
    else
        table_out_nil(w);
}

/* The values of a map in its order, in a new array (never NULL unless out of
 * memory). */
static void **map_values(const strmap_t *m, size_t *n)
{
    void **v = calloc(strmap_count(m) + 1, sizeof *v);
    size_t i = 0, len;
    const char *key;
    *n = 0;
    if (!v) return NULL;
    while (strmap_entry(m, &i, &key, &len, &v[*n]))
        (*n)++;
    return v;
}

static int cmp_koploper(const void *a, const void *b)
{
    const agg_koploper_t *x = *(void *const *)a, *y = *(void *const *)b;
    return strcmp(x->id, y->id);
}

/* True when k's gemeente i occurs earlier in its list (a gemeente counts once). */
static int seen_before(const agg_koploper_t *k, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(k->gemeenten[j], k->gemeenten[i]) == 0) return 1;
    return 0;
}

static int put_index(strmap_t *m, const char *key, size_t len, size_t i)
{
    return strmap_put(m, key, len, (void *)(uintptr_t)(i + 1), NULL);
}

/* Index of koploper id in the register, or -1. */
static long koploper_index(const mon_t *c, const char *id)
{
    uintptr_t v = (uintptr_t)strmap_get(c->kl_index, id, strlen(id));
    return v ? (long)v - 1 : -1;
}

/* The koploper a gemeente belongs to (earliest startjaar), or NULL. */
static const agg_koploper_t *koploper_of(const mon_t *c, const char *gemeente)
{
    return strmap_get(c->kl_gem, gemeente, strlen(gemeente));
}

/* A gemeente's delivered inhabitants in year jaar (inwoners.h); -1 unknown. */
static int64_t inwoners_of(const mon_t *c, const char *gemeente, int32_t jaar)
{
    return inwoners_sum(c->inw, &gemeente, 1, jaar, NULL, NULL);
}

/* ------------------------------------------------------------ preparing */

static int prepare_register(mon_t *c)
{
    if (!(c->kl = map_values(c->s->koplopers, &c->n_kl))) return KPM_ENOMEM;
    qsort(c->kl, c->n_kl, sizeof *c->kl, cmp_koploper);
    c->kl_index = strmap_new();
    c->kl_gem = strmap_new();
    c->uren = calloc(c->n_kl + 1, sizeof *c->uren);
    c->eur = calloc(c->n_kl + 1, sizeof *c->eur);
    c->clienten = calloc(c->n_kl + 1, sizeof *c->clienten);
    if (!c->kl_index || !c->kl_gem || !c->uren || !c->eur || !c->clienten) return KPM_ENOMEM;
    for (size_t i = 0; i < c->n_kl; i++) {
        const agg_koploper_t *k = c->kl[i];
        if (put_index(c->kl_index, k->id, strlen(k->id), i)) return KPM_ENOMEM;
        for (size_t g = 0; g < k->n_gemeenten; g++) {
            const char *code = k->gemeenten[g];
            const agg_koploper_t *cur = koploper_of(c, code);
            if (cur && cur->startjaar <= k->startjaar) continue;
            if (strmap_put(c->kl_gem, code, strlen(code), (void *)k, NULL)) return KPM_ENOMEM;
        }
    }
    return KPM_OK;
}

static int cmp_year_use(const void *a, const void *b)
{
    const agg_gebruik_t *x = *(void *const *)a, *y = *(void *const *)b;
    int32_t jx = x->periode / 100, jy = y->periode / 100;
    if (jx != jy) return jx < jy ? -1 : 1;
    return strcmp(x->gemeente, y->gemeente);
}

/* Sums usage per (year, gemeente), indexed by "jaar|gemeente". */
static int prepare_usage(mon_t *c)
{
    c->n_gebruik = usage_map_count(c->s->gebruik);
    if (!(c->gebruik = calloc(c->n_gebruik + 1, sizeof *c->gebruik))) return KPM_ENOMEM;
    for (size_t i = 0; i < c->n_gebruik; i++)
        c->gebruik[i] = usage_map_at(c->s->gebruik, i);
    c->years = calloc(c->n_gebruik + 1, sizeof *c->years);
    c->year_index = strmap_new();
    if (!c->years || !c->year_index) return KPM_ENOMEM;
    qsort(c->gebruik, c->n_gebruik, sizeof *c->gebruik, cmp_year_use);
    for (size_t i = 0; i < c->n_gebruik; i++) {
        const agg_gebruik_t *g = c->gebruik[i];
        int32_t jaar = g->periode / 100;
        year_use_t *y = c->n_years ? &c->years[c->n_years - 1] : NULL;
        if (!y || y->jaar != jaar || strcmp(y->gemeente, g->gemeente) != 0) {
            y = &c->years[c->n_years++];
            y->jaar = jaar;
            y->gemeente = g->gemeente;
            char key[32];
            int kl = agg_key(key, sizeof key, "%d|%s", (int)jaar, g->gemeente);
            if (kl < 0) return KPM_ERANGE;
            if (strmap_put(c->year_index, key, (size_t)kl, y, NULL)) return KPM_ENOMEM;
        }
        opt_add(&y->nieuwe_vragen, g->nieuwe_vragen);
        opt_add(&y->clienten_bereikt, g->clienten_bereikt);
    }
    return KPM_OK;
}

/* Hours, budgets and clients per koploper of the register. */
static int prepare_koplopers(mon_t *c)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    while (strmap_entry(c->s->adviesinzet, &i, &key, &len, &v)) {
        const agg_adviesinzet_t *a = v;
        long k = koploper_index(c, a->koploper_id);
        if (k >= 0) c->uren[k] += a->uren;
    }
    i = 0;
    while (strmap_entry(c->s->middelen, &i, &key, &len, &v)) {
        const agg_middelen_t *m = v;
        long k = koploper_index(c, m->koploper_id);
        if (k >= 0) c->eur[k] += m->toegekend_eur;
    }
    /* Clients of every gemeente over all months. */
    strmap_t *per_gem = strmap_new();
    opt_sum_t *sums = calloc(c->n_gebruik + 1, sizeof *sums);
    size_t n = 0;
    int rc = KPM_ENOMEM;
    if (!per_gem || !sums) goto out;
    for (size_t u = 0; u < c->n_gebruik; u++) {
        const agg_gebruik_t *g = c->gebruik[u];
        opt_sum_t *t = strmap_get(per_gem, g->gemeente, strlen(g->gemeente));
        if (!t) {
            t = &sums[n++];
            if (strmap_put(per_gem, g->gemeente, strlen(g->gemeente), t, NULL)) goto out;
        }
        opt_add(t, g->clienten_bereikt);
    }
    for (size_t k = 0; k < c->n_kl; k++) {
        const agg_koploper_t *kl = c->kl[k];
        for (size_t g = 0; g < kl->n_gemeenten; g++) {
            const opt_sum_t *t = strmap_get(per_gem, kl->gemeenten[g], strlen(kl->gemeenten[g]));
            if (t && !seen_before(kl, g)) opt_merge(&c->clienten[k], *t);
        }
    }
    rc = KPM_OK;
out:
    strmap_destroy(&per_gem);
    free(sums);
    return rc;
}

static double dagen_of(const mon_t *c, size_t k)
{
    return c->uren[k] / c->o->uren_per_dag;
}

/* --------------------------------------------------------------- gebruik */

static int cmp_gebruik(const void *a, const void *b)
{
    const agg_gebruik_t *x = *(void *const *)a, *y = *(void *const *)b;
    int d = strcmp(x->gemeente, y->gemeente);
    if (d) return d;
    if (x->periode != y->periode) return x->periode < y->periode ? -1 : 1;
    return (x->type > y->type) - (x->type < y->type);
}

static int emit_gebruik(mon_t *c)
{
    void **rows = calloc(c->n_gebruik + 1, sizeof *rows);
    if (!rows) return KPM_ENOMEM;
    memcpy(rows, c->gebruik, c->n_gebruik * sizeof *rows);
    qsort(rows, c->n_gebruik, sizeof *rows, cmp_gebruik);
    int rc = table_out_begin_merged(c->w, "gebruik", 1, cols_gebruik, "union", merge_gebruik);
    for (size_t i = 0; !rc && i < c->n_gebruik; i++) {
        const agg_gebruik_t *g = rows[i];
        char periode[16];
        snprintf(periode, sizeof periode, "%04d-%02d", (int)(g->periode / 100),
                 (int)(g->periode % 100));
        table_out_row(c->w);
        table_out_str(c->w, g->gemeente);
        table_out_str(c->w, periode);
        table_out_str(c->w, agg_aanbieder_types[g->type]);
        out_opt_int(c->w, g->nieuwe_vragen);
        out_opt_int(c->w, g->lopende_trajecten);
        out_opt_int(c->w, g->clienten_bereikt);
        rc = table_out_put(c->w);
    }
    free(rows);
    return rc ? rc : table_out_end(c->w);
}

/* ----------------------------------------------------------- gebruik_jaar */

/* The koploper rows of one year: sums over its gemeenten with usage. */
static int emit_year_koplopers(mon_t *c, int32_t jaar)
{
    int rc = KPM_OK;
    for (size_t k = 0; !rc && k < c->n_kl; k++) {
        const agg_koploper_t *kl = c->kl[k];
        opt_sum_t nv = {0, 0}, cb = {0, 0};
        int used = 0;
        for (size_t g = 0; g < kl->n_gemeenten; g++) {
            if (seen_before(kl, g)) continue;
            char key[32];
            int len = agg_key(key, sizeof key, "%d|%s", (int)jaar, kl->gemeenten[g]);
            const year_use_t *y = len < 0 ? NULL : strmap_get(c->year_index, key, (size_t)len);
            if (!y) continue;
            used = 1;
            opt_merge(&nv, y->nieuwe_vragen);
            opt_merge(&cb, y->clienten_bereikt);
        }
        if (!used) continue;
        int64_t inwoners = inwoners_koploper(c->inw, kl, jaar);
        table_out_row(c->w);
        table_out_int(c->w, jaar);
        table_out_str(c->w, "koploper");
        table_out_str(c->w, kl->id);
        table_out_str(c->w, "ja");
        out_opt(c->w, nv);
        out_opt(c->w, cb);
        out_per_1000(c->w, cb, inwoners);
        out_opt_int(c->w, inwoners);
        rc = table_out_put(c->w);
    }
    return rc;
}

static int emit_gebruik_jaar(mon_t *c)
{
    /* two grains in one table: a CSV file only; the feed has tables_dim.h's */
    int rc = table_out_begin_merged(c->w, "gebruik_jaar", WIRE_PUBLISH | WIRE_PUBLISH_NO_FEED,
                                    cols_gebruik_jaar, "sum", merge_gebruik_jaar);
    for (size_t i = 0; !rc && i < c->n_years; i++) {
        const year_use_t *y = &c->years[i];
        table_out_row(c->w);
        table_out_int(c->w, y->jaar);
        table_out_str(c->w, "gemeente");
        table_out_str(c->w, y->gemeente);
        table_out_str(c->w, koploper_of(c, y->gemeente) ? "ja" : "nee");
        out_opt(c->w, y->nieuwe_vragen);
        out_opt(c->w, y->clienten_bereikt);
        int64_t inw = inwoners_of(c, y->gemeente, y->jaar);
        out_per_1000(c->w, y->clienten_bereikt, inw);
        out_opt_int(c->w, inw);
        rc = table_out_put(c->w);
        if (!rc && (i + 1 == c->n_years || c->years[i + 1].jaar != y->jaar))
            rc = emit_year_koplopers(c, y->jaar);
    }
    return rc ? rc : table_out_end(c->w);
}

/* ------------------------------------------------------------ adviesinzet */

static int emit_adviesinzet(mon_t *c)
{
    int rc = table_out_begin(c->w, "adviesinzet", 1, cols_adviesinzet);
    for (size_t k = 0; !rc && k < c->n_kl; k++) {
        const agg_koploper_t *kl = c->kl[k];
        table_out_row(c->w);
        table_out_str(c->w, kl->id);
        table_out_int(c->w, kl->tranche);
        table_out_real(c->w, c->uren[k]);
        out_ratio(c->w, c->uren[k], c->o->uren_per_dag);
        table_out_real(c->w, (double)c->o->dagen_toegekend);
        if (c->o->uren_per_dag > 0)
            out_ratio(c->w, 100.0 * dagen_of(c, k), c->o->dagen_toegekend);
        else
            table_out_nil(c->w);
        rc = table_out_put(c->w);
    }
    return rc ? rc : table_out_end(c->w);
}

/* ---------------------------------------------------------- bijeenkomsten */

typedef struct {
    int32_t jaar;
    int type;
    const agg_bijeenkomst_t *b;
} meeting_t;

static int cmp_meeting(const void *a, const void *b)
{
    const meeting_t *x = a, *y = b;
    if (x->jaar != y->jaar) return x->jaar < y->jaar ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    int d = strcmp(x->b->id, y->b->id);
    return d ? d : strcmp(x->b->gemeente, y->b->gemeente);
}

static int emit_bijeenkomsten(mon_t *c)
{
    size_t n = 0, i = 0, len;
    const char *key;
    void *v;
    meeting_t *m = calloc(strmap_count(c->s->bijeenkomsten) + 1, sizeof *m);
    strmap_t *seen = strmap_new(); /* gemeenten already counted in their group */
    int rc = KPM_ENOMEM;
    if (!m || !seen) goto out;
    while (strmap_entry(c->s->bijeenkomsten, &i, &key, &len, &v)) {
        const agg_bijeenkomst_t *b = v;
        for (int t = 0; t < N_TYPES; t++)
            if (strcmp(b->type, bijeenkomst_types[t]) == 0)
                m[n++] = (meeting_t){b->datum / 10000, t, b};
    }
    qsort(m, n, sizeof *m, cmp_meeting);
    rc = table_out_begin(c->w, "bijeenkomsten", 1, cols_bijeenkomsten);
    for (size_t g = 0; !rc && g < n;) {
        int64_t ids = 0, dk = 0, dn = 0, gn = 0;
        size_t e = g;
        for (; e < n && m[e].jaar == m[g].jaar && m[e].type == m[g].type; e++) {
            const agg_bijeenkomst_t *b = m[e].b;
            if (e == g || strcmp(b->id, m[e - 1].b->id) != 0) ids++;
            if (koploper_of(c, b->gemeente)) {
                dk += b->deelnemers;
                continue;
            }
            dn += b->deelnemers;
            char k[48];
            int kl = agg_key(k, sizeof k, "%d|%d|%s", (int)m[g].jaar, m[g].type, b->gemeente);
            if (kl < 0) {
                rc = KPM_ERANGE;
                goto out;
            }
            if (strmap_get(seen, k, (size_t)kl)) continue;
            if (strmap_put(seen, k, (size_t)kl, (void *)b, NULL)) {
                rc = KPM_ENOMEM;
                goto out;
            }
            gn++;
        }
        table_out_row(c->w);
        table_out_int(c->w, m[g].jaar);
        table_out_str(c->w, bijeenkomst_types[m[g].type]);
        table_out_int(c->w, ids);
        table_out_int(c->w, dk);
        table_out_int(c->w, dn);
        table_out_int(c->w, gn);
        rc = table_out_put(c->w);
        g = e;
    }
    if (!rc) rc = table_out_end(c->w);
out:
    free(m);
    strmap_destroy(&seen);
    return rc;
}

/* --------------------------------------------------------------- middelen */

static int emit_middelen(mon_t *c)
{
    int rc = table_out_begin_merged(c->w, "middelen", 1, cols_middelen, "sum", merge_middelen);
    for (size_t k = 0; !rc && k < c->n_kl; k++) {
        const agg_koploper_t *kl = c->kl[k];
        table_out_row(c->w);
        table_out_str(c->w, kl->id);
        table_out_int(c->w, kl->tranche);
        table_out_real(c->w, c->eur[k]);
        out_opt(c->w, c->clienten[k]);
        if (c->clienten[k].has)
            out_ratio(c->w, c->eur[k], (double)c->clienten[k].sum);
        else
            table_out_nil(c->w);
        out_ratio(c->w, c->uren[k], c->o->uren_per_dag);
        rc = table_out_put(c->w);
    }
    return rc ? rc : table_out_end(c->w);
}

/* --------------------------------------------------------------- ervaring */

/* Respondent-weighted sums of bekend_pct and tevreden_pct. */
typedef struct {
    double r, b, r_t, t;
} weighted_t;

static void weigh(weighted_t *w, const agg_ervaring_t *e)
{
    double r = (double)e->respondenten;
    w->r += r;
    w->b += e->bekend_pct * r;
    if (e->tevreden_pct < 0) return;
    w->r_t += r;
    w->t += e->tevreden_pct * r;
}

static int cmp_ervaring(const void *a, const void *b)
{
    const agg_ervaring_t *x = *(void *const *)a, *y = *(void *const *)b;
    if (x->jaar != y->jaar) return x->jaar < y->jaar ? -1 : 1;
    return strcmp(x->gemeente, y->gemeente);
}

/* The difference of two weighted means, or an empty cell. */
static void out_change(table_out_t *w, int any, double num_now, double den_now, double num_start,
                       double den_start)
{
    if (any && den_now > 0 && den_start > 0)
        table_out_real(w, num_now / den_now - num_start / den_start);
    else
        table_out_nil(w);
}

/* One row for the rows e[0..n) of one year and group. */
static int emit_ervaring_group(mon_t *c, const agg_ervaring_t *const *e, size_t n, int koploper)
{
    weighted_t all = {0, 0, 0, 0}, now = {0, 0, 0, 0}, start = {0, 0, 0, 0};
    weighted_t now_t = {0, 0, 0, 0}, start_t = {0, 0, 0, 0};
    int64_t respondenten = 0;
    int in_g = 0, in_g_t = 0;
    for (size_t i = 0; i < n; i++) {
        respondenten += e[i]->respondenten;
        weigh(&all, e[i]);
        const agg_koploper_t *k = koploper ? koploper_of(c, e[i]->gemeente) : NULL;
        if (!k || e[i]->jaar <= k->startjaar) continue;
        char key[32];
        int kl = agg_key(key, sizeof key, "%s|%d", e[i]->gemeente, (int)k->startjaar);
        const agg_ervaring_t *s = kl < 0 ? NULL : strmap_get(c->s->ervaring, key, (size_t)kl);
        if (!s) continue;
        in_g = 1;
        weigh(&now, e[i]);
        weigh(&start, s);
        if (e[i]->tevreden_pct < 0 || s->tevreden_pct < 0) continue;
        in_g_t = 1;
        weigh(&now_t, e[i]);
        weigh(&start_t, s);
    }
    table_out_row(c->w);
    table_out_int(c->w, e[0]->jaar);
    table_out_str(c->w, koploper ? "koploper" : "niet_koploper");
    table_out_int(c->w, (int64_t)n);
    table_out_int(c->w, respondenten);
    out_ratio(c->w, all.b, all.r);
    out_ratio(c->w, all.t, all.r_t);
    out_change(c->w, in_g, now.b, now.r, start.b, start.r);
    out_change(c->w, in_g_t, now_t.t, now_t.r_t, start_t.t, start_t.r_t);
    return table_out_put(c->w);
}

static int emit_ervaring(mon_t *c)
{
    size_t n = 0;
    void **raw = map_values(c->s->ervaring, &n);
    const agg_ervaring_t **e = calloc(n + 1, sizeof *e), **grp = calloc(n + 1, sizeof *grp);
    int rc = KPM_ENOMEM;
    if (!raw || !e || !grp) goto out;
    qsort(raw, n, sizeof *raw, cmp_ervaring);
    for (size_t i = 0; i < n; i++)
        e[i] = raw[i];
    rc = table_out_begin(c->w, "ervaring", 1, cols_ervaring);
    for (size_t y = 0; !rc && y < n;) {
        size_t end = y;
        while (end < n && e[end]->jaar == e[y]->jaar)
            end++;
        for (int koploper = 1; !rc && koploper >= 0; koploper--) {
            size_t m = 0;
            for (size_t i = y; i < end; i++)
                if ((koploper_of(c, e[i]->gemeente) != NULL) == koploper) grp[m++] = e[i];
            if (m) rc = emit_ervaring_group(c, grp, m, koploper);
        }
        y = end;
    }
    if (!rc) rc = table_out_end(c->w);
out:
    free(raw);
    free(e);
    free(grp);
    return rc;
}

/* ----------------------------------------------------------- voordrachten */

static int cmp_voordracht(const void *a, const void *b)
{
    const agg_voordracht_t *x = *(void *const *)a, *y = *(void *const *)b;
    return strcmp(x->id, y->id);
}

/* The koploper a nomination became: the one (earliest startjaar) of the first
 * of its gemeenten that is in the register, or NULL. */
static const agg_koploper_t *voordracht_koploper(const mon_t *c, const agg_voordracht_t *v)
{
    for (size_t g = 0; g < v->n_gemeenten; g++) {
        const agg_koploper_t *k = koploper_of(c, v->gemeenten[g]);
        if (k) return k;
    }
    return NULL;
}

/* Suitable under the call it belongs to (docs/MONITORING.md, voordrachten.csv):
 * enough criteria, a client organisation when the call asks one, sent in time. */
static int emit_voordrachten(mon_t *c)
{
    static const uint32_t criteria[] = {WIRE_CRIT_VISIE, WIRE_CRIT_BETROKKENHEID,
                                        WIRE_CRIT_INNOVATIE, WIRE_CRIT_AMBITIE,
                                        WIRE_CRIT_DOELGROEPEN};
    size_t n;
    void **d = map_values(c->s->voordrachten, &n);
    if (!d) return KPM_ENOMEM;
    qsort(d, n, sizeof *d, cmp_voordracht);
    int rc = table_out_begin(c->w, "voordrachten", 1, cols_voordrachten);
    for (size_t i = 0; !rc && i < n; i++) {
        const agg_voordracht_t *v = d[i];
        int ja = 0, late = 0;
        const oproep_t *call = oproepen_for(c->o->oproepen, v->ingediend_op, &late);
        int need = call ? call->min_criteria : 3, client_needed = call ? call->client_required : 1;
        for (size_t k = 0; k < sizeof criteria / sizeof *criteria; k++)
            if (v->criteria & criteria[k]) ja++;
        int client = v->clientorganisatie != 0;
        char reden[320] = "", date[40], iso[16];
        if (ja < need)
            snprintf(reden, sizeof reden, "Minder dan %d criteria met ja (%d van 5).", need, ja);
        if (!client && client_needed)
            snprintf(reden + strlen(reden), sizeof reden - strlen(reden), "%s%s",
                     reden[0] ? " " : "", "Cli\xc3\xabntorganisatie niet betrokken.");
        if (late) {
            oproepen_date_nl(call->sluit_op, date, sizeof date);
            snprintf(reden + strlen(reden), sizeof reden - strlen(reden),
                     "%sIngediend na de sluiting van de oproep (%s).", reden[0] ? " " : "", date);
        }
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", (int)(v->ingediend_op / 10000),
                 (int)(v->ingediend_op / 100 % 100), (int)(v->ingediend_op % 100));
        const agg_koploper_t *k = voordracht_koploper(c, v);
        table_out_row(c->w);
        table_out_str(c->w, v->id);
        table_out_int(c->w, ja);
        table_out_str(c->w, client ? "ja" : "nee");
        table_out_str(c->w, reden[0] ? "nee" : "ja");
        if (reden[0])
            table_out_str(c->w, reden);
        else
            table_out_nil(c->w);
        table_out_str(c->w, iso);
        if (call) {
            table_out_str(c->w, call->name);
            table_out_str(c->w, late ? "nee" : "ja");
        } else {
            table_out_nil(c->w);
            table_out_nil(c->w);
        }
        for (size_t q = 0; q < sizeof criteria / sizeof *criteria; q++)
            table_out_str(c->w, v->criteria & criteria[q] ? "ja" : "nee");
        if (k)
            table_out_str(c->w, k->id);
        else
            table_out_nil(c->w);
        rc = table_out_put(c->w);
    }
    free(d);
    return rc ? rc : table_out_end(c->w);
}

/* ----------------------------------------------------------------- public */

int tables_mon_notices(const agg_state_t *s, tables_mon_notice_fn fn, void *ctx)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    char msg[512];
    int rc;
    while (strmap_entry(s->adviesinzet, &i, &key, &len, &v)) {
        const agg_adviesinzet_t *a = v;
        if (state_koploper(s, a->koploper_id)) continue;
        snprintf(msg, sizeof msg,
                 "Koploper %s staat niet in het register; deze adviesuren tellen niet mee.",
                 a->koploper_id);
        if ((rc = fn(ctx, a->file, a->line, "koploper_id", REJ_UNKNOWN_KOPLOPER, msg))) return rc;
    }
    i = 0;
    while (strmap_entry(s->middelen, &i, &key, &len, &v)) {
        const agg_middelen_t *m = v;
        if (state_koploper(s, m->koploper_id)) continue;
        snprintf(msg, sizeof msg,
                 "Koploper %s staat niet in het register; dit budget telt niet mee.",
                 m->koploper_id);
        if ((rc = fn(ctx, m->file, m->line, "koploper_id", REJ_UNKNOWN_KOPLOPER, msg))) return rc;
    }
    return KPM_OK;
}

int tables_mon_emit(const agg_state_t *s, const tables_opts_t *o, table_out_t *w)
{
    mon_t c = {.s = s, .o = o, .w = w};
    int rc = prepare_register(&c);
    if (!rc && (c.inw = inwoners_new(s, NULL)) == NULL) rc = KPM_ENOMEM;
    if (!rc) rc = prepare_usage(&c);
    if (!rc) rc = prepare_koplopers(&c);
    int all = o->worker == 0; /* other workers send only their parts of merged tables */
    if (!rc) rc = emit_gebruik(&c);
    if (!rc) rc = emit_gebruik_jaar(&c);
    if (!rc && all) rc = emit_adviesinzet(&c);
    if (!rc && all) rc = emit_bijeenkomsten(&c);
    if (!rc) rc = emit_middelen(&c);
    if (!rc && all) rc = emit_ervaring(&c);
    if (!rc && all) rc = emit_voordrachten(&c);
    free(c.kl);
    strmap_destroy(&c.kl_index);
    strmap_destroy(&c.kl_gem);
    free(c.uren);
    free(c.eur);
    free(c.clienten);
    free(c.gebruik);
    free(c.years);
    strmap_destroy(&c.year_index);
    inwoners_destroy(&c.inw);
    return rc;
}
