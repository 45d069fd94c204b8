"""MQTT both ways (amqtt): an embedded broker started in process for the emulator, which
publishes every field as a retained JSON message (``<prefix>/<element>/<field>``; NaN as null),
and the twin's client that subscribes to the topics of a mapping file (same checks and
reconnection as twin.live.opcua)."""

from __future__ import annotations

import asyncio
import json
import logging
import math

from .opcua import ConnectionFailed, FieldStore
from .wire import Mapping

log = logging.getLogger("twin.live")


def _encode(value) -> bytes:
    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v
    return json.dumps([clean(v) for v in value] if isinstance(value, list) else clean(value)).encode()


def _decode(data: bytes):
    v = json.loads(data.decode())
    if v is None:
        return float("nan")
    if isinstance(v, list):
        return [float("nan") if x is None else x for x in v]
    return v


class FieldBroker:
    """An MQTT broker on 127.0.0.1:``port`` (in this process) and a client publishing fields."""

    def __init__(self, port: int, host: str = "127.0.0.1", forecast_topic: str = "twin/forecast"):
        self.port, self.host, self.forecast_topic = port, host, forecast_topic
        self.broker = self.client = None
        self.fields: dict = {}
        self.topics: dict = {}

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}/"

    async def start(self, topics: dict, clock_topic: str) -> None:
        """``topics``: (element, field) -> topic (the mapping's)."""
        from amqtt.broker import Broker
        from amqtt.client import MQTTClient
        self.topics, self.clock_topic = topics, clock_topic
        self.broker = Broker({"listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
                              "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}}})
        try:
            await self.broker.start()
        except Exception as err:
            raise ConnectionFailed(f"cannot start the MQTT broker on {self.host}:{self.port}: {err}") from None
        self.client = MQTTClient(config={"auto_reconnect": False})
        await self.client.connect(self.url)
        self.fields = {}

    async def publish(self, fields: dict, time_s: float) -> None:
        for key, value in fields.items():
            if key in self.topics and self.fields.get(key) != value:
                self.fields[key] = value
                await self.client.publish(self.topics[key], _encode(value), qos=1, retain=True)
        await self.client.publish(self.clock_topic, _encode(float(time_s)), qos=1, retain=True)

    async def stop(self) -> None:
        if self.client is not None:
            try:
                await asyncio.wait_for(self.client.disconnect(), 2.0)
            except Exception:
                pass
        if self.broker is not None:
            await self.broker.shutdown()
        self.broker = self.client = None


class MqttSync(FieldStore):
    """Keeps a current snapshot of ``plant`` from an MQTT broker (mqtt://host:port/)."""

    def __init__(self, plant, url: str, mapping: Mapping, timeout: float = 4.0, retry_s: float = 1.0):
        super().__init__(plant, mapping, {a: key for key, a in mapping.addresses.items()}, mapping.clock)
        self.url, self.timeout, self.retry_s = url, timeout, retry_s
        self.client = None

    async def _connect(self):
        from amqtt.client import MQTTClient
        client = MQTTClient(config={"auto_reconnect": False})
        try:
            await asyncio.wait_for(client.connect(self.url), self.timeout)
            topics = list(self.by_address) + ([self.clock_address] if self.clock_address else [])
            await client.subscribe([(t, 1) for t in topics])
        except Exception as err:
            raise ConnectionFailed(f"cannot reach MQTT broker {self.url}: {err or type(err).__name__}") from None
        return client

    async def _serve(self, stop: asyncio.Event) -> None:
        """While connected: deliver each message to the store; a closed session raises."""
        while not stop.is_set():
            try:
                msg = await self.client.deliver_message(timeout_duration=0.2)
            except asyncio.TimeoutError:
                msg = None
            if msg is not None:
                try:
                    value = _decode(msg.data)
                except (ValueError, UnicodeDecodeError):
                    self.rejected.append(f"{msg.topic}: not JSON: {msg.data[:40]!r}")
                    log.warning("rejected %s", self.rejected[-1])
                    continue
                self._receive(msg.topic, value)
            elif not self.client.session or not self.client.session.transitions.is_connected():
                raise ConnectionError("the broker closed the connection")

    async def _disconnect(self) -> None:
        try:
            await asyncio.wait_for(self.client.disconnect(), 1.0)
        except Exception:
            pass

    async def write_forecast(self, text: str) -> bool:
        if self.client is None or not self.mapping.forecast:
            return False
        try:
            await self.client.publish(self.mapping.forecast, text.encode(), qos=1, retain=True)
            return True
        except Exception as err:
            log.warning("could not publish the forecast: %s", err)
            return False
