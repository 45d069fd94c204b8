"""Experiments: a plant, factors, a design and responses -> results per design point.

Every design point runs on its own copy of the plant with the same seed (common random numbers),
so differences between design points are paired; results come per design point with 95% CIs
and as paired differences against a baseline. Everything is checked before the first run.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..errors import TwinError
from ..simulator import StudyError
from . import designs, paths, responses as resp, store as store_mod
from .runner import RunSettings, Task, block_seed, hist_edges, pooled_quantile
from .stats import ci, paired_difference, replicas_for_precision


class Experiment:
    """A designed experiment on ``plant``.

    ``factors``: {path: [levels]} or {path: (low, high)} (a range); ``responses``: names such as
    "throughput", "cycle_time.p90", "op30.utilization", "cost". ``design``: "factorial" (lists
    only), "lhs" (Latin hypercube of ``points`` points; the default when a factor is a range) or a
    list of {path: level} dicts (then ``factors`` may be left out). ``baseline``: the design point differences are taken against
    (index or {path: level}; default the first).
    """

    def __init__(self, plant, factors: dict | None = None, responses=("throughput",), design=None, points: int = 10,
                 baseline=0, design_seed: int = 0):
        if factors is None and isinstance(design, (list, tuple)) and design and all(isinstance(d, dict) for d in design):
            factors = {k: list(dict.fromkeys(d[k] for d in design if k in d)) for k in design[0]}
        if not isinstance(factors, dict) or not factors:
            raise paths.FactorError("factors must be a non-empty dict {path: levels}")
        self.plant = plant
        self.responses = resp.check(plant, responses)
        for path, levels in factors.items():
            paths.current(plant, path)  # the path exists
            designs.check_factor(path, levels)
        integer = {p: paths.is_count(plant, p) for p in factors}
        if design is None:
            design = "lhs" if any(designs.is_range(v) for v in factors.values()) else "factorial"
        if design == "factorial":
            pts = designs.full_factorial(factors)
        elif design == "lhs":
            pts = designs.unique(designs.latin_hypercube(factors, points, design_seed, integer))
        elif isinstance(design, (list, tuple)) and design and all(isinstance(d, dict) for d in design):
            pts = [dict(d) for d in design]
            for d in pts:
                if set(d) != set(factors):
                    raise paths.FactorError(f"design point {d!r} must set exactly the factors {list(factors)}")
        else:
            raise paths.FactorError(f"design must be 'factorial', 'lhs' or a list of {{path: level}} dicts, "
                                    f"got {design!r}")
        self.factors = dict(factors)
        self.points = [{p: paths.coerce(plant, p, v) for p, v in d.items()} for d in pts]
        self.plants = [paths.apply(plant, d) for d in self.points]  # each level validated by its spec
        for d, pl in zip(self.points, self.plants):
            try:
                pl.validate()
            except TwinError as err:
                raise paths.FactorError(f"design point {designs.describe(d)}: {err}") from None
        self.baseline = self._baseline(baseline)

    def _baseline(self, baseline) -> int:
        if isinstance(baseline, int) and not isinstance(baseline, bool) and 0 <= baseline < len(self.points):
            return baseline
        if isinstance(baseline, dict):
            want = {p: paths.coerce(self.plant, p, v) for p, v in baseline.items()}
            for i, d in enumerate(self.points):
                if d == want:
                    return i
        raise paths.FactorError(f"baseline {baseline!r} is not a design point (give its index 0..{len(self.points) - 1} "
                                "or its {path: level} dict)")

    def common_dt(self, dt=None) -> float:
        """One time step for every design point (the smallest default), so that differences
        between design points are not differences in rounding."""
        from ..model import check_dt
        dt = min(p.default_dt() for p in self.plants) if dt is None else dt
        for d, p in zip(self.points, self.plants):
            try:
                check_dt(p, dt)
            except TwinError as err:
                raise paths.FactorError(f"design point {designs.describe(d)}: {err}") from None
        return dt

    def run(self, replicas: int = 100, horizon: float = 8 * 3600.0, warmup: float = 0.0, seed: int = 0,
            device=None, dt=None, out=None, cluster=None, precision: float | None = None,
            max_replicas: int = 10000, policy=None, progress: bool | None = None) -> "StudyResult":
        """Runs every design point (``replicas`` replicas, common random numbers).

        ``precision``: add replicas to each design point until the CI half-width of the first
        response is within ``precision`` x |mean| (or ``max_replicas``). ``warmup="mser"``: detect the
        warm-up first (MSER-5 pilot on the baseline, twin.study.detect_warmup). ``out``: a folder for the
        Parquet store (a rerun resumes). ``cluster``: None (this process), "local-ray" or
        "ray://host:10001"."""
        from .cluster import executor
        dt = self.common_dt(dt)
        if warmup == "mser":  # a pilot on the baseline design point (twin.study.detect_warmup)
            from .warmup import detect_warmup
            per_rep = [r for r in self.responses if resp.quantile_of(r) is None] or ["wip"]
            _check_settings(replicas, horizon, 0.0, seed, precision, max_replicas)
            warmup = detect_warmup(self.plants[self.baseline], per_rep[0], replicas=min(replicas, 50),
                                   horizon=horizon, seed=seed, device=device, dt=dt, policy=policy).truncation_s
        _check_settings(replicas, horizon, warmup, seed, precision, max_replicas)
        if precision is not None and resp.quantile_of(self.responses[0]) is not None:
            raise StudyError(f"precision applies to the first response, and '{self.responses[0]}' is a pooled "
                             "quantile without per-replica values: list a per-replica response first")
        rs = RunSettings(self.responses, float(horizon), float(warmup), device, dt, policy)
        settings = {"replicas": replicas, "horizon_s": float(horizon), "warmup_s": float(warmup), "seed": seed,
                    "dt_s": dt, "precision": precision, "max_replicas": max_replicas, "policy": repr(policy)}
        meta = {"plant": self.plant.name, "factors": {k: list(v) if not designs.is_range(v) else {"range": list(v)}
                                                      for k, v in self.factors.items()},
                "responses": self.responses, "points": self.points, "baseline": self.baseline,
                "settings": settings, "twin_version": _version()}
        fp = store_mod.fingerprint(store_mod.plant_dict(self.plant), meta)
        st = store_mod.Store(out, fp, meta)
        ex = executor(cluster, self.plant, rs)  # an unreachable cluster fails here, before any run
        t0 = time.perf_counter()
        try:
            done = {p: _from_frame(f, self.responses) for p, f in st.finished().items() if p < len(self.points)}
            data = {p: {"values": {r: [] for r in self.responses}, "hist": 0, "blocks": [], "wall": 0.0}
                    for p in range(len(self.points)) if p not in done}
            block, todo = 0, {p: replicas for p in data}
            while todo:
                tasks = [Task(p, self.points[p], block, n, block_seed(seed, block)) for p, n in todo.items()]
                todo = {}
                for b in ex.map(tasks):  # blocks as they finish: a finished point is saved at once
                    d = data[b.point]
                    for r in self.responses:
                        d["values"][r].append(b.values[r])
                    d["hist"] = d["hist"] + b.hist
                    d["blocks"].append((b.block, len(next(iter(b.values.values())))))
                    d["wall"] += b.wall_s
                    vals = {r: np.concatenate(v) for r, v in d["values"].items()}
                    n = len(vals[self.responses[0]])
                    if precision is not None and n < max_replicas:
                        need = replicas_for_precision(vals[self.responses[0]], precision)
                        if need > n:
                            todo[b.point] = min(max_replicas, max(need, n + 2)) - n
                            d["values"] = {r: [vals[r]] for r in self.responses}
                            continue
                    done[b.point] = _finish(self, b.point, vals, data.pop(b.point), dt)
                    st.save_point(b.point, done[b.point]["frame"])
                block += 1
        finally:
            ex.close()
        result = StudyResult(self, [done[p] for p in range(len(self.points))], settings, fp,
                             time.perf_counter() - t0)
        st.save_all(result.replicas_frame(), result.summary())
        return result


def _version():
    from .. import __version__
    return __version__


def _check_settings(replicas, horizon, warmup, seed, precision, max_replicas):
    for key, v, lo in (("replicas", replicas, 2), ("seed", seed, 0), ("max_replicas", max_replicas, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise StudyError(f"{key} must be an integer >= {lo}, got {v!r}")
    for key, v in (("horizon", horizon), ("warmup", warmup)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise StudyError(f"{key} must be a non-negative number of seconds, got {v!r}")
    if not horizon > warmup:
        raise StudyError(f"warmup ({warmup:g} s) must be shorter than the horizon ({horizon:g} s)")
    if precision is not None and (isinstance(precision, bool) or not isinstance(precision, (int, float))
                                  or not 0 < precision < 1):
        raise StudyError(f"precision is a fraction of the mean in (0, 1), e.g. 0.01 for 1%, got {precision!r}")


def _finish(exp, p, vals, d, dt) -> dict:
    """A finished design point: its per-replica table and pooled quantiles."""
    pooled = {r: pooled_quantile(np.asarray(d["hist"], dtype=np.float64), hist_edges(dt), q)
              for r in exp.responses if (q := resp.quantile_of(r)) is not None}
    blocks = np.concatenate([np.full(n, b) for b, n in d["blocks"]])
    pd = store_mod._pandas() if _has_pandas() else None
    cols = {"point": np.full(len(blocks), p), "replica": np.arange(len(blocks)), "block": blocks}
    cols.update({k: [v] * len(blocks) for k, v in exp.points[p].items()})
    cols.update({r: (np.full(len(blocks), pooled[r]) if r in pooled else vals[r]) for r in exp.responses})
    frame = pd.DataFrame(cols) if pd is not None else None
    return {"values": vals, "pooled": pooled, "frame": frame, "wall_s": d["wall"]}


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
        return True
    except ImportError:
        return False


def _from_frame(frame, responses) -> dict:
    pooled = {r: float(frame[r].iloc[0]) for r in responses if resp.quantile_of(r) is not None}
    vals = {r: frame[r].to_numpy(dtype=np.float64) for r in responses}
    return {"values": vals, "pooled": pooled, "frame": frame, "wall_s": 0.0}


class StudyResult:
    """The results of an experiment: per design point, per response, the per-replica values."""

    def __init__(self, exp: Experiment, points: list, settings: dict, fingerprint: str, wall_s: float):
        self.experiment, self.settings, self.fingerprint, self.wall_s = exp, settings, fingerprint, wall_s
        self.points = exp.points
        self.responses = exp.responses
        self.baseline = exp.baseline
        self._data = points

    def values(self, point: int, response: str) -> np.ndarray:
        """Per-replica values of ``response`` at design point ``point``."""
        return self._data[point]["values"][response]

    def replicas(self, point: int) -> int:
        return len(self._data[point]["values"][self.responses[0]])

    def kpi(self, point: int, response: str) -> dict:
        """{"mean", "ci95", "std", "n"}; a pooled quantile has no CI (NaN)."""
        if response in self._data[point]["pooled"]:
            return {"mean": self._data[point]["pooled"][response], "ci95": math.nan, "std": math.nan,
                    "n": self.replicas(point)}
        return ci(self.values(point, response))

    def difference(self, point: int, response: str, baseline: int | None = None) -> dict:
        """Paired difference (point - baseline) over their common replicas, with its 95% CI."""
        base = self.baseline if baseline is None else baseline
        if resp.quantile_of(response) is not None:
            return {"mean": self.kpi(point, response)["mean"] - self.kpi(base, response)["mean"],
                    "ci95": math.nan, "std": math.nan, "n": 0}
        return paired_difference(self.values(base, response), self.values(point, response))

    def best(self, response: str | None = None) -> int:
        """The design point with the best mean (max for throughput-like responses, else min)."""
        response = response or self.responses[0]
        means = [self.kpi(p, response)["mean"] for p in range(len(self.points))]
        key = [(-m if resp.maximise(response) else m) if math.isfinite(m) else math.inf for m in means]
        return int(np.argmin(key))

    def summary(self) -> list[dict]:
        """One dict per design point: factors, replicas, each response's mean/ci95 and its
        paired difference against the baseline."""
        out = []
        for p, d in enumerate(self.points):
            row = {"point": p, "factors": d, "replicas": self.replicas(p)}
            for r in self.responses:
                k = self.kpi(p, r)
                diff = self.difference(p, r)
                row[r] = {"mean": _num(k["mean"]), "ci95": _num(k["ci95"]),
                          "diff": _num(diff["mean"]), "diff_ci95": _num(diff["ci95"])}
            out.append(row)
        return out

    def to_frame(self):
        """One row per design point: factors, replicas, and per response mean, ci95, diff,
        diff_ci95 (paired difference against the baseline)."""
        pd = store_mod._pandas()
        rows = []
        for s in self.summary():
            row = {"point": s["point"], **s["factors"], "replicas": s["replicas"]}
            for r in self.responses:
                row.update({f"{r}.{k}" if k != "mean" else r: v for k, v in s[r].items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def replicas_frame(self):
        """One row per design point and replica (the Parquet table)."""
        pd = store_mod._pandas()
        return pd.concat([d["frame"] for d in self._data], ignore_index=True)

    def table(self) -> str:
        """A readable table of the design points."""
        fac = list(self.experiment.factors)
        head = "  " + " ".join(f"{f:>14.14}" for f in fac) + f" {'reps':>6} " + \
            " ".join(f"{r:>24.24}" for r in self.responses)
        lines = [f"{self.experiment.plant.name}: {len(self.points)} design points, common random numbers "
                 f"(seed {self.settings['seed']}), baseline = point {self.baseline}", head, "  " + "-" * (len(head) - 2)]
        for s in self.summary():
            cells = []
            for r in self.responses:
                v = s[r]
                cells.append(f"{_fmt(v['mean'])}" + (f" ± {_fmt(v['ci95'])}" if v["ci95"] is not None else ""))
            lines.append("  " + " ".join(f"{designs._fmt(s['factors'][f]):>14.14}" for f in fac) +
                         f" {s['replicas']:>6} " + " ".join(f"{c:>24}" for c in cells))
        best = self.best()
        lines.append(f"  best by {self.responses[0]}: point {best} ({designs.describe(self.points[best])})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.4g}")

    def __repr__(self) -> str:
        return f"<StudyResult {self.experiment.plant.name!r}: {len(self.points)} design points, {self.responses}>"


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.4g}"
