"""Shared by tests/live: a small line of the basic kinds, one with a belt and a delay, a wafer cell
with a cluster tool and a robot arm, a two-sample check, and the loopback helpers of the protocol
tests (a free port, bounded waits, a sync client following an emulator through a dropped connection)."""

import asyncio
import contextlib
import json
import socket

import numpy as np

import twin
from twin.live.emulator import Emulator
from twin.live.mqtt import FieldBroker
from twin.live.opcua import FieldServer
from twin.live.wire import Mapping, default_mapping, to_fields


def line(process=None, failures=True, name="live-line"):
    p = twin.Plant(name)
    p.add(twin.Source("src", interarrival=twin.Exponential(70)))
    p.add(twin.Buffer("b1", capacity=5))
    fail = twin.Failures(tbf=twin.Weibull(1.5, 3000), ttr=twin.Exponential(300)) if failures else None
    p.add(twin.Machine("m1", process=process or twin.LogNormal(60, 0.5), failures=fail))
    p.add(twin.Buffer("b2", capacity=3))
    p.add(twin.Machine("m2", process=twin.Gamma(50, 0.4) if process is None else process))
    p.add(twin.Sink("out"))
    p.line("src", "b1", "m1", "b2", "m2", "out")
    return p


def belt_line(accumulating=True, random=False, name="belt-line"):
    """Source -> belt -> machine -> delay (it blocks) -> machine -> sink."""
    p = twin.Plant(name)
    if random:
        p.add(twin.Source("s", interarrival=twin.Exponential(9)),
              twin.Machine("m", process=twin.LogNormal(8, 0.4),
                           failures=twin.Failures(tbf=twin.Weibull(1.5, 900), ttr=twin.Exponential(60))),
              twin.Delay("d", delay=twin.Uniform(15, 45), capacity=3), twin.Machine("m2", process=twin.Gamma(9.5, 0.3)))
    else:
        p.add(twin.Source("s", interarrival=twin.Deterministic(7)), twin.Machine("m", process=twin.Deterministic(9)),
              twin.Delay("d", delay=twin.Deterministic(30), capacity=4), twin.Machine("m2", process=twin.Deterministic(10.5)))
    p.add(twin.Conveyor("c", length=6.0, speed=0.5, pitch=0.5, accumulating=accumulating), twin.Sink("k"))
    p.line("s", "c", "m", "d", "m2", "k")
    return p


def wafer_cell(random=False, name="wafer-cell", tool_health=(), arm_health=()):
    """foups -> q -> tool -> arm -> ob -> m -> out: a cluster tool (2 steps of 2 chambers, 2 load
    locks of 2 wafers, 5 wafers a FOUP, recipes 60 and 80 s when not random) whose finished FOUPs a
    one-joint arm carries to a buffer before a machine (the arm turns 120 degrees each way: a move
    of 10.87 s, grip and release 0.5 s). With health components, one technician repairs them."""
    import math
    from twin import ClusterTool, ProcessStep
    from twin.equipment.robot import DH, Robot, Task
    rec = (twin.LogNormal(60, 0.3), twin.Gamma(80, 0.2)) if random else (60.0, 80.0)
    tool = ClusterTool("tool", steps=[ProcessStep(2, rec[0]), ProcessStep(2, rec[1])], vtm_robot="single",
                       load_ports=2, wafers_per_lot=5, load_locks=2, load_lock_capacity=2,
                       pump_time=twin.Uniform(10, 20) if random else 15.0, vent_time=12.0, atm_move_time=6.0,
                       rotate_speed=math.pi / 2, rotate_acceleration=math.pi, health=list(tool_health))
    arm = Robot("arm", dh=DH(a=(1.2,), alpha=(0.0,), d=(0.8,)), max_velocity=0.2, max_acceleration=0.5,
                joint_limits=[(-np.pi, np.pi)], home=(0.0,), position=(0.0, 0.0, 0.0),
                tasks=[Task("tool", "ob", (0.6, -1.04, 0.8), (0.6, 1.04, 0.8), orientation="free")],
                link_masses=(5.0,), payload=2.0, health=list(arm_health))
    p = twin.Plant(name, crew=twin.maintenance.Crew(1) if tool_health or arm_health else None)
    p.add(twin.Source("foups", interarrival=twin.Exponential(300) if random else twin.Deterministic(250)),
          twin.Buffer("q", capacity=4), tool, arm, twin.Buffer("ob", capacity=1),
          twin.Machine("m", process=twin.Gamma(40, 0.3) if random else twin.Deterministic(40)), twin.Sink("out"))
    p.line("foups", "q", "tool", "arm", "ob", "m", "out")
    return p


def close(a, b, what):
    """Means of two independent batches agree within 4 standard errors of their difference
    (a false alarm has probability ~6e-5 per comparison)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) <= 4 * se + 1e-12, f"{what}: {a.mean():.4f} vs {b.mean():.4f} (se {se:.4f})"


# ---- the loopback helpers of the protocol tests (tests/live/test_opcua.py, test_mqtt.py, test_service.py,
# test_cli.py, test_wire.py): emulator and twin in one process on 127.0.0.1; every wait is a bounded loop


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


@contextlib.asynccontextmanager
async def running(coro):
    """``coro`` as a task for the body (the task is yielded); cancelled and awaited on leaving."""
    task = asyncio.create_task(coro)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


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
