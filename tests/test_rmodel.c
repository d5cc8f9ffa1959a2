/* test_rmodel.c - the report model's Dutch numbers and its numbering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kpm_err.h"
#include "rmodel.h"
#include "rmodel_int.h"

static rdoc_t *doc(void)
{
    rdoc_t *d = calloc(1, sizeof *d);
    assert_non_null(d);
    return d;
}

static void test_dutch_numbers(void **state)
{
    rdoc_t *d = doc();

    (void)state;
    assert_string_equal(rd_int(d, 0), "0");
    assert_string_equal(rd_int(d, 999), "999");
    assert_string_equal(rd_int(d, 1234), "1.234");
    assert_string_equal(rd_int(d, 1234567), "1.234.567");
    assert_string_equal(rd_int(d, -1234), "-1.234");
    assert_string_equal(rd_dec(d, 3.375, 2), "3,38"); /* half away from zero */
    assert_string_equal(rd_dec(d, 12.25, 1), "12,3");
    assert_string_equal(rd_dec(d, -12.25, 1), "-12,3");
    assert_string_equal(rd_dec(d, -0.04, 1), "0,0"); /* no "-0,0" */
    assert_string_equal(rd_dec(d, 41.25, 1), "41,3");
    assert_string_equal(rd_dec(d, 1234.5, 1), "1.234,5");
    assert_string_equal(rd_eur(d, 112500.75), "€ 112.501");
    assert_string_equal(rd_eur(d, 99.49), "€ 99");
    assert_string_equal(rd_pct(d, 9, 11), "82%");
    assert_string_equal(rd_pct(d, 1, 8), "13%"); /* 12.5 */
    assert_string_equal(rd_pct(d, 1, 0), "–");
    assert_false(d->oom);
    rdoc_destroy(&d);
}

/* Tables and figures are numbered per chapter, apart from each other; an
 * empty table gets no number. */
static void test_numbering(void **state)
{
    rdoc_t *d = doc();
    rtb_t tb;

    (void)state;
    rd_chapter(d, "a", "Een");
    rd_table(&tb, d, 2, "eerste");
    rd_cols(&tb, (const char *const[]){"Groep", "#Aantal", NULL});
    rd_set(&tb, rd_row(&tb, RROW_PLAIN), 0, "Tranche 1");
    rd_table_end(&tb, NULL);
    rd_figure(d, RF_BARS, "figuur");
    rd_table(&tb, d, 2, "leeg");
    rd_table_end(&tb, NULL); /* no rows: not in the document */
    rd_table(&tb, d, 2, "tweede");
    rd_set(&tb, rd_row(&tb, RROW_TOTAL), 1, "3");
    rd_table_end(&tb, "noot");
    rd_chapter(d, "b", "Twee");
    rd_table(&tb, d, 1, "derde");
    rd_row(&tb, RROW_PLAIN);
    rd_table_end(&tb, NULL);

    assert_int_equal(rdoc_count(d), 6);
    assert_string_equal(rdoc_block(d, 0)->text, "1 Een");
    assert_string_equal(rdoc_block(d, 1)->tab->number, "1.1");
    assert_int_equal(rdoc_block(d, 1)->tab->numeric[1], 1);
    assert_string_equal(rdoc_block(d, 1)->tab->head[1], "Aantal");
    assert_string_equal(rdoc_block(d, 2)->fig->number, "1.1");
    assert_string_equal(rdoc_block(d, 3)->tab->number, "1.2");
    assert_string_equal(rdoc_block(d, 3)->tab->caption, "tweede");
    assert_string_equal(rdoc_block(d, 3)->tab->cells[1], "3");
    assert_int_equal(rdoc_block(d, 3)->tab->row_kind[0], RROW_TOTAL);
    assert_string_equal(rdoc_block(d, 4)->text, "2 Twee");
    assert_string_equal(rdoc_block(d, 5)->tab->number, "2.1");
    rdoc_destroy(&d);
    assert_null(d);
}

/* An empty model still gives a whole document: the title, an uitvraag chapter
 * saying there are no results, monitoring, rejects. */
static void test_empty_model(void **state)
{
    rmodel_t *m = rmodel_new();
    rdoc_t *d;
    int uitvraag = 0;

    (void)state;
    assert_non_null(m);
    d = rmodel_build(m);
    assert_non_null(d);
    for (size_t i = 0; i < rdoc_count(d); i++) {
        const rblock_t *b = rdoc_block(d, i);
        if (b->kind == RB_PARA &&
            strcmp(b->text, "Er zijn nog geen resultaten van de uitvraag.") == 0)
            uitvraag = 1;
    }
    assert_true(uitvraag);
    assert_int_equal(rdoc_block(d, 0)->level, 1);
    rdoc_destroy(&d);
    rmodel_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dutch_numbers),
        cmocka_unit_test(test_numbering),
        cmocka_unit_test(test_empty_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
