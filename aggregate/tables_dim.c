/* tables_dim.c - the feed's dimensions and usage grains (see tables_dim.h). */
#include "tables_dim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_ref.h"
#include "inwoners.h"
#include "kpm_err.h"
#include "opt_sum.h"
#include "usage_map.h"

#define FEED_ONLY (WIRE_PUBLISH | WIRE_PUBLISH_NO_CSV)
#define MAX_CHAIN 8 /* mergers followed from one code (A into B into C ...) */

/* clang-format off */
static const char *const cols_gemeente[] = {
    "gemeente_code", "text", "naam", "text", "provincie", "text", "inwoners", "int",
    "inwoners_jaar", "int", "koploper", "jn", "gemeente_code_nu", "text", "inwoners_nu", "int",
    "bron", "text", NULL};
static const char *const cols_gemeente_inwoners[] = {
    "gemeente_code", "text", "jaar", "int", "inwoners", "int", "bron", "text", NULL};
static const char *const cols_koploper[] = {
    "koploper_id", "text", "naam", "text", "tranche", "int", "startjaar", "int",
    "status", "text", "gemeenten", "int", NULL};
static const char *const cols_koploper_gemeente[] = {
    "koploper_id", "text", "gemeente_code", "text", NULL};
static const char *const cols_usage_gemeente[] = {
    "jaar", "int", "gemeente_code", "text", "koploper", "jn", "nieuwe_vragen", "int",
    "clienten_bereikt", "int", "inwoners", "int", "clienten_per_1000_inwoners", "dec1", NULL};
static const char *const cols_usage_koploper[] = {
    "jaar", "int", "koploper_id", "text", "nieuwe_vragen", "int", "clienten_bereikt", "int",
    "inwoners", "int", "clienten_per_1000_inwoners", "dec1", NULL};
/* Usage is sharded by gemeente (docs/SCALING.md): the rows as delivered are
 * disjoint per worker; folded and koploper rows are summed over the workers. */
static const char *const merge_usage_gemeente[] = {"key", "key", "", "", "", "", ""};
static const char *const merge_usage_nu[] = {
    "key", "key", "same", "sum", "sum", "same", "ratio clienten_bereikt inwoners 1000"};
static const char *const merge_usage_koploper[] = {
    "key", "key", "sum", "sum", "same", "ratio clienten_bereikt inwoners 1000"};
/* clang-format on */

/* Usage of one code in one year. */
typedef struct {
    int32_t jaar;
    char code[7];
    opt_sum_t nv, cb;
} use_t;

/* Today's gemeente as a whole (prepare_nu): the codes folded into it, its own
 * included, are members[first .. first + n). */
typedef struct {
    size_t first, n;
    int koploper;
} nu_t;

typedef struct {
    const agg_state_t *s;
    const tables_opts_t *o;
    table_out_t *w;
    strmap_t *ref;      /* code -> feed_ref_gemeente_t* (the CBS list) */
    strmap_t *kl_of;    /* code -> "ja" when a koploper of the register has it */
    const char **codes; /* every code known, sorted */
    size_t n_codes;
    use_t *use; /* per (jaar, code as delivered), sorted */
    size_t n_use;
    strmap_t *index;      /* code -> its index in codes + 1 */
    nu_t *nu;             /* per code in codes: as today's gemeente */
    const char **members; /* every code, grouped by today's code (nu_t) */
    inwoners_t *inw;      /* delivered and CBS figures per year */
} dim_t;

/* ------------------------------------------------------------ helpers */

static const feed_ref_t *ref_of(const dim_t *d)
{
    static const feed_ref_t none;
    return d->o->ref != NULL ? d->o->ref : &none;
}

static const agg_gemeente_t *delivered(const dim_t *d, const char *code)
{
    return strmap_get(d->s->gemeenten, code, strlen(code));
}

static const feed_ref_gemeente_t *listed(const dim_t *d, const char *code)
{
    return strmap_get(d->ref, code, strlen(code));
}

/* A code's own inhabitants in year jaar (inwoners.h); -1 unknown. */
static int64_t inwoners_of(const dim_t *d, const char *code, int32_t jaar)
{
    return inwoners_sum(d->inw, &code, 1, jaar, NULL, NULL);
}

/* A code's latest figure and its year (0: undated); -1 when it has none. */
static int64_t inwoners_latest(const dim_t *d, const char *code, int32_t *jaar)
{
    size_t n;
    const inw_figure_t *f = inwoners_of_code(d->inw, code, &n);
    *jaar = n > 0 ? f[n - 1].jaar : 0;
    return n > 0 ? f[n - 1].inwoners : -1;
}

/* The merger that ends code (in force on the night's date), or NULL. */
static const feed_ref_merger_t *merger_of(const dim_t *d, const char *code)
{
    const feed_ref_t *r = ref_of(d);
    for (size_t i = 0; i < r->n_mrg; i++)
        if (strcmp(r->mrg[i].oud, code) == 0 &&
            (d->o->as_of == 0 || r->mrg[i].ingang <= d->o->as_of))
            return &r->mrg[i];
    return NULL;
}

/* The code a gemeente has today: itself, or its successor's (followed along
 * later mergers). */
static const char *today(const dim_t *d, const char *code)
{
    const feed_ref_merger_t *m;
    for (int i = 0; i < MAX_CHAIN && (m = merger_of(d, code)) != NULL; i++)
        code = m->nieuw;
    return code;
}

/* A successor that came into being by a merger: not in the CBS list and
 * never merged itself (Dijk en Waard, not Amsterdam). */
static int is_new(const dim_t *d, const char *code)
{
    const feed_ref_t *r = ref_of(d);
    if (listed(d, code) != NULL) return 0;
    for (size_t i = 0; i < r->n_mrg; i++)
        if (strcmp(r->mrg[i].nieuw, code) == 0) return 1;
    return 0;
}

/* Today's gemeente t as a whole: its inhabitants (-1: unknown) and whether it
 * or a code folded into it belongs to a koploper. */
static const nu_t *nu_of(const dim_t *d, const char *t)
{
    uintptr_t i = (uintptr_t)strmap_get(d->index, t, strlen(t));
    return i ? &d->nu[i - 1] : NULL;
}

/* Day YYYYMMDD on which a new gemeente came into being (its first merger). */
static int32_t founded(const dim_t *d, const char *code)
{
    const feed_ref_t *r = ref_of(d);
    int32_t day = 0;
    for (size_t i = 0; i < r->n_mrg; i++)
        if (strcmp(r->mrg[i].nieuw, code) == 0 && (day == 0 || r->mrg[i].ingang < day))
            day = r->mrg[i].ingang;
    return day;
}

/* inw_exists_fn: code existed on 1 January of jaar (not yet merged into its
 * successor; a new gemeente: already founded). */
static int existed(void *ctx, const char *code, int32_t jaar)
{
    const dim_t *d = ctx;
    const feed_ref_merger_t *m = merger_of(d, code);
    int64_t jan1 = (int64_t)jaar * 10000 + 101; /* usage years run to 9999 */
    if (m != NULL && m->ingang <= jan1) return 0;
    return !is_new(d, code) || founded(d, code) <= jan1;
}

/* Today's gemeente t in year jaar: the figures of one year summed over the
 * codes that made it up on that year's 1 January (inwoners.h); -1 unknown. */
static int64_t inwoners_nu(const dim_t *d, const char *t, int32_t jaar)
{
    const nu_t *n = nu_of(d, t);
    if (n == NULL) return -1;
    return inwoners_sum(d->inw, d->members + n->first, n->n, jaar, existed, (void *)d);
}

/* The latest year any code folded into t has a figure of (0: none). */
static int32_t latest_year_nu(const dim_t *d, const char *t)
{
    const nu_t *n = nu_of(d, t);
    int32_t y = 0, jaar;
    for (size_t i = 0; n != NULL && i < n->n; i++)
        if (inwoners_latest(d, d->members[n->first + i], &jaar) > 0 && jaar > y) y = jaar;
    return y;
}

static int koploper_nu(const dim_t *d, const char *t)
{
    const nu_t *n = nu_of(d, t);
    return n ? n->koploper : 0;
}

/* Fills d->nu and d->members, once for every known code: the codes whose
 * today() is t, t included, and whether one of them belongs to a koploper. */
static int prepare_nu(dim_t *d)
{
    if (!(d->nu = calloc(d->n_codes + 1, sizeof *d->nu)) || !(d->index = strmap_new()) ||
        !(d->members = calloc(d->n_codes + 1, sizeof *d->members)))
        return KPM_ENOMEM;
    for (size_t i = 0; i < d->n_codes; i++)
        if (strmap_put(d->index, d->codes[i], strlen(d->codes[i]), (void *)(uintptr_t)(i + 1),
                       NULL))
            return KPM_ENOMEM;
    for (size_t i = 0; i < d->n_codes; i++) { /* how many codes each t has */
        nu_t *t = (nu_t *)nu_of(d, today(d, d->codes[i]));
        if (t == NULL) continue; /* a successor no list names: never, all are known */
        t->n++;
        if (strmap_get(d->kl_of, d->codes[i], strlen(d->codes[i])) != NULL) t->koploper = 1;
    }
    for (size_t i = 0, first = 0; i < d->n_codes; i++) {
        d->nu[i].first = first;
        first += d->nu[i].n;
        d->nu[i].n = 0;
    }
    for (size_t i = 0; i < d->n_codes; i++) {
        nu_t *t = (nu_t *)nu_of(d, today(d, d->codes[i]));
        if (t != NULL) d->members[t->first + t->n++] = d->codes[i];
    }
    return KPM_OK;
}

/* True when k lists its gemeente g earlier too (a gemeente counts once). */
static int listed_before(const agg_koploper_t *k, size_t g)
{
    for (size_t j = 0; j < g; j++)
        if (strcmp(k->gemeenten[j], k->gemeenten[g]) == 0) return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_use(const void *a, const void *b)
{
    const use_t *x = a, *y = b;
    if (x->jaar != y->jaar) return x->jaar < y->jaar ? -1 : 1;
    return strcmp(x->code, y->code);
}

static int cmp_koploper(const void *a, const void *b)
{
    const agg_koploper_t *x = *(void *const *)a, *y = *(void *const *)b;
    return strcmp(x->id, y->id);
}

/* ---------------------------------------------------------- preparing */

/* Adds code to the set of known codes (all: the interned key in `all`). */
static int know(strmap_t *all, const char *code)
{
    if (strmap_get(all, code, strlen(code)) != NULL) return KPM_OK;
    return strmap_put(all, code, strlen(code), (void *)code, NULL);
}

static int prepare(dim_t *d)
{
    const feed_ref_t *r = ref_of(d);
    strmap_t *all = strmap_new(), *years = strmap_new();
    size_t i = 0, len, n;
    const char *key;
    void *v;
    int rc = KPM_ENOMEM;

    if (!(d->ref = strmap_new()) || !(d->kl_of = strmap_new()) || !all || !years) goto out;
    for (size_t k = 0; k < r->n_gem; k++)
        if (strmap_put(d->ref, r->gem[k].code, 6, &r->gem[k], NULL) || know(all, r->gem[k].code))
            goto out;
    for (size_t k = 0; k < r->n_mrg; k++)
        if (know(all, r->mrg[k].oud) || know(all, r->mrg[k].nieuw)) goto out;
    while (strmap_entry(d->s->gemeenten, &i, &key, &len, &v))
        if (know(all, ((const agg_gemeente_t *)v)->code)) goto out;
    i = 0;
    while (strmap_entry(d->s->koplopers, &i, &key, &len, &v)) {
        const agg_koploper_t *k = v;
        for (size_t g = 0; g < k->n_gemeenten; g++)
            if (know(all, k->gemeenten[g]) ||
                strmap_put(d->kl_of, k->gemeenten[g], 6, (void *)"ja", NULL))
                goto out;
    }
    n = usage_map_count(d->s->gebruik);
    if (!(d->use = calloc(n + 1, sizeof *d->use))) goto out;
    /* Rows of one gemeente and year mostly follow each other (a file is a
     * gemeente's months): the last one is tried before the map. */
    use_t *y = NULL;
    for (size_t u = 0; u < n; u++) {
        const agg_gebruik_t *g = usage_map_at(d->s->gebruik, u);
        int32_t jaar = g->periode / 100;
        if (y == NULL || y->jaar != jaar || memcmp(y->code, g->gemeente, 7) != 0) {
            char k[4 + 7]; /* the year's bytes, then the code */
            memcpy(k, &jaar, 4);
            memcpy(k + 4, g->gemeente, 7);
            if ((y = strmap_get(years, k, sizeof k)) == NULL) {
                y = &d->use[d->n_use++];
                y->jaar = jaar;
                memcpy(y->code, g->gemeente, 7);
                if (strmap_put(years, k, sizeof k, y, NULL)) goto out;
            }
        }
        opt_add(&y->nv, g->nieuwe_vragen);
        opt_add(&y->cb, g->clienten_bereikt);
    }
    qsort(d->use, d->n_use, sizeof *d->use, cmp_use);
    if (!(d->codes = calloc(strmap_count(all) + 1, sizeof *d->codes))) goto out;
    i = 0;
    while (strmap_entry(all, &i, &key, &len, &v))
        d->codes[d->n_codes++] = v;
    qsort(d->codes, d->n_codes, sizeof *d->codes, cmp_str);
    rc = prepare_nu(d);
out:
    strmap_destroy(&all);
    strmap_destroy(&years);
    return rc;
}

/* ---------------------------------------------------------- dimensions */

static int emit_gemeente(dim_t *d)
{
    int rc = table_out_begin(d->w, "gemeente", FEED_ONLY, cols_gemeente);
    for (size_t i = 0; !rc && i < d->n_codes; i++) {
        const char *c = d->codes[i], *t = today(d, c);
        const agg_gemeente_t *g = delivered(d, c);
        const feed_ref_gemeente_t *r = listed(d, c);
        const char *naam = g   ? g->naam
                           : r ? r->naam
                               : NULL,
                   *prov = g   ? g->provincie
                           : r ? r->provincie
                               : NULL;
        const char *bron = g ? "geleverd" : r ? "cbs_2021" : NULL;
        const feed_ref_t *ref = ref_of(d);
        for (size_t m = 0; !naam && m < ref->n_mrg; m++) /* a new gemeente */
            if (strcmp(ref->mrg[m].nieuw, c) == 0) {
                const feed_ref_gemeente_t *p = listed(d, ref->mrg[m].oud);
                naam = ref->mrg[m].naam_nieuw;
                prov = p ? p->provincie : NULL;
                bron = "herindeling";
            }
        int32_t jaar;
        int64_t inwoners = inwoners_latest(d, c, &jaar);
        table_out_row(d->w);
        table_out_str(d->w, c);
        naam ? table_out_str(d->w, naam) : table_out_nil(d->w);
        prov ? table_out_str(d->w, prov) : table_out_nil(d->w);
        out_opt_int(d->w, inwoners);
        out_opt_int(d->w, inwoners > 0 && jaar > 0 ? jaar : -1);
        table_out_str(d->w, strmap_get(d->kl_of, c, 6) ? "ja" : "nee");
        table_out_str(d->w, t);
        out_opt_int(d->w, strcmp(t, c) == 0 ? inwoners_nu(d, c, latest_year_nu(d, c)) : -1);
        bron ? table_out_str(d->w, bron) : table_out_nil(d->w);
        rc = table_out_put(d->w);
    }
    return rc ? rc : table_out_end(d->w);
}

/* Every figure of every code: one row per (gemeente, jaar); jaar empty for an
 * undated figure. */
static int emit_gemeente_inwoners(dim_t *d)
{
    int rc = table_out_begin(d->w, "gemeente_inwoners", FEED_ONLY, cols_gemeente_inwoners);
    for (size_t i = 0; !rc && i < d->n_codes; i++) {
        size_t n;
        const inw_figure_t *f = inwoners_of_code(d->inw, d->codes[i], &n);
        for (size_t k = 0; !rc && k < n; k++) {
            table_out_row(d->w);
            table_out_str(d->w, d->codes[i]);
            out_opt_int(d->w, f[k].jaar > 0 ? f[k].jaar : -1);
            table_out_int(d->w, f[k].inwoners);
            table_out_str(d->w, f[k].bron == INW_CBS ? "cbs" : "geleverd");
            rc = table_out_put(d->w);
        }
    }
    return rc ? rc : table_out_end(d->w);
}

static int emit_koplopers(dim_t *d, void **kl, size_t n)
{
    int rc = table_out_begin(d->w, "koploper", FEED_ONLY, cols_koploper);
    for (size_t i = 0; !rc && i < n; i++) {
        const agg_koploper_t *k = kl[i];
        int64_t distinct = 0;
        for (size_t g = 0; g < k->n_gemeenten; g++)
            distinct += !listed_before(k, g);
        table_out_row(d->w);
        table_out_str(d->w, k->id);
        k->naam ? table_out_str(d->w, k->naam) : table_out_nil(d->w);
        table_out_int(d->w, k->tranche);
        table_out_int(d->w, k->startjaar);
        k->status && k->status[0] ? table_out_str(d->w, k->status) : table_out_nil(d->w);
        table_out_int(d->w, distinct);
        rc = table_out_put(d->w);
    }
    if (!rc) rc = table_out_end(d->w);
    if (!rc) rc = table_out_begin(d->w, "koploper_gemeente", FEED_ONLY, cols_koploper_gemeente);
    for (size_t i = 0; !rc && i < n; i++) {
        const agg_koploper_t *k = kl[i];
        for (size_t g = 0; !rc && g < k->n_gemeenten; g++) {
            if (listed_before(k, g)) continue;
            table_out_row(d->w);
            table_out_str(d->w, k->id);
            table_out_str(d->w, k->gemeenten[g]);
            rc = table_out_put(d->w);
        }
    }
    return rc ? rc : table_out_end(d->w);
}

/* --------------------------------------------------------------- usage */

static int emit_usage_gemeente(dim_t *d)
{
    int rc = table_out_begin_merged(d->w, "gebruik_gemeente", FEED_ONLY, cols_usage_gemeente,
                                    "union", merge_usage_gemeente);
    for (size_t i = 0; !rc && i < d->n_use; i++) {
        const use_t *u = &d->use[i];
        table_out_row(d->w);
        table_out_int(d->w, u->jaar);
        table_out_str(d->w, u->code);
        table_out_str(d->w, strmap_get(d->kl_of, u->code, 6) ? "ja" : "nee");
        out_opt(d->w, u->nv);
        out_opt(d->w, u->cb);
        int64_t inw = inwoners_of(d, u->code, u->jaar);
        out_opt_int(d->w, inw);
        out_per_1000(d->w, u->cb, inw);
        rc = table_out_put(d->w);
    }
    return rc ? rc : table_out_end(d->w);
}

/* Usage folded into today's gemeenten: per year, the sums over the codes
 * whose today() is the same. */
static int emit_usage_nu(dim_t *d)
{
    use_t *f = calloc(d->n_use + 1, sizeof *f);
    size_t n = 0;
    int rc;

    if (f == NULL) return KPM_ENOMEM;
    for (size_t i = 0; i < d->n_use; i++) {
        f[i] = d->use[i];
        memcpy(f[i].code, today(d, d->use[i].code), 7);
    }
    qsort(f, d->n_use, sizeof *f, cmp_use);
    for (size_t i = 0; i < d->n_use; i++) { /* equal (jaar, code) into one */
        if (n > 0 && cmp_use(&f[n - 1], &f[i]) == 0) {
            opt_merge(&f[n - 1].nv, f[i].nv);
            opt_merge(&f[n - 1].cb, f[i].cb);
            continue;
        }
        f[n++] = f[i];
    }
    rc = table_out_begin_merged(d->w, "gebruik_gemeente_nu", FEED_ONLY, cols_usage_gemeente, "sum",
                                merge_usage_nu);
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t inw = inwoners_nu(d, f[i].code, f[i].jaar);
        table_out_row(d->w);
        table_out_int(d->w, f[i].jaar);
        table_out_str(d->w, f[i].code);
        table_out_str(d->w, koploper_nu(d, f[i].code) ? "ja" : "nee");
        out_opt(d->w, f[i].nv);
        out_opt(d->w, f[i].cb);
        out_opt_int(d->w, inw);
        out_per_1000(d->w, f[i].cb, inw);
        rc = table_out_put(d->w);
    }
    free(f);
    return rc ? rc : table_out_end(d->w);
}

/* Per year and koploper: sums over its gemeenten (as registered) with usage. */
static int emit_usage_koploper(dim_t *d, void **kl, size_t n_kl)
{
    int rc = table_out_begin_merged(d->w, "gebruik_koploper", FEED_ONLY, cols_usage_koploper, "sum",
                                    merge_usage_koploper);
    for (size_t y = 0; !rc && y < d->n_use;) {
        size_t end = y;
        while (end < d->n_use && d->use[end].jaar == d->use[y].jaar)
            end++;
        for (size_t i = 0; !rc && i < n_kl; i++) {
            const agg_koploper_t *k = kl[i];
            opt_sum_t nv = {0, 0}, cb = {0, 0};
            int used = 0;
            for (size_t g = 0; g < k->n_gemeenten; g++) {
                if (listed_before(k, g)) continue;
                for (size_t u = y; u < end; u++) {
                    if (strcmp(d->use[u].code, k->gemeenten[g]) != 0) continue;
                    used = 1;
                    opt_merge(&nv, d->use[u].nv);
                    opt_merge(&cb, d->use[u].cb);
                }
            }
            if (!used) continue;
            int64_t inw = inwoners_koploper(d->inw, k, d->use[y].jaar);
            table_out_row(d->w);
            table_out_int(d->w, d->use[y].jaar);
            table_out_str(d->w, k->id);
            out_opt(d->w, nv);
            out_opt(d->w, cb);
            out_opt_int(d->w, inw);
            out_per_1000(d->w, cb, inw);
            rc = table_out_put(d->w);
        }
        y = end;
    }
    return rc ? rc : table_out_end(d->w);
}

/* -------------------------------------------------------------- public */

int tables_dim_emit(const agg_state_t *s, const tables_opts_t *o, table_out_t *w)
{
    dim_t d = {.s = s, .o = o, .w = w};
    size_t n_kl = 0, i = 0, len;
    const char *key;
    void **kl = calloc(strmap_count(s->koplopers) + 1, sizeof *kl);
    int rc = kl ? prepare(&d) : KPM_ENOMEM;
    if (!rc && (d.inw = inwoners_new(s, o->ref)) == NULL) rc = KPM_ENOMEM;

    while (kl && strmap_entry(s->koplopers, &i, &key, &len, &kl[n_kl]))
        n_kl++;
    if (kl) qsort(kl, n_kl, sizeof *kl, cmp_koploper);
    if (!rc && o->worker == 0) rc = emit_gemeente(&d);
    if (!rc && o->worker == 0) rc = emit_gemeente_inwoners(&d);
    if (!rc && o->worker == 0) rc = emit_koplopers(&d, kl, n_kl);
    if (!rc) rc = emit_usage_gemeente(&d);
    if (!rc) rc = emit_usage_koploper(&d, kl, n_kl);
    if (!rc) rc = emit_usage_nu(&d);
    free(kl);
    free(d.codes);
    free(d.use);
    strmap_destroy(&d.ref);
    strmap_destroy(&d.kl_of);
    strmap_destroy(&d.index);
    free(d.nu);
    free(d.members);
    inwoners_destroy(&d.inw);
    return rc;
}
