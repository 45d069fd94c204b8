"""Offered load and availability of each tool group, from the routes, orders and calendars alone.

The offered load of a group is the tool time per unit time the releases ask of it in steady
state: for every order, its release rate times, per visit of a step at the group, the expected
tool time of one lot there (per-lot time or its BatchInterval, cascaded per-wafer time, a full
batch's time shared among the lots of a full batch; plus load and unload, except on groups whose
tools hold a second lot (``lots_per_tool`` >= 2) and load it while processing), plus the PM time
of wafer-counted PM calendars. A stable fab has offered load < tools x availability at every group.
"""

from __future__ import annotations

import numpy as np

from .fab import Fab
from .products import PER_BATCH, PER_LOT, Route


def visits(route: Route) -> np.ndarray:
    """Expected arrivals of a lot at each step (1 without rework): solves v = e1 + P^T v for the
    step-to-step chain where a performed step reworks back with its probability."""
    n = len(route.steps)
    P = np.zeros((n, n))
    for i, s in enumerate(route.steps):
        back = s.sample_p * s.rework_p
        if back > 0:
            P[i, s.rework_to - 1] += back
        if i + 1 < n:
            P[i, i + 1] += 1.0 - back
    e = np.zeros(n)
    e[0] = 1.0
    return np.linalg.solve(np.eye(n) - P.T, e)


def lot_busy(fab: Fab, step, wafers: int) -> float:
    """Expected tool time one lot of ``wafers`` takes at ``step`` (seconds)."""
    g = fab.groups[step.group]
    if step.per == PER_BATCH:
        lots = max(1, step.batch_max // wafers)
        return step.time.mean / lots + g.handling()
    if step.per == PER_LOT and step.batch_interval is not None:
        return step.batch_interval + g.handling()
    return step.lot_time(wafers) + g.handling()


def offered_load(fab: Fab) -> dict[str, float]:
    """Tool-seconds per second asked of each tool group (busy tools in steady state)."""
    load = {name: 0.0 for name in fab.groups}
    wafers_in = {name: 0.0 for name in fab.groups}
    for o in fab.orders:
        rate = o.release_rate()
        if rate == 0.0:
            continue
        route = fab.products[o.product].route
        for v, s in zip(visits(route), route.steps):
            load[s.group] += rate * v * s.sample_p * lot_busy(fab, s, o.wafers)
            wafers_in[s.group] += rate * v * s.sample_p * o.wafers
    for pm in fab.pms:
        if pm.basis == "wafers":
            for gname in pm.groups:  # a PM every `every` wafers of one tool: duration/every per wafer
                load[gname] += wafers_in[gname] * pm.duration.mean / pm.every
    return load


def availability(fab: Fab) -> dict[str, float]:
    """Share of calendar time a tool of each group is up: breakdowns (time to failure counted in
    calendar time) and time-based PMs; wafer-counted PMs are in the offered load instead."""
    up = {name: 1.0 for name in fab.groups}
    for b in fab.breakdowns:
        for gname in b.groups:
            up[gname] *= b.ttf.mean / (b.ttf.mean + b.ttr.mean)
    for pm in fab.pms:
        if pm.basis == "time":
            for gname in pm.groups:
                up[gname] -= pm.duration.mean / pm.every
    return up
