"""Snapshots: the state of a plant at one moment, to start simulations from ("now").

A snapshot lists, per element, what a running line can report: the element's state and the time
it has spent in it, the parts it holds (their age in the plant, a machine server's elapsed process
time or time waiting), a machine's repair or failure clock. Times are seconds before the moment
of the snapshot. A snapshot taken from a simulated run also knows the *remaining* times exactly
(``remaining_s``, ``repair_remaining_s``, ``failure_in_s``, ``arrival_in_s``); a restart uses them
where present, and otherwise draws them conditioned on the elapsed times (twin.live.conditional).
``Snapshot.observed()`` drops what a real line could not know.

Every kind is captured, restored and checked by the snapshot hooks its kernel module exports
(kernels/hooks.py ``SnapshotHooks``, found by the registry): this module names no kind. A kind
without them is refused by name.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np


from ..errors import TwinError
from ..kernels import layout
from ..kernels.hooks import PART_STATUS
from ..kernels.registry import CREW

FORMAT = "twin-snapshot/1"
OBSERVED_HEALTH = ("status", "wear", "age_s", "uses", "signal", "queue_position", "technician",
                   "work_elapsed_s")  # what a line knows of a component and the crew's work on it


class SnapshotError(TwinError, ValueError):
    """A snapshot that does not fit its plant, or a file that is not a snapshot."""


@dataclass
class Part:
    """A part held by an element: its age in the plant (seconds since it left its source) and,
    on a machine server, its status and elapsed time (processing: worked so far; blocked: waited
    since it finished). ``remaining_s``: exact work left, known only in a simulated run."""

    age_s: float = 0.0
    status: str = "waiting"
    elapsed_s: float | None = None
    remaining_s: float | None = None
    position_m: float | None = None  # conveyor: metres from the start of the belt


@dataclass
class ElementState:
    """One element at the moment of the snapshot (fields a kind does not use stay at defaults)."""

    kind: str
    state: str = ""                         # its kind's state codes (the kind's snapshot hooks)
    time_in_state_s: float | None = None
    parts: list[Part] = field(default_factory=list)
    repair_elapsed_s: float | None = None   # down: time since the failure
    repair_remaining_s: float | None = None
    up_elapsed_s: float | None = None       # up: failure clock (time- or operation-dependent) since the repair
    failure_in_s: float | None = None
    arrival_elapsed_s: float | None = None  # an arrival process: time since its interarrival clock restarted
    arrival_in_s: float | None = None
    parts_out: int = 0                      # parts it received so far (information only)
    equipment: dict | None = None           # a kind's own state (robot: its task; cluster tool: its wafers)


@dataclass
class Snapshot:
    """A plant (by name) at ``time_s`` seconds (the clock of whoever took it), element by element."""

    plant: str
    time_s: float
    elements: dict[str, ElementState]
    health: dict[str, dict] = field(default_factory=dict)  # "element.component": wear and clocks (kernels/health.py)

    # ---- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {"format": FORMAT, "plant": self.plant, "time_s": self.time_s,
             "elements": {n: _strip(asdict(e)) for n, e in self.elements.items()}}
        if self.health:
            d["health"] = {n: {k: v for k, v in c.items() if v is not None} for n, c in self.health.items()}
        return d

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    @classmethod
    def from_dict(cls, d: dict, source: str = "snapshot") -> "Snapshot":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise SnapshotError(f"{source}: not a twin snapshot (expected \"format\": \"{FORMAT}\")")
        try:
            els = {}
            for name, e in d["elements"].items():
                e = dict(e)
                parts = [Part(**p) for p in e.pop("parts", [])]
                els[name] = ElementState(parts=parts, **e)
            health = {str(n): dict(c) for n, c in d.get("health", {}).items()}
            return cls(str(d["plant"]), float(d["time_s"]), els, health)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise SnapshotError(f"{source}: malformed snapshot ({err})") from None

    @classmethod
    def load(cls, path) -> "Snapshot":
        path = Path(path)
        try:
            d = json.loads(path.read_text())
        except FileNotFoundError:
            raise SnapshotError(f"{path}: no such snapshot file") from None
        except (OSError, json.JSONDecodeError) as err:
            raise SnapshotError(f"{path}: cannot read the snapshot ({err})") from None
        return cls.from_dict(d, str(path))

    def observed(self) -> "Snapshot":
        """The snapshot without the remaining times and the health components' internal clocks
        (what a running line can report: a component's status, wear, age, uses and readings)."""
        out = Snapshot.from_dict(self.to_dict())
        out.health = {n: {k: v for k, v in c.items() if k in OBSERVED_HEALTH} for n, c in out.health.items()}
        for e in out.elements.values():
            e.repair_remaining_s = e.failure_in_s = e.arrival_in_s = None
            for p in e.parts:
                p.remaining_s = None
            if e.equipment is not None:
                e.equipment = _unremaining(e.equipment)
        return out

    def wip(self) -> int:
        """Parts inside the plant: held by kinds whose parts count in its WIP (Element.in_wip; a
        source's waiting part has not entered yet)."""
        from ..elements import KINDS as classes
        return sum(len(e.parts) for e in self.elements.values() if getattr(classes.get(e.kind), "in_wip", True))

    # ---- validation -----------------------------------------------------------------------------
    def check(self, plant) -> None:
        """Raises SnapshotError naming the element when the snapshot does not fit ``plant``."""
        if self.plant != plant.name:
            raise SnapshotError(f"the snapshot is of plant '{self.plant}', not '{plant.name}'")
        for name in self.elements:
            if name not in plant.elements:
                raise SnapshotError(f"element '{name}': in the snapshot but not in plant '{plant.name}'")
        self._check_health(plant)
        for name in plant.elements:
            kind_hooks(name, plant[name].kind)
        for name in plant.elements:
            el = plant[name]
            if name not in self.elements:
                raise SnapshotError(f"element '{name}': missing from the snapshot")
            _check_element(name, el, self.elements[name], plant)


    def _check_health(self, plant) -> None:
        specs = {f"{h}.{c.name}": c for h, c in plant.health_components()}
        names = list(specs)
        for name in self.health:
            if name not in names:
                raise SnapshotError(f"health component '{name}': in the snapshot but not in plant '{plant.name}'")
        if not names:
            return
        hooks = kind_hooks("(maintenance crew)", CREW)
        for name in names:
            if name not in self.health:
                raise SnapshotError(f"health component '{name}': missing from the snapshot")
            problem = hooks.check(name, self.health[name], specs[name])
            if problem:
                raise SnapshotError(f"health component '{name}': {problem}")


def _strip(d: dict) -> dict:
    """Drops None fields and empty defaults (short files)."""
    out = {}
    for k, v in d.items():
        if v is None or (k in ("state",) and v == "") or (k == "parts_out" and v == 0) or (k == "parts" and not v):
            continue
        out[k] = [_strip(p) for p in v] if k == "parts" else v
    return out


def _unremaining(d):
    """``d`` (a kind's ``equipment``) without its exact remaining times (keys ``*remaining_s``)."""
    if isinstance(d, dict):
        return {k: _unremaining(v) for k, v in d.items() if not k.endswith("remaining_s")}
    if isinstance(d, list):
        return [_unremaining(v) for v in d]
    return d


def _nonneg(name: str, key: str, v) -> None:
    if v is not None and (not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0):
        raise SnapshotError(f"element '{name}': {key} must be a non-negative number of seconds, got {v!r}")


def _check_element(name: str, el, st: ElementState, plant) -> None:
    if st.kind != el.kind:
        raise SnapshotError(f"element '{name}': the snapshot says kind {st.kind}, the plant has a {el.kind}")
    for key in ("time_in_state_s", "repair_elapsed_s", "repair_remaining_s", "up_elapsed_s", "failure_in_s",
                "arrival_elapsed_s", "arrival_in_s"):
        _nonneg(name, key, getattr(st, key))
    for p in st.parts:
        for key in ("age_s", "elapsed_s", "remaining_s", "position_m"):
            _nonneg(name, f"parts.{key}", getattr(p, key))
        if p.status not in PART_STATUS:
            raise SnapshotError(f"element '{name}': unknown part status {p.status!r} "
                                f"(known: {', '.join(PART_STATUS)})")
    n = len(st.parts)
    cap = el.kernel_capacity(plant)
    if n and not cap:
        raise SnapshotError(f"element '{name}': a {el.kind} holds no parts, the snapshot gives {n}")
    if n > cap:
        raise SnapshotError(f"element '{name}': {n} parts in the snapshot, more than its capacity {cap}")
    check = kind_hooks(name, el.kind).check
    problem = check(el, st) if check is not None else None
    if problem:
        raise SnapshotError(f"element '{name}': {problem}")


# ---- snapshots of simulated runs -------------------------------------------------------------------
def from_arrays(model, arrays: dict, replica: int, step: int, time_s: float | None = None) -> Snapshot:
    """The snapshot of ``replica`` of a run whose State (numpy arrays) is at ``step``. Remaining
    times are exact; elapsed processing and repair times are not kept by the kernels (None),
    except blocked and waiting times and part ages, which are."""
    dt = model.dt
    plant = model.plant
    view = CaptureView(model, arrays, replica, step)
    out = {}
    for i, name in enumerate(model.names):
        fields = kind_hooks(name, model.kinds[i]).capture(view, i)
        parts = [Part(**p) for p in fields.pop("parts", [])]
        out[name] = ElementState(model.kinds[i], parts=parts, **fields)
    health = {}
    if model.n_components:  # the crew, an internal element after the plant's
        comps = kind_hooks("(maintenance crew)", CREW).capture(view, model.n_elements)["components"]
        health = {f"{h}.{c.name}": comp for (h, c), comp in zip(plant.health_components(), comps)}
    return Snapshot(plant.name, step * dt if time_s is None else time_s, out, health)


def kind_hooks(name: str, kind: str):
    """The snapshot hooks of a kind (its kernel module's, by the registry), or a SnapshotError."""
    from ..kernels.snapshot import snapshot_hooks
    hooks = snapshot_hooks(kind)
    if hooks is None:
        raise SnapshotError(f"element '{name}': kind {kind} cannot be snapshotted yet (its kernel module "
                            "exports no snapshot hooks)")
    return hooks


class CaptureView:
    """One replica of a run's State (numpy), as a kind's ``capture`` hook reads it."""

    def __init__(self, model, arrays: dict, replica: int, step: int):
        self.model, self.step, self.dt = model, int(step), model.dt
        self.arrays, self.replica = arrays, replica
        self.el64, self.el32 = arrays["el64"][replica], arrays["el32"][replica]
        self.s64, self.s32 = arrays["s64"][replica], arrays["s32"][replica]
        self.slot_start, self.capacity = model.slot_start, model.capacity

    def param(self, path: str) -> np.ndarray:
        """A column of the kernel Model by name ("conveyor.transit")."""
        value = self.model.arrays
        for part in path.split("."):
            value = layout.host_struct(getattr(value, part))
        return value.numpy()

    def spec(self, e: int):
        return self.model.plant[self.model.names[e]]

    def struct(self, name: str) -> np.ndarray:
        """A per-kind State array of this replica by name ("health.f64")."""
        return self.arrays[name][self.replica]

    def seconds(self, steps) -> float:
        return float(int(steps) * self.dt)


class FinalState:
    """A run's State at its horizon, kept on its Results for ``results.snapshot``, with what it
    takes to re-run one of its replicas (``inputs``: seed, warm-up, policy, start). It holds the
    compiled model (Warp arrays), so it is not carried across processes: a pickled copy is empty."""

    def __init__(self, model, arrays: dict, step: int, inputs: dict | None = None):
        self.model, self.arrays, self.step, self.inputs = model, arrays, step, inputs or {}

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.model = self.arrays = self.step = self.inputs = None


def snapshot_of_results(results, replica: int = 0, at=None) -> Snapshot:
    """``results.snapshot(replica, at)``: the state of one replica at ``at`` seconds (None: the
    end of the run). At the horizon it is read from the run's final State; earlier, that one
    replica is simulated again up to ``at`` (its random streams depend only on the seed and its
    index in the run, so the re-run is the run itself, cut at ``at``)."""
    final = getattr(results, "final_state", None)
    if final is None or final.model is None:
        raise SnapshotError("these results keep no final state (loaded from a file, or from another process): "
                            "take the snapshot where the run was made")
    model, arrays, step = final.model, final.arrays, final.step
    n = len(arrays["rep64"])
    if isinstance(replica, bool) or not isinstance(replica, (int, np.integer)) or not 0 <= int(replica) < n:
        raise SnapshotError(f"replica {replica!r} is not in this run of {n} replicas (0 to {n - 1})")
    if at is None:
        return from_arrays(model, arrays, int(replica), step)
    if isinstance(at, str):  # "30min": the units of scene files
        from ..units import api_quantity
        at = api_quantity(at, "time", key="at")
    if isinstance(at, bool) or not isinstance(at, (int, float, np.integer, np.floating)) or not math.isfinite(at):
        raise SnapshotError(f"at must be a time in seconds, got {at!r}")
    k = int(round(float(at) / model.dt))
    if not 0 < k <= step:
        raise SnapshotError(f"a snapshot can be taken inside the run only: at = {float(at):g} s is not in "
                            f"(0, {step * model.dt:g}] s (dt = {model.dt:g} s)")
    if k == step:
        return from_arrays(model, arrays, int(replica), step)
    return rerun(final, int(replica), k)


def rerun(final: FinalState, replica: int, step: int) -> Snapshot:
    """Replica ``replica`` of the run of ``final``, simulated again from its start up to ``step``
    (by the Simulator class that made the run: twin.live does not import the simulator)."""
    inputs = final.inputs
    sim = inputs["simulator"](final.model, 1)
    sim.first_replica = inputs.get("first_replica", 0) + replica
    horizon = step * final.model.dt
    warmup = inputs.get("warmup", 0.0)
    res = sim.run(horizon, warmup=warmup if final.model.steps(warmup) < step else 0.0, seed=inputs.get("seed", 0),
                  policy=inputs.get("policy"), start=inputs.get("start"), progress=False, threads=1)
    return from_arrays(final.model, res.final_state.arrays, 0, step)
