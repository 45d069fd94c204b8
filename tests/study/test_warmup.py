"""Warm-up detection (MSER-5) against an M/M/1 queue that starts empty, whose transient mean is
computed exactly from its Markov chain."""

import numpy as np
import pytest

import twin
from twin.study.warmup import detect_warmup

scipy_sparse_linalg = pytest.importorskip("scipy.sparse.linalg")

LAM, MU = 0.8, 1.0  # per second: rho = 0.8, steady-state mean number in system L = 4


def mm1():
    p = twin.Plant("mm1")
    p.add(twin.Source("in", interarrival=twin.Exponential(1 / LAM)), twin.Buffer("q"),
          twin.Machine("m", process=twin.Exponential(1 / MU)), twin.Sink("out"))
    p.line("in", "q", "m", "out")
    return p


def exact_mean_in_system(t_end: float, points: int) -> tuple[np.ndarray, np.ndarray]:
    """E[N(t)] of the M/M/1 from empty: the birth-death generator truncated at 200 customers
    (P(N > 200) is below 1e-19 here), solved by expm_multiply on a time grid."""
    n = 200
    q = np.zeros((n + 1, n + 1))
    for i in range(n):
        q[i, i + 1], q[i + 1, i] = LAM, MU
    q -= np.diag(q.sum(axis=1))
    p0 = np.zeros(n + 1)
    p0[0] = 1.0
    probs = scipy_sparse_linalg.expm_multiply(q.T, p0, start=0.0, stop=t_end, num=points, endpoint=True)
    return np.linspace(0.0, t_end, points), probs @ np.arange(n + 1)


def test_windows_are_pieces_of_one_run():
    """Consecutive windows replay one trajectory: their parts out add up to the whole run's,
    replica by replica."""
    p = mm1()
    w = detect_warmup(p, "parts_out", replicas=16, horizon=400.0, windows=20, device="cpu", seed=5)
    whole = twin.simulate(p, replicas=16, horizon=400.0, warmup=0.0, device="cpu", seed=5, progress=False)
    assert np.array_equal(w.values.sum(axis=1), whole.per_replica["parts_out"])


def test_mser5_truncates_the_mm1_transient():
    """WIP of an M/M/1 from empty, 25 windows of 24 s (5 batches of 120 s). Exactly, the first
    batch averages 20% below L = 4 and everything after 120 s is within 1.5% of L: the detected
    warm-up must drop the first batch (>= 120 s) and keep at least 60% of the run (<= 240 s); the
    kept part's exact mean must then be within 2% of L, where the untruncated run's is not."""
    horizon = 600.0
    w = detect_warmup(mm1(), "wip", replicas=100, horizon=horizon, windows=25, device="cpu", seed=1)
    t, en = exact_mean_in_system(horizon, 6001)
    assert abs(en[t <= 120].mean() - 4.0) > 0.15 * 4.0
    assert 120.0 <= w.truncation_s <= 240.0, w
    kept = en[t >= w.truncation_s].mean()
    assert abs(kept - 4.0) < 0.02 * 4.0
    assert abs(en.mean() - 4.0) > 0.02 * 4.0


def test_experiment_with_detected_warmup():
    from twin.study import Experiment
    res = Experiment(mm1(), {"m.servers": [1]}, ["wip"]).run(replicas=50, horizon=600.0, warmup="mser", device="cpu")
    pilot = detect_warmup(mm1(), "wip", replicas=50, horizon=600.0, device="cpu", seed=0)
    assert res.settings["warmup_s"] == pilot.truncation_s <= 300.0
