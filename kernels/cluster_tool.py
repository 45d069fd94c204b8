"""Wafer-handling cluster tools as plant elements.

A plant part is a FOUP (a lot of ``wafers`` wafers). A FOUP docks at a free load port (the
element's slots); the ATM robot takes its wafers out one by one into vented load locks; a load
lock pumps down; the vacuum (VTM) robot carries each wafer from a load lock through every process
step in order (each step has parallel identical chambers) and back into a load lock; the load lock
vents; the ATM robot returns the wafer to its own FOUP. When all its wafers are back the FOUP is
finished and offered to the successor; its port frees when the FOUP leaves.

Everything inside the tool is event-driven through the element's E_NEXT: the minimum of the
chamber recipe ends, the load locks' pump/vent ends and the two robots' operation ends. At every
event (and when a FOUP docks) ``tool_dispatch`` starts new work in a fixed order: ATM robot, VTM
robot, then load-lock pump/vent decisions. The rules (documented in docs/cluster_tool.md):

ATM robot (one transfer = ``atm_steps``): first return a processed wafer from a vented load lock
to its FOUP; else take the next raw wafer (the FOUP docked earliest, while the tool holds fewer
than ``wip_limit`` wafers out of their FOUPs) into the vented load lock without processed wafers
that holds the most raw wafers.

Load locks: a vented one (no ATM transfer under way, no processed wafer) pumps down when it is
full of raw wafers; or holds raw wafers and no more can be loaded now; or is empty, none can be
loaded now, and the wafers on the vacuum side outnumber the free slots of the other load locks at
vacuum or pumping. A load lock at vacuum (no raw wafer, no VTM operation planned there) vents when
it is full of processed wafers; or holds processed wafers and none is ready to leave the last
step; or is empty, a raw wafer could be loaded, and either no wafer is on the vacuum side or
another load lock at vacuum or pumping keeps a free slot for one.

VTM robot, single arm ("backward"): the most downstream move whose destination is free: a finished
wafer of the last step to a load lock at vacuum with a free slot, else a finished wafer of step j
to an empty chamber of step j+1 (j from the last but one down), else a raw wafer to an empty
chamber of step 1. Sources: the one waiting longest; chambers: the one empty longest. A move is a
pick then a place.

VTM robot, dual arm (swap): holding a wafer for step j, it goes to the step-j chamber idle longest
(empty: place; finished: swap) or, if all are processing, to the one finishing first, faces it
with the empty arm and waits, then swaps; holding a processed wafer, it places it into a load lock
at vacuum with a free slot, else swaps it with a raw wafer of a load lock at vacuum, else waits.
Empty, it picks the most downstream finished wafer, else a raw wafer. A swap is a pick with the
empty arm, a rotation by pi, and a place with the loaded arm.

Each robot operation = rotation (trapezoidal profile, precomputed per angle in ``rot_steps``) to
face the station with the chosen arm, then a handoff (extend + retract, ``hand_steps``); a pick
takes the wafer when it ends, a place leaves it then (a chamber's recipe starts then).

Statistics are integer step counts accumulated in ``tool_account`` over the statistics window.

Maintenance: the crew stops *parts* (tool_layout PART_*: the vacuum robot, the ATM robot, each
chamber) through ``tool_hold`` / ``tool_release``. A stopped part has no events and starts nothing;
a stopped chamber is never chosen. On release, every time of the part's operation at or after the
stop moves on by the stop's length (``tool_core_release``): since the statistics count a stopped
part as stopped only, and the interval integrals (``tool_overlap``) see the shifted intervals only
after the release, busy time is neither lost nor counted twice. A pick the vacuum robot has yet to
hand off at a chamber that stops while processing waits (T_VTM_HAND = NEVER) for its release.

Code layout (for speed): the hooks flow.py calls are thin inline shells, the only code here that
sees the whole Model and State (load-port slots, routing of finished FOUPs). Everything
else runs out of line and receives only ``m.tool[0]``, ``s.tool[0]`` and the sampling arrays: passing
the whole Model/State by value to an out-of-line function makes the compiler keep them in memory
throughout ``advance`` and slowed every plant, with or without tools, about fourfold on the CPU.
Decision functions avoid early returns from inside branches: Warp 1.19 can leave a module
constant used in both arms of an if/else inside a returning block uninitialised on another path.
"""

import math

import numpy as np
import warp as wp

from .hooks import Hooks, SnapshotHooks, decode_parts, encode_parts, equipment_problem, wire_optional
from .common import choose_successor, offer_done, take_done, wake_receivers
from .layout import (A_HELD, BUSY, CARRY_TABLE, DONE, DRAWS_TABLE, E_COUNT, E_DONE, E_STAT, IDLE, NEVER,
                     RNG_MAIN, S_DEST, S_ENTRY, S_STATUS, S_STEP, Distributions, Model, State)
from .next_event import set_next_event
from .sampling import HALF, LONGEST, LONGEST_F, ONE, row_key, sample_seconds
from .tables import Column
from .tool_layout import (ATM_KIND, CH_NOT_BUSY, ATM_LL, ATM_PORT, ATM_SLOT, ATM_IDLE, ATM_LOAD, ATM_UNLOAD, CH_BUSY, CH_DONE,
                          CH_EMPTY, CH_PORT, CH_STATUS, G_BLOCKED, G_BUSY, GP_CHAMBERS, G_DOWN, GP_FIRST, GP_RECIPE,
                          LL_ATM, PART_ATM, PART_CH0, PART_VTM, PT_HOLD_FAIL, PT_HOLD_SERVICE, PT_DOWN, PT_HELD_AT,
                          PT_SERVICE, PT_USES, PT_WORK,
                          LL_ATM_IN, LL_PROC, LL_PUMPING, LL_RAW, LL_STATE, LL_VACUUM, LL_VENTED, LL_VENTING,
                          LL_VTM, LL_VTM_IN, OP_NONE, OP_PICK, OP_PLACE, P_BACK, P_RAW_LEFT, SL_KIND, SL_PORT,
                          T32, T64, T_ACC_ATM, T_ACC_LL, T_ACC_VTM, T_ACC_WAFERS, T_ACC_WIP, T_ATM_END,
                          T_ATM_START, T_INSIDE, T_VTM_END, T_VTM_HAND, T_VTM_ROT, T_VTM_START, T_WIP,
                          TP_ATM_STEPS, TP_CH0, TP_DUAL, TP_HAND_STEPS, TP_LL0, TP_LL_CAP, TP_N_CH, TP_N_LL,
                          TP_N_ST, TP_N_STEPS, TP_PART0, TP_PORT0, TP_PORTS, TP_PUMP, TP_ROT0, TP_SLOT0, TP_STEP0,
                          TP_VENT, TP_WAFERS, TP_WIP, V_ARM, V_ARM0, V_ARM1, V_FROM, V_KIND, V_NARM, V_NKIND,
                          V_NSLOT, V_NSTATION, V_ORIENT, V_PHASE, V_SLOT, V_STAGE0, V_STAGE1, V_STATION,
                          WAFER_DONE, WAFER_RAW, ToolParams, ToolState)
from .tool_layout import TABLES as TOOL_TABLES

wp.set_module_options({"enable_backward": False})

# random streams of a cluster tool: recipes draw from the main stream; a tool has no failures, so
# pump and vent times take the places of the failure streams (kernels/tables.py, explicit)
_STREAMS = (Column("TR_PUMP", "pump", "draws", "pump-down times", replaces="RNG_TBF"),
            Column("TR_VENT", "vent", "draws", "vent times", replaces="RNG_TTR"))
TR_PUMP, TR_VENT = DRAWS_TABLE.kind_columns("cluster_tool", __name__, *_STREAMS)
CARRY_TABLE.kind_columns("cluster_tool", __name__, *_STREAMS)


# ---- small helpers ------------------------------------------------------------------------------
@wp.func(inline=True)
def tool_overlap(a: wp.int64, b: wp.int64, lo: wp.int64, hi: wp.int64) -> wp.int64:
    """Length of [a, b) inside [lo, hi)."""
    x = wp.max(a, lo)
    y = wp.min(b, hi)
    if y > x:
        return y - x
    return wp.int64(0)


@wp.func(inline=True)
def tool_rot_steps(tp: ToolParams, t: int, o_from: int, o_to: int) -> wp.int64:
    """Steps to rotate the vacuum robot between two orientations (units of pi/S, shortest way)."""
    n = tp.p32[t, TP_N_ST]
    d = ((o_from - o_to) % (2 * n) + 2 * n) % (2 * n)
    if d > n:
        d = 2 * n - d
    return tp.rot_steps[tp.p32[t, TP_ROT0] + d]


@wp.func(inline=True)
def tool_facing(tp: ToolParams, t: int, station: int, arm: int) -> int:
    """The orientation at which ``arm`` faces ``station`` (arm 1 points opposite arm 0)."""
    n = tp.p32[t, TP_N_ST]
    return ((2 * station - arm * n) % (2 * n) + 2 * n) % (2 * n)


@wp.func(inline=True)
def tool_ll_free(tp: ToolParams, ts: ToolState, r: int, t: int, l: int) -> int:
    """Slots of load lock l neither holding a wafer nor promised to one."""
    return (tp.p32[t, TP_LL_CAP] - ts.ll32[r, l, LL_RAW] - ts.ll32[r, l, LL_PROC]
            - ts.ll32[r, l, LL_VTM_IN] - ts.ll32[r, l, LL_ATM_IN])


@wp.func(inline=True)
def tool_ll_slot0(tp: ToolParams, t: int, l: int) -> int:
    return tp.p32[t, TP_SLOT0] + (l - tp.p32[t, TP_LL0]) * tp.p32[t, TP_LL_CAP]


@wp.func(inline=True)
def tool_chamber_station(tp: ToolParams, t: int, c: int) -> int:
    return tp.p32[t, TP_N_LL] + c - tp.p32[t, TP_CH0]


@wp.func(inline=True)
def tool_held(tp: ToolParams, ts: ToolState, r: int, t: int, part: int) -> bool:
    """Part ``part`` of tool t (PART_*) is stopped by the maintenance crew."""
    p = tp.p32[t, TP_PART0] + part
    return ts.part32[r, p, PT_HOLD_FAIL] > 0 or ts.part32[r, p, PT_HOLD_SERVICE] > 0


@wp.func(inline=True)
def tool_chamber_held(tp: ToolParams, ts: ToolState, r: int, t: int, c: int) -> bool:
    return tool_held(tp, ts, r, t, PART_CH0 + c - tp.p32[t, TP_CH0])


@wp.func(inline=True)
def tool_count_use(tp: ToolParams, ts: ToolState, r: int, t: int, part: int):
    p = tp.p32[t, TP_PART0] + part
    ts.part64[r, p, PT_USES] = ts.part64[r, p, PT_USES] + wp.int64(1)


@wp.func
def tool_free_elsewhere(tp: ToolParams, ts: ToolState, r: int, t: int, skip: int) -> int:
    """Free slots of the load locks other than ``skip`` that are at vacuum or pumping down."""
    n = int(0)
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        l = l0 + i
        if l != skip:
            st = ts.ll32[r, l, LL_STATE]
            if st == LL_VACUUM or st == LL_PUMPING:
                n += wp.max(tool_ll_free(tp, ts, r, t, l), 0)
    return n


@wp.func
def tool_raw_port(tp: ToolParams, ts: ToolState, r: int, t: int) -> int:
    """The docked FOUP whose wafers go in next (docked earliest, raw wafers left), -1 if none."""
    best = int(-1)
    best_step = NEVER
    p0 = tp.p32[t, TP_PORT0]
    for p in range(tp.p32[t, TP_PORTS]):
        if ts.port32[r, p0 + p, P_RAW_LEFT] > 0 and ts.port64[r, p0 + p] < best_step:
            best_step = ts.port64[r, p0 + p]
            best = p
    return best


@wp.func
def tool_best_chamber(tp: ToolParams, ts: ToolState, r: int, t: int, g: int, want: int) -> int:
    """The chamber of step g with status ``want`` (CH_NOT_BUSY: empty or finished) whose ch64 is
    earliest (empty longest, finished first, or finishing first), -1 if none. Chambers stopped
    by the maintenance crew are out of service: never chosen."""
    grp = tp.p32[t, TP_STEP0] + g
    c0 = tp.group[grp, GP_FIRST]
    best = int(-1)
    best_step = NEVER
    for i in range(tp.group[grp, GP_CHAMBERS]):
        c = c0 + i
        status = ts.ch32[r, c, CH_STATUS]
        match = status == want
        if want == CH_NOT_BUSY:
            match = status != CH_BUSY
        if match and ts.ch64[r, c] < best_step and not tool_chamber_held(tp, ts, r, t, c):
            best_step = ts.ch64[r, c]
            best = c
    return best


@wp.func
def tool_exit_ll(tp: ToolParams, ts: ToolState, r: int, t: int) -> int:
    """A load lock at vacuum with a free slot for a processed wafer: one without raw wafers first,
    then the fullest, then the lowest number; -1 if none."""
    best = int(-1)
    best_key = int(-1)
    cap = tp.p32[t, TP_LL_CAP]
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        l = l0 + i
        if ts.ll32[r, l, LL_STATE] == LL_VACUUM and tool_ll_free(tp, ts, r, t, l) > 0:
            key = ts.ll32[r, l, LL_PROC]
            if ts.ll32[r, l, LL_RAW] == 0:
                key += cap + 1
            if key > best_key:
                best_key = key
                best = l
    return best


@wp.func
def tool_raw_ll(tp: ToolParams, ts: ToolState, r: int, t: int) -> int:
    """The load lock at vacuum holding raw wafers that reached vacuum first, -1 if none."""
    best = int(-1)
    best_step = NEVER
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        l = l0 + i
        if ts.ll32[r, l, LL_STATE] == LL_VACUUM and ts.ll32[r, l, LL_RAW] > 0:
            if ts.ll64[r, l] < best_step:
                best_step = ts.ll64[r, l]
                best = l
    return best


@wp.func
def tool_slot_with(tp: ToolParams, ts: ToolState, r: int, t: int, l: int, wafer: int) -> int:
    """The first slot of load lock l holding a wafer in state ``wafer`` (WAFER_RAW or WAFER_DONE; < 0: the first empty slot)."""
    base = tool_ll_slot0(tp, t, l)
    found = int(-1)
    for j in range(tp.p32[t, TP_LL_CAP]):
        sl = base + j
        if found < 0:
            p = ts.slot32[r, sl, SL_PORT]
            if wafer < 0:
                if p < 0:
                    found = sl
            elif p >= 0 and ts.slot32[r, sl, SL_KIND] == wafer:
                found = sl
    return found


@wp.func
def tool_sample(dists: Distributions, seed: wp.uint64, sps: wp.float64, draws: wp.array3d(dtype=wp.int64),
                carry: wp.array3d(dtype=wp.float64), r: int, e: int, purpose: int, d: int) -> wp.int64:
    """``sampling.sample_steps`` with the Model and State pieces it reads passed explicitly: the
    same stream (element e, ``purpose``), the same rounding to whole steps with the residual
    carried to the stream's next draw, at least one step."""
    x = sample_seconds(dists, seed, draws, r, e, purpose, d) * sps + carry[r, e, purpose]
    n = wp.floor(x + HALF)
    if n < ONE:
        n = ONE
    if not (n < LONGEST_F):  # beyond any horizon: saturate (sampling.saturated_steps)
        return LONGEST
    carry[r, e, purpose] = wp.clamp(x - n, -HALF, HALF)
    return wp.int64(n)


# ---- the vacuum robot -------------------------------------------------------------------------------
@wp.func
def tool_vtm_start(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64, op: int, station: int, arm: int,
                   slot: int):
    """Starts an operation at step k: rotate ``arm`` to face ``station``, wait for a chamber still
    processing (a pick there), then hand off."""
    o_from = ts.t32[r, t, V_ORIENT]
    o_to = tool_facing(tp, t, station, arm)
    rot_end = k + tool_rot_steps(tp, t, o_from, o_to)
    hand = rot_end
    if op == OP_PICK and station >= tp.p32[t, TP_N_LL]:
        c = tp.p32[t, TP_CH0] + station - tp.p32[t, TP_N_LL]
        if ts.ch32[r, c, CH_STATUS] == CH_BUSY:
            hand = wp.max(hand, ts.ch64[r, c])
    ts.t32[r, t, V_PHASE] = 1
    ts.t32[r, t, V_KIND] = op
    ts.t32[r, t, V_STATION] = station
    ts.t32[r, t, V_ARM] = arm
    ts.t32[r, t, V_SLOT] = slot
    ts.t32[r, t, V_FROM] = o_from
    ts.t32[r, t, V_ORIENT] = o_to
    ts.t64[r, t, T_VTM_START] = k
    ts.t64[r, t, T_VTM_ROT] = rot_end
    ts.t64[r, t, T_VTM_HAND] = hand
    ts.t64[r, t, T_VTM_END] = hand + tp.p64[t, TP_HAND_STEPS]


@wp.func
def tool_vtm_plan(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64, op: int, station: int, arm: int,
                  slot: int, op2: int, station2: int, arm2: int, slot2: int):
    """Starts one operation and keeps a second one (OP_NONE: none) to follow it."""
    ts.t32[r, t, V_NKIND] = op2
    ts.t32[r, t, V_NSTATION] = station2
    ts.t32[r, t, V_NARM] = arm2
    ts.t32[r, t, V_NSLOT] = slot2
    tool_vtm_start(tp, ts, r, t, k, op, station, arm, slot)


@wp.func
def tool_vtm_complete(tp: ToolParams, ts: ToolState, dists: Distributions, seed: wp.uint64, sps: wp.float64,
                      draws: wp.array3d(dtype=wp.int64), carry: wp.array3d(dtype=wp.float64),
                      r: int, e: int, t: int, k: wp.int64):
    """The current operation ends at step k: the wafer changes hands; the next one starts."""
    op = ts.t32[r, t, V_KIND]
    st = ts.t32[r, t, V_STATION]
    arm = ts.t32[r, t, V_ARM]
    n_ll = tp.p32[t, TP_N_LL]
    fp = V_ARM0 + 2 * arm   # the arm's wafer field; V_STAGE0 + 2 * arm is its next step
    tool_count_use(tp, ts, r, t, PART_VTM)
    if op == OP_PICK:
        if st < n_ll:
            l = tp.p32[t, TP_LL0] + st
            sl = ts.t32[r, t, V_SLOT]
            ts.t32[r, t, fp] = ts.slot32[r, sl, SL_PORT]
            ts.t32[r, t, fp + 1] = 0
            ts.slot32[r, sl, SL_PORT] = -1
            ts.ll32[r, l, LL_RAW] = ts.ll32[r, l, LL_RAW] - 1
            ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] - 1
            ts.t32[r, t, T_INSIDE] = ts.t32[r, t, T_INSIDE] + 1
        else:
            c = tp.p32[t, TP_CH0] + st - n_ll
            ts.t32[r, t, fp] = ts.ch32[r, c, CH_PORT]
            ts.t32[r, t, fp + 1] = tp.ch_group[c] + 1
            ts.ch32[r, c, CH_STATUS] = CH_EMPTY
            ts.ch32[r, c, CH_PORT] = -1
            ts.ch64[r, c] = k
    else:
        port = ts.t32[r, t, fp]
        ts.t32[r, t, fp] = -1
        if st < n_ll:
            l = tp.p32[t, TP_LL0] + st
            sl = tool_slot_with(tp, ts, r, t, l, -1)
            ts.slot32[r, sl, SL_PORT] = port
            ts.slot32[r, sl, SL_KIND] = WAFER_DONE
            ts.ll32[r, l, LL_PROC] = ts.ll32[r, l, LL_PROC] + 1
            ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] - 1
            ts.ll32[r, l, LL_VTM_IN] = ts.ll32[r, l, LL_VTM_IN] - 1
            ts.t32[r, t, T_INSIDE] = ts.t32[r, t, T_INSIDE] - 1
        else:
            c = tp.p32[t, TP_CH0] + st - n_ll
            grp = tp.p32[t, TP_STEP0] + tp.ch_group[c]
            ts.ch32[r, c, CH_STATUS] = CH_BUSY
            ts.ch32[r, c, CH_PORT] = port
            start = k
            if tool_chamber_held(tp, ts, r, t, c):  # stopped since the robot chose it: the recipe
                # waits, and is dated from the stop so that the release's shift starts it then
                start = ts.part64[r, tp.p32[t, TP_PART0] + PART_CH0 + st - n_ll, PT_HELD_AT]
            recipe = tool_sample(dists, seed, sps, draws, carry, r, e, RNG_MAIN, tp.group[grp, GP_RECIPE])
            ts.ch_recipe[r, c] = recipe  # a snapshot's elapsed time: recipe - (ch64 - now)
            ts.ch64[r, c] = start + recipe
    nk = ts.t32[r, t, V_NKIND]
    if nk != OP_NONE:
        ts.t32[r, t, V_NKIND] = OP_NONE
        tool_vtm_start(tp, ts, r, t, k, nk, ts.t32[r, t, V_NSTATION], ts.t32[r, t, V_NARM],
                       ts.t32[r, t, V_NSLOT])
    else:
        ts.t32[r, t, V_PHASE] = 0
        ts.t64[r, t, T_VTM_END] = NEVER


@wp.func
def tool_nearest_arm(tp: ToolParams, ts: ToolState, r: int, t: int, station: int) -> int:
    """The arm of a dual-arm robot that needs the shorter rotation to face ``station`` (arm 0 on ties)."""
    o = ts.t32[r, t, V_ORIENT]
    d0 = tool_rot_steps(tp, t, o, tool_facing(tp, t, station, 0))
    d1 = tool_rot_steps(tp, t, o, tool_facing(tp, t, station, 1))
    if d1 < d0:
        return 1
    return 0


@wp.func
def tool_vtm_single(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64):
    """Single arm, backward priority: the most downstream move whose destination is free.

    (Written without early returns: Warp 1.19 can leave a module constant used in both arms of an
    if/else inside a returning block uninitialised on another path.)"""
    n = tp.p32[t, TP_N_STEPS]
    l0 = tp.p32[t, TP_LL0]
    src = int(-1)
    dst = int(-1)
    slot = int(-1)
    c = tool_best_chamber(tp, ts, r, t, n - 1, CH_DONE)
    if c >= 0:
        l = tool_exit_ll(tp, ts, r, t)
        if l >= 0:
            ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] + 1
            ts.ll32[r, l, LL_VTM_IN] = ts.ll32[r, l, LL_VTM_IN] + 1
            src = tool_chamber_station(tp, t, c)
            dst = l - l0
    g = n - 2
    while g >= 0 and src < 0:
        c = tool_best_chamber(tp, ts, r, t, g, CH_DONE)
        if c >= 0:
            d = tool_best_chamber(tp, ts, r, t, g + 1, CH_EMPTY)
            if d >= 0:
                src = tool_chamber_station(tp, t, c)
                dst = tool_chamber_station(tp, t, d)
        g = g - 1
    if src < 0:
        l = tool_raw_ll(tp, ts, r, t)
        if l >= 0:
            d = tool_best_chamber(tp, ts, r, t, 0, CH_EMPTY)
            if d >= 0:
                slot = tool_slot_with(tp, ts, r, t, l, WAFER_RAW)
                ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] + 1
                src = l - l0
                dst = tool_chamber_station(tp, t, d)
    if src >= 0:
        tool_vtm_plan(tp, ts, r, t, k, OP_PICK, src, 0, slot, OP_PLACE, dst, 0, -1)


@wp.func
def tool_vtm_dual(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64):
    """Dual arm, swap sequence (see the module docstring). No early returns (see tool_vtm_single)."""
    n = tp.p32[t, TP_N_STEPS]
    l0 = tp.p32[t, TP_LL0]
    kind1 = int(0)
    st1 = int(0)
    arm1 = int(0)
    sl1 = int(-1)
    kind2 = int(0)
    st2 = int(0)
    arm2 = int(0)
    held = int(-1)
    if ts.t32[r, t, V_ARM0] >= 0:
        held = 0
    elif ts.t32[r, t, V_ARM1] >= 0:
        held = 1
    if held >= 0:
        free = 1 - held
        stage = ts.t32[r, t, V_STAGE0 + 2 * held]
        if stage < n:
            c = tool_best_chamber(tp, ts, r, t, stage, CH_NOT_BUSY)
            if c < 0:
                c = tool_best_chamber(tp, ts, r, t, stage, CH_BUSY)
            if c >= 0:  # (none while every chamber of the step is stopped: the robot waits)
                st1 = tool_chamber_station(tp, t, c)
                if ts.ch32[r, c, CH_STATUS] == CH_EMPTY:
                    kind1 = OP_PLACE
                    arm1 = held
                else:  # swap: pick with the empty arm (waiting if it still processes), place with the other
                    kind1 = OP_PICK
                    arm1 = free
                    kind2 = OP_PLACE
                    st2 = st1
                    arm2 = held
        else:
            l = tool_exit_ll(tp, ts, r, t)
            if l >= 0:
                ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] + 1
                ts.ll32[r, l, LL_VTM_IN] = ts.ll32[r, l, LL_VTM_IN] + 1
                kind1 = OP_PLACE
                st1 = l - l0
                arm1 = held
            else:
                l = tool_raw_ll(tp, ts, r, t)
                if l >= 0:  # swap with a raw wafer
                    sl1 = tool_slot_with(tp, ts, r, t, l, WAFER_RAW)
                    ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] + 2
                    ts.ll32[r, l, LL_VTM_IN] = ts.ll32[r, l, LL_VTM_IN] + 1
                    kind1 = OP_PICK
                    st1 = l - l0
                    arm1 = free
                    kind2 = OP_PLACE
                    st2 = st1
                    arm2 = held
    else:
        g = n - 1
        while g >= 0 and kind1 == 0:
            c = tool_best_chamber(tp, ts, r, t, g, CH_DONE)
            if c >= 0:
                kind1 = OP_PICK
                st1 = tool_chamber_station(tp, t, c)
                arm1 = tool_nearest_arm(tp, ts, r, t, st1)
            g = g - 1
        if kind1 == 0:
            l = tool_raw_ll(tp, ts, r, t)
            if l >= 0:
                sl1 = tool_slot_with(tp, ts, r, t, l, WAFER_RAW)
                ts.ll32[r, l, LL_VTM] = ts.ll32[r, l, LL_VTM] + 1
                kind1 = OP_PICK
                st1 = l - l0
                arm1 = tool_nearest_arm(tp, ts, r, t, st1)
    if kind1 != 0:
        tool_vtm_plan(tp, ts, r, t, k, kind1, st1, arm1, sl1, kind2, st2, arm2, -1)


# ---- the ATM robot ------------------------------------------------------------------------------
@wp.func
def tool_atm_decide(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64):
    if ts.t32[r, t, ATM_KIND] != ATM_IDLE:
        return
    l0 = tp.p32[t, TP_LL0]
    nl = tp.p32[t, TP_N_LL]
    for i in range(nl):  # return a processed wafer to its FOUP first
        l = l0 + i
        if ts.t32[r, t, ATM_KIND] == ATM_IDLE and ts.ll32[r, l, LL_STATE] == LL_VENTED \
                and ts.ll32[r, l, LL_PROC] > 0 and ts.ll32[r, l, LL_ATM] == 0:
            sl = tool_slot_with(tp, ts, r, t, l, WAFER_DONE)
            ts.ll32[r, l, LL_ATM] = 1
            ts.t32[r, t, ATM_KIND] = ATM_UNLOAD
            ts.t32[r, t, ATM_PORT] = ts.slot32[r, sl, SL_PORT]
            ts.t32[r, t, ATM_LL] = l
            ts.t32[r, t, ATM_SLOT] = sl
            ts.t64[r, t, T_ATM_START] = k
            ts.t64[r, t, T_ATM_END] = k + tp.p64[t, TP_ATM_STEPS]
    if ts.t32[r, t, ATM_KIND] != ATM_IDLE or ts.t32[r, t, T_WIP] >= tp.p32[t, TP_WIP]:
        return
    p = tool_raw_port(tp, ts, r, t)
    if p < 0:
        return
    best = int(-1)
    best_raw = int(-1)
    for i in range(nl):
        l = l0 + i
        if ts.ll32[r, l, LL_STATE] == LL_VENTED and ts.ll32[r, l, LL_PROC] == 0 \
                and ts.ll32[r, l, LL_ATM] == 0 and tool_ll_free(tp, ts, r, t, l) > 0 \
                and ts.ll32[r, l, LL_RAW] > best_raw:
            best_raw = ts.ll32[r, l, LL_RAW]
            best = l
    if best < 0:
        return
    pi = tp.p32[t, TP_PORT0] + p
    ts.port32[r, pi, P_RAW_LEFT] = ts.port32[r, pi, P_RAW_LEFT] - 1
    ts.t32[r, t, T_WIP] = ts.t32[r, t, T_WIP] + 1
    ts.ll32[r, best, LL_ATM] = 1
    ts.ll32[r, best, LL_ATM_IN] = 1
    ts.t32[r, t, ATM_KIND] = ATM_LOAD
    ts.t32[r, t, ATM_PORT] = p
    ts.t32[r, t, ATM_LL] = best
    ts.t32[r, t, ATM_SLOT] = -1
    ts.t64[r, t, T_ATM_START] = k
    ts.t64[r, t, T_ATM_END] = k + tp.p64[t, TP_ATM_STEPS]


@wp.func
def tool_atm_complete(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64, warmup: wp.int64) -> int:
    """The ATM transfer ends at step k; returns the load port whose FOUP is now complete, or -1."""
    done_port = int(-1)
    tool_count_use(tp, ts, r, t, PART_ATM)
    transfer = ts.t32[r, t, ATM_KIND]
    l = ts.t32[r, t, ATM_LL]
    p = ts.t32[r, t, ATM_PORT]
    if transfer == ATM_UNLOAD:
        sl = ts.t32[r, t, ATM_SLOT]
        ts.slot32[r, sl, SL_PORT] = -1
        ts.ll32[r, l, LL_PROC] = ts.ll32[r, l, LL_PROC] - 1
        ts.ll32[r, l, LL_ATM] = 0
        ts.t32[r, t, T_WIP] = ts.t32[r, t, T_WIP] - 1
        if k >= warmup:
            ts.t64[r, t, T_ACC_WAFERS] = ts.t64[r, t, T_ACC_WAFERS] + wp.int64(1)
        pi = tp.p32[t, TP_PORT0] + p
        back = ts.port32[r, pi, P_BACK] + 1
        ts.port32[r, pi, P_BACK] = back
        if back == tp.p32[t, TP_WAFERS]:  # the FOUP is complete
            done_port = p
    else:
        sl = tool_slot_with(tp, ts, r, t, l, -1)
        ts.slot32[r, sl, SL_PORT] = p
        ts.slot32[r, sl, SL_KIND] = WAFER_RAW
        ts.ll32[r, l, LL_RAW] = ts.ll32[r, l, LL_RAW] + 1
        ts.ll32[r, l, LL_ATM] = 0
        ts.ll32[r, l, LL_ATM_IN] = 0
    ts.t32[r, t, ATM_KIND] = ATM_IDLE
    ts.t64[r, t, T_ATM_END] = NEVER
    return done_port


# ---- load locks ---------------------------------------------------------------------------------
@wp.func
def tool_ll_decide(tp: ToolParams, ts: ToolState, dists: Distributions, seed: wp.uint64, sps: wp.float64,
                   draws: wp.array3d(dtype=wp.int64), carry: wp.array3d(dtype=wp.float64),
                   r: int, e: int, t: int, k: wp.int64):
    """Pump-down and vent decisions (rules in the module docstring)."""
    n = tp.p32[t, TP_N_STEPS]
    cap = tp.p32[t, TP_LL_CAP]
    loadable = int(0)
    if ts.t32[r, t, T_WIP] < tp.p32[t, TP_WIP] and tool_raw_port(tp, ts, r, t) >= 0 \
            and not tool_held(tp, ts, r, t, PART_ATM):
        loadable = 1
    exit_ready = int(0)
    if tool_best_chamber(tp, ts, r, t, n - 1, CH_DONE) >= 0:
        exit_ready = 1
    if ts.t32[r, t, V_ARM0] >= 0 and ts.t32[r, t, V_STAGE0] == n:
        exit_ready = 1
    if ts.t32[r, t, V_ARM1] >= 0 and ts.t32[r, t, V_STAGE1] == n:
        exit_ready = 1
    inside = ts.t32[r, t, T_INSIDE]
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        l = l0 + i
        st = ts.ll32[r, l, LL_STATE]
        if st == LL_VENTED and ts.ll32[r, l, LL_ATM] == 0 and ts.ll32[r, l, LL_PROC] == 0:
            raw = ts.ll32[r, l, LL_RAW]
            go = int(0)
            if raw == cap:
                go = 1
            elif raw >= 1 and loadable == 0:
                go = 1
            elif raw == 0 and loadable == 0 and inside > tool_free_elsewhere(tp, ts, r, t, l):
                go = 1
            if go == 1:
                ts.ll32[r, l, LL_STATE] = LL_PUMPING
                ts.ll64[r, l] = k + tool_sample(dists, seed, sps, draws, carry, r, e, TR_PUMP, tp.p32[t, TP_PUMP])
        elif st == LL_VACUUM and ts.ll32[r, l, LL_VTM] == 0 and ts.ll32[r, l, LL_RAW] == 0:
            proc = ts.ll32[r, l, LL_PROC]
            go = int(0)
            if proc == cap:
                go = 1
            elif proc >= 1 and exit_ready == 0:
                go = 1
            elif proc == 0 and loadable == 1 and (inside == 0 or tool_free_elsewhere(tp, ts, r, t, l) > 0):
                go = 1
            if go == 1:
                ts.ll32[r, l, LL_STATE] = LL_VENTING
                ts.ll64[r, l] = k + tool_sample(dists, seed, sps, draws, carry, r, e, TR_VENT, tp.p32[t, TP_VENT])


# ---- entry points (out of line; they see only the tool's own structs) ------------------------------------
@wp.func
def tool_dispatch(tp: ToolParams, ts: ToolState, dists: Distributions, seed: wp.uint64, sps: wp.float64,
                  draws: wp.array3d(dtype=wp.int64), carry: wp.array3d(dtype=wp.float64),
                  r: int, e: int, t: int, k: wp.int64):
    """Starts whatever can start at step k: ATM robot, VTM robot, then load locks (a robot the
    crew has stopped starts nothing)."""
    if not tool_held(tp, ts, r, t, PART_ATM):
        tool_atm_decide(tp, ts, r, t, k)
    if ts.t32[r, t, V_PHASE] == 0 and not tool_held(tp, ts, r, t, PART_VTM):
        if tp.p32[t, TP_DUAL] != 0:
            tool_vtm_dual(tp, ts, r, t, k)
        else:
            tool_vtm_single(tp, ts, r, t, k)
    tool_ll_decide(tp, ts, dists, seed, sps, draws, carry, r, e, t, k)


@wp.func
def tool_next_event(tp: ToolParams, ts: ToolState, r: int, t: int) -> wp.int64:
    """The earliest recipe end, pump/vent end or robot operation end (the element's E_NEXT);
    parts stopped by the crew have none."""
    nxt = NEVER
    if not tool_held(tp, ts, r, t, PART_VTM):
        nxt = ts.t64[r, t, T_VTM_END]
    if not tool_held(tp, ts, r, t, PART_ATM):
        nxt = wp.min(nxt, ts.t64[r, t, T_ATM_END])
    c0 = tp.p32[t, TP_CH0]
    for i in range(tp.p32[t, TP_N_CH]):
        if ts.ch32[r, c0 + i, CH_STATUS] == CH_BUSY and not tool_held(tp, ts, r, t, PART_CH0 + i):
            nxt = wp.min(nxt, ts.ch64[r, c0 + i])
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        st = ts.ll32[r, l0 + i, LL_STATE]
        if st == LL_PUMPING or st == LL_VENTING:
            nxt = wp.min(nxt, ts.ll64[r, l0 + i])
    return nxt


@wp.func
def tool_core_event(tp: ToolParams, ts: ToolState, dists: Distributions, seed: wp.uint64, sps: wp.float64,
                    draws: wp.array3d(dtype=wp.int64), carry: wp.array3d(dtype=wp.float64),
                    r: int, e: int, t: int, k: wp.int64,
                    warmup: wp.int64) -> int:
    """Recipe ends, pump/vent ends and robot operation ends due at step k, then new work.
    Returns the load port whose FOUP became complete, or -1."""
    c0 = tp.p32[t, TP_CH0]
    for i in range(tp.p32[t, TP_N_CH]):
        c = c0 + i
        if ts.ch32[r, c, CH_STATUS] == CH_BUSY and ts.ch64[r, c] == k and not tool_held(tp, ts, r, t, PART_CH0 + i):
            ts.ch32[r, c, CH_STATUS] = CH_DONE
            tool_count_use(tp, ts, r, t, PART_CH0 + i)
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        l = l0 + i
        if ts.ll64[r, l] == k:
            st = ts.ll32[r, l, LL_STATE]
            if st == LL_PUMPING:
                ts.ll32[r, l, LL_STATE] = LL_VACUUM
            elif st == LL_VENTING:
                ts.ll32[r, l, LL_STATE] = LL_VENTED
    done_port = int(-1)
    if ts.t64[r, t, T_ATM_END] == k and not tool_held(tp, ts, r, t, PART_ATM):
        done_port = tool_atm_complete(tp, ts, r, t, k, warmup)
    if ts.t64[r, t, T_VTM_END] == k and not tool_held(tp, ts, r, t, PART_VTM):
        tool_vtm_complete(tp, ts, dists, seed, sps, draws, carry, r, e, t, k)
    tool_dispatch(tp, ts, dists, seed, sps, draws, carry, r, e, t, k)
    return done_port


@wp.func
def tool_core_dock(tp: ToolParams, ts: ToolState, dists: Distributions, seed: wp.uint64, sps: wp.float64,
                   draws: wp.array3d(dtype=wp.int64), carry: wp.array3d(dtype=wp.float64),
                   r: int, e: int, t: int, p: int, k: wp.int64):
    """A FOUP docks at load port p at step k: its wafers wait for the ATM robot."""
    pi = tp.p32[t, TP_PORT0] + p
    ts.port32[r, pi, P_RAW_LEFT] = tp.p32[t, TP_WAFERS]
    ts.port32[r, pi, P_BACK] = 0
    ts.port64[r, pi] = k
    tool_dispatch(tp, ts, dists, seed, sps, draws, carry, r, e, t, k)


@wp.func
def tool_vtm_busy(tp: ToolParams, ts: ToolState, r: int, t: int, lo: wp.int64, hi: wp.int64) -> wp.int64:
    """Steps of [lo, hi) the vacuum robot rotates or hands off (not while it waits or is stopped)."""
    busy = wp.int64(0)
    if ts.t32[r, t, V_PHASE] != 0 and not tool_held(tp, ts, r, t, PART_VTM):
        busy = tool_overlap(ts.t64[r, t, T_VTM_START], ts.t64[r, t, T_VTM_ROT], lo, hi) \
            + tool_overlap(ts.t64[r, t, T_VTM_HAND], ts.t64[r, t, T_VTM_END], lo, hi)
    return busy


@wp.func
def tool_atm_busy(tp: ToolParams, ts: ToolState, r: int, t: int, lo: wp.int64, hi: wp.int64) -> wp.int64:
    busy = wp.int64(0)
    if ts.t32[r, t, ATM_KIND] != ATM_IDLE and not tool_held(tp, ts, r, t, PART_ATM):
        busy = tool_overlap(ts.t64[r, t, T_ATM_START], ts.t64[r, t, T_ATM_END], lo, hi)
    return busy


@wp.func
def tool_core_account(tp: ToolParams, ts: ToolState, r: int, t: int, lo: wp.int64, hi: wp.int64, dt: wp.int64):
    """Integrates the tool's state over [lo, hi) (dt = hi - lo steps of the statistics window).
    A part stopped by the crew counts as stopped only (its operation's intervals are shifted by
    the stop when it resumes, see tool_core_release)."""
    ts.t64[r, t, T_ACC_VTM] = ts.t64[r, t, T_ACC_VTM] + tool_vtm_busy(tp, ts, r, t, lo, hi)
    ts.t64[r, t, T_ACC_ATM] = ts.t64[r, t, T_ACC_ATM] + tool_atm_busy(tp, ts, r, t, lo, hi)
    busy_ll = int(0)
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        st = ts.ll32[r, l0 + i, LL_STATE]
        if st == LL_PUMPING or st == LL_VENTING or ts.ll32[r, l0 + i, LL_ATM] != 0:
            busy_ll += 1
    ts.t64[r, t, T_ACC_LL] = ts.t64[r, t, T_ACC_LL] + wp.int64(busy_ll) * dt
    ts.t64[r, t, T_ACC_WIP] = ts.t64[r, t, T_ACC_WIP] + wp.int64(ts.t32[r, t, T_WIP]) * dt
    c0 = tp.p32[t, TP_CH0]
    for i in range(tp.p32[t, TP_N_CH]):
        c = c0 + i
        grp = tp.p32[t, TP_STEP0] + tp.ch_group[c]
        st = ts.ch32[r, c, CH_STATUS]
        if tool_held(tp, ts, r, t, PART_CH0 + i):
            ts.g64[r, grp, G_DOWN] = ts.g64[r, grp, G_DOWN] + dt
        elif st == CH_BUSY:
            ts.g64[r, grp, G_BUSY] = ts.g64[r, grp, G_BUSY] + dt
        elif st == CH_DONE:
            ts.g64[r, grp, G_BLOCKED] = ts.g64[r, grp, G_BLOCKED] + dt
    p0 = tp.p32[t, TP_PART0]
    for i in range(PART_CH0 + tp.p32[t, TP_N_CH]):
        if ts.part32[r, p0 + i, PT_HOLD_FAIL] > 0:
            ts.part64[r, p0 + i, PT_DOWN] = ts.part64[r, p0 + i, PT_DOWN] + dt
        elif ts.part32[r, p0 + i, PT_HOLD_SERVICE] > 0:
            ts.part64[r, p0 + i, PT_SERVICE] = ts.part64[r, p0 + i, PT_SERVICE] + dt


@wp.func
def tool_core_work(tp: ToolParams, ts: ToolState, r: int, t: int, lo: wp.int64, hi: wp.int64):
    """Adds the parts' operating clocks over [lo, hi), the whole run (what operating-clock wear
    of a health component on a part counts)."""
    p0 = tp.p32[t, TP_PART0]
    ts.part64[r, p0 + PART_VTM, PT_WORK] = ts.part64[r, p0 + PART_VTM, PT_WORK] + tool_vtm_busy(tp, ts, r, t, lo, hi)
    ts.part64[r, p0 + PART_ATM, PT_WORK] = ts.part64[r, p0 + PART_ATM, PT_WORK] + tool_atm_busy(tp, ts, r, t, lo, hi)
    c0 = tp.p32[t, TP_CH0]
    for i in range(tp.p32[t, TP_N_CH]):
        if ts.ch32[r, c0 + i, CH_STATUS] == CH_BUSY and not tool_held(tp, ts, r, t, PART_CH0 + i):
            ts.part64[r, p0 + PART_CH0 + i, PT_WORK] = ts.part64[r, p0 + PART_CH0 + i, PT_WORK] + (hi - lo)


@wp.func
def tool_core_start(tp: ToolParams, ts: ToolState, r: int, t: int):
    """An empty tool at step 0: load locks vented, chambers empty, robots idle at orientation 0."""
    c0 = tp.p32[t, TP_CH0]
    for i in range(tp.p32[t, TP_N_CH]):
        ts.ch32[r, c0 + i, CH_STATUS] = CH_EMPTY
        ts.ch32[r, c0 + i, CH_PORT] = -1
        ts.ch64[r, c0 + i] = wp.int64(0)
    l0 = tp.p32[t, TP_LL0]
    for i in range(tp.p32[t, TP_N_LL]):
        ts.ll32[r, l0 + i, LL_STATE] = LL_VENTED
        ts.ll32[r, l0 + i, LL_RAW] = 0
        ts.ll32[r, l0 + i, LL_PROC] = 0
        ts.ll32[r, l0 + i, LL_VTM] = 0
        ts.ll32[r, l0 + i, LL_VTM_IN] = 0
        ts.ll32[r, l0 + i, LL_ATM] = 0
        ts.ll32[r, l0 + i, LL_ATM_IN] = 0
        ts.ll64[r, l0 + i] = wp.int64(0)
    sl0 = tp.p32[t, TP_SLOT0]
    for i in range(tp.p32[t, TP_N_LL] * tp.p32[t, TP_LL_CAP]):
        ts.slot32[r, sl0 + i, SL_PORT] = -1
        ts.slot32[r, sl0 + i, SL_KIND] = WAFER_RAW
    p0 = tp.p32[t, TP_PORT0]
    for i in range(tp.p32[t, TP_PORTS]):
        ts.port32[r, p0 + i, P_RAW_LEFT] = 0
        ts.port32[r, p0 + i, P_BACK] = 0
        ts.port64[r, p0 + i] = wp.int64(0)
    grp0 = tp.p32[t, TP_STEP0]
    for i in range(tp.p32[t, TP_N_STEPS]):
        ts.g64[r, grp0 + i, G_BUSY] = wp.int64(0)
        ts.g64[r, grp0 + i, G_BLOCKED] = wp.int64(0)
        ts.g64[r, grp0 + i, G_DOWN] = wp.int64(0)
    p0 = tp.p32[t, TP_PART0]
    for i in range(PART_CH0 + tp.p32[t, TP_N_CH]):
        ts.part32[r, p0 + i, PT_HOLD_FAIL] = 0
        ts.part32[r, p0 + i, PT_HOLD_SERVICE] = 0
        ts.part64[r, p0 + i, PT_WORK] = wp.int64(0)
        ts.part64[r, p0 + i, PT_USES] = wp.int64(0)
        ts.part64[r, p0 + i, PT_HELD_AT] = wp.int64(0)
        ts.part64[r, p0 + i, PT_DOWN] = wp.int64(0)
        ts.part64[r, p0 + i, PT_SERVICE] = wp.int64(0)
    for i in range(T32):
        ts.t32[r, t, i] = 0
    for i in range(T64):
        ts.t64[r, t, i] = wp.int64(0)
    ts.t32[r, t, V_ARM0] = -1
    ts.t32[r, t, V_ARM1] = -1
    ts.t32[r, t, V_SLOT] = -1
    ts.t32[r, t, V_NSLOT] = -1
    ts.t64[r, t, T_VTM_END] = NEVER
    ts.t64[r, t, T_ATM_END] = NEVER


# ---- stops by the maintenance crew -------------------------------------------------------------------------
@wp.func
def tool_vtm_ready(tp: ToolParams, ts: ToolState, r: int, t: int, k: wp.int64) -> wp.int64:
    """The earliest step from k at which the vacuum robot's current handoff may begin: a pick at a
    chamber still processing waits for the recipe's end, at a stopped chamber for its release
    (NEVER)."""
    ready = k
    st = ts.t32[r, t, V_STATION]
    n_ll = tp.p32[t, TP_N_LL]
    if ts.t32[r, t, V_KIND] == OP_PICK and st >= n_ll:
        c = tp.p32[t, TP_CH0] + st - n_ll
        if tool_chamber_held(tp, ts, r, t, c):
            ready = NEVER
        elif ts.ch32[r, c, CH_STATUS] == CH_BUSY:
            ready = wp.max(k, ts.ch64[r, c])
    return ready


@wp.func
def tool_vtm_set_hand(tp: ToolParams, ts: ToolState, r: int, t: int, hand: wp.int64):
    ts.t64[r, t, T_VTM_HAND] = hand
    end = NEVER
    if hand != NEVER:
        end = hand + tp.p64[t, TP_HAND_STEPS]
    ts.t64[r, t, T_VTM_END] = end


@wp.func
def tool_core_hold(tp: ToolParams, ts: ToolState, r: int, t: int, part: int, k: wp.int64, service: bool):
    """The crew stops part ``part`` (PART_*) at step k; the caller accounted the tool. A robot
    freezes where it is, a chamber's recipe pauses; a stopped chamber is out of service (the
    vacuum robot chooses other chambers). A pick the vacuum robot was about to make at a chamber
    that stops while still processing waits for the chamber's release."""
    p = tp.p32[t, TP_PART0] + part
    was_held = tool_held(tp, ts, r, t, part)
    if service:
        ts.part32[r, p, PT_HOLD_SERVICE] = ts.part32[r, p, PT_HOLD_SERVICE] + 1
    else:
        ts.part32[r, p, PT_HOLD_FAIL] = ts.part32[r, p, PT_HOLD_FAIL] + 1
    if not was_held:
        ts.part64[r, p, PT_HELD_AT] = k
        if part >= PART_CH0:
            c = tp.p32[t, TP_CH0] + part - PART_CH0
            if ts.t32[r, t, V_PHASE] != 0 and ts.t32[r, t, V_KIND] == OP_PICK \
                    and ts.t32[r, t, V_STATION] == tool_chamber_station(tp, t, c) \
                    and ts.ch32[r, c, CH_STATUS] == CH_BUSY and ts.t64[r, t, T_VTM_HAND] >= k:
                tool_vtm_set_hand(tp, ts, r, t, NEVER)


@wp.func
def tool_core_release(tp: ToolParams, ts: ToolState, dists: Distributions, seed: wp.uint64, sps: wp.float64,
                      draws: wp.array3d(dtype=wp.int64), carry: wp.array3d(dtype=wp.float64),
                      r: int, e: int, t: int, part: int, k: wp.int64, service: bool):
    """The crew's work on part ``part`` ends at step k. When its last stop ends it resumes: every
    time of its operation at or after the stop moves on by the stop's length (a robot finishes its
    rotation or handoff with the steps it had left, a recipe runs its remaining time), except that
    a handoff not yet begun starts as soon as it may (tool_vtm_ready). Then new work starts."""
    p = tp.p32[t, TP_PART0] + part
    if service:
        ts.part32[r, p, PT_HOLD_SERVICE] = ts.part32[r, p, PT_HOLD_SERVICE] - 1
    else:
        ts.part32[r, p, PT_HOLD_FAIL] = ts.part32[r, p, PT_HOLD_FAIL] - 1
    if not tool_held(tp, ts, r, t, part):
        h0 = ts.part64[r, p, PT_HELD_AT]
        d = k - h0
        if part == PART_VTM:
            if ts.t32[r, t, V_PHASE] != 0:
                hand = ts.t64[r, t, T_VTM_HAND]
                if hand != NEVER and hand <= h0:  # stopped during the handoff
                    ts.t64[r, t, T_VTM_END] = ts.t64[r, t, T_VTM_END] + d
                else:
                    rot = ts.t64[r, t, T_VTM_ROT]
                    if rot > h0:
                        rot = rot + d
                    ts.t64[r, t, T_VTM_ROT] = rot
                    tool_vtm_set_hand(tp, ts, r, t, wp.max(rot, tool_vtm_ready(tp, ts, r, t, k)))
        elif part == PART_ATM:
            if ts.t32[r, t, ATM_KIND] != ATM_IDLE:
                ts.t64[r, t, T_ATM_END] = ts.t64[r, t, T_ATM_END] + d
        else:
            c = tp.p32[t, TP_CH0] + part - PART_CH0
            if ts.ch32[r, c, CH_STATUS] == CH_BUSY:
                ts.ch64[r, c] = ts.ch64[r, c] + d
            if ts.t32[r, t, V_PHASE] != 0 and ts.t64[r, t, T_VTM_HAND] == NEVER \
                    and not tool_held(tp, ts, r, t, PART_VTM):  # the robot waited for a stopped chamber
                tool_vtm_set_hand(tp, ts, r, t, wp.max(ts.t64[r, t, T_VTM_ROT], tool_vtm_ready(tp, ts, r, t, k)))
    tool_dispatch(tp, ts, dists, seed, sps, draws, carry, r, e, t, k)


# ---- the kind's hooks (kernels/hooks.py; inline shells) ------------------------------------------------------------
@wp.func(inline=True)
def tool_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    """Free load ports."""
    return m.capacity[y] - s.el32[r, y, E_COUNT]


@wp.func(inline=True)
def tool_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """A FOUP docks at a free load port at step k."""
    t = m.tool[0].index[y]
    port = int(-1)
    for p in range(m.capacity[y]):
        slot = m.slot_start[y] + p
        if port < 0 and s.s32[r, slot, S_STATUS] == IDLE:
            s.s32[r, slot, S_STATUS] = BUSY
            s.s32[r, slot, S_DEST] = -1
            s.s64[r, slot, S_STEP] = k
            s.s64[r, slot, S_ENTRY] = entry
            port = p
    s.el32[r, y, E_COUNT] = s.el32[r, y, E_COUNT] + 1
    tool_core_dock(m.tool[0], s.tool[0], m.dists, row_key(s, r), m.steps_per_second, s.draws, s.carry, r, y, t, port, k)
    set_next_event(m, s, r, y, tool_next_event(m.tool[0], s.tool[0], r, t))


@wp.func(inline=True)
def tool_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The tool's events due at step k; a completed FOUP is offered to its successor."""
    t = m.tool[0].index[e]
    p = tool_core_event(m.tool[0], s.tool[0], m.dists, row_key(s, r), m.steps_per_second, s.draws, s.carry, r, e, t, k,
                        s.control[0].warmup_step)
    if p >= 0:
        slot = m.slot_start[e] + p
        dest = choose_successor(m, s, r, e)
        s.s32[r, slot, S_STATUS] = DONE
        s.s32[r, slot, S_DEST] = dest
        s.s64[r, slot, S_STEP] = k
        s.el32[r, e, E_DONE] = s.el32[r, e, E_DONE] + 1
        wake_receivers(m, s, r, e, dest)
    set_next_event(m, s, r, e, tool_next_event(m.tool[0], s.tool[0], r, t))


@wp.func(inline=True)
def tool_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    """Integrates the tool over the last ``dt`` steps of the window (ending at E_STAT)."""
    hi = wp.min(s.el64[r, e, E_STAT], s.control[0].horizon_step)
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + wp.int64(s.el32[r, e, E_COUNT]) * dt
    tool_core_account(m.tool[0], s.tool[0], r, m.tool[0].index[e], hi - dt, hi, dt)


@wp.func(inline=True)
def tool_start(m: Model, s: State, r: int, e: int):
    tool_core_start(m.tool[0], s.tool[0], r, m.tool[0].index[e])


@wp.func(inline=True)
def tool_hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew stops part ``part`` of tool e at step k (the caller accounted e)."""
    t = m.tool[0].index[e]
    tool_core_hold(m.tool[0], s.tool[0], r, t, part, k, service)
    set_next_event(m, s, r, e, tool_next_event(m.tool[0], s.tool[0], r, t))


@wp.func(inline=True)
def tool_release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew's work on part ``part`` of tool e ends at step k (the caller accounted e)."""
    t = m.tool[0].index[e]
    tool_core_release(m.tool[0], s.tool[0], m.dists, row_key(s, r), m.steps_per_second, s.draws, s.carry, r, e, t, part, k,
                      service)
    set_next_event(m, s, r, e, tool_next_event(m.tool[0], s.tool[0], r, t))


@wp.func(inline=True)
def tool_work(m: Model, s: State, r: int, e: int, last: wp.int64, k: wp.int64):
    """The parts' operating clocks over [last, k)."""
    tool_core_work(m.tool[0], s.tool[0], r, m.tool[0].index[e], last, k)


@wp.func(inline=True)
def tool_part_row(m: Model, h: int, host: int) -> int:
    """The row in ToolState.part32/part64 of the tool part health component h sits on."""
    return m.tool[0].p32[m.tool[0].index[host], TP_PART0] + m.health[0].part[h]


@wp.func(inline=True)
def tool_uses(m: Model, s: State, r: int, h: int, host: int) -> wp.int64:
    """Uses of the part component h sits on: picks and places, transfers or recipes."""
    return s.tool[0].part64[r, tool_part_row(m, h, host), PT_USES]


@wp.func(inline=True)
def tool_clock(m: Model, s: State, r: int, h: int, host: int) -> wp.int64:
    """The operating clock of the part component h sits on."""
    return s.tool[0].part64[r, tool_part_row(m, h, host), PT_WORK]


HOOKS = Hooks(room=tool_room, offer=offer_done,
              take=take_done, accept=tool_accept, event=tool_event, start=tool_start, account=tool_account,
              work=tool_work, hold=tool_hold, release=tool_release, uses=tool_uses, clock=tool_clock)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
# A tool's snapshot (``equipment``) names its stations as the spec does (load locks "LL1", ...;
# chambers "step1.chamber1", ...) and its load ports by number (0 ..). The element's parts are the
# FOUPs docked, in port order (``ports``: one entry per load port, None where none is docked).
# Times are seconds before (``elapsed_s``) or after (``remaining_s``) the moment. The counters the
# kernels keep beside the wafers (wafers per load lock, operations planned at a load lock, wafers
# out of their FOUPs) are derived from where the wafers are on restore. Parts the maintenance crew
# has stopped (``held``: part name, as ``ClusterTool.part_names``, -> seconds since the stop) keep
# their operation's times as the kernels do (they move on by the stop's length on release): a
# stopped robot's ``remaining_s`` counts as if it had not stopped (it may be negative), a stopped
# chamber's ``remaining_s`` is the recipe time it had left when it stopped. A chamber processing
# has its recipe's elapsed time (its drawn length, ``tool.ch_recipe``, less the time left).
LOCK_STATES = ("vented", "pumping", "vacuum", "venting")
CHAMBER_STATES = ("empty", "processing", "done")
OPS = {int(OP_PICK): "pick", int(OP_PLACE): "place"}
TRANSFERS = {int(ATM_LOAD): "load", int(ATM_UNLOAD): "unload"}
WAFERS = {int(WAFER_RAW): "raw", int(WAFER_DONE): "processed"}
TOOL_KEYS = ("ports", "load_locks", "chambers", "vacuum_robot", "atm_robot", "held")


def _tool(v, e):
    """(tool number, its p32 row, its p64 row, station labels) of element e."""
    t = int(v.param("tool.index")[e])
    labels = [label for label, _ in v.spec(e).station_angles()]
    return t, v.param("tool.p32")[t], v.param("tool.p64")[t], labels


def tool_capture(v, e) -> dict:
    t, p32, p64, labels = _tool(v, e)
    n_ll, cap = int(p32[TP_N_LL]), int(p32[TP_LL_CAP])
    ll0, ch0, sl0, port0 = int(p32[TP_LL0]), int(p32[TP_CH0]), int(p32[TP_SLOT0]), int(p32[TP_PORT0])
    t32, t64 = v.struct("tool.t32")[t], v.struct("tool.t64")[t]
    ch32, ch64, recipe = v.struct("tool.ch32"), v.struct("tool.ch64"), v.struct("tool.ch_recipe")
    ll32, ll64, slot32 = v.struct("tool.ll32"), v.struct("tool.ll64"), v.struct("tool.slot32")
    port32, port64 = v.struct("tool.port32"), v.struct("tool.port64")
    part32, part64, pt0 = v.struct("tool.part32"), v.struct("tool.part64"), int(p32[TP_PART0])
    held_at = {i: int(part64[pt0 + i, PT_HELD_AT]) for i in range(int(PART_CH0) + int(p32[TP_N_CH]))
               if int(part32[pt0 + i, PT_HOLD_FAIL]) > 0 or int(part32[pt0 + i, PT_HOLD_SERVICE]) > 0}
    start = int(v.slot_start[e])
    parts, ports = [], []
    for p in range(int(p32[TP_PORTS])):
        slot = start + p
        status = int(v.s32[slot, S_STATUS])
        if status == int(IDLE):
            ports.append(None)
            continue
        part = {"age_s": v.seconds(v.step - int(v.s64[slot, S_ENTRY]))}
        if status == int(DONE):
            part.update(status="blocked", elapsed_s=v.seconds(v.step - int(v.s64[slot, S_STEP])))
        else:
            part["status"] = "processing"
        parts.append(part)
        ports.append({"raw_left": int(port32[port0 + p, P_RAW_LEFT]), "back": int(port32[port0 + p, P_BACK]),
                      "docked_s": v.seconds(v.step - int(port64[port0 + p]))})
    locks = {}
    for i in range(n_ll):
        l = ll0 + i
        state = LOCK_STATES[int(ll32[l, LL_STATE])]
        d = {"state": state}
        if state in ("pumping", "venting"):
            d["remaining_s"] = v.seconds(int(ll64[l]) - v.step)
        else:
            d["elapsed_s"] = v.seconds(v.step - int(ll64[l]))
        d["wafers"] = [None if int(slot32[sl0 + i * cap + j, SL_PORT]) < 0 else
                       {"port": int(slot32[sl0 + i * cap + j, SL_PORT]),
                        "wafer": WAFERS[int(slot32[sl0 + i * cap + j, SL_KIND])]} for j in range(cap)]
        locks[labels[i]] = d
    chambers = {}
    for i in range(int(p32[TP_N_CH])):
        c = ch0 + i
        status = CHAMBER_STATES[int(ch32[c, CH_STATUS])]
        d = {"status": status}
        if status != "empty":
            d["port"] = int(ch32[c, CH_PORT])
        if status == "processing":  # stopped: the time it had left at the stop
            left = int(ch64[c]) - held_at.get(int(PART_CH0) + i, v.step)
            d["elapsed_s"] = v.seconds(int(recipe[c]) - left)  # the recipe time run (a stop pauses it)
            d["remaining_s"] = v.seconds(left)
        else:
            d["elapsed_s"] = v.seconds(v.step - int(ch64[c]))
        chambers[labels[n_ll + i]] = d
    arms = [None if int(t32[V_ARM0 + 2 * a]) < 0 else {"port": int(t32[V_ARM0 + 2 * a]),
                                                         "next_step": int(t32[V_STAGE0 + 2 * a])}
            for a in range(2 if int(p32[TP_DUAL]) else 1)]
    vtm = {"orientation": int(t32[V_ORIENT]), "arms": arms, "op": None, "next": None}
    if int(t32[V_PHASE]) != 0:
        st = int(t32[V_STATION])
        op = {"kind": OPS[int(t32[V_KIND])], "station": labels[st], "arm": int(t32[V_ARM]),
              "from_orientation": int(t32[V_FROM]), "elapsed_s": v.seconds(v.step - int(t64[T_VTM_START])),
              "rotation_remaining_s": v.seconds(int(t64[T_VTM_ROT]) - v.step)}
        if int(t64[T_VTM_HAND]) == int(NEVER):  # a pick waiting for a chamber the crew has stopped
            op["waiting_for_chamber"] = True
        else:
            op.update(hand_remaining_s=v.seconds(int(t64[T_VTM_HAND]) - v.step),
                      remaining_s=v.seconds(int(t64[T_VTM_END]) - v.step))
        if int(t32[V_SLOT]) >= 0:
            op["slot"] = (int(t32[V_SLOT]) - sl0) - st * cap
        vtm["op"] = op
        if int(t32[V_NKIND]) != int(OP_NONE):
            vtm["next"] = {"kind": OPS[int(t32[V_NKIND])], "station": labels[int(t32[V_NSTATION])],
                           "arm": int(t32[V_NARM])}
    atm = None
    if int(t32[ATM_KIND]) != int(ATM_IDLE):
        l = int(t32[ATM_LL]) - ll0
        atm = {"kind": TRANSFERS[int(t32[ATM_KIND])], "port": int(t32[ATM_PORT]), "load_lock": labels[l],
               "elapsed_s": v.seconds(v.step - int(t64[T_ATM_START])),
               "remaining_s": v.seconds(int(t64[T_ATM_END]) - v.step)}
        if int(t32[ATM_SLOT]) >= 0:
            atm["slot"] = (int(t32[ATM_SLOT]) - sl0) - l * cap
    state = "processing" if any(c["status"] == "processing" for c in chambers.values()) else \
        "blocked" if any(c["status"] == "done" for c in chambers.values()) else "starved"
    eq = {"ports": ports, "load_locks": locks, "chambers": chambers, "vacuum_robot": vtm, "atm_robot": atm}
    if held_at:
        names = v.spec(e).part_names()
        eq["held"] = {names[i]: v.seconds(v.step - k) for i, k in held_at.items()}
    return {"state": state, "parts": parts, "equipment": eq}


def _rot_steps(rot, p32, o_from, o_to):
    """kernels ``tool_rot_steps`` on the host, per row (arrays of orientations)."""
    n = int(p32[TP_N_ST])
    d = (np.asarray(o_from) - np.asarray(o_to)) % (2 * n)
    d = np.where(d > n, 2 * n - d, d)
    return rot[int(p32[TP_ROT0]) + d]


def tool_restore(v, e, st) -> None:
    """Writes the tool as ``tool_core_start`` would, then the snapshot's FOUPs, load locks,
    chambers and robots. A recipe, pump or vent under way gets its remaining time (exact if known,
    else drawn conditioned on its elapsed time); robot operations are deterministic: they end
    their rotation and handoff counted from their elapsed time (a pick waits for its chamber's
    recipe, as when it started); exact times where the snapshot has them (after a stop they have
    moved on). Parts held by the crew get the step their stop began (PT_HELD_AT; the crew's restore
    counts the holds, ``tool_host_hold``) and no events: a stopped chamber's recipe runs its time
    left at the stop once it is released."""
    t, p32, p64, labels = _tool(v, e)
    eq = st.equipment
    names = v.spec(e).part_names()
    held = {names.index(name): -int(v.steps(s)) for name, s in (eq.get("held") or {}).items()}  # part -> stop step
    n_ll, n_ch, cap = int(p32[TP_N_LL]), int(p32[TP_N_CH]), int(p32[TP_LL_CAP])
    ll0, ch0, sl0, port0 = int(p32[TP_LL0]), int(p32[TP_CH0]), int(p32[TP_SLOT0]), int(p32[TP_PORT0])
    part0, grp0 = int(p32[TP_PART0]), int(p32[TP_STEP0])
    ch_group, rot = v.param("tool.ch_group"), v.param("tool.rot_steps")
    S = {k: v.struct(f"tool.{k}") for k in ("t32", "t64", "ch32", "ch64", "ch_recipe", "ll32", "ll64", "slot32",
                                            "port32", "port64", "g64", "part32", "part64")}
    t32, t64, ch32, ch64, ll32, ll64 = S["t32"], S["t64"], S["ch32"], S["ch64"], S["ll32"], S["ll64"]
    ch_recipe = S["ch_recipe"]
    slot32, port32, port64 = S["slot32"], S["port32"], S["port64"]
    R = t32.shape[0]
    # the empty tool (tool_core_start)
    t32[:, t, :] = 0
    t64[:, t, :] = 0
    for a in (V_ARM0, V_ARM1, V_SLOT, V_NSLOT):
        t32[:, t, a] = -1
    t64[:, t, T_VTM_END] = NEVER
    t64[:, t, T_ATM_END] = NEVER
    ch32[:, ch0:ch0 + n_ch, CH_STATUS] = int(CH_EMPTY)
    ch32[:, ch0:ch0 + n_ch, CH_PORT] = -1
    ll32[:, ll0:ll0 + n_ll, :] = 0
    slot32[:, sl0:sl0 + n_ll * cap, SL_PORT] = -1
    slot32[:, sl0:sl0 + n_ll * cap, SL_KIND] = int(WAFER_RAW)
    S["g64"][:, grp0:grp0 + int(p32[TP_N_STEPS]), :] = 0
    S["part32"][:, part0:part0 + int(PART_CH0) + n_ch, :] = 0
    S["part64"][:, part0:part0 + int(PART_CH0) + n_ch, :] = 0
    for i, k in held.items():
        S["part64"][:, part0 + i, PT_HELD_AT] = k
    # FOUPs at their load ports (the element's slots)
    start = int(v.slot_start[e])
    foups = iter(st.parts)
    done = 0
    for p, port in enumerate(eq["ports"]):
        if port is None:
            continue
        part, slot = next(foups), start + p
        v.s64[:, slot, S_ENTRY] = -v.steps(part.age_s)
        if part.status == "blocked":
            v.s32[:, slot, S_STATUS] = int(DONE)
            v.s64[:, slot, S_STEP] = -v.steps(part.elapsed_s or 0.0)
            v.s32[:, slot, S_DEST] = v.dest(e)
            done += 1
        else:
            v.s32[:, slot, S_STATUS] = int(BUSY)
            v.s64[:, slot, S_STEP] = -v.steps(port.get("docked_s") or 0.0)
            v.s32[:, slot, S_DEST] = -1
        port32[:, port0 + p, P_RAW_LEFT] = int(port.get("raw_left", 0))
        port32[:, port0 + p, P_BACK] = int(port.get("back", 0))
        port64[:, port0 + p] = -v.steps(port.get("docked_s") or 0.0)
    v.el32[:, e, E_COUNT] = len(st.parts)
    v.el32[:, e, E_DONE] = done
    nxt = np.full(R, int(NEVER), np.int64)
    wip = 0
    for i in range(n_ll):
        d, l = eq["load_locks"][labels[i]], ll0 + i
        state = LOCK_STATES.index(d["state"])
        ll32[:, l, LL_STATE] = state
        if d["state"] in ("pumping", "venting"):
            name = "pump_time" if d["state"] == "pumping" else "vent_time"
            ll64[:, l] = v.duration(e, name, d.get("remaining_s"), d.get("elapsed_s"),
                                    purpose=int(TR_PUMP if d["state"] == "pumping" else TR_VENT))
            nxt = np.minimum(nxt, ll64[:, l])
        else:
            ll64[:, l] = -v.steps(d.get("elapsed_s") or 0.0)
        for j, w in enumerate(d["wafers"]):
            if w is not None:
                kind = 1 if w["wafer"] == "processed" else 0
                slot32[:, sl0 + i * cap + j, SL_PORT] = int(w["port"])
                slot32[:, sl0 + i * cap + j, SL_KIND] = kind
                ll32[:, l, LL_PROC if kind else LL_RAW] += 1
                wip += 1
    inside = 0
    for i in range(n_ch):
        d, c = eq["chambers"][labels[n_ll + i]], ch0 + i
        if d["status"] == "empty":
            ch64[:, c] = -v.steps(d.get("elapsed_s") or 0.0)
            continue
        inside += 1
        ch32[:, c, CH_STATUS] = CHAMBER_STATES.index(d["status"])
        ch32[:, c, CH_PORT] = int(d["port"])
        if d["status"] == "processing":
            left = v.duration(e, f"steps[{int(ch_group[c])}].recipe", d.get("remaining_s"), d.get("elapsed_s"))
            ch_recipe[:, c] = v.steps(d.get("elapsed_s") or 0.0) + left  # the recipe's steps, as at its start
            stop = held.get(int(PART_CH0) + i)
            ch64[:, c] = left if stop is None else stop + left  # stopped: its time left runs from the stop
            if stop is None:
                nxt = np.minimum(nxt, ch64[:, c])
        else:
            ch64[:, c] = -v.steps(d.get("elapsed_s") or 0.0)
    vtm = eq["vacuum_robot"]
    for a, arm in enumerate(vtm.get("arms") or []):
        if arm is not None:
            t32[:, t, V_ARM0 + 2 * a] = int(arm["port"])
            t32[:, t, V_STAGE0 + 2 * a] = int(arm["next_step"])
            inside += 1
    t32[:, t, V_ORIENT] = int(vtm.get("orientation", 0))

    def at_lock(op) -> int:  # the load lock an operation is at, or -1
        st_ = labels.index(op["station"])
        return ll0 + st_ if st_ < n_ll else -1

    op = vtm.get("op")
    if op is not None:
        stn = labels.index(op["station"])
        kind = OP_PICK if op["kind"] == "pick" else OP_PLACE
        t32[:, t, V_PHASE] = 1
        t32[:, t, V_KIND] = int(kind)
        t32[:, t, V_STATION] = stn
        t32[:, t, V_ARM] = int(op.get("arm", 0))
        t32[:, t, V_SLOT] = sl0 + stn * cap + int(op["slot"]) if op.get("slot") is not None else -1
        t32[:, t, V_FROM] = int(op.get("from_orientation", vtm.get("orientation", 0)))
        begin = -v.steps(op.get("elapsed_s") or 0.0)
        rot_end = begin + _rot_steps(rot, p32, t32[:, t, V_FROM], t32[:, t, V_ORIENT])
        if op.get("rotation_remaining_s") is not None:  # exact (a stop has moved it on)
            rot_end = np.full(R, v.steps(op["rotation_remaining_s"]))
        hand = rot_end
        if op["kind"] == "pick" and stn >= n_ll and eq["chambers"][labels[stn]]["status"] != "empty":
            hand = np.maximum(rot_end, ch64[:, ch0 + stn - n_ll])  # it waits for the recipe (tool_vtm_start)
        if op.get("hand_remaining_s") is not None:
            hand = np.full(R, v.steps(op["hand_remaining_s"]))
        end = hand + int(p64[TP_HAND_STEPS])
        if op.get("remaining_s") is not None:  # after a stop during the handoff: not hand + handoff
            end = np.full(R, v.steps(op["remaining_s"]))
        if op.get("waiting_for_chamber"):  # for the release of a stopped chamber (tool_vtm_ready)
            hand = end = np.full(R, int(NEVER))
        t64[:, t, T_VTM_START] = begin
        t64[:, t, T_VTM_ROT] = rot_end
        t64[:, t, T_VTM_HAND] = hand
        t64[:, t, T_VTM_END] = end
        if int(PART_VTM) not in held:
            nxt = np.minimum(nxt, t64[:, t, T_VTM_END])
        nx = vtm.get("next")
        if nx is not None:
            t32[:, t, V_NKIND] = int(OP_PICK if nx["kind"] == "pick" else OP_PLACE)
            t32[:, t, V_NSTATION] = labels.index(nx["station"])
            t32[:, t, V_NARM] = int(nx.get("arm", 0))
        for o in (op, nx):  # operations under way or planned at a load lock (LL_VTM, LL_VTM_IN)
            if o is not None and at_lock(o) >= 0:
                ll32[:, at_lock(o), LL_VTM] += 1
                ll32[:, at_lock(o), LL_VTM_IN] += int(o["kind"] == "place")
    atm = eq.get("atm_robot")
    if atm is not None:
        l = ll0 + labels.index(atm["load_lock"])
        t32[:, t, ATM_KIND] = int(ATM_LOAD if atm["kind"] == "load" else ATM_UNLOAD)
        t32[:, t, ATM_PORT] = int(atm["port"])
        t32[:, t, ATM_LL] = l
        t32[:, t, ATM_SLOT] = sl0 + (l - ll0) * cap + int(atm["slot"]) if atm.get("slot") is not None else -1
        steps = int(p64[TP_ATM_STEPS])
        if atm.get("elapsed_s") is not None:
            begin = -int(v.steps(atm["elapsed_s"]))
        elif atm.get("remaining_s") is not None:
            begin = int(v.steps(atm["remaining_s"])) - steps
        else:
            begin = 0
        t64[:, t, T_ATM_START] = begin
        # exact where known (a stop has moved its end on), else its deterministic transfer time
        t64[:, t, T_ATM_END] = int(v.steps(atm["remaining_s"])) if atm.get("remaining_s") is not None else begin + steps
        if int(PART_ATM) not in held:
            nxt = np.minimum(nxt, t64[:, t, T_ATM_END])
        ll32[:, l, LL_ATM] = 1
        ll32[:, l, LL_ATM_IN] = int(atm["kind"] == "load")
        wip += int(atm["kind"] == "load")
    t32[:, t, T_INSIDE] = inside
    t32[:, t, T_WIP] = wip + inside
    v.schedule(e, nxt)


def _where(eq, labels, n_ll) -> dict:
    """Port -> wafers of its FOUP out of it (load locks, chambers, arms, an ATM load under way)."""
    out = {}
    for d in eq["load_locks"].values():
        for w in d["wafers"]:
            if w is not None:
                out[w["port"]] = out.get(w["port"], 0) + 1
    for d in eq["chambers"].values():
        if d["status"] != "empty":
            out[d["port"]] = out.get(d["port"], 0) + 1
    for a in eq["vacuum_robot"].get("arms") or []:
        if a is not None:
            out[a["port"]] = out.get(a["port"], 0) + 1
    atm = eq.get("atm_robot")
    if atm is not None and atm.get("kind") == "load":
        out[atm["port"]] = out.get(atm["port"], 0) + 1
    return out


def _tool_problem(spec, st):
    eq = st.equipment
    problem = equipment_problem(eq, TOOL_KEYS, "ports, load_locks, chambers, vacuum_robot, atm_robot")
    if problem:
        return problem
    for k in TOOL_KEYS:
        if k not in eq and k not in ("atm_robot", "held"):  # optional: the robot idle, no part stopped
            return f"equipment.{k}: missing"
    labels = [label for label, _ in spec.station_angles()]
    n_ll, cap, n_steps = spec.load_locks, spec.load_lock_capacity, len(spec.steps)
    locks, chambers = labels[:n_ll], labels[n_ll:]
    ports = eq["ports"]
    if not isinstance(ports, list) or len(ports) != spec.load_ports:
        return f"equipment.ports: one entry per load port ({spec.load_ports}; null where none is docked)"
    docked = [p for p, x in enumerate(ports) if x is not None]
    if len(docked) != len(st.parts):
        return f"equipment.ports: {len(docked)} FOUPs docked, but {len(st.parts)} parts (FOUPs) in the snapshot"

    def port_ok(p, key):
        if p not in docked:
            return f"{key}: a wafer of load port {p!r}, where no FOUP is docked (docked: {docked})"
        return None

    for group, names, what in ((eq["load_locks"], locks, "load lock"), (eq["chambers"], chambers, "chamber")):
        key = "load_locks" if what == "load lock" else "chambers"
        if not isinstance(group, dict):
            return f"equipment.{key}: a table by name ({', '.join(names)})"
        for name in group:
            if name not in names:
                return f"equipment.{key}.{name}: the tool has no {what} '{name}' (it has: {', '.join(names)})"
        for name in names:
            if name not in group:
                return f"equipment.{key}.{name}: missing"
    for name, d in eq["load_locks"].items():
        key = f"equipment.load_locks.{name}"
        if d.get("state") not in LOCK_STATES:
            return f"{key}.state: unknown state {d.get('state')!r} (known: {', '.join(LOCK_STATES)})"
        if d["state"] in ("pumping", "venting") and d.get("remaining_s") is None and d.get("elapsed_s") is None:
            dist = spec.pump_time if d["state"] == "pumping" else spec.vent_time
            if not dist.memoryless:
                return f"{key}: {d['state']}, needs elapsed_s (its time is not memoryless)"
        w = d.get("wafers")
        if not isinstance(w, list) or len(w) != cap:
            return f"{key}.wafers: one entry per slot ({cap}; null where empty)"
        for j, x in enumerate(w):
            if x is not None:
                if x.get("wafer") not in WAFERS.values():
                    return f"{key}.wafers[{j}].wafer: raw or processed, not {x.get('wafer')!r}"
                problem = port_ok(x.get("port"), f"{key}.wafers[{j}].port")
                if problem:
                    return problem
    for name, d in eq["chambers"].items():
        key = f"equipment.chambers.{name}"
        if d.get("status") not in CHAMBER_STATES:
            return f"{key}.status: unknown status {d.get('status')!r} (known: {', '.join(CHAMBER_STATES)})"
        if d["status"] != "empty":
            problem = port_ok(d.get("port"), f"{key}.port")
            if problem:
                return problem
        if d["status"] == "processing" and d.get("remaining_s") is None and d.get("elapsed_s") is None:
            step = int(name[4:].split(".")[0]) - 1
            if not spec.steps[step].recipe.memoryless:
                return f"{key}: processing, needs elapsed_s (its recipe time is not memoryless)"
    vtm = eq["vacuum_robot"]
    arms = vtm.get("arms") or []
    n_arms = 2 if spec.vtm_robot == "dual" else 1
    if len(arms) != n_arms:
        return f"equipment.vacuum_robot.arms: one entry per arm ({n_arms}; null where empty)"
    for a, x in enumerate(arms):
        if x is not None:
            problem = port_ok(x.get("port"), f"equipment.vacuum_robot.arms[{a}].port")
            if problem:
                return problem
            if not isinstance(x.get("next_step"), int) or not 0 <= x["next_step"] <= n_steps:
                return (f"equipment.vacuum_robot.arms[{a}].next_step: 0 to {n_steps} ({n_steps}: back to a load "
                        f"lock), got {x.get('next_step')!r}")
    for k in ("op", "next"):
        op = vtm.get(k)
        if op is None:
            continue
        key = f"equipment.vacuum_robot.{k}"
        if op.get("kind") not in OPS.values():
            return f"{key}.kind: pick or place, not {op.get('kind')!r}"
        if op.get("station") not in labels:
            return f"{key}.station: the tool has no station {op.get('station')!r} (it has: {', '.join(labels)})"
        if op.get("arm", 0) not in range(n_arms):
            return f"{key}.arm: the robot has arms 0 to {n_arms - 1}, not {op.get('arm')!r}"
        if k == "op" and op["kind"] == "pick" and op["station"] in chambers \
                and eq["chambers"][op["station"]]["status"] == "empty":
            return f"{key}: a pick at chamber {op['station']}, which is empty"
        if k == "op" and op["kind"] == "pick" and op["station"] in locks:
            j = op.get("slot")
            if not isinstance(j, int) or not 0 <= j < cap or eq["load_locks"][op["station"]]["wafers"][j] is None:
                return f"{key}.slot: a pick at {op['station']} names the slot of its wafer (0 to {cap - 1})"
    if vtm.get("next") is not None and vtm.get("op") is None:
        return "equipment.vacuum_robot.next: a planned operation without one under way"
    atm = eq.get("atm_robot")
    if atm is not None:
        if atm.get("kind") not in TRANSFERS.values():
            return f"equipment.atm_robot.kind: load or unload, not {atm.get('kind')!r}"
        if atm.get("load_lock") not in locks:
            return (f"equipment.atm_robot.load_lock: the tool has no load lock {atm.get('load_lock')!r} "
                    f"(it has: {', '.join(locks)})")
        problem = port_ok(atm.get("port"), "equipment.atm_robot.port")
        if problem:
            return problem
        if atm["kind"] == "unload":
            j = atm.get("slot")
            if not isinstance(j, int) or not 0 <= j < cap or eq["load_locks"][atm["load_lock"]]["wafers"][j] is None:
                return f"equipment.atm_robot.slot: an unload names the slot of its wafer (0 to {cap - 1})"
    stopped = eq.get("held") or {}
    if not isinstance(stopped, dict):
        return "equipment.held: a table of the parts the crew has stopped (part name -> seconds since the stop)"
    for name, s in stopped.items():
        if name not in spec.part_names():
            return f"equipment.held.{name}: the tool has no part '{name}' (it has: {', '.join(spec.part_names())})"
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not s >= 0:
            return f"equipment.held.{name} must be a number of seconds >= 0, got {s!r}"
    where = _where(eq, labels, n_ll)
    for j, p in enumerate(docked):
        x = ports[p]
        left, back = x.get("raw_left", 0), x.get("back", 0)
        if left + back + where.get(p, 0) != spec.wafers_per_lot:
            return (f"equipment.ports[{p}]: {left} wafers in the FOUP + {back} back + {where.get(p, 0)} in the tool "
                    f"is not its {spec.wafers_per_lot} wafers")
        if st.parts[j].status not in ("processing", "blocked"):
            return f"a FOUP at a load port is processing or blocked (finished), not {st.parts[j].status!r}"
        if st.parts[j].status == "blocked" and back != spec.wafers_per_lot:
            return f"equipment.ports[{p}]: a finished FOUP has all its {spec.wafers_per_lot} wafers back"
    if sum(where.values()) > spec.wip_limit:
        return f"{sum(where.values())} wafers out of their FOUPs, more than the tool's limit {spec.wip_limit}"
    return None


def tool_check(spec, st):
    try:
        return _tool_problem(spec, st)
    except (AttributeError, KeyError, TypeError, ValueError) as err:  # a malformed entry (not a dict, ...)
        return f"equipment: malformed ({type(err).__name__}: {err})"


def _part_row(v, h, host) -> int:
    """kernels ``tool_part_row``: the ToolState.part64 row of the part component h sits on."""
    return int(v.param("tool.p32")[int(v.param("tool.index")[host]), TP_PART0]) + int(v.param("health.part")[h])


def tool_host_uses(v, h, host) -> int:
    return int(v.struct("tool.part64")[_part_row(v, h, host), PT_USES])


def tool_host_clock(v, h, host) -> int:
    return int(v.struct("tool.part64")[_part_row(v, h, host), PT_WORK])


def tool_held_parts(spec, st) -> set[int]:
    """The parts (PART_*) the snapshot says the crew has stopped."""
    return {spec.part_index(name) for name in (st.equipment or {}).get("held") or {}}


def tool_host_hold(v, h, host, service: bool) -> None:
    """The crew's restore: component h stops its part of tool ``host`` (kernels ``tool_core_hold``'s count)."""
    v.struct("tool.part32")[:, _part_row(v, h, host), PT_HOLD_SERVICE if service else PT_HOLD_FAIL] += 1


# ---- the live wire (kernels/hooks.py SnapshotHooks.wire) -------------------------------------------
# What a cluster tool's controller reports, as flat arrays in station order (chambers and load
# locks as ``ClusterTool.station_angles`` names them; load-lock slots lock by lock; load ports by
# number): per chamber its status, the load port of its wafer and the time in that status -- for a
# chamber processing, the recipe's elapsed time, which tool controllers report (the kernels keep
# each recipe's drawn length, ``tool.ch_recipe``, so a run's capture has it); per load lock its state and
# time in it (pumping / venting: elapsed) and the wafer in each slot; per load port the FOUP's
# wafers still in it and back; the vacuum robot's orientation, arms and its operation under way
# and planned; the ATM robot's transfer; the parts the maintenance crew holds. Unknown numbers and
# empty places are NaN, absent texts empty.
TOOL_WIRE = (("state", "text"), ("part_status", "texts"), ("part_age_s", "floats"), ("part_elapsed_s", "floats"),
             ("port_raw_left", "floats"), ("port_back", "floats"), ("port_docked_s", "floats"),
             ("chamber_status", "texts"), ("chamber_port", "floats"), ("chamber_elapsed_s", "floats"),
             ("lock_state", "texts"), ("lock_elapsed_s", "floats"), ("lock_wafer", "texts"),
             ("lock_wafer_port", "floats"),
             ("vtm_orientation", "int"), ("vtm_arm_port", "floats"), ("vtm_arm_next_step", "floats"),
             ("vtm_op", "text"), ("vtm_op_station", "text"), ("vtm_op_arm", "int"), ("vtm_op_slot", "float"),
             ("vtm_op_from", "int"), ("vtm_op_elapsed_s", "float"), ("vtm_waiting", "int"),
             ("vtm_next", "text"), ("vtm_next_station", "text"), ("vtm_next_arm", "int"),
             ("atm_op", "text"), ("atm_port", "float"), ("atm_load_lock", "text"), ("atm_slot", "float"),
             ("atm_elapsed_s", "float"), ("held_parts", "texts"), ("held_s", "floats"))
TOOL_PARTS = ("part_status", "part_age_s", "part_elapsed_s")
TOOL_CODES = {"state": ("processing", "blocked", "starved"), "chamber_status": CHAMBER_STATES,
              "lock_state": LOCK_STATES, "lock_wafer": ("",) + tuple(WAFERS.values()),
              "vtm_op": ("",) + tuple(OPS.values()), "vtm_next": ("",) + tuple(OPS.values()),
              "atm_op": ("",) + tuple(TRANSFERS.values()), "part_status": ("processing", "blocked")}


def _nan_or(d, key):
    return float("nan") if d is None or d.get(key) is None else float(d[key])


def _opt_int(x):
    x = wire_optional(x)
    return None if x is None else int(x)


def tool_encode(st) -> dict:
    eq = st.equipment
    ports, locks, chambers = eq["ports"], eq["load_locks"].values(), eq["chambers"].values()
    vtm, atm = eq["vacuum_robot"], eq.get("atm_robot")
    op, nx = vtm.get("op"), vtm.get("next")
    arms = vtm.get("arms") or []
    held = eq.get("held") or {}
    out = {"state": st.state, **encode_parts(st.parts, TOOL_PARTS),
           "port_raw_left": [_nan_or(p, "raw_left") for p in ports], "port_back": [_nan_or(p, "back") for p in ports],
           "port_docked_s": [_nan_or(p, "docked_s") for p in ports],
           "chamber_status": [c["status"] for c in chambers], "chamber_port": [_nan_or(c, "port") for c in chambers],
           "chamber_elapsed_s": [_nan_or(c, "elapsed_s") for c in chambers],
           "lock_state": [x["state"] for x in locks], "lock_elapsed_s": [_nan_or(x, "elapsed_s") for x in locks],
           "lock_wafer": [w["wafer"] if w else "" for x in locks for w in x["wafers"]],
           "lock_wafer_port": [_nan_or(w, "port") for x in locks for w in x["wafers"]],
           "vtm_orientation": int(vtm.get("orientation", 0)),
           "vtm_arm_port": [_nan_or(a, "port") for a in arms],
           "vtm_arm_next_step": [_nan_or(a, "next_step") for a in arms],
           "vtm_op": op["kind"] if op else "", "vtm_op_station": op["station"] if op else "",
           "vtm_op_arm": int(op.get("arm", 0)) if op else 0, "vtm_op_slot": _nan_or(op, "slot"),
           "vtm_op_from": int(op.get("from_orientation", 0)) if op else 0, "vtm_op_elapsed_s": _nan_or(op, "elapsed_s"),
           "vtm_waiting": int(bool(op and op.get("waiting_for_chamber"))),
           "vtm_next": nx["kind"] if nx else "", "vtm_next_station": nx["station"] if nx else "",
           "vtm_next_arm": int(nx.get("arm", 0)) if nx else 0,
           "atm_op": atm["kind"] if atm else "", "atm_port": _nan_or(atm, "port"),
           "atm_load_lock": atm["load_lock"] if atm else "", "atm_slot": _nan_or(atm, "slot"),
           "atm_elapsed_s": _nan_or(atm, "elapsed_s"),
           "held_parts": list(held), "held_s": [float(s) for s in held.values()]}
    return out


def tool_decode(get, spec) -> dict:
    """The snapshot element the fields describe; ValueError if per-station arrays do not fit."""
    labels = [label for label, _ in spec.station_angles()]
    n_ll, cap = spec.load_locks, spec.load_lock_capacity
    locks, chambers = labels[:n_ll], labels[n_ll:]

    def col(f, n, fill):
        x = list(get(f, []))
        if x and len(x) != n:
            raise ValueError(f"{f}: {len(x)} values for {n} places")
        return x or [fill] * n

    nan = float("nan")
    raw, back, docked = (col(f, spec.load_ports, nan) for f in ("port_raw_left", "port_back", "port_docked_s"))
    ports = [None if wire_optional(r) is None else {"raw_left": int(r), "back": int(b), "docked_s": float(d)}
             for r, b, d in zip(raw, back, docked)]
    status, cport, celapsed = (col(f, len(chambers), x) for f, x in (("chamber_status", "empty"), ("chamber_port", nan),
                                                                     ("chamber_elapsed_s", nan)))
    ch = {}
    for name, s, p, x in zip(chambers, status, cport, celapsed):
        ch[name] = {"status": s}
        if s != "empty":
            ch[name]["port"] = _opt_int(p)
        if wire_optional(x) is not None:
            ch[name]["elapsed_s"] = float(x)
    lstate, lelapsed = col("lock_state", n_ll, "vented"), col("lock_elapsed_s", n_ll, nan)
    wafer, wport = col("lock_wafer", n_ll * cap, ""), col("lock_wafer_port", n_ll * cap, nan)
    ll = {}
    for i, name in enumerate(locks):
        ll[name] = {"state": lstate[i],
                    "wafers": [{"port": _opt_int(wport[j]), "wafer": wafer[j]} if wafer[j] else None
                               for j in range(i * cap, (i + 1) * cap)]}
        if wire_optional(lelapsed[i]) is not None:
            ll[name]["elapsed_s"] = float(lelapsed[i])
    n_arms = 2 if spec.vtm_robot == "dual" else 1
    aport, astep = col("vtm_arm_port", n_arms, nan), col("vtm_arm_next_step", n_arms, nan)
    vtm = {"orientation": int(get("vtm_orientation", 0)),
           "arms": [None if wire_optional(p) is None else {"port": int(p), "next_step": int(s)}
                    for p, s in zip(aport, astep)], "op": None, "next": None}
    if get("vtm_op", ""):
        op = {"kind": get("vtm_op"), "station": get("vtm_op_station", ""), "arm": int(get("vtm_op_arm", 0)),
              "from_orientation": int(get("vtm_op_from", 0)), "elapsed_s": wire_optional(get("vtm_op_elapsed_s"))}
        if _opt_int(get("vtm_op_slot")) is not None:
            op["slot"] = _opt_int(get("vtm_op_slot"))
        if int(get("vtm_waiting", 0)):
            op["waiting_for_chamber"] = True
        vtm["op"] = op
    if get("vtm_next", ""):
        vtm["next"] = {"kind": get("vtm_next"), "station": get("vtm_next_station", ""),
                       "arm": int(get("vtm_next_arm", 0))}
    atm = None
    if get("atm_op", ""):
        atm = {"kind": get("atm_op"), "port": _opt_int(get("atm_port")), "load_lock": get("atm_load_lock", ""),
               "elapsed_s": wire_optional(get("atm_elapsed_s"))}
        if _opt_int(get("atm_slot")) is not None:
            atm["slot"] = _opt_int(get("atm_slot"))
    eq = {"ports": ports, "load_locks": ll, "chambers": ch, "vacuum_robot": vtm, "atm_robot": atm}
    hp, hs = list(get("held_parts", [])), list(get("held_s", []))
    if len(hp) != len(hs):
        raise ValueError(f"held_parts and held_s differ in length ({len(hp)}, {len(hs)})")
    if hp:
        eq["held"] = {p: float(s) for p, s in zip(hp, hs)}
    return {"state": get("state", "starved"), "parts": decode_parts(get, TOOL_PARTS), "equipment": eq}


def tool_plausible(spec, plant, field, value):
    """Unknown codes, stations or parts, and more values than places (more wafers than chamber,
    load-lock slot, arm or load-port places; more FOUPs than load ports)."""
    labels = [label for label, _ in spec.station_angles()]
    n_ll = spec.load_locks
    places = {"chamber_status": spec.n_chambers, "chamber_port": spec.n_chambers, "chamber_elapsed_s": spec.n_chambers,
              "lock_state": n_ll, "lock_elapsed_s": n_ll, "lock_wafer": n_ll * spec.load_lock_capacity,
              "lock_wafer_port": n_ll * spec.load_lock_capacity, "part_status": spec.load_ports,
              "part_age_s": spec.load_ports, "part_elapsed_s": spec.load_ports, "port_raw_left": spec.load_ports,
              "port_back": spec.load_ports, "port_docked_s": spec.load_ports,
              "vtm_arm_port": 2 if spec.vtm_robot == "dual" else 1,
              "vtm_arm_next_step": 2 if spec.vtm_robot == "dual" else 1}
    vals = value if isinstance(value, (list, tuple)) else [value]
    if field in places and len(vals) > places[field]:
        return f"{spec.name}.{field}: {len(vals)} values for {places[field]} places"
    codes = TOOL_CODES.get(field)
    if codes is not None:
        bad = [x for x in vals if x not in codes]
        if bad:
            names = ", ".join(c or "(empty)" for c in codes)
            return f"{spec.name}.{field}: unknown state code {bad[0]!r} (known: {names})"
    known = {"vtm_op_station": labels, "vtm_next_station": labels, "atm_load_lock": labels[:n_ll],
             "held_parts": spec.part_names()}.get(field)
    if known is not None:
        bad = [x for x in vals if x and x not in known]
        if bad:
            return f"{spec.name}.{field}: the tool has no {bad[0]!r} (it has: {', '.join(known)})"
    ports = [x for x in vals if field in ("chamber_port", "lock_wafer_port", "vtm_arm_port", "atm_port")
             and not math.isnan(x) and x >= spec.load_ports]
    if ports:
        return f"{spec.name}.{field}: no load port {ports[0]:g} (0 to {spec.load_ports - 1})"
    return None


def tool_track(t, e, k) -> None:
    """When each load lock's pump-down or vent began (the kernels keep their ends only; a
    recipe's elapsed time is captured: ``tool.ch_recipe``)."""
    n, a, p = t.notes(e), t.now, t.prev
    tt = int(t.param("tool.index")[e])
    p32 = t.param("tool.p32")[tt]
    lls = range(int(p32[TP_LL0]), int(p32[TP_LL0]) + int(p32[TP_N_LL]))
    if p is None:
        n.update(lock={l: 0 for l in lls})
        return
    for l in lls:
        st = a["tool.ll32"][l, LL_STATE]
        if st in (int(LL_PUMPING), int(LL_VENTING)) and (st != p["tool.ll32"][l, LL_STATE]
                                                         or a["tool.ll64"][l] != p["tool.ll64"][l]):
            n["lock"][l] = k


def tool_observe(t, e, st, k) -> None:
    """The elapsed times of the pump-downs and vents under way."""
    n = t.notes(e)
    eq = st.equipment
    for d, l in zip(eq["load_locks"].values(), sorted(n["lock"])):
        if d["state"] in ("pumping", "venting"):
            d["elapsed_s"] = t.seconds(k - n["lock"][l])


SNAPSHOT = SnapshotHooks(capture=tool_capture, restore=tool_restore, check=tool_check,
                         arrays=tuple(t.name for t in TOOL_TABLES), uses=tool_host_uses, clock=tool_host_clock,
                         held=tool_held_parts, hold=tool_host_hold, wire=TOOL_WIRE, encode=tool_encode,
                         decode=tool_decode, plausible=tool_plausible, track=tool_track, observe=tool_observe)
