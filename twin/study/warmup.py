"""Warm-up detection: MSER-5 on the replicas' output as a time series.

The simulator reports statistics for one window [warmup, horizon] per run. A time series comes
from consecutive windows: run k covers [0, t_k] with its statistics window [t_{k-1}, t_k]; with
the same seed every run replays the same trajectory (the random numbers are keyed by seed,
replica, element and draw, not by the horizon), so run k's window is exactly the k-th piece of
one long run. The cost is that of W(W+1)/2 windows instead of W (about 13 full runs for the
default 25 windows), which is why this is a pilot with few replicas, run once per study. MSER-5
(White 1997; Franklin & White 2008) is applied to the across-replica mean of each window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import TwinError
from . import responses as resp
from .stats import mser


@dataclass
class Warmup:
    """``truncation_s``: the detected warm-up; ``edges_s``: window edges; ``series``: the
    across-replica mean of the response per window; ``values``: [replica, window];
    ``converged``: False when the minimum lies at the end of the searched half (run longer)."""

    truncation_s: float
    edges_s: np.ndarray
    series: np.ndarray
    values: np.ndarray
    statistic: np.ndarray
    response: str
    converged: bool

    def __repr__(self):
        return (f"<Warmup {self.truncation_s:g} s on {self.response} ({len(self.series)} windows"
                f"{'' if self.converged else ', not converged: run longer'})>")


def detect_warmup(plant, response: str = "wip", *, replicas: int = 50, horizon: float = 8 * 3600.0,
                  windows: int = 25, batch: int = 5, seed: int = 0, device=None, dt=None, policy=None) -> Warmup:
    """MSER-``batch`` warm-up of ``plant`` over [0, horizon] cut into ``windows`` windows."""
    from ..model import compile_plant
    from ..simulator import Simulator
    resp.check(plant, [response])
    if resp.quantile_of(response) is not None:
        raise TwinError(f"warm-up detection needs a per-replica response; '{response}' is a pooled quantile")
    if isinstance(windows, bool) or not isinstance(windows, int) or windows < 4 * batch:
        raise TwinError(f"windows must be an integer >= {4 * batch} (MSER-{batch} needs 4 batches), got {windows!r}")
    model = compile_plant(plant, device=device, dt=dt)
    edges_steps = np.unique(np.linspace(0, model.steps(horizon), windows + 1).round().astype(np.int64))
    if len(edges_steps) != windows + 1:
        raise TwinError(f"{windows} windows over {horizon:g} s are shorter than the time step {model.dt:g} s")
    edges = edges_steps * model.dt
    sim = Simulator(model, replicas)
    cols = []
    for a, b in zip(edges[:-1], edges[1:]):
        res = sim.run(float(b), warmup=float(a), seed=seed, progress=False, policy=policy)
        cols.append(resp.per_replica(res, response))
    values = np.stack(cols, axis=1)
    series = np.nanmean(values, axis=0)
    d, stat = mser(series, batch)
    return Warmup(float(edges[d]), edges, series, values, stat, response, converged=int(np.argmin(stat)) < len(stat) - 1)
