"""What a line publishes per element, as OPC UA nodes or MQTT topics carry them (twin/live/wire.py):
mapping files checked against the plant, every kind's fields and the crew's round-trip to the observed
snapshot, and values that contradict the plant are rejected with their reason (issue 14.3, 14.4)."""

import math

import pytest

pytest.importorskip("asyncua")
pytest.importorskip("amqtt")

import twin  # noqa: E402
from twin.live import SnapshotError  # noqa: E402
from twin.live.emulator import Emulator  # noqa: E402
from twin.live.service import write_mapping  # noqa: E402
from twin.live.wire import Mapping, MappingError, check_value, default_mapping, from_fields, to_fields  # noqa: E402

from live_support import _press_shop_under_repair, belt_line, line, wafer_cell  # noqa: E402


def test_mapping_files_are_checked_against_the_plant(tmp_path):
    p = line()
    m = default_mapping(p)
    m["opcua"]["nodes"]["ghost"] = {"level": "ns=2;s=ghost.level"}
    with pytest.raises(MappingError, match="no element 'ghost' in plant 'live-line'"):
        Mapping.from_dict(m, p, "opcua", "map.toml")
    m = default_mapping(p)
    m["mqtt"]["topics"]["b1"]["colour"] = "line/b1/colour"
    with pytest.raises(MappingError, match=r"\[mqtt.topics.b1\] colour: not a field of a buffer"):
        Mapping.from_dict(m, p, "mqtt", "map.toml")
    path = write_mapping(p, tmp_path / "map.toml")
    assert Mapping.load(path, p, "opcua").addresses["m1", "state"] == "ns=2;s=m1.state"


def test_belt_and_delay_fields_round_trip_and_the_emulator_notes_elapsed_delays():
    """Every duration fixed (delay 30 s): a part in its delay has elapsed + remaining = 30 s
    (the emulator notes when it started; the kernels keep only when it ends), and the fields of
    the observed snapshot decode to that snapshot exactly (belt positions included)."""
    p = belt_line(False)
    em = Emulator(p, seed=1)
    in_delay = 0
    for t in (20.0, 95.5, 400.0, 1000.3, 2500.0):
        em.advance_to(t)
        full = em.snapshot()
        for part in full.elements["d"].parts:
            if part.status == "processing":
                in_delay += 1
                assert math.isclose(part.elapsed_s + part.remaining_s, 30.0, abs_tol=1e-9), part
        s = full.observed()
        assert s.elements["c"].parts and all(x.position_m is not None for x in s.elements["c"].parts)
        fields = to_fields(s)
        assert {f for (e, f) in fields if e == "c"} == {"state", "part_status", "part_age_s", "part_elapsed_s",
                                                        "part_position_m"}
        assert from_fields(p, fields, em.time_s) == s
    assert in_delay >= 3
    assert check_value(p, "c", "state", "flying").startswith("c.state: unknown state code 'flying'")
    assert check_value(p, "c", "part_position_m", [7.0]) == "c.part_position_m: an item beyond the end of the belt (6 m)"
    assert check_value(p, "c", "part_status", ["processing"] * 13) == "c.part_status: 13 items on a belt that holds 12"
    assert check_value(p, "d", "part_status", ["waiting"]).startswith("d.part_status: unknown state code 'waiting'")
    assert check_value(p, "d", "part_age_s", [1.0, -2.0]) == "d.part_age_s: -2.0 is negative or infinite"
    assert check_value(p, "d", "part_elapsed_s", [1.0, float("nan")]) is None  # NaN: not known


def test_tool_and_robot_fields_round_trip_and_the_emulator_notes_recipe_times():
    """Every duration fixed (recipes 60 and 80 s, pump 15 s, vent 12 s): a chamber processing has
    elapsed + remaining = its recipe and a load lock pumping or venting elapsed + remaining = its
    pump or vent time (the emulator notes when they began: the kernels keep only their ends, and
    a tool controller reports the recipe's elapsed time, which the wire carries as
    chamber_elapsed_s). The fields of the observed snapshot decode to that snapshot exactly (the
    arm's phase, task and claimed part, the tool's wafers in chambers, load locks, arms and
    FOUPs), and values that contradict the tool or the arm are rejected with their reason."""
    p = wafer_cell()
    em = Emulator(p, seed=1)
    seen = set()
    for t in [100.0 + 37.3 * i for i in range(50)]:
        em.advance_to(t)
        full = em.snapshot()
        eq = full.elements["tool"].equipment
        for c in eq["chambers"].values():
            if c["status"] == "processing":
                seen.add("recipe")
                assert min(abs(c["elapsed_s"] + c["remaining_s"] - r) for r in (60.0, 80.0)) < 1e-9, c
        for lock in eq["load_locks"].values():
            if lock["state"] in ("pumping", "venting"):
                seen.add(lock["state"])
                want = 15.0 if lock["state"] == "pumping" else 12.0
                assert math.isclose(lock["elapsed_s"] + lock["remaining_s"], want, abs_tol=1e-9), lock
        seen.add(full.elements["arm"].equipment["phase"])
        s = full.observed()
        fields = to_fields(s)
        assert all(check_value(p, e, f, v) is None for (e, f), v in fields.items())
        assert from_fields(p, fields, em.time_s) == s
    assert seen >= {"recipe", "pumping", "venting", "idle", "to_pick", "carrying"}, seen
    rejected = [
        ("tool", "chamber_status", ["processing", "melting", "empty", "empty"],
         "tool.chamber_status: unknown state code 'melting'"),
        ("tool", "chamber_status", ["processing"] * 5, "tool.chamber_status: 5 values for 4 places"),
        ("tool", "lock_wafer", ["raw"] * 5, "tool.lock_wafer: 5 values for 4 places"),
        ("tool", "part_status", ["processing"] * 3, "tool.part_status: 3 values for 2 places"),
        ("tool", "chamber_port", [0.0, 7.0], "tool.chamber_port: no load port 7 (0 to 1)"),
        ("tool", "vtm_op_station", "step9.chamber1", "tool.vtm_op_station: the tool has no 'step9.chamber1'"),
        ("tool", "held_parts", ["nozzle"], "tool.held_parts: the tool has no 'nozzle'"),
        ("arm", "phase", "dancing", "arm.phase: unknown phase code 'dancing'"),
        ("arm", "state", "asleep", "arm.state: unknown state code 'asleep'"),
        ("arm", "task", "tasks[3]", "arm.task: the robot has no task 'tasks[3]'"),
        ("arm", "at", "tasks[0].middle", "arm.at: the robot has no configuration 'tasks[0].middle'"),
        ("arm", "part_status", ["processing", "processing"], "arm.part_status: 2 parts in a gripper that holds one"),
        ("arm", "phase_elapsed_s", -1.0, "arm.phase_elapsed_s: -1.0 is negative or infinite")]
    for e, f, v, why in rejected:
        assert (check_value(p, e, f, v) or "").startswith(why), (e, f, check_value(p, e, f, v))
    with pytest.raises(SnapshotError, match="element 'tool': chamber_status: 3 values for 4 places"):
        from_fields(p, {**fields, ("tool", "chamber_status"): ["empty"] * 3}, em.time_s)


@pytest.mark.parametrize("scene", ["electronics_assembly", "wafer_bay"])
def test_bundled_scenes_with_robots_and_tools_can_be_emulated_and_restarted_from_the_wire(scene):
    """The bundled scenes with a robot cell (electronics_assembly) and with three cluster tools
    (wafer_bay): every field the emulator serves is plausible and decodes to its observed
    snapshot, and a run restarts from that snapshot."""
    p = twin.load_scene(scene).plant
    em = Emulator(p, seed=1)
    for t in (600.0, 1800.0, 3600.0):
        em.advance_to(t)
        s = em.snapshot().observed()
        fields = to_fields(s)
        assert [check_value(p, e, f, v) for (e, f), v in fields.items() if check_value(p, e, f, v)] == []
        assert from_fields(p, fields, em.time_s) == s
    kinds = {p[name].kind for name in p.elements}
    assert kinds & {"robot", "cluster_tool"}
    assert {e for (e, _) in fields} == set(p.elements)  # every element is on the wire
    res = twin.simulate(p, replicas=10, horizon=1800, progress=False, start=s)
    assert res.per_replica["parts_out"].sum() > 0


def test_health_components_and_the_crew_round_trip_on_the_wire_and_contradictions_are_rejected():
    """Every field the emulator serves for the components and the crew is plausible and decodes
    to its observed snapshot (status, wear, age, uses, readings, the repair's elapsed time, the
    crew's jobs); values a line with these components cannot publish are rejected by reason."""
    p, em, name = _press_shop_under_repair()
    s = em.snapshot().observed()
    fields = to_fields(s, p)
    assert {n for (n, _) in fields} == set(p.elements) | {n for n in s.health} | {"crew"}
    assert [check_value(p, e, f, v) for (e, f), v in fields.items() if check_value(p, e, f, v)] == []
    assert from_fields(p, fields, em.time_s) == s
    comp = s.health[name]
    assert fields["crew", "jobs"][comp["technician"]] == name and comp["work_elapsed_s"] > 0
    assert s.elements[name.split(".")[0]].state == "held"
    rejected = [
        ("press.main_bearing", "status", "melted", "press.main_bearing.status: unknown state code 'melted'"),
        ("press.main_bearing", "wear", -0.1, "press.main_bearing.wear: wear -0.1 is below a new component's 0"),
        ("cnc_a.spindle", "wear", 1.2, "cnc_a.spindle.wear: wear 1.2 is outside [0, 1]"),
        ("belt.drive", "age_s", -5.0, "belt.drive.age_s: -5.0 is negative or infinite"),
        ("belt.drive", "uses", 2.5, "belt.drive.uses: 2.5 is not a whole number"),
        ("belt.drive", "signal", [1.0, 2.0], "belt.drive.signal: 2 readings, expected 3"),
        ("crew", "jobs", ["cnc_a.spindle"], "crew.jobs: 1 technicians, the crew has 2"),
        ("crew", "jobs", ["cnc_a.spindle", "lathe.chuck"], "crew.jobs: unknown component 'lathe.chuck'"),
        ("crew", "queue", ["belt.drive", "belt.drive"], "crew.queue: 'belt.drive' appears twice"),
        ("crew", "wear", 0.5, "crew.wear: not a field of the crew"),
        ("ghost.part", "wear", 0.5, "ghost.part.wear: no element, health component or crew of that name")]
    for e, f, v, why in rejected:
        assert (check_value(p, e, f, v) or "").startswith(why), (e, f, check_value(p, e, f, v))
    assert check_value(p, "press.main_bearing", "signal", [-0.2, 31.0, 4.0]) is None  # readings may be negative
    ok = [n for n, c in s.health.items() if c["status"] == "ok" and not n.startswith("cnc")][0]
    with pytest.raises(SnapshotError, match=f"health component '{ok}': wear 1.5 is at or beyond its failure "
                                            "threshold 1, but the component is ok"):
        from_fields(p, {**fields, (ok, "wear"): 1.5}, em.time_s)
    with pytest.raises(SnapshotError, match=f"health component '{name}': is in repair: it needs its technician"):
        from_fields(p, {**fields, ("crew", "jobs"): ["", ""]}, em.time_s)
