"""Time integrals of element states, and stops of a host by the maintenance crew.

``account`` adds an element's state since its last change; every kind integrates its own state in
integer steps just before it changes, so statistics need no per-step work and never accumulate in
floating point. ``hold``/``release`` stop and restart a host for the crew.
"""

import warp as wp

from .buffer import buffer_account
from .cluster_tool import tool_account, tool_hold, tool_release, tool_work
from .conveyor import conveyor_account, conveyor_hold, conveyor_release, conveyor_work
from .layout import BUFFER, CLUSTER_TOOL, CONVEYOR, E_STAT, MACHINE, ROBOT, SOURCE, Model, State
from .machine import machine_account, machine_hold, machine_release, machine_work
from .robot import robot_account, robot_hold, robot_release, robot_work
from .source import source_account

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def account(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Adds element e's state since its last change: the operating clock and uses always, the
    statistics clipped to the window [warmup_step, horizon_step)."""
    last = s.el64[r, e, E_STAT]
    s.el64[r, e, E_STAT] = k
    kind = m.kind[e]
    if k > last:
        if kind == MACHINE:
            machine_work(m, s, r, e, k - last)
        elif kind == CONVEYOR:
            conveyor_work(m, s, r, e, k - last)
        elif kind == ROBOT:
            robot_work(m, s, r, e, k - last)
        elif kind == CLUSTER_TOOL:
            tool_work(m, s, r, e, last, k)
    lo = wp.max(last, m.warmup_step)
    hi = wp.min(k, m.horizon_step)
    if hi <= lo:
        return
    dt = hi - lo
    if kind == MACHINE:
        machine_account(m, s, r, e, dt)
    elif kind == BUFFER:
        buffer_account(m, s, r, e, dt)
    elif kind == CONVEYOR:
        conveyor_account(m, s, r, e, dt)
    elif kind == SOURCE:
        source_account(m, s, r, e, dt)
    elif kind == ROBOT:
        robot_account(m, s, r, e, dt)
    elif kind == CLUSTER_TOOL:
        tool_account(m, s, r, e, dt)


@wp.func(inline=True)
def hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew stops host e at step k (a failed component, or a preventive service); on a cluster
    tool, only its part ``part`` (twin.kernels.tool_layout PART_*; -1 for other kinds)."""
    account(m, s, r, e, k)
    kind = m.kind[e]
    if kind == MACHINE:
        machine_hold(m, s, r, e, k, service)
    elif kind == CONVEYOR:
        conveyor_hold(m, s, r, e, k, service)
    elif kind == ROBOT:
        robot_hold(m, s, r, e, k, service)
    elif kind == CLUSTER_TOOL:
        tool_hold(m, s, r, e, part, k, service)


@wp.func(inline=True)
def release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew's work on host e (its part ``part``) ends at step k."""
    account(m, s, r, e, k)
    kind = m.kind[e]
    if kind == MACHINE:
        machine_release(m, s, r, e, k, service)
    elif kind == CONVEYOR:
        conveyor_release(m, s, r, e, k, service)
    elif kind == ROBOT:
        robot_release(m, s, r, e, k, service)
    elif kind == CLUSTER_TOOL:
        tool_release(m, s, r, e, part, k, service)
