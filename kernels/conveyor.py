"""Belt conveyors: items travel a 1-D belt of ``capacity`` = floor(length / pitch) places.

An item enters at the start when fewer than ``capacity`` items are on the belt and the last one
is at least one pitch from the start; it moves at the belt speed and is ready to leave when it
reaches the end. Motion is kept on a *belt clock*: steps of belt travel, which advance only while
the belt runs (wall step = anchor + belt clock - belt clock at the anchor), so positions are exact
integers however many steps pass between two events:

* accumulating: the belt runs while items wait at the end; they queue at pitch spacing behind
  the front item. An item reaches the end at max(its free arrival, departure of the item ahead
  + one pitch) of belt clock: when the item ahead leaves, the queue behind it moves up together.
* non-accumulating: the whole belt stops while the front item waits at the end.

Either kind of belt also stops while the maintenance crew holds it (a failed or serviced drive).
Items are a ring in the element's slots: S_STEP is the belt-clock step the item entered, S_STATUS
is DONE for an item waiting at the end.
"""

import warp as wp

from .hooks import PART_ARRAYS, Hooks, SnapshotHooks, decode_parts, encode_parts
from .status import ST_BLOCKED, ST_BUSY, ST_DOWN, ST_IDLE
from .common import bound_for, choose_successor, count_hold, crew_held, wake, wake_receivers
from .loads import int_at
from .layout import (A_BLOCKED, A_BUSY, A_DOWN, A_HELD, A_SERVICE, ACC_TABLE, BUSY, DONE, E_COUNT, E_HEAD,
                     E_HOLD_FAIL, E_HOLD_SERVICE, E_USES, E_WORK, EL32_TABLE, EL64_TABLE, NEVER, S_DEST, S_ENTRY, S_STATUS, S_STEP, Model, State)
from .tables import Column
from .next_event import set_next_event

wp.set_module_options({"enable_backward": False})

# the conveyor's own columns (kernels/tables.py: declared in the kind area of each table)
CV_BELT0, CV_ANCHOR, CV_LEAD_BELT, CV_READY = EL64_TABLE.kind_columns("conveyor", __name__, *(
    Column("CV_BELT0", "belt0", "belt steps", "belt clock at the anchor"),
    Column("CV_ANCHOR", "anchor", "step", "wall step of the anchor: the belt clock runs from here while the belt runs"),
    Column("CV_LEAD_BELT", "lead_belt", "belt steps", "belt clock at which the front item reaches the end"),
    Column("CV_READY", "ready", "step", "wall step the front item reached the end (while it waits there)"),
))
(CV_BLOCKED,) = EL32_TABLE.kind_columns("conveyor", __name__, Column(
    "CV_BLOCKED", "blocked", "flag", "non-accumulating belt stopped by its waiting front item"))
(CV_CARRIED,) = ACC_TABLE.kind_columns("conveyor", __name__, Column(
    "CV_CARRIED", "carried", "item-steps", "items carried while the belt runs (motor load)", replaces="A_IDLE"))


@wp.func(inline=True)
def belt_runs(s: State, r: int, e: int) -> bool:
    return s.el32[r, e, CV_BLOCKED] == 0 and not crew_held(s, r, e)


@wp.func(inline=True)
def belt_clock(s: State, r: int, e: int, k: wp.int64) -> wp.int64:
    if belt_runs(s, r, e):
        return s.el64[r, e, CV_BELT0] + (k - s.el64[r, e, CV_ANCHOR])
    return s.el64[r, e, CV_BELT0]


@wp.func(inline=True)
def belt_anchor(s: State, r: int, e: int, k: wp.int64):
    """Re-anchors the belt clock at step k: call just before the belt starts or stops."""
    s.el64[r, e, CV_BELT0] = belt_clock(s, r, e, k)
    s.el64[r, e, CV_ANCHOR] = k


@wp.func(inline=True)
def wall_step_at(s: State, r: int, e: int, belt: wp.int64) -> wp.int64:
    """The wall step at which the belt clock reaches ``belt`` (NEVER while the belt stands)."""
    if not belt_runs(s, r, e):
        return NEVER
    return s.el64[r, e, CV_ANCHOR] + (belt - s.el64[r, e, CV_BELT0])


@wp.func(inline=True)
def front_slot(m: Model, s: State, r: int, e: int) -> int:
    return int_at(m.slot_start, e) + s.el32[r, e, E_HEAD]


@wp.func(inline=True)
def tail_slot(m: Model, s: State, r: int, e: int) -> int:
    return int_at(m.slot_start, e) + (s.el32[r, e, E_HEAD] + s.el32[r, e, E_COUNT] - 1) % int_at(m.capacity, e)


@wp.func(inline=True)
def clear_step(m: Model, s: State, r: int, e: int) -> wp.int64:
    """Wall step at which the entry clears (the last item one pitch in), or NEVER."""
    if s.el32[r, e, E_COUNT] == 0:
        return NEVER
    return wall_step_at(s, r, e, s.s64[r, tail_slot(m, s, r, e), S_STEP] + m.conveyor[0].pitch[e])


@wp.func(inline=True)
def conveyor_schedule(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The next timed event: the front item reaching the end, or the entry clearing."""
    nxt = NEVER
    if s.el32[r, e, E_COUNT] > 0:
        if s.s32[r, front_slot(m, s, r, e), S_STATUS] != DONE:
            nxt = wall_step_at(s, r, e, s.el64[r, e, CV_LEAD_BELT])
        clear = clear_step(m, s, r, e)
        if clear > k:
            nxt = wp.min(nxt, clear)
    set_next_event(m, s, r, e, nxt)


@wp.func(inline=True)
def conveyor_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    count = s.el32[r, y, E_COUNT]
    if count >= int_at(m.capacity, y):
        return 0
    if count > 0 and belt_clock(s, r, y, k) - s.s64[r, tail_slot(m, s, r, y), S_STEP] < m.conveyor[0].pitch[y]:
        return 0
    return 1


@wp.func(inline=True)
def conveyor_offer(m: Model, s: State, r: int, x: int, y: int):
    """(slot, ready step) of the item waiting at the end for y, or (-1, NEVER)."""
    if s.el32[r, x, E_COUNT] > 0:
        slot = front_slot(m, s, r, x)
        if s.s32[r, slot, S_STATUS] == DONE and bound_for(s, r, slot, y):
            return slot, s.el64[r, x, CV_READY]
    return int(-1), NEVER


@wp.func(inline=True)
def conveyor_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """The item at the end leaves at step k; the items behind it move up."""
    entry = s.s64[r, slot, S_ENTRY]
    if s.el32[r, x, CV_BLOCKED] != 0:  # non-accumulating: the belt runs again from here
        belt_anchor(s, r, x, k)
        s.el32[r, x, CV_BLOCKED] = 0
    s.el32[r, x, E_HEAD] = (s.el32[r, x, E_HEAD] + 1) % int_at(m.capacity, x)
    count = s.el32[r, x, E_COUNT] - 1
    s.el32[r, x, E_COUNT] = count
    if count > 0:
        free_arrival = s.s64[r, front_slot(m, s, r, x), S_STEP] + m.conveyor[0].transit[x]
        if m.conveyor[0].accumulating[x] != 0:  # it may have queued one pitch behind the one that left
            free_arrival = wp.max(free_arrival, belt_clock(s, r, x, k) + m.conveyor[0].pitch[x])
        s.el64[r, x, CV_LEAD_BELT] = free_arrival
    conveyor_schedule(m, s, r, x, k)
    wake(s, r, x)
    return entry


@wp.func(inline=True)
def conveyor_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    count = s.el32[r, y, E_COUNT]
    slot = int_at(m.slot_start, y) + (s.el32[r, y, E_HEAD] + count) % int_at(m.capacity, y)
    s.s64[r, slot, S_STEP] = belt_clock(s, r, y, k)
    s.s64[r, slot, S_ENTRY] = entry
    s.s32[r, slot, S_STATUS] = BUSY
    s.s32[r, slot, S_DEST] = choose_successor(m, s, r, y)
    s.el32[r, y, E_COUNT] = count + 1
    if count == 0:
        s.el64[r, y, CV_LEAD_BELT] = s.s64[r, slot, S_STEP] + m.conveyor[0].transit[y]
    conveyor_schedule(m, s, r, y, k)


@wp.func(inline=True)
def conveyor_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The front item reaches the end, and/or the entry clears, at step k."""
    if s.el32[r, e, E_COUNT] > 0:
        lead = front_slot(m, s, r, e)
        if s.s32[r, lead, S_STATUS] != DONE and wall_step_at(s, r, e, s.el64[r, e, CV_LEAD_BELT]) == k:
            s.s32[r, lead, S_STATUS] = DONE
            s.el64[r, e, CV_READY] = k
            if m.conveyor[0].accumulating[e] == 0:  # the whole belt stops until the item leaves
                belt_anchor(s, r, e, k)
                s.el32[r, e, CV_BLOCKED] = 1
            wake_receivers(m, s, r, e, s.s32[r, lead, S_DEST])
        if clear_step(m, s, r, e) == k:
            wake(s, r, e)
    conveyor_schedule(m, s, r, e, k)


@wp.func(inline=True)
def conveyor_hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew stops the belt (a failed or serviced drive); the caller accounted it."""
    belt_anchor(s, r, e, k)
    count_hold(s, r, e, service, 1)
    conveyor_schedule(m, s, r, e, k)


@wp.func(inline=True)
def conveyor_release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    belt_anchor(s, r, e, k)
    count_hold(s, r, e, service, -1)
    conveyor_schedule(m, s, r, e, k)
    wake(s, r, e)


@wp.func(inline=True)
def conveyor_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    count = wp.int64(s.el32[r, e, E_COUNT])
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt
    if belt_runs(s, r, e):
        s.acc[r, e, A_BUSY] = s.acc[r, e, A_BUSY] + dt  # a belt is busy while it runs
        s.acc[r, e, CV_CARRIED] = s.acc[r, e, CV_CARRIED] + count * dt
    if s.el32[r, e, E_HOLD_FAIL] > 0:
        s.acc[r, e, A_DOWN] = s.acc[r, e, A_DOWN] + dt
    elif s.el32[r, e, E_HOLD_SERVICE] > 0:
        s.acc[r, e, A_SERVICE] = s.acc[r, e, A_SERVICE] + dt
    if count > wp.int64(0) and s.s32[r, front_slot(m, s, r, e), S_STATUS] == DONE:
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + dt


@wp.func(inline=True)
def conveyor_work(m: Model, s: State, r: int, e: int, last: wp.int64, k: wp.int64):
    """Operating time (running with items) and load (item-steps carried), not window-clipped."""
    raw = k - last
    count = wp.int64(s.el32[r, e, E_COUNT])
    if belt_runs(s, r, e) and count > wp.int64(0):
        s.el64[r, e, E_WORK] = s.el64[r, e, E_WORK] + raw
        s.el64[r, e, E_USES] = s.el64[r, e, E_USES] + count * raw


@wp.func(inline=True)
def conveyor_item_position(m: Model, s: State, r: int, e: int, i: int, ahead: wp.int64, k: wp.int64) -> wp.int64:
    """Belt position (steps of travel from the start) at step k of the i-th item from the front;
    ``ahead`` is the position of the item in front of it (ignored for i = 0)."""
    slot = int_at(m.slot_start, e) + (s.el32[r, e, E_HEAD] + i) % int_at(m.capacity, e)
    transit = m.conveyor[0].transit[e]
    belt = belt_clock(s, r, e, k)
    if i == 0:  # the front item reaches the end at CV_LEAD_BELT, moving at full speed until then
        return transit - wp.max(s.el64[r, e, CV_LEAD_BELT] - belt, wp.int64(0))
    return wp.min(belt - s.s64[r, slot, S_STEP], ahead - m.conveyor[0].pitch[e])


@wp.func(inline=True)
def conveyor_status(m: Model, s: State, r: int, e: int, k: wp.int64) -> int:
    """Down while the crew holds the belt; blocked while its front item waits at the end."""
    if crew_held(s, r, e):
        return ST_DOWN
    count = s.el32[r, e, E_COUNT]
    if count > 0:
        if conveyor_item_position(m, s, r, e, 0, NEVER, k) >= m.conveyor[0].transit[e]:
            return ST_BLOCKED
        return ST_BUSY
    return ST_IDLE


HOOKS = Hooks(room=conveyor_room, offer=conveyor_offer, take=conveyor_take,
              accept=conveyor_accept, event=conveyor_event, account=conveyor_account, work=conveyor_work,
              hold=conveyor_hold, release=conveyor_release, status=conveyor_status, position=conveyor_item_position)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
def _belt_now(v, e) -> int:
    """The belt clock at the snapshot step (it stands while blocked or held by the crew)."""
    el64, el32 = v.el64[e], v.el32[e]
    held = el32[E_HOLD_FAIL] + el32[E_HOLD_SERVICE] > 0
    if el32[CV_BLOCKED] == 0 and not held:
        return int(el64[CV_BELT0] + (v.step - el64[CV_ANCHOR]))
    return int(el64[CV_BELT0])


def conveyor_capture(v, e) -> dict:
    """Items front first: position on the belt (metres from the start), ``processing`` (moving,
    or queued behind the front item) or ``blocked`` (waiting at the end, ``elapsed_s`` since it
    arrived there); a moving item's ``elapsed_s`` is the belt time since it entered (its free
    travel: more than its position when it queued)."""
    el64, el32 = v.el64[e], v.el32[e]
    transit, pitch = int(v.param("conveyor.transit")[e]), int(v.param("conveyor.pitch")[e])
    length = float(v.spec(e).length)
    start, cap = int(v.slot_start[e]), int(v.capacity[e])
    belt = _belt_now(v, e)
    parts, ahead = [], 0
    for i in range(int(el32[E_COUNT])):
        slot = start + (int(el32[E_HEAD]) + i) % cap
        travel = belt - int(v.s64[slot, S_STEP])
        pos = transit - max(int(el64[CV_LEAD_BELT]) - belt, 0) if i == 0 else min(travel, ahead - pitch)
        ahead = pos
        waiting = int(v.s32[slot, S_STATUS]) == int(DONE)
        parts.append({"age_s": v.seconds(v.step - int(v.s64[slot, S_ENTRY])),
                      "status": "blocked" if waiting else "processing",
                      "elapsed_s": v.seconds(v.step - int(el64[CV_READY])) if waiting else v.seconds(travel),
                      "position_m": pos * length / transit})
    return {"state": "blocked" if parts and parts[0]["status"] == "blocked" else "running" if parts else "empty",
            "parts": parts}


def conveyor_restore(v, e, st) -> None:
    """The belt clock restarts at 0 at the snapshot (anchor 0): an item's entry belt step is
    minus its free travel (``elapsed_s``; its position when only that is known)."""
    transit, pitch = int(v.param("conveyor.transit")[e]), int(v.param("conveyor.pitch")[e])
    length = float(v.spec(e).length)
    accumulating = int(v.param("conveyor.accumulating")[e]) != 0
    start = int(v.slot_start[e])
    n = len(st.parts)
    v.el32[:, e, E_COUNT] = n
    v.el32[:, e, E_HEAD] = 0
    v.el64[:, e, CV_BELT0] = 0
    v.el64[:, e, CV_ANCHOR] = 0
    if n == 0:
        v.schedule(e, NEVER)
        return
    pos = [int(v.steps(p.position_m * transit / length)) if p.position_m is not None else None for p in st.parts]
    for i, p in enumerate(st.parts):
        slot = start + i
        travel = v.steps(p.elapsed_s) if p.status != "blocked" and p.elapsed_s is not None else pos[i]
        if p.status == "blocked":
            travel = transit
        v.s64[:, slot, S_STEP] = -int(travel)
        v.s64[:, slot, S_ENTRY] = -v.steps(p.age_s)
        v.s32[:, slot, S_STATUS] = int(DONE) if p.status == "blocked" else int(BUSY)
        v.s32[:, slot, S_DEST] = v.dest(e)
    front = st.parts[0]
    waiting = front.status == "blocked"
    blocked = waiting and not accumulating
    v.el32[:, e, CV_BLOCKED] = int(blocked)
    if waiting:
        v.el64[:, e, CV_READY] = -v.steps(front.elapsed_s or 0.0)
        v.el64[:, e, CV_LEAD_BELT] = 0
    else:
        left = transit - pos[0] if pos[0] is not None else max(transit - int(v.steps(front.elapsed_s)), 0)
        v.el64[:, e, CV_LEAD_BELT] = max(left, 0)
    nxt = NEVER
    if not blocked:  # conveyor_schedule at step 0 with the belt running
        if not waiting:
            nxt = int(v.el64[0, e, CV_LEAD_BELT])
        clear = int(v.s64[0, start + n - 1, S_STEP]) + pitch  # the entry clears: the last item one pitch in
        if clear > 0:
            nxt = min(nxt, clear)
    v.schedule(e, nxt)


def conveyor_check(spec, st):
    length = float(spec.length)
    last = None
    for i, p in enumerate(st.parts):
        if p.status not in ("processing", "blocked"):
            return f"an item on a belt is processing (moving) or blocked (waiting at the end), not {p.status!r}"
        if p.position_m is None and (p.status != "processing" or p.elapsed_s is None):
            return f"item {i} has no position_m"
        if p.position_m is not None and not 0.0 <= p.position_m <= length * (1 + 1e-9):
            return f"item {i} is at {p.position_m:g} m, outside the belt (0 to {length:g} m)"
        if p.status == "blocked" and (i > 0 or (p.position_m is not None and p.position_m < length * (1 - 1e-9))):
            return f"item {i} is blocked but not the front item at the end of the belt"
        if last is not None and p.position_m is not None and p.position_m >= last:
            return "items must be listed front first (decreasing position_m)"
        last = p.position_m if p.position_m is not None else last
    return None


CONVEYOR_STATES = ("running", "blocked", "empty")
CONVEYOR_PARTS = ("part_status", "part_age_s", "part_elapsed_s", "part_position_m")  # items front first


def conveyor_encode(st) -> dict:
    return {"state": st.state, **encode_parts(st.parts, CONVEYOR_PARTS)}


def conveyor_decode(get, spec) -> dict:
    return {"state": get("state", "empty"), "parts": decode_parts(get, CONVEYOR_PARTS)}


def conveyor_plausible(spec, plant, field, value):
    codes = {"state": CONVEYOR_STATES, "part_status": ("processing", "blocked")}.get(field)
    if codes is not None:
        vals = value if field == "part_status" else [value]
        bad = [x for x in vals if x not in codes]
        if bad:
            return f"{spec.name}.{field}: unknown state code {bad[0]!r} (known: {', '.join(codes)})"
    if field in CONVEYOR_PARTS and len(value) > spec.kernel_capacity(plant):
        return f"{spec.name}.{field}: {len(value)} items on a belt that holds {spec.kernel_capacity(plant)}"
    if field == "part_position_m" and any(x > spec.length * (1 + 1e-9) for x in value):
        return f"{spec.name}.{field}: an item beyond the end of the belt ({spec.length:g} m)"
    return None


SNAPSHOT = SnapshotHooks(capture=conveyor_capture, restore=conveyor_restore, check=conveyor_check,
                         wire=(("state", "text"),) + tuple((f, PART_ARRAYS[f][1]) for f in CONVEYOR_PARTS),
                         encode=conveyor_encode, decode=conveyor_decode, plausible=conveyor_plausible)
