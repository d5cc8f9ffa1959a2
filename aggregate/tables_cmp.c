/* tables_cmp.c - satisfaction shares, comparisons and the small-cell plan (see
 * tables_cmp.h and docs/COMPARISONS.md). */
#include "tables_cmp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "stats.h"
#include "strmap.h"

#define MAXT TABLES_CMP_MAX_GROUPS /* tranches per meting */
#define PLAN_MAX_GROUPS (3 * MAXT)
#define STRICT_TEVREDENHEID 1 /* the rule of the answer tables; see docs/COMPARISONS.md */

/* ======================================================== small-cell plan */

/* The span of the published groups, as rows in echelon form over the
 * tranches: row r has a 1 at pivot[r] and later rows have 0 there. */
typedef struct {
    double row[MAXT][MAXT];
    size_t pivot[MAXT];
    size_t n, dim;
} basis_t;

#define SPAN_EPS 1e-9

static void basis_reduce(const basis_t *b, double *v)
{
    for (size_t r = 0; r < b->n; r++) {
        double f = v[b->pivot[r]];
        if (f == 0) continue;
        for (size_t i = 0; i < b->dim; i++)
            v[i] -= f * b->row[r][i];
    }
}

static void mask_vec(uint32_t mask, size_t dim, double *v)
{
    for (size_t i = 0; i < dim; i++)
        v[i] = (mask >> i) & 1u;
}

static void basis_add(basis_t *b, uint32_t mask)
{
    double v[MAXT];
    mask_vec(mask, b->dim, v);
    basis_reduce(b, v);
    for (size_t p = 0; p < b->dim; p++) {
        if (fabs(v[p]) <= SPAN_EPS) continue;
        double f = v[p];
        for (size_t i = 0; i < b->dim; i++)
            b->row[b->n][i] = v[i] / f;
        b->pivot[b->n++] = p;
        return;
    }
}

static int basis_spans(const basis_t *b, uint32_t mask)
{
    double v[MAXT];
    mask_vec(mask, b->dim, v);
    basis_reduce(b, v);
    for (size_t i = 0; i < b->dim; i++)
        if (fabs(v[i]) > SPAN_EPS) return 0;
    return 1;
}

typedef struct {
    const uint64_t *sizes;
    size_t n_tr;
    uint32_t nz; /* tranches with respondents; the others are known to be empty */
    const tables_cmp_group_t *groups;
    size_t n_groups;
    const int *primary;
    int min_cell, strict;
    basis_t basis;
    size_t found;
} plan_t;

static uint64_t mask_size(const plan_t *p, uint32_t mask)
{
    uint64_t n = 0;
    for (size_t i = 0; i < p->n_tr; i++)
        if ((mask >> i) & 1u) n += p->sizes[i];
    return n;
}

/* A protected set is disclosed when the published groups span it and it is not
 * itself a fixed (always published) group. */
static void plan_check(plan_t *p, uint32_t set)
{
    for (size_t g = 0; g < p->n_groups; g++)
        if (p->groups[g].fixed && (p->groups[g].mask & p->nz) == set) return;
    if (basis_spans(&p->basis, set)) p->found++;
}

/* Every set of small tranches from index `from` on, added to `set`, that stays
 * below the threshold (each tranche holds at least one respondent). */
static void plan_subsets(plan_t *p, size_t from, uint32_t set, uint64_t size)
{
    for (size_t i = from; i < p->n_tr; i++) {
        if (!((p->nz >> i) & 1u) || size + p->sizes[i] >= (uint64_t)p->min_cell) continue;
        uint32_t s = set | (1u << i);
        plan_check(p, s);
        plan_subsets(p, i + 1, s, size + p->sizes[i]);
    }
}

/* Number of protected sets that the groups not in sup disclose. */
static size_t plan_disclosures(plan_t *p, const int *sup)
{
    p->basis.n = 0;
    p->basis.dim = p->n_tr;
    p->found = 0;
    for (size_t g = 0; g < p->n_groups; g++)
        if (!sup[g] && (p->groups[g].mask & p->nz)) basis_add(&p->basis, p->groups[g].mask & p->nz);
    if (p->strict) {
        plan_subsets(p, 0, 0, 0);
        return p->found;
    }
    for (size_t g = 0; g < p->n_groups; g++)
        if (p->primary[g] && (p->groups[g].mask & p->nz)) plan_check(p, p->groups[g].mask & p->nz);
    return p->found;
}

int tables_cmp_plan(const uint64_t *sizes, size_t n_tranches, tables_cmp_group_t *groups,
                    size_t n_groups, int min_cell, int strict)
{
    if (n_tranches > MAXT || n_groups > PLAN_MAX_GROUPS) return KPM_ERANGE;
    int primary[PLAN_MAX_GROUPS], sup[PLAN_MAX_GROUPS];
    plan_t p = {.sizes = sizes,
                .n_tr = n_tranches,
                .groups = groups,
                .n_groups = n_groups,
                .primary = primary,
                .min_cell = min_cell,
                .strict = strict};
    for (size_t i = 0; i < n_tranches; i++)
        if (sizes[i] > 0) p.nz |= 1u << i;
    for (size_t g = 0; g < n_groups; g++) {
        primary[g] = !groups[g].fixed && mask_size(&p, groups[g].mask) < (uint64_t)min_cell;
        sup[g] = primary[g];
    }
    size_t found;
    while ((found = plan_disclosures(&p, sup)) > 0) {
        /* Candidates smallest first (ties: the order given): the first one whose
         * suppression leaves fewer disclosures, else the smallest. */
        size_t cand[PLAN_MAX_GROUPS], n_cand = 0;
        for (size_t g = 0; g < n_groups; g++) {
            if (sup[g] || groups[g].fixed || !(groups[g].mask & p.nz)) continue;
            uint64_t sz = mask_size(&p, groups[g].mask);
            size_t k = n_cand++;
            while (k > 0 && mask_size(&p, groups[cand[k - 1]].mask) > sz) {
                cand[k] = cand[k - 1];
                k--;
            }
            cand[k] = g;
        }
        if (n_cand == 0) break;
        size_t pick = cand[0];
        for (size_t k = 0; k < n_cand; k++) {
            sup[cand[k]] = 1;
            size_t left = plan_disclosures(&p, sup);
            sup[cand[k]] = 0;
            if (left < found) {
                pick = cand[k];
                break;
            }
        }
        sup[pick] = 1;
    }
    for (size_t g = 0; g < n_groups; g++)
        groups[g].suppressed = sup[g];
    return KPM_OK;
}

/* ================================================================= tables */

typedef struct {
    uint64_t n, sat; /* valid answers (1..4), of which 3 or 4 */
} tally_t;

typedef struct {
    int32_t meting;
    size_t n_tr;
    int tranche[MAXT]; /* ascending */
    uint64_t size[MAXT];
    uint32_t tr_sup;
    size_t n_named;
    size_t named[MAXT]; /* configuration index, in configuration order */
    int named_sup[MAXT];
    tally_t *tally; /* [n_tr][n_items] */
    uint8_t *asked; /* [n_items]: some counting response was asked the item */
} met_t;

struct tables_cmp {
    const agg_state_t *s;
    const tables_cmp_config_t *cfg;
    int min_cell;
    size_t n_items;
    met_t *met;
    size_t n_met;
    const agg_response_t *const *counted;
    size_t n_counted;
    int *tr_of;       /* tranche of counted[i] */
    strmap_t *by_key; /* "meting|koploper" -> counted index + 1 */
    int *cmp_sup;     /* per comparison */
};

static int is_likert(const tables_cmp_t *t, size_t item)
{
    item_type_t ty = catalog_item(t->s->cat, item)->type;
    return ty == ITEM_LIKERT || ty == ITEM_LIKERT_NVT;
}

static met_t *met_find(const tables_cmp_t *t, int32_t meting)
{
    for (size_t i = 0; i < t->n_met; i++)
        if (t->met[i].meting == meting) return &t->met[i];
    return NULL;
}

static int met_tranche(const met_t *m, int tranche)
{
    for (size_t i = 0; i < m->n_tr; i++)
        if (m->tranche[i] == tranche) return (int)i;
    return -1;
}

/* Notes that `tranche` takes part in `meting`. */
static int met_note(tables_cmp_t *t, int32_t meting, int tranche)
{
    met_t *m = met_find(t, meting);
    if (!m) {
        void *p = realloc(t->met, (t->n_met + 1) * sizeof *t->met);
        if (!p) return KPM_ENOMEM;
        t->met = p;
        m = &t->met[t->n_met++];
        memset(m, 0, sizeof *m);
        m->meting = meting;
    }
    if (met_tranche(m, tranche) >= 0) return KPM_OK;
    if (m->n_tr == MAXT) return KPM_ERANGE;
    size_t k = m->n_tr++;
    for (; k > 0 && m->tranche[k - 1] > tranche; k--)
        m->tranche[k] = m->tranche[k - 1];
    m->tranche[k] = tranche;
    return KPM_OK;
}

static int cmp_met(const void *a, const void *b)
{
    const met_t *x = a, *y = b;
    return (x->meting > y->meting) - (x->meting < y->meting);
}

/* The tranches of group g in meting m, as a mask over m's tranches. */
static uint32_t grp_mask(const tables_cmp_t *t, const met_t *m, const tables_cmp_grp_t *g)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < m->n_tr; i++)
        if (tables_cmp_group_has(t->cfg, g, m->tranche[i])) mask |= 1u << i;
    return mask;
}

static uint64_t grp_size(const met_t *m, uint32_t mask)
{
    uint64_t n = 0;
    for (size_t i = 0; i < m->n_tr; i++)
        if ((mask >> i) & 1u) n += m->size[i];
    return n;
}

static tally_t grp_tally(const tables_cmp_t *t, const met_t *m, uint32_t mask, size_t item)
{
    tally_t sum = {0, 0};
    for (size_t i = 0; i < m->n_tr; i++)
        if ((mask >> i) & 1u) {
            sum.n += m->tally[i * t->n_items + item].n;
            sum.sat += m->tally[i * t->n_items + item].sat;
        }
    return sum;
}

/* Whether group g of meting m is suppressed in the answer tables. */
static int grp_suppressed(const tables_cmp_t *t, const met_t *m, const tables_cmp_grp_t *g)
{
    if (g->kind == TABLES_CMP_ALLE) return 0;
    if (g->kind == TABLES_CMP_NAMED) {
        for (size_t k = 0; k < m->n_named; k++)
            if (m->named[k] == g->named) return m->named_sup[k];
    }
    int i = g->kind == TABLES_CMP_TRANCHE ? met_tranche(m, g->tranche) : -1;
    return i >= 0 ? (int)((m->tr_sup >> i) & 1u) : t->min_cell > 0;
}

static void grp_name(const tables_cmp_t *t, const tables_cmp_grp_t *g, char *buf, size_t len)
{
    if (g->kind == TABLES_CMP_ALLE)
        snprintf(buf, len, "alle");
    else if (g->kind == TABLES_CMP_TRANCHE)
        snprintf(buf, len, "tranche-%d", g->tranche);
    else
        snprintf(buf, len, "%s", t->cfg->groups[g->named].name);
}

/* The answer of r to item: -1 not asked, -2 asked without a valid answer,
 * else 0 (n.v.t.) .. 4. */
static int answer_of(const agg_response_t *r, size_t item)
{
    for (uint32_t a = 0; a < r->n_answers; a++) {
        if (r->answers[a].item != item) continue;
        const agg_answer_t *x = &r->answers[a];
        return x->type == WIRE_VAL_INT && x->i >= 0 && x->i <= 4 ? (int)x->i : -2;
    }
    return -1;
}

static int key_of(char *buf, size_t len, int32_t meting, const char *koploper)
{
    int n = snprintf(buf, len, "%d|%s", (int)meting, koploper);
    return n < 0 || (size_t)n >= len ? -1 : n;
}

/* The counting response of koploper in meting, or NULL. */
static const agg_response_t *response_in(const tables_cmp_t *t, int32_t meting,
                                         const char *koploper)
{
    char k[160];
    int n = key_of(k, sizeof k, meting, koploper);
    uintptr_t v = n < 0 ? 0 : (uintptr_t)strmap_get(t->by_key, k, (size_t)n);
    return v ? t->counted[v - 1] : NULL;
}

/* Metingen and their tranches (invited or responding), sizes and tallies. */
static int count_all(tables_cmp_t *t)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    int rc;
    while (strmap_entry(t->s->deelnemers, &i, &key, &len, &v)) {
        const agg_deelnemer_t *d = v;
        const agg_koploper_t *k = state_koploper(t->s, d->koploper_id);
        if (k && (rc = met_note(t, d->meting, k->tranche))) return rc;
    }
    for (size_t r = 0; r < t->n_counted; r++) {
        const agg_koploper_t *k = state_koploper(t->s, t->counted[r]->koploper_id);
        t->tr_of[r] = k ? k->tranche : -1;
        if ((rc = met_note(t, t->counted[r]->meting, t->tr_of[r]))) return rc;
        char kb[160];
        int n = key_of(kb, sizeof kb, t->counted[r]->meting, t->counted[r]->koploper_id);
        if (n < 0) return KPM_ERANGE;
        if (strmap_put(t->by_key, kb, (size_t)n, (void *)(uintptr_t)(r + 1), NULL))
            return KPM_ENOMEM;
    }
    if (t->n_met > 1) qsort(t->met, t->n_met, sizeof *t->met, cmp_met);
    for (size_t k = 0; k < t->n_met; k++) {
        met_t *m = &t->met[k];
        m->tally = calloc(m->n_tr * t->n_items + 1, sizeof *m->tally);
        m->asked = calloc(t->n_items + 1, 1);
        if (!m->tally || !m->asked) return KPM_ENOMEM;
    }
    for (size_t r = 0; r < t->n_counted; r++) {
        const agg_response_t *resp = t->counted[r];
        met_t *m = met_find(t, resp->meting);
        size_t ti = (size_t)met_tranche(m, t->tr_of[r]);
        m->size[ti]++;
        for (uint32_t a = 0; a < resp->n_answers; a++) {
            size_t item = resp->answers[a].item;
            if (item >= t->n_items || !is_likert(t, item)) continue;
            m->asked[item] = 1;
            int val = answer_of(resp, item);
            if (val < 1) continue;
            m->tally[ti * t->n_items + item].n++;
            if (val >= 3) m->tally[ti * t->n_items + item].sat++;
        }
    }
    return KPM_OK;
}

/* Named groups shown per meting: those a comparison uses there. */
static int note_named(tables_cmp_t *t)
{
    for (size_t c = 0; c < t->cfg->n_cmps; c++)
        for (int s = 0; s < 2; s++) {
            const tables_cmp_cmp_t *k = &t->cfg->cmps[c];
            met_t *m = met_find(t, k->meting[s]);
            if (!m || k->grp[s].kind != TABLES_CMP_NAMED) continue;
            size_t pos = 0;
            while (pos < m->n_named && m->named[pos] < k->grp[s].named)
                pos++;
            if (pos < m->n_named && m->named[pos] == k->grp[s].named) continue;
            if (m->n_named == MAXT) return KPM_ERANGE;
            memmove(&m->named[pos + 1], &m->named[pos], (m->n_named - pos) * sizeof *m->named);
            m->named[pos] = k->grp[s].named;
            m->n_named++;
        }
    return KPM_OK;
}

/* The plan of each meting: tranches, alle (fixed) and its named groups. */
static int plan_metingen(tables_cmp_t *t)
{
    for (size_t k = 0; k < t->n_met; k++) {
        met_t *m = &t->met[k];
        tables_cmp_group_t g[PLAN_MAX_GROUPS];
        size_t n = 0;
        for (size_t i = 0; i < m->n_tr; i++)
            g[n++] = (tables_cmp_group_t){1u << i, 0, 0};
        g[n++] = (tables_cmp_group_t){m->n_tr == MAXT ? UINT32_MAX : (1u << m->n_tr) - 1, 1, 0};
        for (size_t j = 0; j < m->n_named; j++) {
            tables_cmp_grp_t ref = {TABLES_CMP_NAMED, 0, m->named[j]};
            g[n++] = (tables_cmp_group_t){grp_mask(t, m, &ref), 0, 0};
        }
        int rc = tables_cmp_plan(m->size, m->n_tr, g, n, t->min_cell, STRICT_TEVREDENHEID);
        if (rc) return rc;
        for (size_t i = 0; i < m->n_tr; i++)
            if (g[i].suppressed) m->tr_sup |= 1u << i;
        for (size_t j = 0; j < m->n_named; j++)
            m->named_sup[j] = g[m->n_tr + 1 + j].suppressed;
    }
    return KPM_OK;
}

/* Respondents of meting a per tranche of a that also count in meting b. */
static void panel_sizes(const tables_cmp_t *t, const met_t *a, int32_t meting_b, uint64_t *sizes)
{
    memset(sizes, 0, MAXT * sizeof *sizes);
    for (size_t r = 0; r < t->n_counted; r++) {
        const agg_response_t *resp = t->counted[r];
        if (resp->meting != a->meting || !response_in(t, meting_b, resp->koploper_id)) continue;
        sizes[met_tranche(a, t->tr_of[r])]++;
    }
}

/* A paired comparison is suppressed when its group is suppressed in either
 * meting, when the respondents of either meting outside the panel are 1 to
 * min_cell - 1, or when the panel plan (every paired group on the same two
 * metingen, strict rule) suppresses it. */
static int paired_suppressed(const tables_cmp_t *t, size_t c)
{
    const tables_cmp_cmp_t *k = &t->cfg->cmps[c];
    const met_t *ma = met_find(t, k->meting[0]), *mb = met_find(t, k->meting[1]);
    if (!ma || !mb) return 1;
    if (grp_suppressed(t, ma, &k->grp[0]) || grp_suppressed(t, mb, &k->grp[1])) return 1;
    uint64_t sizes[MAXT];
    panel_sizes(t, ma, mb->meting, sizes);
    uint32_t mask = grp_mask(t, ma, &k->grp[0]);
    uint64_t panel = 0;
    for (size_t i = 0; i < ma->n_tr; i++)
        if ((mask >> i) & 1u) panel += sizes[i];
    uint64_t out_a = grp_size(ma, mask) - panel,
             out_b = grp_size(mb, grp_mask(t, mb, &k->grp[1])) - panel;
    if ((out_a > 0 && out_a < (uint64_t)t->min_cell) ||
        (out_b > 0 && out_b < (uint64_t)t->min_cell))
        return 1;
    tables_cmp_group_t g[PLAN_MAX_GROUPS];
    size_t n = 0, self = 0;
    for (size_t j = 0; j < t->cfg->n_cmps && n < PLAN_MAX_GROUPS; j++) {
        const tables_cmp_cmp_t *o = &t->cfg->cmps[j];
        if (!o->paired || !((o->meting[0] == k->meting[0] && o->meting[1] == k->meting[1]) ||
                            (o->meting[0] == k->meting[1] && o->meting[1] == k->meting[0])))
            continue;
        if (j == c) self = n;
        g[n++] = (tables_cmp_group_t){grp_mask(t, ma, &o->grp[0]), 0, 0};
    }
    if (tables_cmp_plan(sizes, ma->n_tr, g, n, t->min_cell, 1)) return 1;
    return g[self].suppressed;
}

void tables_cmp_destroy(tables_cmp_t **pt)
{
    if (!pt || !*pt) return;
    tables_cmp_t *t = *pt;
    for (size_t i = 0; i < t->n_met; i++) {
        free(t->met[i].tally);
        free(t->met[i].asked);
    }
    free(t->met);
    free(t->tr_of);
    free(t->cmp_sup);
    strmap_destroy(&t->by_key);
    free(t);
    *pt = NULL;
}

tables_cmp_t *tables_cmp_new(const agg_state_t *s, const tables_cmp_config_t *cfg, int min_cell,
                             const agg_response_t *const *counted, size_t n_counted, int *rc)
{
    static const tables_cmp_config_t none;
    tables_cmp_t *t = calloc(1, sizeof *t);
    *rc = KPM_ENOMEM;
    if (!t) return NULL;
    *t = (tables_cmp_t){.s = s,
                        .cfg = cfg ? cfg : &none,
                        .min_cell = min_cell,
                        .n_items = catalog_count(s->cat),
                        .counted = counted,
                        .n_counted = n_counted};
    t->tr_of = calloc(n_counted + 1, sizeof *t->tr_of);
    t->cmp_sup = calloc(t->cfg->n_cmps + 1, sizeof *t->cmp_sup);
    t->by_key = strmap_new();
    if (t->tr_of && t->cmp_sup && t->by_key) *rc = count_all(t);
    if (!*rc) *rc = note_named(t);
    if (!*rc) *rc = plan_metingen(t);
    for (size_t c = 0; !*rc && c < t->cfg->n_cmps; c++) {
        const tables_cmp_cmp_t *k = &t->cfg->cmps[c];
        const met_t *ma = met_find(t, k->meting[0]), *mb = met_find(t, k->meting[1]);
        if (k->paired)
            t->cmp_sup[c] = paired_suppressed(t, c);
        else
            t->cmp_sup[c] = !ma || !mb || grp_suppressed(t, ma, &k->grp[0]) ||
                            grp_suppressed(t, mb, &k->grp[1]);
    }
    if (*rc) tables_cmp_destroy(&t);
    return t;
}

int tables_cmp_suppressed(const tables_cmp_t *t, int32_t meting, int tranche)
{
    const met_t *m = met_find(t, meting);
    int i = m ? met_tranche(m, tranche) : -1;
    return i >= 0 ? (int)((m->tr_sup >> i) & 1u) : t->min_cell > 0;
}

/* ================================================================ emitting */

static void put_pct(table_out_t *w, uint64_t part, uint64_t whole)
{
    if (whole)
        table_out_real(w, 100.0 * (double)part / (double)whole);
    else
        table_out_nil(w);
}

static int emit_group_rows(const tables_cmp_t *t, table_out_t *w, const met_t *m, const char *name,
                           uint32_t mask, int sup)
{
    int rc = KPM_OK;
    for (size_t it = 0; !rc && it < t->n_items; it++) {
        if (!is_likert(t, it) || !m->asked[it]) continue;
        tally_t x = grp_tally(t, m, mask, it);
        stats_ci_t ci;
        table_out_row(w);
        table_out_int(w, m->meting);
        table_out_str(w, name);
        table_out_str(w, catalog_item(t->s->cat, it)->name);
        if (sup) {
            for (int k = 0; k < 6; k++)
                table_out_nil(w);
        } else {
            table_out_int(w, (int64_t)x.n);
            table_out_int(w, (int64_t)x.sat);
            put_pct(w, x.sat, x.n);
            if (stats_wilson(x.sat, x.n, STATS_Z95, &ci) == KPM_OK) {
                table_out_real(w, 100.0 * ci.lo);
                table_out_real(w, 100.0 * ci.hi);
            } else {
                table_out_nil(w);
                table_out_nil(w);
            }
            table_out_str(w, x.n > 0 && (x.sat == 0 || x.sat == x.n) ? "ja" : "nee");
        }
        table_out_str(w, sup ? "ja" : "nee");
        rc = table_out_put(w);
    }
    return rc;
}

static int emit_tevredenheid(const tables_cmp_t *t, table_out_t *w)
{
    static const char *const cols[] = {"meting",
                                       "int",
                                       "groep",
                                       "text",
                                       "item",
                                       "text",
                                       "n",
                                       "int",
                                       "tevreden",
                                       "int",
                                       "aandeel_pct",
                                       "pct1",
                                       "ci_laag_pct",
                                       "pct1",
                                       "ci_hoog_pct",
                                       "pct1",
                                       "groepsonthulling",
                                       "jn",
                                       "onderdrukt",
                                       "jn",
                                       NULL};
    int rc = table_out_begin(w, "tevredenheid", 1, cols);
    for (size_t k = 0; !rc && k < t->n_met; k++) {
        const met_t *m = &t->met[k];
        char name[40];
        rc = emit_group_rows(t, w, m, "alle", UINT32_MAX, 0);
        for (size_t i = 0; !rc && i < m->n_tr; i++) {
            snprintf(name, sizeof name, "tranche-%d", m->tranche[i]);
            rc = emit_group_rows(t, w, m, name, 1u << i, (int)((m->tr_sup >> i) & 1u));
        }
        for (size_t j = 0; !rc && j < m->n_named; j++) {
            tables_cmp_grp_t ref = {TABLES_CMP_NAMED, 0, m->named[j]};
            rc = emit_group_rows(t, w, m, t->cfg->groups[m->named[j]].name, grp_mask(t, m, &ref),
                                 m->named_sup[j]);
        }
    }
    return rc ? rc : table_out_end(w);
}

/* The figures of one comparison row: counts and the difference b - a. */
typedef struct {
    uint64_t n[2], sat[2];
    int have_diff;
    double diff;
    stats_ci_t ci;
    const char *test;
    double p;
} cmp_row_t;

static cmp_row_t cmp_independent(const tables_cmp_t *t, const tables_cmp_cmp_t *k,
                                 const met_t *const *m, size_t item)
{
    cmp_row_t r = {0};
    for (int s = 0; s < 2; s++) {
        tally_t x = grp_tally(t, m[s], grp_mask(t, m[s], &k->grp[s]), item);
        r.n[s] = x.n;
        r.sat[s] = x.sat;
    }
    if (stats_diff_indep(r.sat[1], r.n[1], r.sat[0], r.n[0], STATS_Z95, &r.diff, &r.ci) != KPM_OK)
        return r;
    stats_test_t which;
    r.have_diff = 1;
    r.p = stats_test_indep(r.sat[0], r.n[0] - r.sat[0], r.sat[1], r.n[1] - r.sat[1], &which);
    r.test = which == STATS_TEST_CHI2 ? "chi2" : "fisher";
    return r;
}

/* Pairs: koplopers of the group counting in both metingen with a valid answer
 * both times. e both satisfied, f only in a, g only in b, h neither. */
static cmp_row_t cmp_paired(const tables_cmp_t *t, const tables_cmp_cmp_t *k, const met_t *const *m,
                            size_t item)
{
    cmp_row_t r = {0};
    uint64_t e = 0, f = 0, g = 0, h = 0;
    for (size_t i = 0; i < t->n_counted; i++) {
        const agg_response_t *ra = t->counted[i];
        if (ra->meting != m[0]->meting || !tables_cmp_group_has(t->cfg, &k->grp[0], t->tr_of[i]))
            continue;
        const agg_response_t *rb = response_in(t, m[1]->meting, ra->koploper_id);
        int va = answer_of(ra, item), vb = rb ? answer_of(rb, item) : -1;
        if (va < 1 || vb < 1) continue;
        if (va >= 3 && vb >= 3)
            e++;
        else if (va >= 3)
            f++;
        else if (vb >= 3)
            g++;
        else
            h++;
    }
    r.n[0] = r.n[1] = e + f + g + h;
    r.sat[0] = e + f;
    r.sat[1] = e + g;
    double d;
    stats_ci_t ci;
    if (stats_diff_paired(e, f, g, h, STATS_Z95, &d, &ci) != KPM_OK) return r;
    r.have_diff = 1;
    r.diff = -d; /* the interval of a - b, turned into one of b - a */
    r.ci = (stats_ci_t){-ci.hi, -ci.lo};
    r.p = stats_mcnemar_exact(f, g);
    r.test = "mcnemar";
    return r;
}

static int emit_cmp_row(const tables_cmp_t *t, table_out_t *w, size_t c, const met_t *const *m,
                        size_t item)
{
    const tables_cmp_cmp_t *k = &t->cfg->cmps[c];
    int sup = t->cmp_sup[c];
    cmp_row_t r = {0};
    if (!sup) r = k->paired ? cmp_paired(t, k, m, item) : cmp_independent(t, k, m, item);
    char gn[2][TABLES_CMP_NAME_MAX + 1];
    for (int s = 0; s < 2; s++)
        grp_name(t, &k->grp[s], gn[s], sizeof gn[s]);
    table_out_row(w);
    table_out_str(w, k->name);
    table_out_str(w, catalog_item(t->s->cat, item)->name);
    table_out_str(w, k->paired ? "gepaard" : "onafhankelijk");
    for (int s = 0; s < 2; s++) {
        table_out_int(w, k->meting[s]);
        table_out_str(w, gn[s]);
        if (sup) {
            table_out_nil(w);
            table_out_nil(w);
        } else {
            table_out_int(w, (int64_t)r.n[s]);
            put_pct(w, r.sat[s], r.n[s]);
        }
    }
    if (r.have_diff) {
        table_out_real(w, 100.0 * r.diff);
        table_out_real(w, 100.0 * r.ci.lo);
        table_out_real(w, 100.0 * r.ci.hi);
        table_out_str(w, r.test);
        table_out_real(w, r.p);
        table_out_str(w, r.p < 0.05 ? "ja" : "nee");
    } else {
        for (int i = 0; i < 6; i++)
            table_out_nil(w);
    }
    table_out_str(w, sup ? "ja" : "nee");
    return table_out_put(w);
}

static int emit_vergelijking(const tables_cmp_t *t, table_out_t *w)
{
    static const char *const cols[] = {"vergelijking",
                                       "text",
                                       "item",
                                       "text",
                                       "type",
                                       "text",
                                       "meting_a",
                                       "int",
                                       "groep_a",
                                       "text",
                                       "n_a",
                                       "int",
                                       "aandeel_a_pct",
                                       "pct1",
                                       "meting_b",
                                       "int",
                                       "groep_b",
                                       "text",
                                       "n_b",
                                       "int",
                                       "aandeel_b_pct",
                                       "pct1",
                                       "verschil_pp",
                                       "dec1",
                                       "ci_laag_pp",
                                       "dec1",
                                       "ci_hoog_pp",
                                       "dec1",
                                       "toets",
                                       "text",
                                       "p_waarde",
                                       "dec4",
                                       "significant",
                                       "jn",
                                       "onderdrukt",
                                       "jn",
                                       NULL};
    int rc = table_out_begin(w, "vergelijking", 1, cols);
    for (size_t c = 0; !rc && c < t->cfg->n_cmps; c++) {
        const tables_cmp_cmp_t *k = &t->cfg->cmps[c];
        const met_t *m[2] = {met_find(t, k->meting[0]), met_find(t, k->meting[1])};
        if (!m[0] || !m[1]) continue;
        for (size_t it = 0; !rc && it < t->n_items; it++)
            if (is_likert(t, it) && m[0]->asked[it] && m[1]->asked[it])
                rc = emit_cmp_row(t, w, c, m, it);
    }
    return rc ? rc : table_out_end(w);
}

int tables_cmp_emit(const tables_cmp_t *t, table_out_t *w)
{
    int rc = emit_tevredenheid(t, w);
    return rc ? rc : emit_vergelijking(t, w);
}
