"""Experiments: factor paths, designs, common random numbers, CIs against closed forms, the
Parquet store and resuming."""

import json

import numpy as np
import pytest

import twin
from twin.study import Experiment, FactorError, valid_paths

pd = pytest.importorskip("pandas")

RUN = dict(replicas=30, horizon=400.0, warmup=40.0, device="cpu")


def _no_runs(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a kernel ran before the study was validated")
    monkeypatch.setattr(twin.Simulator, "run", boom)


def test_bad_paths_and_levels_are_one_clear_error_before_any_run(two_station, monkeypatch):
    _no_runs(monkeypatch)
    p = two_station()
    with pytest.raises(FactorError, match=r"did you mean 'b.capacity'"):
        Experiment(p, {"b.capcity": [1, 2]}).run(**RUN)
    with pytest.raises(FactorError, match=r"no element named 'm3'.*did you mean 'm2.servers'|did you mean"):
        Experiment(p, {"m3.servers": [1, 2]})
    with pytest.raises(FactorError, match=r"'m1.servers': level 1.5 must be a whole number"):
        Experiment(p, {"m1.servers": [1, 1.5]})
    with pytest.raises(FactorError, match=r"has a unit, but 'capacity' is a plain number"):
        Experiment(p, {"b.capacity": ["2 s"]})
    with pytest.raises(FactorError, match=r"unknown time unit 'parsec'"):
        Experiment(p, {"m1.process.mean": ["3 parsec"]})
    with pytest.raises(FactorError, match=r"'m1.process.mean' = -1.0: must be a positive"):
        Experiment(p, {"m1.process.mean": [1.0, -1.0]})
    with pytest.raises(FactorError, match=r"unknown response 'thruput' \(did you mean 'throughput'\?\)"):
        Experiment(p, {"b.capacity": [1, 2]}, ["thruput"])
    with pytest.raises(FactorError, match=r"maintenance KPI, but the plant has no health components"):
        Experiment(p, {"b.capacity": [1, 2]}, ["cost"])
    assert "m1.process.mean" in valid_paths(p) and "b.capacity" in valid_paths(p)


def test_units_and_copies(two_station):
    p = two_station()
    exp = Experiment(p, {"m1.process.mean": ["0.5 s", "1 min"], "b.capacity": [1]})
    assert [d["m1.process.mean"] for d in exp.points] == [0.5, 60.0]
    assert [pl["m1"].process.mean for pl in exp.plants] == [0.5, 60.0]
    assert p["m1"].process.mean == 1.0 and p["b"].capacity == 2  # the user's plant is untouched


def test_design_points_match_the_closed_form_and_pair(two_station, two_station_th):
    p = two_station()
    exp = Experiment(p, {"b.capacity": [1, 2, 4], "m1.servers": [1]}, ["throughput", "cycle_time.p90", "m2.utilization"])
    res = exp.run(replicas=60, horizon=600.0, warmup=60.0, device="cpu", seed=3)
    assert len(res.points) == 3 and p["b"].capacity == 2
    for i, cap in enumerate([1, 2, 4]):
        k = res.kpi(i, "throughput")
        exact = two_station_th(1.0, 1.0, cap)
        # 4 CI half-widths (the run starts empty; the warm-up removes most of that bias)
        assert abs(k["mean"] - exact) < 4 * k["ci95"], (cap, k, exact)
        # M2's utilisation is throughput / mu2 (Little's law at the server)
        u = res.kpi(i, "m2.utilization")
        assert abs(u["mean"] - exact / 3600.0) < 4 * u["ci95"], (cap, u, exact)
        q = res.kpi(i, "cycle_time.p90")
        assert q["mean"] > 0 and np.isnan(q["ci95"])
    # common random numbers: the paired difference is far tighter than independent CIs would give
    d = res.difference(2, "throughput")
    indep = np.hypot(res.kpi(0, "throughput")["ci95"], res.kpi(2, "throughput")["ci95"])
    assert d["ci95"] < 0.6 * indep, (d, indep)
    exact_gain = two_station_th(1, 1, 4) - two_station_th(1, 1, 1)
    assert abs(d["mean"] - exact_gain) < 4 * d["ci95"] + 20.0
    assert res.best("throughput") == 2
    # the same seed gives the same numbers
    again = exp.run(replicas=60, horizon=600.0, warmup=60.0, device="cpu", seed=3)
    assert np.array_equal(again.values(1, "throughput"), res.values(1, "throughput"))


def test_lhs_experiment_on_a_range(two_station):
    exp = Experiment(two_station(), {"m1.process.mean": (0.8, 1.2), "b.capacity": (1, 6)}, points=5)
    assert len(exp.points) == 5
    assert all(isinstance(d["b.capacity"], int) and 1 <= d["b.capacity"] <= 6 for d in exp.points)


def test_parquet_store_frames_and_resume(two_station, tmp_path, monkeypatch):
    p = two_station()
    exp = Experiment(p, {"b.capacity": [1, 3], "m1.process.mean": [0.9, 1.1]}, ["throughput", "wip"])
    res = exp.run(out=tmp_path, **RUN)
    frame = pd.read_parquet(tmp_path / "replicas.parquet")
    assert len(frame) == 4 * 30
    assert {"point", "replica", "block", "b.capacity", "m1.process.mean", "throughput", "wip"} <= set(frame.columns)
    assert sorted(frame["b.capacity"].unique()) == [1, 3]
    meta = json.loads((tmp_path / "study.json").read_text())
    assert meta["responses"] == ["throughput", "wip"] and len(meta["summary"]) == 4
    assert np.allclose(frame[frame.point == 3]["throughput"].to_numpy(), res.values(3, "throughput"))
    table = res.to_frame()
    assert len(table) == 4 and {"throughput", "throughput.ci95", "throughput.diff", "throughput.diff_ci95"} <= set(table)
    assert "<table" in res._repr_html_()
    # interrupt: lose one finished point and the final table; a rerun runs only that point
    (tmp_path / "points" / "00002.parquet").unlink()
    (tmp_path / "replicas.parquet").unlink()
    ran = []
    real = twin.Simulator.run

    def counting(self, *a, **k):
        ran.append(1)
        return real(self, *a, **k)
    monkeypatch.setattr(twin.Simulator, "run", counting)
    again = exp.run(out=tmp_path, **RUN)
    assert len(ran) == 1
    for i in range(4):
        assert np.array_equal(again.values(i, "throughput"), res.values(i, "throughput"))
    # a different study into the same folder is refused
    with pytest.raises(twin.TwinError, match="holds a different study"):
        exp.run(out=tmp_path, **{**RUN, "replicas": 31})


def test_precision_rule_adds_replicas_until_the_ci_is_tight(two_station):
    exp = Experiment(two_station(), {"b.capacity": [2]}, ["throughput"])
    res = exp.run(replicas=10, horizon=300.0, warmup=30.0, device="cpu", precision=0.01)
    k = res.kpi(0, "throughput")
    assert res.replicas(0) > 10
    assert k["ci95"] <= 0.01 * k["mean"]


def test_ranges_over_counts_are_whole_numbers_even_when_unbounded():
    p = twin.Plant("q")
    p.add(twin.Source("in", interarrival=twin.Exponential(2.0)), twin.Buffer("b"),
          twin.Machine("m", process=twin.Exponential(1.0)), twin.Sink("out"))
    p.line("in", "b", "m", "out")
    exp = Experiment(p, {"b.capacity": (1, 20), "m.process.mean": (0.5, 1.0)}, points=6)
    assert all(isinstance(d["b.capacity"], int) for d in exp.points)
    assert p["b"].capacity is None
    with pytest.raises(twin.TwinError, match="pooled quantile"):
        Experiment(p, {"b.capacity": [3]}, ["cycle_time.p90"]).run(replicas=4, horizon=50.0, precision=0.05)


def test_an_interrupted_study_resumes_from_the_finished_points(two_station, tmp_path, monkeypatch):
    exp = Experiment(two_station(), {"b.capacity": [1, 2, 3, 4]}, ["throughput"])
    reference = exp.run(**RUN)
    real = twin.Simulator.run
    calls = []

    def interrupted(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *a, **k)
    monkeypatch.setattr(twin.Simulator, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        exp.run(out=tmp_path, **RUN)
    assert sorted(f.name for f in (tmp_path / "points").iterdir()) == ["00000.parquet", "00001.parquet"]
    calls.clear()
    monkeypatch.setattr(twin.Simulator, "run", lambda self, *a, **k: (calls.append(1), real(self, *a, **k))[1])
    resumed = exp.run(out=tmp_path, **RUN)
    assert len(calls) == 2
    for i in range(4):
        assert np.array_equal(resumed.values(i, "throughput"), reference.values(i, "throughput"))


def test_a_design_point_is_twin_simulate_of_the_changed_plant_with_maintenance_cost():
    """Health components as factors, maintenance cost as a response: every design point's
    per-replica values are exactly those of twin.simulate on the changed plant, same seed, dt."""
    plant = twin.load_scene("scenes/press_shop.toml").plant
    factors = {"cnc_a.health.spindle.degradation.scale": ["150 h", "400 h"], "cnc_queue.capacity": [12]}
    exp = Experiment(plant, factors, ["cost", "throughput", "cnc_a.down"])
    kw = dict(replicas=8, horizon=10 * 86400.0, warmup=0.0, device="cpu", seed=4)
    res = exp.run(**kw)
    assert plant["cnc_a"].health[0].degradation.scale == 260 * 3600.0
    for i, scale in enumerate([150 * 3600.0, 400 * 3600.0]):
        changed = exp.plants[i]
        assert changed["cnc_a"].health[0].degradation.scale == scale
        direct = twin.simulate(changed, progress=False, dt=res.settings["dt_s"], **kw)
        assert np.array_equal(res.values(i, "cost"), direct.per_replica["maintenance"]["cost"])
        assert np.array_equal(res.values(i, "cnc_a.down"), direct.per_replica["elements"]["cnc_a"]["down"])
    # a shorter spindle life costs more (paired over the same replicas)
    assert res.difference(1, "cost", baseline=0)["mean"] < 0
