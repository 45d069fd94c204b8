"""Optimisation over large design spaces with Optuna: each trial is one batched run of a design
point (all its replicas in one launch), common random numbers across trials, and a design point
tried twice is not run twice.

Factors as in an Experiment: a list of levels is categorical, a (low, high) range is an integer or
float range by the path's type. The objective is a response's mean (maximised for throughput-like
responses, minimised otherwise) or any function of the per-replica response means.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TwinError
from . import designs, paths, responses as resp
from .runner import PointRunner, RunSettings, Task


def _optuna():
    try:
        import optuna
    except ImportError:
        raise TwinError("optimisation needs optuna: pip install 'twin[study]'") from None
    return optuna


@dataclass
class Optimum:
    """The best design point found, its objective value, and every trial's (point, value)."""

    point: dict
    value: float
    trials: list
    study: object  # the optuna.Study

    @property
    def runs(self) -> int:
        """Design points actually simulated (repeats are served from the cache)."""
        return len({designs.describe(p) for p, _ in self.trials})


def optimize(plant, factors: dict, response: str = "throughput", *, objective=None, direction: str | None = None,
             trials: int = 50, replicas: int = 50, horizon: float = 8 * 3600.0, warmup: float = 0.0, seed: int = 0,
             device=None, dt=None, sampler_seed: int = 0, policy=None) -> Optimum:
    """Searches ``factors`` with Optuna's TPE sampler (seeded) for the best ``response`` mean.
    ``objective``: optional function (point, {response: mean}) -> float (then ``response`` may be a
    list); ``direction``: "maximize" / "minimize" (default from the response)."""
    from .experiment import Experiment
    optuna = _optuna()
    names = [response] if isinstance(response, str) else list(response)
    resp.check(plant, names)
    check = Experiment(plant, {p: (list(v) if designs.is_range(v) else v) for p, v in factors.items()}, names)
    direction = direction or ("maximize" if objective is None and resp.maximise(names[0]) else "minimize")
    if direction not in ("maximize", "minimize"):
        raise TwinError(f"direction must be 'maximize' or 'minimize', got {direction!r}")
    dt = dt if dt is not None else check.common_dt()
    runner = PointRunner(plant, RunSettings(names, float(horizon), float(warmup), device, dt, policy))
    cache, trials_log = {}, []

    def suggest(trial):
        point = {}
        for p, v in factors.items():
            if designs.is_range(v):
                whole = paths.is_count(plant, p)
                point[p] = trial.suggest_int(p, int(v[0]), int(v[1])) if whole else trial.suggest_float(p, *map(float, v))
            else:
                point[p] = trial.suggest_categorical(p, list(v))
        return {p: paths.coerce(plant, p, x) for p, x in point.items()}

    def evaluate(trial):
        point = suggest(trial)
        key = designs.describe(point)
        if key not in cache:
            block = runner(Task(len(cache), point, 0, replicas, seed))
            means = {r: float(block.values[r].mean()) for r in names}
            cache[key] = objective(point, means) if objective is not None else means[names[0]]
        trials_log.append((point, cache[key]))
        return cache[key]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=sampler_seed))
    study.optimize(evaluate, n_trials=trials)
    best = max(trials_log, key=lambda t: t[1]) if direction == "maximize" else min(trials_log, key=lambda t: t[1])
    return Optimum(best[0], best[1], trials_log, study)
