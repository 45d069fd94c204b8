"""Buffers: FIFO queues held as a ring in the element's slots. A part's destination is drawn when
it enters; the part at the head waits for its destination (head-of-line)."""

import warp as wp

from .common import known_index, bound_for, choose_successor, wake, wake_receivers
from .hooks import Hooks, SnapshotHooks, restore_waiting, waiting_only, wire_number, wire_optional
from .loads import int_at
from .layout import (A_HELD, A_IDLE, ACC_TABLE, E_COUNT, E_HEAD, NEVER, R_OVERFLOW, S_DEST, S_ENTRY, S_STEP,
                     Model, State)
from .tables import Column

wp.set_module_options({"enable_backward": False})

# the buffer's own accumulator (kernels/tables.py): a buffer is never stopped for service
(BF_FULL,) = ACC_TABLE.kind_columns("buffer", __name__, Column(
    "BF_FULL", "full", "steps", "steps full", replaces="A_SERVICE"))


@wp.func(inline=True)
def buffer_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    return int_at(m.capacity, y) - s.el32[r, y, E_COUNT]


@wp.func(inline=True)
def buffer_full(m: Model, s: State, r: int, y: int):
    """An unbounded buffer that runs out of its reserved storage flags the replica (an error)."""
    if int_at(m.bounded, y) == 0 and s.rep64[r, R_OVERFLOW] == wp.int64(0):
        s.rep64[r, R_OVERFLOW] = wp.int64(y + 1)


@wp.func(inline=True)
def buffer_offer(m: Model, s: State, r: int, x: int, y: int):
    if s.el32[r, x, E_COUNT] > 0:
        slot = known_index(int_at(m.slot_start, x) + s.el32[r, x, E_HEAD])
        if bound_for(s, r, slot, y):
            return slot, s.s64[r, slot, S_STEP]
    return int(-1), NEVER


@wp.func(inline=True)
def buffer_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    entry = s.s64[r, slot, S_ENTRY]
    head = (s.el32[r, x, E_HEAD] + 1) % int_at(m.capacity, x)
    s.el32[r, x, E_HEAD] = head
    s.el32[r, x, E_COUNT] = s.el32[r, x, E_COUNT] - 1
    if s.el32[r, x, E_COUNT] > 0:
        new_head = known_index(int_at(m.slot_start, x) + head)
        s.s64[r, new_head, S_STEP] = k  # ready (at the head) from now
        wake_receivers(m, s, r, x, s.s32[r, new_head, S_DEST])
    wake(s, r, x)
    return entry


@wp.func(inline=True)
def buffer_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    count = s.el32[r, y, E_COUNT]
    slot = known_index(int_at(m.slot_start, y) + (s.el32[r, y, E_HEAD] + count) % int_at(m.capacity, y))
    s.s64[r, slot, S_STEP] = k
    s.s64[r, slot, S_ENTRY] = entry
    dest = choose_successor(m, s, r, y)
    s.s32[r, slot, S_DEST] = dest
    s.el32[r, y, E_COUNT] = count + 1
    if count == 0:
        wake_receivers(m, s, r, y, dest)


@wp.func(inline=True)
def buffer_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    count = wp.int64(s.el32[r, e, E_COUNT])
    s.acc[r, e, A_HELD] = s.acc[r, e, A_HELD] + count * dt
    if count == wp.int64(0):
        s.acc[r, e, A_IDLE] = s.acc[r, e, A_IDLE] + dt
    if int_at(m.bounded, e) != 0 and count == wp.int64(int_at(m.capacity, e)):
        s.acc[r, e, BF_FULL] = s.acc[r, e, BF_FULL] + dt


HOOKS = Hooks(room=buffer_room, offer=buffer_offer, take=buffer_take,
              accept=buffer_accept, full=buffer_full, account=buffer_account)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
def buffer_capture(v, e) -> dict:
    """Parts head first, their ages; the head's ``elapsed_s``: how long it has waited at the head."""
    start, cap = int(v.slot_start[e]), int(v.capacity[e])
    head = int(v.el32[e, E_HEAD])
    parts = []
    for j in range(int(v.el32[e, E_COUNT])):
        slot = start + (head + j) % cap
        waited = (v.step - int(v.s64[slot, S_STEP])) * v.dt if j == 0 else None
        parts.append({"age_s": (v.step - int(v.s64[slot, S_ENTRY])) * v.dt, "elapsed_s": waited})
    return {"parts": parts}


def buffer_restore(v, e, st) -> None:
    """Parts in slots 0..n-1 (head 0), each bound for its routing draw."""
    v.el32[:, e, E_COUNT] = len(st.parts)
    for j, p in enumerate(st.parts):  # only the head's wait is kept (S_STEP)
        restore_waiting(v, e, j, p.age_s, p.elapsed_s if j == 0 else 0.0)


def buffer_encode(st) -> dict:
    p = st.parts
    return {"level": len(p), "part_age_s": [x.age_s for x in p],
            "head_wait_s": wire_number(p[0].elapsed_s) if p else float("nan")}


def buffer_decode(get, spec) -> dict:
    n = int(get("level", 0))
    ages = list(get("part_age_s", []))[:n]
    ages += [0.0] * (n - len(ages))  # ages not (yet) reported: entered now
    parts = [{"age_s": float(a)} for a in ages]
    if parts:
        parts[0]["elapsed_s"] = wire_optional(get("head_wait_s"))
    return {"parts": parts}


def buffer_plausible(spec, plant, field, value):
    if field == "level":
        cap = spec.kernel_capacity(plant)
        if value > cap:
            return f"{spec.name}.level: {value} parts is above its capacity {cap}"
    return None


SNAPSHOT = SnapshotHooks(capture=buffer_capture, restore=buffer_restore, check=waiting_only,
                         wire=(("level", "int"), ("part_age_s", "floats"), ("head_wait_s", "float")),
                         encode=buffer_encode, decode=buffer_decode, plausible=buffer_plausible)
