/* Unit tests of cli/stages: the stages of a night and the cause read from a log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages.h"

static void names_downstream_first(void **state)
{
    (void)state;
    stage_list_t l;
    stages_for(1, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.name[0], "report");
    assert_string_equal(l.name[1], "aggregate");
    assert_string_equal(l.name[2], "ingest");
    stages_for(3, &l);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.name[1], "aggregate.0");
    assert_string_equal(l.name[3], "aggregate.2");
    char base[32];
    stages_base("aggregate.2", base, sizeof base);
    assert_string_equal(base, "aggregate");
}

/* A state directory with log/<stage>.log holding text. */
static void write_log(const char *dir, const char *stage, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/log", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/log/%s.log", dir, stage);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void cause_from_either_log_format(void **state)
{
    (void)state;
    char dir[] = "/tmp/kpm-test-stages.XXXXXX", buf[256];
    assert_non_null(mkdtemp(dir));
    write_log(dir, "report",
              "2026-11-26T03:00:04.117Z report info: receiving\n"
              "2026-11-26T03:00:04.200Z report error: cannot write 'respons.csv': Is a directory\n"
              "2026-11-26T03:00:04.300Z report info: stopped\n");
    assert_int_equal(stages_log_error(dir, "report", buf, sizeof buf), 1);
    assert_string_equal(buf, "cannot write 'respons.csv': Is a directory");
    write_log(dir, "ingest",
              "ts=2026-11-26T03:00:04.117Z level=error stage=ingest msg=\"first\"\n"
              "ts=2026-11-26T03:00:04.200Z level=error stage=ingest night=N "
              "msg=\"link: cannot bind \\\"ipc://x\\\": Address in use\"\n"
              "ts=2026-11-26T03:00:04.300Z level=info stage=ingest msg=\"exit\"\n");
    assert_int_equal(stages_log_error(dir, "ingest", buf, sizeof buf), 1);
    assert_string_equal(buf, "link: cannot bind \"ipc://x\": Address in use");
    write_log(dir, "aggregate", "ts=x level=info stage=aggregate msg=\"fine\"\n");
    assert_int_equal(stages_log_error(dir, "aggregate", buf, sizeof buf), 0);
    assert_int_equal(stages_log_error(dir, "nosuch", buf, sizeof buf), 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_downstream_first),
        cmocka_unit_test(cause_from_either_log_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
