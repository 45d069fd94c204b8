"""Small statistics helpers (numpy only): Student-t quantiles and confidence intervals."""

from __future__ import annotations

import math

import numpy as np


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
                    -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(ln) * _betacf(a, b, x) / a
    return 1.0 - math.exp(ln) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * betainc(0.5 * df, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t with ``df`` degrees of freedom (bisection on the CDF, 1e-12)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, half-width of the two-sided t confidence interval, sample std, n) over finite values.
    The half-width is NaN with fewer than two values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, 1
    sd = float(x.std(ddof=1))
    return mean, t_quantile(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n), sd, n


def format_ci(mean: float, ci95: float) -> str:
    """``75.2 ± 0.7``: the half-width to two significant digits when they start with 1 or 2, else
    one, and the mean to the same decimal place (the digits the interval supports)."""
    if not math.isfinite(mean):
        return "nan"
    if not math.isfinite(ci95):
        return f"{mean:.6g}"
    if ci95 <= 0:
        return f"{mean:.6g} ± 0"

    def places_for(x: float) -> int:
        exp = math.floor(math.log10(x))
        return (1 if x / 10 ** exp < 3 else 0) - exp

    places = places_for(ci95)
    places = places_for(round(ci95, places))  # 0.96 rounds to 1.0: count from the rounded value
    places = max(places, 0)
    return f"{mean:.{places}f} ± {ci95:.{places}f}"
