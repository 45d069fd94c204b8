"""The live twin over MQTT (twin/live/mqtt.py), an embedded broker and the twin in one process on
127.0.0.1 (issue 14.3, 14.4): the twin follows the emulator through a dropped broker. Every wait is
a bounded loop; every test has a hard timeout through asyncio."""

import pytest

pytest.importorskip("asyncua")
pytest.importorskip("amqtt")

import twin  # noqa: E402
from twin.live.mqtt import MqttSync  # noqa: E402

from live_support import _mqtt_server, _sync_drop_restore, run  # noqa: E402


def test_mqtt_twin_follows_the_emulator_through_a_dropped_connection():
    client = run(_sync_drop_restore(_mqtt_server, lambda p, url, m: MqttSync(p, url, m), "mqtt"))
    assert client.rejected == []


def test_mqtt_twin_follows_an_emulated_press_shop_through_a_dropped_connection():
    """The loopback test of the basic line over MQTT, on the bundled press shop (health
    components and a crew on the wire as retained topics): the twin's snapshot, components
    included, equals the emulator's before and after a dropped broker."""
    p = twin.load_scene("press_shop").plant
    client = run(_sync_drop_restore(_mqtt_server, lambda p, url, m: MqttSync(p, url, m), "mqtt", plant=p))
    assert client.rejected == []
    assert set(client.snapshot().health) == {"press.main_bearing", "belt.drive", "cnc_a.spindle", "cnc_b.spindle"}
