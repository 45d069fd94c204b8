"""The element dispatch, generated from the kind registry (kernels/kinds.py) at module build time.

Each function ``element_dispatch`` makes tests ``int_at(m.kind, e)`` against every registered kind that has the hook and calls
that kind's hook (kernels/hooks.py): ``wp.static`` unrolls the loop over the registry into one
inlined ``if kind == id`` branch per kind, so the generated code is the hand-written switch,
written once. Kinds without the hook are skipped (or get the default stated per function).

``account`` also keeps the generic time bookkeeping: every kind integrates its own state in
integer steps just before it changes, so statistics need no per-step work and never accumulate
in floating point.
"""

from types import SimpleNamespace

import warp as wp

from .loads import int_at
from .layout import E_OUT, E_STAT, E_USES, E_WORK, NEVER, Model, State

wp.set_module_options({"enable_backward": False})


def element_dispatch(kinds: list) -> SimpleNamespace:
    """The element dispatch over ``kinds`` (registered kinds, in registry order): a plant compiles
    only the kinds it uses. Each call makes new functions in Warp modules of their own
    (``module="unique"``), so dispatches over different kind sets never overwrite each other."""

    def with_hook(hook: str) -> list:
        """The kinds that have ``hook``, in registry order."""
        return [k for k in kinds if getattr(k, hook) is not None]

    ROOM = with_hook("room")
    OFFER = with_hook("offer")
    TAKE = with_hook("take")
    ACCEPT = with_hook("accept")
    FULL = with_hook("full")
    ACCOUNT = with_hook("account")
    WORK = with_hook("work")
    HOLD = with_hook("hold")
    RELEASE = with_hook("release")
    USES = with_hook("uses")
    CLOCK = with_hook("clock")
    PULLING = sum(1 << k.id for k in ROOM)  # bit set per kind that takes parts (has room)

    @wp.func(inline=True, module="unique")
    def takes_parts(kind: int) -> bool:
        """Kinds that pull parts from their predecessors (those with a ``room`` hook)."""
        return ((wp.static(PULLING) >> kind) & 1) != 0

    @wp.func(inline=True, module="unique")
    def account(m: Model, s: State, r: int, e: int, k: wp.int64):
        """Adds element e's state since its last change: the operating clock and uses always, the
        statistics clipped to the window [warmup_step, horizon_step)."""
        last = s.el64[r, e, E_STAT]
        if k == last:
            return  # accounted at this step already (e.g. an event, then a part taken): nothing to add
        s.el64[r, e, E_STAT] = k
        kind = int_at(m.kind, e)
        if k > last:
            for i in range(wp.static(len(WORK))):
                if kind == wp.static(WORK[i].id):
                    wp.static(WORK[i].work)(m, s, r, e, last, k)
        lo = wp.max(last, s.control[0].warmup_step)
        hi = wp.min(k, s.control[0].horizon_step)
        if hi <= lo:
            return
        dt = hi - lo
        for i in range(wp.static(len(ACCOUNT))):
            if kind == wp.static(ACCOUNT[i].id):
                wp.static(ACCOUNT[i].account)(m, s, r, e, dt)

    @wp.func(inline=True, module="unique")
    def room(m: Model, s: State, r: int, y: int, k: wp.int64) -> int:
        """How many parts y can take now (0 for kinds that take none)."""
        kind = int_at(m.kind, y)
        for i in range(wp.static(len(ROOM))):
            if kind == wp.static(ROOM[i].id):
                return wp.static(ROOM[i].room)(m, s, r, y, k)
        return 0

    @wp.func(inline=True, module="unique")
    def offer(m: Model, s: State, r: int, x: int, y: int):
        """The part x offers to y that has waited longest: (slot, step it became ready), or (-1, NEVER)."""
        kind = int_at(m.kind, x)
        for i in range(wp.static(len(OFFER))):
            if kind == wp.static(OFFER[i].id):
                return wp.static(OFFER[i].offer)(m, s, r, x, y)
        return int(-1), NEVER

    @wp.func(inline=True, module="unique")
    def take(m: Model, s: State, r: int, x: int, slot: int, k: wp.int64) -> wp.int64:
        """Removes the part in ``slot`` from x at step k; returns the step it entered the plant."""
        account(m, s, r, x, k)
        if k >= s.control[0].warmup_step:
            s.el64[r, x, E_OUT] = s.el64[r, x, E_OUT] + wp.int64(1)
        kind = int_at(m.kind, x)
        for i in range(wp.static(len(TAKE))):
            if kind == wp.static(TAKE[i].id):
                return wp.static(TAKE[i].take)(m, s, r, x, slot, k)
        return k

    @wp.func(inline=True, module="unique")
    def accept(m: Model, s: State, r: int, y: int, entry: wp.int64, k: wp.int64):
        """Puts a part that entered the plant at step ``entry`` into y at step k (y has room)."""
        account(m, s, r, y, k)
        kind = int_at(m.kind, y)
        for i in range(wp.static(len(ACCEPT))):
            if kind == wp.static(ACCEPT[i].id):
                wp.static(ACCEPT[i].accept)(m, s, r, y, entry, k)

    @wp.func(inline=True, module="unique")
    def full(m: Model, s: State, r: int, y: int):
        """y was offered a part while it had no room."""
        kind = int_at(m.kind, y)
        for i in range(wp.static(len(FULL))):
            if kind == wp.static(FULL[i].id):
                wp.static(FULL[i].full)(m, s, r, y)

    @wp.func(inline=True, module="unique")
    def hold(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
        """The crew stops host e at step k (a failed component, or a preventive service); on a host
        with parts, only its part ``part`` (-1 for the whole host)."""
        account(m, s, r, e, k)
        kind = int_at(m.kind, e)
        for i in range(wp.static(len(HOLD))):
            if kind == wp.static(HOLD[i].id):
                wp.static(HOLD[i].hold)(m, s, r, e, part, k, service)

    @wp.func(inline=True, module="unique")
    def release(m: Model, s: State, r: int, e: int, part: int, k: wp.int64, service: bool):
        """The crew's work on host e (its part ``part``) ends at step k."""
        account(m, s, r, e, k)
        kind = int_at(m.kind, e)
        for i in range(wp.static(len(RELEASE))):
            if kind == wp.static(RELEASE[i].id):
                wp.static(RELEASE[i].release)(m, s, r, e, part, k, service)

    @wp.func(inline=True, module="unique")
    def uses(m: Model, s: State, r: int, h: int, host: int) -> wp.int64:
        """The use counter health component h on ``host`` wears by (default: the host's E_USES)."""
        kind = int_at(m.kind, host)
        for i in range(wp.static(len(USES))):
            if kind == wp.static(USES[i].id):
                return wp.static(USES[i].uses)(m, s, r, h, host)
        return s.el64[r, host, E_USES]

    @wp.func(inline=True, module="unique")
    def clock(m: Model, s: State, r: int, h: int, host: int) -> wp.int64:
        """The operating clock health component h on ``host`` wears on (default: the host's E_WORK)."""
        kind = int_at(m.kind, host)
        for i in range(wp.static(len(CLOCK))):
            if kind == wp.static(CLOCK[i].id):
                return wp.static(CLOCK[i].clock)(m, s, r, h, host)
        return s.el64[r, host, E_WORK]

    # what factories of flow hooks receive (kernels/hooks.py)
    return SimpleNamespace(room=room, offer=offer, take=take, accept=accept, full=full, account=account, hold=hold,
                           release=release, uses=uses, clock=clock, takes_parts=takes_parts)
