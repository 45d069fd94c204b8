"""Sinks: where parts leave the plant. A sink always takes a part; parts that arrive inside the
statistics window count in the plant's throughput and cycle time."""

import warp as wp

from .common import record_exit
from .hooks import Hooks
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
