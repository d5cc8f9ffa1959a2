/* test_usage_map.c - gebruik rows by (gemeente, periode, type): one row per
 * key, rows in arrival order, growth past many keys, and agreement with a
 * plain string map over a random stream of deliveries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "strmap.h"
#include "usage_map.h"

static void test_one_row_per_key(void **state)
{
    (void)state;
    usage_map_t *m = usage_map_new();
    assert_non_null(m);
    assert_null(usage_map_find(m, "GM0363", 202101, 0));
    agg_gebruik_t *g = usage_map_upsert(m, "GM0363", 202101, 0);
    assert_non_null(g);
    assert_string_equal(g->gemeente, "GM0363");
    assert_int_equal(g->periode, 202101);
    assert_int_equal(g->type, 0);
    assert_int_equal(g->nieuwe_vragen, 0);
    g->nieuwe_vragen = 7;
    /* the same key is the same row; each key field tells rows apart */
    assert_ptr_equal(usage_map_upsert(m, "GM0363", 202101, 0), g);
    assert_int_equal(usage_map_upsert(m, "GM0363", 202101, 0)->nieuwe_vragen, 7);
    assert_non_null(usage_map_upsert(m, "GM0363", 202101, 1));
    assert_non_null(usage_map_upsert(m, "GM0363", 202102, 0));
    assert_non_null(usage_map_upsert(m, "GM0364", 202101, 0));
    assert_int_equal(usage_map_count(m), 4);
    assert_int_equal(usage_map_find(m, "GM0363", 202101, 0)->nieuwe_vragen, 7);
    assert_null(usage_map_find(m, "GM0363", 202101, 2));
    /* arrival order */
    assert_int_equal(usage_map_at(m, 0)->periode, 202101);
    assert_int_equal(usage_map_at(m, 1)->type, 1);
    assert_int_equal(usage_map_at(m, 2)->periode, 202102);
    assert_string_equal(usage_map_at(m, 3)->gemeente, "GM0364");
    assert_null(usage_map_at(m, 4));
    usage_map_destroy(&m);
    assert_null(m);
    usage_map_destroy(&m);
}

/* 300,000 deliveries over ~120,000 keys (the size of a real night), checked
 * against a strmap keyed by the text of the key: the same rows, the same last
 * figures, the same arrival order. */
static void test_agrees_with_a_string_map(void **state)
{
    (void)state;
    usage_map_t *m = usage_map_new();
    strmap_t *ref = strmap_new();
    assert_true(m && ref);
    uint64_t x = 42;
    for (int64_t i = 0; i < 300000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned gm = (unsigned)(x >> 33) % 400, month = (unsigned)(x >> 45) % 100,
                 type = (unsigned)(x >> 55) % 3;
        char gemeente[7], key[32];
        snprintf(gemeente, sizeof gemeente, "GM%04u", gm);
        int32_t periode = 201500 + (int32_t)(month / 12) * 100 + (int32_t)(month % 12) + 1;
        int n = snprintf(key, sizeof key, "%s|%d|%u", gemeente, periode, type);
        agg_gebruik_t *g = usage_map_upsert(m, gemeente, periode, (uint8_t)type);
        assert_non_null(g);
        g->clienten_bereikt = i;
        void *old = NULL;
        assert_int_equal(strmap_put(ref, key, (size_t)n, (void *)(intptr_t)(i + 1), &old), KPM_OK);
    }
    assert_int_equal(usage_map_count(m), strmap_count(ref));
    assert_true(usage_map_count(m) > 100000);
    size_t it = 0, k = 0, len;
    const char *key;
    void *v;
    while (strmap_entry(ref, &it, &key, &len, &v)) {
        const agg_gebruik_t *g = usage_map_at(m, k++);
        char text[32];
        snprintf(text, sizeof text, "%s|%d|%u", g->gemeente, g->periode, (unsigned)g->type);
        assert_string_equal(text, key);                         /* same order */
        assert_int_equal(g->clienten_bereikt + 1, (intptr_t)v); /* the last delivery */
        assert_ptr_equal(usage_map_find(m, g->gemeente, g->periode, g->type), g);
    }
    usage_map_destroy(&m);
    strmap_destroy(&ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_row_per_key),
        cmocka_unit_test(test_agrees_with_a_string_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
