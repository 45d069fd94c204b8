"""Loops of finite capacity: the validation warning, and replicas that lock for good at run time.

The run-time check (twin/deadlock.py) reads the final state; these tests check its verdict
against what a locked replica must show independently: with the statistics window starting after
the lock, not one part leaves the plant, and every element of the loop still holds its capacity.
"""

import warnings

import numpy as np
import pytest

import twin
from twin.cli import main
from twin.deadlock import can_lock, finite_cycles


def rework_line(buffer_capacity, *, interarrival=None, rework_share=0.3, rework_to="reflow_buffer"):
    """An SMT-like line: inspection sends a share of its parts to rework, which sends them back to
    the finite buffer in front of the oven (the loop of issue 16)."""
    p = twin.Plant("pcb")
    p.add(twin.Source("feeder", interarrival=interarrival or twin.Exponential(30)),
          twin.Buffer("reflow_buffer", capacity=buffer_capacity),
          twin.Machine("oven", process=twin.Exponential(20)),
          twin.Machine("inspection", process=twin.Exponential(20)),
          twin.Machine("rework", process=twin.Exponential(60)),
          twin.Sink("shipped"))
    p.line("feeder", "reflow_buffer", "oven", "inspection")
    p.connect("inspection", "shipped", probability=1 - rework_share)
    p.connect("inspection", "rework", probability=rework_share)
    p.connect("rework", rework_to)
    return p


def test_validation_warns_about_a_loop_of_finite_capacity_and_says_what_it_holds():
    p = rework_line(3)
    with pytest.warns(twin.CapacityLoopWarning) as rec:
        p.validate()
    text = str(rec[0].message)
    # 3 buffer places + 1 server each on oven, inspection and rework
    assert "reflow_buffer -> oven -> inspection -> rework -> reflow_buffer" in text
    assert "holds 6 parts" in text
    assert finite_cycles(p) == [(["reflow_buffer", "oven", "inspection", "rework"], 6)]


def test_no_warning_when_the_loop_has_an_unbounded_buffer():
    p = rework_line(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p.validate()
    assert finite_cycles(p) == []


def test_a_rework_loop_that_fills_is_an_error_naming_the_cycle_per_replica():
    p = rework_line(3)
    with pytest.warns(twin.CapacityLoopWarning), pytest.raises(twin.DeadlockError) as info:
        twin.simulate(p, replicas=16, horizon=8 * 3600, warmup=0, device="cpu")
    err = info.value
    assert isinstance(err, twin.TwinError)
    msg = str(err)
    assert "\n" not in msg and "deadlock in" in msg
    assert "reflow_buffer -> oven -> inspection -> rework -> reflow_buffer" in msg
    locks = err.deadlocks
    assert locks and len({d.replica for d in locks}) == len(locks)
    for d in locks:
        assert set(d.cycle) == {"reflow_buffer", "oven", "inspection", "rework"}
        assert 0 < d.since_s < 8 * 3600


def test_a_locked_replica_never_moves_again():
    """Independent check of the verdict: start the statistics window after every replica has
    locked; then no part leaves the plant in it, and the loop holds exactly its capacity."""
    p = rework_line(3)
    with pytest.warns(twin.CapacityLoopWarning), pytest.raises(twin.DeadlockError) as info:
        twin.simulate(p, replicas=16, horizon=8 * 3600, warmup=0, device="cpu")
    locks = info.value.deadlocks
    late = max(d.since_s for d in locks)
    with pytest.raises(twin.DeadlockError) as again:
        twin.simulate(p, replicas=16, horizon=late + 4 * 3600, warmup=late + 1, device="cpu")
    res = again.value.results
    locked = [d.replica for d in again.value.deadlocks]
    assert locked == [d.replica for d in locks]  # locked for good: still locked, the same replicas
    tp = res.per_replica["throughput_per_hour"][locked]
    assert np.all(tp == 0.0)
    held = res.per_replica["held_at_end"]
    for name, cap in (("reflow_buffer", 3), ("oven", 1), ("inspection", 1), ("rework", 1)):
        assert np.all(held[name][locked] == cap)


def test_a_finite_loop_that_cannot_fill_is_not_flagged():
    """A deterministic source releases at most 8 h / 600 s = 48 parts: fewer than the loop's 63
    places, so the loop can never fill and the run must not be called a deadlock."""
    p = rework_line(60, interarrival=twin.Deterministic(600))
    with pytest.warns(twin.CapacityLoopWarning):
        res = twin.simulate(p, replicas=8, horizon=8 * 3600, warmup=0, device="cpu")
    assert res.throughput.mean > 0


def test_a_line_whose_buffers_end_full_is_not_flagged():
    """Full buffers and blocked machines at the horizon are not a deadlock when the chain leads
    to a sink (a saturated source fills every buffer of a line)."""
    p = twin.Plant("line")
    p.add(twin.Source("in"), twin.Machine("a", process=twin.Exponential(10)), twin.Buffer("q", capacity=2),
          twin.Machine("b", process=twin.Exponential(30)), twin.Sink("out"))
    p.line("in", "a", "q", "b", "out")
    res = twin.simulate(p, replicas=8, horizon=3600, warmup=0, device="cpu")
    held = res.per_replica["held_at_end"]
    assert ((held["q"] == 2) & (held["a"] == 1)).sum() >= 4  # full and blocked at the end, yet not locked


def test_cli_check_warns_and_run_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "loop.toml"
    twin.save_scene(rework_line(3), path)  # warns (validates)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr()
    assert "twin: warning:" in out.err and "holds 6 parts" in out.err
    assert main(["run", str(path), "--replicas", "8", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("twin: error: plant 'pcb': deadlock in ")
    assert "throughput" not in capsys.readouterr().out


def test_only_a_plant_with_a_loop_of_elements_that_can_be_sealed_is_scanned(monkeypatch):
    """A locked set needs a cycle of elements that can be sealed (can_lock); a plant without one
    (a line, machines tended by a robot) cannot lock, so its final states are not read: no element
    is asked how it holds parts. One with one (the rework loop) is still scanned and still found."""
    line = twin.Plant("line")
    line.add(twin.Source("in"), twin.Machine("a", process=twin.Exponential(10)), twin.Buffer("q", capacity=2),
             twin.Machine("b", process=twin.Exponential(30)), twin.Sink("out"))
    line.line("in", "a", "q", "b", "out")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", twin.CapacityLoopWarning)
        loop = rework_line(3)
    assert can_lock(loop) and not can_lock(line)
    assert not can_lock(twin.load_scene("electronics_assembly").plant)   # robot -> machine -> robot is no such loop
    asked = []

    def holding(self, view, e):
        asked.append(self.name)
        return original(self, view, e)
    original = twin.Machine.holding
    monkeypatch.setattr(twin.Machine, "holding", holding)
    twin.simulate(line, replicas=4, horizon=3600, warmup=0, device="cpu")
    assert asked == []
    with pytest.raises(twin.DeadlockError):
        twin.simulate(loop, replicas=16, horizon=8 * 3600, warmup=0, device="cpu")
    assert {"oven", "inspection", "rework"} <= set(asked)


@pytest.mark.parametrize("name", ["electronics_assembly", "unbalanced_rework", "packaging_line"])
def test_bundled_scenes_have_no_loop_that_can_lock(name):
    """A robot tending a machine (robot -> machine -> robot in the graph) moves parts only from a
    task's pick to its place, so it is no loop; unbalanced_rework's loop has an unbounded queue."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        twin.load_scene(name)


def test_a_loop_through_a_robot_that_stalls_is_found():
    """A robot that feeds a machine from a one-place buffer and puts half the machine's parts
    back into that buffer: with the buffer full of a part for the machine and the machine holding a
    finished part for the buffer, the robot (which only picks what it can place now) waits for
    ever; no element has an event left. Every arrival that finds both full ends like this."""
    import math as m

    def at(deg, radius=1.2, z=0.8):
        t = m.radians(deg)
        return (radius * m.cos(t), radius * m.sin(t), z)

    arm = twin.Robot("arm", dh=twin.DH(a=(1.2,), alpha=(0.0,), d=(0.8,)), max_velocity=1.2, max_acceleration=3.0,
                     joint_limits=[(-m.pi, m.pi)], home=(0.0,), position=(0.0, 0.0, 0.0),
                     tasks=[twin.Task("q", "cell", at(-60), at(45), orientation="free"),
                            twin.Task("cell", "q", at(45), at(-60), orientation="free")])
    p = twin.Plant("robot loop")
    p.add(twin.Source("in", interarrival=twin.Exponential(20)), twin.Buffer("q", capacity=1), arm,
          twin.Machine("cell", process=twin.Exponential(30)), twin.Sink("out"))
    p.line("in", "q", "arm", "cell")
    p.connect("cell", "arm", probability=0.5)
    p.connect("cell", "out", probability=0.5)
    p.connect("arm", "q")
    with pytest.warns(twin.CapacityLoopWarning), pytest.raises(twin.DeadlockError) as info:
        twin.simulate(p, replicas=8, horizon=8 * 3600, warmup=0, dt=0.01, device="cpu")
    locks = info.value.deadlocks
    assert locks
    held = info.value.results.per_replica["held_at_end"]
    for d in locks:  # the robot waits with both full, or holds a part for the full buffer
        r = d.replica
        assert held["q"][r] == 1 and held["cell"][r] + held["arm"][r] >= 1
        assert d.cycle == (("q", "arm", "cell") if held["cell"][r] else ("q", "arm"))
