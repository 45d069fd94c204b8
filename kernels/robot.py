"""Robot arms as plant elements (stubs: the hooks flow.py calls; filled in by the robot work)."""

import warp as wp

from .layout import NEVER, Model, State

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def robot_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    return 0


@wp.func(inline=True)
def robot_offer(m: Model, s: State, r: int, x: int, y: int):
    return int(-1), NEVER


@wp.func(inline=True)
def robot_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64):
    pass


@wp.func(inline=True)
def robot_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    pass


@wp.func(inline=True)
def robot_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    pass


@wp.func(inline=True)
def robot_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    pass


@wp.func(inline=True)
def robot_start(m: Model, s: State, r: int, e: int):
    pass
