/* agg_build.h - helpers of the aggregate tests: build a state from records the
 * way ingest would send them, and collect what a batcher emits, decoded.
 * Include after <cmocka.h>; every helper asserts its own success. */
#ifndef KPM_TEST_AGG_BUILD_H
#define KPM_TEST_AGG_BUILD_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "kpm_err.h"
#include "state.h"
#include "wire.h"

/* ------------------------------------------------------------ building */

static inline void ab_apply(agg_state_t *s, const wire_record_t *rec)
{
    assert_int_equal(state_apply(s, rec), KPM_OK);
}

static inline void ab_file(agg_state_t *s, const char *file, const char *kind)
{
    wire_record_t r = {.kind = WIRE_REC_FILE_BEGIN};
    r.u.file_begin = (wire_file_begin_t){wire_str(file), wire_str(kind)};
    ab_apply(s, &r);
}

/* A koploper named "Naam <id>" with one gemeente. */
static inline void ab_koploper(agg_state_t *s, const char *id, int tranche)
{
    char naam[80];
    snprintf(naam, sizeof naam, "Naam %s", id);
    wire_record_t r = {.kind = WIRE_REC_KOPLOPER};
    wire_koploper_t *k = &r.u.koploper;
    k->id = wire_str(id);
    k->naam = wire_str(naam);
    k->tranche = tranche;
    k->startjaar = 2016 + tranche;
    k->status = wire_str("actief");
    k->n_gemeenten = 1;
    k->gemeenten[0] = wire_str("GM0363");
    ab_apply(s, &r);
}

static inline void ab_deelnemer(agg_state_t *s, int meting, const char *id, const char *versie,
                                const char *file, uint32_t line)
{
    wire_record_t r = {.kind = WIRE_REC_DEELNEMER};
    r.u.deelnemer = (wire_deelnemer_t){meting, wire_str(id), wire_str(versie), wire_str(file), line};
    ab_apply(s, &r);
}

static inline void ab_reject(agg_state_t *s, const char *file, uint32_t line, const char *column,
                             const char *code, const char *message)
{
    wire_record_t r = {.kind = WIRE_REC_REJECT};
    r.u.reject = (wire_reject_t){wire_str(file), line, wire_str(column), wire_str(code),
                                 wire_str(message)};
    ab_apply(s, &r);
}

/* A response; the arguments after `line` are (item, value) pairs ending with
 * NULL. The value is written as in a CSV cell but already valid: its wire type
 * follows the item's catalogue type; "" is NIL (asked, not answered). */
static inline void ab_response(agg_state_t *s, const char *rid, int meting, const char *kl,
                               const char *when, const char *file, uint32_t line, ...)
{
    static wire_record_t r; /* large */
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_RESPONSE;
    wire_response_t *w = &r.u.response;
    w->response_id = wire_str(rid);
    w->meting = meting;
    w->koploper_id = wire_str(kl);
    w->ingevuld_op = wire_str(when);
    w->file = wire_str(file);
    w->line = line;
    va_list ap;
    va_start(ap, line);
    const char *item;
    while ((item = va_arg(ap, const char *)) != NULL) {
        const char *val = va_arg(ap, const char *);
        int idx = catalog_find(s->cat, item, strlen(item));
        assert_true(idx >= 0);
        wire_answer_t *a = &w->answers[w->n_answers++];
        a->item = wire_str(item);
        a->value.type = WIRE_VAL_NIL;
        if (!*val) continue;
        switch (catalog_item(s->cat, (size_t)idx)->type) {
        case ITEM_LIKERT:
        case ITEM_LIKERT_NVT:
        case ITEM_AANTAL:
            a->value = (wire_value_t){.type = WIRE_VAL_INT, .i = strtoll(val, NULL, 10)};
            break;
        case ITEM_PROCENT:
            a->value = (wire_value_t){.type = WIRE_VAL_REAL, .r = strtod(val, NULL)};
            break;
        default:
            a->value = (wire_value_t){.type = WIRE_VAL_STR, .s = wire_str(val)};
            break;
        }
    }
    va_end(ap);
    ab_apply(s, &r);
}

/* ----------------------------------------------------------- collecting */

/* What a batcher emitted: the raw messages and their records, decoded (views
 * into msgs[]). */
typedef struct {
    char **msgs;
    size_t *lens;
    size_t n_msgs, cap_msgs;
    wire_record_t *recs;
    size_t n_recs, cap_recs;
    wire_reader_t *rd;
} ab_sink_t;

static inline int ab_sink_emit(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    ab_sink_t *k = ctx;
    (void)seq;
    if (k->n_msgs == k->cap_msgs) {
        k->cap_msgs = k->cap_msgs ? 2 * k->cap_msgs : 16;
        k->msgs = realloc(k->msgs, k->cap_msgs * sizeof *k->msgs);
        k->lens = realloc(k->lens, k->cap_msgs * sizeof *k->lens);
        if (!k->msgs || !k->lens) return KPM_ENOMEM;
    }
    char *copy = malloc(len);
    if (!copy) return KPM_ENOMEM;
    memcpy(copy, buf, len);
    k->msgs[k->n_msgs] = copy;
    k->lens[k->n_msgs++] = len;
    if (!k->rd && !(k->rd = wire_reader_new())) return KPM_ENOMEM;
    wire_header_t h;
    if (wire_reader_open(k->rd, copy, len, &h) != KPM_OK) return KPM_EPROTO;
    for (;;) {
        if (k->n_recs == k->cap_recs) {
            k->cap_recs = k->cap_recs ? 2 * k->cap_recs : 64;
            k->recs = realloc(k->recs, k->cap_recs * sizeof *k->recs);
            if (!k->recs) return KPM_ENOMEM;
        }
        int r = wire_reader_next(k->rd, &k->recs[k->n_recs]);
        if (r == 0) return KPM_OK;
        if (r < 0) return KPM_EPROTO;
        k->n_recs++;
    }
}

static inline void ab_sink_clear(ab_sink_t *k)
{
    for (size_t i = 0; i < k->n_msgs; i++) free(k->msgs[i]);
    free(k->msgs);
    free(k->lens);
    free(k->recs);
    wire_reader_destroy(&k->rd);
    memset(k, 0, sizeof *k);
}

/* Both sinks hold the same messages, byte for byte. */
static inline void ab_sink_assert_same(const ab_sink_t *a, const ab_sink_t *b)
{
    assert_int_equal(a->n_msgs, b->n_msgs);
    for (size_t i = 0; i < a->n_msgs; i++) {
        assert_int_equal(a->lens[i], b->lens[i]);
        assert_memory_equal(a->msgs[i], b->msgs[i], a->lens[i]);
    }
}

#define assert_wstr(w, lit)                                                       \
    do {                                                                          \
        char b_[2048];                                                            \
        snprintf(b_, sizeof b_, "%.*s", (int)(w).len, (w).ptr);                   \
        assert_string_equal(b_, lit);                                             \
    } while (0)

#endif
