"""The fab simulation: one thread per replica runs its fab event to event (issue 13).

Lots carry (product, global step, wafers, priority, due date, release time); tool groups hold a
shared queue (a binary heap ordered by the group's dispatching rule, kernels/fab_rules.py) or,
for batch steps, one FIFO pool per batch step; N tools per group. Events live in a per-replica
binary heap keyed by (time, insertion number), so equal times resolve in a fixed order. Time is
float64 seconds (never float32); random numbers are counter-based (kernels/rng.py), keyed by
(seed, replica, purpose, draw number), so a replica's run does not depend on the others.

Semantics (docs/fab.md): a failure that falls while a tool is busy takes the tool down when its
lot or batch finishes; a batch starts as soon as a pool holds ``batch_min`` wafers (or its oldest
lot has waited ``max_wait``) and takes lots first-in-first-out up to ``batch_max`` wafers.
"""

import warp as wp

from .fab_heap import ev_pop, ev_push, q_pop, q_push
from .fab_rules import RULES
from .rng import uniform

wp.set_module_options({"enable_backward": False})

EV_RELEASE, EV_DONE, EV_FREE, EV_FAIL, EV_REPAIR, EV_WAIT, EV_ARRIVE = 0, 1, 2, 3, 4, 5, 6
KIND_SHIFT = 27
IDLE, BUSY, DOWN, BUSY_FAILING = 0, 1, 2, 3
PER_LOT, PER_WAFER, PER_BATCH = 0, 1, 2
# counters per replica (State.ctr columns)
C_SEQ, C_DRAW, C_NEV, C_NFREE, C_REC, C_FLAGS, C_EVENTS, C_NLOTS = range(8)
N_CTR = 8
F_LOTS, F_EVENTS, F_QUEUE, F_RECORDS = 1, 2, 4, 8
S_TIME, S_ROUTE, S_FAIL, S_MOVE = 0, 1, 2, 3  # random streams


@wp.struct
class FabModel:
    st_group: wp.array(dtype=wp.int32)
    st_per: wp.array(dtype=wp.int32)
    st_dist: wp.array(dtype=wp.int32)     # 0 uniform [lo, hi] (constant: lo == hi), 1 exponential (mean lo)
    st_lo: wp.array(dtype=wp.float64)
    st_hi: wp.array(dtype=wp.float64)
    st_cascade: wp.array(dtype=wp.float64)  # < 0: none
    st_occ: wp.array(dtype=wp.float64)      # tool occupancy per lot (BatchInterval); < 0: the process time
    st_rwk_p: wp.array(dtype=wp.float64)
    st_rwk_to: wp.array(dtype=wp.int32)
    st_sample_p: wp.array(dtype=wp.float64)
    st_next: wp.array(dtype=wp.int32)       # next global step, -1 after the last
    st_pool: wp.array(dtype=wp.int32)       # batch pool of the step, -1 for lot steps
    st_bmin: wp.array(dtype=wp.int32)
    st_bmax: wp.array(dtype=wp.int32)
    pr_first: wp.array(dtype=wp.int32)
    pr_rpt: wp.array(dtype=wp.float64)      # raw process time of a lot (X-factor)
    g_tools: wp.array(dtype=wp.int32)
    g_tool0: wp.array(dtype=wp.int32)
    g_rule: wp.array(dtype=wp.int32)
    g_delay: wp.array(dtype=wp.int32)
    g_pool0: wp.array(dtype=wp.int32)
    g_npool: wp.array(dtype=wp.int32)
    g_qbase: wp.array(dtype=wp.int32)
    g_load: wp.array(dtype=wp.float64)      # load + unload per lot
    g_maxwait: wp.array(dtype=wp.float64)   # <= 0: wait for batch_min
    g_mttf: wp.array(dtype=wp.float64)      # <= 0: no breakdowns
    g_mttr: wp.array(dtype=wp.float64)
    tool_group: wp.array(dtype=wp.int32)
    pool_step: wp.array(dtype=wp.int32)
    o_product: wp.array(dtype=wp.int32)
    o_wafers: wp.array(dtype=wp.int32)
    o_prio: wp.array(dtype=wp.int32)
    o_count: wp.array(dtype=wp.int32)
    o_lpr: wp.array(dtype=wp.int32)
    o_start: wp.array(dtype=wp.float64)
    o_interval: wp.array(dtype=wp.float64)
    o_due: wp.array(dtype=wp.float64)
    o_poisson: wp.array(dtype=wp.int32)
    w_product: wp.array(dtype=wp.int32)
    w_step: wp.array(dtype=wp.int32)        # global step the lot waits for
    w_wafers: wp.array(dtype=wp.int32)
    w_prio: wp.array(dtype=wp.int32)
    w_rel: wp.array(dtype=wp.float64)
    w_due: wp.array(dtype=wp.float64)
    n_wip: int
    move_lo: wp.float64                     # transport time between steps, uniform [lo, hi]; hi <= 0: none
    move_hi: wp.float64
    n_orders: int
    n_tools: int
    n_groups: int
    n_products: int
    lot_cap: int
    ev_cap: int
    q_cap: int
    rec_cap: int
    warmup: wp.float64
    horizon: wp.float64
    seed: wp.uint64


@wp.struct
class FabState:
    l_prod: wp.array2d(dtype=wp.int32)
    l_step: wp.array2d(dtype=wp.int32)
    l_wafers: wp.array2d(dtype=wp.int32)
    l_prio: wp.array2d(dtype=wp.int32)
    l_next: wp.array2d(dtype=wp.int32)
    l_free: wp.array2d(dtype=wp.int32)
    l_rel: wp.array2d(dtype=wp.float64)
    l_due: wp.array2d(dtype=wp.float64)
    l_enq: wp.array2d(dtype=wp.float64)
    l_seq: wp.array2d(dtype=wp.int64)
    e_t: wp.array2d(dtype=wp.float64)
    e_q: wp.array2d(dtype=wp.int64)
    e_v: wp.array2d(dtype=wp.int32)
    q_key: wp.array2d(dtype=wp.int64)
    q_lot: wp.array2d(dtype=wp.int32)
    g_qn: wp.array2d(dtype=wp.int32)
    g_waiting: wp.array2d(dtype=wp.int32)
    p_head: wp.array2d(dtype=wp.int32)
    p_tail: wp.array2d(dtype=wp.int32)
    p_wafers: wp.array2d(dtype=wp.int32)
    p_lots: wp.array2d(dtype=wp.int32)
    t_state: wp.array2d(dtype=wp.int32)
    o_done: wp.array2d(dtype=wp.int32)
    ctr: wp.array2d(dtype=wp.int64)
    # statistics over [warmup, horizon]
    pr_released: wp.array2d(dtype=wp.float64)
    pr_initial: wp.array2d(dtype=wp.float64)
    pr_out: wp.array2d(dtype=wp.float64)
    pr_ct: wp.array2d(dtype=wp.float64)
    pr_ct2: wp.array2d(dtype=wp.float64)
    pr_xf: wp.array2d(dtype=wp.float64)
    pr_ontime: wp.array2d(dtype=wp.float64)
    pr_wip_area: wp.array2d(dtype=wp.float64)
    pr_wip_last: wp.array2d(dtype=wp.float64)
    pr_wip: wp.array2d(dtype=wp.int32)
    g_busy: wp.array2d(dtype=wp.float64)
    g_down: wp.array2d(dtype=wp.float64)
    g_qarea: wp.array2d(dtype=wp.float64)
    g_qlast: wp.array2d(dtype=wp.float64)
    g_starts: wp.array2d(dtype=wp.float64)
    g_batches: wp.array2d(dtype=wp.float64)
    g_fill: wp.array2d(dtype=wp.float64)
    rec_p: wp.array2d(dtype=wp.int32)
    rec_ct: wp.array2d(dtype=wp.float64)
    sw_n: wp.array2d(dtype=wp.int32)        # lots at each global step (waiting for, travelling to or in it)
    sw_area: wp.array2d(dtype=wp.float64)   # their time integral over [warmup, horizon] (WIP by step)
    sw_last: wp.array2d(dtype=wp.float64)


@wp.func
def rule_key(rule: wp.int32, priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64) -> wp.int64:
    for i in range(wp.static(len(RULES))):
        if rule == i:
            return wp.static(RULES[i][1])(priority, seq, due, release)
    return seq


@wp.func(inline=True)
def overlap(a: wp.float64, b: wp.float64, w0: wp.float64, w1: wp.float64) -> wp.float64:
    return wp.max(wp.min(b, w1) - wp.max(a, w0), wp.float64(0.0))


@wp.func(inline=True)
def draw(m: FabModel, s: FabState, r: int, stream: int) -> wp.float64:
    d = s.ctr[r, C_DRAW]
    s.ctr[r, C_DRAW] = d + wp.int64(1)
    return uniform(m.seed, r, stream, d)


@wp.func(inline=True)
def schedule(m: FabModel, s: FabState, r: int, t: wp.float64, kind: int, idx: int):
    n = int(s.ctr[r, C_NEV])
    if n >= m.ev_cap:
        s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_EVENTS)
        return
    q = s.ctr[r, C_SEQ]
    s.ctr[r, C_SEQ] = q + wp.int64(1)
    s.ctr[r, C_NEV] = wp.int64(ev_push(s.e_t, s.e_q, s.e_v, r, n, t, q, wp.int32((kind << KIND_SHIFT) | idx)))


@wp.func(inline=True)
def step_time(m: FabModel, s: FabState, r: int, step: int, wafers: int) -> wp.float64:
    u = draw(m, s, r, S_TIME)
    base = m.st_lo[step] + (m.st_hi[step] - m.st_lo[step]) * u
    if m.st_dist[step] == 1:
        base = -m.st_lo[step] * wp.log(u)
    if m.st_per[step] == PER_WAFER:
        if m.st_cascade[step] >= wp.float64(0.0):
            return base + wp.float64(wafers - 1) * m.st_cascade[step]
        return wp.float64(wafers) * base
    return base


@wp.func(inline=True)
def queue_change(m: FabModel, s: FabState, r: int, g: int, t: wp.float64, delta: int):
    s.g_qarea[r, g] = s.g_qarea[r, g] + wp.float64(s.g_waiting[r, g]) * overlap(s.g_qlast[r, g], t, m.warmup, m.horizon)
    s.g_qlast[r, g] = t
    s.g_waiting[r, g] = s.g_waiting[r, g] + delta


@wp.func(inline=True)
def wip_change(m: FabModel, s: FabState, r: int, p: int, t: wp.float64, delta: int):
    s.pr_wip_area[r, p] = s.pr_wip_area[r, p] + wp.float64(s.pr_wip[r, p]) * overlap(s.pr_wip_last[r, p], t, m.warmup, m.horizon)
    s.pr_wip_last[r, p] = t
    s.pr_wip[r, p] = s.pr_wip[r, p] + delta


@wp.func(inline=True)
def step_wip(m: FabModel, s: FabState, r: int, step: int, t: wp.float64, delta: int):
    s.sw_area[r, step] = s.sw_area[r, step] + wp.float64(s.sw_n[r, step]) * overlap(s.sw_last[r, step], t, m.warmup, m.horizon)
    s.sw_last[r, step] = t
    s.sw_n[r, step] = s.sw_n[r, step] + delta


@wp.func(inline=True)
def finish(m: FabModel, s: FabState, r: int, lot: int, t: wp.float64):
    p = s.l_prod[r, lot]
    wip_change(m, s, r, p, t, -1)
    step_wip(m, s, r, s.l_step[r, lot], t, -1)
    if t >= m.warmup:
        ct = t - s.l_rel[r, lot]
        s.pr_out[r, p] = s.pr_out[r, p] + wp.float64(1.0)
        s.pr_ct[r, p] = s.pr_ct[r, p] + ct
        s.pr_ct2[r, p] = s.pr_ct2[r, p] + ct * ct
        s.pr_xf[r, p] = s.pr_xf[r, p] + ct / m.pr_rpt[p]
        if t <= s.l_due[r, lot]:
            s.pr_ontime[r, p] = s.pr_ontime[r, p] + wp.float64(1.0)
        k = int(s.ctr[r, C_REC])
        if k < m.rec_cap:
            s.rec_p[r, k] = p
            s.rec_ct[r, k] = ct
            s.ctr[r, C_REC] = wp.int64(k + 1)
        else:
            s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_RECORDS)
    nf = int(s.ctr[r, C_NFREE])
    s.l_free[r, nf] = lot
    s.ctr[r, C_NFREE] = wp.int64(nf + 1)
    s.ctr[r, C_NLOTS] = s.ctr[r, C_NLOTS] - wp.int64(1)


@wp.func
def arrive(m: FabModel, s: FabState, r: int, lot: int, t: wp.float64) -> int:
    """The lot reaches its current step (skipping sampled-out steps): joins the step's queue or
    pool, or starts a delay. Returns the tool group to try to start, or -1."""
    step = s.l_step[r, lot]
    while step >= 0:
        if m.st_sample_p[step] >= wp.float64(1.0):
            break
        if draw(m, s, r, S_ROUTE) < m.st_sample_p[step]:
            break
        step = m.st_next[step]
    if step < 0:
        finish(m, s, r, lot, t)
        return -1
    if step != s.l_step[r, lot]:
        step_wip(m, s, r, s.l_step[r, lot], t, -1)
        step_wip(m, s, r, step, t, 1)
    s.l_step[r, lot] = step
    g = m.st_group[step]
    if m.g_delay[g] != 0:
        schedule(m, s, r, t + step_time(m, s, r, step, s.l_wafers[r, lot]), EV_DONE, lot)
        return -1
    queue_change(m, s, r, g, t, 1)
    s.l_enq[r, lot] = t
    q = s.ctr[r, C_SEQ]
    s.ctr[r, C_SEQ] = q + wp.int64(1)
    s.l_seq[r, lot] = q
    pl = m.st_pool[step]
    if pl >= 0:
        s.l_next[r, lot] = -1
        if s.p_lots[r, pl] == 0:
            s.p_head[r, pl] = lot
        else:
            s.l_next[r, s.p_tail[r, pl]] = lot
        s.p_tail[r, pl] = lot
        s.p_lots[r, pl] = s.p_lots[r, pl] + 1
        s.p_wafers[r, pl] = s.p_wafers[r, pl] + s.l_wafers[r, lot]
        if m.g_maxwait[g] > wp.float64(0.0):
            schedule(m, s, r, t + m.g_maxwait[g], EV_WAIT, g)
    else:
        n = s.g_qn[r, g]
        if n >= m.q_cap:
            s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_QUEUE)
            return -1
        key = rule_key(m.g_rule[g], s.l_prio[r, lot], q, s.l_due[r, lot], s.l_rel[r, lot])
        s.g_qn[r, g] = q_push(s.q_key, s.q_lot, r, m.g_qbase[g], n, key, wp.int32(lot))
    return g


@wp.func
def try_start(m: FabModel, s: FabState, r: int, g: int, t: wp.float64):
    """Start lots (or batches) on the group's idle tools while there is startable work."""
    tool0 = m.g_tool0[g]
    ntools = m.g_tools[g]
    npool = m.g_npool[g]
    while True:
        tool = int(-1)
        for i in range(ntools):
            if s.t_state[r, tool0 + i] == IDLE:
                tool = tool0 + i
                break
        if tool < 0:
            return
        if npool == 0:
            n = s.g_qn[r, g]
            if n == 0:
                return
            base = m.g_qbase[g]
            lot = s.q_lot[r, base]
            s.g_qn[r, g] = q_pop(s.q_key, s.q_lot, r, base, n)
            queue_change(m, s, r, g, t, -1)
            step = s.l_step[r, lot]
            busy = step_time(m, s, r, step, s.l_wafers[r, lot]) + m.g_load[g]
            occ = busy
            if m.st_occ[step] >= wp.float64(0.0):
                occ = m.st_occ[step] + m.g_load[g]
            schedule(m, s, r, t + busy, EV_DONE, lot)
            schedule(m, s, r, t + occ, EV_FREE, tool)
            s.t_state[r, tool] = BUSY
            s.g_busy[r, g] = s.g_busy[r, g] + overlap(t, t + occ, m.warmup, m.horizon)
            if t >= m.warmup:
                s.g_starts[r, g] = s.g_starts[r, g] + wp.float64(1.0)
        else:
            best = int(-1)
            best_key = wp.int64(0)
            for i in range(npool):
                pl = m.g_pool0[g] + i
                if s.p_lots[r, pl] > 0:
                    head = s.p_head[r, pl]
                    ready = s.p_wafers[r, pl] >= m.st_bmin[m.pool_step[pl]]
                    if not ready and m.g_maxwait[g] > wp.float64(0.0):
                        ready = t - s.l_enq[r, head] >= m.g_maxwait[g] * wp.float64(0.999999999)
                    if ready:
                        key = rule_key(m.g_rule[g], s.l_prio[r, head], s.l_seq[r, head], s.l_due[r, head], s.l_rel[r, head])
                        if best < 0 or key < best_key:
                            best = pl
                            best_key = key
            if best < 0:
                return
            step = m.pool_step[best]
            bmax = m.st_bmax[step]
            wafers = int(0)
            lots = int(0)
            busy = step_time(m, s, r, step, 0)
            first = s.p_head[r, best]
            lot = first
            while s.p_lots[r, best] > 0:
                lot = s.p_head[r, best]
                w = s.l_wafers[r, lot]
                if lots > 0 and wafers + w > bmax:
                    break
                s.p_head[r, best] = s.l_next[r, lot]
                s.p_lots[r, best] = s.p_lots[r, best] - 1
                s.p_wafers[r, best] = s.p_wafers[r, best] - w
                wafers = wafers + w
                lots = lots + 1
                queue_change(m, s, r, g, t, -1)
            busy = busy + wp.float64(lots) * m.g_load[g]
            lot = first
            for i in range(lots):
                schedule(m, s, r, t + busy, EV_DONE, lot)
                lot = s.l_next[r, lot]
            schedule(m, s, r, t + busy, EV_FREE, tool)
            s.t_state[r, tool] = BUSY
            s.g_busy[r, g] = s.g_busy[r, g] + overlap(t, t + busy, m.warmup, m.horizon)
            if t >= m.warmup:
                s.g_starts[r, g] = s.g_starts[r, g] + wp.float64(lots)
                s.g_batches[r, g] = s.g_batches[r, g] + wp.float64(1.0)
                s.g_fill[r, g] = s.g_fill[r, g] + wp.float64(wafers) / wp.float64(bmax)


@wp.func
def go_down(m: FabModel, s: FabState, r: int, tool: int, t: wp.float64):
    g = m.tool_group[tool]
    ttr = -m.g_mttr[g] * wp.log(draw(m, s, r, S_FAIL))
    s.t_state[r, tool] = DOWN
    s.g_down[r, g] = s.g_down[r, g] + overlap(t, t + ttr, m.warmup, m.horizon)
    schedule(m, s, r, t + ttr, EV_REPAIR, tool)


@wp.func
def new_lot(m: FabModel, s: FabState, r: int, p: int, step: int, wafers: int, prio: int, rel: wp.float64,
            due: wp.float64, t: wp.float64) -> int:
    """A lot from the free list, placed at ``step`` (not yet arrived); -1 (and the flag) if none."""
    nf = int(s.ctr[r, C_NFREE])
    if nf == 0:
        s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_LOTS)
        return -1
    lot = s.l_free[r, nf - 1]
    s.ctr[r, C_NFREE] = wp.int64(nf - 1)
    s.ctr[r, C_NLOTS] = s.ctr[r, C_NLOTS] + wp.int64(1)
    s.l_prod[r, lot] = p
    s.l_step[r, lot] = step
    s.l_wafers[r, lot] = wafers
    s.l_prio[r, lot] = prio
    s.l_rel[r, lot] = rel
    s.l_due[r, lot] = due
    wip_change(m, s, r, p, t, 1)
    step_wip(m, s, r, step, t, 1)
    return lot


@wp.func
def release(m: FabModel, s: FabState, r: int, o: int, t: wp.float64):
    for k in range(m.o_lpr[o]):
        p = m.o_product[o]
        lot = new_lot(m, s, r, p, m.pr_first[p], m.o_wafers[o], m.o_prio[o], t, t + m.o_due[o], t)
        if lot < 0:
            return
        if t >= m.warmup:
            s.pr_released[r, p] = s.pr_released[r, p] + wp.float64(1.0)
        g = arrive(m, s, r, lot, t)
        if g >= 0:
            try_start(m, s, r, g, t)


@wp.kernel
def run_fab(m: FabModel, s: FabState):
    r = wp.tid()
    for i in range(m.lot_cap):
        s.l_free[r, i] = m.lot_cap - 1 - i
    s.ctr[r, C_NFREE] = wp.int64(m.lot_cap)
    for o in range(m.n_orders):
        t0 = m.o_start[o]
        if m.o_poisson[o] != 0:
            t0 = t0 - m.o_interval[o] * wp.log(draw(m, s, r, S_ROUTE))
        schedule(m, s, r, t0, EV_RELEASE, o)
    for tool in range(m.n_tools):
        g = m.tool_group[tool]
        if m.g_mttf[g] > wp.float64(0.0):
            schedule(m, s, r, -m.g_mttf[g] * wp.log(draw(m, s, r, S_FAIL)), EV_FAIL, tool)
    for w in range(m.n_wip):
        p = m.w_product[w]
        lot = new_lot(m, s, r, p, m.w_step[w], m.w_wafers[w], m.w_prio[w], m.w_rel[w], m.w_due[w], wp.float64(0.0))
        if lot >= 0:
            s.pr_initial[r, p] = s.pr_initial[r, p] + wp.float64(1.0)
            g = arrive(m, s, r, lot, wp.float64(0.0))
            if g >= 0:
                try_start(m, s, r, g, wp.float64(0.0))
    while s.ctr[r, C_NEV] > wp.int64(0):
        if s.ctr[r, C_FLAGS] & wp.int64(F_LOTS | F_EVENTS | F_QUEUE) != wp.int64(0):
            break
        t = s.e_t[r, 0]
        if t > m.horizon:
            break
        v = int(s.e_v[r, 0])
        s.ctr[r, C_NEV] = wp.int64(ev_pop(s.e_t, s.e_q, s.e_v, r, int(s.ctr[r, C_NEV])))
        s.ctr[r, C_EVENTS] = s.ctr[r, C_EVENTS] + wp.int64(1)
        kind = v >> KIND_SHIFT
        idx = v & ((1 << KIND_SHIFT) - 1)
        g = int(-1)
        if kind == EV_RELEASE:
            release(m, s, r, idx, t)
            s.o_done[r, idx] = s.o_done[r, idx] + 1
            if s.o_done[r, idx] < m.o_count[idx]:
                nt = m.o_start[idx] + wp.float64(s.o_done[r, idx]) * m.o_interval[idx]
                if m.o_poisson[idx] != 0:
                    nt = t - m.o_interval[idx] * wp.log(draw(m, s, r, S_ROUTE))
                schedule(m, s, r, nt, EV_RELEASE, idx)
        elif kind == EV_DONE:
            step = s.l_step[r, idx]
            nxt = m.st_next[step]
            if m.st_rwk_p[step] > wp.float64(0.0):
                if draw(m, s, r, S_ROUTE) < m.st_rwk_p[step]:
                    nxt = m.st_rwk_to[step]
            if nxt < 0:
                finish(m, s, r, idx, t)
            else:
                step_wip(m, s, r, step, t, -1)
                step_wip(m, s, r, nxt, t, 1)
                s.l_step[r, idx] = nxt
                if m.move_hi > wp.float64(0.0):
                    u = draw(m, s, r, S_MOVE)
                    schedule(m, s, r, t + m.move_lo + (m.move_hi - m.move_lo) * u, EV_ARRIVE, idx)
                else:
                    g = arrive(m, s, r, idx, t)
        elif kind == EV_ARRIVE:
            g = arrive(m, s, r, idx, t)
        elif kind == EV_FREE:
            if s.t_state[r, idx] == BUSY_FAILING:
                go_down(m, s, r, idx, t)
            else:
                s.t_state[r, idx] = IDLE
                g = m.tool_group[idx]
        elif kind == EV_FAIL:
            if s.t_state[r, idx] == IDLE:
                go_down(m, s, r, idx, t)
            elif s.t_state[r, idx] == BUSY:
                s.t_state[r, idx] = BUSY_FAILING
        elif kind == EV_REPAIR:
            s.t_state[r, idx] = IDLE
            g = m.tool_group[idx]
            schedule(m, s, r, t - m.g_mttf[g] * wp.log(draw(m, s, r, S_FAIL)), EV_FAIL, idx)
        else:
            g = idx
        if g >= 0:
            try_start(m, s, r, g, t)
    for g in range(m.n_groups):
        queue_change(m, s, r, g, m.horizon, 0)
    for p in range(m.n_products):
        wip_change(m, s, r, p, m.horizon, 0)
    for i in range(m.st_group.shape[0]):
        step_wip(m, s, r, i, m.horizon, 0)
