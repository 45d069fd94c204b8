"""Sources: release parts into the plant, saturated (always a part ready) or by interarrival time.

A source holds at most one part, in its single slot; its interarrival clock restarts when that
part leaves, so a blocked source never loses a part.
"""

import warp as wp

from .hooks import Hooks
from .common import bound_for, choose_successor, wake_receivers
from .layout import (A_BLOCKED, E_COUNT, NEVER, R_ENTERED, RNG_MAIN, S_DEST, S_STEP, Model, State)
from .next_event import set_next_event
from .sampling import sample_steps

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def source_offer(m: Model, s: State, r: int, x: int, y: int):
    slot = m.slot_start[x]
    if s.el32[r, x, E_COUNT] > 0 and bound_for(s, r, slot, y):
        return slot, s.s64[r, slot, S_STEP]
    return int(-1), NEVER


@wp.func(inline=True)
def source_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """The held part leaves at step k: it enters the plant now."""
    if k >= s.control[0].warmup_step:
        s.rep64[r, R_ENTERED] = s.rep64[r, R_ENTERED] + wp.int64(1)
    if m.main_dist[x] < 0:  # saturated: the next part is ready at once
        s.s64[r, slot, S_STEP] = k
        dest = choose_successor(m, s, r, x)
        s.s32[r, slot, S_DEST] = dest
        wake_receivers(m, s, r, x, dest)
    else:
        s.el32[r, x, E_COUNT] = 0
        set_next_event(m, s, r, x, k + sample_steps(m, s, r, x, RNG_MAIN, m.main_dist[x]))
    return k


@wp.func(inline=True)
def source_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """A part arrives."""
    slot = m.slot_start[e]
    dest = choose_successor(m, s, r, e)
    s.el32[r, e, E_COUNT] = 1
    s.s64[r, slot, S_STEP] = k
    s.s32[r, slot, S_DEST] = dest
    set_next_event(m, s, r, e, NEVER)
    wake_receivers(m, s, r, e, dest)


@wp.func(inline=True)
def source_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    if m.main_dist[e] >= 0 and s.el32[r, e, E_COUNT] > 0:
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + dt


@wp.func(inline=True)
def source_start(m: Model, s: State, r: int, e: int):
    if m.main_dist[e] >= 0:
        set_next_event(m, s, r, e, sample_steps(m, s, r, e, RNG_MAIN, m.main_dist[e]))
    else:
        s.el32[r, e, E_COUNT] = 1
        s.s32[r, m.slot_start[e], S_DEST] = choose_successor(m, s, r, e)


HOOKS = Hooks(offer=source_offer, take=source_take, event=source_event,
              start=source_start, account=source_account)
