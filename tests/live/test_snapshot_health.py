"""Snapshots of health components (wear and clocks, issue 14.1): captured and restored by the
maintenance crew's snapshot hooks (kernels/health.py), found through the registry."""

import numpy as np
import pytest

import twin
from twin.live import Snapshot, SnapshotError
from twin.maintenance import Crew, GammaWear, HealthComponent, SensorModel, UsageWear

from live_support import close

HOUR = 3600.0


def worn_line(random=False):
    if random:
        comp = HealthComponent("drive", GammaWear(1 / (1.5 * HOUR), 0.3 / np.sqrt(1.5 * HOUR)), repair=twin.Exponential(600),
                               service=300.0, sensors=SensorModel(period=600.0))
        proc, arrive = twin.LogNormal(40, 0.4), twin.Exponential(50)
    else:  # wear 0.004 per part: a failure every 250 parts, a 600 s repair
        comp = HealthComponent("drive", UsageWear(0.004), repair=600.0, service=300.0)
        proc, arrive = twin.Deterministic(40), twin.Deterministic(50)
    p = twin.Plant("worn", crew=Crew(1))
    p.add(twin.Source("in", interarrival=arrive), twin.Buffer("B1", capacity=4),
          twin.Machine("M1", process=proc, health=[comp]), twin.Sink("out"))
    p.line("in", "B1", "M1", "out")
    return p


def test_a_deterministic_worn_line_restarted_from_its_snapshot_continues_identically():
    """Deterministic arrivals, process, usage wear and repair: stopped at T = 7000 s (the drive
    about half worn, its next failure after T) and restarted from the snapshot, the line fails,
    is repaired and produces exactly as the run through 2T did in [T, 2T]."""
    p = worn_line()
    T = 7000.0
    through = twin.simulate(p, replicas=1, horizon=2 * T, warmup=T, progress=False)
    cut = through.snapshot(0, at=T)
    drive = cut.health["M1.drive"]
    assert drive["status"] == "ok" and 0.3 < drive["wear"] < 1.0 and drive["uses"] > 50
    again = twin.simulate(p, replicas=1, horizon=T, progress=False, start=cut)
    a, b = through.snapshot(0), again.snapshot(0)
    assert a.elements == b.elements and a.health == b.health
    np.testing.assert_array_equal(through.per_replica["parts_out"], again.per_replica["parts_out"])
    ma, mb = through.per_replica["maintenance"], again.per_replica["maintenance"]
    assert ma["failures"][0] == 1
    for key in ("failures", "maintenance_hours", "availability", "crew_utilization"):
        np.testing.assert_array_equal(ma[key], mb[key], err_msg=key)
    # the first failure is timed from the start of each run: T later in the run through
    assert ma["components"]["M1.drive"]["first_failure_h"][0] * HOUR == pytest.approx(
        mb["components"]["M1.drive"]["first_failure_h"][0] * HOUR + T)


def test_a_random_worn_line_restarted_from_its_snapshots_has_the_statistics_of_a_run_through():
    """Gamma wear with sensors, exponential repairs: the runs through 2T (seed 4) are, up to T,
    the runs stopped at T (same seed: a replica's streams depend only on the seed and its index).
    Of those whose drive is ok at T (the moment a snapshot can be restored), [T, 2T] of the run
    through against [0, T] restarted from the snapshot with another seed: the same conditional
    distribution, so means agree within 4 standard errors."""
    p = worn_line(random=True)
    R, T = 400, 4 * HOUR
    stopped = twin.simulate(p, replicas=R, horizon=T, seed=4, progress=False)
    through = twin.simulate(p, replicas=R, horizon=2 * T, warmup=T, seed=4, progress=False)
    snaps = [stopped.snapshot(r) for r in range(R)]
    ok = np.array([s.health["M1.drive"]["status"] == "ok" for s in snaps])
    assert 0.6 * R < ok.sum() < R  # some were under repair at T
    again = twin.simulate(p, replicas=int(ok.sum()), horizon=T, seed=9, progress=False,
                          start=[s for s, k in zip(snaps, ok) if k])
    close(through.per_replica["parts_out"][ok], again.per_replica["parts_out"], "parts out")
    for key in ("failures", "availability"):
        close(through.per_replica["maintenance"][key][ok], again.per_replica["maintenance"][key], key)
    close(through.per_replica["elements"]["M1"]["utilization"][ok], again.per_replica["elements"]["M1"]["utilization"],
          "M1 utilization")


def test_health_snapshots_round_trip_and_are_checked(tmp_path):
    p = worn_line()
    s = twin.simulate(p, replicas=1, horizon=7000, progress=False).snapshot(0)
    assert Snapshot.load(s.save(tmp_path / "s.json")) == s
    observed = s.observed()  # what a line knows: status, wear, age, uses, readings
    assert set(observed.health["M1.drive"]) == {"status", "wear", "age_s", "uses", "signal"}
    d = observed.to_dict()
    d["health"]["M1.drive"] = {k: d["health"]["M1.drive"][k] for k in ("wear", "age_s", "uses")}
    for start in (observed, Snapshot.from_dict(d)):  # the missing clocks: an update at once
        res = twin.simulate(p, replicas=2, horizon=3600, progress=False, start=start)
        assert res.snapshot(0).health["M1.drive"]["uses"] > s.health["M1.drive"]["uses"]

    def edited(fn):
        d = s.to_dict()
        fn(d)
        return Snapshot.from_dict(d)

    for fn, msg in (
            (lambda d: d["health"].update({"M1.spindle": {"wear": 0.1}}),
             "health component 'M1.spindle': in the snapshot but not in plant 'worn'"),
            (lambda d: d.pop("health"), "health component 'M1.drive': missing from the snapshot"),
            (lambda d: d["health"]["M1.drive"].update(status="repair"),
             "health component 'M1.drive': is in repair: it needs its technician"),
            (lambda d: d["health"]["M1.drive"].update(status="broken"), "unknown status 'broken'"),
            (lambda d: d["health"]["M1.drive"].update(age_s=-5), "age_s must be a number >= 0")):
        with pytest.raises(SnapshotError, match=msg):
            edited(fn).check(p)
