"""``twin export`` on the command line: writes what it says, its event log of replica K is the
library's log of replica K of the same run, and bad input is one line and exit status 2 before
anything is simulated."""

import json

import pytest

import twin
from twin.cli import main
from twin.export.events import event_table
from twin.scenes import scene_path

pytest.importorskip("pxr")
pytest.importorskip("pyvista")


def one_line_error(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert err.startswith("twin: error:") and match in err, err


def test_export_usd_with_results_and_recording(tmp_path, capsys):
    results = tmp_path / "results.json"
    assert main(["run", "balanced_line", "--replicas", "4", "--horizon", "2h", "--warmup", "30min", "--device", "cpu",
                 "--out", str(results)]) == 0
    out = tmp_path / "line.usda"
    assert main(["export", "balanced_line", "--usd", str(out), "--results", str(results), "--recording",
                 "--window", "1h:1h2min", "--every", "10", "--speed", "60"]) == 0
    assert "USD stage written to" in capsys.readouterr().out
    from pxr import Usd
    stage = Usd.Stage.Open(str(out))
    assert (stage.GetStartTimeCode(), stage.GetEndTimeCode(), stage.GetTimeCodesPerSecond()) == (3600, 3720, 60)
    data = json.loads(results.read_text())
    prim = next(p for p in stage.GetPrimAtPath("/Plant/Elements").GetChildren()
                if p.GetAttribute("twin:name").Get() == "op10_turning")
    assert prim.GetAttribute("twin:utilization").Get() == data["elements"]["op10_turning"]["utilization"]["mean"]
    assert len(prim.GetAttribute("twin:state").GetTimeSamples()) >= 2


def test_export_events_is_the_library_log_of_the_same_replicas(tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "ev.parquet"
    assert main(["export", "balanced_line", "--events", str(out), "--replicas", "2", "--window", "1h:1h5min",
                 "--every", "5", "--seed", "7"]) == 0
    table = pq.read_table(out).to_pydict()
    scene = twin.load_scene(scene_path("balanced_line"))
    res = twin.simulate(scene.plant, replicas=2, horizon=3900.0, seed=7, device=scene.study.get("device"),
                        dt=scene.study.get("dt"), record=twin.Recording(replica=1, start=3600.0, end=3900.0, every=5.0))
    expected = event_table(res.recording, scene.plant)
    ours = [k for k, r in enumerate(table["replica"]) if r == 1]
    assert [table["event"][k] for k in ours] == expected["event"]
    assert [table["time_s"][k] for k in ours] == expected["time_s"]
    assert [table["element"][k] for k in ours] == expected["element"]
    assert sorted(set(table["replica"])) == [0, 1]


def test_bad_input_is_one_line_and_status_2(tmp_path, capsys):
    one_line_error(capsys, ["export", "no_such_scene", "--usd", str(tmp_path / "x.usda")], "cannot read the scene file")
    one_line_error(capsys, ["export", "balanced_line"], "--usd")
    one_line_error(capsys, ["export", "balanced_line", "--usd", str(tmp_path / "none" / "x.usda")], "no folder")
    (tmp_path / "dir.usda").mkdir()
    one_line_error(capsys, ["export", "balanced_line", "--usd", str(tmp_path / "dir.usda")], "is a folder")
    one_line_error(capsys, ["export", "balanced_line", "--events", str(tmp_path / "ev.xlsx")], "must end in")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"plant": "Some other line", "elements": {"press_7": {"kind": "machine",
                                 "utilization": {"mean": 0.5, "ci95": 0.01}}}}))
    one_line_error(capsys, ["export", "balanced_line", "--usd", str(tmp_path / "x.usda"), "--results", str(other)],
                   "another plant")
    one_line_error(capsys, ["export", "balanced_line", "--events", str(tmp_path / "e.csv"), "--replicas", "0"],
                   "--replicas")
    assert not (tmp_path / "x.usda").exists()
