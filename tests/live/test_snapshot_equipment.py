"""Snapshots of robot arms and cluster tools (issue 14.1): a robot's task and a tool's wafers,
load locks and robots, captured and restored by the snapshot hooks of their kernel modules
(kernels/robot.py, kernels/cluster_tool.py SNAPSHOT)."""

import json
import math
from dataclasses import replace

import numpy as np
import pytest

import twin
from twin import ClusterTool, ProcessStep
from twin.equipment.robot import DH, Robot, Task
from twin.live import Snapshot, SnapshotError
from twin.live.restart import write_start
from twin.live.snapshot import from_arrays
from twin.maintenance import Crew, GammaWear, HealthComponent, UsageWear, WienerWear
from twin.state import new_state, to_numpy

from live_support import wafer_cell

# ---- plants ----------------------------------------------------------------------------------------
# The arm: one revolute joint (link 1.2 m) at the origin, picking at machine m (60 degrees to the
# right) and placing into buffer ob (60 degrees to the left): every move between the two turns the
# joint by 2 * atan2(1.04, 0.6) = 120.0 degrees. Trapezoidal profile, top speed v = 0.2 rad/s,
# acceleration a = 0.5 rad/s^2: v^2 / a = 0.08 rad < 2.09 rad, so a move takes
# angle / v + v / a = 10.87 s (MOVE_S). Grip and release 0.5 s each.
V, A = 0.2, 0.5
PICK, PLACE = (0.6, -1.04, 0.8), (0.6, 1.04, 0.8)
MOVE_S = 2.0 * math.atan2(1.04, 0.6) / V + V / A


def robot_cell(random=False, health=()):
    """raw -> b -> m -> arm -> ob (one place) -> m2 -> done, and side -> ob. Deterministic:
    arrivals every 20 s, m 9 s; the arm's cycle (2 moves, grip, release: 22.7 s) and m2 (24 s)
    are slower. The arm claims a part only when ob has room, but parts from side may take that
    room while it moves: then it waits at the place (blocked). Every phase occurs."""
    arm = Robot("arm", dh=DH(a=(1.2,), alpha=(0.0,), d=(0.8,)), max_velocity=V, max_acceleration=A,
                joint_limits=[(-np.pi, np.pi)], home=(0.0,), position=(0.0, 0.0, 0.0),
                tasks=[Task("m", "ob", PICK, PLACE, orientation="free")], link_masses=(5.0,), payload=2.0,
                health=health)
    p = twin.Plant("robot-cell", crew=Crew(1) if health else None)
    if random:
        p.add(twin.Source("raw", interarrival=twin.Exponential(28)), twin.Machine("m", process=twin.LogNormal(12, 0.4)),
              twin.Machine("m2", process=twin.Gamma(4, 5.5)))
    else:
        p.add(twin.Source("raw", interarrival=twin.Deterministic(20)), twin.Machine("m", process=twin.Deterministic(9)),
              twin.Machine("m2", process=twin.Deterministic(24)))
    p.add(twin.Buffer("b", capacity=3), arm, twin.Buffer("ob", capacity=1), twin.Sink("done"),
          twin.Source("side", interarrival=twin.Exponential(60) if random else twin.Deterministic(50)))
    p.line("raw", "b", "m", "arm", "ob", "m2", "done")
    p.connect("side", "ob")
    return p


RECIPES = (60.0, 80.0)


def tool_cell(robot="single", random=False, health=()):
    """foups -> q -> tool (2 steps of 2 chambers, 2 load locks of 2 wafers, 5 wafers a FOUP) -> out."""
    rec = (twin.LogNormal(60, 0.3), twin.Gamma(16, 5.0)) if random else RECIPES
    tool = ClusterTool("tool", steps=[ProcessStep(2, rec[0]), ProcessStep(2, rec[1])], vtm_robot=robot, load_ports=2,
                       wafers_per_lot=5, load_locks=2, load_lock_capacity=2,
                       pump_time=twin.Uniform(10, 20) if random else 15.0, vent_time=12.0, atm_move_time=6.0,
                       rotate_speed=math.pi / 2, rotate_acceleration=math.pi, health=health)
    p = twin.Plant("tool-cell", crew=Crew(1) if health else None)
    p.add(twin.Source("foups", interarrival=twin.Exponential(300) if random else twin.Deterministic(200)),
          twin.Buffer("q", capacity=4), tool, twin.Sink("out"))
    p.line("foups", "q", "tool", "out")
    return p


def rewritten(model, snap, replicas=3, seed=5):
    """The snapshot written into fresh State rows (twin.live.restart) and read back at step 0
    (twin.live.snapshot): what every restarted replica starts from, before any kernel runs."""
    state = new_state(model, replicas, model.control(seed=seed, warmup_step=0, horizon_step=1))
    write_start(model, state, snap, seed)
    arrays = to_numpy(state)
    return [from_arrays(model, arrays, r, 0, time_s=snap.time_s) for r in range(replicas)]


def uncounted(snap):
    """The elements without the sinks' counts (information only: counted from each run's start)."""
    return {n: replace(e, parts_out=0) for n, e in snap.elements.items()}


def check_round_trip(res, at, tmp_path):
    """(a) at ``at``: the snapshot survives JSON; every restarted replica re-captured at step 0
    equals it; and restarted (deterministic plant) the run continues exactly as the run through."""
    cut = res.snapshot(0, at=at)
    loaded = Snapshot.load(cut.save(tmp_path / "cut.json"))
    assert loaded == cut
    for again in rewritten(res.final_state.model, loaded):
        assert uncounted(again) == uncounted(cut)
    horizon = res.meta["horizon_s"] - at
    cont = twin.simulate(res.final_state.model.plant, replicas=1, horizon=horizon, progress=False, start=loaded,
                         dt=res.meta["dt_s"])
    end, cont_end = res.snapshot(0), cont.snapshot(0)
    assert uncounted(cont_end) == uncounted(end), f"continued from {at:g} s"
    assert cont_end.health == end.health, f"continued from {at:g} s"
    return cut


def ci_close(a, b, what):
    """(b) the means of two independent batches agree within their combined 95% confidence
    intervals: |mean_a - mean_b| <= 1.96 (se_a + se_b). With equal standard errors that is 2.77
    standard errors of the difference: a false alarm has probability ~0.6% per comparison (the
    seeds are fixed, so a pass is reproducible)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    se_a, se_b = a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size)
    assert abs(a.mean() - b.mean()) <= 1.96 * (se_a + se_b) + 1e-12, \
        f"{what}: {a.mean():.4f} +- {1.96 * se_a:.4f} vs {b.mean():.4f} +- {1.96 * se_b:.4f}"


# ---- robots ----------------------------------------------------------------------------------------
T = 1000.3


@pytest.fixture(scope="module")
def robot_run():
    return twin.simulate(robot_cell(), replicas=1, horizon=T + 300, warmup=T, progress=False)


def test_robot_snapshots_in_every_phase_round_trip_and_continue_exactly(robot_run, tmp_path):
    """Moments in every phase of the arm's cycle (moving to pick, gripping, carrying, waiting at
    the place, releasing, idle): each round-trips through JSON and a restart, and the restarted
    line does exactly what the run through did (same final state element by element)."""
    seen = {}
    for at in np.arange(T, T + 300, 0.9):
        cut = robot_run.snapshot(0, at=float(at))
        seen.setdefault(cut.elements["arm"].equipment["phase"], float(at))
        if len(seen) == 6:
            break
    assert set(seen) >= {"idle", "to_pick", "gripping", "carrying", "at_place", "releasing"}, seen
    for phase, at in seen.items():
        cut = check_round_trip(robot_run, at, tmp_path)
        arm = cut.elements["arm"]
        if phase in ("carrying", "at_place"):
            assert len(arm.parts) == 1 and arm.parts[0].age_s > 0
        if phase in ("to_pick", "gripping"):  # the claimed part is still on m, finished
            assert any(p.status == "blocked" and p.age_s == arm.equipment["claimed_age_s"]
                       for p in cut.elements["m"].parts)


def test_a_robot_40_percent_through_its_move_finishes_60_percent_of_it_later(robot_run):
    """(c) Hand-computed: a move takes MOVE_S = 10.87 s (trapezoid, module notes). A snapshot
    saying the loaded arm is 0.4 MOVE_S into it (remaining time not known, as from a real
    line) restarts with the move ending 0.6 MOVE_S after the moment: the arm is still carrying
    just before and waits at the place (or releases) just after. Tolerance 0.01 s + 2 steps: the
    move table rounds to whole steps, and the inverse kinematics place the joint within 1e-3 rad
    (1e-3 / 0.2 = 0.005 s)."""
    at = next(float(t) for t in np.arange(T, T + 60, 0.9)
              if robot_run.snapshot(0, at=float(t)).elements["arm"].equipment["phase"] == "carrying")
    cut = robot_run.snapshot(0, at=at)
    eq = cut.elements["arm"].equipment
    assert abs(eq["elapsed_s"] + eq["remaining_s"] - MOVE_S) < 0.01  # the move table agrees with the closed form
    d = cut.to_dict()
    d["elements"]["arm"]["equipment"].update(elapsed_s=0.4 * MOVE_S)
    d["elements"]["arm"]["equipment"].pop("remaining_s")
    dt = robot_run.meta["dt_s"]
    again = twin.simulate(robot_cell(), replicas=1, horizon=20.0, progress=False, start=Snapshot.from_dict(d), dt=dt)
    end, margin = 0.6 * MOVE_S, 0.01 + 2 * dt
    assert again.snapshot(0, at=end - margin).elements["arm"].equipment["phase"] == "carrying"
    assert again.snapshot(0, at=end + margin).elements["arm"].equipment["phase"] in ("at_place", "releasing")


def test_a_random_robot_cell_restarted_from_its_snapshots_has_the_throughput_of_a_run_through():
    """(b) Random arrivals and process times: output over (T, T + H) of 300 runs through T + H
    against 300 runs restarted at T from the snapshots of 300 runs stopped at T (other seeds):
    the same mean output and arm utilisation (ci_close)."""
    p, R, H = robot_cell(random=True), 300, 1500.0
    stopped = twin.simulate(p, replicas=R, horizon=T, seed=3, progress=False)
    snaps = [Snapshot.from_dict(json.loads(json.dumps(stopped.snapshot(r).to_dict()))) for r in range(R)]
    assert len({s.elements["arm"].equipment["phase"] for s in snaps}) >= 4
    through = twin.simulate(p, replicas=R, horizon=T + H, warmup=T, seed=11, progress=False)
    again = twin.simulate(p, replicas=R, horizon=H, seed=12, progress=False, start=snaps)
    ci_close(through.per_replica["parts_out"], again.per_replica["parts_out"], "parts out")
    a, b = through.per_replica["elements"]["arm"], again.per_replica["elements"]["arm"]
    ci_close(a["utilization"], b["utilization"], "arm utilisation")


def test_robot_snapshots_are_checked_naming_element_and_key(robot_run):
    at = next(float(t) for t in np.arange(T, T + 60, 0.9)
              if robot_run.snapshot(0, at=float(t)).elements["arm"].equipment["phase"] == "to_pick")
    cut = robot_run.snapshot(0, at=at)
    p = robot_run.final_state.model.plant

    def edited(**eq):
        d = cut.to_dict()
        d["elements"]["arm"]["equipment"].update(eq)
        return Snapshot.from_dict(d)

    cases = [(edited(task=3), "element 'arm': equipment.task: the robot has no task 3"),
             (edited(at="tasks[2].pick"), "element 'arm': equipment.at: the robot has no configuration 'tasks\\[2\\].pick'"),
             (edited(phase="dancing"), "element 'arm': equipment.phase: unknown phase 'dancing'"),
             (edited(wrist=1), "element 'arm': equipment.wrist: unknown key"),
             (edited(claimed_age_s=None), "element 'arm': equipment.claimed_age_s: a robot to_pick has claimed")]
    for snap, msg in cases:
        with pytest.raises(SnapshotError, match=msg):
            snap.check(p)
    with pytest.raises(SnapshotError, match="element 'arm': equipment.claimed_age_s: no part of age 999 s in its "
                                            "pick element 'm'"):  # found when the replicas are written
        twin.simulate(p, replicas=2, horizon=60, progress=False, start=edited(claimed_age_s=999.0))


# ---- cluster tools ---------------------------------------------------------------------------------
TT = 3000.3


@pytest.fixture(scope="module", params=["single", "dual"])
def tool_run(request):
    return twin.simulate(tool_cell(request.param), replicas=1, horizon=TT + 1200, warmup=TT, progress=False)


def test_tool_snapshots_round_trip_and_continue_exactly(tool_run, tmp_path):
    """Moments with wafers in chambers (processing and done), load locks pumping, venting and
    holding wafers, the vacuum robot mid-operation with a planned next one, the ATM robot
    loading and unloading: each round-trips through JSON and a restart, and the restarted tool
    does exactly what the run through did."""
    seen = set()
    for at in np.arange(TT, TT + 400, 37.3):
        cut = check_round_trip(tool_run, float(at), tmp_path)
        eq = cut.elements["tool"].equipment
        seen |= {c["status"] for c in eq["chambers"].values()} | {ll["state"] for ll in eq["load_locks"].values()}
        seen |= {"vtm " + eq["vacuum_robot"]["op"]["kind"]} if eq["vacuum_robot"]["op"] else set()
        seen |= {"atm " + eq["atm_robot"]["kind"]} if eq["atm_robot"] else set()
    assert seen >= {"processing", "done", "empty", "vacuum", "vented", "vtm pick", "vtm place", "atm load",
                    "atm unload"}, seen


def test_a_chamber_40_percent_through_its_recipe_finishes_60_percent_of_it_later(tool_run):
    """(c) A snapshot saying a step-1 chamber (60 s recipe) has processed 24 s (remaining time not
    known) restarts with the recipe ending 36 s after the moment: the chamber is processing just
    before and not just after (done, or already emptied by the robot). An ATM transfer 2 s into
    its 6 s ends 4 s after the moment the same way. Tolerance: 2 steps (times are whole steps)."""
    dt = tool_run.meta["dt_s"]
    for at in np.arange(TT, TT + 400, 37.3):
        cut = tool_run.snapshot(0, at=float(at))
        eq = cut.elements["tool"].equipment
        busy = [n for n, c in eq["chambers"].items() if n.startswith("step1.") and c["status"] == "processing"]
        if busy and eq["atm_robot"] is not None:
            break
    else:
        pytest.fail("no moment with a step-1 chamber processing and the ATM robot moving")
    d = cut.to_dict()
    ch = d["elements"]["tool"]["equipment"]["chambers"][busy[0]]
    ch.pop("remaining_s")
    ch["elapsed_s"] = 0.4 * RECIPES[0]
    atm = d["elements"]["tool"]["equipment"]["atm_robot"]
    atm.pop("remaining_s")
    atm["elapsed_s"] = 2.0
    again = twin.simulate(tool_run.final_state.model.plant, replicas=1, horizon=60.0, progress=False,
                          start=Snapshot.from_dict(d), dt=dt)

    def tool_at(t):
        return again.snapshot(0, at=t).elements["tool"].equipment

    assert tool_at(36.0 - 2 * dt)["chambers"][busy[0]]["status"] == "processing"
    assert tool_at(36.0 + 2 * dt)["chambers"][busy[0]]["status"] != "processing"
    assert tool_at(4.0 - 2 * dt)["atm_robot"]["remaining_s"] == pytest.approx(2 * dt)
    after = tool_at(4.0 + 2 * dt)["atm_robot"]
    assert after is None or after["elapsed_s"] <= 2 * dt + 1e-9  # done (or the next transfer just began)


def test_a_run_s_snapshot_has_each_recipe_s_elapsed_time_and_restarts_from_it_alone(tool_run):
    """A snapshot taken from a run has, for every chamber processing, the recipe time already run
    (the kernels keep each recipe's drawn length, tool.ch_recipe): with the fixed recipes (60 s
    in step 1, 80 s in step 2) elapsed + remaining is the recipe exactly. Without the remaining
    times (as a line reports them) the restart draws them from the elapsed ones: here recipe -
    elapsed, so the tool continues exactly as the run through did (the same wafers done at the
    same steps); before, such a snapshot was refused (\"needs elapsed_s\")."""
    dt = tool_run.meta["dt_s"]
    checked = 0
    for at in np.arange(TT, TT + 400, 37.3):
        cut = tool_run.snapshot(0, at=float(at))
        chambers = cut.elements["tool"].equipment["chambers"]
        busy = {n: c for n, c in chambers.items() if c["status"] == "processing"}
        for n, c in busy.items():
            assert c["elapsed_s"] > 0 or c["remaining_s"] > 0
            want = RECIPES[0] if n.startswith("step1.") else RECIPES[1]
            assert c["elapsed_s"] + c["remaining_s"] == pytest.approx(want, abs=1e-9), (at, n, c)
        if not busy:
            continue
        d = cut.to_dict()
        for c in d["elements"]["tool"]["equipment"]["chambers"].values():
            c.pop("remaining_s", None)
        told = Snapshot.from_dict(d)
        cont = twin.simulate(tool_run.final_state.model.plant, replicas=1, horizon=tool_run.meta["horizon_s"] - at,
                             progress=False, start=told, dt=dt)
        assert uncounted(cont.snapshot(0)) == uncounted(tool_run.snapshot(0)), f"continued from {at:g} s"
        checked += 1
    assert checked >= 5


def _lognormal_tail_mean(e: float, mean: float, cv: float) -> float:
    """E[X - e | X > e] of a lognormal X (closed form): (mean * Phi(d1) / Phi(d2)) - e with
    d2 = (mu - ln e) / sigma, d1 = d2 + sigma."""
    s2 = math.log(1.0 + cv * cv)
    mu, sig = math.log(mean) - s2 / 2, math.sqrt(s2)
    phi = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    d2 = (mu - math.log(e)) / sig
    return mean * phi(d2 + sig) / phi(d2) - e


def test_a_random_recipe_restarted_from_its_elapsed_time_has_the_conditional_remaining_time():
    """Lognormal step-1 recipes (mean 60 s, cv 0.3): a chamber caught processing in a run's
    snapshot has its elapsed time e; restarted from the snapshot without its remaining time,
    400 replicas draw remaining times whose mean is E[X - e | X > e] of the lognormal (closed
    form), within 4 standard errors; each restarted replica, captured at once, reports the same
    elapsed time again (tool.ch_recipe written by the restore)."""
    p = tool_cell("single", random=True)
    res = twin.simulate(p, replicas=1, horizon=TT, seed=3, progress=False)
    for at in np.arange(TT - 1000, TT, 7.3):
        cut = res.snapshot(0, at=float(at))
        busy = [(n, c) for n, c in cut.elements["tool"].equipment["chambers"].items()
                if n.startswith("step1.") and c["status"] == "processing" and c["elapsed_s"] > 20]
        if busy:
            break
    else:
        pytest.fail("no step-1 chamber 20 s into its recipe")
    name, ch = busy[0]
    e, exact = ch["elapsed_s"], ch["remaining_s"]
    assert e + exact > e  # the run's own draw: more than the elapsed time
    d = cut.to_dict()
    d["elements"]["tool"]["equipment"]["chambers"][name].pop("remaining_s")
    again = rewritten(res.final_state.model, Snapshot.from_dict(d), replicas=400, seed=9)
    left = np.array([s.elements["tool"].equipment["chambers"][name]["remaining_s"] for s in again])
    assert all(s.elements["tool"].equipment["chambers"][name]["elapsed_s"] == pytest.approx(e) for s in again)
    want = _lognormal_tail_mean(e, 60.0, 0.3)
    se = left.std(ddof=1) / math.sqrt(left.size)
    assert abs(left.mean() - want) < 4 * se + res.meta["dt_s"], (left.mean(), want, se)
    assert left.min() > 0


def test_a_random_tool_restarted_from_its_snapshots_has_the_throughput_of_a_run_through():
    """(b) Lognormal and gamma recipes, uniform pump-downs, Poisson FOUP arrivals: wafers out of
    the tool over (T, T + H) of 200 runs through against 200 runs restarted from the snapshots of
    200 runs stopped at T (other seeds): the same mean (ci_close)."""
    p, R, H = tool_cell("single", random=True), 200, 3000.0
    stopped = twin.simulate(p, replicas=R, horizon=TT, seed=3, progress=False)
    snaps = [stopped.snapshot(r) for r in range(R)]
    assert sum(len(s.elements["tool"].parts) for s in snaps) > R / 2
    through = twin.simulate(p, replicas=R, horizon=TT + H, warmup=TT, seed=11, progress=False)
    again = twin.simulate(p, replicas=R, horizon=H, seed=12, progress=False, start=snaps)
    a, b = through.per_replica["elements"]["tool"], again.per_replica["elements"]["tool"]
    ci_close(a["wafers_per_hour"], b["wafers_per_hour"], "wafers per hour")
    ci_close(through.per_replica["parts_out"], again.per_replica["parts_out"], "FOUPs out")


def test_tool_snapshots_are_checked_naming_element_and_key(tool_run):
    cut = tool_run.snapshot(0, at=TT)
    p = tool_run.final_state.model.plant

    def edited(fn):
        d = cut.to_dict()
        fn(d["elements"]["tool"]["equipment"])
        return Snapshot.from_dict(d)

    def add_chamber(eq):
        eq["chambers"]["step3.chamber1"] = {"status": "empty"}

    def bad_station(eq):
        eq["vacuum_robot"]["op"] = {"kind": "pick", "station": "LL7", "arm": 0, "elapsed_s": 1.0}

    def foreign_wafer(eq):
        eq["chambers"]["step1.chamber1"] = {"status": "done", "port": 5, "elapsed_s": 1.0}

    def lost_wafer(eq):
        eq["ports"][next(i for i, x in enumerate(eq["ports"]) if x)]["back"] += 1

    cases = [(add_chamber, "element 'tool': equipment.chambers.step3.chamber1: the tool has no chamber "
                           "'step3.chamber1' \\(it has: step1.chamber1, step1.chamber2, step2.chamber1, step2.chamber2\\)"),
             (bad_station, "element 'tool': equipment.vacuum_robot.op.station: the tool has no station 'LL7'"),
             (foreign_wafer, "element 'tool': equipment.chambers.step1.chamber1.port: a wafer of load port 5"),
             (lost_wafer, "element 'tool': equipment.ports\\[\\d\\]: .* is not its 5 wafers"),
             (lambda eq: eq.pop("chambers"), "element 'tool': equipment.chambers: missing")]
    for fn, msg in cases:
        with pytest.raises(SnapshotError, match=msg):
            edited(fn).check(p)
    with pytest.raises(SnapshotError, match="equipment.chambers.step3.chamber1"):  # before any kernel runs
        twin.simulate(p, replicas=2, horizon=60, progress=False, start=edited(add_chamber))


def test_a_kind_without_snapshot_hooks_is_refused_by_name(monkeypatch):
    """Every registered kind has snapshot hooks now; one without them is refused by name."""
    import twin.kernels.robot as robot_kernels
    monkeypatch.delattr(robot_kernels, "SNAPSHOT")
    with pytest.raises(SnapshotError, match="element 'arm': kind robot cannot be snapshotted yet"):
        Snapshot("robot-cell", 0.0, {}).check(robot_cell())


def test_health_components_on_robots_and_tools_continue_exactly_from_a_snapshot(tmp_path):
    """Health components that wear on a robot's joint work (load-driven: millijoules of joint 1)
    and on a tool's part counters (recipes of one chamber; the vacuum robot's operating clock,
    deterministic Wiener wear) are snapshotted with the counters the kernels read (the robot's
    joint work, the tool part's uses and clock; not the element's E_USES / E_WORK): restarted at
    moments where every component is ok, wear, failures and repairs continue exactly."""
    gear = HealthComponent("gear", UsageWear(60.0, usage="load"), repair=40.0, service=20.0, part="joint1")
    robot = twin.simulate(robot_cell(health=[gear]), replicas=1, horizon=T + 600, warmup=T, progress=False)
    liner = HealthComponent("liner", UsageWear(0.02), repair=300.0, service=100.0, part="step1.chamber1")
    drive = HealthComponent("drive", WienerWear(1 / 1500.0, 0.0), repair=200.0, service=100.0, part="vtm_robot")
    tool = twin.simulate(tool_cell(health=[liner, drive]), replicas=1, horizon=TT + 2400, warmup=TT, progress=False)
    for res, start, span in ((robot, T, 600.0), (tool, TT, 2400.0)):
        health = {float(t): res.snapshot(0, at=float(t)).health for t in np.arange(start, start + span, span / 40)}
        assert any(c["status"] != "ok" for h in health.values() for c in h.values())  # a repair in the window
        moments = [t for t, h in health.items() if t < start + span / 2 and all(c["status"] == "ok" for c in h.values())]
        assert len(moments) >= 3
        for at in moments[:3]:
            cut = check_round_trip(res, at, tmp_path)
            assert all(c["uses_since_update"] >= 0 and c["work_since_update_s"] >= 0 for c in cut.health.values())


# ---- robots and tools stopped by the maintenance crew ------------------------------------------------
def crew_runs():
    """The robot cell and the single-arm tool cell with components that fail often (usage wear:
    the arm's gear every ~4 cycles; a chamber's liner every 10 recipes, the vacuum robot's drive
    every ~1500 s of motion), so that the window holds moments where the crew holds the arm, a
    chamber or the vacuum robot (repairs of 40 to 300 s)."""
    gear = HealthComponent("gear", UsageWear(0.26), repair=40.0, service=20.0)
    robot = twin.simulate(robot_cell(health=[gear]), replicas=1, horizon=T + 600, warmup=T, progress=False)
    liner = HealthComponent("liner", UsageWear(0.1), repair=300.0, service=100.0, part="step1.chamber1")
    drive = HealthComponent("drive", WienerWear(1 / 1500.0, 0.0), repair=200.0, service=100.0, part="vtm_robot")
    tool = twin.simulate(tool_cell(health=[liner, drive]), replicas=1, horizon=TT + 2400, warmup=TT, progress=False)
    return robot, tool


@pytest.fixture(scope="module")
def crewed():
    return crew_runs()


def test_a_robot_or_tool_held_by_the_crew_continues_exactly_from_a_snapshot(crewed, tmp_path):
    """Moments where the crew holds the arm (a failed or repaired gear: state ``held``, its move,
    grip or release paused, a carried part ``paused``) and moments where it holds a tool's
    chamber or vacuum robot (``equipment.held``: the part and how long ago it stopped; the
    chamber's recipe time left at the stop): each round-trips through JSON and a restart, and
    the restarted plant does exactly what the run through did (same draws, same end state,
    same health clocks). Would fail if a restore refused a held robot or tool, lost a paused
    phase's steps, or dated a stop's release wrongly."""
    robot, tool = crewed
    held_robot = []
    for at in np.arange(T, T + 600, 3.7):
        snap = robot.snapshot(0, at=float(at))
        if snap.elements["arm"].state == "held":
            held_robot.append((float(at), snap.elements["arm"].equipment["phase"]))
    phases = {p for _, p in held_robot}
    assert len(held_robot) >= 4 and phases & {"to_pick", "gripping", "carrying", "releasing"}, held_robot
    for at, _ in held_robot[::max(1, len(held_robot) // 6)]:
        cut = check_round_trip(robot, at, tmp_path)
        assert any(c["status"] in ("failed", "repair", "service") for c in cut.health.values())
    held_tool = {}
    for at in np.arange(TT, TT + 2400, 11.3):
        eq = tool.snapshot(0, at=float(at)).elements["tool"].equipment
        for part in eq.get("held", {}):
            held_tool.setdefault(part, []).append(float(at))
    assert set(held_tool) >= {"step1.chamber1", "vtm_robot"}, held_tool
    for part, moments in held_tool.items():
        for at in moments[:: max(1, len(moments) // 3)]:
            check_round_trip(tool, at, tmp_path)


def test_a_held_robot_or_tool_part_needs_a_component_that_stops_it(crewed):
    """The crew's link checks the holds both ways, naming the element and the part."""
    robot, tool = crewed
    p = robot.final_state.model.plant
    at = next(float(t) for t in np.arange(T, T + 600, 3.7)
              if robot.snapshot(0, at=float(t)).elements["arm"].state == "held")
    snap = robot.snapshot(0, at=at)
    ok = Snapshot.from_dict(snap.to_dict())
    for c in ok.health.values():
        # ok and as good as new (an ok component at its failure threshold is refused before the holds are checked)
        c.update(status="ok", wear=0.0, technician=None, work_elapsed_s=None, work_remaining_s=None, queue_position=None)
        for k in [k for k, x in c.items() if x is None]:
            del c[k]
    with pytest.raises(SnapshotError, match="element 'arm': held, but no health component of it is failed"):
        twin.simulate(p, replicas=1, horizon=60, progress=False, start=ok)
    at = next(float(t) for t in np.arange(TT, TT + 2400, 11.3)
              if "held" in tool.snapshot(0, at=float(t)).elements["tool"].equipment)
    snap = tool.snapshot(0, at=at)
    bad = Snapshot.from_dict(snap.to_dict())
    del bad.elements["tool"].equipment["held"]
    with pytest.raises(SnapshotError, match="health component 'tool.(liner|drive)': stops (step1.chamber1|vtm_robot) "
                                            "of its host, but element 'tool' does not say it is held"):
        twin.simulate(tool.final_state.model.plant, replicas=1, horizon=60, progress=False, start=bad)
    bad = Snapshot.from_dict(snap.to_dict())
    bad.elements["tool"].equipment["held"]["nozzle"] = 3.0
    with pytest.raises(SnapshotError, match="element 'tool': equipment.held.nozzle: the tool has no part 'nozzle'"):
        twin.simulate(tool.final_state.model.plant, replicas=1, horizon=60, progress=False, start=bad)


def test_restarts_from_moments_where_the_crew_holds_the_arm_or_a_tool_part_have_the_statistics_of_a_run_through():
    """A wafer cell (random recipes, arrivals, machine) whose arm, vacuum robot and a chamber wear
    on the calendar (gamma, mean life 1.5 h) and are repaired by one technician (lognormal,
    mean 20 min: not memoryless). The runs through 2T (seed 4) are, up to T, the runs stopped at
    T; every replica restarts from its own snapshot at T (another seed) with the repairs'
    remaining times dropped, so they are drawn conditioned on the elapsed work: parts out in
    [0, T] restarted agree with [T, 2T] of the runs through (combined 95% CIs, ci_close). Would
    fail if a held arm or tool part were restarted running, stopped for good or released at the
    wrong time."""
    def comp(name, **part):
        return HealthComponent(name, GammaWear(1 / 5400.0, 0.3 / np.sqrt(5400.0)), repair=twin.LogNormal(1200, 0.5),
                               service=300.0, clock="calendar", **part)
    p = wafer_cell(random=True, tool_health=[comp("liner", part="step1.chamber1"), comp("drive", part="vtm_robot")],
                   arm_health=[comp("gear")])
    R, T = 200, 4 * 3600.0
    stopped = twin.simulate(p, replicas=R, horizon=T, seed=4, progress=False)
    through = twin.simulate(p, replicas=R, horizon=2 * T, warmup=T, seed=4, progress=False)
    snaps = [stopped.snapshot(r) for r in range(R)]
    arm_held = sum(s.elements["arm"].state == "held" for s in snaps)
    tool_held = sum(bool(s.elements["tool"].equipment.get("held")) for s in snaps)
    assert arm_held >= 0.05 * R and tool_held >= 0.05 * R, (arm_held, tool_held)
    for s in snaps:
        for c in s.health.values():
            c.pop("work_remaining_s", None)
    again = twin.simulate(p, replicas=R, horizon=T, seed=9, progress=False, start=snaps)
    ci_close(through.per_replica["parts_out"], again.per_replica["parts_out"], "parts out")
