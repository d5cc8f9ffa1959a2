/* test_route.c - ingest's router: each record goes to the workers that need it
 * (docs/SCALING.md), and what each worker was sent is counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "batcher.h"
#include "kpm_err.h"
#include "route.h"
#include "wire.h"

#define WORKERS 3

/* Records each worker's batcher emitted, by kind. */
static uint64_t got[WORKERS][INGEST_KIND_SLOTS];
static unsigned lane_ids[WORKERS] = {0, 1, 2};

static int capture(void *ctx, uint64_t seq, const char *buf, size_t len)
{
    (void)seq;
    unsigned w = *(unsigned *)ctx;
    wire_reader_t *rd = wire_reader_new();
    wire_header_t h;
    wire_record_t rec;
    assert_int_equal(wire_reader_open(rd, buf, len, &h), KPM_OK);
    while (wire_reader_next(rd, &rec) == 1)
        got[w][rec.kind]++;
    wire_reader_destroy(&rd);
    return KPM_OK;
}

typedef struct {
    batcher_t *b[WORKERS];
    route_t *r;
} fx_t;

static int setup(void **state)
{
    static fx_t fx;
    memset(got, 0, sizeof got);
    for (unsigned w = 0; w < WORKERS; w++)
        fx.b[w] = batcher_new("night", 100, 1 << 16, capture, &lane_ids[w]);
    fx.r = route_new(WORKERS, fx.b);
    *state = &fx;
    return fx.r ? 0 : -1;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    route_destroy(&fx->r);
    for (unsigned w = 0; w < WORKERS; w++)
        batcher_destroy(&fx->b[w]);
    return 0;
}

static void flush(fx_t *fx)
{
    for (unsigned w = 0; w < WORKERS; w++)
        assert_int_equal(batcher_flush(fx->b[w]), KPM_OK);
}

static void put_gebruik(fx_t *fx, const char *gm)
{
    wire_record_t rec = {.kind = WIRE_REC_GEBRUIK};
    rec.u.gebruik = (wire_gebruik_t){wire_str(gm), 202101, wire_str("professioneel"), 1, 2, 3};
    assert_int_equal(route_put(fx->r, &rec), KPM_OK);
}

static void test_worker_of_is_stable_and_spread(void **state)
{
    (void)state;
    /* FNV-1a of the code: fixed, so a night resumed later routes the same way. */
    assert_int_equal(route_worker_of("GM0363", 6, 1), 0);
    unsigned first = route_worker_of("GM0363", 6, WORKERS);
    assert_true(first < WORKERS);
    assert_int_equal(route_worker_of("GM0363", 6, WORKERS), first);
    /* Over the real code range every worker gets a fair share. */
    unsigned per[WORKERS] = {0};
    char code[8];
    for (int i = 1; i <= 2000; i++) {
        snprintf(code, sizeof code, "GM%04d", i);
        per[route_worker_of(code, 6, WORKERS)]++;
    }
    for (unsigned w = 0; w < WORKERS; w++)
        assert_in_range(per[w], 550, 780);
}

static void test_kinds_go_where_needed(void **state)
{
    fx_t *fx = *state;
    wire_record_t rec = {.kind = WIRE_REC_FILE_BEGIN};
    rec.u.file_begin = (wire_file_begin_t){wire_str("gebruik_2021.csv"), wire_str("gebruik")};
    assert_int_equal(route_put(fx->r, &rec), KPM_OK);
    memset(&rec, 0, sizeof rec);
    rec.kind = WIRE_REC_KOPLOPER;
    rec.u.koploper.id = wire_str("KL001");
    assert_int_equal(route_put(fx->r, &rec), KPM_OK);
    memset(&rec, 0, sizeof rec);
    rec.kind = WIRE_REC_GEMEENTE;
    rec.u.gemeente.gemeente = wire_str("GM0363");
    assert_int_equal(route_put(fx->r, &rec), KPM_OK);
    memset(&rec, 0, sizeof rec);
    rec.kind = WIRE_REC_REJECT;
    rec.u.reject.file = wire_str("gebruik_2021.csv");
    assert_int_equal(route_put(fx->r, &rec), KPM_OK);
    memset(&rec, 0, sizeof rec);
    rec.kind = WIRE_REC_MIDDELEN;
    rec.u.middelen.koploper_id = wire_str("KL001");
    assert_int_equal(route_put(fx->r, &rec), KPM_OK);
    const char *codes[] = {"GM0363", "GM0599", "GM0014", "GM0344", "GM0363", "GM0518"};
    for (size_t i = 0; i < 6; i++)
        put_gebruik(fx, codes[i]);
    flush(fx);

    uint64_t gebruik = 0;
    for (unsigned w = 0; w < WORKERS; w++) {
        /* the register, the inhabitants and file bounds: every worker */
        assert_int_equal(got[w][WIRE_REC_FILE_BEGIN], 1);
        assert_int_equal(got[w][WIRE_REC_KOPLOPER], 1);
        assert_int_equal(got[w][WIRE_REC_GEMEENTE], 1);
        /* rejects and the other kinds: worker 0 only */
        assert_int_equal(got[w][WIRE_REC_REJECT], w == 0);
        assert_int_equal(got[w][WIRE_REC_MIDDELEN], w == 0);
        gebruik += got[w][WIRE_REC_GEBRUIK];
        /* the counts are what was sent */
        const uint64_t *c = route_counts(fx->r, w);
        for (int k = 0; k < INGEST_KIND_SLOTS; k++)
            assert_int_equal(c[k], got[w][k]);
    }
    assert_int_equal(gebruik, 6); /* each usage record once */
    /* all records of one gemeente on its worker */
    assert_true(got[route_worker_of("GM0363", 6, WORKERS)][WIRE_REC_GEBRUIK] >= 2);

    route_clear(fx->r);
    for (unsigned w = 0; w < WORKERS; w++)
        for (int k = 0; k < INGEST_KIND_SLOTS; k++)
            assert_int_equal(route_counts(fx->r, w)[k], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_of_is_stable_and_spread),
        cmocka_unit_test_setup_teardown(test_kinds_go_where_needed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
