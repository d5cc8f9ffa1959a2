/* test_log.c - log: logfmt records, levels, escaping, the journal's form, and
 * the rotation of STATE/log/<stage>.log at a stage's start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "log.h"

typedef struct {
    char dir[64];
    char path[128]; /* dir/stage.log */
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/kpm_test_log.XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/stage.log", f->dir);
    unsetenv("KPM_LOG_LEVEL");
    unsetenv("JOURNAL_STREAM");
    unsetenv("KPM_LOG_MAX_BYTES");
    unsetenv("KPM_LOG_KEEP");
    log_set_night(NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

/* The content of a file (caller frees); "" when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    if (fs_read_all(path, &buf, &n) != KPM_OK) {
        buf = strdup("");
        n = 0;
    }
    assert_non_null(buf);
    if (len != NULL) *len = n;
    return buf;
}

/* Runs fn with stderr sent to the file `path` (appending). */
static void with_stderr_to(const char *path, void (*fn)(void))
{
    int saved = dup(STDERR_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(saved >= 0 && fd >= 0);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

#define TS_LEN 28 /* "ts=YYYY-MM-DDTHH:MM:SS.mmmZ " */

/* True when line (without '\n') is "ts=<UTC ms> " followed by rest. */
static int is_record(const char *line, size_t len, const char *rest)
{
    const char *pat = "ts=dddd-dd-ddTdd:dd:dd.dddZ ";
    for (size_t i = 0; pat[i] != '\0'; i++) {
        if (i >= len) return 0;
        if (pat[i] == 'd' ? (line[i] < '0' || line[i] > '9') : line[i] != pat[i]) return 0;
    }
    return len == TS_LEN + strlen(rest) && memcmp(line + TS_LEN, rest, strlen(rest)) == 0;
}

/* The n-th line (0-based) of text, into buf without '\n'; its length or -1. */
static long nth_line(const char *text, int n, char *buf, size_t cap)
{
    const char *p = text;
    for (int i = 0; i < n; i++) {
        p = strchr(p, '\n');
        if (p == NULL) return -1;
        p++;
    }
    const char *nl = strchr(p, '\n');
    if (nl == NULL || (size_t)(nl - p) >= cap) return -1;
    memcpy(buf, p, (size_t)(nl - p));
    buf[nl - p] = '\0';
    return nl - p;
}

/* Runs fn with stderr to path and checks that it wrote exactly the records
 * want[0..n-1] (each after its time stamp). */
static void expect_records(const char *path, void (*fn)(void), const char *const *want, int n)
{
    char line[4200];
    with_stderr_to(path, fn);
    char *out = slurp(path, NULL);
    for (int i = 0; i < n; i++) {
        long len = nth_line(out, i, line, sizeof line);
        if (len < 0 || !is_record(line, (size_t)len, want[i]))
            fail_msg("record %d: got '%s', want '%s'", i, len < 0 ? "(none)" : line, want[i]);
    }
    assert_int_equal(nth_line(out, n, line, sizeof line), -1);
    free(out);
}

static void log_some(void)
{
    log_init("ingest");
    log_debug("hidden %d", 1);
    log_info("read %d rows from '%s'", 42, "gebruik_2021-03.csv");
    log_warn("two\nlines");
    log_error("failed: %s", "No such file or directory");
}

static void test_logfmt_records_and_default_level(void **state)
{
    fixture_t *f = *state;
    static const char *const want[] = {
        "level=info stage=ingest msg=\"read 42 rows from 'gebruik_2021-03.csv'\"",
        "level=warn stage=ingest msg=\"two lines\"",
        "level=error stage=ingest msg=\"failed: No such file or directory\""};
    expect_records(f->path, log_some, want, 3);
}

static void log_levels(void)
{
    setenv("KPM_LOG_LEVEL", "WARN", 1);
    log_init("report");
    log_info("not shown");
    log_warn("shown");
    setenv("KPM_LOG_LEVEL", "debug", 1);
    log_init("report");
    log_debug("detail");
    unsetenv("KPM_LOG_LEVEL");
}

static void test_level_from_env(void **state)
{
    fixture_t *f = *state;
    static const char *const want[] = {"level=warn stage=report msg=\"shown\"",
                                       "level=debug stage=report msg=\"detail\""};
    expect_records(f->path, log_levels, want, 2);
}

static void log_quoted(void)
{
    log_init("aggregate");
    log_set_night("20261126T030000Z-1");
    log_warn("file 'a\"b.csv' line 3: back\\slash\r\ttab");
    log_set_night("");
    log_info("no night");
}

static void test_quotes_escaped_and_night_field(void **state)
{
    fixture_t *f = *state;
    static const char *const want[] = {"level=warn stage=aggregate night=20261126T030000Z-1 "
                                       "msg=\"file 'a\\\"b.csv' line 3: back\\\\slash  tab\"",
                                       "level=info stage=aggregate msg=\"no night\""};
    expect_records(f->path, log_quoted, want, 2);
}

static void log_long(void)
{
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[5000] = '"'; /* escaping does not push the record past the limit */
    log_init("aggregate");
    log_error("%s", big);
    log_error("%s", big + 4000);
}

static void test_long_message_stays_one_line(void **state)
{
    fixture_t *f = *state;
    char line[4200];
    size_t len;
    with_stderr_to(f->path, log_long);
    char *out = slurp(f->path, &len);
    long n = nth_line(out, 0, line, sizeof line);
    assert_true(n > 1000 && n < 4096);
    assert_memory_equal(line + n - 4, "...\"", 4);
    n = nth_line(out, 1, line, sizeof line);
    assert_true(n > 1000 && n < 4096);
    assert_memory_equal(line + n - 4, "...\"", 4);
    assert_int_equal(nth_line(out, 2, line, sizeof line), -1);
    free(out);
}

#define LOG_PROCS 4
#define LOG_LINES 300

static void log_from_children(void)
{
    pid_t pids[LOG_PROCS];
    char msg[600];
    for (int p = 0; p < LOG_PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            memset(msg, 'a' + p, sizeof msg - 1);
            msg[sizeof msg - 1] = '\0';
            log_init("ingest");
            for (int i = 0; i < LOG_LINES; i++)
                log_info("%s", msg);
            _exit(0);
        }
    }
    for (int p = 0; p < LOG_PROCS; p++) {
        int st;
        waitpid(pids[p], &st, 0);
    }
}

static void test_concurrent_lines_do_not_interleave(void **state)
{
    fixture_t *f = *state;
    char line[4200], msg[600], expect[700];
    int n = 0;
    with_stderr_to(f->path, log_from_children);
    char *out = slurp(f->path, NULL);
    long len;
    while ((len = nth_line(out, n, line, sizeof line)) >= 0) {
        const char *m = strstr(line, "msg=\"");
        assert_non_null(m);
        memset(msg, m[5], sizeof msg - 1);
        msg[sizeof msg - 1] = '\0';
        snprintf(expect, sizeof expect, "level=info stage=ingest msg=\"%s\"", msg);
        assert_true(is_record(line, (size_t)len, expect));
        n++;
    }
    assert_int_equal(n, LOG_PROCS * LOG_LINES);
    free(out);
}

static void log_journal(void)
{
    log_init("report");
    log_warn("to the journal");
    log_error("failed");
}

/* Under systemd with stderr the journal: no time stamp, a syslog priority. */
static void test_journal_form_when_stderr_is_the_journal(void **state)
{
    fixture_t *f = *state;
    char js[64], line[4200];
    struct stat st;
    int fd = open(f->path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    with_stderr_to(f->path, log_journal);
    char *out = slurp(f->path, NULL);
    assert_true(nth_line(out, 0, line, sizeof line) > 0);
    assert_string_equal(line, "<4>level=warn stage=report msg=\"to the journal\"");
    assert_true(nth_line(out, 1, line, sizeof line) > 0);
    assert_string_equal(line, "<3>level=error stage=report msg=\"failed\"");
    free(out);

    /* JOURNAL_STREAM inherited by a process whose stderr is a file: time stamps. */
    char other[160];
    snprintf(other, sizeof other, "%s/other.log", f->dir);
    with_stderr_to(other, log_journal);
    out = slurp(other, NULL);
    long n = nth_line(out, 0, line, sizeof line);
    assert_true(is_record(line, (size_t)n, "level=warn stage=report msg=\"to the journal\""));
    free(out);
    unsetenv("JOURNAL_STREAM");
}

static void start_stage(void)
{
    log_init("ingest");
    log_info("started");
}

static void write_file(const char *path, const char *text)
{
    assert_int_equal(fs_write_atomic(path, text, strlen(text)), KPM_OK);
}

static void test_rotation_at_start_keeps_n_files(void **state)
{
    fixture_t *f = *state;
    char p1[160], p2[160], p3[160], line[4200];
    snprintf(p1, sizeof p1, "%s.1", f->path);
    snprintf(p2, sizeof p2, "%s.2", f->path);
    snprintf(p3, sizeof p3, "%s.3", f->path);
    setenv("KPM_LOG_MAX_BYTES", "100", 1);
    setenv("KPM_LOG_KEEP", "2", 1);

    /* Under the cap: nothing rotated. */
    write_file(f->path, "small\n");
    with_stderr_to(f->path, start_stage);
    assert_int_equal(access(p1, F_OK), -1);

    /* Over the cap: the old lines move to .1, the new file starts with a note. */
    char big[200];
    memset(big, 'o', sizeof big - 2);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    write_file(f->path, big);
    with_stderr_to(f->path, start_stage);
    char *old = slurp(p1, NULL);
    assert_string_equal(old, big);
    free(old);
    char *now = slurp(f->path, NULL);
    long n = nth_line(now, 0, line, sizeof line);
    assert_true(n > 0 && strstr(line, "log rotated") != NULL && strstr(line, p1) != NULL);
    n = nth_line(now, 1, line, sizeof line);
    assert_true(is_record(line, (size_t)n, "level=info stage=ingest msg=\"started\""));
    free(now);

    /* Twice more: .1 moves to .2, and no more than KPM_LOG_KEEP files are kept. */
    write_file(f->path, big);
    with_stderr_to(f->path, start_stage);
    write_file(f->path, "third\n");
    for (int i = 0; i < 10; i++) { /* grow past the cap */
        int fd = open(f->path, O_WRONLY | O_APPEND);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, big, strlen(big)), (ssize_t)strlen(big));
        close(fd);
    }
    with_stderr_to(f->path, start_stage);
    char *second = slurp(p2, NULL);
    assert_string_equal(second, big);
    free(second);
    char *first = slurp(p1, NULL);
    assert_memory_equal(first, "third\n", 6);
    free(first);
    assert_int_equal(access(p3, F_OK), -1);

    /* A file not named *.log (a redirect of someone else's) is never rotated. */
    char other[160], other1[170];
    snprintf(other, sizeof other, "%s/out.txt", f->dir);
    snprintf(other1, sizeof other1, "%s.1", other);
    write_file(other, big);
    with_stderr_to(other, start_stage);
    assert_int_equal(access(other1, F_OK), -1);

    /* KPM_LOG_MAX_BYTES=0: never. */
    setenv("KPM_LOG_MAX_BYTES", "0", 1);
    write_file(f->path, big);
    unlink(p1);
    with_stderr_to(f->path, start_stage);
    assert_int_equal(access(p1, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logfmt_records_and_default_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_from_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quotes_escaped_and_night_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_stays_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_lines_do_not_interleave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_form_when_stderr_is_the_journal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rotation_at_start_keeps_n_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
