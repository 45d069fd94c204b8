"""Material flow: one replica's parts moving between elements at one step.

At a step where something happens, the elements with a timed event handle it (``handle_event``);
every element whose situation changed is pushed on the replica's work stack; popping an element
lets it pull parts from its predecessors while it has room (``fill``). Transfers are
instantaneous, so a completion can ripple through blocked machines upstream within one step.

Each element kind has its own module with the same hooks (room, offer, take, accept, event,
account, start); this module only dispatches on the kind. The maintenance crew is an internal
element of kind MAINTENANCE whose timed events are health updates and finished jobs.
"""

import warp as wp

from .accounting import account
from .buffer import buffer_accept, buffer_offer, buffer_take
from .cluster_tool import tool_accept, tool_event, tool_offer, tool_room, tool_start, tool_take
from .common import record_exit
from .conveyor import conveyor_accept, conveyor_event, conveyor_offer, conveyor_room, conveyor_take
from .health import health_event, health_start
from .layout import (BUFFER, CLUSTER_TOOL, CONVEYOR, E_COUNT, E_FAIL, E_NEXT, E_OUT, E_QUEUED, E_REPAIR,
                     MACHINE, MAINTENANCE, NEVER, R_OVERFLOW, R_WORK_N, ROBOT, S_ENTRY, SINK, SOURCE, Model,
                     State)
from .machine import machine_accept, machine_event, machine_offer, machine_room, machine_start, machine_take
from .robot import (robot_accept, robot_claim, robot_event, robot_idle, robot_lifting, robot_offer, robot_pick_elem,
                    robot_pick_slot, robot_room, robot_set_task, robot_start, robot_take)
from .source import source_event, source_offer, source_start, source_take

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    """How many parts y can take now."""
    kind = m.kind[y]
    if kind == MACHINE:
        return machine_room(m, s, r, y)
    if kind == BUFFER:
        return m.capacity[y] - s.el32[r, y, E_COUNT]
    if kind == CONVEYOR:
        return conveyor_room(m, s, r, y, k)
    if kind == SINK:
        return 1
    if kind == ROBOT:
        return robot_room(m, s, r, y, k)
    if kind == CLUSTER_TOOL:
        return tool_room(m, s, r, y, k)
    return 0


@wp.func(inline=True)
def offer(m: Model, s: State, r: int, x: int, y: int):
    """The part x offers to y that has waited longest: (slot, step it became ready), or (-1, NEVER)."""
    kind = m.kind[x]
    if kind == MACHINE:
        return machine_offer(m, s, r, x, y)
    if kind == BUFFER:
        return buffer_offer(m, s, r, x, y)
    if kind == CONVEYOR:
        return conveyor_offer(m, s, r, x, y)
    if kind == SOURCE:
        return source_offer(m, s, r, x, y)
    if kind == ROBOT:
        return robot_offer(m, s, r, x, y)
    if kind == CLUSTER_TOOL:
        return tool_offer(m, s, r, x, y)
    return int(-1), NEVER


@wp.func(inline=True)
def take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """Removes the part in ``slot`` from x at step k; returns the step it entered the plant."""
    account(m, s, r, x, k)
    if k >= m.warmup_step:
        s.el64[r, x, E_OUT] = s.el64[r, x, E_OUT] + wp.int64(1)
    kind = m.kind[x]
    if kind == SOURCE:
        source_take(m, s, r, x, slot, k)
        return k
    entry = s.s64[r, slot, S_ENTRY]
    if kind == MACHINE:
        machine_take(m, s, r, x, slot)
    elif kind == BUFFER:
        buffer_take(m, s, r, x, k)
    elif kind == CONVEYOR:
        conveyor_take(m, s, r, x, k)
    elif kind == ROBOT:
        robot_take(m, s, r, x, slot, k)
    elif kind == CLUSTER_TOOL:
        tool_take(m, s, r, x, slot, k)
    return entry


@wp.func(inline=True)
def accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """Puts a part that entered the plant at step ``entry`` into y at step k (y has room)."""
    account(m, s, r, y, k)
    kind = m.kind[y]
    if kind == MACHINE:
        machine_accept(m, s, r, y, entry, k)
    elif kind == BUFFER:
        buffer_accept(m, s, r, y, entry, k)
    elif kind == CONVEYOR:
        conveyor_accept(m, s, r, y, entry, k)
    elif kind == ROBOT:
        robot_accept(m, s, r, y, entry, k)
    elif kind == CLUSTER_TOOL:
        tool_accept(m, s, r, y, entry, k)
    elif kind == SINK:
        if k >= m.warmup_step:
            s.el64[r, y, E_OUT] = s.el64[r, y, E_OUT] + wp.int64(1)
            record_exit(m, s, r, entry, k)


@wp.func
def robot_place_with_room(m: Model, s: State, r: int, y: int, x: int, k: wp.int64) -> int:
    """The first task of robot y that picks at x and whose place has room now, or -1."""
    b = m.robot.index[y]
    for t in range(m.robot.task_start[b], m.robot.task_start[b + 1]):
        if m.robot.task_pick[t] == x and room(m, s, r, m.robot.task_place[t], k) > 0:
            return t
    return int(-1)


@wp.func
def robot_next(m: Model, s: State, r: int, y: int, k: wp.int64):
    """What robot y does when it is visited (kernels/robot.py), as (element, slot) of the part it
    lifts out of its element now, or (-1, -1).

    * It has just gripped its claimed part: the part goes to the first place (of the tasks
      picking there) with room now, else to the place of the task it was claimed for; fill then
      takes it out of its element and hands it to the robot.
    * It is idle: it claims the part it serves next, of the parts its predecessors offer it whose
      task has a place with room the one that has waited longest (ties: predecessor order). The
      part stays in its element, bound to the robot, until the robot has gripped it.
    """
    if robot_lifting(m, s, r, y):
        x = robot_pick_elem(m, s, r, y)
        t = robot_place_with_room(m, s, r, y, x, k)
        if t >= 0:
            robot_set_task(m, s, r, y, t)
        return x, robot_pick_slot(m, s, r, y)
    if robot_idle(m, s, r, y):
        best_slot = int(-1)
        best_x = int(-1)
        best_task = int(-1)
        best_step = NEVER
        for j in range(m.in_start[y], m.in_start[y + 1]):
            x = m.in_elem[j]
            slot, ready = offer(m, s, r, x, y)
            if slot >= 0 and ready < best_step:
                t = robot_place_with_room(m, s, r, y, x, k)
                if t >= 0:
                    best_step = ready
                    best_slot = slot
                    best_x = x
                    best_task = t
        if best_slot >= 0:
            account(m, s, r, y, k)
            robot_claim(m, s, r, y, best_x, best_slot, best_task, k)
    return int(-1), int(-1)


@wp.func(inline=True)
def fill(m: Model, s: State, r: int, y: int, k: wp.int64):
    """Pulls parts into y while it has room, the longest-waiting offer first (robots: robot_next)."""
    while True:
        best_slot = int(-1)
        best_x = int(-1)
        best_step = NEVER
        j1 = m.in_start[y + 1]
        if m.kind[y] == ROBOT:
            best_x, best_slot = robot_next(m, s, r, y, k)
            j1 = m.in_start[y]
        for j in range(m.in_start[y], j1):
            x = m.in_elem[j]
            slot, ready = offer(m, s, r, x, y)
            if slot >= 0 and ready < best_step:
                best_step = ready
                best_slot = slot
                best_x = x
        if best_slot < 0:
            return
        if room(m, s, r, y, k) <= 0:
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


@wp.func(inline=True)
def handle_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Element e's timed event(s) due at step k."""
    account(m, s, r, e, k)
    kind = m.kind[e]
    if kind == MACHINE:
        machine_event(m, s, r, e, k)
    elif kind == SOURCE:
        source_event(m, s, r, e, k)
    elif kind == CONVEYOR:
        conveyor_event(m, s, r, e, k)
    elif kind == ROBOT:
        robot_event(m, s, r, e, k)
    elif kind == CLUSTER_TOOL:
        tool_event(m, s, r, e, k)
    elif kind == MAINTENANCE:
        health_event(m, s, r, e, k)


@wp.func(inline=True)
def start_element(m: Model, s: State, r: int, e: int):
    """Puts element e in its state at step 0 (the plant starts empty)."""
    s.el64[r, e, E_NEXT] = NEVER
    s.el64[r, e, E_FAIL] = NEVER
    s.el64[r, e, E_REPAIR] = NEVER
    kind = m.kind[e]
    if kind == SOURCE:
        source_start(m, s, r, e)
    elif kind == MACHINE:
        machine_start(m, s, r, e)
    elif kind == ROBOT:
        robot_start(m, s, r, e)
    elif kind == CLUSTER_TOOL:
        tool_start(m, s, r, e)
    elif kind == MAINTENANCE:
        health_start(m, s, r, e)
