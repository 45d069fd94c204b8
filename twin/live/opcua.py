"""OPC UA both ways (asyncua): the emulator's server, and the twin's client that keeps a current
snapshot of a line from its nodes.

The server (``FieldServer``) creates one variable per (element, field) under node id
``ns=2;s=<element>.<field>`` (twin.live.wire.default_mapping), a clock ``twin.time_s`` and a
writable ``twin.forecast`` (JSON text). The client (``OpcuaSync``) subscribes to the nodes of a
mapping file, checks every value against the plant (rejected values are logged with their reason
and the last good value is kept), and reconnects after a lost connection, keeping what it knew.
"""

from __future__ import annotations

import asyncio
import logging

from ..errors import TwinError
from .snapshot import Snapshot, SnapshotError
from .wire import Mapping, MappingError, check_value, field_type, from_fields

log = logging.getLogger("twin.live")


class ConnectionFailed(TwinError, ConnectionError):
    """The server cannot be reached (at the first connection: later losses are retried)."""


def _variant(field: str, value):
    from asyncua import ua
    t = field_type(field)
    if t in ("text", "texts"):
        return ua.Variant(list(value) if t == "texts" else str(value), ua.VariantType.String)
    if t == "int":
        return ua.Variant(int(value), ua.VariantType.Int64)
    return ua.Variant([float(v) for v in value] if t in ("floats", "reals") else float(value), ua.VariantType.Double)


class FieldServer:
    """An OPC UA server on 127.0.0.1:``port`` serving ``fields`` ({(element, field): value})."""

    def __init__(self, plant_name: str, fields: dict, port: int, host: str = "127.0.0.1"):
        self.plant_name, self.fields, self.port, self.host = plant_name, dict(fields), port, host
        self.server = None
        self.nodes = {}
        self.forecast_text = ""

    @property
    def url(self) -> str:
        return f"opc.tcp://{self.host}:{self.port}/twin/"

    async def start(self) -> None:
        from asyncua import Server, ua
        self.server = Server()
        await self.server.init()
        self.server.set_endpoint(self.url)
        self.server.set_server_name(f"twin emulator: {self.plant_name}")
        idx = await self.server.register_namespace("urn:twin:emulator")
        root = await self.server.nodes.objects.add_object(ua.NodeId("line", idx), "line")
        for (element, field), value in self.fields.items():
            v = _variant(field, value)
            self.nodes[element, field] = await root.add_variable(ua.NodeId(f"{element}.{field}", idx),
                                                                 f"{element}.{field}", v.Value, varianttype=v.VariantType)
        self.clock = await root.add_variable(ua.NodeId("twin.time_s", idx), "twin.time_s", 0.0,
                                             varianttype=ua.VariantType.Double)
        self.forecast = await root.add_variable(ua.NodeId("twin.forecast", idx), "twin.forecast", "",
                                                varianttype=ua.VariantType.String)
        await self.forecast.set_writable()
        try:
            await self.server.start()
        except OSError as err:
            raise ConnectionFailed(f"cannot serve OPC UA on {self.host}:{self.port}: {err}") from None

    async def publish(self, fields: dict, time_s: float) -> None:
        """Writes the values that changed, then the clock (a client that sees the clock move
        has the values of that moment once its subscription delivered them)."""
        from asyncua import ua
        for key, value in fields.items():
            if self.fields.get(key) != value or key not in self.fields:
                self.fields[key] = value
                await self.server.write_attribute_value(self.nodes[key].nodeid, ua.DataValue(_variant(key[1], value)))
        await self.server.write_attribute_value(self.clock.nodeid,
                                                ua.DataValue(ua.Variant(float(time_s), ua.VariantType.Double)))

    async def read_forecast(self) -> str:
        return await self.forecast.read_value()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None


class _Handler:
    def __init__(self, sync: "OpcuaSync"):
        self.sync = sync

    def datachange_notification(self, node, val, data):
        self.sync._receive(node.nodeid.to_string(), val)

    def status_change_notification(self, status):
        log.info("subscription status: %s", status)


class FieldStore:
    """The last good value of every mapped field of a line, the snapshot they make and the
    reconnecting loop (``run``); shared by the OPC UA and MQTT clients, which set ``url`` and
    ``retry_s`` (``by_address``: address -> (element, field))."""

    def __init__(self, plant, mapping: Mapping, by_address: dict, clock: str | None):
        self.plant, self.mapping, self.by_address, self.clock_address = plant, mapping, by_address, clock
        self.values: dict = {}
        self.time_s = 0.0
        self.rejected: list[str] = []
        self.connected = False
        self.connections = 0
        self._last_good: Snapshot | None = None

    def _receive(self, address: str, value) -> None:
        if address == self.clock_address:
            self.time_s = float(value)
            return
        key = self.by_address.get(address)
        if key is None:
            return
        reason = check_value(self.plant, key[0], key[1], list(value) if isinstance(value, (list, tuple)) else value)
        if reason is not None:
            self.rejected.append(reason)
            log.warning("rejected %s (kept the last good value)", reason)
            return
        self.values[key] = list(value) if isinstance(value, (list, tuple)) else value

    def snapshot(self) -> Snapshot:
        """The line now, from the last good values (the last consistent snapshot if the values of
        this moment do not fit together yet)."""
        try:
            self._last_good = from_fields(self.plant, self.values, self.time_s)
        except SnapshotError as err:
            if self._last_good is None:
                raise
            log.warning("values do not fit the plant yet (%s); keeping the snapshot of %.1f s", err,
                        self._last_good.time_s)
        return self._last_good

    async def run(self, stop: asyncio.Event) -> None:
        """Stays connected until ``stop`` is set: after a lost connection, retries every
        ``retry_s`` seconds (keeping the values it had). The first connection must succeed
        (ConnectionFailed otherwise): an address that never answers is an error, not a wait.
        A protocol client gives ``_connect`` (returns the client), ``_serve`` (returns when
        ``stop`` is set, raises when the connection drops) and ``_disconnect``."""
        first = True
        while not stop.is_set():
            try:
                self.client = await self._connect()
            except ConnectionFailed as err:
                if first:
                    raise
                log.warning("%s; retrying in %g s", err, self.retry_s)
                await _wait(stop, self.retry_s)
                continue
            first = False
            self.connected = True
            self.connections += 1
            log.info("connected to %s", self.url)
            try:
                await self._serve(stop)
            except Exception as err:  # the connection dropped
                log.warning("lost the connection to %s (%s); keeping the last values", self.url,
                            err or type(err).__name__)
            finally:
                self.connected = False
                await self._disconnect()
                self.client = None


class OpcuaSync(FieldStore):
    """Keeps a current snapshot of ``plant`` from an OPC UA server (see the module doc)."""

    def __init__(self, plant, url: str, mapping: Mapping, timeout: float = 4.0, retry_s: float = 1.0):
        from asyncua import ua
        norm = lambda a: ua.NodeId.from_string(a).to_string()  # noqa: E731
        try:
            by_node = {norm(a): key for key, a in mapping.addresses.items()}
            clock = norm(mapping.clock) if mapping.clock else None
        except Exception as err:
            raise MappingError(f"{mapping.source}: not an OPC UA node id ({err})") from None
        super().__init__(plant, mapping, by_node, clock)
        self.url, self.timeout, self.retry_s = url, timeout, retry_s
        self.client = None
        self.by_node, self.clock_node = by_node, clock

    # ---- connection ---------------------------------------------------------------------------------
    async def _connect(self):
        from asyncua import Client, ua
        client = Client(self.url, timeout=self.timeout)
        try:
            await asyncio.wait_for(client.connect(), self.timeout)
        except Exception as err:  # refused, timed out, no such endpoint
            raise ConnectionFailed(f"cannot reach OPC UA server {self.url}: {err or type(err).__name__}") from None
        try:
            nodes = []
            for node_id in list(self.by_node) + ([self.clock_node] if self.clock_node else []):
                node = client.get_node(node_id)
                try:
                    await node.read_value()
                except ua.UaStatusCodeError:
                    key = self.by_node.get(node_id, ("clock", ""))
                    raise MappingError(f"{self.mapping.source}: {key[0]} {key[1]}: node {node_id} is not on the "
                                       f"server {self.url}") from None
                nodes.append(node)
            sub = await client.create_subscription(50, _Handler(self))
            await sub.subscribe_data_change(nodes)
        except BaseException:
            await _quiet_disconnect(client)
            raise
        return client

    async def _serve(self, stop: asyncio.Event) -> None:
        """While connected: read the server time every 0.2 s, so a dropped connection raises."""
        while not stop.is_set():
            await asyncio.wait_for(self.client.get_node("i=2258").read_value(), self.timeout)  # server time
            await _wait(stop, 0.2)

    async def _disconnect(self) -> None:
        await _quiet_disconnect(self.client)

    async def write_forecast(self, text: str) -> bool:
        """Writes a forecast (JSON) to the mapping's forecast node; False when not connected."""
        if self.client is None or not self.mapping.forecast:
            return False
        from asyncua import ua
        try:
            await self.client.get_node(self.mapping.forecast).write_value(ua.Variant(text, ua.VariantType.String))
            return True
        except Exception as err:
            log.warning("could not publish the forecast: %s", err)
            return False


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass


async def _quiet_disconnect(client) -> None:
    try:
        await asyncio.wait_for(client.disconnect(), 2.0)
    except Exception:
        pass
