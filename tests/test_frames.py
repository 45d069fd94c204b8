"""Results as tables (pandas) and as HTML for Jupyter."""

import numpy as np
import pytest

import twin

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def res():
    p = twin.Plant("cell")
    p.add(twin.Source("in", interarrival=twin.Exponential(2.0)), twin.Buffer("q", capacity=5),
          twin.Machine("m", process=twin.Exponential(1.0)), twin.Sink("out"))
    p.line("in", "q", "m", "out")
    return twin.simulate(p, replicas=16, horizon=500.0, warmup=50.0, device="cpu", progress=False)


def test_to_frame_has_every_kpi_with_its_ci(res):
    f = res.to_frame()
    assert list(f.columns) == ["element", "kind", "kpi", "mean", "ci95", "std", "n"]
    row = f[(f.element == "m") & (f.kpi == "utilization")].iloc[0]
    k = res.element("m")["utilization"]
    assert row["mean"] == k.mean and row["ci95"] == k.ci95 and row["n"] == 16
    tp = f[(f.kind == "plant") & (f.kpi == "throughput_per_hour")].iloc[0]
    assert tp["mean"] == res.throughput.mean
    n_element_kpis = sum(len(res.element(n)) for n in res.element_kinds)
    assert len(f) == 3 + n_element_kpis


def test_replicas_frame_one_row_per_replica(res):
    f = res.replicas_frame()
    assert len(f) == 16 and list(f["replica"]) == list(range(16))
    assert np.array_equal(f["throughput_per_hour"].to_numpy(), res.per_replica["throughput_per_hour"])
    assert np.array_equal(f["q.queue"].to_numpy(), res.per_replica["elements"]["q"]["queue"])
    assert f["m.utilization"].mean() == pytest.approx(res.element("m")["utilization"].mean)


def test_html_reprs(res):
    h = res._repr_html_()
    assert "<table>" in h and h.count("<tr>") == 1 + 4 and "cell" in h
    assert f"{res.throughput.mean:.4g}" in res.throughput._repr_html_()
    ph = twin.load_scene("scenes/balanced_line.toml").plant._repr_html_()
    assert ph.count("<tr>") == 1 + 11 and "op30_drilling" in ph and "buf_10_20" in ph
