"""The live twin over OPC UA (twin/live/opcua.py), emulator and twin in one process on 127.0.0.1
(issue 14.3, 14.4): the twin follows the emulator through a dropped connection, on the basic line,
a line with a belt and a delay, a wafer cell and the press shop under repair; values that contradict
the plant are rejected. Every wait is a bounded loop; every test has a hard timeout through asyncio."""

import asyncio
import math

import pytest

pytest.importorskip("asyncua")
pytest.importorskip("amqtt")

import twin  # noqa: E402
from twin.live.emulator import Emulator  # noqa: E402
from twin.live.opcua import OpcuaSync  # noqa: E402
from twin.live.wire import Mapping, MappingError, default_mapping  # noqa: E402

from live_support import (_opcua_server, _press_shop_under_repair, _sync_drop_restore, belt_line,  # noqa: E402
                          following, line, run, until, wafer_cell)


def test_opcua_twin_follows_the_emulator_through_a_dropped_connection():
    client = run(_sync_drop_restore(_opcua_server, lambda p, url, m: OpcuaSync(p, url, m), "opcua"))
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


def _lognormal_cdf(x: float, mean: float, cv: float) -> float:
    s2 = math.log(1.0 + cv * cv)
    mu = math.log(mean) - s2 / 2
    return 0.5 * (1.0 + math.erf((math.log(x) - mu) / math.sqrt(2.0 * s2)))


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
