"""An independent SimPy reference model of a twin ``Plant``.

twin's Warp simulator is validated against this model (throughput and utilisations within
confidence intervals) and benchmarked against it, so it is written as a plain, efficient
discrete-event model of twin's documented semantics, sharing nothing with the kernels: it samples
with numpy Generators through each ``Distribution.sample`` and never imports Warp.

Semantics, in short (times in seconds; statistics cover ``[warmup, horizon]``, both ends
included, and the system starts empty):

* a Source holds one part at a time: saturated, the next part is ready the instant the previous
  one leaves; otherwise it arrives one interarrival sample after the previous one left. A part
  enters the system when it leaves its source.
* a Machine accepts a part when it is up and has an idle server; the part is processed for one
  ``process`` sample and then stays on its server until its destination takes it (blocking after
  service). Failures stop the whole machine; parts in process resume where they stopped
  (preempt-resume); finished parts may still leave a down machine.
* a Buffer is a FIFO of ``capacity`` places (None: unbounded); a Sink always accepts.
* a part ready to leave an element with ``routing="probability"`` draws its destination when it
  becomes ready and waits for that one only; with ``"first_available"`` it goes to the first
  successor (in connection order) that can take it.
* transfers are instantaneous; a receiver with room takes the part that has been ready longest
  (ties: order of ``plant.predecessors``).

Design. Each holder of a part that is ready to leave (a source, a machine server holding a
finished part, a buffer's head) posts an *offer* in the waiting list of each receiver the part may
go to. A *settle* pass makes the transfers: it moves the longest-ready part that has an open
receiver to its first open one, and again, until no part can move (a cascade of instantaneous
transfers). Whatever may enable a transfer (a new offer, a freed place, a repair) requests a pass
at the current instant; while other events are still due at that instant the pass waits behind
them (a zero-delay timeout), so that all the parts that become ready at one instant compete under
the longest-ready rule. Machine services are SimPy processes that a breakdown interrupts.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from .elements import Buffer, Machine, Sink, Source
from .errors import SimulationError

try:
    import simpy
except ImportError as err:  # pragma: no cover - exercised by a test that hides simpy
    raise ImportError("twin.reference needs SimPy: pip install twin[reference]") from err

__all__ = ["ReferenceResult", "mean_ci", "simulate_reference"]

_BLOCK = 256  # samples drawn per numpy call: one call per sample would dominate the run time


def _stream(dist, rng):
    """An endless iterator of samples of ``dist`` (drawn ``_BLOCK`` at a time)."""
    while True:
        yield from np.asarray(dist.sample(rng, _BLOCK), dtype=float).tolist()


class _Offer:
    """A part ready to leave ``holder`` since ``ready``, for one of ``dests`` (in preference order)."""

    __slots__ = ("holder", "part", "ready", "dests", "seq")

    def __init__(self, holder, part, ready, dests, seq):
        self.holder, self.part, self.ready, self.dests, self.seq = holder, part, ready, dests, seq


class _Node:
    """What every element shares: wiring, routing, departures and the statistics window."""

    def __init__(self, model, el):
        self.model, self.env, self.name = model, model.env, el.name
        self.waiting = []      # offers that may come here (receivers)
        self.rank = {}         # predecessor node -> its index in plant.predecessors (ties)
        self.departures = 0    # parts that left (sinks: arrived) in the window
        self.last = 0.0        # time of the last state change already integrated

    def start(self):
        """Starts the element's processes (once every element is wired)."""

    def advance(self):
        """Integrates the time-weighted statistics up to now (elements with a level)."""

    def wire(self, plant, nodes):
        el = plant[self.name]
        self.rank = {nodes[p]: i for i, p in enumerate(plant.predecessors(self.name))}
        if not el.has_outputs:
            return
        succ = tuple(nodes[s] for s in plant.successors(self.name))
        if el.routing == "first_available" or len(succ) == 1:
            self.route = lambda: succ
        else:
            singles = tuple((s,) for s in succ)
            cum = list(itertools.accumulate(plant.routing_probabilities(self.name)))
            uniform, top = self.model.uniform, cum[-1]
            self.route = lambda: singles[min(bisect.bisect_right(cum, top * next(uniform)), len(singles) - 1)]

    def span(self):
        """The part of [last change, now] inside the window; moves the last change to now."""
        now, m = self.env.now, self.model
        a = self.last if self.last > m.t0 else m.t0
        b = now if now < m.t1 else m.t1
        self.last = now
        return b - a if b > a else 0.0

    def count_departure(self):
        if self.env.now >= self.model.t0:
            self.departures += 1


class _Source(_Node):
    def __init__(self, model, el):
        super().__init__(model, el)
        self.interarrivals = None if el.interarrival is None else _stream(el.interarrival, model.rng)
        self.holding_since = None  # ready time of the part it holds, if any
        self.blocked_time = 0.0
        self.taken = None          # event: the part it holds has left

    def start(self):
        self.env.process(self.run())

    def run(self):
        env = self.env
        while True:
            if self.interarrivals is not None:
                yield env.timeout(next(self.interarrivals))
            self.taken = env.event()
            self.holding_since = env.now
            self.model.offer(self, None, self.route())
            yield self.taken  # the clock restarts when the part leaves

    def release(self, offer):
        self.blocked_time += self.model.clip(offer.ready, self.env.now)
        self.holding_since = None
        self.count_departure()
        self.taken.succeed()
        return self.env.now  # a part is its entry time into the system


class _Machine(_Node):
    def __init__(self, model, el):
        super().__init__(model, el)
        self.c = el.servers
        self.process_times = _stream(el.process, model.rng)
        self.busy = 0          # parts in process (paused ones included)
        self.held = 0          # parts on servers: in process or finished
        self.down = False
        self.running = []      # service processes inside their timeout (a breakdown interrupts them)
        self.repaired = None   # event: the end of the current repair
        self.t_busy = self.t_blocked = self.t_idle = self.t_down = self.t_held = 0.0
        self.failures = el.failures
        self.operation_clock = False
        if el.failures is not None:
            self.tbf, self.ttr = _stream(el.failures.tbf, model.rng), _stream(el.failures.ttr, model.rng)
            if el.failures.mode == "operation":
                # busy seconds left to the next failure, and the pending timeout that ends them
                self.operation_clock, self.clock_left, self.clock_due = True, next(self.tbf), None
                self.clock_since = 0.0

    def start(self):
        if self.failures is not None and not self.operation_clock:
            self.env.process(self.time_failures())

    def has_room(self):
        return self.held < self.c and not self.down

    def advance(self):
        dt = self.span()
        if dt:
            if self.down:
                self.t_down += self.c * dt
            else:
                self.t_busy += self.busy * dt
                self.t_blocked += (self.held - self.busy) * dt
                self.t_idle += (self.c - self.held) * dt
            self.t_held += self.held * dt

    def receive(self, part):
        self.advance()
        self.held += 1
        self.busy += 1
        if self.busy == 1 and self.operation_clock:
            self.clock_run()
        self.env.process(self.serve(part))

    def serve(self, part):
        env, me = self.env, self.env.active_process
        left = next(self.process_times)
        while True:
            while self.down:
                yield self.repaired
            start = env.now
            self.running.append(me)
            try:
                yield env.timeout(left)
                break
            except simpy.Interrupt:  # a breakdown (which took `me` off `running`): resume later
                left = max(left - (env.now - start), 0.0)
        self.running.remove(me)
        self.advance()
        self.busy -= 1
        if self.busy == 0 and self.operation_clock:
            self.clock_pause()
        self.model.offer(self, part, self.route())

    def release(self, offer):
        self.advance()
        self.held -= 1
        self.count_departure()
        self.model.notify(self)
        return offer.part

    def time_failures(self):
        while True:
            yield self.env.timeout(next(self.tbf))
            yield from self.breakdown()

    # Operation-dependent failures: the up-time clock runs only while a part is in process. It
    # is paused and restarted far more often than the machine fails, so rather than a process
    # that is interrupted at every pause, it is a timeout that a pause makes stale.
    def clock_run(self):
        self.clock_since = self.env.now
        self.clock_due = self.env.timeout(self.clock_left)
        self.clock_due.callbacks.append(self.clock_expired)

    def clock_pause(self):
        self.clock_left = max(self.clock_left - (self.env.now - self.clock_since), 0.0)
        self.clock_due = None

    def clock_expired(self, event):
        if event is self.clock_due:  # else a pause made it stale
            self.clock_due = None
            self.env.process(self.breakdown())

    def breakdown(self):
        self.advance()
        self.down = True
        self.repaired = self.env.event()
        for p in self.running:
            p.interrupt()
        self.running.clear()
        yield self.env.timeout(next(self.ttr))
        self.advance()
        self.down = False
        self.repaired.succeed()
        if self.operation_clock:
            self.clock_left = next(self.tbf)
            if self.busy:  # the paused parts resume now
                self.clock_run()
        self.model.notify(self)


class _Buffer(_Node):
    def __init__(self, model, el, storage):
        super().__init__(model, el)
        self.capacity = math.inf if el.capacity is None else el.capacity
        self.storage = storage if el.capacity is None else math.inf
        self.parts = deque()  # (part, candidate destinations drawn on entry)
        self.t_held = 0.0

    def has_room(self):
        return len(self.parts) < self.capacity

    def advance(self):
        dt = self.span()
        if dt:
            self.t_held += len(self.parts) * dt

    def receive(self, part):
        self.advance()
        self.parts.append((part, self.route()))
        if len(self.parts) == 1:
            self.model.offer(self, part, self.parts[0][1])
        elif len(self.parts) > self.storage:
            raise SimulationError(f"unbounded buffer '{self.name}' outgrew plant.unbounded_storage "
                                  f"({self.storage} parts) at t={self.env.now:g} s: the line is unstable")

    def release(self, offer):
        self.advance()
        part, _ = self.parts.popleft()
        self.count_departure()
        self.model.notify(self)
        if self.parts:  # the new head is ready from now on
            self.model.offer(self, *self.parts[0])
        return part


class _Sink(_Node):
    def __init__(self, model, el):
        super().__init__(model, el)
        self.cycle_times = []

    def has_room(self):
        return True

    def receive(self, part):
        now = self.env.now
        if now >= self.model.t0:
            self.departures += 1
            self.cycle_times.append(now - part)


class _Model:
    """One replica: the SimPy environment, its nodes and the settle pass."""

    def __init__(self, plant, rng, warmup, horizon):
        self.env = simpy.Environment()
        self.rng, self.t0, self.t1 = rng, warmup, horizon
        self.uniform = _uniforms(rng)  # routing draws
        self.dirty = set()       # receivers that may have room and waiting offers
        self.settle_due = False  # a settle pass is scheduled (or running) at this instant
        self.seq = itertools.count()
        self.nodes = {}
        for name, el in plant.elements.items():
            if isinstance(el, Source):
                self.nodes[name] = _Source(self, el)
            elif isinstance(el, Machine):
                self.nodes[name] = _Machine(self, el)
            elif isinstance(el, Buffer):
                self.nodes[name] = _Buffer(self, el, plant.unbounded_storage)
            elif isinstance(el, Sink):
                self.nodes[name] = _Sink(self, el)
            else:  # pragma: no cover - validate() admits only the four kinds
                raise TypeError(f"the reference model does not know element kind {el.kind!r}")
        for node in self.nodes.values():
            node.wire(plant, self.nodes)
        for node in self.nodes.values():
            node.start()

    def clip(self, a, b):
        """Length of [a, b] inside the statistics window."""
        a, b = max(a, self.t0), min(b, self.t1)
        return b - a if b > a else 0.0

    def offer(self, holder, part, dests):
        o = _Offer(holder, part, self.env.now, dests, next(self.seq))
        for d in dests:
            d.waiting.append(o)
            self.dirty.add(d)
        self.request_settle()

    def notify(self, node):
        """``node`` may have gained room."""
        if node.waiting:
            self.dirty.add(node)
            self.request_settle()

    def request_settle(self):
        if not self.settle_due:
            if self.env.peek() > self.env.now:
                self.settle()  # nothing else is due at this instant: no part can compete
            else:
                self.settle_due = True
                # a zero-delay timeout runs after every event already due at this instant
                self.env.timeout(0).callbacks.append(self.settle)

    def settle(self, _event=None):
        """Moves parts until none can move: each time the longest-ready part (ties: the
        receiver's predecessor order) that has an open receiver goes to its first open one."""
        self.settle_due = True  # requests made while settling are served by this pass
        dirty = self.dirty
        while dirty:
            best = best_key = best_to = None
            for r in tuple(dirty):
                if not r.waiting or not r.has_room():
                    dirty.discard(r)
                    continue
                for o in r.waiting:
                    if len(o.dests) > 1 and next(d for d in o.dests if d.has_room()) is not r:
                        continue  # it prefers another open receiver (itself in `dirty`)
                    key = (o.ready, r.rank[o.holder], o.seq)
                    if best is None or key < best_key:
                        best, best_key, best_to = o, key, r
            if best is None:
                break
            for d in best.dests:
                d.waiting.remove(best)
            best_to.receive(best.holder.release(best))
        dirty.clear()
        self.settle_due = False

    def run(self):
        env = self.env
        env.run(until=self.t1)
        while env.peek() <= self.t1:  # the window is closed: events at the horizon count too
            env.step()
        for node in self.nodes.values():
            node.advance()


def _uniforms(rng):
    while True:
        yield from rng.random(_BLOCK).tolist()


def _t975(dof: int) -> float:
    """Student t quantile 0.975 (Abramowitz & Stegun 26.7.5; within 0.005 for dof >= 3)."""
    if dof <= 2:
        return (12.706, 4.303)[dof - 1]
    z = 1.959963984540054
    return (z + (z**3 + z) / (4 * dof) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * dof**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * dof**4))


def mean_ci(x) -> tuple[float, float]:
    """Mean and 95% confidence half-width (Student t) of independent replica values."""
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(np.mean(x)) if x.size else math.nan, math.inf
    return float(x.mean()), _t975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)


@dataclass
class ReferenceResult:
    """Per-replica statistics over [warmup, horizon]; every array has shape [replicas].

    Per-element dicts map element names to arrays: ``utilization``, ``starved``, ``down``
    (machines); ``blocked`` (machines, and sources: fraction of time holding a part that could not
    leave); ``queue`` (machines and buffers: time-average parts held); ``element_throughput_per_hour``
    (departures per hour of every element; for a sink, arrivals). Machine fractions are of
    server-time and sum to 1.
    """

    replicas: int
    horizon: float
    warmup: float
    throughput_per_hour: np.ndarray
    wip: np.ndarray
    cycle_time_mean: np.ndarray
    cycle_times: list
    utilization: dict
    blocked: dict
    starved: dict
    down: dict
    queue: dict
    element_throughput_per_hour: dict
    wall_time: float

    def summary(self) -> dict[str, tuple[float, float]]:
        """KPI name -> (mean, 95% half-width) across replicas, e.g. ``"utilization[m1]"``."""
        out = {k: mean_ci(getattr(self, k)) for k in ("throughput_per_hour", "wip", "cycle_time_mean")}
        for kpi in ("utilization", "blocked", "starved", "down", "queue", "element_throughput_per_hour"):
            for name, values in getattr(self, kpi).items():
                out[f"{kpi}[{name}]"] = mean_ci(values)
        return out


def simulate_reference(plant, replicas: int, horizon: float, warmup: float = 0.0,
                       seed: int = 0) -> ReferenceResult:
    """Runs ``replicas`` independent replications of ``plant`` over [0, horizon] seconds and
    returns statistics over [warmup, horizon]. Replica r draws from
    ``numpy.random.default_rng([seed, r])``, so results are reproducible replica by replica."""
    if isinstance(replicas, bool) or not isinstance(replicas, (int, np.integer)) or replicas < 1:
        raise ValueError(f"replicas must be an integer >= 1, got {replicas!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    horizon, warmup = float(horizon), float(warmup)
    if not (math.isfinite(horizon) and 0.0 <= warmup < horizon):
        raise ValueError(f"need 0 <= warmup < horizon < inf, got warmup={warmup}, horizon={horizon}")
    plant.validate()
    els = plant.elements
    for name, el in els.items():
        succ = plant.successors(name) if isinstance(el, Source) and el.saturated else []
        if any(isinstance(els[s], Sink) for s in succ) and (el.routing == "first_available" or len(succ) == 1):
            raise SimulationError(f"saturated source '{name}' can always hand its part to a sink: "
                                  "parts would leave at an infinite rate")
    machines = [n for n, e in els.items() if isinstance(e, Machine)]
    held = [n for n, e in els.items() if isinstance(e, (Machine, Buffer))]
    sources = [n for n, e in els.items() if isinstance(e, Source)]
    sinks = [n for n, e in els.items() if isinstance(e, Sink)]
    span = horizon - warmup
    per_hour = 3600.0 / span

    def arrays(names):
        return {n: np.zeros(replicas) for n in names}

    util, starved, down = arrays(machines), arrays(machines), arrays(machines)
    blocked, queue, thru = arrays(machines + sources), arrays(held), arrays(els)
    throughput, wip, ct_mean, cycle_times = (np.zeros(replicas), np.zeros(replicas),
                                             np.zeros(replicas), [])
    started = time.perf_counter()
    for r in range(replicas):
        model = _Model(plant, np.random.default_rng([int(seed), r]), warmup, horizon)
        model.run()
        nodes = model.nodes
        for n in machines:
            m = nodes[n]
            st = m.c * span
            util[n][r], blocked[n][r] = m.t_busy / st, m.t_blocked / st
            starved[n][r], down[n][r] = m.t_idle / st, m.t_down / st
        for n in sources:
            s = nodes[n]
            if s.holding_since is not None:
                s.blocked_time += model.clip(s.holding_since, horizon)
            blocked[n][r] = s.blocked_time / span
        for n in held:
            queue[n][r] = nodes[n].t_held / span
        for n in els:
            thru[n][r] = nodes[n].departures * per_hour
        cts = np.array([c for n in sinks for c in nodes[n].cycle_times])
        cycle_times.append(cts)
        throughput[r] = cts.size * per_hour
        wip[r] = sum(queue[n][r] for n in held)
        ct_mean[r] = cts.mean() if cts.size else math.nan
    return ReferenceResult(replicas, horizon, warmup, throughput, wip, ct_mean, cycle_times,
                           util, blocked, starved, down, queue, thru, time.perf_counter() - started)
