/* test_wbuf.c - the byte buffer in front of a FILE: what reaches the file and
 * when, pieces larger than the buffer, switching files, sticky errors, and the
 * printf-free number digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "wbuf.h"

/* What fp holds now (after fflush), NUL-terminated in buf. */
static size_t file_text(FILE *fp, char *buf, size_t cap)
{
    assert_int_equal(fflush(fp), 0);
    rewind(fp);
    size_t n = fread(buf, 1, cap - 1, fp);
    buf[n] = '\0';
    fseek(fp, 0, SEEK_END);
    return n;
}

static void test_pieces_reach_the_file_in_order(void **state)
{
    (void)state;
    wbuf_t b;
    char got[512];
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(wbuf_init(&b, 64), KPM_OK);
    assert_int_equal(wbuf_target(&b, fp), KPM_OK);

    wbuf_puts(&b, "gemeente,");
    wbuf_putc(&b, '1');
    wbuf_write(&b, "\n", 1);
    assert_int_equal(file_text(fp, got, sizeof got), 0); /* still buffered */
    assert_int_equal(wbuf_flush(&b), KPM_OK);
    file_text(fp, got, sizeof got);
    assert_string_equal(got, "gemeente,1\n");

    /* 100 single bytes through a 64-byte buffer: one write when it fills */
    for (int i = 0; i < 100; i++)
        wbuf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(file_text(fp, got, sizeof got), 11 + 64);
    /* a piece larger than the buffer goes after what is buffered, directly */
    char big[200];
    memset(big, 'Z', sizeof big);
    wbuf_write(&b, big, sizeof big);
    assert_int_equal(file_text(fp, got, sizeof got), 11 + 100 + 200);
    for (int i = 0; i < 100; i++)
        assert_int_equal(got[11 + i], 'a' + i % 26);
    assert_int_equal(got[11 + 100], 'Z');
    assert_int_equal(wbuf_flush(&b), KPM_OK);
    wbuf_free(&b);
    fclose(fp);
}

static void test_target_switch_flushes_the_first(void **state)
{
    (void)state;
    wbuf_t b;
    char got[64];
    FILE *a = tmpfile(), *c = tmpfile();
    assert_true(a && c);
    assert_int_equal(wbuf_init(&b, 4096), KPM_OK);
    wbuf_target(&b, a);
    wbuf_puts(&b, "eerste");
    assert_int_equal(wbuf_target(&b, c), KPM_OK);
    wbuf_puts(&b, "tweede");
    assert_int_equal(wbuf_target(&b, NULL), KPM_OK);
    file_text(a, got, sizeof got);
    assert_string_equal(got, "eerste");
    file_text(c, got, sizeof got);
    assert_string_equal(got, "tweede");
    wbuf_free(&b);
    fclose(a);
    fclose(c);
}

/* A FILE that refuses writes: the error stays, later writes are dropped. */
static void test_errors_are_sticky(void **state)
{
    (void)state;
    wbuf_t b;
    FILE *ro = fopen("/dev/null", "r");
    assert_non_null(ro);
    assert_int_equal(wbuf_init(&b, 64), KPM_OK);
    wbuf_target(&b, ro);
    wbuf_puts(&b, "x");
    assert_int_equal(wbuf_flush(&b), KPM_EIO);
    assert_int_equal(b.err, 1);
    wbuf_puts(&b, "y");
    assert_int_equal(wbuf_flush(&b), KPM_EIO);
    assert_int_equal(wbuf_target(&b, NULL), KPM_EIO);
    /* no FILE at all is an error too, not a silent loss */
    wbuf_t none;
    assert_int_equal(wbuf_init(&none, 64), KPM_OK);
    wbuf_puts(&none, "lost?");
    assert_int_equal(wbuf_flush(&none), KPM_EIO);
    wbuf_free(&none);
    wbuf_free(&b);
    fclose(ro);
}

static void test_fmt_u64_like_printf(void **state)
{
    (void)state;
    static const uint64_t v[] = {0,         1, 9, 10, 99, 100, 65535, 1000000007, UINT64_MAX - 1,
                                 UINT64_MAX};
    char got[24], want[24];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = wbuf_fmt_u64(got, v[i]);
        snprintf(want, sizeof want, "%" PRIu64, v[i]);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_reach_the_file_in_order),
        cmocka_unit_test(test_target_switch_flushes_the_first),
        cmocka_unit_test(test_errors_are_sticky),
        cmocka_unit_test(test_fmt_u64_like_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
