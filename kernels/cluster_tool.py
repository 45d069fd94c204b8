"""Wafer-handling cluster tools as plant elements (stubs: the hooks flow.py calls; filled in by
the cluster-tool work)."""

import warp as wp

from .layout import NEVER, Model, State

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def tool_room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
    return 0


@wp.func(inline=True)
def tool_offer(m: Model, s: State, r: int, x: int, y: int):
    return int(-1), NEVER


@wp.func(inline=True)
def tool_take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64):
    pass


@wp.func(inline=True)
def tool_accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
    pass


@wp.func(inline=True)
def tool_event(m: Model, s: State, r: int, e: int, k: wp.int64):
    pass


@wp.func(inline=True)
def tool_account(m: Model, s: State, r: int, e: int, dt: wp.int64):
    pass


@wp.func(inline=True)
def tool_start(m: Model, s: State, r: int, e: int):
    pass
