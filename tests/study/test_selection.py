"""Rinott's selection: its constant, and the promised probability of correct selection on a line
whose best design is known in closed form."""

import math

import numpy as np
import pytest

from twin.study import Experiment
from twin.study.selection import rinott_h, select_best

stats = pytest.importorskip("scipy.stats")


def test_rinott_constant_matches_published_value_and_gives_its_pcs():
    # Bechhofer, Santner & Goldsman (1995), table of Rinott's h: k = 2, n0 = 20, P* = 0.95 -> 2.453
    assert rinott_h(2, 20, 0.95) == pytest.approx(2.453, abs=1e-3)
    # For k = 2 the defining equation is P(Z * sqrt(1/X + 1/Y) (n0-1)^1/2 <= h) = P*: check it by
    # Monte Carlo (an independent reference for the quadrature), 200,000 draws: sd of the
    # estimate 0.0005, tolerance 0.003.
    rng = np.random.default_rng(1)
    for k, n0 in ((2, 10), (4, 15)):
        h = rinott_h(k, n0, 0.9)
        z = rng.standard_normal((200_000, k - 1))
        x = rng.chisquare(n0 - 1, (200_000, k - 1))
        y = rng.chisquare(n0 - 1, (200_000, 1))
        # the best system's standardised lead over each other system, given Y (shared) and X_i
        lead_ok = z * np.sqrt((n0 - 1) * (1 / x + 1 / y)) <= h
        assert lead_ok.all(axis=1).mean() == pytest.approx(0.9, abs=0.003)
    assert rinott_h(5, 20, 0.95) > rinott_h(3, 20, 0.95) > rinott_h(2, 20, 0.95)


def test_rinott_on_normal_data_in_the_least_favourable_configuration():
    """The procedure itself, on normal samples with unequal variances: best mean delta above
    the others (the least favourable configuration), P(CS) at least 1 - alpha."""
    rng = np.random.default_rng(2)
    k, n0, delta, alpha, reps = 4, 10, 1.0, 0.1, 4000
    h = rinott_h(k, n0, 1 - alpha)
    mu = np.array([delta, 0.0, 0.0, 0.0])
    sd = np.array([2.0, 1.0, 3.0, 0.5])
    correct = 0
    for _ in range(reps):
        means = []
        for i in range(k):
            first = rng.normal(mu[i], sd[i], n0)
            n = max(n0, math.ceil((h * first.std(ddof=1) / delta) ** 2))
            means.append(np.concatenate([first, rng.normal(mu[i], sd[i], n - n0)]).mean())
        correct += int(np.argmax(means) == 0)
    # one-sided binomial bound: with P(CS) = 0.9 exactly, fewer than the 0.1% quantile is a failure
    assert correct >= stats.binom.ppf(0.001, reps, 1 - alpha)


def test_selection_picks_the_closed_form_best_buffer_allocation(two_station, two_station_th):
    """Two-station exponential line: designs trade M1's speed against the buffer; the best is
    known from the birth-death formula. 24 independent studies must pick it at least as often as
    P(CS) >= 0.9 allows (one-sided binomial 1% quantile of Bin(24, 0.9): 18)."""
    design = [{"m1.process.mean": m, "b.capacity": b} for m, b in [(1.0, 1), (0.9, 1), (1.0, 3), (0.8, 2)]]
    th = [two_station_th(d["m1.process.mean"], 1.0, d["b.capacity"]) for d in design]
    best = int(np.argmax(th))
    gap = th[best] - sorted(th)[-2]
    delta = 150.0
    assert best == 3 and gap >= delta, (th, gap)
    exp = Experiment(two_station(), responses=["throughput"], design=design)
    assert exp.factors == {"m1.process.mean": [1.0, 0.9, 0.8], "b.capacity": [1, 3, 2]}
    reps, alpha = 24, 0.1
    hits, total_n = 0, []
    for r in range(reps):
        sel = select_best(exp, delta, alpha=alpha, n0=10, horizon=300.0, warmup=30.0, seed=100 + r, device="cpu")
        hits += int(sel.best == best)
        total_n.append(sum(sel.replicas))
    assert hits >= stats.binom.ppf(0.01, reps, 1 - alpha)
    assert hits >= 18
    assert min(total_n) >= 4 * 10  # n0 each at least
