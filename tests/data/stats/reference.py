#!/usr/bin/env python3
"""Independent reference values for tests/test_stats.c.

Written separately from aggregate/stats.c, with the Python standard library
only: exact rational arithmetic (fractions.Fraction, math.comb) for Fisher's
exact test and the binomial test, and the closed forms of the Wilson interval,
Newcombe's hybrid score interval (independent proportions, Newcombe 1998b
method 10), Newcombe's interval for paired proportions (Newcombe 1998c method
10, phi with the n/2 correction) and the chi-square test without continuity
correction. It does not use R, scipy or the network.

Run it to regenerate the table pasted into tests/test_stats.c:

    python3 tests/data/stats/reference.py
"""
import math
from fractions import Fraction

Z = 1.959963984540054  # the 0.975 quantile of the standard normal
REL_ERR = Fraction(1) + Fraction(1, 10**7)  # R's fisher.test / binom.test tolerance


def wilson(x, n):
    p = x / n
    centre = (2 * n * p + Z * Z) / (2 * (n + Z * Z))
    half = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p)) / (2 * (n + Z * Z))
    lo = 0.0 if x == 0 else centre - half
    hi = 1.0 if x == n else centre + half
    return lo, hi


def newcombe_indep(x1, n1, x2, n2):
    """p1 - p2 with Newcombe's hybrid score interval."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def newcombe_paired(e, f, g, h):
    """p1 - p2 = (f - g)/n for paired data: e both, f first only, g second only,
    h neither."""
    n = e + f + g + h
    d = (f - g) / n
    marg = (e + f) * (g + h) * (e + g) * (f + h)
    if marg == 0:
        phi = 0.0
    else:
        num = e * h - f * g
        if num > 0:
            num = max(num - n / 2, 0)
        phi = num / math.sqrt(marg)
    l2, u2 = wilson(e + f, n)
    l3, u3 = wilson(e + g, n)
    p1, p2 = (e + f) / n, (e + g) / n
    dl2, du2, dl3, du3 = p1 - l2, u2 - p1, p2 - l3, u3 - p2
    lo = d - math.sqrt(dl2 * dl2 - 2 * phi * dl2 * du3 + du3 * du3)
    hi = d + math.sqrt(du2 * du2 - 2 * phi * du2 * dl3 + dl3 * dl3)
    return d, lo, hi


def fisher(a, b, c, d):
    """Two-sided p: the probabilities (exact fractions) of all tables with the
    same margins that are no more likely than the observed one."""
    r1, c1, n = a + b, a + c, a + b + c + d
    denom = math.comb(n, r1)
    lo, hi = max(0, r1 + c1 - n), min(r1, c1)
    prob = {x: Fraction(math.comb(c1, x) * math.comb(n - c1, r1 - x), denom)
            for x in range(lo, hi + 1)}
    limit = prob[a] * REL_ERR
    return float(sum(p for p in prob.values() if p <= limit))


def binom_half(k, n):
    """Two-sided exact binomial test of k successes in n trials, p = 1/2."""
    if n == 0:
        return 1.0
    limit = Fraction(math.comb(n, k)) * REL_ERR
    total = sum(math.comb(n, j) for j in range(n + 1) if math.comb(n, j) <= limit)
    return min(1.0, float(Fraction(total, 2**n)))


def chi2(a, b, c, d):
    """Pearson X^2 without continuity correction (exact rational), its p (1 df)
    and the smallest expected count."""
    n = a + b + c + d
    r1, r2, c1, c2 = a + b, c + d, a + c, b + d
    x2 = Fraction(n * (a * d - b * c) ** 2, r1 * r2 * c1 * c2)
    emin = min(Fraction(r * k, n) for r in (r1, r2) for k in (c1, c2))
    return float(x2), math.erfc(math.sqrt(float(x2) / 2)), float(emin)


WILSON = [(81, 263), (15, 148), (0, 10), (10, 10), (1, 1), (5, 9), (3, 7), (47, 50), (1, 29)]
INDEP = [(56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20),
         (0, 10, 0, 10), (10, 10, 0, 20), (10, 10, 0, 10), (12, 20, 7, 18)]
PAIRED = [(36, 12, 2, 0), (18, 12, 2, 18), (53, 0, 0, 1), (0, 30, 0, 0), (4, 1, 2, 25),
          (2, 12, 3, 17), (794, 150, 86, 570), (3, 0, 4, 1)]
FISHER = [(3, 1, 1, 3), (2, 10, 15, 3), (1, 9, 11, 3), (5, 0, 0, 5), (7, 3, 2, 6), (0, 5, 0, 7),
          (4, 4, 4, 4), (12, 5, 7, 9)]
CHI2 = [(12, 5, 7, 9), (30, 20, 15, 35), (25, 25, 25, 25), (40, 10, 28, 22)]
BINOM = [(150, 86), (86, 150), (1, 7), (0, 5), (3, 3), (0, 0), (2, 10), (12, 2)]


def main():
    print("/* wilson: x, n, lo, hi */")
    for x, n in WILSON:
        lo, hi = wilson(x, n)
        print(f"    {{{x}, {n}, {lo!r}, {hi!r}}},")
    print("/* newcombe independent: x1, n1, x2, n2, d = p1 - p2, lo, hi */")
    for row in INDEP:
        d, lo, hi = newcombe_indep(*row)
        print(f"    {{{row[0]}, {row[1]}, {row[2]}, {row[3]}, {d!r}, {lo!r}, {hi!r}}},")
    print("/* newcombe paired: e, f, g, h, d = (f - g)/n, lo, hi */")
    for row in PAIRED:
        d, lo, hi = newcombe_paired(*row)
        print(f"    {{{row[0]}, {row[1]}, {row[2]}, {row[3]}, {d!r}, {lo!r}, {hi!r}}},")
    print("/* fisher two-sided: a, b, c, d, p */")
    for row in FISHER:
        print(f"    {{{row[0]}, {row[1]}, {row[2]}, {row[3]}, {fisher(*row)!r}}},")
    print("/* chi-square, no correction: a, b, c, d, X2, p, smallest expected count */")
    for row in CHI2:
        x2, p, emin = chi2(*row)
        print(f"    {{{row[0]}, {row[1]}, {row[2]}, {row[3]}, {x2!r}, {p!r}, {emin!r}}},")
    print("/* exact binomial (McNemar), p = 1/2: b, c, two-sided p */")
    for b, c in BINOM:
        print(f"    {{{b}, {c}, {binom_half(b, b + c)!r}}},")


if __name__ == "__main__":
    main()
