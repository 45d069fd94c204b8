"""A maintenance study with an output folder writes the same Parquet table as twin.study: one row
per policy and replica, the KPIs as columns, beside the JSON (issue 15 item 5)."""

import json
import math

import pytest

import twin
from twin.maintenance import Policy, compare, sweep
from twin.maintenance.study import KPIS
from twin.scenes import scene_path

pd = pytest.importorskip("pandas")  # the study extra (twin[study])
pytest.importorskip("pyarrow")

SETTINGS = {"replicas": 5, "horizon": 3 * 86400.0, "warmup": 0.0, "seed": 3}


@pytest.fixture(scope="module")
def plant():
    return twin.load_scene("press_shop").plant


def same(a: float, b) -> bool:
    """The Parquet's float64 against the JSON's number (None where the value is undefined: NaN)."""
    return math.isnan(a) if b is None else a == float(b)


def test_pandas_reads_one_row_per_policy_and_replica_equal_to_the_json(plant, tmp_path):
    out = tmp_path / "study"
    study = sweep(plant, "time_based", [40 * 3600, 80 * 3600], out_dir=out, **SETTINGS)
    frame = pd.read_parquet(out / "replicas.parquet")  # as a user reads it: no twin involved
    assert list(frame.columns) == ["point", "policy", "replica", *KPIS]
    assert len(frame) == 3 * SETTINGS["replicas"]
    labels = [s.label for s in study.scenarios]
    assert labels == ["run_to_failure", "time_based(40 h)", "time_based(80 h)"]
    for point, label in enumerate(labels):
        rows = frame[frame["point"] == point]
        assert set(rows["policy"]) == {label}
        assert list(rows["replica"]) == list(range(SETTINGS["replicas"]))
        saved = json.loads((out / f"{point:03d}.json").read_text())["scenario"]
        assert saved["label"] == label
        for k in KPIS:  # every value, bit for bit, as the scenario file has it
            assert all(same(a, b) for a, b in zip(rows[k], saved["per_replica"][k], strict=True)), k
            # and the JSON summary's mean is the mean of these rows
            mean = saved["kpis"][k]["mean"]
            finite = rows[k].dropna()
            if mean is not None and len(finite):
                assert finite.mean() == pytest.approx(mean, rel=1e-12, abs=1e-12), k


def test_the_table_is_read_by_twin_study_read_with_the_study_json(plant, tmp_path):
    from twin.study import read
    out = tmp_path / "study"
    compare(plant, {"rtf": Policy.run_to_failure(), "pm": Policy.time_based(40 * 3600)}, out_dir=out, **SETTINGS)
    frame, meta = read(out)
    assert meta["schema"] == "twin.maintenance/1" and meta["settings"]["replicas"] == SETTINGS["replicas"]
    assert sorted(set(frame["policy"])) == ["pm", "rtf"]
    # paired by replica: the difference per replica has the study's paired mean
    pm, rtf = (frame[frame["policy"] == p].set_index("replica")["cost_per_good_unit"] for p in ("pm", "rtf"))
    vs = next(s for s in meta["scenarios"] if s["label"] != meta["best"])["versus_best"]
    diff = (pm - rtf) if meta["best"] == "rtf" else (rtf - pm)
    assert diff.mean() == pytest.approx(vs["mean"], rel=1e-9)


def test_a_resumed_study_rewrites_the_same_table(plant, tmp_path, monkeypatch):
    out = tmp_path / "study"
    policies = [Policy.run_to_failure(), Policy.time_based(40 * 3600)]
    compare(plant, policies, out_dir=out, **SETTINGS)
    first = pd.read_parquet(out / "replicas.parquet")
    (out / "replicas.parquet").unlink()

    def boom(*a, **k):
        raise AssertionError("a scenario was recomputed")
    monkeypatch.setattr(twin.Simulator, "run", boom)
    compare(plant, policies, out_dir=out, **SETTINGS)  # every scenario reused from its JSON
    pd.testing.assert_frame_equal(pd.read_parquet(out / "replicas.parquet"), first)
    assert sorted(p.name for p in out.iterdir()) == ["000.json", "001.json", "replicas.parquet", "study.json"]


def test_without_pandas_the_json_is_written_and_one_line_says_why(plant, tmp_path, monkeypatch, capsys):
    from twin.errors import TwinError
    from twin.study import store

    def missing():
        raise TwinError("study tables need pandas and pyarrow: pip install 'twin[study]'")
    monkeypatch.setattr(store, "_pandas", missing)
    out = tmp_path / "study"
    compare(plant, [Policy.run_to_failure()], out_dir=out, **SETTINGS)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "replicas.parquet will not be written" in err[0] and "pandas" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["000.json", "study.json"]


def test_the_same_plant_compiled_twice_has_one_fingerprint(plant, tmp_path):
    """The compiled struct tables (robots, tools, health) hold device pointers; hashing their bytes
    made a second compare() in one session see 'a different plant' and recompute everything."""
    from twin.maintenance.study import plant_digest
    from twin.model import compile_plant
    first, second = compile_plant(plant), compile_plant(plant)
    assert plant_digest(plant, first) == plant_digest(plant, second)
    text = scene_path("press_shop").read_text()
    assert 'drift = "0.004 /h"' in text
    edited = tmp_path / "press_shop.toml"
    edited.write_text(text.replace('drift = "0.004 /h"', 'drift = "0.005 /h"', 1))  # faster bearing wear
    changed = twin.load_scene(edited).plant
    assert plant_digest(changed, compile_plant(changed)) != plant_digest(plant, first)
