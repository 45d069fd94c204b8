"""The plant: element specs wired as a networkx directed graph. Pure Python, no Warp.

``plant.graph`` is a real ``networkx.DiGraph``: node ``n`` carries its spec in
``graph.nodes[n]["element"]``, an edge ``u -> v`` is a material transfer and may carry a routing
``probability``.
"""

from __future__ import annotations

import math

import networkx as nx

from .deadlock import warn_finite_loops
from .elements import MAX_COUNT, Element
from .errors import PlantError, nearest

PROBABILITY_TOLERANCE = 1e-6


class Plant:
    """A production line or network.

    >>> p = Plant("cell")
    >>> p.add(Source("in", interarrival=Exponential(60)), Buffer("q"),
    ...       Machine("m", process=Exponential(45)), Sink("out"))
    >>> p.line("in", "q", "m", "out")
    """

    def __init__(self, name: str = "plant", *, unbounded_storage: int = 1000, crew=None):
        if not isinstance(name, str) or not name:
            raise PlantError(f"a plant name must be a non-empty string, got {name!r}", key="name")
        if isinstance(unbounded_storage, bool) or not isinstance(unbounded_storage, int) or unbounded_storage < 1:
            raise PlantError(f"must be an integer >= 1, got {unbounded_storage!r}", key="unbounded_storage")
        if unbounded_storage > MAX_COUNT:
            raise PlantError(f"must be an integer from 1 to {MAX_COUNT} (the simulator's 32-bit tables), got "
                             f"{unbounded_storage!r}", key="unbounded_storage")
        self.name = name
        self.unbounded_storage = unbounded_storage
        self.crew = crew  # twin.maintenance.Crew: technicians for repairs and services (default: one)
        self.graph = nx.DiGraph(name=name)

    # ---- building -----------------------------------------------------------------------
    def add(self, *elements: Element) -> Element:
        """Adds elements; returns the last one."""
        last = None
        for el in elements:
            if not isinstance(el, Element):
                raise PlantError(f"can only add twin elements (Source, Machine, Buffer, Sink, ...), got {el!r}")
            if el.name in self.graph:
                raise PlantError(f"duplicate element name: a {self.graph.nodes[el.name]['element'].kind} "
                                 f"named '{el.name}' already exists", element=el.name, key="name")
            self.graph.add_node(el.name, element=el)
            last = el
        return last

    def connect(self, src: str, dst: str, probability: float | None = None) -> None:
        """A transfer from ``src`` to ``dst``. ``probability`` is the share of ``src``'s parts
        routed to ``dst`` (only for ``routing="probability"`` with several successors)."""
        for name in (src, dst):
            self._require(name, where=f"connection {src!r} -> {dst!r}")
        if src == dst:
            raise PlantError(f"cannot connect '{src}' to itself; put a Buffer in the loop", element=src)
        s, d = self[src], self[dst]
        if not s.has_outputs:
            raise PlantError(f"a {s.kind} has no outputs; cannot connect it to '{dst}'", element=src)
        if not d.has_inputs:
            raise PlantError(f"a {d.kind} has no inputs; cannot connect '{src}' to it", element=dst)
        if self.graph.has_edge(src, dst):
            raise PlantError(f"'{src}' is already connected to '{dst}'", element=src)
        if probability is not None:
            if isinstance(probability, bool) or not isinstance(probability, (int, float)) \
                    or not (0.0 < float(probability) <= 1.0) or math.isnan(float(probability)):
                raise PlantError(f"routing probability to '{dst}' must be in (0, 1], got {probability!r}",
                                 element=src, key="probability")
            probability = float(probability)
        self.graph.add_edge(src, dst, probability=probability)

    def line(self, *names: str) -> None:
        """Connects the named elements in a chain."""
        for a, b in zip(names, names[1:]):
            self.connect(a, b)

    # ---- reading ------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Element:
        self._require(name)
        return self.graph.nodes[name]["element"]

    def __contains__(self, name) -> bool:
        return name in self.graph

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    def __iter__(self):
        return iter(self.elements.values())

    def __repr__(self) -> str:
        return f"Plant({self.name!r}, {len(self)} elements, {self.graph.number_of_edges()} transfers)"

    def _repr_html_(self) -> str:
        from .frames import plant_html
        return plant_html(self)

    @property
    def elements(self) -> dict[str, Element]:
        """Elements by name, in the order they were added."""
        return {n: d["element"] for n, d in self.graph.nodes(data=True)}

    def successors(self, name: str) -> list[str]:
        return list(self.graph.successors(name))

    def predecessors(self, name: str) -> list[str]:
        return list(self.graph.predecessors(name))

    def routing_probabilities(self, name: str) -> list[float]:
        """Probabilities of each successor of a probability-routed element (validated)."""
        succ = self.successors(name)
        if len(succ) == 1:
            return [1.0]
        return [self.graph.edges[name, s]["probability"] for s in succ]

    def _require(self, name, where: str | None = None):
        if name not in self.graph:
            hint = nearest(str(name), [str(n) for n in self.graph.nodes])
            ctx = f" (in {where})" if where else ""
            raise PlantError(f"no element named {name!r}{ctx}{hint}", element=str(name))

    # ---- checking -----------------------------------------------------------------------
    def validate(self) -> "Plant":
        """Raises a PlantError naming the element for the first problem found; returns self."""
        els = self.elements
        if not els:
            raise PlantError("the plant has no elements", element=None)
        sources = [n for n, e in els.items() if not e.has_inputs]   # where parts enter (a Source)
        sinks = [n for n, e in els.items() if not e.has_outputs]    # where they leave (a Sink)
        if not sources:
            raise PlantError("the plant has no Source: parts must enter somewhere")
        if not sinks:
            raise PlantError("the plant has no Sink: parts must leave somewhere")
        for name, el in els.items():
            preds, succs = self.predecessors(name), self.successors(name)
            if el.has_inputs and not preds:
                raise PlantError(f"this {el.kind} has no input: connect something to it", element=name)
            if el.has_outputs and not succs:
                raise PlantError(f"this {el.kind} has no output: connect it to something", element=name)
            if el.has_outputs:
                self._check_routing(name, el, succs)
            el.check(self)
        places = {name: el.kernel_capacity(self) for name, el in els.items()}
        if sum(places.values()) > MAX_COUNT:  # part slots are indexed by 32-bit integers
            most = max(places, key=places.get)
            raise PlantError(f"the plant needs {sum(places.values())} part places per replica (this element "
                             f"{places[most]}); at most {MAX_COUNT} fit the simulator's 32-bit tables",
                             element=most)
        reachable = set(sources)
        for s in sources:
            reachable |= nx.descendants(self.graph, s)
        leads_out = set(sinks)
        for s in sinks:
            leads_out |= nx.ancestors(self.graph, s)
        for name in els:
            if name not in reachable:
                raise PlantError("unreachable: no path from any Source leads here", element=name)
            if name not in leads_out:
                raise PlantError("dead end: no path from here leads to any Sink", element=name)
        self._check_zero_time_loops()
        warn_finite_loops(self)  # a loop of finite capacity can deadlock: a warning
        return self

    def zero_time_loop(self) -> list[str] | None:
        """A loop of elements that pass parts on with no time passing (buffers), as a list of
        names, or None. Transfers take no time, so a part on such a loop could go round forever
        inside one step (the run would never end); a loop needs an element that takes time
        (a machine, a conveyor, ...)."""
        instant = self.graph.subgraph(n for n, el in self.elements.items() if el.zero_time)
        try:
            edges = nx.find_cycle(instant)
        except nx.NetworkXNoCycle:
            return None
        loop = [u for u, _ in edges]
        order = {n: i for i, n in enumerate(self.elements)}
        first = min(range(len(loop)), key=lambda i: order[loop[i]])
        return loop[first:] + loop[:first]  # from the element added first (a stable message)

    def zero_time_leak(self) -> list[str] | None:
        """A path from a saturated source (a part always ready) to a sink through elements that
        take no time, or None: the source would release parts forever inside one step."""
        els = self.elements
        saturated = [n for n, el in els.items() if not el.has_inputs and el.saturated]
        if not saturated:
            return None
        sinks = {n for n, el in els.items() if not el.has_outputs}
        instant = self.graph.subgraph(n for n, el in els.items()
                                      if el.zero_time or n in sinks or n in saturated)
        for src in saturated:
            paths = nx.single_source_shortest_path(instant, src)
            reached = [n for n in els if n in sinks and n in paths]  # plant order: a stable message
            if reached:
                return paths[reached[0]]
        return None

    def _check_zero_time_loops(self) -> None:
        loop = self.zero_time_loop()
        if loop:
            path = " -> ".join(loop + [loop[0]])
            raise PlantError(f"parts can circulate with no time passing on the loop {path} (transfers between "
                             "buffers are instantaneous, so the run would never end); put an element that takes "
                             "time, such as a machine or a conveyor, on the loop", element=loop[0])
        leak = self.zero_time_leak()
        if leak:
            raise PlantError(f"this saturated source (a part always ready) reaches the sink '{leak[-1]}' with no time "
                             f"passing ({' -> '.join(leak)}), so it would release parts forever inside one step; "
                             "give it an interarrival time or put an element that takes time, such as a machine "
                             "or a conveyor, on the way", element=leak[0], key="interarrival")

    def _check_routing(self, name: str, el: Element, succs: list[str]) -> None:
        probs = [self.graph.edges[name, s]["probability"] for s in succs]
        if getattr(el, "routing", "probability") == "first_available":
            given = [s for s, p in zip(succs, probs) if p is not None]
            if given:
                raise PlantError(f"routing is 'first_available' but the connection to '{given[0]}' has a "
                                 "probability; remove it or use routing='probability'",
                                 element=name, key="probability")
            return
        if len(succs) == 1:
            if probs[0] is not None and abs(probs[0] - 1.0) > PROBABILITY_TOLERANCE:
                raise PlantError(f"the only successor '{succs[0]}' must get probability 1, got {probs[0]}",
                                 element=name, key="probability")
            return
        missing = [s for s, p in zip(succs, probs) if p is None]
        if missing:
            raise PlantError(f"routes to {len(succs)} successors by probability, but the connection to "
                             f"'{missing[0]}' has none; give every connection a probability or set "
                             "routing='first_available'", element=name, key="probability")
        total = sum(probs)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            parts = ", ".join(f"{s}: {p:g}" for s, p in zip(succs, probs))
            raise PlantError(f"routing probabilities sum to {total:g}, not 1 ({parts})",
                             element=name, key="probability")

    def health_components(self) -> list[tuple[str, object]]:
        """(host element name, HealthComponent) for every health component, in plant order."""
        return [(el.name, c) for el in self for c in getattr(el, "health", ())]

    # ---- time scale ---------------------------------------------------------------------
    def shortest_mean_duration(self) -> float:
        """The smallest mean of any duration in the plant (seconds)."""
        means = [d.mean for el in self for d in el.durations().values()]
        return min(means) if means else 1.0

    def default_dt(self) -> float:
        """The default time step: the largest 1-2-5 value not above 1/1000 of the shortest mean
        duration. Durations are rounded to whole steps (mean-preserving), so this keeps the
        rounding error of any single duration below 0.05% of the shortest mean; the event-driven
        step loop skips quiet steps, so a fine step costs little."""
        target = self.shortest_mean_duration() / 1000.0
        exp10 = math.floor(math.log10(target))
        for m in (5.0, 2.0, 1.0):
            if m * 10.0 ** exp10 <= target * (1 + 1e-9):
                return m * 10.0 ** exp10
        return 10.0 ** exp10

    # ---- simulation (lazy imports: the plant layer itself needs no Warp) -------------------
    def compile(self, device=None, dt: float | None = None):
        """Flattens the plant into a Model of Warp arrays on ``device`` (validates first)."""
        from .model import compile_plant
        return compile_plant(self, device=device, dt=dt)

    def simulate(self, **kwargs):
        """Shorthand for ``twin.simulate(plant, ...)``."""
        from .simulator import simulate
        return simulate(self, **kwargs)

    def show(self, **kwargs):
        """Opens an interactive 3-D view of the plant (``twin.render.show``: a window, or a view
        in a Jupyter notebook); needs the render extra. Keywords such as ``results=`` and
        ``color_by=`` colour it."""
        from .render import show
        return show(self, **kwargs)

    def save(self, path, **study) -> None:
        """Writes a scene file that ``twin.load_scene`` reads back into an equal plant."""
        from .scene import save_scene
        save_scene(self, path, **study)
