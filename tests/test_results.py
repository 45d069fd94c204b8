"""Results: the KPI definitions, the JSON contract, the summary table and the bottleneck."""

import json
import math

import numpy as np
import pytest

import twin
from twin.results import ELEMENT_KPIS


def unbalanced() -> twin.Plant:
    p = twin.Plant("unbalanced")
    p.add(twin.Source("raw"), twin.Machine("fast", process=twin.Exponential(40)), twin.Buffer("b1", capacity=5),
          twin.Machine("slow", process=twin.Exponential(60)), twin.Buffer("b2", capacity=5),
          twin.Machine("medium", process=twin.Exponential(50), failures=twin.Failures(
              twin.Exponential(4 * 3600), twin.Exponential(600))),
          twin.Sink("out"))
    p.line("raw", "fast", "b1", "slow", "b2", "medium", "out")
    return p


@pytest.fixture(scope="module")
def result():
    return twin.simulate(unbalanced(), replicas=40, horizon=40_000, warmup=4_000, seed=2, device="cpu")


def test_json_contract(result, tmp_path):
    path = result.to_json(tmp_path / "out" / "r.json")
    d = json.loads(path.read_text())
    assert d["schema"] == "twin.results/1"
    assert set(d) == {"schema", "plant", "meta", "throughput_per_hour", "good_per_hour", "scrap_per_hour", "wip",
                      "cycle_time_s", "bottleneck", "elements"}
    assert {"device", "replicas", "horizon_s", "warmup_s", "dt_s", "seed", "twin_version", "wall_time_s"} \
        <= set(d["meta"])
    assert d["meta"]["replicas"] == 40 and d["meta"]["device"] == "cpu" and d["meta"]["seed"] == 2
    assert {"mean", "ci95"} <= set(d["throughput_per_hour"])
    assert {"mean", "ci95", "p50", "p90", "p95"} <= set(d["cycle_time_s"])
    assert d["cycle_time_s"]["p50"] < d["cycle_time_s"]["p90"] < d["cycle_time_s"]["p95"]
    assert d["bottleneck"]["element"] == "slow"
    for name, el in d["elements"].items():
        assert set(el) == {"kind", *ELEMENT_KPIS[el["kind"]]}, name
        for k in ELEMENT_KPIS[el["kind"]]:
            assert set(el[k]) == {"mean", "ci95"}
    assert d["elements"]["slow"]["utilization"]["mean"] == pytest.approx(result.element("slow")["utilization"].mean)
    assert d["elements"]["raw"]["blocked"]["mean"] is None  # saturated source: not applicable


def test_machine_time_fractions_partition_time(result):
    for name in ("fast", "slow", "medium"):
        el = result.per_replica["elements"][name]
        total = el["utilization"] + el["blocked"] + el["starved"] + el["down"]
        np.testing.assert_allclose(total, 1.0, atol=1e-12)


def test_flow_conservation_and_littles_law(result):
    pr = result.per_replica
    # Parts in minus parts out equals the WIP change over the window: at most the WIP capacity.
    cap = 1 + 5 + 1 + 5 + 1
    assert np.all(np.abs(pr["parts_in"] - pr["parts_out"]) <= cap)
    # Per element: parts that left a and parts that left the next element b differ by at most
    # what b can hold (transfers are instantaneous, so nothing is in flight between them).
    els, window_h = pr["elements"], (40_000 - 4_000) / 3600
    for a, b, b_holds in (("fast", "b1", 5), ("b1", "slow", 1), ("slow", "b2", 5), ("b2", "medium", 1)):
        left_a = els[a]["throughput_per_hour"] * window_h
        left_b = els[b]["throughput_per_hour"] * window_h
        assert np.all(np.abs(left_a - left_b) <= b_holds + 1e-9), (a, b)
    little = result.throughput.mean / 3600 * result.cycle_time.mean
    assert result.wip.mean == pytest.approx(little, rel=0.02)


def test_bottleneck_is_the_slowest_station(result):
    bn = result.bottleneck
    assert bn["element"] == "slow"
    assert bn["share"] > 0.8
    assert bn["active"]["slow"] > bn["active"]["medium"] > bn["active"]["fast"]


def test_summary_lists_every_element(result):
    text = result.summary()
    for name in ("raw", "fast", "b1", "slow", "b2", "medium", "out", "throughput", "bottleneck   slow"):
        assert name in text
    assert f"{result.throughput.mean:.2f}" in text


def test_kpi_interval_uses_student_t():
    kpi = twin.KPI.of([1.0, 2.0, 3.0])
    assert kpi.mean == 2.0
    assert kpi.ci95 == pytest.approx(4.302652729749464 * 1.0 / math.sqrt(3), rel=1e-9)
    assert math.isnan(twin.KPI.of([5.0]).ci95)
    assert format(kpi, ".1f") == "2.0 ± 2.5"


def test_overflowing_unbounded_buffer_is_an_error():
    p = twin.Plant("unstable", unbounded_storage=50)
    p.add(twin.Source("in", interarrival=twin.Exponential(10)), twin.Buffer("queue"),
          twin.Machine("m", process=twin.Exponential(12)), twin.Sink("out"))
    p.line("in", "queue", "m", "out")
    with pytest.raises(twin.SimulationError, match="element 'queue'.*unstable"):
        twin.simulate(p, replicas=4, horizon=20_000, device="cpu")
