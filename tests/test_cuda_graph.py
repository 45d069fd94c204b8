"""The chunk loop replayed from a captured graph (twin/simulator.py, Launches).

A piece of a run is "write its end step into a device array (engine.end_step), launch ``advance``",
which reads its end from that array; on CUDA the launch is captured once in a CUDA graph and the
graph replayed per piece. The capture path runs here on the CPU too (``graph=True``: Warp 1.19
captures and replays CPU launches), so what the graph relies on (the end step read from the
array at every replay, not frozen at the capture) is tested without a GPU; the CUDA test runs
where a GPU is (benchmarks/gpu_check.sh). Every comparison is bit for bit: the same kernel on the
same state with the same end steps does the same arithmetic, whatever launched it.
"""

import numpy as np
import pytest
import warp as wp

import twin
from twin import simulator as simulator_module
from twin.kernels import engine
from twin.kernels.layout import E_NEXT, R_STEP
from twin.simulator import Launches, use_graph
from twin.state import new_state, to_numpy

from test_simulator_determinism import flat, line  # the same random line, read the same way

HAS_CUDA = wp.is_cuda_available()


def assert_same(a: twin.Results, b: twin.Results) -> None:
    fa, fb = flat(a), flat(b)
    assert fa.keys() == fb.keys()
    for k in fa:
        np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)


class EdgeProbe:
    """Reads, at each of ``steps``, every replica's step (R_STEP) and its earliest pending event."""

    def __init__(self, steps):
        self.steps = np.asarray(steps, np.int64)
        self.seen = []  # (first replica, step, R_STEP per replica, earliest E_NEXT per replica)

    def read(self, first, state, step):
        a = to_numpy(state)
        self.seen.append((first, step, a["rep64"][:, R_STEP].copy(), a["el64"][:, :, E_NEXT].min(axis=1)))


def test_a_replayed_graph_reads_each_new_end_step_from_the_array():
    """Kernel level: one capture, then pieces to three end steps. After each, every replica is at
    that step with no event left before it, and its whole State equals that of plain launches to
    the same steps. A graph that froze the end step of its capture (0) would leave the replicas
    at step 0 with events pending."""
    model = line().compile(device="cpu")
    kernels = engine.for_kinds(model.kernel_kinds)
    horizon = model.steps(20_000.0)
    states, launches = [], []
    for graph in (True, False):
        st = new_state(model, 4, model.control(seed=3, warmup_step=model.steps(1000.0), horizon_step=horizon))
        wp.launch(kernels.start_replicas, dim=4, inputs=[model.arrays, st], device="cpu")
        states.append(st)
        launches.append(Launches(kernels.advance, model.arrays, st, 4, "cpu", graph=graph))
    assert launches[0].graph is not None and launches[1].graph is None
    for end in (horizon // 7, horizon // 2, horizon):
        for piece in launches:
            piece.advance(int(end))
        with_graph, plain = to_numpy(states[0]), to_numpy(states[1])
        assert (with_graph["rep64"][:, R_STEP] == end).all()
        assert (with_graph["el64"][:, :, E_NEXT].min(axis=1) >= end).all()
        for k in plain:
            np.testing.assert_array_equal(with_graph[k], plain[k], err_msg=f"{k} at step {end}")
    assert launches[0].count > 3  # pieces of wall time: the graph was replayed more than once per edge


def test_runs_with_and_without_the_graph_are_identical_for_any_chunks_and_threads():
    """The graph on the CPU, 2 blocks, 1 chunk, recording frames, against no graph, 1 block, 37
    chunks: bit-identical KPIs and frames. ``graphs`` says the capture path really ran."""
    model = line().compile(device="cpu")
    rec = twin.Recording(replica=5, start=2000.0, end=6000.0, every=100.0)
    with_graph = twin.Simulator(model, 8, graph=True)
    a = with_graph.run(20_000, 1_000, seed=5, chunks=1, threads=2, record=rec)
    plain = twin.Simulator(model, 8, graph=False)
    b = plain.run(20_000, 1_000, seed=5, chunks=37, threads=1, record=rec)
    assert (with_graph.graphs, plain.graphs) == (2, 0)
    assert_same(a, b)
    np.testing.assert_array_equal(a.recording.status, b.recording.status)
    np.testing.assert_array_equal(a.recording.held, b.recording.held)
    assert len(set(a.per_replica["throughput_per_hour"].tolist())) > 4  # replicas differ: a real run


@pytest.mark.parametrize("graph", [True, False], ids=["graph", "plain"])
def test_every_block_stops_exactly_at_each_chunk_edge(graph):
    """A probe at steps inside the horizon (they become chunk edges): every block stops at each
    one, its replicas at that step (R_STEP) with no event before it left unhandled."""
    model = line().compile(device="cpu")
    steps = [model.steps(s) for s in (1234.5, 7777.0, 15000.0)]
    probe = EdgeProbe(steps)
    sim = twin.Simulator(model, 6, graph=graph)
    sim.run(20_000, 1_000, seed=8, chunks=3, threads=2, probe=probe)
    assert sim.graphs == (2 if graph else 0)
    for first in (0, 3):  # the two blocks
        seen = [s for s in probe.seen if s[0] == first]  # the probe reads at the chunk edges too
        assert [s[1] for s in seen] == sorted(set(steps) | {round(model.steps(20_000) * i / 3) for i in (1, 2, 3)})
        for _, step, at, earliest in seen:
            assert (at == step).all()
            assert (earliest >= step).all()


def test_progress_is_reported_between_replays():
    model = line().compile(device="cpu")
    done = []
    twin.Simulator(model, 4, graph=True).run(20_000, 1_000, seed=1, chunks=5, threads=1, progress=done.append)
    assert len(done) == 5 and done == sorted(done) and done[-1] == pytest.approx(1.0)


def test_the_graph_is_on_by_default_on_cuda_only_and_turned_off_by_the_environment(monkeypatch):
    assert use_graph("cpu") is False
    assert use_graph("cpu", True) is True
    model = line().compile(device="cpu")
    sim = twin.Simulator(model, 2)
    sim.run(600.0, 0.0, seed=0, threads=1)
    assert sim.graphs == 0  # the CPU default: plain launches

    class FakeCuda:
        is_cuda = True

    monkeypatch.setattr(simulator_module.wp, "get_device", lambda device=None: FakeCuda())
    monkeypatch.delenv("TWIN_CUDA_GRAPH", raising=False)
    assert use_graph("cuda") is True
    monkeypatch.setenv("TWIN_CUDA_GRAPH", "0")
    assert use_graph("cuda") is False
    assert use_graph("cuda", True) is True  # an explicit choice wins


@pytest.mark.cuda
@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA GPU on this machine: the CUDA graph capture cannot run")
def test_cuda_runs_with_and_without_the_cuda_graph_are_identical():
    model = line().compile(device="cuda")
    runs = {}
    for graph in (True, False):
        sim = twin.Simulator(model, 256, graph=graph)
        runs[graph] = sim.run(20_000, 1_000, seed=5, chunks=9)
        assert sim.graphs == (1 if graph else 0)
    assert_same(runs[True], runs[False])
    assert len(set(runs[True].per_replica["throughput_per_hour"].tolist())) > 32
