"""The fab simulation: one thread per replica runs its fab event to event (issue 13).

Lots carry (product, global step, wafers, priority, due date, release time); tool groups hold a
shared queue (a binary heap ordered by the group's dispatching rule, kernels/fab_rules.py) or,
for batch steps, one FIFO pool per batch step; N tools per group. Events live in a per-replica
binary heap keyed by (time, insertion number), so equal times resolve in a fixed order. Time is
float64 seconds (never float32); random numbers are counter-based (kernels/rng.py), keyed by
(seed, replica, purpose, draw number), so a replica's run does not depend on the others.

Semantics (docs/fab.md): a failure or a due PM that falls while a tool is busy takes the tool
down when its lot or batch finishes; a batch starts as soon as a pool holds ``batch_min`` wafers
(or its oldest lot has waited ``max_wait``) and takes lots first-in-first-out up to ``batch_max``
wafers, passing over a second lot of the one-per-batch products (test lots), which stays first
in the pool. On a group with setups the queue is one heap per setup state ("sub-queue"); an idle tool
takes the head that ranks first by (minimum run, rule key, setup time) or, with setup ranking,
(minimum run, priority, setup time, rule key): O(tools x states) per decision, never a lot scan.
A critical queue time opens when a lot finishes its step and closes when it starts the target
step; an overrun is counted and, per the step's action, the lot is reworked or scrapped there.
At a limited step (distinct tools: not a tool the lot has run on; same tool: the tool it ran an
earlier step on, from the lot's tool record) only some tools may take a lot: such lots wait in
an unordered list per sub-queue that a tool scans for the best lot it may take, and batch
forming passes over them for a tool that may not.
"""

import warp as wp

from .fab_heap import ev_pop, ev_push, q_pop, q_push
from .fab_rules import RULES
from .rng import uniform

wp.set_module_options({"enable_backward": False})

EV_RELEASE, EV_DONE, EV_FREE, EV_FAIL, EV_REPAIR, EV_WAIT, EV_ARRIVE, EV_PM, EV_PMEND = 0, 1, 2, 3, 4, 5, 6, 7, 8
EVENT_SHIFT = 27
IDLE, BUSY, DOWN, BUSY_FAILING, MAINT = 0, 1, 2, 3, 4
CQT_COUNT, CQT_REWORK, CQT_SCRAP = 0, 1, 2
PER_LOT, PER_WAFER, PER_BATCH = 0, 1, 2
# counters per replica (State.ctr columns)
C_SEQ, C_DRAW, C_NEV, C_NFREE, C_REC, C_FLAGS, C_EVENTS, C_NLOTS = range(8)
N_CTR = 8
F_LOTS, F_EVENTS, F_QUEUE, F_RECORDS = 1, 2, 4, 8
S_TIME, S_ROUTE, S_FAIL, S_MOVE, S_PM = 0, 1, 2, 3, 4  # random streams


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
    st_setup: wp.array(dtype=wp.int32)     # setup state the step needs, -1: none
    st_stime: wp.array(dtype=wp.float64)   # the step's own setup time from any other state, < 0: the matrix
    st_sq: wp.array(dtype=wp.int32)        # the sub-queue (heap) of lot steps
    st_pa: wp.array(dtype=wp.float64)      # expected process time of a lot of W wafers: pa + pb W
    st_pb: wp.array(dtype=wp.float64)
    st_ra: wp.array(dtype=wp.float64)      # expected raw process time from the step to the end: ra + rb W
    st_rb: wp.array(dtype=wp.float64)
    st_cqt_to: wp.array(dtype=wp.int32)    # critical queue time: target step (global), -1 none
    st_cqt: wp.array(dtype=wp.float64)
    st_cqt_act: wp.array(dtype=wp.int32)
    pr_first: wp.array(dtype=wp.int32)
    pr_rpt: wp.array(dtype=wp.float64)      # raw process time of a lot (X-factor)
    pr_solo: wp.array(dtype=wp.int32)       # 1: one-per-batch product (a batch holds one lot of these at most)
    # a lot's tool record (distinct tools, same-tool constraints): lu_k slots per lot, one per
    # step of its route whose tool matters later
    pr_rec: wp.array(dtype=wp.int32)        # 1: the product's lots keep a record (copied as they finish)
    st_slot: wp.array(dtype=wp.int32)       # the slot where the lot notes the tool it runs this step on, -1 none
    st_limit: wp.array(dtype=wp.int32)      # 1: only some tools may take the lot at this step (either below)
    st_restr: wp.array(dtype=wp.int32)      # 1: not a tool it has noted (distinct tools)
    st_same: wp.array(dtype=wp.int32)       # >= 0: the tool it noted at this global step (same tool), -1 none
    lu_k: int                               # slots per lot (0: no product keeps a record)
    g_tools: wp.array(dtype=wp.int32)
    g_tool0: wp.array(dtype=wp.int32)
    g_rule: wp.array(dtype=wp.int32)
    g_delay: wp.array(dtype=wp.int32)
    g_pool0: wp.array(dtype=wp.int32)
    g_npool: wp.array(dtype=wp.int32)
    g_sq0: wp.array(dtype=wp.int32)        # first sub-queue of the group
    g_nsq: wp.array(dtype=wp.int32)
    g_setups: wp.array(dtype=wp.int32)     # 1: the group has setup steps
    g_rsetup: wp.array(dtype=wp.int32)     # 1: rank by priority, then least setup, then the rule key
    sq_base: wp.array(dtype=wp.int32)      # heap columns of the sub-queue
    sq_state: wp.array(dtype=wp.int32)     # setup state of its steps, -1: none
    sq_restr: wp.array(dtype=wp.int32)     # 1: lots at limited steps (st_limit): an unordered list,
                                           # scanned for the best lot a tool may take
    g_restr: wp.array(dtype=wp.int32)      # 1: some step of the group is limited
    n_states: int
    su_time: wp.array(dtype=wp.float64)    # n_states x n_states setup times (from, to)
    su_first: wp.array(dtype=wp.float64)   # from no state (a tool's first setup)
    su_minrun: wp.array(dtype=wp.int32)
    t_ps0: wp.array(dtype=wp.int32)        # PM slots (tool, calendar) of each tool
    t_nps: wp.array(dtype=wp.int32)
    ps_tool: wp.array(dtype=wp.int32)
    ps_basis: wp.array(dtype=wp.int32)     # 0 calendar time, 1 wafers processed
    ps_every: wp.array(dtype=wp.float64)
    ps_first: wp.array(dtype=wp.float64)
    ps_dlo: wp.array(dtype=wp.float64)     # duration uniform [lo, hi]
    ps_dhi: wp.array(dtype=wp.float64)
    n_ps: int
    n_steps: int
    g_load: wp.array(dtype=wp.float64)      # load + unload per lot (the lot's time)
    g_handle: wp.array(dtype=wp.float64)    # the part of it the tool is held for: g_load, or 0 where a
                                            # second load port overlaps it with processing (STNCAP 2)
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
    sq_n: wp.array2d(dtype=wp.int32)
    l_cqt: wp.array2d(dtype=wp.int32)      # open critical-queue-time window: origin step + 1, 0 none
    l_cqtt: wp.array2d(dtype=wp.float64)   # when it opened
    g_waiting: wp.array2d(dtype=wp.int32)
    p_head: wp.array2d(dtype=wp.int32)
    p_tail: wp.array2d(dtype=wp.int32)
    p_wafers: wp.array2d(dtype=wp.int32)
    p_lots: wp.array2d(dtype=wp.int32)
    p_rlots: wp.array2d(dtype=wp.int32)    # of them, lots at limited steps (only some tools may take them)
    t_state: wp.array2d(dtype=wp.int32)
    t_setup: wp.array2d(dtype=wp.int32)    # setup state + 1 (0: none yet)
    t_run: wp.array2d(dtype=wp.int32)      # lots run in that state since the last change
    t_wafers: wp.array2d(dtype=wp.int32)   # wafers of the running job (wafer-counted PMs)
    t_failpend: wp.array2d(dtype=wp.int32) # a failure fell during a PM
    ps_pend: wp.array2d(dtype=wp.int32)
    ps_count: wp.array2d(dtype=wp.float64) # wafers since the last wafer-counted PM
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
    g_setup: wp.array2d(dtype=wp.float64)
    g_nsetup: wp.array2d(dtype=wp.float64)
    g_pm: wp.array2d(dtype=wp.float64)
    g_npm: wp.array2d(dtype=wp.float64)
    sc_checks: wp.array2d(dtype=wp.float64)  # per origin step: windows closed / overrun
    sc_viol: wp.array2d(dtype=wp.float64)
    pr_scrap: wp.array2d(dtype=wp.float64)
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
    # a lot's tool record: per slot the tool it ran on (-1: not yet) and the global step, and a
    # copy for each finished lot of a product that keeps one (rt_, by cycle-time record)
    lu_tool: wp.array2d(dtype=wp.int32)
    lu_step: wp.array2d(dtype=wp.int32)
    rt_tool: wp.array2d(dtype=wp.int32)
    rt_step: wp.array2d(dtype=wp.int32)


@wp.func
def rule_key(rule: wp.int32, priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64,
             now: wp.float64, ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    for i in range(wp.static(len(RULES))):
        if rule == i:
            return wp.static(RULES[i][1])(priority, seq, due, release, now, ptime, remaining)
    return seq


@wp.func(inline=True)
def lot_key(m: FabModel, s: FabState, r: int, lot: int, g: int) -> wp.int64:
    """The group's rule key of a lot waiting for its current step (computed at its arrival)."""
    step = s.l_step[r, lot]
    w = wp.float64(s.l_wafers[r, lot])
    return rule_key(m.g_rule[g], s.l_prio[r, lot], s.l_seq[r, lot], s.l_due[r, lot], s.l_rel[r, lot],
                    s.l_enq[r, lot], m.st_pa[step] + m.st_pb[step] * w, m.st_ra[step] + m.st_rb[step] * w)


@wp.func(inline=True)
def overlap(a: wp.float64, b: wp.float64, w0: wp.float64, w1: wp.float64) -> wp.float64:
    return wp.max(wp.min(b, w1) - wp.max(a, w0), wp.float64(0.0))


@wp.func(inline=True)
def draw(m: FabModel, s: FabState, r: int, stream: int) -> wp.float64:
    d = s.ctr[r, C_DRAW]
    s.ctr[r, C_DRAW] = d + wp.int64(1)
    return uniform(m.seed, r, stream, d)


@wp.func(inline=True)
def schedule(m: FabModel, s: FabState, r: int, t: wp.float64, event: int, idx: int):
    n = int(s.ctr[r, C_NEV])
    if n >= m.ev_cap:
        s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_EVENTS)
        return
    q = s.ctr[r, C_SEQ]
    s.ctr[r, C_SEQ] = q + wp.int64(1)
    s.ctr[r, C_NEV] = wp.int64(ev_push(s.e_t, s.e_q, s.e_v, r, n, t, q, wp.int32((event << EVENT_SHIFT) | idx)))


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
            if m.lu_k > 0:
                if m.pr_rec[p] != 0:
                    for j in range(m.lu_k):
                        s.rt_tool[r, k * m.lu_k + j] = s.lu_tool[r, lot * m.lu_k + j]
                        s.rt_step[r, k * m.lu_k + j] = s.lu_step[r, lot * m.lu_k + j]
            s.ctr[r, C_REC] = wp.int64(k + 1)
        else:
            s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_RECORDS)
    nf = int(s.ctr[r, C_NFREE])
    s.l_free[r, nf] = lot
    s.ctr[r, C_NFREE] = wp.int64(nf + 1)
    s.ctr[r, C_NLOTS] = s.ctr[r, C_NLOTS] - wp.int64(1)


@wp.func
def scrap(m: FabModel, s: FabState, r: int, lot: int, t: wp.float64):
    """The lot leaves the fab without finishing (a critical-queue-time overrun with action scrap)."""
    p = s.l_prod[r, lot]
    wip_change(m, s, r, p, t, -1)
    step_wip(m, s, r, s.l_step[r, lot], t, -1)
    if t >= m.warmup:
        s.pr_scrap[r, p] = s.pr_scrap[r, p] + wp.float64(1.0)
    nf = int(s.ctr[r, C_NFREE])
    s.l_free[r, nf] = lot
    s.ctr[r, C_NFREE] = wp.int64(nf + 1)
    s.ctr[r, C_NLOTS] = s.ctr[r, C_NLOTS] - wp.int64(1)


@wp.func
def cqt_start(m: FabModel, s: FabState, r: int, lot: int, step: int, t: wp.float64) -> int:
    """The lot starts ``step``: closes its open critical-queue-time window if the step is at or past
    the window's target; an overrun is counted and, per the origin step's action, the lot goes back
    to the origin step (rework) or leaves the fab (scrap). Returns 1 if the lot does not start."""
    c = s.l_cqt[r, lot]
    if c == 0:
        return 0
    o = c - 1
    if step < m.st_cqt_to[o]:
        return 0
    s.l_cqt[r, lot] = 0
    over = t - s.l_cqtt[r, lot] > m.st_cqt[o]
    if t >= m.warmup:
        s.sc_checks[r, o] = s.sc_checks[r, o] + wp.float64(1.0)
        if over:
            s.sc_viol[r, o] = s.sc_viol[r, o] + wp.float64(1.0)
    if not over:
        return 0
    act = m.st_cqt_act[o]
    if act == CQT_REWORK:
        step_wip(m, s, r, s.l_step[r, lot], t, -1)
        step_wip(m, s, r, o, t, 1)
        s.l_step[r, lot] = o
        schedule(m, s, r, t, EV_ARRIVE, lot)
        return 1
    if act == CQT_SCRAP:
        scrap(m, s, r, lot, t)
        return 1
    return 0


@wp.func
def used(m: FabModel, s: FabState, r: int, lot: int, tool: int) -> int:
    """1 if the lot has run on ``tool`` at a noted step (its tool record)."""
    base = lot * m.lu_k
    for j in range(m.lu_k):
        if s.lu_tool[r, base + j] == tool:
            return 1
    return 0


@wp.func
def allowed(m: FabModel, s: FabState, r: int, lot: int, tool: int) -> int:
    """1 if ``tool`` may take the lot at its (limited) step: not a tool it has run on (distinct
    tools); the tool it ran the step's same-tool origin on, when it ran that step (same tool)."""
    step = s.l_step[r, lot]
    ok = int(1)
    if m.st_restr[step] != 0:
        ok = 1 - used(m, s, r, lot, tool)
    src = m.st_same[step]
    if src >= 0:
        saved = s.lu_tool[r, lot * m.lu_k + m.st_slot[src]]
        if saved >= 0 and saved != tool:
            ok = 0
    return ok


@wp.func(inline=True)
def may_take(m: FabModel, s: FabState, r: int, lot: int, tool: int) -> int:
    """1 if ``tool`` may take the lot: always, except at a limited step (``allowed``)."""
    ok = int(1)
    if m.st_limit[s.l_step[r, lot]] != 0:
        ok = allowed(m, s, r, lot, tool)
    return ok


@wp.func(inline=True)
def note_tool(m: FabModel, s: FabState, r: int, lot: int, tool: int):
    """The lot starts its step on ``tool``: noted in the step's slot when a later step asks for it
    (a rework that runs the step again notes the latest tool)."""
    step = s.l_step[r, lot]
    j = m.st_slot[step]
    if j >= 0:
        s.lu_tool[r, lot * m.lu_k + j] = tool
        s.lu_step[r, lot * m.lu_k + j] = step


@wp.func
def restricted_pick(m: FabModel, s: FabState, r: int, sq: int, tool: int) -> int:
    """Position in restricted sub-queue ``sq`` (an unordered list) of the lot with the smallest
    rule key among those ``tool`` may take; -1 if none. O(lots in the list): these are only the
    lots at limited steps (a distinct-tools revisit, a same-tool step)."""
    base = m.sq_base[sq]
    best = int(-1)
    best_key = wp.int64(0)
    for i in range(s.sq_n[r, sq]):
        if allowed(m, s, r, s.q_lot[r, base + i], tool) != 0:
            key = s.q_key[r, base + i]
            if best < 0 or key < best_key:
                best = i
                best_key = key
    return best


@wp.func(inline=True)
def sq_pick(m: FabModel, s: FabState, r: int, sq: int, tool: int) -> int:
    """Position in sub-queue ``sq`` of the lot ``tool`` would take: the heap's head, or the best
    lot it may take of a restricted list; -1 if none."""
    pos = int(-1)
    if s.sq_n[r, sq] > 0:
        pos = 0
        if m.sq_restr[sq] != 0:
            pos = restricted_pick(m, s, r, sq, tool)
    return pos


@wp.func(inline=True)
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
        diverted = int(0)
        if s.l_cqt[r, lot] != 0:
            diverted = cqt_start(m, s, r, lot, step, t)
        if diverted == 0:
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
        if m.st_limit[step] != 0:
            s.p_rlots[r, pl] = s.p_rlots[r, pl] + 1
        if m.g_maxwait[g] > wp.float64(0.0):
            schedule(m, s, r, t + m.g_maxwait[g], EV_WAIT, g)
    else:
        sq = m.st_sq[step]
        n = s.sq_n[r, sq]
        if n >= m.q_cap:
            s.ctr[r, C_FLAGS] = s.ctr[r, C_FLAGS] | wp.int64(F_QUEUE)
            return -1
        if m.sq_restr[sq] != 0:   # an unordered list: appended
            s.q_key[r, m.sq_base[sq] + n] = lot_key(m, s, r, lot, g)
            s.q_lot[r, m.sq_base[sq] + n] = lot
            s.sq_n[r, sq] = n + 1
        else:
            s.sq_n[r, sq] = q_push(s.q_key, s.q_lot, r, m.sq_base[sq], n, lot_key(m, s, r, lot, g), wp.int32(lot))
    return g


@wp.func(inline=True)
def setup_time(m: FabModel, cur: int, step: int) -> wp.float64:
    """Time to bring a tool in setup state ``cur`` (-1: none yet) to the state ``step`` needs."""
    b = m.st_setup[step]
    if b < 0 or b == cur:
        return wp.float64(0.0)
    if m.st_stime[step] >= wp.float64(0.0):
        return m.st_stime[step]
    if cur < 0:
        return m.su_first[b]
    return m.su_time[cur * m.n_states + b]


@wp.func(inline=True)
def start_lot(m: FabModel, s: FabState, r: int, g: int, tool: int, sq: int, pos: int, t: wp.float64):
    """Take the lot at ``pos`` of sub-queue ``sq`` (a heap's head, 0; any entry of a restricted
    list) onto ``tool``: setup (if its state differs), then process."""
    base = m.sq_base[sq]
    lot = s.q_lot[r, base + pos]
    if m.sq_restr[sq] != 0:   # an unordered list: the last entry fills the gap
        n = s.sq_n[r, sq] - 1
        s.q_lot[r, base + pos] = s.q_lot[r, base + n]
        s.q_key[r, base + pos] = s.q_key[r, base + n]
        s.sq_n[r, sq] = n
    else:
        s.sq_n[r, sq] = q_pop(s.q_key, s.q_lot, r, base, s.sq_n[r, sq])
    queue_change(m, s, r, g, t, -1)
    step = s.l_step[r, lot]
    if s.l_cqt[r, lot] != 0:  # guarded: a call copies the model and state structs
        if cqt_start(m, s, r, lot, step, t) != 0:
            return
    note_tool(m, s, r, lot, tool)
    cur = s.t_setup[r, tool] - 1
    su = setup_time(m, cur, step)
    b = m.st_setup[step]
    if b >= 0:
        if b != cur:
            s.t_setup[r, tool] = b + 1
            s.t_run[r, tool] = 1
            if t >= m.warmup and (cur >= 0 or su > wp.float64(0.0)):
                s.g_nsetup[r, g] = s.g_nsetup[r, g] + wp.float64(1.0)
        else:
            s.t_run[r, tool] = s.t_run[r, tool] + 1
    proc = step_time(m, s, r, step, s.l_wafers[r, lot])
    busy = proc + m.g_load[g]
    occ = proc + m.g_handle[g]
    if m.st_occ[step] >= wp.float64(0.0):
        occ = m.st_occ[step] + m.g_handle[g]
    schedule(m, s, r, t + su + busy, EV_DONE, lot)
    schedule(m, s, r, t + su + occ, EV_FREE, tool)
    s.t_state[r, tool] = BUSY
    s.t_wafers[r, tool] = s.l_wafers[r, lot]
    s.g_busy[r, g] = s.g_busy[r, g] + overlap(t + su, t + su + occ, m.warmup, m.horizon)
    s.g_setup[r, g] = s.g_setup[r, g] + overlap(t, t + su, m.warmup, m.horizon)
    if t >= m.warmup:
        s.g_starts[r, g] = s.g_starts[r, g] + wp.float64(1.0)


@wp.func(inline=True)
def ready_pool(m: FabModel, s: FabState, r: int, g: int, tool: int, t: wp.float64) -> int:
    """The batch pool ``tool`` starts next: among the pools ready (``batch_min`` wafers, or the
    oldest lot waited ``max_wait``), the one whose first lot ranks first; -1 if none. A pool with
    limited lots counts, for this tool, only the lots it may take (a walk of the pool)."""
    best = int(-1)
    best_key = wp.int64(0)
    for i in range(m.g_npool[g]):
        pl = m.g_pool0[g] + i
        if s.p_lots[r, pl] > 0:
            head = s.p_head[r, pl]
            wafers = s.p_wafers[r, pl]
            if s.p_rlots[r, pl] > 0:
                head = int(-1)
                wafers = int(0)
                cur = int(s.p_head[r, pl])
                while cur >= 0:
                    if may_take(m, s, r, cur, tool) != 0:
                        if head < 0:
                            head = cur
                        wafers = wafers + s.l_wafers[r, cur]
                    cur = s.l_next[r, cur]
            if head >= 0:
                ready = wafers >= m.st_bmin[m.pool_step[pl]]
                if not ready and m.g_maxwait[g] > wp.float64(0.0):
                    ready = t - s.l_enq[r, head] >= m.g_maxwait[g] * wp.float64(0.999999999)
                if ready:
                    key = lot_key(m, s, r, head, g)
                    if best < 0 or key < best_key:
                        best = pl
                        best_key = key
    return best


@wp.func(inline=True)
def try_start(m: FabModel, s: FabState, r: int, g: int, t: wp.float64):
    """Start lots (or batches) on the group's idle tools while there is startable work."""
    tool0 = m.g_tool0[g]
    ntools = m.g_tools[g]
    npool = m.g_npool[g]
    sq0 = m.g_sq0[g]
    nsq = m.g_nsq[g]
    while True:
        if npool == 0 and (m.g_setups[g] != 0 or m.g_restr[g] != 0):
            # (tool, sub-queue head) pairs: minimum run first, then (rule key, setup time) or, with
            # setup ranking, (priority, setup time, rule key); the first tool wins ties. A
            # restricted sub-queue offers each tool the best lot that tool may take.
            best_tool = int(-1)
            best_sq = int(-1)
            best_pos = int(-1)
            bf = int(1)
            b1 = wp.int64(0)
            b2 = wp.float64(0.0)
            b3 = wp.int64(0)
            for i in range(ntools):
                tool = tool0 + i
                if s.t_state[r, tool] == IDLE:
                    cur = s.t_setup[r, tool] - 1
                    forced = int(0)   # 1: the tool's minimum run holds it to lots of its state
                    if cur >= 0:
                        if s.t_run[r, tool] < m.su_minrun[cur]:
                            for k in range(nsq):
                                if m.sq_state[sq0 + k] == cur and sq_pick(m, s, r, sq0 + k, tool) >= 0:
                                    forced = 1
                    for k in range(nsq):
                        sq = sq0 + k
                        pos = sq_pick(m, s, r, sq, tool)
                        if pos >= 0 and (forced == 0 or m.sq_state[sq] == cur):
                            head = s.q_lot[r, m.sq_base[sq] + pos]
                            key = s.q_key[r, m.sq_base[sq] + pos]
                            su = setup_time(m, cur, s.l_step[r, head])
                            f = 1 - forced
                            k1 = key
                            k2 = su
                            k3 = wp.int64(0)
                            if m.g_rsetup[g] != 0:
                                k1 = wp.int64(4096 - s.l_prio[r, head])
                                k3 = key
                            better = best_tool < 0
                            if not better and f != bf:
                                better = f < bf
                            elif not better and k1 != b1:
                                better = k1 < b1
                            elif not better and k2 != b2:
                                better = k2 < b2
                            elif not better:
                                better = k3 < b3
                            if better:
                                best_tool = tool
                                best_sq = sq
                                best_pos = pos
                                bf = f
                                b1 = k1
                                b2 = k2
                                b3 = k3
            if best_tool < 0:
                return
            start_lot(m, s, r, g, best_tool, best_sq, best_pos, t)
            continue
        tool = int(-1)
        for i in range(ntools):
            if s.t_state[r, tool0 + i] == IDLE:
                tool = tool0 + i
                break
        if tool < 0:
            return
        if npool == 0:
            if s.sq_n[r, sq0] == 0:
                return
            start_lot(m, s, r, g, tool, sq0, 0, t)
        else:
            best = ready_pool(m, s, r, g, tool, t)
            if best < 0 and m.g_restr[g] != 0:
                # limited lots: a pool not ready for the first idle tool may be for another
                for i in range(ntools):
                    other = tool0 + i
                    if best < 0 and other > tool and s.t_state[r, other] == IDLE:
                        best = ready_pool(m, s, r, g, other, t)
                        if best >= 0:
                            tool = other
            if best < 0:
                return
            step = m.pool_step[best]
            bmax = m.st_bmax[step]
            wafers = int(0)
            lots = int(0)
            busy = step_time(m, s, r, step, 0)
            first = int(-1)
            last = int(-1)
            solo = int(0)      # 1 once the batch holds a lot of a one-per-batch product
            prev = int(-1)     # the last lot left in the pool (skipped: its product already in)
            cur = int(-1)
            if s.p_lots[r, best] > 0:
                cur = s.p_head[r, best]
            while cur >= 0:
                lot = cur
                cur = s.l_next[r, lot]
                p_lot = s.l_prod[r, lot]
                if m.pr_solo[p_lot] != 0 and solo != 0:
                    prev = lot
                    continue
                restricted = m.st_limit[s.l_step[r, lot]]
                if restricted != 0:
                    if allowed(m, s, r, lot, tool) == 0:   # not for this tool: waits for another
                        prev = lot
                        continue
                w = s.l_wafers[r, lot]
                if lots > 0 and wafers + w > bmax:
                    break
                if m.pr_solo[p_lot] != 0:
                    solo = 1
                if prev < 0:
                    s.p_head[r, best] = cur
                else:
                    s.l_next[r, prev] = cur
                if cur < 0:
                    s.p_tail[r, best] = prev
                s.p_lots[r, best] = s.p_lots[r, best] - 1
                s.p_wafers[r, best] = s.p_wafers[r, best] - w
                if restricted != 0:
                    s.p_rlots[r, best] = s.p_rlots[r, best] - 1
                queue_change(m, s, r, g, t, -1)
                diverted = int(0)
                if s.l_cqt[r, lot] != 0:
                    diverted = cqt_start(m, s, r, lot, step, t)
                if diverted == 0:
                    note_tool(m, s, r, lot, tool)
                    if lots == 0:
                        first = lot
                    else:
                        s.l_next[r, last] = lot
                    last = lot
                    wafers = wafers + w
                    lots = lots + 1
            if lots == 0:
                continue
            occ = busy + wp.float64(lots) * m.g_handle[g]
            busy = busy + wp.float64(lots) * m.g_load[g]
            lot = first
            for i in range(lots):
                schedule(m, s, r, t + busy, EV_DONE, lot)
                lot = s.l_next[r, lot]
            schedule(m, s, r, t + occ, EV_FREE, tool)
            s.t_state[r, tool] = BUSY
            s.t_wafers[r, tool] = wafers
            s.g_busy[r, g] = s.g_busy[r, g] + overlap(t, t + occ, m.warmup, m.horizon)
            if t >= m.warmup:
                s.g_starts[r, g] = s.g_starts[r, g] + wp.float64(lots)
                s.g_batches[r, g] = s.g_batches[r, g] + wp.float64(1.0)
                s.g_fill[r, g] = s.g_fill[r, g] + wp.float64(wafers) / wp.float64(bmax)


@wp.func(inline=True)
def go_down(m: FabModel, s: FabState, r: int, tool: int, t: wp.float64):
    g = m.tool_group[tool]
    ttr = -m.g_mttr[g] * wp.log(draw(m, s, r, S_FAIL))
    s.t_state[r, tool] = DOWN
    s.g_down[r, g] = s.g_down[r, g] + overlap(t, t + ttr, m.warmup, m.horizon)
    schedule(m, s, r, t + ttr, EV_REPAIR, tool)


@wp.func(inline=True)
def available(m: FabModel, s: FabState, r: int, tool: int, t: wp.float64) -> int:
    """The tool is free: a due PM starts now, else the tool idles. Returns its group (to try to
    start work on) or -1."""
    for k in range(m.t_nps[tool]):
        ps = m.t_ps0[tool] + k
        if s.ps_pend[r, ps] != 0:
            s.ps_pend[r, ps] = 0
            d = m.ps_dlo[ps]
            if m.ps_dhi[ps] > m.ps_dlo[ps]:
                d = d + (m.ps_dhi[ps] - m.ps_dlo[ps]) * draw(m, s, r, S_PM)
            g = m.tool_group[tool]
            s.t_state[r, tool] = MAINT
            s.g_pm[r, g] = s.g_pm[r, g] + overlap(t, t + d, m.warmup, m.horizon)
            if t >= m.warmup:
                s.g_npm[r, g] = s.g_npm[r, g] + wp.float64(1.0)
            schedule(m, s, r, t + d, EV_PMEND, tool)
            return -1
    s.t_state[r, tool] = IDLE
    return m.tool_group[tool]


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
    s.l_cqt[r, lot] = 0
    if m.lu_k > 0:
        if m.pr_rec[p] != 0:
            for j in range(m.lu_k):
                s.lu_tool[r, lot * m.lu_k + j] = -1
                s.lu_step[r, lot * m.lu_k + j] = -1
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
    for ps in range(m.n_ps):
        if m.ps_basis[ps] == 0:
            schedule(m, s, r, m.ps_first[ps], EV_PM, ps)
        else:
            s.ps_count[r, ps] = m.ps_every[ps] - m.ps_first[ps]
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
        event = v >> EVENT_SHIFT
        idx = v & ((1 << EVENT_SHIFT) - 1)
        g = int(-1)
        if event == EV_RELEASE:
            release(m, s, r, idx, t)
            s.o_done[r, idx] = s.o_done[r, idx] + 1
            if s.o_done[r, idx] < m.o_count[idx]:
                nt = m.o_start[idx] + wp.float64(s.o_done[r, idx]) * m.o_interval[idx]
                if m.o_poisson[idx] != 0:
                    nt = t - m.o_interval[idx] * wp.log(draw(m, s, r, S_ROUTE))
                schedule(m, s, r, nt, EV_RELEASE, idx)
        elif event == EV_DONE:
            step = s.l_step[r, idx]
            if m.st_cqt_to[step] >= 0:
                s.l_cqt[r, idx] = step + 1
                s.l_cqtt[r, idx] = t
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
        elif event == EV_ARRIVE:
            g = arrive(m, s, r, idx, t)
        elif event == EV_FREE:
            for k in range(m.t_nps[idx]):
                ps = m.t_ps0[idx] + k
                if m.ps_basis[ps] == 1:
                    c = s.ps_count[r, ps] + wp.float64(s.t_wafers[r, idx])
                    if c >= m.ps_every[ps]:
                        s.ps_pend[r, ps] = 1
                        c = c - m.ps_every[ps]
                    s.ps_count[r, ps] = c
            if s.t_state[r, idx] == BUSY_FAILING:
                go_down(m, s, r, idx, t)
            else:
                g = available(m, s, r, idx, t)
        elif event == EV_FAIL:
            if s.t_state[r, idx] == IDLE:
                go_down(m, s, r, idx, t)
            elif s.t_state[r, idx] == BUSY:
                s.t_state[r, idx] = BUSY_FAILING
            elif s.t_state[r, idx] == MAINT:
                s.t_failpend[r, idx] = 1
        elif event == EV_REPAIR:
            gr = m.tool_group[idx]
            schedule(m, s, r, t - m.g_mttf[gr] * wp.log(draw(m, s, r, S_FAIL)), EV_FAIL, idx)
            g = available(m, s, r, idx, t)
        elif event == EV_PM:
            s.ps_pend[r, idx] = 1
            schedule(m, s, r, t + m.ps_every[idx], EV_PM, idx)
            tool = m.ps_tool[idx]
            if s.t_state[r, tool] == IDLE:
                g = available(m, s, r, tool, t)
        elif event == EV_PMEND:
            if s.t_failpend[r, idx] != 0:
                s.t_failpend[r, idx] = 0
                go_down(m, s, r, idx, t)
            else:
                g = available(m, s, r, idx, t)
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
