"""twin/state.py: every State table allocated from its declaration, in either memory layout.

The replica-minor layout (the default on CUDA, for coalesced loads) is proven here on the CPU:
the same kernels over strided tables give bit-identical results and final states."""

import json

import numpy as np
import pytest

import twin
from twin.equipment.delay import Delay
from twin.maintenance import Policy, SensorLog
from twin.model import compile_plant
from twin.state import TABLES, allocate, bytes_per_replica, default_layout, new_state, state_nbytes, to_numpy

HOUR = 3600.0


def without_timing(d: dict) -> dict:
    d = json.loads(json.dumps(d))
    for k in ("wall_time_s", "compile_time_s"):
        d["meta"].pop(k)
    return d


def delay_line() -> twin.Plant:
    p = twin.Plant("delay line")
    p.add(twin.Source("in", interarrival=twin.Exponential(30.0)), twin.Buffer("q", capacity=4),
          Delay("hop", delay=twin.Exponential(100.0), capacity=3), twin.Machine("m", process=twin.Gamma(25.0, 0.5)),
          twin.Sink("out"))
    p.line("in", "q", "hop", "m", "out")
    return p


# scene (or plant), run keywords: together every kind, health with a policy and a sensor log
CASES = {
    "electronics_assembly": dict(horizon=3 * HOUR, warmup=0.5 * HOUR),          # conveyors, robot, machines
    "press_shop": dict(horizon=200 * HOUR, warmup=10 * HOUR,                     # health, crew, conveyor
                       policy=Policy.time_based(40 * HOUR), sensor_log=SensorLog(replicas=2, every=3, max_samples=400)),
    "etch_cell": dict(horizon=24 * HOUR, warmup=2 * HOUR),                       # cluster tool with health
    "delay_line": dict(horizon=20 * HOUR, warmup=HOUR),                          # delay, buffer, machine
}


def _plant(name):
    return delay_line() if name == "delay_line" else twin.load_scene(name).plant


@pytest.mark.parametrize("name", sorted(CASES))
def test_replica_minor_layout_gives_bit_identical_results(name):
    """The same kernels on tables with the replica axis innermost in memory (as on CUDA) give the
    same results, bit for bit, as the CPU's default replica-major layout: every final State array,
    the results JSON and the sensor log. A kernel that assumed contiguous rows, or a host reader
    that ignored strides, would differ."""
    model = compile_plant(_plant(name), device="cpu")
    kw = dict(seed=11, threads=1, **CASES[name])
    major = twin.Simulator(model, 5).run(**kw)
    minor = twin.Simulator(model, 5, layout="replica_minor").run(**kw)
    assert default_layout("cpu") == "replica_major"
    a, b = major.final_state.arrays, minor.final_state.arrays
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert a["rep64"][:, 2].sum() > 0  # parts left the plant: the comparison is not of empty runs
    assert without_timing(major.to_dict()) == without_timing(minor.to_dict())
    if major.sensors is not None:
        assert len(major.sensors.time_s) > 0
        np.testing.assert_array_equal(major.sensors.values, minor.sensors.values)


def test_replica_minor_tables_are_strided_views():
    """replica_minor: consecutive replicas of one entry are adjacent in memory (stride = one
    item); the host copy keeps the logical [replica, ...] order."""
    model = compile_plant(twin.load_scene("balanced_line").plant, device="cpu")
    km = model.control(seed=1, warmup_step=0, horizon_step=10)
    st = new_state(model, 3, km, "replica_minor")
    assert st.el64.shape == (3, model.n_kernel_elements, 12)
    assert st.el64.strides[0] == 8 and not st.el64.is_contiguous
    assert st.rep64.strides == (8, 3 * 8)
    major = new_state(model, 3, km, "replica_major")
    assert major.el64.is_contiguous and major.el64.strides[2] == 8
    arrays = to_numpy(st)
    assert arrays["el64"].shape == (3, model.n_kernel_elements, 12)
    with pytest.raises(ValueError, match="unknown table layout"):
        new_state(model, 3, km, "column_major")
    with pytest.raises(twin.TwinError, match="layout must be one of"):
        twin.Simulator(model, 3, layout="column_major")


def test_byte_count_is_what_is_allocated():
    """state_nbytes (from the declarations) equals the bytes of the arrays new_state allocates,
    for a plant with every per-kind table in use; bytes_per_replica is the slope."""
    model = compile_plant(twin.load_scene("press_shop").plant, device="cpu")
    km = model.control(seed=1, warmup_step=0, horizon_step=10)
    for replicas in (1, 4):
        arrays = to_numpy(new_state(model, replicas, km))
        assert sum(v.nbytes for v in arrays.values()) == state_nbytes(model, replicas, km)
    assert state_nbytes(model, 4, km) - state_nbytes(model, 3, km) == bytes_per_replica(model, km)
    assert {t.name for t in TABLES} == set(arrays)


def test_fill_value_in_both_layouts():
    """A table that starts at -1 (free technicians) starts there in either layout."""
    from twin.kernels.health_layout import TECH_JOB_TABLE
    dims = {"replica": 3, "technician": 2}
    for lay in ("replica_major", "replica_minor"):
        arr = allocate(TECH_JOB_TABLE, dims, lay, "cpu")
        assert arr.shape == (3, 2) and (arr.numpy() == -1).all()


def test_allocation_failure_names_the_bytes(monkeypatch):
    """Out of memory: one line with the State's size from the declarations, total and per replica."""
    from twin import simulator as simulator_module

    def out_of_memory(*args, **kwargs):
        raise MemoryError("out of memory")

    model = compile_plant(twin.load_scene("balanced_line").plant, device="cpu")
    monkeypatch.setattr(simulator_module, "new_state", out_of_memory)
    per = bytes_per_replica(model) / 1024
    with pytest.raises(twin.SimulationError) as err:
        twin.Simulator(model, 10**6).run(horizon=100.0, warmup=0.0, threads=1)
    total = state_nbytes(model, 10**6) / 2**20
    assert f"cannot allocate {total:.0f} MiB of state ({per:.1f} KiB per replica) for 1000000 replicas" in str(err.value)


def test_recording_and_snapshot_restart_in_either_layout():
    """The host readers that do not go through the results (the recorder's frames, a snapshot
    taken from the final state, a run started from snapshots, which writes the State tables from
    the host) give the same numbers with the replica-minor layout."""
    model = compile_plant(twin.load_scene("electronics_assembly").plant, device="cpu")
    rec = twin.Recording(replica=2, start=600.0, end=3000.0, every=60.0)
    runs = {lay: twin.Simulator(model, 4, layout=lay).run(horizon=HOUR, warmup=0.0, seed=3, threads=1, record=rec)
            for lay in ("replica_major", "replica_minor")}
    a, b = (runs[k].recording for k in ("replica_major", "replica_minor"))
    assert a.frames == 41 and a.status.any()
    for name in ("status", "held"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name in a.conveyors:
        np.testing.assert_array_equal(a.conveyors[name], b.conveyors[name])
    for name in a.robots:
        for k in a.robots[name]:
            np.testing.assert_array_equal(a.robots[name][k], b.robots[name][k])
    # snapshots (source, buffer, machine, sink only): a line with failures, stopped mid-run
    line = compile_plant(twin.load_scene("unbalanced_rework").plant, device="cpu")
    stopped = {lay: twin.Simulator(line, 4, layout=lay).run(horizon=HOUR, warmup=0.0, seed=3, threads=1)
               for lay in ("replica_major", "replica_minor")}
    snaps = {lay: [r.snapshot(i) for i in range(4)] for lay, r in stopped.items()}
    assert [s.to_dict() for s in snaps["replica_major"]] == [s.to_dict() for s in snaps["replica_minor"]]
    again = {lay: twin.Simulator(line, 4, layout=lay).run(horizon=HOUR, warmup=0.0, seed=4, start=snaps[lay])
             for lay in snaps}
    assert again["replica_major"].per_replica["parts_out"].sum() > 0
    assert without_timing(again["replica_major"].to_dict()) == without_timing(again["replica_minor"].to_dict())
