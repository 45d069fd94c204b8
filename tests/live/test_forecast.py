"""Forecasts from snapshots (issue 14.2, 14.4); the emulated line they are checked against:
tests/live/test_emulator.py."""

import math

import numpy as np
import pytest

import twin
from twin.live.emulator import Emulator
from twin.live.forecast import wilson

from live_support import line


def test_forecast_contract(tmp_path):
    p = line()
    em = Emulator(p, seed=3)
    em.advance_to(2 * 3600)
    snap = em.snapshot().observed()
    f = twin.forecast(p, snap, until="1h", replicas=300, target=45, seed=1)
    d = f.to_dict()
    assert d["format"] == "twin-forecast/1" and d["replicas"] == 300 and d["horizon_s"] == 3600.0
    o = d["output"]
    assert o["min"] <= o["p05"] <= o["p50"] <= o["p95"] <= o["max"]
    assert o["mean_ci95"][0] < o["mean"] < o["mean_ci95"][1]
    assert d["target"]["probability"] == pytest.approx(np.mean(f.outputs >= 45))
    lo, hi = d["target"]["probability_ci95"]
    assert lo <= d["target"]["probability"] <= hi
    assert d["bottleneck"]["element"] in ("m1", "m2")
    # a longer horizon cannot produce less on average (same seed: the same first hour)
    g = twin.forecast(p, snap, until="2h", replicas=300, seed=1)
    assert g.outputs.mean() > f.outputs.mean()


@pytest.mark.slow
def test_the_90_percent_band_covers_the_realised_output_about_90_percent_of_the_time():
    """Calibration: one long emulated run (the "true" line, seed 99); at 100 moments (every
    30 min from 1 h) its observed snapshot (elapsed times only) is forecast 1 h ahead with 200
    futures each; the realised output of the next hour falls in the forecast's [p05, p95] band.
    Expected coverage is 90% (a bit more: outputs are whole parts, the band's ends are included).
    Achieved (seed 99): see the assertion message; the test asks that the 99% Wilson interval of
    the coverage contains 0.90."""
    p = line()
    em = Emulator(p, seed=99)
    n, every, ahead = 100, 1800.0, 3600.0
    snaps, realised = [], []
    out_at = {}
    for k in range(n + 2 * int(ahead / every) + 2):
        t = 3600.0 + k * every
        em.advance_to(t)
        out_at[t] = em.parts_out
        if k < n:
            snaps.append(em.snapshot().observed())
    for k in range(n):
        t = 3600.0 + k * every
        realised.append(out_at[t + ahead] - out_at[t])
    per = 200
    res = twin.simulate(p, replicas=n * per, horizon=ahead, seed=5, progress=False, start=snaps)
    outs = res.per_replica["parts_out"].reshape(per, n)  # replica r starts from snaps[r % n]
    lo, hi = np.quantile(outs, 0.05, axis=0), np.quantile(outs, 0.95, axis=0)
    covered = int(np.sum((np.array(realised) >= lo) & (np.array(realised) <= hi)))
    ci = wilson(covered, n, z=2.5758)
    assert ci[0] <= 0.90 <= ci[1], f"coverage {covered}/{n}, 99% interval {ci}"
    print(f"calibration: 90% band covered {covered}/{n}; 99% Wilson interval [{ci[0]:.3f}, {ci[1]:.3f}]")


def test_wilson_interval():
    lo, hi = wilson(90, 100)
    assert lo == pytest.approx(0.8256, abs=1e-3) and hi == pytest.approx(0.9448, abs=1e-3)
    assert math.isclose(wilson(0, 10)[0], 0.0, abs_tol=1e-12)


def test_forecast_command_writes_the_contract_and_refuses_another_plants_snapshot(tmp_path, capsys):
    from twin.cli import main
    plant = twin.load_scene("balanced_line").plant
    res = twin.simulate(plant, replicas=2, horizon="1h", progress=False)
    res.snapshot(1).save(tmp_path / "s.json")
    code = main(["forecast", "balanced_line", "--from", str(tmp_path / "s.json"), "--until", "30min",
                 "--replicas", "64", "--target", "20", "--order", "lot1=5", "--order", "lot2=500",
                 "--out", str(tmp_path / "f.json")])
    assert code == 0
    d = __import__("json").loads((tmp_path / "f.json").read_text())
    assert d["format"] == "twin-forecast/1" and d["replicas"] == 64 and d["horizon_s"] == 1800.0
    assert d["from_time_s"] == 3600.0 and d["target"]["parts"] == 20
    lot1, lot2 = d["orders"]
    assert lot1["name"] == "lot1" and 0 < lot1["p05_s"] <= lot1["p50_s"] <= lot1["p95_s"] <= 1800
    assert lot2["finished_share"] == 0.0 and lot2["p50_s"] is None and d["resolution_s"] == pytest.approx(1.8, rel=0.1)
    out = capsys.readouterr().out
    assert "90% band" in out and "order lot1 (5 parts): median finish" in out
    code = main(["forecast", "balanced_line", "--from", str(tmp_path / "s.json"), "--order", "lot1=x"])
    assert code == 2 and "order 'lot1=x': write NAME=PARTS" in capsys.readouterr().err
    code = main(["forecast", "press_shop", "--from", str(tmp_path / "s.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "the snapshot is of plant 'Balanced five-station machining line'" in err[0]
    code = main(["forecast", "balanced_line", "--from", str(tmp_path / "missing.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"twin: error: {tmp_path / 'missing.json'}: no such snapshot file"]


def test_a_pickled_results_keeps_no_state_and_says_so():
    import pickle
    from twin.live import SnapshotError
    res = twin.simulate(line(), replicas=2, horizon=600, progress=False)
    copy = pickle.loads(pickle.dumps(res))
    with pytest.raises(SnapshotError, match="keep no final state"):
        copy.snapshot(0)
    assert res.snapshot(0).plant == "live-line"


def _one_server(process, interarrival=None, name="one-server"):
    p = twin.Plant(name)
    p.add(twin.Source("src", interarrival=interarrival), twin.Machine("m", process=process), twin.Sink("out"))
    p.line("src", "m", "out")
    return p


def test_order_finish_times_of_a_deterministic_line_are_exact():
    """A saturated source and a 10 s machine: from a snapshot whose part has r s left, the n-th
    part out finishes at r + 10 (n - 1) s. Orders A = 3 then B = 5 parts: r + 20 and r + 70,
    in every future; at a resolution of one dt the grid reports them exactly (quantiles equal)."""
    p = _one_server(twin.Deterministic(10))
    snap = twin.simulate(p, replicas=1, horizon=1003.7, progress=False).snapshot(0)
    r = snap.elements["m"].parts[0].remaining_s
    assert 0 < r < 10
    f = twin.forecast(p, snap, until=120, replicas=8, orders=["A=3@out", ("B", 5, "out")], resolution=0.1, dt=0.1)
    d = f.to_dict()
    assert d["resolution_s"] == pytest.approx(0.1)
    a, b = d["orders"]
    assert (a["name"], a["parts"], a["sink"], b["sink"]) == ("A", 3, "out", "out")
    for o, t in ((a, r + 20), (b, r + 70)):
        assert o["finished_share"] == 1.0
        assert o["p05_s"] == o["p50_s"] == o["p95_s"] == pytest.approx(t, abs=1e-9)
    # a coarser grid reports the first grid time that saw the order complete (never early,
    # less than one resolution late); an order beyond the horizon has no finish time
    g = twin.forecast(p, snap, until=120, replicas=2, orders=["A=3", "B=5", "C=20"], resolution=7, dt=0.1).to_dict()
    for o, t in zip(g["orders"], (r + 20, r + 70)):
        assert t <= o["p50_s"] < t + 7
    assert g["orders"][2]["finished_share"] == 0.0 and g["orders"][2]["p05_s"] is None


def test_order_finish_times_of_an_exponential_server_have_erlang_quantiles():
    """A saturated source and an exponential machine (mean 60 s), from an observed snapshot
    (the part under way has a memoryless remaining time): the 10th part out finishes after an
    Erlang(10, 60 s) time, the 10 parts after it (order 2) after Erlang(20, 60 s). The 5/50/95%
    quantiles of 4000 futures are within 4 standard errors of a sample quantile
    (sqrt(q (1 - q) / n) / density) plus the grid resolution of the scipy values."""
    from scipy import stats
    p = _one_server(twin.Exponential(60))
    snap = twin.simulate(p, replicas=1, horizon=3600, progress=False).snapshot(0).observed()
    n, res = 4000, 5.0
    f = twin.forecast(p, snap, until="1h", replicas=n, seed=3, orders=["first=10", "second=10"], resolution=res)
    for o, k in zip(f.to_dict()["orders"], (10, 20)):
        erlang = stats.gamma(k, scale=60.0)
        assert o["finished_share"] == 1.0
        for q, key in ((0.05, "p05_s"), (0.5, "p50_s"), (0.95, "p95_s")):
            x = erlang.ppf(q)
            se = math.sqrt(q * (1 - q) / n) / erlang.pdf(x)
            assert abs(o[key] - x) <= 4 * se + res, f"{o['name']} {key}: {o[key]:.1f} vs Erlang {x:.1f} (se {se:.1f})"
            print(f"{o['name']} {key}: {o[key]:.1f} s vs Erlang {x:.1f} s (se {se:.1f} s)")


def test_bad_orders_are_one_clear_error():
    from twin.errors import TwinError
    p = _one_server(twin.Deterministic(10))
    snap = twin.simulate(p, replicas=1, horizon=100, progress=False).snapshot(0)
    for orders, msg in ((["A"], "write NAME=PARTS"), ([("A", 0)], "order 'A': parts must be a whole number >= 1"),
                        (["A=3@m"], "order 'A': 'm' is not a sink of plant 'one-server' \\(sinks: out\\)"),
                        (["A=3", "A=4"], "order 'A' is given twice")):
        with pytest.raises(TwinError, match=msg):
            twin.forecast(p, snap, until=60, replicas=2, orders=orders)
