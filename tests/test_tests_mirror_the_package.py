"""The tests mirror the package: each source module has its test module at the mirrored path.

twin/X.py -> tests/test_X.py, twin/sub/X.py -> tests/sub/test_X.py, kernels/X.py ->
tests/kernels/test_X.py. A module with many tests may split them by aspect into
test_X_<aspect>.py beside it (tests/live/test_snapshot_crew.py). A module whose behaviour is
tested as part of another one's is in TESTED_ELSEWHERE, naming where; a test module that is about
no one module (the README, fuzzing, benchmarks) is in CROSS_CUTTING. Both lists are checked both
ways: an entry that is no longer needed (the module got its own test module, or went away) fails
too, so the lists stay short and true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Modules tested as part of another module's tests: module -> "the test module: why there".
TESTED_ELSEWHERE = {
    "twin/__main__.py": "tests/test_cli_interrupt_exit.py: `python -m twin` is twin.cli.main in a process",
    "twin/cli_args.py": "tests/test_cli_safety.py: the argument types, through every command's checks",
    "twin/errors.py": "tests/test_elements.py: PlantError's element and key, nearest()'s 'did you mean'",
    "twin/files.py": "tests/test_cli_safety.py: output files written complete or not at all, through the CLI",
    "twin/look.py": "tests/render/test_layout.py: a kind's look is what the renderer draws",
    "twin/recording.py": "tests/test_layers.py: recordings through the registry; each kind's frames beside its kind",
    "twin/fab/orders.py": "tests/fab/test_fab.py: the fab's parts, validated as one fab",
    "twin/fab/products.py": "tests/fab/test_fab.py: the fab's parts, validated as one fab",
    "twin/fab/tools.py": "tests/fab/test_fab.py: the fab's parts, validated as one fab",
    "twin/fab/scene.py": "tests/fab/test_minifab.py: fab files (the MiniFab file, bad keys); more in test_simulate_*",
    "twin/fab/plots.py": "tests/fab/test_kpis.py: test_fab_plot_draws_the_kpis, on the KPIs' own fab",
    "twin/live/conditional.py": "tests/live/test_snapshot.py: remaining times of a restart (its docstring names it)",
    "twin/live/restart.py": "tests/live/test_snapshot.py: every run started from a snapshot",
    "twin/maintenance/compiled.py": "tests/maintenance/test_spec.py: the kernel values of each policy entry",
    "twin/render/backend.py": "tests/render/test_cli.py: off-screen rendering where there is no display",
    "twin/render/labels.py": "tests/render/test_readability.py: labels never over another element",
    "twin/render/meshes.py": "tests/render/test_layout.py: each element's parts",
    "twin/render/scene.py": "tests/render/test_readability.py: the scene as a reader sees it",
    "twin/render/still.py": "tests/render/test_screenshot.py: screenshots against reference images",
    "twin/study/paths.py": "tests/study/test_experiment.py: factor paths, through an Experiment's checks",
    "twin/study/responses.py": "tests/study/test_experiment.py: responses, through an Experiment",
    "twin/study/runner.py": "tests/study/test_experiment.py: each design point is one simulate()",
    "twin/study/store.py": "tests/study/test_experiment.py: the Parquet store and resuming",
    "kernels/source.py": "tests/test_simulator_queueing.py: the basic kinds, by whole runs against closed forms",
    "kernels/machine.py": "tests/test_simulator_queueing.py: the basic kinds, by whole runs against closed forms",
    "kernels/buffer.py": "tests/test_simulator_queueing.py: the basic kinds, by whole runs against closed forms",
    "kernels/sink.py": "tests/test_simulator_queueing.py: the basic kinds, by whole runs against closed forms",
    "kernels/common.py": "tests/test_simulator_queueing.py: routing and the work stack, by whole runs",
    "kernels/flow.py": "tests/kernels/test_engine.py: the step every engine runs",
    "kernels/dispatch.py": "tests/kernels/test_engine.py: the dispatch generated per kind set",
    "kernels/kinds.py": "tests/kernels/test_engine.py: the registered kinds with their hooks",
    "kernels/registry.py": "tests/test_layers.py: the one registry both sides iterate",
    "kernels/hooks.py": "tests/live/test_snapshot_kinds.py: the snapshot hooks; the others in every run",
    "kernels/layout.py": "tests/kernels/test_tables.py: the Model and State columns, declared once",
    "kernels/conveyor_layout.py": "tests/kernels/test_tables.py: a kind's declared tables",
    "kernels/robot_layout.py": "tests/kernels/test_tables.py: a kind's declared tables",
    "kernels/tool_layout.py": "tests/kernels/test_tables.py: a kind's declared tables",
    "kernels/health_layout.py": "tests/kernels/test_tables.py: the crew's declared tables",
    "kernels/cluster_tool.py": "tests/equipment/test_cluster_tool.py: the kind through its spec, hand-computed cycles",
    "kernels/delay.py": "tests/equipment/test_delay.py: the kind through its spec, closed forms",
    "kernels/robot.py": "tests/equipment/test_robot.py: the kind through its spec, a hand-computed cycle",
    "kernels/record.py": "tests/test_layers.py: recordings, found through the registry",
    "kernels/tool_record.py": "tests/equipment/test_cluster_tool.py: test_recording_of_a_tool",
    "kernels/status.py": "tests/equipment/test_robot.py: status codes as a recording shows them",
    "kernels/snapshot.py": "tests/live/test_snapshot.py: every run started from a snapshot",
    "kernels/fab.py": "tests/fab/test_simulate.py: the fab kernel, through twin.fab.simulate",
    "kernels/fab_heap.py": "tests/fab/test_simulate.py: the event list of every fab run",
    "kernels/fab_rules.py": "tests/fab/test_simulate_setups_pm.py: dispatching rules against hand schedules",
}

# Test modules about no one module: path -> what they check.
CROSS_CUTTING = {
    "tests/test_tests_mirror_the_package.py": "this rule",
    "tests/test_layers.py": "layers point one way: imports, cycles, kinds named nowhere else",
    "tests/test_readme.py": "the README's examples run as written",
    "tests/test_docs_examples.py": "every code block of README.md and docs/*.md",
    "tests/study/test_readme_studies.py": "the README's Studies example",
    "tests/test_fuzz.py": "random plants and scene files, whole runs",
    "tests/test_input_ranges.py": "values no run can take, refused before any kernel runs (issue 11)",
    "tests/test_numeric_range.py": "the step clock's range through compile, kernels and runs (issue 11)",
    "tests/test_threads.py": "replica blocks on CPU threads: simulator, kernels, recordings and sensor logs",
    "tests/test_cuda_graph.py": "the simulator's graph replay with the engine (twin/simulator.py names it)",
    "tests/test_cuda_codegen.py": "benchmarks/cuda_codegen.py: the CUDA compile of every kernel module",
    "tests/test_benchmark_records.py": "benchmarks/compare_records.py: the slowdown check",
    "tests/test_lean_peer.py": "benchmarks/lean_simpy.py: the benchmark's peer model",
    "tests/test_count_instructions.py": "benchmarks/count_instructions.py: callgrind's counts per operation",
    "tests/test_gpu_check.py": "what benchmarks/gpu_check.sh runs (gpu_bench.py, bench_threads.py), on the CPU",
    "tests/fab/test_minifab.py": "the bundled MiniFab against an independent SimPy model",
    "tests/render/test_readability.py": "pictures as a reader sees them: scene, labels and colours together",
    "tests/render/test_screenshot.py": "screenshots of the bundled scenes against reference images",
    "tests/render/test_new_kind.py": "a kind defined in the test drawn through its look alone: look, meshes, scene",
    "tests/export/test_new_kind.py": "a kind defined in the test exported through its look alone: usd, events",
}


def source_modules(root: Path) -> list[str]:
    """The package's modules with behaviour of their own, as paths from ``root`` (``__init__``
    files only gather names)."""
    found = [*(root / "twin").rglob("*.py"), *(root / "kernels").rglob("*.py")]
    return sorted(p.relative_to(root).as_posix() for p in found if p.name != "__init__.py")


def test_modules(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "tests").rglob("test_*.py"))


test_modules.__test__ = False  # a finder, not a test


def mirror_folder(module: str) -> tuple[str, str]:
    """twin/live/snapshot.py -> ("tests/live", "snapshot"); kernels/rng.py -> ("tests/kernels", "rng")."""
    parts = module[:-len(".py")].split("/")
    folder = parts[1:-1] if parts[0] == "twin" else parts[:-1]
    return "/".join(["tests", *folder]), parts[-1]


def matches(test: str, module: str) -> bool:
    """Whether ``test`` is in ``module``'s mirrored folder and named test_X.py or test_X_<aspect>.py."""
    folder, stem = mirror_folder(module)
    test_folder, _, name = test.rpartition("/")
    name = name[:-len(".py")]
    return test_folder == folder and (name == f"test_{stem}" or name.startswith(f"test_{stem}_"))


def owner(test: str, modules) -> str | None:
    """The module ``test`` mirrors: of those it matches, the longest name (test_robot_kinematics.py
    is robot_kinematics.py's, not an aspect of robot.py's); None if it matches none."""
    found = [m for m in modules if matches(test, m)]
    return max(found, key=lambda m: len(mirror_folder(m)[1])) if found else None


def untested_modules(root: Path, exempt) -> list[str]:
    """Modules with neither a mirrored test module nor an entry in ``exempt``."""
    modules = source_modules(root)
    covered = {owner(t, modules) for t in test_modules(root)}
    return [m for m in modules if m not in exempt and m not in covered]


def stray_tests(root: Path, cross_cutting) -> list[str]:
    """Test modules that mirror no module and are not listed as cross-cutting."""
    modules = source_modules(root)
    return [t for t in test_modules(root) if t not in cross_cutting and owner(t, modules) is None]


def test_every_module_has_its_mirrored_test_module_or_says_where_it_is_tested():
    assert untested_modules(ROOT, TESTED_ELSEWHERE) == []


def test_every_test_module_mirrors_a_module_or_is_listed_as_cross_cutting():
    assert stray_tests(ROOT, CROSS_CUTTING) == []


def test_the_lists_hold_only_what_is_needed():
    """An exempt module still exists and still has no mirrored test module; its entry names an
    existing test file; a cross-cutting test still exists and mirrors no module."""
    modules, tests = source_modules(ROOT), test_modules(ROOT)
    covered = {owner(t, modules) for t in tests}
    for module, where in TESTED_ELSEWHERE.items():
        assert module in modules, f"{module} is gone: delete its entry"
        assert module not in covered, f"{module} has its own test module: delete its entry"
        named = where.split(":")[0]
        assert named in tests, f"{module}: {named} is no test module"
    for test in CROSS_CUTTING:
        assert test in tests, f"{test} is gone: delete its entry"
        assert owner(test, modules) is None, f"{test} mirrors {owner(test, modules)}: delete its entry"


def _tree(root: Path, files) -> Path:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    return root


def test_the_finders_see_a_missing_and_a_stray_test_module(tmp_path):
    root = _tree(tmp_path, ["twin/__init__.py", "twin/plant.py", "twin/live/snapshot.py", "twin/live/wire.py",
                            "kernels/rng.py", "kernels/flow.py", "kernels/robot.py", "kernels/robot_kinematics.py",
                            "tests/test_plant.py", "tests/live/test_snapshot_crew.py", "tests/kernels/test_rng.py",
                            "tests/kernels/test_robot_kinematics.py", "tests/test_wire.py", "tests/live/test_wirex.py",
                            "tests/test_readme.py"])
    # wire's test is in the wrong folder and test_wirex is no aspect of wire; flow has none; and
    # test_robot_kinematics.py is robot_kinematics.py's, not an aspect of robot.py
    assert untested_modules(root, {}) == ["kernels/flow.py", "kernels/robot.py", "twin/live/wire.py"]
    assert untested_modules(root, {"kernels/flow.py": "tests/kernels/test_rng.py",
                                   "kernels/robot.py": "tests/kernels/test_robot_kinematics.py"}) == ["twin/live/wire.py"]
    assert stray_tests(root, {}) == ["tests/live/test_wirex.py", "tests/test_readme.py", "tests/test_wire.py"]
    assert stray_tests(root, {"tests/test_readme.py": "the README"}) == ["tests/live/test_wirex.py",
                                                                         "tests/test_wire.py"]


@pytest.mark.parametrize("module, folder", [("twin/plant.py", ("tests", "plant")),
                                            ("twin/live/snapshot.py", ("tests/live", "snapshot")),
                                            ("kernels/rng.py", ("tests/kernels", "rng"))])
def test_the_mirror_of_a_module(module, folder):
    assert mirror_folder(module) == folder
