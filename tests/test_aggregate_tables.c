/* test_aggregate_tables.c - tables_emit() on states built with state_apply: the
 * numbers, suppressions, orders and notices a reader of the tables sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_build.h"
#include "batcher.h"
#include "kpm_err.h"
#include "state.h"
#include "tables.h"

static struct {
    catalog_t *cat;
    agg_state_t *s;
    ab_sink_t out;
} fx;

static int setup(void **state)
{
    (void)state;
    fx.s = state_new(fx.cat);
    return fx.s ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ab_sink_clear(&fx.out);
    state_destroy(&fx.s);
    return 0;
}

/* Runs tables_emit on the fixture's state. */
static void emit(int min_cell)
{
    tables_opts_t o = {.min_cell = min_cell};
    ab_emit(fx.s, &o, &fx.out, AB_TABLES);
}

/* ------------------------------------------------------ reading tables */

typedef struct {
    const wire_table_begin_t *begin;
    const wire_record_t *rows; /* n consecutive TABLE_ROW records */
    size_t n;
} tab_t;

static tab_t table(const char *name)
{
    const wire_record_t *r = fx.out.recs;
    for (size_t i = 0; i < fx.out.n_recs; i++) {
        if (r[i].kind != WIRE_REC_TABLE_BEGIN || !wire_str_eq(r[i].u.table_begin.name, name))
            continue;
        tab_t t = {&r[i].u.table_begin, &r[i + 1], 0};
        while (i + 1 + t.n < fx.out.n_recs && r[i + 1 + t.n].kind == WIRE_REC_TABLE_ROW)
            t.n++;
        const wire_record_t *end = &r[i + 1 + t.n];
        assert_int_equal(end->kind, WIRE_REC_TABLE_END);
        assert_int_equal(end->u.table_end.rows, t.n);
        return t;
    }
    fail_msg("no table %s", name);
    return (tab_t){0};
}

static size_t col(const tab_t *t, const char *name)
{
    for (size_t c = 0; c < t->begin->n_cols; c++)
        if (wire_str_eq(t->begin->col_names[c], name)) return c;
    fail_msg("no column %s", name);
    return 0;
}

static const wire_value_t *cell(const tab_t *t, size_t row, const char *name)
{
    assert_true(row < t->n);
    const wire_table_row_t *r = &t->rows[row].u.table_row;
    assert_int_equal(r->n_cells, t->begin->n_cols);
    return &r->cells[col(t, name)];
}

/* A cell as text, to match rows by key: "" for NIL. */
static void cell_text(const wire_value_t *v, char *buf, size_t len)
{
    switch (v->type) {
    case WIRE_VAL_NIL:
        snprintf(buf, len, "%s", "");
        break;
    case WIRE_VAL_INT:
        snprintf(buf, len, "%lld", (long long)v->i);
        break;
    case WIRE_VAL_REAL:
        snprintf(buf, len, "%g", v->r);
        break;
    case WIRE_VAL_STR:
        snprintf(buf, len, "%.*s", (int)v->s.len, v->s.ptr);
        break;
    }
}

/* The one row of table t whose cells match the (column, text) pairs that end
 * with NULL; -1 when none matches. */
static long find(const tab_t *t, ...)
{
    long found = -1;
    for (size_t r = 0; r < t->n; r++) {
        va_list ap;
        va_start(ap, t);
        const char *c;
        int ok = 1;
        while (ok && (c = va_arg(ap, const char *)) != NULL) {
            const char *want = va_arg(ap, const char *);
            char got[512];
            cell_text(cell(t, r, c), got, sizeof got);
            ok = strcmp(got, want) == 0;
        }
        va_end(ap);
        if (!ok) continue;
        assert_int_equal(found, -1);
        found = (long)r;
    }
    return found;
}

static void expect_int(const tab_t *t, long row, const char *c, int64_t v)
{
    assert_true(row >= 0);
    const wire_value_t *x = cell(t, (size_t)row, c);
    assert_int_equal(x->type, WIRE_VAL_INT);
    assert_int_equal(x->i, v);
}

static void expect_real(const tab_t *t, long row, const char *c, double v)
{
    assert_true(row >= 0);
    const wire_value_t *x = cell(t, (size_t)row, c);
    assert_int_equal(x->type, WIRE_VAL_REAL);
    assert_true(fabs(x->r - v) < 1e-9);
}

static void expect_nil(const tab_t *t, long row, const char *c)
{
    assert_true(row >= 0);
    assert_int_equal(cell(t, (size_t)row, c)->type, WIRE_VAL_NIL);
}

static void expect_str(const tab_t *t, long row, const char *c, const char *v)
{
    assert_true(row >= 0);
    const wire_value_t *x = cell(t, (size_t)row, c);
    assert_int_equal(x->type, WIRE_VAL_STR);
    assert_wstr(x->s, v);
}

/* The values of column `c` of the rows matching meting and groep, joined with
 * ','; the order readers see. */
static const char *column_of(const tab_t *t, const char *meting, const char *groep, const char *c)
{
    static char buf[2048];
    size_t o = 0, matched = 0;
    buf[0] = '\0';
    for (size_t r = 0; r < t->n; r++) {
        char m[32], g[64], v[256];
        cell_text(cell(t, r, "meting"), m, sizeof m);
        cell_text(cell(t, r, "groep"), g, sizeof g);
        if (strcmp(m, meting) || strcmp(g, groep)) continue;
        cell_text(cell(t, r, c), v, sizeof v);
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", matched++ ? "," : "", v);
    }
    return buf;
}

static void registr(const char *file, ...)
{
    ab_file(fx.s, file, "koplopers");
    va_list ap;
    va_start(ap, file);
    const char *id;
    while ((id = va_arg(ap, const char *)) != NULL)
        ab_koploper(fx.s, id, va_arg(ap, int));
    va_end(ap);
}

#define T0 "2021-03-01T00:00:00"
#define UV "uitvraag_2021.csv"

/* ------------------------------------------------------------ superseded */

static void test_superseded(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 1, "KL002", 1, NULL);
    ab_response(fx.s, "R1", 2021, "KL001", "2021-03-01T00:00:00", "uitvraag_a.csv", 2,
                "tijd_adviseurs", "1", NULL);
    ab_response(fx.s, "R2", 2021, "KL001", "2021-03-05T00:00:00", "uitvraag_a.csv", 3,
                "tijd_adviseurs", "4", NULL);
    ab_response(fx.s, "R3", 2021, "KL001", "2021-03-03T00:00:00", "uitvraag_b.csv", 2,
                "tijd_adviseurs", "1", NULL);
    ab_response(fx.s, "R4", 2021, "KL002", "2021-03-02T10:00:00", "uitvraag_a.csv", 4,
                "tijd_adviseurs", "2", NULL);
    ab_response(fx.s, "R5", 2021, "KL002", "2021-03-02T10:00:00", "uitvraag_b.csv", 3,
                "tijd_adviseurs", "3", NULL);
    ab_response(fx.s, "R6", 2020, "KL001", "2020-04-01T00:00:00", "uitvraag_2020.csv", 2,
                "tijd_adviseurs", "2", NULL);
    emit(1);

    tab_t t = table("respons");
    expect_int(&t, find(&t, "meting", "2021", "tranche", "totaal", NULL), "respons", 2);
    expect_int(&t, find(&t, "meting", "2020", "tranche", "totaal", NULL), "respons", 1);
    t = table("likert");
    long r = find(&t, "meting", "2021", "groep", "alle", "item", "tijd_adviseurs", NULL);
    expect_int(&t, r, "gevraagd", 2);
    expect_int(&t, r, "zeer_tevreden", 1); /* R2, the latest of KL001 */
    expect_int(&t, r, "tevreden", 1);      /* R5: same time as R4, delivered later */
    expect_real(&t, r, "gemiddelde", 3.5);

    t = table("rejects");
    assert_int_equal(t.n, 3);
    static const char *const want[][3] = {{"uitvraag_a.csv", "2", "R2"},
                                          {"uitvraag_a.csv", "4", "R5"},
                                          {"uitvraag_b.csv", "2", "R2"}};
    for (size_t i = 0; i < 3; i++) {
        char reg[16];
        cell_text(cell(&t, i, "regel"), reg, sizeof reg);
        expect_str(&t, (long)i, "bestand", want[i][0]);
        assert_string_equal(reg, want[i][1]);
        expect_str(&t, (long)i, "code", "SUPERSEDED");
        expect_str(&t, (long)i, "kolom", "");
        const wire_value_t *m = cell(&t, i, "melding");
        char msg[512];
        cell_text(m, msg, sizeof msg);
        assert_non_null(strstr(msg, want[i][2]));
    }
    char msg[512];
    cell_text(cell(&t, 0, "melding"), msg, sizeof msg);
    assert_non_null(strstr(msg, "R1"));
    assert_non_null(strstr(msg, "regel 3 van uitvraag_a.csv")); /* where the winner is */

    /* R4 delivered again: now it is the later delivery of the tie. */
    ab_response(fx.s, "R4", 2021, "KL002", "2021-03-02T10:00:00", "uitvraag_c.csv", 2,
                "tijd_adviseurs", "2", NULL);
    emit(1);
    t = table("likert");
    r = find(&t, "meting", "2021", "groep", "alle", "item", "tijd_adviseurs", NULL);
    expect_int(&t, r, "ontevreden", 1);
    expect_int(&t, r, "tevreden", 0);
    t = table("rejects");
    r = find(&t, "bestand", "uitvraag_b.csv", "regel", "3", NULL);
    expect_str(&t, r, "code", "SUPERSEDED");
    cell_text(cell(&t, (size_t)r, "melding"), msg, sizeof msg);
    assert_non_null(strstr(msg, "R4"));
}

/* ------------------------------------------------------ unknown koploper */

static void test_unknown_koploper(void **state)
{
    (void)state;
    registr("koplopers_2021.csv", "KL001", 1, NULL);
    ab_deelnemer(fx.s, 2021, "KL001", "kort", "deelnemers.csv", 2);
    ab_deelnemer(fx.s, 2021, "KL009", "kort", "deelnemers.csv", 3);
    ab_response(fx.s, "R1", 2021, "KL001", T0, UV, 2, "tijd_adviseurs", "1", NULL);
    ab_response(fx.s, "R9", 2021, "KL009", T0, UV, 5, "tijd_adviseurs", "4",
                "toelichting_adviseurs", "geheim", NULL);
    emit(1);

    tab_t t = table("respons");
    assert_int_equal(t.n, 2);
    long r = find(&t, "tranche", "totaal", NULL);
    expect_int(&t, r, "uitgenodigd", 1);
    expect_int(&t, r, "respons", 1);
    expect_real(&t, r, "respons_pct", 100.0);
    t = table("likert");
    expect_int(&t, find(&t, "groep", "alle", "item", "tijd_adviseurs", NULL), "zeer_ontevreden", 1);
    expect_int(&t, find(&t, "groep", "alle", "item", "tijd_adviseurs", NULL), "gevraagd", 1);
    assert_int_equal(table("open_antwoorden").n, 0);
    t = table("rejects");
    assert_int_equal(t.n, 2);
    r = find(&t, "bestand", "deelnemers.csv", "regel", "3", NULL);
    expect_str(&t, r, "code", "UNKNOWN_KOPLOPER");
    expect_str(&t, r, "kolom", "koploper_id");
    char msg[512];
    cell_text(cell(&t, (size_t)r, "melding"), msg, sizeof msg);
    assert_non_null(strstr(msg, "KL009"));
    r = find(&t, "bestand", UV, "regel", "5", NULL);
    expect_str(&t, r, "code", "UNKNOWN_KOPLOPER");
    expect_str(&t, r, "kolom", "koploper_id");

    /* A later register that knows KL009 resolves both. */
    registr("koplopers_2022.csv", "KL001", 1, "KL009", 2, NULL);
    emit(1);
    assert_int_equal(table("rejects").n, 0);
    t = table("respons");
    r = find(&t, "tranche", "2", NULL);
    expect_int(&t, r, "uitgenodigd", 1);
    expect_int(&t, r, "respons", 1);
    expect_int(&t, find(&t, "tranche", "totaal", NULL), "respons", 2);
}

/* ------------------------------------------------------------ small cells */

#define BST_FULL                                                                                   \
    "besteding_interne_projectleiding", "50", "besteding_externe_projectleiding", "10",            \
        "besteding_scholing", "10", "besteding_clientondersteuners", "10",                         \
        "besteding_communicatie", "10", "besteding_anders", "10"

static void build_small_cells(void)
{
    registr("koplopers.csv", "KL101", 1, "KL102", 1, "KL201", 2, "KL202", 2, "KL203", 2, "KL301", 3,
            "KL401", 4, NULL);
    static const char *const ids[] = {"KL101", "KL102", "KL201", "KL202", "KL203", "KL301"};
    for (uint32_t i = 0; i < 6; i++)
        ab_deelnemer(fx.s, 2021, ids[i], "kort", "deelnemers.csv", i + 2);
    for (uint32_t i = 0; i < 5; i++)
        ab_response(fx.s, ids[i], 2021, ids[i], T0, UV, i + 2, "tijd_adviseurs", "3",
                    "regiobijeenkomst", "ja", BST_FULL, "toelichting_adviseurs", "tekst", NULL);
}

static void test_small_cells(void **state)
{
    (void)state;
    build_small_cells();
    emit(3);

    /* respons: never suppressed; tranches ascending, then totaal. */
    tab_t t = table("respons");
    assert_int_equal(t.n, 4);
    static const char *const tr[] = {"1", "2", "3", "totaal"};
    static const int64_t inv[] = {2, 3, 1, 6}, resp[] = {2, 3, 0, 5};
    for (size_t i = 0; i < 4; i++) {
        expect_str(&t, (long)i, "tranche", tr[i]);
        expect_int(&t, (long)i, "uitgenodigd", inv[i]);
        expect_int(&t, (long)i, "respons", resp[i]);
        expect_real(&t, (long)i, "respons_pct", 100.0 * (double)resp[i] / (double)inv[i]);
    }

    t = table("likert");
    assert_string_equal(column_of(&t, "2021", "alle", "item"), "tijd_adviseurs");
    long r = find(&t, "groep", "alle", "item", "tijd_adviseurs", NULL);
    expect_int(&t, r, "gevraagd", 5);
    expect_str(&t, r, "onderdrukt", "nee");
    static const char *const counts[] = {"gevraagd",   "zeer_ontevreden", "ontevreden",
                                         "tevreden",   "zeer_tevreden",   "nvt",
                                         "ontbrekend", "gemiddelde"};
    for (int g = 1; g <= 3; g += 2) { /* tranche-1 (2 < 3) and tranche-3 (0 < 3) */
        char gn[16];
        snprintf(gn, sizeof gn, "tranche-%d", g);
        r = find(&t, "groep", gn, "item", "tijd_adviseurs", NULL);
        for (size_t k = 0; k < 8; k++)
            expect_nil(&t, r, counts[k]);
        expect_str(&t, r, "onderdrukt", "ja");
    }
    /* tranche-2 has exactly 3 (not below the threshold), but alle - tranche-2 -
     * tranche-3 (0) would give tranche-1 back: complementary suppression hides it
     * too (docs/COMPARISONS.md; "exactly the threshold is shown" is tested in
     * test_tables_cmp.c where no such subtraction exists). */
    r = find(&t, "groep", "tranche-2", "item", "tijd_adviseurs", NULL);
    for (size_t k = 0; k < 8; k++)
        expect_nil(&t, r, counts[k]);
    expect_str(&t, r, "onderdrukt", "ja");
    assert_int_equal(find(&t, "groep", "tranche-4", NULL), -1); /* neither invited nor responding */

    t = table("keuze");
    assert_string_equal(column_of(&t, "2021", "tranche-1", "antwoord"),
                        "ja,nee,gepland,ontbrekend");
    assert_string_equal(column_of(&t, "2021", "tranche-1", "aantal"), ",,,");
    assert_string_equal(column_of(&t, "2021", "tranche-1", "pct"), ",,,");
    assert_string_equal(column_of(&t, "2021", "tranche-1", "onderdrukt"), "ja,ja,ja,ja");
    assert_string_equal(column_of(&t, "2021", "tranche-2", "aantal"), ",,,");
    assert_string_equal(column_of(&t, "2021", "tranche-2", "onderdrukt"), "ja,ja,ja,ja");
    assert_string_equal(column_of(&t, "2021", "alle", "aantal"), "5,0,0,0");

    t = table("besteding");
    r = find(&t, "groep", "tranche-1", "categorie", "scholing", NULL);
    static const char *const stats[] = {"n", "gemiddeld_pct", "mediaan_pct", "min_pct", "max_pct"};
    for (size_t k = 0; k < 5; k++)
        expect_nil(&t, r, stats[k]);
    expect_str(&t, r, "onderdrukt", "ja");
    r = find(&t, "groep", "tranche-2", "categorie", "interne_projectleiding", NULL);
    expect_nil(&t, r, "n");
    expect_str(&t, r, "onderdrukt", "ja");

    /* A threshold above every group: alle still shows its counts. */
    emit(10);
    t = table("likert");
    r = find(&t, "groep", "alle", "item", "tijd_adviseurs", NULL);
    expect_int(&t, r, "tevreden", 5);
    expect_str(&t, r, "onderdrukt", "nee");
    expect_str(&t, find(&t, "groep", "tranche-2", "item", "tijd_adviseurs", NULL), "onderdrukt",
               "ja");
    t = table("keuze");
    assert_string_equal(column_of(&t, "2021", "alle", "aantal"), "5,0,0,0");
    t = table("respons");
    expect_int(&t, find(&t, "tranche", "1", NULL), "respons", 2);

    /* Exactly at the threshold is shown. */
    emit(2);
    t = table("likert");
    r = find(&t, "groep", "tranche-1", "item", "tijd_adviseurs", NULL);
    expect_int(&t, r, "tevreden", 2);
    expect_str(&t, r, "onderdrukt", "nee");
}

/* ---------------------------------------------------------------- likert */

static void test_likert_counts(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 1, "KL002", 1, "KL003", 1, "KL004", 1, "KL005", 1, "KL006", 1,
            "KL007", 1, "KL008", 1, NULL);
    static const char *const kd[] = {"1", "2", "2", "3", "4", "0", ""};
    static const char *const ta[] = {"4", "4", "3", "", "1", "2", "2"};
    for (int i = 0; i < 7; i++) {
        char id[8], rid[8];
        snprintf(id, sizeof id, "KL00%d", i + 1);
        snprintf(rid, sizeof rid, "R%d", i + 1);
        if (i == 0)
            ab_response(fx.s, rid, 2021, id, T0, UV, 2, "kennisdeling_koplopers", kd[i],
                        "tijd_adviseurs", ta[i], "masterclass", "", NULL);
        else
            ab_response(fx.s, rid, 2021, id, T0, UV, (uint32_t)i + 2, "kennisdeling_koplopers",
                        kd[i], "tijd_adviseurs", ta[i], NULL);
    }
    /* Not asked any likert item (a file without those columns). */
    ab_response(fx.s, "R8", 2021, "KL008", T0, "uitvraag_kort.csv", 2, "regiobijeenkomst", "ja",
                NULL);
    emit(1);

    tab_t t = table("likert");
    /* Catalogue order; only items that were asked. */
    assert_string_equal(column_of(&t, "2021", "alle", "item"),
                        "tijd_adviseurs,kennisdeling_koplopers,masterclass");
    assert_string_equal(column_of(&t, "2021", "alle", "thema"), "4,6,7");
    long r = find(&t, "groep", "alle", "item", "kennisdeling_koplopers", NULL);
    static const char *const cols[] = {"gevraagd",  "zeer_ontevreden", "ontevreden",
                                       "tevreden",  "zeer_tevreden",   "nvt",
                                       "ontbrekend"};
    static const int64_t kd_want[] = {7, 1, 2, 1, 1, 1, 1};
    static const int64_t ta_want[] = {7, 1, 2, 1, 2, 0, 1};
    for (size_t k = 0; k < 7; k++)
        expect_int(&t, r, cols[k], kd_want[k]);
    expect_real(&t, r, "gemiddelde", 12.0 / 5.0); /* n.v.t. and missing left out */
    r = find(&t, "groep", "alle", "item", "tijd_adviseurs", NULL);
    for (size_t k = 0; k < 7; k++)
        expect_int(&t, r, cols[k], ta_want[k]);
    expect_real(&t, r, "gemiddelde", 16.0 / 6.0);
    r = find(&t, "groep", "alle", "item", "masterclass", NULL);
    expect_int(&t, r, "gevraagd", 1);
    expect_int(&t, r, "ontbrekend", 1);
    expect_nil(&t, r, "gemiddelde"); /* no answers: no mean */
    /* tranche-1 holds the same responses as alle here. */
    r = find(&t, "groep", "tranche-1", "item", "kennisdeling_koplopers", NULL);
    for (size_t k = 0; k < 7; k++)
        expect_int(&t, r, cols[k], kd_want[k]);
}

/* ----------------------------------------------------------------- keuze */

static void test_keuze_rows(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 1, "KL002", 1, "KL003", 1, "KL004", 1, "KL005", 1, NULL);
    static const char *const v[] = {"ja", "gepland", "ja", ""};
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "KL00%d", i + 1);
        ab_response(fx.s, id, 2021, id, T0, UV, (uint32_t)i + 2, "regiobijeenkomst", v[i],
                    "contact_leidt_tot_ontwikkeling", "", NULL);
    }
    ab_response(fx.s, "KL005", 2021, "KL005", T0, UV, 6, "tijd_adviseurs", "2", NULL);
    emit(1);

    tab_t t = table("keuze");
    assert_string_equal(column_of(&t, "2021", "alle", "item"),
                        "regiobijeenkomst,regiobijeenkomst,regiobijeenkomst,regiobijeenkomst,"
                        "contact_leidt_tot_ontwikkeling,contact_leidt_tot_ontwikkeling,"
                        "contact_leidt_tot_ontwikkeling,contact_leidt_tot_ontwikkeling");
    assert_string_equal(column_of(&t, "2021", "alle", "antwoord"),
                        "ja,nee,gepland,ontbrekend,ja,nee,nvt,ontbrekend");
    /* The not-asked response (KL005) is not missing: it was never asked. */
    assert_string_equal(column_of(&t, "2021", "alle", "aantal"), "2,0,1,1,0,0,0,4");
    long r = find(&t, "groep", "alle", "item", "regiobijeenkomst", "antwoord", "ja", NULL);
    expect_real(&t, r, "pct", 200.0 / 3.0);
    expect_real(&t, find(&t, "groep", "alle", "item", "regiobijeenkomst", "antwoord", "nee", NULL),
                "pct", 0.0);
    expect_nil(
        &t, find(&t, "groep", "alle", "item", "regiobijeenkomst", "antwoord", "ontbrekend", NULL),
        "pct");
    /* Shares of the valid answers; none on the ontbrekend rows, none without answers. */
    assert_string_equal(column_of(&t, "2021", "alle", "pct"), "66.6667,0,33.3333,,,,,");
}

/* ------------------------------------------------------------- besteding */

static void bst(const char *rid, int meting, const char *kl, const char *interne,
                const char *scholing, const char *anders)
{
    ab_response(fx.s, rid, meting, kl, T0, UV, 2, "besteding_interne_projectleiding", interne,
                "besteding_externe_projectleiding", *interne ? "0" : "", "besteding_scholing",
                scholing, "besteding_clientondersteuners", *interne ? "0" : "",
                "besteding_communicatie", *interne ? "0" : "", "besteding_anders", anders, NULL);
}

static void test_besteding_stats(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 1, "KL002", 1, "KL003", 1, "KL004", 1, "KL005", 1, NULL);
    /* 2020: three valid groups (odd n), one empty and one partial group. */
    bst("A1", 2020, "KL001", "90", "10", "0");
    bst("A2", 2020, "KL002", "70", "30", "0");
    bst("A3", 2020, "KL003", "79.5", "20", "0.5");
    bst("A4", 2020, "KL004", "", "", "");
    bst("A5", 2020, "KL005", "", "50", "50");
    /* 2021: four valid groups (even n). */
    bst("B1", 2021, "KL001", "90", "10", "0");
    bst("B2", 2021, "KL002", "60", "40", "0");
    bst("B3", 2021, "KL003", "80", "20", "0");
    bst("B4", 2021, "KL004", "70", "30", "0");
    /* 2019: asked, never validly filled. */
    bst("C1", 2019, "KL001", "", "", "");
    emit(1);

    tab_t t = table("besteding");
    assert_string_equal(column_of(&t, "2020", "alle", "categorie"),
                        "interne_projectleiding,externe_projectleiding,scholing,"
                        "clientondersteuners,communicatie,anders");
    long r = find(&t, "meting", "2020", "groep", "alle", "categorie", "scholing", NULL);
    expect_int(&t, r, "n", 3);
    expect_real(&t, r, "gemiddeld_pct", 20.0);
    expect_real(&t, r, "mediaan_pct", 20.0);
    expect_real(&t, r, "min_pct", 10.0);
    expect_real(&t, r, "max_pct", 30.0);
    r = find(&t, "meting", "2020", "groep", "alle", "categorie", "interne_projectleiding", NULL);
    expect_real(&t, r, "gemiddeld_pct", (90 + 70 + 79.5) / 3.0);
    expect_real(&t, r, "mediaan_pct", 79.5);
    r = find(&t, "meting", "2020", "groep", "alle", "categorie", "anders", NULL);
    expect_real(&t, r, "max_pct", 0.5); /* not 50: A5's group is not valid */

    r = find(&t, "meting", "2021", "groep", "alle", "categorie", "scholing", NULL);
    expect_int(&t, r, "n", 4);
    expect_real(&t, r, "gemiddeld_pct", 25.0);
    expect_real(&t, r, "mediaan_pct", 25.0); /* mean of the two middle values */
    expect_real(&t, r, "min_pct", 10.0);
    expect_real(&t, r, "max_pct", 40.0);

    r = find(&t, "meting", "2019", "groep", "alle", "categorie", "scholing", NULL);
    expect_int(&t, r, "n", 0);
    for (size_t k = 0; k < 4; k++)
        expect_nil(&t, r,
                   (const char *[]){"gemiddeld_pct", "mediaan_pct", "min_pct", "max_pct"}[k]);
    expect_str(&t, r, "onderdrukt", "nee");
}

/* ------------------------------------------------------- open answers */

static void test_open_answers(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 2, "KL002", 1, "KL003", 1, NULL);
    ab_response(fx.s, "R1", 2021, "KL001", T0, UV, 2, "toelichting_adviseurs", "aaa", "sterk",
                "Zeer goed", NULL);
    ab_response(fx.s, "R2", 2021, "KL002", T0, UV, 3, "toelichting_adviseurs", "alpha",
                "reden_aanmelding", "\xc3\x84hm", NULL);
    ab_response(fx.s, "R3", 2021, "KL003", "2021-03-09T00:00:00", UV, 4, "toelichting_adviseurs",
                "Alpha\nmet \"regel\", twee", "sterk", "", NULL);
    ab_response(fx.s, "R4", 2021, "KL003", "2021-03-01T00:00:00", UV, 5, "toelichting_adviseurs",
                "VERVANGEN", NULL);
    ab_response(fx.s, "R5", 2020, "KL002", T0, UV, 6, "toelichting_adviseurs", "oud", NULL);
    emit(1);

    tab_t t = table("open_antwoorden");
    assert_int_equal(t.begin->n_cols, 5);
    static const char *const names[] = {"meting", "thema", "item", "tranche", "tekst"};
    for (size_t c = 0; c < 5; c++)
        assert_wstr(t.begin->col_names[c], names[c]);
    static const char *const want[][5] = {
        {"2020", "4", "toelichting_adviseurs", "1", "oud"},
        {"2021", "1", "reden_aanmelding", "1", "\xc3\x84hm"},
        {"2021", "4", "toelichting_adviseurs", "1", "Alpha\nmet \"regel\", twee"},
        {"2021", "4", "toelichting_adviseurs", "1", "alpha"},
        {"2021", "4", "toelichting_adviseurs", "2", "aaa"},
        {"2021", "10", "sterk", "2", "Zeer goed"},
    };
    assert_int_equal(t.n, 6);
    for (size_t i = 0; i < 6; i++)
        for (size_t c = 0; c < 5; c++) {
            char got[512];
            cell_text(cell(&t, i, names[c]), got, sizeof got);
            assert_string_equal(got, want[i][c]);
        }
}

/* --------------------------------------------------------------- rejects */

static void test_rejects_sorted(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 1, NULL);
    ab_reject(fx.s, "b.csv", 10, "meting", "MISSING_VALUE", "b10");
    ab_reject(fx.s, "b.csv", 5, "tijd_adviseurs", "INVALID_VALUE", "b5");
    ab_reject(fx.s, "b.csv", 1, "", "UNKNOWN_COLUMNS", "b1");
    ab_reject(fx.s, "b.csv", 2, "", "RAGGED_ROW", "b2");
    ab_reject(fx.s, "Z.csv", 0, "", "UNKNOWN_KIND", "Z0");
    ab_reject(fx.s, "a.csv", 3, "tijd_adviseurs", "INVALID_VALUE", "a3-1");
    ab_reject(fx.s, "a.csv", 3, "besteding_*", "GROUP_SUM", "a3-2");
    ab_reject(fx.s, "a.csv", 2, "koploper_id", "MISSING_VALUE", "a2");
    ab_reject(fx.s, "b.csv", 0, "", "NOT_CSV", "b0");
    ab_response(fx.s, "R1", 2021, "KL999", T0, "a.csv", 3, "tijd_adviseurs", "", NULL);
    ab_response(fx.s, "R2", 2021, "KL001", T0, "b.csv", 5, "tijd_adviseurs", "", NULL);
    ab_response(fx.s, "R3", 2021, "KL001", "2021-03-02T00:00:00", "c.csv", 2, NULL);
    emit(1);

    tab_t t = table("rejects");
    static const char *const want[][3] = {
        {"Z.csv", "", "UNKNOWN_KIND"},      {"a.csv", "2", "MISSING_VALUE"},
        {"a.csv", "3", "INVALID_VALUE"},    {"a.csv", "3", "GROUP_SUM"},
        {"a.csv", "3", "UNKNOWN_KOPLOPER"}, {"b.csv", "", "NOT_CSV"},
        {"b.csv", "1", "UNKNOWN_COLUMNS"},  {"b.csv", "2", "RAGGED_ROW"},
        {"b.csv", "5", "INVALID_VALUE"},    {"b.csv", "5", "SUPERSEDED"},
        {"b.csv", "10", "MISSING_VALUE"},
    };
    assert_int_equal(t.n, 11);
    for (size_t i = 0; i < 11; i++) {
        char reg[16];
        expect_str(&t, (long)i, "bestand", want[i][0]);
        cell_text(cell(&t, i, "regel"), reg, sizeof reg);
        assert_string_equal(reg, want[i][1]);
        expect_str(&t, (long)i, "code", want[i][2]);
    }
    expect_nil(&t, 0, "regel");
    expect_str(&t, 3, "kolom", "besteding_*");
    expect_str(&t, 3, "melding", "a3-2");
}

/* ------------------------------------------------------ items not asked */

static void test_items_not_asked(void **state)
{
    (void)state;
    registr("koplopers.csv", "KL001", 1, "KL002", 1, "KL003", 2, NULL);
    ab_response(fx.s, "A1", 2020, "KL001", T0, "uitvraag_2020.csv", 2, "tijd_adviseurs", "3", NULL);
    ab_response(fx.s, "B1", 2021, "KL001", T0, UV, 2, "kennisdeling_koplopers", "2",
                "regiobijeenkomst", "nee", NULL);
    /* Asked only of a superseded response, of an unknown koploper's response. */
    ab_response(fx.s, "B0", 2021, "KL001", "2021-02-01T00:00:00", "uitvraag_oud.csv", 2,
                "masterclass", "4", "zicht_op_gebruik", "ja", NULL);
    ab_response(fx.s, "B9", 2021, "KL999", T0, UV, 9, "nieuwsbrief_inhoud", "1",
                "monitort_kwaliteit", "ja", NULL);
    /* tranche 2 responded without the kennisdeling column. */
    ab_response(fx.s, "B3", 2021, "KL003", T0, UV, 3, "regiobijeenkomst", "ja", NULL);
    emit(1);

    tab_t t = table("likert");
    assert_string_equal(column_of(&t, "2020", "alle", "item"), "tijd_adviseurs");
    assert_string_equal(column_of(&t, "2020", "tranche-1", "item"), "tijd_adviseurs");
    assert_string_equal(column_of(&t, "2021", "alle", "item"), "kennisdeling_koplopers");
    assert_string_equal(column_of(&t, "2021", "tranche-2", "item"), "kennisdeling_koplopers");
    expect_int(&t, find(&t, "meting", "2021", "groep", "tranche-2", NULL), "gevraagd", 0);
    assert_int_equal(t.n, 5);
    t = table("keuze");
    assert_string_equal(column_of(&t, "2020", "alle", "item"), "");
    assert_string_equal(column_of(&t, "2021", "alle", "antwoord"), "ja,nee,gepland,ontbrekend");
    assert_int_equal(table("besteding").n, 0);
}

int main(void)
{
    char err[256];
    fx.cat = catalog_load(KPM_CONFIG_DIR "/vragenlijst-2021.csv", err, sizeof err);
    if (!fx.cat) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_superseded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_koploper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_likert_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keuze_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_besteding_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_items_not_asked, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    catalog_destroy(&fx.cat);
    return rc;
}
