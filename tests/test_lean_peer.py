"""The benchmark's peer (benchmarks/lean_simpy.py) simulates the same line as twin.

A speed ratio means something only if both models do the same work, so the lean SimPy model is
checked twice: against closed forms on one machine, and against twin on the benchmark line.

Tolerance: the replicas of each model are independent, so the difference of the two mean
throughputs has standard error sqrt(se_a^2 + se_b^2); both estimate the same expected throughput
(twin's integer step clock moves each time by less than dt/2 = 0.025 s against 40-60 s process
times, a bias far below the intervals), so |difference| <= 3.29 combined standard errors fails a
correct model once in a thousand runs (two-sided 99.9%).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("simpy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import lean_simpy  # noqa: E402
from lines import saturated_line  # noqa: E402

import twin  # noqa: E402

Z999 = 3.29  # two-sided 99.9% normal quantile


def _se(x) -> float:
    x = np.asarray(x, float)
    return float(x.std(ddof=1) / math.sqrt(x.size))


@pytest.mark.parametrize("failures", [False, True])
def test_one_machine_matches_the_closed_form(failures):
    """A saturated machine alone finishes a part every mean process time; with operation-dependent
    failures each busy second also brings MTTR/MTBF seconds of repair (renewal-reward), so the
    throughput is 3600 / (mean * (1 + MTTR/MTBF)) per hour."""
    mean, mtbf, mttr = 60.0, 2 * 3600.0, 20 * 60.0
    st = lean_simpy.Station(lean_simpy.log_params(mean, 0.5),
                            lean_simpy.log_params(mtbf, 1.0) if failures else None,
                            lean_simpy.log_params(mttr, 0.7) if failures else None)
    out = lean_simpy.simulate([st], [], replicas=20, horizon=100 * 3600.0, warmup=0.0, seed=3)
    expected = 3600.0 / (mean * (1 + (mttr / mtbf if failures else 0.0)))
    x = out["throughput_per_hour"]
    assert abs(np.mean(x) - expected) <= Z999 * _se(x), (np.mean(x), expected)
    assert out["operations"] >= sum(x) * 100  # every part finished in the window was an operation


def test_the_lean_model_agrees_with_twin_on_the_benchmark_line():
    replicas, horizon, warmup = 100, 8 * 3600.0, 3600.0
    plant = saturated_line(5)
    stations, buffers = lean_simpy.line_from_plant(plant)
    lean = lean_simpy.simulate(stations, buffers, replicas, horizon, warmup, seed=11)["throughput_per_hour"]
    res = twin.simulate(plant, replicas=replicas, horizon=horizon, warmup=warmup, seed=11, device="cpu")
    tw = res.per_replica["throughput_per_hour"]
    limit = Z999 * math.hypot(_se(lean), _se(tw))
    assert abs(np.mean(lean) - np.mean(tw)) <= limit, (np.mean(lean), np.mean(tw), limit)
    # the check has power: the same line without failures is ~8% faster, far outside the limit
    free = lean_simpy.simulate(*lean_simpy.line_from_plant(saturated_line(5, failures=False)), replicas,
                               horizon, warmup, seed=11)["throughput_per_hour"]
    assert np.mean(free) - np.mean(tw) > Z999 * math.hypot(_se(free), _se(tw))


def test_the_lean_model_refuses_a_line_it_does_not_model():
    p = saturated_line(3)
    p.elements["M002"].failures = twin.Failures(twin.Exponential(3600.0), twin.Exponential(60.0), mode="time")
    with pytest.raises(ValueError, match="operation-dependent"):
        lean_simpy.line_from_plant(p)
