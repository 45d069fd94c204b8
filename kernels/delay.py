"""Delays: a part spends a fixed or random time in the element (an AGV hop, a cooling rack),
then waits there until its successor takes it (blocking). Up to ``capacity`` parts at once, each
on its own clock; finished parts leave in the order their delay ended (ties: slot order).

Each part is a slot: BUSY (S_STEP = step its delay ends), DONE (delay over, waiting; S_STEP = the
step it ended) or IDLE (free). A part takes the first free slot, so the slots in use stay below a
high-water mark (DL_HIGH) and an unlimited delay (plant.unbounded_storage slots) costs per event
what its largest content costs, not its reserve.
"""

import numpy as np
import warp as wp

from .common import finish, known_index, oldest_done, start_in_free_slot, take_done
from .hooks import PART_ARRAYS, Hooks, SnapshotHooks, decode_parts, encode_parts
from .loads import int_at
from .layout import (A_BLOCKED, A_BUSY, A_HELD, BUSY, DONE, E_BUSY, E_COUNT, E_DONE, E_NEXT, EL32_TABLE, NEVER,
                     R_OVERFLOW, S_DEST, S_ENTRY, S_STATUS, S_STEP, Model, State)
from .next_event import set_next_event
from .tables import Column

wp.set_module_options({"enable_backward": False})

(DL_HIGH,) = EL32_TABLE.kind_columns("delay", __name__, Column(
    "DL_HIGH", "high", "slots", "high-water mark: slots [0, DL_HIGH) may be in use"))


@wp.func(inline=True)
def delay_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    return int_at(m.capacity, y) - s.el32[r, y, E_COUNT]


@wp.func(inline=True)
def delay_full(m: Model, s: State, r: int, y: int):
    """An unlimited delay that runs out of its reserved storage flags the replica (an error)."""
    if int_at(m.bounded, y) == 0 and s.rep64[r, R_OVERFLOW] == wp.int64(0):
        s.rep64[r, R_OVERFLOW] = wp.int64(y + 1)


@wp.func(inline=True)
def delay_offer(m: Model, s: State, r: int, x: int, y: int):
    """The part for y whose delay ended first: (slot, step it ended) or (-1, NEVER)."""
    best = int(-1)
    best_step = NEVER
    if s.el32[r, x, E_DONE] > 0:
        best, best_step = oldest_done(s, r, known_index(int_at(m.slot_start, x)), s.el32[r, x, DL_HIGH], y)
    return best, best_step


@wp.func(inline=True)
def delay_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    """The part starts its delay in the first free slot."""
    i, done_at = start_in_free_slot(m, s, r, y, entry, k)
    if i < 0:
        return
    s.el32[r, y, DL_HIGH] = wp.max(s.el32[r, y, DL_HIGH], i + 1)
    set_next_event(m, s, r, y, wp.min(s.el64[r, y, E_NEXT], done_at))


@wp.func(inline=True)
def delay_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """Delays that end at step k; the next end."""
    start = known_index(int_at(m.slot_start, e))
    nxt = NEVER
    for i in range(s.el32[r, e, DL_HIGH]):
        slot = start + i
        if s.s32[r, slot, S_STATUS] == BUSY:
            if s.s64[r, slot, S_STEP] == k:
                finish(m, s, r, e, slot)
            else:
                nxt = wp.min(nxt, s.s64[r, slot, S_STEP])
    set_next_event(m, s, r, e, nxt)


@wp.func(inline=True)
def delay_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    """Part-steps held, in their delay (busy) and waiting for the successor (blocked)."""
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + wp.int64(s.el32[r, e, E_COUNT]) * dt
    s.acc[r, e, A_BUSY] = s.acc[r, e, A_BUSY] + wp.int64(s.el32[r, e, E_BUSY]) * dt
    s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + wp.int64(s.el32[r, e, E_DONE]) * dt


HOOKS = Hooks(room=delay_room, offer=delay_offer, take=take_done, accept=delay_accept, full=delay_full,
              event=delay_event, account=delay_account)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
def delay_capture(v, e) -> dict:
    """Parts in their delay (``processing``, ``remaining_s`` exact; the elapsed time is not kept)
    or done and waiting for the successor (``blocked``, ``elapsed_s`` since the delay ended), in
    slot order."""
    parts = []
    start = int(v.slot_start[e])
    for i in range(int(v.el32[e, DL_HIGH])):
        slot = start + i
        status, t = int(v.s32[slot, S_STATUS]), int(v.s64[slot, S_STEP])
        age = v.seconds(v.step - int(v.s64[slot, S_ENTRY]))
        if status == int(BUSY):
            parts.append({"age_s": age, "status": "processing", "remaining_s": v.seconds(t - v.step)})
        elif status == int(DONE):
            parts.append({"age_s": age, "status": "blocked", "elapsed_s": v.seconds(v.step - t)})
    return {"parts": parts}


def delay_restore(v, e, st) -> None:
    """Parts in slots 0..n-1; a delay under way gets its remaining time (exact if known, else
    drawn conditioned on its elapsed time); the element's next event is the earliest end."""
    start = int(v.slot_start[e])
    busy = sum(p.status == "processing" for p in st.parts)
    nxt = None
    for i, p in enumerate(st.parts):
        slot = start + i
        v.s64[:, slot, S_ENTRY] = -v.steps(p.age_s)
        if p.status == "processing":
            left = v.duration(e, "delay", p.remaining_s, p.elapsed_s)
            v.s32[:, slot, S_STATUS] = int(BUSY)
            v.s64[:, slot, S_STEP] = left
            nxt = left if nxt is None else np.minimum(nxt, left)
        else:
            v.s32[:, slot, S_STATUS] = int(DONE)
            v.s64[:, slot, S_STEP] = -v.steps(p.elapsed_s or 0.0)
            v.s32[:, slot, S_DEST] = v.dest(e)
    v.el32[:, e, E_COUNT] = len(st.parts)
    v.el32[:, e, E_BUSY] = busy
    v.el32[:, e, E_DONE] = len(st.parts) - busy
    v.el32[:, e, DL_HIGH] = len(st.parts)
    v.schedule(e, NEVER if nxt is None else nxt)


def delay_check(spec, st):
    for p in st.parts:
        if p.status not in ("processing", "blocked"):
            return f"a part in a delay is processing (in its delay) or blocked (done, waiting), not {p.status!r}"
        if p.status == "processing" and p.elapsed_s is None and p.remaining_s is None \
                and not spec.delay.memoryless:
            return "a part in its delay needs elapsed_s (the delay time is not memoryless)"
    return None


DELAY_PARTS = ("part_status", "part_age_s", "part_elapsed_s")  # in slot order


def delay_plausible(spec, plant, field, value):
    if field == "part_status":
        bad = [x for x in value if x not in ("processing", "blocked")]
        if bad:
            return f"{spec.name}.{field}: unknown state code {bad[0]!r} (known: processing, blocked)"
    if field in DELAY_PARTS and len(value) > spec.kernel_capacity(plant):
        return f"{spec.name}.{field}: {len(value)} parts in a delay that holds {spec.kernel_capacity(plant)}"
    return None


def _held(a, e, slots):
    """The slots that hold a part (in their delay or done), in slot order (as delay_capture lists them)."""
    return [s for s in slots[:int(a["el32"][e, DL_HIGH])] if int(a["s32"][s, S_STATUS]) in (int(BUSY), int(DONE))]


def delay_track(t, e, k) -> None:
    """When each slot's part started its delay (the kernels keep only when it ends)."""
    n, a, p = t.notes(e), t.now, t.prev
    if p is None:
        n["started"] = {int(s): 0 for s in t.slots(e)}
        return
    for s in t.slots(e)[:int(a["el32"][e, DL_HIGH])]:  # the slots in use
        if a["s32"][s, S_STATUS] == int(BUSY) and (p["s32"][s, S_STATUS] != int(BUSY)
                                                   or a["s64"][s, S_STEP] != p["s64"][s, S_STEP]):
            n["started"][int(s)] = k


def delay_observe(t, e, st, k) -> None:
    started = t.notes(e)["started"]
    for part, s in zip(st.parts, _held(t.now, e, t.slots(e))):
        if part.status == "processing":
            part.elapsed_s = (k - started[int(s)]) * t.dt


SNAPSHOT = SnapshotHooks(capture=delay_capture, restore=delay_restore, check=delay_check,
                         wire=tuple((f, PART_ARRAYS[f][1]) for f in DELAY_PARTS),
                         encode=lambda st: encode_parts(st.parts, DELAY_PARTS),
                         decode=lambda get, spec: {"parts": decode_parts(get, DELAY_PARTS)},
                         plausible=delay_plausible, track=delay_track, observe=delay_observe)
