"""Helpers every element kind uses: the work stack, routing decisions, and exits at sinks; and the
part slots that machines (servers) and delays (places) handle alike."""

import warp as wp

from .loads import int_at, f64_at
from .layout import (ANY_SUCCESSOR, BUSY, DONE, E_BUSY, E_COUNT, E_DONE, E_HOLD_FAIL, E_HOLD_SERVICE, E_QUEUED, E_USES,
                     HIST_BINS, HIST_BINS_PER_OCTAVE, IDLE, NEVER, R_CT_SUM, R_EXITED, R_WORK_N, RNG_MAIN, RNG_ROUTE,
                     ROUTE_FIRST_AVAILABLE, S_DEST, S_ENTRY, S_STATUS, S_STEP, Model, State)
from .sampling import next_uniform, row_key, sample_steps

wp.set_module_options({"enable_backward": False})


@wp.func_native("""__builtin_assume(i >= 0);
return i;""")
def known_index(i: int) -> int:
    """``i``, an index that is never negative (an element, slot, or the like read from the Model or
    State), said so to the compiler: Warp wraps a negative index Python-style on every array
    access (a shift, an and and an add per index), and with the sign known the compiler drops that.
    An assumption, not a clamp (``wp.max(i, 0)`` cost three instructions at every use); clang
    (CPU) and NVRTC (CUDA) both take ``__builtin_assume``."""
    ...


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
    j0 = int_at(m.out_start, x)
    j = int_at(m.out_start, x + 1) - 1
    while j >= j0:
        wake(s, r, known_index(int_at(m.out_elem, j)))
        j -= 1


@wp.func(inline=True)
def choose_successor(m: Model, s: State, r: int, e: int) -> int:
    """Routing decision for a part that becomes ready at e."""
    if int_at(m.routing, e) == ROUTE_FIRST_AVAILABLE:
        return ANY_SUCCESSOR
    j0 = int_at(m.out_start, e)
    j1 = int_at(m.out_start, e + 1)
    if j1 - j0 == 1:
        return known_index(int_at(m.out_elem, j0))
    u = next_uniform(row_key(s, r), s.draws, r, e, RNG_ROUTE)
    for j in range(j0, j1 - 1):
        if u < f64_at(m.out_cum, j):
            return known_index(int_at(m.out_elem, j))
    return known_index(int_at(m.out_elem, j1 - 1))


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


# ---- part slots of machines (servers) and delays (places): IDLE, BUSY (S_STEP: the step it
# ends), DONE (finished, waiting for its successor; S_STEP: the step it finished) ---------------------
@wp.func(inline=True)
def oldest_done(s: State, r: int, start: int, n: int, y: int):
    """Of slots [start, start + n): the finished part bound for y that has waited longest, as
    (slot, step it finished), or (-1, NEVER); equal steps: the first slot."""
    best = int(-1)
    best_step = NEVER
    slot = start
    while slot < start + n:  # while, not range(): kernels/flow.py best_offer
        if s.s32[r, slot, S_STATUS] == DONE and bound_for(s, r, slot, y):
            if s.s64[r, slot, S_STEP] < best_step:
                best_step = s.s64[r, slot, S_STEP]
                best = slot
        slot += 1
    return best, best_step


@wp.func(inline=True)
def offer_done(m: Model, s: State, r: int, x: int, y: int):
    """The finished part for y that has waited longest in any of x's slots: (slot, ready step) or
    (-1, NEVER) (the ``offer`` hook of machines and cluster tools; a delay looks at its used places)."""
    best = int(-1)
    best_step = NEVER
    if s.el32[r, x, E_DONE] > 0:
        best, best_step = oldest_done(s, r, known_index(int_at(m.slot_start, x)), int_at(m.capacity, x), y)
    return best, best_step


@wp.func(inline=True)
def take_done(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """The finished part in ``slot`` leaves x (its slot is free; x may pull again); returns the
    step it entered the plant (the ``take`` hook of machines, delays and cluster tools)."""
    entry = s.s64[r, slot, S_ENTRY]
    s.s32[r, slot, S_STATUS] = IDLE
    s.el32[r, x, E_COUNT] = s.el32[r, x, E_COUNT] - 1
    s.el32[r, x, E_DONE] = s.el32[r, x, E_DONE] - 1
    wake(s, r, x)
    return entry


@wp.func(inline=True)
def start_in_free_slot(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """The part that entered the plant at ``entry`` starts in y's first free slot at step k, busy
    for a draw of y's main distribution: (the slot's index in y, step it ends), or (-1, NEVER)
    when y has no free slot."""
    start = known_index(int_at(m.slot_start, y))
    n = int_at(m.capacity, y)
    i = int(0)
    while i < n:  # while, not range(): kernels/flow.py best_offer
        slot = start + i
        if s.s32[r, slot, S_STATUS] == IDLE:
            done_at = k + sample_steps(m, s, r, y, RNG_MAIN, int_at(m.main_dist, y))
            s.s32[r, slot, S_STATUS] = BUSY
            s.s64[r, slot, S_STEP] = done_at
            s.s64[r, slot, S_ENTRY] = entry
            s.el32[r, y, E_COUNT] = s.el32[r, y, E_COUNT] + 1
            s.el32[r, y, E_BUSY] = s.el32[r, y, E_BUSY] + 1
            return i, done_at
        i += 1
    return int(-1), NEVER


@wp.func(inline=True)
def finish(m: Model, s: State, r: int, e: int, slot: int):
    """The busy part in ``slot`` of e is done: it waits there for the successor its routing
    picks (woken now), and e counts a use."""
    dest = choose_successor(m, s, r, e)
    s.s32[r, slot, S_STATUS] = DONE
    s.s32[r, slot, S_DEST] = dest
    s.el32[r, e, E_BUSY] = s.el32[r, e, E_BUSY] - 1
    s.el32[r, e, E_DONE] = s.el32[r, e, E_DONE] + 1
    s.el64[r, e, E_USES] = s.el64[r, e, E_USES] + wp.int64(1)
    wake_receivers(m, s, r, e, dest)
