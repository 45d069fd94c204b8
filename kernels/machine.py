"""Machines: ``capacity`` parallel servers, random process times, blocking after service, and
stops: random failures (time- or operation-dependent) and holds by the maintenance crew (a
failed health component, or a preventive service). While stopped, parts in process pause and
resume where they stopped (preempt-resume); a stopped machine accepts no parts.

Each server is a slot: IDLE, BUSY (S_STEP = completion step), DONE (finished, waiting for its
successor; S_STEP = completion step) or PAUSED (in process while stopped; S_STEP = steps of work
left).
"""

import warp as wp

from .hooks import Hooks
from .common import bound_for, choose_successor, count_hold, crew_held, wake, wake_receivers
from .layout import (A_BLOCKED, A_BUSY, A_DOWN, A_HELD, A_IDLE, A_SERVICE, BUSY, DONE, E_BUSY, E_COUNT, E_DONE,
                     E_DOWN, E_FAIL, E_FAIL_LEFT, E_HOLD_FAIL, E_HOLD_SERVICE, E_NEXT, E_REPAIR, E_USES, E_WORK,
                     FAIL_OPERATION, FAIL_TIME, IDLE, NEVER, PAUSED, RNG_MAIN, RNG_TBF, RNG_TTR, S_DEST, S_ENTRY,
                     S_STATUS, S_STEP, Model, State)
from .next_event import set_next_event
from .sampling import sample_steps
from .status import ST_BLOCKED, ST_BUSY, ST_DOWN, ST_IDLE

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def machine_stopped(s: State, r: int, e: int) -> bool:
    return s.el32[r, e, E_DOWN] != 0 or crew_held(s, r, e)


@wp.func(inline=True)
def machine_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    if machine_stopped(s, r, y):
        return 0
    return m.capacity[y] - s.el32[r, y, E_COUNT]


@wp.func(inline=True)
def machine_offer(m: Model, s: State, r: int, x: int, y: int):
    """The finished part for y that has waited longest: (slot, ready step) or (-1, NEVER)."""
    best = int(-1)
    best_step = NEVER
    if s.el32[r, x, E_DONE] > 0:
        start = m.slot_start[x]
        for i in range(m.capacity[x]):
            slot = start + i
            if s.s32[r, slot, S_STATUS] == DONE and bound_for(s, r, slot, y):
                if s.s64[r, slot, S_STEP] < best_step:
                    best_step = s.s64[r, slot, S_STEP]
                    best = slot
    return best, best_step


@wp.func(inline=True)
def machine_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    entry = s.s64[r, slot, S_ENTRY]
    s.s32[r, slot, S_STATUS] = IDLE
    s.el32[r, x, E_COUNT] = s.el32[r, x, E_COUNT] - 1
    s.el32[r, x, E_DONE] = s.el32[r, x, E_DONE] - 1
    wake(s, r, x)
    return entry


@wp.func(inline=True)
def machine_next_event(m: Model, s: State, r: int, e: int) -> wp.int64:
    if s.el32[r, e, E_DOWN] != 0:
        return s.el64[r, e, E_REPAIR]
    nxt = s.el64[r, e, E_FAIL]
    start = m.slot_start[e]
    for i in range(m.capacity[e]):
        if s.s32[r, start + i, S_STATUS] == BUSY:
            nxt = wp.min(nxt, s.s64[r, start + i, S_STEP])
    return nxt


@wp.func(inline=True)
def machine_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """Starts the part on an idle server (the machine runs and has one)."""
    start = m.slot_start[y]
    for i in range(m.capacity[y]):
        slot = start + i
        if s.s32[r, slot, S_STATUS] == IDLE:
            done_at = k + sample_steps(m, s, r, y, RNG_MAIN, m.main_dist[y])
            s.s32[r, slot, S_STATUS] = BUSY
            s.s64[r, slot, S_STEP] = done_at
            s.s64[r, slot, S_ENTRY] = entry
            s.el32[r, y, E_COUNT] = s.el32[r, y, E_COUNT] + 1
            s.el32[r, y, E_BUSY] = s.el32[r, y, E_BUSY] + 1
            nxt = wp.min(s.el64[r, y, E_NEXT], done_at)
            if m.fail_mode[y] == FAIL_OPERATION and s.el32[r, y, E_BUSY] == 1:
                s.el64[r, y, E_FAIL] = k + s.el64[r, y, E_FAIL_LEFT]  # the failure clock runs again
                nxt = wp.min(nxt, s.el64[r, y, E_FAIL])
            set_next_event(m, s, r, y, nxt)
            return


@wp.func(inline=True)
def machine_pause(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The machine stops at step k: parts in process pause; an operation-dependent failure clock stops."""
    start = m.slot_start[e]
    for i in range(m.capacity[e]):
        slot = start + i
        if s.s32[r, slot, S_STATUS] == BUSY:
            s.s32[r, slot, S_STATUS] = PAUSED
            s.s64[r, slot, S_STEP] = s.s64[r, slot, S_STEP] - k  # steps of work left
    s.el32[r, e, E_BUSY] = 0
    if m.fail_mode[e] == FAIL_OPERATION and s.el64[r, e, E_FAIL] != NEVER:
        s.el64[r, e, E_FAIL_LEFT] = s.el64[r, e, E_FAIL] - k
        s.el64[r, e, E_FAIL] = NEVER


@wp.func(inline=True)
def machine_resume(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The machine runs again at step k: paused parts continue; it may pull parts."""
    start = m.slot_start[e]
    busy = int(0)
    for i in range(m.capacity[e]):
        slot = start + i
        if s.s32[r, slot, S_STATUS] == PAUSED:
            s.s32[r, slot, S_STATUS] = BUSY
            s.s64[r, slot, S_STEP] = k + s.s64[r, slot, S_STEP]
            busy += 1
    s.el32[r, e, E_BUSY] = busy
    if m.fail_mode[e] == FAIL_OPERATION and busy > 0 and s.el64[r, e, E_FAIL] == NEVER:
        s.el64[r, e, E_FAIL] = k + s.el64[r, e, E_FAIL_LEFT]
    wake(s, r, e)


@wp.func(inline=True)
def machine_hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew stops the machine (a failed component, or a service); the caller accounted it."""
    was_stopped = machine_stopped(s, r, e)
    count_hold(s, r, e, service, 1)
    if not was_stopped:
        machine_pause(m, s, r, e, k)
    set_next_event(m, s, r, e, machine_next_event(m, s, r, e))


@wp.func(inline=True)
def machine_release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    count_hold(s, r, e, service, -1)
    if not machine_stopped(s, r, e):
        machine_resume(m, s, r, e, k)
    set_next_event(m, s, r, e, machine_next_event(m, s, r, e))


@wp.func(inline=True)
def machine_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Completions, then a random failure, or a repair, due at step k."""
    start = m.slot_start[e]
    cap = m.capacity[e]
    if s.el32[r, e, E_DOWN] == 0:
        for i in range(cap):
            slot = start + i
            if s.s32[r, slot, S_STATUS] == BUSY and s.s64[r, slot, S_STEP] == k:
                dest = choose_successor(m, s, r, e)
                s.s32[r, slot, S_STATUS] = DONE
                s.s32[r, slot, S_DEST] = dest
                s.el32[r, e, E_BUSY] = s.el32[r, e, E_BUSY] - 1
                s.el32[r, e, E_DONE] = s.el32[r, e, E_DONE] + 1
                s.el64[r, e, E_USES] = s.el64[r, e, E_USES] + wp.int64(1)
                wake_receivers(m, s, r, e, dest)
        if s.el64[r, e, E_FAIL] == k:
            if not crew_held(s, r, e):
                machine_pause(m, s, r, e, k)
            s.el32[r, e, E_DOWN] = 1
            s.el64[r, e, E_FAIL] = NEVER
            s.el64[r, e, E_REPAIR] = k + sample_steps(m, s, r, e, RNG_TTR, m.ttr_dist[e])
        elif m.fail_mode[e] == FAIL_OPERATION and s.el32[r, e, E_BUSY] == 0 and s.el64[r, e, E_FAIL] != NEVER:
            s.el64[r, e, E_FAIL_LEFT] = s.el64[r, e, E_FAIL] - k  # idle: the failure clock stops
            s.el64[r, e, E_FAIL] = NEVER
    elif s.el64[r, e, E_REPAIR] == k:
        s.el32[r, e, E_DOWN] = 0
        s.el64[r, e, E_REPAIR] = NEVER
        up = sample_steps(m, s, r, e, RNG_TBF, m.tbf_dist[e])
        if m.fail_mode[e] == FAIL_TIME:
            s.el64[r, e, E_FAIL] = k + up
        else:
            s.el64[r, e, E_FAIL_LEFT] = up
        if not crew_held(s, r, e):
            machine_resume(m, s, r, e, k)
    set_next_event(m, s, r, e, machine_next_event(m, s, r, e))


@wp.func(inline=True)
def machine_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    cap = wp.int64(m.capacity[e])
    count = wp.int64(s.el32[r, e, E_COUNT])
    if s.el32[r, e, E_DOWN] != 0 or s.el32[r, e, E_HOLD_FAIL] > 0:
        s.acc[r, e, A_DOWN] = s.acc[r, e, A_DOWN] + cap * dt
    elif s.el32[r, e, E_HOLD_SERVICE] > 0:
        s.acc[r, e, A_SERVICE] = s.acc[r, e, A_SERVICE] + cap * dt
    else:
        s.acc[r, e, A_BUSY] = s.acc[r, e, A_BUSY] + wp.int64(s.el32[r, e, E_BUSY]) * dt
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + wp.int64(s.el32[r, e, E_DONE]) * dt
        s.acc[r, e, A_IDLE] = s.acc[r, e, A_IDLE] + (cap - count) * dt
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt


@wp.func(inline=True)
def machine_work(m: Model, s: State, r: int, e: int, last: wp.int64, k: wp.int64):
    """Operating time since the last change (not clipped to the statistics window)."""
    if s.el32[r, e, E_BUSY] > 0:
        s.el64[r, e, E_WORK] = s.el64[r, e, E_WORK] + (k - last)


@wp.func(inline=True)
def machine_start(m: Model, s: State, r: int, e: int):
    if m.fail_mode[e] == FAIL_TIME:
        s.el64[r, e, E_FAIL] = sample_steps(m, s, r, e, RNG_TBF, m.tbf_dist[e])
        set_next_event(m, s, r, e, s.el64[r, e, E_FAIL])
    elif m.fail_mode[e] == FAIL_OPERATION:
        s.el64[r, e, E_FAIL_LEFT] = sample_steps(m, s, r, e, RNG_TBF, m.tbf_dist[e])


@wp.func(inline=True)
def machine_status(m: Model, s: State, r: int, e: int, k: wp.int64) -> int:
    """Down (a random failure, a failed component, or a service), busy, blocked or idle."""
    if machine_stopped(s, r, e):
        return ST_DOWN
    if s.el32[r, e, E_BUSY] > 0:
        return ST_BUSY
    if s.el32[r, e, E_DONE] > 0:
        return ST_BLOCKED
    return ST_IDLE


HOOKS = Hooks(room=machine_room, offer=machine_offer, take=machine_take,
              accept=machine_accept, event=machine_event, start=machine_start, account=machine_account,
              work=machine_work, hold=machine_hold, release=machine_release, status=machine_status)
