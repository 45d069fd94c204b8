"""Snapshots of one replica for recordings (animation, traces): opt-in, taken between launches."""

import warp as wp

from .common import crew_held
from .kinds import KINDS
from .layout import E_COUNT, NEVER, Model, State
from .status import ST_BUSY, ST_DOWN, ST_IDLE

wp.set_module_options({"enable_backward": False})

STATUS = [k for k in KINDS if k.status is not None]
POSITION = [k for k in KINDS if k.position is not None]  # kinds whose parts move along a path (a belt)


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


@wp.func(inline=True)
def position_of(m: Model, s: State, r: int, e: int, i: int, ahead: wp.int64, k: wp.int64) -> wp.int64:
    """The i-th part's position along e's path: its kind's ``position`` hook (kernels/hooks.py)."""
    kind = m.kind[e]
    for j in range(wp.static(len(POSITION))):
        if kind == wp.static(POSITION[j].id):
            return wp.static(POSITION[j].position)(m, s, r, e, i, ahead, k)
    return ahead  # not reached: only kinds with a position hook have belt columns


@wp.kernel
def snapshot(m: Model, s: State, r: int, frame: int, k: wp.int64, steps_to_m: wp.array(dtype=wp.float64),
             status: wp.array2d(dtype=wp.int8), held: wp.array2d(dtype=wp.int32),
             belt_pos: wp.array2d(dtype=wp.float32), belt_col: wp.array(dtype=int)):
    """Writes replica r's state at step k into frame ``frame``. ``belt_col[e]``: first column of
    element e's parts in ``belt_pos`` (-1 for kinds without a ``position`` hook); positions are
    metres from the path's start, NaN where no part is."""
    e = wp.tid()
    count = s.el32[r, e, E_COUNT]
    held[frame, e] = count
    status[frame, e] = wp.int8(status_of(m, s, r, e, k))
    col = belt_col[e]
    if col >= 0:
        ahead = NEVER
        for i in range(m.capacity[e]):
            x = wp.float32(wp.nan)
            if i < count:
                ahead = position_of(m, s, r, e, i, ahead, k)
                x = wp.float32(wp.float64(ahead) * steps_to_m[e])
            belt_pos[frame, col + i] = x
