"""Writes a snapshot into the State arrays of every replica (instead of the empty start).

Host-side: every replica gets the snapshot's parts and states; the durations under way get their
remaining times, exact where the snapshot knows them, else drawn conditioned on the elapsed time
(twin.live.conditional), separately per replica. Each element's next event is scheduled here;
kernels/snapshot.py then lets the elements pull parts at step 0, as the empty start does.
The moment of the snapshot is step 0 of the run; parts already inside have negative entry steps
(so their cycle times count the time before the snapshot).
"""

from __future__ import annotations

import numpy as np

from ..kernels import layout
from .conditional import Stream, remaining
from .snapshot import Snapshot

NEVER = int(layout.NEVER)


def write_start(model, state, start, seed: int, first: int = 0) -> np.ndarray:
    """Fills ``state`` (zeroed, new_state) from ``start``: a Snapshot, or a list of them (replica
    r of the run starts from ``start[r % len(start)]``). ``state`` holds the replicas ``first``,
    ``first + 1``, ... of the run (a block of them, twin/simulator.py): conditioned draws are keyed
    by the replica's index in the run, so a replica's start does not depend on the split. Returns
    the parts inside the plant at the start, per row (for the conservation check)."""
    snaps = [start] if isinstance(start, Snapshot) else list(start)
    arrays = {k: getattr(state, k).numpy() for k in ("el64", "el32", "s64", "s32")}
    count = arrays["el64"].shape[0]
    run_index = np.arange(first, first + count)
    inside = np.zeros(count, np.int64)
    for k, snap in enumerate(snaps):
        rows = np.flatnonzero(run_index % len(snaps) == k)
        snap.check(model.plant)
        if rows.size:
            _write(model, arrays, snap, rows, run_index[rows], seed)
            inside[rows] = snap.wip()
    for k, v in arrays.items():
        getattr(state, k).assign(v)
    return inside


def _write(model, arrays: dict, snapshot: Snapshot, rows: np.ndarray, keys: np.ndarray, seed: int) -> None:
    """Writes ``snapshot`` into the rows ``rows`` of the State arrays (numpy, in place); ``keys``:
    their replica indices in the run (they key the conditioned draws)."""
    plant, dt, R = model.plant, model.dt, len(rows)
    el64v, el32v, s64v, s32v = arrays["el64"], arrays["el32"], arrays["s64"], arrays["s32"]
    el64, el32, s64, s32 = el64v[rows], el32v[rows], s64v[rows], s32v[rows]  # copies, written back below
    km = model.arrays
    out_start, out_elem, out_cum = km.out_start.numpy(), km.out_elem.numpy(), km.out_cum.numpy()
    routing = km.routing.numpy()
    el64[:, :, layout.E_NEXT] = NEVER
    el64[:, :, layout.E_FAIL] = NEVER
    el64[:, :, layout.E_REPAIR] = NEVER

    def steps(seconds) -> np.ndarray:
        return np.rint(np.asarray(seconds, dtype=np.float64) / dt).astype(np.int64)

    def duration(dist, known, elapsed, stream, least=0) -> np.ndarray:
        """Steps left: ``known`` seconds if the snapshot has them, else a conditioned draw."""
        if known is not None:
            return np.maximum(np.full(R, steps(known)), least)
        return np.maximum(steps(remaining(dist, elapsed or 0.0, stream.next())), least)

    for i, name in enumerate(model.names):
        el, st = plant[name], snapshot.elements[name]
        start = int(model.slot_start[i])
        main, tbf, ttr, route = (Stream(seed, keys, i, p) for p in (layout.RNG_MAIN, layout.RNG_TBF, layout.RNG_TTR,
                                                                   layout.RNG_ROUTE))

        def dest() -> np.ndarray:
            j0, j1 = int(out_start[i]), int(out_start[i + 1])
            if routing[i] == int(layout.ROUTE_FIRST_AVAILABLE):
                return np.full(R, int(layout.ANY_SUCCESSOR))
            if j1 - j0 == 1:
                return np.full(R, int(out_elem[j0]))
            j = np.searchsorted(out_cum[j0:j1 - 1], route.next(), side="right")
            return out_elem[j0 + j]

        if el.kind == "source":
            if el.saturated or st.parts:
                el32[:, i, layout.E_COUNT] = 1
                waited = 0.0 if el.saturated else (st.parts[0].elapsed_s or 0.0)
                s64[:, start, layout.S_STEP] = -steps(waited)
                s32[:, start, layout.S_DEST] = dest()
            else:
                el64[:, i, layout.E_NEXT] = duration(el.interarrival, st.arrival_in_s, st.arrival_elapsed_s, main)
        elif el.kind == "buffer":
            el32[:, i, layout.E_COUNT] = len(st.parts)
            for j, p in enumerate(st.parts):
                s64[:, start + j, layout.S_ENTRY] = -steps(p.age_s)
                s64[:, start + j, layout.S_STEP] = -steps(p.elapsed_s or 0.0) if j == 0 else 0
                s32[:, start + j, layout.S_DEST] = dest()
        elif el.kind == "machine":
            down = st.state == "down"
            busy = np.zeros(R, np.int64)
            next_done = np.full(R, NEVER, np.int64)
            for j, p in enumerate(st.parts):
                slot = start + j
                s64[:, slot, layout.S_ENTRY] = -steps(p.age_s)
                if p.status == "processing":
                    left = duration(el.process, p.remaining_s, p.elapsed_s, main)
                    s32[:, slot, layout.S_STATUS] = int(layout.BUSY)
                    s64[:, slot, layout.S_STEP] = left
                    busy += 1
                    next_done = np.minimum(next_done, left)
                elif p.status == "paused":
                    s32[:, slot, layout.S_STATUS] = int(layout.PAUSED)
                    s64[:, slot, layout.S_STEP] = duration(el.process, p.remaining_s, p.elapsed_s, main, least=1)
                else:  # blocked
                    s32[:, slot, layout.S_STATUS] = int(layout.DONE)
                    s64[:, slot, layout.S_STEP] = -steps(p.elapsed_s or 0.0)
                    s32[:, slot, layout.S_DEST] = dest()
            el32[:, i, layout.E_COUNT] = len(st.parts)
            el32[:, i, layout.E_BUSY] = busy
            el32[:, i, layout.E_DONE] = sum(p.status == "blocked" for p in st.parts)
            el32[:, i, layout.E_DOWN] = int(down)
            f = el.failures
            if down:
                el64[:, i, layout.E_REPAIR] = duration(f.ttr, st.repair_remaining_s, st.repair_elapsed_s, ttr,
                                                       least=1)
                el64[:, i, layout.E_NEXT] = el64[:, i, layout.E_REPAIR]
                continue
            fail = np.full(R, NEVER, np.int64)
            if f is not None:
                left = duration(f.tbf, st.failure_in_s, st.up_elapsed_s, tbf)
                if f.mode == "time":
                    fail = left
                else:  # operation-dependent: the clock runs while a server is busy
                    fail = np.where(busy > 0, left, NEVER)
                    el64[:, i, layout.E_FAIL_LEFT] = left
            el64[:, i, layout.E_FAIL] = fail
            el64[:, i, layout.E_NEXT] = np.minimum(fail, next_done)
    el64v[rows], el32v[rows], s64v[rows], s32v[rows] = el64, el32, s64, s32
