"""The engine's kernels, generated from the kind registry and specialised to a plant's kinds."""

from pathlib import Path

import numpy as np
import pytest
import warp as wp

import twin
from twin.kernels import engine, registry
from twin.kernels.kinds import KINDS
from twin.kernels.layout import R_KEY, struct_ref
from twin.model import compile_plant
from twin.state import new_state, to_numpy


def plain_line() -> twin.Plant:
    p = twin.Plant("plain line")
    p.add(twin.Source("in", interarrival=twin.Exponential(50.0)), twin.Buffer("q", capacity=3),
          twin.Machine("m1", process=twin.LogNormal(40.0, 0.5),
                       failures=twin.Failures(twin.Exponential(3000.0), twin.Exponential(300.0))),
          twin.Buffer("q2", capacity=2), twin.Machine("m2", process=twin.Gamma(45.0, 0.4)), twin.Sink("out"))
    p.line("in", "q", "m1", "q2", "m2", "out")
    return p


def final_state(kernels, model, replicas=6, horizon=20_000.0) -> dict:
    km = model.arrays
    st = new_state(model, replicas, model.control(seed=3, warmup_step=model.steps(1000.0),
                                                  horizon_step=model.steps(horizon)))
    wp.launch(kernels.start_replicas, dim=replicas, inputs=[km, st], device="cpu")
    wp.launch(kernels.advance, dim=replicas, inputs=[km, st, engine.end_step(model.steps(horizon), "cpu")],
              device="cpu")
    wp.launch(kernels.close_statistics, dim=replicas, inputs=[km, st], device="cpu")
    return to_numpy(st)


def test_registry_and_element_classes_agree():
    """Every registered kind (but the internal crew) has an element class of that name, ids are
    unique, and the kernel side sees the registry in the same order."""
    assert [k.name for k in KINDS] == [e.name for e in registry.KINDS]
    assert len({e.id for e in registry.KINDS}) == len(registry.KINDS)
    for e in registry.KINDS:
        if e.module:
            assert twin.elements.KINDS[e.name].kind == e.name
    assert set(twin.elements.KINDS) == {e.name for e in registry.KINDS if e.module}


def test_a_plain_line_compiles_only_its_kinds():
    model = compile_plant(plain_line(), device="cpu")
    assert set(model.kernel_kinds) == {"source", "buffer", "machine", "sink"}
    k = engine.for_kinds(model.kernel_kinds)
    assert k is engine.for_kinds(reversed(model.kernel_kinds))  # built once per kind set
    wp.load_module(k.advance.module, device="cpu")
    # this module's own build (the cache may hold other builds of the same module name)
    folder = Path(wp.config.kernel_cache_dir) / k.advance.module.get_module_identifier(1)  # CPU: block_dim 1
    src = list(folder.glob("*.cpp"))
    assert src, f"the specialised module's generated code was not found in {folder}"
    code = src[0].read_text()
    assert "machine_event" in code and "buffer_take" in code
    for absent in ("robot_", "tool_", "conveyor_", "health_event", "delay_"):
        assert absent not in code, absent
    with pytest.raises(KeyError, match="unregistered"):
        engine.for_kinds(["machine", "teleporter"])


def test_specialised_kernels_give_the_same_state_as_the_kernels_of_every_kind():
    """Bit for bit: the dispatch over the plant's kinds only takes the same branches."""
    model = compile_plant(plain_line(), device="cpu")
    mine = final_state(engine.for_kinds(model.kernel_kinds), model)
    every = final_state(engine.ALL, model)
    assert mine.keys() == every.keys()
    for key in mine:
        np.testing.assert_array_equal(mine[key], every[key], err_msg=key)
    assert mine["rep64"][:, 2].min() > 100  # parts went through (R_EXITED)


def test_the_engine_module_is_keyed_by_the_kernel_sources():
    """Warp's module hash misses hooks reached through wp.static from other modules: the engine's
    module name carries a digest of the kernel sources it is built from, so an edited kernel file
    never loads a stale binary of the same kind set (a stale one without the step-clock saturation
    crashed)."""
    import hashlib
    files = [engine.KERNELS / f"{name}.py" for name in engine.engine_sources(["source", "machine", "sink"])]
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files))
    k = engine.for_kinds(["source", "machine", "sink"])
    assert k.advance.module.name.endswith("_" + digest.hexdigest()[:12])


def test_an_edit_of_one_kinds_kernel_recompiles_only_the_engines_that_use_it():
    """The digest covers the engine's own modules, its kinds' kernel modules, every layout module
    (Model and State carry all kinds' structs) and what they import: an edited robot kernel changes
    the key of an engine with robots, not a plain line's; a shared file or a layout changes both."""
    plain = ["source", "buffer", "machine", "sink"]
    robots = plain + ["robot"]
    files = set(engine.engine_sources(plain))
    assert {"engine", "flow", "dispatch", "sampling", "rng", "next_event", "machine", "buffer", "tool_layout"} <= files
    assert not files & {"robot", "cluster_tool", "conveyor", "delay", "health"}
    assert "robot" in engine.engine_sources(robots)

    def edited(name):
        def read(path):
            return path.read_bytes() + (b"\n# edited\n" if path.name == f"{name}.py" else b"")
        return read
    assert engine.kernel_digest(plain, edited("robot")) == engine.kernel_digest(plain)
    assert engine.kernel_digest(robots, edited("robot")) != engine.kernel_digest(robots)
    for shared in ("sampling", "robot_layout"):
        assert engine.kernel_digest(plain, edited(shared)) != engine.kernel_digest(plain), shared


def test_the_engine_kernels_take_no_one_dimensional_array():
    """Warp compiles a CPU kernel that takes a 1-d array (and its thread index) twice, a variant
    for contiguous arrays beside the general one; for ``advance`` that doubled the engine's cold
    compile (14.5 -> 10.0 s for balanced_line with its end step in a 1 x 1 array instead,
    engine.end_step). The engine's kernels read 1-d data through the Model and State structs."""
    kernels = engine.for_kinds(["source", "buffer", "machine", "sink"])
    for kernel in (kernels.start_replicas, kernels.advance, kernels.close_statistics):
        for name, kind in kernel.func.__annotations__.items():
            assert getattr(kind, "ndim", None) != 1, f"{kernel.key}: argument {name} is a 1-d array"
    assert engine.end_step(7, "cpu").shape == (1, 1)


def splitmix64(x: int) -> int:
    """The SplitMix64 finaliser (Steele, Lea and Flood 2014), in Python integers: the reference
    for kernels/rng.py mix64."""
    m = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def test_every_engine_launch_writes_the_replicas_key_of_its_control():
    """The replica's random key (rep64 R_KEY, read at every draw) is mix64(seed ^ mix64(run
    index)) of the Control of the launch: row r of a block starting at run index replica0 gets
    the key of replica replica0 + r, and a launch with a new Control rewrites it (a key left from
    the previous Control would draw that run's numbers)."""
    model = compile_plant(plain_line(), device="cpu")
    kernels = engine.for_kinds(model.kernel_kinds)
    km, rows = model.arrays, 4
    st = new_state(model, rows, model.control(seed=11, warmup_step=0, horizon_step=model.steps(100.0), replica0=5))

    def keys(seed, replica0):
        return [splitmix64(seed ^ splitmix64(replica0 + r)) for r in range(rows)]

    wp.launch(kernels.start_replicas, dim=rows, inputs=[km, st], device="cpu")
    assert [int(k) for k in st.rep64.numpy()[:, R_KEY].view(np.uint64)] == keys(11, 5)
    st.control = struct_ref(model.control(seed=2**64 - 3, warmup_step=0, horizon_step=model.steps(100.0), replica0=1),
                            "cpu")
    wp.launch(kernels.advance, dim=rows, inputs=[km, st, engine.end_step(model.steps(50.0), "cpu")], device="cpu")
    assert [int(k) for k in st.rep64.numpy()[:, R_KEY].view(np.uint64)] == keys(2**64 - 3, 1)
