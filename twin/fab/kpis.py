"""Fab KPIs from the per-replica statistics of one run (kernels/fab.py): per product lots out per
day, cycle time (mean; p50/p90/p95 over the lots), X-factor, on-time share, WIP in total, by step
and by tool group; per tool group utilisation, availability, breakdown / setup / PM shares, queue
length and batch fill. Each KPI is ``(mean, 95% half-width)`` over the replicas (Student t), so
the replicas are the independent samples; the lot-pooled percentiles carry no interval (NaN).

Kept apart from the simulator (twin/fab/simulate.py) so that what a number means is written in
one place: the kernel only accumulates sums and time integrals over [warmup, horizon].
"""

from __future__ import annotations

import math

import numpy as np

from ..stats import mean_ci

DAY = 86400.0
# per-group time integrals the kernel may collect (tool-seconds) -> KPI name of their share
SHARES = (("g_down", "down_share"), ("g_setup", "setup_share"), ("g_pm", "pm_share"))


def _ci(values) -> tuple[float, float]:
    return mean_ci(values)[:2]


def product_kpis(a: dict, i: int, T: float, records: list, records_full: bool) -> dict:
    """KPIs of product ``i`` from the raw arrays ``a`` (replicas x products) over a window of
    ``T`` seconds; ``records``: per replica (product ids, cycle times) of the lots kept."""
    out = a["pr_out"][:, i]
    ct_all = np.concatenate([c[pp == i] for pp, c in records]) if records else np.array([])
    q = np.percentile(ct_all, [50, 90, 95]) / DAY if ct_all.size and not records_full else [math.nan] * 3
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "lots_out_per_day": _ci(out / T * DAY),
            "released_per_day": _ci(a["pr_released"][:, i] / T * DAY),
            "cycle_time_days": _ci(a["pr_ct"][:, i] / out / DAY),
            "cycle_time_p50_days": (float(q[0]), math.nan),
            "cycle_time_p90_days": (float(q[1]), math.nan),
            "cycle_time_p95_days": (float(q[2]), math.nan),
            "x_factor": _ci(a["pr_xf"][:, i] / out),
            "on_time": _ci(a["pr_ontime"][:, i] / out),
            "wip": _ci(a["pr_wip_area"][:, i] / T),
            **({"scrapped_per_day": _ci(a["pr_scrap"][:, i] / T * DAY)} if "pr_scrap" in a else {}),
        }


def wip_by_step(fab, prods: list[str], first: list[int], sw_area: np.ndarray, T: float):
    """Per product: the time-average lots at each step of its route (waiting for, travelling to or
    in process at it), as a list in route order, and the same summed per tool group."""
    by_step, by_group = {}, {}
    for i, p in enumerate(prods):
        steps = fab.products[p].route.steps
        cols = sw_area[:, first[i]:first[i] + len(steps)] / T   # replicas x steps
        by_step[p] = [_ci(cols[:, k]) for k in range(len(steps))]
        groups: dict[str, np.ndarray] = {}
        for k, s in enumerate(steps):
            groups[s.group] = groups.get(s.group, 0.0) + cols[:, k]
        by_group[p] = {g: _ci(v) for g, v in groups.items()}
    return by_step, by_group


def group_kpis(a: dict, j: int, tools: int, T: float) -> dict:
    """KPIs of tool group ``j`` (``tools`` tools) from the raw arrays over a window of ``T`` s.
    Availability is the share of tool time not down (breakdowns and PMs, when the kernel
    collects PMs); setup time counts as available (the tool is up, changing over)."""
    cap = tools * T
    b = a["g_batches"][:, j]
    k = {"utilisation": _ci(a["g_busy"][:, j] / cap)}
    down = a["g_down"][:, j] + (a["g_pm"][:, j] if "g_pm" in a else 0.0)
    k["availability"] = _ci(1.0 - down / cap)
    for raw, name in SHARES:
        if raw in a:
            k[name] = _ci(a[raw][:, j] / cap)
    for raw, name in (("g_npm", "pms_per_day"), ("g_nsetup", "setups_per_day")):
        if raw in a:
            k[name] = _ci(a[raw][:, j] / T * DAY)
    with np.errstate(invalid="ignore", divide="ignore"):
        k.update({
            "busy_tools": _ci(a["g_busy"][:, j] / T),
            "queue": _ci(a["g_qarea"][:, j] / T),
            "lots_per_day": _ci(a["g_starts"][:, j] / T * DAY),
            "batch_fill": _ci(np.where(b > 0, a["g_fill"][:, j] / np.maximum(b, 1), np.nan)),
        })
    return k


def cqt_kpis(a: dict, steps_of: list, T: float) -> dict:
    """Per critical-queue-time window ("product i->j"): its limit, windows closed and overrun per
    day, and the overrun share (of the windows closed in the window)."""
    out = {}
    if "sc_checks" not in a:
        return out
    for j, (pname, st) in enumerate(steps_of):
        if st.cqt is None:
            continue
        checks, viol = a["sc_checks"][:, j], a["sc_viol"][:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{pname} {st.number}->{st.cqt_to}"] = {
                "limit_h": (st.cqt / 3600.0, 0.0),
                "checks_per_day": _ci(checks / T * DAY),
                "violations_per_day": _ci(viol / T * DAY),
                "violation_share": _ci(np.where(checks > 0, viol / np.maximum(checks, 1), np.nan)),
            }
    return out


def growth_warning(name: str, a: dict, T: float) -> str | None:
    """A warning when the fab's WIP grew over the statistics window by more than noise allows
    (released - out - scrapped, lots, is the WIP's change; more than 10% of the mean WIP and than
    three times its square root): an overloaded fab, or a warm-up too short for a fab that
    started empty. Per-day KPIs of such a run are not steady-state values: they depend on the
    horizon. None when the WIP held steady."""
    released, out = a["pr_released"].sum(axis=1), a["pr_out"].sum(axis=1)
    scrapped = a["pr_scrap"].sum(axis=1) if "pr_scrap" in a else 0.0
    growth = float(np.mean(released - out - scrapped))
    wip = float(np.mean(a["pr_wip_area"].sum(axis=1) / T))
    if not growth > max(0.1 * wip, 3.0 * math.sqrt(wip + 1.0)):
        return None
    return (f"fab {name}: the WIP grew by {growth:.0f} lots over the statistics window (released "
            f"{np.mean(released) / T * DAY:.1f} lots/day, out {np.mean(out) / T * DAY:.1f}; mean WIP {wip:.0f}): "
            "the fab is not in steady state (overloaded, or a warm-up too short), so its per-day KPIs "
            "depend on the horizon")
