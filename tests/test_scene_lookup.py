"""One scene lookup for the library and the CLI (issue 16.3); robot limits in Python and in scene
files (16.4): tests/equipment/test_robot_limits.py."""

import re

import pytest

import twin
from twin.cli import main
from twin.scene import find_scene, quantity
from twin.scenes import scene_path


def test_load_scene_takes_a_bundled_name_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenes/ folder here
    scene = twin.load_scene("unbalanced_rework")
    assert scene.path == scene_path("unbalanced_rework")
    assert twin.load_scene("unbalanced_rework.toml").path == scene.path
    assert "cnc_mill" in scene.plant


def test_a_path_with_a_missing_folder_is_an_error_never_the_bundled_scene(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(twin.SceneError, match=r"^foo/balanced_line\.toml: cannot read the scene file: "
                                              r"no folder 'foo'.*bundled scenes"):
        twin.load_scene("foo/balanced_line.toml")
    with pytest.raises(twin.SceneError, match="no folder 'scenes'"):
        find_scene("scenes/balanced_line.toml")
    assert main(["check", "foo/balanced_line.toml"]) == 2
    assert "no folder 'foo'" in capsys.readouterr().err


def test_a_local_file_wins_over_a_bundled_scene_of_the_same_name(tmp_path, monkeypatch):
    text = scene_path("balanced_line").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = .*$', 'name = "my copy"', text, count=1)
    (tmp_path / "balanced_line.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert twin.load_scene("balanced_line.toml").plant.name == "my copy"
    assert twin.load_scene("balanced_line").plant.name != "my copy"  # a bare name is the bundled scene


def test_an_unknown_name_suggests_the_nearest_bundled_scene():
    with pytest.raises(twin.SceneError, match="did you mean 'balanced_line'"):
        twin.load_scene("balanced_lines")


def test_quantity_is_si_for_numbers_and_reads_units_in_strings():
    assert quantity(5.0, "time") == 5.0
    assert quantity("8h", "time") == 28800.0
    assert quantity("30 min", "time") == 1800.0
    assert quantity("250 ms", "time") == 0.25
    with pytest.raises(twin.PlantError, match="is a length, but a time is needed"):
        quantity("5 m", "time", key="horizon")


def test_a_name_too_long_for_the_file_system_is_one_scene_error():
    """Path.exists raises OSError (ENAMETOOLONG) for such a name: it must come out as a SceneError."""
    with pytest.raises(twin.errors.SceneError, match="cannot read the scene file"):
        twin.scene.find_scene("x" * 5000)
