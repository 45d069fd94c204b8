"""Exports of a plant and its runs for other tools: OpenUSD stages (NVIDIA Omniverse, usdview)
and event logs (CSV, Parquet, OCEL 2.0 JSON for process mining).

    import twin, twin.export
    twin.export.write_usd(plant, "line.usda", results=res, recording=res.recording)
    twin.export.write_events([res.recording], "events.parquet", plant)

The USD export needs the ``usd`` extra (usd-core) and the ``render`` extra (the meshes are the
PyVista scene's); Parquet needs pyarrow. Nothing here runs a simulation.
"""

from __future__ import annotations

_EXPORTS = {"write_usd": "usd", "event_table": "events", "write_events": "events", "ocel_log": "events"}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'twin.export' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
