/* test_report_format.c - the report stage's writers: cell formats, CSV, dashboard.json,
 * rapport.md, protocol checks and abandoned nights. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "kpm_err.h"
#include "report_out.h"
#include "report_harness.h"
#include "wire_values.h"

/* ---- building tables ---------------------------------------------------------- */

/* ---- fixtures ------------------------------------------------------------------- */

static void assert_file(void **state, const char *name, const char *want)
{
    char *got = rh_slurp(state, name);

    if (got == NULL) fail_msg("%s is missing", name);
    if (strcmp(got, want) != 0) {
        print_error("%s:\n--- got ---\n%s--- want ---\n%s", name, got, want);
        free(got);
        fail();
    }
    free(got);
}

static void assert_contains(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) fail_msg("missing: \"%s\"", needle);
}

static int count_files(void **state, const char *suffix)
{
    DIR *d = opendir(rh_dir(state));
    struct dirent *e;
    int n = 0;
    size_t ls = strlen(suffix);

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] != '.' && l >= ls && strcmp(e->d_name + l - ls, suffix) == 0) n++;
    }
    closedir(d);
    return n;
}

static report_out_t *open_out(void **state)
{
    char err[256] = "";
    report_out_t *o = report_out_new(rh_dir(state), err, sizeof err);

    if (o == NULL) fail_msg("report_out_new: %s", err);
    return o;
}

/* ---- report_format_cell ----------------------------------------------------------- */

static const char *fmt(wire_value_t v, const char *format)
{
    static char buf[64];

    if (report_format_cell(&v, format, strlen(format), buf, sizeof buf) < 0) return "<error>";
    return buf;
}

static void test_format_rounding(void **state)
{
    (void)state;
    assert_string_equal(fmt(R(12.25), "pct1"), "12.3");
    assert_string_equal(fmt(R(12.25), "dec1"), "12.3");
    assert_string_equal(fmt(R(2.125), "dec2"), "2.13");
    assert_string_equal(fmt(R(-0.05), "dec1"), "-0.1");
    assert_string_equal(fmt(R(-0.04), "dec1"), "0.0");
    assert_string_equal(fmt(R(-0.0), "dec2"), "0.00");
    assert_string_equal(fmt(R(-1.25), "dec1"), "-1.3");
    assert_string_equal(fmt(R(100.0 * 10 / 12), "pct1"), "83.3");
    assert_string_equal(fmt(R(100.0 * 2 / 3), "pct1"), "66.7");
    assert_string_equal(fmt(R(2.5), "dec2"), "2.50");
    assert_string_equal(fmt(R(0.05), "dec2"), "0.05");
    /* 1.005 is stored just below the tie; it still rounds as written */
    assert_string_equal(fmt(R(1.005), "dec2"), "1.01");
    assert_string_equal(fmt(R(99.95), "pct1"), "100.0");
    assert_string_equal(fmt(I(7), "dec2"), "7.00");
    assert_string_equal(fmt(I(-3), "pct1"), "-3.0");
    assert_string_equal(fmt(I(2021), "int"), "2021");
    assert_string_equal(fmt(I(-12), "int"), "-12");
    assert_string_equal(fmt(N(), "pct1"), "");
    assert_string_equal(fmt(N(), "text"), "");
    assert_string_equal(fmt(S("zeer tevreden"), "text"), "zeer tevreden");
}

/* dec4: p-values of vergelijking.csv, four decimals, half away from zero. */
static void test_format_dec4(void **state)
{
    (void)state;
    assert_string_equal(fmt(R(17.0 / 35.0), "dec4"), "0.4857");
    assert_string_equal(fmt(R(0.00005), "dec4"), "0.0001");
    assert_string_equal(fmt(R(0.000049), "dec4"), "0.0000");
    assert_string_equal(fmt(R(3.715936139571442e-05), "dec4"), "0.0000");
    assert_string_equal(fmt(R(0.12345), "dec4"), "0.1235");
    assert_string_equal(fmt(R(-0.00005), "dec4"), "-0.0001");
    assert_string_equal(fmt(R(0.99995), "dec4"), "1.0000");
    assert_string_equal(fmt(R(0.05), "dec4"), "0.0500");
    assert_string_equal(fmt(I(1), "dec4"), "1.0000");
    assert_string_equal(fmt(N(), "dec4"), "");
    assert_string_equal(fmt(S("0.5"), "dec4"), "<error>");
}

static void test_format_rejects_wrong_types(void **state)
{
    char small[4], big[32];
    wire_value_t v = R(12345.5);

    (void)state;
    assert_string_equal(fmt(R(2.5), "int"), "<error>");
    assert_string_equal(fmt(S("12"), "int"), "<error>");
    assert_string_equal(fmt(S("1.5"), "dec1"), "<error>");
    assert_string_equal(fmt(I(1), "text"), "<error>");
    assert_string_equal(fmt(R(NAN), "dec1"), "<error>");
    assert_string_equal(fmt(R(INFINITY), "dec2"), "<error>");
    assert_string_equal(fmt(I(1), "pct2"), "<error>");
    assert_string_equal(fmt(N(), "float"), "<error>");
    /* the format is a view of format_len bytes, matched whole */
    assert_int_equal(report_format_cell(&v, "dec1x", 5, big, sizeof big), -1);
    assert_int_equal(report_format_cell(&v, "dec1x", 4, big, sizeof big), 7);
    assert_string_equal(big, "12345.5");
    assert_int_equal(report_format_cell(&v, "de", 2, big, sizeof big), -1);
    /* a result that does not fit is refused, not cut */
    assert_int_equal(report_format_cell(&v, "dec1", 4, small, sizeof small), -1);
    v = R(1.5);
    assert_int_equal(report_format_cell(&v, "dec1", 4, small, sizeof small), 3);
    assert_string_equal(small, "1.5");
    v = I(-100);
    assert_int_equal(report_format_cell(&v, "int", 3, small, sizeof small), -1);
    v = I(-10);
    assert_int_equal(report_format_cell(&v, "int", 3, small, sizeof small), 3);
    assert_string_equal(small, "-10");
    v = I(10);
    assert_int_equal(report_format_cell(&v, "dec2", 4, small, sizeof small), -1);
}

/* Numbers are formatted without printf; they must read as printf's would. */
static void test_format_numbers_like_printf(void **state)
{
    static const int64_t ints[] = {0,         1,         -1,           9,          10,
                                   -10,       99,        100,          1234567890, -987654321012,
                                   INT64_MAX, INT64_MIN, INT64_MIN + 1};
    static const double reals[] = {0.0,  0.04,         0.05,  0.5,     1.0,      9.99,
                                   10.0, 123456789.25, -0.55, -123.45, 1234.5678};
    char want[64];

    (void)state;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        snprintf(want, sizeof want, "%" PRId64, ints[i]);
        assert_string_equal(fmt(I(ints[i]), "int"), want);
        snprintf(want, sizeof want, "%" PRId64 ".00", ints[i]);
        assert_string_equal(fmt(I(ints[i]), "dec2"), want);
    }
    /* exact binary fractions and values away from a tie: printf's rounding and
     * ours agree */
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        snprintf(want, sizeof want, "%.4f", reals[i] + (reals[i] < 0 ? -1e-9 : 1e-9));
        assert_string_equal(fmt(R(reals[i]), "dec4"), strcmp(want, "-0.0000") ? want : "0.0000");
    }
    assert_string_equal(fmt(R(1e16), "dec1"), "<error>"); /* beyond exact integers */
}

/* ---- CSV and JSON ------------------------------------------------------------------- */

static void test_csv_quoting_and_injection(void **state)
{
    report_out_t *o = open_out(state);
    const wire_table_row_t rows[] = {
        ROW(S("plain"), I(1)),
        ROW(S("a,b"), I(-5)),
        ROW(S("zei \"hoi\""), N()),
        ROW(S("regel\nbreuk"), I(0)),
        ROW(S("=SUM(A1:A9)"), I(2)),
        ROW(S("+31 20 1234567"), I(3)),
        ROW(S("-geen-"), I(4)),
        ROW(S("@home"), I(5)),
        ROW(S("\tinspringing"), I(6)),
        ROW(S("\rterug"), I(7)),
        ROW(S("=1,2"), I(8)),
        ROW(S("a=b"), I(9)),
        ROW(N(), I(10)),
        ROW(S("cliënt"), I(11)),
    };

    rh_feed(o, "teksten", 1, "tekst:text,n:int", rows, sizeof rows / sizeof rows[0]);
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    assert_null(o);
    assert_file(state, "teksten.csv",
                "tekst,n\n"
                "plain,1\n"
                "\"a,b\",-5\n"
                "\"zei \"\"hoi\"\"\",\n"
                "\"regel\nbreuk\",0\n"
                "'=SUM(A1:A9),2\n"
                "'+31 20 1234567,3\n"
                "'-geen-,4\n"
                "'@home,5\n"
                "'\tinspringing,6\n"
                "\"'\rterug\",7\n"
                "\"'=1,2\",8\n"
                "a=b,9\n"
                ",10\n"
                "cliënt,11\n");
}

static void test_json_escaping(void **state)
{
    report_out_t *o = open_out(state);
    const wire_table_row_t rows[] = {
        ROW(S("q\"b\\s\nn\r\tt\x01\x1f é—"), R(2.5), N(), I(-4)),
        ROW(S("=geen quote in json"), R(-0.05), R(83.333), I(0)),
        ROW(S("bad \xff byte"), N(), N(), N()),
    };

    rh_feed(o, "escapes", 1, "tekst:text,gem:dec2,pct:pct1,n:int", rows,
            sizeof rows / sizeof rows[0]);
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    /* a column the feed has no description for gets "" (the e2e schema check
     * catches it); "n" has one in feed_doc.c */
    assert_file(state, "dashboard/escapes.json",
                "{\n"
                "  \"schema_version\": 3,\n"
                "  \"tabel\": \"escapes\",\n"
                "  \"kolommen\": [\n"
                "    {\"naam\": \"tekst\", \"type\": \"text\", \"omschrijving\": \"\"},\n"
                "    {\"naam\": \"gem\", \"type\": \"decimal\", \"decimalen\": 2, "
                "\"omschrijving\": \"\"},\n"
                "    {\"naam\": \"pct\", \"type\": \"decimal\", \"decimalen\": 1, "
                "\"omschrijving\": \"\"},\n"
                "    {\"naam\": \"n\", \"type\": \"integer\", \"eenheid\": \"aantal\", "
                "\"omschrijving\": \"Aantal meetellende responses.\"}\n"
                "  ],\n"
                "  \"rijen\": [\n"
                "    [\"q\\\"b\\\\s\\nn\\r\\tt\\u0001\\u001f é—\", 2.50, null, -4],\n"
                "    [\"=geen quote in json\", -0.05, 83.3, 0],\n"
                "    [\"bad \\ufffd byte\", null, null, null]\n"
                "  ]\n"
                "}\n");
    char *index = rh_slurp(state, "dashboard.json");
    assert_non_null(index);
    assert_contains(index,
                    "  \"tabellen\": {\n    \"escapes\": {\n"
                    "      \"bestand\": \"dashboard/escapes.json\",\n"
                    "      \"rijen\": 3,\n      \"kolommen\": [\n"
                    "        {\"naam\": \"tekst\", \"type\": \"text\", \"omschrijving\": \"\"},\n");
    free(index);
}

static void test_empty_night(void **state)
{
    report_out_t *o = open_out(state);
    char *md;

    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_int_equal(report_out_tables(o), 0);
    report_out_destroy(&o);
    char *index = rh_slurp(state, "dashboard.json");
    assert_non_null(index);
    assert_contains(index,
                    "{\n  \"schema_version\": 3,\n  \"nacht\": \"\",\n  \"gemaakt_op\": \"20");
    assert_contains(index, "Z\",\n  \"tabellen\": {}\n}\n");
    free(index);
    md = rh_slurp(state, "rapport.md");
    assert_non_null(md);
    assert_contains(md, "Er zijn nog geen resultaten van de uitvraag.");
    free(md);
}

/* ---- a whole night ------------------------------------------------------------------- */

#define LIKERT_SPEC                                                                                \
    "meting:int,groep:text,thema:int,item:text,gevraagd:int,zeer_ontevreden:int,"                  \
    "ontevreden:int,tevreden:int,zeer_tevreden:int,nvt:int,ontbrekend:int,"                        \
    "gemiddelde:dec2,onderdrukt:jn"

static void feed_night(report_out_t *o)
{
    const wire_table_row_t respons[] = {
        ROW(I(2021), S("1"), I(12), I(10), R(100.0 * 10 / 12)),
        ROW(I(2021), S("2"), I(4), I(2), R(50.0)),
        ROW(I(2021), S("totaal"), I(16), I(12), R(75.0)),
    };
    const wire_table_row_t likert[] = {
        ROW(I(2021), S("alle"), I(2), S("aanmeldprocedure"), I(12), I(1), I(2), I(5), I(2), I(0),
            I(2), R(2.8), S("nee")),
        ROW(I(2021), S("tranche-1"), I(2), S("aanmeldprocedure"), I(10), I(1), I(1), I(4), I(2),
            I(0), I(2), R(23.0 / 8), S("nee")),
        ROW(I(2021), S("tranche-2"), I(2), S("aanmeldprocedure"), N(), N(), N(), N(), N(), N(), N(),
            N(), S("ja")),
        ROW(I(2021), S("alle"), I(6), S("kennisdeling_koplopers"), I(12), I(0), I(1), I(3), I(4),
            I(2), I(2), R(3.375), S("nee")),
    };
    const wire_table_row_t keuze[] = {
        ROW(I(2021), S("alle"), S("verwachtingen_uitgekomen"), S("ja"), I(5), R(50.0), S("nee")),
        ROW(I(2021), S("alle"), S("verwachtingen_uitgekomen"), S("deels"), I(3), R(30.0), S("nee")),
        ROW(I(2021), S("alle"), S("verwachtingen_uitgekomen"), S("nee"), I(2), R(20.0), S("nee")),
        ROW(I(2021), S("alle"), S("verwachtingen_uitgekomen"), S("ontbrekend"), I(2), N(),
            S("nee")),
    };
    const wire_table_row_t besteding[] = {
        ROW(I(2021), S("alle"), S("interne_projectleiding"), I(8), R(40.0), R(37.5), R(10.0),
            R(80.0), S("nee")),
        ROW(I(2021), S("alle"), S("scholing"), I(8), R(12.25), R(10.0), R(0.0), R(30.0), S("nee")),
    };
    const wire_table_row_t open[] = {
        ROW(I(2021), I(1), S("reden_aanmelding"), I(1), S("Wij willen \"meer\" doen,\nsamen.")),
        ROW(I(2021), I(3), S("toelichting_verwachtingen"), I(2), S("=HYPERLINK(\"x\")")),
    };
    const wire_table_row_t rejects[] = {
        ROW(S("koplopers.csv"), N(), S("regio"), S("UNKNOWN_COLUMNS"), S("kolom genegeerd")),
        ROW(S("uitvraag_2021.csv"), I(5), S("omvang_budget"), S("INVALID_VALUE"),
            S("waarde '7' is geen antwoord")),
        ROW(S("uitvraag_2021.csv"), I(8), S("tijd_adviseurs"), S("INVALID_VALUE"),
            S("waarde 'x' is geen antwoord")),
        ROW(S("uitvraag_2021.csv"), I(9), S(""), S("SUPERSEDED"), S("vervangen")),
    };
    const wire_table_row_t vragen[] = {
        ROW(S("verwachtingen"), I(1), S("Deelname"), S("tekst"), S("Wat waren uw verwachtingen?")),
        ROW(S("verwachtingen_uitgekomen"), I(1), S("Deelname"), S("keuze"),
            S("Zijn deze verwachtingen uitgekomen?")),
        ROW(S("aanmeldprocedure"), I(2), S("Aanmeldprocedure en projectplan"), S("likert"),
            S("Informatie over en ondersteuning bij de aanmeldprocedure")),
        ROW(S("besteding_interne_projectleiding"), I(5), S("Financiële middelen"), S("procent"),
            S("Besteding: interne projectleiding (%)")),
        ROW(S("besteding_scholing"), I(5), S("Financiële middelen"), S("procent"),
            S("Besteding: scholing (%)")),
        ROW(S("kennisdeling_koplopers"), I(6),
            S("Kennisdeling, kennisproducten en informatievoorziening"), S("likert_nvt"),
            S("Onderlinge kennisdeling tussen koplopers")),
    };
    const wire_table_row_t gebruik[] = {ROW(S("GM0363"), I(12))};
    const wire_table_row_t antwoorden[] = {
        ROW(S("verwachtingen_uitgekomen"), S("ja"), S("Ja")),
        ROW(S("verwachtingen_uitgekomen"), S("deels"), S("Gedeeltelijk")),
        ROW(S("verwachtingen_uitgekomen"), S("nee"), S("Nee")),
    };
    const wire_table_row_t instellingen[] = {ROW(I(3))};

    rh_feed(o, "respons", 1, "meting:int,tranche:text,uitgenodigd:int,respons:int,respons_pct:pct1",
            respons, 3);
    rh_feed(o, "likert", 1, LIKERT_SPEC, likert, 4);
    rh_feed(o, "keuze", 1,
            "meting:int,groep:text,item:text,antwoord:text,aantal:int,pct:pct1,onderdrukt:jn",
            keuze, 4);
    rh_feed(o, "besteding", 1,
            "meting:int,groep:text,categorie:text,n:int,gemiddeld_pct:pct1,mediaan_pct:pct1,"
            "min_pct:pct1,max_pct:pct1,onderdrukt:jn",
            besteding, 2);
    rh_feed(o, "open_antwoorden", 1, "meting:int,thema:int,item:text,tranche:int,tekst:text", open,
            2);
    rh_feed(o, "rejects", 1, "bestand:text,regel:int,kolom:text,code:text,melding:text", rejects,
            4);
    rh_feed(o, "vragen", 0, "item:text,thema:int,thema_naam:text,type:text,vraag:text", vragen, 6);
    rh_feed(o, "antwoorden", 0, "item:text,code:text,label:text", antwoorden, 3);
    rh_feed(o, "instellingen", 0, "min_cell:int", instellingen, 1);
    rh_feed(o, "gebruik_maand", 1, "gemeente:text,aantal:int", gebruik, 1);
}

static void test_whole_night(void **state)
{
    const char *title = "# Koploperproject onafhankelijke cliëntondersteuning — resultaten\n\n";
    report_out_t *o = open_out(state);
    char *md, *json;

    feed_night(o);
    assert_int_equal(report_out_tables(o), 7);
    assert_int_equal(report_out_rows(o), 3 + 4 + 4 + 2 + 2 + 4 + 1);
    /* nothing is in place before the commit */
    assert_int_equal(count_files(state, ".csv"), 0);
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);

    assert_int_equal(count_files(state, ".tmp"), 0);
    assert_int_equal(count_files(state, ".csv"), 7);
    assert_null(rh_slurp(state, "vragen.csv"));
    assert_file(state, "respons.csv",
                "meting,tranche,uitgenodigd,respons,respons_pct\n"
                "2021,1,12,10,83.3\n"
                "2021,2,4,2,50.0\n"
                "2021,totaal,16,12,75.0\n");
    assert_file(state, "likert.csv",
                "meting,groep,thema,item,gevraagd,zeer_ontevreden,ontevreden,tevreden,"
                "zeer_tevreden,nvt,ontbrekend,gemiddelde,onderdrukt\n"
                "2021,alle,2,aanmeldprocedure,12,1,2,5,2,0,2,2.80,nee\n"
                "2021,tranche-1,2,aanmeldprocedure,10,1,1,4,2,0,2,2.88,nee\n"
                "2021,tranche-2,2,aanmeldprocedure,,,,,,,,,ja\n"
                "2021,alle,6,kennisdeling_koplopers,12,0,1,3,4,2,2,3.38,nee\n");
    assert_file(state, "besteding.csv",
                "meting,groep,categorie,n,gemiddeld_pct,mediaan_pct,min_pct,max_pct,onderdrukt\n"
                "2021,alle,interne_projectleiding,8,40.0,37.5,10.0,80.0,nee\n"
                "2021,alle,scholing,8,12.3,10.0,0.0,30.0,nee\n");
    assert_file(state, "open_antwoorden.csv",
                "meting,thema,item,tranche,tekst\n"
                "2021,1,reden_aanmelding,1,\"Wij willen \"\"meer\"\" doen,\nsamen.\"\n"
                "2021,3,toelichting_verwachtingen,2,\"'=HYPERLINK(\"\"x\"\")\"\n");
    assert_file(state, "rejects.csv",
                "bestand,regel,kolom,code,melding\n"
                "koplopers.csv,,regio,UNKNOWN_COLUMNS,kolom genegeerd\n"
                "uitvraag_2021.csv,5,omvang_budget,INVALID_VALUE,waarde '7' is geen antwoord\n"
                "uitvraag_2021.csv,8,tijd_adviseurs,INVALID_VALUE,waarde 'x' is geen antwoord\n"
                "uitvraag_2021.csv,9,,SUPERSEDED,vervangen\n");
    assert_file(state, "gebruik_maand.csv", "gemeente,aantal\nGM0363,12\n");

    json = rh_slurp(state, "dashboard/respons.json");
    assert_non_null(json);
    assert_contains(json, "  \"rijen\": [\n"
                          "    [2021, \"1\", 12, 10, 83.3],\n"
                          "    [2021, \"2\", 4, 2, 50.0],\n"
                          "    [2021, \"totaal\", 16, 12, 75.0]\n  ]\n}\n");
    free(json);
    json = rh_slurp(state, "dashboard/likert.json"); /* ja/nee: a boolean in the feed */
    assert_non_null(json);
    assert_contains(json, "{\"naam\": \"onderdrukt\", \"type\": \"boolean\", ");
    assert_contains(json, "    [2021, \"tranche-2\", 2, \"aanmeldprocedure\", null, null, "
                          "null, null, null, null, null, null, true],\n");
    free(json);
    json = rh_slurp(state, "dashboard/open_antwoorden.json");
    assert_non_null(json);
    assert_contains(json, "[2021, 3, \"toelichting_verwachtingen\", 2, "
                          "\"=HYPERLINK(\\\"x\\\")\"]");
    free(json);
    json = rh_slurp(state, "dashboard/gebruik_maand.json");
    assert_non_null(json);
    assert_contains(json, "  \"rijen\": [\n    [\"GM0363\", 12]\n  ]\n}\n");
    free(json);
    assert_null(rh_slurp(state, "dashboard/vragen.json"));
    json = rh_slurp(state, "dashboard.json");
    assert_non_null(json);
    assert_null(strstr(json, "\"vragen\""));
    /* tables in arrival order */
    assert_true(strstr(json, "\"keuze\"") < strstr(json, "\"besteding\""));
    assert_true(strstr(json, "\"open_antwoorden\"") < strstr(json, "\"rejects\""));
    free(json);

    md = rh_slurp(state, "rapport.md");
    assert_non_null(md);
    assert_true(strncmp(md, title, strlen(title)) == 0);
    /* the threshold from instellingen, chapters and tables numbered */
    assert_contains(md, "met minder dan 3 antwoorden worden niet getoond");
    assert_contains(md, "## 1 Uitvraag 2021\n\n**Tabel 1.1** Respons per tranche, uitvraag 2021\n\n"
                        "| Tranche | Uitgenodigd | Respons |\n|---|---:|---:|\n"
                        "| Tranche 1 | 12 | 10 (83%) |\n| Tranche 2 | 4 | 2 (50%) |\n"
                        "| **Totaal** | **16** | **12 (75%)** |\n");
    /* a choice question with its lead question and the answers' labels */
    assert_contains(md,
                    "### Thema 1: Deelname\n\n**Tabel 1.2** Keuzevraag — Deelname\n\n"
                    "| Vraag | Ja | Gedeeltelijk | Nee | Geen antwoord | n gevraagd | n geldig |\n"
                    "|---|---:|---:|---:|---:|---:|---:|\n"
                    "| Wat waren uw verwachtingen? — Zijn deze verwachtingen uitgekomen? | "
                    "5 (50%) | 3 (30%) | 2 (20%) | 2 | 12 | 10 |\n");
    /* open answers quoted as written, line breaks kept */
    assert_contains(md, "> Wij willen \"meer\" doen,\\\n> samen.\n");
    /* a theme's satisfaction questions in one table, whole percentages, the mean apart */
    assert_contains(md, "**Tabel 1.3** Tevredenheid — Aanmeldprocedure en projectplan (n = 12)\n\n"
                        "| Vraag | Zeer ontevreden | Ontevreden | Tevreden | Zeer tevreden | "
                        "Geen antwoord | n gevraagd | n geldig | Gemiddelde (1–4) |\n"
                        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                        "| Informatie over en ondersteuning bij de aanmeldprocedure | 1 (10%) | "
                        "2 (20%) | 5 (50%) | 2 (20%) | 2 | 12 | 10 | 2,80 |\n");
    /* per tranche after it; tranche 2 (2 responses) is below the threshold of 3 */
    assert_contains(md,
                    "**Tabel 1.4** Aandeel (zeer) tevreden per tranche — Aanmeldprocedure en "
                    "projectplan\n\n| Vraag | Tranche 1 | Tranche 2 |\n|---|---:|---:|\n"
                    "| Informatie over en ondersteuning bij de aanmeldprocedure | 75% (n = 8) | "
                    "onderdrukt (n < 3) |\n");
    /* likert_nvt items get the column Niet van toepassing */
    assert_contains(md, "| Onderlinge kennisdeling tussen koplopers | 0 (0%) | 1 (13%) | 3 (38%) | "
                        "4 (50%) | 2 | 2 | 12 | 8 | 3,38 |\n");
    assert_contains(md, "| Categorie | n | Gemiddeld | Mediaan | Minimum | Maximum |\n"
                        "|---|---:|---:|---:|---:|---:|\n"
                        "| Interne projectleiding | 8 | 40% | 38% | 10% | 80% |\n"
                        "| Scholing | 8 | 12% | 10% | 0% | 30% |\n");
    /* a theme that vragen does not name */
    assert_contains(md, "### Thema 3\n\n");
    /* themes in number order, the report's last chapter the rejects, in Dutch */
    assert_true(strstr(md, "### Thema 1:") < strstr(md, "### Thema 2:"));
    assert_true(strstr(md, "### Thema 5:") < strstr(md, "### Thema 6:"));
    assert_contains(md, "## 3 Afgewezen en gemelde gegevens\n\n");
    assert_contains(md, "Er zijn 4 meldingen");
    assert_contains(md, "| Soort melding | Aantal |\n|---|---:|\n| Ongeldige waarde | 2 |\n"
                        "| Vervangen door een later ingevulde vragenlijst | 1 |\n"
                        "| Onbekende kolommen (genegeerd) | 1 |\n");
    assert_contains(md, "| Bestand | Aantal |\n|---|---:|\n| koplopers.csv | 1 |\n"
                        "| uitvraag_2021.csv | 3 |\n");
    assert_true(strstr(md, "### Thema 6:") < strstr(md, "## 3 Afgewezen"));
    /* no codes: no reject code, no answer code, no item code */
    assert_null(strstr(md, "INVALID_VALUE"));
    assert_null(strstr(md, "| deels"));
    assert_null(strstr(md, "| aanmeldprocedure"));
    assert_null(strstr(md, "GM0363"));
    free(md);
}

/* The same night again gives the same bytes: rapport.md, every
 * dashboard/<tabel>.json, and dashboard.json but for when it was made. */
static void test_same_night_same_bytes(void **state)
{
    static const char *const files[] = {"rapport.md", "dashboard/likert.json",
                                        "dashboard/respons.json", "dashboard.json"};
    char *first[4], *again[4];
    report_out_t *o;

    for (int run = 0; run < 2; run++) {
        o = open_out(state);
        feed_night(o);
        assert_int_equal(report_out_commit(o), KPM_OK);
        report_out_destroy(&o);
        for (int f = 0; f < 4; f++) {
            char **out = run == 0 ? first : again;
            assert_non_null(out[f] = rh_slurp(state, files[f]));
        }
    }
    for (int f = 0; f < 3; f++)
        assert_string_equal(first[f], again[f]);
    assert_non_null(strstr(first[3], "\"gemaakt_op\""));
    assert_string_equal(strstr(first[3], "\"tabellen\""), strstr(again[3], "\"tabellen\""));
    for (int f = 0; f < 4; f++) {
        free(first[f]);
        free(again[f]);
    }
}

/* Without `vragen` the report still shows everything, under item ids; metingen
 * come in ascending order whatever order the rows had. */
static void test_rapport_without_vragen(void **state)
{
    report_out_t *o = open_out(state);
    const wire_table_row_t respons[] = {
        ROW(I(2022), S("totaal"), I(10), I(4), R(40.0)),
        ROW(I(2021), S("totaal"), I(0), I(1), N()),
    };
    const wire_table_row_t likert[] = {
        ROW(I(2022), S("alle"), I(4), S("tijd_adviseurs"), I(4), I(0), I(0), I(1), I(0), I(0), I(3),
            R(3.0), S("nee")),
    };
    const wire_table_row_t keuze[] = {
        ROW(I(2022), S("alle"), S("borging_status"), S("verankerd"), I(0), N(), S("nee")),
    };
    const wire_table_row_t rejects[] = {
        ROW(S("x.csv"), N(), S(""), S("UNKNOWN_KIND"), S("onbekend soort bestand")),
    };
    char *md, *m21, *m22;

    rh_feed(o, "respons", 1, "meting:int,tranche:text,uitgenodigd:int,respons:int,respons_pct:pct1",
            respons, 2);
    rh_feed(o, "likert", 1, LIKERT_SPEC, likert, 1);
    rh_feed(o, "keuze", 1,
            "meting:int,groep:text,item:text,antwoord:text,aantal:int,pct:pct1,onderdrukt:jn",
            keuze, 1);
    rh_feed(o, "rejects", 1, "bestand:text,regel:int,kolom:text,code:text,melding:text", rejects,
            1);
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);

    md = rh_slurp(state, "rapport.md");
    assert_non_null(md);
    m21 = strstr(md, "## 1 Uitvraag 2021\n");
    m22 = strstr(md, "## 2 Uitvraag 2022\n");
    assert_non_null(m21);
    assert_non_null(m22);
    assert_true(m21 < m22);
    assert_contains(md, "| **Totaal** | **0** | **1** |\n");
    /* without vragen: a theme by number, a made-up question without the code */
    assert_contains(md, "### Thema 4\n\n**Tabel 2.2** Tevredenheid — thema 4 (n = 4)\n\n");
    assert_contains(
        md, "| Vraag over tijd adviseurs | 0 (0%) | 0 (0%) | 1 (100%) | 0 (0%) | 3 | 4 | 1 | "
            "3,00 |\n");
    assert_contains(md, "### Overige vragen\n\n**Tabel 2.3** Keuzevraag — Overige vragen\n\n");
    assert_contains(md, "| Vraag | Verankerd | Geen antwoord | n gevraagd | n geldig |\n");
    assert_contains(md, "Er is 1 melding over");
    assert_null(strstr(md, "tijd_adviseurs"));
    assert_null(strstr(md, "borging_status"));
    free(md);
}

/* ---- protocol errors and abandoned nights --------------------------------------------- */

static int begin(report_out_t *o, const char *name, const char *spec)
{
    rh_tdef_t d;

    rh_tdef(&d, name, 1, "owner", spec);
    return report_out_table_begin(o, &d.tb);
}

static void expect_eproto(report_out_t **o, int rc)
{
    assert_int_equal(rc, KPM_EPROTO);
    assert_true(report_out_error(*o)[0] != '\0');
    /* a failed night cannot be committed */
    assert_int_equal(report_out_commit(*o), KPM_EPROTO);
    report_out_destroy(o);
}

static void test_protocol_errors(void **state)
{
    report_out_t *o;
    wire_table_row_t r1 = ROW(I(1)), r2 = ROW(I(1), I(2)), rr = ROW(R(1.5));
    wire_table_end_t end_t1 = {{"t", 1}, 1}, end_t0 = {{"t", 1}, 0}, end_u = {{"u", 1}, 0};

    o = open_out(state);
    expect_eproto(&o, report_out_table_row(o, &r1));

    o = open_out(state);
    expect_eproto(&o, report_out_table_end(o, &end_t0));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    expect_eproto(&o, report_out_table_row(o, &r2));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    assert_int_equal(report_out_table_row(o, &r1), KPM_OK);
    assert_int_equal(report_out_table_row(o, &r1), KPM_OK);
    expect_eproto(&o, report_out_table_end(o, &end_t1));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    expect_eproto(&o, report_out_table_end(o, &end_u));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    expect_eproto(&o, report_out_table_row(o, &rr));

    o = open_out(state);
    expect_eproto(&o, begin(o, "t", "a:pct2"));

    o = open_out(state);
    expect_eproto(&o, begin(o, "../etc/passwd", "a:int"));

    o = open_out(state);
    expect_eproto(&o, begin(o, "Respons", "a:int"));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    expect_eproto(&o, begin(o, "u", "a:int"));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    assert_int_equal(report_out_table_end(o, &end_t0), KPM_OK);
    expect_eproto(&o, begin(o, "t", "a:int"));

    o = open_out(state);
    assert_int_equal(begin(o, "t", "a:int"), KPM_OK);
    assert_int_equal(report_out_commit(o), KPM_EPROTO);
    report_out_destroy(&o);

    /* none of these nights left anything behind */
    assert_int_equal(count_files(state, ".csv"), 0);
    assert_int_equal(count_files(state, ".tmp"), 0);
    assert_null(rh_slurp(state, "dashboard.json"));
    assert_null(rh_slurp(state, "rapport.md"));
}

static void test_uncommitted_night_keeps_old_files(void **state)
{
    char *path = fs_join(rh_dir(state), "respons.csv");
    report_out_t *o;
    const wire_table_row_t rows[] = {ROW(I(2022), S("totaal"), I(3), I(3), R(100.0))};

    assert_int_equal(fs_write_atomic(path, "old\n", 4), KPM_OK);
    free(path);
    o = open_out(state);
    rh_feed(o, "respons", 1, "meting:int,tranche:text,uitgenodigd:int,respons:int,respons_pct:pct1",
            rows, 1);
    assert_int_equal(count_files(state, ".tmp"),
                     1); /* respons.csv (dashboard.json: at the commit) */
    char *tmp = rh_slurp(state, "dashboard/respons.json.tmp");
    assert_non_null(tmp);
    free(tmp);
    report_out_destroy(&o);

    assert_file(state, "respons.csv", "old\n");
    assert_int_equal(count_files(state, ".tmp"), 0);
    assert_null(rh_slurp(state, "dashboard.json"));
    assert_null(rh_slurp(state, "dashboard/respons.json.tmp"));
    assert_null(rh_slurp(state, "rapport.md"));
}

/* Where a table goes follows its publish bits; a table no longer in the feed
 * loses its dashboard/ file at the next commit. */
static void test_feed_and_csv_apart(void **state)
{
    const wire_table_row_t rows[] = {ROW(I(2021), S("ja"))};
    report_out_t *o = open_out(state);

    rh_feed(o, "beide", 1, "jaar:int,koploper:jn", rows, 1);
    rh_feed(o, "alleen_csv", WIRE_PUBLISH | WIRE_PUBLISH_NO_FEED, "jaar:int,koploper:jn", rows, 1);
    rh_feed(o, "alleen_feed", WIRE_PUBLISH | WIRE_PUBLISH_NO_CSV, "jaar:int,koploper:jn", rows, 1);
    assert_int_equal(report_out_commit(o), KPM_OK);
    assert_int_equal(report_out_tables(o), 3);
    report_out_destroy(&o);
    assert_file(state, "beide.csv", "jaar,koploper\n2021,ja\n");
    assert_file(state, "alleen_csv.csv", "jaar,koploper\n2021,ja\n");
    assert_null(rh_slurp(state, "alleen_feed.csv"));
    assert_null(rh_slurp(state, "dashboard/alleen_csv.json"));
    char *json = rh_slurp(state, "dashboard/alleen_feed.json");
    assert_non_null(json);
    assert_contains(json, "  \"rijen\": [\n    [2021, true]\n  ]\n}\n");
    free(json);

    o = open_out(state); /* the next night without alleen_feed */
    rh_feed(o, "beide", 1, "jaar:int,koploper:jn", rows, 1);
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    assert_null(rh_slurp(state, "dashboard/alleen_feed.json"));
    assert_non_null(json = rh_slurp(state, "dashboard/beide.json"));
    free(json);

    /* a ja/nee column holding anything else is refused */
    const wire_table_row_t bad[] = {ROW(I(2021), S("misschien"))};
    o = open_out(state);
    rh_tdef_t d;
    rh_tdef(&d, "beide", 1, "owner", "jaar:int,koploper:jn");
    assert_int_equal(report_out_table_begin(o, &d.tb), KPM_OK);
    assert_int_equal(report_out_table_row(o, &bad[0]), KPM_EPROTO);
    assert_non_null(strstr(report_out_error(o), "does not fit"));
    report_out_destroy(&o);
}

static void test_new_creates_directory(void **state)
{
    char *sub = fs_join(rh_dir(state), "uit");
    char err[256] = "";
    report_out_t *o = report_out_new(sub, err, sizeof err);
    char *json = fs_join(sub, "dashboard.json");

    assert_non_null(o);
    assert_int_equal(report_out_commit(o), KPM_OK);
    report_out_destroy(&o);
    assert_true(fs_exists(json));
    unlink(json);
    free(json);
    json = fs_join(sub, "rapport.md");
    unlink(json);
    free(json);
    json = fs_join(sub, "dashboard");
    assert_int_equal(rmdir(json), 0); /* empty: no table */
    free(json);
    assert_int_equal(rmdir(sub), 0);
    free(sub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_rounding),
        cmocka_unit_test(test_format_dec4),
        cmocka_unit_test(test_format_numbers_like_printf),
        cmocka_unit_test(test_format_rejects_wrong_types),
        cmocka_unit_test_setup_teardown(test_csv_quoting_and_injection, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_json_escaping, rh_tmpdir_setup, rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_empty_night, rh_tmpdir_setup, rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_whole_night, rh_tmpdir_setup, rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_same_night_same_bytes, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_rapport_without_vragen, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_protocol_errors, rh_tmpdir_setup, rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_night_keeps_old_files, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_feed_and_csv_apart, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_new_creates_directory, rh_tmpdir_setup,
                                        rh_tmpdir_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
