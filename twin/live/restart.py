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
from ..kernels.registry import CREW
from .snapshot import CaptureView, Snapshot, SnapshotError, kind_hooks

NEVER = int(layout.NEVER)
HEALTH_ARRAYS = ("f64", "i64", "signal", "tech_job", "tech_start", "tech_end", "queue", "crew")  # what a restore of the health components writes


def write_start(model, state, start, seed: int, first: int = 0) -> np.ndarray:
    """Fills ``state`` (zeroed, new_state) from ``start``: a Snapshot, or a list of them (replica
    r of the run starts from ``start[r % len(start)]``). ``state`` holds the replicas ``first``,
    ``first + 1``, ... of the run (a block of them, twin/simulator.py): conditioned draws are keyed
    by the replica's index in the run, so a replica's start does not depend on the split. Returns
    the parts inside the plant at the start, per row (for the conservation check)."""
    snaps = [start] if isinstance(start, Snapshot) else list(start)
    arrays = {k: getattr(state, k).numpy() for k in ("el64", "el32", "s64", "s32")}
    health = layout.host_struct(state.health)
    if model.n_components:
        arrays.update({f"health.{k}": getattr(health, k).numpy() for k in HEALTH_ARRAYS})
    arrays.update({name: struct_array(state, name).numpy() for name in kind_arrays(model)})
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
        if k.startswith("health."):
            getattr(health, k.split(".")[1]).assign(v)
        elif "." in k:  # a kind's own State array (SnapshotHooks.arrays)
            struct_array(state, k).assign(v)
        else:
            getattr(state, k).assign(v)
    return inside


def kind_arrays(model) -> list[str]:
    """The per-kind State arrays ("robot.i32") the restore hooks of the plant's kinds write."""
    from ..kernels.snapshot import snapshot_hooks
    names = []
    for kind in dict.fromkeys(model.kinds):
        hooks = snapshot_hooks(kind)
        names += [n for n in (hooks.arrays if hooks is not None else ()) if n not in names]
    return names


def struct_array(state, name: str):
    """State array "struct.field" (a nested State struct's table)."""
    struct, _, field = name.partition(".")
    return getattr(layout.host_struct(getattr(state, struct)), field)


def _write(model, arrays: dict, snapshot: Snapshot, rows: np.ndarray, keys: np.ndarray, seed: int) -> None:
    """Writes ``snapshot`` into the rows ``rows`` of the State arrays (numpy, in place); ``keys``:
    their replica indices in the run (they key the conditioned draws)."""
    plant = model.plant
    el64v, el32v, s64v, s32v = arrays["el64"], arrays["el32"], arrays["s64"], arrays["s32"]
    el64, el32, s64, s32 = el64v[rows], el32v[rows], s64v[rows], s32v[rows]  # copies, written back below
    rowed = {k: v[rows] for k, v in arrays.items() if "." in k}  # nested State structs' arrays
    view = RestoreView(model, dict(el64=el64, el32=el32, s64=s64, s32=s32, **rowed), keys, seed)
    view.snapshot = snapshot  # the crew's link compares its components with their hosts' states
    for e in range(el64.shape[1]):
        view.schedule(e, NEVER)
    el64[:, :, layout.E_FAIL] = NEVER
    el64[:, :, layout.E_REPAIR] = NEVER
    for i, name in enumerate(model.names):  # each kind's own restore (kernels/hooks.py SnapshotHooks)
        kind_hooks(name, plant[name].kind).restore(view, i, snapshot.elements[name])
    for i, name in enumerate(model.names):  # ties between elements, once every element is written
        link = kind_hooks(name, plant[name].kind).link
        problem = link(view, i, snapshot.elements[name]) if link is not None else None
        if problem:
            raise SnapshotError(f"element '{name}': {problem}")
    if model.n_components:  # the health components, by the crew's hooks (an internal element after the plant's)
        comps = [snapshot.health[f"{h}.{c.name}"] for h, c in plant.health_components()]
        crew = kind_hooks("(maintenance crew)", CREW)
        problem = crew.link(view, model.n_elements, comps) if crew.link is not None else None
        if problem:  # before the crew's restore, which trusts its queue and jobs
            raise SnapshotError(problem)
        crew.restore(view, model.n_elements, comps)
    el64v[rows], el32v[rows], s64v[rows], s32v[rows] = el64, el32, s64, s32
    for k, v in rowed.items():
        arrays[k][rows] = v


class RestoreView:
    """The rows of the State arrays (numpy) that one snapshot is written into, as a kind's
    ``restore`` hook sees them, with the conditioned draws and routing draws of those rows
    (keyed by replica index in the run, element and purpose)."""

    def __init__(self, model, arrays: dict, keys: np.ndarray, seed: int):
        self.model, self.dt, self.keys, self.seed = model, model.dt, keys, seed
        self.arrays = arrays
        self.el64, self.el32, self.s64, self.s32 = arrays["el64"], arrays["el32"], arrays["s64"], arrays["s32"]
        self.slot_start, self.capacity = model.slot_start, model.capacity
        self._streams = {}
        km = model.arrays
        self._out = km.out_start.numpy(), km.out_elem.numpy(), km.out_cum.numpy(), km.routing.numpy()

    param = CaptureView.param

    def spec(self, e: int):
        return self.model.plant[self.model.names[e]]

    def struct(self, name: str) -> np.ndarray:
        """A per-kind State array (these rows) by name ("health.f64")."""
        return self.arrays[name]

    def weibull_life(self, h: int, age: int) -> np.ndarray:
        """A Weibull life (clock steps) of health component h per row, conditioned on having
        lasted ``age`` clock steps (inverse CDF of the truncated Weibull)."""
        shape, scale = (float(x) for x in self.param("health.param")[h])
        u = self.stream(self.model.n_kernel_elements + h, int(layout.RNG_MAIN)).next()
        return scale * ((age / scale) ** shape - np.log(u)) ** (1.0 / shape)

    def steps(self, seconds) -> np.ndarray:
        """Whole steps in ``seconds`` (nearest)."""
        return np.rint(np.asarray(seconds, dtype=np.float64) / self.dt).astype(np.int64)

    def stream(self, e: int, purpose: int) -> Stream:
        key = (e, purpose)
        if key not in self._streams:
            self._streams[key] = Stream(self.seed, self.keys, e, purpose)
        return self._streams[key]

    def duration(self, e: int, name: str, known_s, elapsed_s, least: int = 0, purpose: int = int(layout.RNG_MAIN)):
        """Steps left per row of element e's duration ``name`` (Element.durations()): ``known_s``
        if given, else a draw conditioned on ``elapsed_s``."""
        n = len(self.keys)
        if known_s is not None:
            return np.maximum(np.full(n, self.steps(known_s)), least)
        dist = self.spec(e).durations()[name]
        return np.maximum(self.steps(remaining(dist, elapsed_s or 0.0, self.stream(e, purpose).next())), least)

    def component_duration(self, h: int, name: str, known_s, elapsed_s, least: int = 0,
                           purpose: int = int(layout.RNG_MAIN)):
        """Steps left per row of health component h's ``name`` ("repair", "service"), as
        ``duration`` (its own random stream, after the elements')."""
        n = len(self.keys)
        if known_s is not None:
            return np.maximum(np.full(n, self.steps(known_s)), least)
        comp = self.model.plant.health_components()[h][1]
        dist = comp.durations()[f"health.{comp.name}.{name}"]
        u = self.stream(self.model.n_kernel_elements + h, purpose).next()
        return np.maximum(self.steps(remaining(dist, elapsed_s or 0.0, u)), least)

    def dest(self, e: int) -> np.ndarray:
        """The successor each row's part is bound for (routing draws of e)."""
        out_start, out_elem, out_cum, routing = self._out
        n = len(self.keys)
        j0, j1 = int(out_start[e]), int(out_start[e + 1])
        if routing[e] == int(layout.ROUTE_FIRST_AVAILABLE):
            return np.full(n, int(layout.ANY_SUCCESSOR))
        if j1 - j0 == 1:
            return np.full(n, int(out_elem[j0]))
        j = np.searchsorted(out_cum[j0:j1 - 1], self.stream(e, int(layout.RNG_ROUTE)).next(), side="right")
        return out_elem[j0 + j]

    def schedule(self, e: int, steps) -> None:
        """Element e's next timed event (NEVER: none), per row. The one place a restore writes
        E_NEXT: a structure kept over E_NEXT (a next-event tree) is rebuilt from it afterwards."""
        self.el64[:, e, layout.E_NEXT] = steps
