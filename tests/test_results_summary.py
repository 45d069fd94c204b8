"""What `twin run` and Results show a newcomer (issue 16.5, 16.8, 16.9): good output and scrap
apart, maintenance KPIs of plants with health components, and identical parallel machines
reported as one bottleneck."""

import json

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.maintenance import Crew, HealthComponent, WeibullLife
from twin.results import parallel_groups

HOUR = 3600.0


def inspected_line():
    p = twin.Plant("inspected")
    p.add(twin.Source("in", interarrival=twin.Exponential(60)), twin.Buffer("q"),
          twin.Machine("inspect", process=twin.Exponential(40)), twin.Sink("shipped"), twin.Sink("bin", scrap=True))
    p.line("in", "q", "inspect")
    p.connect("inspect", "shipped", probability=0.9)
    p.connect("inspect", "bin", probability=0.1)
    return p


def test_good_output_and_scrap_are_reported_apart(tmp_path):
    res = twin.simulate(inspected_line(), replicas=40, horizon=8 * HOUR, warmup=HOUR, seed=3, device="cpu")
    pr = res.per_replica
    els = pr["elements"]
    # independent counters: what each sink received
    np.testing.assert_array_equal(pr["good_per_hour"], els["shipped"]["throughput_per_hour"])
    np.testing.assert_array_equal(pr["scrap_per_hour"], els["bin"]["throughput_per_hour"])
    np.testing.assert_allclose(pr["good_per_hour"] + pr["scrap_per_hour"], pr["throughput_per_hour"], rtol=1e-12)
    share = res.scrap_throughput.mean / res.throughput.mean
    assert abs(share - 0.1) < 0.02  # 10% routed to scrap; ~3,000 parts: binomial sd 0.0055
    text = res.summary()
    assert "(all sinks, scrap included)" in text
    assert f"good       {res.good_throughput:.2f} parts/h" in text
    assert f"scrap      {res.scrap_throughput:.2f} parts/h" in text
    d = json.loads(res.to_json(tmp_path / "r.json").read_text())
    assert d["good_per_hour"]["mean"] == pytest.approx(res.good_throughput.mean, rel=1e-12)
    assert d["scrap_per_hour"]["mean"] == pytest.approx(res.scrap_throughput.mean, rel=1e-12)
    assert "throughput_per_hour" in d  # the existing key stays


def test_without_a_scrap_sink_good_output_is_the_throughput():
    p = inspected_line()
    p["bin"].scrap = False
    res = twin.simulate(p, replicas=4, horizon=2 * HOUR, device="cpu")
    assert "scrap" not in res.summary()
    np.testing.assert_array_equal(res.per_replica["scrap_per_hour"], 0.0)


def worn_cell():
    spindle = HealthComponent("spindle", WeibullLife(shape=2.0, scale=6 * HOUR), clock="calendar",
                              repair=HOUR, repair_cost=500.0, service=HOUR)
    p = twin.Plant("worn cell", crew=Crew(1, 50.0))
    p.add(twin.Source("raw"), twin.Machine("cnc", process=twin.Deterministic(120), health=[spindle]),
          twin.Sink("out"))
    p.line("raw", "cnc", "out")
    return p


def test_run_summary_shows_failures_services_availability_and_cost(tmp_path, capsys):
    res = twin.simulate(worn_cell(), replicas=20, horizon=48 * HOUR, seed=2, device="cpu")
    mt = res.maintenance
    text = res.summary()
    assert f"failures {mt['failures']:.3g}, services {mt['services']:.3g} per replica" in text
    assert f"availability {100 * mt['availability'].mean:.2f}%" in text
    assert f"cost {mt['cost']:.4g} ({mt['cost_per_good_unit']:.3g} per good unit)" in text
    assert "cnc.spindle" in text
    assert mt["failures"].mean > 1  # a 6 h Weibull life over 48 h: several failures per replica
    path = tmp_path / "worn.toml"
    twin.save_scene(worn_cell(), path)
    assert main(["run", str(path), "--replicas", "4", "--horizon", "24h", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "maintenance  failures" in out and "availability" in out and "cost" in out and "cnc.spindle" in out


def placers(second=None):
    """A saturated source feeding two placers in parallel (each 150 s on average: 48/h together),
    then a reflow oven at 60 s (60/h): the pair limits the line."""
    p = twin.Plant("smt")
    p.add(twin.Source("boards", routing="first_available"),
          twin.Machine("placer_1", process=twin.Exponential(150)),
          second or twin.Machine("placer_2", process=twin.Exponential(150)),
          twin.Buffer("q", capacity=4), twin.Machine("oven", process=twin.Exponential(60)), twin.Sink("out"))
    for m in ("placer_1", "placer_2"):
        p.connect("boards", m)
        p.connect(m, "q")
    p.line("q", "oven", "out")
    return p


def test_identical_parallel_machines_are_one_bottleneck(tmp_path):
    res = twin.simulate(placers(), replicas=40, horizon=8 * HOUR, warmup=HOUR, seed=1, device="cpu")
    bn = res.bottleneck
    assert bn["group"] == ["placer_1", "placer_2"]
    assert bn["element"] in ("placer_1", "placer_2")
    assert bn["share"] >= 0.95
    # the vote the group replaces: each placer alone is the most active machine in about half
    els = res.per_replica["elements"]
    act = {n: els[n]["utilization"] + els[n]["down"] for n in ("placer_1", "placer_2", "oven")}
    alone = np.mean(act["placer_1"] > np.maximum(act["placer_2"], act["oven"]))
    assert 0.2 < alone < 0.8
    assert "placer_1 + placer_2 (identical parallel machines" in res.summary()
    d = json.loads(res.to_json(tmp_path / "r.json").read_text())
    assert d["bottleneck"]["group"] == ["placer_1", "placer_2"]


def test_machines_that_differ_are_no_group():
    assert parallel_groups(placers()) == [["placer_1", "placer_2"]]
    assert parallel_groups(placers(twin.Machine("placer_2", process=twin.Exponential(140)))) == []
    p = placers()
    p.add(twin.Machine("placer_3", process=twin.Exponential(150)))
    p.connect("boards", "placer_3")
    p.connect("placer_3", "oven")  # same spec, other successor: not the same place in the line
    assert parallel_groups(p) == [["placer_1", "placer_2"]]
