"""Deadlocks of loops of finite capacity: a warning when a plant has one, an error when a run locks.

A loop (a directed cycle of transfers, e.g. inspection -> rework -> an upstream buffer) whose
elements all have finite capacity can fill with parts that each wait for the next element: then
no part in it can ever move again, and everything upstream of it blocks. Throughput measured on
such a replica is meaningless, so:

* ``finite_cycles(plant)`` lists the loops of finite capacity and how many parts each holds
  (``Plant.validate`` warns with :class:`~twin.errors.CapacityLoopWarning`);
* ``find_deadlocks(model, arrays)`` reads the final state of every replica and finds the ones that
  are locked for good (``Simulator.run`` then raises :class:`~twin.errors.DeadlockError`).

The run-time test is exact, not a heuristic: a set S of elements is locked when every element of
S has no room and can never get any (machines with every server holding a part, bounded buffers
and belts that are full, a stopped non-accumulating belt whose entry is not clear) and every part
that could leave an element of S can only go to elements of S (a part's destination is fixed once
drawn; a part still in process, or routed "first available", may go to any successor). Room only
appears when a part leaves, and no part of S can leave, so S stays locked whatever else happens.
The largest such set is found by removing elements that break the rule until none does; the
cycle reported is one loop of "waits for" inside it. Robots and cluster tools are never counted
as locked (their room depends on more than their contents); a replica is also locked when no
element has any event scheduled while parts are in the plant (nothing can ever change again),
which catches a loop through a robot that waits for room, unless some other element keeps
scheduling events (a clock-driven failure, the maintenance crew's periodic checks). A locked set
contains a cycle of elements that can be sealed, so a plant without one (``can_lock``: a line, a
tree of lines) is not scanned beyond the stalled test.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .elements import Element
from .errors import CapacityLoopWarning

MAX_CYCLES = 200  # simple cycles examined for the validation warning (a plant may have very many)


# ---- validation: loops of finite capacity ------------------------------------------------------
def element_capacity(plant, name: str) -> float:
    """Parts the element can hold (math.inf for one that is unbounded: ``Element.holds_at_most``)."""
    return plant[name].holds_at_most(plant)


def flow_graph(plant) -> nx.DiGraph:
    """The paths parts can take: the plant's graph, except that an element that moves parts by
    tasks (a robot: ``tasks`` with ``pick`` and ``place``) carries a part only from a task's pick
    to the same task's place, so it becomes one node per task ("robot[i]"). A robot tending a
    machine (robot -> machine -> robot) is then no loop."""
    g = nx.DiGraph()
    g.add_nodes_from(plant.graph.nodes)
    for name in plant.graph.nodes:
        tasks = getattr(plant[name], "tasks", None)
        if tasks and all(hasattr(t, "pick") and hasattr(t, "place") for t in tasks):
            g.remove_node(name)
    for u, v in plant.graph.edges:
        if u in g and v in g:
            g.add_edge(u, v)
    for name in plant.graph.nodes:
        if name not in g:
            for i, t in enumerate(plant[name].tasks):
                g.add_edge(t.pick, f"{name}[{i}]")
                g.add_edge(f"{name}[{i}]", t.place)
    return g


def finite_cycles(plant) -> list[tuple[list[str], int]]:
    """The loops parts can take (cycles of ``flow_graph``) whose elements all have finite
    capacity, each with the number of parts it can hold (smallest first; at most MAX_CYCLES cycles
    are examined)."""
    out = []
    for cycle in itertools.islice(nx.simple_cycles(flow_graph(plant)), MAX_CYCLES):
        names = list(dict.fromkeys(n if n in plant else n.rpartition("[")[0] for n in cycle))
        caps = [element_capacity(plant, n) for n in names]
        if all(math.isfinite(c) for c in caps):
            loop = _rotate(names, plant)
            if all(loop != seen for seen, _ in out):
                out.append((loop, int(sum(caps))))
    return sorted(out, key=lambda c: (c[1], c[0]))


def cycle_warning(plant) -> str | None:
    """The text of the validation warning about loops of finite capacity, or None."""
    cycles = finite_cycles(plant)
    if not cycles:
        return None
    loop, held = cycles[0]
    more = f" (and {len(cycles) - 1} more such loop{'s' if len(cycles) > 2 else ''})" if len(cycles) > 1 else ""
    return (f"plant '{plant.name}': the loop {' -> '.join(loop + loop[:1])} has finite capacity: it holds "
            f"{held} part{'s' if held != 1 else ''}{more}; if it fills with parts that each wait for the next "
            "element it deadlocks (the run then stops with DeadlockError); an unbounded buffer in the loop "
            "cannot lock")


def warn_finite_loops(plant) -> None:
    """A CapacityLoopWarning when the plant has a loop of finite capacity (``Plant.validate``
    calls this); once per plant while the text stays the same (a plant is validated again when
    it is compiled)."""
    text = cycle_warning(plant)
    if text and text != getattr(plant, "_loop_warned", None):
        warnings.warn(text, CapacityLoopWarning, stacklevel=3)
    plant._loop_warned = text


def _rotate(cycle: list[str], plant) -> list[str]:
    """The cycle started at its element added first (stable, readable output)."""
    order = {n: i for i, n in enumerate(plant.graph.nodes)}
    i = min(range(len(cycle)), key=lambda j: order[cycle[j]])
    return cycle[i:] + cycle[:i]


# ---- run time: replicas locked for good -------------------------------------------------------
@dataclass(frozen=True)
class Deadlock:
    """One locked replica: ``cycle`` (element names, each waiting for the next, the last for the
    first), ``elements`` (the whole locked set) and ``since_s`` (the last step any part in the
    set arrived or finished, in seconds: the moment it locked)."""

    replica: int
    cycle: tuple[str, ...]
    elements: tuple[str, ...]
    since_s: float


class StateView:
    """The final state of a run's replicas, read by the kinds (``Element.holding``) through the
    shared part-slot columns and, for their own columns, by name (kernels/tables.py)."""

    def __init__(self, model, a: dict):
        from .kernels import layout as L
        self.model, self.a, self.L = model, a, L
        self.replicas = a["el32"].shape[0]
        self._rows = np.arange(self.replicas)

    def count(self, e: int) -> np.ndarray:
        """[R] parts element e holds."""
        return self.a["el32"][:, e, self.L.E_COUNT]

    def capacity(self, e: int) -> int:
        """Part slots element e has in the kernel."""
        return int(self.model.capacity[e])

    def slots(self, e: int) -> range:
        start = int(self.model.slot_start[e])
        return range(start, start + int(self.model.capacity[e]))

    def finished_dests(self, e: int) -> list:
        """Per slot of e, [R]: the destination of a finished part waiting there, else -1."""
        s32, L = self.a["s32"], self.L
        return [np.where(s32[:, j, L.S_STATUS] == L.DONE, s32[:, j, L.S_DEST], -1) for j in self.slots(e)]

    def ring_slot(self, e: int, offset) -> np.ndarray:
        """[R] the slot ``offset`` places behind the head of e's ring (0: its front part)."""
        start, cap = int(self.model.slot_start[e]), int(self.model.capacity[e])
        return start + (self.a["el32"][:, e, self.L.E_HEAD] + offset) % cap

    def front_dest(self, e: int) -> np.ndarray:
        """[R] the destination of the front part of e's ring."""
        return self.a["s32"][self._rows, self.ring_slot(e, 0), self.L.S_DEST]

    def slot_step(self, slots) -> np.ndarray:
        """[R] the step column of one slot per replica."""
        return self.a["s64"][self._rows, slots, self.L.S_STEP]

    def last_slot_step(self, e: int) -> np.ndarray:
        """[R] the latest step column over e's slots (a part arrived or finished)."""
        return self.a["s64"][:, self.slots(e), self.L.S_STEP].max(axis=1)

    def own(self, table: str, e: int, kind: str, name: str) -> np.ndarray:
        """[R] kind-specific column ``name`` of element e in State table ``table`` ("el64", "el32")."""
        return getattr(self.L, table.upper() + "_TABLE").column(self.a[table][:, e, :], name, kind=kind)


def find_deadlocks(model, a: dict) -> list[Deadlock]:
    """The replicas whose final state ``a`` (host arrays, ``twin.state.to_numpy``) holds a locked
    set of elements, with one cycle of it each. Each kind says how it holds parts
    (``Element.holding``); kinds that return None (robots, cluster tools, sources, ...) are never
    counted as locked."""
    from .kernels import layout as L
    plant = model.plant
    names = model.names
    n = len(names)
    count = a["el32"][:, :n, L.E_COUNT]
    stalled = (a["el64"][:, :, L.E_NEXT] == int(L.NEVER)).all(axis=1) & (count.sum(axis=1) > 0)
    if not stalled.any() and not model.can_lock:
        return []      # no loop of elements that can be sealed: no replica can be locked
    view = StateView(model, a)
    R = view.replicas
    succ = [[model.index(s) for s in plant.successors(nm)] for nm in names]

    sealed = np.zeros((R, n), bool)  # no room now, and none can come unless a part leaves
    waits = {}  # e -> list of [R] int arrays: a destination of a part that may leave e (-1: any successor)
    since = {}  # e -> [R] last step a part arrived or finished in it
    for e, nm in enumerate(names):
        held = plant[nm].holding(view, e)
        if held is None:
            continue
        since[e] = held.since
        if succ[e] and held.full.any():
            sealed[:, e], waits[e] = held.full, held.waits
    if not sealed.any() and not stalled.any():
        return []

    locked = sealed.copy()
    while True:  # remove elements with a part that could leave the set
        changed = False
        for e, dests in waits.items():
            keep = locked[:, e].copy()
            if not keep.any():
                continue
            all_succ = locked[:, succ[e]].all(axis=1)
            for d in dests:
                inside = np.where(d >= 0, locked[np.arange(R), np.clip(d, 0, n - 1)], all_succ)
                keep &= inside
            if (keep != locked[:, e]).any():
                locked[:, e] = keep
                changed = True
        if not changed:
            break

    out = []
    for r in np.flatnonzero(locked.any(axis=1) | stalled):
        if locked[r].any():
            members = [e for e in range(n) if locked[r, e]]
            cycle = _cycle(r, members, waits, succ, locked)
        else:  # no event will ever happen again, parts are in the plant: nothing can move
            members = [e for e in range(n) if count[r, e] > 0]
            cycle = _holding_cycle(plant, names, members)
        last = max((int(since[e][r]) for e in members if e in since), default=0)
        out.append(Deadlock(int(r), tuple(names[e] for e in cycle), tuple(names[e] for e in members),
                            last * model.dt))
    return out


def can_lock(plant) -> bool:
    """Whether any replica of ``plant`` could ever hold a locked set. A locked set is made of
    elements that can be sealed (a kind that says how it holds parts, with successors), each
    waiting only for members, so every member has a successor inside the set and the set contains
    a directed cycle of such elements. Without one (a plain line, a tree of lines) no replica can
    lock, and the final states need not be read (at 200 stations x 100 replicas that read cost
    more than a tenth of the run)."""
    sealable = [nm for nm in plant.elements if _can_lock(plant[nm]) and any(True for _ in plant.successors(nm))]
    return not nx.is_directed_acyclic_graph(plant.graph.subgraph(sealable))


def _holding_cycle(plant, names: list[str], members: list[int]) -> list[int]:
    """A loop parts can take (``flow_graph``, else the plant's graph) through the elements that
    hold parts and the elements between them that move parts without being counted as locked
    (robots, tools; not the plant's ends), in a stalled replica; else the holders."""
    index = {nm: i for i, nm in enumerate(names)}
    between = {nm for nm in names if not _can_lock(plant[nm]) and plant[nm].has_inputs and plant[nm].has_outputs}
    keep = {names[e] for e in members} | between
    for g in (flow_graph(plant), plant.graph):  # a robot holding a part for a full place: q -> robot -> q
        sub = g.subgraph([v for v in g if (v if v in index else v.rpartition("[")[0]) in keep])
        try:
            loop = [u if u in index else u.rpartition("[")[0] for u, _ in nx.find_cycle(sub)]
        except nx.NetworkXNoCycle:
            continue
        return [index[nm] for nm in dict.fromkeys(loop)]
    return members


def _can_lock(el) -> bool:
    """Its kind says how it holds parts (defines ``Element.holding``)."""
    return type(el).holding is not Element.holding


def _cycle(r: int, members: list[int], waits: dict, succ: list, locked) -> list[int]:
    """A cycle of the "waits for" relation inside a locked set (every member waits for another)."""
    def next_of(e):
        for d in waits[e]:
            t = int(d[r])
            if t >= 0 and locked[r, t]:
                return t
        return next(t for t in succ[e] if locked[r, t])
    seen, path, e = {}, [], members[0]
    while e not in seen:
        seen[e] = len(path)
        path.append(e)
        e = next_of(e)
    return path[seen[e]:]


def deadlock_message(plant_name: str, locks: list[Deadlock], replicas: int) -> str:
    """One line for DeadlockError: how many replicas, the cycle of the first, what to do."""
    first = locks[0]
    cycles = sorted({d.cycle for d in locks}, key=lambda c: (len(c), c))
    loop = " -> ".join(first.cycle + first.cycle[:1])
    others = f"; {len(cycles) - 1} other cycle{'s' if len(cycles) > 2 else ''} locked in other replicas" \
        if len(cycles) > 1 else ""
    ids = ", ".join(str(d.replica) for d in locks[:10]) + (", ..." if len(locks) > 10 else "")
    return (f"plant '{plant_name}': deadlock in {len(locks)} of {replicas} replicas (replicas {ids}): "
            f"in replica {first.replica} the parts in the loop {loop} each wait for the next element, so no "
            f"part can move again (locked at {first.since_s / 3600:.3g} h){others}; "
            "its throughput would be meaningless. Give the loop more room (a larger or unbounded buffer)")
