/* test_rapport_svg.c - the grouped bar chart of rapport.html and Dutch counts
 * in the charts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rapport_svg.h"

/* What a chart function wrote, as a string (the caller frees it). */
#define CAPTURE(out, call)                                                                         \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *fp = open_memstream(&(out), &len_);                                                  \
        assert_non_null(fp);                                                                       \
        call;                                                                                      \
        assert_int_equal(fclose(fp), 0);                                                           \
    } while (0)

static void assert_has(const char *s, const char *want)
{
    if (strstr(s, want) == NULL) fail_msg("missing %s in:\n%s", want, s);
}

static void test_grouped_bars(void **state)
{
    static const char *const years[2] = {"2020", "2021"};
    static const int64_t v[4] = {0, 1234, 2, 5};
    rsvg_group_row_t rows[2] = {
        {{"Lerende cirkel (intervisie)", 27}, v, 1, 4, 5},
        {{"Masterclass & <b>", 17}, v + 2, 0, 0, 0},
    };
    char *svg = NULL;

    (void)state;
    CAPTURE(svg, rapport_svg_grouped(fp, "Figuur 5.2 Bijeenkomsten", years, 2, rows, 2,
                                     "Volgens de oproep"));
    /* a text alternative, the legend with the target, every bar with its figure */
    assert_has(svg, "role=\"img\" aria-label=\"Figuur 5.2 Bijeenkomsten\"");
    assert_has(svg, "class=\"legend\">2021</text>");
    assert_has(svg, "class=\"legend\">Volgens de oproep</text>");
    assert_has(svg, "<title>Volgens de oproep: 4 tot 5</title>");
    assert_has(svg, "<title>Lerende cirkel (intervisie), 2021: 1.234</title>");
    assert_has(svg, "class=\"value\">1.234</text>");
    assert_has(svg, "<title>Masterclass &amp; &lt;b&gt;, 2020: 2</title>");
    /* one band only: the second row has no target */
    assert_null(strstr(strstr(svg, "Volgens de oproep: 4 tot 5") + 1, "class=\"target\">"));
    /* the axis to a round 1.500 (steps of 500), in Dutch */
    assert_has(svg, "class=\"axis\">1.000</text>");
    assert_has(svg, "class=\"axis\">1.500</text>");
    assert_has(svg, "</svg>\n");
    free(svg);
}

static void test_lines_count_in_dutch(void **state)
{
    static const char *const x[2] = {"2021-01", "2021-02"};
    static const int64_t v[2] = {1747, 999};
    static const int has[2] = {1, 1};
    rsvg_series_t s = {"Koplopergemeenten", v, has};
    char *svg = NULL;

    (void)state;
    CAPTURE(svg, rapport_svg_lines(fp, "Figuur 5.6 Nieuwe vragen", x, 2, &s, 1));
    assert_has(svg, "<title>Koplopergemeenten, 2021-01: 1.747</title>");
    assert_has(svg, ">999</text>");
    assert_has(svg, "class=\"axis\">2.000</text>");
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouped_bars),
        cmocka_unit_test(test_lines_count_in_dutch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
