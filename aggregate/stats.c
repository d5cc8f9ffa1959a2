/* stats.c - intervals and 2x2 tests (see stats.h and docs/COMPARISONS.md).
 *
 * The exact tests need the probabilities of a discrete distribution only
 * relative to each other: they are built from the ratio of neighbouring terms,
 * starting with weight 1 at the mode, so no factorial or lgamma is needed and
 * nothing overflows (terms far in a tail may underflow to 0, harmlessly).
 */
#include "stats.h"

#include <math.h>
#include <stddef.h>

#include "kpm_err.h"

#define STATS_REL_ERR (1.0 + 1e-7)

int stats_wilson(uint64_t x, uint64_t n, double z, stats_ci_t *ci)
{
    if (n == 0 || x > n) return KPM_EINVAL;
    double nn = (double)n, p = (double)x / nn, z2 = z * z;
    double centre = (2 * nn * p + z2) / (2 * (nn + z2));
    double half = z * sqrt(z2 + 4 * nn * p * (1 - p)) / (2 * (nn + z2));
    ci->lo = x == 0 ? 0.0 : fmax(0.0, centre - half);
    ci->hi = x == n ? 1.0 : fmin(1.0, centre + half);
    return KPM_OK;
}

int stats_diff_indep(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double z, double *diff,
                     stats_ci_t *ci)
{
    stats_ci_t w1, w2;
    if (stats_wilson(x1, n1, z, &w1) || stats_wilson(x2, n2, z, &w2)) return KPM_EINVAL;
    double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
    *diff = p1 - p2;
    ci->lo = *diff - hypot(p1 - w1.lo, w2.hi - p2);
    ci->hi = *diff + hypot(w1.hi - p1, p2 - w2.lo);
    return KPM_OK;
}

int stats_diff_paired(uint64_t e, uint64_t f, uint64_t g, uint64_t h, double z, double *diff,
                      stats_ci_t *ci)
{
    uint64_t n = e + f + g + h;
    stats_ci_t w1, w2;
    if (n == 0 || stats_wilson(e + f, n, z, &w1) || stats_wilson(e + g, n, z, &w2))
        return KPM_EINVAL;
    double nn = (double)n, p1 = (double)(e + f) / nn, p2 = (double)(e + g) / nn;
    double marg = (double)(e + f) * (double)(g + h) * (double)(e + g) * (double)(f + h);
    double phi = 0.0;
    if (marg > 0) {
        double num = (double)e * (double)h - (double)f * (double)g;
        if (num > 0) num = fmax(num - nn / 2, 0.0);
        phi = num / sqrt(marg);
    }
    double dl1 = p1 - w1.lo, du1 = w1.hi - p1, dl2 = p2 - w2.lo, du2 = w2.hi - p2;
    *diff = ((double)f - (double)g) / nn;
    ci->lo = *diff - sqrt(fmax(0.0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
    ci->hi = *diff + sqrt(fmax(0.0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
    return KPM_OK;
}

/* ---------------------------------------------------------- exact tests */

/* A discrete distribution on lo..hi given by w(x+1)/w(x). */
typedef struct {
    uint64_t lo, hi, mode;
    double (*up)(const void *ctx, uint64_t x);
    const void *ctx;
} discrete_t;

/* Two-sided p of obs: the summed probability of every x no more likely than
 * obs. Two walks out of the mode: the first finds the total and w(obs), the
 * second adds what is below the limit. */
static double two_sided(const discrete_t *d, uint64_t obs)
{
    double total = 0, w_obs = 0, sum = 0;
    for (int pass = 0; pass < 2; pass++) {
        double limit = w_obs * STATS_REL_ERR, w = 1;
        for (uint64_t x = d->mode;; x++) {
            if (pass == 0) {
                total += w;
                if (x == obs) w_obs = w;
            } else if (w <= limit) {
                sum += w;
            }
            if (x == d->hi) break;
            w *= d->up(d->ctx, x);
        }
        w = 1;
        for (uint64_t x = d->mode; x > d->lo;) {
            w /= d->up(d->ctx, x - 1);
            x--;
            if (pass == 0) {
                total += w;
                if (x == obs) w_obs = w;
            } else if (w <= limit) {
                sum += w;
            }
        }
    }
    return total > 0 ? fmin(1.0, sum / total) : 1.0;
}

typedef struct {
    double r1, c1, n;
} hyper_t;

static double hyper_up(const void *ctx, uint64_t x)
{
    const hyper_t *h = ctx;
    double k = (double)x;
    return (h->r1 - k) * (h->c1 - k) / ((k + 1) * (h->n - h->r1 - h->c1 + k + 1));
}

double stats_fisher(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t r1 = a + b, c1 = a + c, n = a + b + c + d;
    if (r1 == 0 || c1 == 0 || r1 == n || c1 == n) return 1.0;
    hyper_t h = {(double)r1, (double)c1, (double)n};
    discrete_t dist = {r1 + c1 > n ? r1 + c1 - n : 0, r1 < c1 ? r1 : c1, 0, hyper_up, &h};
    /* The mode of the hypergeometric distribution. */
    double m = floor(((double)r1 + 1) * ((double)c1 + 1) / ((double)n + 2));
    dist.mode = (uint64_t)m;
    if (dist.mode < dist.lo) dist.mode = dist.lo;
    if (dist.mode > dist.hi) dist.mode = dist.hi;
    return two_sided(&dist, a);
}

static double binom_up(const void *ctx, uint64_t k)
{
    double n = *(const double *)ctx;
    return (n - (double)k) / ((double)k + 1);
}

double stats_binom_half(uint64_t k, uint64_t n)
{
    if (n == 0 || k > n) return 1.0;
    double nn = (double)n;
    discrete_t dist = {0, n, n / 2, binom_up, &nn};
    return two_sided(&dist, k);
}

double stats_mcnemar_exact(uint64_t f, uint64_t g)
{
    return stats_binom_half(f, f + g);
}

/* ------------------------------------------------------------ chi-square */

double stats_chi2_p1(double x)
{
    return x <= 0 ? 1.0 : erfc(sqrt(x / 2));
}

double stats_chi2(uint64_t a, uint64_t b, uint64_t c, uint64_t d, double *x2)
{
    double r1 = (double)(a + b), r2 = (double)(c + d), c1 = (double)(a + c), c2 = (double)(b + d);
    if (r1 == 0 || r2 == 0 || c1 == 0 || c2 == 0) {
        if (x2) *x2 = NAN;
        return NAN;
    }
    double diff = (double)a * (double)d - (double)b * (double)c;
    double stat = (r1 + r2) * diff / (r1 * r2) * diff / (c1 * c2);
    if (x2) *x2 = stat;
    return stats_chi2_p1(stat);
}

double stats_expected_min(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    double n = (double)(a + b + c + d);
    if (n == 0) return 0;
    double rmin = fmin((double)(a + b), (double)(c + d));
    double cmin = fmin((double)(a + c), (double)(b + d));
    return rmin * cmin / n;
}

double stats_test_indep(uint64_t a, uint64_t b, uint64_t c, uint64_t d, stats_test_t *which)
{
    if (stats_expected_min(a, b, c, d) >= 5.0) {
        *which = STATS_TEST_CHI2;
        return stats_chi2(a, b, c, d, NULL);
    }
    *which = STATS_TEST_FISHER;
    return stats_fisher(a, b, c, d);
}
