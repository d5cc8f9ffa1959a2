/* test_report_pg.c - the report stage's PostgreSQL feed against a real server:
 * run by tests/e2e/run_pg.sh, which starts a throwaway server on loopback and
 * passes its connection string in KPM_TEST_PG (each test empties the schema).
 *
 * What a dashboard relies on: the tables as the CSV files show them; a night
 * is one transaction, so a reader sees the previous night until the commit and
 * nothing of a night whose load fails half-way; the same night loaded again
 * changes nothing; a changed layout replaces the table; an unreachable server
 * fails the load but not the files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "report_out.h"
#include "report_harness.h"
#include "wire_values.h"

static const char *conninfo;

#define RESPONS_SPEC "meting:int,tranche:text,uitgenodigd:int,respons:int,respons_pct:pct1"
#define LIKERT_SPEC "meting:int,groep:text,item:text,gemiddelde:dec2"

static const char open_text[] = "Tab\there, back\\slash,\n\"quoted\" and é — \\N";

/* A night whose numbers depend on v; likert_dup repeats a natural key. */
static void feed_night(report_out_t *o, int v, int likert_dup)
{
    const wire_table_row_t respons[] = {
        ROW(I(2021), S("1"), I(6), I(v), R(100.0 * v / 6)),
        ROW(I(2021), S("2"), I(0), I(1), N()),
    };
    const wire_table_row_t likert[] = {
        ROW(I(2021), S("alle"), S("aanmeldprocedure"), R(2.8 + v)),
        ROW(I(2021), S("alle"), S(likert_dup ? "aanmeldprocedure" : "masterclass"), N()),
    };
    const wire_table_row_t open[] = {ROW(I(2021), S(open_text)), ROW(I(2021), S(open_text))};

    rh_feed(o, "respons", 1, RESPONS_SPEC, respons, 2);
    rh_feed(o, "likert", 1, LIKERT_SPEC, likert, 2);
    rh_feed(o, "open_antwoorden", 1, "meting:int,tekst:text", open, 2);
}

/* ---- fixtures ---- */

typedef struct {
    char dir[64];
    PGconn *reader; /* a second connection, as a dashboard */
} fix_t;

static PGresult *exec_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    return res;
}

static int setup(void **state)
{
    fix_t *f = calloc(1, sizeof *f);

    if (f == NULL) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/kpm_test_pg.XXXXXX");
    if (mkdtemp(f->dir) == NULL) return -1;
    f->reader = PQconnectdb(conninfo);
    if (PQstatus(f->reader) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(f->reader));
        return -1;
    }
    PQclear(exec_ok(f->reader, "SET client_min_messages = warning; "
                               "DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_t *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char *p;
        if (e->d_name[0] == '.') continue;
        p = fs_join(f->dir, e->d_name);
        unlink(p);
        free(p);
    }
    if (d != NULL) closedir(d);
    rmdir(f->dir);
    PQfinish(f->reader);
    free(f);
    return 0;
}

static report_out_t *open_night(void **state, const char *night, const char *pg)
{
    char err[512] = "";
    report_out_opts_t opts = {.night = night, .pg_conninfo = pg};
    report_out_t *o = report_out_open(((fix_t *)*state)->dir, &opts, err, sizeof err);

    if (o == NULL) fail_msg("report_out_open: %s", err);
    return o;
}

static void load_night(void **state, const char *night, int v)
{
    report_out_t *o = open_night(state, night, conninfo);

    feed_night(o, v, 0);
    assert_int_equal(report_out_commit(o), KPM_OK);
    if (report_out_commit_pg(o) != KPM_OK) fail_msg("%s", report_out_error(o));
    report_out_destroy(&o);
}

/* Rows as text through the reader: "|" between cells, "\n" after rows. */
static char *query(void **state, const char *sql)
{
    PGresult *res = exec_ok(((fix_t *)*state)->reader, sql);
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);

    for (int r = 0; r < PQntuples(res); r++) {
        for (int c = 0; c < PQnfields(res); c++)
            fprintf(fp, "%s%s", c > 0 ? "|" : "",
                    PQgetisnull(res, r, c) ? "NULL" : PQgetvalue(res, r, c));
        fputc('\n', fp);
    }
    PQclear(res);
    fclose(fp);
    return out;
}

static void assert_query(void **state, const char *sql, const char *want)
{
    char *got = query(state, sql);

    if (strcmp(got, want) != 0) {
        print_error("%s\n--- got ---\n%s--- want ---\n%s", sql, got, want);
        free(got);
        fail();
    }
    free(got);
}

#define RESPONS_Q "SELECT respons, respons_pct, kpm_rij FROM respons ORDER BY kpm_rij"
#define NIGHTS_Q "SELECT nacht, tabel, rijen FROM kpm_nacht ORDER BY nacht, tabel"

/* ---- tests ---- */

static void test_pg_loads_a_night(void **state)
{
    char *sql;

    load_night(state, "N1", 5);
    assert_query(state, RESPONS_Q, "5|83.3|1\n1|NULL|2\n");
    assert_query(state,
                 "SELECT column_name, data_type, numeric_scale FROM information_schema.columns "
                 "WHERE table_name = 'likert' ORDER BY ordinal_position",
                 "meting|bigint|0\ngroep|text|NULL\nitem|text|NULL\ngemiddelde|numeric|2\n"
                 "kpm_rij|bigint|0\n");
    assert_query(state, "SELECT gemiddelde FROM likert ORDER BY kpm_rij", "7.80\nNULL\n");
    /* Text arrives byte for byte, whatever COPY would otherwise read as escapes. */
    sql = PQescapeLiteral(((fix_t *)*state)->reader, open_text, strlen(open_text));
    {
        char q[512];
        snprintf(q, sizeof q, "SELECT count(*) FROM open_antwoorden WHERE tekst = %s", sql);
        assert_query(state, q, "2\n");
    }
    PQfreemem(sql);
    assert_query(state, NIGHTS_Q, "N1|likert|2\nN1|open_antwoorden|2\nN1|respons|2\n");
}

/* The night is one transaction: while it is open (the files are committed
 * already) a reader sees the previous night whole, then the new one whole. */
static void test_pg_reader_sees_whole_nights(void **state)
{
    report_out_t *o;

    load_night(state, "N1", 5);
    o = open_night(state, "N2", conninfo);
    feed_night(o, 6, 0);
    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_query(state, RESPONS_Q, "5|83.3|1\n1|NULL|2\n");
    assert_query(state, "SELECT DISTINCT nacht FROM kpm_nacht", "N1\n");
    assert_int_equal(report_out_commit_pg(o), KPM_OK);
    report_out_destroy(&o);
    assert_query(state, RESPONS_Q, "6|100.0|1\n1|NULL|2\n");
    assert_query(state, "SELECT gemiddelde FROM likert ORDER BY kpm_rij", "8.80\nNULL\n");
}

/* The second table of the night fails (a duplicate key): nothing of the night
 * is visible, not even the first table that loaded fine; the files are
 * written. */
static void test_pg_failed_table_rolls_back_the_night(void **state)
{
    report_out_t *o;
    char *csv, *path;

    load_night(state, "N1", 5);
    o = open_night(state, "N2", conninfo);
    feed_night(o, 6, 1);
    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_int_equal(report_out_commit_pg(o), KPM_EIO);
    assert_non_null(strstr(report_out_error(o), "PostgreSQL: cannot load table 'likert'"));
    assert_non_null(strstr(report_out_error(o), "duplicate key"));
    report_out_destroy(&o);
    assert_query(state, RESPONS_Q, "5|83.3|1\n1|NULL|2\n");
    assert_query(state, "SELECT DISTINCT nacht FROM kpm_nacht", "N1\n");
    path = fs_join(((fix_t *)*state)->dir, "respons.csv");
    assert_int_equal(fs_read_all(path, &csv, NULL), KPM_OK);
    assert_non_null(strstr(csv, "2021,1,6,6,100.0\n"));
    free(csv);
    free(path);
}

/* The same night again: every table as it was, one set of kpm_nacht rows. */
static void test_pg_same_night_again_changes_nothing(void **state)
{
    const char *all = "SELECT r.*, l.*, o.* FROM respons r, likert l, open_antwoorden o "
                      "ORDER BY r.kpm_rij, l.kpm_rij, o.kpm_rij";
    char *before, *after;

    load_night(state, "N1", 5);
    before = query(state, all);
    load_night(state, "N1", 5);
    after = query(state, all);
    assert_string_equal(before, after);
    assert_query(state, NIGHTS_Q, "N1|likert|2\nN1|open_antwoorden|2\nN1|respons|2\n");
    free(before);
    free(after);
}

/* A table whose layout changed is replaced; if a view of the user's depends
 * on it, the night fails with the reason and nothing changes. */
static void test_pg_layout_change(void **state)
{
    const wire_table_row_t rows[] = {ROW(I(2021), S("1"), I(6), I(5), R(83.3), S("nee"))};
    report_out_t *o;

    load_night(state, "N1", 5);
    o = open_night(state, "N2", conninfo);
    rh_feed(o, "respons", 1, RESPONS_SPEC ",onderdrukt:text", rows, 1);
    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_int_equal(report_out_commit_pg(o), KPM_OK);
    report_out_destroy(&o);
    assert_query(state, "SELECT respons, onderdrukt FROM respons", "5|nee\n");

    PQclear(
        exec_ok(((fix_t *)*state)->reader, "CREATE VIEW mijn_respons AS SELECT * FROM respons"));
    o = open_night(state, "N3", conninfo);
    feed_night(o, 6, 0); /* respons without onderdrukt again */
    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_int_equal(report_out_commit_pg(o), KPM_EIO);
    assert_non_null(strstr(report_out_error(o), "cannot replace a table whose layout changed"));
    assert_non_null(strstr(report_out_error(o), "table 'respons'"));
    report_out_destroy(&o);
    assert_query(state, "SELECT respons, onderdrukt FROM respons", "5|nee\n");
    assert_query(state, "SELECT DISTINCT nacht FROM kpm_nacht ORDER BY 1", "N1\nN2\n");
}

static void test_pg_unreachable_fails_the_load_not_the_files(void **state)
{
    report_out_t *o = open_night(state, "N1", "host=127.0.0.1 port=1 connect_timeout=5");
    char *path = fs_join(((fix_t *)*state)->dir, "respons.csv");

    feed_night(o, 5, 0);
    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_int_equal(report_out_commit_pg(o), KPM_EIO);
    assert_non_null(strstr(report_out_error(o), "PostgreSQL: cannot connect"));
    report_out_destroy(&o);
    assert_true(fs_exists(path));
    free(path);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_pg_loads_a_night),
        T(test_pg_reader_sees_whole_nights),
        T(test_pg_failed_table_rolls_back_the_night),
        T(test_pg_same_night_again_changes_nothing),
        T(test_pg_layout_change),
        T(test_pg_unreachable_fails_the_load_not_the_files),
    };
#undef T
    conninfo = getenv("KPM_TEST_PG");
    if (conninfo == NULL) {
        fprintf(stderr, "test_report_pg: set KPM_TEST_PG to a connection string "
                        "(tests/e2e/run_pg.sh does)\n");
        return 2;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
