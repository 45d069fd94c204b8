"""Designs: which combinations of factor levels a study runs.

A factor is a list of levels (``[1, 2, 4, 8]``) or a range ``(low, high)``. ``full_factorial``
crosses lists; ``latin_hypercube`` covers ranges with ``points`` strata per factor (one point per
stratum, strata paired at random; integer ranges are rounded; a list factor takes its levels in
equal shares); a user design is a list of {path: level} dicts.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .paths import FactorError


def is_range(levels) -> bool:
    return isinstance(levels, tuple)


def check_factor(path: str, levels):
    if is_range(levels):
        if len(levels) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels) \
                or not levels[0] < levels[1]:
            raise FactorError(f"factor '{path}': a range is (low, high) with low < high, got {levels!r}")
    elif isinstance(levels, (list, np.ndarray)):
        if len(levels) == 0:
            raise FactorError(f"factor '{path}' has no levels")
    else:
        raise FactorError(f"factor '{path}': give a list of levels or a (low, high) range, got {levels!r}")


def full_factorial(factors: dict) -> list[dict]:
    """Every combination of the levels, the last factor varying fastest."""
    for path, levels in factors.items():
        if is_range(levels):
            raise FactorError(f"factor '{path}' is a range {levels!r}: a full factorial needs a list of levels "
                              "(or use design='lhs')")
    names = list(factors)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(factors[n]) for n in names))]


def latin_hypercube(factors: dict, points: int, seed: int = 0, integer: dict | None = None) -> list[dict]:
    """``points`` design points: each range is cut into ``points`` equal strata with one point
    drawn uniformly in each; ``integer[path]`` rounds that factor. List factors cycle through
    their levels in a random order."""
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise FactorError(f"a Latin hypercube needs points >= 2, got {points!r}")
    rng = np.random.default_rng(seed)
    integer = integer or {}
    cols = {}
    for path, levels in factors.items():
        if is_range(levels):
            lo, hi = float(levels[0]), float(levels[1])
            u = (rng.permutation(points) + rng.random(points)) / points
            x = lo + u * (hi - lo)
            cols[path] = [int(round(v)) for v in x] if integer.get(path) else [float(v) for v in x]
        else:
            levels = list(levels)
            reps = [levels[i % len(levels)] for i in range(points)]
            cols[path] = [reps[i] for i in rng.permutation(points)]
    return [{p: cols[p][i] for p in factors} for i in range(points)]


def unique(points: list[dict]) -> list[dict]:
    """The points without repeats (rounded integer ranges may repeat), first occurrence kept."""
    seen, out = set(), []
    for pt in points:
        key = tuple((k, repr(v)) for k, v in pt.items())
        if key not in seen:
            seen.add(key)
            out.append(pt)
    return out


def describe(point: dict) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in point.items())


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) and math.isfinite(v) else str(v)
