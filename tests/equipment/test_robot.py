"""Robot arms in a plant (twin/equipment/robot.py, kernels/robot.py): a robot-tended cell against a
hand-computed cycle, request order, KPIs, determinism, recordings, bad input and the example scene."""

import itertools
import math

import numpy as np
import pytest

import twin
from checks import assert_matches
from twin.equipment.robot import DH, Robot, Task, configurations, move_table
from twin.scene import load_scene, save_scene
from twin.scenes import scene_path

PI = math.pi
SCENE = "electronics_assembly"


def closed_form(d: float, v: float, a: float) -> float:
    """Minimum rest-to-rest time of one joint over |d| (trapezoid, else triangle)."""
    d = abs(d)
    return d / v + v / a if d >= v * v / a else 2 * math.sqrt(d / a)


def at(angle_deg: float, radius: float = 1.2, z: float = 0.8) -> tuple:
    t = math.radians(angle_deg)
    return (radius * math.cos(t), radius * math.sin(t), z)


def turntable(name="arm", tasks=(), v=1.2, a=3.0, grip=0.6, release=0.4, mass=0.0, payload=0.0, home=0.0, health=()):
    """One vertical joint carrying a 1.2 m link, its tool 0.8 m up: it reaches the circle of radius
    1.2 m, and the joint angle is the polar angle of the target."""
    return Robot(name, dh=DH(a=(1.2,), alpha=(0.0,), d=(0.8,)), max_velocity=v, max_acceleration=a,
                 joint_limits=[(-PI, PI)], home=(home,), link_masses=(mass,), payload=payload, grip_time=grip,
                 release_time=release, position=(0.0, 0.0, 0.0), tasks=list(tasks), health=health)


def tended_cell(mass=0.0, payload=0.0, process=12.0, health=(), crew=None) -> twin.Plant:
    """Saturated source -> robot -> machine -> robot -> sink; the robot loads the machine at 45
    degrees from the source at -60 degrees, unloads it at 60 degrees (the other side of its
    fixture) and puts the part in the sink at 150 degrees."""
    arm = turntable(tasks=[Task("raw", "lathe", at(-60), at(45), orientation="free"),
                           Task("lathe", "done", at(60), at(150), orientation="free")], mass=mass, payload=payload,
                    health=health)
    p = twin.Plant("tended cell", crew=crew)
    p.add(twin.Source("raw"), arm, twin.Machine("lathe", process=twin.Deterministic(process)), twin.Sink("done"))
    p.line("raw", "arm", "lathe", "arm", "done")
    return p


def test_tended_cell_throughput_matches_the_hand_computed_cycle(device):
    """Steady state, by hand. The robot only fetches a raw part when the lathe has room, so one
    cycle (lathe start to lathe start) is: the lathe runs P; the robot, idle at 45 deg since it
    released the last part, moves 45 -> 60 deg, grips, carries the part 60 -> 150 deg, releases
    (the sink took it on arrival), moves 150 -> -60 deg (210 deg, the way through 0), grips,
    carries 45 + 60 = 105 deg to the lathe, which takes it on arrival and starts. Each move lasts
    d/v + v/a (d >= v^2/a = 0.48 rad) or 2 sqrt(d/a), rounded up to whole steps:

        cycle = P + t(15 deg) + g + t(90 deg) + r + t(210 deg) + g + t(105 deg)
              = 12 + 0.5908 + 0.6 + 1.7090 + 0.4 + 3.4543 + 0.6 + 1.9272 = 21.281 s
    """
    dt, v, a, g, r, P = 1e-3, 1.2, 3.0, 0.6, 0.4, 12.0
    moves = [math.radians(d) for d in (15, 90, 210, 105)]
    steps = lambda s: math.ceil(s / dt - 1e-9)  # noqa: E731
    cycle_steps = round(P / dt) + sum(steps(closed_form(d, v, a)) for d in moves) + 2 * round(g / dt) + round(r / dt)
    cycle = cycle_steps * dt
    assert cycle == pytest.approx(21.281, abs=4 * dt)  # each move rounded up to whole steps
    horizon, warmup = 3600.0, 300.0
    res = twin.simulate(tended_cell(), replicas=2, horizon=horizon, warmup=warmup, dt=dt, device=device)
    parts = res.per_replica["parts_out"]
    expected = (horizon - warmup) / cycle  # 155.1 parts
    assert np.all(np.abs(parts - expected) <= 1.0), (parts, expected)
    arm = res.element("arm")
    # the robot waits (starved) from the end of its release at the lathe until the lathe is done
    assert arm["starved"].mean == pytest.approx((P - r) / cycle, abs=2e-3)
    assert arm["utilization"].mean == pytest.approx(1 - (P - r) / cycle, abs=2e-3)
    assert arm["blocked"].mean == 0.0
    assert arm["picks_per_hour"].mean == pytest.approx(2 * 3600 / cycle, abs=2 * 3600 / 3300)
    # a cycle of the robot: claim to end of release, the two tasks in turn
    unload = steps(closed_form(moves[0], v, a)) + steps(closed_form(moves[1], v, a)) + round((g + r) / dt)
    load = steps(closed_form(moves[2], v, a)) + steps(closed_form(moves[3], v, a)) + round((g + r) / dt)
    assert arm["cycle_time_s"].mean == pytest.approx((unload + load) * dt / 2, rel=0.01)
    lathe = res.element("lathe")
    assert lathe["utilization"].mean == pytest.approx(P / cycle, abs=2e-3)


def test_tended_cell_energy_and_peak_torque_in_closed_form(device):
    """A 5 kg point mass at the link's end and a 2 kg part: joint torque = m l^2 qdd, so a move
    with cruise speed vc costs m l^2 vc^2 (no regeneration) and peaks at m l^2 qdd_max. Per
    cycle (two pick-and-places) the four moves above, loaded for 60 -> 150 and -60 -> 45 deg."""
    dt, v, a, l, m, mp = 1e-3, 1.2, 3.0, 1.2, 5.0, 2.0
    res = twin.simulate(tended_cell(mass=m, payload=mp), replicas=2, horizon=3600.0, warmup=300.0, dt=dt,
                        device=device)
    energy, peak = 0.0, 0.0
    for d, mass in zip((15, 90, 210, 105), (m, m + mp, m, m + mp)):
        d = math.radians(d)
        T = math.ceil(closed_form(d, v, a) / dt - 1e-9) * dt
        vc = min(v, 2 * d / T)
        energy += mass * l * l * vc * vc
        peak = max(peak, mass * l * l * vc / (T - d / vc))
    arm = res.element("arm")
    # (moves are counted when they start, cycles when they end: they differ at the window's edges)
    assert arm["energy_per_cycle_j"].mean == pytest.approx(energy / 2, rel=0.01)
    assert arm["peak_torque_nm"].mean == pytest.approx(peak, rel=1e-9)
    assert peak == pytest.approx((m + mp) * l * l * a, rel=2e-3)
    assert arm["power_w"].mean == pytest.approx(arm["energy_per_cycle_j"].mean * arm["picks_per_hour"].mean / 3600,
                                                 rel=0.01)


def test_longest_waiting_part_first_ties_in_predecessor_order(device):
    """Two saturated sources, one robot to a sink. Both parts wait from t = 0: the robot serves
    'first' (connected first) first although 'second' is as near; after that the other source's
    part has always waited longer, so the robot alternates and both sources deliver equally."""
    arm = turntable(tasks=[Task("first", "out", at(0), at(180 - 1), orientation="free"),
                           Task("second", "out", at(90), at(180 - 1), orientation="free")], home=math.radians(45))
    p = twin.Plant("two feeders")
    p.add(twin.Source("first"), twin.Source("second"), arm, twin.Sink("out"))
    p.line("first", "arm", "out")
    p.connect("second", "arm")
    res = twin.simulate(p, replicas=1, horizon=600.0, dt=1e-3, device=device, record=twin.Recording(every=0.1, end=5))
    per = res.per_replica["elements"]
    n1, n2 = per["first"]["throughput_per_hour"][0], per["second"]["throughput_per_hour"][0]
    assert abs(n1 - n2) * 600 / 3600 <= 1.0 and n1 > 0
    joints = res.recording.robots["arm"]["joints"][:, 0]
    assert joints[3] < math.radians(45) - 0.05  # heading for 'first' at 0 deg, not 'second' at 90 deg


def test_robot_waits_at_a_place_another_feeder_filled(device):
    """The press is also fed by a conveyor (a coil part every 8 s). The robot sets off when the
    press has room, but a coil part may get there first: the robot then waits at the press
    holding its part (blocked) until the press takes it. Parts are conserved and the three
    robot states add up to the whole window."""
    arm = turntable(tasks=[Task("blanks", "press", at(-90), at(0), orientation="free")], v=2.0, a=8.0, grip=0.3,
                    release=0.3)
    p = twin.Plant("two feeders")
    p.add(twin.Source("blanks"), twin.Source("coil", interarrival=twin.Deterministic(8.0)), arm,
          twin.Conveyor("belt", length=2.0, speed=0.5, pitch=0.5),
          twin.Machine("press", process=twin.Deterministic(5.0)), twin.Sink("out"))
    p.line("blanks", "arm", "press", "out")
    p.line("coil", "belt", "press")
    res = twin.simulate(p, replicas=2, horizon=3600.0, warmup=0.0, dt=1e-3, device=device)
    arm_kpi = res.element("arm")
    assert arm_kpi["blocked"].mean > 0.05
    total = arm_kpi["utilization"].mean + arm_kpi["blocked"].mean + arm_kpi["starved"].mean
    assert total == pytest.approx(1.0, abs=1e-12)
    pr = res.per_replica
    per = pr["elements"]
    into_press = per["arm"]["throughput_per_hour"] + per["belt"]["throughput_per_hour"]
    np.testing.assert_allclose(into_press - per["press"]["throughput_per_hour"], pr["held_at_end"]["press"],
                               atol=1e-9)
    assert per["belt"]["throughput_per_hour"].min() == pytest.approx(3600 / 8, abs=1)  # the coil is never held up
    inside = sum(v for n, v in pr["held_at_end"].items() if p[n].kind != "source")
    np.testing.assert_array_equal(pr["parts_in"] - pr["parts_out"], inside)


def test_one_pick_several_places_goes_to_the_first_with_room(device):
    """One feeder, two identical slow machines: the robot takes each part to the first machine
    with room, so both machines work and together make twice what one makes."""
    arm = turntable(tasks=[Task("feed", "m1", at(0), at(60), orientation="free"),
                           Task("feed", "m2", at(0), at(-60), orientation="free"),
                           Task("m1", "out", at(60), at(180 - 1), orientation="free"),
                           Task("m2", "out", at(-60), at(180 - 1), orientation="free")], v=3.0, a=10.0, grip=0.2,
                    release=0.2)
    p = twin.Plant("two machines")
    p.add(twin.Source("feed"), arm, twin.Machine("m1", process=twin.Deterministic(40.0)),
          twin.Machine("m2", process=twin.Deterministic(40.0)), twin.Sink("out"))
    p.line("feed", "arm", "m1", "arm", "out")
    p.line("arm", "m2", "arm")
    res = twin.simulate(p, replicas=1, horizon=3600.0, warmup=300.0, dt=1e-3, device=device)
    per = res.per_replica["elements"]
    m1, m2 = per["m1"]["throughput_per_hour"][0], per["m2"]["throughput_per_hour"][0]
    assert abs(round(m1 * 3300 / 3600) - round(m2 * 3300 / 3600)) <= 1
    assert res.element("m1")["utilization"].mean > 0.8 and res.element("m2")["utilization"].mean > 0.8


def test_recording_shapes_and_links_follow_forward_kinematics():
    """The example scene's robot, recorded every 0.1 s for a minute: joint angles [F, 6], frame
    origins [F, 7, 3] equal to a numpy FK of the recorded angles, the TCP at every task pose at
    some frame (the arm rests there while it grips or releases), and joint speeds within limits."""
    scene = load_scene(scene_path(SCENE))
    rob: Robot = scene.plant["test_cell_robot"]
    res = scene.plant.simulate(replicas=2, horizon=1200.0, warmup=0.0, seed=1, device="cpu",
                               record=twin.Recording(replica=1, start=1000.0, end=1060.0, every=0.1))
    rec = res.recording.robots["test_cell_robot"]
    F = res.recording.frames
    assert rec["joints"].shape == (F, 6) and rec["links"].shape == (F, 7, 3) and rec["tcp"].shape == (F, 3)
    assert rec["holding"].shape == (F,) and set(np.unique(rec["holding"])) <= {0, 1}
    assert rec["holding"].any() and not rec["holding"].all()
    dh = rob.dh.rows()
    yaw, base = rob.base_yaw, rob.base_position
    for f in range(F):
        T = np.eye(4)
        T[:3, :3] = [[math.cos(yaw), -math.sin(yaw), 0], [math.sin(yaw), math.cos(yaw), 0], [0, 0, 1]]
        T[:3, 3] = base
        pts = [T[:3, 3].copy()]
        for (a, alpha, d, off), q in zip(dh, rec["joints"][f]):
            ct, st, ca, sa = math.cos(q + off), math.sin(q + off), math.cos(alpha), math.sin(alpha)
            T = T @ np.array([[ct, -st * ca, st * sa, a * ct], [st, ct * ca, -ct * sa, a * st], [0, sa, ca, d],
                              [0, 0, 0, 1]])
            pts.append(T[:3, 3].copy())
        np.testing.assert_allclose(rec["links"][f], pts, atol=1e-9)
        np.testing.assert_allclose(rec["tcp"][f], (T @ np.array([*rob.tcp_offset, 1.0]))[:3], atol=1e-9)
    for task in rob.tasks:
        for pose in (task.pick_pose, task.place_pose):
            assert np.linalg.norm(rec["tcp"] - np.array(pose), axis=1).min() < 1e-3
    speed = np.abs(np.diff(rec["joints"], axis=0)) / 0.1
    assert np.all(speed <= np.array(rob.max_velocity) * (1 + 1e-6))
    lo, hi = rob.limits
    assert np.all(rec["joints"] >= lo) and np.all(rec["joints"] <= hi)


# ---- the example scene ---------------------------------------------------------------------------
def test_example_scene_loads_and_is_laid_out():
    scene = load_scene(scene_path(SCENE))
    plant = scene.plant
    assert {"replicas", "horizon", "warmup", "seed"} <= set(scene.study)
    assert scene.study["horizon"] == 8 * 3600 and scene.study["warmup"] == 3600
    robots = [el for el in plant if isinstance(el, Robot)]
    assert len(robots) == 1 and len(robots[0].tasks) == 3
    tended = {t.place for t in robots[0].tasks} & {t.pick for t in robots[0].tasks}
    assert tended == {"ict_tester", "depaneler"} and all(plant[n].kind == "machine" for n in tended)
    assert sum(el.kind == "conveyor" for el in plant) >= 6
    boxes = [(n, el.position, el.size) for n, el in plant.elements.items()]
    assert all(pos is not None and size is not None for _, pos, size in boxes)
    for (a, pa, sa), (b, pb, sb) in itertools.combinations(boxes, 2):
        overlap = abs(pa[0] - pb[0]) < (sa[0] + sb[0]) / 2 and abs(pa[1] - pb[1]) < (sa[1] + sb[1]) / 2
        assert not overlap, f"{a} and {b} overlap"
    for u, v in plant.graph.edges:
        rejects = v == "rework_bench"
        if not plant.graph.has_edge(v, u) and not rejects:
            assert plant[v].position[0] > plant[u].position[0], f"{u} -> {v} runs right to left"
    # units: degrees in the file, radians inside
    assert robots[0].dh.alpha[0] == pytest.approx(PI / 2) and robots[0].max_velocity[0] == pytest.approx(2 * PI / 3)
    assert robots[0].max_acceleration[0] == pytest.approx(math.radians(300))


def test_example_scene_round_trips(tmp_path):
    scene = load_scene(scene_path(SCENE))
    out = save_scene(scene.plant, tmp_path / "copy.toml", **scene.study)
    again = load_scene(out)
    assert list(again.plant.elements.items()) == list(scene.plant.elements.items())
    assert list(again.plant.graph.edges(data="probability")) == list(scene.plant.graph.edges(data="probability"))
    save_scene(again.plant, tmp_path / "copy2.toml", **again.study)
    assert (tmp_path / "copy2.toml").read_text() == out.read_text()


def test_example_scene_runs_from_the_command_line(tmp_path, capsys):
    from twin.cli import main
    out = tmp_path / "res.json"
    assert main(["run", SCENE, "--replicas", "8", "--horizon", "3h", "--warmup", "30min", "--device", "cpu",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "test_cell_robot" in text and "robot" in text
    import json
    d = json.load(open(out))
    rob = d["elements"]["test_cell_robot"]
    assert rob["kind"] == "robot"
    for k in ("utilization", "blocked", "starved", "picks_per_hour", "cycle_time_s", "energy_per_cycle_j", "power_w",
              "peak_torque_nm", "throughput_per_hour"):
        assert rob[k]["mean"] is not None and rob[k]["mean"] >= 0, k
    assert 0.1 < rob["utilization"]["mean"] < 0.5
    # three pick-and-places per panel that reaches packing
    assert rob["picks_per_hour"]["mean"] == pytest.approx(3 * d["elements"]["packing"]["throughput_per_hour"]["mean"],
                                                          rel=0.02)
    assert d["bottleneck"]["element"] == "ict_tester"
    assert main(["check", SCENE]) == 0


def test_determinism_and_conservation_with_a_robot():
    scene = load_scene(scene_path(SCENE))
    a = scene.plant.simulate(replicas=8, horizon=4000.0, warmup=600.0, seed=5, device="cpu")
    b = scene.plant.simulate(replicas=8, horizon=4000.0, warmup=600.0, seed=5, device="cpu")
    c = scene.plant.simulate(replicas=3, horizon=4000.0, warmup=600.0, seed=5, device="cpu")
    ea, eb, ec = (r.per_replica["elements"]["test_cell_robot"] for r in (a, b, c))
    for k in ea:
        np.testing.assert_array_equal(ea[k], eb[k])
        np.testing.assert_array_equal(ea[k][:3], ec[k])
    np.testing.assert_array_equal(a.per_replica["parts_out"], b.per_replica["parts_out"])
    # every part that entered is in some element (the robot included) or has left
    pr = scene.plant.simulate(replicas=4, horizon=4000.0, warmup=0.0, seed=5, device="cpu").per_replica
    inside = sum(v for n, v in pr["held_at_end"].items() if scene.plant[n].kind != "source")  # a source's part
    np.testing.assert_array_equal(pr["parts_in"] - pr["parts_out"], inside)                # has not entered yet
    assert np.all(pr["held_at_end"]["test_cell_robot"] <= 1)


# ---- bad input -----------------------------------------------------------------------------------
UR = dict(dh=DH(a=(0.0, -0.425, -0.3922, 0.0, 0.0, 0.0), alpha=(PI / 2, 0.0, 0.0, PI / 2, -PI / 2, 0.0),
                d=(0.1625, 0.0, 0.0, 0.1333, 0.0997, 0.0996)),
          max_velocity=PI, max_acceleration=2 * PI, home=(0.0, -PI / 2, PI / 2, -PI / 2, -PI / 2, 0.0),
          tasks=[Task("in", "out", (0.4, 0.1, 0.2), (0.3, -0.4, 0.2))])


@pytest.mark.parametrize("change, key, fragment", [
    ({"dh": [[0, PI / 2, 0.16, 0], [-0.425, 0, 0]]}, "dh[1]", "row 1 has 3 values"),
    ({"dh": DH(a=(0.1, 0.2), alpha=(0.0,), d=(0.0, 0.0))}, "dh.alpha", "has 1 entries but dh.a has 2"),
    ({"dh": DH(a=(0.1,) * 9, alpha=(0.0,) * 9, d=(0.0,) * 9)}, "dh", "1 to 8 joints"),
    ({"joint_limits": [(-1, 1)] * 5 + [(2.0, 1.0)]}, "joint_limits[5]", "lower limit 2 rad is above the upper"),
    ({"joint_limits": [(-1, 1)] * 5}, "joint_limits", "one [lo, hi] pair"),
    ({"max_velocity": (1, 1, 1, 0, 1, 1)}, "max_velocity[3]", "must be positive"),
    ({"max_acceleration": -2.0}, "max_acceleration[0]", "must be positive"),
    ({"max_velocity": (1, 1, 1)}, "max_velocity", "has 3 values but the arm has 6 joints"),
    ({"link_masses": (3, 8, 2, 1, -1, 0.2)}, "link_masses[4]", "must not be negative"),
    ({"payload": -0.5}, "payload", "must not be negative"),
    ({"home": (0, 0, 4, 0, 0, 0), "joint_limits": [(-PI, PI)] * 6}, "home", "outside its limits"),
    ({"grip_time": -1}, "grip_time", "must not be negative"),
    ({"profile": "s_curve"}, "profile", "must be one of trapezoid"),
    ({"tasks": []}, "tasks", "at least one task"),
    ({"tasks": [Task("in", "in", (0.4, 0, 0.2), (0.3, 0, 0.2))]}, "tasks[0]", "same element"),
    ({"tasks": [Task("in", "out", (0.4, 0, 0.2), (0.3, 0))]}, "tasks[0].place_pose", "three numbers"),
    ({"tasks": [{"pick": "in", "place": "out", "pick_pose": (0.4, 0, 0.2)}]}, "tasks[0].place_pose", "needs"),
    ({"tasks": [Task("in", "out", (0.4, 0, 0.2), (0.3, 0, 0.2), orientation="sideways")]}, "tasks[0].orientation",
     "down, free"),
])
def test_bad_robot_specs_name_the_robot_and_the_key(change, key, fragment):
    with pytest.raises(twin.PlantError) as info:
        Robot("cell_robot", **{**UR, **change})
    msg = str(info.value)
    assert "element 'cell_robot'" in msg and f"key '{key}'" in msg and fragment in msg, msg


def robot_plant(robot: Robot, extra_edges=()) -> twin.Plant:
    p = twin.Plant("p")
    p.add(twin.Source("in"), robot, twin.Sink("out"))
    p.line("in", robot.name, "out")
    for u, v in extra_edges:
        p.connect(u, v)
    return p


def test_connection_checks_name_the_robot():
    r = Robot("cell_robot", **{**UR, "tasks": [Task("feeder", "out", (0.4, 0.1, 0.2), (0.3, -0.4, 0.2)),
                                                Task("in", "out", (0.4, 0.1, 0.2), (0.3, -0.4, 0.2))]})
    p = robot_plant(r)
    p.add(twin.Source("feeder"))
    with pytest.raises(twin.PlantError, match=r"element 'cell_robot', key 'tasks\[0\].pick': task 0 picks at "
                                              r"'feeder', which is not an input of this robot"):
        p.validate()
    r = Robot("cell_robot", **UR)
    p = robot_plant(r)
    p.add(twin.Source("in2"), twin.Machine("m", process=1.0))
    p.line("in2", "m", "cell_robot")
    with pytest.raises(twin.PlantError, match=r"element 'cell_robot'.*'m' is an input of this robot but no task "
                                              r"picks there"):
        p.validate()
    r = Robot("cell_robot", **{**UR, "tasks": [Task("in", "nowhere", (0.4, 0.1, 0.2), (0.3, -0.4, 0.2))]})
    with pytest.raises(twin.PlantError, match=r"element 'cell_robot', key 'tasks\[0\].place': task 0 places at "
                                              r"'nowhere', but there is no element of that name"):
        robot_plant(r).validate()


def test_unreachable_task_pose_is_a_compile_error_naming_robot_and_target():
    r = Robot("cell_robot", **{**UR, "tasks": [Task("in", "out", (0.4, 0.1, 0.2), (0.3, -1.4, 0.2))]})
    p = robot_plant(r)
    p.validate()  # the plant is wired correctly; the pose is checked when the kinematics run
    with pytest.raises(twin.PlantError) as info:
        p.compile(device="cpu")
    msg = str(info.value)
    assert "element 'cell_robot'" in msg and "key 'tasks[0].place_pose'" in msg and "out of reach" in msg
    assert "(0.3, -1.4, 0.2) m" in msg


def test_scene_file_errors_name_the_robot(tmp_path):
    text = (scene_path(SCENE).read_text()
            .replace('max_acceleration = ["300 deg/s^2"', 'max_acceleration = ["300 deg/s"'))
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(twin.SceneError, match=r"element 'test_cell_robot', key 'max_acceleration\[0\]': "
                                              r"'300 deg/s' is a angular_speed, but a angular_acceleration"):
        load_scene(path)
    text = scene_path(SCENE).read_text().replace('pick = "depaneler"', 'pick = "depanel"')
    path.write_text(text)
    with pytest.raises(twin.SceneError, match=r"element 'test_cell_robot', key 'tasks\[2\].pick': task 2 picks at "
                                              r"'depanel', but there is no element of that name \(did you mean "
                                              r"'depaneler'\?\)"):
        load_scene(path)
    text = scene_path(SCENE).read_text().replace('place_pose = [19.95, 0, 0.97]', 'place_pose = [19.95, 0]')
    path.write_text(text)
    with pytest.raises(twin.SceneError, match=r"element 'test_cell_robot', key 'tasks\[2\].place_pose'"):
        load_scene(path)


def test_configurations_and_move_table_of_the_example_robot():
    """Every task pose is solved within 1 mm; moves are symmetric and zero on the diagonal."""
    rob = load_scene(scene_path(SCENE)).plant["test_cell_robot"]
    conf = configurations(rob)
    assert conf.shape == (7, 6)
    from twin.equipment.robot import forward_kinematics
    pts, _ = forward_kinematics(rob, conf[1:])
    poses = [p for t in rob.tasks for p in (t.pick_pose, t.place_pose)]
    assert np.abs(pts[:, -1] - np.array(poses)).max() < 1e-6
    tab = move_table(rob, conf, 2e-4)
    steps = tab["steps"].reshape(7, 7)
    np.testing.assert_array_equal(steps, steps.T)
    assert np.all(np.diag(steps) == 0)
    assert np.all(tab["energy"][:, 1] >= tab["energy"][:, 0] - 1e-9)  # a payload never makes a move cheaper here


# ---- health ----------------------------------------------------------------------------------------
def health_cell(component, *, mass=0.0, payload=0.0) -> twin.Plant:
    """The tended cell with ``component`` on the robot and a crew of one."""
    from twin.maintenance import Crew
    return tended_cell(mass=mass, payload=payload, health=(component,), crew=Crew(technicians=1))


def lathe_cycle(dt=1e-3, v=1.2, a=3.0, g=0.6, r=0.4, P=12.0) -> float:
    """The tended cell's hand-computed cycle (two pick-and-places), as in the throughput test."""
    moves = [math.radians(d) for d in (15, 90, 210, 105)]
    steps = sum(math.ceil(closed_form(d, v, a) / dt - 1e-9) for d in moves) + round(P / dt) + round((2 * g + r) / dt)
    return steps * dt


def test_robot_cycle_wear_fails_it_after_the_expected_cycles(device):
    """Usage wear by cycles: 0.005 per pick-and-place (gamma, cv 0.2), failure at wear 1, i.e.
    after 200 + (1 + cv^2)/2 = 200.52 cycles on average (the overshoot of a renewal count). The
    robot makes two cycles per lathe cycle of 21.281 s, so it fails at 0.5927 h on average; the
    failure is found at the next 60 s update (the allowance). While it is repaired (10 min) it is
    down, and its time shares still add up to one."""
    from twin.maintenance import HealthComponent, SensorModel, UsageWear
    c = HealthComponent("gearbox", UsageWear(0.005, cv=0.2), repair=600.0, service=300.0,
                        sensors=SensorModel(period=60.0))
    res = twin.simulate(health_cell(c), replicas=100, horizon=4 * 3600.0, dt=1e-3, seed=4, device=device)
    first = res.maintenance["components"]["arm.gearbox"]["first_failure_h"]
    assert_matches(first, 200.52 * lathe_cycle() / 2 / 3600.0, bias=60.0 / 3600.0, what="first robot failure")
    arm = res.element("arm")
    assert arm["down"].mean > 0.05
    total = sum(res.per_replica["elements"]["arm"][k] for k in ("utilization", "blocked", "starved", "down",
                                                                 "service"))
    np.testing.assert_allclose(total, 1.0, atol=1e-9)
    # the cell makes nothing while its only robot is down: throughput falls by about the down share
    healthy = twin.simulate(tended_cell(), replicas=2, horizon=4 * 3600.0, dt=1e-3, seed=4, device=device)
    ratio = res.throughput.mean / healthy.throughput.mean
    assert ratio == pytest.approx(1.0 - arm["down"].mean, abs=0.03)


def test_robot_load_wear_follows_joint_work(device):
    """Usage wear by load: 0.01 per kJ of joint work (cv 0.2), failure after 100.52 kJ on
    average. With a 5 kg link mass and a 2 kg part the joint work per lathe cycle is the closed
    form of the energy test (m l^2 vc^2 per move); a heavier payload wears the arm faster."""
    from twin.maintenance import HealthComponent, SensorModel, UsageWear
    dt, v, a, l, m, mp = 1e-3, 1.2, 3.0, 1.2, 5.0, 2.0
    energy = 0.0
    for d, mass in zip((15, 90, 210, 105), (m, m + mp, m, m + mp)):
        d = math.radians(d)
        T = math.ceil(closed_form(d, v, a) / dt - 1e-9) * dt
        energy += mass * l * l * min(v, 2 * d / T) ** 2
    c = HealthComponent("joint1", UsageWear(0.01, cv=0.2, usage="load"), repair=600.0, service=300.0,
                        sensors=SensorModel(period=60.0))
    res = twin.simulate(health_cell(c, mass=m, payload=mp), replicas=100, horizon=40 * 3600.0, dt=dt, seed=6,
                        device=device)
    first = res.maintenance["components"]["arm.joint1"]["first_failure_h"]
    expected = 100.52e3 / energy * lathe_cycle() / 3600.0
    assert_matches(first, expected, bias=(60.0 + lathe_cycle()) / 3600.0, what="first failure by joint work")
    heavy = twin.simulate(health_cell(c, mass=m, payload=4 * mp), replicas=100, horizon=40 * 3600.0, dt=dt, seed=6,
                          device=device)
    assert heavy.maintenance["components"]["arm.joint1"]["first_failure_h"].mean < 0.9 * first.mean


def test_a_stopped_robot_pauses_its_move_and_loses_no_part():
    """Weibull lives on the calendar clock stop the robot at random moments (often mid-move): every
    part is still accounted for, the robot never holds more than one, and the recording shows it
    down while it is repaired."""
    from twin.maintenance import HealthComponent, SensorModel, WeibullLife
    c = HealthComponent("drive", WeibullLife(2.0, 900.0), clock="calendar", repair=120.0, service=60.0,
                        sensors=SensorModel(period=30.0))
    plant = health_cell(c)
    res = twin.simulate(plant, replicas=6, horizon=2 * 3600.0, warmup=0.0, dt=1e-3, seed=8, device="cpu",
                        record=twin.Recording(replica=0, start=0.0, end=7200.0, every=5.0))
    pr = res.per_replica
    inside = sum(v for n, v in pr["held_at_end"].items() if plant[n].kind != "source")
    np.testing.assert_array_equal(pr["parts_in"] - pr["parts_out"], inside)
    assert np.all(pr["held_at_end"]["arm"] <= 1)
    assert np.all(res.maintenance["components"]["arm.drive"]["failures"].mean > 3)
    from twin.recording import STATUS_NAMES
    arm = res.recording.names.index("arm")
    down_share = np.mean(res.recording.status[:, arm] == STATUS_NAMES.index("down"))
    assert down_share == pytest.approx(pr["elements"]["arm"]["down"][0], abs=0.05)


def test_load_wear_on_a_machine_is_an_error_naming_it():
    from twin.maintenance import HealthComponent, UsageWear
    p = twin.Plant("bad")
    worn = HealthComponent("x", UsageWear(0.01, usage="load"), repair=60.0, service=60.0)
    p.add(twin.Source("in"), twin.Machine("m", process=10.0, health=[worn]), twin.Sink("out"))
    p.line("in", "m", "out")
    with pytest.raises(twin.PlantError, match=r"element 'm'.*usage.*load"):
        p.compile(device="cpu")


def test_robot_health_round_trips_through_a_scene_file(tmp_path):
    from twin.maintenance import HealthComponent, UsageWear
    c = HealthComponent("gearbox", UsageWear(0.005, cv=0.2, usage="load"), repair=600.0, service=300.0)
    plant = health_cell(c)
    again = load_scene(save_scene(plant, tmp_path / "cell.toml")).plant
    assert again["arm"].health == (c,) and again["arm"] == plant["arm"]


def test_a_component_on_the_only_joint_wears_as_on_the_whole_arm(device):
    """On a one-joint arm, load wear of joint1 is the arm's joint work: same seed, same lives."""
    from twin.maintenance import HealthComponent, SensorModel, UsageWear

    def first_failures(part):
        c = HealthComponent("drive", UsageWear(0.01, cv=0.2, usage="load"), repair=600.0, service=300.0,
                            sensors=SensorModel(period=60.0), part=part)
        res = twin.simulate(health_cell(c, mass=5.0, payload=2.0), replicas=8, horizon=30 * 3600.0, dt=1e-3, seed=6,
                            device=device)
        return res.per_replica["maintenance"]["components"]["arm.drive"]["first_failure_h"]

    whole, joint = first_failures(""), first_failures("joint1")
    assert np.all(np.isfinite(joint)) and np.array_equal(whole, joint)


def test_joint_work_counters_follow_the_move_table(device):
    """The six-joint arm of the example scene: each joint's work counter equals the moves it made
    times that joint's tabulated work per move (within the rounding to whole millijoules, half a
    millijoule per move), and the joints' works add up to the arm's. A component on a joint wears
    by that joint's work only."""
    from equipment.tool_invariants import run_state
    from twin.equipment.robot import _host
    from twin.kernels import health_layout as hl
    from twin.maintenance import HealthComponent, SensorModel, UsageWear
    plant = load_scene(scene_path(SCENE)).plant
    robot = plant["test_cell_robot"]
    robot.health = tuple(HealthComponent(f"j{j}", UsageWear(1e-9, usage="load"), repair=60.0, service=60.0,
                                         part=f"joint{j}", sensors=SensorModel(period=1.0)) for j in (2, 6))
    model, a = run_state(plant, 2 * 3600.0, replicas=3, seed=2, device=device)
    h = _host(model)
    b = 0
    C = int(h["n_conf"][b])
    j0, j1 = int(h["joint_start"][b]), int(h["joint_start"][b + 1])
    arm_table = h["move_energy"][h["move_start"][b]:h["move_start"][b] + C * C]                   # [pairs, 2]
    table = h["move_joint_energy"][h["move_start"][b]:h["move_start"][b] + C * C, :, :j1 - j0]   # [pairs, 2, J]
    moves = a["robot.moves"][:, b, :2 * C * C].reshape(-1, C * C, 2)                              # [R, pairs, 2]
    assert moves.sum() > 100
    expected_mj = np.einsum("rpl,plj->rj", moves, table) * 1000.0
    counted = a["robot.joint_mj"][:, j0:j1]
    slack = 0.5 * moves.sum(axis=(1, 2))[:, None] + 1e-6
    assert np.all(np.abs(counted - expected_mj) <= slack)
    arm_mj = np.einsum("rpl,pl->r", moves, arm_table) * 1000.0
    assert np.all(np.abs(counted.sum(axis=1) - arm_mj) <= (j1 - j0) * slack[:, 0])
    np.testing.assert_allclose(table.sum(axis=2), arm_table, rtol=1e-12, atol=1e-12)
    assert counted.min() >= 0 and counted.max() > 0
    # the components' use counters (at their last update, at most a second before the end) are
    # their joints' work, and the two joints' differ
    uses = a["health.i64"][:, :2, hl.H_USES]
    shoulder, wrist = counted[:, 1], counted[:, 5]
    assert np.all(np.abs(uses[:, 0] - shoulder) <= 0.01 * shoulder) and np.all(np.abs(uses[:, 1] - wrist) <= 0.01 * wrist)
    assert np.all(np.abs(shoulder - wrist) > 0.1 * np.maximum(shoulder, wrist))


def test_a_robot_part_must_be_one_of_its_joints():
    from twin.maintenance import HealthComponent, UsageWear
    c = HealthComponent("x", UsageWear(0.01, usage="load"), repair=60.0, service=60.0, part="joint7")
    with pytest.raises(twin.PlantError, match=r"element 'arm'.*health\[x\]\.part.*'joint7'.*joint1, joint2"):
        Robot("arm", **{**UR, "health": [c]})
