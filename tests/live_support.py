"""Shared by tests/live: a small line of the basic kinds, one with a belt and a delay, a wafer cell
with a cluster tool and a robot arm, and a two-sample check."""

import numpy as np

import twin


def line(process=None, failures=True, name="live-line"):
    p = twin.Plant(name)
    p.add(twin.Source("src", interarrival=twin.Exponential(70)))
    p.add(twin.Buffer("b1", capacity=5))
    fail = twin.Failures(tbf=twin.Weibull(1.5, 3000), ttr=twin.Exponential(300)) if failures else None
    p.add(twin.Machine("m1", process=process or twin.LogNormal(60, 0.5), failures=fail))
    p.add(twin.Buffer("b2", capacity=3))
    p.add(twin.Machine("m2", process=twin.Gamma(50, 0.4) if process is None else process))
    p.add(twin.Sink("out"))
    p.line("src", "b1", "m1", "b2", "m2", "out")
    return p


def belt_line(accumulating=True, random=False, name="belt-line"):
    """Source -> belt -> machine -> delay (it blocks) -> machine -> sink."""
    p = twin.Plant(name)
    if random:
        p.add(twin.Source("s", interarrival=twin.Exponential(9)),
              twin.Machine("m", process=twin.LogNormal(8, 0.4),
                           failures=twin.Failures(tbf=twin.Weibull(1.5, 900), ttr=twin.Exponential(60))),
              twin.Delay("d", delay=twin.Uniform(15, 45), capacity=3), twin.Machine("m2", process=twin.Gamma(9.5, 0.3)))
    else:
        p.add(twin.Source("s", interarrival=twin.Deterministic(7)), twin.Machine("m", process=twin.Deterministic(9)),
              twin.Delay("d", delay=twin.Deterministic(30), capacity=4), twin.Machine("m2", process=twin.Deterministic(10.5)))
    p.add(twin.Conveyor("c", length=6.0, speed=0.5, pitch=0.5, accumulating=accumulating), twin.Sink("k"))
    p.line("s", "c", "m", "d", "m2", "k")
    return p


def wafer_cell(random=False, name="wafer-cell", tool_health=(), arm_health=()):
    """foups -> q -> tool -> arm -> ob -> m -> out: a cluster tool (2 steps of 2 chambers, 2 load
    locks of 2 wafers, 5 wafers a FOUP, recipes 60 and 80 s when not random) whose finished FOUPs a
    one-joint arm carries to a buffer before a machine (the arm turns 120 degrees each way: a move
    of 10.87 s, grip and release 0.5 s). With health components, one technician repairs them."""
    import math
    from twin import ClusterTool, ProcessStep
    from twin.equipment.robot import DH, Robot, Task
    rec = (twin.LogNormal(60, 0.3), twin.Gamma(80, 0.2)) if random else (60.0, 80.0)
    tool = ClusterTool("tool", steps=[ProcessStep(2, rec[0]), ProcessStep(2, rec[1])], vtm_robot="single",
                       load_ports=2, wafers_per_lot=5, load_locks=2, load_lock_capacity=2,
                       pump_time=twin.Uniform(10, 20) if random else 15.0, vent_time=12.0, atm_move_time=6.0,
                       rotate_speed=math.pi / 2, rotate_acceleration=math.pi, health=list(tool_health))
    arm = Robot("arm", dh=DH(a=(1.2,), alpha=(0.0,), d=(0.8,)), max_velocity=0.2, max_acceleration=0.5,
                joint_limits=[(-np.pi, np.pi)], home=(0.0,), position=(0.0, 0.0, 0.0),
                tasks=[Task("tool", "ob", (0.6, -1.04, 0.8), (0.6, 1.04, 0.8), orientation="free")],
                link_masses=(5.0,), payload=2.0, health=list(arm_health))
    p = twin.Plant(name, crew=twin.maintenance.Crew(1) if tool_health or arm_health else None)
    p.add(twin.Source("foups", interarrival=twin.Exponential(300) if random else twin.Deterministic(250)),
          twin.Buffer("q", capacity=4), tool, arm, twin.Buffer("ob", capacity=1),
          twin.Machine("m", process=twin.Gamma(40, 0.3) if random else twin.Deterministic(40)), twin.Sink("out"))
    p.line("foups", "q", "tool", "arm", "ob", "m", "out")
    return p


def close(a, b, what):
    """Means of two independent batches agree within 4 standard errors of their difference
    (a false alarm has probability ~6e-5 per comparison)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= 4 * se + 1e-12, f"{what}: {a.mean():.4f} vs {b.mean():.4f} (se {se:.4f})"
