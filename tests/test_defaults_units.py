"""One set of study defaults for simulate() and `twin run`, unit strings wherever the Python API
takes a duration (issue 16.6), and reprs as a user writes them (distributions, KPIs)."""

import inspect
import json
import math

import pytest

import twin
from twin.cli import main
from twin.simulator import DEFAULT_STUDY
from twin.stats import format_ci


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


def test_distribution_times_take_units():
    assert twin.Exponential("30 min") == twin.Exponential(1800)
    assert twin.LogNormal(mean="45 s", cv=0.3) == twin.LogNormal(45, 0.3)
    assert twin.Uniform("500 ms", "2 s") == twin.Uniform(0.5, 2.0)
    assert twin.Weibull(2.0, "10 h") == twin.Weibull(2.0, 36000)
    with pytest.raises(twin.PlantError, match="key 'cv'"):
        twin.LogNormal(45, "0.3 s")


@pytest.mark.parametrize("dist", [twin.LogNormal(mean=28, cv=0.1), twin.Exponential(60), twin.Deterministic(2.5),
                                  twin.Uniform(1, 3), twin.Triangular(24, 28, 38), twin.TruncatedNormal(5, 1),
                                  twin.Gamma(50, 0.5), twin.Weibull(1.5, 36000), twin.Empirical([1, 2.5, 4])])
def test_a_distribution_reprs_as_the_call_that_builds_it(dist):
    text = repr(dist)
    assert "_=" not in text and text.startswith(type(dist).__name__ + "(")
    assert eval(text, vars(twin)) == dist


def test_reprs_read_as_written():
    assert repr(twin.LogNormal(mean=28, cv=0.1)) == "LogNormal(mean=28, cv=0.1)"
    assert repr(twin.KPI(75.2513, 0.6789, 1.0, 100)) == "75.3 ± 0.7"
    assert repr(twin.KPI(75.25, 0.123, 1.0, 100)) == "75.25 ± 0.12"


@pytest.mark.parametrize("mean,ci,text", [(1234.5, 25.3, "1234 ± 25"), (0.0123, 0.00042, "0.0123 ± 0.0004"),
                                          (5, 0.96, "5.0 ± 1.0"), (5, 0.296, "5.00 ± 0.30"),
                                          (100.0, math.nan, "100"), (3, 0.0, "3 ± 0")])
def test_format_ci_keeps_the_digits_the_interval_supports(mean, ci, text):
    assert format_ci(mean, ci) == text
