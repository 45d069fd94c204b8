"""The live twin: snapshots of a plant's state, simulations and forecasts that start from them,
and (twin.live.opcua / twin.live.sync) the link to a running line."""

from .snapshot import ElementState, Part, Snapshot, SnapshotError

__all__ = ["Snapshot", "ElementState", "Part", "SnapshotError"]
