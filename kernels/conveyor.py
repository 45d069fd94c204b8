"""Belt conveyors: items travel a 1-D belt of ``capacity`` = floor(length / pitch) places.

An item enters at the start when fewer than ``capacity`` items are on the belt and the last one
is at least one pitch from the start; it moves at the belt speed and is ready to leave when it
reaches the end. Positions are kept in integer steps of belt travel (metres = steps * dt * speed),
so the belt is advanced exactly however many steps pass between two events:

* accumulating: the belt always runs; items queue at pitch spacing behind an item waiting at the
  end. An item reaches the end at max(its free arrival, departure of the item ahead + one pitch):
  when the item ahead leaves, the queue behind it moves up together.
* non-accumulating: the whole belt stops while the item at the end cannot leave, and runs again
  when it leaves. Time is kept on a belt clock that advances only while the belt runs.

Items are a ring in the element's slots: S_STEP is the belt-clock step the item entered, S_STATUS
is DONE for an item waiting at the end.
"""

import warp as wp

from .common import bound_for, choose_successor, wake, wake_receivers
from .layout import (A_BLOCKED, A_BUSY, A_HELD, A_IDLE, BUSY, DONE, E_AUX0, E_AUX1, E_AUX2, E_AUX3, E_AUX32_0,
                     E_COUNT, E_HEAD, E_NEXT, NEVER, S_DEST, S_ENTRY, S_STATUS, S_STEP, Model, State)

wp.set_module_options({"enable_backward": False})

# kind-specific element fields
CV_BELT0 = E_AUX0     # belt clock at the anchor (steps of belt travel)
CV_ANCHOR = E_AUX1    # wall step of the anchor: the belt clock runs from here while the belt runs
CV_LEAD_AT = E_AUX2   # wall step the front item reaches (reached) the end; NEVER if none
CV_CLEAR_AT = E_AUX3  # wall step the entry clears (last item one pitch in); NEVER while stopped
CV_STOPPED = E_AUX32_0  # non-accumulating belt stopped (1) or running (0)
CV_RUNNING = A_BUSY   # accumulator: steps the belt runs
CV_CARRIED = A_IDLE   # accumulator: item-steps carried while the belt runs (motor load)


@wp.func(inline=True)
def belt_clock(s: State, r: int, e: int, k: wp.int64) -> wp.int64:
    if s.el32[r, e, CV_STOPPED] != 0:
        return s.el64[r, e, CV_BELT0]
    return s.el64[r, e, CV_BELT0] + (k - s.el64[r, e, CV_ANCHOR])


@wp.func(inline=True)
def wall_step_at(s: State, r: int, e: int, belt: wp.int64) -> wp.int64:
    """The wall step at which the belt clock reaches ``belt`` (NEVER while stopped)."""
    if s.el32[r, e, CV_STOPPED] != 0:
        return NEVER
    return s.el64[r, e, CV_ANCHOR] + (belt - s.el64[r, e, CV_BELT0])


@wp.func(inline=True)
def conveyor_schedule(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Recomputes when the front item reaches the end and when the entry clears."""
    count = s.el32[r, e, E_COUNT]
    cap = m.capacity[e]
    start = m.slot_start[e]
    lead_at = NEVER
    clear_at = NEVER
    if count > 0:
        lead = start + s.el32[r, e, E_HEAD]
        if s.s32[r, lead, S_STATUS] == DONE:
            lead_at = s.el64[r, e, CV_LEAD_AT]  # already there: keep when it arrived
        elif m.conveyor.accumulating[e] != 0:
            lead_at = s.el64[r, e, CV_LEAD_AT]  # set when the item became the front one
        else:
            lead_at = wall_step_at(s, r, e, s.s64[r, lead, S_STEP] + m.conveyor.transit[e])
        tail = start + (s.el32[r, e, E_HEAD] + count - 1) % cap
        clear_at = wall_step_at(s, r, e, s.s64[r, tail, S_STEP] + m.conveyor.pitch[e])
    s.el64[r, e, CV_LEAD_AT] = lead_at
    s.el64[r, e, CV_CLEAR_AT] = clear_at
    nxt = NEVER
    if count > 0 and s.s32[r, start + s.el32[r, e, E_HEAD], S_STATUS] != DONE:
        nxt = lead_at
    if clear_at > k:
        nxt = wp.min(nxt, clear_at)
    s.el64[r, e, E_NEXT] = nxt


@wp.func(inline=True)
def conveyor_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    count = s.el32[r, y, E_COUNT]
    if count >= m.capacity[y]:
        return 0
    if count > 0:
        tail = m.slot_start[y] + (s.el32[r, y, E_HEAD] + count - 1) % m.capacity[y]
        if belt_clock(s, r, y, k) - s.s64[r, tail, S_STEP] < m.conveyor.pitch[y]:
            return 0
    return 1


@wp.func(inline=True)
def conveyor_offer(m: Model, s: State, r: int, x: int, y: int):
    """(slot, ready step) of the item waiting at the end for y, or (-1, NEVER)."""
    if s.el32[r, x, E_COUNT] > 0:
        slot = m.slot_start[x] + s.el32[r, x, E_HEAD]
        if s.s32[r, slot, S_STATUS] == DONE and bound_for(s, r, slot, y):
            return slot, s.el64[r, x, CV_LEAD_AT]
    return int(-1), NEVER


@wp.func(inline=True)
def conveyor_take(m: Model, s: State, r: int, x: int, k: wp.int64):
    """The item at the end leaves at step k; the queue behind it moves up."""
    cap = m.capacity[x]
    head = (s.el32[r, x, E_HEAD] + 1) % cap
    s.el32[r, x, E_HEAD] = head
    count = s.el32[r, x, E_COUNT] - 1
    s.el32[r, x, E_COUNT] = count
    if s.el32[r, x, CV_STOPPED] != 0:  # non-accumulating: the belt runs again from here
        s.el32[r, x, CV_STOPPED] = 0
        s.el64[r, x, CV_ANCHOR] = k
    if count > 0 and m.conveyor.accumulating[x] != 0:
        lead = m.slot_start[x] + head
        free_arrival = s.s64[r, lead, S_STEP] + m.conveyor.transit[x]
        s.el64[r, x, CV_LEAD_AT] = wp.max(free_arrival, k + m.conveyor.pitch[x])
    conveyor_schedule(m, s, r, x, k)
    wake(s, r, x)


@wp.func(inline=True)
def conveyor_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    count = s.el32[r, y, E_COUNT]
    slot = m.slot_start[y] + (s.el32[r, y, E_HEAD] + count) % m.capacity[y]
    s.s64[r, slot, S_STEP] = belt_clock(s, r, y, k)
    s.s64[r, slot, S_ENTRY] = entry
    s.s32[r, slot, S_STATUS] = BUSY
    s.s32[r, slot, S_DEST] = choose_successor(m, s, r, y)
    s.el32[r, y, E_COUNT] = count + 1
    if count == 0 and m.conveyor.accumulating[y] != 0:
        s.el64[r, y, CV_LEAD_AT] = k + m.conveyor.transit[y]
    conveyor_schedule(m, s, r, y, k)


@wp.func(inline=True)
def conveyor_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The front item reaches the end, and/or the entry clears, at step k."""
    if s.el32[r, e, E_COUNT] > 0:
        lead = m.slot_start[e] + s.el32[r, e, E_HEAD]
        if s.s32[r, lead, S_STATUS] != DONE and s.el64[r, e, CV_LEAD_AT] == k:
            s.s32[r, lead, S_STATUS] = DONE
            if m.conveyor.accumulating[e] == 0:  # the belt stops until the item leaves
                s.el64[r, e, CV_BELT0] = belt_clock(s, r, e, k)
                s.el64[r, e, CV_ANCHOR] = k
                s.el32[r, e, CV_STOPPED] = 1
            wake_receivers(m, s, r, e, s.s32[r, lead, S_DEST])
    if s.el64[r, e, CV_CLEAR_AT] == k:
        wake(s, r, e)
    conveyor_schedule(m, s, r, e, k)


@wp.func(inline=True)
def conveyor_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    count = wp.int64(s.el32[r, e, E_COUNT])
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt
    if s.el32[r, e, CV_STOPPED] == 0:
        s.acc[r, e, CV_RUNNING] = s.acc[r, e, CV_RUNNING] + dt
        s.acc[r, e, CV_CARRIED] = s.acc[r, e, CV_CARRIED] + count * dt
    if count > wp.int64(0) and s.s32[r, m.slot_start[e] + s.el32[r, e, E_HEAD], S_STATUS] == DONE:
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + dt


@wp.func(inline=True)
def conveyor_start(m: Model, s: State, r: int, e: int):
    s.el64[r, e, CV_LEAD_AT] = NEVER
    s.el64[r, e, CV_CLEAR_AT] = NEVER


@wp.func
def conveyor_item_position(m: Model, s: State, r: int, e: int, i: int, ahead: wp.int64, k: wp.int64) -> wp.int64:
    """Belt position (steps of travel from the start) at step k of the i-th item from the front;
    ``ahead`` is the position of the item in front of it (ignored for i = 0)."""
    slot = m.slot_start[e] + (s.el32[r, e, E_HEAD] + i) % m.capacity[e]
    transit = m.conveyor.transit[e]
    if m.conveyor.accumulating[e] == 0:
        return wp.min(belt_clock(s, r, e, k) - s.s64[r, slot, S_STEP], transit)
    if i == 0:  # the front item arrives at CV_LEAD_AT, moving at full speed until then
        return transit - wp.max(s.el64[r, e, CV_LEAD_AT] - k, wp.int64(0))
    return wp.min(k - s.s64[r, slot, S_STEP], ahead - m.conveyor.pitch[e])
