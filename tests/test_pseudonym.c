/* test_pseudonym.c - the installation's pseudonym key and the keyed pseudonyms
 * of names (common/pseudonym.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kpm_err.h"
#include "pseudonym.h"

static char dir[64];
static char key_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/kpm-pseudonym-test.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(key_path, sizeof key_path, "%s/" PSEUDONYM_KEY_FILE, dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_key_made_once_private(void **state)
{
    (void)state;
    pseudonym_key_t a, b;
    char err[512] = "";
    assert_int_equal(pseudonym_key_open(dir, 0, &a, err, sizeof err), KPM_ENOTFOUND);
    assert_int_equal(pseudonym_key_open(dir, 1, &a, err, sizeof err), KPM_OK);
    struct stat st;
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_size, PSEUDONYM_KEY_BYTES);
    assert_int_equal(st.st_mode & 0777, 0600);
    char keys_dir[128];
    snprintf(keys_dir, sizeof keys_dir, "%s/keys", dir);
    assert_int_equal(stat(keys_dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* The same key on every later open, with or without create. */
    assert_int_equal(pseudonym_key_open(dir, 1, &b, err, sizeof err), KPM_OK);
    assert_memory_equal(a.k, b.k, sizeof a.k);
    assert_int_equal(pseudonym_key_open(dir, 0, &b, err, sizeof err), KPM_OK);
    assert_memory_equal(a.k, b.k, sizeof a.k);
    /* Random: not all zero, and another installation gets another key. */
    static const pseudonym_key_t zero;
    assert_memory_not_equal(a.k, zero.k, sizeof a.k);
    unlink(key_path);
    assert_int_equal(pseudonym_key_open(dir, 1, &b, err, sizeof err), KPM_OK);
    assert_memory_not_equal(a.k, b.k, sizeof a.k);
}

/* Stages starting at once on a fresh state all end up with one key. */
static void test_key_race_gives_one_key(void **state)
{
    (void)state;
    enum { N = 8 };
    int fds[N][2];
    for (int i = 0; i < N; i++) {
        assert_int_equal(pipe(fds[i]), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            pseudonym_key_t k;
            char err[512];
            int ok = pseudonym_key_open(dir, 1, &k, err, sizeof err) == KPM_OK;
            _exit(ok && write(fds[i][1], k.k, sizeof k.k) == (ssize_t)sizeof k.k ? 0 : 1);
        }
        close(fds[i][1]);
    }
    unsigned char got[N][PSEUDONYM_KEY_BYTES];
    for (int i = 0; i < N; i++) {
        assert_int_equal(read(fds[i][0], got[i], PSEUDONYM_KEY_BYTES), PSEUDONYM_KEY_BYTES);
        close(fds[i][0]);
    }
    int status;
    while (wait(&status) > 0)
        assert_int_equal(status, 0);
    for (int i = 1; i < N; i++)
        assert_memory_equal(got[0], got[i], PSEUDONYM_KEY_BYTES);
    /* no temporary file left */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s/keys')\" = pseudonym.key", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_key_refused_when_open_or_wrong(void **state)
{
    (void)state;
    pseudonym_key_t k;
    char err[512] = "";
    assert_int_equal(pseudonym_key_open(dir, 1, &k, err, sizeof err), KPM_OK);
    assert_int_equal(chmod(key_path, 0640), 0);
    assert_int_equal(pseudonym_key_open(dir, 1, &k, err, sizeof err), KPM_EINVAL);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(chmod(key_path, 0600), 0);
    FILE *fp = fopen(key_path, "ab");
    assert_non_null(fp);
    fputc('x', fp);
    fclose(fp);
    assert_int_equal(pseudonym_key_open(dir, 1, &k, err, sizeof err), KPM_EINVAL);
    assert_non_null(strstr(err, "32 bytes"));
}

static void test_pseudonyms(void **state)
{
    (void)state;
    static const pseudonym_key_t k1 = {{1}}, k2 = {{2}};
    char a[PSEUDONYM_HEX + 1], b[PSEUDONYM_HEX + 1], c[PSEUDONYM_HEX + 1];
    pseudonym_of_name(&k1, "Jan de Vries", 12, a);
    assert_int_equal(strlen(a), PSEUDONYM_HEX);
    assert_int_equal(strspn(a, "0123456789abcdef"), PSEUDONYM_HEX);
    /* the same person however the name is typed */
    pseudonym_of_name(&k1, "  JAN DE VRIES\t", 15, b);
    assert_string_equal(a, b);
    /* another person, another key: another pseudonym */
    pseudonym_of_name(&k1, "Piet Bakker", 11, c);
    assert_string_not_equal(a, c);
    pseudonym_of_name(&k2, "Jan de Vries", 12, c);
    assert_string_not_equal(a, c);
    /* never the unkeyed FNV-1a an older kpm kept */
    assert_string_not_equal(a, "51ff633aa10b8d56");
    /* which converts to the same pseudonym */
    assert_int_equal(pseudonym_of_legacy(&k1, "51ff633aa10b8d56", 16, c), KPM_OK);
    assert_string_equal(a, c);
    assert_int_equal(pseudonym_of_legacy(&k1, "51ff633aa10b8d5", 15, c), KPM_EPARSE);
    assert_int_equal(pseudonym_of_legacy(&k1, "51ff633aa10b8d5g", 16, c), KPM_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_made_once_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_race_gives_one_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_refused_when_open_or_wrong, setup, teardown),
        cmocka_unit_test(test_pseudonyms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
