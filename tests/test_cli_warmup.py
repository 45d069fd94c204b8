"""``twin warmup`` compiles what a run will load: per device, the engine of every bundled scene's
kind set and the snapshot restart that forecasts use. Checked by recording which modules it loads
(nothing is compiled here)."""

import warp as wp

import twin
from twin import cli
from twin.kernels import engine, robot_kinematics, snapshot, tool_record
from twin.model import compile_plant
from twin.scenes import bundled, scene_path


def test_warmup_loads_each_scenes_engine_and_the_snapshot_restart_on_every_device(monkeypatch, capsys):
    loaded = []
    monkeypatch.setattr(wp, "load_module", lambda module, device=None: loaded.append((module, device)))
    monkeypatch.setattr(wp, "is_cuda_available", lambda: True)
    assert cli.main(["warmup"]) == 0
    assert capsys.readouterr().out.count("twin kernels ready on") == 2
    for device in ("cpu", "cuda"):
        modules = {m for m, d in loaded if d == device}
        assert snapshot in modules
        assert {robot_kinematics, tool_record} <= modules  # the kinds' own (KERNEL_MODULES): a robot's tasks, a tool's frames
        for name in bundled():
            kinds = compile_plant(twin.load_scene(scene_path(name)).plant, device="cpu").kernel_kinds
            assert engine.for_kinds(kinds).advance.module in modules, (device, name)  # what the simulator loads
