"""Maintenance studies: compare policies, and sweep a policy's interval or threshold.

Every scenario runs the same compiled plant with the same seed, so scenarios share their random
numbers (process times, wear paths, sensor noise): differences between policies are not noise
between runs. A study with an output folder writes each finished scenario to disk at once (complete
or not at all) and, run again, reuses a saved scenario only when its fingerprint matches: a digest
of the whole plant (every field of every element, the crew, the compiled tables), the settings, the
policy and twin itself (version and code). Anything else is recomputed, with one line saying why.

The JSON (``MaintenanceStudy.to_json``, ``twin maintenance --out``) is documented in the README.
With an output folder the study also writes ``replicas.parquet``, one row per policy and replica
with the KPIs as columns, through twin.study's store (``twin.study.read(DIR)`` reads it with
``study.json`` as its metadata), so maintenance and experiment results are analysed the same way.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import PlantError, TwinError
from .. import progress as progress_bars
from ..stats import mean_ci
from .spec import POLICIES, Policy, policy_kind

SCHEMA = "twin.maintenance/1"
SCENARIO_SCHEMA = "twin.maintenance.scenario/1"   # DIR/000.json, ... (resumable scenarios)
KPIS = ("throughput_per_hour", "availability", "failures", "services", "maintenance_hours", "cost",
        "cost_per_good_unit")
MAX_SWEEP = 1000   # values in one sweep: more is a typo, not a study
OBJECTIVES = {"cost_per_good_unit": min, "cost": min, "failures": min, "availability": max,
              "throughput_per_hour": max}


@dataclass
class Scenario:
    """One policy's results: ``kpis`` maps a KPI to {"mean", "ci95"}; ``per_replica`` keeps each
    objective's value per replica (for differences paired by replica, see
    :meth:`MaintenanceStudy.versus_best`)."""

    label: str
    policy: dict
    kpis: dict
    components: dict = field(default_factory=dict)
    wall_time_s: float = 0.0
    per_replica: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        return {"label": self.label, "policy": self.policy, "kpis": self.kpis, "components": self.components,
                "wall_time_s": self.wall_time_s}


@dataclass
class MaintenanceStudy:
    """Scenarios in run order, and the best one by ``objective``."""

    plant: str
    settings: dict
    scenarios: list
    objective: str = "cost_per_good_unit"

    @property
    def best(self) -> Scenario:
        pick = OBJECTIVES[self.objective]
        usable = [s for s in self.scenarios if s.kpis[self.objective]["mean"] is not None]
        return pick(usable, key=lambda s: s.kpis[self.objective]["mean"])

    def table(self) -> str:
        head = f"  {'policy':<34} {'parts/h':>15} {'availability':>15} {'failures':>13} {'services':>13} " \
               f"{'maint. h':>13} {'cost/unit':>17} {'vs best (paired)':>20}"
        lines = [f"{self.plant}: {self.settings['replicas']} replicas x {self.settings['horizon_s'] / 3600:g} h "
                 f"(warm-up {self.settings['warmup_s'] / 3600:g} h), common random numbers", head,
                 "  " + "-" * (len(head) - 2)]

        def cell(k, width, fmt):
            v = s.kpis[k]
            if v["mean"] is None:
                return f"{'-':>{width}}"
            ci = "" if v["ci95"] is None else f"±{format(v['ci95'], fmt)}"
            return f"{format(v['mean'], fmt) + ci:>{width}}"

        best = self.best.label if self.scenarios else None
        fmt = {"cost_per_good_unit": ".4f", "cost": ".1f", "failures": ".2f", "availability": ".4f",
               "throughput_per_hour": ".2f"}[self.objective]
        ties = []

        def versus(s):
            if s.label == best:
                return "-"
            d = self.versus_best(s)
            if d is None or d["mean"] is None:
                return "n/a"
            if d["ci95"] is None:
                return f"{d['mean']:+{fmt}}"
            if abs(d["mean"]) <= d["ci95"]:
                ties.append(s.label)
            return f"{d['mean']:+{fmt}}±{format(d['ci95'], fmt)}"

        idle = []
        for s in self.scenarios:
            mark = " *" if s.label == best else ""
            if never_triggered(s):
                mark += " !"
                idle.append(s.label)
            lines.append(f"  {(s.label + mark):<34} {cell('throughput_per_hour', 15, '.2f')} "
                         f"{cell('availability', 15, '.4f')} {cell('failures', 13, '.2f')} "
                         f"{cell('services', 13, '.2f')} {cell('maintenance_hours', 13, '.1f')} "
                         f"{cell('cost_per_good_unit', 17, '.4f')} {versus(s):>20}")
        lines.append(f"  * best by {self.objective}; vs best: the difference in {self.objective} paired by replica "
                     "(common random numbers)")
        if ties:
            lines.append(f"  tied with the best (the paired interval contains 0): {', '.join(ties)}")
        if idle:
            lines.append("  ! never triggered within the horizon (no service in any replica): the same as "
                         "run to failure here")
        return "\n".join(lines)

    def versus_best(self, s: Scenario) -> dict | None:
        """{"mean", "ci95"} of (this scenario - the best) in the objective, paired by replica: the
        policies share their random numbers, so the paired interval is much narrower than the
        two intervals side by side; one that contains 0 is a tie. None without per-replica values."""
        x, y = s.per_replica.get(self.objective), self.best.per_replica.get(self.objective)
        if x is None or y is None or len(x) != len(y):
            return None
        mean, ci, _, n = mean_ci(np.asarray(x, np.float64) - np.asarray(y, np.float64))
        return {"mean": mean if n else None, "ci95": ci if n > 1 else None}

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "plant": self.plant, "settings": self.settings, "objective": self.objective,
                "best": self.best.label if self.scenarios else None,
                "scenarios": [{**s.to_dict(), "versus_best": self.versus_best(s)} for s in self.scenarios]}

    def replicas_frame(self):
        """One row per policy and replica (a pandas DataFrame): ``point`` (the policy's index in the
        study), ``policy`` (its label), ``replica``, and one column per KPI (KPIS); the same
        table as ``twin.study``'s ``replicas.parquet``. Replica r of every policy shares its random
        numbers, so rows with the same ``replica`` are paired."""
        from ..study.store import _pandas
        pd = _pandas()
        rows = []
        for point, s in enumerate(self.scenarios):
            n = len(s.per_replica[KPIS[0]])
            cols = {"point": np.full(n, point, np.int64), "policy": [s.label] * n,
                    "replica": np.arange(n, dtype=np.int64)}
            cols.update({k: np.array([math.nan if x is None else x for x in s.per_replica[k]], np.float64)
                         for k in KPIS})
            rows.append(pd.DataFrame(cols))
        columns = ["point", "policy", "replica", *KPIS]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)

    def to_parquet(self, path) -> Path:
        """Writes :meth:`replicas_frame` as Parquet (twin.study.store: complete or not at all)."""
        from ..study.store import write_table
        return write_table(path, self.replicas_frame())

    def to_json(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_json(path, self.to_dict())
        return path


def never_triggered(s: Scenario) -> bool:
    """A preventive policy that did not start one service in any replica."""
    kinds = {p.get("kind") for p in s.policy.values()} if isinstance(s.policy, dict) else set()
    services = s.kpis.get("services", {}).get("mean")
    preventive = any(POLICIES[k].preventive if k in POLICIES else True for k in kinds)  # unknown: as before
    return preventive and services == 0


def _write_json(path: Path, data: dict) -> None:
    from ..files import write_text
    write_text(path, json.dumps(data, indent=2) + "\n", "maintenance results")


# ---- fingerprints: what a saved scenario was computed from -------------------------------------
def _canonical(obj):
    """A JSON-able, order-preserving image of a spec object: every dataclass field (defaults
    included), dict, sequence and array; floats by repr so 0.1 and 0.1000001 differ."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__qualname__, [[f.name, _canonical(getattr(obj, f.name))] for f in dataclasses.fields(obj)]]
    if isinstance(obj, dict):
        return ["dict", [[_canonical(k), _canonical(v)] for k, v in obj.items()]]
    if isinstance(obj, (list, tuple)):
        return [type(obj).__name__, [_canonical(v) for v in obj]]
    if isinstance(obj, np.ndarray):
        return ["ndarray", str(obj.dtype), list(obj.shape), hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()]
    if isinstance(obj, (bool, str, type(None))):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return repr(float(obj))
    if hasattr(obj, "__dict__"):
        return [type(obj).__qualname__, _canonical(dict(vars(obj)))]
    return [type(obj).__qualname__, repr(obj)]


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, separators=(",", ":")).encode()).hexdigest()[:32]


def plant_digest(plant, model=None) -> str:
    """Digest of everything in ``plant`` that can change a result: name, storage, crew, every
    element's full spec (costs, health components, ...), every transfer with its probability,
    and, given ``model``, every compiled table."""
    spec = {"name": plant.name, "unbounded_storage": plant.unbounded_storage,
            "crew": _canonical(getattr(plant, "crew", None)),
            "elements": [[n, _canonical(el)] for n, el in plant.elements.items()],
            "transfers": [[a, b, _canonical(dict(d))] for a, b, d in plant.graph.edges(data=True)],
            "extra": _canonical({k: v for k, v in vars(plant).items()
                                 if k not in ("name", "unbounded_storage", "crew", "graph")})}
    if model is not None:
        tables = []
        from ..kernels import layout
        for name in layout.Model.vars:
            tables.append([name, _table(getattr(model.arrays, name))])
        spec["compiled"] = tables
    return _digest(spec)


def _table(v):
    """A compiled table's contents. A struct table (layout.struct_ref) is hashed by its host
    struct's fields, never by its own bytes: those are device pointers, which differ between two
    compiles of the same plant (the same plant would then look changed)."""
    v = getattr(v, "host", v)
    cls = getattr(v, "_cls", None)
    if cls is not None and hasattr(cls, "vars"):  # a Warp struct instance
        return ["struct", [[n, _table(getattr(v, n))] for n in cls.vars]]
    if hasattr(v, "numpy"):
        return _canonical(v.numpy())
    return _canonical(v) if isinstance(v, (bool, int, float, np.generic, type(None))) else repr(v)


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """twin's version and a digest of its Python and kernel sources: results saved by another
    twin (an upgrade, a local edit) are recomputed."""
    from .. import __version__
    from .. import kernels
    h = hashlib.sha256(__version__.encode())
    for root in (Path(__file__).resolve().parents[1], Path(kernels.__file__).resolve().parent):
        for f in sorted(root.rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}"


FINGERPRINT_PARTS = {"plant": "a different plant", "settings": "different settings", "policy": "a different policy",
                     "twin": "another twin (version or code)"}


def _fingerprint(plant_hash: str, settings: dict, policy) -> dict:
    return {"plant": plant_hash, "settings": _digest(settings), "policy": _digest(_policy_dict(policy)),
            "twin": code_digest()}


def _note(message: str) -> None:
    """One line on stderr (the study goes on)."""
    print(f"twin: {message}", file=sys.stderr)


def _load_saved(path: Path, fingerprint: dict, label: str):
    """The saved Scenario at ``path`` if it was computed from exactly this fingerprint, else None
    (after one line naming the file and why it is recomputed)."""
    def redo(why: str):
        _note(f"{path}: {why}; recomputing it")
        return None

    try:
        raw = path.read_bytes()
    except OSError as err:
        return redo(f"cannot be read ({err.strerror or err})")
    if not raw.strip():
        return redo("is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return redo("is not a text file")
    except json.JSONDecodeError:
        return redo("is not complete JSON (truncated or not a twin file)")
    if not isinstance(data, dict) or data.get("schema") != SCENARIO_SCHEMA:
        return redo(f"is not a twin maintenance scenario (no schema {SCENARIO_SCHEMA!r})")
    saved = data.get("fingerprint")
    if not isinstance(saved, dict):
        return redo("has no fingerprint")
    changed = [what for key, what in FINGERPRINT_PARTS.items() if saved.get(key) != fingerprint[key]]
    if changed:
        return redo(f"was computed for {', '.join(changed)}")
    try:
        s = data["scenario"]
        per = {k: [math.nan if x is None else float(x) for x in v] for k, v in s["per_replica"].items()}
        if set(KPIS) - set(per):
            return redo("is incomplete")
        return Scenario(label, s["policy"], s["kpis"], s["components"], float(s["wall_time_s"]), per)
    except (KeyError, TypeError, ValueError):
        return redo("is incomplete")


def _policy_dict(policy) -> dict:
    if isinstance(policy, Policy):
        return {"*": {"kind": policy.kind, "value": policy.value, "signal": policy.signal}}
    return {k: {"kind": p.kind, "value": p.value, "signal": p.signal} for k, p in policy.items()}


def natural_duration(seconds: float) -> str:
    """172800 -> '48 h', 5400 -> '90 min', 45 -> '45 s': the unit a person would type."""
    for unit, size in (("h", 3600.0), ("min", 60.0)):
        if seconds >= size and (seconds >= 2 * 3600 or seconds % size == 0 or unit == "min"):
            return f"{seconds / size:.4g} {unit}"
    return f"{seconds:.4g} s"


def policy_label(policy: Policy) -> str:
    """A policy as its kind and value, durations in hours or minutes (not 172800 s)."""
    if POLICIES[policy.kind].in_seconds:
        return f"{policy.kind}({natural_duration(policy.value)})"
    return policy.label


def _label(policy) -> str:
    if isinstance(policy, Policy):
        return policy_label(policy)
    return "; ".join(f"{k}: {policy_label(p)}" for k, p in policy.items())


def _scenario(label: str, policy, res, wall: float) -> Scenario:
    mt = res.maintenance
    kpis = {"throughput_per_hour": res.throughput.to_dict()}
    for k in KPIS[1:]:
        kpis[k] = mt[k].to_dict()
    comps = {name: {k: v.to_dict() for k, v in d.items()} for name, d in mt["components"].items()}
    per = res.per_replica
    values = {k: per["throughput_per_hour"] if k == "throughput_per_hour" else per["maintenance"][k]
              for k in KPIS}
    return Scenario(label, _policy_dict(policy), kpis, comps, wall, per_replica={
        k: [float(x) if math.isfinite(x) else None for x in np.asarray(v, np.float64)] for k, v in values.items()})


def compare(plant, policies, *, replicas: int = 1000, horizon: float = 30 * 24 * 3600.0, warmup: float = 0.0,
            seed: int = 0, device=None, dt: float | None = None, objective: str = "cost_per_good_unit",
            out_dir=None, progress: bool | None = None) -> MaintenanceStudy:
    """Runs each policy (a Policy, a dict of Policies by "element.component", or a
    {label: policy} dict of either) on ``plant`` and returns the study. ``out_dir``: write each
    finished scenario there as ``<n>.json`` plus ``study.json``, and reuse saved scenarios.
    ``progress``: None/True/False (one bar over all policies, advanced per simulated chunk) or a
    function called with the fraction of the whole study done."""
    from ..model import compile_plant
    from ..simulator import Simulator
    if not plant.health_components():
        raise PlantError("the plant has no health components: add HealthComponent(...) to the 'health' "
                         "of a machine, conveyor or robot to study maintenance")
    if objective not in OBJECTIVES:
        raise TwinError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if isinstance(policies, dict) and _is_labelled(policies, plant):
        items = list(policies.items())
    else:
        items = [(_label(p), p) for p in (policies if isinstance(policies, (list, tuple)) else [policies])]
    if not items:
        raise TwinError("no policies to compare")
    out = None
    if out_dir is not None:
        from ..files import check_output_dir
        out = check_output_dir(out_dir, "maintenance output folder")
    model = compile_plant(plant, device=device, dt=dt)
    sim = Simulator(model, replicas)
    settings = {"replicas": replicas, "horizon_s": float(horizon), "warmup_s": float(warmup), "seed": seed,
                "dt_s": model.dt, "device": model.device}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        plant_hash = plant_digest(plant, model)
        table = _can_write_parquet(out)
    bar = progress_bars.for_run(progress, f"{plant.name}", len(items), unit="policies")
    scenarios = []
    for i, (label, policy) in enumerate(items):
        saved = out / f"{i:03d}.json" if out is not None else None
        fingerprint = _fingerprint(plant_hash, settings, policy) if saved is not None else None
        if saved is not None and saved.exists():
            reused = _load_saved(saved, fingerprint, label)
            if reused is not None:
                scenarios.append(reused)
                bar.update(i + 1)
                continue
        t0 = time.perf_counter()
        per_chunk = (lambda frac, i=i: bar.update(i + frac)) if bar.enabled else False  # one bar, every chunk
        res = sim.run(horizon, warmup, seed=seed, policy=policy, progress=per_chunk)
        scenarios.append(_scenario(label, policy, res, time.perf_counter() - t0))
        if saved is not None:
            _write_json(saved, {"schema": SCENARIO_SCHEMA, "fingerprint": fingerprint, "settings": settings,
                                "scenario": {**scenarios[-1].to_dict(), "per_replica": scenarios[-1].per_replica}})
        bar.update(i + 1)
    bar.close()
    study = MaintenanceStudy(plant.name, settings, scenarios, objective)
    if out is not None:
        if table:
            study.to_parquet(out / "replicas.parquet")
        study.to_json(out / "study.json")
    return study


def _can_write_parquet(out: Path) -> bool:
    """Whether pandas and pyarrow are here for ``replicas.parquet``; if not, one line says so (the
    JSON files are written all the same) before anything runs."""
    from ..study.store import _pandas
    try:
        _pandas()
    except TwinError:
        _note(f"{out / 'replicas.parquet'} will not be written: it needs pandas and pyarrow "
              "(pip install 'twin[study]'); the JSON files are")
        return False
    return True


def _is_labelled(policies: dict, plant) -> bool:
    """{label: policy} rather than {"element.component": Policy} (keys naming plant elements)."""
    return not any(k == "*" or k.partition(".")[0] in plant for k in policies)


def sweep(plant, kind: str, values, *, signal: str = "vibration", **study) -> MaintenanceStudy:
    """Runs one policy kind at each value (intervals and lead times in seconds, uses, or signal
    levels) plus run-to-failure as the reference; ``.best`` is the cheapest (by the objective)."""
    swept = {name: k for name, k in POLICIES.items() if k.read is not None}  # the kinds that take a value
    if kind not in swept:
        raise TwinError(f"a sweep needs one of {', '.join(swept)}, got {kind!r}")
    on = {"signal": signal} if swept[kind].on_signal else {}

    def build(v: float) -> Policy:
        return Policy(kind, float(v), **on)
    values = [float(v) for v in values]
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        raise TwinError(f"sweep values must be positive numbers, got {values!r}")
    policies = {"run_to_failure": Policy.run_to_failure()}
    policies.update({policy_label(build(v)): build(v) for v in values})
    return compare(plant, policies, **study)


def parse_sweep(text: str) -> tuple[str, list[float], str]:
    """'time:10h..200h/20', 'usage:1000..20000/10', 'predictive:2h..48h/8',
    'condition:vibration:4..9/11' -> (kind, values, signal): the values are evenly spaced."""
    name, _, rest = text.partition(":")
    known = policy_kind(name)
    kind = known.name if known is not None else name  # an unknown kind: sweep() names the known ones
    signal = "vibration"
    if known is not None and known.on_signal:  # condition:vibration:4..9/11 (shell-safe) or 'condition:vibration>=4..9/11'
        signal, _, rest = rest.replace(">=", ":").replace(">", ":").partition(":")
    span, _, count = rest.partition("/")
    lo, _, hi = span.partition("..")
    if not (lo and hi and count):
        raise TwinError(f"a sweep is KIND:LOW..HIGH/COUNT, e.g. time:10h..200h/20, got {text!r}")
    parse = known.read if known is not None and known.read is not None else float
    try:
        a, b = parse(lo), parse(hi)
    except (ValueError, TypeError, TwinError) as err:
        raise TwinError(f"cannot read the sweep {text!r}: {err}") from None
    if not count.strip().isdigit() or not 1 <= int(count) <= MAX_SWEEP:
        raise TwinError(f"a sweep's COUNT must be a whole number from 1 to {MAX_SWEEP}, got {count!r} in {text!r}")
    n = int(count)
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0 or b <= 0:
        raise TwinError(f"a sweep's LOW and HIGH must be positive and finite, got {text!r}")
    if n == 1 and a != b:
        raise TwinError(f"a sweep of 1 value needs LOW = HIGH, got {text!r}; use COUNT >= 2")
    return kind, [float(v) for v in np.linspace(a, b, n)], signal.strip()
