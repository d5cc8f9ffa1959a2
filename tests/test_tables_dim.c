/* test_tables_dim.c - the dashboard feed's own tables (aggregate/tables_dim.c)
 * and their reference data (aggregate/feed_ref.c): the shipped CBS list and
 * mergers load, invalid reference rows are refused with file and line, the
 * dimensions name every gemeente, and usage folds into today's gemeenten only
 * for mergers in force on the night's date (docs/DATABASE.md, "Today's
 * boundaries"). Expected figures are worked out in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg_build.h"
#include "feed_ref.h"
#include "kpm_err.h"
#include "state.h"
#include "tables.h"

static struct {
    catalog_t *cat;
    agg_state_t *s;
    ab_sink_t out;
    feed_ref_t *ref;
    char dir[64];
} fx;

static int setup(void **state)
{
    (void)state;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/kpm_test_dim.XXXXXX");
    fx.s = state_new(fx.cat);
    return fx.s && mkdtemp(fx.dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    ab_sink_clear(&fx.out);
    state_destroy(&fx.s);
    feed_ref_destroy(&fx.ref);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", fx.dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* ------------------------------------------------------------ feed_ref */

static void test_shipped_reference(void **state)
{
    char err[512] = "";
    (void)state;
    fx.ref = feed_ref_load(KPM_CONFIG_DIR "/gemeenten_2021.csv", 0,
                           KPM_CONFIG_DIR "/herindelingen.csv", 0, err, sizeof err);
    if (fx.ref == NULL) fail_msg("%s", err);
    assert_int_equal(fx.ref->n_gem, 352);
    assert_string_equal(fx.ref->gem[0].code, "GM1680");
    assert_string_equal(fx.ref->gem[0].naam, "Aa en Hunze");
    assert_string_equal(fx.ref->gem[0].provincie, "Drenthe");
    assert_int_equal(fx.ref->n_mrg, 14);
    int weesp = 0;
    for (size_t i = 0; i < fx.ref->n_mrg; i++)
        if (strcmp(fx.ref->mrg[i].oud, "GM0457") == 0) {
            assert_string_equal(fx.ref->mrg[i].nieuw, "GM0363");
            assert_int_equal(fx.ref->mrg[i].ingang, 20220324);
            weesp = 1;
        }
    assert_true(weesp);
}

static void test_missing_reference(void **state)
{
    char err[512] = "";
    (void)state;
    fx.ref = feed_ref_load("/nonexistent/g.csv", 1, "/nonexistent/h.csv", 1, err, sizeof err);
    assert_non_null(fx.ref); /* optional: no rows */
    assert_int_equal(fx.ref->n_gem + fx.ref->n_mrg, 0);
    feed_ref_destroy(&fx.ref);
    assert_null(feed_ref_load("/nonexistent/g.csv", 0, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/g.csv"));
}

/* Each bad file is refused with its path, line and reason. */
static void test_invalid_reference(void **state)
{
    static const char *const hdr_m =
        "gemeente_code_oud;naam_oud;gemeente_code_nieuw;naam_nieuw;ingang\n";
    static const struct {
        int mergers;
        const char *rows, *want;
    } bad[] = {
        {0, "GMX;A;Utrecht;5\n", "line 2: 'GMX' is not a gemeente code"},
        {0, "GM0001;A;Utrecht;5\nGM0001;B;Utrecht;6\n", "line 3: gemeente GM0001 comes twice"},
        {0, "GM0001;A;Utrecht;-5\n", "line 2: inwoners '-5'"},
        {0, "GM0001;;Utrecht;5\n", "line 2: naam is empty"},
        {1, "GM0001;A;GM0001;A;2022-01-01\n", "line 2: gemeente GM0001 is merged into itself"},
        {1, "GM0001;A;GM0002;B;2022-01-01\nGM0001;A;GM0003;C;2023-01-01\n",
         "line 3: gemeente GM0001 is merged twice"},
        {1, "GM0001;A;GM0002;B;2022-02-30\n", "line 2: ingang '2022-02-30' is not a date"},
        {1, "GM0001;A;GM0002;B\n", "line 2: ingang '' is not a date"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], err[512] = "";
        snprintf(text, sizeof text, "%s%s",
                 bad[i].mergers ? hdr_m : "gemeente_code;naam;provincie;inwoners\n", bad[i].rows);
        const char *path = write_file(bad[i].mergers ? "h.csv" : "g.csv", text);
        feed_ref_t *r = bad[i].mergers ? feed_ref_load(NULL, 0, path, 0, err, sizeof err)
                                       : feed_ref_load(path, 0, NULL, 0, err, sizeof err);
        if (r != NULL || strstr(err, bad[i].want) == NULL || strstr(err, path) == NULL)
            fail_msg("case %zu: want '%s', got '%s'", i, bad[i].want, err);
    }
    char err[512] = "";
    const char *path = write_file("h.csv", "gemeente_code_oud;naam_oud;ingang\n");
    assert_null(feed_ref_load(NULL, 0, path, 0, err, sizeof err));
    assert_non_null(strstr(err, "line 1: column 'gemeente_code_nieuw' is missing"));
}

/* ------------------------------------------------------------ the fold */

/* Two old gemeenten A (GM0001, 1000 inhabitants in 2021) and B (GM0002,
 * 3000) merge into the new GM0009 "AB" from 2022-01-01; B belongs to koploper
 * KL1. The list's year, 2021, comes from its file name. */
static void build_fold(void)
{
    char err[512] = "";
    const char *g =
        write_file("gemeenten_2021.csv", "gemeente_code;naam;provincie;inwoners\n"
                                         "GM0001;A;Utrecht;1000\nGM0002;B;Utrecht;3000\n"
                                         "GM0003;C;Drenthe;2000\n");
    char gpath[256];
    snprintf(gpath, sizeof gpath, "%s", g);
    const char *h =
        write_file("h.csv", "gemeente_code_oud;naam_oud;gemeente_code_nieuw;naam_nieuw;ingang\n"
                            "GM0001;A;GM0009;AB;2022-01-01\n"
                            "GM0002;B;GM0009;AB;2022-01-01\n");
    fx.ref = feed_ref_load(gpath, 0, h, 0, err, sizeof err);
    assert_non_null(fx.ref);
    ab_koploper_in(fx.s, "KL1", 1, 2020, "GM0002", "GM0002", NULL);
    ab_gebruik(fx.s, "GM0001", 202103, "professioneel", 1, -1, 10);
    ab_gebruik(fx.s, "GM0002", 202104, "professioneel", 2, -1, 20);
    ab_gebruik(fx.s, "GM0002", 202104, "vrijwillig", -1, -1, -1);
    ab_gebruik(fx.s, "GM0009", 202205, "professioneel", 4, -1, 40);
    ab_gebruik(fx.s, "GM0003", 202205, "informeel", 8, -1, -1);
}

static void emit_as_of(int32_t as_of)
{
    tables_opts_t o = {
        .min_cell = 5, .uren_per_dag = 8, .dagen_toegekend = 8, .ref = fx.ref, .as_of = as_of};
    ab_emit(fx.s, &o, &fx.out, AB_TABLES);
}

static void test_fold_in_force(void **state)
{
    (void)state;
    build_fold();
    emit_as_of(20261206);
    ab_table_t t = ab_table(&fx.out, "gebruik_gemeente_nu");
    /* 2021: A 1 / 10 and B 2 / 20 under GM0009, inhabitants 1000 + 3000 = 4000,
     * 1000 * 30 / 4000 = 7.5; koploper because B is. C has no clients: empty. */
    assert_string_equal(ab_rows_text(&t), "2021,GM0009,ja,3,30,4000,7.5\n"
                                          "2022,GM0003,nee,8,,2000,\n"
                                          "2022,GM0009,ja,4,40,4000,10\n");
    t = ab_table(&fx.out, "gebruik_gemeente"); /* as delivered: GM0009 has no figure */
    assert_string_equal(ab_rows_text(&t), "2021,GM0001,nee,1,10,1000,10\n"
                                          "2021,GM0002,ja,2,20,3000,6.666666667\n"
                                          "2022,GM0003,nee,8,,2000,\n"
                                          "2022,GM0009,nee,4,40,,\n");
    t = ab_table(&fx.out, "gemeente");
    assert_string_equal(ab_rows_text(&t), "GM0001,A,Utrecht,1000,2021,nee,GM0009,,cbs_2021\n"
                                          "GM0002,B,Utrecht,3000,2021,ja,GM0009,,cbs_2021\n"
                                          "GM0003,C,Drenthe,2000,2021,nee,GM0003,2000,cbs_2021\n"
                                          "GM0009,AB,Utrecht,,,nee,GM0009,4000,herindeling\n");
    t = ab_table(&fx.out, "koploper_gemeente"); /* a gemeente listed twice counts once */
    assert_string_equal(ab_rows_text(&t), "KL1,GM0002\n");
    t = ab_table(&fx.out, "gebruik_koploper");
    assert_string_equal(ab_rows_text(&t), "2021,KL1,2,20,3000,6.666666667\n");
}

/* On a night before the merger's date nothing folds. Once it is in force, a
 * delivered figure of the new gemeente (undated here) counts from the year it
 * exists; 2021 keeps the figures of A and B, the gemeenten of that year. */
static void test_fold_not_yet_in_force(void **state)
{
    (void)state;
    build_fold();
    emit_as_of(20211231);
    ab_table_t t = ab_table(&fx.out, "gebruik_gemeente_nu");
    assert_string_equal(ab_rows_text(&t), "2021,GM0001,nee,1,10,1000,10\n"
                                          "2021,GM0002,ja,2,20,3000,6.666666667\n"
                                          "2022,GM0003,nee,8,,2000,\n"
                                          "2022,GM0009,nee,4,40,,\n");
    ab_gemeente(fx.s, "GM0009", 5000);
    emit_as_of(20220101);
    t = ab_table(&fx.out, "gebruik_gemeente_nu");
    assert_string_equal(ab_rows_text(&t), "2021,GM0009,ja,3,30,4000,7.5\n"
                                          "2022,GM0003,nee,8,,2000,\n"
                                          "2022,GM0009,ja,4,40,5000,8\n");
}

/* Inhabitants per year (docs/DATABASE.md, "Inhabitants per year"): on top of
 * build_fold's 2021 list, C's 2022 figure is delivered twice (2100, then 2200:
 * the later one counts), AB's 2023 figure 4500 and A's 2020 figure 900. */
static void test_inhabitants_per_year(void **state)
{
    (void)state;
    build_fold();
    ab_gemeente_in(fx.s, "GM0003", 2022, 2100);
    ab_gemeente_in(fx.s, "GM0003", 2022, 2200);
    ab_gemeente_in(fx.s, "GM0009", 2023, 4500);
    ab_gemeente_in(fx.s, "GM0001", 2020, 900);
    ab_gebruik(fx.s, "GM0003", 202001, "professioneel", 1, -1, 10);
    ab_gebruik(fx.s, "GM0003", 202301, "professioneel", 1, -1, 22);
    ab_gebruik(fx.s, "GM0001", 202001, "professioneel", 1, -1, 9);
    ab_gebruik(fx.s, "GM0009", 202301, "professioneel", 1, -1, 45);
    ab_gebruik(fx.s, "GM0009", 202401, "professioneel", 1, -1, 9);
    emit_as_of(20261206);
    ab_table_t t = ab_table(&fx.out, "gemeente_inwoners");
    assert_string_equal(ab_rows_text(&t), "GM0001,2020,900,geleverd\n"
                                          "GM0001,2021,1000,cbs\n"
                                          "GM0002,2021,3000,cbs\n"
                                          "GM0003,2021,2000,cbs\n"
                                          "GM0003,2022,2200,geleverd\n"
                                          "GM0009,2023,4500,geleverd\n");
    /* As delivered, each code by its own figures: C in 2020 has none of its
     * own year or before, so the nearest later (2021: 2000); C in 2023 the
     * nearest earlier (2022: 2200); AB in 2024 its 2023 figure. */
    t = ab_table(&fx.out, "gebruik_gemeente");
    assert_string_equal(ab_rows_text(&t), "2020,GM0001,nee,1,9,900,10\n"
                                          "2020,GM0003,nee,1,10,2000,5\n"
                                          "2021,GM0001,nee,1,10,1000,10\n"
                                          "2021,GM0002,ja,2,20,3000,6.666666667\n"
                                          "2022,GM0003,nee,8,,2200,\n"
                                          "2022,GM0009,nee,4,40,4500,8.888888889\n"
                                          "2023,GM0003,nee,1,22,2200,10\n"
                                          "2023,GM0009,nee,1,45,4500,10\n"
                                          "2024,GM0009,nee,1,9,4500,2\n");
    /* Today's boundaries: 2020 is not A's 900 plus B's 2021 figure (years are
     * never mixed) but 2021's A + B = 4000; 2022 has no figure of AB, the
     * gemeente of that year, and falls back to 2021's A + B; from 2023 AB's
     * own figure. AB is a koploper's through B. */
    t = ab_table(&fx.out, "gebruik_gemeente_nu");
    assert_string_equal(ab_rows_text(&t), "2020,GM0003,nee,1,10,2000,5\n"
                                          "2020,GM0009,ja,1,9,4000,2.25\n"
                                          "2021,GM0009,ja,3,30,4000,7.5\n"
                                          "2022,GM0003,nee,8,,2200,\n"
                                          "2022,GM0009,ja,4,40,4000,10\n"
                                          "2023,GM0003,nee,1,22,2200,10\n"
                                          "2023,GM0009,ja,1,45,4500,10\n"
                                          "2024,GM0009,ja,1,9,4500,2\n");
    t = ab_table(&fx.out, "gemeente"); /* the latest figure and its year */
    assert_string_equal(ab_rows_text(&t),
                        "GM0001,GM0001,Utrecht,1000,2021,nee,GM0009,,geleverd\n"
                        "GM0002,B,Utrecht,3000,2021,ja,GM0009,,cbs_2021\n"
                        "GM0003,GM0003,Utrecht,2200,2022,nee,GM0003,2200,geleverd\n"
                        "GM0009,GM0009,Utrecht,4500,2023,nee,GM0009,4500,geleverd\n");
}

int main(void)
{
    char err[256];
    fx.cat = catalog_load(KPM_CONFIG_DIR "/vragenlijst-2021.csv", err, sizeof err);
    if (!fx.cat) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_shipped_reference), T(test_missing_reference),     T(test_invalid_reference),
        T(test_fold_in_force),     T(test_fold_not_yet_in_force), T(test_inhabitants_per_year),
    };
#undef T
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    catalog_destroy(&fx.cat);
    return rc;
}
