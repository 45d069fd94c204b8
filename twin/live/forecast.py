"""Forecasts from "now": thousands of futures of a plant started from its current snapshot.

``forecast(plant, snapshot, until=...)`` runs ``replicas`` replicas from the snapshot over the
horizon and summarises the parts that reach the sinks by then (mean, 5-95% band, the chance of
reaching a target) and the expected bottleneck. ``Forecast.to_dict()`` is the JSON contract of
``twin forecast`` (README, "Live twin").
"""

from __future__ import annotations

import math

import numpy as np

from .snapshot import Snapshot

FORMAT = "twin-forecast/1"


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


class Forecast:
    """The output of ``replicas`` futures from one snapshot (``outputs``: parts per replica)."""

    def __init__(self, snapshot: Snapshot, horizon_s: float, outputs: np.ndarray, results, target: int | None):
        self.snapshot, self.horizon_s, self.outputs = snapshot, horizon_s, np.asarray(outputs, np.int64)
        self.results, self.target = results, target

    def band(self, lo: float = 0.05, hi: float = 0.95) -> tuple[float, float]:
        """The central band of the output (empirical quantiles of the replicas)."""
        return float(np.quantile(self.outputs, lo)), float(np.quantile(self.outputs, hi))

    @property
    def probability(self) -> float | None:
        """P(output >= target), or None without a target."""
        return None if self.target is None else float(np.mean(self.outputs >= self.target))

    def to_dict(self) -> dict:
        n = len(self.outputs)
        lo, hi = self.band()
        mean = float(self.outputs.mean())
        se = float(self.outputs.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        bn = self.results.bottleneck
        out = {
            "format": FORMAT,
            "plant": self.snapshot.plant,
            "from_time_s": self.snapshot.time_s,
            "horizon_s": self.horizon_s,
            "replicas": n,
            "output": {"mean": mean, "mean_ci95": [mean - 1.96 * se, mean + 1.96 * se],
                       "p05": lo, "p50": float(np.quantile(self.outputs, 0.5)), "p95": hi,
                       "min": int(self.outputs.min()), "max": int(self.outputs.max())},
            "wip_now": self.snapshot.wip(),
            "target": None,
            "bottleneck": {"element": bn["element"], "share": bn["share"], "active": bn["active"]},
        }
        if self.target is not None:
            k = int(np.sum(self.outputs >= self.target))
            out["target"] = {"parts": self.target, "probability": k / n, "probability_ci95": list(wilson(k, n))}
        return out

    def summary(self) -> str:
        d = self.to_dict()
        o = d["output"]
        line = (f"{d['plant']}: output in the next {self.horizon_s / 3600:g} h: mean {o['mean']:.1f} parts, "
                f"90% band [{o['p05']:g}, {o['p95']:g}] ({d['replicas']} futures)")
        if d["target"]:
            line += f"; P(>= {self.target}) = {d['target']['probability']:.3f}"
        if d["bottleneck"]["element"]:
            line += f"; bottleneck {d['bottleneck']['element']}"
        return line


def forecast(plant, snapshot: Snapshot, until: float | str = 8 * 3600.0, replicas: int = 2000,
             target: int | None = None, seed: int = 0, device=None, dt=None, progress: bool | None = False) -> Forecast:
    """Runs ``replicas`` futures of ``plant`` from ``snapshot`` for ``until`` (seconds or "8h")
    and returns their output (parts into the sinks within the horizon)."""
    from ..simulator import StudyError, _seconds, simulate
    horizon = _seconds(until, "until", allow_zero=False)
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, np.integer)) or target < 0):
        raise StudyError(f"target must be a whole number of parts >= 0, got {target!r}")
    snapshot.check(plant)
    res = simulate(plant, replicas=replicas, horizon=horizon, seed=seed, device=device, dt=dt,
                   progress=progress, start=snapshot)
    return Forecast(snapshot, horizon, res.per_replica["parts_out"], res, None if target is None else int(target))
