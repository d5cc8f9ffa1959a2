/* test_util.c - fsutil and strmap (log: test_log.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "strmap.h"

#include "fail_alloc.h"

/* ---- fixtures ---------------------------------------------------------------- */

typedef struct {
    char dir[64];
} tmpdir_t;

static int rm_rf(const char *path)
{
    char cmd[256];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    return system(cmd);
}

static int tmpdir_setup(void **state)
{
    tmpdir_t *t = calloc(1, sizeof *t);

    if (t == NULL) return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/kpm_test_util.XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int tmpdir_teardown(void **state)
{
    tmpdir_t *t = *state;

    rm_rf(t->dir);
    free(t);
    return 0;
}

static char *path_in(void **state, const char *name)
{
    tmpdir_t *t = *state;
    char *p = fs_join(t->dir, name);

    assert_non_null(p);
    return p;
}

/* The content of a file (caller frees). noinline: GCC 12 at -O2 otherwise warns
 * falsely about a dangling pointer in the callers. */
static __attribute__((noinline)) char *slurp(const char *path, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    int rc = fs_read_all(path, &buf, &n);

    assert_int_equal(rc, KPM_OK);
    if (len != NULL) *len = n;
    return buf;
}

/* ---- fsutil -------------------------------------------------------------------- */

static void test_fs_mkdirs(void **state)
{
    char *deep = path_in(state, "a/b//c/");
    char *file = path_in(state, "a/file");
    char *under_file = path_in(state, "a/file/d");
    struct stat st;
    mode_t old = umask(022);

    assert_int_equal(fs_mkdirs(deep, 0750), KPM_OK);
    assert_int_equal(stat(deep, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0750);
    /* existing directories are fine */
    assert_int_equal(fs_mkdirs(deep, 0750), KPM_OK);

    assert_int_equal(fs_write_atomic(file, "x", 1), KPM_OK);
    assert_int_equal(fs_mkdirs(file, 0755), KPM_EIO);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(fs_mkdirs(under_file, 0755), KPM_EIO);
    assert_int_equal(fs_mkdirs("", 0755), KPM_EINVAL);
    umask(old);
    free(deep);
    free(file);
    free(under_file);
}

static void test_fs_write_atomic_replaces_whole_file(void **state)
{
    char *path = path_in(state, "state.bin");
    char *tmp = path_in(state, "state.bin.tmp");
    char *missing = path_in(state, "nodir/state.bin");
    const char data[] = "first\0with a NUL";
    size_t len;
    char *out;

    assert_int_equal(fs_write_atomic(path, data, sizeof data), KPM_OK);
    out = slurp(path, &len);
    assert_int_equal(len, sizeof data);
    assert_memory_equal(out, data, sizeof data);
    free(out);

    assert_int_equal(fs_write_atomic(path, "second", 6), KPM_OK);
    out = slurp(path, &len);
    assert_int_equal(len, 6);
    assert_string_equal(out, "second");
    free(out);
    assert_false(fs_exists(tmp));

    assert_int_equal(fs_write_atomic(missing, "x", 1), KPM_EIO);
    assert_int_equal(errno, ENOENT);
    free(path);
    free(tmp);
    free(missing);
}

static void test_fs_atomic_commit_and_abort(void **state)
{
    char *path = path_in(state, "likert.csv");
    char *tmp = path_in(state, "likert.csv.tmp");
    fs_atomic_t a;
    char *out;

    assert_int_equal(fs_write_atomic(path, "old\n", 4), KPM_OK);

    /* abort: the target keeps its old content and no temporary file is left */
    assert_int_equal(fs_atomic_open(&a, path), KPM_OK);
    fprintf(a.fp, "half-written");
    fs_atomic_abort(&a);
    assert_null(a.fp);
    assert_false(fs_exists(tmp));
    out = slurp(path, NULL);
    assert_string_equal(out, "old\n");
    free(out);

    /* until commit, readers see the old file */
    assert_int_equal(fs_atomic_open(&a, path), KPM_OK);
    for (int i = 0; i < 1000; i++)
        fprintf(a.fp, "row;%d\n", i);
    assert_true(fs_exists(tmp));
    out = slurp(path, NULL);
    assert_string_equal(out, "old\n");
    free(out);
    assert_int_equal(fs_atomic_commit(&a), KPM_OK);
    assert_null(a.fp);
    assert_false(fs_exists(tmp));
    /* cleanup code may abort a committed writer: the file stays */
    fs_atomic_abort(&a);
    assert_true(fs_exists(path));
    out = slurp(path, NULL);
    assert_memory_equal(out, "row;0\nrow;1\n", 12);
    assert_non_null(strstr(out, "row;999\n"));
    free(out);

    free(path);
    free(tmp);
}

/* The two-step commit of a group: after fs_atomic_sync the target is still the
 * old file; fs_atomic_rename puts the new one in place; a rename that fails
 * (the temporary file gone) leaves the target as it was and the writer done. */
static void test_fs_atomic_sync_then_rename(void **state)
{
    char *a_path = path_in(state, "a.csv"), *b_path = path_in(state, "b.csv");
    char *b_tmp = path_in(state, "b.csv.tmp");
    fs_atomic_t a, b;
    char *out;

    assert_int_equal(fs_write_atomic(b_path, "old\n", 4), KPM_OK);
    assert_int_equal(fs_atomic_open(&a, a_path), KPM_OK);
    assert_int_equal(fs_atomic_open(&b, b_path), KPM_OK);
    fputs("nieuw a\n", a.fp);
    fputs("nieuw b\n", b.fp);
    assert_int_equal(fs_atomic_sync(&a), KPM_OK);
    assert_int_equal(fs_atomic_sync(&b), KPM_OK);
    assert_false(fs_exists(a_path)); /* synced, not yet in place */
    out = slurp(b_path, NULL);
    assert_string_equal(out, "old\n");
    free(out);

    assert_int_equal(fs_atomic_rename(&a), KPM_OK);
    assert_null(a.fp);
    out = slurp(a_path, NULL);
    assert_string_equal(out, "nieuw a\n");
    free(out);

    assert_int_equal(unlink(b_tmp), 0); /* the rename will fail */
    assert_int_equal(fs_atomic_rename(&b), KPM_EIO);
    assert_int_equal(errno, ENOENT);
    assert_null(b.fp);
    out = slurp(b_path, NULL);
    assert_string_equal(out, "old\n");
    free(out);
    assert_int_equal(fs_sync_dir(((tmpdir_t *)*state)->dir), KPM_OK);
    fs_atomic_abort(&a);
    fs_atomic_abort(&b);
    free(a_path);
    free(b_path);
    free(b_tmp);
}

static void test_fs_atomic_open_fails_in_missing_dir(void **state)
{
    char *path = path_in(state, "nodir/x.csv");
    fs_atomic_t a;

    assert_int_equal(fs_atomic_open(&a, path), KPM_EIO);
    assert_null(a.fp);
    fs_atomic_abort(&a); /* harmless after a failed open */
    free(path);
}

static void test_fs_read_all(void **state)
{
    char *empty = path_in(state, "empty");
    char *missing = path_in(state, "missing");
    char *buf = (char *)1;
    size_t len = 99;

    assert_int_equal(fs_write_atomic(empty, "", 0), KPM_OK);
    assert_int_equal(fs_read_all(empty, &buf, &len), KPM_OK);
    assert_non_null(buf);
    assert_int_equal(len, 0);
    assert_string_equal(buf, "");
    free(buf);

    assert_int_equal(fs_read_all(missing, &buf, &len), KPM_ENOTFOUND);
    assert_null(buf);

    /* a file whose size stat reports as 0 is still read whole */
    assert_int_equal(fs_read_all("/proc/self/status", &buf, &len), KPM_OK);
    assert_true(len > 0);
    assert_non_null(strstr(buf, "Name:"));
    free(buf);
    free(empty);
    free(missing);
}

static void test_fs_join_and_exists(void **state)
{
    tmpdir_t *t = *state;
    char *p;

    p = fs_join("out", "likert.csv");
    assert_string_equal(p, "out/likert.csv");
    free(p);
    p = fs_join("out/", "likert.csv");
    assert_string_equal(p, "out/likert.csv");
    free(p);
    p = fs_join("", "likert.csv");
    assert_string_equal(p, "likert.csv");
    free(p);

    assert_true(fs_exists(t->dir));
    p = path_in(state, "nope");
    assert_false(fs_exists(p));
    free(p);
    assert_int_equal(fs_sync_dir(t->dir), KPM_OK);
    assert_int_equal(fs_sync_dir("/nonexistent/kpm"), KPM_EIO);
}

/* fs_copy_fd copies what a descriptor holds (not what a path names now), whole
 * or not at all, with the mode asked; the source's offset is left alone. */
static void test_fs_copy_fd(void **state)
{
    char *src = path_in(state, "src.csv"), *dst = path_in(state, "dst.csv");
    const char body[] = "a;b\n1;2\n";
    assert_int_equal(fs_write_atomic(src, body, sizeof body - 1), KPM_OK);
    int fd = open(src, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(lseek(fd, 3, SEEK_SET), 3);
    /* the path now names another file: the copy is of the one opened */
    assert_int_equal(unlink(src), 0);
    assert_int_equal(fs_write_atomic(src, "other\n", 6), KPM_OK);
    assert_int_equal(fs_copy_fd(fd, dst, 0640), KPM_OK);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
    size_t len;
    char *got = slurp(dst, &len);
    assert_int_equal(len, sizeof body - 1);
    assert_memory_equal(got, body, len);
    free(got);
    struct stat st;
    assert_int_equal(stat(dst, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* no temporary file is left beside it */
    tmpdir_t *t = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep kpm-)\"", t->dir);
    assert_int_equal(system(cmd), 0);
    /* a directory that does not exist: an error with errno kept */
    errno = 0;
    assert_int_equal(fs_copy_fd(fd, "/nonexistent/kpm/x", 0640), KPM_EIO);
    assert_int_equal(errno, ENOENT);
    close(fd);
    free(src);
    free(dst);
}

/* fs_move_fd: by rename (the same inode, re-moded through the descriptor), or,
 * across file systems (forced here) or for a file with other links, by a copy
 * and an unlink of the name, the other links keeping their mode. */
static void test_fs_move_fd(void **state)
{
    char *src = path_in(state, "in.csv"), *dst = path_in(state, "archived.csv");
    char *other = path_in(state, "elsewhere.csv");
    struct stat st, before;
    for (int forced = 0; forced < 2; forced++) {
        assert_int_equal(fs_write_atomic(src, "x;y\n", 4), KPM_OK);
        assert_int_equal(chmod(src, 0644), 0);
        int fd = open(src, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &before), 0);
        fs_force_exdev = forced;
        assert_int_equal(fs_move_fd(fd, src, dst, 0640, 0), KPM_OK);
        fs_force_exdev = 0;
        assert_false(fs_exists(src));
        assert_int_equal(stat(dst, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_ino == before.st_ino, !forced); /* renamed, or a copy */
        char *got = slurp(dst, NULL);
        assert_string_equal(got, "x;y\n");
        free(got);
        close(fd);
    }
    /* a hard link to a file elsewhere: copied, the other name keeps its mode */
    assert_int_equal(fs_write_atomic(other, "h;l\n", 4), KPM_OK);
    assert_int_equal(chmod(other, 0644), 0);
    assert_int_equal(link(other, src), 0);
    int fd = open(src, O_RDONLY);
    assert_int_equal(fs_move_fd(fd, src, dst, 0600, 1), KPM_OK);
    close(fd);
    assert_false(fs_exists(src));
    assert_int_equal(stat(other, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(st.st_nlink, 1);
    assert_int_equal(stat(dst, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    free(src);
    free(dst);
    free(other);
}

/* ---- strmap -------------------------------------------------------------------- */

static int map_setup(void **state)
{
    strmap_t *m = strmap_new();

    *state = m;
    return m == NULL ? -1 : 0;
}

static int map_teardown(void **state)
{
    strmap_t *m = *state;

    strmap_destroy(&m);
    assert_null(m);
    return 0;
}

static int v1, v2, v3, v4;

static void test_strmap_put_get_replace(void **state)
{
    strmap_t *m = *state;
    void *old = &v4;

    assert_null(strmap_get(m, "GM0363", 6));
    assert_int_equal(strmap_put(m, "GM0363", 6, &v1, &old), KPM_OK);
    assert_null(old);
    assert_int_equal(strmap_put(m, "GM0014", 6, &v2, NULL), KPM_OK);
    assert_ptr_equal(strmap_get(m, "GM0363", 6), &v1);
    assert_ptr_equal(strmap_get(m, "GM0014", 6), &v2);
    /* a prefix or a longer key is another key */
    assert_null(strmap_get(m, "GM036", 5));
    assert_null(strmap_get(m, "GM03630", 7));

    assert_int_equal(strmap_put(m, "GM0363", 6, &v3, &old), KPM_OK);
    assert_ptr_equal(old, &v1);
    assert_ptr_equal(strmap_get(m, "GM0363", 6), &v3);
    assert_int_equal(strmap_count(m), 2);

    /* the empty key is a key like any other */
    assert_int_equal(strmap_put(m, "", 0, &v4, NULL), KPM_OK);
    assert_ptr_equal(strmap_get(m, "", 0), &v4);
    assert_int_equal(strmap_count(m), 3);
}

static void expect_order(strmap_t *m, const char *const *keys, size_t n)
{
    size_t i = 0, k = 0, len;
    const char *key;
    void *value;

    while (strmap_entry(m, &i, &key, &len, &value)) {
        assert_true(k < n);
        assert_int_equal(len, strlen(keys[k]));
        assert_memory_equal(key, keys[k], len);
        assert_int_equal(key[len], '\0');
        k++;
    }
    assert_int_equal(k, n);
}

static void test_strmap_remove_keeps_order(void **state)
{
    strmap_t *m = *state;
    const char *keys[] = {"likert", "keuze", "besteding", "respons", "rejects"};
    int vals[5];

    for (int i = 0; i < 5; i++)
        assert_int_equal(strmap_put(m, keys[i], strlen(keys[i]), &vals[i], NULL), KPM_OK);
    expect_order(m, keys, 5);

    assert_ptr_equal(strmap_remove(m, "besteding", 9), &vals[2]);
    assert_null(strmap_remove(m, "besteding", 9));
    assert_null(strmap_get(m, "besteding", 9));
    assert_int_equal(strmap_count(m), 4);
    const char *after[] = {"likert", "keuze", "respons", "rejects"};
    expect_order(m, after, 4);

    /* put again: it goes to the end */
    assert_int_equal(strmap_put(m, "besteding", 9, &vals[2], NULL), KPM_OK);
    const char *again[] = {"likert", "keuze", "respons", "rejects", "besteding"};
    expect_order(m, again, 5);
    assert_ptr_equal(strmap_get(m, "respons", 7), &vals[3]);
}

static void test_strmap_remove_during_iteration(void **state)
{
    strmap_t *m = *state;
    char key[16];
    size_t i = 0, len, seen = 0;
    const char *k;

    for (int n = 0; n < 100; n++) {
        snprintf(key, sizeof key, "k%d", n);
        assert_int_equal(strmap_put(m, key, strlen(key), NULL, NULL), KPM_OK);
    }
    while (strmap_entry(m, &i, &k, &len, NULL)) {
        if (atoi(k + 1) % 2 == 0) strmap_remove(m, k, len);
        seen++;
    }
    assert_int_equal(seen, 100);
    assert_int_equal(strmap_count(m), 50);
    i = 0;
    for (int n = 1; n < 100; n += 2) {
        assert_true(strmap_entry(m, &i, &k, &len, NULL));
        assert_int_equal(atoi(k + 1), n);
    }
    assert_false(strmap_entry(m, &i, &k, &len, NULL));
}

#define MANY 1000000

static void test_strmap_million_keys(void **state)
{
    strmap_t *m = *state;
    char key[32];
    size_t i = 0, n = 0, len;
    const char *k;
    void *v;

    for (uintptr_t j = 0; j < MANY; j++) {
        int kl = snprintf(key, sizeof key, "response-%lu", (unsigned long)j);
        assert_int_equal(strmap_put(m, key, (size_t)kl, (void *)(j + 1), NULL), KPM_OK);
    }
    assert_int_equal(strmap_count(m), MANY);
    for (uintptr_t j = 0; j < MANY; j++) {
        int kl = snprintf(key, sizeof key, "response-%lu", (unsigned long)j);
        assert_ptr_equal(strmap_get(m, key, (size_t)kl), (void *)(j + 1));
    }
    assert_null(strmap_get(m, "response-1000000", 16));

    /* remove every other key, then check the survivors and the order */
    for (uintptr_t j = 0; j < MANY; j += 2) {
        int kl = snprintf(key, sizeof key, "response-%lu", (unsigned long)j);
        assert_ptr_equal(strmap_remove(m, key, (size_t)kl), (void *)(j + 1));
    }
    assert_int_equal(strmap_count(m), MANY / 2);
    while (strmap_entry(m, &i, &k, &len, &v)) {
        assert_int_equal((uintptr_t)v, 2 * n + 2);
        n++;
    }
    assert_int_equal(n, MANY / 2);
    /* new keys after many removals (tombstones) still go in and are found */
    for (uintptr_t j = 0; j < MANY / 2; j++) {
        int kl = snprintf(key, sizeof key, "new-%lu", (unsigned long)j);
        assert_int_equal(strmap_put(m, key, (size_t)kl, (void *)j, NULL), KPM_OK);
    }
    assert_int_equal(strmap_count(m), MANY);
    assert_ptr_equal(strmap_get(m, "response-999999", 15), (void *)1000000);
    assert_null(strmap_get(m, "response-999998", 15));
}

static void test_strmap_intern(void **state)
{
    strmap_t *m = *state;
    char buf1[] = "tijd_adviseurs";
    char buf2[] = "tijd_adviseurs";
    const char *a, *b, *c;

    a = strmap_intern(m, buf1, strlen(buf1));
    b = strmap_intern(m, buf2, strlen(buf2));
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, buf1);
    assert_string_equal(a, "tijd_adviseurs");
    /* the map owns its copy: changing the caller's buffer changes nothing */
    buf1[0] = 'X';
    assert_string_equal(a, "tijd_adviseurs");

    c = strmap_intern(m, "tijd", 4);
    assert_ptr_not_equal(a, c);
    assert_string_equal(c, "tijd");
    assert_int_equal(strmap_count(m), 2);
    assert_null(strmap_get(m, "tijd", 4));

    /* interning a key that has a value keeps the value */
    assert_int_equal(strmap_put(m, "meting", 6, &v1, NULL), KPM_OK);
    assert_non_null(strmap_intern(m, "meting", 6));
    assert_ptr_equal(strmap_get(m, "meting", 6), &v1);

    /* interned pointers stay valid while the map grows */
    for (int i = 0; i < 20000; i++) {
        char key[16];
        snprintf(key, sizeof key, "x%d", i);
        assert_non_null(strmap_intern(m, key, strlen(key)));
    }
    assert_ptr_equal(strmap_intern(m, "tijd_adviseurs", 14), a);
    assert_string_equal(a, "tijd_adviseurs");
}

static void test_strmap_keys_with_nul(void **state)
{
    strmap_t *m = *state;
    const char k1[] = {'a', '\0', 'b'};
    const char k2[] = {'a', '\0', 'c'};
    const char k3[] = {'a'};
    size_t i = 0, len;
    const char *key;

    assert_int_equal(strmap_put(m, k1, 3, &v1, NULL), KPM_OK);
    assert_int_equal(strmap_put(m, k2, 3, &v2, NULL), KPM_OK);
    assert_int_equal(strmap_put(m, k3, 1, &v3, NULL), KPM_OK);
    assert_int_equal(strmap_count(m), 3);
    assert_ptr_equal(strmap_get(m, k1, 3), &v1);
    assert_ptr_equal(strmap_get(m, k2, 3), &v2);
    assert_ptr_equal(strmap_get(m, "a", 1), &v3);
    assert_true(strmap_entry(m, &i, &key, &len, NULL));
    assert_int_equal(len, 3);
    assert_memory_equal(key, k1, 3);
}

static void test_strmap_long_keys(void **state)
{
    strmap_t *m = *state;
    size_t big = 200000;
    char *k = malloc(big);

    assert_non_null(k);
    for (int round = 0; round < 3; round++) {
        memset(k, 'a' + round, big);
        assert_int_equal(strmap_put(m, k, big, &v1 + 0, NULL), KPM_OK);
        assert_int_equal(strmap_put(m, "short", 5, &v2, NULL), KPM_OK);
    }
    memset(k, 'b', big);
    assert_ptr_equal(strmap_get(m, k, big), &v1);
    assert_ptr_equal(strmap_get(m, "short", 5), &v2);
    assert_int_equal(strmap_count(m), 4);
    free(k);
}

/* A failed allocation leaves the map as it was: what went in is still there. */
static void test_strmap_out_of_memory(void **state)
{
    char key[32];
    char big[20000];
    long n;

    (void)state;
    memset(big, 'b', sizeof big);
    for (n = 0;; n++) {
        uintptr_t in = 0;
        int big_in = 0;
        fail_alloc_number(n);
        strmap_t *m = strmap_new();
        if (m != NULL) {
            for (; in < 3000; in++) {
                int kl = snprintf(key, sizeof key, "k%lu", (unsigned long)in);
                int rc = strmap_put(m, key, (size_t)kl, (void *)(in + 1), NULL);
                if (rc != KPM_OK) {
                    assert_int_equal(rc, KPM_ENOMEM);
                    break;
                }
            }
            if (in == 3000) big_in = strmap_intern(m, big, sizeof big) != NULL;
        }
        int reached = fail_alloc_stop();
        if (m != NULL) {
            assert_int_equal(strmap_count(m), in + (size_t)big_in);
            for (uintptr_t j = 0; j < in; j++) {
                int kl = snprintf(key, sizeof key, "k%lu", (unsigned long)j);
                assert_ptr_equal(strmap_get(m, key, (size_t)kl), (void *)(j + 1));
            }
            /* after the failure the map takes new keys again */
            assert_int_equal(strmap_put(m, "again", 5, &v1, NULL), KPM_OK);
            assert_ptr_equal(strmap_get(m, "again", 5), &v1);
            strmap_destroy(&m);
        } else {
            assert_true(reached);
        }
        if (!reached) {
            assert_int_equal(in, 3000);
            assert_true(big_in);
            break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fs_mkdirs, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_write_atomic_replaces_whole_file, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_atomic_commit_and_abort, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_atomic_sync_then_rename, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_atomic_open_fails_in_missing_dir, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_read_all, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_join_and_exists, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_copy_fd, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fs_move_fd, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_put_get_replace, map_setup, map_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_remove_keeps_order, map_setup, map_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_remove_during_iteration, map_setup,
                                        map_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_million_keys, map_setup, map_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_intern, map_setup, map_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_keys_with_nul, map_setup, map_teardown),
        cmocka_unit_test_setup_teardown(test_strmap_long_keys, map_setup, map_teardown),
        cmocka_unit_test(test_strmap_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
