/* test_report_merge.c - merging the aggregate workers' result tables: owner, union
 * and sum tables, ratios, helper columns, and the protocol errors refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "merge.h"
#include "report_harness.h"
#include "wire_values.h"

/* ---- building records ---------------------------------------------------------- */

static wire_table_end_t tend(const char *name, uint64_t rows)
{
    wire_table_end_t te = {{name, (uint32_t)strlen(name)}, rows};
    return te;
}

/* Worker w sends a whole table. */
static void feed(merge_t *m, size_t w, const rh_tdef_t *d, const wire_table_row_t *rows, size_t n)
{
    wire_table_end_t te = {d->tb.name, n};

    if (merge_table_begin(m, w, &d->tb) != KPM_OK) fail_msg("begin: %s", merge_error(m));
    for (size_t i = 0; i < n; i++) {
        if (merge_table_row(m, w, &rows[i]) != KPM_OK) fail_msg("row %zu: %s", i, merge_error(m));
    }
    if (merge_table_end(m, w, &te) != KPM_OK) fail_msg("end: %s", merge_error(m));
}

#define FEED(m, w, d, ...)                                                                         \
    feed(m, w, d, (wire_table_row_t[]){__VA_ARGS__},                                               \
         sizeof((wire_table_row_t[]){__VA_ARGS__}) / sizeof(wire_table_row_t))

/* ---- a sink that writes what it gets as text -------------------------------------- */

typedef struct {
    char log[1 << 16];
    size_t len;
    int fail_row; /* the row (from 1) whose callback fails with KPM_EIO; 0: none */
    int rows;
} cap_t;

static void logf_(cap_t *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(c->log + c->len, sizeof c->log - c->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof c->log - c->len);
    c->len += (size_t)n;
}

static void log_cell(cap_t *c, const wire_value_t *v)
{
    switch (v->type) {
    case WIRE_VAL_INT:
        logf_(c, "%lld", (long long)v->i);
        break;
    case WIRE_VAL_REAL:
        logf_(c, "%.17g", v->r);
        break;
    case WIRE_VAL_STR:
        logf_(c, "'%.*s'", (int)v->s.len, v->s.ptr);
        break;
    default:
        logf_(c, "-");
        break;
    }
}

static int cap_begin(void *ctx, const wire_table_begin_t *tb)
{
    cap_t *c = ctx;

    logf_(c, "begin %.*s %u %.*s:", (int)tb->name.len, tb->name.ptr, tb->publish,
          (int)tb->merge.len, tb->merge.ptr);
    for (uint32_t i = 0; i < tb->n_cols; i++)
        logf_(c, " %.*s/%.*s/%.*s", (int)tb->col_names[i].len, tb->col_names[i].ptr,
              (int)tb->col_formats[i].len, tb->col_formats[i].ptr, (int)tb->col_merge[i].len,
              tb->col_merge[i].ptr);
    logf_(c, "\n");
    return KPM_OK;
}

static int cap_row(void *ctx, const wire_table_row_t *row)
{
    cap_t *c = ctx;

    if (++c->rows == c->fail_row) return KPM_EIO;
    for (uint32_t i = 0; i < row->n_cells; i++) {
        if (i > 0) logf_(c, " ");
        log_cell(c, &row->cells[i]);
    }
    logf_(c, "\n");
    return KPM_OK;
}

static int cap_end(void *ctx, const wire_table_end_t *te)
{
    cap_t *c = ctx;

    logf_(c, "end %.*s %llu\n", (int)te->name.len, te->name.ptr, (unsigned long long)te->rows);
    return KPM_OK;
}

static const merge_sink_t sink = {cap_begin, cap_row, cap_end};

/* The expected text, with reals formatted as the sink does. */
static const char *expect(const char *fmt, ...)
{
    static char buf[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

/* ---- fixture -------------------------------------------------------------------- */

typedef struct {
    merge_t *m;
    cap_t cap;
} fx_t;

static int fx_setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);

    if (f == NULL) return -1;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;

    merge_destroy(&f->m);
    assert_null(f->m);
    free(f);
    return 0;
}

static merge_t *fx_merge(void **state, size_t n)
{
    fx_t *f = *state;

    merge_destroy(&f->m);
    memset(&f->cap, 0, sizeof f->cap);
    f->m = merge_new(n);
    assert_non_null(f->m);
    return f->m;
}

static cap_t *fx_cap(void **state)
{
    return &((fx_t *)*state)->cap;
}

static void emit_ok(merge_t *m, cap_t *c)
{
    int rc;

    memset(c, 0, sizeof *c);
    rc = merge_emit(m, &sink, c);
    if (rc != KPM_OK) fail_msg("emit: %d %s", rc, merge_error(m));
}

/* Emit refused with KPM_EPROTO, a message holding want, and nothing sent. */
static void emit_refused(merge_t *m, cap_t *c, const char *want)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(merge_emit(m, &sink, c), KPM_EPROTO);
    if (strstr(merge_error(m), want) == NULL)
        fail_msg("error '%s' does not hold '%s'", merge_error(m), want);
    assert_int_equal(c->len, 0);
}

static void error_holds(merge_t *m, const char *want)
{
    if (strstr(merge_error(m), want) == NULL)
        fail_msg("error '%s' does not hold '%s'", merge_error(m), want);
}

/* ---- owner tables ---------------------------------------------------------------- */

static void test_owner_passes_through(void **state)
{
    merge_t *m = fx_merge(state, 3);
    cap_t *c = fx_cap(state);
    rh_tdef_t d, k;

    rh_tdef(&d, "koplopers", 1, "owner", "id:text:,naam:text:,_hulp:int:,n:int:");
    d.tb.publish = 0;
    FEED(m, 0, &d, ROW(S("KL3"), S("Drie"), I(9), I(3)), ROW(S("KL1"), N(), I(9), R(1.5)),
         ROW(S("KL2"), S("Twee"), I(9), I(2)));
    rh_tdef(&k, "kort", 1, "owner", "x:int:key");
    FEED(m, 0, &k, ROW(I(2)), ROW(I(1)));
    emit_ok(m, c);
    /* Worker 0's order, rows as sent (not sorted), the helper column dropped. */
    assert_string_equal(c->log, "begin koplopers 0 owner: id/text/ naam/text/ n/int/\n"
                                "'KL3' 'Drie' 3\n"
                                "'KL1' - 1.5\n"
                                "'KL2' 'Twee' 2\n"
                                "end koplopers 3\n"
                                "begin kort 1 owner: x/int/key\n"
                                "2\n"
                                "1\n"
                                "end kort 2\n");
    assert_int_equal(merge_tables(m), 2);
    assert_int_equal(merge_rows(m), 5);

    /* Another worker's copy is refused at once. */
    assert_int_equal(merge_table_begin(m, 2, &d.tb), KPM_EPROTO);
    error_holds(m, "worker 2 sent table 'koplopers', which only worker 0 sends");
}

static void test_owner_claimed_as_union_by_another_worker(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d0, d1;

    rh_tdef(&d0, "t", 1, "owner", "a:int:key");
    rh_tdef(&d1, "t", 1, "union", "a:int:key");
    FEED(m, 0, &d0, ROW(I(1)));
    FEED(m, 1, &d1, ROW(I(2)));
    emit_refused(m, c, "worker 1 sent table 't' with another merge than worker 0");
}

/* ---- union tables ---------------------------------------------------------------- */

static void test_union_three_workers_ties_in_worker_order(void **state)
{
    merge_t *m = fx_merge(state, 3);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    rh_tdef(&d, "gebruik", 1, "union", "gemeente_code:text:key,periode:int:,n:int:");
    FEED(m, 0, &d, ROW(S("GM01"), I(1), I(10)), ROW(S("GM03"), I(2), I(11)),
         ROW(S("GM03"), I(1), I(12)), ROW(S("GM05"), I(1), I(13)));
    FEED(m, 1, &d, ROW(S("GM02"), I(1), I(20)), ROW(S("GM03"), I(0), I(21)),
         ROW(S("GM04"), I(1), I(22)));
    FEED(m, 2, &d, ROW(S("GM01"), I(7), I(30)), ROW(S("GM03"), I(9), I(31)),
         ROW(S("GM06"), I(1), I(32)));
    emit_ok(m, c);
    assert_string_equal(c->log,
                        "begin gebruik 1 union: gemeente_code/text/key periode/int/ n/int/\n"
                        "'GM01' 1 10\n"
                        "'GM01' 7 30\n"
                        "'GM02' 1 20\n"
                        "'GM03' 2 11\n"
                        "'GM03' 1 12\n"
                        "'GM03' 0 21\n"
                        "'GM03' 9 31\n"
                        "'GM04' 1 22\n"
                        "'GM05' 1 13\n"
                        "'GM06' 1 32\n"
                        "end gebruik 10\n");
    assert_int_equal(merge_rows(m), 10);
}

static void test_union_comparator(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    /* nil < numbers (int and real by value) < strings (bytewise, shorter first);
     * the second key column decides among equal first keys. */
    rh_tdef(&d, "t", 1, "union", "k:text:key,w:int:,j:int:key");
    FEED(m, 0, &d, ROW(N(), I(0), I(5)), ROW(I(-3), I(0), I(0)), ROW(R(1.5), I(0), I(0)),
         ROW(R(2.0), I(0), I(1)), ROW(I(INT64_MAX), I(0), I(0)), ROW(S("a"), I(0), I(0)),
         ROW(S("b"), I(0), I(0)));
    FEED(m, 1, &d, ROW(N(), I(1), I(4)), ROW(R(-3.5), I(1), I(0)), ROW(I(1), I(1), I(0)),
         ROW(I(2), I(1), I(0)), ROW(I(2), I(1), I(1)), ROW(R(9223372036854775807.0), I(1), I(0)),
         ROW(S(""), I(1), I(0)), ROW(S("ab"), I(1), I(0)), ROW(S("\xff"), I(1), I(0)));
    emit_ok(m, c);
    assert_string_equal(c->log, "begin t 1 union: k/text/key w/int/ j/int/key\n"
                                "- 1 4\n"
                                "- 0 5\n"
                                "-3.5 1 0\n"
                                "-3 0 0\n"
                                "1 1 0\n"
                                "1.5 0 0\n"
                                "2 1 0\n"
                                "2 0 1\n"
                                "2 1 1\n"
                                "9223372036854775807 0 0\n"
                                "9.2233720368547758e+18 1 0\n"
                                "'' 1 0\n"
                                "'a' 0 0\n"
                                "'ab' 1 0\n"
                                "'b' 0 0\n"
                                "'\xff' 1 0\n"
                                "end t 16\n");
}

static void test_union_table_missing_on_some_workers(void **state)
{
    merge_t *m = fx_merge(state, 3);
    cap_t *c = fx_cap(state);
    rh_tdef_t a, b;

    rh_tdef(&a, "a", 1, "union", "k:int:key");
    rh_tdef(&b, "b", 1, "union", "k:int:key");
    FEED(m, 0, &a, ROW(I(1)));
    FEED(m, 0, &b, ROW(I(5)));
    FEED(m, 2, &b, ROW(I(4)));
    FEED(m, 2, &a, ROW(I(0)), ROW(I(2)));
    emit_ok(m, c);
    /* Worker 0's table order, whatever the order of the others. */
    assert_string_equal(c->log, "begin a 1 union: k/int/key\n0\n1\n2\nend a 3\n"
                                "begin b 1 union: k/int/key\n4\n5\nend b 2\n");
}

/* ---- sum tables ------------------------------------------------------------------ */

#define SUM_SPEC                                                                                   \
    "gemeente:text:key,n:int:sum,r:dec2:sum,naam:text:same,_inw:int:sum,"                          \
    "per1000:dec1:ratio n _inw 1000"

static void test_sum_combines_rows(void **state)
{
    merge_t *m = fx_merge(state, 3);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    rh_tdef(&d, "bereik", 1, "sum", SUM_SPEC);
    FEED(m, 0, &d, ROW(S("A"), I(3), R(0.1), S("Aa"), I(10), N()),
         ROW(S("C"), N(), R(0.5), S("Cc"), I(0), R(99.0)));
    FEED(m, 1, &d, ROW(S("A"), I(4), R(0.2), S("Aa"), I(20), R(1.0)),
         ROW(S("B"), I(7), N(), S("Bb"), I(3), R(5.0)),
         ROW(S("D"), N(), R(1.0), N(), I(5), R(3.0)));
    FEED(m, 2, &d, ROW(S("A"), N(), R(0.3), S("Aa"), N(), N()),
         ROW(S("C"), I(2), N(), S("Cc"), N(), N()));
    emit_ok(m, c);
    /* A: 3+4+nil, reals added in worker order ((0.1+0.2)+0.3 is not 0.1+(0.2+0.3)),
     * ratio 1000*7/30; B only on worker 1, its ratio recomputed; C: den 0 -> nil;
     * D: num nil -> nil. The helper _inw is gone. */
    assert_true(0.1 + 0.2 + 0.3 != 0.1 + (0.2 + 0.3));
    assert_string_equal(c->log, expect("begin bereik 1 sum: gemeente/text/key n/int/sum r/dec2/sum "
                                       "naam/text/same per1000/dec1/ratio n _inw 1000\n"
                                       "'A' 7 %.17g 'Aa' %.17g\n"
                                       "'B' 7 - 'Bb' %.17g\n"
                                       "'C' 2 0.5 'Cc' -\n"
                                       "'D' - 1 - -\n"
                                       "end bereik 4\n",
                                       (0.1 + 0.2) + 0.3, 1000.0 * 7.0 / 30.0, 1000.0 * 7.0 / 3.0));
    assert_int_equal(merge_rows(m), 4);
}

static void test_sum_single_worker_recomputes_ratio(void **state)
{
    merge_t *m = fx_merge(state, 1);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    /* The ratio is recomputed even with one worker, so that the output does not
     * depend on the number of workers; operands may be int, real, sum or same. */
    rh_tdef(&d, "r", 1, "sum",
            "k:int:key,num:int:sum,den:dec1:same,pct:pct1:ratio num den 100,_x:int:sum");
    FEED(m, 0, &d, ROW(I(1), I(7), R(3.0), R(12345.0), N()), /* wrong value replaced */
         ROW(I(2), I(7), R(0.0), R(1.0), N()),               /* den 0 */
         ROW(I(3), I(7), N(), R(1.0), N()),                  /* den nil */
         ROW(I(4), I(7), R(-2.0), R(1.0), N()),              /* den < 0 */
         ROW(I(5), I(1), R(7.0), N(), N()));
    emit_ok(m, c);
    assert_string_equal(c->log, expect("begin r 1 sum: k/int/key num/int/sum den/dec1/same "
                                       "pct/pct1/ratio num den 100\n"
                                       "1 7 3 %.17g\n"
                                       "2 7 0 -\n"
                                       "3 7 - -\n"
                                       "4 7 -2 -\n"
                                       "5 1 7 %.17g\n"
                                       "end r 5\n",
                                       100.0 * 7.0 / 3.0, 100.0 * 1.0 / 7.0));
}

static void test_sum_refuses_disagreeing_same(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    rh_tdef(&d, "bereik", 1, "sum", SUM_SPEC);
    FEED(m, 0, &d, ROW(S("A"), I(1), N(), S("Aa"), I(1), N()),
         ROW(S("B"), I(1), N(), S("Bb"), I(1), N()));
    FEED(m, 1, &d, ROW(S("B"), I(1), N(), S("Bx"), I(1), N()));
    emit_refused(m, c, "table 'bereik': column 'naam' differs between workers 0 and 1");
    error_holds(m, "gemeente='B'");
    assert_int_equal(merge_tables(m), 0);
}

static void test_sum_refuses_nil_against_value_in_same(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    rh_tdef(&d, "t", 1, "sum", "k:int:key,s:int:same");
    FEED(m, 0, &d, ROW(I(1), N()));
    FEED(m, 1, &d, ROW(I(1), I(0)));
    emit_refused(m, c, "column 's' differs");
}

static void test_sum_refuses_overflow_and_mixed_types(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;
    wire_table_row_t text = ROW(I(3), S("x"));

    rh_tdef(&d, "t", 1, "sum", "k:int:key,s:int:sum");
    FEED(m, 0, &d, ROW(I(1), I(INT64_MAX - 1)));
    FEED(m, 1, &d, ROW(I(1), I(2)));
    emit_refused(m, c, "the sum of column 's' overflows at key (k=1)");

    m = fx_merge(state, 2);
    FEED(m, 0, &d, ROW(I(1), I(INT64_MIN)), ROW(I(2), I(1)));
    FEED(m, 1, &d, ROW(I(1), I(-1)));
    emit_refused(m, c, "overflows at key (k=1)");

    m = fx_merge(state, 2);
    FEED(m, 0, &d, ROW(I(1), I(1)));
    FEED(m, 1, &d, ROW(I(1), R(1.0)));
    emit_refused(m, c, "column 's' adds cells of different types");

    /* Text can never be summed: refused as it arrives. */
    m = fx_merge(state, 1);
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_OK);
    assert_int_equal(merge_table_row(m, 0, &text), KPM_EPROTO);
    error_holds(m, "worker 0 sent text in sum column 's' of table 't' at row 1");
}

static void test_sum_duplicate_key_in_one_worker_refused(void **state)
{
    merge_t *m = fx_merge(state, 2);
    rh_tdef_t d;
    wire_table_row_t r1 = ROW(S("A"), I(2), I(1)), r2 = ROW(S("A"), I(2), I(5));

    rh_tdef(&d, "t", 1, "sum", "a:text:key,b:int:key,s:int:sum");
    assert_int_equal(merge_table_begin(m, 1, &d.tb), KPM_OK);
    assert_int_equal(merge_table_row(m, 1, &r1), KPM_OK);
    assert_int_equal(merge_table_row(m, 1, &r2), KPM_EPROTO);
    error_holds(m, "worker 1 sent key (a='A', b=2) of table 't' twice, at row 2");
}

/* ---- order and protocol errors ---------------------------------------------------- */

static void test_out_of_order_rows_refused(void **state)
{
    merge_t *m = fx_merge(state, 2);
    rh_tdef_t d;
    wire_table_row_t a = ROW(S("GM02"), I(1)), b = ROW(S("GM02"), I(0)), z = ROW(S("GM01"), I(0));
    wire_table_end_t te = tend("gebruik", 2);

    /* Equal keys may repeat in a union table; a smaller one may not. */
    rh_tdef(&d, "gebruik", 1, "union", "g:text:key,n:int:");
    assert_int_equal(merge_table_begin(m, 1, &d.tb), KPM_OK);
    assert_int_equal(merge_table_row(m, 1, &a), KPM_OK);
    assert_int_equal(merge_table_row(m, 1, &b), KPM_OK);
    assert_int_equal(merge_table_row(m, 1, &z), KPM_EPROTO);
    error_holds(m, "worker 1 sent table 'gebruik' out of key order at row 3");
    /* The refused row was not kept. */
    assert_int_equal(merge_table_end(m, 1, &te), KPM_OK);

    m = fx_merge(state, 1);
    rh_tdef(&d, "t", 1, "sum", "g:text:key,n:int:sum");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_OK);
    assert_int_equal(merge_table_row(m, 0, &a), KPM_OK);
    assert_int_equal(merge_table_row(m, 0, &z), KPM_EPROTO);
    error_holds(m, "out of key order at row 2");
}

static void test_stream_errors_refused(void **state)
{
    merge_t *m = fx_merge(state, 2);
    rh_tdef_t d, e;
    wire_table_row_t r = ROW(I(1), I(2)), short_row = ROW(I(1));
    wire_table_end_t te;

    rh_tdef(&d, "t", 1, "union", "k:int:key,v:int:");
    rh_tdef(&e, "e", 1, "union", "k:int:key");

    assert_int_equal(merge_table_row(m, 0, &r), KPM_EPROTO);
    error_holds(m, "worker 0 sent a table row outside a table");
    te = tend("t", 0);
    assert_int_equal(merge_table_end(m, 0, &te), KPM_EPROTO);
    error_holds(m, "outside a table");
    assert_int_equal(merge_table_begin(m, 2, &d.tb), KPM_EINVAL);

    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_OK);
    assert_int_equal(merge_table_begin(m, 0, &e.tb), KPM_EPROTO);
    error_holds(m, "worker 0 began table 'e' while table 't' was open");
    assert_int_equal(merge_table_row(m, 0, &short_row), KPM_EPROTO);
    error_holds(m, "worker 0 sent a row of 1 cells for table 't' of 2 columns");
    assert_int_equal(merge_table_row(m, 0, &r), KPM_OK);
    te = tend("e", 1);
    assert_int_equal(merge_table_end(m, 0, &te), KPM_EPROTO);
    error_holds(m, "worker 0 ended table 'e' while table 't' was open");
    te = tend("t", 2);
    assert_int_equal(merge_table_end(m, 0, &te), KPM_EPROTO);
    error_holds(m, "worker 0 ended table 't' with 2 rows, but sent 1");
    te = tend("t", 1);
    assert_int_equal(merge_table_end(m, 0, &te), KPM_OK);
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "worker 0 sent table 't' twice");
}

static void test_bad_definitions_refused(void **state)
{
    merge_t *m = fx_merge(state, 2);
    rh_tdef_t d;

    rh_tdef(&d, "t", 1, "glue", "k:int:key");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "table 't' has an unknown merge 'glue'");
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:avg");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "column 'v' has an unknown role 'avg'");
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "column 'v' has role '', unfit for merge 'sum'");
    rh_tdef(&d, "t", 1, "union", "k:int:key,v:int:sum");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "unfit for merge 'union'");
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:sum,p:dec1:ratio v _inw 1000");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "column 'p' is a ratio of unknown column '_inw'");
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:sum,p:dec1:ratio v v");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "malformed ratio 'ratio v v'");
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:sum,p:dec1:ratio v v 1e3x");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "malformed ratio");
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:sum,p:dec1:ratio v q 1,q:dec1:ratio v v 1");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_EPROTO);
    error_holds(m, "ratio column 'p' refers to a ratio column");
    /* Nothing of the refused tables was kept: the worker may begin again. */
    rh_tdef(&d, "t", 1, "sum", "k:int:key,v:int:sum,p:dec1:ratio v v 1e3");
    assert_int_equal(merge_table_begin(m, 0, &d.tb), KPM_OK);
}

static void test_emit_consistency_errors(void **state)
{
    merge_t *m = fx_merge(state, 3);
    cap_t *c = fx_cap(state);
    rh_tdef_t d, e, x;
    wire_table_row_t r = ROW(I(1), I(2));

    rh_tdef(&d, "t", 1, "union", "k:int:key,v:int:");
    FEED(m, 0, &d, ROW(I(1), I(1)));
    /* A table still open. */
    assert_int_equal(merge_table_begin(m, 2, &d.tb), KPM_OK);
    assert_int_equal(merge_table_row(m, 2, &r), KPM_OK);
    emit_refused(m, c, "worker 2's table 't' is still open");
    merge_reset(m, 2);
    emit_ok(m, c);

    /* A table worker 0 did not send. */
    rh_tdef(&x, "x", 1, "union", "k:int:key,v:int:");
    FEED(m, 1, &x, ROW(I(1), I(1)));
    emit_refused(m, c, "worker 1 sent table 'x', which worker 0 did not send");
    merge_reset(m, 1);

    /* Definitions that differ. */
    rh_tdef(&e, "t", 1, "union", "k:int:key,v:dec1:");
    FEED(m, 2, &e, ROW(I(2), I(2)));
    emit_refused(m, c,
                 "worker 2 sent table 't' with another format of column 2 ('v') than "
                 "worker 0");
    merge_reset(m, 2);
    rh_tdef(&e, "t", 1, "union", "k:int:key,w:int:");
    FEED(m, 2, &e, ROW(I(2), I(2)));
    emit_refused(m, c, "name of column 2");
    merge_reset(m, 2);
    rh_tdef(&e, "t", 1, "union", "k:int:key");
    FEED(m, 2, &e, ROW(I(2)));
    emit_refused(m, c, "number of columns");
    merge_reset(m, 2);
    rh_tdef(&e, "t", 1, "union", "k:int:,v:int:");
    FEED(m, 2, &e, ROW(I(2), I(2)));
    emit_refused(m, c, "role of column 1");
    merge_reset(m, 2);
    rh_tdef(&e, "t", 1, "union", "k:int:key,v:int:");
    e.tb.publish = 0;
    FEED(m, 2, &e, ROW(I(2), I(2)));
    emit_refused(m, c, "publish flag");
    merge_reset(m, 2);
    emit_ok(m, c);
    assert_string_equal(c->log, "begin t 1 union: k/int/key v/int/\n1 1\nend t 1\n");
}

/* ---- ownership, reset, sink errors ------------------------------------------------ */

static void test_strings_are_copied(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    char scratch[256];
    wire_table_begin_t tb;
    wire_table_row_t row;
    wire_table_end_t te;

    /* Every string the caller gives lives in scratch, overwritten after each call
     * as the message buffer would be freed. */
    for (size_t w = 0; w < 2; w++) {
        memset(&tb, 0, sizeof tb);
        strcpy(scratch, "tabelkeytextnaamsamesum");
        tb.name = wire_strn(scratch, 5);
        tb.merge = wire_strn(scratch + 20, 3); /* "sum" */
        tb.publish = 1;
        tb.n_cols = 2;
        tb.col_names[0] = wire_strn(scratch + 5, 3);
        tb.col_formats[0] = wire_strn(scratch + 8, 4);
        tb.col_merge[0] = wire_strn(scratch + 5, 3);
        tb.col_names[1] = wire_strn(scratch + 12, 4);
        tb.col_formats[1] = wire_strn(scratch + 8, 4);
        tb.col_merge[1] = wire_strn(scratch + 16, 4);
        assert_int_equal(merge_table_begin(m, w, &tb), KPM_OK);
        memset(scratch, 'X', sizeof scratch);
        for (int i = 0; i < 3; i++) {
            snprintf(scratch, sizeof scratch, "GM%04d|gemeente %d", i * 2 + (int)w, i);
            row.n_cells = 2;
            row.cells[0] = S(scratch);
            row.cells[0].s.len = 6;
            row.cells[1] = S(scratch + 7);
            assert_int_equal(merge_table_row(m, w, &row), KPM_OK);
            memset(scratch, 'Y', sizeof scratch);
        }
        strcpy(scratch, "tabel");
        te.name = wire_strn(scratch, 5);
        te.rows = 3;
        assert_int_equal(merge_table_end(m, w, &te), KPM_OK);
        memset(scratch, 'Z', sizeof scratch);
    }
    emit_ok(m, c);
    assert_string_equal(c->log, "begin tabel 1 sum: key/text/key naam/text/same\n"
                                "'GM0000' 'gemeente 0'\n"
                                "'GM0001' 'gemeente 0'\n"
                                "'GM0002' 'gemeente 1'\n"
                                "'GM0003' 'gemeente 1'\n"
                                "'GM0004' 'gemeente 2'\n"
                                "'GM0005' 'gemeente 2'\n"
                                "end tabel 6\n");
}

static void test_reset_drops_a_workers_part(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;
    wire_table_row_t r = ROW(I(9), I(9));

    rh_tdef(&d, "t", 1, "sum", "k:int:key,s:int:sum");
    FEED(m, 0, &d, ROW(I(1), I(1)), ROW(I(2), I(1)));
    FEED(m, 1, &d, ROW(I(1), I(100)), ROW(I(3), I(100)));
    /* Worker 1 restarts mid-table, then sends its stream again with other rows. */
    merge_reset(m, 1);
    assert_int_equal(merge_table_begin(m, 1, &d.tb), KPM_OK);
    assert_int_equal(merge_table_row(m, 1, &r), KPM_OK);
    merge_reset(m, 1);
    FEED(m, 1, &d, ROW(I(2), I(10)));
    merge_reset(m, 7); /* out of range: ignored */
    emit_ok(m, c);
    assert_string_equal(c->log, "begin t 1 sum: k/int/key s/int/sum\n1 1\n2 11\nend t 2\n");
    /* Emitting again gives the same tables. */
    emit_ok(m, c);
    assert_string_equal(c->log, "begin t 1 sum: k/int/key s/int/sum\n1 1\n2 11\nend t 2\n");

    /* Worker 0 restarting alone leaves worker 1 with a table worker 0 has not
     * sent (yet); both restarting leaves nothing. */
    merge_reset(m, 0);
    emit_refused(m, c, "worker 1 sent table 't', which worker 0 did not send");
    merge_reset(m, 1);
    emit_ok(m, c);
    assert_string_equal(c->log, "");
    assert_int_equal(merge_tables(m), 0);
}

static void test_sink_error_stops_emit(void **state)
{
    merge_t *m = fx_merge(state, 2);
    cap_t *c = fx_cap(state);
    rh_tdef_t d;

    rh_tdef(&d, "t", 1, "union", "k:int:key");
    FEED(m, 0, &d, ROW(I(1)), ROW(I(3)));
    FEED(m, 1, &d, ROW(I(2)));
    memset(c, 0, sizeof *c);
    c->fail_row = 3;
    assert_int_equal(merge_emit(m, &sink, c), KPM_EIO);
    assert_string_equal(c->log, "begin t 1 union: k/int/key\n1\n2\n");
    assert_int_equal(merge_rows(m), 2);
    assert_int_equal(merge_tables(m), 0);
}

static void test_new_and_destroy(void **state)
{
    merge_t *m = merge_new(0);

    (void)state;
    assert_null(m);
    merge_destroy(&m);
    merge_destroy(NULL);
}

/* Big tables: every key on one worker, every third key on all eight. */
typedef struct {
    uint64_t rows, bad;
    char last[16];
} big_t;

static int big_begin(void *ctx, const wire_table_begin_t *tb)
{
    (void)ctx;
    return tb->n_cols == 3 ? KPM_OK : KPM_EINVAL;
}

static int big_row(void *ctx, const wire_table_row_t *row)
{
    big_t *b = ctx;
    const wire_value_t *k = &row->cells[0];
    int64_t want_n;
    long i;

    i = strtol(k->s.ptr + 1, NULL, 10);
    want_n = i % 3 == 0 ? 8 : 1;
    if (row->cells[1].i != want_n) b->bad++;
    if (row->cells[2].r != 1000.0 * (double)want_n / (double)(3 * want_n)) b->bad++;
    if (k->s.len != 8 || memcmp(k->s.ptr, b->last, 8) <= 0) b->bad++;
    memcpy(b->last, k->s.ptr, 8);
    if ((uint64_t)i != b->rows) b->bad++;
    b->rows++;
    return KPM_OK;
}

static int big_end(void *ctx, const wire_table_end_t *te)
{
    big_t *b = ctx;
    return te->rows == b->rows ? KPM_OK : KPM_EINVAL;
}

static void test_large_sum(void **state)
{
    enum { ROWS = 100000, WORKERS = 8 };
    merge_t *m = fx_merge(state, WORKERS);
    const merge_sink_t bs = {big_begin, big_row, big_end};
    big_t b;
    rh_tdef_t d;
    wire_table_row_t row;
    wire_table_end_t te;
    char key[16];

    rh_tdef(&d, "groot", 1, "sum", "k:text:key,n:int:sum,_den:int:sum,r:dec1:ratio n _den 1000");
    for (size_t w = 0; w < WORKERS; w++) {
        uint64_t sent = 0;
        assert_int_equal(merge_table_begin(m, w, &d.tb), KPM_OK);
        for (int i = 0; i < ROWS; i++) {
            if ((size_t)i % WORKERS != w && i % 3 != 0) continue;
            snprintf(key, sizeof key, "k%07d", i);
            row = ROW(S(key), I(1), I(3), N());
            assert_int_equal(merge_table_row(m, w, &row), KPM_OK);
            sent++;
        }
        te = tend("groot", sent);
        assert_int_equal(merge_table_end(m, w, &te), KPM_OK);
    }
    memset(&b, 0, sizeof b);
    assert_int_equal(merge_emit(m, &bs, &b), KPM_OK);
    assert_int_equal(b.rows, ROWS);
    assert_int_equal(b.bad, 0);
    assert_int_equal(merge_rows(m), ROWS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_owner_passes_through, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_owner_claimed_as_union_by_another_worker, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_union_three_workers_ties_in_worker_order, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_union_comparator, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_union_table_missing_on_some_workers, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_sum_combines_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sum_single_worker_recomputes_ratio, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_sum_refuses_disagreeing_same, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sum_refuses_nil_against_value_in_same, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_sum_refuses_overflow_and_mixed_types, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_sum_duplicate_key_in_one_worker_refused, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_rows_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stream_errors_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_definitions_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_emit_consistency_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_strings_are_copied, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reset_drops_a_workers_part, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sink_error_stops_emit, fx_setup, fx_teardown),
        cmocka_unit_test(test_new_and_destroy),
        cmocka_unit_test_setup_teardown(test_large_sum, fx_setup, fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
