/* test_stats.c - aggregate/stats against reference values.
 *
 * Two kinds of expected values, each marked where it is used:
 *  - PUBLISHED: a worked example whose value is printed in the source named
 *    beside it, compared to its 4 printed decimals (|got - want| <= 5e-5).
 *  - REFERENCE: the output of tests/data/stats/reference.py (Python standard
 *    library only, exact fractions for the exact tests; written separately from
 *    stats.c), compared to 1e-9 absolute or relative, i.e. far tighter than 4
 *    decimals. Regenerate with `python3 tests/data/stats/reference.py`.
 * No value here comes from R or from a run of the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "kpm_err.h"
#include "stats.h"

#define Z STATS_Z95

static void near(double got, double want, double tol, const char *what)
{
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale))
        fail_msg("%s: got %.12g, want %.12g (tolerance %g)", what, got, want, tol);
}

#define PUB 5e-5 /* a published value to 4 decimals */
#define REF 1e-9 /* reference.py, full precision */

/* ------------------------------------------------------------ published */

static void test_wilson_published(void **state)
{
    (void)state;
    stats_ci_t ci;
    /* PUBLISHED: Newcombe RG (1998a), Two-sided confidence intervals for the single
     * proportion, Stat Med 17:857-872, worked examples, method 3 (score, no continuity
     * correction): 81/263 -> 0.2553 to 0.3662, 15/148 -> 0.0624 to 0.1605 (also
     * the expectations of the propint R package's tests). */
    assert_int_equal(stats_wilson(81, 263, Z, &ci), KPM_OK);
    near(ci.lo, 0.2553, PUB, "81/263 lo");
    near(ci.hi, 0.3662, PUB, "81/263 hi");
    assert_int_equal(stats_wilson(15, 148, Z, &ci), KPM_OK);
    near(ci.lo, 0.0624, PUB, "15/148 lo");
    near(ci.hi, 0.1605, PUB, "15/148 hi");
}

static void test_diff_indep_published(void **state)
{
    (void)state;
    double d;
    stats_ci_t ci;
    /* PUBLISHED: Newcombe RG (1998b), Interval estimation for the difference
     * between independent proportions: comparison of eleven methods, Stat Med
     * 17:873-890, worked examples, method 10: 56/70 - 48/80 -> 0.0524 to 0.3339;
     * 9/10 - 3/10 -> 0.1705 to 0.8090 (as in the propint R package's tests). */
    assert_int_equal(stats_diff_indep(56, 70, 48, 80, Z, &d, &ci), KPM_OK);
    near(d, 0.2, 1e-12, "56/70-48/80 d");
    near(ci.lo, 0.0524, PUB, "56/70-48/80 lo");
    near(ci.hi, 0.3339, PUB, "56/70-48/80 hi");
    assert_int_equal(stats_diff_indep(9, 10, 3, 10, Z, &d, &ci), KPM_OK);
    near(ci.lo, 0.1705, PUB, "9/10-3/10 lo");
    near(ci.hi, 0.8090, PUB, "9/10-3/10 hi");
}

static void test_diff_paired_published(void **state)
{
    (void)state;
    /* PUBLISHED: Newcombe RG (1998c), Improved confidence intervals for the
     * difference between binomial proportions based on paired data, Stat Med
     * 17:2635-2650, worked examples, method 10 (as in the propint R package's tests):
     * e, f, g, h -> lo, hi. */
    static const struct {
        uint64_t e, f, g, h;
        double lo, hi;
    } t[] = {
        {36, 12, 2, 0, 0.0569, 0.3404},
        {18, 12, 2, 18, 0.0562, 0.3290},
        {53, 0, 0, 1, -0.0729, 0.0729},
        {0, 30, 0, 0, 0.8395, 1.0000},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double d;
        stats_ci_t ci;
        assert_int_equal(stats_diff_paired(t[i].e, t[i].f, t[i].g, t[i].h, Z, &d, &ci), KPM_OK);
        near(d, ((double)t[i].f - (double)t[i].g) / (double)(t[i].e + t[i].f + t[i].g + t[i].h),
             1e-12, "paired d");
        near(ci.lo, t[i].lo, PUB, "paired lo");
        near(ci.hi, t[i].hi, PUB, "paired hi");
    }
}

static void test_fisher_published(void **state)
{
    (void)state;
    /* PUBLISHED: Fisher's tea-tasting experiment as worked in Agresti A (2002),
     * Categorical Data Analysis, 2nd ed., section 3.5: guesses 3,1 / 1,3, one-sided
     * P = 0.243, two-sided 0.486. By hand: the tables with the same margins have
     * probabilities 1, 16, 36, 16, 1 (/70); the observed one has 16/70, so the
     * two-sided p is (1 + 16 + 16 + 1)/70 = 17/35 = 0.4857. */
    near(stats_fisher(3, 1, 1, 3), 0.4857, PUB, "tea tasting");
    near(stats_fisher(3, 1, 1, 3), 17.0 / 35.0, 1e-12, "tea tasting exact");
}

static void test_mcnemar_published(void **state)
{
    (void)state;
    /* PUBLISHED: Agresti A (2002), Categorical Data Analysis, 2nd ed., section
     * 10.1 (presidential approval, 1600 people asked twice):
     * 794 approve both times, 150 approve then disapprove, 86 the reverse, 570
     * disapprove both times. McNemar's z^2 = (86 - 150)^2 / (86 + 150) = 17.36:
     * the two-sided P-value is "less than 0.0001"; the exact binomial p below is
     * REFERENCE (reference.py: 3.715936139571442e-05). The difference 0.59 -
     * 0.55 = 0.04 is published with a Wald interval (0.02, 0.06); Newcombe's
     * interval must give the same to two decimals. */
    double p = stats_mcnemar_exact(150, 86);
    assert_true(p < 0.0001);
    near(p, 3.715936139571442e-05, REF, "approval exact p");
    /* REFERENCE: math.erfc(math.sqrt(17.3559... / 2)) in Python. */
    near(stats_chi2_p1(4096.0 / 236.0), 3.0992934410452196e-05, REF, "approval chi2 p");
    double d;
    stats_ci_t ci;
    assert_int_equal(stats_diff_paired(794, 150, 86, 570, Z, &d, &ci), KPM_OK);
    near(d, 0.04, 1e-12, "approval d");
    assert_true(fabs(ci.lo - 0.02) < 0.005 && fabs(ci.hi - 0.06) < 0.005);
}

static void test_chi2_quantiles(void **state)
{
    (void)state;
    /* PUBLISHED: the 0.95 and 0.99 quantiles of chi-square with 1 df, 3.841459
     * and 6.634897, in every table of the distribution. */
    near(stats_chi2_p1(3.841459), 0.05, 1e-6, "chi2 0.95 quantile");
    near(stats_chi2_p1(6.634897), 0.01, 1e-6, "chi2 0.99 quantile");
    near(stats_chi2_p1(0), 1.0, 0, "chi2 at 0");
}

/* ------------------------------------------------------------ reference */

static void test_wilson_reference(void **state)
{
    (void)state;
    /* REFERENCE: reference.py, "wilson: x, n, lo, hi". */
    static const struct {
        uint64_t x, n;
        double lo, hi;
    } t[] = {
        {81, 263, 0.2552885198782742, 0.36620957698280004},
        {15, 148, 0.06238639953073629, 0.16048724172330803},
        {0, 10, 0.0, 0.2775327998628892},
        {10, 10, 0.7224672001371109, 1.0},
        {1, 1, 0.20654931437723745, 1.0},
        {5, 9, 0.2666512934954931, 0.8112214789023354},
        {3, 7, 0.1582198552514697, 0.7495416354723428},
        {47, 50, 0.8378290831116182, 0.979385029651026},
        {1, 29, 0.006113214292762667, 0.17175521879320282},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        stats_ci_t ci;
        assert_int_equal(stats_wilson(t[i].x, t[i].n, Z, &ci), KPM_OK);
        near(ci.lo, t[i].lo, REF, "wilson lo");
        near(ci.hi, t[i].hi, REF, "wilson hi");
    }
    stats_ci_t ci;
    assert_int_equal(stats_wilson(0, 0, Z, &ci), KPM_EINVAL);
    assert_int_equal(stats_wilson(3, 2, Z, &ci), KPM_EINVAL);
}

static void test_diff_indep_reference(void **state)
{
    (void)state;
    /* REFERENCE: reference.py, "newcombe independent". The first two are the
     * published examples above; the others are the rest of Newcombe's (1998b)
     * eight examples and one ordinary case. */
    static const struct {
        uint64_t x1, n1, x2, n2;
        double d, lo, hi;
    } t[] = {
        {56, 70, 48, 80, 0.20000000000000007, 0.05243147240236484, 0.3338726540369059},
        {9, 10, 3, 10, 0.6000000000000001, 0.17052272393450296, 0.809017973535488},
        {6, 7, 2, 7, 0.5714285714285714, 0.0582279274823122, 0.8062496375242278},
        {5, 56, 0, 29, 0.08928571428571429, -0.03813714790353688, 0.1925600138551116},
        {0, 10, 0, 20, 0.0, -0.16112515805281938, 0.2775327998628892},
        {0, 10, 0, 10, 0.0, -0.2775327998628892, 0.2775327998628892},
        {10, 10, 0, 20, 1.0, 0.6790860371419147, 1.0},
        {10, 10, 0, 10, 1.0, 0.6075093504305242, 1.0},
        {12, 20, 7, 18, 0.21111111111111108, -0.09894819756400441, 0.4706612004702967},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double d;
        stats_ci_t ci;
        assert_int_equal(stats_diff_indep(t[i].x1, t[i].n1, t[i].x2, t[i].n2, Z, &d, &ci), KPM_OK);
        near(d, t[i].d, REF, "indep d");
        near(ci.lo, t[i].lo, REF, "indep lo");
        near(ci.hi, t[i].hi, REF, "indep hi");
    }
    double d;
    stats_ci_t ci;
    assert_int_equal(stats_diff_indep(1, 2, 0, 0, Z, &d, &ci), KPM_EINVAL);
}

static void test_diff_paired_reference(void **state)
{
    (void)state;
    /* REFERENCE: reference.py, "newcombe paired" (the first four are the
     * published examples; then Newcombe 2001's two, the approval table, and a
     * table with e*h < f*g, where phi is not corrected). */
    static const struct {
        uint64_t e, f, g, h;
        double d, lo, hi;
    } t[] = {
        {36, 12, 2, 0, 0.2, 0.0569295840032388, 0.3404276029749408},
        {18, 12, 2, 18, 0.2, 0.05617184398825323, 0.3289759688858016},
        {53, 0, 0, 1, 0.0, -0.07293814547857702, 0.07293814547857702},
        {0, 30, 0, 0, 1.0, 0.8394678198623838, 1.0},
        {4, 1, 2, 25, -0.03125, -0.16800273030504384, 0.10203428222146513},
        {2, 12, 3, 17, 0.2647058823529412, 0.04982713666749805, 0.4508548026897571},
        {794, 150, 86, 570, 0.04, 0.02123042398287709, 0.05870387289572891},
        {3, 0, 4, 1, -0.5, -0.7593093042204069, -0.029294090542112794},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double d;
        stats_ci_t ci;
        assert_int_equal(stats_diff_paired(t[i].e, t[i].f, t[i].g, t[i].h, Z, &d, &ci), KPM_OK);
        near(d, t[i].d, REF, "paired d");
        near(ci.lo, t[i].lo, REF, "paired lo");
        near(ci.hi, t[i].hi, REF, "paired hi");
    }
    double d;
    stats_ci_t ci;
    assert_int_equal(stats_diff_paired(0, 0, 0, 0, Z, &d, &ci), KPM_EINVAL);
}

static void test_fisher_reference(void **state)
{
    (void)state;
    /* REFERENCE: reference.py, "fisher two-sided" (exact fractions). */
    static const struct {
        uint64_t a, b, c, d;
        double p;
    } t[] = {
        {3, 1, 1, 3, 0.4857142857142857},
        {2, 10, 15, 3, 0.0005367241191434358},
        {1, 9, 11, 3, 0.0027594561852200836},
        {5, 0, 0, 5, 0.007936507936507936},
        {7, 3, 2, 6, 0.153434800493624},
        {0, 5, 0, 7, 1.0},
        {4, 4, 4, 4, 1.0},
        {12, 5, 7, 9, 0.16632006577356484},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        near(stats_fisher(t[i].a, t[i].b, t[i].c, t[i].d), t[i].p, REF, "fisher p");
    /* The test is symmetric in rows and columns. */
    near(stats_fisher(10, 2, 3, 15), stats_fisher(2, 10, 15, 3), REF, "fisher transposed");
    near(stats_fisher(0, 0, 0, 0), 1.0, 0, "fisher empty");
}

static void test_chi2_reference(void **state)
{
    (void)state;
    /* REFERENCE: reference.py, "chi-square, no correction" (exact rational X^2). */
    static const struct {
        uint64_t a, b, c, d;
        double x2, p, emin;
    } t[] = {
        {12, 5, 7, 9, 2.430575519681557, 0.11898920553214525, 6.787878787878788},
        {30, 20, 15, 35, 9.090909090909092, 0.002568831527022717, 22.5},
        {25, 25, 25, 25, 0.0, 1.0, 25.0},
        {40, 10, 28, 22, 6.617647058823529, 0.01009731464750722, 16.0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double x2;
        near(stats_chi2(t[i].a, t[i].b, t[i].c, t[i].d, &x2), t[i].p, REF, "chi2 p");
        near(x2, t[i].x2, REF, "chi2 statistic");
        near(stats_expected_min(t[i].a, t[i].b, t[i].c, t[i].d), t[i].emin, REF, "expected min");
    }
    assert_true(isnan(stats_chi2(3, 0, 4, 0, NULL)));
}

static void test_binom_reference(void **state)
{
    (void)state;
    /* REFERENCE: reference.py, "exact binomial (McNemar)". */
    static const struct {
        uint64_t b, c;
        double p;
    } t[] = {
        {150, 86, 3.715936139571442e-05},
        {86, 150, 3.715936139571442e-05},
        {1, 7, 0.0703125},
        {0, 5, 0.0625},
        {3, 3, 1.0},
        {0, 0, 1.0},
        {2, 10, 0.03857421875},
        {12, 2, 0.012939453125},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        near(stats_mcnemar_exact(t[i].b, t[i].c), t[i].p, REF, "mcnemar p");
}

static void test_choice_of_test(void **state)
{
    (void)state;
    stats_test_t which;
    /* Smallest expected count 6.79 >= 5: chi-square (REFERENCE p above). */
    near(stats_test_indep(12, 5, 7, 9, &which), 0.11898920553214525, REF, "chosen chi2");
    assert_int_equal(which, STATS_TEST_CHI2);
    /* The tea-tasting table has expected counts 2: Fisher. */
    near(stats_test_indep(3, 1, 1, 3, &which), 17.0 / 35.0, 1e-12, "chosen fisher");
    assert_int_equal(which, STATS_TEST_FISHER);
    /* Everyone satisfied in both groups: an empty column, Fisher gives 1. */
    near(stats_test_indep(9, 0, 12, 0, &which), 1.0, 0, "no variation");
    assert_int_equal(which, STATS_TEST_FISHER);
    /* Exactly 5 is enough for chi-square: expected counts 5 and 5 (10,0 / 0,10). */
    stats_test_indep(10, 0, 0, 10, &which);
    assert_int_equal(which, STATS_TEST_CHI2);
}

static void test_large_tables_stay_finite(void **state)
{
    (void)state;
    /* Far tails underflow to 0 without overflow or NaN. */
    double p = stats_fisher(5000, 10, 10, 5000);
    assert_true(p >= 0 && p < 1e-300);
    p = stats_fisher(2500, 2500, 2490, 2510);
    assert_true(p > 0.8 && p <= 1);
    p = stats_mcnemar_exact(3000, 3100);
    assert_true(p > 0.1 && p < 0.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson_published),
        cmocka_unit_test(test_diff_indep_published),
        cmocka_unit_test(test_diff_paired_published),
        cmocka_unit_test(test_fisher_published),
        cmocka_unit_test(test_mcnemar_published),
        cmocka_unit_test(test_chi2_quantiles),
        cmocka_unit_test(test_wilson_reference),
        cmocka_unit_test(test_diff_indep_reference),
        cmocka_unit_test(test_diff_paired_reference),
        cmocka_unit_test(test_fisher_reference),
        cmocka_unit_test(test_chi2_reference),
        cmocka_unit_test(test_binom_reference),
        cmocka_unit_test(test_choice_of_test),
        cmocka_unit_test(test_large_tables_stay_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
