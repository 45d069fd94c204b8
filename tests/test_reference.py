"""The SimPy reference model against closed forms and hand-computed deterministic timelines.

Tolerance of the statistical tests: replicas are independent (own generator each) and each replica
mean averages many hours of steady state, so replica means are close to normal and
``mean_ci`` (Student t, 95%) is a valid confidence interval. We accept
``|estimate - exact| < 3 * half-width + bias``: three 95% half-widths are about six standard
errors, so an unbiased model fails with probability far below 1e-6 (and the seeds are fixed, so
the outcome is reproducible). ``bias`` allows for the finite warm-up (the system starts empty);
each test says why it is small. Every test also checks that its half-width is small, so that the
comparison has power.
"""

from __future__ import annotations

import importlib
import math
import sys

import numpy as np
import pytest

from twin import (Buffer, Deterministic, Exponential, Failures, Gamma, Machine, Plant, PlantError,
                  SimulationError, Sink, Source)
from twin.reference import mean_ci, simulate_reference

HOUR = 3600.0


def close(values, exact, *, bias=0.0, max_rel_hw=0.05, what=""):
    """Asserts |mean - exact| < 3 half-widths + bias, and that the half-width is informative."""
    mean, hw = mean_ci(values)
    print(f"{what}: {mean:.5g} +- {hw:.3g} (exact {exact:.5g})")
    assert hw <= max_rel_hw * abs(exact), f"{what}: CI too wide to test ({mean:.5g} +- {hw:.3g})"
    assert abs(mean - exact) < 3 * hw + bias, f"{what}: {mean:.5g} +- {hw:.3g}, exact {exact:.5g}"


def line(*elements, name="p"):
    p = Plant(name)
    p.add(*elements)
    p.line(*(e.name for e in elements))
    return p


# ---- closed forms -------------------------------------------------------------------------------

def test_mm1_l_w_utilisation_and_littles_law():
    """M/M/1 at rho = 0.8: L = rho/(1-rho) = 4 parts (buffer + machine), W = 1/(mu-lambda) = 240 s,
    utilisation 0.8. Relaxation time 1/(mu (1-sqrt rho)^2) = 1.2 h; a 5 h warm-up (4 relaxation
    times) leaves a transient bias in L below L * tau * exp(-4.2) / T = 0.002, so we allow 1%."""
    lam, mu = 1 / 60.0, 1 / 48.0
    rho = lam / mu
    p = line(Source("in", interarrival=Exponential(1 / lam)), Buffer("q"),
             Machine("m", process=Exponential(1 / mu)), Sink("out"))
    r = simulate_reference(p, replicas=24, horizon=65 * HOUR, warmup=5 * HOUR, seed=1)
    L, W = rho / (1 - rho), 1 / (mu - lam)
    close(r.wip, L, bias=0.01 * L, max_rel_hw=0.1, what="L")
    close(r.cycle_time_mean, W, bias=0.01 * W, max_rel_hw=0.1, what="W")
    close(r.utilization["m"], rho, bias=0.002, what="utilisation")
    close(r.throughput_per_hour, lam * HOUR, bias=0.002 * lam * HOUR, what="throughput")
    # Little's law inside the window, replica by replica: L - lambda*W only differs by the ages of
    # the parts present at the window's two ends, which cancel in expectation in steady state.
    lw = r.throughput_per_hour / HOUR * r.cycle_time_mean
    diff = r.wip - lw
    m, hw = mean_ci(diff)
    print(f"L - lambda W: {m:.4g} +- {hw:.3g}")
    assert abs(m) < 3 * hw + 0.01 * L and hw < 0.02 * L, (m, hw)
    # fractions of server-time sum to one; the queue of the machine is its utilisation here
    total = r.utilization["m"] + r.blocked["m"] + r.starved["m"] + r.down["m"]
    np.testing.assert_allclose(total, 1.0, rtol=1e-9)
    np.testing.assert_allclose(r.queue["m"], r.utilization["m"], rtol=1e-9)
    np.testing.assert_allclose(r.wip, r.queue["q"] + r.queue["m"], rtol=1e-9)


def test_mm2_erlang_c():
    """M/M/2 with a = lambda/mu = 1.2: Erlang C gives P(wait) = 0.45, L = a + P(wait) rho/(1-rho)
    = 1.875, utilisation per server 0.6. Relaxation is a few minutes: 1 h of warm-up leaves no
    visible bias (allowance 0.5%)."""
    p = line(Source("in", interarrival=Exponential(60.0)), Buffer("q"),
             Machine("m", process=Exponential(72.0), servers=2), Sink("out"))
    r = simulate_reference(p, replicas=16, horizon=31 * HOUR, warmup=HOUR, seed=2)
    a, c = 1.2, 2
    rho = a / c
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    assert p_wait == pytest.approx(0.45)
    close(r.utilization["m"], rho, bias=0.003, what="utilisation")
    close(r.wip, a + p_wait * rho / (1 - rho), bias=0.01, what="L")


def test_two_machines_with_buffer_throughput():
    """Saturated M1 (rate r1) -> buffer of B places -> M2 (rate r2): the parts between the machines
    (buffer, M2, and M1's blocked part) are a birth-death chain on 0..N, N = B + 2, so
    TH = r1 r2 (r2^N - r1^N) / (r2^(N+1) - r1^(N+1)), M2 is starved with probability
    pi_0 = (1 - rho)/(1 - rho^(N+1)) and M1 blocked with pi_N = pi_0 rho^N (rho = r1/r2).
    The chain relaxes in minutes; 1 h of warm-up leaves no visible bias (allowance 0.3%)."""
    r1, r2, B = 1 / 50.0, 1 / 60.0, 3
    N = B + 2
    p = line(Source("in"), Machine("m1", process=Exponential(1 / r1)), Buffer("b", capacity=B),
             Machine("m2", process=Exponential(1 / r2)), Sink("out"))
    r = simulate_reference(p, replicas=16, horizon=21 * HOUR, warmup=HOUR, seed=3)
    th = r1 * r2 * (r2**N - r1**N) / (r2 ** (N + 1) - r1 ** (N + 1)) * HOUR
    rho = r1 / r2
    pi0 = (1 - rho) / (1 - rho ** (N + 1))
    close(r.throughput_per_hour, th, bias=0.003 * th, max_rel_hw=0.02, what="TH")
    close(r.starved["m2"], pi0, bias=0.003, max_rel_hw=0.1, what="M2 starved")
    close(r.blocked["m1"], pi0 * rho**N, bias=0.003, max_rel_hw=0.1, what="M1 blocked")
    assert np.all(r.starved["m1"] == 0) and np.all(r.blocked["m2"] == 0)
    assert np.all(r.blocked["in"] > 0.9)  # a saturated source is blocked whenever M1 is busy


def test_saturated_machine_with_time_failures():
    """A saturated machine with time-dependent failures processes exactly while it is up, so
    TH = A / t0 with A = MTBF/(MTBF + MTTR) = 0.9, and down = 1 - A. Starting up (not in the
    stationary mix of up and down) biases the down fraction by at most
    MTTR * MTBF / (MTBF + MTTR) / T = 180 s / 20 h = 0.0025 before the warm-up discounts it."""
    t0, mtbf, mttr = 30.0, 1800.0, 200.0
    A = mtbf / (mtbf + mttr)
    p = line(Source("in"), Machine("m", process=Deterministic(t0),
                                   failures=Failures(Exponential(mtbf), Exponential(mttr))), Sink("out"))
    r = simulate_reference(p, replicas=24, horizon=21 * HOUR, warmup=HOUR, seed=4)
    close(r.throughput_per_hour, A / t0 * HOUR, bias=0.0025 * A / t0 * HOUR, what="TH")
    close(r.down["m"], 1 - A, bias=0.0025, max_rel_hw=0.1, what="down")
    close(r.utilization["m"], A, bias=0.0025, what="utilisation")
    assert np.all(r.starved["m"] == 0) and np.all(r.blocked["m"] == 0)


def test_operation_dependent_failures_scale_with_busy_time():
    """Operation-dependent failures: the clock runs only while the machine processes, so failures
    come at rate 1/MTBF per busy second and down = u * MTTR / MTBF with u = lambda * t0 = 0.5
    (time-dependent failures would give 1 - A = 0.0625). Allowance 0.001 for the transient."""
    lam, t0, mtbf, mttr = 1 / 60.0, 30.0, 1800.0, 120.0
    p = line(Source("in", interarrival=Exponential(1 / lam)), Buffer("q"),
             Machine("m", process=Deterministic(t0),
                     failures=Failures(Exponential(mtbf), Exponential(mttr), mode="operation")),
             Sink("out"))
    r = simulate_reference(p, replicas=24, horizon=41 * HOUR, warmup=HOUR, seed=5)
    u = lam * t0
    close(r.utilization["m"], u, bias=0.002, max_rel_hw=0.03, what="utilisation")
    close(r.down["m"], u * mttr / mtbf, bias=0.001, max_rel_hw=0.15, what="down")


def test_rework_loop_probability_routing():
    """A fraction p = 0.25 of the machine's output goes back to its buffer: the machine sees
    lambda / (1 - p) arrivals (80/h), the sink lambda (60/h); with Bernoulli feedback the number
    in the loop is that of an M/M/1 with rho = lambda t / (1 - p) = 2/3, so L = 2.
    Allowances: 0.5% for the transient after a 2 h warm-up (relaxation < 0.3 h)."""
    lam, t, pr = 1 / 60.0, 30.0, 0.25
    p = Plant("rework")
    p.add(Source("in", interarrival=Exponential(1 / lam)), Buffer("q"),
          Machine("m", process=Exponential(t)), Sink("out"))
    p.connect("in", "q")
    p.connect("q", "m")
    p.connect("m", "q", probability=pr)
    p.connect("m", "out", probability=1 - pr)
    r = simulate_reference(p, replicas=16, horizon=32 * HOUR, warmup=2 * HOUR, seed=6)
    dep = r.element_throughput_per_hour
    close(dep["m"], lam * HOUR / (1 - pr), bias=0.005 * 80, max_rel_hw=0.02, what="machine departures")
    close(dep["out"], lam * HOUR, bias=0.005 * 60, max_rel_hw=0.02, what="sink arrivals")
    m, hw = mean_ci(dep["m"] - dep["in"] / (1 - pr))  # the identity replica by replica
    print(f"machine departures - arrivals/(1-p): {m:.4g} +- {hw:.3g} per hour")
    assert abs(m) < 3 * hw + 0.4, (m, hw)
    rho = lam * t / (1 - pr)
    close(r.utilization["m"], rho, bias=0.003, what="utilisation")
    close(r.wip, rho / (1 - rho), bias=0.02, max_rel_hw=0.15, what="L")


# ---- exact deterministic timelines --------------------------------------------------------------

def one(plant, horizon, warmup=0.0):
    return simulate_reference(plant, replicas=1, horizon=horizon, warmup=warmup)


def test_preempt_resume_time_failures_exact():
    """Process 100 s, up 230 s, repair 50 s: the up time by t = 1000 is 3 * 230 + 160 = 850 s, so
    8 parts are done (the 8th at 950 s); down 150 s; a part hit by a failure resumes."""
    p = line(Source("s"), Machine("m", process=Deterministic(100),
                                  failures=Failures(Deterministic(230), Deterministic(50))), Sink("k"))
    r = one(p, 1000.0)
    assert r.element_throughput_per_hour["k"][0] * 1000 / HOUR == pytest.approx(8)
    assert r.down["m"][0] == pytest.approx(0.15)
    assert r.utilization["m"][0] == pytest.approx(0.85)


def test_operation_failures_and_source_clock_exact():
    """Arrivals every 200 s after the previous part left, process 100 s, 170 s of busy time to a
    failure, repair 50 s: parts finish at 300, 550 (failed at 470, resumed at 520), 700 and 950
    (failed at 840 after 30 + 100 + 40 busy seconds); cycle times 100, 150, 100, 150."""
    p = line(Source("s", interarrival=Deterministic(200)),
             Machine("m", process=Deterministic(100),
                     failures=Failures(Deterministic(170), Deterministic(50), mode="operation")),
             Sink("k"))
    r = one(p, 1000.0)
    assert r.throughput_per_hour[0] * 1000 / HOUR == pytest.approx(4)
    assert r.down["m"][0] == pytest.approx(0.1)
    assert r.utilization["m"][0] == pytest.approx(0.4)
    assert r.starved["m"][0] == pytest.approx(0.5)
    np.testing.assert_allclose(r.cycle_times[0], [100, 150, 100, 150])


def test_blocking_after_service_and_blocked_source_exact():
    """Saturated source -> M1 (10 s) -> M2 (20 s), no buffer: M1 is blocked half the time, WIP 2,
    cycle time 40 s. A source with arrivals every 10 s before a 15 s machine holds each part 5 s:
    its clock restarts when the part leaves."""
    p = line(Source("s"), Machine("m1", process=Deterministic(10)),
             Machine("m2", process=Deterministic(20)), Sink("k"))
    r = one(p, 1000.0, warmup=100.0)
    assert r.blocked["m1"][0] == pytest.approx(0.5) and r.utilization["m2"][0] == pytest.approx(1.0)
    assert r.throughput_per_hour[0] == pytest.approx(180.0)
    assert r.wip[0] == pytest.approx(2.0) and r.cycle_time_mean[0] == pytest.approx(40.0)
    p = line(Source("s", interarrival=Deterministic(10)), Machine("m", process=Deterministic(15)), Sink("k"))
    r = one(p, 1015.0, warmup=15.0)
    assert r.utilization["m"][0] == pytest.approx(1.0)
    assert r.blocked["s"][0] == pytest.approx(67 * 5 / 1000)  # held 5 s before leaving at 25, 40, ..., 1015


def test_merge_longest_ready_first_ties_by_predecessor_order():
    """Two saturated sources into one 10 s machine: at t = 0 and t = 10 both parts have been ready
    since 0, the first predecessor wins both ties; afterwards the part ready longest alternates.
    A buffer head is ready from when it became head (not from its entry): with a full buffer of
    saturated parts in place of the first source, the counts are the same."""
    for first in ("source", "buffer"):
        p = Plant("merge")
        if first == "source":
            p.add(Source("a"))
            feeder = "a"
        else:
            p.add(Source("s0"), Buffer("a", capacity=2))
            p.connect("s0", "a")
            feeder = "a"
        p.add(Source("b"), Machine("m", process=Deterministic(10)), Sink("k"))
        p.connect(feeder, "m")
        p.connect("b", "m")
        p.connect("m", "k")
        dep = one(p, 995.0).element_throughput_per_hour  # machine pulls at 0, 10, ..., 990
        counts = {n: round(dep[n][0] * 995 / HOUR) for n in ("a", "b", "m")}
        assert counts == {"a": 51, "b": 49, "m": 99}, (first, counts)


def test_first_available_takes_successors_in_order_probability_draws():
    """Arrivals every 100 s to a 1 s machine feeding two 10 s machines: with first_available every
    part goes to the first one (always idle); with probabilities 0.3/0.7 the split follows them."""
    def plant(routing, probs):
        p = Plant(routing)
        p.add(Source("s", interarrival=Deterministic(100)), Machine("m0", process=Deterministic(1), routing=routing),
              Machine("a", process=Deterministic(10)), Machine("b", process=Deterministic(10)), Sink("k"))
        p.connect("s", "m0")
        p.connect("m0", "a", probability=probs[0])
        p.connect("m0", "b", probability=probs[1])
        p.connect("a", "k")
        p.connect("b", "k")
        return p

    dep = one(plant("first_available", (None, None)), 100_050.0).element_throughput_per_hour
    assert dep["a"][0] * 100_050 / HOUR == pytest.approx(1000) and dep["b"][0] == 0  # all 1000 to a
    dep = simulate_reference(plant("probability", (0.3, 0.7)), 10, 100_000.0, seed=7).element_throughput_per_hour
    share = dep["a"] / (dep["a"] + dep["b"])
    close(share, 0.3, max_rel_hw=0.05, what="share to a")


# ---- API ----------------------------------------------------------------------------------------

def small_line():
    return line(Source("in", interarrival=Exponential(50)), Buffer("q", capacity=4),
                Machine("m1", process=Gamma(40, 0.7), servers=2,
                        failures=Failures(Exponential(900), Exponential(120), mode="operation")),
                Buffer("b", capacity=2),
                Machine("m2", process=Exponential(35), failures=Failures(Exponential(1200), Exponential(90))),
                Sink("out"))


def test_reproducible_independent_replicas_and_consistent_kpis():
    p = small_line()
    a = simulate_reference(p, replicas=3, horizon=4 * HOUR, warmup=HOUR, seed=11)
    b = simulate_reference(p, replicas=2, horizon=4 * HOUR, warmup=HOUR, seed=11)
    c = simulate_reference(p, replicas=2, horizon=4 * HOUR, warmup=HOUR, seed=12)
    np.testing.assert_array_equal(a.throughput_per_hour[:2], b.throughput_per_hour)  # replica r alone
    np.testing.assert_array_equal(a.queue["q"][:2], b.queue["q"])
    assert len(set(a.wip)) == 3 and not np.array_equal(b.wip, c.wip)
    for m in ("m1", "m2"):
        total = a.utilization[m] + a.blocked[m] + a.starved[m] + a.down[m]
        np.testing.assert_allclose(total, 1.0, rtol=1e-9)
        assert np.all(a.down[m] > 0)
    np.testing.assert_allclose(a.wip, sum(a.queue[n] for n in ("q", "m1", "b", "m2")), rtol=1e-9)
    np.testing.assert_allclose(a.throughput_per_hour, a.element_throughput_per_hour["out"])
    np.testing.assert_allclose(a.cycle_time_mean, [ct.mean() for ct in a.cycle_times])
    assert all(ct.size == round(th * 3) for ct, th in zip(a.cycle_times, a.throughput_per_hour))
    s = a.summary()
    assert s["utilization[m1]"][0] == pytest.approx(a.utilization["m1"].mean())
    assert set(s) >= {"throughput_per_hour", "wip", "cycle_time_mean", "blocked[in]", "queue[b]"}
    assert a.wall_time > 0


def test_bad_input():
    with pytest.raises(PlantError):
        simulate_reference(Plant("empty"), replicas=1, horizon=10.0)
    p = small_line()
    for kwargs in ({"replicas": 0, "horizon": 10.0}, {"replicas": 1, "horizon": 10.0, "warmup": 10.0},
                   {"replicas": 1, "horizon": math.inf}, {"replicas": 1, "horizon": 10.0, "seed": -1}):
        with pytest.raises(ValueError):
            simulate_reference(p, **kwargs)
    unstable = line(Source("in", interarrival=Exponential(10)), Buffer("q"),
                    Machine("m", process=Exponential(20)), Sink("out"))
    unstable.unbounded_storage = 50
    with pytest.raises(SimulationError, match="unstable"):
        simulate_reference(unstable, replicas=1, horizon=10 * HOUR)
    with pytest.raises(PlantError, match="no time passing"):  # refused by validation (twin/plant.py)
        simulate_reference(line(Source("in"), Sink("out")), replicas=1, horizon=10.0)


def test_missing_simpy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "simpy", None)
    monkeypatch.delitem(sys.modules, "twin.reference")
    with pytest.raises(ImportError, match=r"pip install twin\[reference\]"):
        importlib.import_module("twin.reference")
