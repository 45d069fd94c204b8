"""The two long-running services of the live twin: the emulated line (``twin emulate``) and the
twin kept in sync with a line (``twin sync``). Both are asyncio loops with a status line; both
take a bound (``duration`` / ``cycles``) so that tests and scripts can run them to an end."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

from .emulator import Emulator
from .opcua import ConnectionFailed, FieldServer, OpcuaSync
from .wire import Mapping, default_mapping, to_fields

log = logging.getLogger("twin.live")


def write_mapping(plant, path) -> Path:
    """Writes the mapping of what ``twin emulate`` serves (twin.live.wire.default_mapping)."""
    import tomli_w
    path = Path(path)
    path.write_text(tomli_w.dumps(default_mapping(plant)))
    return path


async def emulate(plant, *, opcua_port: int | None = None, mqtt_port: int | None = None, speed: float = 60.0,
                  seed: int = 0, duration_s: float | None = None, tick_s: float = 0.2, status=print,
                  host: str = "127.0.0.1") -> Emulator:
    """Runs one replica of ``plant`` at ``speed`` simulated seconds per second and serves its
    state; stops after ``duration_s`` simulated seconds (None: until cancelled)."""
    em = Emulator(plant, seed=seed)
    fields = to_fields(em.snapshot().observed(), plant)
    servers = []
    try:
        if opcua_port is not None:
            srv = FieldServer(plant.name, fields, opcua_port, host)
            await srv.start()
            servers.append(srv)
            status(f"OPC UA: {srv.url}")
        if mqtt_port is not None:
            from .mqtt import FieldBroker
            m = Mapping.from_dict(default_mapping(plant), plant, "mqtt")
            br = FieldBroker(mqtt_port, host)
            await br.start(m.addresses, m.clock)
            servers.append(br)
            status(f"MQTT: {br.url} (topics line/<element>/<field>)")
        t0, shown = time.monotonic(), -1e9
        while duration_s is None or em.time_s < duration_s:
            t = (time.monotonic() - t0) * speed
            em.advance_to(t if duration_s is None else min(t, duration_s))
            fields = to_fields(em.snapshot().observed(), plant)
            for s in servers:
                await s.publish(fields, em.time_s)
            if time.monotonic() - shown >= 5.0:
                shown = time.monotonic()
                status(f"emulating {plant.name}: t = {em.time_s / 3600:.2f} h, {em.parts_out} parts out, "
                       f"{em.snapshot().wip()} inside")
            await asyncio.sleep(tick_s)
    finally:
        for s in servers:
            await s.stop()
    return em


async def sync(plant, mapping_path, *, opcua: str | None = None, mqtt: str | None = None, every_s: float = 300.0,
               until_s: float = 8 * 3600.0, replicas: int = 2000, target: int | None = None, out=None,
               cycles: int | None = None, seed: int = 0, status=print, connect_timeout: float = 4.0):
    """Keeps a snapshot of the line and publishes a forecast every ``every_s`` seconds of wall
    time (to the mapping's forecast node/topic and to ``out``), ``cycles`` times (None: forever).
    Returns the last forecast."""
    from .forecast import forecast
    if (opcua is None) == (mqtt is None):
        raise ConnectionFailed("twin sync: give one of --opcua opc.tcp://HOST:PORT or --mqtt mqtt://HOST:PORT")
    if opcua is not None:
        client = OpcuaSync(plant, opcua, Mapping.load(mapping_path, plant, "opcua"), timeout=connect_timeout)
    else:
        from .mqtt import MqttSync
        client = MqttSync(plant, mqtt, Mapping.load(mapping_path, plant, "mqtt"), timeout=connect_timeout)
    stop = asyncio.Event()
    task = asyncio.create_task(client.run(stop))
    last = None
    try:
        while not client.connected:  # the first connection: an error ends the service at once
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        await asyncio.sleep(min(1.0, every_s))  # the subscription's first values
        n = 0
        while cycles is None or n < cycles:
            snap = client.snapshot()
            f = await asyncio.to_thread(forecast, plant, snap, until_s, replicas, target, seed + n)
            last = f
            text = json.dumps(f.to_dict())
            sent = await client.write_forecast(text)
            if out is not None:
                Path(out).write_text(text)
            state = "connected" if client.connected else "reconnecting"
            status(f"[{state}] line t = {snap.time_s / 3600:.2f} h, {snap.wip()} inside, "
                   f"{len(client.rejected)} values rejected | {f.summary()}" + ("" if sent else " (not published)"))
            n += 1
            if cycles is None or n < cycles:
                await asyncio.sleep(every_s)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10.0) if not task.done() else None
    return last
