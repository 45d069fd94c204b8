"""Shared by tests/live: a small line of the basic kinds, one with a belt and a delay, and a two-sample check."""

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


def close(a, b, what):
    """Means of two independent batches agree within 4 standard errors of their difference
    (a false alarm has probability ~6e-5 per comparison)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= 4 * se + 1e-12, f"{what}: {a.mean():.4f} vs {b.mean():.4f} (se {se:.4f})"
