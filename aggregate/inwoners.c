/* inwoners.c - inhabitants per gemeente and year (see inwoners.h). */
#include "inwoners.h"

#include <stdlib.h>
#include <string.h>

#include "feed_ref.h"
#include "strmap.h"

#define MAX_CANDIDATES 64 /* years tried for one territory */

typedef struct {
    inw_figure_t *f; /* sorted by year */
    size_t n;
} code_figs_t;

struct inwoners {
    strmap_t *codes; /* code -> code_figs_t* */
};

static void free_figs(inwoners_t *w)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    while (strmap_entry(w->codes, &i, &key, &len, &v)) {
        free(((code_figs_t *)v)->f);
        free(v);
    }
}

/* Adds a figure of code; a figure of a year the code has already is kept
 * (delivered figures are added first). */
static int add(inwoners_t *w, const char *code, int32_t jaar, int64_t inwoners, inw_bron_t bron)
{
    code_figs_t *c = strmap_get(w->codes, code, strlen(code));
    if (inwoners <= 0) return 0;
    if (c == NULL) {
        if ((c = calloc(1, sizeof *c)) == NULL) return -1;
        if (strmap_put(w->codes, code, strlen(code), c, NULL)) {
            free(c);
            return -1;
        }
    }
    size_t i = 0;
    while (i < c->n && c->f[i].jaar < jaar)
        i++;
    if (i < c->n && c->f[i].jaar == jaar) return 0;
    inw_figure_t *f = realloc(c->f, (c->n + 1) * sizeof *f);
    if (f == NULL) return -1;
    c->f = f;
    memmove(f + i + 1, f + i, (c->n - i) * sizeof *f);
    f[i] = (inw_figure_t){jaar, inwoners, bron};
    c->n++;
    return 0;
}

inwoners_t *inwoners_new(const agg_state_t *s, const struct feed_ref *ref)
{
    inwoners_t *w = calloc(1, sizeof *w);
    size_t i = 0, len;
    const char *key;
    void *v;

    if (w == NULL || (w->codes = strmap_new()) == NULL) goto fail;
    while (strmap_entry(s->gemeenten, &i, &key, &len, &v)) {
        const agg_gemeente_t *g = v;
        for (size_t j = 0; j < g->n_jaren; j++)
            if (add(w, g->code, g->jaren[j].jaar, g->jaren[j].inwoners, INW_GELEVERD)) goto fail;
    }
    for (size_t k = 0; ref != NULL && k < ref->n_gem; k++)
        if (add(w, ref->gem[k].code, ref->gem_jaar, ref->gem[k].inwoners, INW_CBS)) goto fail;
    return w;
fail:
    inwoners_destroy(&w);
    return NULL;
}

void inwoners_destroy(inwoners_t **pw)
{
    if (pw == NULL || *pw == NULL) return;
    if ((*pw)->codes != NULL) free_figs(*pw);
    strmap_destroy(&(*pw)->codes);
    free(*pw);
    *pw = NULL;
}

const inw_figure_t *inwoners_of_code(const inwoners_t *w, const char *code, size_t *n)
{
    const code_figs_t *c = strmap_get(w->codes, code, strlen(code));
    *n = c != NULL ? c->n : 0;
    return c != NULL ? c->f : NULL;
}

/* The code's figure for year jaar: dated, else undated; -1 none. */
static int64_t figure_at(const inwoners_t *w, const char *code, int32_t jaar)
{
    size_t n;
    const inw_figure_t *f = inwoners_of_code(w, code, &n);
    for (size_t i = 0; i < n; i++)
        if (f[i].jaar == jaar) return f[i].inwoners;
    return n > 0 && f[0].jaar == 0 ? f[0].inwoners : -1;
}

/* A year's place in the order the rule tries years around jaar: jaar, the
 * earlier years from the latest, then the later years from the earliest. */
static int64_t rank(int32_t year, int32_t jaar)
{
    return year <= jaar ? (int64_t)jaar - year : (int64_t)1 << 32 | (uint32_t)(year - jaar);
}

/* The candidate years: jaar, then every dated year of the codes' figures, in
 * the order the rule tries them. */
static size_t candidates(const inwoners_t *w, const char *const *codes, size_t n, int32_t jaar,
                         int32_t out[MAX_CANDIDATES])
{
    size_t k = 0;
    out[k++] = jaar;
    for (size_t c = 0; c < n; c++) {
        size_t nf;
        const inw_figure_t *f = inwoners_of_code(w, codes[c], &nf);
        for (size_t i = 0; i < nf && k < MAX_CANDIDATES; i++) {
            size_t j = 0;
            while (j < k && out[j] != f[i].jaar)
                j++;
            if (j == k && f[i].jaar != 0) out[k++] = f[i].jaar;
        }
    }
    for (size_t i = 2; i < k; i++) /* insertion sort: a handful of years */
        for (size_t j = i; j > 1 && rank(out[j], jaar) < rank(out[j - 1], jaar); j--) {
            int32_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return k;
}

int64_t inwoners_sum(const inwoners_t *w, const char *const *codes, size_t n, int32_t jaar,
                     inw_exists_fn exists, void *ctx)
{
    int32_t years[MAX_CANDIDATES];
    size_t k = candidates(w, codes, n, jaar, years);

    for (size_t y = 0; y < k; y++) {
        int64_t sum = 0;
        size_t counted = 0;
        for (size_t c = 0; c < n && sum >= 0; c++) {
            if (exists != NULL && !exists(ctx, codes[c], years[y])) continue;
            int64_t v = figure_at(w, codes[c], years[y]);
            sum = v < 0 ? -1 : sum + v;
            counted++;
        }
        if (sum >= 0 && counted > 0) return sum;
    }
    return -1;
}

int64_t inwoners_koploper(const inwoners_t *w, const agg_koploper_t *k, int32_t jaar)
{
    const char *codes[WIRE_MAX_LIST];
    size_t n = 0;
    for (size_t g = 0; g < k->n_gemeenten && n < WIRE_MAX_LIST; g++) {
        size_t j = 0;
        while (j < n && strcmp(codes[j], k->gemeenten[g]) != 0)
            j++;
        if (j == n) codes[n++] = k->gemeenten[g];
    }
    return inwoners_sum(w, codes, n, jaar, NULL, NULL);
}
