"""Results: reductions over replicas into KPIs with 95% confidence intervals.

Every KPI is first computed per replica (from integer step counts) and then summarised over
replicas with a Student-t interval, so the interval reflects the replica-to-replica variation.
The JSON written by ``to_json`` is a documented contract (README, "Results JSON").
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .elements import KINDS
from .kernels import layout
from .stats import format_ci, mean_ci

SCHEMA = "twin.results/1"


class _KPINames(Mapping):
    """The KPI names of each element kind, in order: its element class's ``KPIS``."""

    def __getitem__(self, kind):
        return KINDS[kind].KPIS

    def __iter__(self):
        return iter(KINDS)

    def __len__(self):
        return len(KINDS)


ELEMENT_KPIS = _KPINames()
EL64, EL32, ACC, REP64 = layout.EL64_TABLE, layout.EL32_TABLE, layout.ACC_TABLE, layout.REP64_TABLE


class ElementRun:
    """One element's per-replica results of a run, decoded by name for its kind's ``kpis`` hook
    (twin.elements.Element.kpis): window integrals in steps, parts out, mean parts held."""

    def __init__(self, model, arrays: dict, i: int, window_steps: float, window_s: float):
        self.model, self.arrays, self.index = model, arrays, i
        self.kind = model.kinds[i]
        self.window_steps, self.window, self.dt = window_steps, window_s, model.dt
        self.capacity = float(model.capacity[i])
        self.out = EL64.column(arrays["el64"][:, i], "out").astype(np.float64)  # parts that left in the window
        self.held = self.acc("held") / window_steps                            # time-average parts held

    def acc(self, name: str) -> np.ndarray:
        """The window integral ``name`` as the element's kind declares it (kernels/layout.py
        ACC_TABLE and the kind's own columns), steps (x servers or parts), per replica."""
        return ACC.column(self.arrays["acc"][:, self.index], name, kind=self.kind).astype(np.float64)

    def nan(self) -> np.ndarray:
        return np.full(len(self.out), np.nan)
BOTTLENECK_METHOD = "active-period"


@dataclass(frozen=True)
class KPI:
    """A mean over replicas with the half-width of its 95% confidence interval."""

    mean: float
    ci95: float
    std: float
    n: int

    @classmethod
    def of(cls, values) -> "KPI":
        return cls(*mean_ci(values))

    def to_dict(self) -> dict:
        return {"mean": _num(self.mean), "ci95": _num(self.ci95)}

    def __repr__(self) -> str:
        """As a result is written by hand, ``75.2 ± 0.7`` (digits the interval supports; the
        fields are ``mean``, ``ci95``, ``std`` and ``n``)."""
        return format_ci(self.mean, self.ci95)

    def _repr_html_(self) -> str:
        from .frames import kpi_html
        return kpi_html(self)

    def __format__(self, spec: str) -> str:
        spec = spec or ".4g"
        if math.isnan(self.ci95):
            return format(self.mean, spec)
        return f"{format(self.mean, spec)} ± {format(self.ci95, spec)}"


def _num(x):
    x = float(x)
    return None if not math.isfinite(x) else x


class Results:
    """KPIs of one batch of replicas.

    ``per_replica`` holds the per-replica values (numpy arrays of length R): plant
    ``throughput_per_hour``, ``wip``, ``cycle_time_s``, ``parts_in``/``parts_out`` (entered and
    left the plant in the window), per element its KPIs under ``per_replica["elements"][name]``
    and the parts it held at the horizon under ``per_replica["held_at_end"][name]``.
    """

    def __init__(self, plant_name: str, element_kinds: dict, per_replica: dict, ct_hist_s: tuple, meta: dict):
        self.plant_name = plant_name
        self.element_kinds = element_kinds
        self.per_replica = per_replica
        self._hist_counts, self._hist_edges_s = ct_hist_s
        self.meta = meta
        self.has_scrap = False      # the plant has a sink marked scrap
        self.parallel_groups = []   # lists of identical parallel machines (see parallel_groups)
        self.recording = None  # a twin.recording.Recorded when the run recorded one replica
        self.sensors = None    # twin.maintenance.SensorRecords when the run kept a sensor log

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_arrays(cls, model, a: dict, meta: dict) -> "Results":
        window_steps = float(model.steps(meta["horizon_s"]) - model.steps(meta["warmup_s"]))
        window = window_steps * model.dt  # seconds
        out = EL64.column(a["el64"], "out").astype(np.float64)
        rep = a["rep64"]
        exited = REP64.column(rep, "exited").astype(np.float64)
        per_hour = 3600.0 / window
        elements, wip = {}, np.zeros(len(rep))
        for i, name in enumerate(model.names):
            el = model.plant[name]
            run = ElementRun(model, a, i, window_steps, window)
            kpis = {"throughput_per_hour": run.out * per_hour}
            kpis.update(el.kpis(run))
            if el.in_wip:
                wip += run.held
            elements[name] = {k: kpis[k] for k in el.KPIS}
            elements[name].update({k: v for k, v in kpis.items() if k not in elements[name]})  # kind extras
        with np.errstate(invalid="ignore", divide="ignore"):
            ct_mean = np.where(exited > 0, REP64.column(rep, "ct_sum") / np.maximum(exited, 1) * model.dt, np.nan)
        good = sum((out[:, i] for i, name in enumerate(model.names)
                    if getattr(model.plant[name], "good_units", False)), np.zeros(len(rep)))
        has_scrap = any(getattr(model.plant[name], "scrap", False) for name in model.names)
        per_replica = {
            "throughput_per_hour": exited * per_hour,
            "good_units": good,
            "good_per_hour": good * per_hour,          # into sinks not marked scrap
            "scrap_per_hour": (exited - good) * per_hour if has_scrap else np.zeros(len(rep)),
            "wip": wip,
            "cycle_time_s": ct_mean,
            "parts_out": exited,
            "parts_in": REP64.column(rep, "entered").astype(np.float64),
            "elements": elements,
            "held_at_end": {name: EL32.column(a["el32"][:, i], "count").astype(np.int64)
                            for i, name in enumerate(model.names)},
        }
        if model.n_components:
            per_replica["maintenance"] = maintenance_per_replica(model, a, elements, good, window, window_steps)
        b = np.arange(layout.HIST_BINS + 1, dtype=np.float64)
        edges_s = (np.exp2(b / layout.HIST_BINS_PER_OCTAVE) - 1.0) * model.dt
        res = cls(model.plant.name, dict(zip(model.names, model.kinds)), per_replica,
                  (a["ct_hist"].astype(np.float64), edges_s), dict(meta))
        res.has_scrap = has_scrap
        res.parallel_groups = parallel_groups(model.plant)
        return res

    def snapshot(self, replica: int = 0, at=None):
        """The twin.live.Snapshot of one replica at ``at`` seconds (None: the end of the run; earlier
        moments re-simulate that replica up to ``at``)."""
        from .live.snapshot import snapshot_of_results
        return snapshot_of_results(self, replica, at)

    # ---- plant KPIs -------------------------------------------------------------------------
    @property
    def replicas(self) -> int:
        return len(self.per_replica["throughput_per_hour"])

    @property
    def throughput(self) -> KPI:
        """Parts per hour leaving the plant (all sinks)."""
        return KPI.of(self.per_replica["throughput_per_hour"])

    @property
    def good_throughput(self) -> KPI:
        """Good parts per hour: into sinks not marked ``scrap`` (equals ``throughput`` without scrap)."""
        return KPI.of(self.per_replica["good_per_hour"])

    @property
    def scrap_throughput(self) -> KPI:
        """Parts per hour into sinks marked ``scrap`` (``throughput`` = good + scrap)."""
        return KPI.of(self.per_replica["scrap_per_hour"])

    @property
    def wip(self) -> KPI:
        """Time-average number of parts in machines and buffers."""
        return KPI.of(self.per_replica["wip"])

    @property
    def cycle_time(self) -> KPI:
        """Mean time from leaving a source to reaching a sink, seconds."""
        return KPI.of(self.per_replica["cycle_time_s"])

    def cycle_time_quantile(self, q: float) -> float:
        """Quantile of the cycle time of all parts of all replicas (seconds), from a histogram with
        bins 0.54% wide (linear interpolation inside the bin)."""
        counts, edges = self._hist_counts, self._hist_edges_s
        total = counts.sum()
        if total == 0:
            return math.nan
        cum = np.cumsum(counts)
        target = q * total
        b = int(np.searchsorted(cum, target, side="left"))
        b = min(b, len(counts) - 1)
        below = cum[b - 1] if b > 0 else 0.0
        frac = (target - below) / counts[b] if counts[b] > 0 else 0.0
        return float(edges[b] + frac * (edges[b + 1] - edges[b]))

    def element(self, name: str) -> dict[str, KPI]:
        """KPIs of one element by name."""
        if name not in self.per_replica["elements"]:
            raise KeyError(f"no element named {name!r} in these results")
        return {k: KPI.of(v) for k, v in self.per_replica["elements"][name].items()}

    @property
    def maintenance(self) -> dict | None:
        """Maintenance KPIs over replicas (None without health components): plant-level
        ``failures``, ``services`` (counts in the window), ``maintenance_hours`` (technician
        hours), ``crew_utilization``, ``availability`` (mean over hosts of the time not down or
        in service), ``cost``, ``cost_rate_per_hour`` and ``cost_per_good_unit``; and per
        component (key "element.component") ``failures``, ``services``, ``mttf_h`` (hours of the
        component's clock in the window per failure), ``first_failure_h`` (time of the first
        failure from the start, a first-passage time; NaN if none) and ``maintenance_hours``."""
        mt = self.per_replica.get("maintenance")
        if mt is None:
            return None
        out = {k: KPI.of(v) for k, v in mt.items() if k != "components"}
        out["components"] = {name: {k: KPI.of(v) for k, v in d.items()} for name, d in mt["components"].items()}
        return out

    @property
    def bottleneck(self) -> dict:
        """The bottleneck by the active-period method (Roser, Nakano and Tanaka, 2001, in its
        fraction-of-time form): a machine is *active* while it processes or is down, and waits
        otherwise (starved or blocked). The machine active the largest share of time limits the
        plant. Also given: the share of replicas in which that machine was the most active one.

        Identical parallel machines (``parallel_groups``: same predecessors, successors and spec)
        share one constraint, so they are one candidate, active by the mean of their members: when
        such a group wins, ``group`` lists its machines and ``element`` is its most active member;
        the vote is not split between them. ``group`` is None for a single machine."""
        names = [n for n, k in self.element_kinds.items() if _may_be_bottleneck(k)]
        if not names:
            return {"element": None, "group": None, "method": BOTTLENECK_METHOD, "share": None, "active": {}}
        els = self.per_replica["elements"]
        active = {n: els[n]["utilization"] + els[n]["down"] for n in names}  # [R] each
        grouped = {n for g in self.parallel_groups for n in g}
        candidates = [list(g) for g in self.parallel_groups if all(n in active for n in g)] + \
            [[n] for n in names if n not in grouped]
        cand = np.stack([np.mean([active[n] for n in c], axis=0) for c in candidates], axis=1)  # [R, C]
        mean_cand = cand.mean(axis=0)
        best = int(np.argmax(mean_cand))
        share = float(np.mean(np.argmax(cand, axis=1) == best))
        members = candidates[best]
        element = max(members, key=lambda n: float(active[n].mean()))
        return {"element": element, "group": members if len(members) > 1 else None, "method": BOTTLENECK_METHOD,
                "share": share, "active": {n: float(active[n].mean()) for n in names},
                "group_active": float(mean_cand[best])}

    # ---- output -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        ct = self.cycle_time
        bn = self.bottleneck
        return {
            "schema": SCHEMA,
            "plant": self.plant_name,
            "meta": {k: (_num(v) if isinstance(v, float) else v) for k, v in self.meta.items()},
            "throughput_per_hour": {**self.throughput.to_dict(), "std": _num(self.throughput.std)},
            "good_per_hour": self.good_throughput.to_dict(),
            "scrap_per_hour": self.scrap_throughput.to_dict(),
            "wip": self.wip.to_dict(),
            "cycle_time_s": {**ct.to_dict(), "p50": _num(self.cycle_time_quantile(0.5)),
                             "p90": _num(self.cycle_time_quantile(0.9)),
                             "p95": _num(self.cycle_time_quantile(0.95)),
                             "parts": int(self._hist_counts.sum())},
            "bottleneck": {"element": bn["element"], "method": bn["method"], "share": _num(bn["share"])
                           if bn["share"] is not None else None, "group": bn["group"]},
            "elements": {name: {"kind": self.element_kinds[name],
                                **{k: v.to_dict() for k, v in self.element(name).items()}}
                         for name in self.element_kinds},
            **({"maintenance": _maintenance_dict(self.maintenance)} if self.maintenance else {}),
        }

    def to_json(self, path) -> Path:
        """Writes ``to_dict()`` as JSON (atomically: a partial file never replaces a good one;
        a device or FIFO such as /dev/null is written in place, see twin.files)."""
        from .files import write_text
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_text(path, json.dumps(self.to_dict(), indent=2) + "\n", "results")

    def summary(self) -> str:
        """A readable KPI table."""
        m = self.meta
        lines = [
            f"{self.plant_name}: {m['replicas']} replicas x {m['horizon_s'] / 3600:g} h "
            f"(warm-up {m['warmup_s'] / 3600:g} h), dt {m['dt_s']:g} s, {m['device']}, "
            f"{m['wall_time_s']:.2f} s",
            f"  throughput   {self.throughput:.2f} parts/h" + (" (all sinks, scrap included)" if self.has_scrap else ""),
            *([f"    good       {self.good_throughput:.2f} parts/h", f"    scrap      {self.scrap_throughput:.2f} parts/h"]
              if self.has_scrap else []),
            f"  WIP          {self.wip:.2f} parts",
            f"  cycle time   {self.cycle_time:.1f} s   p50 {self.cycle_time_quantile(0.5):.1f}"
            f"  p90 {self.cycle_time_quantile(0.9):.1f}  p95 {self.cycle_time_quantile(0.95):.1f}",
        ]
        bn = self.bottleneck
        if bn["element"] is not None and bn["group"]:
            lines.append(f"  bottleneck   {' + '.join(bn['group'])} (identical parallel machines, active "
                         f"{100 * bn['group_active']:.1f}% of the time on average; the most active in "
                         f"{100 * bn['share']:.0f}% of replicas)")
        elif bn["element"] is not None:
            lines.append(f"  bottleneck   {bn['element']} (active {100 * bn['active'][bn['element']]:.1f}% of the "
                         f"time; most active in {100 * bn['share']:.0f}% of replicas)")
        lines += self._maintenance_lines()
        width = max(8, *(len(n) for n in self.element_kinds))
        kw = max(8, *(len(k) for k in self.element_kinds.values()))
        head = f"  {'element':<{width}} {'kind':<{kw}} {'util%':>7} {'block%':>7} {'starv%':>7} {'down%':>7} " \
               f"{'queue':>8} {'parts/h':>9}"
        lines += ["", head, "  " + "-" * (len(head) - 2)]

        def pct(d, k):
            return f"{100 * d[k].mean:7.1f}" if k in d and math.isfinite(d[k].mean) else f"{'':>7}"

        for name, kind in self.element_kinds.items():
            d = self.element(name)
            queue = f"{d['queue'].mean:8.2f}" if "queue" in d else f"{'':>8}"
            lines.append(f"  {name:<{width}} {kind:<{kw}} {pct(d, 'utilization')} {pct(d, 'blocked')} "
                         f"{pct(d, 'starved')} {pct(d, 'down')} {queue} {d['throughput_per_hour'].mean:9.2f}")
        for kind in dict.fromkeys(self.element_kinds.values()):  # kinds may add lines of their own
            lines += KINDS[kind].summary_lines(self)
        return "\n".join(lines)

    def _maintenance_lines(self) -> list[str]:
        """Failures, services, availability and cost (plants with health components)."""
        mt = self.maintenance
        if mt is None:
            return []
        lines = [f"  maintenance  failures {mt['failures']:.3g}, services {mt['services']:.3g} per replica; "
                 f"availability {100 * mt['availability'].mean:.2f}% ± {100 * _nan0(mt['availability'].ci95):.2f}",
                 f"               cost {mt['cost']:.4g} ({mt['cost_per_good_unit']:.3g} per good unit), "
                 f"technician hours {mt['maintenance_hours']:.3g}",
                 f"    {'component':<24} {'failures':>14} {'services':>14} {'MTTF h':>14}"]
        for name, d in mt["components"].items():
            mttf = format(d["mttf_h"], ".4g") if math.isfinite(d["mttf_h"].mean) else "(no failure)"
            lines.append(f"    {name:<24} {format(d['failures'], '.3g'):>14} {format(d['services'], '.3g'):>14} "
                         f"{mttf:>14}")
        return lines

    def to_frame(self):
        """One row per KPI with its 95% CI (element, kind, kpi, mean, ci95, std, n): pandas."""
        from .frames import results_frame
        return results_frame(self)

    def replicas_frame(self):
        """One row per replica, a column per KPI ("element.kpi" for elements): pandas."""
        from .frames import replicas_frame
        return replicas_frame(self)

    def _repr_html_(self) -> str:
        from .frames import results_html
        return results_html(self)

    def __repr__(self) -> str:
        return f"<Results {self.plant_name!r}: {self.replicas} replicas, throughput {self.throughput:.2f}/h>"


def _nan0(x: float) -> float:
    return 0.0 if not math.isfinite(x) else x


def parallel_groups(plant) -> list[list[str]]:
    """Groups of two or more machines that are identical in parallel: the same predecessors, the
    same successors and the same spec apart from name, position and size. They share one
    constraint (a part can use any of them), so the bottleneck treats each group as one."""
    def signature(name):
        el = plant[name]
        spec = {k: v for k, v in el.to_dict().items() if k not in ("name", "position", "size")}
        return (repr(spec), tuple(sorted(plant.predecessors(name))), tuple(sorted(plant.successors(name))))
    groups: dict = {}
    for name, el in plant.elements.items():
        if el.bottleneck_candidate:
            groups.setdefault(signature(name), []).append(name)
    return [g for g in groups.values() if len(g) > 1]


def _may_be_bottleneck(kind: str) -> bool:
    """The kind's element class says whether it can be the bottleneck (results read back from
    JSON carry kind names only; an unregistered kind is not a candidate)."""
    from .elements import KINDS
    cls = KINDS.get(kind)
    return bool(cls is not None and cls.bottleneck_candidate)


def _maintenance_dict(mt: dict) -> dict:
    out = {k: v.to_dict() for k, v in mt.items() if k != "components"}
    out["components"] = {name: {k: v.to_dict() for k, v in d.items()} for name, d in mt["components"].items()}
    return out


def maintenance_per_replica(model, a: dict, elements: dict, good: np.ndarray, window_s: float,
                            window_steps: float) -> dict:
    """Per-replica maintenance KPIs from the health state (see Results.maintenance)."""
    from .kernels import health_layout as hl
    i64 = a["health.i64"].astype(np.float64)
    comps = model.plant.health_components()
    crew = model.plant.crew
    rate = crew.hourly_rate if crew is not None else 0.0
    technicians = crew.technicians if crew is not None else 1
    hours = hl.CREW_TABLE.column(a["health.crew"], "busy") * model.dt / 3600.0

    def col(name):  # [R, H] a health component column by name (kernels/health_layout.py)
        return hl.I64_TABLE.column(i64, name)

    failures = col("failures")[:, :len(comps)]
    services = col("services")[:, :len(comps)]
    cost = hours * rate
    per_comp = {}
    for h, (host, c) in enumerate(comps):
        cost = cost + failures[:, h] * c.repair_cost + services[:, h] * c.service_cost
        clock_h = col("clock")[:, h] * model.dt / 3600.0
        first = col("first_fail")[:, h]
        with np.errstate(invalid="ignore", divide="ignore"):
            mttf = np.where(failures[:, h] > 0, clock_h / np.maximum(failures[:, h], 1), np.nan)
        per_comp[f"{host}.{c.name}"] = {"failures": failures[:, h], "services": services[:, h], "mttf_h": mttf,
                                        "first_failure_h": np.where(first > 0, first * model.dt / 3600.0, np.nan),
                                        "maintenance_hours": col("work_steps")[:, h] * model.dt / 3600.0}
    hosts = sorted({host for host, _ in comps})
    avail = np.mean([1.0 - elements[hname].get("down", 0.0) - elements[hname].get("service", 0.0)
                     if "down" in elements[hname] else np.ones(len(good)) for hname in hosts], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_good = np.where(good > 0, cost / np.maximum(good, 1), np.nan)
    return {"failures": failures.sum(axis=1), "services": services.sum(axis=1), "maintenance_hours": hours,
            "crew_utilization": hours * 3600.0 / (technicians * window_s), "availability": avail,
            "cost": cost, "cost_rate_per_hour": cost / (window_s / 3600.0), "cost_per_good_unit": per_good,
            "components": per_comp}
