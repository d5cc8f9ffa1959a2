/* test_datadir.c - where the stages find config/: the environment, then share/kpm
 * beside an installed binary, then the source tree for a build-tree binary, then
 * the configured installation directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"

typedef struct {
    char dir[64];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/kpm_test_datadir.XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void mkdirs(const char *base, const char *rel)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", base, rel);
    assert_int_equal(system(cmd), 0);
}

static void test_environment_wins(void **state)
{
    fixture_t *f = *state;
    char buf[512], exe[256];
    mkdirs(f->dir, "prefix/libexec/kpm");
    mkdirs(f->dir, "prefix/share/kpm/config");
    snprintf(exe, sizeof exe, "%s/prefix/libexec/kpm/kpm-ingest", f->dir);
    assert_string_equal(datadir_resolve("/elsewhere", exe, "/b", "/s", "/i", buf, sizeof buf),
                        "/elsewhere");
    /* Empty is not set. */
    assert_string_not_equal(datadir_resolve("", exe, "/b", "/s", "/i", buf, sizeof buf), "");
}

static void test_installed_tree_found_beside_the_binary(void **state)
{
    fixture_t *f = *state;
    char buf[512], exe[256], want[256], real[4096];
    mkdirs(f->dir, "prefix/libexec/kpm");
    mkdirs(f->dir, "prefix/share/kpm/config");
    snprintf(exe, sizeof exe, "%s/prefix/libexec/kpm/kpm-aggregate", f->dir);
    snprintf(want, sizeof want, "%s/prefix/share/kpm", f->dir);
    assert_non_null(realpath(want, real));
    /* Even when the binary is below the build tree's path (an install there). */
    assert_string_equal(
        datadir_resolve(NULL, exe, f->dir, "/src", "/usr/share/kpm", buf, sizeof buf), real);
}

static void test_build_tree_uses_the_source_tree(void **state)
{
    fixture_t *f = *state;
    char buf[512], exe[256], build[128];
    snprintf(build, sizeof build, "%s/build", f->dir);
    mkdirs(f->dir, "build/ingest");
    snprintf(exe, sizeof exe, "%s/ingest/kpm-ingest", build);
    assert_string_equal(
        datadir_resolve(NULL, exe, build, "/src", "/usr/share/kpm", buf, sizeof buf), "/src");
    /* "build2" is not below "build". */
    snprintf(exe, sizeof exe, "%s2/ingest/kpm-ingest", build);
    assert_string_equal(
        datadir_resolve(NULL, exe, build, "/src", "/usr/share/kpm", buf, sizeof buf),
        "/usr/share/kpm");
}

static void test_otherwise_the_configured_directory(void **state)
{
    fixture_t *f = *state;
    char buf[512], exe[256];
    snprintf(exe, sizeof exe, "%s/bin/kpm-report", f->dir);
    assert_string_equal(
        datadir_resolve(NULL, exe, "/nowhere/build", "/src", "/opt/share/kpm", buf, sizeof buf),
        "/opt/share/kpm");
    assert_string_equal(
        datadir_resolve(NULL, NULL, "/b", "/src", "/opt/share/kpm", buf, sizeof buf),
        "/opt/share/kpm");
    /* Too long for the buffer: NULL, never a cut path. */
    assert_null(datadir_resolve("/a/very/long/path", NULL, "", "", "", buf, 5));
}

static void test_config_file_of_this_process(void **state)
{
    (void)state;
    char buf[4200];
    setenv("KPM_DATADIR", "/from/env", 1);
    /* Resolved once per process: the first call decides. */
    const char *dir = datadir_get();
    assert_string_equal(dir, "/from/env");
    assert_string_equal(datadir_config_file("groepen.csv", buf, sizeof buf),
                        "/from/env/config/groepen.csv");
    assert_null(datadir_config_file("groepen.csv", buf, 10));
    unsetenv("KPM_DATADIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_environment_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_installed_tree_found_beside_the_binary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_build_tree_uses_the_source_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_otherwise_the_configured_directory, setup, teardown),
        cmocka_unit_test(test_config_file_of_this_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
