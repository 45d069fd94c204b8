"""Robot arms as plant elements: pick a part at one element, carry it, place it at another.

A robot holds at most one part (its single slot). Its cycle:

* idle at its current configuration (starved);
* it **claims** a part a predecessor offers it (``robot_next``, its ``pull`` hook): the part stays in its
  element, which stays blocked, but is bound to the robot so nobody else takes it; the robot
  moves there (``PH_TO_PICK``);
* it grips (``PH_GRIP``, grip time); at the end of the grip (``PH_LIFT``) the robot wakes itself,
  and when flow.py visits it at the same step the part leaves its element and is on the robot
  (``robot_next`` picks the place, ``take`` and ``robot_accept`` move the part, as for any
  receiver);
* it moves loaded to the place (``PH_TO_PLACE``) and offers the part there (``PH_AT_PLACE``,
  blocked) until the place element takes it (as it pulls any part);
* it releases (``PH_RELEASE``, release time), then is idle at the place configuration.

Move durations come from the robot's move table (compiled: motion is deterministic). Request
order and the choice of task are in ``robot_next`` (the kind's ``pull`` hook), built by
``make_robot_pull`` on the generated ``room``/``offer`` dispatch of every kind.

Health: a robot carrying health components is stopped by the crew (a failed component, or a
preventive service) where it stands: a move, grip or release under way pauses and resumes with
the steps it had left; a stopped robot claims nothing, lifts nothing and offers nothing. Its
operating clock runs while it moves, grips or releases; its uses are completed cycles, and its
load is the joint work of its moves (RobotState.joint_mj: per joint, millijoules, for load-driven
wear of a joint or, summed, of the whole arm).
"""

import warp as wp

from .hooks import (PART_STATUS, Hooks, SnapshotHooks, decode_parts, encode_parts, equipment_problem, wire_number,
                    wire_optional)
from .common import count_hold, crew_held, wake
from .layout import (A_BLOCKED, A_BUSY, A_DOWN, A_HELD, A_IDLE, A_SERVICE, BUSY, DONE, E_COUNT,
                     E_HOLD_FAIL, E_HOLD_SERVICE, E_NEXT, E_USES, E_WORK, EL64_TABLE, NEVER, S_DEST, S_ENTRY,
                     S_STATUS, S_STEP, Model, State)
from .next_event import set_next_event
from .robot_layout import (PH_AT_PLACE, PH_GRIP, PH_IDLE, PH_LIFT, PH_RELEASE, PH_TO_PICK, PH_TO_PLACE, RB_CONF,
                           RB_CYCLE_START, RB_CYCLE_SUM, RB_CYCLES, RB_FROM, RB_MOVE_START, RB_PHASE,
                           RB_PICK_ELEM, RB_PICK_SLOT, RB_PICKS, RB_TASK)
from .tables import Column

wp.set_module_options({"enable_backward": False})

(ARM_LEFT,) = EL64_TABLE.kind_columns("robot", __name__, Column(
    "ARM_LEFT", "left", "steps", "steps left of the timed phase paused by the crew (-1: none was under way)"))


@wp.func(inline=True)
def robot_idle(m: Model, s: State, r: int, e: int) -> bool:
    """Idle and free to claim a part."""
    return s.robot[0].i32[r, m.robot[0].index[e], RB_PHASE] == PH_IDLE and not crew_held(s, r, e)


@wp.func(inline=True)
def robot_lifting(m: Model, s: State, r: int, e: int) -> bool:
    return s.robot[0].i32[r, m.robot[0].index[e], RB_PHASE] == PH_LIFT and not crew_held(s, r, e)


@wp.func(inline=True)
def in_window(s: State, k: wp.int64) -> bool:
    return k >= s.control[0].warmup_step and k < s.control[0].horizon_step


@wp.func(inline=True)
def robot_start_move(m: Model, s: State, r: int, e: int, b: int, to: int, loaded: int, k: wp.int64):
    """Starts the move from the current configuration to configuration ``to`` at step k."""
    frm = s.robot[0].i32[r, b, RB_CONF]
    pair = frm * m.robot[0].n_conf[b] + to
    s.robot[0].i32[r, b, RB_FROM] = frm
    s.robot[0].i32[r, b, RB_CONF] = to
    s.robot[0].i64[r, b, RB_MOVE_START] = k
    mv = m.robot[0].move_start[b] + pair
    set_next_event(m, s, r, e, k + m.robot[0].move_steps[mv])
    j0 = m.robot[0].joint_start[b]
    for j in range(m.robot[0].joint_start[b + 1] - j0):
        s.robot[0].joint_mj[r, j0 + j] = s.robot[0].joint_mj[r, j0 + j] \
            + wp.int64(wp.round(m.robot[0].move_joint_energy[mv, loaded, j] * wp.float64(1000.0)))
    if in_window(s, k):
        i = pair * 2 + loaded
        s.robot[0].moves[r, b, i] = s.robot[0].moves[r, b, i] + wp.int64(1)


@wp.func(inline=True)
def robot_claim(m: Model, s: State, r: int, e: int, x: int, slot: int, task: int, k: wp.int64):
    """Robot e reserves the part in ``slot`` of x for ``task`` and sets off to pick it."""
    b = m.robot[0].index[e]
    s.s32[r, slot, S_DEST] = e  # bound to the robot: no other successor of x takes it
    s.robot[0].i32[r, b, RB_TASK] = task
    s.robot[0].i32[r, b, RB_PICK_ELEM] = x
    s.robot[0].i32[r, b, RB_PICK_SLOT] = slot
    s.robot[0].i64[r, b, RB_CYCLE_START] = k
    s.robot[0].i32[r, b, RB_PHASE] = PH_TO_PICK
    robot_start_move(m, s, r, e, b, m.robot[0].task_pick_conf[task], 0, k)


@wp.func(inline=True)
def robot_pick_elem(m: Model, s: State, r: int, e: int) -> int:
    return s.robot[0].i32[r, m.robot[0].index[e], RB_PICK_ELEM]


@wp.func(inline=True)
def robot_pick_slot(m: Model, s: State, r: int, e: int) -> int:
    return s.robot[0].i32[r, m.robot[0].index[e], RB_PICK_SLOT]


@wp.func(inline=True)
def robot_set_task(m: Model, s: State, r: int, e: int, task: int):
    s.robot[0].i32[r, m.robot[0].index[e], RB_TASK] = task


@wp.func(inline=True)
def robot_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    """1 while lifting its gripped part (the only part it ever receives; flow.robot_next)."""
    if robot_lifting(m, s, r, y):
        return 1
    return 0


@wp.func(inline=True)
def robot_offer(m: Model, s: State, r: int, x: int, y: int):
    """The part robot x holds at the place y, or (-1, NEVER). A place element asking an idle robot
    for parts has (probably) just got room: the robot is woken to reconsider what it can serve."""
    b = m.robot[0].index[x]
    phase = s.robot[0].i32[r, b, RB_PHASE]
    slot = m.slot_start[x]
    if crew_held(s, r, x):
        return int(-1), NEVER
    if phase == PH_AT_PLACE and s.s32[r, slot, S_DEST] == y:
        return slot, s.s64[r, slot, S_STEP]
    if phase == PH_IDLE:
        wake(s, r, x)
    return int(-1), NEVER


@wp.func(inline=True)
def robot_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """The place element takes the part at step k: the robot releases it."""
    entry = s.s64[r, slot, S_ENTRY]
    b = m.robot[0].index[x]
    s.el32[r, x, E_COUNT] = 0
    s.robot[0].i32[r, b, RB_PHASE] = PH_RELEASE
    set_next_event(m, s, r, x, k + m.robot[0].release_steps[b])
    return entry


@wp.func(inline=True)
def robot_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """The gripped part (entered the plant at ``entry``) is on the robot at step k: carry it to the
    place of its task (chosen by flow.robot_next)."""
    b = m.robot[0].index[y]
    task = s.robot[0].i32[r, b, RB_TASK]
    slot = m.slot_start[y]
    s.s64[r, slot, S_ENTRY] = entry
    s.s64[r, slot, S_STEP] = k
    s.s32[r, slot, S_STATUS] = BUSY
    s.s32[r, slot, S_DEST] = m.robot[0].task_place[task]
    s.el32[r, y, E_COUNT] = 1
    s.robot[0].i32[r, b, RB_PHASE] = PH_TO_PLACE
    if in_window(s, k):
        s.robot[0].i64[r, b, RB_PICKS] = s.robot[0].i64[r, b, RB_PICKS] + wp.int64(1)
    robot_start_move(m, s, r, y, b, m.robot[0].task_place_conf[task], 1, k)


@wp.func(inline=True)
def robot_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The end of a move, grip or release at step k."""
    b = m.robot[0].index[e]
    phase = s.robot[0].i32[r, b, RB_PHASE]
    set_next_event(m, s, r, e, NEVER)
    if phase == PH_TO_PICK:
        s.robot[0].i32[r, b, RB_PHASE] = PH_GRIP
        set_next_event(m, s, r, e, k + m.robot[0].grip_steps[b])
    elif phase == PH_GRIP:
        s.robot[0].i32[r, b, RB_PHASE] = PH_LIFT
        wake(s, r, e)
    elif phase == PH_TO_PLACE:
        slot = m.slot_start[e]
        s.robot[0].i32[r, b, RB_PHASE] = PH_AT_PLACE
        s.s32[r, slot, S_STATUS] = DONE
        s.s64[r, slot, S_STEP] = k
        wake(s, r, s.s32[r, slot, S_DEST])
    elif phase == PH_RELEASE:
        s.robot[0].i32[r, b, RB_PHASE] = PH_IDLE
        s.el64[r, e, E_USES] = s.el64[r, e, E_USES] + wp.int64(1)
        if in_window(s, k):
            s.robot[0].i64[r, b, RB_CYCLES] = s.robot[0].i64[r, b, RB_CYCLES] + wp.int64(1)
            s.robot[0].i64[r, b, RB_CYCLE_SUM] = s.robot[0].i64[r, b, RB_CYCLE_SUM] + (
                k - s.robot[0].i64[r, b, RB_CYCLE_START])
        wake(s, r, e)


@wp.func(inline=True)
def robot_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    """down or service: stopped by the crew; else busy: moving, gripping, releasing; blocked:
    waiting at the place; idle: starved."""
    phase = s.robot[0].i32[r, m.robot[0].index[e], RB_PHASE]
    if s.el32[r, e, E_HOLD_FAIL] > 0:
        s.acc[r, e, A_DOWN] = s.acc[r, e, A_DOWN] + dt
    elif s.el32[r, e, E_HOLD_SERVICE] > 0:
        s.acc[r, e, A_SERVICE] = s.acc[r, e, A_SERVICE] + dt
    elif phase == PH_IDLE:
        s.acc[r, e, A_IDLE] = s.acc[r, e, A_IDLE] + dt
    elif phase == PH_AT_PLACE:
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + dt
    else:
        s.acc[r, e, A_BUSY] = s.acc[r, e, A_BUSY] + dt
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + wp.int64(s.el32[r, e, E_COUNT]) * dt


@wp.func(inline=True)
def robot_start(m: Model, s: State, r: int, e: int):
    """Idle at home (configuration 0), empty."""
    b = m.robot[0].index[e]
    s.robot[0].i32[r, b, RB_PHASE] = PH_IDLE
    s.robot[0].i32[r, b, RB_CONF] = 0
    s.robot[0].i32[r, b, RB_FROM] = 0
    s.robot[0].i32[r, b, RB_TASK] = -1
    s.el32[r, e, E_COUNT] = 0
    s.el64[r, e, ARM_LEFT] = wp.int64(-1)


@wp.func(inline=True)
def robot_moving(s: State, r: int, b: int) -> bool:
    phase = s.robot[0].i32[r, b, RB_PHASE]
    return phase == PH_TO_PICK or phase == PH_GRIP or phase == PH_TO_PLACE or phase == PH_RELEASE


@wp.func(inline=True)
def robot_work(m: Model, s: State, r: int, e: int, last: wp.int64, k: wp.int64):
    """Operating time: moving, gripping or releasing (not window-clipped)."""
    if robot_moving(s, r, m.robot[0].index[e]) and not crew_held(s, r, e):
        s.el64[r, e, E_WORK] = s.el64[r, e, E_WORK] + (k - last)


@wp.func(inline=True)
def robot_hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew stops the robot at step k; the caller accounted it. A timed phase pauses."""
    was_held = crew_held(s, r, e)
    count_hold(s, r, e, service, 1)
    if not was_held:
        s.el64[r, e, ARM_LEFT] = wp.int64(-1)
        if s.el64[r, e, E_NEXT] != NEVER:
            s.el64[r, e, ARM_LEFT] = s.el64[r, e, E_NEXT] - k
        set_next_event(m, s, r, e, NEVER)


@wp.func(inline=True)
def robot_release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew's work on the robot ends at step k: a paused phase resumes with the steps it had
    left, and the robot and the place it waits at look again for work."""
    count_hold(s, r, e, service, -1)
    if not crew_held(s, r, e):
        if s.el64[r, e, ARM_LEFT] >= wp.int64(0):
            set_next_event(m, s, r, e, k + s.el64[r, e, ARM_LEFT])
        s.el64[r, e, ARM_LEFT] = wp.int64(-1)
        wake(s, r, e)
        if s.robot[0].i32[r, m.robot[0].index[e], RB_PHASE] == PH_AT_PLACE:
            wake(s, r, s.s32[r, m.slot_start[e], S_DEST])


@wp.func(inline=True)
def robot_uses(m: Model, s: State, r: int, h: int, host: int) -> wp.int64:
    """Load-driven wear counts joint work (mJ: the whole arm's, or the joint's the component sits
    on); otherwise completed cycles."""
    if m.health[0].per_load[h] != 0:
        b = m.robot[0].index[host]
        j0 = m.robot[0].joint_start[b]
        part = m.health[0].part[h]
        if part >= 0:
            return s.robot[0].joint_mj[r, j0 + part]
        work = wp.int64(0)
        for j in range(j0, m.robot[0].joint_start[b + 1]):
            work = work + s.robot[0].joint_mj[r, j]
        return work
    return s.el64[r, host, E_USES]


def make_robot_pull(d):
    """The robot's ``pull`` hook on the element dispatch ``d`` (room, offer, account)."""
    room, offer, account = d.room, d.offer, d.account

    @wp.func(module="unique")
    def robot_place_with_room(m: Model, s: State, r: int, y: int, x: int, k: wp.int64) -> int:
        """The first task of robot y that picks at x and whose place has room now, or -1."""
        b = m.robot[0].index[y]
        for t in range(m.robot[0].task_start[b], m.robot[0].task_start[b + 1]):
            if m.robot[0].task_pick[t] == x and wp.static(room)(m, s, r, m.robot[0].task_place[t], k) > 0:
                return t
        return int(-1)

    @wp.func(module="unique")
    def robot_next(m: Model, s: State, r: int, y: int, k: wp.int64):
        """What robot y does when it is visited, as (element, slot) of the part it lifts out of its
        element now, or (-1, -1).

        * It has just gripped its claimed part: the part goes to the first place (of the tasks
          picking there) with room now, else to the place of the task it was claimed for; fill
          then takes it out of its element and hands it to the robot.
        * It is idle: it claims the part it serves next, of the parts its predecessors offer it
          whose task has a place with room the one that has waited longest (ties: predecessor
          order). The part stays in its element, bound to the robot, until the robot has gripped it.
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
                slot, ready = wp.static(offer)(m, s, r, x, y)
                if slot >= 0 and ready < best_step:
                    t = robot_place_with_room(m, s, r, y, x, k)
                    if t >= 0:
                        best_step = ready
                        best_slot = slot
                        best_x = x
                        best_task = t
            if best_slot >= 0:
                wp.static(account)(m, s, r, y, k)
                robot_claim(m, s, r, y, best_x, best_slot, best_task, k)
        return int(-1), int(-1)

    return robot_next


HOOKS = Hooks(room=robot_room, offer=robot_offer, take=robot_take,
              accept=robot_accept, event=robot_event, start=robot_start, account=robot_account, work=robot_work,
              hold=robot_hold, release=robot_release, uses=robot_uses, pull=make_robot_pull)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
# A robot's snapshot is its task (``equipment``): the phase, the task it serves, the configuration
# it is at or moving to (and from), the elapsed and remaining time of a move, grip or release, the
# age of the part it has claimed in its pick element (still there until gripped) and the time since
# the cycle began; the part it carries is its one part. Motion is deterministic (the move table),
# so a remaining time not given is the phase's duration less the elapsed time.
PHASES = {int(PH_IDLE): "idle", int(PH_TO_PICK): "to_pick", int(PH_GRIP): "gripping", int(PH_LIFT): "lifting",
          int(PH_TO_PLACE): "carrying", int(PH_AT_PLACE): "at_place", int(PH_RELEASE): "releasing"}
PHASE_CODES = {v: k for k, v in PHASES.items()}
CLAIMING = ("to_pick", "gripping", "lifting")   # a part claimed in the pick element
HOLDING = ("carrying", "at_place")              # the part on the robot
TIMED = ("to_pick", "gripping", "carrying", "releasing")
MOVES = ("to_pick", "carrying")
ROBOT_STATES = ("starved", "processing", "blocked", "held")  # idle, busy, waiting at the place, stopped by the crew
TASK_KEYS = ("phase", "task", "at", "from", "elapsed_s", "remaining_s", "claimed_age_s", "cycle_elapsed_s")


def _conf_name(c: int) -> str:
    """Configuration c of a robot: 0 home, then the pick and the place of every task."""
    return "home" if c == 0 else f"tasks[{(c - 1) // 2}].{'pick' if c % 2 else 'place'}"


def _conf_index(name: str, tasks: int) -> int:
    """The configuration named ``name``, or -1."""
    if name == "home":
        return 0
    for k in range(tasks):
        for j, end in enumerate(("pick", "place")):
            if name == f"tasks[{k}].{end}":
                return 1 + 2 * k + j
    return -1


def _robot_params(v, e):
    p = {k: v.param(f"robot.{k}") for k in ("index", "task_start", "task_pick", "task_place", "n_conf",
                                               "move_start", "move_steps", "grip_steps", "release_steps")}
    return int(p["index"][e]), p


def _phase_steps(p, b: int, phase: str, frm: int, to: int) -> int:
    """Steps of the timed phase: a move (from, to), the grip or the release."""
    if phase in MOVES:
        return int(p["move_steps"][int(p["move_start"][b]) + frm * int(p["n_conf"][b]) + to])
    return int(p["grip_steps"][b] if phase == "gripping" else p["release_steps"][b])


def robot_capture(v, e) -> dict:
    b, p = _robot_params(v, e)
    i32, i64 = v.struct("robot.i32")[b], v.struct("robot.i64")[b]
    phase = PHASES[int(i32[RB_PHASE])]
    t0 = int(p["task_start"][b])
    task = int(i32[RB_TASK])
    eq = {"phase": phase, "task": task - t0 if task >= 0 else None, "at": _conf_name(int(i32[RB_CONF]))}
    if phase != "idle":
        eq["cycle_elapsed_s"] = v.seconds(v.step - int(i64[RB_CYCLE_START]))
    held = int(v.el32[e, E_HOLD_FAIL]) > 0 or int(v.el32[e, E_HOLD_SERVICE]) > 0  # stopped by the crew
    if phase in TIMED:
        nxt = int(v.el64[e, E_NEXT])
        left = int(v.el64[e, ARM_LEFT]) if held else nxt - v.step  # paused by the crew: ARM_LEFT
        total = _phase_steps(p, b, phase, int(i32[RB_FROM]), int(i32[RB_CONF]))
        # the phase's time done; a stop does not count (motion is deterministic: the time left is
        # the phase's duration less this)
        elapsed = v.step - int(i64[RB_MOVE_START]) if phase in MOVES and not held else total - left
        eq.update(elapsed_s=v.seconds(elapsed), remaining_s=v.seconds(left))
        if phase in MOVES:
            eq["from"] = _conf_name(int(i32[RB_FROM]))
    parts = []
    if phase in CLAIMING:
        slot = int(i32[RB_PICK_SLOT])
        eq["claimed_age_s"] = v.seconds(v.step - int(v.s64[slot, S_ENTRY]))
    if phase in HOLDING:
        slot = int(v.slot_start[e])
        part = {"age_s": v.seconds(v.step - int(v.s64[slot, S_ENTRY])), "status": _part_status(phase, held)}
        if phase == "at_place":
            part["elapsed_s"] = v.seconds(v.step - int(v.s64[slot, S_STEP]))
        parts.append(part)
    state = "held" if held else "starved" if phase == "idle" else "blocked" if phase == "at_place" else "processing"
    return {"state": state, "parts": parts, "equipment": eq}


def _part_status(phase: str, held: bool) -> str:
    """The carried part's status: moving (processing; paused while the crew holds the robot) or
    waiting at the place (blocked)."""
    return ("paused" if held else "processing") if phase == "carrying" else "blocked"


def robot_restore(v, e, st) -> None:
    """The robot's task into its rows; its claimed part is bound to it by ``robot_link`` (the pick
    element is written by then). A remaining time not given is the (deterministic) duration of the
    phase less the elapsed time, at least 0. A robot ``held`` by the crew keeps its phase paused
    with the steps it has left (ARM_LEFT, as ``robot_hold``); the crew's restore counts the hold."""
    b, p = _robot_params(v, e)
    eq = st.equipment
    i32, i64 = v.struct("robot.i32"), v.struct("robot.i64")
    phase = eq["phase"]
    tasks = int(p["task_start"][b + 1]) - int(p["task_start"][b])
    task = eq.get("task")
    to = _conf_index(eq.get("at", "home"), tasks)
    frm = _conf_index(eq["from"], tasks) if phase in MOVES else to
    i32[:, b, RB_PHASE] = PHASE_CODES[phase]
    i32[:, b, RB_CONF] = to
    i32[:, b, RB_FROM] = frm
    i32[:, b, RB_TASK] = -1 if task is None else int(p["task_start"][b]) + task
    i32[:, b, RB_PICK_ELEM] = -1
    i32[:, b, RB_PICK_SLOT] = -1
    i64[:, b, RB_CYCLE_START] = -v.steps(eq.get("cycle_elapsed_s") or 0.0)
    v.el64[:, e, ARM_LEFT] = -1
    v.el32[:, e, E_COUNT] = 0
    nxt = int(NEVER)
    if phase in TIMED:
        total = _phase_steps(p, b, phase, frm, to)
        elapsed = eq.get("elapsed_s")
        if eq.get("remaining_s") is not None:
            nxt = int(v.steps(eq["remaining_s"]))
            elapsed = elapsed if elapsed is not None else v.seconds(total - nxt)
        else:
            nxt = max(total - int(v.steps(elapsed or 0.0)), 0)
        i64[:, b, RB_MOVE_START] = -v.steps(elapsed or 0.0) if phase in MOVES else 0
        if st.state == "held":  # paused (robot_hold): no event until the crew releases it
            v.el64[:, e, ARM_LEFT] = nxt
            nxt = int(NEVER)
    if phase in HOLDING:
        slot = int(v.slot_start[e])
        part = st.parts[0]
        v.el32[:, e, E_COUNT] = 1
        v.s64[:, slot, S_ENTRY] = -v.steps(part.age_s)
        v.s32[:, slot, S_DEST] = int(p["task_place"][int(p["task_start"][b]) + task])
        if phase == "carrying":
            v.s32[:, slot, S_STATUS] = int(BUSY)
            v.s64[:, slot, S_STEP] = i64[:, b, RB_MOVE_START]  # it was lifted when the move began
        else:
            v.s32[:, slot, S_STATUS] = int(DONE)
            v.s64[:, slot, S_STEP] = -v.steps(part.elapsed_s or 0.0)
    v.schedule(e, nxt)


def robot_link(v, e, st):
    """A robot that has claimed a part (moving to pick it, gripping, lifting) binds it in its pick
    element: the part of that element entered ``claimed_age_s`` ago, ready to leave (finished),
    else the first such part among the element's parts."""
    eq = st.equipment
    if eq["phase"] not in CLAIMING:
        return None
    b, p = _robot_params(v, e)
    x = int(p["task_pick"][int(p["task_start"][b]) + eq["task"]])
    start, count = int(v.slot_start[x]), int(v.el32[0, x, E_COUNT])
    entry = -int(v.steps(eq["claimed_age_s"]))
    slots = range(start, start + int(v.capacity[x]))
    match = [s for s in slots if int(v.s64[0, s, S_ENTRY]) == entry and int(v.s32[0, s, S_STATUS]) == int(DONE)]
    match += [s for s in slots if int(v.s64[0, s, S_ENTRY]) == entry and s - start < count]
    if not match:
        return (f"equipment.claimed_age_s: no part of age {eq['claimed_age_s']:g} s in its pick element "
                f"'{v.spec(x).name}' (the part it claimed must be there)")
    v.s32[:, match[0], S_DEST] = e  # bound to the robot (robot_claim)
    v.struct("robot.i32")[:, b, RB_PICK_ELEM] = x
    v.struct("robot.i32")[:, b, RB_PICK_SLOT] = match[0]
    return None


def robot_check(spec, st):
    eq = st.equipment
    problem = equipment_problem(eq, TASK_KEYS, "its task: phase, task, at, ...")
    if problem:
        return problem
    phase = eq.get("phase")
    if phase not in PHASE_CODES:
        return f"equipment.phase: unknown phase {phase!r} (known: {', '.join(PHASE_CODES)})"
    n = len(spec.tasks)
    task = eq.get("task")
    if task is not None and (isinstance(task, bool) or not isinstance(task, int) or not 0 <= task < n):
        return f"equipment.task: the robot has no task {task!r} (it has tasks 0 to {n - 1})"
    if task is None and phase != "idle":
        return f"equipment.task: a robot that is {phase} serves a task (0 to {n - 1})"
    for key in ("at", "from"):
        if key in eq and _conf_index(eq[key], n) < 0:
            return (f"equipment.{key}: the robot has no configuration {eq[key]!r} (home, tasks[k].pick, "
                    f"tasks[k].place for k in 0 to {n - 1})")
    if phase in MOVES and "from" not in eq:
        return "equipment.from: a moving robot needs the configuration its move started from"
    for key in ("elapsed_s", "remaining_s", "claimed_age_s", "cycle_elapsed_s"):
        x = eq.get(key)
        if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float)) or not x >= 0):
            return f"equipment.{key} must be a number of seconds >= 0, got {x!r}"
    if phase in CLAIMING and eq.get("claimed_age_s") is None:
        return f"equipment.claimed_age_s: a robot {phase} has claimed a part in its pick element: give its age"
    want = 1 if phase in HOLDING else 0
    if len(st.parts) != want:
        return f"a robot {phase} holds {want} part(s), the snapshot gives {len(st.parts)}"
    if st.state and st.state not in ROBOT_STATES:
        return f"unknown state {st.state!r} (known: {', '.join(ROBOT_STATES)})"
    for part in st.parts:
        ok = _part_status(phase, st.state == "held")
        if part.status != ok:
            return f"the part of a robot {phase} is {ok}, not {part.status!r}"
    if task is not None and phase != "idle":
        t = spec.tasks[task]
        expect = {"to_pick": f"tasks[{task}].pick", "gripping": f"tasks[{task}].pick", "lifting": f"tasks[{task}].pick",
                  "carrying": f"tasks[{task}].place", "at_place": f"tasks[{task}].place",
                  "releasing": f"tasks[{task}].place"}[phase]
        if eq.get("at", expect) != expect:
            return (f"equipment.at: a robot {phase} for task {task} ({t.pick} -> {t.place}) is at or moving to "
                    f"{expect}, not {eq['at']!r}")
    return None


def robot_host_uses(v, h, host) -> int:
    """kernels ``robot_uses`` on the host: joint work (mJ) for load-driven wear, else cycles.
    (A restore leaves the joint work and E_USES at 0.)"""
    if int(v.param("health.per_load")[h]) != 0:
        b = int(v.param("robot.index")[host])
        j0, j1 = (int(x) for x in v.param("robot.joint_start")[b:b + 2])
        part = int(v.param("health.part")[h])
        mj = v.struct("robot.joint_mj")
        return int(mj[j0 + part]) if part >= 0 else int(mj[j0:j1].sum())
    return int(v.el64[host, E_USES])


# ---- the live wire (kernels/hooks.py SnapshotHooks.wire) -------------------------------------------
# What a robot cell's controller reports: its state and program phase, the task (job) it runs,
# the configuration it is at or moving to and from, how long the phase and the cycle have run,
# the age of the part it has claimed and the part in its gripper. Motion is deterministic, so the
# phase's elapsed time gives its time left; no emulator notes are needed (the kernels keep when a
# move and a cycle began).
ROBOT_PARTS = ("part_status", "part_age_s", "part_elapsed_s")
ROBOT_TIMES = {"phase_elapsed_s": "elapsed_s", "cycle_elapsed_s": "cycle_elapsed_s",
               "claimed_age_s": "claimed_age_s"}  # wire field -> equipment key
ROBOT_WIRE = (("state", "text"), ("phase", "text"), ("task", "text"), ("at", "text"), ("from", "text"),
              ("phase_elapsed_s", "float"), ("cycle_elapsed_s", "float"), ("claimed_age_s", "float"),
              ("part_status", "texts"), ("part_age_s", "floats"), ("part_elapsed_s", "floats"))


def _task_name(task) -> str:
    return "" if task is None else f"tasks[{task}]"


def robot_encode(st) -> dict:
    eq = st.equipment
    out = {"state": st.state, "phase": eq["phase"], "task": _task_name(eq.get("task")), "at": eq.get("at", "home"),
           "from": eq.get("from", "")}
    out.update({f: wire_number(eq.get(key)) for f, key in ROBOT_TIMES.items()})
    out.update(encode_parts(st.parts, ROBOT_PARTS))
    return out


def robot_decode(get, spec) -> dict:
    task = get("task", "")
    eq = {"phase": get("phase", "idle"), "task": _task_index(task, len(spec.tasks)) if task else None,
          "at": get("at", "home")}
    if get("from", ""):
        eq["from"] = get("from")
    for f, key in ROBOT_TIMES.items():
        x = wire_optional(get(f))
        if x is not None:
            eq[key] = x
    return {"state": get("state", "starved"), "parts": decode_parts(get, ROBOT_PARTS), "equipment": eq}


def _task_index(name: str, tasks: int) -> int | None:
    """Task k of a wire name "tasks[k]", or None."""
    return next((k for k in range(tasks) if name == f"tasks[{k}]"), None)


def robot_plausible(spec, plant, field, value):
    n = len(spec.tasks)
    if field == "state" and value not in ROBOT_STATES:
        return f"{spec.name}.state: unknown state code {value!r} (known: {', '.join(ROBOT_STATES)})"
    if field == "phase" and value not in PHASE_CODES:
        return f"{spec.name}.phase: unknown phase code {value!r} (known: {', '.join(PHASE_CODES)})"
    if field == "task" and value and _task_index(value, n) is None:
        return f"{spec.name}.task: the robot has no task {value!r} (tasks[0] to tasks[{n - 1}], or empty: none)"
    if field in ("at", "from") and (value or field == "at") and _conf_index(value, n) < 0:
        return f"{spec.name}.{field}: the robot has no configuration {value!r} (home, tasks[k].pick, tasks[k].place)"
    if field == "part_status":
        bad = [x for x in value if x not in PART_STATUS]
        if bad:
            return f"{spec.name}.part_status: unknown state code {bad[0]!r} (known: {', '.join(PART_STATUS)})"
        if len(value) > 1:
            return f"{spec.name}.part_status: {len(value)} parts in a gripper that holds one"
    return None


SNAPSHOT = SnapshotHooks(capture=robot_capture, restore=robot_restore, check=robot_check,
                         arrays=("robot.i32", "robot.i64"), link=robot_link, uses=robot_host_uses,
                         wire=ROBOT_WIRE, encode=robot_encode, decode=robot_decode, plausible=robot_plausible)
