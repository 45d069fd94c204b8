"""The Model and State structs shared by every kernel, and the codes they use.

Per-element fields are packed into a few (replica, element, field) arrays so that one element of
one replica sits in one or two cache lines and the structs passed to every function stay small.
A kind's own structs (a conveyor's, a robot's, a cluster tool's, the crew's) are declared in
the kind's layout module, which the kind registry names (kernels/registry.py ``layout``); Model
and State get one field per such kind by iterating the registry (``KIND_LAYOUTS``), so this file
names no kind. Those fields are one-element arrays (``struct_ref``), so Model and State stay
small: Warp passes structs by value into every ``@wp.func``, and the hot path must not copy
kilobytes per call.
The State tables' columns are declared once below (kernels/tables.py): the declaration gives
the kernels' column constants, the allocation (twin/state.py) and the host decoder by name.

Time is an integer step count (``int64``); seconds = steps * dt, derived on the host.
"""

import importlib

import warp as wp

from .registry import KINDS as _ENTRIES
from .tables import Column, KindArea, Table

wp.set_module_options({"enable_backward": False})

NEVER = wp.constant(wp.int64(4611686018427387904))  # 2**62: "no event scheduled"

# element kinds: Model.kind holds the ``id`` of each element's kind (kernels/kinds.py)

# routing rules
ROUTE_PROBABILITY = wp.constant(0)
ROUTE_FIRST_AVAILABLE = wp.constant(1)
ANY_SUCCESSOR = wp.constant(-1)  # slot destination of a first-available part

# failure modes
FAIL_NONE = wp.constant(0)
FAIL_TIME = wp.constant(1)
FAIL_OPERATION = wp.constant(2)

# slot status (machine servers; buffer and source slots only hold parts)
IDLE = wp.constant(0)
BUSY = wp.constant(1)
DONE = wp.constant(2)    # finished, waiting for its successor (blocked)
PAUSED = wp.constant(3)  # in process on a machine that is down

# ---- State tables, declared once (kernels/tables.py) ---------------------------------------------
# Each declaration gives the kernels their column constants (exported below as wp.constant),
# twin/state.py the allocation and byte count, and the host a decoder by name (results.py).
# Kind-specific columns live in a table's kind area and are declared by the kind's kernel module.
_T = __name__
EL64_TABLE = Table("el64", "int64", ("replica", "element"), "per-element times and counters", owner=_T,
             width_const="EL64", columns=(
                 Column("E_NEXT", "next", "step", "the element's next timed event (NEVER: none)"),
                 Column("E_FAIL", "fail", "step", "next failure while the failure clock runs, else NEVER"),
                 Column("E_FAIL_LEFT", "fail_left", "steps",
                        "operation-dependent failures: busy steps left while the clock is stopped"),
                 Column("E_REPAIR", "repair", "step", "the running repair ends (while down)"),
                 Column("E_STAT", "stat", "step", "the element's time integrals are accumulated up to here"),
                 Column("E_OUT", "out", "parts", "parts that left the element inside the statistics window"),
                 KindArea(4),
                 Column("E_WORK", "work", "steps", "steps worked since the start (the operating clock)"),
                 Column("E_USES", "uses", "uses",
                        "uses since the start: parts a machine finished, item-steps a belt carried"),
             ))
EL32_TABLE = Table("el32", "int32", ("replica", "element"), "per-element counts and flags", owner=_T,
             width_const="EL32", columns=(
                 Column("E_COUNT", "count", "parts",
                        "parts held: buffer queue, machine parts on servers, source 0/1 pending"),
                 Column("E_HEAD", "head", "slot", "buffer ring head"),
                 Column("E_DOWN", "down", "flag", "machine is down"),
                 Column("E_BUSY", "busy", "servers", "servers processing"),
                 Column("E_DONE", "done", "servers", "servers holding a finished part"),
                 Column("E_QUEUED", "queued", "flag", "the element is on the replica's work stack"),
                 KindArea(2),
                 Column("E_HOLD_FAIL", "hold_fail", "components",
                        "failed health components stopping the element (awaiting or under repair)"),
                 Column("E_HOLD_SERVICE", "hold_service", "components",
                        "health components under preventive service stopping the element"),
             ))
ACC_TABLE = Table("acc", "int64", ("replica", "element"),
            "time integrals over the statistics window, steps (x servers or parts)", owner=_T,
            width_const="ACC", columns=(
                Column("A_BUSY", "busy", "server-steps", "processing (machine up); a belt: steps it runs"),
                Column("A_BLOCKED", "blocked", "server-steps",
                       "holding a finished part (up); source: steps holding a part"),
                Column("A_IDLE", "idle", "server-steps", "idle (up) = starved; buffer: steps empty"),
                Column("A_DOWN", "down", "server-steps", "down (failed, or stopped by a failed component)"),
                Column("A_HELD", "held", "part-steps", "parts held (time-average contents x steps)"),
                Column("A_SERVICE", "service", "server-steps", "stopped for preventive service"),
            ))
S64_TABLE = Table("s64", "int64", ("replica", "slot"), "part slots (the elements' places), times", owner=_T,
            width_const="S64", columns=(
                Column("S_STEP", "step", "step",
                       "busy: completion step; paused: steps left; otherwise: step the part became ready"),
                Column("S_ENTRY", "entry", "step", "step the part entered the plant (left its source)"),
            ))
S32_TABLE = Table("s32", "int32", ("replica", "slot"), "part slots, codes", owner=_T, width_const="S32", columns=(
    Column("S_STATUS", "status", "code", "IDLE, BUSY, DONE or PAUSED"),
    Column("S_DEST", "dest", "element", "chosen successor element, or ANY_SUCCESSOR"),
))
# random streams: one per (stream owner, purpose); stream = owner * STREAMS + purpose keys the
# draws, so the purposes and their number are part of every random number (do not reorder)
_PURPOSES = (
    Column("RNG_MAIN", "main", "draws", "process / interarrival time (health: wear increments)"),
    Column("RNG_TBF", "tbf", "draws", "time between failures (health: service durations)"),
    Column("RNG_TTR", "ttr", "draws", "time to repair (health: failure draws)"),
    Column("RNG_ROUTE", "route", "draws", "routing decisions (health: sensor noise)"),
)
DRAWS_TABLE = Table("draws", "int64", ("replica", "stream"), "draws used per random stream (elements, then health "
              "components)", owner=_T, width_const="STREAMS", columns=_PURPOSES)
CARRY_TABLE = Table("carry", "float64", ("replica", "stream"), "rounding residual of durations, steps in [-0.5, 0.5]",
              owner=_T, columns=tuple(Column("RNG_" + c.name.upper(), c.name, "steps", c.doc) for c in _PURPOSES))
WORK_TABLE = Table("work", "int32", ("replica", "element"), "stack of elements to revisit at the current step", owner=_T)
REP64_TABLE = Table("rep64", "int64", ("replica",), "per-replica clock and plant counters", owner=_T,
              width_const="REP64", columns=(
                  Column("R_STEP", "step", "step", "the replica is simulated up to (excluding) this step"),
                  Column("R_ENTERED", "entered", "parts", "parts that entered the plant inside the window"),
                  Column("R_EXITED", "exited", "parts", "parts that reached a sink inside the window"),
                  Column("R_CT_SUM", "ct_sum", "steps", "sum of their cycle times"),
                  Column("R_WORK_N", "work_n", "elements", "height of the work stack"),
                  Column("R_OVERFLOW", "overflow", "element + 1",
                         "1 + element index of the first unbounded buffer that ran out of storage"),
                  Column("R_KEY", "key", "bits", "the replica's random key (kernels/sampling.py row_key), "
                         "written at the start of every engine launch"),
              ))
NEXT_TREE_TABLE = Table("next_tree", "int64", ("replica", "tree"),
                        "min-tree over E_NEXT of the timed elements (kernels/next_event.py; advance builds it)",
                        owner=_T)
CT_SUMSQ_TABLE = Table("ct_sumsq", "float64", ("replica",), "sum of squared cycle times, steps^2", owner=_T)
CT_HIST_TABLE = Table("ct_hist", "int64", ("bin",), "cycle times of all replicas, log-spaced bins", owner=_T)
TABLES = (EL64_TABLE, EL32_TABLE, ACC_TABLE, S64_TABLE, S32_TABLE, DRAWS_TABLE, CARRY_TABLE, WORK_TABLE, REP64_TABLE,
          NEXT_TREE_TABLE, CT_SUMSQ_TABLE, CT_HIST_TABLE)
for _t in (EL64_TABLE, EL32_TABLE, ACC_TABLE, S64_TABLE, S32_TABLE, DRAWS_TABLE, REP64_TABLE):  # CARRY has the purposes of DRAWS
    globals().update({_k: wp.constant(_v) for _k, _v in _t.constants().items()})

HIST_BINS_PER_OCTAVE = 128  # cycle-time histogram resolution: 2^(1/128) - 1 = 0.54% per bin
HIST_BINS = 64 * HIST_BINS_PER_OCTAVE


@wp.struct
class Distributions:
    """Duration distributions (D of them), kept apart so that samplers receive only these."""

    kind: wp.array(dtype=int)              # [D] codes of twin/distributions.py
    param: wp.array2d(dtype=wp.float64)    # [D, 4] parameters, seconds
    table_start: wp.array(dtype=int)       # [D] empirical samples: table[start : start + param[0]]
    table: wp.array(dtype=wp.float64)      # [T] seconds


# ---- the kinds' own structs, from the registry ----------------------------------------------------
def _kind_layouts() -> dict:
    """kind name -> its layout module (registry order): the kinds that declare structs of their
    own. A layout module exports ``FIELD`` (the Model/State/Control field, also the prefix of its
    tables' names), ``PARAMS``, ``STATE`` and ``CONTROL`` (Warp structs, or None) and ``TABLES``
    (STATE's tables)."""
    out = {}
    for e in _ENTRIES:
        if not e.layout:
            continue
        mod = out[e.name] = importlib.import_module(f".{e.layout}", __package__)
        missing = [n for n in ROLES + ("FIELD", "TABLES") if not hasattr(mod, n)]
        if missing:
            raise ValueError(f"{mod.__name__}: a layout module exports FIELD, PARAMS, STATE, CONTROL and TABLES "
                             f"(None or () where the kind has none); missing: {missing}")
        bad = [t.name for t in mod.TABLES if not t.name.startswith(mod.FIELD + ".")]
        if (mod.STATE is None) != (not mod.TABLES) or bad:
            raise ValueError(f"{mod.__name__}: STATE needs TABLES and each table's name starts with "
                             f"'{mod.FIELD}.' (the State field it lives in): {bad}")
    fields = [m.FIELD for m in out.values()]
    if len(set(fields)) != len(fields):
        raise ValueError(f"two kinds declare the same Model/State field: {fields}")
    return out


ROLES = ("PARAMS", "STATE", "CONTROL")  # a kind's structs: in Model, in State, in Control
KIND_LAYOUTS = _kind_layouts()


class KindFields:
    """Stands, in a struct's annotations below (KIND_PARAMS, KIND_STATE, KIND_CONTROL), for one
    field per kind whose layout module has a ``role`` struct ("PARAMS", "STATE" or "CONTROL"), in
    registry order. In Model and State: ``FIELD: wp.array(dtype=struct)``, one element
    (``struct_ref``): a struct field is copied with its parent into every @wp.func call (Warp passes
    structs by value), an array field is a 56-byte handle; m.robot[0] reads the robot fields
    through a pointer (no copy). In Control (``by_value``): ``FIELD: struct``, since the Control
    itself is read through a pointer (``s.control[0].health.policy``), so nesting it costs no copy."""

    def __init__(self, role: str, by_value: bool = False):
        self.role, self.by_value = role, by_value

    def layouts(self) -> dict:
        """FIELD -> the kind's ``role`` struct, for the kinds that have one (registry order)."""
        return {m.FIELD: getattr(m, self.role) for m in KIND_LAYOUTS.values() if getattr(m, self.role) is not None}

    def fields(self) -> dict:
        return {f: (struct if self.by_value else wp.array(dtype=struct)) for f, struct in self.layouts().items()}


KIND_PARAMS = KindFields("PARAMS")                     # in Model: the kinds' params structs
KIND_STATE = KindFields("STATE")                       # in State: the kinds' state structs
KIND_CONTROL = KindFields("CONTROL", by_value=True)    # in Control: the kinds' per-run inputs


def with_kind_fields(cls):
    """``@wp.struct`` of ``cls`` with its ``KindFields`` annotation replaced by the kinds' fields."""
    fields = {}
    for name, annotation in cls.__annotations__.items():
        fields.update(annotation.fields() if isinstance(annotation, KindFields) else {name: annotation})
    cls.__annotations__ = fields
    return wp.struct(cls)


@with_kind_fields
class Model:
    """The plant as flat arrays (read-only during a run). E elements, J transfers."""

    n_elem: int
    n_timed: int
    timed: wp.array(dtype=int)             # [n_timed] elements that schedule timed events, ascending
    timed_leaf: wp.array(dtype=int)        # [E] e's leaf in State.next_tree (its index in timed), -1: not timed
    tree_leaves: int                       # leaves of State.next_tree: a power of four >= n_timed (kernels/next_event.py)
    kind: wp.array(dtype=int)              # [E] Kind.id of the element's kind (kernels/kinds.py)
    capacity: wp.array(dtype=int)          # [E] servers (machine), places (buffer, conveyor), 1 (source), 0 (sink)
    bounded: wp.array(dtype=int)           # [E] 0: unbounded buffer (running out of storage is an error)
    slot_start: wp.array(dtype=int)        # [E] first slot of the element in State.s64 / State.s32
    main_dist: wp.array(dtype=int)         # [E] process / interarrival distribution, -1: none
    fail_mode: wp.array(dtype=int)         # [E] FAIL_NONE, FAIL_TIME, FAIL_OPERATION
    tbf_dist: wp.array(dtype=int)          # [E]
    ttr_dist: wp.array(dtype=int)          # [E]
    routing: wp.array(dtype=int)           # [E] ROUTE_PROBABILITY or ROUTE_FIRST_AVAILABLE
    kinds: KIND_PARAMS                     # [1] each: m.conveyor[0], m.robot[0], ... (KIND_LAYOUTS)
    out_start: wp.array(dtype=int)         # [E+1] successors of e: out_elem[out_start[e]:out_start[e+1]]
    out_elem: wp.array(dtype=int)          # [J]
    out_cum: wp.array(dtype=wp.float64)    # [J] cumulative routing probability
    in_start: wp.array(dtype=int)          # [E+1] predecessors of e: in_elem[in_start[e]:in_start[e+1]]
    in_elem: wp.array(dtype=int)           # [J]
    dists: Distributions
    steps_per_second: wp.float64           # 1 / dt


@with_kind_fields
class Control:
    """The inputs of one run (Newton's Model / State / Control split): a new seed, statistics
    window or any kind's per-run input is a new Control, never a copy of the Model."""

    seed: wp.uint64
    replica0: int                          # run index of row 0 of this launch (replicas in blocks: kernels/sampling.py row_key)
    warmup_step: wp.int64                  # statistics cover [warmup_step, horizon_step)
    horizon_step: wp.int64
    kinds: KIND_CONTROL                    # each by value: s.control[0].health, ... (KIND_LAYOUTS CONTROL)


@with_kind_fields
class State:
    """Everything that changes, one row per replica (R replicas, S slots in all)."""

    # the tables declared above (TABLES: axes, columns, units); any strides (twin/state.py layouts)
    el64: wp.array3d(dtype=wp.int64)     # EL64_TABLE [R, E, EL64]
    el32: wp.array3d(dtype=int)          # EL32_TABLE [R, E, EL32]
    acc: wp.array3d(dtype=wp.int64)      # ACC_TABLE [R, E, ACC]
    s64: wp.array3d(dtype=wp.int64)      # S64_TABLE [R, S, S64]
    s32: wp.array3d(dtype=int)           # S32_TABLE [R, S, S32]
    draws: wp.array3d(dtype=wp.int64)    # DRAWS_TABLE [R, E + H, STREAMS]
    carry: wp.array3d(dtype=wp.float64)  # CARRY_TABLE [R, E + H, STREAMS]
    work: wp.array2d(dtype=int)          # WORK_TABLE [R, E]
    rep64: wp.array2d(dtype=wp.int64)    # REP64_TABLE [R, REP64]
    next_tree: wp.array2d(dtype=wp.int64)  # NEXT_TREE_TABLE [R, 2 * Model.tree_leaves]
    ct_sumsq: wp.array(dtype=wp.float64)  # CT_SUMSQ_TABLE [R]
    ct_hist: wp.array(dtype=wp.int64)    # CT_HIST_TABLE [HIST_BINS]
    kinds: KIND_STATE                    # [1] each: s.robot[0], s.health[0], ... (KIND_LAYOUTS)
    # the run's Control, as a one-element array: per run like the tables, and read by the hooks
    # through the State they already receive (s.control[0].seed), so hook signatures stay (m, s, r, ...)
    control: wp.array(dtype=Control)     # [1]


def struct_ref(instance, device) -> wp.array:
    """A one-element array holding a copy of struct ``instance`` (for the Model/State fields
    above); the host instance stays reachable as ``.host`` (it owns the arrays it points to)."""
    arr = wp.array([instance], dtype=instance._cls, device=device)
    arr.host = instance
    return arr


def host_struct(value):
    """The host struct instance behind a ``struct_ref`` array (or the struct itself)."""
    return getattr(value, "host", value)
