/* test_catalog.c - the questionnaire catalogue: the real 2021 file and bad files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"

#include "fail_alloc.h"

#define REAL_CATALOG KPM_CONFIG_DIR "/vragenlijst-2021.csv"
#define FIXTURE(name) KPM_TEST_DATA "/catalog/" name

static int load_real(void **state)
{
    char err[512];
    catalog_t *c = catalog_load(REAL_CATALOG, err, sizeof err);

    if (c == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = c;
    return 0;
}

static int destroy_catalog(void **state)
{
    catalog_t *c = *state;

    catalog_destroy(&c);
    return 0;
}

static const catalog_item_t *item_named(const catalog_t *c, const char *name)
{
    int i = catalog_find(c, name, strlen(name));

    assert_true(i >= 0);
    return catalog_item(c, (size_t)i);
}

static void test_real_counts(void **state)
{
    const catalog_t *c = *state;
    size_t pii = 0, likert = 0, likert_nvt = 0;

    /* 52 data lines under the header of vragenlijst-2021.csv */
    assert_int_equal(catalog_count(c), 52);
    for (size_t i = 0; i < catalog_count(c); i++) {
        const catalog_item_t *it = catalog_item(c, i);
        pii += it->type == ITEM_PII;
        likert += it->type == ITEM_LIKERT;
        likert_nvt += it->type == ITEM_LIKERT_NVT;
    }
    assert_int_equal(pii, 3);
    assert_int_equal(likert, 9);
    assert_int_equal(likert_nvt, 11);
    assert_null(catalog_item(c, 52));

    /* catalogue order is file order */
    assert_string_equal(catalog_item(c, 0)->name, "contact_naam");
    assert_string_equal(catalog_item(c, 51)->name, "verbeterpunten");
    assert_int_equal(catalog_item(c, 51)->thema, 10);
}

static void test_real_items(void **state)
{
    const catalog_t *c = *state;
    const catalog_item_t *it;

    it = item_named(c, "tijd_adviseurs");
    assert_int_equal(it->type, ITEM_LIKERT);
    assert_int_equal(it->thema, 4);
    assert_string_equal(it->thema_naam, "Inzet adviseurs");
    assert_string_equal(it->vraag, "Hoeveelheid beschikbare tijd van de adviseurs");
    assert_int_equal(it->versie, CATALOG_VERSIE_BEIDE);
    assert_int_equal(it->group, -1);
    assert_null(it->values);

    it = item_named(c, "verwachtingen_uitgekomen");
    assert_int_equal(it->type, ITEM_KEUZE);
    assert_int_equal(it->versie, CATALOG_VERSIE_VOLLEDIG);
    assert_int_equal(it->n_values, 4);
    assert_string_equal(it->values[0], "ja");
    assert_string_equal(it->values[1], "deels");
    assert_string_equal(it->values[2], "nee");
    assert_string_equal(it->values[3], "te_vroeg");

    it = item_named(c, "kennisproducten");
    assert_int_equal(it->type, ITEM_LIKERT_NVT);
    assert_string_equal(it->thema_naam, "Kennisdeling, kennisproducten en informatievoorziening");

    it = item_named(c, "doelen_gewijzigd");
    assert_int_equal(it->versie, CATALOG_VERSIE_KORT);

    it = item_named(c, "contact_email");
    assert_int_equal(it->type, ITEM_PII);

    it = item_named(c, "gebruik_aantal");
    assert_int_equal(it->type, ITEM_AANTAL);
    assert_int_equal(it->group, -1);

    /* UTF-8 text is kept as written */
    it = item_named(c, "omvang_budget");
    assert_string_equal(it->thema_naam, "Financiële middelen");
}

static void test_real_besteding_group(void **state)
{
    const catalog_t *c = *state;
    const char *cats[] = {"interne_projectleiding", "externe_projectleiding", "scholing",
                          "clientondersteuners",    "communicatie",           "anders"};
    size_t k = 0;

    assert_int_equal(catalog_group_count(c), 1);
    assert_string_equal(catalog_group_name(c, 0), "besteding");
    assert_null(catalog_group_name(c, 1));
    assert_null(catalog_group_name(c, -1));
    for (size_t i = 0; i < catalog_count(c); i++) {
        const catalog_item_t *it = catalog_item(c, i);
        if (it->type != ITEM_PROCENT) {
            assert_int_equal(it->group, -1);
            assert_null(it->category);
            continue;
        }
        assert_true(k < 6);
        assert_int_equal(it->group, 0);
        assert_string_equal(it->category, cats[k]);
        k++;
    }
    assert_int_equal(k, 6);
    /* verantwoording_besteding is a likert item, not part of the group */
    assert_int_equal(item_named(c, "verantwoording_besteding")->group, -1);
}

static void test_real_find(void **state)
{
    const catalog_t *c = *state;
    const char with_nul[] = "sterk\0x";

    assert_int_equal(catalog_find(c, "contact_naam", 12), 0);
    assert_int_equal(catalog_find(c, "Tijd_Adviseurs", 14), 15);
    /* len counts, not the NUL: a prefix of a name is not the name */
    assert_int_equal(catalog_find(c, "tijd_adviseurs_extra", 14), 15);
    assert_int_equal(catalog_find(c, "tijd_advis", 10), -1);
    assert_int_equal(catalog_find(c, with_nul, 7), -1);
    assert_int_equal(catalog_find(c, with_nul, 5), catalog_find(c, "sterk", 5));
    assert_int_equal(catalog_find(c, "response_id", 11), -1);
    assert_int_equal(catalog_find(c, "", 0), -1);
}

static void test_type_names_round_trip(void **state)
{
    (void)state;
    for (int t = ITEM_LIKERT; t <= ITEM_PII; t++) {
        const char *name = item_type_name((item_type_t)t);
        assert_int_equal(item_type_parse(name, strlen(name)), t);
    }
    assert_string_equal(item_type_name(ITEM_LIKERT_NVT), "likert_nvt");
    assert_int_equal(item_type_parse(" Procent ", 9), ITEM_PROCENT);
    assert_int_equal(item_type_parse("likert_nv", 9), -1);
    assert_int_equal(item_type_parse("likert", 5), -1);
    assert_int_equal(item_type_parse("", 0), -1);
}

/* Header in another order and case, ',' as delimiter, a BOM, an unknown column,
 * optional columns absent, a blank row, names in upper case. */
static void test_minimal_catalogue(void **state)
{
    char err[512] = "x";
    catalog_t *c = catalog_load(FIXTURE("minimal.csv"), err, sizeof err);
    const catalog_item_t *it;

    (void)state;
    assert_non_null(c);
    assert_string_equal(err, "");
    assert_int_equal(catalog_count(c), 5);

    it = catalog_item(c, 0);
    assert_string_equal(it->name, "tevredenheid");
    assert_int_equal(it->type, ITEM_LIKERT);
    assert_int_equal(it->thema, 1);
    assert_int_equal(it->versie, CATALOG_VERSIE_BEIDE);
    assert_string_equal(it->thema_naam, "");
    assert_string_equal(it->vraag, "");

    /* a procent item without '_' is a group of its own */
    assert_int_equal(catalog_group_count(c), 2);
    it = catalog_item(c, 1);
    assert_string_equal(it->name, "aandeel");
    assert_int_equal(it->group, 0);
    assert_string_equal(it->category, "aandeel");
    assert_string_equal(catalog_group_name(c, 0), "aandeel");

    it = catalog_item(c, 3);
    assert_string_equal(it->name, "kosten_materiaal");
    assert_int_equal(it->group, 1);
    assert_string_equal(it->category, "materiaal");
    assert_string_equal(catalog_group_name(c, 1), "kosten");
    assert_int_equal(catalog_item(c, 2)->group, 1);

    assert_string_equal(catalog_item(c, 4)->name, "_vrij");
    assert_int_equal(catalog_find(c, "KOSTEN_PERSONEEL", 16), 2);
    catalog_destroy(&c);
    assert_null(c);
    catalog_destroy(&c);
    catalog_destroy(NULL);
}

static void test_theme_name_given_once(void **state)
{
    char err[512];
    catalog_t *c = catalog_load(FIXTURE("theme_names.csv"), err, sizeof err);

    (void)state;
    assert_non_null(c);
    assert_string_equal(catalog_item(c, 0)->thema_naam, "Bijeenkomsten");
    assert_string_equal(catalog_item(c, 1)->thema_naam, "Bijeenkomsten");
    assert_string_equal(catalog_item(c, 2)->thema_naam, "");
    catalog_destroy(&c);
}

/* Bad catalogues: each must be refused with a message naming file, line and cause. */
static const struct {
    const char *file;
    const char *expect; /* part of the message after the file name */
} bad_cases[] = {
    {"missing_type.csv", "line 1: required column 'type' is missing"},
    {"unknown_type.csv", "line 3: item 'score' has unknown type 'likret'"},
    {"keuze_no_values.csv", "line 3: keuze item 'borging_status' lists no values"},
    {"keuze_empty_value.csv", "line 2: item 'borging_status' has an empty value"},
    {"keuze_duplicate_value.csv", "line 2: item 'ja_nee' lists value 'ja' twice"},
    {"duplicate_item.csv", "line 4: item 'doelen' is listed twice (first on line 2)"},
    {"thema_not_int.csv", "line 3: thema 'vier' of item 'sterk' is not a whole number"},
    {"thema_empty.csv", "line 3: thema '' of item 'sterk' is not a whole number"},
    {"empty_item.csv", "line 3: item name is empty"},
    {"versie_unknown.csv", "line 2: item 'doelen' has versie 'lang'"},
    {"duplicate_column.csv", "line 1: column 'type' appears twice"},
    {"theme_name_conflict.csv", "line 3: thema 7 is named 'Congressen' here but 'Bijeenkomsten'"},
    {"header_only.csv", "lists no items"},
    {"unterminated.csv", "line 2: a quoted field is not closed"},
};

static void test_bad_catalogues(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        char path[512], err[512] = "";
        snprintf(path, sizeof path, "%s%s", FIXTURE(""), bad_cases[i].file);
        catalog_t *c = catalog_load(path, err, sizeof err);
        if (c != NULL || strstr(err, bad_cases[i].expect) == NULL ||
            strstr(err, bad_cases[i].file) == NULL)
            fail_msg("%s: got '%s', expected '%s'", bad_cases[i].file, err, bad_cases[i].expect);
    }
}

static void test_missing_file(void **state)
{
    char err[512] = "";
    catalog_t *c = catalog_load(FIXTURE("no-such-catalogue.csv"), err, sizeof err);

    (void)state;
    assert_null(c);
    assert_non_null(strstr(err, "no-such-catalogue.csv"));
    assert_non_null(strstr(err, "No such file"));
    /* no error buffer is fine too */
    assert_null(catalog_load(FIXTURE("no-such-catalogue.csv"), NULL, 0));
}

static void test_short_error_buffer(void **state)
{
    char err[16];

    (void)state;
    memset(err, 'z', sizeof err);
    assert_null(catalog_load(FIXTURE("unknown_type.csv"), err, sizeof err));
    assert_int_equal(strlen(err), sizeof err - 1);
}

/* Every allocation that fails makes the load fail cleanly (no crash, no leak,
 * a message); once none fails, the catalogue is whole. */
static void test_out_of_memory(void **state)
{
    char err[512];
    long n;

    (void)state;
    for (n = 0;; n++) {
        err[0] = '\0';
        fail_alloc_number(n);
        catalog_t *c = catalog_load(REAL_CATALOG, err, sizeof err);
        int reached = fail_alloc_stop();
        if (c != NULL) {
            /* stdio may get by without a buffer; anything returned must be whole */
            assert_int_equal(catalog_count(c), 52);
            assert_int_equal(catalog_group_count(c), 1);
            catalog_destroy(&c);
        } else {
            assert_true(reached);
            assert_true(err[0] != '\0');
        }
        if (!reached) break;
    }
}

/* The 2021 answer labels (config/antwoorden-2021.csv, loaded beside the
 * catalogue): texts, other spellings, case, spaces and accents map to codes. */
static const char *match(const catalog_t *c, const char *item, const char *text)
{
    const catalog_item_t *it = item_named(c, item);
    int a = catalog_answer_match(it, text, strlen(text));

    return a >= 0 ? it->answers[a].code : NULL;
}

static void test_answer_texts_map_to_codes(void **state)
{
    const catalog_t *c = *state;

    assert_string_equal(match(c, "verwachtingen_uitgekomen", "Te vroeg om aan te geven"),
                        "te_vroeg");
    assert_string_equal(match(c, "verwachtingen_uitgekomen", "  TE   VROEG om aan te GEVEN "),
                        "te_vroeg");
    assert_string_equal(match(c, "verwachtingen_uitgekomen", "nog te vroeg"), "te_vroeg");
    assert_string_equal(match(c, "verwachtingen_uitgekomen", "te_vroeg"), "te_vroeg");
    assert_string_equal(match(c, "verwachtingen_uitgekomen",
                              "D\xc3\xa9"
                              "els"),
                        "deels");
    assert_string_equal(match(c, "zicht_op_gebruik", "Niet van toepassing"), "nvt");
    assert_string_equal(match(c, "zicht_op_gebruik", "n.v.t."), "nvt");
    assert_string_equal(match(c, "regiobijeenkomst", "Nog niet, wel gepland"), "gepland");
    assert_string_equal(match(c, "borging_status", "Opgenomen in het projectplan"),
                        "in_projectplan");
    assert_string_equal(match(c, "kennisdeling_koplopers", "(nog) niet aan deelgenomen"), "0");
    assert_string_equal(match(c, "kennisdeling_koplopers", "Zeer tevreden"), "4");
    assert_string_equal(match(c, "tijd_adviseurs", "ontevreden"), "2");
    assert_null(match(c, "tijd_adviseurs", "Niet van toepassing")); /* plain likert: no n.v.t. */
    assert_null(match(c, "regiobijeenkomst", "misschien"));
    assert_null(match(c, "doelen_gewijzigd", "Niet van toepassing"));
    assert_null(match(c, "verwachtingen_uitgekomen", ""));
}

static void test_answer_labels(void **state)
{
    const catalog_t *c = *state;
    const catalog_item_t *it = item_named(c, "verwachtingen_uitgekomen");

    assert_int_equal(it->n_answers, 4);
    assert_string_equal(catalog_answer_label(it, "te_vroeg", 8), "Te vroeg om aan te geven");
    assert_string_equal(catalog_answer_label(it, "ja", 2), "Ja");
    assert_null(catalog_answer_label(it, "misschien", 9));
    it = item_named(c, "monitort_kwaliteit");
    assert_string_equal(catalog_answer_label(it, "nvt", 3), "Niet van toepassing");
    it = item_named(c, "kennisdeling_koplopers");
    assert_int_equal(it->n_answers, 5);
    assert_string_equal(catalog_answer_label(it, "0", 1), "Niet van toepassing");
    assert_string_equal(catalog_answer_label(it, "1", 1), "Zeer ontevreden");
    assert_int_equal(item_named(c, "reden_aanmelding")->n_answers, 0);
    /* every keuze value of the catalogue has a label of the questionnaire, not its code */
    for (size_t i = 0; i < catalog_count(c); i++) {
        it = catalog_item(c, i);
        if (it->type != ITEM_KEUZE) continue;
        assert_int_equal(it->n_answers, it->n_values);
        for (size_t a = 0; a < it->n_answers; a++)
            assert_true(it->answers[a].label[0] >= 'A' && it->answers[a].label[0] <= 'Z');
    }
}

static void test_fold(void **state)
{
    char out[32];

    (void)state;
    const char *s = " \xc3\x89\xc3\xa9n  TWEE\tdrie ";
    assert_int_equal(catalog_fold(s, strlen(s), out, sizeof out), 13);
    assert_string_equal(out, "een twee drie");
    assert_int_equal(catalog_fold("a\xc2\xa0"
                                  "b",
                                  4, out, sizeof out),
                     3);
    assert_string_equal(out, "a b");
    assert_int_equal(catalog_fold("abcdef", 6, out, 4), -1);
}

static void test_bad_labels(void **state)
{
    static const char *const bad[][2] = {
        {"labels_unknown_code.csv", "'misschien' is not an answer of item"},
        {"labels_ambiguous.csv", "stands for both"},
        {"labels_unknown_item.csv", "no item of the catalogue"},
    };
    char err[512];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        catalog_t *c = catalog_load(REAL_CATALOG, err, sizeof err);
        char path[512];
        assert_non_null(c);
        snprintf(path, sizeof path, "%s/catalog/%s", KPM_TEST_DATA, bad[i][0]);
        assert_int_not_equal(catalog_labels_load(c, path, err, sizeof err), 0);
        if (strstr(err, bad[i][1]) == NULL) fail_msg("%s: %s", bad[i][0], err);
        assert_non_null(strstr(err, "line"));
        catalog_destroy(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_counts, load_real, destroy_catalog),
        cmocka_unit_test_setup_teardown(test_real_items, load_real, destroy_catalog),
        cmocka_unit_test_setup_teardown(test_real_besteding_group, load_real, destroy_catalog),
        cmocka_unit_test_setup_teardown(test_real_find, load_real, destroy_catalog),
        cmocka_unit_test(test_type_names_round_trip),
        cmocka_unit_test_setup_teardown(test_answer_texts_map_to_codes, load_real, destroy_catalog),
        cmocka_unit_test_setup_teardown(test_answer_labels, load_real, destroy_catalog),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_bad_labels),
        cmocka_unit_test(test_minimal_catalogue),
        cmocka_unit_test(test_theme_name_given_once),
        cmocka_unit_test(test_bad_catalogues),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_short_error_buffer),
        cmocka_unit_test(test_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
