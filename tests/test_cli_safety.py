"""The command line never loses or clobbers a file, never ends in a traceback, and checks every
argument before a kernel runs (issue 11 items 1, 5, 6 and Ctrl-C; issue 16 item 10)."""

import argparse
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

import twin
from twin import cli
from twin.scenes import scene_path

QUICK = ["-r", "3", "--horizon", "1h", "--warmup", "0"]


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def no_simulation(monkeypatch):
    """Fails the test if a simulation starts (the check must come before any kernel)."""
    def boom(*args, **kwargs):
        raise AssertionError("a simulation ran before the arguments were checked")
    monkeypatch.setattr(twin, "simulate", boom)
    monkeypatch.setattr(twin.maintenance, "compare", boom)
    monkeypatch.setattr(twin.maintenance, "sweep", boom)


# ---- output paths, checked before the run ------------------------------------------------------
def _bad_outputs(tmp_path):
    (tmp_path / "a_file").write_text("x")
    cases = {"a folder": (str(tmp_path), "is a folder"),
             "an empty name": ("", "empty"),
             "a missing folder": (str(tmp_path / "missing" / "r.json"), "does not exist"),
             "a file as folder": (str(tmp_path / "a_file" / "r.json"), "a_file")}
    return cases


@pytest.mark.parametrize("case", ["a folder", "an empty name", "a missing folder", "a file as folder"])
def test_a_bad_out_path_is_one_line_before_the_run(tmp_path, capsys, no_simulation, case):
    path, words = _bad_outputs(tmp_path)[case]
    assert cli.main(["run", "balanced_line", *QUICK, "--out", path]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("twin: error: ") and "--out" in line and words in line


def test_an_unwritable_folder_is_refused_before_the_run(tmp_path, capsys, no_simulation):
    if os.geteuid() == 0:  # root writes anywhere a permission allows: use a read-only file system
        path = "/proc/twin-results.json"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        path = str(locked / "r.json")
    assert cli.main(["run", "balanced_line", *QUICK, "--out", path]) == 2
    assert "cannot write --out" in one_error_line(capsys.readouterr().err)


def test_maintenance_out_naming_an_existing_file_is_refused(tmp_path, capsys, no_simulation):
    f = tmp_path / "study.json"
    f.write_text("keep me")
    assert cli.main(["maintenance", "press_shop", "-r", "2", "--out", str(f)]) == 2
    assert "exists and is not a folder" in one_error_line(capsys.readouterr().err)
    assert f.read_text() == "keep me"


def test_results_are_written_before_the_summary(tmp_path, capsys, monkeypatch):
    """Ctrl-C (or a closed pipe) while the summary prints loses nothing: the file is complete."""
    def interrupted(self):
        raise KeyboardInterrupt
    monkeypatch.setattr(twin.Results, "summary", interrupted)
    out = tmp_path / "r.json"
    assert cli.main(["run", "balanced_line", *QUICK, "--out", str(out)]) == 130
    assert json.loads(out.read_text())["schema"] == "twin.results/1"
    assert capsys.readouterr().err.strip() == "twin: interrupted"


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, capsys, monkeypatch):
    out = tmp_path / "r.json"
    out.write_text("old results\n")
    real_write = os.write

    def disk_full(fd, data):  # half the bytes, then ENOSPC, for every file but stdin/out/err
        if fd > 2:
            real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_full)
    assert cli.main(["run", "balanced_line", *QUICK, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "No space left on device" in line and str(out) in line
    assert out.read_text() == "old results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_fifo_is_written_in_place_not_replaced(tmp_path, capsys):
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    assert cli.main(["run", "balanced_line", *QUICK, "--out", str(fifo)]) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert got and json.loads(got[0])["schema"] == "twin.results/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.fifo"]


def test_a_new_file_gets_ordinary_permissions(tmp_path):
    from twin.files import write_text
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "r.json", "{}\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "r.json").st_mode) == 0o644


def test_out_dash_writes_the_json_to_stdout(capsys):
    assert cli.main(["run", "balanced_line", *QUICK, "--out", "-"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout holds the JSON and nothing else
    assert data["schema"] == "twin.results/1" and data["meta"]["replicas"] == 3
    assert "throughput" in captured.err.lower()


def _twin(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "twin", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            **kwargs)


def test_a_closed_stdout_pipe_exits_quietly_and_the_json_is_written(tmp_path):
    """``twin run ... | head -1`` where the reader is gone before the summary is printed."""
    out = tmp_path / "r.json"
    proc = _twin("run", "balanced_line", *QUICK, "--out", str(out))
    proc.stdout.close()  # no reader: the first print gets EPIPE
    err = proc.stderr.read().decode()
    rc = proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert rc == 141
    assert json.loads(out.read_text())["schema"] == "twin.results/1"


# ---- Ctrl-C ------------------------------------------------------------------------------------
def _interrupt(args, ready, timeout=120):
    """Starts ``twin ARGS``, sends SIGINT once ``ready(stderr_so_far)`` is true, returns (rc, err)."""
    proc = _twin(*args)
    chunks = []
    pump = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stderr.read1(4096), b"")), daemon=True)
    pump.start()
    t0 = time.monotonic()
    while not ready(b"".join(chunks).decode(errors="replace")):
        if proc.poll() is not None:
            pytest.fail(f"twin ended (rc {proc.returncode}) before it could be interrupted: {b''.join(chunks)!r}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            pytest.fail("twin never got ready to be interrupted")
        time.sleep(0.02)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("twin ignored Ctrl-C")
    pump.join(timeout=10)
    proc.stdout.close()
    return rc, b"".join(chunks).decode(errors="replace"), time.monotonic() - sent


def _last_line(err: str) -> str:
    return err.replace("\r", "\n").strip().splitlines()[-1]


def test_ctrl_c_during_a_run_exits_130_and_writes_nothing(tmp_path):
    out = tmp_path / "r.json"
    rc, err, latency = _interrupt(["run", "balanced_line", "-r", "400", "--horizon", "400h", "--progress",
                                   "--out", str(out)], ready=lambda e: "%" in e)
    assert rc == 130 and "Traceback" not in err, err
    assert _last_line(err) == "twin: interrupted"
    assert list(tmp_path.iterdir()) == []  # no results file, no temporary
    assert latency < 30


def test_ctrl_c_during_a_study_keeps_the_finished_scenarios(tmp_path):
    out = tmp_path / "study"
    rc, err, _ = _interrupt(["maintenance", "press_shop", "-p", "run_to_failure", "-p", "time:150h",
                             "-p", "time:100h", "-p", "time:50h", "-r", "40", "--horizon", "6d", "--out", str(out)],
                            ready=lambda e: (out / "000.json").exists())
    assert rc == 130 and "Traceback" not in err, err
    assert _last_line(err) == "twin: interrupted"
    names = sorted(p.name for p in out.iterdir())
    assert "000.json" in names and "study.json" not in names
    assert all(n.endswith(".json") and not n.startswith(".") for n in names), names
    for n in names:  # every file there is complete
        assert json.loads((out / n).read_text())["schema"] == "twin.maintenance.scenario/1"


def test_ctrl_c_while_a_clip_is_written_leaves_no_clip(tmp_path):
    out = tmp_path / "clip.gif"
    rc, err, _ = _interrupt(["animate", "balanced_line", "--out", str(out), "--window", "1h:3h", "--every", "2s",
                             "--size", "320x200"],
                            ready=lambda e: any(p.name.startswith(".clip.gif.") for p in tmp_path.iterdir()))
    assert rc == 130 and "Traceback" not in err, err
    assert _last_line(err) == "twin: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_a_render_leaves_no_picture(tmp_path):
    out = tmp_path / "line.png"
    rc, err, _ = _interrupt(["render", "packaging_line", "--out", str(out), "--size", "3000x2000"],
                            ready=lambda e: any(p.name.startswith(".line.png.") for p in tmp_path.iterdir()))
    assert rc == 130 and "Traceback" not in err, err
    assert _last_line(err) == "twin: interrupted"
    assert list(tmp_path.iterdir()) == []


# ---- numeric arguments -------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["run", "balanced_line", "--replicas", "0"],
    ["run", "balanced_line", "--replicas", "-3"],
    ["run", "balanced_line", "--replicas", "2.5"],
    ["run", "balanced_line", "--seed", "-1"],
    ["run", "balanced_line", "--seed", str(2 ** 64)],
    ["run", "balanced_line", "--seed", str(2 ** 63)],
    ["run", "balanced_line", "--horizon", "0"],
    ["run", "balanced_line", "--horizon", "1e400"],
    ["run", "balanced_line", "--warmup", "1e400h"],
    ["run", "balanced_line", "--dt", "0"],
    ["maintenance", "press_shop", "-r", "2", "--horizon", "0"],
    ["maintenance", "press_shop", "--replicas", "0"],
    ["maintenance", "press_shop", "-r", "2", "--seed", str(2 ** 64)],
    ["animate", "balanced_line", "--out", "x.gif", "--fps", "0"],
    ["animate", "balanced_line", "--out", "x.gif", "--fps", "1000"],
    ["animate", "balanced_line", "--out", "x.gif", "--replica", "-1"],
    ["animate", "balanced_line", "--out", "x.gif", "--every", "0"],
    ["render", "balanced_line", "--out", "x.png", "--camera", "side"],
])
def test_numeric_arguments_out_of_range_are_one_line(argv, capsys, no_simulation):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"argument {argv[-2]}" in line


@pytest.mark.parametrize("sweep", ["time:10h..1h/-2", "time:10h..1h/0", "time:1h..10h/x", "time:0..10h/3",
                                   "time:1h..10h/100000", "usage:1..1e400/3"])
def test_a_bad_sweep_is_one_line(sweep, capsys, no_simulation):
    assert cli.main(["maintenance", "press_shop", "-r", "2", "--sweep", sweep]) == 2
    assert "sweep" in one_error_line(capsys.readouterr().err)


def test_animate_size_is_checked_before_the_simulation(tmp_path, capsys, no_simulation):
    assert cli.main(["animate", "balanced_line", "--out", str(tmp_path / "c.gif"), "--size", "5x5"]) == 2
    assert "image size" in one_error_line(capsys.readouterr().err)


# ---- conventions -------------------------------------------------------------------------------
def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(f"twin {twin.__version__} (Warp ")


def test_every_argument_of_every_command_has_help():
    parser = cli._parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [f"{name} {a.dest}" for name, sub in subs.choices.items() for a in sub._actions
               if not isinstance(a, argparse._HelpAction) and not (a.help or "").strip()]
    assert missing == []
    for name in ("render", "animate"):
        camera = next(a for a in subs.choices[name]._actions if a.dest == "camera")
        assert set(camera.choices) == {"iso", "top", "front"}
        assert all(c in camera.help for c in camera.choices)


def test_no_cuda_driver_warning_on_a_cpu_run():
    import warp as wp
    if wp.is_cuda_available():
        pytest.skip("a CUDA driver is present: there is no warning to hide")
    res = subprocess.run([sys.executable, "-m", "twin", "run", "balanced_line", *QUICK, "--device", "cpu"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "CUDA" not in res.stderr


def test_check_finds_an_unreachable_robot_pose(tmp_path, capsys):
    text = scene_path("electronics_assembly").read_text()
    far = text.replace("place_pose = [18.95, 0.6, 1.0]", "place_pose = [25.0, 0.6, 1.0]", 1)
    assert far != text
    f = tmp_path / "far_robot.toml"
    f.write_text(far)
    assert cli.main(["check", str(f)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(f) in line and "element 'test_cell_robot'" in line and "out of reach" in line
    assert cli.main(["check", "electronics_assembly"]) == 0


def test_results_to_json_writes_a_fifo_in_place(tmp_path):
    """The Python API's Results.to_json follows the same rule as the CLI (never replaces a FIFO)."""
    res = twin.simulate(twin.load_scene(scene_path("balanced_line")).plant, replicas=2, horizon=600.0)
    fifo = tmp_path / "r.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    res.to_json(fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and json.loads(got[0])["schema"] == "twin.results/1"
    res.to_json(tmp_path / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.fifo", "r.json"]


def test_maintenance_out_dash_writes_the_study_json_to_stdout(capsys):
    assert cli.main(["maintenance", "press_shop", "-r", "2", "--horizon", "1d", "--warmup", "0", "--out", "-"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["schema"] == "twin.maintenance/1" and data["settings"]["replicas"] == 2
    assert "best by" in captured.err


def test_check_compiles_with_the_scenes_time_step(tmp_path, capsys):
    """A [study] dt too coarse for the plant used to pass 'check' and fail at 'run'."""
    text = scene_path("balanced_line").read_text().replace("seed = 1\n", 'seed = 1\ndt = "100 s"\n', 1)
    f = tmp_path / "coarse.toml"
    f.write_text(text)
    assert cli.main(["check", str(f)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"twin: error: {f}, element ") and "time step" in line
