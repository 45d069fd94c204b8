"""``twin warmup`` compiles what a run will load: per device, the engine variant its default State
layout runs (kernels/dense.py), for every bundled scene's kind set, and the snapshot restart that
forecasts use. Checked by recording which modules it loads (nothing is compiled here)."""

import warp as wp

import twin
from twin import cli, state as twin_state
from twin.kernels import engine, snapshot
from twin.model import compile_plant
from twin.scenes import bundled, scene_path


def test_warmup_loads_the_engine_each_device_runs_and_the_snapshot_restart(monkeypatch, capsys):
    loaded = []
    monkeypatch.setattr(wp, "load_module", lambda module, device=None: loaded.append((module, device)))
    monkeypatch.setattr(wp, "is_cuda_available", lambda: True)
    layouts = {"cpu": "replica_major", "cuda": "replica_minor"}  # twin.state.default_layout's choice
    monkeypatch.setattr(twin_state, "default_layout", lambda device: layouts[str(device)])
    assert cli.main(["warmup"]) == 0
    assert capsys.readouterr().out.count("twin kernels ready on") == 2
    for device, layout in layouts.items():
        modules = {m for m, d in loaded if d == device}
        assert snapshot in modules
        for name in bundled():
            kinds = compile_plant(twin.load_scene(scene_path(name)).plant, device="cpu").kernel_kinds
            # the simulator's choice (twin/simulator.py): dense for replica_major tables
            wanted = engine.for_kinds(kinds, dense=layout == "replica_major").advance.module
            assert wanted in modules, (device, name)
            other = engine.for_kinds(kinds, dense=layout != "replica_major").advance.module
            assert other not in modules, (device, name)
