/* test_night.c - ingest's night state (STATE/ingest/night.state): a night's
 * records per message are fixed when it starts and kept when it is resumed,
 * whatever --batch says then, because the messages' numbers depend on them; a
 * state written before the batch was recorded resumes with the old default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_fixed_per_night, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_without_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
