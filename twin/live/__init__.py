"""The live twin: snapshots of a plant's state (twin.live.snapshot), simulations and forecasts
that start from them (twin.live.forecast), an emulated line (twin.live.emulator) and the link to
a running line over OPC UA and MQTT (twin.live.opcua, twin.live.mqtt, twin.live.service).

Names load on first use (``import twin.live`` loads no Warp: the CLI lists its commands without it).
"""

from __future__ import annotations

_EXPORTS = {"Snapshot": "snapshot", "ElementState": "snapshot", "Part": "snapshot", "SnapshotError": "snapshot",
            "forecast": "forecast", "Forecast": "forecast", "Emulator": "emulator", "Mapping": "wire",
            "MappingError": "wire", "OpcuaSync": "opcua", "MqttSync": "mqtt"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    import importlib
    if name not in _EXPORTS:
        raise AttributeError(f"module 'twin.live' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
