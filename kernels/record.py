"""Snapshots of one replica for recordings (animation, traces): opt-in, taken between launches."""

import warp as wp

from .common import crew_held
from .conveyor import conveyor_item_position
from .kinds import KINDS
from .layout import E_COUNT, NEVER, Model, State
from .status import ST_BUSY, ST_DOWN, ST_IDLE

wp.set_module_options({"enable_backward": False})

STATUS = [k for k in KINDS if k.status is not None]


@wp.func(inline=True)
def status_of(m: Model, s: State, r: int, e: int, k: wp.int64) -> int:
    """e's status code: its kind's ``status`` hook, else down while held by the crew, busy while
    it holds parts, idle otherwise."""
    kind = m.kind[e]
    for i in range(wp.static(len(STATUS))):
        if kind == wp.static(STATUS[i].id):
            return wp.static(STATUS[i].status)(m, s, r, e, k)
    if crew_held(s, r, e):
        return ST_DOWN
    if s.el32[r, e, E_COUNT] > 0:
        return ST_BUSY
    return ST_IDLE


@wp.kernel
def snapshot(m: Model, s: State, r: int, frame: int, k: wp.int64, steps_to_m: wp.array(dtype=wp.float64),
             status: wp.array2d(dtype=wp.int8), held: wp.array2d(dtype=wp.int32),
             conveyor_pos: wp.array2d(dtype=wp.float32), conveyor_col: wp.array(dtype=int)):
    """Writes replica r's state at step k into frame ``frame``. ``conveyor_col[e]``: first column
    of conveyor e's items in ``conveyor_pos`` (-1 for other kinds); positions are metres from the
    belt's start, NaN where no item is."""
    e = wp.tid()
    count = s.el32[r, e, E_COUNT]
    held[frame, e] = count
    status[frame, e] = wp.int8(status_of(m, s, r, e, k))
    col = conveyor_col[e]
    if col >= 0:
        ahead = NEVER
        for i in range(m.capacity[e]):
            x = wp.float32(wp.nan)
            if i < count:
                ahead = conveyor_item_position(m, s, r, e, i, ahead, k)
                x = wp.float32(wp.float64(ahead) * steps_to_m[e])
            conveyor_pos[frame, col + i] = x
