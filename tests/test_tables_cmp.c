/* test_tables_cmp.c - the comparisons module: its configuration files, the
 * small-cell plan (complementary suppression) and the tables tevredenheid and
 * vergelijking as tables_emit() writes them, with the suppression they share
 * with likert, keuze and besteding.
 *
 * Expected intervals and p-values are REFERENCE values of
 * tests/data/stats/reference.py (see test_stats.c), computed for the counts of
 * the fixture below: e.g. `r.wilson(11, 13)`, `r.fisher(11, 2, 10, 5)`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg_build.h"
#include "batcher.h"
#include "kpm_err.h"
#include "report_out.h"
#include "state.h"
#include "tables.h"
#include "tables_cmp.h"

static struct {
    catalog_t *cat;
    agg_state_t *s;
    ab_sink_t out;
    char dir[64];
    tables_cmp_config_t *cfg;
} fx;

static int setup(void **state)
{
    (void)state;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/kpm-test-cmp.XXXXXX");
    if (!mkdtemp(fx.dir)) return -1;
    fx.s = state_new(fx.cat);
    return fx.s ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    ab_sink_clear(&fx.out);
    state_destroy(&fx.s);
    tables_cmp_config_destroy(&fx.cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes name in the test's directory; returns its path (static buffer). */
static const char *put_file(const char *name, const char *text)
{
    static char path[2][128];
    static int k;
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/%s", fx.dir, name);
    FILE *fp = fopen(path[k], "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path[k];
}

#define GROUPS_HDR "naam;tranches\n"
#define CMP_HDR "naam;type;meting_a;groep_a;meting_b;groep_b\n"

/* Loads cmp_text and groups_text; returns NULL with the message in err. */
static tables_cmp_config_t *load(const char *cmp_text, const char *groups_text, char *err,
                                 size_t errlen)
{
    const char *g = groups_text ? put_file("groepen.csv", groups_text) : NULL;
    const char *c = cmp_text ? put_file("vergelijkingen.csv", cmp_text) : NULL;
    return tables_cmp_config_load(c, 0, g, 0, err, errlen);
}

/* ---------------------------------------------------------- configuration */

static void test_config_shipped(void **state)
{
    (void)state;
    char err[512];
    tables_cmp_config_t *c = tables_cmp_config_load(
        KPM_CONFIG_DIR "/vergelijkingen.csv", 0, KPM_CONFIG_DIR "/groepen.csv", 0, err, sizeof err);
    if (!c) fail_msg("%s", err);
    /* The evaluators' three comparisons. */
    assert_int_equal(tables_cmp_config_count(c), 3);
    assert_int_equal(c->cmps[0].paired, 0);
    assert_int_equal(c->cmps[0].meting[0], 2020);
    assert_int_equal(c->cmps[0].grp[0].kind, TABLES_CMP_ALLE);
    assert_int_equal(c->cmps[1].grp[0].kind, TABLES_CMP_NAMED);
    assert_string_equal(c->groups[c->cmps[1].grp[0].named].name, "tranche 1-3");
    assert_int_equal(c->cmps[1].grp[1].kind, TABLES_CMP_TRANCHE);
    assert_int_equal(c->cmps[1].grp[1].tranche, 4);
    assert_int_equal(c->cmps[2].paired, 1);
    tables_cmp_config_destroy(&c);
    assert_null(c);
}

static void test_config_missing_files(void **state)
{
    (void)state;
    char err[512], path[128];
    snprintf(path, sizeof path, "%s/none.csv", fx.dir);
    /* A missing default file: no comparisons. */
    tables_cmp_config_t *c = tables_cmp_config_load(path, 1, path, 1, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(tables_cmp_config_count(c), 0);
    tables_cmp_config_destroy(&c);
    /* A missing file that was asked for is an error naming it. */
    assert_null(tables_cmp_config_load(path, 0, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "none.csv"));
}

static void test_config_errors_name_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *cmp, *groups, *want;
    } t[] = {
        {CMP_HDR "a;onafhankelijk;2020;alle;2021;onbekend\n", NULL,
         "vergelijkingen.csv' line 2: unknown group 'onbekend'"},
        {CMP_HDR "a;onafhankelijk;2020;alle;2021;alle\n\nb;los;2020;alle;2021;alle\n", NULL,
         "vergelijkingen.csv' line 4: type must be"},
        {CMP_HDR "a;onafhankelijk;2021;alle;2021;tranche-4\n", NULL,
         "line 2: an independent comparison within one meting"},
        {CMP_HDR "a;onafhankelijk;2021;t12;2021;tranche-2\n", GROUPS_HDR "t12;1|2\n",
         "line 2: an independent comparison within one meting"},
        {CMP_HDR "a;gepaard;2020;alle;2021;tranche-1\n", NULL, "line 2: a paired comparison"},
        {CMP_HDR "a;gepaard;2021;alle;2021;alle\n", NULL, "line 2: a paired comparison"},
        {CMP_HDR "a;onafhankelijk;2020;alle;2021;alle\nA;onafhankelijk;2020;alle;2021;alle\n", NULL,
         "line 3: comparison 'A' is defined twice"},
        {CMP_HDR "a;onafhankelijk;twintig;alle;2021;alle\n", NULL, "line 2: meting_a must be"},
        {"naam;type;meting_a;groep_a;meting_b\n", NULL, "line 1: required column 'groep_b'"},
        {NULL, GROUPS_HDR "alle;1|2\n", "groepen.csv' line 2: group name 'alle' is reserved"},
        {NULL, GROUPS_HDR "tranche-2;2\n", "line 2: group name 'tranche-2' is reserved"},
        {NULL, GROUPS_HDR "x;1|1\n", "line 2: group 'x' lists tranche 1 twice"},
        {NULL, GROUPS_HDR "x;1,2\n", "line 2: group 'x': tranches must be whole numbers"},
        {NULL, GROUPS_HDR "x;\n", "line 2: group 'x': tranches must be whole numbers"},
        {NULL, GROUPS_HDR "x;1\nX;2\n", "line 3: group 'X' is defined twice"},
        {NULL, "", "groepen.csv': the file is empty"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char err[512] = "";
        tables_cmp_config_t *c = load(t[i].cmp, t[i].groups, err, sizeof err);
        if (c) fail_msg("case %zu loaded", i);
        if (!strstr(err, t[i].want)) fail_msg("case %zu: '%s' lacks '%s'", i, err, t[i].want);
    }
}

static void test_config_accepts(void **state)
{
    (void)state;
    char err[512];
    /* Any column order, either delimiter, blank rows, case-insensitive names,
     * independent groups in one meting without common tranches. */
    tables_cmp_config_t *c = load("groep_b,meting_b,groep_a,meting_a,type,naam\n"
                                  "Tranche-4,2021,T12,2021,Onafhankelijk,binnen 2021\n,,,,,\n"
                                  "t12,2021,t12,2020,GEPAARD,paren\n",
                                  GROUPS_HDR "t12; 1 | 2 \n", err, sizeof err);
    if (!c) fail_msg("%s", err);
    assert_int_equal(tables_cmp_config_count(c), 2);
    assert_string_equal(c->cmps[0].name, "binnen 2021");
    assert_int_equal(c->cmps[0].grp[1].tranche, 4);
    assert_int_equal(c->groups[0].n, 2);
    assert_true(tables_cmp_group_has(c, &c->cmps[0].grp[0], 2));
    assert_false(tables_cmp_group_has(c, &c->cmps[0].grp[0], 3));
    assert_int_equal(c->cmps[1].paired, 1);
    tables_cmp_config_destroy(&c);
}

/* ------------------------------------------------------------------ plan */

/* Runs the plan on tranche sizes with groups alle (fixed), each tranche, then
 * the named masks (ending with 0); returns the suppressed groups as a string
 * of 0/1 in that order (tranches, alle, named). */
static const char *plan(int min_cell, int strict, const uint64_t *sizes, size_t n, ...)
{
    static char buf[80];
    tables_cmp_group_t g[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        g[k++] = (tables_cmp_group_t){1u << i, 0, 0};
    g[k++] = (tables_cmp_group_t){(1u << n) - 1, 1, 0};
    va_list ap;
    va_start(ap, n);
    unsigned mask;
    while ((mask = va_arg(ap, unsigned)) != 0)
        g[k++] = (tables_cmp_group_t){mask, 0, 0};
    va_end(ap);
    assert_int_equal(tables_cmp_plan(sizes, n, g, k, min_cell, strict), KPM_OK);
    for (size_t i = 0; i < k; i++)
        buf[i] = g[i].suppressed ? '1' : '0';
    buf[k] = '\0';
    return buf;
}

static void test_plan_one_small_tranche_takes_the_next_smallest(void **state)
{
    (void)state;
    /* Tranche 5 (2) alone would be alle minus the other four: tranche 4 (6),
     * the smallest other, goes too. The sample inbox's 2021 round. */
    static const uint64_t s1[] = {10, 9, 9, 6, 2};
    assert_string_equal(plan(5, 0, s1, 5, 0u), "000110");
    /* Exactly at the threshold is shown, but may be taken to protect another. */
    static const uint64_t s2[] = {10, 5, 4};
    assert_string_equal(plan(5, 0, s2, 3, 0u), "0110");
    /* Nothing small, nothing suppressed; threshold 0 suppresses nothing. */
    static const uint64_t s3[] = {5, 5};
    assert_string_equal(plan(5, 0, s3, 2, 0u), "000");
    static const uint64_t s4[] = {1, 2};
    assert_string_equal(plan(0, 0, s4, 2, 0u), "000");
}

static void test_plan_named_groups_and_empty_tranches(void **state)
{
    (void)state;
    /* Named group {1,2} makes tranche 3 = alle - group: no single extra
     * suppression closes every route, so tranche 2 and then the group go. */
    static const uint64_t s1[] = {8, 7, 2};
    assert_string_equal(plan(5, 0, s1, 3, 3u, 0u), "01101");
    /* A tranche without respondents is known to be empty (respons.csv): with it,
     * alle - tranche 1 is tranche 3, so tranche 1 goes too. */
    static const uint64_t s2[] = {10, 0, 3};
    assert_string_equal(plan(5, 0, s2, 3, 0u), "1110");
    /* One tranche that is the whole meting: it equals alle, which is shown. */
    static const uint64_t s3[] = {0, 3};
    assert_string_equal(plan(5, 0, s3, 2, 0u), "110");
}

static void test_plan_strict_protects_sums(void **state)
{
    (void)state;
    /* Two small tranches: neither can be computed alone, but their sum (4) is
     * alle - tranche 1. The default rule allows that, the strict one does not. */
    static const uint64_t s[] = {10, 2, 2};
    assert_string_equal(plan(5, 0, s, 3, 0u), "0110");
    assert_string_equal(plan(5, 1, s, 3, 0u), "1110");
    /* Their sum at the threshold is allowed by both. */
    static const uint64_t s2[] = {10, 3, 2};
    assert_string_equal(plan(5, 1, s2, 3, 0u), "0110");
    uint64_t many[33] = {0};
    tables_cmp_group_t g = {1, 0, 0};
    assert_int_equal(tables_cmp_plan(many, 33, &g, 1, 5, 0), KPM_ERANGE);
}

/* -------------------------------------------------------------- tables */

#define BST                                                                                        \
    "besteding_interne_projectleiding", "50", "besteding_externe_projectleiding", "10",            \
        "besteding_scholing", "10", "besteding_clientondersteuners", "10",                         \
        "besteding_communicatie", "10", "besteding_anders", "10"

/* Two rounds. 2020: tranche 1 (6), 2 (5), 3 (2); 2021: tranche 1 (5), 2 (5),
 * 4 (5), tranche 3 invited without response. deskundigheid_adviseurs per
 * koploper, 2020 then 2021 (see the counts in the tests). */
static void build_rounds(void)
{
    static const struct {
        const char *id;
        int tranche;
        const char *d2020, *d2021; /* NULL: no response that year */
    } k[] = {
        {"K101", 1, "4", "4"},  {"K102", 1, "4", "3"},  {"K103", 1, "3", "2"},
        {"K104", 1, "3", "1"},  {"K105", 1, "3", "1"},  {"K106", 1, "3", NULL},
        {"K201", 2, "3", "3"},  {"K202", 2, "3", "4"},  {"K203", 2, "1", "1"},
        {"K204", 2, "2", "2"},  {"K205", 2, "4", "4"},  {"K301", 3, "4", NULL},
        {"K302", 3, "4", NULL}, {"K401", 4, NULL, "4"}, {"K402", 4, NULL, "4"},
        {"K403", 4, NULL, "4"}, {"K404", 4, NULL, "4"}, {"K405", 4, NULL, "4"},
    };
    static const char *const kennis[] = {"0", "", "4", "2", "3", "1"}; /* 2020, tranche 1 */
    ab_file(fx.s, "koplopers.csv", "koplopers");
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        ab_koploper(fx.s, k[i].id, k[i].tranche);
    ab_deelnemer(fx.s, 2021, "K301", "kort", "deelnemers_2021.csv", 2);
    for (uint32_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        char rid[16];
        if (k[i].d2020) {
            snprintf(rid, sizeof rid, "A-%s", k[i].id);
            if (k[i].tranche == 1)
                ab_response(fx.s, rid, 2020, k[i].id, "2020-03-01", "uitvraag_2020.csv", i + 2,
                            "deskundigheid_adviseurs", k[i].d2020, "kennisdeling_koplopers",
                            kennis[i], "regiobijeenkomst", "ja", BST, NULL);
            else
                ab_response(fx.s, rid, 2020, k[i].id, "2020-03-01", "uitvraag_2020.csv", i + 2,
                            "deskundigheid_adviseurs", k[i].d2020, "regiobijeenkomst", "ja", BST,
                            NULL);
        }
        if (k[i].d2021) {
            snprintf(rid, sizeof rid, "B-%s", k[i].id);
            ab_response(fx.s, rid, 2021, k[i].id, "2021-03-01", "uitvraag_2021.csv", i + 2,
                        "deskundigheid_adviseurs", k[i].d2021, NULL);
        }
    }
}

#define ROUNDS_GROUPS GROUPS_HDR "t13;1|2|3\n"
#define ROUNDS_CMPS                                                                                \
    CMP_HDR "jaar;onafhankelijk;2020;alle;2021;alle\n"                                             \
            "t13 en t4;onafhankelijk;2020;t13;2021;tranche-4\n"                                    \
            "paren;gepaard;2020;t13;2021;t13\n"

static void emit(int min_cell, const tables_cmp_config_t *cfg)
{
    ab_sink_clear(&fx.out);
    batcher_t *b = batcher_new("20210301T030000Z", 7, 1 << 16, ab_sink_emit, &fx.out);
    assert_non_null(b);
    tables_opts_t o = {.min_cell = min_cell, .uren_per_dag = 8, .dagen_toegekend = 8, .cmp = cfg};
    uint64_t tables = 0, rows = 0;
    assert_int_equal(tables_emit(fx.s, &o, b, &tables, &rows), KPM_OK);
    assert_int_equal(batcher_flush(b), KPM_OK);
    batcher_destroy(&b);
    assert_int_equal(tables, AB_TABLES);
}

static void load_rounds(void)
{
    char err[512];
    fx.cfg = load(ROUNDS_CMPS, ROUNDS_GROUPS, err, sizeof err);
    if (!fx.cfg) fail_msg("%s", err);
}

static const wire_value_t *cell(const ab_table_t *t, size_t row, const char *col)
{
    for (size_t c = 0; c < t->begin->n_cols; c++)
        if (wire_str_eq(t->begin->col_names[c], col)) return &t->rows[row].u.table_row.cells[c];
    fail_msg("no column %s", col);
    return NULL;
}

/* The row of t whose first three cells read k0,k1,k2 (as ab_cell_text). */
static size_t row_of(const ab_table_t *t, const char *k0, const char *k1, const char *k2)
{
    for (size_t r = 0; r < t->n; r++) {
        char a[160], b[160], c[160];
        const wire_value_t *v = t->rows[r].u.table_row.cells;
        ab_cell_text(&v[0], a, sizeof a);
        ab_cell_text(&v[1], b, sizeof b);
        ab_cell_text(&v[2], c, sizeof c);
        if (!strcmp(a, k0) && !strcmp(b, k1) && !strcmp(c, k2)) return r;
    }
    fail_msg("no row %s,%s,%s", k0, k1, k2);
    return 0;
}

static void expect_real(const ab_table_t *t, size_t r, const char *col, double want)
{
    const wire_value_t *v = cell(t, r, col);
    assert_int_equal(v->type, WIRE_VAL_REAL);
    if (fabs(v->r - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))
        fail_msg("%s: got %.12g, want %.12g", col, v->r, want);
}

static void test_table_order(void **state)
{
    (void)state;
    build_rounds();
    load_rounds();
    emit(5, fx.cfg);
    /* the comparison tables follow the survey's satisfaction table, before the
     * questionnaire's own tables */
    const char *names[AB_TABLES + 2] = {NULL};
    size_t n = 0, at = 0;
    for (size_t i = 0; i < fx.out.n_recs; i++)
        if (fx.out.recs[i].kind == WIRE_REC_TABLE_BEGIN && n < AB_TABLES) {
            names[n] = fx.out.recs[i].u.table_begin.name.ptr;
            if (memcmp(names[n], "tevredenheid", 12) == 0) at = n;
            n++;
        }
    assert_int_equal(n, AB_TABLES);
    assert_memory_equal(names[at], "tevredenheid", 12);
    assert_memory_equal(names[at + 1], "vergelijking", 12);
    assert_memory_equal(names[at + 2], "vragen", 6);
    ab_table_t t = ab_table(&fx.out, "tevredenheid");
    assert_string_equal(ab_cols_text(&t),
                        "meting:int,groep:text,item:text,n:int,tevreden:int,aandeel_pct:pct1,"
                        "ci_laag_pct:pct1,ci_hoog_pct:pct1,groepsonthulling:jn,onderdrukt:jn");
    t = ab_table(&fx.out, "vergelijking");
    assert_string_equal(ab_cols_text(&t),
                        "vergelijking:text,item:text,type:text,meting_a:int,groep_a:text,n_a:int,"
                        "aandeel_a_pct:pct1,meting_b:int,groep_b:text,n_b:int,aandeel_b_pct:pct1,"
                        "verschil_pp:dec1,ci_laag_pp:dec1,ci_hoog_pp:dec1,toets:text,"
                        "p_waarde:dec4,significant:jn,onderdrukt:jn");
}

static void test_tevredenheid(void **state)
{
    (void)state;
    build_rounds();
    load_rounds();
    emit(5, fx.cfg);
    ab_table_t t = ab_table(&fx.out, "tevredenheid");
    /* Groups: alle, tranches, then the named group a comparison uses there;
     * items in catalogue order; shares and Wilson bounds left unrounded. */
    static const char *const rows[] = {
        "2020,alle,deskundigheid_adviseurs,13,11,84.61538462,57.76536898,95.67418216,nee,nee",
        "2020,alle,kennisdeling_koplopers,4,2,50,15.00389892,84.99610108,nee,nee",
        "2020,tranche-1,deskundigheid_adviseurs,6,6,100,60.96657121,100,ja,nee",
        "2020,tranche-1,kennisdeling_koplopers,4,2,50,15.00389892,84.99610108,nee,nee",
        "2020,tranche-2,deskundigheid_adviseurs,,,,,,,ja",
        "2020,tranche-2,kennisdeling_koplopers,,,,,,,ja",
        "2020,tranche-3,deskundigheid_adviseurs,,,,,,,ja",
        "2020,tranche-3,kennisdeling_koplopers,,,,,,,ja",
        "2020,t13,deskundigheid_adviseurs,13,11,84.61538462,57.76536898,95.67418216,nee,nee",
        "2020,t13,kennisdeling_koplopers,4,2,50,15.00389892,84.99610108,nee,nee",
        "2021,alle,deskundigheid_adviseurs,15,10,66.66666667,41.71354774,84.82367556,nee,nee",
        "2021,tranche-1,deskundigheid_adviseurs,5,2,40,11.76207742,76.92757187,nee,nee",
        "2021,tranche-2,deskundigheid_adviseurs,5,3,60,23.07242813,88.23792258,nee,nee",
        "2021,tranche-3,deskundigheid_adviseurs,,,,,,,ja",
        "2021,tranche-4,deskundigheid_adviseurs,5,5,100,56.55175352,100,ja,nee",
        "2021,t13,deskundigheid_adviseurs,10,5,50,23.65930905,76.34069095,nee,nee",
    };
    char want[4096] = "";
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        strcat(want, rows[i]);
        strcat(want, "\n");
    }
    assert_string_equal(ab_rows_text(&t), want);
    /* REFERENCE: r.wilson(11, 13) = (0.5776536898051747, 0.9567418216419188). */
    size_t r = row_of(&t, "2020", "alle", "deskundigheid_adviseurs");
    expect_real(&t, r, "ci_laag_pct", 57.76536898051747);
    expect_real(&t, r, "ci_hoog_pct", 95.67418216419188);
}

/* Tranche 2 of 2020 (5 respondents, at the threshold) is suppressed so that
 * tranche 3 (2) cannot be computed as alle - 1 - 2: in every answer table. */
static void test_complementary_suppression_in_every_table(void **state)
{
    (void)state;
    build_rounds();
    load_rounds();
    emit(5, fx.cfg);
    static const char *const tables[] = {"likert", "keuze", "besteding", "tevredenheid"};
    for (size_t k = 0; k < 4; k++) {
        ab_table_t t = ab_table(&fx.out, tables[k]);
        size_t sup2 = 0, shown1 = 0;
        for (size_t r = 0; r < t.n; r++) {
            char m[16], g[32], o[8];
            ab_cell_text(cell(&t, r, "meting"), m, sizeof m);
            ab_cell_text(cell(&t, r, "groep"), g, sizeof g);
            ab_cell_text(cell(&t, r, "onderdrukt"), o, sizeof o);
            if (strcmp(m, "2020")) continue;
            if (!strcmp(g, "tranche-2") || !strcmp(g, "tranche-3")) {
                assert_string_equal(o, "ja");
                sup2++;
            }
            if (!strcmp(g, "tranche-1")) {
                assert_string_equal(o, "nee");
                shown1++;
            }
        }
        if (!sup2 || !shown1) fail_msg("%s: no 2020 tranche rows", tables[k]);
    }
    /* respons.csv still shows every tranche's response. */
    ab_table_t t = ab_table(&fx.out, "respons");
    assert_string_equal(ab_rows_text(&t), "2020,1,0,6,\n2020,2,0,5,\n2020,3,0,2,\n"
                                          "2020,totaal,0,13,\n2021,1,0,5,\n2021,2,0,5,\n"
                                          "2021,3,1,0,0\n2021,4,0,5,\n2021,totaal,1,15,1500\n");
    /* Without a comparison configuration the small-cell plan is the same. */
    ab_sink_clear(&fx.out);
    batcher_t *b = batcher_new("20210301T030000Z", 7, 1 << 16, ab_sink_emit, &fx.out);
    tables_opts_t o = {.min_cell = 5, .uren_per_dag = 8, .dagen_toegekend = 8};
    uint64_t n_tables = 0, n_rows = 0;
    assert_int_equal(tables_emit(fx.s, &o, b, &n_tables, &n_rows), KPM_OK);
    assert_int_equal(batcher_flush(b), KPM_OK);
    batcher_destroy(&b);
    assert_int_equal(n_tables, AB_TABLES);
    t = ab_table(&fx.out, "likert");
    for (size_t r = 0; r < t.n; r++) {
        char m[16], g[32], o2[8];
        ab_cell_text(cell(&t, r, "meting"), m, sizeof m);
        ab_cell_text(cell(&t, r, "groep"), g, sizeof g);
        ab_cell_text(cell(&t, r, "onderdrukt"), o2, sizeof o2);
        if (!strcmp(m, "2020") && !strcmp(g, "tranche-2")) assert_string_equal(o2, "ja");
    }
}

static void test_vergelijking(void **state)
{
    (void)state;
    build_rounds();
    load_rounds();
    emit(5, fx.cfg);
    ab_table_t t = ab_table(&fx.out, "vergelijking");
    /* kennisdeling_koplopers was asked in 2020 only: no row. The paired
     * comparison is suppressed: 3 of 2020's 13 respondents of t13 (K106, K301,
     * K302) did not answer in 2021, and 3 < 5 could be computed as t13 - panel. */
    assert_string_equal(
        ab_rows_text(&t),
        "jaar,deskundigheid_adviseurs,onafhankelijk,2020,alle,13,84.61538462,2021,alle,15,"
        "66.66666667,-17.94871795,-45.24258443,14.46424723,fisher,0.395531401,nee,nee\n"
        "t13 en t4,deskundigheid_adviseurs,onafhankelijk,2020,t13,13,84.61538462,2021,tranche-4,5,"
        "100,15.38461538,-29.44893372,42.23463102,fisher,1,nee,nee\n"
        "paren,deskundigheid_adviseurs,gepaard,2020,t13,,,2021,t13,,,,,,,,,ja\n");
    /* REFERENCE: r.newcombe_indep(10, 15, 11, 13) and r.fisher(11, 2, 10, 5);
     * the smallest expected count is 3.25, so Fisher. */
    expect_real(&t, 0, "verschil_pp", -17.948717948717952);
    expect_real(&t, 0, "ci_laag_pp", -45.24258442944486);
    expect_real(&t, 0, "ci_hoog_pp", 14.464247228129956);
    expect_real(&t, 0, "p_waarde", 0.39553140096618356);
}

static void test_vergelijking_paired(void **state)
{
    (void)state;
    build_rounds();
    load_rounds();
    /* Threshold 3: the three outside the panel are enough. Pairs (2020, 2021)
     * of the ten who answered both: e = 5 satisfied twice, f = 3 only in 2020,
     * g = 0 only in 2021, h = 2 neither. */
    emit(3, fx.cfg);
    ab_table_t t = ab_table(&fx.out, "vergelijking");
    size_t r = row_of(&t, "paren", "deskundigheid_adviseurs", "gepaard");
    ab_table_t one = {t.begin, &t.rows[r], 1};
    assert_string_equal(ab_rows_text(&one),
                        "paren,deskundigheid_adviseurs,gepaard,2020,t13,10,80,2021,t13,10,50,-30,"
                        "-56.65478379,5.295300127,mcnemar,0.25,nee,nee\n");
    /* REFERENCE: r.newcombe_paired(5, 3, 0, 2) = (0.3, 0.0529..., 0.5665...) for
     * 2020 - 2021, turned around; r.binom_half(3, 3) = 0.25. */
    expect_real(&t, r, "verschil_pp", -30.0);
    expect_real(&t, r, "ci_laag_pp", -56.6547837915773);
    expect_real(&t, r, "ci_hoog_pp", 5.295300126521846);
    expect_real(&t, r, "p_waarde", 0.25);
}

/* Two paired comparisons of the same metingen: tranche 1 (6 koplopers, all in
 * both rounds) and g13 = tranches 1 and 3, where tranche 3 has 6 respondents
 * each year but only M1 in both. Each panel alone is fine; together the panel
 * of tranche 3 (1 koploper) is g13's panel minus tranche 1's. */
static void test_paired_panels_protect_each_other(void **state)
{
    (void)state;
    char err[512];
    ab_file(fx.s, "koplopers.csv", "koplopers");
    static const char *const k1[] = {"K1", "K2", "K3", "K4", "K5", "K6"};
    static const char *const m20[] = {"M1", "M2", "M3", "M4", "M5", "M6"};
    static const char *const m21[] = {"M1", "M7", "M8", "M9", "MA", "MB"};
    for (uint32_t i = 0; i < 6; i++) {
        char rid[8];
        ab_koploper(fx.s, k1[i], 1);
        ab_koploper(fx.s, m20[i], 3);
        ab_koploper(fx.s, m21[i], 3);
        snprintf(rid, sizeof rid, "A%s", k1[i]);
        ab_response(fx.s, rid, 2020, k1[i], "2020-03-01", "u.csv", i + 2, "deskundigheid_adviseurs",
                    "4", NULL);
        snprintf(rid, sizeof rid, "B%s", k1[i]);
        ab_response(fx.s, rid, 2021, k1[i], "2021-03-01", "u.csv", i + 2, "deskundigheid_adviseurs",
                    "3", NULL);
        snprintf(rid, sizeof rid, "A%s", m20[i]);
        ab_response(fx.s, rid, 2020, m20[i], "2020-03-01", "u.csv", i + 9,
                    "deskundigheid_adviseurs", "2", NULL);
        snprintf(rid, sizeof rid, "B%s", m21[i]);
        ab_response(fx.s, rid, 2021, m21[i], "2021-03-01", "u.csv", i + 9,
                    "deskundigheid_adviseurs", "1", NULL);
    }
    static const char *const one[] = {"p1;gepaard;2020;tranche-1;2021;tranche-1\n",
                                      "p13;gepaard;2020;g13;2021;g13\n"};
    char cmps[512];
    /* Either comparison alone is published. */
    for (int k = 0; k < 2; k++) {
        snprintf(cmps, sizeof cmps, CMP_HDR "%s", one[k]);
        fx.cfg = load(cmps, GROUPS_HDR "g13;1|3\n", err, sizeof err);
        if (!fx.cfg) fail_msg("%s", err);
        emit(3, fx.cfg);
        ab_table_t t = ab_table(&fx.out, "vergelijking");
        assert_int_equal(t.n, 1);
        assert_wstr(cell(&t, 0, "onderdrukt")->s, "nee");
        assert_int_equal(cell(&t, 0, "n_a")->i, k == 0 ? 6 : 7);
        tables_cmp_config_destroy(&fx.cfg);
    }
    /* Both: the smaller panel (tranche 1, 6 against 7) is suppressed. */
    snprintf(cmps, sizeof cmps, CMP_HDR "%s%s", one[0], one[1]);
    fx.cfg = load(cmps, GROUPS_HDR "g13;1|3\n", err, sizeof err);
    if (!fx.cfg) fail_msg("%s", err);
    emit(3, fx.cfg);
    ab_table_t t = ab_table(&fx.out, "vergelijking");
    assert_int_equal(t.n, 2);
    assert_wstr(cell(&t, 0, "onderdrukt")->s, "ja");
    assert_wstr(cell(&t, 1, "onderdrukt")->s, "nee");
    /* The groups themselves are shown in tevredenheid: only the panel is at issue. */
    t = ab_table(&fx.out, "tevredenheid");
    for (size_t r = 0; r < t.n; r++)
        assert_wstr(cell(&t, r, "onderdrukt")->s, "nee");
}

/* ------------------------------------------------------------- report */

/* Feeds what tables_emit sent to report_out in the test's directory and
 * returns the file `name` it wrote (caller frees). */
static char *report_file(const char *name)
{
    char err[512], path[160];
    report_out_t *o = report_out_new(fx.dir, err, sizeof err);
    if (!o) fail_msg("%s", err);
    for (size_t i = 0; i < fx.out.n_recs; i++) {
        const wire_record_t *r = &fx.out.recs[i];
        int rc = KPM_OK;
        if (r->kind == WIRE_REC_TABLE_BEGIN)
            rc = report_out_table_begin(o, &r->u.table_begin);
        else if (r->kind == WIRE_REC_TABLE_ROW)
            rc = report_out_table_row(o, &r->u.table_row);
        else if (r->kind == WIRE_REC_TABLE_END)
            rc = report_out_table_end(o, &r->u.table_end);
        if (rc) fail_msg("%s", report_out_error(o));
    }
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    snprintf(path, sizeof path, "%s/%s", fx.dir, name);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    if (getenv("RH_KEEP") != NULL) fputs(buf, stderr); /* to look at it */
    return buf;
}

static void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want)) fail_msg("missing: %s", want);
}

static void test_report_without_differences(void **state)
{
    (void)state;
    build_rounds();
    load_rounds();
    emit(5, fx.cfg);
    char *csv = report_file("vergelijking.csv");
    /* Rounded by the report: p to four decimals. */
    assert_has(csv,
               "jaar,deskundigheid_adviseurs,onafhankelijk,2020,alle,13,84.6,2021,alle,15,66.7,"
               "-17.9,-45.2,14.5,fisher,0.3955,nee,nee\n");
    free(csv);
    char *md = report_file("rapport.md");
    assert_has(md, " Vergelijkingen\n\n");
    /* the heading says who is compared, in labels: no configuration name */
    assert_has(md,
               "### Alle koplopers (2020) tegenover Alle koplopers (2021)\n\nTwee onafhankelijke "
               "groepen koplopers.\n");
    assert_has(md, "| Deskundigheid adviseurs Movisie | 85% (n = 13) | 67% (n = 15) | "
                   "-17,9 (-45,2 tot +14,5) | Fisher (exact) | 0,3955 |\n");
    assert_has(md, "Er zijn geen verschillen van betekenis (p < 0,05) gevonden.");
    assert_has(md,
               "### T13 (2020) tegenover T13 (2021) (dezelfde koplopers)\n\nDezelfde koplopers");
    assert_has(md, "Onderdrukt: een groep in deze vergelijking");
    assert_null(strstr(md, "### jaar"));
    /* satisfied shares with their intervals; a suppressed group says why */
    assert_has(
        md, "| Deskundigheid adviseurs Movisie | 85% (58–96%), n = 13 | 100%† (61–100%), n = 6 | "
            "onderdrukt\\* | onderdrukt (n < 5) |");
    /* The comparisons come after the metingen, before the rejects. */
    assert_true(strstr(md, " Uitvraag 2021\n") < strstr(md, " Vergelijkingen\n"));
    assert_true(strstr(md, " Vergelijkingen\n") < strstr(md, "Afgewezen en gemelde"));
    free(md);
}

static void test_report_flags_a_difference(void **state)
{
    (void)state;
    char err[512];
    ab_file(fx.s, "koplopers.csv", "koplopers");
    for (uint32_t i = 0; i < 10; i++) {
        char id[8], rid[8];
        snprintf(id, sizeof id, "K%u", i);
        ab_koploper(fx.s, id, 1);
        snprintf(rid, sizeof rid, "A%u", i);
        ab_response(fx.s, rid, 2020, id, "2020-03-01", "u.csv", i + 2, "deskundigheid_adviseurs",
                    "4", NULL);
        snprintf(rid, sizeof rid, "B%u", i);
        ab_response(fx.s, rid, 2021, id, "2021-03-01", "u.csv", i + 2, "deskundigheid_adviseurs",
                    i < 2 ? "3" : "1", NULL);
    }
    fx.cfg = load(CMP_HDR "jaar;onafhankelijk;2020;alle;2021;alle\n"
                          "paren;gepaard;2020;alle;2021;alle\n",
                  NULL, err, sizeof err);
    if (!fx.cfg) fail_msg("%s", err);
    emit(5, fx.cfg);
    char *md = report_file("rapport.md");
    /* 10/10 against 2/10: REFERENCE r.fisher(10, 0, 2, 8) = 0.000714455822...;
     * the 8 discordant pairs all one way: McNemar p = 2 / 2^8 = 0.0078125. */
    assert_has(md, "| **Deskundigheid adviseurs Movisie** | **100% (n = 10)** | **20% (n = 10)** | "
                   "**-80,0 (");
    assert_has(md, "| **Fisher (exact)** | **0,0007 \\*** |\n");
    assert_has(md, "| **McNemar (exact)** | **0,0078 \\*** |\n");
    assert_has(md, "Verschillen van betekenis (p < 0,05) zijn vet gedrukt en gemarkeerd met \\*: 1 "
                   "van de 1 vragen.");
    free(md);
    char *csv = report_file("tevredenheid.csv");
    assert_has(csv, "2020,alle,deskundigheid_adviseurs,10,10,100.0,72.2,100.0,ja,nee\n");
    free(csv);
}

int main(void)
{
    char err[512];
    fx.cat = catalog_load(KPM_CONFIG_DIR "/vragenlijst-2021.csv", err, sizeof err);
    if (!fx.cat) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_shipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_missing_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors_name_file_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_accepts, setup, teardown),
        cmocka_unit_test(test_plan_one_small_tranche_takes_the_next_smallest),
        cmocka_unit_test(test_plan_named_groups_and_empty_tranches),
        cmocka_unit_test(test_plan_strict_protects_sums),
        cmocka_unit_test_setup_teardown(test_table_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tevredenheid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complementary_suppression_in_every_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_vergelijking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vergelijking_paired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paired_panels_protect_each_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_without_differences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_flags_a_difference, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    catalog_destroy(&fx.cat);
    return rc;
}
