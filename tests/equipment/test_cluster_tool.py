"""Cluster tools (twin.ClusterTool, kernels/cluster_tool.py): steady-state throughput against
hand-computed cycles, parallel against serial chambers, wafer conservation, recordings, the
example scene and bad input."""

import math

import numpy as np
import pytest

import twin
from twin import ClusterTool, ProcessStep
from twin.equipment.cluster_tool import rotation_time
from twin.scenes import scene_path

from equipment.tool_invariants import check_tool, run_state

# ---- the deterministic tools of the hand computations ----------------------------------------------
# Handoff (a pick or a place) h = extend + retract = 1 s + 1 s = 2 s.
# Rotation: top speed w = pi/2 rad/s, acceleration a = pi rad/s^2. Full speed is reached after
# w^2 / a = pi/4 (45 deg); every rotation below is at least 60 deg, so the profile is trapezoidal:
#     R(theta) = theta / w + w / a = 2 theta / pi + 0.5 s:
#     R(60) = 7/6 s, R(90) = 1.5 s, R(120) = 11/6 s, R(180) = 2.5 s.
# Stations: S = load locks + chambers, station i at 360 i / S degrees (load locks first). With one
# chamber: LL1 0, LL2 120, C 240 (every pair 120 deg apart); with two: LL1 0, LL2 90, C1 180, C2 270.
# A dual-arm robot's arms point 180 deg apart.
# Load locks: vent 3 s, ATM transfer 2 s (unload the processed wafer, load a raw one), pump 3 s: a
# load lock turns around in 10 s. Each derivation checks that this is shorter than the time before
# the vacuum robot needs that load lock again, so the load locks and the ATM robot never bind and
# the cycle is the vacuum side's alone. A saturated source keeps both load ports docked, so FOUP
# changes never interrupt the flow.
# Tolerance: times are deterministic, so after the 1 h warm-up the schedule is periodic: a cycle of
# T_c seconds returns k wafers. A window of W seconds then returns W k / T_c wafers within k (a
# cycle cut at each end), and integrates busy time within one cycle's worth: |count - W / T| <= k
# and |utilisation - exact| <= T_c / W (here <= 0.1% - 0.4% relative). Rotation times are whole
# steps of dt = 1 ms, off by at most 0.5 ms per rotation (< 0.01% of a cycle).
H = 2.0
HOURS, WARMUP = 10.0, 1.0
WINDOW = (HOURS - WARMUP) * 3600.0


def R(deg: float) -> float:
    theta = math.radians(deg)
    assert theta >= math.pi / 4  # trapezoidal
    return 2.0 * theta / math.pi + 0.5


def deterministic_tool(steps, robot: str) -> ClusterTool:
    return ClusterTool("tool", steps=steps, vtm_robot=robot, load_ports=2, wafers_per_lot=25, load_locks=2,
                       load_lock_capacity=1, pump_time=3.0, vent_time=3.0, atm_move_time=2.0, extend_time=1.0,
                       retract_time=1.0, rotate_speed=math.pi / 2, rotate_acceleration=math.pi)


def run_tool(tool: ClusterTool, device: str, source=None, replicas: int = 1, **kw):
    source = source or twin.Source("foups")
    p = twin.Plant("cell")
    p.add(source, tool, twin.Sink("out"))
    p.line(source.name, tool.name, "out")
    res = twin.simulate(p, replicas=replicas, horizon=HOURS * 3600, warmup=WARMUP * 3600, device=device,
                        dt=0.001, **kw)
    return res, res.element(tool.name)


def assert_cycle(kpis, T: float, k: int = 1):
    """Throughput 1/T wafers per second, counted: within k wafers of W / T (see above)."""
    count = kpis["wafers_per_hour"].mean * WINDOW / 3600.0
    assert abs(count - WINDOW / T) <= k + 1e-6, f"{count} wafers, expected {WINDOW / T:.2f} (T = {T:.4f} s)"
    assert abs(kpis["wafers_per_hour"].mean - 3600.0 / T) / (3600.0 / T) < 0.005


def test_rotation_profile_matches_the_hand_values():
    assert rotation_time(math.pi / 2, math.pi / 2, math.pi) == pytest.approx(R(90))
    assert rotation_time(math.pi / 8, math.pi / 2, math.pi) == pytest.approx(2 * math.sqrt((math.pi / 8) / math.pi))
    tool = deterministic_tool([ProcessStep(2, 60.0)], "single")
    assert [round(math.degrees(a)) for _, a in tool.station_angles()] == [0, 90, 180, 270]
    assert [n for n, _ in tool.station_angles()] == ["LL1", "LL2", "step1.chamber1", "step1.chamber2"]


# ---- (a) process-bound, single arm -------------------------------------------------------------------
def test_single_arm_process_bound(device):
    """One chamber, recipe p = 60 s. When the chamber finishes the robot waits in front of it (it
    placed the last wafer there); backward priority then runs: pick C (no rotation, h), rotate to
    the empty load lock and place (R120 + h), rotate to the other load lock holding a raw wafer and
    pick (R120 + h), back to C and place (R120 + h); the chamber is idle all that time:
        T = p + 4h + 3 R120 = 60 + 8 + 5.5 = 73.5 s  ->  48.98 wafers/h.
    The load lock that received the processed wafer has p + 4h + 3 R120 - (R120 + h) > 10 s to turn
    around. Chamber utilisation p / T = 81.6%, robot (4h + 3 R120) / T = 18.4%: process-bound."""
    _, k = run_tool(deterministic_tool([ProcessStep(1, 60.0)], "single"), device)
    T = 60.0 + 4 * H + 3 * R(120)
    assert_cycle(k, T)
    assert k["chamber_utilization"].mean == pytest.approx(60.0 / T, abs=T / WINDOW)
    assert k["vtm_utilization"].mean == pytest.approx((4 * H + 3 * R(120)) / T, abs=T / WINDOW)
    assert k["transport_bound"].mean == 0.0


# ---- (b) transport-bound, single arm -----------------------------------------------------------------
def test_single_arm_transport_bound(device):
    """Two parallel chambers (C1 180, C2 270), recipe 5 s: a chamber is always finished before
    the robot comes back, so the robot never rests. Its steady cycle serves C2 then C1 (the one
    finished first), each wafer leaving through the load lock its predecessor's raw wafer came from:
        pick C2        C1 -> C2   90   1.5 + 2 = 3.5
        place LL1      C2 -> LL1  90   3.5        (270 -> 0)
        pick raw LL2   LL1 -> LL2 90   3.5
        place C2       LL2 -> C2 180   2.5 + 2 = 4.5
        pick C1        C2 -> C1   90   3.5
        place LL2      C1 -> LL2  90   3.5
        pick raw LL1   LL2 -> LL1 90   3.5
        place C1       LL1 -> C1 180   4.5
    30 s for two wafers (8h + 6 R90 + 2 R180; the mirror assignment of load locks gives the same
    sum): T = 15 s -> 240 wafers/h. A load lock gets its processed wafer and is needed again 15 s
    later (> 10 s turnaround). Chamber utilisation 5 / 30, robot 100%: transport-bound."""
    _, k = run_tool(deterministic_tool([ProcessStep(2, 5.0)], "single"), device)
    cycle = 8 * H + 6 * R(90) + 2 * R(180)
    assert cycle == pytest.approx(30.0)
    assert_cycle(k, cycle / 2, k=2)
    assert k["chamber_utilization"].mean == pytest.approx(5.0 / cycle, abs=cycle / WINDOW)
    assert k["vtm_utilization"].mean == pytest.approx(1.0, abs=cycle / WINDOW)
    assert k["transport_bound"].mean == 1.0


# ---- (c) process-bound, dual arm ---------------------------------------------------------------------
def test_dual_arm_process_bound(device):
    """One chamber (240 deg), recipe 60 s. The robot brings the next raw wafer, turns its empty
    arm to the chamber and waits; at the end of the recipe it swaps: pick with the empty arm (h),
    rotate 180 deg (R180), place the raw wafer (h). The chamber is idle only during the swap:
        T = p + 2h + R180 = 60 + 4 + 2.5 = 66.5 s  ->  54.14 wafers/h.
    Between swaps the robot works 2h + R180 + 3 R60 + 2h = 14 s (see (d)) < 66.5 s, so it always
    waits at the chamber in time. Robot utilisation 14 / 66.5 = 21.1%: process-bound."""
    _, k = run_tool(deterministic_tool([ProcessStep(1, 60.0)], "dual"), device)
    T = 60.0 + 2 * H + R(180)
    assert_cycle(k, T)
    assert k["chamber_utilization"].mean == pytest.approx(60.0 / T, abs=T / WINDOW)
    assert k["vtm_utilization"].mean == pytest.approx((4 * H + R(180) + 3 * R(60)) / T, abs=T / WINDOW)
    assert k["transport_bound"].mean == 0.0


# ---- (d) transport-bound, dual arm -------------------------------------------------------------------
def test_dual_arm_transport_bound(device):
    """One chamber, recipe 5 s: the chamber finishes before the robot is back, so the robot never
    rests. Per wafer (arms 180 deg apart; stations 120 deg apart):
        swap at C: pick with the empty arm, rotate 180, place      2h + R180 = 6.5
        turn the arm holding the processed wafer to the empty
          load lock: it points at C + 180, 60 deg from either LL   R60 + h  = 3.1667
        pick a raw wafer from the other load lock with the arm
          pointing 180 deg from the first LL: 60 deg away          R60 + h  = 3.1667
        turn the empty arm to C: 60 deg                            R60      = 1.1667
        T = 4h + R180 + 3 R60 = 14 s  ->  257.14 wafers/h.
    A load lock gets its processed wafer and is needed again 14 s later (> 10 s turnaround).
    Chamber utilisation 5 / 14 = 35.7%, robot 100%: transport-bound."""
    _, k = run_tool(deterministic_tool([ProcessStep(1, 5.0)], "dual"), device)
    T = 4 * H + R(180) + 3 * R(60)
    assert T == pytest.approx(14.0)
    assert_cycle(k, T)
    assert k["chamber_utilization"].mean == pytest.approx(5.0 / T, abs=T / WINDOW)
    assert k["vtm_utilization"].mean == pytest.approx(1.0, abs=T / WINDOW)
    assert k["transport_bound"].mean == 1.0


# ---- parallel chambers against a serial sequence ---------------------------------------------------------
def test_parallel_chambers_and_serial_sequence(device):
    """Dual arm, process-bound, 120 s of processing per wafer arranged three ways. Each chamber is
    refilled by a swap as soon as it finishes (idle 2h + R180 = 6.5 s per wafer), as in (c):
      one chamber of 120 s:           T = 120 + 6.5 = 126.5 s          -> 28.46 wafers/h
      two parallel chambers of 120 s: two wafers per 126.5 s           -> 56.92 wafers/h
      two serial steps of 60 s:       each step passes a wafer every 60 + 6.5 = 66.5 s
                                                                       -> 54.14 wafers/h
    The robot keeps up: in the parallel tool it needs at most 2h + R180 + 2 (R180 + h) + R180 =
    18.5 s per wafer, against 126.5 / 2 s per chamber finish (the chambers drift apart until it
    is never late); in the serial tool its loop (two swaps, the load locks, the rotations) takes
    at most 2 (2h + R180) + 2h + 4 R180 = 27 s < 66.5 s. Parallel chambers double the throughput;
    splitting the same recipe into a serial sequence nearly does too, less one swap per step."""
    _, one = run_tool(deterministic_tool([ProcessStep(1, 120.0)], "dual"), device)
    _, par = run_tool(deterministic_tool([ProcessStep(2, 120.0)], "dual"), device)
    _, ser = run_tool(deterministic_tool([ProcessStep(1, 60.0), ProcessStep(1, 60.0)], "dual"), device)
    swap = 2 * H + R(180)
    assert_cycle(one, 120.0 + swap)
    assert_cycle(par, (120.0 + swap) / 2, k=2)
    assert_cycle(ser, 60.0 + swap)
    for k in (one, par, ser):
        assert k["transport_bound"].mean == 0.0
    assert par["wafers_per_hour"].mean == pytest.approx(2 * one["wafers_per_hour"].mean, rel=0.01)
    for step in (1, 2):
        assert ser[f"chamber_utilization_step{step}"].mean == pytest.approx(60.0 / (60.0 + swap), abs=0.005)


# ---- conservation ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("robot", ["single", "dual"])
def test_wafers_return_to_their_own_foup(device, robot):
    """Random recipes, pump and vent times, Poisson FOUP arrivals, three load ports, load locks of
    two wafers, a three-step sequence: at the end of the run every docked FOUP's wafers are all
    accounted for (still in it, back in it, or in the tool carrying its port number), the tool's
    counters agree with where its wafers are, and the wafer limit holds, in every replica."""
    tool = ClusterTool("tool", steps=[ProcessStep(2, twin.LogNormal(50, 0.4)), ProcessStep(1, twin.Exponential(20)),
                                      ProcessStep(3, twin.Uniform(40, 100))],
                       vtm_robot=robot, load_ports=3, wafers_per_lot=13, load_locks=2, load_lock_capacity=2,
                       pump_time=twin.Exponential(10), vent_time=twin.Uniform(5, 15))
    p = twin.Plant("cell")
    p.add(twin.Source("foups", interarrival=twin.Exponential(900)), twin.Buffer("stocker", capacity=20), tool,
          twin.Sink("out"))
    p.line("foups", "stocker", "tool", "out")
    for horizon in (5000.0, 20000.0):  # stopping at different moments
        model, a = run_state(p, horizon, replicas=8, seed=3, device=device)
        info = check_tool(model, a, "tool")
        assert max(info["wip"]) > 0


def test_wafers_out_equals_25_times_lots(device):
    """Lots arrive every 4000 s and the tool needs far less for one, so at the end every lot that
    arrived has left complete: wafers returned = 25 x lots left, and no FOUP is in the tool."""
    tool = ClusterTool("tool", steps=[ProcessStep(2, twin.LogNormal(60, 0.3)), ProcessStep(1, twin.Uniform(10, 30))],
                       vtm_robot="dual", load_locks=2, load_lock_capacity=3)
    source = twin.Source("foups", interarrival=twin.Deterministic(4000.0))
    p = twin.Plant("cell")
    p.add(source, tool, twin.Sink("out"))
    p.line("foups", "tool", "out")
    res = twin.simulate(p, replicas=4, horizon=6 * 4000.0 + 3500.0, warmup=0.0, device=device)
    k = res.per_replica["elements"]["tool"]
    hours = res.meta["horizon_s"] / 3600.0
    lots = np.round(k["lots_per_hour"] * hours)
    wafers = np.round(k["wafers_per_hour"] * hours)
    assert lots.tolist() == [6.0] * 4
    np.testing.assert_array_equal(wafers, 25 * lots)
    assert res.per_replica["held_at_end"]["tool"].tolist() == [0] * 4


# ---- recordings ------------------------------------------------------------------------------------------
def test_recording_of_a_tool(device):
    """Chamber and load-lock codes are in range, the robots hold what they can, and the vacuum
    robot's arm rests at station angles (or, for a dual arm, opposite one)."""
    tool = ClusterTool("tool", steps=[ProcessStep(2, twin.Exponential(40)), ProcessStep(1, 30.0)], vtm_robot="dual")
    res, _ = run_tool(tool, device, record=twin.Recording(start=3600.0, end=5400.0, every=0.5))
    rec = res.recording.tools["tool"]
    frames = len(res.recording.times)
    assert rec["chambers"].shape == (frames, 3) and rec["load_locks"].shape == (frames, 2)
    assert set(np.unique(rec["chambers"])) <= {0, 1, 2} and set(np.unique(rec["load_locks"])) <= {0, 1, 2, 3}
    assert {1, 2} <= set(np.unique(rec["chambers"]))
    assert np.all((rec["load_lock_wafers"] >= 0) & (rec["load_lock_wafers"] <= tool.load_lock_capacity))
    assert np.all(rec["robot_holding"] <= 2) and rec["robot_holding"].max() == 2  # mid-swap
    assert np.all((rec["robot_angle"] >= 0) & (rec["robot_angle"] < 2 * math.pi + 1e-6))
    half_steps = rec["robot_angle"] / (math.pi / tool.n_stations)  # stations every 2 pi / S, arms pi apart
    at_rest = np.abs(half_steps - np.round(half_steps)) < 1e-3
    assert at_rest.mean() > 0.5
    assert np.all(rec["foups"] <= tool.load_ports) and rec["wafers_out"].max() <= tool.wip_limit


# ---- the example scene -------------------------------------------------------------------------------
def test_wafer_bay_scene_runs_and_reports(capsys):
    scene = twin.load_scene(scene_path("wafer_bay"))
    tools = [n for n, el in scene.plant.elements.items() if el.kind == "cluster_tool"]
    assert len(tools) == 3
    assert {scene.plant[n].vtm_robot for n in tools} == {"single", "dual"}
    assert any(len(scene.plant[n].steps) > 1 for n in tools)
    assert all(el.position is not None for el in scene.plant)
    from twin.cli import main
    assert main(["run", "wafer_bay", "--replicas", "4", "--horizon", "3h", "--warmup", "1h", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    for n in tools:
        line = next(li for li in out.splitlines() if li.strip().startswith(n) and "bound" in li)
        assert float(line.split()[1]) > 0  # wafers/h
    assert "chambers: step 1" in out


def test_wafer_bay_round_trip(tmp_path):
    scene = twin.load_scene(scene_path("wafer_bay"))
    again = twin.load_scene(twin.save_scene(scene.plant, tmp_path / "bay.toml", **scene.study))
    assert list(again.plant.elements.items()) == list(scene.plant.elements.items())
    assert scene.plant["cvd"].rotate_acceleration == pytest.approx(2 * math.pi)  # "360" deg/s^2
    assert scene.plant["cvd"].extend_time == pytest.approx(0.8)                  # "800 ms"


def test_kpis_in_the_results_json(tmp_path):
    import json
    res, _ = run_tool(deterministic_tool([ProcessStep(1, 30.0), ProcessStep(2, 50.0)], "single"), "cpu")
    d = json.loads(res.to_json(tmp_path / "r.json").read_text())["elements"]["tool"]
    assert d["kind"] == "cluster_tool"
    for key in twin.equipment.cluster_tool.KPIS + ("chamber_utilization_step1", "chamber_utilization_step2",
                                                   "throughput_per_hour"):
        assert set(d[key]) == {"mean", "ci95"}
    assert "bound" in res.summary()


# ---- bad input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, key, fragment", [
    ({}, "steps", "at least one process step"),
    ({"steps": []}, "steps", "at least one process step"),
    ({"steps": [ProcessStep(0, 60.0)]}, "steps[0].chambers", "at least one chamber"),
    ({"steps": [ProcessStep(2, 60.0), ProcessStep(3)]}, "steps[1].recipe", "no recipe"),
    ({"steps": [ProcessStep(2, -60.0)]}, "steps[0].recipe.value", "positive"),
    ({"steps": [ProcessStep(1, 60.0)], "pump_time": -5}, "pump_time.value", "positive"),
    ({"steps": [ProcessStep(1, 60.0)], "vent_time": None}, "vent_time", "seconds"),
    ({"steps": [ProcessStep(1, 60.0)], "extend_time": -1.0}, "extend_time", "positive"),
    ({"steps": [ProcessStep(1, 60.0)], "rotate_speed": 0.0}, "rotate_speed", "positive"),
    ({"steps": [ProcessStep(1, 60.0)], "atm_move_time": -2.0}, "atm_move_time", "positive"),
    ({"steps": [ProcessStep(1, 60.0)], "load_lock_capacity": 0}, "load_lock_capacity", ">= 1"),
    ({"steps": [ProcessStep(1, 60.0)], "vtm_robot": "triple"}, "vtm_robot", "single, dual"),
    ({"steps": [{"chambers": 2, "recipie": 60}]}, "steps[0].recipie", "unknown key"),
])
def test_bad_input_names_the_element(kwargs, key, fragment):
    with pytest.raises(twin.PlantError, match=fragment) as info:
        ClusterTool("etch7", **kwargs)
    assert info.value.element == "etch7" and info.value.key == key
    assert "element 'etch7'" in str(info.value)


def test_check_catches_a_tool_changed_after_creation():
    p = twin.Plant("cell")
    tool = ClusterTool("etch", steps=[ProcessStep(2, 60.0)])
    p.add(twin.Source("foups"), tool, twin.Sink("out"))
    p.line("foups", "etch", "out")
    p.validate()
    tool.steps = (ProcessStep(2, None),)
    with pytest.raises(twin.PlantError, match="no recipe") as info:
        p.validate()
    assert info.value.element == "etch"


@pytest.mark.parametrize("step, key, fragment", [
    ("{ chambers = 2 }", "steps[0].recipe", "no recipe"),
    ("{ chambers = 0, recipe = 60 }", "steps[0].chambers", "at least one chamber"),
    ("{ chamber = 2, recipe = 60 }", "steps[0].chamber", "did you mean 'chambers'"),
    ("{ chambers = 2, recipe = \"5 m\" }", "steps[0].recipe", "is a length"),
    ("{ chambers = 2, recipe = -3 }", "steps[0].recipe", "negative"),
])
def test_bad_scene_input_names_element_and_key(tmp_path, step, key, fragment):
    path = tmp_path / "bay.toml"
    path.write_text(f"""lines = [["foups", "etch", "out"]]
[elements.foups]
kind = "source"
[elements.etch]
kind = "cluster_tool"
steps = [{step}]
[elements.out]
kind = "sink"
""")
    with pytest.raises(twin.SceneError, match=fragment) as info:
        twin.load_scene(path)
    assert info.value.element == "etch" and info.value.key == key, str(info.value)


def test_scene_units_for_robot_motion(tmp_path):
    path = tmp_path / "bay.toml"
    text = """lines = [["foups", "etch", "out"]]
[elements.foups]
kind = "source"
[elements.etch]
kind = "cluster_tool"
steps = [{ chambers = 2, recipe = "1.5 min" }]
rotate_speed = "3 rad/s"
rotate_acceleration = "%s"
extend_time = "500 ms"
[elements.out]
kind = "sink"
"""
    path.write_text(text % "720 deg/s^2")
    el = twin.load_scene(path).plant["etch"]
    assert el.rotate_speed == 3.0 and el.rotate_acceleration == pytest.approx(4 * math.pi)
    assert el.extend_time == 0.5 and el.steps[0].recipe.mean == 90.0
    path.write_text(text % "720 deg/s")
    with pytest.raises(twin.SceneError, match="angular_speed, but a angular_acceleration") as info:
        twin.load_scene(path)
    assert info.value.key == "rotate_acceleration"
