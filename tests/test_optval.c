/* test_optval.c - strict option values: a typo is an error, never a default. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "kpm_err.h"
#include "optval.h"

static void test_long_accepts_plain_numbers(void **state)
{
    (void)state;
    char err[128];
    long v = -1;
    assert_int_equal(optval_long("--min-cell", "5", 0, 1000, &v, err, sizeof err), KPM_OK);
    assert_int_equal(v, 5);
    assert_int_equal(optval_long("--min-cell", "0", 0, 1000, &v, err, sizeof err), KPM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(optval_long("--min-cell", "1000", 0, 1000, &v, err, sizeof err), KPM_OK);
    assert_int_equal(v, 1000);
    assert_int_equal(optval_long("--delta", "-3", -10, 10, &v, err, sizeof err), KPM_OK);
    assert_int_equal(v, -3);
}

static void test_long_refuses_typos(void **state)
{
    (void)state;
    static const char *bad[] = {"five", "",    "5x",  " 5", "5 ",  "+5",
                                "0x10", "5.0", "1e3", "-",  "--5", "5,0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[128] = "";
        long v = 42;
        assert_int_equal(optval_long("--min-cell", bad[i], 0, 1000, &v, err, sizeof err),
                         KPM_EINVAL);
        assert_int_equal(v, 42); /* untouched: never a default */
        assert_non_null(strstr(err, "--min-cell"));
        assert_non_null(strstr(err, "not a whole number"));
        assert_non_null(strstr(err, "0 to 1000"));
    }
    char err[128] = "";
    long v = 42;
    assert_int_equal(optval_long("--min-cell", NULL, 0, 1000, &v, err, sizeof err), KPM_EINVAL);
}

static void test_long_refuses_out_of_range(void **state)
{
    (void)state;
    char err[128];
    long v = 42;
    /* A negative number where none is allowed is not even a number of the option. */
    assert_int_equal(optval_long("--min-cell", "-3", 0, 1000, &v, err, sizeof err), KPM_EINVAL);
    assert_int_equal(optval_long("--min-cell", "1001", 0, 1000, &v, err, sizeof err), KPM_EINVAL);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(
        optval_long("--x", "99999999999999999999999", LONG_MIN, LONG_MAX, &v, err, sizeof err),
        KPM_EINVAL);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(v, 42);
}

static void test_ulong(void **state)
{
    (void)state;
    char err[128];
    unsigned long v = 7;
    assert_int_equal(optval_ulong("--batch", "8192", 1, 65536, &v, err, sizeof err), KPM_OK);
    assert_int_equal(v, 8192);
    assert_int_equal(optval_ulong("--batch", "-1", 1, 65536, &v, err, sizeof err), KPM_EINVAL);
    assert_int_equal(optval_ulong("--batch", "0", 1, 65536, &v, err, sizeof err), KPM_EINVAL);
    assert_int_equal(optval_ulong("--batch", "18446744073709551616", 1, 65536, &v, err, sizeof err),
                     KPM_EINVAL);
    assert_int_equal(v, 8192);
}

static void test_double(void **state)
{
    (void)state;
    char err[160];
    double v = 0;
    assert_int_equal(optval_double("--uren-per-dag", "7.5", 0.5, 24, &v, err, sizeof err), KPM_OK);
    assert_true(v == 7.5);
    assert_int_equal(optval_double("--uren-per-dag", "8", 0.5, 24, &v, err, sizeof err), KPM_OK);
    assert_true(v == 8.0);
    static const char *bad[] = {"7,5", "abc", "", ".5", "5.", "nan", "inf", "1e1", "0x8", " 8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(optval_double("--uren-per-dag", bad[i], 0.5, 24, &v, err, sizeof err),
                         KPM_EINVAL);
        assert_non_null(strstr(err, "--uren-per-dag"));
    }
    assert_int_equal(optval_double("--uren-per-dag", "24.5", 0.5, 24, &v, err, sizeof err),
                     KPM_EINVAL);
    assert_non_null(strstr(err, "out of range"));
    assert_true(v == 8.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_accepts_plain_numbers),
        cmocka_unit_test(test_long_refuses_typos),
        cmocka_unit_test(test_long_refuses_out_of_range),
        cmocka_unit_test(test_ulong),
        cmocka_unit_test(test_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
