"""Snapshots of one replica for recordings (animation, traces): opt-in, taken between launches."""

import warp as wp

from .common import crew_held
from .conveyor import conveyor_item_position
from .layout import CONVEYOR, E_BUSY, E_COUNT, E_DONE, E_DOWN, MACHINE, NEVER, Model, State

wp.set_module_options({"enable_backward": False})

# element status codes in a recording
ST_IDLE = wp.constant(0)     # machine: no part (starved); other kinds: empty
ST_BUSY = wp.constant(1)     # machine processing; other kinds: holding parts
ST_BLOCKED = wp.constant(2)  # machine holding only finished parts; conveyor: front item waiting at the end
ST_DOWN = wp.constant(3)


@wp.kernel
def snapshot(m: Model, s: State, r: int, frame: int, k: wp.int64, steps_to_m: wp.array(dtype=wp.float64),
             status: wp.array2d(dtype=wp.int8), held: wp.array2d(dtype=wp.int32),
             conveyor_pos: wp.array2d(dtype=wp.float32), conveyor_col: wp.array(dtype=int)):
    """Writes replica r's state at step k into frame ``frame``. ``conveyor_col[e]``: first column
    of conveyor e's items in ``conveyor_pos`` (-1 for other kinds); positions are metres from the
    belt's start, NaN where no item is."""
    e = wp.tid()
    kind = m.kind[e]
    count = s.el32[r, e, E_COUNT]
    held[frame, e] = count
    code = ST_IDLE
    if kind == MACHINE:
        if s.el32[r, e, E_DOWN] != 0 or crew_held(s, r, e):
            code = ST_DOWN  # a random failure, a failed component, or a service
        elif s.el32[r, e, E_BUSY] > 0:
            code = ST_BUSY
        elif s.el32[r, e, E_DONE] > 0:
            code = ST_BLOCKED
    elif crew_held(s, r, e):
        code = ST_DOWN  # a conveyor or robot stopped by the crew
    elif count > 0:
        code = ST_BUSY
    if kind == CONVEYOR:
        col = conveyor_col[e]
        ahead = NEVER
        for i in range(m.capacity[e]):
            x = wp.float32(wp.nan)
            if i < count:
                ahead = conveyor_item_position(m, s, r, e, i, ahead, k)
                x = wp.float32(wp.float64(ahead) * steps_to_m[e])
            conveyor_pos[frame, col + i] = x
        if code != ST_DOWN and count > 0 and conveyor_item_position(m, s, r, e, 0, NEVER, k) >= m.conveyor.transit[e]:
            code = ST_BLOCKED
    status[frame, e] = wp.int8(code)
