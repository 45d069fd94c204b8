"""The simulator against closed-form queueing results.

Each test states its exact value and tolerance: ``assert_matches`` allows 4 standard errors of
the mean over replicas plus a stated systematic allowance. Replica counts and horizons are chosen
so that a standard error is about 1% of the value, which keeps the check meaningful (a 3-5%
modelling error fails it) while the file runs in well under a minute on one CPU core.
"""

import math

import pytest

import twin
from checks import assert_matches, standard_error


def mm_c(lam: float, mu: float, c: int) -> dict:
    """Exact M/M/c measures (Erlang C)."""
    a = lam / mu
    rho = a / c
    tail = a ** c / math.factorial(c) / (1 - rho)
    p0 = 1.0 / (sum(a ** k / math.factorial(k) for k in range(c)) + tail)
    p_wait = tail * p0
    lq = p_wait * rho / (1 - rho)
    return {"Lq": lq, "L": lq + a, "Wq": lq / lam, "W": lq / lam + 1 / mu, "rho": rho}


def open_queue(lam: float, mu: float, c: int = 1) -> twin.Plant:
    p = twin.Plant(f"M/M/{c}")
    p.add(twin.Source("arrivals", interarrival=twin.Exponential(1 / lam)), twin.Buffer("queue"),
          twin.Machine("server", process=twin.Exponential(1 / mu), servers=c), twin.Sink("done"))
    p.line("arrivals", "queue", "server", "done")
    return p


@pytest.mark.parametrize("c", [1, 3])
def test_mmc_matches_erlang_c(device, c):
    lam, rho = 1.0, 0.8
    mu = lam / (rho * c)
    exact = mm_c(lam, mu, c)
    # Relaxation time of M/M/1 at rho = 0.8 is ~1 / (mu (1 - sqrt(rho))^2) ~ 72 s: a 2,000 s warm-up
    # leaves an initial-state bias far below 0.1% (allowance 0.5% of the value).
    res = twin.simulate(open_queue(lam, mu, c), replicas=64, horizon=30_000, warmup=2_000, seed=11,
                        device=device)
    server, queue = res.element("server"), res.element("queue")
    assert_matches(res.wip, exact["L"], bias=0.005 * exact["L"], what="L")
    assert_matches(queue["queue"], exact["Lq"], bias=0.005 * exact["Lq"], what="Lq")
    assert_matches(res.cycle_time, exact["W"], bias=0.005 * exact["W"], what="W")
    # Wq by Little's law on the queue (Lq / throughput per second):
    wq = queue["queue"].mean / (res.throughput.mean / 3600)
    assert wq == pytest.approx(exact["Wq"], rel=0.04)
    assert_matches(server["utilization"], exact["rho"], bias=0.002, what="utilisation")
    assert_matches(res.throughput, 3600 * lam, bias=0.0, what="throughput")
    # Little's law on the output itself: L = lambda W (same parts, same window).
    little = res.throughput.mean / 3600 * res.cycle_time.mean
    assert res.wip.mean == pytest.approx(little, rel=0.01)


def test_mm1_cycle_time_percentiles(device):
    """M/M/1 sojourn time is exponential with mean W: p-quantile = -W ln(1 - p)."""
    lam, mu = 1.0, 1.25
    w = 1 / (mu - lam)
    res = twin.simulate(open_queue(lam, mu), replicas=32, horizon=30_000, warmup=2_000, seed=3, device=device)
    for q in (0.5, 0.9, 0.95):
        # ~900k parts pooled: the quantile's sampling error is < 1% (histogram bins add 0.3%).
        assert res.cycle_time_quantile(q) == pytest.approx(-w * math.log(1 - q), rel=0.03), q


def saturated_pair(r1: float, r2: float, slots: int) -> twin.Plant:
    p = twin.Plant("two machines")
    p.add(twin.Source("raw"), twin.Machine("M1", process=twin.Exponential(1 / r1)), twin.Buffer("B", capacity=slots),
          twin.Machine("M2", process=twin.Exponential(1 / r2)), twin.Sink("out"))
    p.line("raw", "M1", "B", "M2", "out")
    return p


@pytest.mark.parametrize("r1,r2,slots", [(1.0, 1.5, 3), (1.2, 1.2, 2)])
def test_two_machine_line_with_finite_buffer(device, r1, r2, slots):
    """Blocking after service, exponential machines, N = B + 2 parts fit between them."""
    n = slots + 2
    if r1 == r2:
        exact = r1 * n / (n + 1)
    else:
        exact = r1 * r2 * (r2 ** n - r1 ** n) / (r2 ** (n + 1) - r1 ** (n + 1))
    res = twin.simulate(saturated_pair(r1, r2, slots), replicas=48, horizon=20_000, warmup=500, seed=5,
                        device=device)
    assert_matches(res.throughput, 3600 * exact, bias=0.002 * 3600 * exact, what="throughput")
    m1 = res.element("M1")
    # M1 is never starved (saturated source) and is blocked exactly when it is not busy:
    assert m1["starved"].mean == 0.0
    assert m1["utilization"].mean + m1["blocked"].mean == pytest.approx(1.0, abs=1e-12)
    assert_matches(m1["utilization"], exact / r1, bias=0.002, what="M1 utilisation")


def test_open_jackson_network_with_rework(device):
    """Poisson arrivals, two exponential stations, a fraction p of parts sent back to the first.
    Traffic equations: both stations see Lambda = lam / (1 - p); each behaves as M/M/1."""
    lam, p_back = 0.5, 0.25
    mu1, mu2 = 1.0, 0.9
    big = lam / (1 - p_back)
    p = twin.Plant("rework")
    p.add(twin.Source("in", interarrival=twin.Exponential(1 / lam)), twin.Buffer("Q1"),
          twin.Machine("S1", process=twin.Exponential(1 / mu1)), twin.Buffer("Q2"),
          twin.Machine("S2", process=twin.Exponential(1 / mu2)), twin.Sink("out"))
    p.line("in", "Q1", "S1", "Q2", "S2")
    p.connect("S2", "out", probability=1 - p_back)
    p.connect("S2", "Q1", probability=p_back)
    res = twin.simulate(p, replicas=64, horizon=30_000, warmup=2_000, seed=17, device=device)
    total_l = 0.0
    for name, mu in (("S1", mu1), ("S2", mu2)):
        rho = big / mu
        total_l += rho / (1 - rho)
        assert_matches(res.element(name)["throughput_per_hour"], 3600 * big, bias=0.0, what=f"{name} departures")
        assert_matches(res.element(name)["utilization"], rho, bias=0.003, what=f"{name} utilisation")
    assert_matches(res.throughput, 3600 * lam, what="plant throughput")
    assert_matches(res.wip, total_l, bias=0.01 * total_l, what="L")
    assert_matches(res.cycle_time, total_l / lam, bias=0.01 * total_l / lam, what="W")


@pytest.mark.parametrize("mode", ["time", "operation"])
def test_machine_with_failures(device, mode):
    """A saturated machine, constant cycle t0, exponential failures: TH = A / t0 with
    A = MTBF / (MTBF + MTTR) for either failure mode (the machine is always busy)."""
    t0, mtbf, mttr = 30.0, 2_000.0, 250.0
    a = mtbf / (mtbf + mttr)
    p = twin.Plant("failing")
    p.add(twin.Source("raw"), twin.Machine("M", process=twin.Deterministic(t0), failures=twin.Failures(
        twin.Exponential(mtbf), twin.Exponential(mttr), mode=mode)), twin.Sink("out"))
    p.line("raw", "M", "out")
    res = twin.simulate(p, replicas=96, horizon=200_000, warmup=5_000, seed=23, device=device)
    m = res.element("M")
    # Up/down cycles last ~2,250 s, so each replica sees ~87 cycles: SE ~1.5% of throughput.
    assert_matches(res.throughput, 3600 * a / t0, bias=0.002 * 3600 / t0, what="throughput")
    assert_matches(m["down"], 1 - a, bias=0.002, what="down fraction")
    assert m["utilization"].mean + m["down"].mean == pytest.approx(1.0, abs=1e-9)


def test_time_step_convergence(device):
    """Durations are whole steps, so a coarse dt distorts an M/M/1 queue (mean service 0.8 s).

    The finest step must agree with the exact L within statistics, the coarsest must be visibly
    wrong, and the error must shrink as dt shrinks. All runs share a seed, so the same uniforms
    drive every dt (common random numbers): the difference between a run and the finest run is
    almost free of sampling noise and shows the discretisation error alone. The rounding keeps
    means exact, so the error is second order in dt: halving dt divides it by about 4."""
    exact = 0.8 / 0.2
    runs = {}
    for dt in (0.4, 0.2, 0.1, 0.001):
        runs[dt] = twin.simulate(open_queue(1.0, 1.25), replicas=64, horizon=20_000, warmup=1_000, seed=7,
                                 dt=dt, device=device).wip
    assert_matches(runs[0.001], exact, bias=0.005 * exact, what="L at dt = 0.001 s")
    assert abs(runs[0.4].mean - exact) > 5 * standard_error(runs[0.4])  # coarse: wrong beyond doubt
    step_error = {dt: abs(kpi.mean - runs[0.001].mean) for dt, kpi in runs.items() if dt != 0.001}
    assert step_error[0.4] > step_error[0.2] > step_error[0.1], step_error
    assert 2.5 < step_error[0.4] / step_error[0.2] < 6.5, step_error  # second order: ~4
