"""The next-event tree (kernels/next_event.py): the engine finds the next event through a min-tree
over E_NEXT, and must handle events in exactly the order of the plain scan it replaced."""

import numpy as np
import pytest
import warp as wp

import twin
from twin.kernels import engine
from twin.kernels.flow import flow_functions
from twin.kernels.kinds import KINDS
from twin.kernels.layout import E_NEXT, NEVER, R_STEP, Model, State
from twin.kernels.next_event import descend, update_leaf
from twin.kernels.sampling import set_row_key
from twin.model import compile_plant
from twin.state import new_state, to_numpy

D = twin.Deterministic


def tie_line() -> twin.Plant:
    """Whole-step constant times: completions, arrivals, failures and repairs fall on the same
    steps all the time; a routing split and two-server machines add random choices between them."""
    p = twin.Plant("ties")
    p.add(twin.Source("in", interarrival=D(10.0)), twin.Buffer("q0", capacity=2),
          twin.Machine("a", process=D(10.0), failures=twin.Failures(D(200.0), D(30.0))),
          twin.Buffer("q1", capacity=1),
          twin.Machine("b1", process=D(20.0), servers=2), twin.Machine("b2", process=D(20.0)),
          twin.Buffer("q2", capacity=1),
          twin.Machine("c", process=D(10.0), failures=twin.Failures(D(300.0), D(20.0), mode="operation")),
          twin.Machine("d", process=twin.Uniform(5.0, 15.0)), twin.Delay("cool", delay=D(30.0), capacity=3),
          twin.Sink("out"))
    p.line("in", "q0", "a", "q1")
    p.connect("q1", "b1", probability=0.5)
    p.connect("q1", "b2", probability=0.5)
    p.line("b1", "q2")
    p.line("b2", "q2")
    p.line("q2", "c", "d", "cool", "out")
    return p


def scan_kernel(kinds):
    """The engine's event loop as it was before the tree: a scan of every timed element for the
    smallest E_NEXT; on a tie, the elements from the first minimum on, in index order, each
    handled if its E_NEXT still equals the step when its turn comes. ``ties`` counts those steps."""
    f = flow_functions(kinds)
    drain, handle_event = f.drain, f.handle_event
    module = wp.get_module("test_next_event_scan_" + "_".join(k.name for k in kinds) + "_"
                           + engine.kernel_digest(k.name for k in kinds))

    @wp.kernel(module=module)
    def advance_by_scan(m: Model, s: State, target: wp.array2d(dtype=wp.int64), ties: wp.array(dtype=int)):
        step_end = target[0, 0]  # as engine.advance reads it
        r = wp.tid()
        set_row_key(s, r)  # as engine.advance does
        n = m.n_timed
        while True:
            k = NEVER
            first = int(0)
            count = int(0)
            for i in range(n):
                v = s.el64[r, m.timed[i], E_NEXT]
                if v < k:
                    k = v
                    first = i
                    count = 1
                elif v == k:
                    count += 1
            if k >= step_end:
                break
            if count == 1:
                handle_event(m, s, r, m.timed[first], k)
            else:
                ties[r] = ties[r] + 1
                for i in range(first, n):
                    e = m.timed[i]
                    if s.el64[r, e, E_NEXT] == k:
                        handle_event(m, s, r, e, k)
            drain(m, s, r, k)
        s.rep64[r, R_STEP] = step_end

    return advance_by_scan


def used_nodes(leaves: int) -> np.ndarray:
    """The nodes of the 4-ary tree: level j is [4^j, 2 * 4^j), the leaves [leaves, 2 * leaves)."""
    return np.concatenate([np.arange(4 ** j, 2 * 4 ** j) for j in range(int(round(np.log(leaves) / np.log(4))) + 1)])


def tree_of(a: dict, model, km) -> np.ndarray:
    """The tree rebuilt by hand from E_NEXT (4-ary heap numbering: node v's children are
    4v .. 4v + 3, leaves in element order), on its used nodes (``used_nodes``)."""
    leaves = km.tree_leaves
    assert leaves >= km.n_timed and leaves & (leaves - 1) == 0 and (leaves.bit_length() - 1) % 2 == 0  # a power of 4
    timed = km.timed.numpy()[:km.n_timed]
    tree = np.full((a["el64"].shape[0], 2 * leaves), NEVER, np.int64)
    tree[:, leaves:leaves + len(timed)] = a["el64"][:, timed, E_NEXT]
    for v in sorted(used_nodes(leaves)[:-leaves], reverse=True):
        tree[:, v] = tree[:, 4 * v:4 * v + 4].min(axis=1)
    return tree[:, used_nodes(leaves)]


def run(model, advance, replicas, horizon_s, chunks, extra=(), check=None):
    km = model.arrays
    st = new_state(model, replicas, model.control(seed=11, warmup_step=model.steps(500.0),
                                                  horizon_step=model.steps(horizon_s)))
    kernels = engine.for_kinds(model.kernel_kinds)
    wp.launch(kernels.start_replicas, dim=replicas, inputs=[km, st], device="cpu")
    for end in np.linspace(0, model.steps(horizon_s), chunks + 1).round().astype(np.int64)[1:]:
        target = engine.end_step(int(end), "cpu")  # the end step (engine.advance reads it)
        wp.launch(advance, dim=replicas, inputs=[km, st, target, *extra], device="cpu")
        if check is not None:
            check(to_numpy(st), km)
    wp.launch(kernels.close_statistics, dim=replicas, inputs=[km, st], device="cpu")
    return to_numpy(st)


def test_the_tree_handles_events_in_the_order_of_the_scan():
    """Bit for bit the state of the plain scan, on a line where most event steps are ties
    (otherwise the order of handling would never matter and the test could not fail)."""
    model = compile_plant(tie_line(), device="cpu", dt=1.0)
    kinds = [k for k in KINDS if k.name in set(model.kernel_kinds)]
    replicas, horizon = 8, 30_000.0
    ties = wp.zeros(replicas, dtype=int, device="cpu")
    scanned = run(model, scan_kernel(kinds), replicas, horizon, 7, extra=(ties,))
    tree = run(model, engine.for_kinds(model.kernel_kinds).advance, replicas, horizon, 7)
    assert ties.numpy().min() > 500, ties.numpy()  # steps where two or more elements were due
    assert scanned["rep64"][:, 2].min() > 1000  # parts went through (R_EXITED)
    for key in scanned:
        if key != "next_tree":
            np.testing.assert_array_equal(tree[key], scanned[key], err_msg=key)


def test_every_write_of_e_next_keeps_the_tree():
    """After every launch the tree equals the one rebuilt from E_NEXT: no kind writes E_NEXT
    around ``set_next_event`` (advance rebuilds the tree only when it starts)."""
    model = compile_plant(tie_line(), device="cpu", dt=1.0)
    checked = []

    def check(a, km):
        np.testing.assert_array_equal(a["next_tree"][:, used_nodes(km.tree_leaves)], tree_of(a, model, km))
        checked.append(int(a["rep64"][0, R_STEP]))

    run(model, engine.for_kinds(model.kernel_kinds).advance, 4, 20_000.0, 25, check=check)
    assert len(checked) == 25 and checked[-1] == model.steps(20_000.0)


@pytest.mark.parametrize("scene", ["electronics_assembly", "press_shop", "etch_cell"])
def test_the_tree_holds_for_robots_conveyors_tools_and_the_crew(scene):
    """The same check on the bundled scenes with the other timed kinds (robots and conveyors,
    the maintenance crew stopping machines, cluster tools)."""
    model = compile_plant(twin.load_scene(scene).plant, device="cpu")
    checked = []

    def check(a, km):
        np.testing.assert_array_equal(a["next_tree"][:, used_nodes(km.tree_leaves)], tree_of(a, model, km))
        checked.append(int(a["rep64"][0, R_STEP]))

    end = run(model, engine.for_kinds(model.kernel_kinds).advance, 2, 4 * 3600.0, 12, check=check)
    assert len(checked) == 12 and end["rep64"][:, 2].min() > 0  # parts went through (R_EXITED)


def min_tree(leaf: np.ndarray) -> np.ndarray:
    """The 4-ary min-tree over the rows of ``leaf`` (node 0 and the unused nodes: NEVER)."""
    rows, leaves = leaf.shape
    tree = np.full((rows, 2 * leaves), NEVER, np.int64)
    tree[:, leaves:] = leaf
    level = leaves // 4
    while level >= 1:
        for v in range(level, 2 * level):
            tree[:, v] = tree[:, 4 * v:4 * v + 4].min(axis=1)
        level //= 4
    return tree


def as_layout(tree: np.ndarray, layout: str, device: str) -> wp.array:
    if layout == "replica_major":
        return wp.array(tree, dtype=wp.int64, device=device)
    # replicas innermost in memory: a strided view, as twin/state.py allocates it
    arr = wp.array(np.ascontiguousarray(tree.T), dtype=wp.int64, device=device).transpose((1, 0))
    assert arr.strides[1] != 8
    return arr


@wp.kernel
def _descend_rows(tree: wp.array2d(dtype=wp.int64), n_leaves: int, out: wp.array(dtype=int)):
    r = wp.tid()
    out[r] = descend(tree, r, n_leaves, tree[r, 1])


@pytest.mark.parametrize("leaves", [4, 16, 64, 256])
@pytest.mark.parametrize("layout", ["replica_major", "replica_minor"])
def test_the_descent_finds_the_leftmost_minimum_and_ties(leaves, layout, device):
    """``descend`` (first_due's native descent) on random trees with many ties, in both table
    layouts (the dense one takes the vector path on a CPU with AVX, the strided one the scalar):
    the leftmost leaf holding the root, and a tie exactly where another leaf holds it too."""
    rng = np.random.default_rng(leaves)
    rows = 300
    leaf = rng.integers(0, 6, size=(rows, leaves)).astype(np.int64)  # few values: ties at every level
    leaf[::7] = rng.integers(0, 10**12, size=(len(leaf[::7]), leaves))  # and rows with none
    leaf[5, :] = NEVER
    leaf[5, -1] = 3  # the minimum in the last leaf only
    arr = as_layout(min_tree(leaf), layout, device)
    out = wp.zeros(rows, dtype=int, device=device)
    wp.launch(_descend_rows, dim=rows, inputs=[arr, leaves, out], device=device)
    got = out.numpy()
    due = leaf == leaf.min(axis=1, keepdims=True)
    np.testing.assert_array_equal(got >> 1, due.argmax(axis=1))
    np.testing.assert_array_equal((got & 1) == 1, due.sum(axis=1) > 1)


@wp.kernel
def _update_rows(tree: wp.array2d(dtype=wp.int64), n_leaves: int, leaf: wp.array2d(dtype=int),
                 step: wp.array2d(dtype=wp.int64)):
    r = wp.tid()
    for j in range(leaf.shape[1]):
        update_leaf(tree, r, n_leaves + leaf[r, j], step[r, j])


@pytest.mark.parametrize("leaves", [4, 16, 64, 256])
@pytest.mark.parametrize("layout", ["replica_major", "replica_minor"])
def test_leaf_updates_keep_the_tree(leaves, layout, device):
    """``update_leaf`` (set_next_event's native walk), in both table layouts: after a sequence of
    writes of few distinct values (rises and falls of the minimum, ties, rewrites of the same
    value), every node equals the tree rebuilt from the leaves."""
    rng = np.random.default_rng(leaves + 1)
    rows, writes = 200, 40
    leaf = rng.integers(0, 8, size=(rows, leaves)).astype(np.int64)
    which = rng.integers(0, leaves, size=(rows, writes)).astype(np.int32)
    step = rng.integers(0, 8, size=(rows, writes)).astype(np.int64)
    step[rng.random((rows, writes)) < 0.2] = NEVER
    arr = as_layout(min_tree(leaf), layout, device)
    wp.launch(_update_rows, dim=rows, inputs=[arr, leaves, wp.array(which, dtype=int, device=device),
                                              wp.array(step, dtype=wp.int64, device=device)], device=device)
    for r in range(rows):
        for j in range(writes):
            leaf[r, which[r, j]] = step[r, j]
    used = used_nodes(leaves)
    np.testing.assert_array_equal(arr.contiguous().numpy()[:, used], min_tree(leaf)[:, used])
