/* test_progress.c - ingest's progress line: its text, its rate of redraws, and
 * when it is shown at all (a terminal, not a pipe, not in CI). */
#define _XOPEN_SOURCE 700 /* posix_openpt and friends */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

static int count_char(const char *s, size_t len, char c)
{
    int n = 0;

    for (size_t i = 0; i < len; i++)
        n += s[i] == c;
    return n;
}

static void test_format(void **state)
{
    char buf[128];
    (void)state;

    progress_format(buf, sizeof buf, "gebruik_2021.csv", 120000, 2.5, 370, 1000);
    assert_string_equal(buf, "gebruik_2021.csv: 120000 rows, 48000 rows/s, 37%");
    /* Unknown size: no percentage; no measurable time yet: no rate. */
    progress_format(buf, sizeof buf, "a.csv", 3, 0.0, 10, 0);
    assert_string_equal(buf, "a.csv: 3 rows");
    /* The offset never shows more than 100%. */
    progress_format(buf, sizeof buf, "a.csv", 3, 1.0, 2000, 1000);
    assert_string_equal(buf, "a.csv: 3 rows, 3 rows/s, 100%");
    /* A short buffer is cut, and the full length is returned. */
    assert_int_equal(progress_format(buf, 8, "gebruik.csv", 1, 1.0, 1, 2),
                     (int)strlen("gebruik.csv: 1 rows, 1 rows/s, 50%"));
    assert_string_equal(buf, "gebruik");
}

/* A file of 20000 rows read over two seconds: about ten redraws a second, one
 * line that ends with a newline, showing all rows and 100%. */
static void test_throttle_and_final_line(void **state)
{
    char *out = NULL;
    size_t len = 0;
    progress_t p = {NULL, 0, -1, ""};
    int drawn = 0;
    (void)state;

    p.fp = open_memstream(&out, &len);
    assert_non_null(p.fp);
    for (uint64_t r = 1; r <= 20000; r++)
        drawn += progress_step(&p, "gebruik.csv", r, (size_t)r * 50, 1000000, 100.0 + r * 1e-4);
    assert_in_range(drawn, 19, 20);
    assert_int_equal(progress_finish(&p, "gebruik.csv", 20000, 1000000, 102.0001), 1);
    fclose(p.fp);

    assert_int_equal(count_char(out, len, '\r'), 2 * drawn + 1);
    assert_int_equal(count_char(out, len, '\n'), 1);
    assert_int_equal(out[len - 1], '\n');
    assert_non_null(strstr(out, "\rgebruik.csv: 20000 rows, 10000 rows/s, 100%\033[K\n"));
    assert_non_null(strstr(out, "\rgebruik.csv: 1002 rows, 10010 rows/s, 5%\033[K\r"));
    free(out);
}

/* A new file restarts the clock; a file of a few rows still gets its line. */
static void test_each_file_gets_a_line(void **state)
{
    char *out = NULL;
    size_t len = 0;
    progress_t p = {NULL, 0, -1, ""};
    (void)state;

    p.fp = open_memstream(&out, &len);
    assert_non_null(p.fp);
    assert_int_equal(progress_step(&p, "a.csv", 1, 10, 30, 5.0), 0);
    assert_int_equal(progress_finish(&p, "a.csv", 2, 30, 5.01), 1);
    assert_int_equal(progress_step(&p, "b.csv", 1, 10, 0, 9.0), 0);
    assert_int_equal(progress_step(&p, "b.csv", 2, 20, 0, 9.05), 0);
    assert_int_equal(progress_step(&p, "b.csv", 3, 30, 0, 9.15), 1);
    assert_int_equal(progress_finish(&p, "b.csv", 3, 0, 9.2), 1);
    fclose(p.fp);
    assert_non_null(strstr(out, "\ra.csv: 2 rows, 100%\033[K\n"));
    assert_non_null(strstr(out, "\rb.csv: 3 rows, 15 rows/s\033[K\n"));
    assert_int_equal(count_char(out, len, '\n'), 2);
    free(out);
}

static void test_disabled_prints_nothing(void **state)
{
    progress_t p = {NULL, 0, -1, ""};
    (void)state;

    assert_int_equal(progress_step(&p, "a.csv", 1, 1, 2, 1.0), 0);
    assert_int_equal(progress_step(&p, "a.csv", 2, 2, 2, 3.0), 0);
    assert_int_equal(progress_finish(&p, "a.csv", 2, 2, 4.0), 0);
}

/* Shown on a terminal only, and never when CI says so. */
static void test_wanted_on_a_terminal_only(void **state)
{
    int fds[2], master, slave = -1;
    const char *name;
    (void)state;

    assert_int_equal(pipe(fds), 0);
    unsetenv("CI");
    assert_int_equal(progress_wanted(fds[1]), 0);
    close(fds[0]);
    close(fds[1]);

    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
        (name = ptsname(master)) == NULL || (slave = open(name, O_RDWR | O_NOCTTY)) < 0) {
        if (master >= 0) close(master);
        skip(); /* no pseudo-terminals in this sandbox */
    }
    assert_int_equal(progress_wanted(slave), 1);
    setenv("CI", "true", 1);
    assert_int_equal(progress_wanted(slave), 0);
    setenv("CI", "false", 1);
    assert_int_equal(progress_wanted(slave), 1);
    setenv("CI", "", 1);
    assert_int_equal(progress_wanted(slave), 1);
    unsetenv("CI");
    close(slave);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_throttle_and_final_line),
        cmocka_unit_test(test_each_file_gets_a_line),
        cmocka_unit_test(test_disabled_prints_nothing),
        cmocka_unit_test(test_wanted_on_a_terminal_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
