"""Sinks: where parts leave the plant. A sink always takes a part; parts that arrive inside the
statistics window count in the plant's throughput and cycle time."""

import warp as wp

from .common import record_exit
from .hooks import Hooks, SnapshotHooks
from .layout import E_OUT, Model, State

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def sink_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    return 1


@wp.func(inline=True)
def sink_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    if k >= s.control[0].warmup_step:
        s.el64[r, y, E_OUT] = s.el64[r, y, E_OUT] + wp.int64(1)
        record_exit(m, s, r, entry, k)


HOOKS = Hooks(room=sink_room, accept=sink_accept)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
def sink_capture(v, e) -> dict:
    """The parts it received so far (information only: a restart counts from 0)."""
    return {"parts_out": int(v.el64[e, E_OUT])}


def sink_restore(v, e, st) -> None:
    """Nothing to write: a sink holds no parts and its count restarts at the snapshot."""


SNAPSHOT = SnapshotHooks(capture=sink_capture, restore=sink_restore, wire=(("parts_out", "int"),),
                         encode=lambda st: {"parts_out": st.parts_out},
                         decode=lambda get, spec: {"parts_out": int(get("parts_out", 0))})
