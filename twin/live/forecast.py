"""Forecasts from "now": thousands of futures of a plant started from its current snapshot.

``forecast(plant, snapshot, until=...)`` runs ``replicas`` replicas from the snapshot over the
horizon and summarises the parts that reach the sinks by then (mean, 5-95% band, the chance of
reaching a target), the expected bottleneck and, for open orders, when each one finishes
(quantiles over the futures). ``Forecast.to_dict()`` is the JSON contract of ``twin forecast``
(README, "Live twin").

Orders are served in the order given, per sink: an order of N parts out of sink X finishes when
X has received, since the snapshot, N parts more than the orders before it on X (``sink=None``:
parts into any sink). Finish times are read on a time grid (``resolution_s``): the run stops at
every grid step and reads the sinks' counts, so a finish time is the latest time consistent with
the counts (never early; late by less than the resolution; exact at a resolution of one dt).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import TwinError
from ..kernels import layout
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


@dataclass(frozen=True)
class Order:
    """An open order or lot: ``parts`` parts out of sink ``sink`` (None: any sink), after the
    orders given before it on the same sink."""

    name: str
    parts: int
    sink: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Order":
        """``NAME=PARTS`` or ``NAME=PARTS@SINK`` (the command line's ``--order``)."""
        m = re.fullmatch(r"\s*([^=@\s][^=@]*?)\s*=\s*(\d+)\s*(?:@\s*(\S+)\s*)?", text)
        if not m:
            raise TwinError(f"order {text!r}: write NAME=PARTS or NAME=PARTS@SINK (e.g. lot7=40@packing)")
        return cls(m.group(1), int(m.group(2)), m.group(3))


def check_orders(plant, orders) -> list[Order]:
    """The orders as Order objects, or a TwinError naming the bad one."""
    out = []
    for o in orders:
        if isinstance(o, str):
            o = Order.parse(o)
        elif isinstance(o, (tuple, list)):
            o = Order(*o)
        if not isinstance(o, Order):
            raise TwinError(f"an order is an Order(name, parts, sink) or 'NAME=PARTS[@SINK]', got {o!r}")
        if isinstance(o.parts, bool) or not isinstance(o.parts, (int, np.integer)) or o.parts < 1:
            raise TwinError(f"order '{o.name}': parts must be a whole number >= 1, got {o.parts!r}")
        if o.sink is not None and (o.sink not in plant.elements or plant[o.sink].has_outputs):
            sinks = [n for n in plant.elements if not plant[n].has_outputs]  # the plant's ends
            raise TwinError(f"order '{o.name}': '{o.sink}' is not a sink of plant '{plant.name}' "
                            f"(sinks: {', '.join(sinks)})")
        if any(o.name == p.name for p in out):
            raise TwinError(f"order '{o.name}' is given twice")
        out.append(o)
    return out


class SinkProbe:
    """Reads the parts each sink received so far at every grid step, per replica
    (Simulator.run's ``probe``; each block writes its own rows)."""

    def __init__(self, model, replicas: int, steps: np.ndarray):
        self.steps = np.asarray(steps, np.int64)
        self.sinks = [i for i, n in enumerate(model.names) if not model.plant[n].has_outputs]  # the plant's ends
        self.index = {int(k): j for j, k in enumerate(self.steps)}
        self.counts = np.zeros((len(self.sinks), replicas, len(self.steps)), np.int64)

    def read(self, first: int, state, step: int) -> None:
        j = self.index.get(step)
        if j is None:
            return
        el64 = state.el64.numpy()
        self.counts[:, first:first + el64.shape[0], j] = el64[:, self.sinks, layout.E_OUT].T


def finish_times(orders: list[Order], names: list[str], counts: np.ndarray, times: np.ndarray) -> dict:
    """Per order, its finish time in each replica (inf: not finished by the last grid time)."""
    out, before = {}, {}
    total = counts.sum(axis=0)
    for o in orders:
        c = total if o.sink is None else counts[names.index(o.sink)]
        need = before.get(o.sink, 0) + o.parts
        before[o.sink] = need
        done = c >= need                                     # [replicas, grid]
        first = np.argmax(done, axis=1)
        out[o.name] = np.where(done.any(axis=1), times[first], np.inf)  # times: the latest it can have been
    return out


def _quantile(x: np.ndarray, q: float):
    v = float(np.quantile(x, q, method="inverted_cdf"))
    return v if math.isfinite(v) else None


class Forecast:
    """The output of ``replicas`` futures from one snapshot (``outputs``: parts per replica;
    ``finish``: per order, its finish time per replica, seconds after the snapshot, inf if later
    than the horizon)."""

    def __init__(self, snapshot: Snapshot, horizon_s: float, outputs: np.ndarray, results, target: int | None,
                 orders: list[Order] = (), finish: dict | None = None, resolution_s: float | None = None):
        self.snapshot, self.horizon_s, self.outputs = snapshot, horizon_s, np.asarray(outputs, np.int64)
        self.results, self.target = results, target
        self.orders, self.finish, self.resolution_s = list(orders), finish or {}, resolution_s

    def order_summary(self) -> list[dict]:
        """Per order: its parts, sink, the share of futures where it finishes within the horizon
        and the 5%, 50% and 95% quantiles of its finish time (seconds after the snapshot; None
        where that quantile lies beyond the horizon)."""
        out = []
        for o in self.orders:
            t = self.finish[o.name]
            out.append(dict(name=o.name, parts=int(o.parts), sink=o.sink,  # the order's sink: a JSON key, not a kind
                            finished_share=float(np.mean(np.isfinite(t))),
                            p05_s=_quantile(t, 0.05), p50_s=_quantile(t, 0.5), p95_s=_quantile(t, 0.95)))
        return out

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
            "orders": self.order_summary(),
            "resolution_s": self.resolution_s,
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
        for o in d["orders"]:
            p50 = "after the horizon" if o["p50_s"] is None else f"{o['p50_s'] / 3600:.2f} h"
            line += f"\n  order {o['name']} ({o['parts']} parts): median finish {p50}, " \
                    f"finished in {100 * o['finished_share']:.0f}% of futures"
        return line


def forecast(plant, snapshot: Snapshot, until: float | str = 8 * 3600.0, replicas: int = 2000,
             target: int | None = None, seed: int = 0, device=None, dt=None, progress: bool | None = False,
             orders=(), resolution: float | str | None = None, threads: int | None = None) -> Forecast:
    """Runs ``replicas`` futures of ``plant`` from ``snapshot`` for ``until`` (seconds or "8h")
    and returns their output (parts into the sinks within the horizon). ``orders``: open orders
    (Order, (name, parts[, sink]) or "NAME=PARTS[@SINK]"), whose finish times are read every
    ``resolution`` seconds (default: horizon / 1000, at least dt)."""
    from ..model import compile_plant
    from ..simulator import Simulator, StudyError, _number, _seconds
    horizon = _seconds(until, "until", allow_zero=False)
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, np.integer)) or target < 0):
        raise StudyError(f"target must be a whole number of parts >= 0, got {target!r}")
    orders = check_orders(plant, orders)
    snapshot.check(plant)
    dt = _number(dt)
    if isinstance(dt, str):
        dt = _seconds(dt, "dt", allow_zero=False)
    model = compile_plant(plant, device=device, dt=dt)
    sim = Simulator(model, replicas)
    probe, res_s = None, None
    if orders:
        step = model.steps(horizon / 1000 if resolution is None else _seconds(resolution, "resolution", False))
        step = max(step, 1)
        res_s = step * model.dt
        grid = np.unique(np.append(np.arange(step, model.steps(horizon), step), model.steps(horizon)))
        probe = SinkProbe(model, sim.replicas, grid)
    res = sim.run(horizon, seed=seed, progress=progress, start=snapshot, probe=probe, threads=threads)
    finish = None
    if probe is not None:
        names = [model.names[i] for i in probe.sinks]
        # the counts at grid step k hold the parts in by step k - 1: an order first complete
        # there finished in [previous grid step, k - 1]; the latest of these is reported
        finish = finish_times(orders, names, probe.counts, (probe.steps - 1) * model.dt)
    return Forecast(snapshot, horizon, res.per_replica["parts_out"], res, None if target is None else int(target),
                    orders, finish, res_s)
