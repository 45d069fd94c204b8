"""A lean, idiomatic SimPy model of the benchmark line: the peer ``bench_line.py`` measures twin against.

The line is ``lines.saturated_line``: a saturated serial line of single-server machines with
lognormal process times, finite buffers between them (blocking after service) and
operation-dependent failures (the up-time clock runs only while a part is in process; a failure
stops the part, which resumes after the repair). It is written the way a SimPy user would write
it, to measure what SimPy itself costs, not what a general model's bookkeeping costs:

* one process per machine, a ``simpy.Store`` of ``capacity`` places per buffer (``put`` blocks a
  finished part on its machine while the buffer is full: blocking after service);
* no per-part processes and no part objects, no per-element statistics: it counts the parts the
  last machine finishes inside the statistics window (throughput) and the machine operations;
* operation-dependent failures inline in the machine's process: the part's work is split at the
  failure instants, with a repair between the pieces (no interrupts needed, since only a machine
  in process can fail);
* Python's ``random.Random`` (``lognormvariate``) per replica.

twin's full reference model (``twin.reference``: any plant, every KPI, twin's exact tie rules) is
kept for validation; ``tests/test_lean_peer.py`` checks that this model agrees with twin.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import simpy


@dataclass(frozen=True)
class Station:
    """One machine: (mu, sigma) of the log of its lognormal times; ``tbf`` (busy time between
    failures) and ``ttr`` (repair) are None for a machine that never fails."""

    process: tuple[float, float]
    tbf: tuple[float, float] | None = None
    ttr: tuple[float, float] | None = None


def log_params(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the normal whose exponential has this mean and coefficient of variation."""
    s2 = math.log1p(cv * cv)
    return math.log(mean) - 0.5 * s2, math.sqrt(s2)


def line_from_plant(plant) -> tuple[list[Station], list[int]]:
    """The stations and buffer capacities of a twin serial line (source -> machine -> buffer ->
    machine ... -> sink) with lognormal times and operation-dependent failures; anything else is
    refused, since this model would then simulate a different line."""
    name = next(n for n, el in plant.elements.items() if el.kind == "source")
    if plant.elements[name].interarrival is not None:
        raise ValueError("the lean model needs a saturated source")
    stations, buffers = [], []
    while True:
        nxt = plant.successors(name)
        if len(nxt) != 1:
            raise ValueError(f"'{name}' has {len(nxt)} successors; the lean model is a serial line")
        name = nxt[0]
        el = plant.elements[name]
        if el.kind == "sink":
            break
        if el.kind == "buffer":
            if el.capacity is None or stations == []:
                raise ValueError(f"buffer '{name}' must be finite and sit between two machines")
            buffers.append(int(el.capacity))
        elif el.kind == "machine":
            if el.servers != 1 or el.process.name != "lognormal":
                raise ValueError(f"machine '{name}' must have one server and lognormal times")
            if len(buffers) != len(stations):
                raise ValueError(f"machine '{name}' needs a buffer before it (a place of capacity >= 1)")
            f = el.failures
            if f is not None and (f.mode != "operation" or f.tbf.name != "lognormal" or f.ttr.name != "lognormal"):
                raise ValueError(f"machine '{name}': the lean model has operation-dependent lognormal failures only")
            stations.append(Station(el.process.log_params(), None if f is None else f.tbf.log_params(),
                                    None if f is None else f.ttr.log_params()))
        else:
            raise ValueError(f"element '{name}' is a {el.kind}; the lean model has machines and buffers only")
    return stations, buffers


def run_replica(stations: list[Station], buffers: list[int], horizon: float, warmup: float, seed) -> tuple[int, int]:
    """One replica over [0, horizon]: (parts finished by the last machine in [warmup, horizon],
    machine operations started over the whole run)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    stores = [simpy.Store(env, capacity=c) for c in buffers]
    counts = [0, 0]  # [parts out in the window, machine operations]

    def machine(st: Station, inbox, outbox):
        lognorm, timeout = rng.lognormvariate, env.timeout
        mu, sigma = st.process
        up_left = lognorm(*st.tbf) if st.tbf else math.inf
        while True:
            if inbox is not None:
                yield inbox.get()
            counts[1] += 1
            work = lognorm(mu, sigma)
            while work >= up_left:  # the machine fails during this part: repair, then resume
                yield timeout(up_left)
                work -= up_left
                yield timeout(lognorm(*st.ttr))
                up_left = lognorm(*st.tbf)
            up_left -= work
            yield timeout(work)
            if outbox is not None:
                yield outbox.put(None)  # blocks while the buffer is full
            elif env.now >= warmup:
                counts[0] += 1

    for i, st in enumerate(stations):
        env.process(machine(st, stores[i - 1] if i else None, stores[i] if i < len(stores) else None))
    env.run(until=horizon)
    return counts[0], counts[1]


def simulate(stations: list[Station], buffers: list[int], replicas: int, horizon: float, warmup: float,
             seed: int = 0) -> dict:
    """``replicas`` independent replicas one after another on one core: throughput per hour per
    replica, machine operations and the wall time."""
    t0 = time.perf_counter()
    out, ops = [], 0
    for r in range(replicas):
        parts, n = run_replica(stations, buffers, horizon, warmup, seed=f"lean-{seed}-{r}")
        out.append(parts * 3600.0 / (horizon - warmup))
        ops += n
    return {"throughput_per_hour": out, "operations": ops, "wall_s": time.perf_counter() - t0}
