"""Snapshots of conveyors and delays (issue 14.1): captured and restored by the hooks their kernel
modules export (kernels/hooks.py SnapshotHooks, found through the registry)."""

import numpy as np
import pytest

import twin
from twin.live import Snapshot, SnapshotError

from live_support import belt_line, close

T = 1000.3  # an odd moment: items mid-belt, parts mid-delay


def kpis(res):
    return {(n, k): v for n, ks in res.per_replica["elements"].items() for k, v in ks.items()}


@pytest.mark.parametrize("accumulating", [True, False])
def test_a_deterministic_line_restarted_from_its_snapshot_continues_identically(accumulating):
    """Every duration fixed: stopped at T (belt items queued at the end, parts in the delay and
    blocked after it) and restarted from its snapshot, the line does exactly what the run through
    2T did in [T, 2T]: the same state at the end, element by element, and the same KPIs."""
    p = belt_line(accumulating)
    through = twin.simulate(p, replicas=1, horizon=2 * T, warmup=T, progress=False)
    cut = through.snapshot(0, at=T)
    c, d = cut.elements["c"], cut.elements["d"]
    assert len(c.parts) >= 3 and c.parts[0].status == "blocked" and c.parts[0].position_m == 6.0
    assert {p.status for p in d.parts} == {"processing", "blocked"}
    again = twin.simulate(p, replicas=1, horizon=T, progress=False, start=cut)
    assert again.snapshot(0).elements == through.snapshot(0).elements
    for key, v in kpis(through).items():
        np.testing.assert_array_equal(v, kpis(again)[key], err_msg=str(key))
    for key in ("parts_out", "cycle_time_s"):
        np.testing.assert_array_equal(through.per_replica[key], again.per_replica[key])


def test_belt_positions_alone_restart_the_belt_exactly():
    """What a line can report of a belt is its items' positions: without their belt times
    (elapsed_s) the restart is the same (an accumulating belt's queued items move up one pitch
    behind the item ahead either way)."""
    p = belt_line(True)
    through = twin.simulate(p, replicas=1, horizon=2 * T, warmup=T, progress=False)
    cut = through.snapshot(0, at=T)
    d = cut.to_dict()
    for item in d["elements"]["c"]["parts"]:
        if item["status"] == "processing":
            item.pop("elapsed_s")
    assert any(i["position_m"] < i["age_s"] * 0.5 for i in d["elements"]["c"]["parts"][1:])  # queued items
    again = twin.simulate(p, replicas=1, horizon=T, progress=False, start=Snapshot.from_dict(d))
    np.testing.assert_array_equal(through.per_replica["parts_out"], again.per_replica["parts_out"])
    assert again.snapshot(0).elements["k"] == through.snapshot(0).elements["k"]
    for key, v in kpis(through).items():
        np.testing.assert_array_equal(v, kpis(again)[key], err_msg=str(key))


def test_a_random_line_restarted_from_its_snapshots_has_the_statistics_of_a_run_through():
    """Random arrivals, lognormal process with Weibull failures, uniform delays: [T, 2T] of 400
    runs through 2T against [0, T] of 400 runs restarted at T from their own snapshots (other
    seeds). Means agree within 4 standard errors (live_support.close: two-sided, ~6e-5 false
    alarms per comparison)."""
    p = belt_line(True, random=True)
    R = 400
    stopped = twin.simulate(p, replicas=R, horizon=T, seed=3, progress=False)
    snaps = [stopped.snapshot(r) for r in range(R)]
    assert sum(len(s.elements["c"].parts) for s in snaps) > R and sum(len(s.elements["d"].parts) for s in snaps) > R
    through = twin.simulate(p, replicas=R, horizon=2 * T, warmup=T, seed=11, progress=False)
    again = twin.simulate(p, replicas=R, horizon=T, seed=12, progress=False, start=snaps)
    close(through.per_replica["parts_out"], again.per_replica["parts_out"], "parts out")
    close(through.per_replica["cycle_time_s"], again.per_replica["cycle_time_s"], "cycle time")
    a, b = kpis(through), kpis(again)
    for key in (("c", "queue"), ("c", "blocked"), ("d", "queue"), ("d", "in_delay"), ("d", "waiting"),
                ("m", "down"), ("m2", "utilization")):
        close(a[key], b[key], ".".join(key))


def test_conveyor_and_delay_snapshots_round_trip_and_are_checked(tmp_path):
    p = belt_line(False)
    res = twin.simulate(p, replicas=1, horizon=T, progress=False)
    s = res.snapshot(0)
    assert Snapshot.load(s.save(tmp_path / "s.json")) == s

    def edited(fn):
        d = s.to_dict()
        fn(d)
        return Snapshot.from_dict(d)

    cases = [
        (lambda d: d["elements"]["c"].update(parts=[{"position_m": 6.0 - 0.5 * i} for i in range(13)]),
         "element 'c': 13 parts in the snapshot, more than its capacity 12"),
        (lambda d: d["elements"]["d"].update(parts=[{"status": "blocked"}] * 5),
         "element 'd': 5 parts in the snapshot, more than its capacity 4"),
        (lambda d: d["elements"]["c"].update(parts=[{"position_m": 7.5, "status": "processing"}]),
         "element 'c': item 0 is at 7.5 m, outside the belt"),
        (lambda d: d["elements"]["c"].update(parts=[{"position_m": 3.0, "status": "processing"}, {"position_m": 4.0, "status": "processing"}]),
         "element 'c': items must be listed front first"),
        (lambda d: d["elements"]["c"].update(parts=[{"position_m": 5.0, "status": "processing"},
                                                     {"position_m": 4.0, "status": "blocked"}]),
         "element 'c': item 1 is blocked but not the front item"),
        (lambda d: d["elements"]["d"].update(parts=[{"status": "processing"}]),
         "element 'd': a part in its delay needs elapsed_s"),
        (lambda d: d["elements"]["d"].update(parts=[{"status": "waiting"}]),
         "element 'd': a part in a delay is processing"),
    ]
    for fn, msg in cases:
        with pytest.raises(SnapshotError, match=msg):
            edited(fn).check(p)
    with pytest.raises(SnapshotError, match="element 'c': item 0 is at 7.5 m"):  # before any kernel runs
        twin.simulate(p, replicas=2, horizon=60, progress=False, start=edited(cases[2][0]))

