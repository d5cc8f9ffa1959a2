/* tables.c - counting: aggregate's state to the result tables (see tables.h
 * and docs/OUTPUTS.md). */
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "reject_codes.h"
#include "table_out.h"
#include "tables_cmp.h"
#include "tables_dim.h"
#include "tables_mon.h"
#include "tables_prog.h"

#define MAX_CHOICES 32
#define MAX_METINGEN 64
#define MAX_GROUPS 16 /* alle + tranches 1..9 */

typedef struct {
    uint64_t asked;
    uint64_t c[5]; /* n.v.t., 1..4 */
    uint64_t choice[MAX_CHOICES];
    double *vals; /* procent: values of responses whose sum group is valid */
    size_t n_vals, cap_vals;
} tally_t;

typedef struct {
    int32_t meting;
    int tranches[MAX_GROUPS]; /* group g >= 1 is tranche tranches[g] */
    size_t n_groups;          /* alle + tranches */
    uint64_t invited[MAX_GROUPS];
    uint64_t responses[MAX_GROUPS];
    tally_t *tally; /* [n_groups][n_items] */
} meting_t;

typedef struct {
    const char *file;
    uint32_t line;
    uint64_t order;
    const char *column, *code;
    char *message; /* owned for notices, borrowed otherwise */
    int owned;
} rej_t;

typedef struct {
    int32_t meting;
    int thema;
    size_t item;
    int tranche;
    const char *text;
    uint32_t len;
} open_t;

typedef struct {
    const agg_state_t *s;
    const tables_opts_t *o;
    size_t n_items;
    meting_t met[MAX_METINGEN];
    size_t n_met;
    const agg_response_t **counted; /* responses that count, arrival order */
    size_t n_counted;
    rej_t *rej;
    size_t n_rej, cap_rej;
    open_t *open;
    size_t n_open, cap_open;
    table_out_t *w;
    tables_cmp_t *cmp; /* NULL without a comparison configuration */
} ctx_t;

/* ------------------------------------------------------------- helpers */

static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return KPM_OK;
    size_t nc = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, nc * size);
    if (!p) return KPM_ENOMEM;
    *items = p;
    *cap = nc;
    return KPM_OK;
}

static int add_notice(ctx_t *c, const char *file, uint32_t line, const char *column,
                      const char *code, const char *msg)
{
    if (grow((void **)&c->rej, &c->cap_rej, c->n_rej, sizeof *c->rej)) return KPM_ENOMEM;
    char *m = strdup(msg);
    if (!m) return KPM_ENOMEM;
    uint64_t order = UINT64_MAX / 2 + c->n_rej; /* after the ingest rejects of the same line */
    c->rej[c->n_rej++] = (rej_t){file, line, order, column, code, m, 1};
    return KPM_OK;
}

static int tranche_of(const ctx_t *c, const char *koploper_id)
{
    const agg_koploper_t *k = state_koploper(c->s, koploper_id);
    return k ? k->tranche : -1;
}

static meting_t *meting_get(ctx_t *c, int32_t meting)
{
    for (size_t i = 0; i < c->n_met; i++)
        if (c->met[i].meting == meting) return &c->met[i];
    if (c->n_met == MAX_METINGEN) return NULL;
    meting_t *m = &c->met[c->n_met++];
    memset(m, 0, sizeof *m);
    m->meting = meting;
    m->n_groups = 1;
    return m;
}

/* The group index of a tranche within a meting, adding the group. */
static size_t group_of(meting_t *m, int tranche)
{
    for (size_t g = 1; g < m->n_groups; g++)
        if (m->tranches[g] == tranche) return g;
    if (m->n_groups == MAX_GROUPS) return 0;
    m->tranches[m->n_groups] = tranche;
    return m->n_groups++;
}

static int cmp_meting(const void *a, const void *b)
{
    const meting_t *x = a, *y = b;
    return (x->meting > y->meting) - (x->meting < y->meting);
}

/* Sorts a meting's tranche groups ascending, keeping their counts with them. */
static void sort_groups(meting_t *m)
{
    for (size_t i = 2; i < m->n_groups; i++)
        for (size_t j = i; j > 1 && m->tranches[j - 1] > m->tranches[j]; j--) {
            int t = m->tranches[j];
            m->tranches[j] = m->tranches[j - 1];
            m->tranches[j - 1] = t;
            uint64_t u = m->invited[j];
            m->invited[j] = m->invited[j - 1];
            m->invited[j - 1] = u;
            u = m->responses[j];
            m->responses[j] = m->responses[j - 1];
            m->responses[j - 1] = u;
        }
}

/* ------------------------------------------------- who counts, who is invited */

static int find_counting(ctx_t *c)
{
    const agg_state_t *s = c->s;
    size_t n = strmap_count(s->responses), i = 0, len;
    const char *key;
    void *v;
    char msg[512], k[96];
    c->counted = calloc(n ? n : 1, sizeof *c->counted);
    const agg_response_t **loser = calloc(n ? n : 1, sizeof *loser);
    strmap_t *best = strmap_new(); /* "meting|koploper" -> winning response */
    int rc = KPM_ENOMEM;
    size_t n_losers = 0;
    if (!c->counted || !loser || !best) goto out;
    while (strmap_entry(s->responses, &i, &key, &len, &v)) {
        const agg_response_t *r = v;
        if (!state_koploper(s, r->koploper_id)) {
            snprintf(msg, sizeof msg,
                     "Koploper %s staat niet in het register; deze response telt niet mee.",
                     r->koploper_id);
            if ((rc = add_notice(c, r->file, r->line, "koploper_id", REJ_UNKNOWN_KOPLOPER, msg)))
                goto out;
            continue;
        }
        int kl = snprintf(k, sizeof k, "%d|%s", (int)r->meting, r->koploper_id);
        const agg_response_t *cur = strmap_get(best, k, (size_t)kl);
        if (cur && strcmp(r->ingevuld_op, cur->ingevuld_op) < 0) {
            loser[n_losers++] = r;
            continue;
        }
        if (cur) loser[n_losers++] = cur; /* later or equal time: the later delivery wins */
        if (strmap_put(best, k, (size_t)kl, (void *)r, NULL)) goto out;
    }
    for (size_t j = 0; j < n_losers; j++) {
        const agg_response_t *r = loser[j];
        int kl = snprintf(k, sizeof k, "%d|%s", (int)r->meting, r->koploper_id);
        const agg_response_t *w = strmap_get(best, k, (size_t)kl);
        snprintf(msg, sizeof msg,
                 "Response %s is vervangen door response %s (regel %u van %s), later ingevuld "
                 "voor dezelfde koploper en meting; deze response telt niet mee.",
                 r->response_id, w->response_id, w->line, w->file);
        if ((rc = add_notice(c, r->file, r->line, "", REJ_SUPERSEDED, msg))) goto out;
    }
    /* The winners, in arrival order of the responses. */
    i = 0;
    while (strmap_entry(s->responses, &i, &key, &len, &v)) {
        const agg_response_t *r = v;
        int kl = snprintf(k, sizeof k, "%d|%s", (int)r->meting, r->koploper_id);
        if (strmap_get(best, k, (size_t)kl) == r) c->counted[c->n_counted++] = r;
    }
    rc = KPM_OK;
out:
    free(loser);
    strmap_destroy(&best);
    return rc;
}

static int count_invited(ctx_t *c)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    char msg[512];
    while (strmap_entry(c->s->deelnemers, &i, &key, &len, &v)) {
        const agg_deelnemer_t *d = v;
        int t = tranche_of(c, d->koploper_id);
        if (t < 0) {
            snprintf(msg, sizeof msg,
                     "Koploper %s staat niet in het register; deze uitnodiging telt niet mee.",
                     d->koploper_id);
            int rc = add_notice(c, d->file, d->line, "koploper_id", REJ_UNKNOWN_KOPLOPER, msg);
            if (rc) return rc;
            continue;
        }
        meting_t *m = meting_get(c, d->meting);
        if (!m) return KPM_ERANGE;
        m->invited[0]++;
        m->invited[group_of(m, t)]++;
    }
    return KPM_OK;
}

/* --------------------------------------------------------------- tallies */

static int tally_answer(ctx_t *c, tally_t *t, const catalog_item_t *it, const agg_answer_t *a)
{
    t->asked++;
    if (a->type == WIRE_VAL_NIL) return KPM_OK;
    switch (it->type) {
    case ITEM_LIKERT:
    case ITEM_LIKERT_NVT:
        if (a->type == WIRE_VAL_INT && a->i >= 0 && a->i <= 4) t->c[a->i]++;
        break;
    case ITEM_KEUZE:
        for (size_t v = 0; v < it->n_values && v < MAX_CHOICES; v++)
            if (a->type == WIRE_VAL_STR && strlen(it->values[v]) == a->slen &&
                memcmp(it->values[v], a->s, a->slen) == 0)
                t->choice[v]++;
        break;
    case ITEM_PROCENT:
        if (a->type == WIRE_VAL_REAL) {
            if (grow((void **)&t->vals, &t->cap_vals, t->n_vals, sizeof *t->vals))
                return KPM_ENOMEM;
            t->vals[t->n_vals++] = a->r;
        }
        break;
    default:
        break;
    }
    (void)c;
    return KPM_OK;
}

/* True when every item of the answer's sum group holds a value. */
static int group_filled(const ctx_t *c, const agg_response_t *r, int group)
{
    size_t members = 0, filled = 0;
    for (size_t i = 0; i < c->n_items; i++)
        if (catalog_item(c->s->cat, i)->group == group) members++;
    for (uint32_t a = 0; a < r->n_answers; a++)
        if (catalog_item(c->s->cat, r->answers[a].item)->group == group &&
            r->answers[a].type == WIRE_VAL_REAL)
            filled++;
    return members > 0 && filled == members;
}

static int tally_all(ctx_t *c)
{
    for (size_t i = 0; i < c->n_counted; i++) {
        const agg_response_t *r = c->counted[i];
        meting_t *m = meting_get(c, r->meting);
        if (!m) return KPM_ERANGE;
        int t = tranche_of(c, r->koploper_id);
        size_t g = group_of(m, t);
        m->responses[0]++;
        m->responses[g]++;
    }
    for (size_t i = 0; i < c->n_met; i++) {
        sort_groups(&c->met[i]);
        c->met[i].tally = calloc(c->met[i].n_groups * c->n_items, sizeof(tally_t));
        if (!c->met[i].tally) return KPM_ENOMEM;
    }
    for (size_t i = 0; i < c->n_counted; i++) {
        const agg_response_t *r = c->counted[i];
        meting_t *m = meting_get(c, r->meting);
        int t = tranche_of(c, r->koploper_id);
        size_t gs[2] = {0, group_of(m, t)};
        for (uint32_t a = 0; a < r->n_answers; a++) {
            const agg_answer_t *ans = &r->answers[a];
            const catalog_item_t *it = catalog_item(c->s->cat, ans->item);
            agg_answer_t use = *ans;
            if (it->type == ITEM_PROCENT && !group_filled(c, r, it->group)) use.type = WIRE_VAL_NIL;
            for (int k = 0; k < 2; k++) {
                int rc = tally_answer(c, &m->tally[gs[k] * c->n_items + ans->item], it, &use);
                if (rc) return rc;
            }
            if (it->type == ITEM_TEKST && ans->type == WIRE_VAL_STR && ans->slen > 0) {
                if (grow((void **)&c->open, &c->cap_open, c->n_open, sizeof *c->open))
                    return KPM_ENOMEM;
                c->open[c->n_open++] =
                    (open_t){r->meting, it->thema, ans->item, t, ans->s, ans->slen};
            }
        }
    }
    return KPM_OK;
}

/* ------------------------------------------------------------- emitting */

static void group_name(const meting_t *m, size_t g, char *buf, size_t len)
{
    if (g == 0)
        snprintf(buf, len, "alle");
    else
        snprintf(buf, len, "tranche-%d", m->tranches[g]);
}

/* The small-cell plan of tables_cmp: groups below the threshold and, by
 * complementary suppression, any group that would let one be recovered. */
static int suppressed(const ctx_t *c, const meting_t *m, size_t g)
{
    return g > 0 && tables_cmp_suppressed(c->cmp, m->meting, m->tranches[g]);
}

/* respons.csv (tranche as text, then a totaal row), or for the feed
 * respons_tranche: one grain, tranche a number, the total in a view
 * (docs/DATABASE.md). */
static int emit_respons(ctx_t *c, int feed)
{
    static const char *const cols[] = {"meting",      "int",  "tranche", "text",
                                       "uitgenodigd", "int",  "respons", "int",
                                       "respons_pct", "pct1", NULL};
    static const char *const cols_feed[] = {"meting",      "int",  "tranche", "int",
                                            "uitgenodigd", "int",  "respons", "int",
                                            "respons_pct", "pct1", NULL};
    int rc = feed ? table_out_begin(c->w, "respons_tranche", WIRE_PUBLISH | WIRE_PUBLISH_NO_CSV,
                                    cols_feed)
                  : table_out_begin(c->w, "respons", WIRE_PUBLISH | WIRE_PUBLISH_NO_FEED, cols);
    for (size_t i = 0; !rc && i < c->n_met; i++) {
        const meting_t *m = &c->met[i];
        for (size_t k = 1; !rc && k <= m->n_groups - (size_t)feed; k++) {
            size_t g = k == m->n_groups ? 0 : k; /* tranches first, totaal last */
            char tr[16];
            snprintf(tr, sizeof tr, "%d", m->tranches[g]);
            table_out_row(c->w);
            table_out_int(c->w, m->meting);
            if (feed)
                table_out_int(c->w, m->tranches[g]);
            else
                table_out_str(c->w, g ? tr : "totaal");
            table_out_int(c->w, (int64_t)m->invited[g]);
            table_out_int(c->w, (int64_t)m->responses[g]);
            if (m->invited[g])
                table_out_real(c->w, 100.0 * (double)m->responses[g] / (double)m->invited[g]);
            else
                table_out_nil(c->w);
            rc = table_out_put(c->w);
        }
    }
    return rc ? rc : table_out_end(c->w);
}

static int emit_likert(ctx_t *c)
{
    static const char *const cols[] = {
        "meting",     "int",  "groep",      "text", "thema",           "int",
        "item",       "text", "gevraagd",   "int",  "zeer_ontevreden", "int",
        "ontevreden", "int",  "tevreden",   "int",  "zeer_tevreden",   "int",
        "nvt",        "int",  "ontbrekend", "int",  "gemiddelde",      "dec2",
        "onderdrukt", "jn",   NULL};
    int rc = table_out_begin(c->w, "likert", 1, cols);
    for (size_t i = 0; !rc && i < c->n_met; i++) {
        const meting_t *m = &c->met[i];
        for (size_t g = 0; !rc && g < m->n_groups; g++) {
            char gn[32];
            group_name(m, g, gn, sizeof gn);
            for (size_t it = 0; !rc && it < c->n_items; it++) {
                const catalog_item_t *ci = catalog_item(c->s->cat, it);
                if (ci->type != ITEM_LIKERT && ci->type != ITEM_LIKERT_NVT) continue;
                if (m->tally[it].asked == 0) continue; /* not asked in this meting */
                const tally_t *t = &m->tally[g * c->n_items + it];
                table_out_row(c->w);
                table_out_int(c->w, m->meting);
                table_out_str(c->w, gn);
                table_out_int(c->w, ci->thema);
                table_out_str(c->w, ci->name);
                if (suppressed(c, m, g)) {
                    for (int k = 0; k < 8; k++)
                        table_out_nil(c->w);
                } else {
                    uint64_t answered = t->c[0] + t->c[1] + t->c[2] + t->c[3] + t->c[4];
                    uint64_t valid = answered - t->c[0];
                    table_out_int(c->w, (int64_t)t->asked);
                    for (int k = 1; k <= 4; k++)
                        table_out_int(c->w, (int64_t)t->c[k]);
                    table_out_int(c->w, (int64_t)t->c[0]);
                    table_out_int(c->w, (int64_t)(t->asked - answered));
                    if (valid)
                        table_out_real(c->w,
                                       (double)(t->c[1] + 2 * t->c[2] + 3 * t->c[3] + 4 * t->c[4]) /
                                           (double)valid);
                    else
                        table_out_nil(c->w);
                }
                table_out_str(c->w, suppressed(c, m, g) ? "ja" : "nee");
                rc = table_out_put(c->w);
            }
        }
    }
    return rc ? rc : table_out_end(c->w);
}

static int emit_keuze(ctx_t *c)
{
    static const char *const cols[] = {"meting", "int",      "groep",      "text",   "item",
                                       "text",   "antwoord", "text",       "aantal", "int",
                                       "pct",    "pct1",     "onderdrukt", "jn",     NULL};
    int rc = table_out_begin(c->w, "keuze", 1, cols);
    for (size_t i = 0; !rc && i < c->n_met; i++) {
        const meting_t *m = &c->met[i];
        for (size_t g = 0; !rc && g < m->n_groups; g++) {
            char gn[32];
            group_name(m, g, gn, sizeof gn);
            int sup = suppressed(c, m, g);
            for (size_t it = 0; !rc && it < c->n_items; it++) {
                const catalog_item_t *ci = catalog_item(c->s->cat, it);
                if (ci->type != ITEM_KEUZE || m->tally[it].asked == 0) continue;
                const tally_t *t = &m->tally[g * c->n_items + it];
                uint64_t answered = 0;
                for (size_t v = 0; v < ci->n_values && v < MAX_CHOICES; v++)
                    answered += t->choice[v];
                for (size_t v = 0; !rc && v <= ci->n_values && v <= MAX_CHOICES; v++) {
                    int missing = v == ci->n_values || v == MAX_CHOICES;
                    table_out_row(c->w);
                    table_out_int(c->w, m->meting);
                    table_out_str(c->w, gn);
                    table_out_str(c->w, ci->name);
                    table_out_str(c->w, missing ? "ontbrekend" : ci->values[v]);
                    if (sup) {
                        table_out_nil(c->w);
                        table_out_nil(c->w);
                    } else {
                        uint64_t n = missing ? t->asked - answered : t->choice[v];
                        table_out_int(c->w, (int64_t)n);
                        if (!missing && answered)
                            table_out_real(c->w, 100.0 * (double)n / (double)answered);
                        else
                            table_out_nil(c->w);
                    }
                    table_out_str(c->w, sup ? "ja" : "nee");
                    rc = table_out_put(c->w);
                }
            }
        }
    }
    return rc ? rc : table_out_end(c->w);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int emit_besteding(ctx_t *c)
{
    static const char *const cols[] = {
        "meting",  "int",           "groep",      "text",        "categorie", "text",    "n",
        "int",     "gemiddeld_pct", "pct1",       "mediaan_pct", "pct1",      "min_pct", "pct1",
        "max_pct", "pct1",          "onderdrukt", "jn",          NULL};
    int rc = table_out_begin(c->w, "besteding", 1, cols);
    for (size_t i = 0; !rc && i < c->n_met; i++) {
        const meting_t *m = &c->met[i];
        for (size_t g = 0; !rc && g < m->n_groups; g++) {
            char gn[32];
            group_name(m, g, gn, sizeof gn);
            int sup = suppressed(c, m, g);
            for (size_t it = 0; !rc && it < c->n_items; it++) {
                const catalog_item_t *ci = catalog_item(c->s->cat, it);
                if (ci->type != ITEM_PROCENT || m->tally[it].asked == 0) continue;
                tally_t *t = &m->tally[g * c->n_items + it];
                table_out_row(c->w);
                table_out_int(c->w, m->meting);
                table_out_str(c->w, gn);
                table_out_str(c->w, ci->category ? ci->category : ci->name);
                if (sup) {
                    for (int k = 0; k < 5; k++)
                        table_out_nil(c->w);
                } else if (t->n_vals == 0) {
                    table_out_int(c->w, 0);
                    for (int k = 0; k < 4; k++)
                        table_out_nil(c->w);
                } else {
                    qsort(t->vals, t->n_vals, sizeof *t->vals, cmp_double);
                    double sum = 0;
                    for (size_t k = 0; k < t->n_vals; k++)
                        sum += t->vals[k];
                    size_t n = t->n_vals;
                    double median =
                        n % 2 ? t->vals[n / 2] : (t->vals[n / 2 - 1] + t->vals[n / 2]) / 2;
                    table_out_int(c->w, (int64_t)n);
                    table_out_real(c->w, sum / (double)n);
                    table_out_real(c->w, median);
                    table_out_real(c->w, t->vals[0]);
                    table_out_real(c->w, t->vals[n - 1]);
                }
                table_out_str(c->w, sup ? "ja" : "nee");
                rc = table_out_put(c->w);
            }
        }
    }
    return rc ? rc : table_out_end(c->w);
}

static int cmp_open(const void *a, const void *b)
{
    const open_t *x = a, *y = b;
    if (x->meting != y->meting) return x->meting < y->meting ? -1 : 1;
    if (x->thema != y->thema) return x->thema < y->thema ? -1 : 1;
    if (x->item != y->item) return x->item < y->item ? -1 : 1;
    if (x->tranche != y->tranche) return x->tranche < y->tranche ? -1 : 1;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int d = memcmp(x->text, y->text, n);
    if (d) return d;
    return (x->len > y->len) - (x->len < y->len);
}

static int emit_open(ctx_t *c)
{
    static const char *const cols[] = {"meting",  "int", "thema", "int",  "item", "text",
                                       "tranche", "int", "tekst", "text", NULL};
    if (c->n_open) qsort(c->open, c->n_open, sizeof *c->open, cmp_open); /* NULL when none */
    int rc = table_out_begin(c->w, "open_antwoorden", 1, cols);
    for (size_t i = 0; !rc && i < c->n_open; i++) {
        const open_t *o = &c->open[i];
        table_out_row(c->w);
        table_out_int(c->w, o->meting);
        table_out_int(c->w, o->thema);
        table_out_str(c->w, catalog_item(c->s->cat, o->item)->name);
        table_out_int(c->w, o->tranche);
        table_out_strn(c->w, o->text, o->len);
        rc = table_out_put(c->w);
    }
    return rc ? rc : table_out_end(c->w);
}

static int cmp_rej(const void *a, const void *b)
{
    const rej_t *x = a, *y = b;
    int d = strcmp(x->file, y->file);
    if (d) return d;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int emit_rejects(ctx_t *c)
{
    static const char *const cols[] = {"bestand", "text", "regel",   "int",  "kolom", "text",
                                       "code",    "text", "melding", "text", NULL};
    size_t i = 0, len;
    const char *key;
    void *v;
    uint64_t order = 0;
    while (strmap_entry(c->s->rejects, &i, &key, &len, &v)) {
        const agg_reject_list_t *l = v;
        for (size_t j = 0; j < l->n; j++) {
            if (grow((void **)&c->rej, &c->cap_rej, c->n_rej, sizeof *c->rej)) return KPM_ENOMEM;
            c->rej[c->n_rej++] = (rej_t){key,
                                         l->items[j].line,
                                         order++,
                                         l->items[j].column,
                                         l->items[j].code,
                                         l->items[j].message,
                                         0};
        }
    }
    if (c->n_rej) qsort(c->rej, c->n_rej, sizeof *c->rej, cmp_rej); /* NULL when none */
    int rc = table_out_begin(c->w, "rejects", 1, cols);
    for (size_t k = 0; !rc && k < c->n_rej; k++) {
        const rej_t *x = &c->rej[k];
        table_out_row(c->w);
        table_out_str(c->w, x->file);
        if (x->line)
            table_out_int(c->w, x->line);
        else
            table_out_nil(c->w);
        table_out_str(c->w, x->column);
        table_out_str(c->w, x->code);
        table_out_str(c->w, x->message);
        rc = table_out_put(c->w);
    }
    return rc ? rc : table_out_end(c->w);
}

static int emit_vragen(ctx_t *c)
{
    static const char *const cols[] = {"item", "text", "thema", "int",  "thema_naam", "text",
                                       "type", "text", "vraag", "text", NULL};
    int rc = table_out_begin(c->w, "vragen", 0, cols);
    for (size_t it = 0; !rc && it < c->n_items; it++) {
        const catalog_item_t *ci = catalog_item(c->s->cat, it);
        if (ci->type == ITEM_PII) continue;
        table_out_row(c->w);
        table_out_str(c->w, ci->name);
        table_out_int(c->w, ci->thema);
        table_out_str(c->w, ci->thema_naam);
        table_out_str(c->w, item_type_name(ci->type));
        table_out_str(c->w, ci->vraag);
        rc = table_out_put(c->w);
    }
    return rc ? rc : table_out_end(c->w);
}

/* The answer labels of the catalogue, for what a person reads (the reports):
 * per keuze and Likert item each code with its Dutch text. */
static int emit_antwoorden(ctx_t *c)
{
    static const char *const cols[] = {"item", "text", "code", "text", "label", "text", NULL};
    int rc = table_out_begin(c->w, "antwoorden", 0, cols);
    for (size_t it = 0; !rc && it < c->n_items; it++) {
        const catalog_item_t *ci = catalog_item(c->s->cat, it);
        for (size_t a = 0; !rc && a < ci->n_answers; a++) {
            table_out_row(c->w);
            table_out_str(c->w, ci->name);
            table_out_str(c->w, ci->answers[a].code);
            table_out_str(c->w, ci->answers[a].label);
            rc = table_out_put(c->w);
        }
    }
    return rc ? rc : table_out_end(c->w);
}

/* The settings the reports need to word what they show: the small-cell
 * threshold (a group below it is suppressed for its own size). */
static int emit_instellingen(ctx_t *c)
{
    static const char *const cols[] = {"min_cell", "int", NULL};
    int rc = table_out_begin(c->w, "instellingen", 0, cols);
    if (!rc) {
        table_out_row(c->w);
        table_out_int(c->w, c->o->min_cell);
        rc = table_out_put(c->w);
    }
    return rc ? rc : table_out_end(c->w);
}

/* A monitoring notice, merged into the rejects table (tables_mon_notify_fn). */
static int mon_notice(void *ctx, const char *file, uint32_t line, const char *column,
                      const char *code, const char *message)
{
    return add_notice(ctx, file, line, column, code, message);
}

int tables_emit(const agg_state_t *s, const tables_opts_t *o, batcher_t *b, uint64_t *tables,
                uint64_t *rows)
{
    ctx_t *c = calloc(1, sizeof *c);
    if (!c) return KPM_ENOMEM;
    c->s = s;
    c->o = o;
    c->n_items = catalog_count(s->cat);
    int rc = (c->w = table_out_new(b)) ? KPM_OK : KPM_ENOMEM;
    if (o->worker > 0) { /* a shard: only its parts of the merged tables */
        if (!rc) rc = tables_mon_emit(s, o, c->w);
        if (!rc) rc = tables_dim_emit(s, o, c->w);
        goto done;
    }
    if (!rc) rc = find_counting(c);
    if (!rc) rc = count_invited(c);
    if (!rc) rc = tally_all(c);
    /* Without a configuration there are no comparisons, but the small-cell plan
     * (complementary suppression) is the same. */
    static const tables_cmp_config_t no_comparisons;
    if (!rc)
        c->cmp = tables_cmp_new(s, o->cmp ? o->cmp : &no_comparisons, o->min_cell, c->counted,
                                c->n_counted, &rc);
    if (!rc) rc = tables_mon_notices(s, mon_notice, c);
    if (!rc) qsort(c->met, c->n_met, sizeof *c->met, cmp_meting);
    if (!rc) rc = emit_respons(c, 0);
    if (!rc) rc = emit_respons(c, 1);
    if (!rc) rc = emit_likert(c);
    if (!rc) rc = emit_keuze(c);
    if (!rc) rc = emit_besteding(c);
    if (!rc) rc = emit_open(c);
    if (!rc) rc = emit_rejects(c);
    if (!rc) rc = tables_mon_emit(s, o, c->w);
    if (!rc) rc = tables_dim_emit(s, o, c->w);
    if (!rc) rc = tables_cmp_emit(c->cmp, c->w);
    if (!rc) rc = emit_vragen(c);
    if (!rc) rc = emit_antwoorden(c);
    if (!rc) rc = emit_instellingen(c);
    if (!rc) rc = tables_prog_emit(s, o, c->counted, c->n_counted, c->w);
done:
    *tables = c->w ? table_out_tables(c->w) : 0;
    *rows = c->w ? table_out_rows(c->w) : 0;
    for (size_t i = 0; i < c->n_met; i++) {
        if (!c->met[i].tally) continue;
        for (size_t t = 0; t < c->met[i].n_groups * c->n_items; t++)
            free(c->met[i].tally[t].vals);
        free(c->met[i].tally);
    }
    for (size_t i = 0; i < c->n_rej; i++)
        if (c->rej[i].owned) free(c->rej[i].message);
    free(c->rej);
    free(c->open);
    tables_cmp_destroy(&c->cmp);
    free(c->counted);
    table_out_destroy(&c->w);
    free(c);
    return rc;
}
