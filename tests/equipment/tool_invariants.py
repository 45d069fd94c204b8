"""Runs a plant step by step with the engine kernels and checks a cluster tool's bookkeeping in
the final state (used by tests/equipment/test_cluster_tool.py)."""

import numpy as np
import warp as wp

from twin.equipment.cluster_tool import _Layout
from twin.kernels import engine, layout
from twin.kernels import tool_layout as tl
from twin.model import compile_plant
from twin.state import new_state, to_numpy


def run_state(plant, horizon: float, replicas: int = 4, seed: int = 0, device: str = "cpu", dt=None,
              warmup: float = 0.0):
    """Simulates [0, horizon] (statistics over [warmup, horizon]) and returns (model, host copies
    of the final state)."""
    model = compile_plant(plant, device=device, dt=dt)
    km = model.arrays
    st = new_state(model, replicas, model.control(seed=seed, warmup_step=model.steps(warmup),
                                                  horizon_step=model.steps(horizon)))
    k = engine.for_kinds(model.kernel_kinds)
    wp.launch(k.start_replicas, dim=replicas, inputs=[km, st], device=device)
    end = engine.end_step(model.steps(horizon), device)  # the end step, read by advance
    wp.launch(k.advance, dim=replicas, inputs=[km, st, end], device=device)
    wp.launch(k.close_statistics, dim=replicas, inputs=[km, st], device=device)
    return model, to_numpy(st)


def check_tool(model, a: dict, name: str) -> dict:
    """Asserts, in every replica: each docked FOUP's wafers are all accounted for (still in it,
    returned to it, or somewhere in the tool carrying its port), the tool's counters agree with
    where the wafers are, and the wafer limit holds. Returns totals for further checks."""
    lay = _Layout(model.plant, model.names)
    i = model.index(name)
    t = lay.tool_of(i)
    el = lay.specs[t]
    slot0 = int(model.slot_start[i])
    c0, l0, s0, p0 = lay.ch_start[t], lay.ll_start[t], lay.slot_start[t], lay.port_start[t]
    nc, nl, cap = el.n_chambers, el.load_locks, el.load_lock_capacity
    out = {"inside": [], "wip": []}
    for r in range(a["el64"].shape[0]):
        t32 = a["tool.t32"][r, t]
        ch = a["tool.ch32"][r, c0:c0 + nc]
        ll = a["tool.ll32"][r, l0:l0 + nl]
        sl = a["tool.slot32"][r, s0:s0 + nl * cap].reshape(nl, cap, tl.SL32)
        ports = a["tool.port32"][r, p0:p0 + el.load_ports]
        where = {}  # port -> wafers in the tool

        def add(p):
            assert p >= 0, f"{name}: a wafer without a FOUP"
            where[p] = where.get(p, 0) + 1

        for c in range(nc):
            if ch[c, tl.CH_STATUS] != tl.CH_EMPTY:
                add(ch[c, tl.CH_PORT])
            else:
                assert ch[c, tl.CH_PORT] == -1
        arms = [p for p in (t32[tl.V_ARM0], t32[tl.V_ARM1]) if p >= 0]
        for p in arms:
            add(p)
        assert el.vtm_robot == "dual" or t32[tl.V_ARM1] == -1
        for l in range(nl):
            raw = int(np.sum((sl[l, :, tl.SL_PORT] >= 0) & (sl[l, :, tl.SL_KIND] == tl.WAFER_RAW)))
            done = int(np.sum((sl[l, :, tl.SL_PORT] >= 0) & (sl[l, :, tl.SL_KIND] == tl.WAFER_DONE)))
            assert (ll[l, tl.LL_RAW], ll[l, tl.LL_PROC]) == (raw, done), f"{name}: load lock {l} counters"
            assert raw == 0 or done == 0 or ll[l, tl.LL_STATE] == tl.LL_VACUUM
            for p in sl[l, :, tl.SL_PORT]:
                if p >= 0:
                    add(p)
        if t32[tl.ATM_KIND] == tl.ATM_LOAD:
            add(t32[tl.ATM_PORT])
        inside = sum(1 for c in range(nc) if ch[c, tl.CH_STATUS] != tl.CH_EMPTY) + len(arms)
        assert t32[tl.T_INSIDE] == inside, f"{name}: wafers on the vacuum side"
        total = sum(where.values())
        assert t32[tl.T_WIP] == total, f"{name}: wafers out of their FOUPs"
        assert total <= el.wip_limit
        for p in range(el.load_ports):
            status = a["s32"][r, slot0 + p, layout.S_STATUS]
            if status == layout.IDLE:
                assert where.get(p, 0) == 0, f"{name}: wafers of an empty load port"
                continue
            left, back = ports[p, tl.P_RAW_LEFT], ports[p, tl.P_BACK]
            assert left + back + where.get(p, 0) == el.wafers_per_lot, \
                f"{name}, replica {r}, port {p}: {left} in the FOUP + {back} back + {where.get(p, 0)} in the tool"
            if status == layout.DONE:
                assert back == el.wafers_per_lot
        out["inside"].append(inside)
        out["wip"].append(total)
    return out
