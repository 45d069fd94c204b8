"""Remaining durations conditioned on the time already elapsed, and the uniforms they use.

A process time that has already run ``a`` seconds does not restart: its remaining time is
``X - a`` given ``X > a``. It is drawn by inverse CDF on the truncated distribution,
``x = F^-1(1 - u * S(a))`` (``S``: survival function, via scipy's ``isf`` for accuracy in the
tail); the exponential is memoryless (the remaining time is a fresh draw). An elapsed time past
the end of the distribution's support (a deterministic time already exceeded, an overdue part)
finishes at once: the remaining time is 0.

Uniforms come from twin's own counter-based generator (kernels/rng.py, the same hash in numpy),
keyed by (seed, replica, element stream, draw index) with draw indices far above any the kernels
use: a replica's draws do not depend on how many replicas run beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..kernels import layout

SNAPSHOT_DRAWS = np.uint64(1) << np.uint64(48)  # draw indices of snapshot draws start here

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STREAM_MIX = np.uint64(0xD1B54A32D192ED03)


def _mix64(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniforms(seed: int, replicas: np.ndarray, stream: int, draw: int) -> np.ndarray:
    """kernels/rng.py ``uniform`` for every replica in ``replicas``: floats in (0, 1)."""
    with np.errstate(over="ignore"):
        r = np.asarray(replicas, dtype=np.uint64)
        h = _mix64(np.uint64(seed % (1 << 64)) ^ _mix64(r))
        h = _mix64(h ^ (np.uint64(stream) * _STREAM_MIX))
        h = _mix64(h ^ (SNAPSHOT_DRAWS + np.uint64(draw)))
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * 1.1102230246251565e-16


class Stream:
    """The snapshot draws of one (element, purpose) stream: each call takes the next draw index."""

    def __init__(self, seed: int, replicas: np.ndarray, element: int, purpose: int):
        self.seed, self.r = seed, np.asarray(replicas)
        self.stream = element * int(layout.STREAMS) + purpose
        self.n = 0

    def next(self) -> np.ndarray:
        u = uniforms(self.seed, self.r, self.stream, self.n)
        self.n += 1
        return u


# ---- conditioned draws, one entry per distribution family --------------------------------------
@dataclass(frozen=True)
class Family:
    """How the rest of a duration of one distribution family is drawn (``remaining``: dist,
    elapsed seconds a >= 0, uniforms -> remaining seconds) and its mean, an independent reference
    for tests (``mean_remaining``: dist, a -> E[X - a | X > a]; None: none kept). Families are
    keyed by their scene-file name (twin.distributions is not imported here, the snapshot layer
    stays below the plant layer); tests/live/test_snapshot.py checks every family of
    twin.distributions has an entry."""

    remaining: Callable
    mean_remaining: Callable | None = None


def _memoryless(dist, a: float, u: np.ndarray) -> np.ndarray:
    return -dist.mean * np.log(u)  # exponential: the remaining time is a fresh draw


def _fixed(dist, a: float, u: np.ndarray) -> np.ndarray:
    return np.full(u.shape, max(dist.kernel_params()[0] - a, 0.0))  # deterministic: what is left, or 0


def _resampled(dist, a: float, u: np.ndarray) -> np.ndarray:
    s = np.sort(np.asarray(dist.samples, dtype=np.float64))  # empirical: a sample above a, uniformly
    later = s[s > a]
    if later.size == 0:
        return np.zeros(u.shape)
    i = np.minimum((u * later.size).astype(np.int64), later.size - 1)
    return later[i] - a


def _by_scipy(frozen: Callable) -> Family:
    """A family drawn by inverse CDF of its scipy.stats twin (``frozen``: dist -> a frozen scipy
    distribution), x = F^-1(1 - u * S(a)) through ``isf`` (accurate in the tail)."""

    def draw(dist, a: float, u: np.ndarray) -> np.ndarray:
        sp = frozen(dist)
        tail = float(sp.sf(a))
        if not tail > 0.0:
            return np.zeros(u.shape)
        x = sp.isf(u * tail)
        return np.maximum(np.where(np.isfinite(x), x, a) - a, 0.0)

    def mean(dist, a: float) -> float:  # int_a^inf S(x) dx / S(a), by numerical integration
        from scipy import integrate
        sp = frozen(dist)
        val, _ = integrate.quad(lambda x: sp.sf(x), a, np.inf, limit=200)
        return val / float(sp.sf(a))

    return Family(draw, mean)


def _stats():
    from scipy import stats  # on demand: scipy is only needed to restart from a snapshot
    return stats


def _lognormal(dist):
    mu, s = dist.log_params()
    return _stats().lognorm(s, scale=np.exp(mu))


def _uniform(dist):
    lo, hi = dist.kernel_params()[:2]
    return _stats().uniform(lo, hi - lo)


def _triangular(dist):
    a, b, c = dist.kernel_params()[:3]
    return _stats().triang((b - a) / (c - a), loc=a, scale=c - a)


def _truncated_normal(dist):
    mu, sd, lo, hi = dist.kernel_params()
    return _stats().truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)


FAMILIES = {  # a new distribution family: one entry here (and its class in twin.distributions)
    "exponential": Family(_memoryless, lambda dist, a: dist.mean),
    "deterministic": Family(_fixed),
    "empirical": Family(_resampled),
    "lognormal": _by_scipy(_lognormal),
    "gamma": _by_scipy(lambda d: _stats().gamma(d.shape, scale=d.scale)),
    "weibull": _by_scipy(lambda d: _stats().weibull_min(d.shape, scale=d.scale)),
    "uniform": _by_scipy(_uniform),
    "triangular": _by_scipy(_triangular),
    "truncated_normal": _by_scipy(_truncated_normal),
}


def _family(dist) -> Family:
    family = FAMILIES.get(dist.name)
    if family is None:
        raise TypeError(f"no conditional sampler for {dist} (twin.live.conditional FAMILIES)")
    return family


def remaining(dist, elapsed_s: float, u: np.ndarray) -> np.ndarray:
    """Remaining seconds of a duration of ``dist`` that has run ``elapsed_s`` seconds, one per
    uniform in ``u`` (inverse CDF of the conditional distribution)."""
    return _family(dist).remaining(dist, max(float(elapsed_s), 0.0), np.asarray(u, dtype=np.float64))


def mean_remaining(dist, elapsed_s: float) -> float:
    """E[X - a | X > a] by numerical integration of the survival function (an independent
    reference for tests): int_a^inf S(x) dx / S(a)."""
    family = _family(dist)
    if family.mean_remaining is None:
        raise TypeError(f"no reference mean of the remaining time for {dist}")
    return family.mean_remaining(dist, float(elapsed_s))
