"""Plant -> Model: the plant flattened into struct-of-arrays Warp arrays on one device.

This is the only bridge from element specs to kernels. The Model is derived from the plant and
never edited by hand; per-run values (seed, warm-up, horizon, and each kind's own per-run inputs)
go into a ``layout.Control`` of their own (``Model.control``): a new run copies nothing of the Model.
"""

from __future__ import annotations

import functools
import importlib
import math
from dataclasses import dataclass

import numpy as np
import warp as wp

from .distributions import Distribution
from .elements import KINDS
from .errors import PlantError, TwinError
from .kernels import layout
from .stepclock import INT64_LIMIT
from .kernels import registry


KIND_CODES = {k.name: k.id for k in registry.KINDS}
TIMED_KINDS = tuple(k.id for k in registry.KINDS if k.timed)  # the crew included
FAIL_CODES = {None: layout.FAIL_NONE, "time": layout.FAIL_TIME, "operation": layout.FAIL_OPERATION}
ROUTING_CODES = {"probability": layout.ROUTE_PROBABILITY, "first_available": layout.ROUTE_FIRST_AVAILABLE}
# Per-element Model columns an element fills through Element.kernel_fields: (dtype, default);
# a kind adds the columns of its own params struct ("group.field") as ``kernel_columns``.
ELEMENT_COLUMNS = {
    "bounded": (np.int32, 1),          # 0: unbounded storage (running out is an error)
    "main_dist": (np.int32, -1),       # process / interarrival / delay distribution
    "fail_mode": (np.int32, layout.FAIL_NONE),
    "tbf_dist": (np.int32, -1),
    "ttr_dist": (np.int32, -1),
}
COLUMN_CODES = {"fail_mode": FAIL_CODES}  # columns given as names, stored as codes
WP_DTYPES = {np.int32: wp.int32, np.int64: wp.int64, np.float64: wp.float64}


@dataclass(frozen=True)
class KindStructs:
    """A registered kind with structs of its own (kernels/registry.py ``layout`` and ``fill``):
    its layout module (``FIELD``, ``PARAMS``, ``STATE``, ``CONTROL``, ``TABLES``) and the Python
    module that fills them (``compile_params``, ``state_dims``, ``compile_control`` with
    ``CONTROL_INPUTS``; None: PARAMS comes from kernel_columns)."""

    kind: str
    layout: object
    fill: object


def kind_structs() -> list[KindStructs]:
    """Every registered kind that declares structs of its own, in registry order."""
    out = []
    for e in registry.KINDS:
        if e.layout:
            mod = layout.KIND_LAYOUTS[e.name]
            fill = importlib.import_module(e.fill) if e.fill else None
            if fill is None and mod.STATE is not None:
                raise TypeError(f"kind '{e.name}' declares State tables ({mod.__name__}) but no fill module "
                                "(kernels/registry.py) to size them")
            if fill is None and mod.CONTROL is not None:
                raise TypeError(f"kind '{e.name}' declares a Control struct ({mod.__name__}) but no fill module "
                                "(kernels/registry.py) with compile_control to fill it")
            out.append(KindStructs(e.name, mod, fill))
    return out


def kinds_kernel_modules() -> list:
    """The kernel modules the registered kinds launch outside the engine (a kind's Python module
    lists them in ``KERNEL_MODULES``, names in twin.kernels: a robot's kinematics, a cluster tool's
    recorder), in registry order: what ``twin warmup`` compiles besides the engines."""
    out = []
    for e in registry.KINDS:
        if e.module:
            for name in getattr(importlib.import_module(e.module), "KERNEL_MODULES", ()):
                mod = importlib.import_module(f"twin.kernels.{name}")
                if mod not in out:
                    out.append(mod)
    return out


def element_columns() -> dict:
    """The Model's per-element columns: the common ones and every registered kind's own."""
    out = dict(ELEMENT_COLUMNS)
    for cls in KINDS.values():
        out.update(getattr(cls, "kernel_columns", {}))
    return out


def resolve_device(device=None) -> str:
    """'cpu' unless a device is named; a named device must exist. The CPU is the default even
    where a GPU is: each replica is one GPU thread that runs its events one after the other, and
    on the one GPU measured so far (an H200) a 10,000-replica study took 1.4 times as long as its
    host's 16 cores would (README, "GPU figures"); a study of 100 replicas would use one of its
    132 multiprocessors. CUDA is there on request (device="cuda")."""
    from .warp_runtime import start
    start(device)  # wp.init() without the CUDA-driver line on a CPU machine
    if device is None:
        return "cpu"
    name = str(device)
    try:
        return str(wp.get_device(name))
    except Exception:
        available = ", ".join(str(d) for d in wp.get_devices())
        raise TwinError(f"device '{name}' is not available here (available: {available})") from None


@dataclass
class Model:
    """A compiled plant: element order, step size and the Warp arrays on ``device``."""

    plant: object
    device: str
    dt: float
    names: list[str]
    kinds: list[str]
    capacity: np.ndarray     # [E] servers / places / 1 / 0
    slot_start: np.ndarray   # [E]
    n_slots: int
    arrays: layout.Model     # the kernel struct (per-run inputs are a Control: Model.control)
    n_kernel_elements: int   # the plant's elements, and the maintenance crew if there is one
    n_components: int        # health components

    @property
    def n_elements(self) -> int:
        return len(self.names)

    @property
    def kernel_kinds(self) -> tuple[str, ...]:
        """The kinds the kernels must handle: the plant's, and the crew's if it has one."""
        crew = (registry.CREW,) if self.n_kernel_elements > self.n_elements else ()
        return tuple(dict.fromkeys(self.kinds)) + crew

    def index(self, name: str) -> int:
        return self.names.index(name)

    @functools.cached_property
    def can_lock(self) -> bool:
        """Whether a replica of the plant could ever hold a locked set (twin.deadlock.can_lock): a
        graph search asked after every run, so asked once per model."""
        from .deadlock import can_lock
        return can_lock(self.plant)

    def steps(self, seconds: float) -> int:
        """Whole steps in ``seconds`` (rounded to the nearest step); 2^63 for anything at least
        that long (+inf included), which every caller refuses as a horizon."""
        steps = seconds / self.dt
        return int(round(steps)) if steps < INT64_LIMIT else INT64_LIMIT

    def integral_bound(self, horizon_step: int) -> None:
        """Refuses a run whose time integrals could overflow int64.

        Every integral adds (parts, servers or places held) x (steps) over at most
        ``horizon_step`` steps, so it stays below horizon_step x the most an element can hold;
        the sum of cycle times of the parts that left is at most horizon_step x the most parts the
        whole plant can hold (each part's time in the plant is part of that integral). One check
        of the plant's total before the run covers every accumulator."""
        held = {name: held_bound(self.plant[name], self.plant) for name in self.names}
        total = sum(held.values())
        if horizon_step * total < INT64_LIMIT:
            return
        worst = max(held, key=held.get)
        largest_dt = self.dt * horizon_step * total / (INT64_LIMIT - 1)
        raise PlantError(
            f"a run of {horizon_step} steps of dt = {self.dt:g} s with up to {total} parts in the plant "
            f"({held[worst]} in this element) would overflow the 64-bit time integrals (steps x parts "
            f"< 2^63); use dt > {largest_dt:.3g} s, a shorter horizon or smaller capacities",
            element=worst)

    def control(self, *, seed: int, warmup_step: int, horizon_step: int, replica0: int = 0,
                replicas: int | None = None, **inputs) -> layout.Control:
        """The inputs of one run (or one block of ``replicas`` of its replicas, starting at run
        index ``replica0``): seed, statistics window, and each kind's own per-run part
        (``Control.FIELD``), filled by the kind's fill module from the ``inputs`` it declares
        (``compile_control``, ``CONTROL_INPUTS``; e.g. ``policy``, ``sensor_log``). An input no
        kind declares is refused. The Model is not copied."""
        own = [k for k in kind_structs() if k.layout.CONTROL is not None]
        known = {name for k in own for name in k.fill.CONTROL_INPUTS}
        unknown = sorted(set(inputs) - known)
        if unknown:
            raise TypeError(f"Model.control() got inputs no registered kind takes: {unknown} (known: {sorted(known)})")
        c = layout.Control()
        c.seed = wp.uint64(seed % (1 << 64))
        c.replica0 = int(replica0)
        c.warmup_step = wp.int64(warmup_step)
        c.horizon_step = wp.int64(horizon_step)
        for k in own:  # registry order
            mine = {name: inputs[name] for name in k.fill.CONTROL_INPUTS if name in inputs}
            setattr(c, k.layout.FIELD, k.fill.compile_control(self, int(replica0), replicas, **mine))
        return c


def held_bound(el, plant) -> int:
    """The most parts (or servers, places, wafers) element ``el`` can hold at once: the factor of
    its time integrals."""
    return max(int(el.kernel_capacity(plant)) * int(getattr(el, "wafers_per_lot", 1)),
               int(getattr(el, "wip_limit", 0) or 0), 1)


def check_dt(plant, dt) -> float:
    if dt is None:
        return plant.default_dt()
    if isinstance(dt, np.floating) and not isinstance(dt, np.float64):
        dt = float(str(dt))  # np.float32(0.1) -> 0.1 as written, as simulate() reads it
    elif isinstance(dt, np.integer):
        dt = int(dt)
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not math.isfinite(dt) or dt <= 0:
        raise PlantError(f"must be a positive number of seconds, got {dt!r}", key="dt")
    dt = float(dt)
    for el in plant:
        for key, dist in el.durations().items():
            if dist.mean < dt:
                raise PlantError(f"the mean duration {dist.mean:g} s is shorter than the time step dt = {dt:g} s; "
                                 f"durations are whole steps, so use dt <= {dist.mean / 10:g} s "
                                 f"(the plant's default is {plant.default_dt():g} s)", element=el.name, key=key)
    return dt


def compile_plant(plant, device=None, dt: float | None = None) -> Model:
    """Validates ``plant`` and flattens it onto ``device`` (default: the CPU, see resolve_device)."""
    plant.validate()
    dt = check_dt(plant, dt)
    device = resolve_device(device)
    names = list(plant.elements)
    index = {n: i for i, n in enumerate(names)}
    has_crew = bool(plant.health_components())
    n = len(names) + int(has_crew)  # the maintenance crew is an internal element after the plant's

    dists: list[Distribution] = []

    def dist_id(d: Distribution | None) -> int:
        if d is None:
            return -1
        for i, known in enumerate(dists):
            if known == d:
                return i
        dists.append(d)
        return len(dists) - 1

    kind = np.zeros(n, np.int32)
    capacity = np.zeros(n, np.int32)
    routing = np.zeros(n, np.int32)
    columns = element_columns()
    cols = {name: np.full(n, default, dtype) for name, (dtype, default) in columns.items()}
    for i, name in enumerate(names):
        el = plant[name]
        kind[i] = KIND_CODES[el.kind]
        capacity[i] = el.kernel_capacity(plant)
        routing[i] = ROUTING_CODES.get(getattr(el, "routing", "probability"))
        for col, value in el.kernel_fields(dist_id, dt).items():
            cols[col][i] = COLUMN_CODES[col][value] if col in COLUMN_CODES else value
    bounded, main_dist, fail_mode = cols["bounded"], cols["main_dist"], cols["fail_mode"]
    tbf_dist, ttr_dist = cols["tbf_dist"], cols["ttr_dist"]
    if has_crew:
        kind[n - 1] = KIND_CODES[registry.CREW]
    slot_start = np.concatenate([[0], np.cumsum(capacity)[:-1]]).astype(np.int32)
    n_slots = int(capacity.sum())

    out_start, out_elem, out_cum = [0], [], []
    for name in names + ["(crew)"] * int(has_crew):
        if name == "(crew)":
            out_start.append(len(out_elem))
            continue
        succ = plant.successors(name)
        probs = plant.routing_probabilities(name) \
            if (succ and getattr(plant[name], "routing", "probability") == "probability") \
            else [1.0 / max(len(succ), 1)] * len(succ)
        cum = np.cumsum(probs) if succ else []
        out_elem += [index[s] for s in succ]
        out_cum += list(cum)
        out_start.append(len(out_elem))
    in_start, in_elem = [0], []
    for name in names:
        in_elem += [index[p] for p in plant.predecessors(name)]
        in_start.append(len(in_elem))
    if has_crew:
        in_start.append(len(in_elem))

    # the kinds' own params structs, in registry order (their fill hooks may add distributions)
    own = [k for k in kind_structs() if k.layout.PARAMS is not None]
    params = {k.layout.FIELD: k.fill.compile_params(plant, names, dt, device, dist_id) for k in own if k.fill}
    dist_kind = np.array([d.code for d in dists] or [0], np.int32)
    dist_param = np.array([d.kernel_params() for d in dists] or [(0.0,) * 4], np.float64)
    tables = [d.kernel_table() for d in dists]
    table_start = np.concatenate([[0], np.cumsum([len(t) for t in tables])[:-1]]).astype(np.int32) \
        if tables else np.zeros(1, np.int32)
    table = np.concatenate(tables + [np.zeros(1)]).astype(np.float64)

    def arr(values, dtype):
        return wp.array(np.asarray(values), dtype=dtype, device=device)

    timed = np.flatnonzero(np.isin(kind, TIMED_KINDS)).astype(np.int32)
    m = layout.Model()
    m.n_elem = n
    m.n_timed = len(timed)
    m.timed = arr(timed if len(timed) else np.zeros(1, np.int32), wp.int32)
    timed_leaf = np.full(n, -1, np.int32)
    timed_leaf[timed] = np.arange(len(timed), dtype=np.int32)
    m.timed_leaf = arr(timed_leaf, wp.int32)
    m.tree_leaves = 4 ** ((max(len(timed), 1) - 1).bit_length() + 1 >> 1)  # a power of four >= n_timed (kernels/next_event.py)
    m.kind = arr(kind, wp.int32)
    m.capacity = arr(capacity, wp.int32)
    m.bounded = arr(bounded, wp.int32)
    m.slot_start = arr(slot_start, wp.int32)
    m.main_dist = arr(main_dist, wp.int32)
    m.fail_mode = arr(fail_mode, wp.int32)
    m.tbf_dist = arr(tbf_dist, wp.int32)
    m.ttr_dist = arr(ttr_dist, wp.int32)
    m.routing = arr(routing, wp.int32)
    by_field = {k.layout.FIELD: k.layout for k in own}
    for col in columns:
        if "." in col:  # a column of a kind's params struct without a fill module ("conveyor.transit")
            field, name = col.split(".")
            if field not in params:
                params[field] = by_field[field].PARAMS()
            setattr(params[field], name, arr(cols[col], WP_DTYPES[cols[col].dtype.type]))
    missing = [k.kind for k in own if k.layout.FIELD not in params]
    if missing:
        raise TypeError(f"kinds {missing} declare a params struct that neither a fill module nor kernel_columns fill")
    for field, value in params.items():
        setattr(m, field, layout.struct_ref(value, device))  # after its fields are set: struct_ref copies it
    m.out_start = arr(np.array(out_start, np.int32), wp.int32)
    m.out_elem = arr(np.array(out_elem or [0], np.int32), wp.int32)
    m.out_cum = arr(np.array(out_cum or [1.0], np.float64), wp.float64)
    m.in_start = arr(np.array(in_start, np.int32), wp.int32)
    m.in_elem = arr(np.array(in_elem or [0], np.int32), wp.int32)
    m.dists = layout.Distributions()
    m.dists.kind = arr(dist_kind, wp.int32)
    m.dists.param = arr(dist_param, wp.float64)
    m.dists.table_start = arr(table_start, wp.int32)
    m.dists.table = arr(table, wp.float64)
    m.steps_per_second = wp.float64(1.0 / dt)
    dense = [getattr(m, f) for f in ("timed", "timed_leaf", "kind", "capacity", "bounded", "slot_start", "main_dist",
                                     "fail_mode", "tbf_dist", "ttr_dist", "routing", "out_start", "out_elem", "out_cum",
                                     "in_start", "in_elem")] + [m.dists.kind, m.dists.param, m.dists.table_start,
                                                                m.dists.table]
    if not all(a.is_contiguous for a in dense) or m.dists.param.shape[1] != 4:
        raise RuntimeError("internal: the kernels read the Model's arrays as dense (kernels/loads.py)")
    return Model(plant=plant, device=device, dt=dt, names=names, kinds=[plant[nm].kind for nm in names],
                 capacity=capacity[:len(names)], slot_start=slot_start, n_slots=n_slots, arrays=m,
                 n_kernel_elements=n, n_components=len(plant.health_components()))
