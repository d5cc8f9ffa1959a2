/* test_stage.c - the stage scaffold: the endpoint rule (tcp needs keys), the
 * option table parser (strict numbers, ranges, required and repeated options),
 * the socket directory check, the failure status with its cause, the exit
 * statuses and the stage's lock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "kpm_exit.h"
#include "stage.h"
#include "stage_opts.h"
#include "tmpdir.h"

static void test_endpoint_rule(void **state)
{
    (void)state;
    char err[512];
    int plain = 0;
    /* ipc is local: no keys needed */
    assert_int_equal(
        stage_endpoint_check("--in", "ipc:///s/sock/a.in", 0, 0, &plain, err, sizeof err), KPM_OK);
    assert_int_equal(plain, 0);
    /* tcp without keys: refused, naming --keys and kpm keygen */
    assert_int_equal(
        stage_endpoint_check("--out", "tcp://10.0.0.2:5551", 0, 0, &plain, err, sizeof err),
        KPM_EINVAL);
    assert_non_null(strstr(err, "--out"));
    assert_non_null(strstr(err, "--keys"));
    assert_non_null(strstr(err, "kpm keygen"));
    assert_int_equal(plain, 0);
    /* with keys, or said in words */
    assert_int_equal(
        stage_endpoint_check("--out", "tcp://10.0.0.2:5551", 1, 0, &plain, err, sizeof err),
        KPM_OK);
    assert_int_equal(plain, 0);
    assert_int_equal(
        stage_endpoint_check("--out", "tcp://10.0.0.2:5551", 0, 1, &plain, err, sizeof err),
        KPM_OK);
    assert_int_equal(plain, 1);
    /* an abstract ipc socket has no directory to guard it */
    plain = 0;
    assert_int_equal(stage_endpoint_check("--in", "ipc://@kpm", 0, 0, &plain, err, sizeof err),
                     KPM_EINVAL);
    /* not an endpoint of kpm */
    static const char *const bad[] = {"", "ipc://", "tcp://host", "aggregate.in", "udp://h:1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(stage_endpoint_check("--in", bad[i], 1, 1, &plain, err, sizeof err),
                         KPM_EINVAL);
        assert_non_null(strstr(err, "not an endpoint"));
    }
}

/* A small stage for the parser. */
typedef struct {
    const char *out;
    const char *peers[4];
    unsigned n_peers;
    long cells;
    double hours;
    int flag;
    stage_common_t c;
} cli_vals_t;

static int parse(cli_vals_t *v, int argc, const char **argv)
{
    memset(v, 0, sizeof *v);
    v->cells = 5;
    v->hours = 8;
    const stage_opt_t opts[] = {
        {"out", STAGE_OPT_TEXT, &v->out, "DIR", "output", .required = 1},
        {"peer", STAGE_OPT_ENDPOINT, v->peers, "EP", "a peer", .many = 4, .given = &v->n_peers},
        {"cells", STAGE_OPT_WHOLE, &v->cells, "N", "cells", 0, 1000},
        {"hours", STAGE_OPT_NUMBER, &v->hours, "H", "hours", 0.5, 24},
        {"flag", STAGE_OPT_FLAG, &v->flag, NULL, "a flag"},
        {0}};
    const stage_cli_t cli = {.stage = "test",
                             .synopsis = "--state DIR --out DIR",
                             .about = "a test",
                             .keys_files = "test.key",
                             .opts = opts};
    return stage_opts_parse(&cli, argc, (char **)argv, &v->c);
}

static void test_parse_values(void **state)
{
    (void)state;
    cli_vals_t v;
    const char *ok[] = {
        "t",       "--state", "/s",     "--out",           "/o",     "--cells",         "0",
        "--hours", "7.5",     "--peer", "ipc:///s/sock/a", "--peer", "ipc:///s/sock/b", "--flag"};
    assert_int_equal(parse(&v, 14, ok), STAGE_OPTS_GO);
    assert_string_equal(v.c.state_dir, "/s");
    assert_string_equal(v.out, "/o");
    assert_int_equal(v.cells, 0);
    assert_true(v.hours == 7.5);
    assert_int_equal(v.n_peers, 2);
    assert_string_equal(v.peers[1], "ipc:///s/sock/b");
    assert_int_equal(v.flag, 1);
    assert_int_equal(v.c.n_ipc, 2); /* their directories are checked at start */
    assert_null(v.c.keys);
}

static void test_parse_refuses(void **state)
{
    (void)state;
    cli_vals_t v;
    const char *cases[][8] = {
        {"--cells", "five"},
        {"--cells", "5x"},
        {"--cells", ""},
        {"--cells", "-1"},
        {"--cells", "1001"},
        {"--hours", "7,5"},
        {"--hours", "0.4"},
        {"--hours", "nan"},
        {"--out", ""},
        {"--bogus", "1"},
        {"--peer", "tcp://h:1"},
        {"--peer", "ipc:///a", "--peer", "ipc:///b", "--peer", "ipc:///c", "--peer", "ipc:///d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *argv[16] = {"t", "--state", "/s", "--out", "/o"};
        int argc = 5;
        for (int k = 0; k < 8 && cases[i][k]; k++)
            argv[argc++] = cases[i][k];
        if (i == sizeof cases / sizeof *cases - 1)
            argv[argc++] = "--peer", argv[argc++] = "ipc:///e";
        assert_int_equal(parse(&v, argc, argv), KPM_EXIT_USAGE);
    }
    const char *no_state[] = {"t", "--out", "/o"};
    assert_int_equal(parse(&v, 3, no_state), KPM_EXIT_USAGE);
    const char *no_out[] = {"t", "--state", "/s"};
    assert_int_equal(parse(&v, 3, no_out), KPM_EXIT_USAGE);
    const char *extra[] = {"t", "--state", "/s", "--out", "/o", "positional"};
    assert_int_equal(parse(&v, 6, extra), KPM_EXIT_USAGE);
    /* tcp with keys, or with --insecure-plaintext (noted for the warning) */
    const char *keyed[] = {"t",      "--state", "/s",     "--out",    "/o",
                           "--keys", "/k",      "--peer", "tcp://h:1"};
    assert_int_equal(parse(&v, 9, keyed), STAGE_OPTS_GO);
    assert_int_equal(v.c.plaintext_net, 0);
    const char *plain[] = {"t",      "--state",  "/s", "--out", "/o", "--insecure-plaintext",
                           "--peer", "tcp://h:1"};
    assert_int_equal(parse(&v, 8, plain), STAGE_OPTS_GO);
    assert_int_equal(v.c.plaintext_net, 1);
    plain[5] = "--insecure"; /* a prefix getopt would take: not in words */
    assert_int_equal(parse(&v, 8, plain), KPM_EXIT_USAGE);
}

static void test_ipc_dir(void **state)
{
    char dir[256], err[512];
    snprintf(dir, sizeof dir, "%s/sock", (char *)*state);
    assert_int_equal(stage_ipc_dir_check(dir, 1, err, sizeof err), KPM_OK);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(chmod(dir, 0750), 0);
    assert_int_equal(stage_ipc_dir_check(dir, 1, err, sizeof err), KPM_EINVAL);
    assert_non_null(strstr(err, "open to group or others"));
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0750); /* refused, not changed */
    char link[256];
    snprintf(link, sizeof link, "%s/sock-link", (char *)*state);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(stage_ipc_dir_check(link, 1, err, sizeof err), KPM_EINVAL);
    assert_non_null(strstr(err, "symbolic link"));
    /* an endpoint's own directory outside the state is never made */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/no-such-dir", (char *)*state);
    assert_int_equal(stage_ipc_dir_check(missing, 0, err, sizeof err), KPM_EIO);
    assert_non_null(strstr(err, "No such file or directory"));
    assert_false(fs_exists(missing));
}

/* A stage that fails at setup: the status says failed with the cause, and a
 * later generic "failed" keeps it; the exit status is 1, the pid file gone. */
static void test_fail_status(void **state)
{
    const char *dir = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        stage_common_t c = {.state_dir = dir};
        if (stage_start("unit", &c) != KPM_OK) _exit(9);
        stage_status("receiving", "n1", 3, 0, NULL);
        stage_fail(KPM_EIO, "cannot open '/x/catalog.csv': No such file or directory");
        stage_status("failed", "n1", 3, 0, "input/output error");
        _exit(stage_exit(KPM_EIO));
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_int_equal(WEXITSTATUS(st), KPM_EXIT_FAILED);
    char path[256], *buf;
    size_t len;
    snprintf(path, sizeof path, "%s/run/unit.status", dir);
    assert_int_equal(fs_read_all(path, &buf, &len), KPM_OK);
    assert_non_null(strstr(buf, "phase=failed\n"));
    assert_non_null(strstr(buf, "night=n1\n"));
    assert_non_null(strstr(buf, "last_error=cannot open '/x/catalog.csv': No such file"));
    free(buf);
    snprintf(path, sizeof path, "%s/run/unit.pid", dir);
    assert_false(fs_exists(path));
}

static void test_exit_statuses(void **state)
{
    (void)state;
    assert_int_equal(stage_exit(KPM_OK), KPM_EXIT_OK);
    assert_int_equal(stage_exit(KPM_ESTOP), KPM_EXIT_OK);
    assert_int_equal(stage_exit(KPM_EBUSY), KPM_EXIT_BUSY);
    assert_int_equal(stage_exit(KPM_EGAP), KPM_EXIT_FAILED);
}

/* A second copy of a stage on the same state: KPM_EBUSY; the first's pid file
 * stays. */
static void test_second_copy(void **state)
{
    const char *dir = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t first = fork();
    assert_true(first >= 0);
    if (first == 0) {
        stage_common_t c = {.state_dir = dir};
        char ok = stage_start("unit", &c) == KPM_OK ? 'y' : 'n';
        if (write(p[1], &ok, 1) != 1) _exit(3);
        for (;;)
            pause();
    }
    char ok = 0;
    assert_int_equal(read(p[0], &ok, 1), 1);
    assert_int_equal(ok, 'y');
    pid_t second = fork();
    assert_true(second >= 0);
    if (second == 0) {
        stage_common_t c = {.state_dir = dir};
        _exit(stage_exit(stage_start("unit", &c)));
    }
    int st;
    assert_int_equal(waitpid(second, &st, 0), second);
    assert_int_equal(WEXITSTATUS(st), KPM_EXIT_BUSY);
    char path[256], *buf;
    size_t len;
    snprintf(path, sizeof path, "%s/run/unit.pid", dir);
    assert_int_equal(fs_read_all(path, &buf, &len), KPM_OK);
    assert_int_equal(atol(buf), (long)first);
    free(buf);
    kill(first, SIGKILL);
    assert_int_equal(waitpid(first, &st, 0), first);
    /* the lock went with the first copy */
    pid_t third = fork();
    if (third == 0) {
        stage_common_t c = {.state_dir = dir};
        _exit(stage_exit(stage_start("unit", &c)));
    }
    assert_int_equal(waitpid(third, &st, 0), third);
    assert_int_equal(WEXITSTATUS(st), KPM_EXIT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_rule),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test_setup_teardown(test_ipc_dir, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_fail_status, dir_setup, dir_teardown),
        cmocka_unit_test(test_exit_statuses),
        cmocka_unit_test_setup_teardown(test_second_copy, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
