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


def saturated_line(stations: int = 20, seed: int = 0, buffer_capacity: int = 4, mean_cycle: float = 60.0,
                   failures: bool = True) -> twin.Plant:
    """The engine benchmark: a saturated serial line (a part is always waiting at the first
    machine) of ``stations`` single-server machines with lognormal process times (mean
    ``mean_cycle`` x U(0.7, 1.0), cv U(0.3, 0.7)), a buffer of ``buffer_capacity`` places between
    consecutive machines (blocking after service) and operation-dependent failures on every third
    machine (busy time between failures lognormal, mean U(2, 6) h, cv 1; repair lognormal, mean
    U(5, 20) min, cv 0.7). ``benchmarks/lean_simpy.py`` models exactly this line."""
    rng = np.random.default_rng(seed)
    p = twin.Plant(f"saturated {stations}-station line with failures")
    names = ["release"]
    p.add(twin.Source("release", position=(0.0, 0.0, 0.0)))
    for i in range(stations):
        m = f"M{i + 1:03d}"
        mean, cv = mean_cycle * float(rng.uniform(0.7, 1.0)), float(rng.uniform(0.3, 0.7))
        mtbf, mttr = float(rng.uniform(2, 6)) * 3600, float(rng.uniform(5, 20)) * 60
        fails = twin.Failures(twin.LogNormal(mtbf, 1.0), twin.LogNormal(mttr, 0.7), mode="operation") \
            if failures and i % 3 == 1 else None
        p.add(twin.Machine(m, process=twin.LogNormal(mean, cv), failures=fails, position=(3.0 * i + 3.0, 0.0, 0.0)))
        names.append(m)
        if i < stations - 1:
            p.add(twin.Buffer(f"B{i + 1:03d}", capacity=buffer_capacity, position=(3.0 * i + 4.5, 0.0, 0.0)))
            names.append(f"B{i + 1:03d}")
    p.add(twin.Sink("shipped", position=(3.0 * stations + 3.0, 0.0, 0.0)))
    p.line(*names, "shipped")
    return p
