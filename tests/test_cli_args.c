/* Unit tests of cli/args: a kpm command's options from a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "args.h"
#include "kpm_exit.h"

static const arg_spec_t specs[] = {
    {"--state", ARG_TEXT},
    {"--timeout", ARG_LONG, 1, 604800},
    {"--uren-per-dag", ARG_DOUBLE, 0, 0, 0.1, 24},
    {"--json", ARG_FLAG},
};
#define N (sizeof specs / sizeof *specs)

static int parse(args_t *a, arg_val_t *val, size_t max_pos, int argc, char **argv)
{
    a->val = val;
    return args_parse("test", specs, N, a, max_pos, argc, argv);
}

static void both_forms(void **state)
{
    (void)state;
    arg_val_t val[N];
    args_t a;
    char *argv[] = {"--state", "/x", "--timeout=60", "--uren-per-dag", "7.5", "--json"};
    assert_int_equal(parse(&a, val, 0, 6, argv), 0);
    assert_string_equal(args_get(specs, N, &a, "--state")->text, "/x");
    assert_int_equal(args_get(specs, N, &a, "--timeout")->num, 60);
    assert_true(args_get(specs, N, &a, "--uren-per-dag")->dnum == 7.5);
    assert_true(args_get(specs, N, &a, "--json")->given);
    assert_false(a.help);
}

static void value_with_equals_kept_whole(void **state)
{
    (void)state;
    arg_val_t val[N];
    args_t a;
    char *argv[] = {"--state=host=db port=5432"};
    assert_int_equal(parse(&a, val, 0, 1, argv), 0);
    assert_string_equal(val[0].text, "host=db port=5432");
}

static void usage_errors(void **state)
{
    (void)state;
    arg_val_t val[N];
    args_t a;
    char *bad[][3] = {
        {"--timeout", "0", NULL},        {"--timeout", "10s", NULL},
        {"--timeout=", NULL, NULL},      {"--timeout", NULL, NULL},
        {"--uren-per-dag", "7,5", NULL}, {"--uren-per-dag", "25", NULL},
        {"--bogus", NULL, NULL},         {"-x", NULL, NULL},
        {"--json=1", NULL, NULL},        {"--state", "--json", NULL},
        {"operand", NULL, NULL},         {"--state=", NULL, NULL},
        {"--timeout", "5", "--timeout"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[4];
        int argc = 0;
        for (int k = 0; k < 3 && bad[i][k]; k++)
            argv[argc++] = bad[i][k];
        if (i == 12) argv[argc++] = "6"; /* given twice */
        assert_int_equal(parse(&a, val, 0, argc, argv), KPM_EXIT_USAGE);
    }
}

static void help_wins(void **state)
{
    (void)state;
    arg_val_t val[N];
    args_t a;
    char *argv[] = {"--timeout", "nonsense", "--help"};
    assert_int_equal(parse(&a, val, 0, 3, argv), 0);
    assert_true(a.help);
    assert_false(val[1].given); /* nothing else was read */
}

static void operands(void **state)
{
    (void)state;
    arg_val_t val[N];
    args_t a;
    char *argv[] = {"aggregate.2", "--state", "/s"};
    assert_int_equal(parse(&a, val, 1, 3, argv), 0);
    assert_int_equal(a.n_pos, 1);
    assert_string_equal(a.pos[0], "aggregate.2");
    char *two[] = {"a", "b"};
    assert_int_equal(parse(&a, val, 1, 2, two), KPM_EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_forms),   cmocka_unit_test(value_with_equals_kept_whole),
        cmocka_unit_test(usage_errors), cmocka_unit_test(help_wins),
        cmocka_unit_test(operands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
