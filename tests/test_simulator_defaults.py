"""One set of study defaults for simulate() and `twin run`, and unit strings wherever simulate()
takes a duration (issue 16.6). Distribution times with units and reprs: tests/test_distributions.py
and tests/test_stats.py."""

import inspect
import json

import pytest

import twin
from twin.cli import main
from twin.simulator import DEFAULT_STUDY


def small():
    p = twin.Plant("cell")
    p.add(twin.Source("in", interarrival=twin.Exponential(60)), twin.Buffer("q"),
          twin.Machine("m", process=twin.Exponential(45)), twin.Sink("out"))
    p.line("in", "q", "m", "out")
    return p


def test_simulate_and_the_cli_share_their_defaults(tmp_path):
    sig = inspect.signature(twin.simulate).parameters
    assert {k: sig[k].default for k in DEFAULT_STUDY} == DEFAULT_STUDY
    assert DEFAULT_STUDY["warmup"] == 0.0
    path = tmp_path / "cell.toml"
    twin.save_scene(small(), path)  # no [study] table: the defaults apply
    out = tmp_path / "r.json"
    assert main(["run", str(path), "--replicas", "2", "--horizon", "10min", "--no-progress", "--out", str(out)]) == 0
    meta = json.loads(out.read_text())["meta"]
    assert meta["warmup_s"] == DEFAULT_STUDY["warmup"] and meta["seed"] == DEFAULT_STUDY["seed"]
    assert meta["replicas"] == 2


def _numbers(res):
    d = res.to_dict()
    for k in ("wall_time_s", "compile_time_s"):
        d["meta"].pop(k)
    return d


def test_simulate_takes_durations_with_units():
    a = twin.simulate(small(), replicas=4, horizon="1h", warmup="10 min", dt="0.1 s", device="cpu")
    b = twin.simulate(small(), replicas=4, horizon=3600, warmup=600, dt=0.1, device="cpu")
    assert _numbers(a) == _numbers(b)
    assert a.meta["horizon_s"] == 3600.0 and a.meta["warmup_s"] == 600.0 and a.meta["dt_s"] == 0.1
    with pytest.raises(twin.StudyError, match=r"key 'horizon'.*'5 m' is a length, but a time is needed"):
        twin.simulate(small(), replicas=2, horizon="5 m", device="cpu")
    with pytest.raises(twin.StudyError, match="warmup"):
        twin.simulate(small(), replicas=2, horizon="1h", warmup="2h", device="cpu")
