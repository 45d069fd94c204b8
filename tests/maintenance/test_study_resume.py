"""A maintenance study resumes only what was computed from the same plant, settings, policy and
twin; anything else in the folder is reported by name and recomputed (issue 11 item 1)."""

import errno
import json
import os
import subprocess
import sys

import pytest

import twin
from twin.maintenance import Policy, compare
from twin.maintenance import study as study_mod
from twin.scenes import scene_path

SETTINGS = {"replicas": 6, "horizon": 3 * 86400.0, "warmup": 0.0, "seed": 4}
POLICIES = [Policy.run_to_failure(), Policy.time_based(40 * 3600)]


def press_shop(tmp_path, old: str = "", new: str = ""):
    """The bundled press shop, optionally with one piece of text replaced (an edited scene)."""
    text = scene_path("press_shop").read_text()
    if old:
        assert old in text
        text = text.replace(old, new, 1)
    f = tmp_path / "scenes" / "press_shop.toml"
    f.parent.mkdir(exist_ok=True)
    f.write_text(text)
    return twin.load_scene(f).plant


def run(plant, out, policies=POLICIES, **overrides):
    return compare(plant, policies, out_dir=out, **{**SETTINGS, **overrides})


def costs(study):
    return [s.kpis["cost"]["mean"] for s in study.scenarios]


@pytest.fixture
def first(tmp_path):
    out = tmp_path / "study"
    return out, run(press_shop(tmp_path), out)


@pytest.fixture
def no_runs(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a scenario was recomputed")
    monkeypatch.setattr(twin.Simulator, "run", boom)


def test_an_unchanged_rerun_reuses_every_scenario_silently(tmp_path, first, no_runs, capsys):
    out, before = first
    again = run(press_shop(tmp_path), out)
    assert capsys.readouterr().err == ""
    assert [s.to_dict() for s in again.scenarios] == [s.to_dict() for s in before.scenarios]


def test_a_reused_scenario_takes_the_label_given_now(tmp_path, first, no_runs):
    out, _ = first
    again = compare(press_shop(tmp_path), {"baseline": POLICIES[0], "age 40 h": POLICIES[1]}, out_dir=out,
                    **SETTINGS)
    assert [s.label for s in again.scenarios] == ["baseline", "age 40 h"]


@pytest.mark.parametrize("old, new, cost_changes", [
    ("service_cost = 900", "service_cost = 9000", True),     # a cost of one health component
    ("hourly_rate = 65.0", "hourly_rate = 650.0", True),     # the crew's rate
    ("repair_cost = 9000", "repair_cost = 90000", False),    # no failure within 3 days: same numbers
    ("technicians = 2", "technicians = 1", False),           # the crew
])
def test_an_edited_plant_is_recomputed(tmp_path, first, capsys, old, new, cost_changes):
    out, before = first
    capsys.readouterr()
    after = run(press_shop(tmp_path, old, new), out)
    err = capsys.readouterr().err.splitlines()
    assert err == [f"twin: {out / f'{i:03d}.json'}: was computed for a different plant; recomputing it"
                   for i in range(len(POLICIES))]
    assert (costs(after) != costs(before)) == cost_changes
    # ... and the saved files now hold the new plant's numbers
    fresh = compare(press_shop(tmp_path, old, new), POLICIES, **SETTINGS)
    assert costs(after) == costs(fresh)


def test_two_scenes_with_the_same_dt_do_not_share_results(tmp_path, capsys):
    """Same name, same explicit dt, a different plant: nothing is reused."""
    out = tmp_path / "study"
    run(press_shop(tmp_path), out, dt=0.5)
    other = press_shop(tmp_path, "service_cost = 1400", "service_cost = 14000")
    capsys.readouterr()
    run(other, out, dt=0.5)
    assert "different plant" in capsys.readouterr().err


@pytest.mark.parametrize("change, what", [({"seed": 5}, "different settings"), ({"replicas": 7}, "different settings"),
                                          ({"warmup": 3600.0}, "different settings")])
def test_other_settings_are_recomputed(tmp_path, first, capsys, change, what):
    out, _ = first
    capsys.readouterr()
    run(press_shop(tmp_path), out, **change)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(POLICIES) and all(what in line for line in lines), lines


def test_another_policy_at_the_same_place_is_recomputed(tmp_path, first, capsys):
    out, before = first
    capsys.readouterr()
    after = run(press_shop(tmp_path), out, policies=[POLICIES[0], Policy.time_based(80 * 3600)])
    assert capsys.readouterr().err.splitlines() == [
        f"twin: {out / '001.json'}: was computed for a different policy; recomputing it"]
    assert after.scenarios[0].kpis == before.scenarios[0].kpis


def test_another_twin_is_recomputed(tmp_path, first, capsys, monkeypatch):
    out, _ = first
    monkeypatch.setattr(study_mod, "code_digest", lambda: "9.9.9+elsewhere")
    capsys.readouterr()
    run(press_shop(tmp_path), out)
    assert "another twin" in capsys.readouterr().err


@pytest.mark.parametrize("content, why", [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "is not a text file"),
    (b'{"schema": "twin.maintenance.scenario/1", "fingerp', "is not complete JSON (truncated or not a twin file)"),
    (b'{"hello": "world"}\n', "is not a twin maintenance scenario"),
    (b"[1, 2, 3]\n", "is not a twin maintenance scenario"),
])
def test_a_damaged_or_foreign_file_is_named_and_recomputed(tmp_path, first, capsys, content, why):
    out, before = first
    (out / "000.json").write_bytes(content)
    capsys.readouterr()
    after = run(press_shop(tmp_path), out)
    err = capsys.readouterr().err
    [line] = err.splitlines()
    assert line.startswith(f"twin: {out / '000.json'}: {why}") and line.endswith("; recomputing it")
    assert after.scenarios[0].kpis == before.scenarios[0].kpis
    assert json.loads((out / "000.json").read_text())["schema"] == "twin.maintenance.scenario/1"


def test_a_truncated_real_file_is_recomputed(tmp_path, first, capsys):
    out, before = first
    data = (out / "001.json").read_bytes()
    (out / "001.json").write_bytes(data[: len(data) // 2])
    capsys.readouterr()
    after = run(press_shop(tmp_path), out)
    assert "001.json: is not complete JSON" in capsys.readouterr().err
    assert after.scenarios[1].kpis == before.scenarios[1].kpis


def test_out_naming_a_file_is_an_error_before_any_run(tmp_path, no_runs):
    f = tmp_path / "taken"
    f.write_text("mine")
    with pytest.raises(twin.TwinError, match="exists and is not a folder"):
        run(press_shop(tmp_path), f)
    assert f.read_text() == "mine"


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    real_write = os.write

    def disk_full(fd, data):
        if fd > 2:
            real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_full)
    out = tmp_path / "study"
    with pytest.raises(twin.TwinError, match="No space left on device"):
        run(press_shop(tmp_path), out)
    assert list(out.iterdir()) == []


def test_the_fingerprint_is_the_same_in_another_process(tmp_path):
    """Compiled tables are deterministic: a study resumed in a new process recognises its files."""
    from twin.model import compile_plant
    plant = twin.load_scene(scene_path("press_shop")).plant
    here = study_mod.plant_digest(plant, compile_plant(plant, device="cpu"))
    code = ("import twin; from twin.model import compile_plant; from twin.maintenance import study; "
            "from twin.scenes import scene_path; p = twin.load_scene(scene_path('press_shop')).plant; "
            "print(study.plant_digest(p, compile_plant(p, device='cpu')))")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert there.returncode == 0, there.stderr
    assert there.stdout.strip() == here
