"""``twin render`` and ``twin animate`` from the command line."""

import json

import numpy as np
from PIL import Image

from twin.cli import main
from twin.render.animation import count_frames


def test_render_writes_the_png(tmp_path, capsys):
    out = tmp_path / "line.png"
    assert main(["render", "balanced_line", "--out", str(out), "--size", "360x240", "--camera", "top"]) == 0
    with Image.open(out) as im:
        assert im.size == (360, 240)
        assert np.asarray(im.convert("RGB")).std() > 10
    assert "picture written to" in capsys.readouterr().out


def test_render_coloured_by_results(tmp_path, capsys):
    res = {"plant": "Balanced five-station machining line",
           "bottleneck": {"element": "op20_milling", "method": "active-period", "share": 1.0},
           "elements": {"op10_turning": {"kind": "machine", "blocked": {"mean": 0.2, "ci95": 0.01}},
                        "op20_milling": {"kind": "machine", "blocked": {"mean": 0.01, "ci95": 0.01}}}}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(res))
    out = tmp_path / "blocked.png"
    assert main(["render", "balanced_line", "--out", str(out), "--size", "360x240", "--results", str(path),
                 "--color-by", "blocked"]) == 0
    assert out.exists()
    assert "coloured by blocked" in capsys.readouterr().out


def test_render_errors_are_one_line(tmp_path, capsys):
    assert main(["render", "balanced_line", "--out", str(tmp_path / "x.png"), "--color-by", "down"]) == 2
    assert "needs --results" in capsys.readouterr().err
    assert main(["render", "balanced_line", "--out", str(tmp_path / "x.jpg")]) == 2
    assert "writes PNG" in capsys.readouterr().err
    assert main(["render", "balanced_line", "--out", str(tmp_path / "x.png"), "--size", "big"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_animate_writes_a_clip_of_the_window(tmp_path, capsys):
    out = tmp_path / "line.gif"
    assert main(["animate", "balanced_line", "--out", str(out), "--window", "1h:1h1min", "--every", "6s",
                 "--replica", "2", "--size", "320x200", "--fps", "5"]) == 0
    assert count_frames(out) == 11
    assert "11 frames of replica 2" in capsys.readouterr().out
    assert main(["animate", "balanced_line", "--out", str(out), "--window", "2h:1h"]) == 2
    assert "must come after the start" in capsys.readouterr().err


def test_example_script_runs(tmp_path):
    """examples/render_line.py writes its pictures (few replicas, a short clip)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[2] / "examples" / "render_line.py"
    spec = importlib.util.spec_from_file_location("render_line_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["balanced_line", "--out", str(tmp_path), "--replicas", "4", "--clip", "10",
                        "--device", "cpu"]) == 0
    for name in ("line_utilization.png", "line_blocked_top.png", "line.gif", "states.png", "throughput.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    assert count_frames(tmp_path / "line.gif") == 6


def test_the_rendering_libraries_load_before_the_output_file_is_opened(tmp_path, monkeypatch, capsys):
    """VTK loads its OpenGL modules on first use. The commands load them before they open the
    output file, so a Ctrl-C never lands inside VTK's module loader (which turns it into an
    ImportError: a CI failure of the Ctrl-C render test) and a VTK that cannot load them says so
    in one line with nothing written."""
    from twin.errors import TwinError
    from twin.render import backend
    files_at_load = []

    def recording(real=backend.import_plotting):
        files_at_load.append(sorted(p.name for p in tmp_path.iterdir()))
        return real()
    monkeypatch.setattr(backend, "import_plotting", recording)
    assert main(["render", "balanced_line", "--out", str(tmp_path / "line.png"), "--size", "120x80"]) == 0
    assert files_at_load == [[]]

    def broken():
        raise TwinError("VTK cannot load its rendering modules on this machine (test)")
    monkeypatch.setattr(backend, "import_plotting", broken)
    for argv in (["render", "balanced_line", "--out", str(tmp_path / "other.png")],
                 ["animate", "balanced_line", "--out", str(tmp_path / "clip.gif")]):
        assert main(argv) == 2
        assert capsys.readouterr().err.strip().splitlines()[-1].startswith("twin: error: VTK cannot load")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.png"]
