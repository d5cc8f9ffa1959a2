/* stats.h - the statistics of the comparisons (docs/COMPARISONS.md): intervals
 * for a proportion and for a difference of two proportions, and the tests on a
 * 2x2 table. Pure functions: no I/O, no allocation, no state.
 *
 * A 2x2 table of independent groups is {a, b; c, d} with the groups as rows
 * (a, b: group 1 satisfied / not; c, d: group 2). Paired data are the four
 * counts of (first, second) answers: e both satisfied, f satisfied only the
 * first time, g only the second time, h neither.
 */
#ifndef KPM_AGG_STATS_H
#define KPM_AGG_STATS_H

#include <stdint.h>

#define STATS_Z95 1.959963984540054 /* the 0.975 quantile of the standard normal */

typedef struct {
    double lo, hi;
} stats_ci_t;

/* Wilson score interval for x successes of n (Newcombe 1998a, method 3; no
 * continuity correction). Returns KPM_OK, or KPM_EINVAL when n == 0 or x > n. */
int stats_wilson(uint64_t x, uint64_t n, double z, stats_ci_t *ci);

/* p1 - p2 = x1/n1 - x2/n2 of independent samples with Newcombe's hybrid score
 * interval (Newcombe 1998b, method 10), built from the two Wilson intervals.
 * Returns KPM_OK, or KPM_EINVAL when a sample is empty or x > n. */
int stats_diff_indep(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double z, double *diff,
                     stats_ci_t *ci);

/* p1 - p2 = (f - g) / n of paired data with Newcombe's score interval for paired
 * proportions (Newcombe 1998c, method 10: Wilson intervals of both margins and
 * the phi correlation, corrected by n/2 when e*h > f*g). Returns KPM_OK, or
 * KPM_EINVAL when there are no pairs. */
int stats_diff_paired(uint64_t e, uint64_t f, uint64_t g, uint64_t h, double z, double *diff,
                      stats_ci_t *ci);

/* Fisher's exact test, two-sided: the summed probability of every table with
 * the observed margins that is no more likely than the observed one (relative
 * tolerance 1e-7, as R's fisher.test). 1 for a table with an empty margin. */
double stats_fisher(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* Pearson's chi-square test of a 2x2 table without continuity correction:
 * returns p (1 degree of freedom) and puts the statistic in *x2 when x2 is not
 * NULL. NAN when a margin is empty (the statistic is undefined). */
double stats_chi2(uint64_t a, uint64_t b, uint64_t c, uint64_t d, double *x2);

/* Upper tail probability of the chi-square distribution with 1 degree of
 * freedom at x >= 0. */
double stats_chi2_p1(double x);

/* The smallest expected count of the 2x2 table under independence (0 when
 * the table is empty). */
double stats_expected_min(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

typedef enum { STATS_TEST_CHI2, STATS_TEST_FISHER } stats_test_t;

/* The test for two independent groups: chi-square without correction when
 * every expected count is at least 5, else Fisher's exact test. Returns p and
 * puts the test used in *which. */
double stats_test_indep(uint64_t a, uint64_t b, uint64_t c, uint64_t d, stats_test_t *which);

/* Two-sided exact binomial test of k successes in n trials with p = 1/2 (the
 * sum of the probabilities no larger than that of k, relative tolerance 1e-7,
 * as R's binom.test). 1 when n == 0. */
double stats_binom_half(uint64_t k, uint64_t n);

/* McNemar's test, exact: the binomial test of f among the f + g discordant
 * pairs. */
double stats_mcnemar_exact(uint64_t f, uint64_t g);

#endif
