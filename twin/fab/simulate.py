"""Run a Fab in the Warp fab kernel (kernels/fab.py): compile it to flat arrays, run every
replica from an empty fab to the horizon, and reduce the statistics over [warmup, horizon].

The fab has its own kernel module rather than a kind in the element registry: a fab's unit of
work is a lot moving along a 250-580-step route over shared tool-group queues, whereas the line
engine moves anonymous parts along graph edges between elements with slots; making tool groups
a kind would need lot identity, routes and heaps in the shared structs every kind carries.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import PlantError, SimulationError
from ..stats import format_ci
from . import kpis
from .fab import Fab
from .products import CQT_ACTIONS, PER_BATCH, PER_WAFER

DAY = 86400.0


class UnmodelledWarning(UserWarning):
    """The fab carries data the simulator does not act on (listed with the reason)."""


@dataclass
class FabResults:
    """KPIs of a fab run over [warmup, horizon] (twin/fab/kpis.py says what each one is):
    ``products[p][kpi]`` and ``groups[g][kpi]`` are ``(mean, 95% half-width)`` over replicas;
    ``wip_by_step[p]`` lists them per route step, ``wip_by_group[p][g]`` per tool group."""

    fab: str
    replicas: int
    horizon: float
    warmup: float
    products: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)  # kpi -> (mean, ci95)
    groups: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    wip_by_step: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    wip_by_group: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    steps: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # product -> (step number, group)
    cqt: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)  # "product i->j" -> kpi
    # distinct_tools products: per replica, per lot finished in the window, the (step number,
    # group, tool index in the group) of each visit to a group its route revisits
    tools_used: dict[str, list[list[list[tuple[int, str, int]]]]] = field(default_factory=dict)
    raw: dict[str, np.ndarray] = field(default_factory=dict)   # per-replica arrays, for tests
    events: int = 0
    state_bytes: int = 0     # all replicas' state arrays (per replica: / replicas)
    model_bytes: int = 0     # the fab's compiled arrays, shared by the replicas
    kernel_s: float = 0.0    # wall time of the kernel launch (synchronised), seconds
    kernel_cpu_s: float = 0.0  # CPU time of this process during the launch (less sensitive to a busy host)

    def to_dict(self) -> dict:
        """JSON contract (README "Fabs and product mix"): {"fab", "replicas", "horizon_s",
        "warmup_s", "products": {p: {kpi: {"mean", "ci95"}, "wip_by_step": [{"step", "group",
        "mean", "ci95"}], "wip_by_group": {g: {"mean", "ci95"}}}}, "groups": {g: {kpi: {"mean",
        "ci95"}}}, "cqt": {"product i->j": {kpi: {"mean", "ci95"}}}}; NaN as null."""
        def kp(d):
            return {k: {"mean": _num(m), "ci95": _num(c)} for k, (m, c) in d.items()}
        products = {}
        for p, d in self.products.items():
            products[p] = kp(d)
            if p in self.wip_by_step:
                products[p]["wip_by_step"] = [{"step": n, "group": g, "mean": _num(m), "ci95": _num(c)}
                                              for (n, g), (m, c) in zip(self.steps[p], self.wip_by_step[p])]
                products[p]["wip_by_group"] = kp(self.wip_by_group[p])
        return {"fab": self.fab, "replicas": self.replicas, "horizon_s": self.horizon, "warmup_s": self.warmup,
                "products": products, "groups": {g: kp(d) for g, d in self.groups.items()},
                "cqt": {w: kp(d) for w, d in self.cqt.items()}}

    def summary(self) -> str:
        lines = [f"fab {self.fab}: {self.replicas} replicas, {(self.horizon - self.warmup) / DAY:g} days "
                 f"after {self.warmup / DAY:g} days warm-up"]
        for p, k in self.products.items():
            lines.append(f"  {p}: {format_ci(*k['lots_out_per_day'])} lots/day out "
                         f"(released {format_ci(*k['released_per_day'])}), cycle time "
                         f"{format_ci(*k['cycle_time_days'])} d (p50 {k['cycle_time_p50_days'][0]:.3g}, "
                         f"p90 {k['cycle_time_p90_days'][0]:.3g}, p95 {k['cycle_time_p95_days'][0]:.3g} d), "
                         f"X-factor {format_ci(*k['x_factor'])}, on time {format_ci(*k['on_time'])}, "
                         f"WIP {format_ci(*k['wip'])} lots")
        busiest = sorted(self.groups.items(), key=lambda kv: -kv[1]["utilisation"][0])[:5]
        for g, k in busiest:
            shares = "".join(f", {name.split('_')[0]} {format_ci(*k[name])}" for name in
                             ("down_share", "setup_share", "pm_share") if name in k and k[name][0] > 0)
            fill = f", batch fill {format_ci(*k['batch_fill'])}" if math.isfinite(k["batch_fill"][0]) else ""
            lines.append(f"  {g}: utilisation {format_ci(*k['utilisation'])}, availability "
                         f"{format_ci(*k['availability'])}{shares}, queue {format_ci(*k['queue'])} lots{fill}")
        return "\n".join(lines)


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _compile(fab: Fab):
    """Flat arrays of the fab (numpy), and names in kernel order."""
    from ..kernels.fab_rules import RULE_ID
    prods = list(fab.products)
    gnames = list(fab.groups)
    gid = {g: i for i, g in enumerate(gnames)}
    st = {k: [] for k in ("group", "per", "dist", "lo", "hi", "cascade", "occ", "rwk_p", "rwk_to", "sample_p",
                          "next", "pool", "bmin", "bmax", "pa", "pb", "ra", "rb", "cqt_to", "cqt", "cqt_act")}
    steps_of = []  # (product, Step) of each global step
    first, rpt, pool_step = [], [], []
    pools_of = {g: {} for g in gnames}  # batch pools: (route, step index) -> global steps (products sharing a route share its pools)
    kinds = {g: set() for g in gnames}
    for pname in prods:
        p = fab.products[pname]
        base = len(st["group"])
        first.append(base)
        wafers = [o.wafers for o in fab.orders if o.product == pname] or [1]
        rpt.append(p.raw_process_time(max(wafers)))
        n = len(p.route.steps)
        _check_cqt_windows(p)
        for i, s in enumerate(p.route.steps):
            g = fab.groups[s.group]
            steps_of.append((pname, s))
            pa, pb = _time_terms(s)
            st["pa"].append(pa); st["pb"].append(pb)
            st["cqt_to"].append(base + s.cqt_to - 1 if s.cqt is not None else -1)
            st["cqt"].append(s.cqt if s.cqt is not None else 0.0)
            st["cqt_act"].append(CQT_ACTIONS.index(s.cqt_action))
            st["group"].append(gid[s.group])
            st["per"].append({"lot": 0, "wafer": 1, "batch": 2}[s.per])
            d = s.time
            if d.name == "exponential":
                st["dist"].append(1); st["lo"].append(d.mean); st["hi"].append(d.mean)
            elif d.name == "uniform":
                st["dist"].append(0); st["lo"].append(d.low); st["hi"].append(d.high)
            elif d.name == "deterministic":
                st["dist"].append(0); st["lo"].append(d.value); st["hi"].append(d.value)
            else:
                raise PlantError(f"the fab simulator samples uniform, deterministic and exponential times, got {d.name}",
                                 element=f"product {pname} step {s.number}", key="time")
            st["cascade"].append(s.cascade if (s.cascade is not None and s.per == PER_WAFER) else -1.0)
            st["occ"].append(s.batch_interval if s.batch_interval is not None else -1.0)
            st["rwk_p"].append(s.rework_p)
            st["rwk_to"].append(base + s.rework_to - 1 if s.rework_p > 0 else -1)
            st["sample_p"].append(s.sample_p)
            st["next"].append(base + i + 1 if i + 1 < n else -1)
            kinds[s.group].add(s.per == PER_BATCH)
            if s.per == PER_BATCH and not g.delay:
                pools_of[s.group].setdefault((id(p.route), i), []).append(base + i)
                too_big = [w for w in wafers if w > s.batch_max]
                if too_big:
                    raise PlantError(f"a lot of {too_big[0]} wafers can never fit a batch of at most {s.batch_max}",
                                     element=f"product {pname} step {s.number}", key="batch_max")
            st["bmin"].append(s.batch_min or 0)
            st["bmax"].append(s.batch_max or 0)
            st["pool"].append(-1)
        ra, rb = 0.0, 0.0  # expected raw process time from each step to the end (critical ratio)
        tail = []
        for s in reversed(p.route.steps):
            pa, pb = _time_terms(s)
            ra, rb = ra + s.sample_p * pa, rb + s.sample_p * pb
            tail.append((ra, rb))
        for ra, rb in reversed(tail):
            st["ra"].append(ra); st["rb"].append(rb)
    g_pool0, g_npool = [], []
    for g in gnames:
        if len(kinds[g]) > 1 and not fab.groups[g].delay:
            raise PlantError("mixes per-batch and per-lot/per-wafer steps; the fab simulator needs one or the other "
                             "per tool group", element=f"tool group {g}", key="steps")
        g_pool0.append(len(pool_step))
        for steps in pools_of[g].values():
            for step in steps:
                st["pool"][step] = len(pool_step)
            pool_step.append(steps[0])
        g_npool.append(len(pools_of[g]))
    tool_group, g_tool0 = [], []
    for i, g in enumerate(gnames):
        g_tool0.append(len(tool_group))
        tool_group += [i] * (0 if fab.groups[g].delay else fab.groups[g].tools)
    mttf = np.zeros(len(gnames)); mttr = np.zeros(len(gnames))
    for b in fab.breakdowns:
        if b.ttf.name != "exponential" or b.ttr.name != "exponential":
            raise PlantError("the fab simulator does exponential breakdowns only", element=f"calendar {b.name}", key="ttf")
        for g in b.groups:
            if mttf[gid[g]] > 0:
                raise PlantError("a tool group with two breakdown calendars is not simulated yet",
                                 element=f"tool group {g}", key="breakdowns")
            mttf[gid[g]], mttr[gid[g]] = b.ttf.mean, b.ttr.mean
    orders = [o for o in fab.orders]
    for o in orders:
        if o.times is not None:
            raise PlantError("the fab simulator releases orders at fixed intervals; explicit times are not simulated yet",
                             element=f"order {o.name}", key="times")
    rec = _tool_records(fab, steps_of)
    limit = [int(a or b >= 0) for a, b in zip(rec["st_restr"], rec["st_same"])]
    setups = _setups(fab, gnames, steps_of, limit)
    for k in ("setup", "stime", "sq"):
        st[k] = setups.pop("st_" + k)
    arrays = dict(
        st_group=st["group"], st_per=st["per"], st_dist=st["dist"], st_lo=st["lo"], st_hi=st["hi"],
        st_cascade=st["cascade"], st_occ=st["occ"], st_rwk_p=st["rwk_p"], st_rwk_to=st["rwk_to"],
        st_sample_p=st["sample_p"], st_next=st["next"], st_pool=st["pool"], st_bmin=st["bmin"], st_bmax=st["bmax"],
        pr_first=first, pr_rpt=rpt, pr_solo=[int(fab.products[p].one_per_batch) for p in prods],
        pr_rec=rec["pr_rec"], st_slot=rec["st_slot"], st_restr=rec["st_restr"], st_same=rec["st_same"], st_limit=limit,
        g_restr=[int(any(x and steps_of[i][1].group == g for i, x in enumerate(limit))) for g in gnames],
        g_tools=[0 if fab.groups[g].delay else fab.groups[g].tools for g in gnames], g_tool0=g_tool0,
        g_rule=[RULE_ID[fab.groups[g].rule] for g in gnames], g_delay=[int(fab.groups[g].delay) for g in gnames],
        g_pool0=g_pool0, g_npool=g_npool, g_load=[fab.groups[g].load + fab.groups[g].unload for g in gnames],
        g_handle=[fab.groups[g].handling() for g in gnames],
        g_mttf=mttf, g_mttr=mttr, tool_group=tool_group or [0], pool_step=pool_step or [0],
        o_product=[prods.index(o.product) for o in orders], o_wafers=[o.wafers for o in orders],
        o_prio=[o.priority for o in orders], o_count=[o.count for o in orders],
        o_lpr=[o.lots_per_release for o in orders], o_start=[o.start for o in orders],
        o_interval=[o.interval or 0.0 for o in orders], o_due=[o.due_after if o.due_after is not None else 1e18 for o in orders],
        o_poisson=[int(o.poisson) for o in orders],
        st_setup=st["setup"], st_stime=st["stime"], st_sq=st["sq"], st_pa=st["pa"], st_pb=st["pb"],
        st_ra=st["ra"], st_rb=st["rb"], st_cqt_to=st["cqt_to"], st_cqt=st["cqt"], st_cqt_act=st["cqt_act"],
    )
    arrays.update(setups)
    arrays.update(_pm_slots(fab, gnames, tool_group))
    arrays["lu_k"] = rec["lu_k"]
    return arrays, prods, gnames, len(tool_group), first, steps_of


def _time_terms(step) -> tuple[float, float]:
    """Expected process time of a lot of W wafers at the step as a + b W (per batch: the batch's)."""
    m = step.time.mean
    if step.per == PER_WAFER:
        if step.cascade is not None:
            return m - step.cascade, step.cascade
        return 0.0, m
    return m, 0.0


def _check_cqt_windows(p) -> None:
    """A lot holds one open critical-queue-time window at a time: windows of a route must not nest
    or overlap (SMT2020's do not)."""
    end = 0
    for s in p.route.steps:
        if s.cqt is not None:
            if s.number < end:
                raise PlantError(f"critical queue time from step {s.number} opens inside the window that ends at step "
                                 f"{end}; overlapping windows are not simulated",
                                 element=f"product {p.name} step {s.number}", key="cqt_to")
            end = s.cqt_to


def _tool_records(fab: Fab, steps_of) -> dict:
    """What a lot notes of the tools it runs on, and which tools may take it (docs/fab.md), per
    global step: ``st_slot`` the slot of the lot's record where it notes the tool of this step
    (-1: not noted); ``st_restr`` 1 where no tool it has noted may take it (distinct tools);
    ``st_same`` the global step whose noted tool must take it (same tool), -1 none; per product
    ``pr_rec`` 1 when its lots keep a record; ``lu_k`` the slots per lot (the most of a product).
    Only groups with a choice of tools (``Fab.shared``) count. Distinct tools: every visit to a
    group the route visits more than once is noted, and restricted from the second on
    (``Fab.validate`` has checked that each visit finds a tool left). Same tool: a step with
    ``same_tool_as`` is noted; its target takes only that tool (any tool if the lot skipped it),
    and is noted too (so the record shows both)."""
    st_slot, st_restr, st_same, pr_rec, lu_k = [], [], [], [], 0
    by_product: dict[str, list] = {}
    for pname, s in steps_of:
        by_product.setdefault(pname, []).append(s)
    base = 0
    for pname, steps in by_product.items():
        p = fab.products[pname]
        visits = {}
        for s in steps:
            if p.distinct_tools and fab.shared(s.group):
                visits[s.group] = visits.get(s.group, 0) + 1
        target = {s.same_tool_as: s.number for s in steps if s.same_tool_as is not None and fab.shared(s.group)}
        seen, n = set(), 0
        for s in steps:
            again = visits.get(s.group, 0) > 1
            noted = again or s.number in target or (s.same_tool_as is not None and fab.shared(s.group))
            st_slot.append(n if noted else -1)
            n += int(noted)
            st_restr.append(int(again and s.group in seen))
            st_same.append(base + target[s.number] - 1 if s.number in target else -1)
            if again:
                seen.add(s.group)
        pr_rec.append(int(n > 0))
        lu_k = max(lu_k, n)
        base += len(steps)
    return dict(st_slot=st_slot, st_restr=st_restr, st_same=st_same, pr_rec=pr_rec, lu_k=lu_k)


def _setups(fab: Fab, gnames, steps_of, limit) -> dict:
    """Setup states, sub-queues and the setup-time tables. A group with setup steps gets one
    sub-queue (heap) per setup state its lot steps need, plus one for its steps without a setup;
    a group without, one sub-queue. Lot steps where only some tools may take a lot (``limit``:
    distinct tools, same tool) get their own sub-queue per state, an unordered list the kernel scans.
    States are numbered per group (a tool only holds states of its own group). Time from state a to b: the step's own setup_time when given, else the group's
    matrix; from no state (a tool's first setup): the step's own time, else the matrix's from-any
    time, else none."""
    states = {g: [] for g in gnames}     # state names in order of first use
    plain = {g: False for g in gnames}   # lot steps without a setup
    for _, s in steps_of:
        if s.setup is not None:
            if s.setup not in states[s.group]:
                states[s.group].append(s.setup)
        else:
            plain[s.group] = True
    sid, names = {}, []
    for g in gnames:
        for x in states[g]:
            sid[(g, x)] = len(names)
            names.append((g, x))
    S = len(names)
    su_time = np.zeros((max(S, 1), max(S, 1)))
    su_first = np.zeros(max(S, 1))
    su_minrun = np.zeros(max(S, 1), dtype=np.int32)
    for g in gnames:
        grp = fab.groups[g]
        if states[g] and any(s.per == PER_BATCH for _, s in steps_of if s.group == g):
            raise PlantError("setups on batch tools are not simulated", element=f"tool group {g}", key="setup_group")
        mat = fab.setups.get(grp.setup_group) if grp.setup_group else None
        for b in states[g]:
            j = sid[(g, b)]
            if mat is not None:
                su_first[j] = mat.to_any.get(b, 0.0)
                su_minrun[j] = mat.min_run.get(b, 0)
                for a in states[g]:
                    t = mat.time(a, b)
                    su_time[sid[(g, a)], j] = math.nan if t is None else t
    sq_state, sq_restr, g_sq0, g_nsq = [], [], [], []
    sq_of = {}
    restricted = {}   # group -> setup states (None: no setup) of its restricted lot steps, in order
    for i, (_, s) in enumerate(steps_of):
        if limit[i] and s.per != PER_BATCH:
            xs = restricted.setdefault(s.group, [])
            if s.setup not in xs:
                xs.append(s.setup)
    for g in gnames:
        g_sq0.append(len(sq_state))
        for x in states[g]:
            sq_of[(g, x)] = len(sq_state)
            sq_state.append(sid[(g, x)])
            sq_restr.append(0)
        if plain[g] or not states[g]:
            sq_of[(g, None)] = len(sq_state)
            sq_state.append(-1)
            sq_restr.append(0)
        for x in restricted.get(g, []):
            sq_of[(g, x, "restricted")] = len(sq_state)
            sq_state.append(sid[(g, x)] if x is not None else -1)
            sq_restr.append(1)
        g_nsq.append(len(sq_state) - g_sq0[-1])
    st_setup, st_stime, st_sq = [], [], []
    for i, (pname, s) in enumerate(steps_of):
        st_setup.append(sid[(s.group, s.setup)] if s.setup is not None else -1)
        st_stime.append(s.setup_time if (s.setup is not None and s.setup_time is not None) else -1.0)
        st_sq.append(sq_of[(s.group, s.setup, "restricted")] if limit[i] and s.per != PER_BATCH
                     else sq_of[(s.group, s.setup)])
        if s.setup is not None and s.setup_time is None:  # matrix-timed: every state of the group must reach it
            for a in states[s.group]:
                if math.isnan(su_time[sid[(s.group, a)], sid[(s.group, s.setup)]]):
                    raise PlantError(f"no setup time from {a!r} to {s.setup!r} in setup matrix "
                                     f"{fab.groups[s.group].setup_group!r}", element=f"tool group {s.group}",
                                     key=f"{a}->{s.setup}")
    return dict(st_setup=st_setup, st_stime=st_stime, st_sq=st_sq, sq_state=sq_state, sq_restr=sq_restr,
                g_sq0=g_sq0, g_nsq=g_nsq,
                g_setups=[int(bool(states[g])) for g in gnames],
                g_rsetup=[int(fab.groups[g].rule == "least_setup" or fab.groups[g].rank_setup) for g in gnames],
                su_time=np.nan_to_num(su_time).ravel(), su_first=su_first, su_minrun=su_minrun, n_states=S)


def _pm_slots(fab: Fab, gnames, tool_group) -> dict:
    """One PM slot per (tool, PM calendar of its group). A time-based PM falls due at first, first +
    every, ... (a fixed calendar grid); a wafer-based one after first, first + every, ... wafers the
    tool has processed; first per tool (``PMCalendar.first_for``: staggered over a group or not).
    A due PM waits for the tool's running job (and a repair) to end."""
    cal_of = {g: [] for g in gnames}
    for pm in fab.pms:
        d = pm.duration
        if d.name == "uniform":
            lo, hi = d.low, d.high
        elif d.name == "deterministic":
            lo = hi = d.value
        else:
            raise PlantError(f"PM durations are uniform or constant in the fab simulator, got {d.name}",
                             element=f"PM calendar {pm.name}", key="duration")
        if pm.basis == "time" and not hi < pm.every:
            raise PlantError(f"a PM of up to {hi:g} s every {pm.every:g} s would never leave the tool up",
                             element=f"PM calendar {pm.name}", key="duration")
        for g in pm.groups:
            cal_of[g].append((pm, lo, hi))
    cols = {k: [] for k in ("ps_tool", "ps_basis", "ps_every", "ps_first", "ps_dlo", "ps_dhi")}
    t_ps0, t_nps = [], []
    size = np.bincount(np.asarray(tool_group, dtype=np.int64), minlength=len(gnames))
    rank = np.zeros(len(gnames), dtype=np.int64)  # a tool's index within its group
    for tool, gi in enumerate(tool_group):
        t_ps0.append(len(cols["ps_tool"]))
        for pm, lo, hi in cal_of[gnames[gi]]:
            cols["ps_tool"].append(tool)
            cols["ps_basis"].append(0 if pm.basis == "time" else 1)
            cols["ps_every"].append(pm.every)
            cols["ps_first"].append(pm.first_for(int(rank[gi]), int(size[gi])))
            cols["ps_dlo"].append(lo)
            cols["ps_dhi"].append(hi)
        t_nps.append(len(cols["ps_tool"]) - t_ps0[-1])
        rank[gi] += 1
    n_ps = len(cols["ps_tool"])
    out = {k: (v or [0]) for k, v in cols.items()}
    out.update(t_ps0=t_ps0 or [0], t_nps=t_nps or [0], n_ps=n_ps)
    return out


def _initial_wip(fab: Fab, prods, first) -> dict:
    w = fab.wip
    return dict(w_product=[prods.index(x.product) for x in w] or [0],
                w_step=[first[prods.index(x.product)] + x.step - 1 for x in w] or [0],
                w_wafers=[x.wafers for x in w] or [0], w_prio=[x.priority for x in w] or [0],
                w_rel=[x.released for x in w] or [0.0], w_due=[x.due if x.due is not None else 1e18 for x in w] or [0.0])


def _transport(fab: Fab) -> tuple[float, float]:
    """One fab-wide transport time (uniform or constant) between consecutive steps."""
    if not fab.transport:
        return 0.0, 0.0
    if len(fab.transport) > 1:
        raise PlantError("the fab simulator applies one fab-wide transport time; several origin/target pairs are "
                         "not simulated yet", element=f"transport {fab.transport[1].origin}->{fab.transport[1].target}",
                         key="transport")
    d = fab.transport[0].time
    if d.name == "uniform":
        return d.low, d.high
    if d.name == "deterministic":
        return d.value, d.value
    raise PlantError(f"transport times are uniform or constant in the fab simulator, got {d.name}",
                     element=f"transport {fab.transport[0].origin}->{fab.transport[0].target}", key="time")


def simulate(fab: Fab, replicas: int = 10, horizon: float = 30 * DAY, *, warmup: float = 0.0, seed: int = 0,
             device: str = "cpu", lots: int | None = None, queue: int | None = None, records: int | None = None,
             max_batch_wait: float | dict | None = None, initial_wip: bool = True,
             transport: bool = True) -> FabResults:
    """Simulate ``replicas`` independent runs of the fab from empty to ``horizon`` seconds; KPIs
    over [warmup, horizon]. ``lots``: lots in the fab at once per replica (default: release rate x
    horizon, at least 64, at most 16384); ``queue``: lots one group's queue holds; ``records``:
    completed lots kept per replica for cycle-time percentiles (default: the releases of the
    window x 1.2; if more lots finish, the percentiles are NaN with a warning, never a biased
    number). ``max_batch_wait``: seconds after
    which a batch starts below its minimum (one value or per group; default: wait for the minimum).
    ``initial_wip``: start from ``fab.wip`` (each lot waiting for its step at time 0, released at
    its own release time) rather than empty. ``transport``: lots take the fab's transport time
    between consecutive steps (one fab-wide time). Overflowing the lot pool, event list or a queue is a SimulationError (the fab is overloaded)."""
    import warp as wp
    from ..kernels import fab as K

    fab.validate()
    if not horizon > warmup >= 0:
        raise PlantError(f"need 0 <= warmup < horizon, got warmup={warmup}, horizon={horizon}", key="horizon")
    if replicas < 1:
        raise PlantError(f"must be >= 1, got {replicas}", key="replicas")
    if fab.unmodelled:
        warnings.warn(f"fab {fab.name}: the simulator does not act on {', '.join(fab.unmodelled)} "
                      "(reasons in fab.unmodelled and docs/fab.md)", UnmodelledWarning, stacklevel=2)
    arrays, prods, gnames, n_tools, first, steps_of = _compile(fab)
    start = list(fab.wip) if initial_wip else []
    arrays.update(_initial_wip(Fab(fab.name, products=fab.products, wip=start), prods, first))
    move_lo, move_hi = _transport(fab) if transport else (0.0, 0.0)
    rate = sum(o.release_rate() for o in fab.orders)
    lot_cap = int(lots or min(16384, max(64, math.ceil(rate * horizon * 1.2) + len(start) + 16)))
    q_cap = int(queue or min(lot_cap, 4096))
    if records is None:
        records = int(min(10 ** 6, math.ceil(rate * (horizon - warmup) * 1.2) + len(start) + 64))
    mw = np.zeros(len(gnames))
    if isinstance(max_batch_wait, dict):
        for g, v in max_batch_wait.items():
            mw[gnames.index(g)] = v
    elif max_batch_wait is not None:
        mw[:] = max_batch_wait
    m = K.FabModel()
    n_ps, n_states, lu_k = arrays.pop("n_ps"), arrays.pop("n_states"), arrays.pop("lu_k")
    f64 = {"st_stime", "st_pa", "st_pb", "st_ra", "st_rb", "st_cqt", "su_time", "su_first", "ps_every", "ps_first",
           "ps_dlo", "ps_dhi",
           "st_lo", "st_hi", "st_cascade", "st_occ", "st_rwk_p", "st_sample_p", "pr_rpt", "g_load", "g_handle", "g_mttf",
           "g_mttr", "o_start", "o_interval", "o_due", "w_rel", "w_due"}
    for k, v in arrays.items():
        setattr(m, k, wp.array(np.asarray(v, dtype=np.float64 if k in f64 else np.int32), device=device))
    G, P, O = len(gnames), len(prods), len(fab.orders)
    n_pools = max(1, len(arrays["pool_step"]))
    m.g_maxwait = wp.array(mw, dtype=wp.float64, device=device)
    n_sq = len(arrays["sq_state"])
    m.sq_base = wp.array(np.arange(n_sq, dtype=np.int32) * q_cap, device=device)
    m.n_ps, m.n_states, m.n_steps = n_ps, n_states, len(steps_of)
    m.n_orders, m.n_tools, m.n_groups, m.n_products = O, n_tools, G, P
    m.n_wip, m.move_lo, m.move_hi = len(start), float(move_lo), float(move_hi)
    m.lot_cap, m.q_cap, m.rec_cap, m.lu_k = lot_cap, q_cap, records, lu_k
    m.ev_cap = 2 * lot_cap + 2 * n_tools + 2 * n_ps + O + 8
    m.warmup, m.horizon, m.seed = float(warmup), float(horizon), wp.uint64(seed)
    R = replicas
    s = K.FabState()
    shapes = {"l_": lot_cap, "e_": m.ev_cap, "q_": n_sq * q_cap, "sq": n_sq, "ps": max(1, n_ps),
              "sc": max(1, len(steps_of)), "g_": G, "p_": n_pools, "t_": max(1, n_tools),
              "o_": max(1, O), "pr": P, "re": records, "ct": K.N_CTR, "sw": max(1, len(steps_of)),
              # distinct tools: a lot's record of tools, its copy per finished lot (none without)
              "lu": max(1, lot_cap * lu_k), "rt": max(1, records * lu_k)}
    for name, ann in K.FabState.vars.items():
        dtype = ann.type.dtype
        s_shape = (R, shapes[name[:2]])
        setattr(s, name, wp.zeros(s_shape, dtype=dtype, device=device))
    import time
    t0, c0 = time.perf_counter(), time.process_time()
    wp.launch(K.run_fab, dim=R, inputs=[m, s], device=device)
    wp.synchronize_device(device)
    kernel_s, kernel_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    ctr = s.ctr.numpy()
    flags = int(np.bitwise_or.reduce(ctr[:, K.C_FLAGS]))
    if flags & K.F_LOTS:
        raise SimulationError(f"fab {fab.name}: more than {lot_cap} lots in the fab at once (lots=...): "
                              "the fab is overloaded or the pool too small")
    if flags & K.F_QUEUE:
        raise SimulationError(f"fab {fab.name}: a tool group's queue outgrew {q_cap} lots (queue=...): overloaded")
    if flags & K.F_EVENTS:
        raise SimulationError(f"fab {fab.name}: the event list outgrew {m.ev_cap} entries")
    res = _reduce(fab, s, prods, gnames, first, steps_of, R, horizon, warmup, ctr, bool(flags & K.F_RECORDS))
    if lu_k:
        res.tools_used = _tools_used(fab, s, prods, gnames, steps_of, ctr, lu_k, arrays["pr_rec"])
    growth = kpis.growth_warning(fab.name, res.raw, horizon - warmup)
    if growth:
        warnings.warn(growth, UserWarning, stacklevel=2)
    if flags & K.F_RECORDS:
        warnings.warn(f"fab {fab.name}: more lots finished than records={records} per replica; cycle-time "
                      "percentiles are not reported (NaN): pass a larger records=", UserWarning, stacklevel=2)
    res.kernel_s, res.kernel_cpu_s = kernel_s, kernel_cpu_s
    res.state_bytes = sum(getattr(s, n).capacity for n in K.FabState.vars)
    res.model_bytes = sum(getattr(m, n).capacity for n, v in K.FabModel.vars.items() if hasattr(getattr(m, n), "capacity"))
    return res


def _tools_used(fab, s, prods, gnames, steps_of, ctr, lu_k, pr_rec) -> dict:
    """Per product that keeps a tool record (distinct tools, same-tool steps), per replica, per lot
    finished in the window (as recorded): the (step number, group, tool index in the group) of
    each noted step it ran, in route order."""
    rec_p, rt_tool, rt_step = s.rec_p.numpy(), s.rt_tool.numpy(), s.rt_step.numpy()
    tool0, n = {}, 0   # the kernel numbers tools group by group, in the fab's order
    for g in gnames:
        tool0[g] = n
        n += 0 if fab.groups[g].delay else fab.groups[g].tools
    out = {p: [] for i, p in enumerate(prods) if pr_rec[i]}
    for r in range(rec_p.shape[0]):
        for p in out:
            out[p].append([])
        for k in range(int(ctr[r, 4])):
            p = prods[rec_p[r, k]]
            if p in out:
                lot = []
                for j in range(lu_k):
                    tool, step = int(rt_tool[r, k * lu_k + j]), int(rt_step[r, k * lu_k + j])
                    if tool >= 0:
                        st = steps_of[step][1]
                        lot.append((st.number, st.group, tool - tool0[st.group]))
                out[p][-1].append(lot)
    return out


def _reduce(fab, s, prods, gnames, first, steps_of, R, horizon, warmup, ctr, records_full) -> FabResults:
    T = horizon - warmup
    res = FabResults(fab.name, R, horizon, warmup, events=int(ctr[:, 6].sum()))
    names = [n for n in K_RAW if hasattr(s, n)]
    a = {name: getattr(s, name).numpy() for name in names}
    res.raw = a
    nrec = ctr[:, 4]
    recs = [(a["rec_p"][r, :nrec[r]], a["rec_ct"][r, :nrec[r]]) for r in range(R)]
    for i, p in enumerate(prods):
        res.products[p] = kpis.product_kpis(a, i, T, recs, records_full)
    res.wip_by_step, res.wip_by_group = kpis.wip_by_step(fab, prods, first, a["sw_area"], T)
    res.steps = {p: [(st.number, st.group) for st in fab.products[p].route.steps] for p in prods}
    res.cqt = kpis.cqt_kpis(a, steps_of, T)
    for j, g in enumerate(gnames):
        if not fab.groups[g].delay:
            res.groups[g] = kpis.group_kpis(a, j, fab.groups[g].tools, T)
    return res


# the per-replica arrays kept in FabResults.raw (those the kernel has)
K_RAW = ("pr_released", "pr_out", "pr_ct", "pr_ct2", "pr_xf", "pr_ontime", "pr_wip_area", "g_busy", "g_down",
         "g_setup", "g_nsetup", "g_pm", "g_npm", "g_qarea", "g_starts", "g_batches", "g_fill", "rec_p", "rec_ct",
         "pr_wip", "pr_initial", "sc_checks", "sc_viol", "pr_scrap", "sw_area")
