"""The README's Studies example runs as written (scaled down: fewer replicas, shorter runs)."""

import re
from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("optuna")

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_studies_example_runs(monkeypatch, tmp_path, capsys):
    code = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
                if "from twin.study import" in b)
    monkeypatch.chdir(tmp_path)
    for old, new in (("replicas=200", "replicas=6"),
                     ("replicas=100", "replicas=6"), ("horizon=8 * 3600", "horizon=1800"),
                     ("warmup=3600", "warmup=300"), ("n0=20", "n0=4"), ("delta=0.5", "delta=20.0"),
                     ("trials=40", "trials=4")):
        assert old in code, old
        code = code.replace(old, new)
    ns: dict = {}
    exec(compile(code, "README studies", "exec"), ns)
    out = capsys.readouterr().out
    assert "8 design points" in out and "Rinott selection" in out
    assert (tmp_path / "study_out" / "replicas.parquet").exists()
    assert len(ns["res"].to_frame()) == 8 and ns["opt"].value == ns["opt"].value
