/* test_report_db.c - the report stage's kpm.sqlite and rapport.html: the
 * tables as a dashboard reads them, one file per night that replaces the last
 * whole, an abandoned or refused night that changes nothing, and the HTML page's
 * numbers, escaping and determinism. (PostgreSQL: tests/test_report_pg.c, run
 * by tests/e2e/run_pg.sh against a real server.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "report_out.h"
#include "report_harness.h"
#include "wire_values.h"

/* ---- building tables ---- */

#define RESPONS_SPEC "meting:int,tranche:text,uitgenodigd:int,respons:int,respons_pct:pct1"
#define LIKERT_SPEC                                                                                \
    "meting:int,groep:text,thema:int,item:text,gevraagd:int,zeer_ontevreden:int,"                  \
    "ontevreden:int,tevreden:int,zeer_tevreden:int,nvt:int,ontbrekend:int,"                        \
    "gemiddelde:dec2,onderdrukt:jn"
#define VRAGEN_SPEC "item:text,thema:int,thema_naam:text,type:text,vraag:text"

/* A night whose numbers depend on `v` (1 or 2). */
static void feed_night(report_out_t *o, int v)
{
    const wire_table_row_t respons[] = {
        ROW(I(2021), S("1"), I(6), I(4 + v), R(100.0 * (4 + v) / 6)),
        ROW(I(2021), S("2"), I(0), I(1), N()),
        ROW(I(2021), S("totaal"), I(6), I(5 + v), R(100.0 * (5 + v) / 6)),
    };
    const wire_table_row_t likert[] = {
        ROW(I(2021), S("alle"), I(2), S("aanmeldprocedure"), I(12), I(1), I(2), I(5), I(2), I(1),
            I(1), R(2.8), S("nee")),
        ROW(I(2021), S("tranche-1"), I(2), S("aanmeldprocedure"), N(), N(), N(), N(), N(), N(), N(),
            N(), S("ja")),
        ROW(I(2021), S("tranche-2"), I(2), S("aanmeldprocedure"), I(0), I(0), I(0), I(0), I(0),
            I(0), I(0), N(), S("nee")), /* the short questionnaire did not ask it */
    };
    const wire_table_row_t open[] = {
        ROW(I(2021), S("Goed \"werk\",\nsamen.")),
        ROW(I(2021), S("Goed \"werk\",\nsamen.")), /* the same text twice: no natural key */
    };
    const wire_table_row_t vragen[] = {
        ROW(S("aanmeldprocedure"), I(2), S("Aanmelding & <b>plan</b>"), S("likert_nvt"),
            S("Hoe <i>tevreden</i> bent u? \xff")),
    };
    const wire_table_row_t gebruik[] = {
        ROW(S("GM0014"), S("2021-01"), I(20)),
        ROW(S("GM0014"), S("2021-01"), I(10)),
        ROW(S("GM0088"), S("2021-01"), I(5)),
        ROW(S("GM0088"), S("2021-02"), N()),
    };
    const wire_table_row_t jaar[] = {
        ROW(I(2021), S("gemeente"), S("GM0014"), S("ja")),
        ROW(I(2021), S("gemeente"), S("GM0088"), S("nee")),
        ROW(I(2021), S("koploper"), S("KL001"), S("ja")),
    };

    rh_feed(o, "respons", 1, RESPONS_SPEC, respons, 3);
    rh_feed(o, "likert", 1, LIKERT_SPEC, likert, 3);
    rh_feed(o, "open_antwoorden", 1, "meting:int,tekst:text", open, 2);
    rh_feed(o, "gebruik", 1, "gemeente_code:text,periode:month,nieuwe_vragen:int", gebruik, 4);
    /* a CSV file only: not in the feed */
    rh_feed(o, "gebruik_jaar", WIRE_PUBLISH | WIRE_PUBLISH_NO_FEED,
            "jaar:int,eenheid:text,id:text,koploper:text", jaar, 3);
    rh_feed(o, "vragen", 0, VRAGEN_SPEC, vragen, 1);
}

/* ---- fixtures ---- */

static report_out_t *open_night(void **state, const char *night, int sqlite, int html)
{
    char err[512] = "";
    report_out_opts_t opts = {.night = night, .sqlite = sqlite, .html = html};
    report_out_t *o = report_out_open(rh_dir(state), &opts, err, sizeof err);

    if (o == NULL) fail_msg("report_out_open: %s", err);
    return o;
}

static void commit_night(void **state, const char *night, int v)
{
    report_out_t *o = open_night(state, night, 1, 1);

    feed_night(o, v);
    if (report_out_commit(o) != KPM_OK) fail_msg("commit: %s", report_out_error(o));
    assert_int_equal(report_out_commit_pg(o), KPM_OK); /* no PostgreSQL asked */
    report_out_destroy(&o);
}

/* The rows of a query as text: cells as sqlite3 prints them, "|" between
 * cells, "\n" after rows; typeof() makes types visible. Caller frees. */
static char *query(void **state, const char *sql)
{
    char *path = fs_join(rh_dir(state), "kpm.sqlite");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            fprintf(fp, "%s%s", c > 0 ? "|" : "", t != NULL ? (const char *)t : "NULL");
        }
        fputc('\n', fp);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    fclose(fp);
    free(path);
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

/* ---- kpm.sqlite ---- */

static void test_sqlite_tables_as_published(void **state)
{
    commit_night(state, "N1", 1);
    assert_query(state, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                 "gebruik\nkpm_nacht\nkpm_schema\nlikert\nopen_antwoorden\nrespons\n");
    assert_query(state, "SELECT versie FROM kpm_schema", "3\n");
    /* ja/nee as 0/1 in an INTEGER column; a month as its first day (DATE) and
     * its year and month number */
    assert_query(state,
                 "SELECT type FROM pragma_table_info('likert') WHERE name = 'onderdrukt' UNION ALL "
                 "SELECT group_concat(onderdrukt || ':' || typeof(onderdrukt)) FROM likert",
                 "INTEGER\n0:integer,1:integer,0:integer\n");
    assert_query(state,
                 "SELECT group_concat(name || ':' || type) FROM pragma_table_info('gebruik')",
                 "gemeente_code:TEXT,periode:DATE,jaar:INTEGER,maand:INTEGER,nieuwe_vragen:INTEGER,"
                 "kpm_rij:INTEGER\n");
    assert_query(state, "SELECT periode, jaar, maand FROM gebruik WHERE kpm_rij IN (1, 4)",
                 "2021-01-01|2021|1\n2021-02-01|2021|2\n");
    /* the views whose tables the night loaded */
    assert_query(state, "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name",
                 "v_likert_lang\nv_tevredenheid_thema\n");
    assert_query(state,
                 "SELECT antwoord, aantal FROM v_likert_lang WHERE groep = 'alle' "
                 "ORDER BY antwoord",
                 "nvt|1\nontbrekend|1\nontevreden|2\ntevreden|5\nzeer_ontevreden|1\n"
                 "zeer_tevreden|2\n");
    /* Integers, rounded decimals as REAL, NULL for an empty cell, the CSV's order. */
    assert_query(state,
                 "SELECT meting, typeof(meting), tranche, respons_pct, typeof(respons_pct), "
                 "kpm_rij FROM respons ORDER BY kpm_rij",
                 "2021|integer|1|83.3|real|1\n2021|integer|2|NULL|null|2\n"
                 "2021|integer|totaal|100.0|real|3\n");
    assert_query(state, "SELECT gemiddelde, zeer_ontevreden FROM likert ORDER BY kpm_rij",
                 "2.8|1\nNULL|NULL\nNULL|0\n");
    assert_query(state,
                 "SELECT count(*) FROM open_antwoorden WHERE tekst = 'Goed \"werk\",' || "
                 "char(10) || 'samen.'",
                 "2\n");
    /* Natural keys where the table has one, else kpm_rij. */
    assert_query(state, "SELECT name FROM pragma_table_info('respons') WHERE pk > 0 ORDER BY pk",
                 "meting\ntranche\n");
    assert_query(state,
                 "SELECT name FROM pragma_table_info('open_antwoorden') WHERE pk > 0 ORDER BY pk",
                 "kpm_rij\n");
    assert_query(state, "SELECT nacht, tabel, rijen, length(geladen_op) FROM kpm_nacht",
                 "N1|respons|3|20\nN1|likert|3|20\nN1|open_antwoorden|2|20\nN1|gebruik|4|20\n");
    assert_null(rh_slurp(state, "kpm.sqlite.tmp"));
}

/* A later night replaces the tables whole; kpm_nacht keeps one set of rows per
 * night, and loading the same night again changes nothing else. */
static void test_sqlite_nights_replace_and_reload(void **state)
{
    const char *data = "SELECT respons, respons_pct FROM respons ORDER BY kpm_rij";
    char *first, *again;

    commit_night(state, "N1", 1);
    commit_night(state, "N2", 2);
    assert_query(state, data, "6|100.0\n1|NULL\n7|116.7\n");
    assert_query(state, "SELECT nacht, count(*) FROM kpm_nacht GROUP BY nacht ORDER BY nacht",
                 "N1|4\nN2|4\n");
    first = query(state, "SELECT * FROM respons, likert ORDER BY 1, 2, 3");
    commit_night(state, "N2", 2);
    again = query(state, "SELECT * FROM respons, likert ORDER BY 1, 2, 3");
    assert_string_equal(first, again);
    assert_query(state, "SELECT nacht, count(*) FROM kpm_nacht GROUP BY nacht ORDER BY nacht",
                 "N1|4\nN2|4\n");
    free(first);
    free(again);
}

static void test_sqlite_abandoned_night_changes_nothing(void **state)
{
    report_out_t *o;

    commit_night(state, "N1", 1);
    o = open_night(state, "N2", 1, 1);
    feed_night(o, 2);
    report_out_destroy(&o); /* killed before the commit */
    assert_query(state, "SELECT respons FROM respons WHERE tranche = '1'", "5\n");
    assert_query(state, "SELECT DISTINCT nacht FROM kpm_nacht", "N1\n");
    assert_null(rh_slurp(state, "kpm.sqlite.tmp"));
}

/* Two rows with one natural key are a bug upstream: the night is refused with
 * a message naming the table and row, and no output changes. */
static void test_sqlite_refuses_a_duplicate_key(void **state)
{
    const wire_table_row_t rows[] = {
        ROW(I(2021), S("1"), I(6), I(5), R(83.3)),
        ROW(I(2021), S("1"), I(6), I(4), R(66.7)),
    };
    report_out_t *o;

    commit_night(state, "N1", 1);
    o = open_night(state, "N2", 1, 0);
    /* kpm.sqlite is filled on its own thread: the refusal comes with a later
     * call or, at the latest, with the commit */
    int rc = rh_feed_rc(o, "respons", 1, RESPONS_SPEC, rows, 2);
    if (rc == KPM_OK) rc = report_out_commit(o);
    assert_int_equal(rc, KPM_EPROTO);
    assert_non_null(strstr(report_out_error(o), "kpm.sqlite: table 'respons', row 2"));
    assert_int_not_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    assert_query(state, "SELECT count(*) FROM respons", "3\n");
    assert_null(rh_slurp(state, "kpm.sqlite.tmp"));
}

static void test_sqlite_reserved_names(void **state)
{
    const wire_table_row_t rows[] = {ROW(I(1))};
    report_out_t *o = open_night(state, "N1", 1, 0);

    assert_int_equal(rh_feed_rc(o, "kpm_nacht", 1, "x:int", rows, 1), KPM_EPROTO);
    assert_non_null(strstr(report_out_error(o), "kpm_nacht"));
    report_out_destroy(&o);
    o = open_night(state, "N1", 1, 0);
    assert_int_equal(rh_feed_rc(o, "t", 1, "kpm_rij:int", rows, 1), KPM_EPROTO);
    report_out_destroy(&o);
}

/* ---- rapport.html ---- */

static void assert_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) fail_msg("missing: \"%s\"", needle);
}

static void test_html_page(void **state)
{
    char *html, *again;

    commit_night(state, "N1", 1);
    html = rh_slurp(state, "rapport.html");
    assert_non_null(html);
    assert_has(html, "<!DOCTYPE html>\n<html lang=\"nl\">");
    assert_has(html, "@media print");
    /* Response per tranche as "5 (83%)", numbered tables with captions. */
    assert_has(html, "<caption>Tabel 1.1 Respons per tranche, uitvraag 2021</caption>");
    assert_has(html,
               "<tr><td>Tranche 1</td><td class=\"num\">6</td><td class=\"num\">5 (83%)</td></tr>");
    assert_has(html, "<tr class=\"totaal\"><td>Totaal</td><td class=\"num\">6</td>"
                     "<td class=\"num\">6 (100%)</td></tr>");
    /* The theme's table: counts with whole percentages, n.v.t., n asked and valid, the mean. */
    assert_has(html, "<td class=\"num\">5 (50%)</td><td class=\"num\">2 (20%)</td>"
                     "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">12</td>"
                     "<td class=\"num\">10</td><td class=\"num\">2,80</td></tr>");
    /* Its chart: n of the valid answers, a segment's share, n.v.t. and missing beside it. */
    assert_has(html,
               "<figcaption>Figuur 1.1 Tevredenheid — Aanmelding &amp; &lt;b&gt;plan&lt;/b&gt;"
               "</figcaption>");
    assert_has(html, ">n = 10</text>");
    assert_has(html, "<title>Tevreden: 5 van 10 (50,0%)</title>");
    assert_has(html, "gem. 2,80 · n.v.t. 1 · ontbr. 1</text>");
    /* Per tranche: tranche 1 (5 responses, not below the threshold) is hidden to
     * protect another group, and says so; tranche 2 was not asked. */
    assert_has(html, "<td class=\"num\">onderdrukt*</td><td class=\"num\">niet gevraagd</td>");
    assert_has(html, "* Onderdrukt om een andere, kleine groep te beschermen");
    /* Usage per month, koploper gemeenten apart, the flag from gebruik_jaar. */
    assert_has(html, "<tr><td>januari 2021</td><td class=\"num\">30</td><td class=\"num\">5</td>"
                     "<td class=\"num\">35</td></tr>");
    assert_has(html, "<tr><td>februari 2021</td><td class=\"num\">–</td><td class=\"num\">–</td>"
                     "<td class=\"num\">–</td></tr>");
    /* Text from the data is escaped; bytes that are not UTF-8 become U+FFFD. */
    assert_has(html, "<h3>Thema 2: Aanmelding &amp; &lt;b&gt;plan&lt;/b&gt;</h3>");
    assert_has(html, "<tr><td>Hoe &lt;i&gt;tevreden&lt;/i&gt; bent u? \xEF\xBF\xBD</td>");
    assert_null(strstr(html, "(aanmeldprocedure)"));
    assert_null(strstr(html, "<b>"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href=\"http"));
    /* No date or other run-specific content: the same tables, the same bytes. */
    commit_night(state, "N2", 1);
    again = rh_slurp(state, "rapport.html");
    assert_string_equal(html, again);
    free(html);
    free(again);
}

static void test_html_without_data(void **state)
{
    report_out_t *o = open_night(state, "N1", 0, 1);
    char *html;

    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    html = rh_slurp(state, "rapport.html");
    assert_non_null(html);
    assert_has(html, "Er zijn nog geen resultaten van de uitvraag.");
    assert_has(html, "Er zijn nog geen gebruiksgegevens ontvangen.");
    assert_has(html, "</html>\n");
    assert_null(rh_slurp(state, "kpm.sqlite")); /* not asked for */
    free(html);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, rh_tmpdir_setup, rh_tmpdir_teardown)
    const struct CMUnitTest tests[] = {
        T(test_sqlite_tables_as_published),
        T(test_sqlite_nights_replace_and_reload),
        T(test_sqlite_abandoned_night_changes_nothing),
        T(test_sqlite_refuses_a_duplicate_key),
        T(test_sqlite_reserved_names),
        T(test_html_page),
        T(test_html_without_data),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
