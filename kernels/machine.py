"""Machines: ``capacity`` parallel servers, random process times, blocking after service, and
stops: random failures (time- or operation-dependent) and holds by the maintenance crew (a
failed health component, or a preventive service). While stopped, parts in process pause and
resume where they stopped (preempt-resume); a stopped machine accepts no parts.

Each server is a slot: IDLE, BUSY (S_STEP = completion step), DONE (finished, waiting for its
successor; S_STEP = completion step) or PAUSED (in process while stopped; S_STEP = steps of work
left).
"""

import numpy as np
import warp as wp

from .hooks import PART_STATUS, Hooks, SnapshotHooks, wire_number, wire_optional
from .common import count_hold, crew_held, finish, known_index, offer_done, start_in_free_slot, take_done, wake
from .loads import int_at
from .layout import (A_BLOCKED, A_BUSY, A_DOWN, A_HELD, A_IDLE, A_SERVICE, BUSY, DONE, E_BUSY, E_COUNT, E_DONE,
                     E_DOWN, E_FAIL, E_FAIL_LEFT, E_HOLD_FAIL, E_HOLD_SERVICE, E_NEXT, E_REPAIR, E_STAT, E_WORK,
                     FAIL_OPERATION, FAIL_TIME, IDLE, NEVER, PAUSED, RNG_TBF, RNG_TTR, S_DEST, S_ENTRY,
                     S_STATUS, S_STEP, Model, State)
from .next_event import set_next_event
from .sampling import sample_steps
from .status import ST_BLOCKED, ST_BUSY, ST_DOWN, ST_IDLE

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def machine_stopped(s: State, r: int, e: int) -> bool:
    return s.el32[r, e, E_DOWN] != 0 or crew_held(s, r, e)


@wp.func(inline=True)
def machine_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    if machine_stopped(s, r, y):
        return 0
    return int_at(m.capacity, y) - s.el32[r, y, E_COUNT]


@wp.func(inline=True)
def machine_next_event(m: Model, s: State, r: int, e: int) -> wp.int64:
    if s.el32[r, e, E_DOWN] != 0:
        return s.el64[r, e, E_REPAIR]
    nxt = s.el64[r, e, E_FAIL]
    slot = known_index(int_at(m.slot_start, e))
    end = slot + int_at(m.capacity, e)
    while slot < end:  # while, not range(): kernels/flow.py best_offer
        if s.s32[r, slot, S_STATUS] == BUSY:
            nxt = wp.min(nxt, s.s64[r, slot, S_STEP])
        slot += 1
    return nxt


@wp.func(inline=True)
def machine_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """Starts the part on an idle server (the machine runs and has one)."""
    i, done_at = start_in_free_slot(m, s, r, y, entry, k)
    if i < 0:
        return
    nxt = wp.min(s.el64[r, y, E_NEXT], done_at)
    if int_at(m.fail_mode, y) == FAIL_OPERATION and s.el32[r, y, E_BUSY] == 1:
        s.el64[r, y, E_FAIL] = k + s.el64[r, y, E_FAIL_LEFT]  # the failure clock runs again
        nxt = wp.min(nxt, s.el64[r, y, E_FAIL])
    set_next_event(m, s, r, y, nxt)


@wp.func(inline=True)
def machine_pause(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The machine stops at step k: parts in process pause; an operation-dependent failure clock stops."""
    start = known_index(int_at(m.slot_start, e))
    for i in range(int_at(m.capacity, e)):
        slot = start + i
        if s.s32[r, slot, S_STATUS] == BUSY:
            s.s32[r, slot, S_STATUS] = PAUSED
            s.s64[r, slot, S_STEP] = s.s64[r, slot, S_STEP] - k  # steps of work left
    s.el32[r, e, E_BUSY] = 0
    if int_at(m.fail_mode, e) == FAIL_OPERATION and s.el64[r, e, E_FAIL] != NEVER:
        s.el64[r, e, E_FAIL_LEFT] = s.el64[r, e, E_FAIL] - k
        s.el64[r, e, E_FAIL] = NEVER


@wp.func(inline=True)
def machine_resume(m: Model, s: State, r: int, e: int, k: wp.int64):
    """The machine runs again at step k: paused parts continue; it may pull parts."""
    start = known_index(int_at(m.slot_start, e))
    busy = int(0)
    for i in range(int_at(m.capacity, e)):
        slot = start + i
        if s.s32[r, slot, S_STATUS] == PAUSED:
            s.s32[r, slot, S_STATUS] = BUSY
            s.s64[r, slot, S_STEP] = k + s.s64[r, slot, S_STEP]
            busy += 1
    s.el32[r, e, E_BUSY] = busy
    if int_at(m.fail_mode, e) == FAIL_OPERATION and busy > 0 and s.el64[r, e, E_FAIL] == NEVER:
        s.el64[r, e, E_FAIL] = k + s.el64[r, e, E_FAIL_LEFT]
    wake(s, r, e)


@wp.func(inline=True)
def machine_hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    """The crew stops the machine (a failed component, or a service); the caller accounted it."""
    was_stopped = machine_stopped(s, r, e)
    count_hold(s, r, e, service, 1)
    if not was_stopped:
        machine_pause(m, s, r, e, k)
    set_next_event(m, s, r, e, machine_next_event(m, s, r, e))


@wp.func(inline=True)
def machine_release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
    count_hold(s, r, e, service, -1)
    if not machine_stopped(s, r, e):
        machine_resume(m, s, r, e, k)
    set_next_event(m, s, r, e, machine_next_event(m, s, r, e))


@wp.func(inline=True)
def machine_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Completions, then a random failure, or a repair, due at step k."""
    start = known_index(int_at(m.slot_start, e))
    cap = int_at(m.capacity, e)
    if s.el32[r, e, E_DOWN] == 0:
        slot = start
        while slot < start + cap:  # while, not range(): kernels/flow.py best_offer
            if s.s32[r, slot, S_STATUS] == BUSY and s.s64[r, slot, S_STEP] == k:
                finish(m, s, r, e, slot)
            slot += 1
        if s.el64[r, e, E_FAIL] == k:
            if not crew_held(s, r, e):
                machine_pause(m, s, r, e, k)
            s.el32[r, e, E_DOWN] = 1
            s.el64[r, e, E_FAIL] = NEVER
            s.el64[r, e, E_REPAIR] = k + sample_steps(m, s, r, e, RNG_TTR, int_at(m.ttr_dist, e))
        elif int_at(m.fail_mode, e) == FAIL_OPERATION and s.el32[r, e, E_BUSY] == 0 and s.el64[r, e, E_FAIL] != NEVER:
            s.el64[r, e, E_FAIL_LEFT] = s.el64[r, e, E_FAIL] - k  # idle: the failure clock stops
            s.el64[r, e, E_FAIL] = NEVER
    elif s.el64[r, e, E_REPAIR] == k:
        s.el32[r, e, E_DOWN] = 0
        s.el64[r, e, E_REPAIR] = NEVER
        up = sample_steps(m, s, r, e, RNG_TBF, int_at(m.tbf_dist, e))
        if int_at(m.fail_mode, e) == FAIL_TIME:
            s.el64[r, e, E_FAIL] = k + up
        else:
            s.el64[r, e, E_FAIL_LEFT] = up
        if not crew_held(s, r, e):
            machine_resume(m, s, r, e, k)
    set_next_event(m, s, r, e, machine_next_event(m, s, r, e))


@wp.func(inline=True)
def machine_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    cap = wp.int64(int_at(m.capacity, e))
    count = wp.int64(s.el32[r, e, E_COUNT])
    if s.el32[r, e, E_DOWN] != 0 or s.el32[r, e, E_HOLD_FAIL] > 0:
        s.acc[r, e, A_DOWN] = s.acc[r, e, A_DOWN] + cap * dt
    elif s.el32[r, e, E_HOLD_SERVICE] > 0:
        s.acc[r, e, A_SERVICE] = s.acc[r, e, A_SERVICE] + cap * dt
    else:
        s.acc[r, e, A_BUSY] = s.acc[r, e, A_BUSY] + wp.int64(s.el32[r, e, E_BUSY]) * dt
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + wp.int64(s.el32[r, e, E_DONE]) * dt
        s.acc[r, e, A_IDLE] = s.acc[r, e, A_IDLE] + (cap - count) * dt
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt


@wp.func(inline=True)
def machine_work(m: Model, s: State, r: int, e: int, last: wp.int64, k: wp.int64):
    """Operating time since the last change (not clipped to the statistics window)."""
    if s.el32[r, e, E_BUSY] > 0:
        s.el64[r, e, E_WORK] = s.el64[r, e, E_WORK] + (k - last)


@wp.func(inline=True)
def machine_start(m: Model, s: State, r: int, e: int):
    if int_at(m.fail_mode, e) == FAIL_TIME:
        s.el64[r, e, E_FAIL] = sample_steps(m, s, r, e, RNG_TBF, int_at(m.tbf_dist, e))
        set_next_event(m, s, r, e, s.el64[r, e, E_FAIL])
    elif int_at(m.fail_mode, e) == FAIL_OPERATION:
        s.el64[r, e, E_FAIL_LEFT] = sample_steps(m, s, r, e, RNG_TBF, int_at(m.tbf_dist, e))


@wp.func(inline=True)
def machine_status(m: Model, s: State, r: int, e: int, k: wp.int64) -> int:
    """Down (a random failure, a failed component, or a service), busy, blocked or idle."""
    if machine_stopped(s, r, e):
        return ST_DOWN
    if s.el32[r, e, E_BUSY] > 0:
        return ST_BUSY
    if s.el32[r, e, E_DONE] > 0:
        return ST_BLOCKED
    return ST_IDLE


HOOKS = Hooks(room=machine_room, offer=offer_done, take=take_done,
              accept=machine_accept, event=machine_event, start=machine_start, account=machine_account,
              work=machine_work, hold=machine_hold, release=machine_release, status=machine_status)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
MACHINE_STATES = ("processing", "blocked", "starved", "down", "held")  # held: stopped by the maintenance crew


def machine_state_of(parts, down: bool, held: bool = False) -> str:
    """A machine's state from its parts (snapshot Parts), whether it is down (a random failure)
    and whether the maintenance crew holds it (a failed or serviced health component)."""
    if down:
        return "down"
    if held:
        return "held"
    if any(p.status == "processing" for p in parts):
        return "processing"
    return "blocked" if parts else "starved"


def machine_capture(v, e) -> dict:
    """Servers in slot order: ``processing`` (``remaining_s`` exact; the elapsed time is not
    kept), ``blocked`` (done, ``elapsed_s`` since) or ``paused`` (``remaining_s``: work left);
    the repair time left when down, else the time (or operating time) to the next failure."""
    el64, el32 = v.el64[e], v.el32[e]
    start, cap, step, dt = int(v.slot_start[e]), int(v.capacity[e]), v.step, v.dt
    out = {}
    parts = []
    for j in range(cap):
        slot = start + j
        status = int(v.s32[slot, S_STATUS])
        if status == int(IDLE):
            continue
        age = (step - int(v.s64[slot, S_ENTRY])) * dt
        t = int(v.s64[slot, S_STEP])
        if status == int(BUSY):
            parts.append({"age_s": age, "status": "processing", "remaining_s": (t - step) * dt})
        elif status == int(DONE):
            parts.append({"age_s": age, "status": "blocked", "elapsed_s": (step - t) * dt})
        else:
            parts.append({"age_s": age, "status": "paused", "remaining_s": t * dt})
    out["parts"] = parts
    failures = v.spec(e).failures
    if bool(el32[E_DOWN]):
        out["state"] = "down"
        out["repair_remaining_s"] = (int(el64[E_REPAIR]) - step) * dt
    else:
        held = int(el32[E_HOLD_FAIL]) > 0 or int(el32[E_HOLD_SERVICE]) > 0  # the crew's holds: kernels/health.py
        out["state"] = "held" if held else "processing" if any(p["status"] == "processing" for p in parts) else \
            "blocked" if parts else "starved"
        if failures is not None and failures.mode == "time":
            out["failure_in_s"] = (int(el64[E_FAIL]) - step) * dt
        elif failures is not None and failures.mode == "operation":
            f = int(el64[E_FAIL])
            out["failure_in_s"] = ((f - step) if f < int(NEVER) else int(el64[E_FAIL_LEFT])) * dt
    return out


def machine_restore(v, e, st) -> None:
    """Servers 0..n-1 get the parts; a process, repair or failure clock under way gets its
    remaining time (exact if known, else drawn conditioned on its elapsed time); the next event
    is the repair when down, else the earliest of the failure and the first completion."""
    R = v.el64.shape[0]
    start = int(v.slot_start[e])
    down = st.state == "down"
    busy = np.zeros(R, np.int64)
    next_done = np.full(R, int(NEVER), np.int64)
    for j, p in enumerate(st.parts):
        slot = start + j
        v.s64[:, slot, S_ENTRY] = -v.steps(p.age_s)
        if p.status == "processing":
            left = v.duration(e, "process", p.remaining_s, p.elapsed_s)
            v.s32[:, slot, S_STATUS] = int(BUSY)
            v.s64[:, slot, S_STEP] = left
            busy += 1
            next_done = np.minimum(next_done, left)
        elif p.status == "paused":
            v.s32[:, slot, S_STATUS] = int(PAUSED)
            v.s64[:, slot, S_STEP] = v.duration(e, "process", p.remaining_s, p.elapsed_s, least=1)
        else:  # blocked
            v.s32[:, slot, S_STATUS] = int(DONE)
            v.s64[:, slot, S_STEP] = -v.steps(p.elapsed_s or 0.0)
            v.s32[:, slot, S_DEST] = v.dest(e)
    v.el32[:, e, E_COUNT] = len(st.parts)
    v.el32[:, e, E_BUSY] = busy
    v.el32[:, e, E_DONE] = sum(p.status == "blocked" for p in st.parts)
    v.el32[:, e, E_DOWN] = int(down)
    f = v.spec(e).failures
    if down:
        v.el64[:, e, E_REPAIR] = v.duration(e, "failures.ttr", st.repair_remaining_s, st.repair_elapsed_s, least=1,
                                            purpose=int(RNG_TTR))
        v.schedule(e, v.el64[:, e, E_REPAIR])
        return
    fail = np.full(R, int(NEVER), np.int64)
    if f is not None:
        left = v.duration(e, "failures.tbf", st.failure_in_s, st.up_elapsed_s, purpose=int(RNG_TBF))
        if f.mode == "time":
            fail = left
        else:  # operation-dependent: the clock runs while a server is busy
            fail = np.where(busy > 0, left, int(NEVER))
            v.el64[:, e, E_FAIL_LEFT] = left
    v.el64[:, e, E_FAIL] = fail
    v.schedule(e, np.minimum(fail, next_done))


def machine_check(spec, st):
    if st.state and st.state not in MACHINE_STATES:
        return f"unknown state {st.state!r} (known: {', '.join(MACHINE_STATES)})"
    down = st.state == "down"
    stopped = down or st.state == "held"
    if down and spec.failures is None:
        return "down in the snapshot, but the plant gives it no failures"
    for p in st.parts:
        if p.status == "waiting":
            return "a part on a machine is processing, blocked or paused"
        if p.status == "paused" and not stopped:
            return "a paused part on a machine that is not down or held"
        if p.status == "processing" and stopped:
            return f"a processing part on a machine that is {st.state} (say paused)"
        if p.status in ("processing", "paused") and p.elapsed_s is None and p.remaining_s is None \
                and not spec.process.memoryless:
            return (f"a {p.status} part needs elapsed_s (its process time is not "
                    "memoryless, so the time already worked matters)")
    if st.state and st.state != machine_state_of(st.parts, down, st.state == "held"):
        return f"state {st.state!r} contradicts its parts ({', '.join(p.status for p in st.parts) or 'none'})"
    if down and st.repair_elapsed_s is None and st.repair_remaining_s is None \
            and not spec.failures.ttr.memoryless:
        return "down, but no repair_elapsed_s (its repair time is not memoryless)"
    return None


def machine_encode(st) -> dict:
    p = st.parts
    return {"state": st.state, "time_in_state_s": wire_number(st.time_in_state_s),
            "part_status": [x.status for x in p], "part_age_s": [x.age_s for x in p],
            "part_elapsed_s": [wire_number(x.elapsed_s) for x in p],
            "repair_elapsed_s": wire_number(st.repair_elapsed_s), "up_elapsed_s": wire_number(st.up_elapsed_s)}


def machine_decode(get, spec) -> dict:
    status, ages, elapsed = (list(get(f, [])) for f in ("part_status", "part_age_s", "part_elapsed_s"))
    if not (len(status) == len(ages) == len(elapsed)):
        raise ValueError(f"part_status, part_age_s and part_elapsed_s differ in length "
                         f"({len(status)}, {len(ages)}, {len(elapsed)})")
    return {"state": get("state", "starved"), "time_in_state_s": wire_optional(get("time_in_state_s")),
            "parts": [{"age_s": float(a), "status": s, "elapsed_s": wire_optional(x)}
                      for s, a, x in zip(status, ages, elapsed)],
            "repair_elapsed_s": wire_optional(get("repair_elapsed_s")),
            "up_elapsed_s": wire_optional(get("up_elapsed_s"))}


def machine_plausible(spec, plant, field, value):
    codes = {"state": MACHINE_STATES, "part_status": PART_STATUS}.get(field)
    if codes is None:
        return None
    vals = value if field == "part_status" else [value]
    bad = [x for x in vals if x not in codes]
    if bad:
        return f"{spec.name}.{field}: unknown state code {bad[0]!r} (known: {', '.join(codes)})"
    if field == "part_status" and len(vals) > spec.kernel_capacity(plant):
        return f"{spec.name}.{field}: {len(vals)} parts on {spec.kernel_capacity(plant)} servers"
    return None


def _machine_now(a, slots, e) -> str:
    st = a["s32"][slots, S_STATUS]
    held = int(a["el32"][e, E_HOLD_FAIL]) > 0 or int(a["el32"][e, E_HOLD_SERVICE]) > 0
    return "down" if bool(a["el32"][e, E_DOWN]) else "held" if held else "processing" if (st == int(BUSY)).any() else \
        "blocked" if (st == int(DONE)).any() else "starved"


def _operating_clock(a, e, k) -> int:
    """The machine's operating clock (steps busy since the start) at step k."""
    w = int(a["el64"][e, E_WORK])
    if a["el32"][e, E_BUSY] > 0:
        w += k - int(a["el64"][e, E_STAT])
    return w


def machine_track(t, e, k) -> None:
    """When each server's part (re)started work and how long it worked before a pause; when the
    machine went down, came back (and its operating clock then), and changed state."""
    n, a, p, slots = t.notes(e), t.now, t.prev, t.slots(e)
    if p is None:
        n.update(work_start={s: 0 for s in slots}, worked={s: 0 for s in slots}, down_since=0, up_since=0,
                 work_at_up=0, state_since=0, state=_machine_now(a, slots, e))
        return
    for slot in slots:
        st, was = a["s32"][slot, S_STATUS], p["s32"][slot, S_STATUS]
        if st == int(BUSY):
            if was == int(PAUSED):
                n["work_start"][slot] = k
            elif was != int(BUSY) or a["s64"][slot, S_STEP] != p["s64"][slot, S_STEP]:
                n["worked"][slot], n["work_start"][slot] = 0, k
        elif st == int(PAUSED) and was == int(BUSY):
            n["worked"][slot] += k - n["work_start"][slot]
    down, was_down = a["el32"][e, E_DOWN], p["el32"][e, E_DOWN]
    if down and not was_down:
        n["down_since"] = k
    elif was_down and not down:
        n["up_since"] = k
        n["work_at_up"] = _operating_clock(a, e, k)
    state = _machine_now(a, slots, e)
    if state != n["state"]:
        n["state_since"], n["state"] = k, state


def machine_observe(t, e, st, k) -> None:
    """Elapsed process times, the time in the current state, and the repair or failure clock."""
    n, a, dt, el = t.notes(e), t.now, t.dt, t.spec(e)
    busy_slots = [s for s in t.slots(e) if a["s32"][s, S_STATUS] != int(IDLE)]
    for part, slot in zip(st.parts, busy_slots):
        if part.status == "processing":
            part.elapsed_s = (int(n["worked"][slot]) + k - int(n["work_start"][slot])) * dt
        elif part.status == "paused":
            part.elapsed_s = int(n["worked"][slot]) * dt
    st.time_in_state_s = (k - int(n["state_since"])) * dt
    if st.state == "down":
        st.repair_elapsed_s = (k - int(n["down_since"])) * dt
    elif el.failures is not None:
        st.up_elapsed_s = (k - int(n["up_since"])) * dt if el.failures.mode == "time" else \
            (_operating_clock(a, e, k) - int(n["work_at_up"])) * dt
    assert st.state == machine_state_of(st.parts, st.state == "down", st.state == "held")


SNAPSHOT = SnapshotHooks(capture=machine_capture, restore=machine_restore, check=machine_check,
                         wire=(("state", "text"), ("time_in_state_s", "float"), ("part_status", "texts"),
                               ("part_age_s", "floats"), ("part_elapsed_s", "floats"),
                               ("repair_elapsed_s", "float"), ("up_elapsed_s", "float")),
                         encode=machine_encode, decode=machine_decode, plausible=machine_plausible,
                         track=machine_track, observe=machine_observe)
