/* test_night.c - ingest's night state (STATE/ingest/night.state): a night's
 * records per message are fixed when it starts and kept when it is resumed,
 * whatever --batch says then, because the messages' numbers depend on them; a
 * state written before the batch was recorded resumes with the old default.
 * Inbox entries (issue 13): each is looked at without following a link, only a
 * regular file is opened, and it is moved through its descriptor: links are
 * moved themselves, hard links copied, moves across file systems copied (forced
 * with fs_force_exdev), a crash between copy and unlink reconciled, long names
 * quarantined under a generated name, a file changed since it was opened left
 * for the next night, which notes it (FILE_CHANGED). */
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

#include "fsutil.h"
#include "kpm_err.h"
#include "night.h"

typedef struct {
    char dir[64], state[96], inbox[96], file[160], night_state[160];
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/kpm_test_night.XXXXXX");
    if (!fx || !mkdtemp(fx->dir)) return -1;
    snprintf(fx->state, sizeof fx->state, "%s/state", fx->dir);
    snprintf(fx->inbox, sizeof fx->inbox, "%s/inbox", fx->dir);
    snprintf(fx->file, sizeof fx->file, "%s/gebruik_2021.csv", fx->inbox);
    snprintf(fx->night_state, sizeof fx->night_state, "%s/ingest/night.state", fx->state);
    if (fs_mkdirs(fx->inbox, 0700) != KPM_OK ||
        fs_write_atomic(fx->file, "gemeente_code;periode\n", 22) != KPM_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0) return -1;
    free(fx);
    return 0;
}

static night_t *open_night(fx_t *fx, uint32_t batch)
{
    char err[512] = "";
    night_t *n = night_open(fx->state, fx->inbox, NULL, 1, batch, err, sizeof err);
    if (!n) fail_msg("night_open: %s", err);
    return n;
}

static void test_batch_fixed_per_night(void **state)
{
    fx_t *fx = *state;
    night_t *n = open_night(fx, 8192);
    assert_int_equal(n->batch, 8192);
    assert_int_equal(n->n_files, 1);
    assert_int_equal(night_save(n), KPM_OK);
    char id[64];
    snprintf(id, sizeof id, "%s", n->id);
    night_destroy(&n);

    /* resumed (unfinished) with another --batch: the night's own stays */
    n = open_night(fx, 100);
    assert_string_equal(n->id, id);
    assert_int_equal(n->batch, 8192);
    /* done: the next night takes the new value */
    n->done = 1;
    assert_int_equal(night_save(n), KPM_OK);
    night_destroy(&n);
    n = open_night(fx, 100);
    assert_string_not_equal(n->id, id);
    assert_int_equal(n->batch, 100);
    night_destroy(&n);
}

static void test_state_without_batch(void **state)
{
    fx_t *fx = *state;
    night_t *n = open_night(fx, 8192);
    assert_int_equal(night_save(n), KPM_OK);
    night_destroy(&n);
    /* as an earlier version wrote it: no "batch" line */
    char *buf;
    size_t len;
    assert_int_equal(fs_read_all(fx->night_state, &buf, &len), KPM_OK);
    char *line = strstr(buf, "batch 8192\n");
    assert_non_null(line);
    memmove(line, line + 11, strlen(line + 11) + 1);
    assert_int_equal(fs_write_atomic(fx->night_state, buf, strlen(buf)), KPM_OK);
    free(buf);
    n = open_night(fx, 8192);
    assert_int_equal(n->batch, NIGHT_BATCH_BEFORE);
    night_destroy(&n);
}

static void path_of(char *buf, size_t cap, const char *a, const char *b, const char *c)
{
    snprintf(buf, cap, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
}

static size_t find_file(const night_t *n, const char *name)
{
    for (size_t k = 0; k < n->n_files; k++)
        if (strcmp(n->files[k].name, name) == 0) return k;
    fail_msg("%s not listed", name);
    return 0;
}

/* Disposes of file `name` as ingest would after producing it. */
static void dispose_as(night_t *n, const char *name, ingest_dispo_t dispo)
{
    size_t k = find_file(n, name);
    night_file_t *f = &n->files[k];
    assert_non_null(night_entry(n, k));
    f->res.dispo = dispo;
    snprintf(f->res.reason, sizeof f->res.reason, "NOT_A_FILE: test");
    f->produced = f->known = 1;
    char err[512] = "";
    if (night_dispose(n, k, NULL, err, sizeof err) != KPM_OK) fail_msg("dispose: %s", err);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode;
}

/* A file outside the inbox, mode 0644 (its path into `outside`). */
static void make_outside(const fx_t *fx, char *outside, size_t cap, const char *body)
{
    path_of(outside, cap, fx->dir, "outside.csv", NULL);
    assert_int_equal(fs_write_atomic(outside, body, strlen(body)), KPM_OK);
    assert_int_equal(chmod(outside, 0644), 0);
}

static void test_entries_not_followed(void **state)
{
    fx_t *fx = *state;
    char outside[160], p[512];
    make_outside(fx, outside, sizeof outside, "geheim\n");
    path_of(p, sizeof p, fx->inbox, "gebruik_link.csv", NULL);
    assert_int_equal(symlink(outside, p), 0);
    path_of(p, sizeof p, fx->inbox, "gebruik_weg.csv", NULL);
    assert_int_equal(symlink("/nonexistent/kpm.csv", p), 0);
    path_of(p, sizeof p, fx->inbox, "gebruik_fifo.csv", NULL);
    assert_int_equal(mkfifo(p, 0644), 0);
    path_of(p, sizeof p, fx->inbox, "gebruik_x.csv", NULL);
    assert_int_equal(mkdir(p, 0755), 0);

    night_t *n = open_night(fx, 100);
    assert_int_equal(n->n_files, 5); /* every entry is listed, whatever it is */
    static const struct {
        const char *name;
        unsigned type;
    } want[] = {{"gebruik_2021.csv", S_IFREG},
                {"gebruik_fifo.csv", S_IFIFO},
                {"gebruik_link.csv", S_IFLNK},
                {"gebruik_weg.csv", S_IFLNK},
                {"gebruik_x.csv", S_IFDIR}};
    for (size_t i = 0; i < 5; i++) {
        ingest_entry_t *e = night_entry(n, find_file(n, want[i].name));
        assert_non_null(e);
        assert_int_equal(e->type, want[i].type);
        assert_int_equal(e->fd >= 0, want[i].type == S_IFREG); /* only a file is opened */
        assert_true(e->movable);
    }
    for (size_t i = 1; i < 5; i++)
        dispose_as(n, want[i].name, DISPO_QUARANTINE);
    dispose_as(n, "gebruik_2021.csv", DISPO_ARCHIVE);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/quarantine/%s", fx->state, n->id);
    for (size_t i = 1; i < 5; i++) {
        assert_int_equal(n->files[find_file(n, want[i].name)].status, NF_QUARANTINED);
        path_of(p, sizeof p, dir, want[i].name, NULL);
        assert_int_equal(mode_of(p) & S_IFMT, want[i].type); /* the entry itself moved */
    }
    snprintf(p, sizeof p, "%s/archive/%s/gebruik_2021.csv", fx->state, n->id);
    assert_int_equal(mode_of(p), S_IFREG | 0640);
    /* the link's target: neither read nor re-moded */
    assert_int_equal(mode_of(outside), S_IFREG | 0644);
    night_destroy(&n);
}

static void finish_night(night_t **n)
{
    (*n)->done = 1;
    assert_int_equal(night_save(*n), KPM_OK);
    night_destroy(n);
}

/* A new night whose one file (delivered again) was produced whole: known, still
 * pending; archive_path gets where it would be archived (its directory made). */
static night_t *night_with_known_file(fx_t *fx, char *archive_path, size_t cap)
{
    assert_int_equal(fs_write_atomic(fx->file, "gemeente_code;periode\n", 22), KPM_OK);
    night_t *n = open_night(fx, 100);
    n->files[0].known = 1;
    assert_int_equal(night_save(n), KPM_OK);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/archive/%s", fx->state, n->id);
    assert_int_equal(fs_mkdirs(dir, 0750), KPM_OK);
    path_of(archive_path, cap, dir, "gebruik_2021.csv", NULL);
    return n;
}

static void test_hardlink_and_exdev_copied(void **state)
{
    fx_t *fx = *state;
    char outside[160], p[512];
    make_outside(fx, outside, sizeof outside, "gemeente_code\n");
    path_of(p, sizeof p, fx->inbox, "gebruik_hard.csv", NULL);
    assert_int_equal(link(outside, p), 0);
    night_t *n = open_night(fx, 100);
    dispose_as(n, "gebruik_hard.csv", DISPO_ARCHIVE);
    fs_force_exdev = 1;
    dispose_as(n, "gebruik_2021.csv", DISPO_ARCHIVE);
    fs_force_exdev = 0;
    struct stat st;
    assert_int_equal(stat(outside, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644); /* the other link keeps its mode */
    snprintf(p, sizeof p, "%s/archive/%s/gebruik_hard.csv", fx->state, n->id);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_nlink, 1);
    snprintf(p, sizeof p, "%s/archive/%s/gebruik_2021.csv", fx->state, n->id);
    char *buf;
    size_t len;
    assert_int_equal(fs_read_all(p, &buf, &len), KPM_OK);
    assert_string_equal(buf, "gemeente_code;periode\n");
    free(buf);
    assert_false(fs_exists(fx->file));
    finish_night(&n);

    /* A crash after the copy, before the unlink: the file is still pending and
     * in the inbox; disposed of again, one archive copy. */
    n = night_with_known_file(fx, p, sizeof p);
    assert_int_equal(fs_write_atomic(p, "gemeente_code;periode\n", 22), KPM_OK);
    night_destroy(&n);
    n = open_night(fx, 100);
    assert_int_equal(n->files[0].status, NF_PENDING);
    fs_force_exdev = 1;
    dispose_as(n, "gebruik_2021.csv", DISPO_ARCHIVE);
    fs_force_exdev = 0;
    assert_int_equal(n->files[0].status, NF_ARCHIVED);
    assert_false(fs_exists(fx->file));
    finish_night(&n);

    /* A crash after the unlink, before the state said so: reconciled. */
    n = night_with_known_file(fx, p, sizeof p);
    assert_int_equal(rename(fx->file, p), 0);
    night_destroy(&n);
    n = open_night(fx, 100);
    assert_int_equal(n->files[0].status, NF_ARCHIVED);
    night_destroy(&n);
}

static void test_long_name_quarantined_as_generated(void **state)
{
    fx_t *fx = *state;
    char name[256], q[300], p[700];
    memcpy(name, "gebruik_", 8);
    memset(name + 8, 'a', 243);
    memcpy(name + 251, ".csv", 5);
    assert_int_equal(strlen(name), 255);
    assert_int_equal(night_quarantine_name("gebruik_1.csv", q, sizeof q), 0);
    assert_string_equal(q, "gebruik_1.csv");
    assert_int_equal(night_quarantine_name(name, q, sizeof q), 1);
    assert_int_equal(strncmp(q, "lange-naam-", 11), 0);
    assert_int_equal(strlen(q), 11 + 16);
    path_of(p, sizeof p, fx->inbox, name, NULL);
    assert_int_equal(rename(fx->file, p), 0); /* (p.tmp would be too long a name) */
    night_t *n = open_night(fx, 100);
    dispose_as(n, name, DISPO_QUARANTINE);
    assert_int_equal(n->files[find_file(n, name)].status, NF_QUARANTINED);
    snprintf(p, sizeof p, "%s/quarantine/%s/%s.reason", fx->state, n->id, q);
    char *buf;
    size_t len;
    assert_int_equal(fs_read_all(p, &buf, &len), KPM_OK);
    assert_non_null(strstr(buf, name)); /* the original name */
    free(buf);
    snprintf(p, sizeof p, "%s/quarantine/%s/%s", fx->state, n->id, q);
    assert_true(fs_exists(p));
    night_destroy(&n);
}

static void test_changed_file_left_for_next_night(void **state)
{
    fx_t *fx = *state;
    night_t *n = open_night(fx, 100);
    ingest_entry_t *e = night_entry(n, 0);
    assert_non_null(e);
    assert_false(ingest_entry_changed(e));
    FILE *fp = fopen(fx->file, "a");
    assert_non_null(fp);
    fputs("GM0363;2021-01\n", fp);
    fclose(fp);
    assert_true(ingest_entry_changed(e)); /* grown */
    dispose_as(n, "gebruik_2021.csv", DISPO_ARCHIVE);
    assert_int_equal(n->files[0].status, NF_CHANGED);
    assert_true(fs_exists(fx->file)); /* left in the inbox, whole */
    finish_night(&n);
    /* the next night takes it again, with the notice; kept over a restart */
    for (int round = 0; round < 2; round++) {
        n = open_night(fx, 100);
        assert_int_equal(n->n_files, 1);
        assert_int_equal(n->files[0].status, NF_PENDING);
        assert_true(n->files[0].changed_before);
        assert_true(night_entry(n, 0)->changed_before);
        night_destroy(&n);
    }
    /* a file replaced under its name (another inode) is changed too */
    n = open_night(fx, 100);
    e = night_entry(n, 0);
    char other[160];
    snprintf(other, sizeof other, "%s/other", fx->dir);
    assert_int_equal(fs_write_atomic(other, "gemeente_code;periode\n", 22), KPM_OK);
    assert_false(ingest_entry_changed(e));
    assert_int_equal(rename(other, fx->file), 0);
    assert_true(ingest_entry_changed(e));
    night_destroy(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_fixed_per_night, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_without_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hardlink_and_exdev_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_name_quarantined_as_generated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_file_left_for_next_night, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
