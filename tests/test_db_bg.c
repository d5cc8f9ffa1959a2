/* test_db_bg.c - kpm.sqlite filled on its own thread: the same database as
 * filled directly (also when the queue fills and the caller has to wait), a
 * refused row reported with db_sqlite's message, and a night abandoned while
 * the thread works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_bg.h"
#include "db_sqlite.h"
#include "kpm_err.h"
#include "report_harness.h"

/* gebruik's columns: its primary key is (gemeente_code, periode, aanbieder_type) */
#define SPEC                                                                                       \
    "gemeente_code:text,periode:text,aanbieder_type:text,nieuwe_vragen:int,"                       \
    "lopende_trajecten:int,aandeel:dec1"
#define NCELLS 6
#define MANY 200000 /* rows: ~8 MB of queue, four times what may wait at once */

static db_table_t table(const char *name)
{
    rh_tdef_t d;
    db_table_t t;
    char err[200];
    rh_tdef(&d, name, 1, "union", SPEC);
    if (db_table_init(&t, &d.tb, err, sizeof err) != KPM_OK) fail_msg("%s", err);
    return t;
}

/* Row i's cells (a key of its own), an empty cell now and then. */
static void row_cells(uint32_t i, char bufs[NCELLS][32], db_cell_t *cells)
{
    snprintf(bufs[0], 32, "GM%04u", i % 10000);
    snprintf(bufs[1], 32, "%u", 201500 + i / 10000);
    snprintf(bufs[2], 32, "wmo");
    snprintf(bufs[3], 32, "%u", i * 7 % 1000);
    snprintf(bufs[4], 32, "%u", i % 77);
    snprintf(bufs[5], 32, "%u.%u", i % 100, i % 10);
    for (int c = 0; c < NCELLS; c++)
        cells[c] = (db_cell_t){bufs[c], strlen(bufs[c])};
    if (i % 13 == 0) cells[4] = (db_cell_t){NULL, 0};
}

/* Two tables into out_dir/kpm.sqlite, directly or through the thread. */
static void fill(const char *dir, int threaded, uint32_t rows)
{
    char err[256], bufs[NCELLS][32];
    db_cell_t cells[NCELLS];
    db_table_t t1 = table("gebruik"), t2 = table("klein"); /* klein: keyed by kpm_rij */
    db_sqlite_t *sq = db_sqlite_open(dir, "N1", err, sizeof err);
    if (!sq) fail_msg("%s", err);
    db_bg_t *bg = threaded ? db_bg_start(sq, err, sizeof err) : NULL;
    if (threaded && !bg) fail_msg("%s", err);
    const db_table_t *ts[2] = {&t1, &t2};
    uint32_t n[2] = {rows, 3};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(threaded ? db_bg_table_begin(bg, ts[k]) : db_sqlite_table_begin(sq, ts[k]),
                         KPM_OK);
        for (uint32_t i = 0; i < n[k]; i++) {
            row_cells(i, bufs, cells);
            assert_int_equal(threaded ? db_bg_table_row(bg, cells, NCELLS)
                                      : db_sqlite_table_row(sq, cells),
                             KPM_OK);
        }
        assert_int_equal(threaded ? db_bg_table_end(bg) : db_sqlite_table_end(sq), KPM_OK);
    }
    if (threaded) {
        assert_int_equal(db_bg_finish(bg, "2026-11-26T03:00:00Z"), KPM_OK);
        assert_int_equal(db_bg_wait(bg), KPM_OK);
        db_bg_destroy(&bg);
    } else {
        assert_int_equal(db_sqlite_finish(sq, "2026-11-26T03:00:00Z"), KPM_OK);
    }
    assert_int_equal(db_sqlite_install(sq), KPM_OK);
    db_sqlite_destroy(&sq);
}

/* Every row of every table, in rowid order, as text. */
static char *dump(const char *dir)
{
    char path[256], *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    sqlite3 *db;
    sqlite3_stmt *st;
    snprintf(path, sizeof path, "%s/kpm.sqlite", dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    const char *q[] = {"SELECT * FROM gebruik ORDER BY rowid", "SELECT * FROM klein ORDER BY rowid",
                       "SELECT * FROM kpm_nacht ORDER BY rowid",
                       "SELECT sql FROM sqlite_master ORDER BY name"};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
        assert_int_equal(sqlite3_prepare_v2(db, q[k], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *v = sqlite3_column_text(st, c);
                fprintf(mem, "%s%s", c ? "|" : "", v ? (const char *)v : "NULL");
            }
            fputc('\n', mem);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    fclose(mem);
    return out;
}

static void test_same_database_as_direct(void **state)
{
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/direct", rh_dir(state));
    snprintf(b, sizeof b, "%s/thread", rh_dir(state));
    assert_int_equal(fs_mkdirs(a, 0700), KPM_OK);
    assert_int_equal(fs_mkdirs(b, 0700), KPM_OK);
    fill(a, 0, MANY);
    fill(b, 1, MANY);
    char *da = dump(a), *db = dump(b);
    assert_true(strlen(da) > (size_t)MANY * 20);
    assert_string_equal(da, db);
    free(da);
    free(db);
    char path[160];
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/kpm.sqlite", k ? b : a);
        unlink(path);
    }
    rmdir(a);
    rmdir(b);
}

/* A night's kpm.sqlite in the test's directory with its thread, table t begun. */
static db_bg_t *start_on_table(void **state, const db_table_t *t, db_sqlite_t **sq)
{
    char err[256];
    *sq = db_sqlite_open(rh_dir(state), "N1", err, sizeof err);
    if (!*sq) fail_msg("%s", err);
    db_bg_t *bg = db_bg_start(*sq, err, sizeof err);
    if (!bg) fail_msg("%s", err);
    assert_int_equal(db_bg_table_begin(bg, t), KPM_OK);
    return bg;
}

/* A duplicate key: the thread stops at it; db_bg_wait gives db_sqlite's code
 * and message; calls after the thread failed return its error. */
static void test_refused_row(void **state)
{
    char bufs[NCELLS][32];
    db_cell_t cells[NCELLS];
    db_table_t t = table("gebruik");
    db_sqlite_t *sq;
    db_bg_t *bg = start_on_table(state, &t, &sq);
    row_cells(5, bufs, cells);
    assert_int_equal(db_bg_table_row(bg, cells, NCELLS), KPM_OK);
    assert_int_equal(db_bg_table_row(bg, cells, NCELLS), KPM_OK); /* queued: not refused yet */
    int rc = KPM_OK;
    /* later calls learn of it once the thread has failed (queue blocks hand over) */
    for (uint32_t i = 6; i < MANY && rc == KPM_OK; i++) {
        row_cells(i + 10000, bufs, cells);
        rc = db_bg_table_row(bg, cells, NCELLS);
    }
    assert_int_equal(rc, KPM_EPROTO);
    assert_int_equal(db_bg_wait(bg), KPM_EPROTO);
    assert_non_null(strstr(db_sqlite_error(sq), "table 'gebruik', row 2"));
    db_bg_destroy(&bg);
    db_sqlite_destroy(&sq);
    assert_null(rh_slurp(state, "kpm.sqlite.tmp"));
}

/* Abandoned while the thread has work queued: it stops, nothing leaks (the
 * sanitizer run checks), the temporary file goes. */
static void test_abandoned_night(void **state)
{
    char bufs[NCELLS][32];
    db_cell_t cells[NCELLS];
    db_table_t t = table("gebruik");
    db_sqlite_t *sq;
    db_bg_t *bg = start_on_table(state, &t, &sq);
    for (uint32_t i = 0; i < MANY / 4; i++) {
        row_cells(i, bufs, cells);
        assert_int_equal(db_bg_table_row(bg, cells, NCELLS), KPM_OK);
    }
    db_bg_destroy(&bg);
    assert_null(bg);
    db_bg_destroy(&bg);
    db_sqlite_destroy(&sq);
    assert_null(rh_slurp(state, "kpm.sqlite.tmp"));
    assert_null(rh_slurp(state, "kpm.sqlite"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_database_as_direct, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_refused_row, rh_tmpdir_setup, rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_abandoned_night, rh_tmpdir_setup, rh_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
