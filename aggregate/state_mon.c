/* state_mon.c - the monitoring part of aggregate's state: one entry per key of
 * each kind, a later record replacing the earlier (docs/MONITORING.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "state.h"
#include "usage_map.h"
#include "values.h"

const char *const agg_aanbieder_types[AGG_AANBIEDER_TYPES] = {"professioneel", "vrijwillig",
                                                              "informeel"};

static void copy_view(char *dst, size_t cap, wire_str_t v)
{
    size_t n = v.len < cap - 1 ? v.len : cap - 1;
    memcpy(dst, v.ptr, n);
    dst[n] = '\0';
}

static const char *intern(agg_state_t *s, wire_str_t v)
{
    return strmap_intern(s->pool, v.ptr, v.len);
}

static void free_voordracht(void *v)
{
    agg_voordracht_t *d = v;
    if (d) free(d->gemeenten);
    free(d);
}

static void free_gemeente(void *v)
{
    agg_gemeente_t *g = v;
    if (g) {
        free(g->naam);
        free(g->provincie);
        free(g->jaren);
    }
    free(g);
}

static void map_free(strmap_t **m, void (*free_value)(void *))
{
    if (!*m) return;
    size_t i = 0, len;
    const char *key;
    void *v;
    while (strmap_entry(*m, &i, &key, &len, &v))
        free_value(v);
    strmap_destroy(m);
}

int state_mon_init(agg_state_t *s)
{
    s->gebruik = usage_map_new();
    s->adviesinzet = strmap_new();
    s->bijeenkomsten = strmap_new();
    s->middelen = strmap_new();
    s->ervaring = strmap_new();
    s->voordrachten = strmap_new();
    s->gemeenten = strmap_new();
    return s->gebruik && s->adviesinzet && s->bijeenkomsten && s->middelen && s->ervaring &&
                   s->voordrachten && s->gemeenten
               ? KPM_OK
               : KPM_ENOMEM;
}

void state_mon_free(agg_state_t *s)
{
    usage_map_destroy(&s->gebruik);
    map_free(&s->adviesinzet, free);
    map_free(&s->bijeenkomsten, free);
    map_free(&s->middelen, free);
    map_free(&s->ervaring, free);
    map_free(&s->voordrachten, free_voordracht);
    map_free(&s->gemeenten, free_gemeente);
}

/* The entry under key, created zeroed with `size` bytes when absent. */
static void *entry(strmap_t *m, const char *key, size_t len, size_t size)
{
    void *v = strmap_get(m, key, len);
    if (v) return v;
    if (!(v = calloc(1, size))) return NULL;
    if (strmap_put(m, key, len, v, NULL)) {
        free(v);
        return NULL;
    }
    return v;
}

/* The provider type's index, or -1. Hot path: 2 million calls a night. */
static int aanbieder_index(wire_str_t v)
{
    for (int t = 0; t < AGG_AANBIEDER_TYPES; t++) {
        const char *name = agg_aanbieder_types[t];
        if (v.len && v.ptr[0] == name[0] && strlen(name) == v.len &&
            memcmp(v.ptr, name, v.len) == 0)
            return t;
    }
    return -1;
}

static int apply_gebruik(agg_state_t *s, const wire_gebruik_t *w)
{
    int type = aanbieder_index(w->aanbieder_type);
    if (type < 0 || w->gemeente.len != 6 || w->periode < 0 || w->periode > 999999)
        return KPM_EPROTO;
    agg_gebruik_t *g = usage_map_upsert(s->gebruik, w->gemeente.ptr, w->periode, (uint8_t)type);
    if (!g) return KPM_ENOMEM;
    g->nieuwe_vragen = w->nieuwe_vragen;
    g->lopende_trajecten = w->lopende_trajecten;
    g->clienten_bereikt = w->clienten_bereikt;
    return KPM_OK;
}

static int apply_adviesinzet(agg_state_t *s, const wire_adviesinzet_t *w)
{
    char key[AGG_KEY_MAX];
    int kl = agg_key(key, sizeof key, "%.*s|%d|%.*s", (int)w->koploper_id.len, w->koploper_id.ptr,
                     (int)w->datum, (int)w->adviseur.len, w->adviseur.ptr);
    if (kl < 0) return KPM_ERANGE;
    agg_adviesinzet_t *a = entry(s->adviesinzet, key, (size_t)kl, sizeof *a);
    if (!a) return KPM_ENOMEM;
    a->koploper_id = intern(s, w->koploper_id);
    a->file = intern(s, w->file);
    if (!a->koploper_id || !a->file) return KPM_ENOMEM;
    a->datum = w->datum;
    copy_view(a->adviseur, sizeof a->adviseur, w->adviseur);
    a->uren = w->uren;
    a->line = w->line;
    return KPM_OK;
}

static int apply_bijeenkomst(agg_state_t *s, const wire_bijeenkomst_t *w)
{
    char key[AGG_KEY_MAX];
    int kl = agg_key(key, sizeof key, "%.*s|%.*s", (int)w->bijeenkomst_id.len,
                     w->bijeenkomst_id.ptr, (int)w->gemeente.len, w->gemeente.ptr);
    if (kl < 0) return KPM_ERANGE;
    agg_bijeenkomst_t *b = entry(s->bijeenkomsten, key, (size_t)kl, sizeof *b);
    if (!b) return KPM_ENOMEM;
    b->id = intern(s, w->bijeenkomst_id);
    b->file = intern(s, w->file);
    if (!b->id || !b->file) return KPM_ENOMEM;
    copy_view(b->type, sizeof b->type, w->type);
    b->datum = w->datum;
    copy_view(b->gemeente, sizeof b->gemeente, w->gemeente);
    b->deelnemers = w->deelnemers;
    b->line = w->line;
    return KPM_OK;
}

static int apply_middelen(agg_state_t *s, const wire_middelen_t *w)
{
    char key[AGG_KEY_MAX];
    int kl = agg_key(key, sizeof key, "%.*s|%d|%.*s", (int)w->koploper_id.len, w->koploper_id.ptr,
                     (int)w->jaar, (int)w->circulaire.len, w->circulaire.ptr);
    if (kl < 0) return KPM_ERANGE;
    agg_middelen_t *m = entry(s->middelen, key, (size_t)kl, sizeof *m);
    if (!m) return KPM_ENOMEM;
    m->koploper_id = intern(s, w->koploper_id);
    m->file = intern(s, w->file);
    if (!m->koploper_id || !m->file) return KPM_ENOMEM;
    m->jaar = w->jaar;
    m->toegekend_eur = w->toegekend_eur;
    copy_view(m->circulaire, sizeof m->circulaire, w->circulaire);
    m->line = w->line;
    return KPM_OK;
}

static int apply_ervaring(agg_state_t *s, const wire_ervaring_t *w)
{
    char key[AGG_KEY_MAX];
    int kl =
        agg_key(key, sizeof key, "%.*s|%d", (int)w->gemeente.len, w->gemeente.ptr, (int)w->jaar);
    if (kl < 0) return KPM_ERANGE;
    agg_ervaring_t *e = entry(s->ervaring, key, (size_t)kl, sizeof *e);
    if (!e) return KPM_ENOMEM;
    copy_view(e->gemeente, sizeof e->gemeente, w->gemeente);
    e->file = intern(s, w->file);
    if (!e->file) return KPM_ENOMEM;
    e->jaar = w->jaar;
    e->respondenten = w->respondenten;
    e->bekend_pct = w->bekend_pct;
    e->tevreden_pct = w->tevreden_pct;
    e->line = w->line;
    return KPM_OK;
}

static int apply_voordracht(agg_state_t *s, const wire_voordracht_t *w)
{
    agg_voordracht_t *d = calloc(1, sizeof *d);
    if (!d) return KPM_ENOMEM;
    d->gemeenten = calloc(w->n_gemeenten ? w->n_gemeenten : 1, sizeof *d->gemeenten);
    d->id = intern(s, w->voordracht_id);
    d->file = intern(s, w->file);
    if (!d->gemeenten || !d->id || !d->file) {
        free_voordracht(d);
        return KPM_ENOMEM;
    }
    d->ingediend_op = w->ingediend_op;
    d->criteria = w->criteria;
    d->clientorganisatie = w->clientorganisatie;
    d->n_gemeenten = w->n_gemeenten;
    for (uint32_t i = 0; i < w->n_gemeenten; i++)
        copy_view(d->gemeenten[i], sizeof d->gemeenten[i], w->gemeenten[i]);
    void *old = NULL;
    if (strmap_put(s->voordrachten, d->id, strlen(d->id), d, &old)) {
        free_voordracht(d);
        return KPM_ENOMEM;
    }
    free_voordracht(old);
    return KPM_OK;
}

/* Sets the figure of year jaar, keeping g->jaren sorted by year. */
static int set_inwoners(agg_gemeente_t *g, int32_t jaar, int64_t inwoners)
{
    size_t i = 0;
    while (i < g->n_jaren && g->jaren[i].jaar < jaar)
        i++;
    if (i == g->n_jaren || g->jaren[i].jaar != jaar) {
        agg_inwoners_t *j = realloc(g->jaren, (g->n_jaren + 1) * sizeof *j);
        if (j == NULL) return KPM_ENOMEM;
        g->jaren = j;
        memmove(j + i + 1, j + i, (g->n_jaren - i) * sizeof *j);
        g->n_jaren++;
    }
    g->jaren[i] = (agg_inwoners_t){jaar, inwoners};
    return KPM_OK;
}

static int apply_gemeente(agg_state_t *s, const wire_gemeente_t *w)
{
    if (w->jaar != 0 && (w->jaar < VAL_YEAR_MIN || w->jaar > VAL_YEAR_MAX))
        return KPM_EPROTO; /* ingest gives none other (val_year_in_name) */
    char code[7];
    copy_view(code, sizeof code, w->gemeente);
    agg_gemeente_t *g = strmap_get(s->gemeenten, code, strlen(code));
    char *naam = strndup(w->naam.ptr, w->naam.len),
         *provincie = strndup(w->provincie.ptr, w->provincie.len);

    if (!naam || !provincie) goto nomem;
    if (g == NULL) {
        if ((g = calloc(1, sizeof *g)) == NULL) goto nomem;
        memcpy(g->code, code, sizeof code);
        if (strmap_put(s->gemeenten, g->code, strlen(g->code), g, NULL)) {
            free(g);
            goto nomem;
        }
    }
    free(g->naam);
    free(g->provincie);
    g->naam = naam;
    g->provincie = provincie;
    return set_inwoners(g, w->jaar, w->inwoners);
nomem:
    free(naam);
    free(provincie);
    return KPM_ENOMEM;
}

int state_mon_apply(agg_state_t *s, const wire_record_t *rec)
{
    switch (rec->kind) {
    case WIRE_REC_GEBRUIK:
        return apply_gebruik(s, &rec->u.gebruik);
    case WIRE_REC_ADVIESINZET:
        return apply_adviesinzet(s, &rec->u.adviesinzet);
    case WIRE_REC_BIJEENKOMST:
        return apply_bijeenkomst(s, &rec->u.bijeenkomst);
    case WIRE_REC_MIDDELEN:
        return apply_middelen(s, &rec->u.middelen);
    case WIRE_REC_ERVARING:
        return apply_ervaring(s, &rec->u.ervaring);
    case WIRE_REC_VOORDRACHT:
        return apply_voordracht(s, &rec->u.voordracht);
    case WIRE_REC_GEMEENTE:
        return apply_gemeente(s, &rec->u.gemeente);
    default:
        return KPM_ENOTFOUND;
    }
}

/* The next value of a map in its order, or NULL after the last. */
static void *next_value(const strmap_t *m, size_t *i)
{
    const char *key;
    size_t len;
    void *v;
    return strmap_entry(m, i, &key, &len, &v) ? v : NULL;
}

int state_mon_dump(const agg_state_t *s, batcher_t *b)
{
    wire_record_t rec;
    size_t i;
    int rc;
    rec.kind = WIRE_REC_GEMEENTE;
    i = 0;
    const agg_gemeente_t *g;
    while ((g = next_value(s->gemeenten, &i))) { /* a record per year, as delivered */
        for (size_t j = 0; j < g->n_jaren; j++) {
            rec.u.gemeente =
                (wire_gemeente_t){wire_str(g->code), wire_str(g->naam), wire_str(g->provincie),
                                  g->jaren[j].inwoners, g->jaren[j].jaar};
            if ((rc = batcher_put(b, &rec))) return rc;
        }
    }
    rec.kind = WIRE_REC_GEBRUIK;
    const agg_gebruik_t *u;
    for (i = 0; (u = usage_map_at(s->gebruik, i)); i++) {
        rec.u.gebruik = (wire_gebruik_t){
            wire_strn(u->gemeente, 6), u->periode,           wire_str(agg_aanbieder_types[u->type]),
            u->nieuwe_vragen,          u->lopende_trajecten, u->clienten_bereikt};
        if ((rc = batcher_put(b, &rec))) return rc;
    }
    rec.kind = WIRE_REC_ADVIESINZET;
    i = 0;
    const agg_adviesinzet_t *a;
    while ((a = next_value(s->adviesinzet, &i))) {
        rec.u.adviesinzet =
            (wire_adviesinzet_t){wire_str(a->koploper_id), a->datum, wire_str(a->adviseur), a->uren,
                                 wire_str(a->file),        a->line};
        if ((rc = batcher_put(b, &rec))) return rc;
    }
    rec.kind = WIRE_REC_BIJEENKOMST;
    i = 0;
    const agg_bijeenkomst_t *x;
    while ((x = next_value(s->bijeenkomsten, &i))) {
        rec.u.bijeenkomst = (wire_bijeenkomst_t){
            wire_str(x->id), wire_str(x->type), x->datum, wire_str(x->gemeente),
            x->deelnemers,   wire_str(x->file), x->line};
        if ((rc = batcher_put(b, &rec))) return rc;
    }
    rec.kind = WIRE_REC_MIDDELEN;
    i = 0;
    const agg_middelen_t *m;
    while ((m = next_value(s->middelen, &i))) {
        rec.u.middelen =
            (wire_middelen_t){wire_str(m->koploper_id), m->jaar,           m->toegekend_eur,
                              wire_str(m->circulaire),  wire_str(m->file), m->line};
        if ((rc = batcher_put(b, &rec))) return rc;
    }
    rec.kind = WIRE_REC_ERVARING;
    i = 0;
    const agg_ervaring_t *e;
    while ((e = next_value(s->ervaring, &i))) {
        rec.u.ervaring = (wire_ervaring_t){
            wire_str(e->gemeente), e->jaar,           e->respondenten, e->bekend_pct,
            e->tevreden_pct,       wire_str(e->file), e->line};
        if ((rc = batcher_put(b, &rec))) return rc;
    }
    rec.kind = WIRE_REC_VOORDRACHT;
    i = 0;
    const agg_voordracht_t *d;
    while ((d = next_value(s->voordrachten, &i))) {
        wire_voordracht_t *w = &rec.u.voordracht;
        w->voordracht_id = wire_str(d->id);
        w->ingediend_op = d->ingediend_op;
        w->n_gemeenten = (uint32_t)d->n_gemeenten;
        for (size_t k = 0; k < d->n_gemeenten; k++)
            w->gemeenten[k] = wire_str(d->gemeenten[k]);
        w->criteria = d->criteria;
        w->clientorganisatie = d->clientorganisatie;
        w->file = wire_str(d->file);
        if ((rc = batcher_put(b, &rec))) return rc;
    }
    return KPM_OK;
}
