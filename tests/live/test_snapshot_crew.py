"""Snapshots of moments where the maintenance crew holds or queues work (issue 14.1): a component
under repair (its technician, elapsed and remaining work), one failed and waiting in the queue,
and the machine they stop (state ``held``, its parts paused), captured and restored by the crew's
snapshot hooks (kernels/health.py) and the machine's (kernels/machine.py)."""

from dataclasses import replace

import numpy as np
import pytest

import twin
from twin.live import Snapshot, SnapshotError
from twin.maintenance import Crew, GammaWear, HealthComponent, UsageWear

HOUR = 3600.0


def crewed_line():
    """in (every 50 s) -> B1 -> M1 (40 s) -> out; M1 carries two components that both wear 0.004
    per part, so both reach their threshold at the same update (the 250th part): the single
    technician repairs the drive (600 s) and the belt waits for it (then 900 s)."""
    drive = HealthComponent("drive", UsageWear(0.004), repair=600.0, service=300.0)
    belt = HealthComponent("belt", UsageWear(0.004), repair=900.0, service=300.0)
    p = twin.Plant("crewed", crew=Crew(1))
    p.add(twin.Source("in", interarrival=twin.Deterministic(50)), twin.Buffer("B1", capacity=4),
          twin.Machine("M1", process=twin.Deterministic(40), health=[drive, belt]), twin.Sink("out"))
    p.line("in", "B1", "M1", "out")
    return p


def uncounted(snap):
    """The elements without the sinks' counts (information only: counted from each run's start)."""
    return {n: replace(e, parts_out=0) for n, e in snap.elements.items()}


AT, END = 12800.0, 20000.0


def test_a_repair_under_way_and_a_queued_one_continue_exactly_from_a_snapshot(tmp_path):
    """The run through fails both components at 12600 s (read off the run: the first update after
    the 250th part). At AT = 12800 s the drive is 200 s into its 600 s repair (400 s left) and the
    belt waits first in the queue; M1 is held. Restarted from the JSON copy of that moment: the
    drive is repaired exactly 400 s later, the belt's 900 s repair starts at that same step and ends
    at 1300 s, M1 runs again then, and the end state equals the run through's (same health
    clocks, parts and crew). The same from the observed snapshot (no remaining times): the
    deterministic repair conditioned on its 200 s elapsed leaves 400 s as well."""
    p = crewed_line()
    through = twin.simulate(p, replicas=1, horizon=END, progress=False)
    dt = through.meta["dt_s"]
    cut = through.snapshot(0, at=AT)
    drive, belt = cut.health["M1.drive"], cut.health["M1.belt"]
    assert (drive["status"], drive["technician"], drive["work_elapsed_s"]) == ("repair", 0, 200.0)
    assert drive["work_remaining_s"] == pytest.approx(400.0, abs=dt / 2)
    assert (belt["status"], belt["queue_position"]) == ("failed", 0) and "technician" not in belt
    assert cut.elements["M1"].state == "held"
    loaded = Snapshot.load(cut.save(tmp_path / "crew.json"))
    assert loaded == cut

    cont = twin.simulate(p, replicas=1, horizon=END - AT, progress=False, start=loaded, dt=dt)
    before = cont.snapshot(0, at=400.0 - dt)
    assert before.health["M1.drive"]["status"] == "repair"
    assert before.health["M1.drive"]["work_remaining_s"] == pytest.approx(dt, abs=dt / 2)
    assert before.health["M1.belt"]["queue_position"] == 0
    ended = cont.snapshot(0, at=400.0 + dt)  # the drive's end step has passed: the belt's repair began at it
    assert ended.health["M1.drive"]["status"] == "ok"
    belt = ended.health["M1.belt"]
    assert (belt["status"], belt["technician"]) == ("repair", 0)
    assert belt["work_elapsed_s"] == pytest.approx(dt, abs=dt / 2)
    assert belt["work_remaining_s"] == pytest.approx(900.0 - dt, abs=dt / 2)
    assert ended.elements["M1"].state == "held"
    released = cont.snapshot(0, at=1300.0 + dt)
    assert all(c["status"] == "ok" for c in released.health.values())
    assert released.elements["M1"].state != "held"
    end, cont_end = through.snapshot(0), cont.snapshot(0)
    assert uncounted(cont_end) == uncounted(end)
    assert cont_end.health == end.health

    observed = twin.simulate(p, replicas=2, horizon=1400.0, progress=False, start=loaded.observed(), dt=dt)
    for r in range(2):
        assert observed.snapshot(r, at=400.0 - dt).health["M1.drive"]["status"] == "repair"
        assert observed.snapshot(r, at=400.0 + dt).health["M1.belt"]["status"] == "repair"
        assert observed.snapshot(r, at=1300.0 + dt).elements["M1"].state != "held"


def random_line():
    """Two machines in series, each with a gamma-wearing component (mean life 1.5 h of calendar
    time, so one wears while the other machine is stopped), lognormal repairs (mean 30 min, not
    memoryless) by one technician: at a given moment a good share of the replicas has a repair
    under way, and some a second failure waiting."""
    def comp(name):
        return HealthComponent(name, GammaWear(1 / (1.5 * HOUR), 0.3 / np.sqrt(1.5 * HOUR)),
                               repair=twin.LogNormal(1800, 0.5), service=300.0, clock="calendar")
    p = twin.Plant("crewed-random", crew=Crew(1))
    p.add(twin.Source("in", interarrival=twin.Exponential(50)), twin.Buffer("B1", capacity=4),
          twin.Machine("M1", process=twin.LogNormal(35, 0.4), health=[comp("drive")]), twin.Buffer("B2", capacity=4),
          twin.Machine("M2", process=twin.LogNormal(38, 0.4), health=[comp("spindle")]), twin.Sink("out"))
    p.line("in", "B1", "M1", "B2", "M2", "out")
    return p


def ci_close(a, b, what):
    """The means of two batches agree within their combined 95% confidence intervals:
    |mean_a - mean_b| <= 1.96 (se_a + se_b) (2.77 standard errors of the difference for equal
    standard errors: a false alarm has probability ~0.6% for independent batches, less here, as
    each restarted replica shares its snapshot with its run-through partner; fixed seeds make a
    pass reproducible)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    se_a, se_b = a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size)
    assert abs(a.mean() - b.mean()) <= 1.96 * (se_a + se_b) + 1e-12, \
        f"{what}: {a.mean():.4f} vs {b.mean():.4f} (se {se_a:.4f}, {se_b:.4f})"


def test_restarts_from_moments_with_repairs_and_queues_have_the_statistics_of_a_run_through():
    """The runs through 2T (seed 4) are, up to T, the runs stopped at T. Every replica restarts
    from its own snapshot at T (another seed), the repairs under way with their remaining time
    dropped, so it is drawn conditioned on the elapsed one (lognormal: not memoryless): parts out
    and availability of [0, T] restarted agree with [T, 2T] of the runs through."""
    p = random_line()
    R, T = 300, 4 * HOUR
    stopped = twin.simulate(p, replicas=R, horizon=T, seed=4, progress=False)
    through = twin.simulate(p, replicas=R, horizon=2 * T, warmup=T, seed=4, progress=False)
    snaps = [stopped.snapshot(r) for r in range(R)]
    status = [[c["status"] for c in s.health.values()] for s in snaps]
    assert sum("repair" in st for st in status) >= 0.15 * R  # repairs under way
    assert sum("failed" in st for st in status) >= 5           # and orders waiting behind them
    for s in snaps:
        for c in s.health.values():
            c.pop("work_remaining_s", None)
    again = twin.simulate(p, replicas=R, horizon=T, seed=9, progress=False, start=snaps)
    ci_close(through.per_replica["parts_out"], again.per_replica["parts_out"], "parts out")
    ci_close(through.per_replica["maintenance"]["availability"], again.per_replica["maintenance"]["availability"],
             "availability")


def test_bad_crew_snapshots_are_one_line_naming_the_component_and_key():
    p = crewed_line()
    cut = twin.simulate(p, replicas=1, horizon=AT, progress=False).snapshot(0)

    def edited(fn):
        d = cut.to_dict()
        fn(d)
        return Snapshot.from_dict(d)

    def two_repairs(d):
        d["health"]["M1.belt"].update(status="repair", technician=0, work_elapsed_s=10.0)
        d["health"]["M1.belt"].pop("queue_position")

    for fn, msg in (
            (lambda d: d["health"]["M1.belt"].update(queue_position=3),
             "health component 'M1.belt': queue_position 3 leaves the queue with gaps"),
            (lambda d: d["health"]["M1.belt"].pop("queue_position"),
             "health component 'M1.belt': is failed: it waits for a technician and needs its queue_position"),
            (lambda d: d["health"]["M1.drive"].update(technician="bob"),
             "health component 'M1.drive': is in repair: it needs its technician"),
            (two_repairs, "maintenance crew: 2 repairs or services under way \\(M1.drive, M1.belt\\), "
                          "more than its 1 technicians"),
            (lambda d: d["health"]["M1.drive"].update(technician=2),
             "health component 'M1.drive': technician 2 is not in the crew \\(0 to 0\\)"),
            (lambda d: d["elements"]["M1"].update(state="starved"),
             "health component 'M1.drive': stops its host, but element 'M1' is starved in the snapshot")):
        with pytest.raises(SnapshotError, match=msg):
            twin.simulate(p, replicas=1, horizon=10.0, progress=False, start=edited(fn))
    d = cut.to_dict()
    d["health"]["M1.drive"] = {k: v for k, v in d["health"]["M1.drive"].items() if k != "work_remaining_s"}
    d["health"]["M1.drive"].pop("work_elapsed_s")
    d["health"]["M1.drive"]["status"] = "repair"
    with pytest.raises(SnapshotError, match="health component 'M1.drive': a repair under way needs work_elapsed_s"):
        twin.simulate(p, replicas=1, horizon=10.0, progress=False, start=Snapshot.from_dict(d))
