/* test_filelist.c - the files of a night for run-manifest.json: in the order
 * received, a file sent again replaces its entry, and each entry gives back its
 * file_end record through the wire. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "filelist.h"
#include "kpm_err.h"

static wire_file_end_t fe(const char *name, uint64_t rows, const char *sha)
{
    return (wire_file_end_t){wire_str(name), rows, rows, 0, wire_str(sha)};
}

static void test_order_and_replacement(void **state)
{
    (void)state;
    filelist_t l = {0};
    wire_file_end_t a = fe("b.csv", 3, "aa"), b = fe("a.csv", 5, "bb"), c = fe("b.csv", 4, "cc");
    assert_int_equal(filelist_put(&l, &a), KPM_OK);
    assert_int_equal(filelist_put(&l, &b), KPM_OK);
    assert_int_equal(filelist_put(&l, &c), KPM_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].file, "b.csv");
    assert_int_equal(l.v[0].rows, 4);
    assert_string_equal(l.v[0].sha256, "cc");
    assert_string_equal(l.v[1].file, "a.csv");
    /* "b.cs" is not "b.csv"; an empty name is a name. */
    wire_file_end_t d = fe("b.cs", 1, ""), e = {wire_strn(NULL, 0), 0, 0, 0, wire_strn(NULL, 0)};
    assert_int_equal(filelist_put(&l, &d), KPM_OK);
    assert_int_equal(filelist_put(&l, &e), KPM_OK);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[3].file, "");
    filelist_clear(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.v);
    filelist_clear(&l); /* twice is fine */
}

static void test_many_files_and_records(void **state)
{
    (void)state;
    filelist_t l = {0};
    char name[32], sha[65];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "gebruik_%04d.csv", i);
        memset(sha, 'a' + i % 6, 64);
        sha[64] = '\0';
        wire_file_end_t f = fe(name, (uint64_t)i, sha);
        assert_int_equal(filelist_put(&l, &f), KPM_OK);
    }
    assert_int_equal(l.n, 1000);
    wire_writer_t *w = wire_writer_new();
    wire_reader_t *r = wire_reader_new();
    assert_non_null(w);
    assert_non_null(r);
    wire_writer_begin(w, WIRE_MSG_DATA, "n", 1, 0);
    for (size_t i = 0; i < l.n; i++) {
        wire_record_t rec;
        filelist_record(&l, i, &rec);
        assert_int_equal(wire_writer_put(w, &rec), KPM_OK);
    }
    size_t len;
    const char *buf = wire_writer_finish(w, &len);
    wire_header_t h;
    assert_int_equal(wire_reader_open(r, buf, len, &h), KPM_OK);
    filelist_t back = {0};
    wire_record_t rec;
    while (wire_reader_next(r, &rec) == 1) {
        assert_int_equal(rec.kind, WIRE_REC_FILE_END);
        assert_int_equal(filelist_put(&back, &rec.u.file_end), KPM_OK);
    }
    assert_int_equal(back.n, 1000);
    for (size_t i = 0; i < l.n; i++) {
        assert_string_equal(back.v[i].file, l.v[i].file);
        assert_int_equal(back.v[i].rows, l.v[i].rows);
        assert_string_equal(back.v[i].sha256, l.v[i].sha256);
    }
    filelist_clear(&back);
    filelist_clear(&l);
    wire_reader_destroy(&r);
    wire_writer_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_replacement),
        cmocka_unit_test(test_many_files_and_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
