"""Benchmark plants: serial lines with buffers and failures, built the same way at any size."""

from __future__ import annotations

import numpy as np

import twin


def failing_line(stations: int = 15, seed: int = 0, buffer_capacity: int = 4, utilisation: float = 0.85,
                 mean_cycle: float = 60.0, belts: bool = False) -> twin.Plant:
    """A serial line of ``stations`` machines with lognormal process times (cv 0.3-0.7) around
    ``mean_cycle`` seconds, finite buffers between them, time-dependent failures on every third
    machine (MTBF 2-6 h, MTTR 5-20 min, lognormal), Poisson arrivals at ``utilisation`` of the
    slowest station's effective capacity and an unbounded input queue.

    ``belts=True``: the same line (same machines, same random draws of its parameters) with an
    accumulating belt conveyor in place of each buffer, holding as many parts (pitch 0.5 m,
    0.25 m/s: 2 s per pitch, 8 s across a 4-part belt)."""
    rng = np.random.default_rng(seed)
    p = twin.Plant(f"{stations}-station line with failures" + (" and belts" if belts else ""))
    names = ["arrivals", "input_queue"]
    machines = []
    for i in range(stations):
        m = f"M{i + 1:02d}"
        failures = None
        if i % 3 == 1:
            failures = twin.Failures(twin.LogNormal(float(rng.uniform(2, 6)) * 3600, 1.0),
                                     twin.LogNormal(float(rng.uniform(5, 20)) * 60, 0.7))
        machines.append(twin.Machine(m, process=twin.LogNormal(mean_cycle * float(rng.uniform(0.7, 1.0)),
                                                               float(rng.uniform(0.3, 0.7))), failures=failures,
                                     position=(3.0 * i + 3.0, 0.0, 0.0)))
        names.append(m)
        if i < stations - 1:
            names.append(f"B{i + 1:02d}")
    bottleneck = min(m.capacity_per_hour for m in machines)
    p.add(twin.Source("arrivals", interarrival=twin.Exponential(3600.0 / (utilisation * bottleneck)),
                      position=(-3.0, 0.0, 0.0)),
          twin.Buffer("input_queue", position=(0.0, 0.0, 0.0)))
    for i, m in enumerate(machines):
        p.add(m)
        if i < stations - 1:
            name, at = f"B{i + 1:02d}", (3.0 * i + 4.5, 0.0, 0.0)
            p.add(twin.Conveyor(name, speed=0.25, pitch=0.5, length=0.5 * buffer_capacity, position=at) if belts
                  else twin.Buffer(name, capacity=buffer_capacity, position=at))
    p.add(twin.Sink("shipped", position=(3.0 * stations + 3.0, 0.0, 0.0)))
    names.append("shipped")
    p.line(*names)
    return p
