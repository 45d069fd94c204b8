"""Where each element stands: the scene's positions, or an automatic left-to-right layout.

Pure Python and numpy (no PyVista), so a layout can be computed and tested anywhere.

A :class:`Placement` gives an element's footprint centre on the floor (x, y, z in metres), its
size (dx, dy, dz) and, for conveyors, the belt's centre line on the floor. The scene's
``position``/``size`` are used when every element has a position (a conveyor with a ``path``
needs none); otherwise the whole plant is laid out from its graph:

* layers: each element's layer is the longest path to it from a source, with feedback edges
  (rework loops) left out, so material flows left to right along +x;
* order within a layer: a few barycentre sweeps, so crossings are few; a layer of one element
  sits at the mean y of its predecessors, so chains stay straight after a split and a merge;
* spacing: layers are as wide as their widest element plus a gap, elements in a layer are
  stacked in y with a gap, so no two footprints overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import TwinError
from ..look import Look

GAP = 1.0               # metres between footprints in the automatic layout
BELT_HEIGHT = 0.8       # conveyor belt surface above the floor, metres
BELT_WIDTH = 0.6
MAX_AUTO_BELT = 8.0     # a belt in the automatic layout is drawn at most this long (metres)



@dataclass
class Placement:
    """One element on the floor. ``center``: footprint centre (metres); ``size``: (dx, dy, dz);
    ``path``: conveyors only, the belt's centre line on the floor, [P, 3] metres, start first."""

    name: str
    kind: str
    center: np.ndarray
    size: np.ndarray
    path: np.ndarray | None = None
    look: Look = Look()

    @property
    def lo(self) -> np.ndarray:
        """Minimum corner of the footprint box."""
        return self.center - np.array([self.size[0] / 2, self.size[1] / 2, 0.0])

    @property
    def hi(self) -> np.ndarray:
        """Maximum corner (top) of the footprint box."""
        return self.center + np.array([self.size[0] / 2, self.size[1] / 2, self.size[2]])

    @property
    def top(self) -> np.ndarray:
        """The point above the centre at the element's height (for labels and markers)."""
        return self.center + np.array([0.0, 0.0, self.size[2]])

    def entry(self) -> np.ndarray:
        """Where material comes in (floor level): a belt's start, else the left face."""
        if self.path is not None:
            return self.path[0].copy()
        return self.center - np.array([self.size[0] / 2, 0.0, 0.0])

    def exit(self) -> np.ndarray:
        """Where material leaves (floor level): a belt's end, else the right face."""
        if self.path is not None:
            return self.path[-1].copy()
        return self.center + np.array([self.size[0] / 2, 0.0, 0.0])


@dataclass
class Layout:
    """Placements of every element of a plant, by name, in the plant's order. ``auto``: True when
    computed from the graph; ``feedback``: the edges left out of the layering (rework loops)."""

    placements: dict
    auto: bool
    feedback: set

    def __getitem__(self, name: str) -> Placement:
        return self.placements[name]

    def __iter__(self):
        return iter(self.placements.values())

    def __len__(self) -> int:
        return len(self.placements)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(min corner, max corner) of everything placed, metres."""
        los, his = [], []
        for p in self:
            los.append(p.lo)
            his.append(p.hi)
            if p.path is not None:
                los.append(p.path.min(axis=0))
                his.append(p.path.max(axis=0) + np.array([0, 0, BELT_HEIGHT]))
        return np.min(los, axis=0), np.max(his, axis=0)


# ---- sizes -----------------------------------------------------------------------------------
def element_size(el) -> np.ndarray:
    """The element's (dx, dy, dz): its ``size``, else the default of its look (a belt: its
    ``length`` long; a ring: the footprint of its ring of chambers, ``drawn_ring``)."""
    if getattr(el, "size", None) is not None:
        return np.array(el.size, dtype=float)
    look = el.look
    if look.shape == "cluster":
        return np.array(ring_footprint(drawn_ring(el)[0]), dtype=float)
    if look.shape == "belt":
        length = float(getattr(el, "length", None) or look.size[0])
        return np.array([length, BELT_WIDTH, BELT_HEIGHT])
    return np.array(look.size, dtype=float)


def along_path(el) -> bool:
    """Drawn along a centre line (a belt), which its ``path`` may give."""
    return el.look.shape == "belt"


EFEM_DEPTH = 0.9        # ring of chambers: equipment front end module depth (metres)
PORT_DEPTH = 0.6        # ring of chambers: load ports in front of the EFEM


def drawn_ring(el) -> tuple[float, int, int, int]:
    """(radius m, process chambers, load locks, load ports) the ``cluster`` shape draws: what the
    element answers (``drawn_ring()``), else a ring of radius 1.5 with two load locks and ports."""
    ask = getattr(el, "drawn_ring", None)
    if ask is None:
        return 1.5, 0, 2, 2
    radius, chambers, locks, ports = ask()
    return float(radius or 1.5), int(chambers), int(locks or 0), int(ports or 0)


def ring_footprint(radius: float) -> tuple[float, float, float]:
    """(dx, dy, dz) of a ring whose process chambers stand on a circle of ``radius``: the ring
    (chambers reach 0.35 radius beyond it), the EFEM and the load ports in front (-x)."""
    ring = 2 * 1.35 * radius
    return (ring + EFEM_DEPTH + PORT_DEPTH, ring, 1.6)


def element_position(el):
    """Where the element stands (``floor_position``: its scene position, a robot's base), or None."""
    pos = el.floor_position()
    return None if pos is None else np.array(pos, dtype=float)


# ---- the layout ------------------------------------------------------------------------------
def plant_layout(plant, auto: bool | None = None) -> Layout:
    """Placements of every element. ``auto=None``: the scene's positions when every element has
    one (conveyors with a path need none), else the automatic layout; ``True``/``False`` force it."""
    els = plant.elements
    if not els:
        raise TwinError(f"plant '{plant.name}' has no elements to draw")
    positioned = all(element_position(e) is not None or (along_path(e) and getattr(e, "path", None))
                     for e in els.values())
    use_auto = (not positioned) if auto is None else bool(auto)
    feedback = feedback_edges(plant.graph)
    if use_auto:
        placements = _auto_placements(plant, feedback)
    else:
        missing = [n for n, e in els.items() if element_position(e) is None
                   and not (along_path(e) and getattr(e, "path", None))]
        if missing:
            raise TwinError(f"element '{missing[0]}' has no position; use the automatic layout (auto=None)")
        placements = {n: Placement(n, e.kind, element_position(e) if element_position(e) is not None
                                   else np.zeros(3), element_size(e), look=e.look) for n, e in els.items()}
    _place_belts(plant, placements, from_paths=not use_auto)
    return Layout(placements, use_auto, feedback)


def feedback_edges(graph) -> set:
    """Edges that close a cycle in a depth-first walk from the sources (rework loops), in the
    plant's order: leaving them out makes the graph acyclic."""
    order = list(graph.nodes)
    starts = [n for n in order if graph.in_degree(n) == 0] + order
    state: dict = {}
    back = set()
    for root in starts:
        if root in state:
            continue
        stack = [(root, iter(graph.successors(root)))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(graph.successors(nxt))))
    return back


def layers(plant, feedback: set | None = None) -> dict:
    """Element name -> layer (0 for sources): the longest path to it without feedback edges."""
    import networkx as nx
    feedback = feedback_edges(plant.graph) if feedback is None else feedback
    dag = nx.DiGraph()
    dag.add_nodes_from(plant.graph.nodes)
    dag.add_edges_from(e for e in plant.graph.edges if e not in feedback)
    layer = {}
    for n in nx.topological_sort(dag):
        preds = list(dag.predecessors(n))
        layer[n] = 1 + max(layer[p] for p in preds) if preds else 0
    return {n: layer[n] for n in plant.graph.nodes}


def _auto_placements(plant, feedback: set) -> dict:
    els = plant.elements
    layer = layers(plant, feedback)
    sizes = {n: element_size(e) for n, e in els.items()}
    for n, e in els.items():
        if along_path(e):
            sizes[n][0] = min(max(sizes[n][0], 1.5), MAX_AUTO_BELT)
    n_layers = max(layer.values()) + 1
    members = [[n for n in els if layer[n] == k] for k in range(n_layers)]
    forward = [(u, v) for u, v in plant.graph.edges if (u, v) not in feedback]
    preds = {n: [u for u, v in forward if v == n] for n in els}
    succs = {n: [v for u, v in forward if u == n] for n in els}

    # order within layers: barycentre sweeps, down then up
    rank = {n: i for layer_nodes in members for i, n in enumerate(layer_nodes)}
    for _ in range(4):
        for k in list(range(1, n_layers)) + list(range(n_layers - 2, -1, -1)):
            nbrs = preds if k > 0 else succs
            def bary(n, nbrs=nbrs):
                r = [rank[m] for m in nbrs[n]]
                return sum(r) / len(r) if r else rank[n]
            members[k].sort(key=bary)
            for i, n in enumerate(members[k]):
                rank[n] = i

    # x: layers side by side; y: stacked in a layer, centred on the predecessors' mean y
    centers: dict = {}
    x = 0.0
    for k, nodes in enumerate(members):
        width = max(sizes[n][0] for n in nodes)
        x += width / 2 if k == 0 else width / 2 + GAP
        heights = [sizes[n][1] for n in nodes]
        total = sum(heights) + GAP * (len(nodes) - 1)
        ys_pred = [centers[p][1] for n in nodes for p in preds[n] if p in centers]
        mid = float(np.mean(ys_pred)) if ys_pred else 0.0
        y = mid + total / 2
        for n, h in zip(nodes, heights):
            centers[n] = np.array([x, y - h / 2, 0.0])
            y -= h + GAP
        x += width / 2
    return {n: Placement(n, e.kind, centers[n], sizes[n], look=e.look) for n, e in els.items()}


def _place_belts(plant, placements: dict, from_paths: bool) -> None:
    """Gives every belt (``along_path``) a centre line: its ``path``, else from its predecessor's
    exit to its successor's entry (through its own place), else straight along x at its position."""
    for name, pl in placements.items():
        if not along_path(plant[name]):
            continue
        el = plant[name]
        if from_paths and getattr(el, "path", None):
            pl.path = np.array(el.path, dtype=float)
        else:
            preds, succs = plant.predecessors(name), plant.successors(name)
            half = np.array([pl.size[0] / 2, 0.0, 0.0])
            start, end = pl.center - half, pl.center + half
            if from_paths:  # scene positions: a straight belt of its length at its position
                pl.path = np.array([start, end])
            else:           # automatic layout: from the predecessor to the successor
                a = placements[preds[0]].exit() if len(preds) == 1 else start
                b = placements[succs[0]].entry() if len(succs) == 1 else end
                a = np.array([start[0], a[1], 0.0])
                b = np.array([end[0], b[1], 0.0])
                if abs(a[1] - b[1]) < 1e-9:
                    pl.path = np.array([a, b])
                else:
                    xm = pl.center[0]
                    pl.path = np.array([a, [xm, a[1], 0.0], [xm, b[1], 0.0], b])
        lo, hi = pl.path.min(axis=0), pl.path.max(axis=0)
        pl.center = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
        pl.size = np.array([max(hi[0] - lo[0], BELT_WIDTH), max(hi[1] - lo[1], BELT_WIDTH),
                            pl.size[2] if getattr(el, "size", None) else BELT_HEIGHT])


def path_points(path: np.ndarray, s: np.ndarray, length: float) -> np.ndarray:
    """Points at distances ``s`` (metres along a belt of ``length``) on the drawn ``path``,
    scaled to the drawn length; [N, 3]."""
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    u = np.clip(np.asarray(s, dtype=float) / max(length, 1e-12), 0.0, 1.0) * cum[-1]
    return np.stack([np.interp(u, cum, path[:, k]) for k in range(3)], axis=1)


def overlaps(lay: Layout, tolerance: float = 1e-6) -> list[tuple[str, str]]:
    """Pairs of elements whose footprints overlap on the floor (for checks and tests)."""
    out = []
    items = list(lay)
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if (a.lo[0] < b.hi[0] - tolerance and b.lo[0] < a.hi[0] - tolerance
                    and a.lo[1] < b.hi[1] - tolerance and b.lo[1] < a.hi[1] - tolerance):
                out.append((a.name, b.name))
    return out
