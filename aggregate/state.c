/* state.c - aggregate's state and the contract's replacement rules. */
#include "state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"

int agg_key(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

static char *dup_view(wire_str_t v)
{
    char *p = malloc(v.len + 1);
    if (!p) return NULL;
    memcpy(p, v.ptr, v.len);
    p[v.len] = '\0';
    return p;
}

static const char *intern(agg_state_t *s, wire_str_t v)
{
    return strmap_intern(s->pool, v.ptr, v.len);
}

static void koploper_free(agg_koploper_t *k)
{
    if (!k) return;
    free(k->naam);
    free(k->status);
    free(k->gemeenten);
    free(k);
}

static void response_free(agg_response_t *r)
{
    if (!r) return;
    for (uint32_t i = 0; i < r->n_answers; i++)
        free(r->answers[i].s);
    free(r->answers);
    free(r);
}

static void rejects_free(agg_reject_list_t *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].column);
        free(l->items[i].code);
        free(l->items[i].message);
    }
    free(l->items);
    free(l);
}

/* Frees every value of a map and the map. */
static void map_free(strmap_t **m, void (*free_value)(void *))
{
    if (!*m) return;
    size_t i = 0;
    const char *key;
    size_t len;
    void *v;
    while (strmap_entry(*m, &i, &key, &len, &v))
        free_value(v);
    strmap_destroy(m);
}

static void free_koploper(void *v)
{
    koploper_free(v);
}
static void free_response(void *v)
{
    response_free(v);
}
static void free_rejects(void *v)
{
    rejects_free(v);
}

agg_state_t *state_new(const catalog_t *cat)
{
    agg_state_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cat = cat;
    s->pool = strmap_new();
    s->koplopers = strmap_new();
    s->deelnemers = strmap_new();
    s->responses = strmap_new();
    s->rejects = strmap_new();
    if (!s->pool || !s->koplopers || !s->deelnemers || !s->responses || !s->rejects ||
        state_mon_init(s) != KPM_OK)
        state_destroy(&s);
    return s;
}

void state_destroy(agg_state_t **ps)
{
    if (!ps || !*ps) return;
    agg_state_t *s = *ps;
    map_free(&s->koplopers, free_koploper);
    map_free(&s->deelnemers, free);
    map_free(&s->responses, free_response);
    map_free(&s->rejects, free_rejects);
    state_mon_free(s);
    strmap_destroy(&s->pool);
    free(s);
    *ps = NULL;
}

const agg_koploper_t *state_koploper(const agg_state_t *s, const char *id)
{
    return strmap_get(s->koplopers, id, strlen(id));
}

static int apply_file_begin(agg_state_t *s, const wire_file_begin_t *fb)
{
    rejects_free(strmap_remove(s->rejects, fb->file.ptr, fb->file.len));
    if (wire_str_eq(fb->kind, "koplopers")) {
        /* The register is replaced by the file's first koploper, so a file without
         * a valid row leaves the register as it was. */
        if (!(s->register_pending = intern(s, fb->file))) return KPM_ENOMEM;
    }
    return KPM_OK;
}

static int apply_file_end(agg_state_t *s, const wire_file_end_t *fe)
{
    if (s->register_pending && strlen(s->register_pending) == fe->file.len &&
        memcmp(s->register_pending, fe->file.ptr, fe->file.len) == 0)
        s->register_pending = NULL;
    return KPM_OK;
}

static int apply_reject(agg_state_t *s, const wire_reject_t *r)
{
    agg_reject_list_t *l = strmap_get(s->rejects, r->file.ptr, r->file.len);
    if (!l) {
        if (!(l = calloc(1, sizeof *l))) return KPM_ENOMEM;
        if (strmap_put(s->rejects, r->file.ptr, r->file.len, l, NULL)) {
            free(l);
            return KPM_ENOMEM;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        agg_reject_t *items = realloc(l->items, cap * sizeof *items);
        if (!items) return KPM_ENOMEM;
        l->items = items;
        l->cap = cap;
    }
    agg_reject_t *it = &l->items[l->n];
    it->line = r->line;
    it->column = dup_view(r->column);
    it->code = dup_view(r->code);
    it->message = dup_view(r->message);
    if (!it->column || !it->code || !it->message) {
        free(it->column);
        free(it->code);
        free(it->message);
        return KPM_ENOMEM;
    }
    l->n++;
    return KPM_OK;
}

static int apply_koploper(agg_state_t *s, const wire_koploper_t *w)
{
    if (s->register_pending) {
        map_free(&s->koplopers, free_koploper);
        if (!(s->koplopers = strmap_new())) return KPM_ENOMEM;
        s->register_pending = NULL;
    }
    agg_koploper_t *k = calloc(1, sizeof *k);
    if (!k) return KPM_ENOMEM;
    k->id = intern(s, w->id);
    k->naam = dup_view(w->naam);
    k->status = dup_view(w->status);
    k->tranche = w->tranche;
    k->startjaar = w->startjaar;
    k->n_gemeenten = w->n_gemeenten;
    k->gemeenten = calloc(w->n_gemeenten ? w->n_gemeenten : 1, sizeof *k->gemeenten);
    if (!k->id || !k->naam || !k->status || !k->gemeenten) goto nomem;
    for (uint32_t i = 0; i < w->n_gemeenten; i++)
        snprintf(k->gemeenten[i], sizeof k->gemeenten[i], "%.*s", (int)w->gemeenten[i].len,
                 w->gemeenten[i].ptr);
    void *old = NULL;
    if (strmap_put(s->koplopers, k->id, strlen(k->id), k, &old)) goto nomem;
    koploper_free(old);
    return KPM_OK;
nomem:
    koploper_free(k);
    return KPM_ENOMEM;
}

/* Puts value under key at the end of the map's order (later deliveries come
 * later), freeing a replaced value. */
static int put_last(strmap_t *m, const char *key, size_t len, void *value,
                    void (*free_value)(void *))
{
    void *old = strmap_remove(m, key, len);
    if (old) free_value(old);
    return strmap_put(m, key, len, value, NULL) ? KPM_ENOMEM : KPM_OK;
}

static int apply_deelnemer(agg_state_t *s, const wire_deelnemer_t *w)
{
    agg_deelnemer_t *d = calloc(1, sizeof *d);
    if (!d) return KPM_ENOMEM;
    d->meting = w->meting;
    d->koploper_id = intern(s, w->koploper_id);
    d->file = intern(s, w->file);
    d->line = w->line;
    snprintf(d->versie, sizeof d->versie, "%.*s", (int)w->versie.len, w->versie.ptr);
    if (!d->koploper_id || !d->file) {
        free(d);
        return KPM_ENOMEM;
    }
    char key[AGG_KEY_MAX];
    int kl = agg_key(key, sizeof key, "%d|%s", (int)d->meting, d->koploper_id);
    if (kl < 0) {
        free(d);
        return KPM_ERANGE;
    }
    return put_last(s->deelnemers, key, (size_t)kl, d, free);
}

static int apply_response(agg_state_t *s, const wire_response_t *w)
{
    agg_response_t *r = calloc(1, sizeof *r);
    if (!r) return KPM_ENOMEM;
    r->response_id = intern(s, w->response_id);
    r->meting = w->meting;
    r->koploper_id = intern(s, w->koploper_id);
    r->file = intern(s, w->file);
    r->line = w->line;
    snprintf(r->ingevuld_op, sizeof r->ingevuld_op, "%.*s", (int)w->ingevuld_op.len,
             w->ingevuld_op.ptr);
    r->answers = calloc(w->n_answers ? w->n_answers : 1, sizeof *r->answers);
    if (!r->response_id || !r->koploper_id || !r->file || !r->answers) goto nomem;
    for (uint32_t i = 0; i < w->n_answers; i++) {
        const wire_answer_t *a = &w->answers[i];
        int item = catalog_find(s->cat, a->item.ptr, a->item.len);
        if (item < 0) {
            s->unknown_items++;
            continue;
        }
        agg_answer_t *t = &r->answers[r->n_answers++];
        t->item = (uint16_t)item;
        t->type = (uint8_t)a->value.type;
        t->i = a->value.i;
        t->r = a->value.r;
        if (a->value.type == WIRE_VAL_STR) {
            if (!(t->s = dup_view(a->value.s))) goto nomem;
            t->slen = a->value.s.len;
        }
    }
    return put_last(s->responses, r->response_id, strlen(r->response_id), r, free_response);
nomem:
    response_free(r);
    return KPM_ENOMEM;
}

int state_apply(agg_state_t *s, const wire_record_t *rec)
{
    switch (rec->kind) {
    case WIRE_REC_FILE_BEGIN:
        return apply_file_begin(s, &rec->u.file_begin);
    case WIRE_REC_FILE_END:
        return apply_file_end(s, &rec->u.file_end);
    case WIRE_REC_COUNTS:
        return KPM_OK;
    case WIRE_REC_REJECT:
        return apply_reject(s, &rec->u.reject);
    case WIRE_REC_KOPLOPER:
        return apply_koploper(s, &rec->u.koploper);
    case WIRE_REC_DEELNEMER:
        return apply_deelnemer(s, &rec->u.deelnemer);
    case WIRE_REC_RESPONSE:
        return apply_response(s, &rec->u.response);
    default: {
        int rc = state_mon_apply(s, rec);
        return rc == KPM_ENOTFOUND ? KPM_EPROTO : rc;
    }
    }
}

static int dump_koplopers(const agg_state_t *s, batcher_t *b)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    wire_record_t rec = {.kind = WIRE_REC_KOPLOPER};
    while (strmap_entry(s->koplopers, &i, &key, &len, &v)) {
        const agg_koploper_t *k = v;
        wire_koploper_t *w = &rec.u.koploper;
        w->id = wire_str(k->id);
        w->naam = wire_str(k->naam);
        w->status = wire_str(k->status);
        w->tranche = k->tranche;
        w->startjaar = k->startjaar;
        w->n_gemeenten = (uint32_t)k->n_gemeenten;
        for (size_t g = 0; g < k->n_gemeenten; g++)
            w->gemeenten[g] = wire_str(k->gemeenten[g]);
        int rc = batcher_put(b, &rec);
        if (rc) return rc;
    }
    return KPM_OK;
}

static int dump_deelnemers(const agg_state_t *s, batcher_t *b)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    wire_record_t rec = {.kind = WIRE_REC_DEELNEMER};
    while (strmap_entry(s->deelnemers, &i, &key, &len, &v)) {
        const agg_deelnemer_t *d = v;
        rec.u.deelnemer = (wire_deelnemer_t){d->meting, wire_str(d->koploper_id),
                                             wire_str(d->versie), wire_str(d->file), d->line};
        int rc = batcher_put(b, &rec);
        if (rc) return rc;
    }
    return KPM_OK;
}

static int dump_responses(const agg_state_t *s, batcher_t *b)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    static wire_record_t rec; /* large: not on the stack */
    rec.kind = WIRE_REC_RESPONSE;
    while (strmap_entry(s->responses, &i, &key, &len, &v)) {
        const agg_response_t *r = v;
        wire_response_t *w = &rec.u.response;
        w->response_id = wire_str(r->response_id);
        w->meting = r->meting;
        w->koploper_id = wire_str(r->koploper_id);
        w->ingevuld_op = wire_str(r->ingevuld_op);
        w->file = wire_str(r->file);
        w->line = r->line;
        w->n_answers = r->n_answers;
        for (uint32_t a = 0; a < r->n_answers; a++) {
            const agg_answer_t *t = &r->answers[a];
            w->answers[a].item = wire_str(catalog_item(s->cat, t->item)->name);
            w->answers[a].value = (wire_value_t){.type = (wire_val_type_t)t->type,
                                                 .i = t->i,
                                                 .r = t->r,
                                                 .s = wire_strn(t->s, t->slen)};
        }
        int rc = batcher_put(b, &rec);
        if (rc) return rc;
    }
    return KPM_OK;
}

static int dump_rejects(const agg_state_t *s, batcher_t *b)
{
    size_t i = 0, len;
    const char *key;
    void *v;
    wire_record_t rec = {.kind = WIRE_REC_REJECT};
    while (strmap_entry(s->rejects, &i, &key, &len, &v)) {
        const agg_reject_list_t *l = v;
        for (size_t j = 0; j < l->n; j++) {
            rec.u.reject =
                (wire_reject_t){wire_strn(key, len), l->items[j].line, wire_str(l->items[j].column),
                                wire_str(l->items[j].code), wire_str(l->items[j].message)};
            int rc = batcher_put(b, &rec);
            if (rc) return rc;
        }
    }
    return KPM_OK;
}

int state_dump(const agg_state_t *s, batcher_t *b)
{
    int rc = dump_koplopers(s, b);
    if (!rc) rc = dump_deelnemers(s, b);
    if (!rc) rc = dump_responses(s, b);
    if (!rc) rc = state_mon_dump(s, b);
    if (!rc && s->register_pending) {
        /* Replayed before the rejects, which it would otherwise drop. */
        wire_record_t rec = {.kind = WIRE_REC_FILE_BEGIN};
        rec.u.file_begin =
            (wire_file_begin_t){wire_str(s->register_pending), wire_str("koplopers")};
        rc = batcher_put(b, &rec);
    }
    if (!rc) rc = dump_rejects(s, b);
    if (!rc) rc = batcher_flush(b);
    return rc;
}
