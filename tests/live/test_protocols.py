"""The live twin over OPC UA and MQTT, emulator and twin in one process on 127.0.0.1 (issue
14.3, 14.4). Every wait is a bounded loop; every test has a hard timeout through asyncio."""

import asyncio
import contextlib
import json
import math
import socket

import pytest

pytest.importorskip("asyncua")
pytest.importorskip("amqtt")

import twin  # noqa: E402
from twin.cli import main  # noqa: E402
from twin.live import SnapshotError  # noqa: E402
from twin.live.emulator import Emulator  # noqa: E402
from twin.live.mqtt import FieldBroker, MqttSync  # noqa: E402
from twin.live.opcua import FieldServer, OpcuaSync  # noqa: E402
from twin.live.service import emulate, sync, write_mapping  # noqa: E402
from twin.live.wire import Mapping, MappingError, check_value, default_mapping, from_fields, to_fields  # noqa: E402

from live_support import belt_line, line, wafer_cell  # noqa: E402

HOST = "127.0.0.1"  # loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


async def until(cond, seconds: float, what: str):
    for _ in range(int(seconds / 0.05)):
        if cond():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@contextlib.asynccontextmanager
async def following(client, em, mapping):
    """The sync client running and in step with the emulator (its time, every mapped value);
    stopped on leaving."""
    stop = asyncio.Event()
    task = asyncio.create_task(client.run(stop))
    try:
        await until(lambda: client.time_s == em.time_s and len(client.values) == len(mapping.addresses), 20, "sync")
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def _sync_drop_restore(make_server, make_client, protocol, plant=None):
    """The twin's snapshot equals the emulator's at the same moment, before and after the
    server goes away and comes back (the twin keeps the old snapshot while it is away); a
    forecast runs from it and is published back."""
    p = plant or line()
    em = Emulator(p, seed=3)
    em.advance_to(3600)
    mapping = Mapping.from_dict(default_mapping(p), p, protocol)
    server = await make_server(p, em, mapping)
    client = make_client(p, server.url, mapping)
    try:
        async with following(client, em, mapping):
            await asyncio.sleep(0.3)
            before = em.snapshot().observed()
            assert client.snapshot() == before
            f = twin.forecast(p, client.snapshot(), until="1h", replicas=100, target=40)
            assert await client.write_forecast(json.dumps(f.to_dict()))
            await server.stop()
            await until(lambda: not client.connected, 20, "the drop to be noticed")
            assert client.snapshot() == before  # what it knew is kept
            em.advance_to(7200)
            server = await make_server(p, em, mapping, port=server.port)
            await until(lambda: client.connected and client.time_s == em.time_s, 30, "reconnection")
            await asyncio.sleep(0.3)
            assert client.connections == 2
            assert client.snapshot() == em.snapshot().observed() != before
            return client
    finally:
        await server.stop()


async def _opcua_server(p, em, mapping, port=None):
    srv = FieldServer(p.name, to_fields(em.snapshot().observed(), p), port or free_port(), HOST)
    await srv.start()
    await srv.publish(to_fields(em.snapshot().observed(), p), em.time_s)
    return srv


async def _mqtt_server(p, em, mapping, port=None):
    br = FieldBroker(port or free_port(), HOST)
    await br.start(mapping.addresses, mapping.clock)
    await br.publish(to_fields(em.snapshot().observed(), p), em.time_s)
    return br


def test_opcua_twin_follows_the_emulator_through_a_dropped_connection():
    client = run(_sync_drop_restore(_opcua_server, lambda p, url, m: OpcuaSync(p, url, m), "opcua"))
    assert client.rejected == []


def test_mqtt_twin_follows_the_emulator_through_a_dropped_connection():
    client = run(_sync_drop_restore(_mqtt_server, lambda p, url, m: MqttSync(p, url, m), "mqtt"))
    assert client.rejected == []


def test_values_that_contradict_the_plant_are_rejected_and_a_missing_node_is_an_error():
    async def go():
        p = line()
        em = Emulator(p, seed=3)
        em.advance_to(1800)
        mapping = Mapping.from_dict(default_mapping(p), p, "opcua")
        srv = await _opcua_server(p, em, mapping)
        client = OpcuaSync(p, srv.url, mapping)
        try:
            async with following(client, em, mapping):
                level = client.values["b1", "level"]
                await srv.publish({("b1", "level"): 99, ("m1", "state"): "exploding"}, em.time_s + 1)
                await until(lambda: len(client.rejected) >= 2, 10, "the rejections")
                assert any("b1.level: 99 parts is above its capacity 5" in r for r in client.rejected)
                assert any("m1.state: unknown state code 'exploding'" in r for r in client.rejected)
                assert client.values["b1", "level"] == level  # the last good value is kept
                # a mapping naming a node the server does not have
                bad = default_mapping(p)
                bad["opcua"]["nodes"]["m1"]["state"] = "ns=2;s=m1.no_such_node"
                other = OpcuaSync(p, srv.url, Mapping.from_dict(bad, p, "opcua", "map.toml"))
                with pytest.raises(MappingError, match="map.toml: m1 state: node ns=2;s=m1.no_such_node is not on the server"):
                    await other.run(asyncio.Event())
        finally:
            await srv.stop()
    run(go())


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


def test_emulate_and_sync_services_publish_a_forecast(tmp_path):
    """``twin emulate`` and ``twin sync`` as services (bounded): the sync publishes a forecast
    to the emulator's OPC UA forecast node and to a file."""
    async def go():
        p = line()
        port = free_port()
        mapping = write_mapping(p, tmp_path / "map.toml")
        lines = []
        em_task = asyncio.create_task(emulate(p, opcua_port=port, speed=600.0, seed=1, status=lines.append))

        def up():
            try:
                with socket.create_connection((HOST, port), timeout=0.2):
                    return True
            except OSError:
                return False
        try:
            await until(lambda: up() or em_task.done(), 40, "the emulator's server")
            await asyncio.sleep(0.5)
            out = tmp_path / "f.json"
            f = await sync(p, mapping, opcua=f"opc.tcp://{HOST}:{port}/twin/", every_s=0.5, until_s=1800,
                           replicas=50, cycles=2, out=out, status=lines.append)
            d = json.loads(out.read_text())
            assert d["format"] == "twin-forecast/1" and d["replicas"] == 50
            assert f.snapshot.time_s > 0
            assert any(s.startswith("[connected] line t =") for s in lines)
        finally:
            em_task.cancel()
            try:
                await em_task
            except asyncio.CancelledError:
                pass
    run(go(), timeout=150)


def test_cli_one_line_errors(tmp_path, capsys):
    p = line()
    write_mapping(p, tmp_path / "map.toml")
    port = free_port()  # nothing listens there
    code = main(["sync", "balanced_line", "--opcua", f"opc.tcp://{HOST}:{port}/", "--mapping", str(tmp_path / "map.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("twin: error:") and "no element" in err[-1]
    scene = twin.load_scene(twin.scenes.scene_path("balanced_line")).plant
    write_mapping(scene, tmp_path / "bl.toml")
    code = main(["sync", "balanced_line", "--opcua", f"opc.tcp://{HOST}:{port}/", "--mapping", str(tmp_path / "bl.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith(f"twin: error: cannot reach OPC UA server opc.tcp://{HOST}:{port}/")
    code = main(["sync", "balanced_line", "--mqtt", f"mqtt://{HOST}:{port}/", "--mapping", str(tmp_path / "bl.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith(f"twin: error: cannot reach MQTT broker mqtt://{HOST}:{port}/")


# ---- kinds beyond the basic four: a conveyor and a delay on the wire (their kernel modules' wire hooks) ----
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


def test_opcua_twin_follows_an_emulated_line_with_a_belt_and_a_delay():
    """The loopback test of the basic line, on a line with a conveyor and a delay (random
    durations, failures): the twin's snapshot equals the emulator's before and after a dropped
    connection, and a forecast runs from it."""
    p = belt_line(True, random=True)
    assert set(Mapping.from_dict(default_mapping(p), p, "opcua").addresses) >= {("c", "part_position_m"),
                                                                                 ("d", "part_elapsed_s")}
    client = run(_sync_drop_restore(_opcua_server, lambda p, url, m: OpcuaSync(p, url, m), "opcua", plant=p))
    assert client.rejected == []
    snap = client.snapshot()
    assert snap.elements["c"].parts and snap.elements["c"].parts[0].position_m is not None
    res = twin.simulate(p, replicas=50, horizon=600, progress=False, start=snap)
    assert res.per_replica["parts_out"].sum() > 0


# ---- a cluster tool and a robot arm on the wire (kernels/cluster_tool.py, kernels/robot.py wire hooks) ----
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


def test_opcua_twin_follows_an_emulated_wafer_cell_with_a_tool_and_a_robot():
    """The loopback test on a cell with a cluster tool and a robot arm (random recipes, pump
    times, arrivals and machine): over OPC UA the twin's snapshot equals the emulator's before
    and after a dropped connection, and forecasts and restarts run from it (recipes under way
    are conditioned on the elapsed times the wire carries)."""
    p = wafer_cell(random=True)
    client = run(_sync_drop_restore(_opcua_server, lambda p, url, m: OpcuaSync(p, url, m), "opcua", plant=p))
    assert client.rejected == []
    snap = client.snapshot()
    assert snap.wip() > 0 and snap.elements["tool"].equipment["chambers"]
    res = twin.simulate(p, replicas=50, horizon=1800, progress=False, start=snap)
    assert res.per_replica["parts_out"].sum() > 0


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


# ---- health components and the maintenance crew on the wire (kernels/health.py wire hooks) ----------
def _lognormal_cdf(x: float, mean: float, cv: float) -> float:
    s2 = math.log(1.0 + cv * cv)
    mu = math.log(mean) - s2 / 2
    return 0.5 * (1.0 + math.erf((math.log(x) - mu) / math.sqrt(2.0 * s2)))


def _press_shop_under_repair():
    """The press shop (bundled scene: a gamma-worn press bearing, a belt drive worn by use, two
    CNC spindles with Weibull lives, two technicians) emulated until a technician repairs a
    CNC spindle (its host held): (plant, emulator, component name)."""
    p = twin.load_scene("press_shop").plant
    em = Emulator(p, seed=5)
    for hour in range(1, 400):
        em.advance_to(hour * 3600.0)
        under = [n for n, c in em.snapshot().health.items() if c["status"] == "repair" and n.startswith("cnc")]
        if under:
            return p, em, under[0]
    raise AssertionError("no spindle repair in 400 emulated hours")


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


def test_opcua_twin_follows_an_emulated_press_shop_with_a_repair_under_way():
    """The loopback test on the bundled press shop while a technician repairs a CNC spindle:
    over OPC UA the twin's snapshot (elements, components, crew) equals the emulator's at the same
    moment; a forecast runs from it; and in runs restarted from it the repair ends within the
    next 2 h with the probability of a lognormal repair (mean 4 h, cv 0.5) that has lasted its
    elapsed time: P(X <= e + 2 h | X > e), within 4 binomial standard errors (400 replicas;
    the restore draws the remaining time conditioned on e, so nothing else moves it). Values that
    contradict the plant, published by the server, are rejected and the last good ones kept."""
    async def go():
        p, em, name = _press_shop_under_repair()
        mapping = Mapping.from_dict(default_mapping(p), p, "opcua")
        assert ("crew", "jobs") in mapping.addresses and (name, "wear") in mapping.addresses
        srv = await _opcua_server(p, em, mapping)
        client = OpcuaSync(p, srv.url, mapping)
        try:
            async with following(client, em, mapping):
                await asyncio.sleep(0.3)
                snap = client.snapshot()
                assert snap == em.snapshot().observed() and snap.health[name]["status"] == "repair"
                good = client.values["belt.drive", "wear"]
                await srv.publish({("belt.drive", "wear"): -1.0, ("crew", "jobs"): ["x.y", ""]}, em.time_s + 1)
                await until(lambda: len(client.rejected) >= 2, 10, "the rejections")
                assert any("belt.drive.wear: wear -1 is below a new component's 0" in r for r in client.rejected)
                assert any("crew.jobs: unknown component 'x.y'" in r for r in client.rejected)
                assert client.values["belt.drive", "wear"] == good
                return p, snap, name
        finally:
            await srv.stop()
    p, snap, name = run(go())
    f = twin.forecast(p, snap, until="8h", replicas=100)
    assert len(f.outputs) == 100 and f.outputs.max() > 0
    n, horizon = 400, 7200.0
    res = twin.simulate(p, replicas=n, horizon=horizon, progress=False, start=snap, seed=2)
    done = sum(res.snapshot(r).health[name]["status"] != "repair" for r in range(n))
    e = snap.health[name]["work_elapsed_s"]
    f_e = _lognormal_cdf(e, 4 * 3600.0, 0.5)
    want = (_lognormal_cdf(e + horizon, 4 * 3600.0, 0.5) - f_e) / (1.0 - f_e)
    assert abs(done / n - want) < 4 * math.sqrt(want * (1 - want) / n), (done / n, want)


def test_mqtt_twin_follows_an_emulated_press_shop_through_a_dropped_connection():
    """The loopback test of the basic line over MQTT, on the bundled press shop (health
    components and a crew on the wire as retained topics): the twin's snapshot, components
    included, equals the emulator's before and after a dropped broker."""
    p = twin.load_scene("press_shop").plant
    client = run(_sync_drop_restore(_mqtt_server, lambda p, url, m: MqttSync(p, url, m), "mqtt", plant=p))
    assert client.rejected == []
    assert set(client.snapshot().health) == {"press.main_bearing", "belt.drive", "cnc_a.spindle", "cnc_b.spindle"}


def test_a_press_shop_emulator_serves_its_components_through_the_emulate_service():
    """``twin emulate`` on a plant with health components (it refused them before): the service
    starts, serves the components' and the crew's nodes, and a sync client reads them."""
    async def go():
        p = twin.load_scene("press_shop").plant
        port = free_port()
        lines = []
        em_task = asyncio.create_task(emulate(p, opcua_port=port, speed=3600.0, seed=1, status=lines.append,
                                              duration_s=4 * 3600.0))
        mapping = Mapping.from_dict(default_mapping(p), p, "opcua")
        client = OpcuaSync(p, f"opc.tcp://{HOST}:{port}/twin/", mapping)
        stop = asyncio.Event()
        try:
            await until(lambda: any(s.startswith("OPC UA:") for s in lines) or em_task.done(), 40, "the server")
            task = asyncio.create_task(client.run(stop))
            await until(lambda: client.time_s > 0 and len(client.values) == len(mapping.addresses), 30, "sync")
            snap = client.snapshot()
            assert set(snap.health) == {"press.main_bearing", "belt.drive", "cnc_a.spindle", "cnc_b.spindle"}
            assert all(c["age_s"] >= 0 and c["wear"] >= 0 for c in snap.health.values())
            assert client.rejected == []
            stop.set()
            await asyncio.wait_for(task, 10)
        finally:
            stop.set()
            em_task.cancel()
            try:
                await em_task
            except asyncio.CancelledError:
                pass
    run(go(), timeout=150)
