"""twin's Warp simulator against the independent SimPy reference model (twin/reference.py) on a
line that no closed form covers: lognormal times, finite buffers, failures of both modes.

Both estimates are means over independent replicas, so their difference has standard error
sqrt(se_twin^2 + se_ref^2); agreement means |difference| <= 3.29 of those (the 99.9% interval of
the difference). The check is only meaningful if that interval is narrow, so each KPI's combined
standard error is also required to be small (below 2% of the value for throughput, 5% for utilisations, 8% for WIP and cycle time, whose
replica-to-replica spread is large on a line with failures).
"""

import math

import pytest

import twin
from checks import standard_error
from twin.reference import simulate_reference


def five_station_line() -> twin.Plant:
    ln = twin.LogNormal
    p = twin.Plant("five stations")
    p.add(twin.Source("in", interarrival=twin.Exponential(60.0)),
          twin.Buffer("Q0"),
          twin.Machine("cut", process=ln(38, 0.6)), twin.Buffer("Q1", capacity=3),
          twin.Machine("weld", process=ln(42, 0.4), failures=twin.Failures(ln(3600, 1.0), ln(300, 0.8))),
          twin.Buffer("Q2", capacity=2),
          twin.Machine("paint", process=ln(75, 0.5), servers=2), twin.Buffer("Q3", capacity=4),
          twin.Machine("test", process=ln(40, 0.8), failures=twin.Failures(ln(2400, 0.5), ln(240, 1.0),
                                                                            mode="operation")),
          twin.Buffer("Q4", capacity=2), twin.Machine("pack", process=twin.Triangular(20, 30, 45)),
          twin.Sink("out"))
    p.line("in", "Q0", "cut", "Q1", "weld", "Q2", "paint", "Q3", "test", "Q4", "pack", "out")
    return p


@pytest.fixture(scope="module")
def reference():
    return simulate_reference(five_station_line(), replicas=60, horizon=12 * 3600, warmup=3600, seed=1)


def agree(twin_kpi, ref_values, what, max_rel_se=None):
    ref = twin.KPI.of(ref_values)
    se = math.sqrt(standard_error(twin_kpi) ** 2 + standard_error(ref) ** 2)
    diff = twin_kpi.mean - ref.mean
    assert abs(diff) <= 3.29 * se, f"{what}: twin {twin_kpi.mean:.5g} vs SimPy {ref.mean:.5g} (se {se:.3g})"
    if max_rel_se is not None:
        assert se <= max_rel_se * abs(ref.mean), f"{what}: comparison too loose (se {se:.3g})"


def test_twin_agrees_with_the_simpy_reference(device, reference):
    res = twin.simulate(five_station_line(), replicas=60, horizon=12 * 3600, warmup=3600, seed=1, device=device)
    agree(res.throughput, reference.throughput_per_hour, "throughput", max_rel_se=0.02)
    agree(res.wip, reference.wip, "WIP", max_rel_se=0.08)
    agree(res.cycle_time, reference.cycle_time_mean, "cycle time", max_rel_se=0.08)
    for m in ("cut", "weld", "paint", "test", "pack"):
        el = res.element(m)
        for kpi, ref in (("utilization", reference.utilization), ("blocked", reference.blocked),
                         ("starved", reference.starved), ("down", reference.down)):
            agree(el[kpi], ref[m], f"{m} {kpi}", max_rel_se=0.05 if kpi == "utilization" else None)
    for b in ("Q1", "Q2", "Q3"):
        agree(res.element(b)["queue"], reference.queue[b], f"{b} queue")
