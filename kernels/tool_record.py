"""Snapshots of the cluster tools of one replica for recordings (twin.equipment.cluster_tool.Recorder)."""

import warp as wp

from .layout import E_COUNT, Model, State
from .tool_layout import (ATM_KIND, CH_STATUS, LL_PROC, LL_RAW, LL_STATE, PART_CH0, PT_HOLD_FAIL, PT_HOLD_SERVICE, T_VTM_ROT,
                          T_VTM_START, T_WIP, TP_CH0, TP_LL0, TP_N_CH, TP_N_LL, TP_N_ST, TP_PART0, V_ARM0, V_ARM1,
                          V_FROM, V_ORIENT, V_PHASE)

wp.set_module_options({"enable_backward": False})

PI = wp.constant(wp.float64(3.141592653589793))
CHAMBER_DOWN = wp.constant(3)  # a recorded chamber stopped by the crew (twin.equipment.cluster_tool.CHAMBER_STATUS)


@wp.kernel
def snapshot_tools(m: Model, s: State, r: int, frame: int, k: wp.int64, elem: wp.array(dtype=int),
                   chambers: wp.array2d(dtype=wp.int8), ll_state: wp.array2d(dtype=wp.int8),
                   ll_wafers: wp.array2d(dtype=wp.int32), holding: wp.array2d(dtype=wp.int32),
                   angle: wp.array2d(dtype=wp.float32), atm: wp.array2d(dtype=wp.int8),
                   foups: wp.array2d(dtype=wp.int32), wafers: wp.array2d(dtype=wp.int32)):
    """Tool t of replica r at step k into frame ``frame``: chamber status codes, load-lock states
    and wafers held (global chamber / load-lock columns), and per tool: wafers on the vacuum
    robot, the angle of its arm 0 (radians, interpolated linearly during a rotation), whether the
    ATM robot transfers, FOUPs docked and wafers out of their FOUPs."""
    t = wp.tid()
    e = elem[t]
    c0 = m.tool[0].p32[t, TP_CH0]
    p0 = m.tool[0].p32[t, TP_PART0] + PART_CH0
    for i in range(m.tool[0].p32[t, TP_N_CH]):
        code = s.tool[0].ch32[r, c0 + i, CH_STATUS]
        if s.tool[0].part32[r, p0 + i, PT_HOLD_FAIL] > 0 or s.tool[0].part32[r, p0 + i, PT_HOLD_SERVICE] > 0:
            code = CHAMBER_DOWN
        chambers[frame, c0 + i] = wp.int8(code)
    l0 = m.tool[0].p32[t, TP_LL0]
    for i in range(m.tool[0].p32[t, TP_N_LL]):
        ll_state[frame, l0 + i] = wp.int8(s.tool[0].ll32[r, l0 + i, LL_STATE])
        ll_wafers[frame, l0 + i] = s.tool[0].ll32[r, l0 + i, LL_RAW] + s.tool[0].ll32[r, l0 + i, LL_PROC]
    held = int(0)
    if s.tool[0].t32[r, t, V_ARM0] >= 0:
        held += 1
    if s.tool[0].t32[r, t, V_ARM1] >= 0:
        held += 1
    holding[frame, t] = held
    n = m.tool[0].p32[t, TP_N_ST]
    o = wp.float64(s.tool[0].t32[r, t, V_ORIENT])
    if s.tool[0].t32[r, t, V_PHASE] != 0:
        start = s.tool[0].t64[r, t, T_VTM_START]
        end = s.tool[0].t64[r, t, T_VTM_ROT]
        if k < end and end > start:
            o0 = s.tool[0].t32[r, t, V_FROM]
            d = ((s.tool[0].t32[r, t, V_ORIENT] - o0) % (2 * n) + 2 * n) % (2 * n)
            if d > n:
                d = d - 2 * n
            frac = wp.float64(k - start) / wp.float64(end - start)
            o = wp.float64(o0) + wp.float64(d) * frac
    a = o * PI / wp.float64(n)
    two_pi = wp.float64(2.0) * PI
    a = a - two_pi * wp.floor(a / two_pi)
    angle[frame, t] = wp.float32(a)
    atm[frame, t] = wp.int8(wp.min(s.tool[0].t32[r, t, ATM_KIND], 1))
    foups[frame, t] = s.el32[r, e, E_COUNT]
    wafers[frame, t] = s.tool[0].t32[r, t, T_WIP]
