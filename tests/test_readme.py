"""The README's examples run as written (its scene-file example loads, its quickstart runs)."""

import re
from pathlib import Path

import twin

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_scene_example_loads(tmp_path):
    toml = next(b for b in blocks("toml") if 'name = "Lathe cell"' in b)
    path = tmp_path / "lathe.toml"
    path.write_text(toml)
    scene = twin.load_scene(path)
    assert [e.name for e in scene.plant] == ["arrivals", "queue", "lathe", "out"]
    assert scene.plant["lathe"].process.mean == 45.0
    assert scene.plant["lathe"].failures.ttr.mean == 1200.0
    assert scene.study == {"replicas": 200, "horizon": 28800.0, "warmup": 3600.0, "seed": 1}
    res = scene.simulate(replicas=8, horizon=7200.0, warmup=600.0, device="cpu")
    assert res.throughput.mean > 0


def test_readme_quickstart_runs(monkeypatch, tmp_path, capsys):
    code = blocks("python")[0]
    monkeypatch.chdir(tmp_path)  # the quickstart writes results.json
    code = code.replace('"scenes/', f'"{README.parent}/scenes/')
    code = code.replace("replicas=200", "replicas=16").replace("replicas=500", "replicas=8")
    namespace: dict = {}
    exec(compile(code, "README quickstart", "exec"), namespace)
    assert "mill" in capsys.readouterr().out
    assert namespace["res"].throughput.mean > 0
    assert (tmp_path / "results.json").exists()
