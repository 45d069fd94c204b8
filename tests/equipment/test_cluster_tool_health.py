"""Health components on cluster-tool parts (the vacuum robot, the ATM robot, chambers): a stopped
chamber is out of service and its recipe pauses, a stopped robot freezes and resumes; measured
against the hand-computed cycles of tests/equipment/test_cluster_tool.py.

Tolerances: the tools are deterministic, so after the warm-up the schedule is periodic with cycle
T; a stop of D seconds shifts everything after it by D. A window of W seconds then returns
(W - stopped time) / T wafers within k (one cycle cut at each end of the window, and for the
transport-bound tool the order in which it serves its two chambers may change once, hence k = 3
there). Stopped times are integrated in whole steps of dt = 1 ms, so they match D exactly.
"""

import numpy as np
import pytest

import twin
from twin import ClusterTool, ProcessStep
from twin.maintenance import HealthComponent, Policy, SensorModel, UsageWear, WeibullLife

from equipment.test_cluster_tool import H, R, WINDOW, deterministic_tool, run_tool
from equipment.tool_invariants import check_tool, run_state

NEVER_REPAIRED = 1e7  # s: longer than any run here


def with_health(tool: ClusterTool, *components) -> ClusterTool:
    tool.health = components
    tool.check(None)  # validates the parts
    return tool


def broken_at_start(part: str) -> HealthComponent:
    """Fails within seconds (a calendar life of mean 1 s) and is never repaired in the run."""
    return HealthComponent("fault", WeibullLife(1.0, 1.0), clock="calendar", repair=NEVER_REPAIRED, service=60.0,
                           part=part, sensors=SensorModel(period=1.0))


def wafers_in_window(k) -> float:
    return k["wafers_per_hour"].mean * WINDOW / 3600.0


# ---- a chamber out of service ------------------------------------------------------------------------
@pytest.mark.parametrize("robot", ["single", "dual"])
@pytest.mark.parametrize("down", ["step1.chamber1", "step1.chamber2"])
def test_one_of_two_parallel_chambers_down_runs_at_the_one_chamber_rate(device, robot, down):
    """Two parallel chambers (LL1 0, LL2 90, C1 180, C2 270 deg), recipe 60 s, one of them failed
    from the start and never repaired: the robot routes every wafer to the other, so the tool
    runs at the one-chamber, process-bound rate.
      single arm: the chamber idles while the robot picks it (h), places into the empty load lock,
        picks the raw wafer from the other and places it (3 h); its three rotations go chamber ->
        load lock -> load lock -> chamber, 180 + 90 + 90 deg in either direction:
            T = 60 + 4h + R180 + 2 R90 = 60 + 8 + 2.5 + 3 = 73.5 s -> 48.98 wafers/h
      dual arm: the chamber idles only during the swap, T = 60 + 2h + R180 = 66.5 s -> 54.14/h
        (the robot's other work, at most 2h + 3 R180 + 2h = 15.5 s, fits in the recipe)."""
    tool = with_health(deterministic_tool([ProcessStep(2, 60.0)], robot), broken_at_start(down))
    res, k = run_tool(tool, device)
    T = 60.0 + 4 * H + R(180) + 2 * R(90) if robot == "single" else 60.0 + 2 * H + R(180)
    assert abs(wafers_in_window(k) - WINDOW / T) <= 1.0, (wafers_in_window(k), WINDOW / T)
    assert k["chamber_stopped_step1"].mean == pytest.approx(0.5, abs=1e-9)   # one of two, all window
    assert k["chamber_utilization"].mean == pytest.approx(60.0 / T / 2, abs=T / WINDOW)
    assert k["down"].mean == pytest.approx(1.0, abs=1e-9) and k["service"].mean == 0.0
    assert res.maintenance["components"]["tool.fault"]["failures"].mean == 0.0  # it failed before the window


def mid_recipe_life() -> HealthComponent:
    """Fails after 3 h of processing (Weibull shape 50: within a few minutes of it), i.e. always
    during a recipe, since the operating clock runs only while the chamber processes."""
    return HealthComponent("heater", WeibullLife(50.0, 3 * 3600.0), repair=600.0, service=60.0,
                           part="step1.chamber1", sensors=SensorModel(period=60.0))


@pytest.mark.parametrize("robot", ["single", "dual"])
def test_a_chamber_stopped_mid_recipe_finishes_it_after_the_repair(device, robot):
    """One chamber, recipe 60 s (cycles (a) and (c) of the hand computations). A failure during a
    recipe pauses it for the 600 s repair and the wafer finishes with the time it had left; the
    robot waits (the dual arm in front of the chamber, its pick put off until the new end), so each
    failure costs exactly 600 s: wafers = (W - F * 600) / T within one."""
    tool = with_health(deterministic_tool([ProcessStep(1, 60.0)], robot), mid_recipe_life())
    res, k = run_tool(tool, device)
    T = 60.0 + 4 * H + 3 * R(120) if robot == "single" else 60.0 + 2 * H + R(180)
    failures = res.maintenance["components"]["tool.heater"]["failures"].mean
    assert failures == 2.0  # after 3 h and 6 h of processing (+ warm-up), both inside the window
    assert abs(wafers_in_window(k) - (WINDOW - failures * 600.0) / T) <= 1.0
    assert k["chamber_stopped"].mean * WINDOW == pytest.approx(failures * 600.0, abs=1e-6)
    assert k["down"].mean == pytest.approx(k["chamber_stopped"].mean)
    assert k["chamber_utilization"].mean == pytest.approx(60.0 / T * (1 - k["chamber_stopped"].mean),
                                                          abs=T / WINDOW)


# ---- a stopped vacuum robot ----------------------------------------------------------------------------
def test_a_stopped_vacuum_robot_resumes_its_operation(device):
    """Transport-bound tool (b): the vacuum robot never rests (T = 15 s a wafer). Its gear fails
    after 5000 picks and places (about 5.2 h; the health update that finds it, every 10 s, lands
    mid-operation) and is repaired in 1800 s: the robot freezes and later finishes the operation
    with the time it had left, so the tool loses exactly 1800 s: wafers = (W - 1800) / T."""
    gear = HealthComponent("gear", UsageWear(1.0), threshold=5000.0, repair=1800.0, service=60.0, part="vtm_robot",
                           sensors=SensorModel(period=10.0))
    tool = with_health(deterministic_tool([ProcessStep(2, 5.0)], "single"), gear)
    res, k = run_tool(tool, device)
    assert res.maintenance["components"]["tool.gear"]["failures"].mean == 1.0
    assert k["vtm_stopped"].mean * WINDOW == pytest.approx(1800.0, abs=1e-6)
    assert abs(wafers_in_window(k) - (WINDOW - 1800.0) / 15.0) <= 3.0
    assert k["vtm_utilization"].mean == pytest.approx(1.0 - 1800.0 / WINDOW, abs=30.0 / WINDOW)
    assert k["chamber_stopped"].mean == 0.0 and k["atm_stopped"].mean == 0.0


def test_usage_based_service_of_a_chamber(device):
    """A service every 50 recipes (usage-based policy, addressed as "tool.liner"), 300 s each: the
    services counted in the window match the recipes done, and the tool reports the stopped time
    as service, not down."""
    liner = HealthComponent("liner", UsageWear(1.0), threshold=1e6, repair=600.0, service=300.0,
                            part="step1.chamber1", sensors=SensorModel(period=5.0))
    tool = with_health(deterministic_tool([ProcessStep(1, 60.0)], "dual"), liner)
    res, k = run_tool(tool, device, policy={"tool.liner": Policy.usage_based(50)})
    services = res.maintenance["components"]["tool.liner"]["services"].mean
    assert abs(services - wafers_in_window(k) / 50.0) <= 1.0
    assert k["service"].mean * WINDOW == pytest.approx(services * 300.0, abs=300.0)
    assert k["down"].mean == 0.0
    assert k["chamber_stopped"].mean == pytest.approx(k["service"].mean)


# ---- random stops on every part lose no wafer -------------------------------------------------------
@pytest.mark.parametrize("robot", ["single", "dual"])
def test_stops_on_every_part_lose_no_wafer(device, robot):
    """Random recipes and arrivals, and both robots and four of six chambers failing every
    ~25 min (calendar clock) with random repairs: at several stopping moments every docked FOUP's
    wafers are accounted for and the tool's counters agree with where its wafers are (the checks
    of the conservation test), and every part failed and was stopped for a while."""
    parts = ("vtm_robot", "atm_robot", "step1.chamber2", "step2.chamber1", "step3.chamber1", "step3.chamber3")
    comps = [HealthComponent(f"c{i}", WeibullLife(1.5, 1500.0), clock="calendar", repair=twin.Exponential(200.0),
                             service=60.0, part=part, sensors=SensorModel(period=20.0))
             for i, part in enumerate(parts)]
    tool = ClusterTool("tool", steps=[ProcessStep(2, twin.LogNormal(50, 0.4)), ProcessStep(1, twin.Exponential(20)),
                                      ProcessStep(3, twin.Uniform(40, 100))],
                       vtm_robot=robot, load_ports=3, wafers_per_lot=13, load_locks=2, load_lock_capacity=2,
                       pump_time=twin.Exponential(10), vent_time=twin.Uniform(5, 15), health=comps)
    p = twin.Plant("cell", crew=twin.maintenance.Crew(technicians=2))
    p.add(twin.Source("foups", interarrival=twin.Exponential(900)), twin.Buffer("stocker", capacity=20), tool,
          twin.Sink("out"))
    p.line("foups", "stocker", "tool", "out")
    for horizon in (5000.0, 30000.0):
        model, a = run_state(p, horizon, replicas=8, seed=5, device=device)
        info = check_tool(model, a, "tool")
        assert max(info["wip"]) > 0
        assert np.all(a["tool.part32"] >= 0)
    from twin.kernels import health_layout as hl
    from twin.kernels import tool_layout as tl
    assert np.all(a["health.i64"][:, :len(parts), hl.H_FAILURES] > 0)   # every part failed, in every replica
    stopped = a["tool.part64"][:, :, tl.PT_DOWN]
    assert np.all(stopped[:, [tool.part_index(x) for x in parts]] > 0)
    assert np.all(stopped[:, tool.part_index("step1.chamber1")] == 0)   # no component there


def test_recording_shows_a_stopped_chamber_down(device):
    tool = with_health(deterministic_tool([ProcessStep(2, 60.0)], "dual"), broken_at_start("step1.chamber2"))
    res, _ = run_tool(tool, device, record=twin.Recording(start=3600.0, end=4200.0, every=1.0))
    chambers = res.recording.tools["tool"]["chambers"]
    from twin.equipment.cluster_tool import CHAMBER_STATUS
    assert np.all(chambers[:, 1] == CHAMBER_STATUS.index("down"))
    working = chambers[:, 0]
    assert CHAMBER_STATUS.index("down") not in working
    assert np.mean(working == CHAMBER_STATUS.index("processing")) == pytest.approx(60.0 / 66.5, abs=0.02)


# ---- input ---------------------------------------------------------------------------------------
def component(part: str = "") -> HealthComponent:
    return HealthComponent("x", WeibullLife(2.0, 3600.0), repair=60.0, service=60.0, part=part)


@pytest.mark.parametrize("part, fragment", [
    ("", "needs a part"),
    ("step2.chamber1", "names part 'step2.chamber1', which this element does not have"),
    ("step1.chamber3", "does not have"),
    ("robot", "does not have"),
])
def test_a_tool_component_names_one_of_its_parts(part, fragment):
    with pytest.raises(twin.PlantError, match=rf"element 'etch'.*health\[x\]\.part.*{fragment}"):
        ClusterTool("etch", steps=[ProcessStep(2, 60.0)], health=[component(part)])


def test_a_part_on_a_machine_is_an_error():
    with pytest.raises(twin.PlantError, match=r"element 'm'.*health\[x\]\.part.*only for components on a cluster tool.*or a robot arm"):
        twin.Machine("m", process=10.0, health=[component("vtm_robot")])


def test_load_wear_on_a_tool_part_is_an_error():
    worn = HealthComponent("x", UsageWear(0.01, usage="load"), repair=60.0, service=60.0, part="vtm_robot")
    p = twin.Plant("bad")
    p.add(twin.Source("in"), ClusterTool("etch", steps=[ProcessStep(1, 60.0)], health=[worn]), twin.Sink("out"))
    p.line("in", "etch", "out")
    with pytest.raises(twin.PlantError, match=r"element 'etch'.*usage.*cycles"):
        p.compile(device="cpu")


def test_tool_health_round_trips_through_a_scene_file(tmp_path):
    from twin.scene import load_scene, save_scene
    tool = ClusterTool("etch", steps=[ProcessStep(2, 60.0)], health=[component("step1.chamber2"),
                                                                       HealthComponent("y", UsageWear(1e-4),
                                                                                       repair=60.0, service=30.0,
                                                                                       part="vtm_robot")])
    p = twin.Plant("bay")
    p.add(twin.Source("in"), tool, twin.Sink("out"))
    p.line("in", "etch", "out")
    again = load_scene(save_scene(p, tmp_path / "bay.toml")).plant
    assert again["etch"].health == tool.health
    text = (tmp_path / "bay.toml").read_text()
    assert 'part = "step1.chamber2"' in text


def test_tool_part_names_follow_the_station_labels():
    tool = ClusterTool("etch", steps=[ProcessStep(2, 60.0), ProcessStep(1, 30.0)])
    assert tool.part_names() == ("vtm_robot", "atm_robot", "step1.chamber1", "step1.chamber2", "step2.chamber1")
    assert [tool.part_index(n) for n in tool.part_names()] == [0, 1, 2, 3, 4]
    assert tool.part_names()[2:] == tuple(label for label, _ in tool.station_angles()[tool.load_locks:])


# ---- random tools, with and without stops, never deadlock -------------------------------------------------
def random_tool(rng, with_stops: bool) -> ClusterTool:
    def duration(mean):
        kind = rng.integers(4)
        if kind == 0:
            return twin.Deterministic(mean)
        if kind == 1:
            return twin.Exponential(mean)
        if kind == 2:
            return twin.LogNormal(mean, 0.5)
        return twin.Uniform(0.5 * mean, 1.5 * mean)

    steps = [ProcessStep(int(rng.integers(1, 4)), duration(float(rng.uniform(5.0, 120.0))))
             for _ in range(int(rng.integers(1, 4)))]
    tool = ClusterTool("tool", steps=steps, vtm_robot=("single", "dual")[rng.integers(2)],
                       load_ports=int(rng.integers(1, 4)), wafers_per_lot=int(rng.integers(1, 26)),
                       load_locks=int(rng.integers(1, 4)), load_lock_capacity=int(rng.integers(1, 4)),
                       pump_time=duration(float(rng.uniform(2.0, 20.0))), vent_time=duration(float(rng.uniform(2.0, 20.0))),
                       atm_move_time=float(rng.uniform(1.0, 8.0)))
    if with_stops:
        names = tool.part_names()
        chosen = rng.choice(len(names), size=int(rng.integers(1, len(names) + 1)), replace=False)
        tool.health = tuple(HealthComponent(f"c{i}", WeibullLife(1.0, float(rng.uniform(600.0, 3000.0))),
                                            clock="calendar", repair=twin.Exponential(float(rng.uniform(30.0, 300.0))),
                                            service=60.0, part=names[i], sensors=SensorModel(period=30.0))
                            for i in sorted(chosen))
        tool.check(None)
    return tool


def test_random_tools_never_deadlock(device):
    """40 random tools (1-3 steps of 1-3 chambers, 1-3 load locks of 1-3 wafers, 1-3 load ports,
    lots of 1-25 wafers, single or dual arm, four families of random times), half of them with
    random parts failing every 10-50 min: fed by a saturated source, every replica still returns
    wafers in the second half of a 6 h run (a deadlocked tool returns none), and the wafer
    bookkeeping holds at the end."""
    from twin.kernels import tool_layout as tl
    rng = np.random.default_rng(2026)
    for i in range(40):
        tool = random_tool(rng, with_stops=i % 2 == 1)
        p = twin.Plant("cell")
        p.add(twin.Source("foups"), tool, twin.Sink("out"))
        p.line("foups", "tool", "out")
        model, a = run_state(p, 6 * 3600.0, replicas=4, seed=i, device=device, warmup=3 * 3600.0)
        check_tool(model, a, "tool")
        returned = a["tool.t64"][:, 0, tl.T_ACC_WAFERS]
        assert np.all(returned > 0), f"tool {i} ({tool}) returned no wafer in the second half: {returned}"
