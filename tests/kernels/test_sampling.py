"""Kernel samplers (kernels/sampling.py) against each distribution's analytic moments and against
numpy's own samplers (the generator they draw from: tests/kernels/test_rng.py)."""

import math

import numpy as np
import pytest
import warp as wp

import twin
from twin.kernels import layout
from twin.kernels.sampling import sample_seconds, sample_steps, set_row_key
from twin.state import new_state

N = 20_000

DISTRIBUTIONS = [
    twin.Deterministic(7.5),
    twin.Exponential(12.0),
    twin.Uniform(2.0, 9.0),
    twin.Triangular(1.0, 2.0, 6.0),
    twin.TruncatedNormal(5.0, 3.0),
    twin.LogNormal(20.0, 0.8),
    twin.Gamma(15.0, 0.5),
    twin.Gamma(4.0, 2.0),  # shape 0.25 < 1: the boosted branch
    twin.Erlang(3, 9.0),
    twin.Weibull(1.7, 30.0),
    twin.Empirical((3.0, 4.5, 4.5, 10.0, 21.0)),
]


@wp.kernel
def draw_seconds(m: layout.Model, s: layout.State, d: int, out: wp.array2d(dtype=wp.float64)):
    r = wp.tid()
    for i in range(out.shape[1]):
        out[r, i] = sample_seconds(m.dists, s.control[0].seed, s.draws, r, 0, layout.RNG_MAIN, d)


@wp.kernel
def draw_steps(m: layout.Model, s: layout.State, d: int, out: wp.array2d(dtype=wp.int64)):
    r = wp.tid()
    set_row_key(s, r)  # as the engine's kernels do before any draw
    for i in range(out.shape[1]):
        out[r, i] = sample_steps(m, s, r, 0, layout.RNG_MAIN, d)


def compiled(dist, device, dt=0.001):
    p = twin.Plant("sampler")
    p.add(twin.Source("s"), twin.Machine("m", process=dist), twin.Sink("o"))
    p.line("s", "m", "o")
    model = p.compile(device=device, dt=dt)
    return model, model.arrays, new_state(model, 4, model.control(seed=123, warmup_step=0, horizon_step=1))


def ks_two_sample(a, b) -> float:
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, "right") / a.size - np.searchsorted(b, grid, "right") / b.size)))


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: str(d))
def test_kernel_samples_match_the_distribution(device, dist):
    model, km, st = compiled(dist, device)
    out = wp.zeros((4, N // 4), dtype=wp.float64, device=device)
    wp.launch(draw_seconds, dim=4, inputs=[km, st, 0, out], device=device)
    x = out.numpy().ravel()
    # Mean within 4 standard errors; the variance within 4 standard errors of the sample variance
    # (its SE is sd^2 sqrt((kurtosis - 1) / n), bounded here using numpy's own samples).
    assert abs(x.mean() - dist.mean) <= 4 * dist.std / math.sqrt(x.size) + 1e-12
    ref = np.asarray(dist.sample(np.random.default_rng(1), x.size), dtype=np.float64)
    if dist.std > 0:
        kurt = np.mean((ref - ref.mean()) ** 4) / ref.var() ** 2
        assert abs(x.var() - dist.std ** 2) <= 4 * dist.std ** 2 * math.sqrt((kurt - 1) / x.size)
        # Two-sample Kolmogorov-Smirnov at the 0.1% level: c(0.001) * sqrt(2 / n) = 1.95 * sqrt(2/n).
        assert ks_two_sample(x, ref) < 1.95 * math.sqrt(2.0 / x.size)
    else:
        assert np.all(x == dist.mean)


def test_rounding_to_steps_keeps_the_mean(device):
    """Durations are whole steps with the residual carried to the next draw: even a step as coarse
    as a third of the mean keeps each stream's total within half a step of the exact sum."""
    dist = twin.Deterministic(2.5)
    model, km, st = compiled(dist, device, dt=1.0)
    out = wp.zeros((4, 1000), dtype=wp.int64, device=device)
    wp.launch(draw_steps, dim=4, inputs=[km, st, 0, out], device=device)
    steps = out.numpy()
    assert set(np.unique(steps)) == {2, 3}
    assert np.all(np.abs(steps.sum(axis=1) - 2.5 * 1000) <= 0.5)
