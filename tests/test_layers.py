"""Layers point one way: what each layer may import, checked on the source and in fresh interpreters.

- the plant layer (units, errors, distributions, elements, plant, scene) loads no Warp and no PyVista;
- ``import twin``, ``twin --help`` and ``twin scenes`` load no Warp (the public names load on demand);
- the RUL estimator and the C-MAPSS loader load only when asked for;
- the import graph of twin (module-level and deferred imports, read from the AST) has no cycles,
  and nothing but the command-line modules imports ``twin.cli``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# installed package name -> folder (pyproject's package-dir mapping)
PACKAGE_DIRS = {"twin": ROOT / "twin", "twin.kernels": ROOT / "kernels", "twin.scenes": ROOT / "scenes"}
CLI_MODULES = {"twin.cli", "twin.__main__", "twin.render.cli", "twin.export.cli", "twin.study.cli", "twin.live.cli"}
PLANT_LAYER = ["twin.units", "twin.errors", "twin.distributions", "twin.elements", "twin.plant", "twin.scene"]
# Deferred imports that close a cycle, each with the reason it is still there. The test fails if
# one of them disappears (then delete it here) or if any other cycle appears.
KNOWN_DEFERRED_BACK_EDGES = {
    ("twin.plant", "twin.scene"): "Plant.save() is a shortcut for twin.save_scene (public API of plant.py)",
    ("twin.plant", "twin.simulator"): "Plant.simulate() is a shortcut for twin.simulate (public API of plant.py)",
}


def _fresh(code: str) -> str:
    """Runs ``code`` in a new interpreter (nothing imported yet) from the repository root."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


LOADED = "import sys; print(sorted(m for m in ('warp', 'pyvista', 'vtk', 'twin.kernels', 'twin.simulator', " \
         "'twin.maintenance.rul', 'twin.maintenance.cmapss', 'twin.maintenance.compiled') if m in sys.modules))"


def test_the_plant_layer_loads_no_warp_and_no_pyvista():
    code = "\n".join([*(f"import {m}" for m in PLANT_LAYER), "import twin.maintenance.spec",
                      "p = twin.plant.Plant('line')",
                      "p.add(twin.elements.Source('src', interarrival=twin.distributions.Exponential(10.0)))",
                      "p.add(twin.elements.Machine('m', process=twin.distributions.LogNormal(8.0, 0.25)))",
                      "p.add(twin.elements.Sink('out'))", "p.connect('src', 'm'); p.connect('m', 'out')",
                      "p.validate()", LOADED])
    assert _fresh(code).strip() == "[]"


def test_import_twin_loads_no_warp():
    assert _fresh(f"import twin\n{LOADED}").strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["scenes"], ["run", "--help"]])
def test_the_cli_loads_no_warp_for_help_and_scenes(argv):
    code = (f"import runpy, sys\nsys.argv = ['twin', *{argv!r}]\n"
            "try:\n    runpy.run_module('twin', run_name='__main__')\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            f"{LOADED}")
    out = _fresh(code)
    assert out.splitlines()[-1] == "[]", out


def test_rul_and_cmapss_load_on_demand():
    code = ("import twin, sys\nassert twin.maintenance.HealthComponent and twin.maintenance.Policy\n"
            "print('twin.maintenance.rul' in sys.modules, 'twin.maintenance.cmapss' in sys.modules)\n"
            "twin.maintenance.RULEstimator; twin.maintenance.load_cmapss\n"
            "print('twin.maintenance.rul' in sys.modules, 'twin.maintenance.cmapss' in sys.modules)")
    assert _fresh(code).split() == ["False", "False", "True", "True"]


@pytest.mark.parametrize("package", ["twin", "twin.maintenance", "twin.render"])
def test_every_public_name_resolves(package):
    """``__all__`` is the one list of a package's public names: each one loads (pyvista only if
    installed), and names nothing that is not there."""
    if package == "twin.render":
        pytest.importorskip("pyvista")
    code = (f"import importlib\npkg = importlib.import_module({package!r})\n"
            "missing = [n for n in pkg.__all__ if getattr(pkg, n, None) is None]\n"
            "print(missing, len(pkg.__all__) == len(set(pkg.__all__)))")
    assert _fresh(code).strip() == "[] True"


def test_the_public_surface_keeps_every_name_scripts_use():
    import twin
    used = {"Plant", "Source", "Machine", "Buffer", "Sink", "Conveyor", "Element", "Failures", "Robot", "Task",
            "DH", "ClusterTool", "ProcessStep", "Distribution", "Deterministic", "Exponential", "Uniform",
            "Triangular", "TruncatedNormal", "LogNormal", "Gamma", "Erlang", "Weibull", "Empirical",
            "simulate", "Simulator", "Results", "KPI", "Recording", "Recorded", "Scene", "load_scene",
            "save_scene", "TwinError", "PlantError", "SceneError", "SimulationError", "StudyError", "__version__"}
    assert used <= set(twin.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        twin.nonsense  # noqa: B018


# ---- the import graph, from the source ----------------------------------------------------------
def _modules() -> dict[str, Path]:
    mods = {}
    for package, folder in PACKAGE_DIRS.items():
        for f in folder.rglob("*.py"):
            parts = list(f.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join([package, *parts])] = f
    return mods


def _is_type_checking(node) -> bool:
    test = node.test
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING"
                                         or getattr(test, "attr", None) == "TYPE_CHECKING")


def _imports(tree, deferred: bool):
    """Import statements at module level (incl. inside if/try), and with ``deferred`` also those in
    functions and methods; never those under ``if TYPE_CHECKING``."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node):
            continue
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if deferred or isinstance(node, ast.ClassDef):
                stack.extend(node.body)
        else:
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))


def import_graph(deferred: bool = True) -> dict[str, set[str]]:
    """module -> the twin modules it imports. Importing ``a.b.c`` runs the packages ``a.b`` too,
    unless the importer lives inside them (then they are already running)."""
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        here = name if is_pkg else name.rpartition(".")[0]
        targets = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8")), deferred):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                base = here.split(".")[: len(here.split(".")) - (node.level - 1)] if node.level else []
                prefix = ".".join(base + ([node.module] if node.module else []))
                subs = [f"{prefix}.{a.name}" for a in node.names if f"{prefix}.{a.name}" in mods]
                found = subs if len(subs) == len(node.names) else [prefix, *subs]
            for target in found:
                while target and target not in mods:
                    target = target.rpartition(".")[0]  # twin.kernels.layout.A_IDLE -> the module
                parts = target.split(".")
                for k in range(1, len(parts) + 1):  # the module and the packages above it
                    t = ".".join(parts[:k])
                    if t in mods and t != name and not (name + ".").startswith(t + "."):
                        targets.add(t)
        graph[name] = targets
    return graph


def _cycles(graph) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_reader_sees_a_cycle():
    """The checker itself: a two-module cycle and a package that imports its importer are found."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    graph = import_graph()
    assert "twin.elements" in graph["twin.scene"] and "twin.units" in graph["twin.scene"]
    assert "twin.maintenance" in graph["twin.simulator"]  # importing maintenance.compiled runs its package


def test_module_level_imports_have_no_cycle():
    assert _cycles(import_graph(deferred=False)) == []


def test_deferred_imports_close_no_cycle_but_the_known_ones():
    graph = import_graph(deferred=True)
    for (a, b), why in KNOWN_DEFERRED_BACK_EDGES.items():
        assert b in graph[a], f"{a} no longer imports {b} ({why}): remove it from KNOWN_DEFERRED_BACK_EDGES"
        graph[a] = graph[a] - {b}
    assert _cycles(graph) == []


def test_only_the_command_line_imports_the_cli():
    importers = sorted(m for m, targets in import_graph().items() if "twin.cli" in targets)
    assert set(importers) <= CLI_MODULES, importers


def test_kernels_import_nothing_of_twins_python_layer():
    graph = import_graph()
    bad = {m: sorted(t for t in ts if not t.startswith("twin.kernels") and t != "twin")
           for m, ts in graph.items() if m.startswith("twin.kernels")}
    assert {m: ts for m, ts in bad.items() if ts} == {}


def test_a_run_prints_no_warp_banner():
    """Warp's start-up banner is silenced where twin first touches Warp (twin.kernels), now that
    ``import twin`` no longer imports Warp."""
    done = subprocess.run([sys.executable, "-m", "twin", "run", "balanced_line", "-r", "2", "--horizon", "10min",
                           "--warmup", "0", "--device", "cpu", "--no-progress"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "throughput" in done.stdout and "initialized" not in done.stdout + done.stderr


def kind_names_in(source: str, names) -> list[tuple[int, str]]:
    """(line, name) of every string constant in ``source`` that is one of the kind ``names``
    (a kind chosen by its name instead of its hooks or traits)."""
    return sorted((n.lineno, n.value) for n in ast.walk(ast.parse(source))
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in names)


def test_the_kind_name_finder_sees_a_kind_chosen_by_name():
    assert kind_names_in('x = 1\nif k == "sink":\n    pass\nprobe = {"sink": 1}\n', {"sink"}) == \
        [(2, "sink"), (4, "sink")]
    assert kind_names_in('"""a sink, a machine"""\nx = "sinks"\n', {"sink", "machine"}) == []


def test_the_live_twin_names_no_element_kind():
    """twin.live captures, restores, checks, publishes and emulates every kind through the
    snapshot hooks of its kernel module (kernels/hooks.py SnapshotHooks) and the elements'
    traits: no registered kind name appears in it as a string."""
    from twin.kernels.registry import KINDS
    names = {e.name for e in KINDS}
    found = {p.name: kind_names_in(p.read_text(), names) for p in sorted((ROOT / "twin" / "live").glob("*.py"))}
    assert {f: hits for f, hits in found.items() if hits} == {}


# ---- the central structs name no kind ------------------------------------------------------------
# Modules that build Model and State for every kind: a kind's own structs reach them through the
# registry (kernels/registry.py ``layout`` and ``fill``), never by name.
KIND_AGNOSTIC = ("twin.kernels.layout", "twin.model", "twin.state")
# Imports of a kind's module that these may keep, each with the reason. The test fails if one
# disappears (then delete it here).
ALLOWED_KIND_IMPORTS: dict = {}


def kind_modules() -> set[str]:
    """The modules that belong to one registered kind: its kernel module, its layout module, its
    fill module, its element module unless other kinds share it (twin.elements) and the kernel
    modules its element module launches outside the engine (``KERNEL_MODULES``)."""
    import importlib

    from twin.kernels.registry import KINDS
    shared = {e.module for e in KINDS if [x.module for x in KINDS].count(e.module) > 1}
    out = set()
    for e in KINDS:
        out |= {f"twin.kernels.{e.kernel}", *([f"twin.kernels.{e.layout}"] if e.layout else []),
                *([e.fill] if e.fill else []), *([e.module] if e.module and e.module not in shared else [])}
        if e.module:
            out |= {f"twin.kernels.{k}" for k in getattr(importlib.import_module(e.module), "KERNEL_MODULES", ())}
    return out


def kind_words() -> tuple[set[str], set[str]]:
    """(the registered kinds' names, the names of their own structs, of the Model/State fields
    those go in and of their layout modules: conveyor, RobotParams, health, robot_layout, ...)."""
    from twin.kernels.layout import KIND_LAYOUTS
    from twin.kernels.registry import KINDS
    fields = {m.FIELD for m in KIND_LAYOUTS.values()}
    structs = {s.__name__ for m in KIND_LAYOUTS.values() for s in (m.PARAMS, m.STATE, m.CONTROL) if s is not None}
    layouts = {m.__name__.rpartition(".")[2] for m in KIND_LAYOUTS.values()}
    return {e.name for e in KINDS}, fields | structs | layouts


def kind_references(source: str, names, words) -> list[tuple[int, str]]:
    """(line, what) of every place in ``source`` that picks a kind by name: a string constant that
    is a kind's name or one of ``words``, or a variable, attribute, field or import of one of
    ``words`` (``m.robot``, ``robot: wp.array(dtype=RobotParams)``, ``import robot_layout``)."""
    hits = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in set(names) | set(words):
            hits.append((n.lineno, repr(n.value)))
        elif isinstance(n, ast.Name) and n.id in words:
            hits.append((n.lineno, n.id))
        elif isinstance(n, ast.Attribute) and n.attr in words:
            hits.append((n.lineno, "." + n.attr))
        elif isinstance(n, ast.alias) and n.name.rpartition(".")[2] in words:
            hits.append((n.lineno, "import " + n.name))
        elif isinstance(n, ast.ImportFrom) and (n.module or "").rpartition(".")[2] in words:
            hits.append((n.lineno, "from " + n.module))
    return sorted(hits)


def test_the_kind_reference_finder_sees_a_kind_struct_written_by_hand():
    names, words = {"robot"}, {"robot", "RobotParams", "tool", "robot_layout"}
    old = ("from .robot_layout import RobotParams\n"
           "class Model:\n    robot: wp.array(dtype=RobotParams)\n"
           "m.tool = struct_ref(x)\nk = 'robot'\nfrom . import robot_layout\n")
    assert kind_references(old, names, words) == [
        (1, "from robot_layout"), (1, "import RobotParams"), (3, "RobotParams"), (3, "robot"), (4, ".tool"),
        (5, "'robot'"), (6, "import robot_layout")]
    assert kind_references('"""robots, tools"""\nfrom . import registry\nm.tools = 1\n', names, words) == []


def test_the_central_structs_name_no_kind():
    """kernels/layout.py builds Model and State from the registry; twin/model.py and
    twin/state.py fill and allocate a kind's own structs through the kind's fill module: none of
    them imports a kind's modules or writes a kind's struct, field or name by hand."""
    modules, (names, words) = _modules(), kind_words()
    assert {"conveyor", "robot", "tool", "health", "RobotParams", "HealthState", "HealthControl"} <= words  # the finder's input
    found = {m: kind_references(modules[m].read_text(encoding="utf-8"), names, words) for m in KIND_AGNOSTIC}
    assert {m: hits for m, hits in found.items() if hits} == {}
    graph, own = import_graph(), kind_modules()
    for (a, b), why in ALLOWED_KIND_IMPORTS.items():
        assert b in graph[a], f"{a} no longer imports {b} ({why}): remove it from ALLOWED_KIND_IMPORTS"
    imports = {m: sorted(t for t in graph[m] & own if (m, t) not in ALLOWED_KIND_IMPORTS) for m in KIND_AGNOSTIC}
    assert {m: ts for m, ts in imports.items() if ts} == {}


def test_model_and_state_have_one_field_per_kind_struct_in_registry_order(monkeypatch):
    """The kinds' fields come from the registry's layout modules, and a layout module added there
    (a new kind) gets its field with no change to kernels/layout.py."""
    import warp as wp

    from twin.kernels import layout
    from twin.kernels.registry import KINDS
    lays = [layout.KIND_LAYOUTS[e.name] for e in KINDS if e.layout]
    for struct, role in ((layout.Model, "PARAMS"), (layout.State, "STATE"), (layout.Control, "CONTROL")):
        expected = [(m.FIELD, getattr(m, role)) for m in lays if getattr(m, role) is not None]
        got = [(f, v.type if role == "CONTROL" else v.type.dtype)  # Control: by value (KIND_CONTROL)
               for f, v in struct.vars.items() if f in {m.FIELD for m in lays}]
        assert got == expected
    assert any(m.CONTROL is not None for m in lays)  # the crew's policies and sensor log

    @wp.struct
    class ProbeParams:
        n: int

    monkeypatch.setitem(layout.KIND_LAYOUTS, "probe", type(layout)("probe_layout"))
    probe = layout.KIND_LAYOUTS["probe"]
    probe.FIELD, probe.PARAMS, probe.STATE, probe.TABLES = "probe", ProbeParams, None, ()

    # annotations as objects (this file's are strings: from __future__ import annotations)
    probe_struct = type("Probe", (), {"__annotations__": {"first": int, "kinds": layout.KIND_PARAMS,
                                                          "last": int}, "__module__": __name__})
    fields = list(layout.with_kind_fields(probe_struct).vars.items())
    assert [f for f, _ in fields] == ["first", *(m.FIELD for m in lays if m.PARAMS is not None), "probe", "last"]
    assert fields[-2][1].type.dtype is ProbeParams


# ---- per-run inputs come from the kinds ----------------------------------------------------------
# The run's Control holds what every run has (seed, window, its first replica) and, per kind, the
# kind's own CONTROL struct (its layout module), filled by the kind's fill module (compile_control).
CONTROL_COMMON = ["seed", "replica0", "warmup_step", "horizon_step"]
CONTROL_FILLERS = ("twin.kernels.layout", "twin.model", "twin.state", "twin.simulator")


def field_writes(source: str, fields) -> list[tuple[int, str]]:
    """(line, what) of every struct field declared (``policy: wp.array``) or attribute read or
    written (``c.policy``) in ``source`` whose name is one of ``fields``."""
    hits = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id in fields:
            hits.append((n.lineno, n.target.id + ":"))
        elif isinstance(n, ast.Attribute) and n.attr in fields:
            hits.append((n.lineno, "." + n.attr))
    return sorted(hits)


def test_the_field_finder_sees_a_control_field_written_by_hand():
    old = ("class Control:\n    seed: int\n    policy: wp.array(dtype=int)\n"
           "c.log_len = 3\nx = policy\n")
    assert field_writes(old, {"policy", "log_len"}) == [(3, "policy:"), (4, ".log_len")]


def test_the_control_has_no_hand_written_kind_fields():
    """layout.Control is the common inputs plus one field per kind with a CONTROL struct
    (registry order), and no module that builds or fills it (kernels/layout.py, twin/model.py,
    twin/state.py, twin/simulator.py) declares, reads or writes a field of a kind's CONTROL struct:
    a maintenance policy or sensor-log field put back by hand fails here."""
    from twin.kernels import layout
    from twin.kernels.registry import KINDS
    lays = [layout.KIND_LAYOUTS[e.name] for e in KINDS if e.layout]
    assert list(layout.Control.vars) == CONTROL_COMMON + [m.FIELD for m in lays if m.CONTROL is not None]
    fields = {f for m in lays if m.CONTROL is not None for f in m.CONTROL.vars}
    assert {"policy", "policy_value", "log_replicas"} <= fields  # the finder's input: the crew's
    modules = _modules()
    found = {m: field_writes(modules[m].read_text(encoding="utf-8"), fields) for m in CONTROL_FILLERS}
    assert {m: hits for m, hits in found.items() if hits} == {}


def test_model_control_fills_each_kinds_part_through_its_fill_module(monkeypatch):
    """Model.control hands each kind the inputs it declares (CONTROL_INPUTS) and puts what its
    compile_control returns in Control.FIELD; an input no kind declares is refused."""
    import twin
    from twin.kernels import health_layout
    from twin.maintenance import compiled
    from twin.model import compile_plant

    model = compile_plant(twin.load_scene("balanced_line").plant, device="cpu")
    seen = []

    def fake(model_, replica0, replicas, **inputs):
        seen.append((replica0, replicas, inputs))
        c = health_layout.HealthControl()
        c.log_replicas = 7
        return c

    monkeypatch.setattr(compiled, "compile_control", fake)
    c = model.control(seed=1, warmup_step=0, horizon_step=10, replica0=3, replicas=4, policy="P")
    assert seen == [(3, 4, {"policy": "P"})] and c.health.log_replicas == 7
    with pytest.raises(TypeError, match="no registered kind takes"):
        model.control(seed=1, warmup_step=0, horizon_step=10, polcy="P")


# ---- value tables instead of if-chains on a family's or a policy's name -----------------------------
def value_switches(source: str, values) -> list[tuple[int, str]]:
    """(line, value) of every comparison in ``source`` against a string constant in ``values``
    (``kind == "gamma"``, ``kind in ("time_based", "predictive")``): a switch on a family or
    policy name written out instead of looked up in its table."""
    hits = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Compare):
            for side in [n.left, *n.comparators]:
                consts = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                hits += [(n.lineno, c.value) for c in consts
                         if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in values]
    return sorted(hits)


def test_the_switch_finder_sees_a_chain_on_names():
    src = 'if d.name == "gamma":\n    pass\nelif k in ("time_based", "x"):\n    pass\nname = "gamma"\n'
    assert value_switches(src, {"gamma", "time_based"}) == [(1, "gamma"), (3, "time_based")]


def _sources(*globs) -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for g in globs for p in sorted(ROOT.glob(g))}


# Comparisons with a family's name that stay, each with the reason. The test fails if one disappears.
KNOWN_VALUE_SWITCHES = {
    ("twin/scene.py", "deterministic"): "save_scene writes a deterministic duration as a bare number: the scene "
                                        "format's shorthand, whose reader (twin.distributions) is its inverse",
}


def test_no_switch_on_a_distribution_family_a_degradation_model_or_a_policy_name():
    """Distribution families (their classes in twin.distributions, with traits such as
    ``memoryless``; twin.live.conditional FAMILIES), degradation models (their classes in
    twin.maintenance.spec, with ``step_params``) and maintenance policies (twin.maintenance
    POLICIES) are tables, one entry each: no module of twin or its kernels compares a value with
    a family's, model's or policy's name (twin/fab parses its own files)."""
    from twin import distributions
    from twin.maintenance.spec import DEGRADATIONS, POLICIES
    families = {c.name for c in _subclasses(distributions.Distribution)} | set(distributions.NAMES)
    assert {"gamma", "exponential", "truncated_normal"} <= families and "predictive" in POLICIES
    assert {"wiener", "usage"} <= set(DEGRADATIONS)
    sources = {f: src for f, src in _sources("twin/**/*.py", "kernels/*.py").items()
               if not f.startswith(("twin/fab/", "kernels/fab"))}
    found = {(f, v): line for f, src in sources.items()
             for line, v in value_switches(src, families | set(DEGRADATIONS) | set(POLICIES))}
    for key, why in KNOWN_VALUE_SWITCHES.items():
        assert key in found, f"{key} is gone ({why}): remove it from KNOWN_VALUE_SWITCHES"
    assert {k: line for k, line in found.items() if k not in KNOWN_VALUE_SWITCHES} == {}


def _subclasses(cls) -> list:
    out = []
    for c in cls.__subclasses__():
        out += [c, *_subclasses(c)]
    return out


def test_every_distribution_family_has_a_conditional_sampler():
    """A family added to twin.distributions without its entry in twin.live.conditional FAMILIES
    (how the rest of a duration is drawn after a restart) fails here, not at a restart."""
    from twin import distributions
    from twin.live.conditional import FAMILIES
    assert {c.name for c in _subclasses(distributions.Distribution)} == set(FAMILIES)


# ---- recordings name no kind ---------------------------------------------------------------------
def test_recordings_name_belts_not_a_kind(tmp_path):
    """twin.Recorded keeps item positions of every element with a belt as ``belts`` (the element
    says whether it has one); only the file key, kept for recordings saved before, is the
    conveyor's name (BELT_FILE_KEY), and ``conveyors`` still reads ``belts``."""
    import numpy as np

    from twin import recording
    from twin.kernels.registry import KINDS
    src = (ROOT / "twin" / "recording.py").read_text(encoding="utf-8")
    conveyor = next(e.name for e in KINDS if e.layout == "conveyor_layout")
    assert recording.BELT_FILE_KEY == conveyor
    assert [v for _, v in kind_names_in(src, {conveyor})] == [conveyor]  # BELT_FILE_KEY's value only
    belt = np.array([[0.5, np.nan], [1.5, 0.25]])
    rec = recording.Recorded(0, np.array([0.0, 1.0]), ["a", "b"], ["source", "conveyor"], np.zeros((2, 2), np.int8),
                             np.zeros((2, 2), np.int32), {"b": belt})
    path = rec.save(tmp_path / "rec.npz")
    assert "conveyor:b" in np.load(path).files
    back = recording.Recorded.load(path)
    np.testing.assert_array_equal(back.belts["b"], belt)
    assert back.conveyors is back.belts


# Imports of a kind's module the recording modules may keep, each with the reason (the test fails
# if one disappears: then delete it here).
RECORDING_KIND_IMPORTS = {
    ("twin.simulator", "twin.maintenance.compiled"): "the crew's policy and SensorLog are inputs of every run",
}


def test_recordings_find_the_kinds_that_record_through_the_registry():
    """twin/simulator.py's Recorder and twin/recording.py's Recorded take the kinds that record
    frames of their own (robots, cluster tools) from the registry (twin.recording.recorded_kinds:
    the kind's Python module exports Recorder, RECORDED and RECORDED_FILE_KEY): neither imports a
    kind's module or names a kind, a kind's struct or field (the belts' file key, BELT_FILE_KEY,
    aside)."""
    from twin import recording
    from twin.equipment import cluster_tool, robot
    assert recording.recorded_kinds() == [robot, cluster_tool]  # registry order
    assert [(m.RECORDED, m.RECORDED_FILE_KEY) for m in recording.recorded_kinds()] == \
        [("robots", "robot"), ("tools", "tool")]  # the file keys recordings were always saved with
    modules, (names, words) = _modules(), kind_words()
    found = {m: kind_references(modules[m].read_text(encoding="utf-8"), names, words)
             for m in ("twin.simulator", "twin.recording")}
    assert found == {"twin.simulator": [], "twin.recording": [(found["twin.recording"][0][0], repr(recording.BELT_FILE_KEY))]}
    graph, own = import_graph(), kind_modules()
    for (a, b), why in RECORDING_KIND_IMPORTS.items():
        assert b in graph[a], f"{a} no longer imports {b} ({why}): remove it from RECORDING_KIND_IMPORTS"
    imports = {m: sorted(t for t in graph[m] & own if (m, t) not in RECORDING_KIND_IMPORTS)
               for m in ("twin.simulator", "twin.recording")}
    assert imports == {"twin.simulator": [], "twin.recording": []}


def test_recordings_save_and_load_the_kinds_frames_under_their_old_file_keys(tmp_path):
    """``Recorded.equipment`` holds the kinds' frames by RECORDED name; ``robots``/``tools`` read
    them; a save writes "robot:NAME:FIELD" / "tool:NAME:FIELD" as before, and a file written by
    hand with those keys (as twin saved them before ``equipment``) loads into the same groups."""
    import numpy as np

    from twin import recording
    from twin.errors import TwinError
    joints = np.arange(6, dtype=np.float64).reshape(2, 3) / 10
    chambers = np.array([[0, 1], [2, 3]], np.int8)
    common = dict(replica=1, times=np.array([0.0, 2.0]), names=np.array(["arm", "etcher:a"]),
                  kinds=np.array(["robot", "cluster_tool"]), status=np.zeros((2, 2), np.int8),
                  held=np.ones((2, 2), np.int32))
    old = tmp_path / "old.npz"
    np.savez_compressed(old, **common, **{"robot:arm:joints": joints, "tool:etcher:a:chambers": chambers,
                                          "conveyor:belt": np.full((2, 1), np.nan)})
    rec = recording.Recorded.load(old)
    assert sorted(rec.equipment) == ["robots", "tools"]
    assert rec.robots is rec.equipment["robots"] and rec.tools is rec.equipment["tools"]
    np.testing.assert_array_equal(rec.robots["arm"]["joints"], joints)
    np.testing.assert_array_equal(rec.tools["etcher:a"]["chambers"], chambers)  # a name with a colon
    assert (rec.replica, rec.frames, list(rec.belts)) == (1, 2, ["belt"])
    new = rec.save(tmp_path / "new.npz")
    assert sorted(np.load(new).files) == sorted(np.load(old).files)
    back = recording.Recorded.load(new)
    np.testing.assert_array_equal(back.robots["arm"]["joints"], joints)
    np.testing.assert_array_equal(back.tools["etcher:a"]["chambers"], chambers)
    # the keywords of before still fill the groups; a group no kind records is refused on save
    kw = recording.Recorded(0, rec.times, rec.names, rec.kinds, rec.status, rec.held, robots={"arm": {"joints": joints}})
    assert list(kw.equipment) == ["robots"] and kw.tools == {}
    with pytest.raises(TwinError, match="no registered kind records"):
        recording.Recorded(0, rec.times, rec.names, rec.kinds, rec.status, rec.held,
                           equipment={"gantries": {}}).save(tmp_path / "bad.npz")


# ---- rendering and the exports name no kind ------------------------------------------------------
# twin/render and twin/export draw, animate and export every kind through its look (twin/look.py:
# shape, units, attributes), its drawing answers (drawn_links, drawn_ring, unit_labels) and what it
# records itself (Recorded.element_frames): no kind's name, class or field appears in them.
DRAWING_PACKAGES = ("twin.render", "twin.export")
# Strings there that contain a kind's word in another sense, each with the reason. The test fails
# if one disappears (then delete it here).
ALLOWED_DRAWING_WORDS = {
    ("twin.render.backend", "on this machine"): "the computer, in an error message",
}


def _pieces(text: str) -> list[str]:
    """The lower-case words of an identifier or a key: snake_case, CamelCase, 'twin:robotAngle'."""
    import re
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return [p for p in re.split(r"[^A-Za-z0-9]+", text.lower()) if p]


def kind_words_in(source: str, words) -> list[tuple[int, str]]:
    """(line, text) of every identifier (a name, attribute, definition, argument, keyword
    or import) and every string but docstrings in ``source`` that has one of ``words`` among its
    words: ``robot_links``, ``ClusterTool``, ``"twin:robotAngle"``, ``"cluster_tool"`` (but
    ``rec.tools`` only when ``tools`` is one of the words); comments and docstrings may describe."""
    tree = ast.parse(source)
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    wanted = {w: _pieces(w) for w in words}
    hits = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
            texts = [n.value]
        elif isinstance(n, ast.Name):
            texts = [n.id]
        elif isinstance(n, ast.Attribute):
            texts = [n.attr]
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            texts = [n.name]
        elif isinstance(n, ast.arg):
            texts = [n.arg]
        elif isinstance(n, ast.keyword) and n.arg:
            texts = [n.arg]
        elif isinstance(n, ast.alias):
            texts = [n.name, *([n.asname] if n.asname else [])]
        elif isinstance(n, ast.ImportFrom) and n.module:
            texts = [n.module]
        else:
            continue
        for text in texts:
            got = _pieces(text)
            if any(got[i:i + len(ps)] == ps for ps in wanted.values() for i in range(len(got) - len(ps) + 1)):
                hits.append((n.lineno, text))
    return sorted(set(hits))


def drawn_kind_words() -> set[str]:
    """The words that name a kind a scene draws (every registered kind with an element class): its
    name, its element class's name, its Model/State field and the group its recorded frames go
    in (machine, cluster_tool, ClusterTool, tool, robot, Robot, robots, conveyor, ...)."""
    import importlib

    from twin.elements import KINDS as classes
    from twin.kernels.registry import KINDS
    from twin.recording import recorded_kinds
    out = {m.RECORDED for m in recorded_kinds()}     # Recorded.robots, .tools
    for e in KINDS:
        if not e.module:
            continue                 # the crew: an internal element, never drawn
        out |= {e.name, classes[e.name].__name__}
        if e.layout:
            out.add(importlib.import_module(f"twin.kernels.{e.layout}").FIELD)
    return out


def test_the_kind_word_finder_sees_a_kind_in_an_identifier_a_key_and_an_import():
    words = {"robot", "Robot", "cluster_tool", "ClusterTool", "tool"}
    src = ('"""Draws robots and cluster tools."""\n'
           "from ..equipment import robot as arm_module\n"
           "def robot_links(el):\n"
           "    return isinstance(el, arm_module.Robot)\n"
           "x = rec.tools\n"                      # 'tools' is not 'tool'
           "t = own['twin:robotAngle']\n"
           "k = 'cluster_tool'\n"
           "def ring(pl, el, link_radius=1.0):\n"
           "    return toolbox(pl)\n")            # 'toolbox' is not 'tool'
    assert kind_words_in(src, words) == [
        (2, "robot"), (3, "robot_links"), (4, "Robot"), (6, "twin:robotAngle"), (7, "cluster_tool")]
    assert kind_words_in("def arm_links(el):\n    return ring_geometry(el)\n", words) == []


def test_rendering_and_the_exports_name_no_kind():
    """No module under twin/render or twin/export imports a kind's module (twin.equipment, a kind's
    kernel, layout or fill module) or names a kind a scene draws (its name, class or field) in an
    identifier or a string: they ask the element's look, its drawing answers and its recorded
    frames (docs/architecture.md, "Host side: drawing")."""
    modules, words = _modules(), drawn_kind_words()
    assert {"robot", "Robot", "robots", "cluster_tool", "ClusterTool", "tool", "tools", "conveyor", "machine",
            "delay"} <= words
    ours = sorted(m for m in modules if m in DRAWING_PACKAGES or m.startswith(tuple(p + "." for p in DRAWING_PACKAGES)))
    assert "twin.render.meshes" in ours and "twin.export.usd" in ours
    found = {m: kind_words_in(modules[m].read_text(encoding="utf-8"), words) for m in ours}
    for (m, what), why in ALLOWED_DRAWING_WORDS.items():
        assert any(what in text for _, text in found.get(m, ())), \
            f"{m} no longer says {what!r} ({why}): remove it from ALLOWED_DRAWING_WORDS"
    left = {m: [(line, text) for line, text in hits if not any(what in text for (a, what) in ALLOWED_DRAWING_WORDS
                                                              if a == m)] for m, hits in found.items()}
    assert {m: hits for m, hits in left.items() if hits} == {}
    graph, own = import_graph(), kind_modules()
    imports = {m: sorted(t for t in graph[m] if t in own or t == "twin.equipment" or t.startswith("twin.equipment."))
               for m in ours}
    assert {m: ts for m, ts in imports.items() if ts} == {}


# ---- nothing outside a kind's own modules names it -----------------------------------------------
# Modules that name kinds by design, each with the reason. (The fab, twin.fab and kernels/fab*, is
# apart: there "tool" is a fab tool, "delay" a delay group and "source" a datum's provenance;
# docs/architecture.md "The fab".)
NAMES_KINDS_BY_DESIGN = {
    "twin": "the public surface: the kinds' classes a script imports",
    "twin.elements": "the basic kinds' own module (source, machine, buffer, sink, conveyor)",
    "twin.kernels.registry": "the registry: one entry per kind",
    "twin.reference": "the independent SimPy model of a basic line the engine is validated against",
}
# A kind's word in another sense, or kept for old scripts: (module, identifier or key) -> why. The
# test fails if one is no longer used (then delete it here).
HOMONYMS = {
    ("twin.cli", "--same-tool"): "a fab option: a step on the tool of an earlier step",
    ("twin.cli", "same_tool"): "the same fab option",
    ("twin.cli", "tool.txt.1l"): "the SMT2020 file of tool groups",
    ("twin.live.cli", "NAME=PARTS[@SINK]"): "an order's end element (any element without outputs)",
    ("twin.live.forecast", "sink"): "an order's end element (any element without outputs)",
    ("twin.live.forecast", "SinkProbe"): "counts parts reaching the plant's ends",
    ("twin.live.opcua", "source"): "where a mapping or a value came from",
    ("twin.live.snapshot", "source"): "where a snapshot was read from",
    ("twin.live.wire", "source"): "where a mapping was read from",
    ("twin.plant", "single_source_shortest_path"): "networkx",
    ("twin.recording", "conveyor"): "the file key of belt frames, kept so old recordings load",
    ("twin.recording", "robots"): "Recorded.robots, kept for scripts written before Recorded.equipment",
    ("twin.recording", "tools"): "Recorded.tools, kept for scripts written before Recorded.equipment",
}


def kind_names_outside(modules, words) -> dict:
    """Module -> [(line, text)] of identifiers and keys (strings with no space: prose may give
    examples) naming a kind in a module that is not one of its own, not one that names kinds by
    design and not the fab's."""
    own = kind_modules() | set(NAMES_KINDS_BY_DESIGN)
    out = {}
    for m, path in sorted(modules.items()):
        if m in own or m.startswith(("twin.equipment", "twin.fab", "twin.kernels.fab")):
            continue
        hits = [(line, text) for line, text in kind_words_in(path.read_text(encoding="utf-8"), words)
                if not any(c.isspace() for c in text)]
        if hits:
            out[m] = hits
    return out


def test_the_outside_finder_sees_a_kind_named_in_a_core_module(tmp_path):
    core = tmp_path / "core.py"
    core.write_text('"""Machines and robots, in prose."""\nMSG = "put a machine or a conveyor there"\n'
                    'def speed(el):\n    return el.params["conveyor"] if el.kind == "robot" else 0\n')
    found = kind_names_outside({"twin.core": core, "twin.elements": core}, {"conveyor", "robot", "machine"})
    assert found == {"twin.core": [(4, "conveyor"), (4, "robot")]}


def test_no_module_outside_a_kinds_own_names_it():
    """The issue's measure: files that name a kind outside its own modules, 0 -- apart from the
    modules that name kinds by design and the homonyms listed above, each with its reason."""
    found = kind_names_outside(_modules(), drawn_kind_words())
    for (m, text), why in HOMONYMS.items():
        assert text in {t for _, t in found.get(m, ())}, f"{m} no longer uses {text!r} ({why}): remove it from HOMONYMS"
    left = {m: sorted({t for _, t in hits if (m, t) not in HOMONYMS}) for m, hits in found.items()}
    assert {m: ts for m, ts in left.items() if ts} == {}
