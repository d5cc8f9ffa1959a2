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
#include "tables.h"
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
    r.u.deelnemer =
        (wire_deelnemer_t){meting, wire_str(id), wire_str(versie), wire_str(file), line};
    ab_apply(s, &r);
}

static inline void ab_reject(agg_state_t *s, const char *file, uint32_t line, const char *column,
                             const char *code, const char *message)
{
    wire_record_t r = {.kind = WIRE_REC_REJECT};
    r.u.reject =
        (wire_reject_t){wire_str(file), line, wire_str(column), wire_str(code), wire_str(message)};
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

/* A koploper with its tranche and startjaar; the arguments after startjaar are
 * its gemeente codes, ending with NULL. */
static inline void ab_koploper_in(agg_state_t *s, const char *id, int tranche, int startjaar, ...)
{
    wire_record_t r = {.kind = WIRE_REC_KOPLOPER};
    wire_koploper_t *k = &r.u.koploper;
    k->id = wire_str(id);
    k->naam = wire_str(id);
    k->tranche = tranche;
    k->startjaar = startjaar;
    k->status = wire_str("actief");
    va_list ap;
    va_start(ap, startjaar);
    const char *g;
    while ((g = va_arg(ap, const char *)) != NULL)
        k->gemeenten[k->n_gemeenten++] = wire_str(g);
    va_end(ap);
    ab_apply(s, &r);
}

/* Monitoring records as ingest sends them; -1 is an empty optional number. */
/* A `gemeenten` row of year jaar (0: a file whose name gives no year), named
 * after its code. */
static inline void ab_gemeente_in(agg_state_t *s, const char *code, int32_t jaar, int64_t inwoners)
{
    wire_record_t r = {.kind = WIRE_REC_GEMEENTE};
    r.u.gemeente =
        (wire_gemeente_t){wire_str(code), wire_str(code), wire_str("Utrecht"), inwoners, jaar};
    ab_apply(s, &r);
}

static inline void ab_gemeente(agg_state_t *s, const char *code, int64_t inwoners)
{
    ab_gemeente_in(s, code, 0, inwoners);
}

static inline void ab_gebruik(agg_state_t *s, const char *gemeente, int32_t periode,
                              const char *type, int64_t nieuwe_vragen, int64_t lopende_trajecten,
                              int64_t clienten_bereikt)
{
    wire_record_t r = {.kind = WIRE_REC_GEBRUIK};
    r.u.gebruik = (wire_gebruik_t){wire_str(gemeente), periode,           wire_str(type),
                                   nieuwe_vragen,      lopende_trajecten, clienten_bereikt};
    ab_apply(s, &r);
}

static inline void ab_adviesinzet(agg_state_t *s, const char *kl, int32_t datum,
                                  const char *adviseur, double uren, const char *file,
                                  uint32_t line)
{
    wire_record_t r = {.kind = WIRE_REC_ADVIESINZET};
    r.u.adviesinzet =
        (wire_adviesinzet_t){wire_str(kl), datum, wire_str(adviseur), uren, wire_str(file), line};
    ab_apply(s, &r);
}

static inline void ab_bijeenkomst(agg_state_t *s, const char *id, const char *type, int32_t datum,
                                  const char *gemeente, int64_t deelnemers)
{
    wire_record_t r = {.kind = WIRE_REC_BIJEENKOMST};
    r.u.bijeenkomst = (wire_bijeenkomst_t){wire_str(id),
                                           wire_str(type),
                                           datum,
                                           wire_str(gemeente),
                                           deelnemers,
                                           wire_str("bijeenkomsten.csv"),
                                           2};
    ab_apply(s, &r);
}

static inline void ab_middelen(agg_state_t *s, const char *kl, int32_t jaar, double eur,
                               const char *circulaire, const char *file, uint32_t line)
{
    wire_record_t r = {.kind = WIRE_REC_MIDDELEN};
    r.u.middelen =
        (wire_middelen_t){wire_str(kl), jaar, eur, wire_str(circulaire), wire_str(file), line};
    ab_apply(s, &r);
}

static inline void ab_ervaring(agg_state_t *s, const char *gemeente, int32_t jaar,
                               int64_t respondenten, double bekend_pct, double tevreden_pct)
{
    wire_record_t r = {.kind = WIRE_REC_ERVARING};
    r.u.ervaring =
        (wire_ervaring_t){wire_str(gemeente),       jaar, respondenten, bekend_pct, tevreden_pct,
                          wire_str("ervaring.csv"), 2};
    ab_apply(s, &r);
}

/* A voordracht for GM0001; criteria holds WIRE_CRIT_* bits. */
static inline void ab_voordracht(agg_state_t *s, const char *id, uint32_t criteria, int client)
{
    static wire_record_t r; /* large */
    memset(&r, 0, sizeof r);
    r.kind = WIRE_REC_VOORDRACHT;
    wire_voordracht_t *v = &r.u.voordracht;
    v->voordracht_id = wire_str(id);
    v->ingediend_op = 20190930;
    v->n_gemeenten = 1;
    v->gemeenten[0] = wire_str("GM0001");
    v->criteria = criteria;
    v->clientorganisatie = (uint32_t)client;
    v->file = wire_str("voordrachten.csv");
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
    for (size_t i = 0; i < k->n_msgs; i++)
        free(k->msgs[i]);
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

/* The tables one night (worker 0) puts: the contract's, the report's own and
 * the feed's (tables.c). */
#define AB_TABLES 31

/* tables_emit of s with options o into out (cleared first), through a batcher
 * of small messages; want_tables is the number of tables it must put. */
static inline void ab_emit(const agg_state_t *s, const tables_opts_t *o, ab_sink_t *out,
                           uint64_t want_tables)
{
    ab_sink_clear(out);
    batcher_t *b = batcher_new("20210301T030000Z", 7, 1 << 16, ab_sink_emit, out);
    assert_non_null(b);
    uint64_t tables = 0, rows = 0;
    assert_int_equal(tables_emit(s, o, b, &tables, &rows), KPM_OK);
    assert_int_equal(batcher_flush(b), KPM_OK);
    batcher_destroy(&b);
    assert_int_equal(tables, want_tables);
}

/* ------------------------------------------------------ reading tables */

typedef struct {
    const wire_table_begin_t *begin;
    const wire_record_t *rows; /* n consecutive TABLE_ROW records */
    size_t n;
} ab_table_t;

/* True when a cell fits its column's format the way the dashboard needs it:
 * numbers in number columns, and an empty value always NIL (never ""). */
static inline int ab_cell_fits(const wire_value_t *v, wire_str_t format)
{
    if (v->type == WIRE_VAL_NIL) return 1;
    if (wire_str_eq(format, "int")) return v->type == WIRE_VAL_INT;
    if (wire_str_eq(format, "text")) return v->type == WIRE_VAL_STR && v->s.len > 0;
    if (wire_str_eq(format, "jn")) /* ja/nee: a boolean in the feed */
        return v->type == WIRE_VAL_STR && (wire_str_eq(v->s, "ja") || wire_str_eq(v->s, "nee"));
    if (wire_str_eq(format, "month")) /* YYYY-MM: a date in the feed */
        return v->type == WIRE_VAL_STR && v->s.len == 7 && v->s.ptr[4] == '-';
    return v->type == WIRE_VAL_REAL;
}

/* Table `name` of what k holds; its rows have a cell per column, each fitting
 * the column's format, and its END counts them. */
static inline ab_table_t ab_table(const ab_sink_t *k, const char *name)
{
    const wire_record_t *r = k->recs;
    for (size_t i = 0; i < k->n_recs; i++) {
        if (r[i].kind != WIRE_REC_TABLE_BEGIN || !wire_str_eq(r[i].u.table_begin.name, name))
            continue;
        ab_table_t t = {&r[i].u.table_begin, &r[i + 1], 0};
        while (i + 1 + t.n < k->n_recs && r[i + 1 + t.n].kind == WIRE_REC_TABLE_ROW) {
            const wire_table_row_t *row = &r[i + 1 + t.n].u.table_row;
            assert_int_equal(row->n_cells, t.begin->n_cols);
            for (size_t c = 0; c < row->n_cells; c++)
                assert_true(ab_cell_fits(&row->cells[c], t.begin->col_formats[c]));
            t.n++;
        }
        assert_true(i + 1 + t.n < k->n_recs);
        const wire_record_t *end = &r[i + 1 + t.n];
        assert_int_equal(end->kind, WIRE_REC_TABLE_END);
        assert_int_equal(end->u.table_end.rows, t.n);
        return t;
    }
    fail_msg("no table %s", name);
    return (ab_table_t){0};
}

/* A cell as text: "" for NIL, reals with up to 10 significant digits. */
static inline int ab_cell_text(const wire_value_t *v, char *buf, size_t len)
{
    switch (v->type) {
    case WIRE_VAL_INT:
        return snprintf(buf, len, "%lld", (long long)v->i);
    case WIRE_VAL_REAL:
        return snprintf(buf, len, "%.10g", v->r);
    case WIRE_VAL_STR:
        return snprintf(buf, len, "%.*s", (int)v->s.len, v->s.ptr);
    default:
        return snprintf(buf, len, "%s", "");
    }
}

/* The rows of t as text, one line each, cells separated by ',' (no quoting). */
static inline const char *ab_rows_text(const ab_table_t *t)
{
    static char buf[16384];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t r = 0; r < t->n; r++) {
        const wire_table_row_t *row = &t->rows[r].u.table_row;
        for (size_t c = 0; c < row->n_cells; c++) {
            if (c) buf[o++] = ',';
            int n = ab_cell_text(&row->cells[c], buf + o, sizeof buf - o);
            assert_true(n >= 0 && (size_t)n + 3 < sizeof buf - o);
            o += (size_t)n;
        }
        buf[o++] = '\n';
        buf[o] = '\0';
    }
    return buf;
}

/* The columns of t as "name:format,...". */
static inline const char *ab_cols_text(const ab_table_t *t)
{
    static char buf[2048];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < t->begin->n_cols; c++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.*s:%.*s", c ? "," : "",
                              (int)t->begin->col_names[c].len, t->begin->col_names[c].ptr,
                              (int)t->begin->col_formats[c].len, t->begin->col_formats[c].ptr);
    return buf;
}

#define assert_wstr(w, lit)                                                                        \
    do {                                                                                           \
        char b_[2048];                                                                             \
        snprintf(b_, sizeof b_, "%.*s", (int)(w).len, (w).ptr);                                    \
        assert_string_equal(b_, lit);                                                              \
    } while (0)

#endif
