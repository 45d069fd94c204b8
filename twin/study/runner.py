"""Running one design point: apply its levels to a copy of the plant, simulate, keep the
responses per replica.

A design point's replicas come in blocks: block 0 runs with the study's seed, block b > 0 with
a seed derived from (seed, b). Every design point uses the same block seeds, so replica i of
block b sees the same random numbers at every design point (common random numbers) and
differences between design points are paired. ``independent=True`` instead derives each design
point's seeds from its index as well (independent streams, as Rinott's selection assumes).
"""

from __future__ import annotations

import time
import types
from dataclasses import dataclass, field

import numpy as np

from . import paths, responses as resp


def block_seed(seed: int, block: int, point: int | None = None) -> int:
    """The seed of a block of replicas: the study's seed for block 0 (common random numbers),
    a well-mixed derived seed otherwise (``point`` set: independent per design point)."""
    if block == 0 and point is None:
        return int(seed)
    words = [int(seed), int(block)] + ([] if point is None else [int(point) + 1])
    return int(np.random.SeedSequence(words).generate_state(1, dtype=np.uint64)[0] >> np.uint64(2))


@dataclass
class Task:
    """One block of replicas of one design point (what an executor runs)."""

    point: int
    settings: dict           # {path: level}
    block: int
    replicas: int
    seed: int


@dataclass
class Block:
    point: int
    block: int
    values: dict             # response -> per-replica values
    hist: np.ndarray         # cycle-time histogram counts (for pooled quantiles)
    wall_s: float


@dataclass
class RunSettings:
    """What every block of a study shares."""

    responses: list
    horizon: float
    warmup: float
    device: str | None = None
    dt: float | None = None
    policy: object = None
    extra: dict = field(default_factory=dict)


class PointRunner:
    """Runs blocks of design points in this process, compiling each design point once (the Warp
    kernels load once per process; a design point's Model is kept for its next block)."""

    def __init__(self, plant, run: RunSettings, cache_size: int = 8):
        self.plant, self.run_settings, self.cache_size = plant, run, cache_size
        self._models = {}
        self.hist_edges = None

    def model(self, task: Task):
        from ..model import compile_plant
        key = repr(sorted(task.settings.items()))
        if key not in self._models:
            if len(self._models) >= self.cache_size:
                self._models.pop(next(iter(self._models)))
            plant = paths.apply(self.plant, task.settings)
            self._models[key] = compile_plant(plant, device=self.run_settings.device, dt=self.run_settings.dt)
        return self._models[key]

    def __call__(self, task: Task) -> Block:
        from ..simulator import Simulator
        rs = self.run_settings
        t0 = time.perf_counter()
        res = Simulator(self.model(task), task.replicas).run(rs.horizon, warmup=rs.warmup, seed=task.seed,
                                                              progress=False, policy=rs.policy)
        self.hist_edges = res._hist_edges_s
        values = {r: resp.per_replica(res, r) for r in rs.responses}
        return Block(task.point, task.block, values, np.asarray(res._hist_counts), time.perf_counter() - t0)


def pooled_quantile(counts: np.ndarray, edges: np.ndarray, q: float) -> float:
    """A per-part cycle-time quantile from a histogram summed over blocks (Results' own rule)."""
    from ..results import Results
    return Results.cycle_time_quantile(types.SimpleNamespace(_hist_counts=counts, _hist_edges_s=edges), q)


def hist_edges(dt: float) -> np.ndarray:
    from ..kernels import layout
    b = np.arange(layout.HIST_BINS + 1, dtype=np.float64)
    return (np.exp2(b / layout.HIST_BINS_PER_OCTAVE) - 1.0) * dt
