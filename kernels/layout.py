"""The Model and State structs shared by every kernel, and the codes they use.

Per-element fields are packed into a few (replica, element, field) arrays so that one element of
one replica sits in one or two cache lines and the structs passed to every function stay small.
The per-kind structs (robot, cluster tool, health) sit behind one-element arrays
(``struct_ref``), so Model and State stay small: Warp passes structs by value into every
``@wp.func``, and the hot path must not copy kilobytes per call.
Field indices are named constants below; shapes and units are in the comments.

Time is an integer step count (``int64``); seconds = steps * dt, derived on the host.
"""

import warp as wp

from .health_layout import HealthParams, HealthState
from .robot_layout import RobotParams, RobotState
from .tool_layout import ToolParams, ToolState

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

# random streams per element (element * STREAMS + purpose)
STREAMS = wp.constant(4)
RNG_MAIN = wp.constant(0)    # process time / interarrival time
RNG_TBF = wp.constant(1)     # time between failures
RNG_TTR = wp.constant(2)     # time to repair
RNG_ROUTE = wp.constant(3)   # routing decisions

# slot status (machine servers; buffer and source slots only hold parts)
IDLE = wp.constant(0)
BUSY = wp.constant(1)
DONE = wp.constant(2)    # finished, waiting for its successor (blocked)
PAUSED = wp.constant(3)  # in process on a machine that is down

# State.el64[r, e, :]
E_NEXT = wp.constant(0)        # step of the element's next timed event (NEVER: none)
E_FAIL = wp.constant(1)        # step of the next failure while the failure clock runs, else NEVER
E_FAIL_LEFT = wp.constant(2)   # operation-dependent failures: busy steps left while the clock is stopped
E_REPAIR = wp.constant(3)      # step the running repair ends (while down)
E_STAT = wp.constant(4)        # step up to which the element's time integrals are accumulated
E_OUT = wp.constant(5)         # parts that left the element inside the statistics window
E_AUX0 = wp.constant(6)        # E_AUX*: kind-specific fields, named in the kind's module
E_AUX1 = wp.constant(7)
E_AUX2 = wp.constant(8)
E_AUX3 = wp.constant(9)
E_WORK = wp.constant(10)       # steps the element has worked since the start (the "operating" clock)
E_USES = wp.constant(11)       # uses since the start: parts a machine finished, item-steps a belt carried
EL64 = 12

# State.el32[r, e, :]
E_COUNT = wp.constant(0)   # parts held: buffer queue, machine parts on servers, source 0/1 pending
E_HEAD = wp.constant(1)    # buffer ring head
E_DOWN = wp.constant(2)    # machine is down
E_BUSY = wp.constant(3)    # machine servers processing
E_DONE = wp.constant(4)    # machine servers holding a finished part
E_QUEUED = wp.constant(5)  # the element is on the replica's work stack
E_AUX32_0 = wp.constant(6)  # kind-specific, named in the kind's module
E_AUX32_1 = wp.constant(7)
E_HOLD_FAIL = wp.constant(8)     # failed health components stopping the element (awaiting or under repair)
E_HOLD_SERVICE = wp.constant(9)  # health components under preventive service stopping the element
EL32 = 10

# State.acc[r, e, :]: time integrals over the statistics window, in steps (x parts or servers)
A_BUSY = wp.constant(0)     # server-steps processing (machine up)
A_BLOCKED = wp.constant(1)  # server-steps holding a finished part (machine up); source: steps holding a part
A_IDLE = wp.constant(2)     # server-steps idle (machine up) = starved; buffer: steps empty
A_DOWN = wp.constant(3)     # server-steps down
A_HELD = wp.constant(4)     # part-steps held (time-average contents x steps)
A_FULL = wp.constant(5)     # buffer: steps full
A_SERVICE = wp.constant(5)  # machine: server-steps stopped for preventive service
ACC = 6

# State.s64[r, slot, :] and State.s32[r, slot, :]
S_STEP = wp.constant(0)   # busy: completion step; paused: steps left; otherwise: step the part became ready
S_ENTRY = wp.constant(1)  # step the part entered the plant (left its source)
S_STATUS = wp.constant(0)
S_DEST = wp.constant(1)   # chosen successor element, or ANY_SUCCESSOR

# State.rep64[r, :]
R_STEP = wp.constant(0)     # the replica is simulated up to (excluding) this step
R_ENTERED = wp.constant(1)  # parts that entered the plant inside the window
R_EXITED = wp.constant(2)   # parts that reached a sink inside the window
R_CT_SUM = wp.constant(3)   # sum of their cycle times, steps
R_WORK_N = wp.constant(4)   # height of the work stack
R_OVERFLOW = wp.constant(5)  # 1 + element index of the first unbounded buffer that ran out of storage
REP64 = 6

HIST_BINS_PER_OCTAVE = 128  # cycle-time histogram resolution: 2^(1/128) - 1 = 0.54% per bin
HIST_BINS = 64 * HIST_BINS_PER_OCTAVE


@wp.struct
class Distributions:
    """Duration distributions (D of them), kept apart so that samplers receive only these."""

    kind: wp.array(dtype=int)              # [D] codes of twin/distributions.py
    param: wp.array2d(dtype=wp.float64)    # [D, 4] parameters, seconds
    table_start: wp.array(dtype=int)       # [D] empirical samples: table[start : start + param[0]]
    table: wp.array(dtype=wp.float64)      # [T] seconds


@wp.struct
class ConveyorParams:
    """Belt conveyors, indexed by element (entries of other kinds are unused)."""

    transit: wp.array(dtype=wp.int64)    # [E] steps for an item to travel the belt (length / speed)
    pitch: wp.array(dtype=wp.int64)      # [E] steps for the belt to move one pitch (pitch / speed)
    accumulating: wp.array(dtype=int)    # [E] 1: items queue at the end; 0: the whole belt stops


@wp.struct
class Model:
    """The plant as flat arrays (read-only during a run). E elements, J transfers."""

    n_elem: int
    n_timed: int
    timed: wp.array(dtype=int)             # [n_timed] elements that schedule timed events, ascending
    timed_leaf: wp.array(dtype=int)        # [E] e's leaf in State.next_tree (its index in timed), -1: not timed
    tree_leaves: int                       # leaves of State.next_tree: a power of two >= n_timed (kernels/next_event.py)
    kind: wp.array(dtype=int)              # [E] Kind.id of the element's kind (kernels/kinds.py)
    capacity: wp.array(dtype=int)          # [E] servers (machine), places (buffer, conveyor), 1 (source), 0 (sink)
    bounded: wp.array(dtype=int)           # [E] 0: unbounded buffer (running out of storage is an error)
    slot_start: wp.array(dtype=int)        # [E] first slot of the element in State.s64 / State.s32
    main_dist: wp.array(dtype=int)         # [E] process / interarrival distribution, -1: none
    fail_mode: wp.array(dtype=int)         # [E] FAIL_NONE, FAIL_TIME, FAIL_OPERATION
    tbf_dist: wp.array(dtype=int)          # [E]
    ttr_dist: wp.array(dtype=int)          # [E]
    routing: wp.array(dtype=int)           # [E] ROUTE_PROBABILITY or ROUTE_FIRST_AVAILABLE
    conveyor: ConveyorParams
    # Per-kind structs as one-element arrays: a struct field is copied with its parent into every
    # @wp.func call (Warp passes structs by value), an array field is a 56-byte handle; m.robot[0]
    # reads the robot fields through a pointer (no copy).
    robot: wp.array(dtype=RobotParams)     # [1]
    tool: wp.array(dtype=ToolParams)       # [1]
    health: wp.array(dtype=HealthParams)   # [1]
    out_start: wp.array(dtype=int)         # [E+1] successors of e: out_elem[out_start[e]:out_start[e+1]]
    out_elem: wp.array(dtype=int)          # [J]
    out_cum: wp.array(dtype=wp.float64)    # [J] cumulative routing probability
    in_start: wp.array(dtype=int)          # [E+1] predecessors of e: in_elem[in_start[e]:in_start[e+1]]
    in_elem: wp.array(dtype=int)           # [J]
    dists: Distributions
    steps_per_second: wp.float64           # 1 / dt
    warmup_step: wp.int64                  # statistics cover [warmup_step, horizon_step)
    horizon_step: wp.int64
    seed: wp.uint64
    replica0: int                          # run index of row 0 of this launch (replicas in blocks: kernels/sampling.py row_key)


@wp.struct
class State:
    """Everything that changes, one row per replica (R replicas, S slots in all)."""

    el64: wp.array3d(dtype=wp.int64)     # [R, E, EL64] (E_* fields)
    el32: wp.array3d(dtype=int)          # [R, E, EL32] (E_* fields)
    acc: wp.array3d(dtype=wp.int64)      # [R, E, ACC] time integrals, steps
    s64: wp.array3d(dtype=wp.int64)      # [R, S, 2] (S_STEP, S_ENTRY)
    s32: wp.array3d(dtype=int)           # [R, S, 2] (S_STATUS, S_DEST)
    draws: wp.array3d(dtype=wp.int64)    # [R, E, STREAMS] draws used per random stream
    carry: wp.array3d(dtype=wp.float64)  # [R, E, STREAMS] rounding residual of durations, steps in [-0.5, 0.5]
    work: wp.array2d(dtype=int)          # [R, E] stack of elements to revisit at the current step
    rep64: wp.array2d(dtype=wp.int64)    # [R, REP64] (R_* fields)
    next_tree: wp.array2d(dtype=wp.int64)  # [R, 2 * Model.tree_leaves] min-tree over E_NEXT of the timed elements
    ct_sumsq: wp.array(dtype=wp.float64)  # [R] sum of squared cycle times, steps^2
    ct_hist: wp.array(dtype=wp.int64)    # [HIST_BINS] cycle times of all replicas, log-spaced bins
    robot: wp.array(dtype=RobotState)    # [1] (see Model.robot)
    tool: wp.array(dtype=ToolState)      # [1]
    health: wp.array(dtype=HealthState)  # [1]


def struct_ref(instance, device) -> wp.array:
    """A one-element array holding a copy of struct ``instance`` (for the Model/State fields
    above); the host instance stays reachable as ``.host`` (it owns the arrays it points to)."""
    arr = wp.array([instance], dtype=instance._cls, device=device)
    arr.host = instance
    return arr


def host_struct(value):
    """The host struct instance behind a ``struct_ref`` array (or the struct itself)."""
    return getattr(value, "host", value)
