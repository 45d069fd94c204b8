"""``twin study`` on the command line."""

import json

import pytest

from twin.cli import main

pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")


def test_twin_study_writes_parquet_and_plots(tmp_path, capsys):
    out = tmp_path / "study"
    rc = main(["study", "balanced_line", "--factor", "buf_20_30.capacity=1,4", "--factor", "op30_drilling.servers=1..2",
               "--response", "throughput", "--response", "wip", "--replicas", "6", "--horizon", "1h", "--warmup",
               "5min", "--device", "cpu", "--out", str(out), "--plot"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "4 design points" in text and "best by throughput" in text
    frame = pd.read_parquet(out / "replicas.parquet")
    assert len(frame) == 4 * 6 and sorted(frame["op30_drilling.servers"].unique()) == [1, 2]
    assert json.loads((out / "study.json").read_text())["settings"]["horizon_s"] == 3600.0
    for name in ("main_effects", "interaction", "pareto", "paired_differences"):
        assert (out / f"{name}.png").stat().st_size > 1000


@pytest.mark.parametrize("argv, message", [
    (["--factor", "buf_20_30.capcity=1,2"], "did you mean 'buf_20_30.capacity'"),
    (["--factor", "op30_drilling.servers=1,2.5"], "must be a whole number"),
    (["--factor", "buf_20_30.capacity"], "write PATH=LEVELS"),
    (["--factor", "buf_20_30.capacity=1,2", "--cluster", "ray://127.0.0.1:9"], "cannot reach the Ray cluster"),
])
def test_twin_study_bad_input_is_one_line_and_status_2(argv, message, capsys):
    rc = main(["study", "balanced_line", "--replicas", "4", "--device", "cpu", *argv])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_twin_study_select(capsys):
    rc = main(["study", "balanced_line", "--factor", "buf_20_30.capacity=1,4", "--select", "2", "--replicas", "6",
               "--horizon", "1h", "--warmup", "5min", "--device", "cpu"])
    out = capsys.readouterr().out
    assert rc == 0 and "Rinott selection on throughput" in out and out.count(" N = ") == 2 and out.count("*") == 1
