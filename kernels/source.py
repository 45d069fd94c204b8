"""Sources: release parts into the plant, saturated (always a part ready) or by interarrival time.

A source holds at most one part, in its single slot; its interarrival clock restarts when that
part leaves, so a blocked source never loses a part.
"""

import warp as wp

from .hooks import Hooks, SnapshotHooks, restore_waiting, waiting_only, wire_number, wire_optional
from .common import known_index, bound_for, choose_successor, wake_receivers
from .loads import int_at
from .layout import (A_BLOCKED, E_COUNT, E_NEXT, NEVER, R_ENTERED, RNG_MAIN, S_DEST, S_STEP, Model, State)
from .next_event import set_next_event
from .sampling import sample_steps

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def source_offer(m: Model, s: State, r: int, x: int, y: int):
    slot = known_index(int_at(m.slot_start, x))
    if s.el32[r, x, E_COUNT] > 0 and bound_for(s, r, slot, y):
        return slot, s.s64[r, slot, S_STEP]
    return int(-1), NEVER


@wp.func(inline=True)
def source_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
    """The held part leaves at step k: it enters the plant now."""
    if k >= s.control[0].warmup_step:
        s.rep64[r, R_ENTERED] = s.rep64[r, R_ENTERED] + wp.int64(1)
    if int_at(m.main_dist, x) < 0:  # saturated: the next part is ready at once
        s.s64[r, slot, S_STEP] = k
        dest = choose_successor(m, s, r, x)
        s.s32[r, slot, S_DEST] = dest
        wake_receivers(m, s, r, x, dest)
    else:
        s.el32[r, x, E_COUNT] = 0
        set_next_event(m, s, r, x, k + sample_steps(m, s, r, x, RNG_MAIN, int_at(m.main_dist, x)))
    return k


@wp.func(inline=True)
def source_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    """A part arrives."""
    slot = known_index(int_at(m.slot_start, e))
    dest = choose_successor(m, s, r, e)
    s.el32[r, e, E_COUNT] = 1
    s.s64[r, slot, S_STEP] = k
    s.s32[r, slot, S_DEST] = dest
    set_next_event(m, s, r, e, NEVER)
    wake_receivers(m, s, r, e, dest)


@wp.func(inline=True)
def source_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    if int_at(m.main_dist, e) >= 0 and s.el32[r, e, E_COUNT] > 0:
        s.acc[r, e, A_BLOCKED] = s.acc[r, e, A_BLOCKED] + dt


@wp.func(inline=True)
def source_start(m: Model, s: State, r: int, e: int):
    if int_at(m.main_dist, e) >= 0:
        set_next_event(m, s, r, e, sample_steps(m, s, r, e, RNG_MAIN, int_at(m.main_dist, e)))
    else:
        s.el32[r, e, E_COUNT] = 1
        s.s32[r, int_at(m.slot_start, e), S_DEST] = choose_successor(m, s, r, e)


HOOKS = Hooks(offer=source_offer, take=source_take, event=source_event,
              start=source_start, account=source_account)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
def source_capture(v, e) -> dict:
    """Its part ready to leave (``elapsed_s``: how long it has waited for room; 0 when
    saturated), else the time to its next arrival (exact)."""
    if int(v.el32[e, E_COUNT]):
        waited = 0.0 if v.spec(e).saturated else (v.step - int(v.s64[int(v.slot_start[e]), S_STEP])) * v.dt
        return {"parts": [{"age_s": 0.0, "elapsed_s": waited}]}
    if int(v.el64[e, E_NEXT]) < int(NEVER):
        return {"arrival_in_s": (int(v.el64[e, E_NEXT]) - v.step) * v.dt}
    return {}


def source_restore(v, e, st) -> None:
    """A part waiting (always, when saturated) and bound for its routing draw, or the next
    arrival: exact if known, else drawn conditioned on the time since the clock restarted."""
    el = v.spec(e)
    if el.saturated or st.parts:
        v.el32[:, e, E_COUNT] = 1
        restore_waiting(v, e, 0, 0.0, 0.0 if el.saturated else st.parts[0].elapsed_s)  # it enters when it leaves
    else:
        v.schedule(e, v.duration(e, "interarrival", st.arrival_in_s, st.arrival_elapsed_s))


def source_encode(st) -> dict:
    p = st.parts
    return {"waiting": len(p), "waiting_s": wire_number(p[0].elapsed_s) if p else float("nan"),
            "arrival_elapsed_s": wire_number(st.arrival_elapsed_s)}


def source_decode(get, spec) -> dict:
    n = int(get("waiting", 0))
    return {"parts": [{"age_s": 0.0, "status": "waiting", "elapsed_s": wire_optional(get("waiting_s"))}] * n,
            "arrival_elapsed_s": wire_optional(get("arrival_elapsed_s"))}


def source_plausible(spec, plant, field, value):
    if field == "waiting" and value > 1:
        return f"{spec.name}.waiting: a source holds at most one part, got {value}"
    return None


def source_track(t, e, k) -> None:
    """The interarrival clock restarts when the waiting part leaves (its next arrival is drawn)."""
    notes = t.notes(e)
    if t.prev is None:
        notes["clock_since"] = 0
    elif t.now["el32"][e, E_COUNT] == 0 and t.now["el64"][e, E_NEXT] != t.prev["el64"][e, E_NEXT]:
        notes["clock_since"] = k


def source_observe(t, e, st, k) -> None:
    if not t.spec(e).saturated and not st.parts:
        st.arrival_elapsed_s = (k - int(t.notes(e)["clock_since"])) * t.dt


SNAPSHOT = SnapshotHooks(capture=source_capture, restore=source_restore, check=waiting_only,
                         wire=(("waiting", "int"), ("waiting_s", "float"), ("arrival_elapsed_s", "float")),
                         encode=source_encode, decode=source_decode, plausible=source_plausible,
                         track=source_track, observe=source_observe)
