"""Element specs: what a user says about each piece of equipment. Pure data, no Warp.

Every element has a unique ``name`` and may carry a layout ``position`` (x, y, z in metres, the
centre of its footprint on the floor) and ``size`` (dx, dy, dz in metres) for rendering. Elements
with outputs route each finished part to one successor: ``routing="probability"`` draws the
successor from the edge probabilities when the part becomes ready and the part then waits for that
successor; ``routing="first_available"`` hands the part to the first successor (in connection
order) that can take it.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import KW_ONLY, dataclass, fields
from typing import ClassVar

import numpy as np

from . import distributions as dists
from .distributions import Distribution
from .maintenance.spec import HealthComponent
from .errors import PlantError
from .look import Look
from .stepclock import whole_steps

ROUTING_RULES = ("probability", "first_available")
FAILURE_MODES = ("time", "operation")


def _as_dist(value, element: str, key: str) -> Distribution:
    try:
        return dists.from_dict(value)
    except PlantError as err:
        raise err.located(element=element, key_prefix=key) from None


def _vector3(value, element: str, key: str):
    if value is None:
        return None
    try:
        vals = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise PlantError(f"must be three numbers (metres), got {value!r}", element=element, key=key) from None
    if len(vals) == 2:
        vals = (vals[0], vals[1], 0.0)
    if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
        raise PlantError(f"must be three finite numbers (x, y, z in metres), got {value!r}",
                         element=element, key=key)
    return vals


def _health_components(value, element: str, parts: tuple[str, ...] = (), part_required: bool = True) -> tuple:
    """Health components of an element (twin.maintenance.HealthComponent or their tables).
    ``parts``: the names a component's ``part`` may take (a cluster tool's robots and chambers, a
    robot arm's joints); with ``part_required`` one of them must be given. Empty: the element has
    no parts and ``part`` must be empty."""
    from .maintenance.spec import HealthComponent
    if value is None:
        return ()
    if isinstance(value, (HealthComponent, dict)):
        value = (value,)
    out = []
    for i, c in enumerate(value):
        try:
            out.append(c if isinstance(c, HealthComponent) else HealthComponent(**c))
        except PlantError as err:
            name = c.get("name", i) if isinstance(c, dict) else i
            raise err.located(element=element, key_prefix=f"health[{name}]") from None
        except TypeError as err:
            raise PlantError(f"bad health component: {err}", element=element, key=f"health[{i}]") from None
    for c in out:
        key = f"health[{c.name}].part"
        if parts and c.part not in parts and (c.part or part_required):
            shown = ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")
            what = f"names part {c.part!r}, which this element does not have" if c.part else "needs a part"
            raise PlantError(f"the component {what}: give part = one of {shown}", element=element, key=key)
        if not parts and c.part:
            raise PlantError(f"part {c.part!r} is only for components on a cluster tool (its robots and chambers) "
                             "or a robot arm (its joints); here the component belongs to the whole element: leave "
                             "part out", element=element, key=key)
    names = [c.name for c in out]
    for n in names:
        if names.count(n) > 1:
            raise PlantError(f"two health components are named {n!r}", element=element, key="health")
    return tuple(out)


MAX_COUNT = 2 ** 31 - 1  # counts (servers, places) live in the simulator's 32-bit tables


def _count(value, element: str, key: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PlantError(f"must be an integer >= {minimum}, got {value!r}", element=element, key=key)
    if value > MAX_COUNT:
        raise PlantError(f"must be an integer from {minimum} to {MAX_COUNT} (the simulator's 32-bit tables), "
                         f"got {value!r}", element=element, key=key)
    return value


@dataclass
class Holding:
    """How an element that holds parts stands in every replica (what ``Element.holding`` returns, for twin/deadlock.py):
    ``full`` [R]: no room now, and none can come unless a part leaves it; ``waits``: [R] int arrays,
    the destination of each part that may leave it (-1: any successor); ``since`` [R]: the last
    step a part arrived or finished in it."""

    full: np.ndarray
    waits: list
    since: np.ndarray


@dataclass(frozen=True)
class Failures:
    """Breakdowns of a machine.

    ``tbf``: up time between a repair and the next failure. ``ttr``: time to repair.
    ``mode="time"``: the failure clock runs whatever the machine does (time-dependent);
    ``mode="operation"``: it runs only while the machine processes a part (operation-dependent).
    A failure stops every server of the machine; parts in process resume where they stopped
    after the repair (preempt-resume).
    """

    tbf: Distribution
    ttr: Distribution
    mode: str = "time"

    def __post_init__(self):
        object.__setattr__(self, "tbf", _as_dist(self.tbf, None, "tbf"))
        object.__setattr__(self, "ttr", _as_dist(self.ttr, None, "ttr"))
        if self.mode not in FAILURE_MODES:
            raise PlantError(f"must be one of {', '.join(FAILURE_MODES)}, got {self.mode!r}", key="mode")

    @property
    def availability(self) -> float:
        """Long-run fraction of time up: MTBF / (MTBF + MTTR)."""
        return self.tbf.mean / (self.tbf.mean + self.ttr.mean)

    def to_dict(self) -> dict:
        return {"tbf": self.tbf.to_dict(), "ttr": self.ttr.to_dict(), "mode": self.mode}


@dataclass
class Element:
    name: str
    _: KW_ONLY
    position: tuple | None = None
    size: tuple | None = None

    kind: ClassVar[str] = "element"
    has_inputs: ClassVar[bool] = True
    has_outputs: ClassVar[bool] = True
    # True: a part can pass through this kind with no time passing (twin/plant.py refuses a
    # loop of such elements: parts would circulate forever inside one step)
    zero_time: ClassVar[bool] = False
    saturated: ClassVar[bool] = False  # a Source with no interarrival time: a part always ready
    KPIS: ClassVar[tuple[str, ...]] = ("throughput_per_hour",)  # the kind's KPIs in Results, in order
    in_wip: ClassVar[bool] = False  # the parts it holds count in the plant's WIP
    look: ClassVar[Look] = Look()  # how it is drawn (twin/look.py): renderers ask this, never the kind
    # the run checks (twin/invariants.py) and the bottleneck (twin/results.py) ask these:
    server_time: ClassVar[tuple[str, ...]] = ()  # acc columns that add up to servers x window steps
    kpis_defined: ClassVar[bool] = False  # its KPIs (but energy per item) are numbers in every run
    bottleneck_candidate: ClassVar[bool] = False  # may be the plant's bottleneck (active-period method)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise PlantError(f"an element name must be a non-empty string, got {self.name!r}", key="name")
        self.position = _vector3(self.position, self.name, "position")
        self.size = _vector3(self.size, self.name, "size")
        if self.size is not None and not all(v > 0 for v in self.size):
            raise PlantError(f"must be three positive lengths in metres, got {self.size!r}",
                             element=self.name, key="size")
        routing = getattr(self, "routing", "probability")
        if routing not in ROUTING_RULES:
            raise PlantError(f"must be one of {', '.join(ROUTING_RULES)}, got {routing!r}",
                             element=self.name, key="routing")

    def floor_position(self):
        """Where it stands in the scene (metres), or None: the renderers place it there."""
        return self.position

    def items_drawn(self, held: int) -> int:
        """How many of the ``held`` parts an animation draws on it (``look.items == "stack"``)."""
        return held

    def unit_labels(self, units) -> list[str] | None:
        """Names of the recorded ``units`` (a ``twin.look.Units`` of its look) in an event log, in
        unit order, or None: ``<units.label><k + 1>``."""
        return None

    def belt_metres_per_step(self, dt: float) -> float | None:
        """Metres an item on it moves per step when a recording tracks its items' positions along
        a belt (twin.Recorded: ``belts``), else None."""
        return None

    def holds_at_most(self, plant) -> float:
        """Parts it can hold (math.inf when unbounded): a loop of such elements can fill up and
        deadlock (twin/deadlock.py)."""
        return float(self.kernel_capacity(plant))

    def holding(self, view, e: int):
        """How it holds parts at the end of a run (a ``Holding`` for every replica,
        read through ``view``, a ``twin.deadlock.StateView``), or None: a kind that returns None
        is never counted in a locked set (its room depends on more than its contents)."""
        return None

    def durations(self) -> dict[str, Distribution]:
        """Every distribution of this element by key (for validation and the default dt)."""
        return {}

    def kernel_capacity(self, plant) -> int:
        """Part slots the simulator reserves for this element in every replica."""
        return 0

    def check(self, plant) -> None:
        """Kind-specific checks against the plant (connections, targets); raises PlantError."""

    def kernel_fields(self, dist_id, dt: float) -> dict:
        """This element's values of the Model's per-element columns (twin/model.py
        ELEMENT_COLUMNS), by column name; ``dist_id(d)`` registers a distribution and gives its
        index. Unnamed columns keep their defaults."""
        return {}

    def load_units_per_use(self, dt: float) -> float | None:
        """Counter units (E_USES, or the kind's ``uses`` hook) per use of load-driven wear, for
        kinds that measure a load; None: the kind wears by cycles only."""
        return None

    @classmethod
    def summary_lines(cls, results) -> list[str]:
        """Lines of its own this kind adds to ``Results.summary()`` (once per kind present)."""
        return []

    def kpis(self, run) -> dict:
        """Per-replica KPIs besides ``throughput_per_hour`` (arrays of length R) from ``run``, a
        twin.results.ElementRun (the element's window integrals decoded by name)."""
        return {}

    def to_dict(self) -> dict:
        """Scene-file table (without the name); distributions as tables, times in seconds."""
        out = {"kind": self.kind}
        for f in fields(self):
            if f.name in ("name", "_"):
                continue
            v = getattr(self, f.name)
            if v is None or (f.default is not None and v == f.default):
                continue
            if isinstance(v, (Distribution, Failures)):
                v = v.to_dict()
            elif f.name == "health":
                from .maintenance.spec import _component_dict
                if not v:
                    continue
                v = [_component_dict(c) for c in v]
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out


@dataclass(kw_only=True)
class Source(Element):
    """Releases parts into the line. ``interarrival=None`` makes it saturated: a new part is
    always ready the moment the previous one leaves. A source whose successor is full holds its
    part; its interarrival clock restarts when that part leaves (it never loses a part)."""

    interarrival: Distribution | None = None
    routing: str = "probability"
    kind: ClassVar[str] = "source"
    has_inputs: ClassVar[bool] = False
    look: ClassVar[Look] = Look("arrow", "#7cb87c", (1.2, 1.0, 1.0), state_colored=False)

    def __post_init__(self):
        super().__post_init__()
        if self.interarrival is not None:
            self.interarrival = _as_dist(self.interarrival, self.name, "interarrival")

    @property
    def saturated(self) -> bool:
        return self.interarrival is None

    KPIS: ClassVar[tuple[str, ...]] = ("blocked", "throughput_per_hour")

    def kernel_capacity(self, plant) -> int:
        return 1

    def durations(self):
        return {} if self.interarrival is None else {"interarrival": self.interarrival}

    def kernel_fields(self, dist_id, dt):
        return {"main_dist": dist_id(self.interarrival)}

    def kpis(self, run):
        """``blocked``: fraction of time a part waited for room (NaN when saturated)."""
        if self.saturated:
            return {"blocked": run.nan()}
        return {"blocked": run.acc("blocked") / run.window_steps}


@dataclass(kw_only=True)
class Machine(Element):
    """Processes one part per server for a random ``process`` time. A finished part stays on its
    server until a successor takes it (blocking after service)."""

    process: Distribution
    servers: int = 1
    failures: Failures | None = None
    health: tuple[HealthComponent, ...] = ()
    routing: str = "probability"
    kind: ClassVar[str] = "machine"
    look: ClassVar[Look] = Look("plinth", "#7895b8", (2.0, 1.5, 1.8), items="stack")
    server_time: ClassVar[tuple[str, ...]] = ("busy", "blocked", "idle", "down", "service")
    kpis_defined: ClassVar[bool] = True
    bottleneck_candidate: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        self.process = _as_dist(self.process, self.name, "process")
        self.servers = _count(self.servers, self.name, "servers")
        if self.failures is not None:
            if isinstance(self.failures, dict):
                try:
                    self.failures = Failures(**self.failures)
                except TypeError as err:
                    raise PlantError(f"needs tbf, ttr and optionally mode ({err})", element=self.name,
                                     key="failures") from None
                except PlantError as err:
                    raise err.located(element=self.name, key_prefix="failures") from None
            if not isinstance(self.failures, Failures):
                raise PlantError(f"must be a twin.Failures, got {self.failures!r}", element=self.name,
                                 key="failures")
            try:
                self.failures = Failures(self.failures.tbf, self.failures.ttr, self.failures.mode)
            except PlantError as err:
                raise err.located(element=self.name, key_prefix="failures") from None
        self.health = _health_components(self.health, self.name)

    KPIS: ClassVar[tuple[str, ...]] = ("utilization", "blocked", "starved", "down", "service", "queue",
                                       "throughput_per_hour")
    in_wip: ClassVar[bool] = True

    def kernel_capacity(self, plant) -> int:
        return self.servers

    def kernel_fields(self, dist_id, dt):
        out = {"main_dist": dist_id(self.process)}
        if self.failures is not None:
            out.update(fail_mode=self.failures.mode, tbf_dist=dist_id(self.failures.tbf),
                       ttr_dist=dist_id(self.failures.ttr))
        return out

    def items_drawn(self, held: int) -> int:
        """Parts on its servers, at most six drawn."""
        return min(held, self.servers, 6)

    def holding(self, view, e: int):
        """Full when every server holds a part; a finished part may leave for its drawn destination."""
        return Holding(view.count(e) == view.capacity(e), view.finished_dests(e), view.last_slot_step(e))

    def kpis(self, run):
        """Fractions of server time busy, blocked, starved, down and in service; ``queue``: mean
        parts held."""
        server_steps = run.capacity * run.window_steps
        return dict(utilization=run.acc("busy") / server_steps, blocked=run.acc("blocked") / server_steps,
                    starved=run.acc("idle") / server_steps, down=run.acc("down") / server_steps,
                    service=run.acc("service") / server_steps, queue=run.held)

    def durations(self):
        out = {"process": self.process}
        if self.failures is not None:
            out["failures.tbf"] = self.failures.tbf
            out["failures.ttr"] = self.failures.ttr
        for c in self.health:
            out.update(c.durations())
        return out

    @property
    def capacity_per_hour(self) -> float:
        """Parts per hour this machine can make, failures included."""
        a = self.failures.availability if self.failures else 1.0
        return 3600.0 * self.servers * a / self.process.mean


@dataclass(kw_only=True)
class Buffer(Element):
    """A FIFO queue. ``capacity=None`` is unbounded: the simulator then reserves
    ``Plant.unbounded_storage`` places per replica and reports an error if a replica outgrows them
    (the line was unstable)."""

    capacity: int | None = None
    routing: str = "probability"
    kind: ClassVar[str] = "buffer"
    kpis_defined: ClassVar[bool] = True
    look: ClassVar[Look] = Look("rack", "#c9a36b", (1.5, 0.6, 0.9), state_colored=False, items="stack")
    zero_time: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        if self.capacity is not None:
            self.capacity = _count(self.capacity, self.name, "capacity")

    KPIS: ClassVar[tuple[str, ...]] = ("queue", "full", "empty", "throughput_per_hour")
    in_wip: ClassVar[bool] = True

    def kernel_capacity(self, plant) -> int:
        return plant.unbounded_storage if self.capacity is None else self.capacity

    def holds_at_most(self, plant) -> float:
        return math.inf if self.capacity is None else float(self.capacity)

    def holding(self, view, e: int):
        """A bounded buffer is full at capacity (an unbounded one never is); only its front part can leave."""
        full = view.count(e) == view.capacity(e) if self.capacity is not None else np.zeros(view.replicas, bool)
        return Holding(full, [view.front_dest(e)], view.last_slot_step(e))

    def kernel_fields(self, dist_id, dt):
        return {"bounded": int(self.capacity is not None)}

    def kpis(self, run):
        """``queue``: mean parts held; ``full``/``empty``: fractions of time."""
        return dict(queue=run.held, full=run.acc("full") / run.window_steps, empty=run.acc("idle") / run.window_steps)


@dataclass(kw_only=True)
class Sink(Element):
    """Where finished parts leave the plant; it always accepts. ``scrap=True``: parts that arrive
    here are not good units (they count in throughput but not in cost per good unit)."""

    scrap: bool = False
    kind: ClassVar[str] = "sink"
    kpis_defined: ClassVar[bool] = True
    look: ClassVar[Look] = Look("bin", "#8f8f8f", (1.2, 1.0, 1.0), state_colored=False)
    has_outputs: ClassVar[bool] = False

    @property
    def good_units(self) -> bool:
        """Parts that reach this sink are good units."""
        return not self.scrap


def _positive_number(value, element: str, key: str, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise PlantError(f"must be a positive number ({unit}), got {value!r}", element=element, key=key)
    return float(value)


def _non_negative_number(value, element: str, key: str, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise PlantError(f"must be a non-negative number ({unit}), got {value!r}", element=element, key=key)
    return float(value)


@dataclass(kw_only=True)
class Conveyor(Element):
    """A belt conveyor between two elements: it holds floor(length / pitch) items and moves them
    at ``speed``. An item enters when fewer items are on the belt and the last one is at least one
    ``pitch`` from the start; it needs length / speed to reach the end, where it waits until the
    next element takes it. ``accumulating=True``: items queue at pitch spacing behind it while the
    belt keeps running; ``False``: the whole belt stops. Saturated, the belt passes
    min(speed / pitch, floor(length / pitch) * speed / length) items per second: speed / pitch
    when the length is a whole number of pitches.

    ``path``: the belt's centre line as 3-D points (metres), from start to end, for rendering;
    if given, ``length`` may be omitted (it is then the path's length) and must match it.
    Motor: the belt draws ``idle_power`` (W) while it runs plus ``power_per_item`` (W) for every
    item on it; the energy per item conveyed is reported.
    """

    speed: float
    pitch: float
    length: float | None = None
    accumulating: bool = True
    path: tuple | None = None
    idle_power: float = 0.0
    power_per_item: float = 0.0
    health: tuple[HealthComponent, ...] = ()
    routing: str = "probability"
    kind: ClassVar[str] = "conveyor"
    kpis_defined: ClassVar[bool] = True
    look: ClassVar[Look] = Look("belt", "#9aa5b1", (3.0, 0.6, 0.8), items="belt")
    field_units: ClassVar[dict[str, str]] = {"length": "length", "speed": "speed", "pitch": "length",
                                             "path": "length", "idle_power": "power", "power_per_item": "power"}

    def __post_init__(self):
        super().__post_init__()
        self.speed = _positive_number(self.speed, self.name, "speed", "m/s")
        self.pitch = _positive_number(self.pitch, self.name, "pitch", "m")
        self.idle_power = _non_negative_number(self.idle_power, self.name, "idle_power", "W")
        self.power_per_item = _non_negative_number(self.power_per_item, self.name, "power_per_item", "W")
        if not isinstance(self.accumulating, bool):
            raise PlantError(f"must be true or false, got {self.accumulating!r}", element=self.name,
                             key="accumulating")
        if self.path is not None:
            pts = tuple(_vector3(p, self.name, f"path[{i}]") for i, p in enumerate(self.path))
            if len(pts) < 2:
                raise PlantError("needs at least two points (start and end)", element=self.name, key="path")
            self.path = pts
            path_length = sum(math.dist(a, b) for a, b in zip(pts, pts[1:]))
            if path_length <= 0:
                raise PlantError("the path has zero length", element=self.name, key="path")
            if self.length is None:
                self.length = path_length
            elif abs(float(self.length) - path_length) > 1e-6 * max(1.0, path_length):
                raise PlantError(f"length {self.length:g} m does not match the path's length {path_length:g} m; "
                                 "omit length or fix the path", element=self.name, key="length")
        if self.length is None:
            raise PlantError("needs a length (m) or a path", element=self.name, key="length")
        self.length = _positive_number(self.length, self.name, "length", "m")
        if self.pitch > self.length:
            raise PlantError(f"pitch {self.pitch:g} m is longer than the belt ({self.length:g} m): no item fits",
                             element=self.name, key="pitch")
        self.health = _health_components(self.health, self.name)

    @property
    def capacity(self) -> int:
        """Items the belt holds: floor(length / pitch)."""
        return int(math.floor(self.length / self.pitch + 1e-9))

    KPIS: ClassVar[tuple[str, ...]] = ("utilization", "blocked", "running", "down", "service", "queue", "power_w",
                                       "energy_per_item_j", "throughput_per_hour")
    in_wip: ClassVar[bool] = True
    kernel_columns: ClassVar[dict] = {"conveyor.transit": (np.int64, 0), "conveyor.pitch": (np.int64, 0),
                                      "conveyor.accumulating": (np.int32, 0)}  # conveyor_layout.ConveyorParams

    def kernel_capacity(self, plant) -> int:
        return self.capacity

    def belt_metres_per_step(self, dt: float) -> float:
        return self.length / whole_steps(self.transit_time / dt)

    def holding(self, view, e: int):
        """Full at capacity, or (non-accumulating) stopped by its waiting front item while the
        last item has not cleared the entry by a pitch; only the front item can leave."""
        count = view.count(e)
        full = count == view.capacity(e)
        if not self.accumulating:
            pitch = int(view.model.arrays.conveyor.host.pitch.numpy()[e])  # host struct (kernels/layout.py struct_ref)
            tail = view.ring_slot(e, count - 1)
            entry_blocked = view.own("el64", e, "conveyor", "belt0") - view.slot_step(tail) < pitch
            full |= (view.own("el32", e, "conveyor", "blocked") != 0) & (count > 0) & entry_blocked
        return Holding(full, [view.front_dest(e)], view.own("el64", e, "conveyor", "ready"))

    def kernel_fields(self, dist_id, dt):
        return {"conveyor.transit": whole_steps(self.transit_time / dt),  # saturated: see twin/stepclock.py
                "conveyor.pitch": whole_steps(self.pitch_time / dt),
                "conveyor.accumulating": int(self.accumulating)}

    def load_units_per_use(self, dt):
        """A use of load-driven wear is a part-hour carried (E_USES counts item-steps)."""
        return 3600.0 / dt

    def kpis(self, run):
        """``utilization``: mean fill of the belt; ``blocked``, ``running``, ``down``, ``service``:
        fractions of time; ``power_w`` and ``energy_per_item_j`` of the motor."""
        running = run.acc("busy")    # steps the belt ran
        carried = run.acc("carried")  # item-steps carried while running (the conveyor's own column)
        energy_j = (self.idle_power * running + self.power_per_item * carried) * run.dt
        out = run.out
        with np.errstate(invalid="ignore", divide="ignore"):
            per_item = np.where(out > 0, energy_j / np.maximum(out, 1), np.nan)
        return dict(utilization=run.held / run.capacity, blocked=run.acc("blocked") / run.window_steps,
                    running=running / run.window_steps, down=run.acc("down") / run.window_steps,
                    service=run.acc("service") / run.window_steps, queue=run.held,
                    power_w=energy_j / run.window, energy_per_item_j=per_item)

    @property
    def transit_time(self) -> float:
        """Seconds for a free item to travel the belt."""
        return self.length / self.speed

    @property
    def pitch_time(self) -> float:
        """Seconds for the belt to move one pitch (the interval at saturated flow)."""
        return self.pitch / self.speed

    def durations(self):
        # deterministic motion: the belt must move at least one step per pitch
        out = {"pitch/speed": dists.Deterministic(self.pitch_time)}
        for c in self.health:
            out.update(c.durations())
        return out


class _Kinds(dict):
    """Element classes by kind. The kinds are those of the registry (twin/kernels/registry.py):
    on first use, the Python module of every registered kind is imported, which registers its
    class (``register_kind``), so scene files find every kind without a list here."""

    _loaded = False

    def _load(self):
        if not _Kinds._loaded:
            _Kinds._loaded = True
            from .kernels.registry import KINDS as entries  # no Warp: the registry is plain data
            for e in entries:
                if e.module:
                    importlib.import_module(e.module)

    def __getitem__(self, kind):
        self._load()
        return super().__getitem__(kind)

    def __contains__(self, kind):
        self._load()
        return super().__contains__(kind)

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __len__(self):
        self._load()
        return super().__len__()

    def get(self, kind, default=None):
        self._load()
        return super().get(kind, default)

    def items(self):
        self._load()
        return super().items()

    def keys(self):
        self._load()
        return super().keys()

    def values(self):
        self._load()
        return super().values()


KINDS: dict[str, type[Element]] = _Kinds()


def register_kind(cls: type[Element]) -> type[Element]:
    """Makes an element class known by its ``kind`` (scene files, the simulator); a decorator.
    The kind must be in the registry (twin/kernels/registry.py), which gives its kernel hooks."""
    dict.__setitem__(KINDS, cls.kind, cls)
    return cls


for _cls in (Source, Machine, Buffer, Sink, Conveyor):
    register_kind(_cls)


def element_keys(cls: type[Element]) -> tuple[str, ...]:
    """The scene-file keys an element kind accepts (besides 'kind')."""
    return tuple(f.name for f in fields(cls) if f.name not in ("name", "_"))

