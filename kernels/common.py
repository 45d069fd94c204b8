"""Helpers every element kind uses: the work stack, routing decisions, and exits at sinks."""

import warp as wp

from .layout import (ANY_SUCCESSOR, E_HOLD_FAIL, E_HOLD_SERVICE, E_QUEUED, HIST_BINS, HIST_BINS_PER_OCTAVE, R_CT_SUM, R_EXITED, R_WORK_N,
                     RNG_ROUTE, ROUTE_FIRST_AVAILABLE, S_DEST, Model, State)
from .sampling import next_uniform, row_key

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def known_index(i: int) -> int:
    """``i``, an index that is never negative (an element, slot, or the like read from the Model or
    State), said so to the compiler: Warp wraps a negative index Python-style on every array
    access (a shift, an and and an add per index), and with the sign known the compiler drops that."""
    return wp.max(i, 0)


@wp.func(inline=True)
def wake(s: State, r: int, e: int):
    """Puts e on the replica's work stack (once): it will try to pull parts at this step."""
    if s.el32[r, e, E_QUEUED] == 0:
        s.el32[r, e, E_QUEUED] = 1
        n = s.rep64[r, R_WORK_N]
        s.work[r, known_index(int(n))] = e
        s.rep64[r, R_WORK_N] = n + wp.int64(1)


@wp.func(inline=True)
def crew_held(s: State, r: int, e: int) -> bool:
    """e is stopped by the maintenance crew (a failed health component, or a preventive service)."""
    return s.el32[r, e, E_HOLD_FAIL] > 0 or s.el32[r, e, E_HOLD_SERVICE] > 0


@wp.func(inline=True)
def count_hold(s: State, r: int, e: int, service: bool, delta: int):
    """The crew's holds on e: +1 when it stops e, -1 when that work ends; failures and services
    are counted apart (they are accounted as down and as service)."""
    if service:
        s.el32[r, e, E_HOLD_SERVICE] = s.el32[r, e, E_HOLD_SERVICE] + delta
    else:
        s.el32[r, e, E_HOLD_FAIL] = s.el32[r, e, E_HOLD_FAIL] + delta


@wp.func(inline=True)
def wake_receivers(m: Model, s: State, r: int, x: int, dest: int):
    """Wakes the element a ready part of x is bound for (all successors for ANY_SUCCESSOR,
    pushed last-first so that the first successor is visited first)."""
    if dest != ANY_SUCCESSOR:
        wake(s, r, known_index(dest))
        return
    j0 = m.out_start[x]
    j = m.out_start[x + 1] - 1
    while j >= j0:
        wake(s, r, known_index(m.out_elem[j]))
        j -= 1


@wp.func(inline=True)
def choose_successor(m: Model, s: State, r: int, e: int) -> int:
    """Routing decision for a part that becomes ready at e."""
    if m.routing[e] == ROUTE_FIRST_AVAILABLE:
        return ANY_SUCCESSOR
    j0 = m.out_start[e]
    j1 = m.out_start[e + 1]
    if j1 - j0 == 1:
        return known_index(m.out_elem[j0])
    u = next_uniform(row_key(s, r), s.draws, r, e, RNG_ROUTE)
    for j in range(j0, j1 - 1):
        if u < m.out_cum[j]:
            return known_index(m.out_elem[j])
    return known_index(m.out_elem[j1 - 1])


@wp.func(inline=True)
def bound_for(s: State, r: int, slot: int, y: int) -> bool:
    d = s.s32[r, slot, S_DEST]
    return d == y or d == ANY_SUCCESSOR


@wp.func(inline=True)
def record_exit(m: Model, s: State, r: int, entry: wp.int64, k: wp.int64):
    """A part that entered the plant at step ``entry`` reaches a sink at step k (in the window)."""
    ct = k - entry
    s.rep64[r, R_EXITED] = s.rep64[r, R_EXITED] + wp.int64(1)
    s.rep64[r, R_CT_SUM] = s.rep64[r, R_CT_SUM] + ct
    x = wp.float64(ct)
    s.ct_sumsq[r] = s.ct_sumsq[r] + x * x
    b = int(wp.log2(x + wp.float64(1.0)) * wp.float64(HIST_BINS_PER_OCTAVE))
    wp.atomic_add(s.ct_hist, wp.min(b, HIST_BINS - 1), wp.int64(1))
