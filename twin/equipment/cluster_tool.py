"""Wafer-handling cluster tools: the element spec (:class:`ClusterTool`, :class:`ProcessStep`) and
the hooks the simulator calls (``compile_params``, ``state_dims``, ``KPIS``/``kpis``,
``summary_lines``, ``Recorder``). The behaviour is documented in ``docs/cluster_tool.md`` and
implemented in ``kernels/cluster_tool.py``.

A plant part is a FOUP (a lot of ``wafers_per_lot`` wafers). Inside, every wafer goes FOUP ->
(ATM robot) -> load lock (pump down) -> (vacuum robot) -> every process step in order -> load
lock (vent) -> (ATM robot) -> its own FOUP. A FOUP leaves when all its wafers are back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import warp as wp

from ..distributions import Deterministic, Distribution
from ..elements import Element, _as_dist, _count, _health_components, _positive_number, register_kind
from ..errors import PlantError, TwinError
from ..look import Look, Units
from ..stepclock import whole_steps
from ..kernels import tool_layout as tl
from ..kernels.tool_layout import ToolParams
from ..maintenance.spec import HealthComponent

KIND = "cluster_tool"
ROBOT_KINDS = ("single", "dual")
KPIS: tuple[str, ...] = ("wafers_per_hour", "lots_per_hour", "chamber_utilization", "chamber_blocked",
                         "vtm_utilization", "atm_utilization", "load_lock_utilization", "transport_bound",
                         "wafers_in_tool", "queue", "chamber_stopped", "vtm_stopped", "atm_stopped", "down", "service")
CHAMBER_STATUS = ("idle", "processing", "holding", "down")    # codes of a recording's "chambers"
ROBOT_PARTS = ("vtm_robot", "atm_robot")  # parts a health component may sit on, before the chambers
LOAD_LOCK_STATES = ("vented", "pumping", "vacuum", "venting")  # codes of a recording's "load_locks"
# How a recording colours and exports them (twin/look.py Units): a chamber holding a finished
# wafer waits for the robot (blocked); a load lock pumping or venting works (busy), vented or at
# vacuum it waits (idle). Codes 1 and 2 of a chamber hold a wafer (the USD export's Wafers).
UNITS = (Units("chamber", "chambers", CHAMBER_STATUS, (0, 1, 2, 3), "Chamber", "chamber", "chamber state change",
               "chamber", held=(1, 2), held_prim="Wafers"),
         Units("load_lock", "load_locks", LOAD_LOCK_STATES, (0, 1, 0, 1), "LoadLock", "LL", "load lock state change",
               "load lock"))
# recorded fields the USD export writes as time-sampled attributes (twin:<name>)
ATTRIBUTES = (("wafers_out", "wafersOut", "Int"), ("foups", "foups", "Int"), ("robot_holding", "robotHolding", "Int"),
              ("atm_busy", "atmBusy", "Int"), ("load_lock_wafers", "loadLockWafers", "IntArray"),
              ("robot_angle", "robotAngle", "Double"))


def rotation_time(angle: float, speed: float, acceleration: float) -> float:
    """Seconds to rotate by ``angle`` radians from rest to rest with a trapezoidal speed profile
    (top speed ``speed`` rad/s, acceleration and deceleration ``acceleration`` rad/s^2); a
    triangular profile when the angle is too short to reach top speed (angle < speed^2 / accel)."""
    angle = abs(float(angle))
    if angle == 0.0:
        return 0.0
    if angle >= speed * speed / acceleration:
        return angle / speed + speed / acceleration
    return 2.0 * math.sqrt(angle / acceleration)


@dataclass(frozen=True)
class ProcessStep:
    """One step of a cluster tool's serial chamber sequence: ``chambers`` parallel identical
    chambers, each processing one wafer for a ``recipe`` time (a Distribution or seconds)."""

    chambers: int
    recipe: Distribution | None = None

    def to_dict(self) -> dict:
        recipe = self.recipe
        if isinstance(recipe, Deterministic):
            recipe = recipe.value
        elif isinstance(recipe, Distribution):
            recipe = recipe.to_dict()
        return {"chambers": self.chambers, "recipe": recipe}


@register_kind
@dataclass(kw_only=True)
class ClusterTool(Element):
    """A wafer-handling cluster tool. A part is a FOUP of ``wafers_per_lot`` wafers.

    ``load_ports`` FOUPs dock at once. An atmospheric (ATM) robot moves wafers one at a time
    between FOUPs and ``load_locks`` load locks of ``load_lock_capacity`` wafers, each transfer
    taking ``atm_move_time`` seconds. A load lock pumps down (``pump_time``) before the vacuum
    robot may reach it and vents (``vent_time``) before the ATM robot may. The vacuum robot
    (``vtm_robot="single"`` arm, or ``"dual"`` arms 180 degrees apart that swap wafers at a
    station) carries each wafer through every ``steps`` entry in order, then back to a load lock.

    Robot motion: the S = load_locks + chambers stations sit at angles 2*pi*i/S around the
    transfer chamber (load locks first, then the chambers step by step); an operation rotates the
    arm to the station (trapezoidal profile: ``rotate_speed`` rad/s, ``rotate_acceleration``
    rad/s^2) and hands off (``extend_time`` + ``retract_time``). ``radius`` (m) is the transfer
    chamber's size, for rendering.

    ``health``: :class:`twin.maintenance.HealthComponent` s, each on one part of the tool
    (``part="vtm_robot"``, ``"atm_robot"`` or ``"stepJ.chamberK"``). While the crew repairs or
    services a part, that part stops: a robot freezes mid-operation and later finishes it with the
    time it had left; a chamber's recipe pauses and resumes, and the vacuum robot routes wafers to
    the step's other chambers (docs/cluster_tool.md, "Maintenance").
    """

    load_ports: int = 2
    wafers_per_lot: int = 25
    load_locks: int = 2
    load_lock_capacity: int = 1
    pump_time: Distribution = Deterministic(15.0)
    vent_time: Distribution = Deterministic(15.0)
    steps: tuple[ProcessStep, ...] = ()
    vtm_robot: str = "single"
    rotate_speed: float = math.pi
    rotate_acceleration: float = 2.0 * math.pi
    extend_time: float = 1.0
    retract_time: float = 1.0
    atm_move_time: float = 6.0
    radius: float = 1.0
    routing: str = "probability"
    health: tuple[HealthComponent, ...] = ()
    kind: ClassVar[str] = KIND
    look: ClassVar[Look] = Look("cluster", "#a6b4c4", units=UNITS, attributes=ATTRIBUTES)  # footprint: drawn_ring
    field_units: ClassVar[dict[str, str]] = {
        "rotate_speed": "angular_speed", "rotate_acceleration": "angular_acceleration", "extend_time": "time",
        "retract_time": "time", "atm_move_time": "time", "radius": "length"}

    def __post_init__(self):
        super().__post_init__()
        self._validate()

    def _validate(self) -> None:
        n = self.name
        self.load_ports = _count(self.load_ports, n, "load_ports")
        self.wafers_per_lot = _count(self.wafers_per_lot, n, "wafers_per_lot")
        self.load_locks = _count(self.load_locks, n, "load_locks")
        self.load_lock_capacity = _count(self.load_lock_capacity, n, "load_lock_capacity")
        self.pump_time = _as_dist(self.pump_time, n, "pump_time")
        self.vent_time = _as_dist(self.vent_time, n, "vent_time")
        self.steps = self._checked_steps(self.steps)
        if self.vtm_robot not in ROBOT_KINDS:
            raise PlantError(f"must be one of {', '.join(ROBOT_KINDS)} (a dual-arm robot swaps wafers), got "
                             f"{self.vtm_robot!r}", element=n, key="vtm_robot")
        self.rotate_speed = _positive_number(self.rotate_speed, n, "rotate_speed", "rad/s")
        self.rotate_acceleration = _positive_number(self.rotate_acceleration, n, "rotate_acceleration", "rad/s^2")
        self.extend_time = _positive_number(self.extend_time, n, "extend_time", "s")
        self.retract_time = _positive_number(self.retract_time, n, "retract_time", "s")
        self.atm_move_time = _positive_number(self.atm_move_time, n, "atm_move_time", "s")
        self.radius = _positive_number(self.radius, n, "radius", "m")
        self.health = _health_components(self.health, n, self.part_names())

    def _checked_steps(self, steps) -> tuple[ProcessStep, ...]:
        n = self.name
        if isinstance(steps, (ProcessStep, dict)):
            steps = (steps,)
        if not isinstance(steps, (tuple, list)) or not steps:
            raise PlantError(f"a cluster tool needs at least one process step, e.g. steps=[ProcessStep(chambers=2, "
                             f"recipe=60)], got {steps!r}", element=n, key="steps")
        out = []
        for i, st in enumerate(steps):
            key = f"steps[{i}]"
            if isinstance(st, dict):
                unknown = [k for k in st if k not in ("chambers", "recipe")]
                if unknown:
                    raise PlantError(f"unknown key '{unknown[0]}' for a process step; allowed: chambers, recipe",
                                     element=n, key=f"{key}.{unknown[0]}")
                if "chambers" not in st:
                    raise PlantError("a process step needs 'chambers' (parallel chambers, >= 1)", element=n,
                                     key=f"{key}.chambers")
                st = ProcessStep(**st)
            if not isinstance(st, ProcessStep):
                raise PlantError(f"must be a twin.ProcessStep(chambers, recipe), got {st!r}", element=n, key=key)
            c = st.chambers
            if isinstance(c, bool) or not isinstance(c, int) or c < 1:
                raise PlantError(f"a process step needs at least one chamber (an integer >= 1), got {c!r}",
                                 element=n, key=f"{key}.chambers")
            if st.recipe is None:
                raise PlantError(f"the step's {c} chamber(s) have no recipe: give it a recipe time (seconds or a "
                                 "distribution)", element=n, key=f"{key}.recipe")
            out.append(ProcessStep(c, _as_dist(st.recipe, n, f"{key}.recipe")))
        return tuple(out)

    def check(self, plant) -> None:
        self._validate()

    in_wip: ClassVar[bool] = True  # parts it carries / lots in the tool count in the plant's WIP

    KPIS: ClassVar[tuple[str, ...]] = KPIS + ("throughput_per_hour",)  # the module's KPIS, then throughput

    def kpis(self, run) -> dict:
        return kpis(run.model, run.arrays, run.index, run.window_steps, run.window)

    @classmethod
    def summary_lines(cls, results) -> list[str]:
        return summary_lines(results)

    def kernel_capacity(self, plant) -> int:
        return self.load_ports

    # ---- derived quantities (also used by rendering and reports) ----------------------------------
    @property
    def n_chambers(self) -> int:
        return sum(st.chambers for st in self.steps)

    @property
    def n_stations(self) -> int:
        """Stations around the transfer chamber: load locks, then chambers."""
        return self.load_locks + self.n_chambers

    @property
    def wip_limit(self) -> int:
        """Most wafers out of their FOUPs at once: chambers + load-lock slots, minus one for a
        single-arm robot (so that a slot is always left for a wafer to move into)."""
        total = self.n_chambers + self.load_locks * self.load_lock_capacity
        return total if self.vtm_robot == "dual" else total - 1

    def station_angles(self) -> list[tuple[str, float]]:
        """(label, angle in radians) of every station, counter-clockwise from the tool's +x axis:
        'LL1', 'LL2', ..., then 'step1.chamber1', ... in step order."""
        labels = [f"LL{i + 1}" for i in range(self.load_locks)]
        labels += [f"step{j + 1}.chamber{c + 1}" for j, st in enumerate(self.steps) for c in range(st.chambers)]
        s = len(labels)
        return [(label, 2.0 * math.pi * i / s) for i, label in enumerate(labels)]

    def drawn_ring(self) -> tuple[float, int, int, int]:
        """(radius in metres, process chambers, load locks, load ports): what the ``cluster``
        shape draws (twin.render.meshes)."""
        return float(self.radius), self.n_chambers, int(self.load_locks), int(self.load_ports)

    def unit_labels(self, units) -> list[str] | None:
        """Station labels of the units a recording colours ('step1.chamber2', 'LL1')."""
        labels = [label for label, _ in self.station_angles()]
        return labels[:self.load_locks] if units.field == "load_locks" else labels[self.load_locks:]

    def part_names(self) -> tuple[str, ...]:
        """What a health component may sit on: the two robots, then every chamber
        ('step1.chamber1', ...)."""
        return ROBOT_PARTS + tuple(label for label, _ in self.station_angles()[self.load_locks:])

    def part_index(self, part: str) -> int:
        """The kernel's number of a part (twin.kernels.tool_layout PART_VTM, PART_ATM, PART_CH0 + i)."""
        return self.part_names().index(part)

    def rotation_time(self, angle: float) -> float:
        """Seconds for the vacuum robot to rotate by ``angle`` radians (trapezoidal profile)."""
        return rotation_time(angle, self.rotate_speed, self.rotate_acceleration)

    @property
    def handoff_time(self) -> float:
        """Seconds of a pick or a place at a station (extend + retract)."""
        return self.extend_time + self.retract_time

    def durations(self):
        out = {"pump_time": self.pump_time, "vent_time": self.vent_time}
        for i, st in enumerate(self.steps):
            out[f"steps[{i}].recipe"] = st.recipe
        out["atm_move_time"] = Deterministic(self.atm_move_time)
        out["extend_time+retract_time"] = Deterministic(self.handoff_time)
        unit = 1 if (self.vtm_robot == "dual" and self.n_stations % 2 == 1) else 2
        out["rotation"] = Deterministic(self.rotation_time(unit * math.pi / self.n_stations))
        for c in self.health:
            out.update(c.durations())
        return out

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["steps"] = [st.to_dict() for st in self.steps]
        return out


# ---- model ------------------------------------------------------------------------------------
class _Layout:
    """Where each tool's chambers, groups, load locks, slots and ports sit in the tool arrays
    (tools numbered in element order)."""

    def __init__(self, plant, names):
        self.elements = [i for i, n in enumerate(names) if plant[n].kind == KIND]
        self.specs: list[ClusterTool] = [plant[names[i]] for i in self.elements]
        self.names = [names[i] for i in self.elements]
        self.step_start, self.ch_start, self.ll_start, self.slot_start, self.port_start, self.rot_start = \
            [], [], [], [], [], []
        self.part_start = []
        g = c = l = sl = p = rs = pt = 0
        for el in self.specs:
            self.step_start.append(g)
            self.ch_start.append(c)
            self.ll_start.append(l)
            self.slot_start.append(sl)
            self.port_start.append(p)
            self.rot_start.append(rs)
            self.part_start.append(pt)
            g += len(el.steps)
            c += el.n_chambers
            l += el.load_locks
            sl += el.load_locks * el.load_lock_capacity
            p += el.load_ports
            rs += el.n_stations + 1
            pt += len(ROBOT_PARTS) + el.n_chambers
        self.n_groups, self.n_chambers, self.n_ll, self.n_slots, self.n_ports, self.n_rot = g, c, l, sl, p, rs
        self.n_parts = pt

    @property
    def n_tools(self) -> int:
        return len(self.specs)

    def tool_of(self, element_index: int) -> int:
        return self.elements.index(element_index)


def compile_params(plant, names: list[str], dt: float, device: str, dist_id=None) -> ToolParams:
    """Model.tool (the kind's fill hook, kernels/registry.py). ``dist_id`` registers a
    distribution in the Model's table and returns its index (recipes, pump and vent times are
    sampled from it)."""
    lay = _Layout(plant, names)
    if lay.n_tools and dist_id is None:
        raise TwinError("cluster tools need the model's distribution table: pass dist_id to compile_params")

    def steps(seconds: float) -> int:
        return whole_steps(seconds / dt)  # saturated at 2^61 steps: twin/stepclock.py

    index = np.full(max(len(names), 1), -1, np.int32)
    p32 = np.zeros((max(lay.n_tools, 1), tl.TP32), np.int32)
    p64 = np.zeros((max(lay.n_tools, 1), tl.TP64), np.int64)
    group = np.zeros((max(lay.n_groups, 1), tl.GROUP), np.int32)
    ch_group, rot = [], []
    for t, (i, el) in enumerate(zip(lay.elements, lay.specs)):
        index[i] = t
        c = lay.ch_start[t]
        for j, st in enumerate(el.steps):
            group[lay.step_start[t] + j] = (st.chambers, c, dist_id(st.recipe))
            ch_group += [j] * st.chambers
            c += st.chambers
        s = el.n_stations
        rot += [0] + [steps(el.rotation_time(d * math.pi / s)) for d in range(1, s + 1)]
        row = {tl.TP_N_STEPS: len(el.steps), tl.TP_STEP0: lay.step_start[t], tl.TP_CH0: lay.ch_start[t],
               tl.TP_N_CH: el.n_chambers, tl.TP_LL0: lay.ll_start[t], tl.TP_N_LL: el.load_locks,
               tl.TP_LL_CAP: el.load_lock_capacity, tl.TP_SLOT0: lay.slot_start[t], tl.TP_PORT0: lay.port_start[t],
               tl.TP_PUMP: dist_id(el.pump_time), tl.TP_VENT: dist_id(el.vent_time),
               tl.TP_DUAL: int(el.vtm_robot == "dual"), tl.TP_N_ST: s, tl.TP_ROT0: lay.rot_start[t],
               tl.TP_WAFERS: el.wafers_per_lot, tl.TP_WIP: el.wip_limit, tl.TP_PORTS: el.load_ports,
               tl.TP_PART0: lay.part_start[t]}
        assert len(row) == tl.TP32
        for k, v in row.items():
            p32[t, k] = v
        p64[t, tl.TP_ATM_STEPS] = steps(el.atm_move_time)
        p64[t, tl.TP_HAND_STEPS] = steps(el.handoff_time)

    def arr(values, dtype):
        return wp.array(values, dtype=dtype, device=device)

    p = ToolParams()
    p.index = arr(index, wp.int32)
    p.p32 = arr(p32, wp.int32)
    p.p64 = arr(p64, wp.int64)
    p.group = arr(group, wp.int32)
    p.ch_group = arr(np.array(ch_group or [0], np.int32), wp.int32)
    p.rot_steps = arr(np.array(rot or [0], np.int64), wp.int64)
    return p


def state_dims(model, replicas: int = 1, control=None) -> dict:
    """Axis sizes of the cluster-tool State tables (the kind's fill hook, the same for any
    ``replicas`` and ``control``; kernels/tool_layout.py TABLES, twin/state.py allocates them),
    at least 1 each."""
    lay = _Layout(model.plant, model.names)
    sizes = {"tool": lay.n_tools, "chamber": lay.n_chambers, "load_lock": lay.n_ll, "lock_slot": lay.n_slots,
             "port": lay.n_ports, "group": lay.n_groups, "part": lay.n_parts}
    return {k: max(int(n), 1) for k, n in sizes.items()}


# ---- results ----------------------------------------------------------------------------------
def kpis(model, arrays: dict, i: int, window_steps: float, window_s: float) -> dict:
    """Per-replica KPIs of the tool that is element ``i`` (see docs/cluster_tool.md). ``down`` and
    ``service``: the fraction of time stopped for repairs and for services, averaged over the
    parts that carry health components (0 without any), as machines report them."""
    from ..kernels.layout import A_HELD, E_OUT
    lay = _Layout(model.plant, model.names)
    t = lay.tool_of(i)
    el = lay.specs[t]
    t64 = arrays["tool.t64"][:, t, :].astype(np.float64)
    g0 = lay.step_start[t]
    groups = arrays["tool.g64"][:, g0:g0 + len(el.steps), :].astype(np.float64)  # [R, steps, G64]
    per_hour = 3600.0 / window_s
    chambers = np.array([st.chambers for st in el.steps], np.float64)
    step_util = groups[:, :, tl.G_BUSY] / (chambers * window_steps)
    parts = arrays["tool.part64"][:, lay.part_start[t]:lay.part_start[t] + len(ROBOT_PARTS) + el.n_chambers, :]
    stopped = (parts[:, :, tl.PT_DOWN] + parts[:, :, tl.PT_SERVICE]).astype(np.float64) / window_steps  # [R, parts]
    worn = sorted({el.part_index(c.part) for c in el.health})  # parts that carry health components
    replicas = len(t64)
    out = {
        "wafers_per_hour": t64[:, tl.T_ACC_WAFERS] * per_hour,
        "lots_per_hour": arrays["el64"][:, i, E_OUT].astype(np.float64) * per_hour,
        "chamber_utilization": groups[:, :, tl.G_BUSY].sum(axis=1) / (el.n_chambers * window_steps),
        "chamber_blocked": groups[:, :, tl.G_BLOCKED].sum(axis=1) / (el.n_chambers * window_steps),
        "vtm_utilization": t64[:, tl.T_ACC_VTM] / window_steps,
        "atm_utilization": t64[:, tl.T_ACC_ATM] / window_steps,
        "load_lock_utilization": t64[:, tl.T_ACC_LL] / (el.load_locks * window_steps),
        "transport_bound": (t64[:, tl.T_ACC_VTM] / window_steps > step_util.max(axis=1)).astype(np.float64),
        "wafers_in_tool": t64[:, tl.T_ACC_WIP] / window_steps,
        "queue": arrays["acc"][:, i, A_HELD].astype(np.float64) / window_steps,
        "chamber_stopped": groups[:, :, tl.G_DOWN].sum(axis=1) / (el.n_chambers * window_steps),
        "vtm_stopped": stopped[:, tl.PART_VTM],
        "atm_stopped": stopped[:, tl.PART_ATM],
        "down": parts[:, worn, tl.PT_DOWN].mean(axis=1) / window_steps if worn else np.zeros(replicas),
        "service": parts[:, worn, tl.PT_SERVICE].mean(axis=1) / window_steps if worn else np.zeros(replicas),
    }
    for j in range(len(el.steps)):
        out[f"chamber_utilization_step{j + 1}"] = step_util[:, j]
        out[f"chamber_stopped_step{j + 1}"] = groups[:, j, tl.G_DOWN] / (chambers[j] * window_steps)
    return out


def bound(kpis: dict) -> tuple[str, float]:
    """The binding resource of a tool from its KPI means (``{name: KPI}``, as
    ``Results.element`` returns): the step's chambers, the vacuum robot, the ATM robot or the load
    locks, whichever is utilised most; with that utilisation."""
    candidates = {}
    j = 1
    while f"chamber_utilization_step{j}" in kpis:
        candidates[f"process-bound (step {j} chambers)"] = kpis[f"chamber_utilization_step{j}"].mean
        j += 1
    candidates["transport-bound (vacuum robot)"] = kpis["vtm_utilization"].mean
    candidates["ATM-robot-bound"] = kpis["atm_utilization"].mean
    candidates["load-lock-bound"] = kpis["load_lock_utilization"].mean
    name = max(candidates, key=lambda k: candidates[k])
    return name, candidates[name]


def summary_lines(results) -> list[str]:
    """Lines for ``Results.summary()``: each cluster tool's KPIs and what binds it."""
    names = [n for n, k in results.element_kinds.items() if k == KIND]
    if not names:
        return []
    width = max(10, *(len(n) for n in names))
    head = f"  {'tool':<{width}} {'wafers/h':>9} {'lots/h':>7} {'chamb%':>7} {'VTM%':>6} {'ATM%':>6} " \
           f"{'LL%':>6} {'wafers':>7}  steady-state bound"
    lines = ["", head, "  " + "-" * (len(head) - 2)]
    for n in names:
        d = results.element(n)
        what, util = bound(d)
        lines.append(f"  {n:<{width}} {d['wafers_per_hour'].mean:9.2f} {d['lots_per_hour'].mean:7.3f} "
                     f"{100 * d['chamber_utilization'].mean:7.1f} {100 * d['vtm_utilization'].mean:6.1f} "
                     f"{100 * d['atm_utilization'].mean:6.1f} {100 * d['load_lock_utilization'].mean:6.1f} "
                     f"{d['wafers_in_tool'].mean:7.2f}  {what}, {100 * util:.0f}% busy")
        j, steps = 1, []
        while f"chamber_utilization_step{j}" in d:
            steps.append(f"step {j} {100 * d[f'chamber_utilization_step{j}'].mean:.1f}%")
            j += 1
        if len(steps) > 1:
            lines.append(f"  {'':<{width}} chambers: " + ", ".join(steps))
    return lines


# ---- recording --------------------------------------------------------------------------------
# The recording hook (twin.recording.recorded_kinds): this kind's frames are ``Recorded.equipment["tools"]``
# (``Recorded.tools``), saved as "tool:NAME:FIELD" (the key recordings were always saved with).
KERNEL_MODULES = ("tool_record",)  # launched outside the engine (twin.model.kinds_kernel_modules: twin warmup)
RECORDED = "tools"
RECORDED_FILE_KEY = "tool"


class Recorder:
    """Frames of the cluster tools of one replica. ``finish()`` returns, per tool name:
    ``chambers`` [F, C] int8 (CHAMBER_STATUS: 0 idle, 1 processing, 2 holding a finished wafer,
    3 down: stopped by the maintenance crew; columns in station order), ``load_locks`` [F, L] int8 (LOAD_LOCK_STATES: 0 vented, 1
    pumping, 2 vacuum, 3 venting), ``load_lock_wafers`` [F, L] wafers held, ``robot_holding`` [F]
    wafers on the vacuum robot (0..2), ``robot_angle`` [F] angle of its arm 0 (radians, stations
    at ``ClusterTool.station_angles()``; linear in time during a rotation), ``atm_busy`` [F] 0/1,
    ``foups`` [F] FOUPs docked and ``wafers_out`` [F] wafers out of their FOUPs."""

    def __init__(self, model, steps: np.ndarray):
        self.model = model
        self.lay = _Layout(model.plant, model.names)
        if not self.lay.n_tools:
            return
        dev, f, n_t = model.device, len(steps), self.lay.n_tools

        def zeros(cols, dtype):
            return wp.zeros((f, max(cols, 1)), dtype=dtype, device=dev)

        self.elem = wp.array(np.array(self.lay.elements, np.int32), dtype=wp.int32, device=dev)
        self.chambers = zeros(self.lay.n_chambers, wp.int8)
        self.ll_state = zeros(self.lay.n_ll, wp.int8)
        self.ll_wafers = zeros(self.lay.n_ll, wp.int32)
        self.holding = zeros(n_t, wp.int32)
        self.angle = zeros(n_t, wp.float32)
        self.atm = zeros(n_t, wp.int8)
        self.foups = zeros(n_t, wp.int32)
        self.wafers = zeros(n_t, wp.int32)

    def snapshot(self, kmodel, state, replica: int, frame: int, step: int) -> None:
        if not self.lay.n_tools:
            return
        from ..kernels import tool_record
        wp.launch(tool_record.snapshot_tools, dim=self.lay.n_tools, device=self.model.device,
                  inputs=[kmodel, state, replica, frame, wp.int64(step), self.elem, self.chambers, self.ll_state,
                          self.ll_wafers, self.holding, self.angle, self.atm, self.foups, self.wafers])

    def finish(self) -> dict:
        if not self.lay.n_tools:
            return {}
        ch, lls, llw = self.chambers.numpy(), self.ll_state.numpy(), self.ll_wafers.numpy()
        hold, ang, atm = self.holding.numpy(), self.angle.numpy(), self.atm.numpy()
        foups, wafers = self.foups.numpy(), self.wafers.numpy()
        out = {}
        for t, (name, el) in enumerate(zip(self.lay.names, self.lay.specs)):
            c0, l0 = self.lay.ch_start[t], self.lay.ll_start[t]
            out[name] = {"chambers": ch[:, c0:c0 + el.n_chambers], "load_locks": lls[:, l0:l0 + el.load_locks],
                         "load_lock_wafers": llw[:, l0:l0 + el.load_locks], "robot_holding": hold[:, t],
                         "robot_angle": ang[:, t], "atm_busy": atm[:, t], "foups": foups[:, t],
                         "wafers_out": wafers[:, t]}
        return out
