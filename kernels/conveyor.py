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

from .hooks import Hooks
from .status import ST_BLOCKED, ST_BUSY, ST_DOWN, ST_IDLE
from .common import bound_for, choose_successor, count_hold, crew_held, wake, wake_receivers
from .layout import (A_BLOCKED, A_BUSY, A_DOWN, A_HELD, A_IDLE, A_SERVICE, BUSY, DONE, E_AUX0, E_AUX1, E_AUX2,
                     E_AUX3, E_AUX32_0, E_COUNT, E_HEAD, E_HOLD_FAIL, E_HOLD_SERVICE, E_USES, E_WORK,
                     NEVER, S_DEST, S_ENTRY, S_STATUS, S_STEP, Model, State)
from .next_event import set_next_event

wp.set_module_options({"enable_backward": False})

# kind-specific element fields
CV_BELT0 = E_AUX0       # belt clock at the anchor
CV_ANCHOR = E_AUX1      # wall step of the anchor: the belt clock runs from here while the belt runs
CV_LEAD_BELT = E_AUX2   # belt clock at which the front item reaches the end
CV_READY = E_AUX3       # wall step the front item reached the end (while it waits there)
CV_BLOCKED = E_AUX32_0  # non-accumulating belt stopped by its waiting front item
CV_RUNNING = A_BUSY     # accumulator: steps the belt runs
CV_CARRIED = A_IDLE     # accumulator: item-steps carried while the belt runs (motor load)


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
    return m.slot_start[e] + s.el32[r, e, E_HEAD]


@wp.func(inline=True)
def tail_slot(m: Model, s: State, r: int, e: int) -> int:
    return m.slot_start[e] + (s.el32[r, e, E_HEAD] + s.el32[r, e, E_COUNT] - 1) % m.capacity[e]


@wp.func(inline=True)
def clear_step(m: Model, s: State, r: int, e: int) -> wp.int64:
    """Wall step at which the entry clears (the last item one pitch in), or NEVER."""
    if s.el32[r, e, E_COUNT] == 0:
        return NEVER
    return wall_step_at(s, r, e, s.s64[r, tail_slot(m, s, r, e), S_STEP] + m.conveyor.pitch[e])


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
    if count >= m.capacity[y]:
        return 0
    if count > 0 and belt_clock(s, r, y, k) - s.s64[r, tail_slot(m, s, r, y), S_STEP] < m.conveyor.pitch[y]:
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
    s.el32[r, x, E_HEAD] = (s.el32[r, x, E_HEAD] + 1) % m.capacity[x]
    count = s.el32[r, x, E_COUNT] - 1
    s.el32[r, x, E_COUNT] = count
    if count > 0:
        free_arrival = s.s64[r, front_slot(m, s, r, x), S_STEP] + m.conveyor.transit[x]
        if m.conveyor.accumulating[x] != 0:  # it may have queued one pitch behind the one that left
            free_arrival = wp.max(free_arrival, belt_clock(s, r, x, k) + m.conveyor.pitch[x])
        s.el64[r, x, CV_LEAD_BELT] = free_arrival
    conveyor_schedule(m, s, r, x, k)
    wake(s, r, x)
    return entry


@wp.func(inline=True)
def conveyor_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    count = s.el32[r, y, E_COUNT]
    slot = m.slot_start[y] + (s.el32[r, y, E_HEAD] + count) % m.capacity[y]
    s.s64[r, slot, S_STEP] = belt_clock(s, r, y, k)
    s.s64[r, slot, S_ENTRY] = entry
    s.s32[r, slot, S_STATUS] = BUSY
    s.s32[r, slot, S_DEST] = choose_successor(m, s, r, y)
    s.el32[r, y, E_COUNT] = count + 1
    if count == 0:
        s.el64[r, y, CV_LEAD_BELT] = s.s64[r, slot, S_STEP] + m.conveyor.transit[y]
    conveyor_schedule(m, s, r, y, k)


@wp.func(inline=True)
def conveyor_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The front item reaches the end, and/or the entry clears, at step k."""
    if s.el32[r, e, E_COUNT] > 0:
        lead = front_slot(m, s, r, e)
        if s.s32[r, lead, S_STATUS] != DONE and wall_step_at(s, r, e, s.el64[r, e, CV_LEAD_BELT]) == k:
            s.s32[r, lead, S_STATUS] = DONE
            s.el64[r, e, CV_READY] = k
            if m.conveyor.accumulating[e] == 0:  # the whole belt stops until the item leaves
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
        s.acc[r, e, CV_RUNNING] = s.acc[r, e, CV_RUNNING] + dt
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
    slot = m.slot_start[e] + (s.el32[r, e, E_HEAD] + i) % m.capacity[e]
    transit = m.conveyor.transit[e]
    belt = belt_clock(s, r, e, k)
    if i == 0:  # the front item reaches the end at CV_LEAD_BELT, moving at full speed until then
        return transit - wp.max(s.el64[r, e, CV_LEAD_BELT] - belt, wp.int64(0))
    return wp.min(belt - s.s64[r, slot, S_STEP], ahead - m.conveyor.pitch[e])


@wp.func(inline=True)
def conveyor_status(m: Model, s: State, r: int, e: int, k: wp.int64) -> int:
    """Down while the crew holds the belt; blocked while its front item waits at the end."""
    if crew_held(s, r, e):
        return ST_DOWN
    count = s.el32[r, e, E_COUNT]
    if count > 0:
        if conveyor_item_position(m, s, r, e, 0, NEVER, k) >= m.conveyor.transit[e]:
            return ST_BLOCKED
        return ST_BUSY
    return ST_IDLE


HOOKS = Hooks(room=conveyor_room, offer=conveyor_offer, take=conveyor_take,
              accept=conveyor_accept, event=conveyor_event, account=conveyor_account, work=conveyor_work,
              hold=conveyor_hold, release=conveyor_release, status=conveyor_status)
