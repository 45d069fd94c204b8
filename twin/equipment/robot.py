"""Robot arms: serial arms of revolute joints that pick parts at one element and place them at
another (machine tending, conveyor to machine, palletising).

The spec (:class:`Robot`, with :class:`DH` and :class:`Task`) is plain data. At compile time
(``compile_params``) the kinematics kernels (``twin.kernels.robot_kinematics``) solve every task
pose by inverse kinematics and tabulate every move between the robot's configurations (duration,
peak joint torques and joint work, without and with the payload); the simulation kernels
(``twin.kernels.robot``) only look the table up. ``KPIS``/``kpis`` report per replica,
``Recorder`` records joint angles and link positions of one replica. The helpers
``forward_kinematics``, ``inverse_kinematics``, ``joint_torques`` and ``move_table`` run the same
kernels for a spec directly. Units: SI (m, rad, kg, s) everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import warp as wp

from .. import distributions as dists
from ..elements import Element, _health_components, register_kind
from ..errors import PlantError, nearest
from ..look import Look
from ..stepclock import whole_steps
from ..kernels import robot_kinematics as rk
from ..kernels.layout import host_struct
from ..kernels.layout import ACC_TABLE
from ..maintenance.spec import HealthComponent
from ..kernels.robot_layout import JMAX, RB_CYCLE_SUM, RB_CYCLES, RB_PICKS, RobotParams

KIND = "robot"
KPIS: tuple[str, ...] = ("utilization", "blocked", "starved", "down", "service", "picks_per_hour", "cycle_time_s",
                         "energy_per_cycle_j", "power_w", "peak_torque_nm")
GRAVITY = (0.0, 0.0, -9.80665)       # m/s^2, plant coordinates (z up)
PROFILES = ("trapezoid",)
ORIENTATIONS = ("down", "free")
IK_POSITION_TOLERANCE = 1e-3         # m: a target the TCP cannot get this close to is an error
IK_ORIENTATION_TOLERANCE = 1e-3      # rad
IK_SEEDS = 24                        # starting configurations per target (home, then random ones)
IK_ITERATIONS = 500
MAX_TORQUE_SAMPLES = 2000            # torque samples per move (at most one per step)
DEFAULT_LIMIT = 2.0 * math.pi        # joint limits when none are given: [-2 pi, 2 pi]


@dataclass(frozen=True)
class DH:
    """Standard Denavit–Hartenberg parameters, one entry per joint (base to flange): link length
    ``a`` (m), twist ``alpha`` (rad), offset ``d`` (m) and ``theta_offset`` (rad, added to the
    joint angle; default 0). Joint i turns about z of frame i; frame i + 1 = frame i ·
    Rz(q_i + theta_offset_i) · Tz(d_i) · Tx(a_i) · Rx(alpha_i)."""

    a: tuple
    alpha: tuple
    d: tuple
    theta_offset: tuple | None = None
    field_units: ClassVar[dict[str, str]] = {"a": "length", "alpha": "angle", "d": "length",
                                             "theta_offset": "angle"}

    @classmethod
    def from_rows(cls, rows) -> "DH":
        """From rows [a, alpha, d, theta_offset] (m, rad), one per joint."""
        cols = list(zip(*rows)) if rows else [(), (), (), ()]
        return cls(*(tuple(c) for c in cols))

    @property
    def joints(self) -> int:
        return len(self.a)

    def rows(self) -> np.ndarray:
        """[J, 4] array of (a, alpha, d, theta_offset)."""
        theta = self.theta_offset if self.theta_offset is not None else (0.0,) * self.joints
        return np.array([self.a, self.alpha, self.d, theta], np.float64).T.reshape(self.joints, 4)

    def to_dict(self) -> dict:
        out = {"a": list(self.a), "alpha": list(self.alpha), "d": list(self.d)}
        if self.theta_offset is not None:
            out["theta_offset"] = list(self.theta_offset)
        return out


@dataclass(frozen=True)
class Task:
    """Pick a part at element ``pick`` and place it at element ``place``. ``pick_pose`` and
    ``place_pose`` are where the tool centre point goes, (x, y, z) in plant coordinates (m).
    ``orientation="down"`` (default): the tool's z axis points straight down, and ``pick_yaw`` /
    ``place_yaw`` (rad), if given, fix the tool's x axis at that angle from the plant's x axis
    (otherwise the tool may turn freely about the vertical); ``"free"``: position only (arms with
    fewer than five joints)."""

    pick: str
    place: str
    pick_pose: tuple
    place_pose: tuple
    pick_yaw: float | None = None
    place_yaw: float | None = None
    orientation: str = "down"
    field_units: ClassVar[dict[str, str]] = {"pick_pose": "length", "place_pose": "length", "pick_yaw": "angle",
                                             "place_yaw": "angle"}

    def to_dict(self) -> dict:
        out = {"pick": self.pick, "place": self.place, "pick_pose": list(self.pick_pose),
               "place_pose": list(self.place_pose)}
        for k in ("pick_yaw", "place_yaw"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.orientation != "down":
            out["orientation"] = self.orientation
        return out


# ---- input checks ------------------------------------------------------------------------------
def _num(value, element, key, what="a number") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)):
        raise PlantError(f"must be {what}, got {value!r}", element=element, key=key)
    return float(value)


_DIM_OF_SI = {"rad/s": "angular_speed", "rad/s^2": "angular_acceleration", "rad": "angle", "kg": "mass", "m": "length"}


def _floats(value, element, key, n: int | None, unit: str, per: str = "joint") -> tuple:
    """A tuple of n finite numbers; a single number is repeated n times. Strings carry a unit
    ("120 deg/s"), as in scene files."""
    if isinstance(value, (int, float, np.integer, np.floating, str)) and not isinstance(value, bool) and n is not None:
        value = [value] * n
    if not isinstance(value, (str, bytes, dict)) and hasattr(value, "__len__") and unit in _DIM_OF_SI:
        from ..units import api_quantity
        value = [api_quantity(v, _DIM_OF_SI[unit], element=element, key=f"{key}[{i}]") if isinstance(v, str) else v
                 for i, v in enumerate(value)]
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        raise PlantError(f"must be an array of numbers ({unit}), one per {per}, got {value!r}",
                         element=element, key=key)
    out = tuple(_num(v, element, f"{key}[{i}]", f"a finite number ({unit})") for i, v in enumerate(value))
    if n is not None and len(out) != n:
        raise PlantError(f"has {len(out)} values but the arm has {n} joints (dh); give one per {per}",
                         element=element, key=key)
    return out


def _vec3(value, element, key, what="three numbers (x, y, z in metres)") -> tuple:
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(value) != 3:
        raise PlantError(f"must be {what}, got {value!r}", element=element, key=key)
    return tuple(_num(v, element, f"{key}[{i}]", "a finite number") for i, v in enumerate(value))


def _dh(value, element) -> DH:
    if isinstance(value, dict):
        unknown = set(value) - {"a", "alpha", "d", "theta_offset"}
        if unknown:
            raise PlantError(f"unknown DH key '{sorted(unknown)[0]}'; allowed: a, alpha, d, theta_offset",
                             element=element, key="dh")
        value = DH(**{k: value.get(k) for k in ("a", "alpha", "d", "theta_offset")})
    elif not isinstance(value, DH):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise PlantError("must be a DH table (a, alpha, d, theta_offset per joint) or rows "
                             f"[a, alpha, d, theta_offset], got {value!r}", element=element, key="dh")
        for i, row in enumerate(value):
            if isinstance(row, (str, bytes, dict)) or not hasattr(row, "__len__") or len(row) != 4:
                n = len(row) if hasattr(row, "__len__") and not isinstance(row, (str, bytes)) else "no"
                raise PlantError(f"row {i} has {n} values; each DH row is [a (m), alpha (rad), d (m), "
                                 f"theta_offset (rad)], got {row!r}", element=element, key=f"dh[{i}]")
        value = DH.from_rows([[_num(v, element, f"dh[{i}][{j}]", "a finite number") for j, v in enumerate(row)]
                              for i, row in enumerate(value)])
    cols = {}
    for k, unit in (("a", "m"), ("alpha", "rad"), ("d", "m"), ("theta_offset", "rad")):
        v = getattr(value, k)
        if v is None and k == "theta_offset":
            cols[k] = None
            continue
        if v is None:
            raise PlantError(f"the DH table needs '{k}'", element=element, key=f"dh.{k}")
        cols[k] = _floats(v, element, f"dh.{k}", None, unit)
    n = len(cols["a"])
    if not 1 <= n <= JMAX:
        raise PlantError(f"an arm has 1 to {JMAX} joints, got {n}", element=element, key="dh")
    for k, v in cols.items():
        if v is not None and len(v) != n:
            raise PlantError(f"has {len(v)} entries but dh.a has {n}; every DH column needs one entry per joint",
                             element=element, key=f"dh.{k}")
    return DH(**cols)


def _task(value, element, i: int) -> Task:
    key = f"tasks[{i}]"
    if isinstance(value, dict):
        allowed = tuple(f.name for f in fields(Task))
        for k in value:
            if k not in allowed:
                raise PlantError(f"unknown task key '{k}'; allowed: {', '.join(allowed)}", element=element,
                                 key=f"{key}.{k}")
        for k in ("pick", "place", "pick_pose", "place_pose"):
            if k not in value:
                raise PlantError(f"a task needs '{k}' (pick, place, pick_pose, place_pose)", element=element,
                                 key=f"{key}.{k}")
        value = Task(**value)
    if not isinstance(value, Task):
        raise PlantError(f"must be a twin Task (pick, place, pick_pose, place_pose), got {value!r}",
                         element=element, key=key)
    for k in ("pick", "place"):
        v = getattr(value, k)
        if not isinstance(v, str) or not v:
            raise PlantError(f"must be an element name, got {v!r}", element=element, key=f"{key}.{k}")
    if value.pick == value.place:
        raise PlantError(f"picks and places at the same element '{value.pick}'", element=element, key=key)
    if value.orientation not in ORIENTATIONS:
        raise PlantError(f"must be one of {', '.join(ORIENTATIONS)}, got {value.orientation!r}", element=element,
                         key=f"{key}.orientation")
    yaws = {}
    for k in ("pick_yaw", "place_yaw"):
        v = getattr(value, k)
        if v is not None:
            v = _num(v, element, f"{key}.{k}", "an angle (rad)")
            if value.orientation == "free":
                raise PlantError("a yaw needs orientation 'down' (with 'free' only the position is reached)",
                                 element=element, key=f"{key}.{k}")
        yaws[k] = v
    return Task(value.pick, value.place, _vec3(value.pick_pose, element, f"{key}.pick_pose"),
                _vec3(value.place_pose, element, f"{key}.place_pose"), yaws["pick_yaw"], yaws["place_yaw"],
                value.orientation)


# ---- the spec ----------------------------------------------------------------------------------
@register_kind
@dataclass(kw_only=True)
class Robot(Element):
    """A serial arm of revolute joints that picks parts at its predecessors and places them at its
    successors, following its ``tasks``. Holds one part at a time.

    ``dh``: a :class:`DH` table (or rows [a, alpha, d, theta_offset], m and rad). ``max_velocity``
    (rad/s) and ``max_acceleration`` (rad/s^2): one per joint (or one number for all).
    ``joint_limits``: [lo, hi] per joint (rad; default [-2 pi, 2 pi]). ``home``: the joint
    angles it starts at (rad; default zeros). ``link_masses``: kg per link, a point mass at the
    origin of the link's distal frame (frame i + 1) or at ``link_com`` (x, y, z in that frame, m);
    ``payload``: kg, a point mass at the tool centre point while a part is held. ``tool``: the
    tool centre point in the flange frame (m). ``base``: the origin of the base frame in plant
    coordinates (m; default: ``position``), turned by ``base_yaw`` (rad) about the vertical.
    ``grip_time`` and ``release_time``: seconds. ``profile``: "trapezoid" (synchronised
    joint-space trapezoids). ``health``: :class:`twin.maintenance.HealthComponent` s (joints,
    gearboxes, the gripper); usage-driven wear counts cycles or joint work (``usage="load"``, per kJ):
    of the whole arm, or with ``part="jointN"`` (1-based) of that joint alone. Any failure stops
    the whole arm.
    """

    dh: DH
    max_velocity: tuple
    max_acceleration: tuple
    tasks: tuple[Task, ...]
    joint_limits: tuple | None = None
    home: tuple | None = None
    link_masses: tuple | None = None
    link_com: tuple | None = None
    payload: float = 0.0
    tool: tuple | None = None
    base: tuple | None = None
    base_yaw: float = 0.0
    grip_time: float = 0.5
    release_time: float = 0.5
    profile: str = "trapezoid"
    health: tuple[HealthComponent, ...] = ()
    kind: ClassVar[str] = "robot"
    look: ClassVar[Look] = Look("arm", "#ef8a2b", (1.2, 1.2, 1.6), reach=True)
    routing: ClassVar[str] = "first_available"  # successors are chosen by the tasks, never by probability
    field_units: ClassVar[dict[str, str]] = {
        "max_velocity": "angular_speed", "max_acceleration": "angular_acceleration", "joint_limits": "angle",
        "home": "angle", "link_masses": "mass", "link_com": "length", "payload": "mass", "tool": "length",
        "base": "length", "base_yaw": "angle", "grip_time": "time", "release_time": "time"}

    def __post_init__(self):
        super().__post_init__()
        name = self.name
        self.dh = _dh(self.dh, name)
        n = self.dh.joints
        self.max_velocity = _floats(self.max_velocity, name, "max_velocity", n, "rad/s")
        self.max_acceleration = _floats(self.max_acceleration, name, "max_acceleration", n, "rad/s^2")
        for key in ("max_velocity", "max_acceleration"):
            for j, v in enumerate(getattr(self, key)):
                if not v > 0:
                    raise PlantError(f"joint {j}: limits must be positive, got {v:g}", element=name, key=f"{key}[{j}]")
        if self.joint_limits is not None:
            lim = self.joint_limits
            if isinstance(lim, (str, bytes, dict)) or not hasattr(lim, "__len__") or len(lim) != n:
                raise PlantError(f"needs one [lo, hi] pair (rad) per joint ({n} joints), got {lim!r}",
                                 element=name, key="joint_limits")
            pairs = []
            for j, pair in enumerate(lim):
                lo, hi = _vec2(pair, name, f"joint_limits[{j}]")
                if lo > hi:
                    raise PlantError(f"joint {j}: lower limit {lo:g} rad is above the upper limit {hi:g} rad",
                                     element=name, key=f"joint_limits[{j}]")
                pairs.append((lo, hi))
            self.joint_limits = tuple(pairs)
        if self.home is not None:
            self.home = _floats(self.home, name, "home", n, "rad")
        lo, hi = self.limits
        for j, q in enumerate(self.home_q):
            if not lo[j] <= q <= hi[j]:
                raise PlantError(f"joint {j}: home angle {q:g} rad is outside its limits [{lo[j]:g}, {hi[j]:g}] rad"
                                 + ("" if self.home is not None else "; give a home configuration"),
                                 element=name, key="home")
        if self.link_masses is not None:
            self.link_masses = _floats(self.link_masses, name, "link_masses", n, "kg", "link")
            for j, v in enumerate(self.link_masses):
                if v < 0:
                    raise PlantError(f"link {j}: a mass must not be negative, got {v:g} kg", element=name,
                                     key=f"link_masses[{j}]")
        if self.link_com is not None:
            com = self.link_com
            if isinstance(com, (str, bytes, dict)) or not hasattr(com, "__len__") or len(com) != n:
                raise PlantError(f"needs one (x, y, z) point (m) per link ({n} links), got {com!r}",
                                 element=name, key="link_com")
            self.link_com = tuple(_vec3(c, name, f"link_com[{j}]") for j, c in enumerate(com))
        self.payload = _num(self.payload, name, "payload", "a mass in kg")
        if self.payload < 0:
            raise PlantError(f"must not be negative, got {self.payload:g} kg", element=name, key="payload")
        if self.tool is not None:
            self.tool = _vec3(self.tool, name, "tool")
        if self.base is not None:
            self.base = _vec3(self.base, name, "base")
        self.base_yaw = _num(self.base_yaw, name, "base_yaw", "an angle (rad)")
        for key in ("grip_time", "release_time"):
            v = _num(getattr(self, key), name, key, "a time in seconds")
            if v < 0:
                raise PlantError(f"must not be negative, got {v:g} s", element=name, key=key)
            setattr(self, key, v)
        if self.profile not in PROFILES:
            raise PlantError(f"must be one of {', '.join(PROFILES)}, got {self.profile!r}", element=name, key="profile")
        tasks = self.tasks
        if isinstance(tasks, (Task, dict)):
            tasks = [tasks]
        if isinstance(tasks, (str, bytes)) or not hasattr(tasks, "__len__") or len(tasks) == 0:
            raise PlantError("needs at least one task (pick, place, pick_pose, place_pose)", element=name,
                             key="tasks")
        self.tasks = tuple(_task(t, name, i) for i, t in enumerate(tasks))
        self.health = _health_components(self.health, name, self.part_names(), part_required=False)

    def floor_position(self):
        """Its ``position``, else its ``base``: where the renderers place the arm."""
        return self.position if self.position is not None else self.base

    def drawn_links(self, q=None) -> np.ndarray:
        """Joint origins [J + 2, 3] (plant coordinates, base first, the tool centre point last) at
        joint angles ``q`` (default: ``home``): what the ``arm`` shape draws (twin.render.meshes)."""
        q = self.home_q if q is None else q
        return np.asarray(link_positions(self, q), dtype=float).reshape(-1, 3)

    # -- effective values (defaults filled in) --
    @property
    def joints(self) -> int:
        return self.dh.joints

    def part_names(self) -> tuple[str, ...]:
        """What a health component may sit on: 'joint1' .. 'jointN' (or, with no part, the whole arm)."""
        return tuple(f"joint{j + 1}" for j in range(self.joints))

    def part_index(self, part: str) -> int:
        """The joint (0-based) a component's ``part`` names."""
        return self.part_names().index(part)

    @property
    def limits(self) -> tuple[np.ndarray, np.ndarray]:
        if self.joint_limits is None:
            return np.full(self.joints, -DEFAULT_LIMIT), np.full(self.joints, DEFAULT_LIMIT)
        lim = np.array(self.joint_limits, np.float64)
        return lim[:, 0].copy(), lim[:, 1].copy()

    @property
    def home_q(self) -> np.ndarray:
        return np.zeros(self.joints) if self.home is None else np.array(self.home, np.float64)

    @property
    def masses(self) -> np.ndarray:
        return np.zeros(self.joints) if self.link_masses is None else np.array(self.link_masses, np.float64)

    @property
    def coms(self) -> np.ndarray:
        return np.zeros((self.joints, 3)) if self.link_com is None else np.array(self.link_com, np.float64)

    @property
    def tcp_offset(self) -> np.ndarray:
        return np.zeros(3) if self.tool is None else np.array(self.tool, np.float64)

    @property
    def base_position(self) -> np.ndarray:
        if self.base is not None:
            return np.array(self.base, np.float64)
        return np.array(self.position if self.position is not None else (0.0, 0.0, 0.0), np.float64)

    @property
    def reach(self) -> float:
        """An upper bound of the TCP's distance from the base origin (m)."""
        dh = self.dh.rows()
        return float(np.hypot(dh[:, 0], dh[:, 2]).sum() + np.linalg.norm(self.tcp_offset))

    # -- Element hooks --
    in_wip: ClassVar[bool] = True  # parts it carries / lots in the tool count in the plant's WIP

    KPIS: ClassVar[tuple[str, ...]] = KPIS + ("throughput_per_hour",)  # the module's KPIS, then throughput

    def kpis(self, run) -> dict:
        return kpis(run.model, run.arrays, run.index, run.window_steps, run.window)

    def load_units_per_use(self, dt: float) -> float:
        """A use of load-driven wear is a kilojoule of joint work (counted in millijoules)."""
        return 1e6

    def kernel_capacity(self, plant) -> int:
        return 1

    def durations(self):
        out = {}
        if self.grip_time > 0:
            out["grip_time"] = dists.Deterministic(self.grip_time)
        if self.release_time > 0:
            out["release_time"] = dists.Deterministic(self.release_time)
        for c in self.health:
            out.update(c.durations())
        return out

    def check(self, plant) -> None:
        preds, succs = plant.predecessors(self.name), plant.successors(self.name)
        for i, t in enumerate(self.tasks):
            for k, group, side in (("pick", preds, "an input"), ("place", succs, "an output")):
                target = getattr(t, k)
                if target not in plant:
                    raise PlantError(f"task {i} {k}s at '{target}', but there is no element of that name"
                                     f"{nearest(str(target), [str(n) for n in plant.graph.nodes])}",
                                     element=self.name, key=f"tasks[{i}].{k}")
                if target not in group:
                    arrow = f"'{target}' -> '{self.name}'" if k == "pick" else f"'{self.name}' -> '{target}'"
                    raise PlantError(f"task {i} {k}s at '{target}', which is not {side} of this robot; connect "
                                     f"{arrow}", element=self.name, key=f"tasks[{i}].{k}")
        for group, k, side in ((preds, "pick", "input"), (succs, "place", "output")):
            for other in group:
                if plant[other].kind == KIND:
                    raise PlantError(f"a robot cannot hand parts directly to another robot ('{other}'); put a "
                                     "buffer or conveyor between them", element=self.name)
                if not any(getattr(t, k) == other for t in self.tasks):
                    raise PlantError(f"'{other}' is an {side} of this robot but no task {k}s there; add a task "
                                     f"with {k} = '{other}' or remove the connection", element=self.name, key="tasks")

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["dh"] = self.dh.to_dict()
        out["tasks"] = [t.to_dict() for t in self.tasks]
        return out


def _vec2(value, element, key) -> tuple:
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(value) != 2:
        raise PlantError(f"must be a pair [lo, hi] of angles (rad), got {value!r}", element=element, key=key)
    return tuple(_num(v, element, f"{key}[{i}]", "a finite angle") for i, v in enumerate(value))


# ---- kernels for one arm -------------------------------------------------------------------------
def _arm_inputs(robot: Robot, device) -> dict:
    return {
        "dh": wp.array(robot.dh.rows(), dtype=wp.float64, device=device),
        "n": robot.joints,
        "base": wp.vec3d(*robot.base_position),
        "yaw": wp.float64(robot.base_yaw),
        "tool": wp.vec3d(*robot.tcp_offset),
    }


def _dyn_inputs(robot: Robot, device) -> list:
    return [wp.array(robot.masses, dtype=wp.float64, device=device),
            wp.array(robot.coms, dtype=wp.vec3d, device=device)]


def forward_kinematics(robot: Robot, q, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """For joint angles q [N, J] (rad): the frame origins [N, J + 2, 3] (base, frames 1..J, then
    the TCP) and the tool rotation [N, 3, 3], plant coordinates (Warp kernel)."""
    q = np.atleast_2d(np.asarray(q, np.float64))
    a = _arm_inputs(robot, device)
    pts = wp.zeros((len(q), robot.joints + 2), dtype=wp.vec3d, device=device)
    rot = wp.zeros(len(q), dtype=wp.mat33d, device=device)
    wp.launch(rk.forward_kinematics, dim=len(q), device=device,
              inputs=[a["dh"], a["n"], a["base"], a["yaw"], a["tool"], wp.array(q, dtype=wp.float64, device=device),
                      pts, rot])
    return pts.numpy(), rot.numpy()


def link_positions(robot: Robot, q=None) -> np.ndarray:
    """Joint origins of one configuration (default: ``home``) as [J + 2, 3] points in plant
    coordinates (base, frames 1..J, the tool centre point): what rendering draws."""
    q = robot.home if q is None else q
    return forward_kinematics(robot, np.asarray(q, np.float64)[None, :])[0][0]


def joint_torques(robot: Robot, q, qd=None, qdd=None, payload: float = 0.0, gravity=GRAVITY,
                  device: str = "cpu") -> np.ndarray:
    """Joint torques [N, J] (N m) for joint angles, velocities and accelerations [N, J] (point-mass
    Newton–Euler; ``payload`` kg at the TCP)."""
    q = np.atleast_2d(np.asarray(q, np.float64))
    qd = np.zeros_like(q) if qd is None else np.atleast_2d(np.asarray(qd, np.float64))
    qdd = np.zeros_like(q) if qdd is None else np.atleast_2d(np.asarray(qdd, np.float64))
    qs = np.stack([q, qd, qdd], axis=-1)
    a = _arm_inputs(robot, device)
    tau = wp.zeros((len(q), robot.joints), dtype=wp.float64, device=device)
    wp.launch(rk.joint_torques, dim=len(q), device=device,
              inputs=[a["dh"], a["n"], a["base"], a["yaw"], a["tool"], *_dyn_inputs(robot, device),
                      wp.float64(payload), wp.vec3d(*gravity), wp.array(qs, dtype=wp.float64, device=device), tau])
    return tau.numpy()


@dataclass(frozen=True)
class Target:
    """An IK target: TCP position (m), orientation ("down" or "free"), optional yaw (rad), and a
    label for error messages (``key``: where it came from)."""

    position: tuple
    orientation: str = "down"
    yaw: float | None = None
    label: str = "target"
    key: str | None = None

    @property
    def mode(self) -> int:
        if self.orientation == "free":
            return int(rk.ORIENT_FREE)
        return int(rk.ORIENT_YAW) if self.yaw is not None else int(rk.ORIENT_DOWN)


def _seeds(robot: Robot, count: int) -> np.ndarray:
    lo, hi = robot.limits
    lo, hi = np.maximum(lo, -math.pi), np.minimum(hi, math.pi)
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    rng = np.random.default_rng(20240601)
    seeds = rng.uniform(lo, hi, size=(count, robot.joints))
    seeds[0] = robot.home_q
    return seeds


def _wrap_into_limits(q: np.ndarray, lo, hi, home) -> np.ndarray | None:
    """q with each joint shifted by whole turns into [lo, hi] (nearest home), or None."""
    out = q.copy()
    for j, v in enumerate(q):
        options = [v + 2 * math.pi * k for k in range(-3, 4)]
        options = [x for x in options if lo[j] - 1e-9 <= x <= hi[j] + 1e-9]
        if not options:
            return None
        out[j] = min(options, key=lambda x: abs(x - home[j]))
    return np.clip(out, lo, hi)


def inverse_kinematics(robot: Robot, targets, device: str = "cpu") -> np.ndarray:
    """Joint angles [N, J] reaching each :class:`Target` (or (x, y, z) tuple, tool down) within
    ``IK_POSITION_TOLERANCE`` and ``IK_ORIENTATION_TOLERANCE`` inside the joint limits: damped
    least squares from ``IK_SEEDS`` seeds (home first) in one batched kernel; of the solutions,
    the one nearest home (in time: sum of ((q - home) / max_velocity)^2). Raises PlantError naming
    the robot and the target if there is none."""
    targets = [t if isinstance(t, Target) else Target(tuple(float(v) for v in t)) for t in targets]
    n, S, T = robot.joints, IK_SEEDS, len(targets)
    if T == 0:
        return np.zeros((0, n))
    lo, hi = robot.limits
    home, vmax = robot.home_q, np.array(robot.max_velocity)
    a = _arm_inputs(robot, device)
    rows = T * S * 2
    q = wp.zeros((rows, n), dtype=wp.float64, device=device)
    q_try = wp.zeros((rows, n), dtype=wp.float64, device=device)
    err = wp.zeros((rows, 2), dtype=wp.float64, device=device)
    wp.launch(rk.inverse_kinematics, dim=(T, S, 2), device=device, inputs=[
        a["dh"], n, a["base"], a["yaw"], a["tool"], wp.array(lo, dtype=wp.float64, device=device),
        wp.array(hi, dtype=wp.float64, device=device), wp.array(home, dtype=wp.float64, device=device),
        wp.array(np.array([t.position for t in targets], np.float64), dtype=wp.vec3d, device=device),
        wp.array(np.array([t.mode for t in targets], np.int32), dtype=wp.int32, device=device),
        wp.array(np.array([t.yaw or 0.0 for t in targets], np.float64), dtype=wp.float64, device=device),
        wp.array(_seeds(robot, S), dtype=wp.float64, device=device), IK_ITERATIONS, q, q_try, err])
    q, err = q.numpy().reshape(T, S * 2, n), err.numpy().reshape(T, S * 2, 2)
    out = np.zeros((T, n))
    for t, target in enumerate(targets):
        ok = (err[t, :, 0] <= IK_POSITION_TOLERANCE) & (err[t, :, 1] <= IK_ORIENTATION_TOLERANCE)
        best, best_cost, outside = None, math.inf, None
        for i in np.flatnonzero(ok):
            w = _wrap_into_limits(q[t, i], lo, hi, home)
            if w is None:
                if outside is None:
                    outside = q[t, i]
                continue
            cost = float(np.sum(((w - home) / vmax) ** 2))
            if cost < best_cost:
                best, best_cost = w, cost
        if best is None:
            raise _unreachable(robot, target, err[t], outside, lo, hi)
        out[t] = best
    return out


def _unreachable(robot: Robot, target: Target, err: np.ndarray, outside, lo, hi) -> PlantError:
    x, y, z = target.position
    where = f"{target.label} ({x:.4g}, {y:.4g}, {z:.4g}) m"
    if outside is not None:
        bad = []
        for j, v in enumerate(outside):
            v = min((v + 2 * math.pi * k for k in range(-3, 4)), key=lambda u: max(lo[j] - u, u - hi[j], 0.0))
            if not lo[j] - 1e-9 <= v <= hi[j] + 1e-9:
                bad.append(f"joint {j} would need {math.degrees(v):.1f} deg, limits "
                           f"[{math.degrees(lo[j]):.1f}, {math.degrees(hi[j]):.1f}] deg")
        return PlantError(f"{where} is reachable only outside the joint limits ({'; '.join(bad)})",
                          element=robot.name, key=target.key)
    b = robot.base_position
    pos_ok = err[:, 0] <= IK_POSITION_TOLERANCE
    if pos_ok.any():
        ang = math.degrees(float(err[pos_ok, 1].min()))
        what = "pointing straight down" if target.yaw is None else \
            f"pointing down at yaw {math.degrees(target.yaw):.1f} deg"
        return PlantError(f"{where} is reachable, but not with the tool {what} (off by {ang:.2g} deg at best); "
                          "move the target or use orientation = 'free'", element=robot.name, key=target.key)
    gap = float(err[:, 0].min())
    return PlantError(f"{where} is out of reach: the tool centre point gets no closer than {gap:.3g} m "
                      f"(base at ({b[0]:.4g}, {b[1]:.4g}, {b[2]:.4g}) m, reach at most {robot.reach:.3g} m); "
                      f"targets must be within {IK_POSITION_TOLERANCE * 1000:g} mm", element=robot.name,
                      key=target.key)


def task_targets(robot: Robot) -> list[Target]:
    """The pick and place targets of every task, in order (pick 0, place 0, pick 1, ...)."""
    out = []
    for i, t in enumerate(robot.tasks):
        for side in ("pick", "place"):
            out.append(Target(getattr(t, f"{side}_pose"), t.orientation, getattr(t, f"{side}_yaw"),
                              f"task {i} ({t.pick} -> {t.place}): the {side} pose", f"tasks[{i}].{side}_pose"))
    return out


def move_table(robot: Robot, confs, dt: float, device: str = "cpu") -> dict:
    """Every move between configurations confs [C, J]: ``seconds`` [C*C] (minimum time),
    ``steps`` [C*C] (rounded up to whole steps of dt), ``energy`` [C*C, 2] (J; unloaded, loaded),
    ``joint_energy`` [C*C, 2, J] (J: each joint's share of it) and ``peak`` [C*C, 2, J] (N m);
    pair index from * C + to."""
    confs = np.atleast_2d(np.asarray(confs, np.float64))
    C, n = confs.shape
    a = _arm_inputs(robot, device)
    conf = wp.array(confs, dtype=wp.float64, device=device)
    vmax = wp.array(np.array(robot.max_velocity), dtype=wp.float64, device=device)
    amax = wp.array(np.array(robot.max_acceleration), dtype=wp.float64, device=device)
    seconds = wp.zeros(C * C, dtype=wp.float64, device=device)
    steps = wp.zeros(C * C, dtype=wp.int64, device=device)
    wp.launch(rk.plan_moves, dim=(C, C), device=device,
              inputs=[conf, n, vmax, amax, wp.float64(1.0 / dt), seconds, steps])
    qs = wp.zeros((C * C * 2, n, 3), dtype=wp.float64, device=device)
    tau = wp.zeros((C * C * 2, n), dtype=wp.float64, device=device)
    energy = wp.zeros((C * C, 2), dtype=wp.float64, device=device)
    peak = wp.zeros((C * C, 2, n), dtype=wp.float64, device=device)
    joint_energy = wp.zeros((C * C, 2, n), dtype=wp.float64, device=device)
    wp.launch(rk.move_dynamics, dim=(C * C, 2), device=device,
              inputs=[a["dh"], n, a["base"], a["yaw"], a["tool"], *_dyn_inputs(robot, device),
                      wp.float64(robot.payload), wp.vec3d(*GRAVITY), conf, vmax, steps, wp.float64(dt),
                      MAX_TORQUE_SAMPLES, qs, tau, energy, peak, joint_energy])
    return {"seconds": seconds.numpy(), "steps": steps.numpy(), "energy": energy.numpy(), "peak": peak.numpy(),
            "joint_energy": joint_energy.numpy()}


def configurations(robot: Robot, device: str = "cpu") -> np.ndarray:
    """[1 + 2 * tasks, J]: home, then the pick and place configuration of every task."""
    return np.vstack([robot.home_q[None, :], inverse_kinematics(robot, task_targets(robot), device)])


# ---- simulator hooks -----------------------------------------------------------------------------
def _robots(model_or_names, plant=None) -> list[int]:
    if plant is None:
        return [i for i, k in enumerate(model_or_names.kinds) if k == KIND]
    return [i for i, n in enumerate(model_or_names) if plant[n].kind == KIND]


def compile_params(plant, names: list[str], dt: float, device: str, dist_id=None) -> RobotParams:
    """Model.robot (the kind's fill hook, kernels/registry.py): solves every robot's task poses and
    tabulates its moves (raises PlantError naming the robot and the target for a pose it cannot
    reach). Robots draw no random durations: ``dist_id`` is not used."""
    index = {n: i for i, n in enumerate(names)}
    robots = _robots(names, plant)
    idx = np.full(max(len(names), 1), -1, np.int32)
    elem, joint_start, dh, vmax, base, yaw, tool = [], [0], [], [], [], [], []
    n_conf, conf_start, conf_q = [], [], []
    task_start, t_pick, t_place, t_pick_conf, t_place_conf = [0], [], [], [], []
    grip, release, move_start, m_steps, m_energy, m_peak, m_joint = [], [], [], [], [], [], []
    for b, i in enumerate(robots):
        rob: Robot = plant[names[i]]
        idx[i] = b
        elem.append(i)
        n = rob.joints
        joint_start.append(joint_start[-1] + n)
        dh.append(rob.dh.rows())
        vmax.append(np.array(rob.max_velocity))
        base.append(rob.base_position)
        yaw.append(rob.base_yaw)
        tool.append(rob.tcp_offset)
        confs = configurations(rob, device)
        C = len(confs)
        n_conf.append(C)
        conf_start.append(sum(len(c) for c in conf_q))
        padded = np.zeros((C, JMAX))
        padded[:, :n] = confs
        conf_q.append(padded)
        for k, t in enumerate(rob.tasks):
            t_pick.append(index[t.pick])
            t_place.append(index[t.place])
            t_pick_conf.append(1 + 2 * k)
            t_place_conf.append(2 + 2 * k)
        task_start.append(len(t_pick))
        grip.append(_steps(rob.grip_time, dt))
        release.append(_steps(rob.release_time, dt))
        table = move_table(rob, confs, dt, device)
        move_start.append(sum(len(s) for s in m_steps))
        m_steps.append(table["steps"])
        m_energy.append(table["energy"])
        peak = np.zeros((C * C, 2, JMAX))
        peak[:, :, :n] = table["peak"]
        m_peak.append(peak)
        joint = np.zeros((C * C, 2, JMAX))
        joint[:, :, :n] = table["joint_energy"]
        m_joint.append(joint)

    def arr(values, dtype, empty_shape, np_dtype):
        a = np.asarray(values, np_dtype) if len(values) else np.zeros(empty_shape, np_dtype)
        return wp.array(a, dtype=dtype, device=device)

    p = RobotParams()
    p.index = wp.array(idx, dtype=wp.int32, device=device)
    p.elem = arr(elem, wp.int32, 1, np.int32)
    p.joint_start = arr(joint_start, wp.int32, 1, np.int32)
    p.dh = arr(np.vstack(dh) if dh else [], wp.float64, (1, 4), np.float64)
    p.vmax = arr(np.concatenate(vmax) if vmax else [], wp.float64, 1, np.float64)
    p.base = arr(base, wp.vec3d, (1, 3), np.float64)
    p.base_yaw = arr(yaw, wp.float64, 1, np.float64)
    p.tool = arr(tool, wp.vec3d, (1, 3), np.float64)
    p.n_conf = arr(n_conf, wp.int32, 1, np.int32)
    p.conf_start = arr(conf_start, wp.int32, 1, np.int32)
    p.conf_q = arr(np.vstack(conf_q) if conf_q else [], wp.float64, (1, JMAX), np.float64)
    p.task_start = arr(task_start, wp.int32, 1, np.int32)
    p.task_pick = arr(t_pick, wp.int32, 1, np.int32)
    p.task_place = arr(t_place, wp.int32, 1, np.int32)
    p.task_pick_conf = arr(t_pick_conf, wp.int32, 1, np.int32)
    p.task_place_conf = arr(t_place_conf, wp.int32, 1, np.int32)
    p.grip_steps = arr(grip, wp.int64, 1, np.int64)
    p.release_steps = arr(release, wp.int64, 1, np.int64)
    p.move_start = arr(move_start, wp.int32, 1, np.int32)
    p.move_steps = arr(np.concatenate(m_steps) if m_steps else [], wp.int64, 1, np.int64)
    p.move_energy = arr(np.vstack(m_energy) if m_energy else [], wp.float64, (1, 2), np.float64)
    p.move_peak = arr(np.vstack(m_peak) if m_peak else [], wp.float64, (1, 2, JMAX), np.float64)
    p.move_joint_energy = arr(np.vstack(m_joint) if m_joint else [], wp.float64, (1, 2, JMAX), np.float64)
    return p


def _steps(seconds: float, dt: float) -> int:
    return whole_steps(seconds / dt) if seconds > 0 else 0  # saturated: twin/stepclock.py


def _host(model) -> dict:
    """Host copies of the robot parameters (cached on the model)."""
    cache = getattr(model, "_robot_host", None)
    if cache is None:
        rp = host_struct(model.arrays.robot)
        cache = {k: getattr(rp, k).numpy() for k in RobotParams.vars}
        model._robot_host = cache
    return cache


def state_dims(model, replicas: int = 1, control=None) -> dict:
    """Axis sizes of the robot State tables (the kind's fill hook, the same for any ``replicas``
    and ``control``; kernels/robot_layout.py TABLES, twin/state.py allocates them): robots, moves
    per robot (the largest 2 * n_conf^2), joint rows."""
    robots = _robots(model)
    h = _host(model)
    moves = max([2 * int(c) ** 2 for c in h["n_conf"][:len(robots)]] or [1])
    return {"robot": max(len(robots), 1), "move": moves,
            "joint": max(int(h["joint_start"][len(robots)]) if robots else 0, 1)}


def kpis(model, arrays: dict, i: int, window_steps: float, window_s: float) -> dict:
    """Per replica: ``utilization`` (moving, gripping, releasing), ``blocked`` (holding a part at
    the place, waiting for room), ``starved`` (idle), ``down`` (stopped by a failed health
    component) and ``service`` (stopped for preventive service) as fractions of time; ``picks_per_hour``;
    ``cycle_time_s``, the mean time from claiming a part to the end of its release;
    ``energy_per_cycle_j``, joint work of the moves (sum_j int |tau_j qd_j| dt, from the move
    table) per completed cycle; ``power_w``, that work over the window; ``peak_torque_nm``, the
    largest |torque| of any joint in any move made in the window."""
    h = _host(model)
    b = int(h["index"][i])
    J = int(h["joint_start"][b + 1] - h["joint_start"][b])
    C, ms = int(h["n_conf"][b]), int(h["move_start"][b])
    acc = arrays["acc"][:, i, :]
    i64 = arrays["robot.i64"][:, b, :].astype(np.float64)
    moves = arrays["robot.moves"][:, b, :2 * C * C].astype(np.float64)  # [R, pair * 2 + loaded]
    energy_tab = h["move_energy"][ms:ms + C * C].reshape(-1)
    peak_tab = h["move_peak"][ms:ms + C * C, :, :J].reshape(2 * C * C, J).max(axis=1)
    energy = (moves * energy_tab).sum(axis=1)  # row by row: a replica's value does not depend on the batch
    cycles = i64[:, RB_CYCLES]
    used = moves > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_cycle = np.where(cycles > 0, energy / np.maximum(cycles, 1), np.nan)
        ct = np.where(cycles > 0, i64[:, RB_CYCLE_SUM] / np.maximum(cycles, 1) * model.dt, np.nan)
    peak = np.array([peak_tab[u].max() if u.any() else np.nan for u in used])

    def frac(name):  # a window integral by name (kernels/tables.py decoder), fraction of the window
        return ACC_TABLE.column(acc, name, kind="robot").astype(np.float64) / window_steps

    return {"utilization": frac("busy"), "blocked": frac("blocked"), "starved": frac("idle"), "down": frac("down"),
            "service": frac("service"), "picks_per_hour": i64[:, RB_PICKS] * 3600.0 / window_s,
            "cycle_time_s": ct, "energy_per_cycle_j": per_cycle, "power_w": energy / window_s,
            "peak_torque_nm": peak}


# The recording hook (twin.recording.recorded_kinds): this kind's frames are ``Recorded.equipment["robots"]``
# (``Recorded.robots``), saved as "robot:NAME:FIELD" (the key recordings were always saved with).
KERNEL_MODULES = ("robot_kinematics",)  # launched outside the engine (twin.model.kinds_kernel_modules: twin warmup)
RECORDED = "robots"
RECORDED_FILE_KEY = KIND


class Recorder:
    """Frames of the robots of one replica: joint angles [F, J] (rad), frame origins [F, J + 1, 3]
    (base first, plant coordinates, m), the TCP [F, 3] and holding [F] (0/1), by robot name."""

    def __init__(self, model, steps: np.ndarray):
        self.model = model
        self.robots = _robots(model)
        if not self.robots:
            return
        dev, F, nr = model.device, len(steps), len(self.robots)
        self.joints = wp.zeros((F, nr, JMAX), dtype=wp.float64, device=dev)
        self.links = wp.zeros((F, nr, JMAX + 1, 3), dtype=wp.float64, device=dev)
        self.tcp = wp.zeros((F, nr, 3), dtype=wp.float64, device=dev)
        self.holding = wp.zeros((F, nr), dtype=wp.int8, device=dev)

    def snapshot(self, kmodel, state, replica: int, frame: int, step: int) -> None:
        if not self.robots:
            return
        wp.launch(rk.record_robots, dim=len(self.robots), device=self.model.device,
                  inputs=[kmodel, state, replica, frame, wp.int64(step), self.joints, self.links, self.tcp,
                          self.holding])

    def finish(self) -> dict:
        if not self.robots:
            return {}
        h = _host(self.model)
        joints, links, tcp, holding = (a.numpy() for a in (self.joints, self.links, self.tcp, self.holding))
        out = {}
        for b, i in enumerate(self.robots):
            J = int(h["joint_start"][b + 1] - h["joint_start"][b])
            out[self.model.names[i]] = {"joints": joints[:, b, :J], "links": links[:, b, :J + 1],
                                        "tcp": tcp[:, b], "holding": holding[:, b]}
        return out
