"""The two services of the live twin (twin/live/service.py), bounded: ``twin emulate`` serves a line
over OPC UA and ``twin sync`` follows it and publishes forecasts (issue 14.3, 14.4)."""

import asyncio
import json
import socket

import pytest

pytest.importorskip("asyncua")
pytest.importorskip("amqtt")

import twin  # noqa: E402
from twin.live.opcua import OpcuaSync  # noqa: E402
from twin.live.service import emulate, sync, write_mapping  # noqa: E402
from twin.live.wire import Mapping, default_mapping  # noqa: E402

from live_support import HOST, free_port, line, run, running, until  # noqa: E402


def test_emulate_and_sync_services_publish_a_forecast(tmp_path):
    """``twin emulate`` and ``twin sync`` as services (bounded): the sync publishes a forecast
    to the emulator's OPC UA forecast node and to a file."""
    async def go():
        p = line()
        port = free_port()
        mapping = write_mapping(p, tmp_path / "map.toml")
        lines = []

        def up():
            try:
                with socket.create_connection((HOST, port), timeout=0.2):
                    return True
            except OSError:
                return False
        async with running(emulate(p, opcua_port=port, speed=600.0, seed=1, status=lines.append)) as em_task:
            await until(lambda: up() or em_task.done(), 40, "the emulator's server")
            await asyncio.sleep(0.5)
            out = tmp_path / "f.json"
            f = await sync(p, mapping, opcua=f"opc.tcp://{HOST}:{port}/twin/", every_s=0.5, until_s=1800,
                           replicas=50, cycles=2, out=out, status=lines.append)
            d = json.loads(out.read_text())
            assert d["format"] == "twin-forecast/1" and d["replicas"] == 50
            assert f.snapshot.time_s > 0
            assert any(s.startswith("[connected] line t =") for s in lines)
    run(go(), timeout=150)


def test_a_press_shop_emulator_serves_its_components_through_the_emulate_service():
    """``twin emulate`` on a plant with health components (it refused them before): the service
    starts, serves the components' and the crew's nodes, and a sync client reads them."""
    async def go():
        p = twin.load_scene("press_shop").plant
        port = free_port()
        lines = []
        mapping = Mapping.from_dict(default_mapping(p), p, "opcua")
        client = OpcuaSync(p, f"opc.tcp://{HOST}:{port}/twin/", mapping)
        stop = asyncio.Event()
        async with running(emulate(p, opcua_port=port, speed=3600.0, seed=1, status=lines.append,
                                   duration_s=4 * 3600.0)) as em_task:
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
    run(go(), timeout=150)
