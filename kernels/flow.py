"""Material flow: how sources, machines, buffers and sinks hold, offer, take and accept parts.

One thread owns one replica. At a step where something happens, the elements with a timed event
(an arrival, a service completion, a failure, a repair) handle it; every element whose situation
changed is pushed on the replica's work stack; popping an element lets it pull parts from its
predecessors while it has room (`fill`). Transfers are instantaneous, so a completion can ripple
through blocked machines upstream within one step.

Each element integrates its own state over time (`account`) just before it changes, in integer
steps, so statistics need no per-step work and never accumulate in floating point.
"""

import warp as wp

from .layout import (A_BLOCKED, A_BUSY, A_DOWN, A_FULL, A_HELD, A_IDLE, ANY_SUCCESSOR, BUFFER, BUSY, DONE,
                     E_BUSY, E_COUNT, E_DONE, E_DOWN, E_FAIL, E_FAIL_LEFT, E_HEAD, E_NEXT, E_OUT, E_QUEUED,
                     E_REPAIR, E_STAT, FAIL_OPERATION, FAIL_TIME, HIST_BINS, HIST_BINS_PER_OCTAVE, IDLE,
                     MACHINE, NEVER, PAUSED, R_CT_SUM, R_ENTERED, R_EXITED, R_OVERFLOW, R_WORK_N,
                     RNG_MAIN, RNG_ROUTE, RNG_TBF, RNG_TTR, ROUTE_FIRST_AVAILABLE, S_DEST, S_ENTRY,
                     S_STATUS, S_STEP, SINK, SOURCE, Model, State)
from .sampling import next_uniform, sample_steps

wp.set_module_options({"enable_backward": False})


# ---- statistics ------------------------------------------------------------------------------
@wp.func(inline=True)
def account(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Adds element e's state since its last change, clipped to the statistics window."""
    lo = wp.max(s.el64[r, e, E_STAT], m.warmup_step)
    hi = wp.min(k, m.horizon_step)
    s.el64[r, e, E_STAT] = k
    if hi <= lo:
        return
    dt = hi - lo
    kind = m.kind[e]
    count = wp.int64(s.el32[r, e, E_COUNT])
    if kind == MACHINE:
        cap = wp.int64(m.capacity[e])
        if s.el32[r, e, E_DOWN] != 0:
            s.acc[r, e, A_DOWN] = s.acc[r, e, A_DOWN] + cap * dt
        else:
            s.acc[r, e, A_BUSY] = s.acc[r, e, A_BUSY] + wp.int64(s.el32[r, e, E_BUSY]) * dt
            s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + wp.int64(s.el32[r, e, E_DONE]) * dt
            s.acc[r, e, A_IDLE] = s.acc[r, e, A_IDLE] + (cap - count) * dt
        s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt
    elif kind == BUFFER:
        s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt
        if count == wp.int64(0):
            s.acc[r, e, A_IDLE] = s.acc[r, e, A_IDLE] + dt
        if m.bounded[e] != 0 and count == wp.int64(m.capacity[e]):
            s.acc[r, e, A_FULL] = s.acc[r, e, A_FULL] + dt
    elif kind == SOURCE:
        if m.main_dist[e] >= 0 and count > wp.int64(0):
            s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + dt


@wp.func(inline=True)
def record_exit(m: Model, s: State, r: int, entry: wp.int64, k: wp.int64):
    ct = k - entry
    s.rep64[r, R_EXITED] = s.rep64[r, R_EXITED] + wp.int64(1)
    s.rep64[r, R_CT_SUM] = s.rep64[r, R_CT_SUM] + ct
    x = wp.float64(ct)
    s.ct_sumsq[r] = s.ct_sumsq[r] + x * x
    b = int(wp.log2(x + wp.float64(1.0)) * wp.float64(HIST_BINS_PER_OCTAVE))
    wp.atomic_add(s.ct_hist, wp.min(b, HIST_BINS - 1), wp.int64(1))


# ---- the work stack --------------------------------------------------------------------------
@wp.func(inline=True)
def wake(s: State, r: int, e: int):
    if s.el32[r, e, E_QUEUED] == 0:
        s.el32[r, e, E_QUEUED] = 1
        n = s.rep64[r, R_WORK_N]
        s.work[r, int(n)] = e
        s.rep64[r, R_WORK_N] = n + wp.int64(1)


@wp.func(inline=True)
def wake_receivers(m: Model, s: State, r: int, x: int, dest: int):
    """Wakes the element a ready part of x is bound for (all successors for ANY_SUCCESSOR,
    pushed last-first so that the first successor is visited first)."""
    if dest != ANY_SUCCESSOR:
        wake(s, r, dest)
        return
    j0 = m.out_start[x]
    j = m.out_start[x + 1] - 1
    while j >= j0:
        wake(s, r, m.out_elem[j])
        j -= 1


@wp.func(inline=True)
def choose_successor(m: Model, s: State, r: int, e: int) -> int:
    """Routing decision for a part that becomes ready at e."""
    if m.routing[e] == ROUTE_FIRST_AVAILABLE:
        return ANY_SUCCESSOR
    j0 = m.out_start[e]
    j1 = m.out_start[e + 1]
    if j1 - j0 == 1:
        return m.out_elem[j0]
    u = next_uniform(m.seed, s.draws, r, e, RNG_ROUTE)
    for j in range(j0, j1 - 1):
        if u < m.out_cum[j]:
            return m.out_elem[j]
    return m.out_elem[j1 - 1]


# ---- what an element offers, gives and takes ---------------------------------------------------
@wp.func(inline=True)
def room(m: Model, s: State, r: int, y: int) -> int:
    kind = m.kind[y]
    if kind == SINK:
        return 1
    if kind == MACHINE:
        if s.el32[r, y, E_DOWN] != 0:
            return 0
        return m.capacity[y] - s.el32[r, y, E_COUNT]
    if kind == BUFFER:
        return m.capacity[y] - s.el32[r, y, E_COUNT]
    return 0


@wp.func(inline=True)
def bound_for(s: State, r: int, slot: int, y: int) -> bool:
    d = s.s32[r, slot, S_DEST]
    return d == y or d == ANY_SUCCESSOR


@wp.func(inline=True)
def offered_slot(m: Model, s: State, r: int, x: int, y: int) -> int:
    """The slot of the part x offers to y that has waited longest, or -1."""
    kind = m.kind[x]
    if s.el32[r, x, E_COUNT] == 0:
        return -1
    if kind == SOURCE:
        slot = m.slot_start[x]
        if bound_for(s, r, slot, y):
            return slot
        return -1
    if kind == BUFFER:
        slot = m.slot_start[x] + s.el32[r, x, E_HEAD]
        if bound_for(s, r, slot, y):
            return slot
        return -1
    if kind == MACHINE:
        if s.el32[r, x, E_DONE] == 0:
            return -1
        best = int(-1)
        best_step = NEVER
        start = m.slot_start[x]
        for i in range(m.capacity[x]):
            slot = start + i
            if s.s32[r, slot, S_STATUS] == DONE and bound_for(s, r, slot, y):
                if s.s64[r, slot, S_STEP] < best_step:
                    best_step = s.s64[r, slot, S_STEP]
                    best = slot
        return best
    return -1


@wp.func(inline=True)
def take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """Removes the part in ``slot`` from x at step k; returns its plant-entry step."""
    account(m, s, r, x, k)
    counted = k >= m.warmup_step
    if counted:
        s.el64[r, x, E_OUT] = s.el64[r, x, E_OUT] + wp.int64(1)
    kind = m.kind[x]
    if kind == SOURCE:
        if counted:
            s.rep64[r, R_ENTERED] = s.rep64[r, R_ENTERED] + wp.int64(1)
        if m.main_dist[x] < 0:  # saturated: the next part is ready at once
            s.s64[r, slot, S_STEP] = k
            dest = choose_successor(m, s, r, x)
            s.s32[r, slot, S_DEST] = dest
            wake_receivers(m, s, r, x, dest)
        else:
            s.el32[r, x, E_COUNT] = 0
            s.el64[r, x, E_NEXT] = k + sample_steps(m, s, r, x, RNG_MAIN, m.main_dist[x])
        return k
    entry = s.s64[r, slot, S_ENTRY]
    if kind == MACHINE:
        s.s32[r, slot, S_STATUS] = IDLE
        s.el32[r, x, E_COUNT] = s.el32[r, x, E_COUNT] - 1
        s.el32[r, x, E_DONE] = s.el32[r, x, E_DONE] - 1
        wake(s, r, x)
    elif kind == BUFFER:
        head = (s.el32[r, x, E_HEAD] + 1) % m.capacity[x]
        s.el32[r, x, E_HEAD] = head
        s.el32[r, x, E_COUNT] = s.el32[r, x, E_COUNT] - 1
        if s.el32[r, x, E_COUNT] > 0:
            new_head = m.slot_start[x] + head
            s.s64[r, new_head, S_STEP] = k  # ready (at the head) from now
            wake_receivers(m, s, r, x, s.s32[r, new_head, S_DEST])
        wake(s, r, x)
    return entry


@wp.func(inline=True)
def accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """Puts a part that entered the plant at step ``entry`` into y at step k (y has room)."""
    account(m, s, r, y, k)
    kind = m.kind[y]
    if kind == SINK:
        if k >= m.warmup_step:
            s.el64[r, y, E_OUT] = s.el64[r, y, E_OUT] + wp.int64(1)
            record_exit(m, s, r, entry, k)
        return
    start = m.slot_start[y]
    if kind == MACHINE:
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
                s.el64[r, y, E_NEXT] = nxt
                return
        return
    if kind == BUFFER:
        count = s.el32[r, y, E_COUNT]
        slot = start + (s.el32[r, y, E_HEAD] + count) % m.capacity[y]
        s.s64[r, slot, S_STEP] = k
        s.s64[r, slot, S_ENTRY] = entry
        dest = choose_successor(m, s, r, y)
        s.s32[r, slot, S_DEST] = dest
        s.el32[r, y, E_COUNT] = count + 1
        if count == 0:
            wake_receivers(m, s, r, y, dest)


@wp.func(inline=True)
def fill(m: Model, s: State, r: int, y: int, k: wp.int64):
    """Pulls parts into y while it has room, the longest-waiting offer first."""
    while True:
        best_slot = int(-1)
        best_x = int(-1)
        best_step = NEVER
        for j in range(m.in_start[y], m.in_start[y + 1]):
            x = m.in_elem[j]
            slot = offered_slot(m, s, r, x, y)
            if slot >= 0:
                st = s.s64[r, slot, S_STEP]
                if st < best_step:
                    best_step = st
                    best_slot = slot
                    best_x = x
        if best_slot < 0:
            return
        if room(m, s, r, y) <= 0:
            if m.kind[y] == BUFFER and m.bounded[y] == 0 and s.rep64[r, R_OVERFLOW] == wp.int64(0):
                s.rep64[r, R_OVERFLOW] = wp.int64(y + 1)  # an unbounded buffer ran out of storage
            return
        entry = take(m, s, r, best_x, best_slot, k)
        accept(m, s, r, y, entry, k)


@wp.func(inline=True)
def drain(m: Model, s: State, r: int, k: wp.int64):
    """Visits the work stack until no element can pull anything more at step k."""
    while True:
        n = s.rep64[r, R_WORK_N]
        if n == wp.int64(0):
            return
        n = n - wp.int64(1)
        e = s.work[r, int(n)]
        s.rep64[r, R_WORK_N] = n
        s.el32[r, e, E_QUEUED] = 0
        if m.kind[e] != SOURCE:
            fill(m, s, r, e, k)


# ---- timed events ------------------------------------------------------------------------------
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
def machine_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Completions, then a failure, or a repair, due at step k."""
    account(m, s, r, e, k)
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
                wake_receivers(m, s, r, e, dest)
        if s.el64[r, e, E_FAIL] == k:
            s.el32[r, e, E_DOWN] = 1
            for i in range(cap):
                slot = start + i
                if s.s32[r, slot, S_STATUS] == BUSY:
                    s.s32[r, slot, S_STATUS] = PAUSED
                    s.s64[r, slot, S_STEP] = s.s64[r, slot, S_STEP] - k  # steps of work left
            s.el32[r, e, E_BUSY] = 0
            s.el64[r, e, E_FAIL] = NEVER
            s.el64[r, e, E_REPAIR] = k + sample_steps(m, s, r, e, RNG_TTR, m.ttr_dist[e])
        elif m.fail_mode[e] == FAIL_OPERATION and s.el32[r, e, E_BUSY] == 0 and s.el64[r, e, E_FAIL] != NEVER:
            s.el64[r, e, E_FAIL_LEFT] = s.el64[r, e, E_FAIL] - k  # idle: the failure clock stops
            s.el64[r, e, E_FAIL] = NEVER
    elif s.el64[r, e, E_REPAIR] == k:
        s.el32[r, e, E_DOWN] = 0
        s.el64[r, e, E_REPAIR] = NEVER
        busy = int(0)
        for i in range(cap):
            slot = start + i
            if s.s32[r, slot, S_STATUS] == PAUSED:
                s.s32[r, slot, S_STATUS] = BUSY
                s.s64[r, slot, S_STEP] = k + s.s64[r, slot, S_STEP]
                busy += 1
        s.el32[r, e, E_BUSY] = busy
        up = sample_steps(m, s, r, e, RNG_TBF, m.tbf_dist[e])
        if m.fail_mode[e] == FAIL_TIME or busy > 0:
            s.el64[r, e, E_FAIL] = k + up
        else:
            s.el64[r, e, E_FAIL_LEFT] = up
        wake(s, r, e)
    s.el64[r, e, E_NEXT] = machine_next_event(m, s, r, e)


@wp.func(inline=True)
def source_arrival(m: Model, s: State, r: int, e: int, k: wp.int64):
    account(m, s, r, e, k)
    slot = m.slot_start[e]
    dest = choose_successor(m, s, r, e)
    s.el32[r, e, E_COUNT] = 1
    s.s64[r, slot, S_STEP] = k
    s.s32[r, slot, S_DEST] = dest
    s.el64[r, e, E_NEXT] = NEVER
    wake_receivers(m, s, r, e, dest)


@wp.func(inline=True)
def handle_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    kind = m.kind[e]
    if kind == MACHINE:
        machine_event(m, s, r, e, k)
    elif kind == SOURCE:
        source_arrival(m, s, r, e, k)


# ---- start ---------------------------------------------------------------------------------------
@wp.func(inline=True)
def start_element(m: Model, s: State, r: int, e: int):
    """Puts element e in its state at step 0 (the plant starts empty)."""
    s.el64[r, e, E_NEXT] = NEVER
    s.el64[r, e, E_FAIL] = NEVER
    s.el64[r, e, E_REPAIR] = NEVER
    kind = m.kind[e]
    if kind == SOURCE:
        if m.main_dist[e] >= 0:
            s.el64[r, e, E_NEXT] = sample_steps(m, s, r, e, RNG_MAIN, m.main_dist[e])
        else:
            slot = m.slot_start[e]
            s.el32[r, e, E_COUNT] = 1
            s.s32[r, slot, S_DEST] = choose_successor(m, s, r, e)
    elif kind == MACHINE:
        if m.fail_mode[e] == FAIL_TIME:
            s.el64[r, e, E_FAIL] = sample_steps(m, s, r, e, RNG_TBF, m.tbf_dist[e])
            s.el64[r, e, E_NEXT] = s.el64[r, e, E_FAIL]
        elif m.fail_mode[e] == FAIL_OPERATION:
            s.el64[r, e, E_FAIL_LEFT] = sample_steps(m, s, r, e, RNG_TBF, m.tbf_dist[e])
