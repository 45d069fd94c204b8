"""Statistics of a study: CIs per design point, paired differences, the relative-precision rule
and MSER warm-up truncation.

CIs are two-sided Student-t intervals over replicas (``twin.stats.mean_ci``). A paired
difference uses the replicas both design points share (same block, same index: the same random
numbers), so its CI is that of the per-replica differences.
"""

from __future__ import annotations

import math

import numpy as np

from ..stats import mean_ci, t_quantile


def ci(values, level: float = 0.95) -> dict:
    mean, hw, sd, n = mean_ci(values, level)
    return {"mean": mean, "ci95": hw, "std": sd, "n": n}


def paired_difference(a, b, level: float = 0.95) -> dict:
    """mean(b - a) with the CI of the per-replica differences (a, b aligned replica by replica)."""
    n = min(len(a), len(b))
    d = np.asarray(b[:n], dtype=np.float64) - np.asarray(a[:n], dtype=np.float64)
    return ci(d, level)


def replicas_for_precision(values, precision: float, level: float = 0.95) -> int:
    """Replicas needed for a CI half-width within ``precision`` times |mean|, from the variance
    seen so far (n = (t * s / (precision * |mean|))², t at the current degrees of freedom)."""
    mean, hw, sd, n = mean_ci(values, level)
    if n < 2 or not math.isfinite(sd):
        return max(2 * n, 10)
    if sd == 0.0:
        return n
    if mean == 0.0:
        return 10 ** 9  # relative precision of a zero mean is unreachable; the cap decides
    t = t_quantile(0.5 + level / 2.0, n - 1)
    return int(math.ceil((t * sd / (precision * abs(mean))) ** 2))


def mser(series, batch: int = 5) -> tuple[int, np.ndarray]:
    """MSER-m truncation (White 1997; MSER-5 with ``batch=5``): the series is averaged in
    batches of ``batch`` observations and the truncation d (in batches) minimises
    sum_{j>d} (Z_j - mean(Z_{>d}))² / (k - d)², searched over the first half of the batches (the
    usual rule: a minimum in the second half means the run is too short). Returns (d in
    observations, the statistic per d)."""
    x = np.asarray(series, dtype=np.float64)
    k = len(x) // batch
    if k < 4:
        raise ValueError(f"MSER-{batch} needs at least {4 * batch} observations, got {len(x)}")
    z = x[: k * batch].reshape(k, batch).mean(axis=1)
    stat = np.empty(k // 2 + 1)
    for d in range(k // 2 + 1):
        tail = z[d:]
        stat[d] = np.sum((tail - tail.mean()) ** 2) / (k - d) ** 2
    return int(np.argmin(stat)) * batch, stat
