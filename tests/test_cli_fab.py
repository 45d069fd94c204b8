"""``twin run`` on an SMT2020 folder: results JSON and summary; bad input is one line, exit 2."""

import json
import shutil

from fab.smt2020_data import dataset
from twin.cli import main


def test_twin_run_on_an_smt2020_folder(tmp_path, capsys):
    out = tmp_path / "fab.json"
    code = main(["run", str(dataset("HVLM")), "--replicas", "1", "--horizon", "5d", "--warmup", "1d", "-o", str(out)])
    assert code == 0
    d = json.loads(out.read_text())
    assert d["fab"] == "SMT2020_HVLM" and d["replicas"] == 1 and d["horizon_s"] == 5 * 86400
    assert set(d["products"]) == {"part_3", "part_4"}
    assert d["products"]["part_3"]["released_per_day"]["mean"] > 20  # 27.9 regular + hot lots a day
    assert len(d["groups"]) == 105
    text = capsys.readouterr()
    assert "fab SMT2020_HVLM" in text.out and "does not act on" in text.err


def test_twin_run_on_a_malformed_folder_is_one_line(tmp_path, capsys):
    dst = tmp_path / "HVLM"
    shutil.copytree(dataset("HVLM"), dst)
    f = dst / "order.txt"
    f.chmod(0o644)
    f.write_text(f.read_text().replace("constant\t51.69", "constant\tfast", 1))
    assert main(["run", str(dst), "--replicas", "1", "--horizon", "1d"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "order.txt" in err[0] and "line 2" in err[0] and "REPEAT" in err[0], err


def test_same_tool_runs_the_datasets_paired_steps_on_one_tool(tmp_path, capsys):
    """--same-tool reads SVESTN/FORSTEP as same-tool constraints: the run's warning no longer lists
    them as not acted on. Elsewhere the flag is one line, exit 2."""
    assert main(["run", str(dataset("HVLM")), "--replicas", "1", "--horizon", "2d", "--warmup", "1d"]) == 0
    assert "SVESTN" in capsys.readouterr().err
    assert main(["run", str(dataset("HVLM")), "--replicas", "1", "--horizon", "2d", "--warmup", "1d",
                 "--same-tool"]) == 0
    assert "SVESTN" not in capsys.readouterr().err
    for target in ("balanced_line", "minifab"):
        assert main(["run", target, "--same-tool"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--same-tool applies to an SMT2020 folder" in err[0], err
