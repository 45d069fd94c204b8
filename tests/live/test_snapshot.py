"""Snapshots and runs started from them (twin.live, issue 14.1)."""

import json

import numpy as np
import pytest

import twin
from twin.live import Snapshot, SnapshotError
from twin.live.conditional import mean_remaining, remaining, uniforms

from live_support import close, line

R = 400  # replicas per batch


@pytest.fixture(scope="module")
def plant():
    return line()


@pytest.fixture(scope="module")
def stopped(plant):
    """R replicas stopped at 1 h, and a snapshot of each."""
    res = twin.simulate(plant, replicas=R, horizon=3600, seed=5, progress=False)
    return res, [res.snapshot(r) for r in range(R)]


def test_restart_gives_the_statistics_of_a_run_through(plant, stopped):
    """[1 h, 2 h] of runs through 2 h, against [0, 1 h] of runs restarted at 1 h from their own
    snapshots (independent seeds): the same distribution of the state at 1 h, so the same KPIs."""
    through = twin.simulate(plant, replicas=R, horizon=7200, warmup=3600, seed=1, progress=False)
    _, snaps = stopped
    again = twin.simulate(plant, replicas=R, horizon=3600, seed=7, progress=False, start=snaps)
    close(through.per_replica["parts_out"], again.per_replica["parts_out"], "parts out")
    for el, kpi in (("m1", "utilization"), ("m1", "down"), ("b1", "queue"), ("m2", "starved")):
        close(through.per_replica["elements"][el][kpi], again.per_replica["elements"][el][kpi], f"{el}.{kpi}")
    close(through.per_replica["cycle_time_s"], again.per_replica["cycle_time_s"], "cycle time")


def test_parts_are_conserved_across_the_restart(plant, stopped):
    res, snaps = stopped
    again = twin.simulate(plant, replicas=R, horizon=1800, seed=3, progress=False, start=snaps)
    inside0 = np.array([s.wip() for s in snaps])
    held = sum(again.per_replica["held_at_end"][n] for n in ("b1", "m1", "b2", "m2"))
    assert inside0.sum() > 0
    np.testing.assert_array_equal(again.per_replica["parts_in"] + inside0, again.per_replica["parts_out"] + held)
    # the snapshot holds what the run held at its end
    for n in ("b1", "m1", "b2", "m2"):
        np.testing.assert_array_equal([len(s.elements[n].parts) for s in snaps], res.per_replica["held_at_end"][n])


def test_memoryless_line_restarts_with_the_same_distribution():
    """All exponential: a snapshot without any remaining time (what a line reports) gives the
    same futures as one with the exact remaining times."""
    p = line(process=twin.Exponential(55), failures=False, name="memoryless")
    res = twin.simulate(p, replicas=R, horizon=3600, seed=2, progress=False)
    exact = [res.snapshot(r) for r in range(R)]
    observed = [s.observed() for s in exact]
    assert all(pt.remaining_s is None for s in observed for e in s.elements.values() for pt in e.parts)
    a = twin.simulate(p, replicas=R, horizon=3600, seed=8, progress=False, start=exact)
    b = twin.simulate(p, replicas=R, horizon=3600, seed=9, progress=False, start=observed)
    close(a.per_replica["parts_out"], b.per_replica["parts_out"], "parts out")
    close(a.per_replica["elements"]["m1"]["utilization"], b.per_replica["elements"]["m1"]["utilization"], "m1")


def test_exponential_draws_ignore_the_elapsed_time():
    u = uniforms(3, np.arange(1000), 5, 0)
    d = twin.Exponential(55)
    np.testing.assert_array_equal(remaining(d, 40.0, u), remaining(d, 0.0, u))


@pytest.mark.parametrize("dist", [twin.LogNormal(60, 0.5), twin.Gamma(60, 0.5), twin.Weibull(1.5, 60),
                                  twin.Weibull(0.7, 60), twin.Uniform(20, 90), twin.Triangular(10, 40, 100),
                                  twin.TruncatedNormal(60, 20, 10, 120)])
def test_remaining_time_is_conditioned_on_the_elapsed_time(dist):
    """40 s into its run: the remaining time's mean is the mean residual life E[X - 40 | X > 40],
    by numerical integration of the survival function and by plain rejection sampling with
    numpy (both independent of the inverse-CDF sampler); 4 standard errors."""
    u = uniforms(11, np.arange(200_000), 7, 0)
    x = remaining(dist, 40.0, u)
    assert (x >= 0).all()
    se = x.std() / np.sqrt(x.size)
    assert abs(x.mean() - mean_remaining(dist, 40.0)) <= 4 * se
    draws = dist.sample(np.random.default_rng(0), 2_000_000)
    tail = draws[draws > 40.0] - 40.0
    se2 = np.sqrt(se ** 2 + tail.var() / tail.size)
    assert abs(x.mean() - tail.mean()) <= 4 * se2
    assert abs(np.median(x) - np.median(tail)) <= 0.02 * np.median(tail) + 0.05


def test_snapshot_json_round_trip(stopped, tmp_path):
    _, snaps = stopped
    s = max(snaps, key=Snapshot.wip)
    path = s.save(tmp_path / "s.json")
    assert json.loads(path.read_text())["format"] == "twin-snapshot/1"
    assert Snapshot.load(path) == s


def test_snapshot_at_any_moment_is_the_run_cut_there(plant, stopped):
    """``res.snapshot(r, at)`` re-simulates replica r up to ``at``: at the horizon the re-run
    gives exactly the run's final state; at 30 min it is exactly the snapshot of a run of the
    same seed whose horizon is 30 min (a replica's streams depend only on the seed and r)."""
    from twin.live.snapshot import rerun
    res, snaps = stopped
    for r in (0, 7, R - 1):
        assert rerun(res.final_state, r, res.final_state.step) == snaps[r]
    short = twin.simulate(plant, replicas=12, horizon=1800, seed=5, progress=False, threads=1)
    for r in (0, 5, 11):
        cut = res.snapshot(r, at=1800)
        assert cut == short.snapshot(r) and cut.time_s == 1800.0
        assert res.snapshot(r, at="30min") == cut
    assert sum(short.snapshot(r).wip() for r in range(12)) > 0
    assert res.snapshot(3, at=3600) == snaps[3]
    for bad, msg in ((0, "not in \\(0, 3600\\] s"), (3601, "not in"), ("later", "not a time"), ([1], "at must be")):
        with pytest.raises((SnapshotError, twin.errors.TwinError), match=msg):
            res.snapshot(0, at=bad)
    with pytest.raises(SnapshotError, match=f"replica {R} is not in this run of {R} replicas"):
        res.snapshot(R)


def test_snapshot_at_a_moment_of_a_run_from_snapshots_with_threads():
    """A run that itself started from snapshots, in thread blocks: the re-run of replica r
    starts from the same snapshot with the same draws (keyed by r), so cutting it at 20 min
    equals a 20-minute run from the same snapshots."""
    p = line(process=twin.Exponential(55), name="memoryless")
    first = twin.simulate(p, replicas=3, horizon=3600, seed=2, progress=False)
    start = [first.snapshot(r).observed() for r in range(3)]
    long = twin.simulate(p, replicas=8, horizon=3600, seed=6, progress=False, start=start, threads=3)
    short = twin.simulate(p, replicas=8, horizon=1200, seed=6, progress=False, start=start, threads=2)
    for r in (1, 4, 7):
        assert long.snapshot(r, at=1200) == short.snapshot(r)


def test_a_snapshot_that_does_not_fit_the_plant_is_refused(plant, stopped):
    _, snaps = stopped
    s = max(snaps, key=Snapshot.wip)

    def edited(fn):
        d = s.to_dict()
        fn(d)
        return Snapshot.from_dict(d)

    bad = edited(lambda d: d["elements"].update(ghost={"kind": "buffer"}))
    with pytest.raises(SnapshotError, match="element 'ghost': in the snapshot but not in plant"):
        twin.simulate(plant, replicas=2, horizon=60, start=bad, progress=False)
    full = edited(lambda d: d["elements"]["b2"].update(parts=[{"age_s": 1.0}] * 4))
    with pytest.raises(SnapshotError, match="element 'b2': 4 parts in the snapshot, more than its capacity 3"):
        full.check(plant)
    with pytest.raises(SnapshotError, match="is of plant 'live-line', not 'other'"):
        s.check(line(name="other"))
    unknown = edited(lambda d: d["elements"]["m1"].update(state="dancing"))
    with pytest.raises(SnapshotError, match="element 'm1': unknown state 'dancing'"):
        unknown.check(plant)
    nothing = edited(lambda d: d["elements"]["m2"].update(state="processing", parts=[{"status": "processing"}]))
    with pytest.raises(SnapshotError, match="element 'm2': a processing part needs elapsed_s"):
        nothing.check(plant)
    idle = edited(lambda d: d["elements"]["m2"].update(state="processing", parts=[]))
    with pytest.raises(SnapshotError, match="element 'm2': state 'processing' contradicts its parts"):
        idle.check(plant)
    with pytest.raises(SnapshotError, match="not a twin snapshot"):
        Snapshot.from_dict({"plant": "x"})


def test_runs_from_snapshots_are_bit_identical_for_any_thread_count():
    """Runs from snapshots use the CPU thread blocks like any run; a replica's start (its
    snapshot, its conditioned draws) is keyed by its index in the run, so the split changes
    nothing (observed snapshots: every remaining time is a draw of the restart)."""
    plant = line(process=twin.Exponential(55), name="memoryless")
    res = twin.simulate(plant, replicas=5, horizon=3600, seed=2, progress=False)
    start = [res.snapshot(r).observed() for r in range(5)]
    runs = {n: twin.simulate(plant, replicas=11, horizon=1800, seed=4, progress=False, start=start, threads=n)
            for n in (1, 2, 3)}
    assert runs[3].meta["threads"] == 3
    for n in (2, 3):
        for key in ("parts_out", "parts_in", "cycle_time_s"):
            np.testing.assert_array_equal(runs[1].per_replica[key], runs[n].per_replica[key])
        for el in ("m1", "b1", "m2"):
            for kpi, v in runs[1].per_replica["elements"][el].items():
                np.testing.assert_array_equal(v, runs[n].per_replica["elements"][el][kpi], err_msg=f"{el}.{kpi}")
        assert runs[n].snapshot(7) == runs[1].snapshot(7)
