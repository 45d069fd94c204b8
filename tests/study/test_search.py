"""Optimisation through Optuna finds the known optimum of a small design space."""

import pytest

from twin.study import optimize

pytest.importorskip("optuna")


def test_optuna_finds_the_closed_form_optimum(two_station, two_station_th):
    """Profit = throughput - 150 per buffer place - 1000 / (M1's mean time): over 4 speeds x 8
    buffer sizes the exact optimum is M1 mean 0.8 s with 2 places, 31 parts/h ahead of the next
    design; 100 replicas of 1000 s with common random numbers resolve that gap."""
    space = {"m1.process.mean": [0.6, 0.8, 1.0, 1.2], "b.capacity": (1, 8)}

    def profit(point, means):
        return means["throughput"] - 150.0 * point["b.capacity"] - 1000.0 / point["m1.process.mean"]

    exact = {(m, b): two_station_th(m, 1.0, b) - 150.0 * b - 1000.0 / m
             for m in space["m1.process.mean"] for b in range(1, 9)}
    best = max(exact, key=exact.get)
    assert best == (0.8, 2)
    opt = optimize(two_station(), space, "throughput", objective=profit, direction="maximize", trials=60,
                   replicas=100, horizon=1000.0, warmup=50.0, device="cpu", sampler_seed=1)
    assert (opt.point["m1.process.mean"], opt.point["b.capacity"]) == best
    assert abs(opt.value - exact[best]) < 40.0
    assert opt.runs <= 32 and len(opt.trials) == 60  # repeats are not rerun
