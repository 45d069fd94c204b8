"""Material flow: one replica's parts moving between elements at one step.

At a step where something happens, the elements with a timed event handle it (``handle_event``);
every element whose situation changed is pushed on the replica's work stack; popping an element
lets it pull parts from its predecessors while it has room (``fill``). Transfers are
instantaneous, so a completion can ripple through blocked machines upstream within one step.

No kind is named here: the per-kind work is in the hooks of each kind's kernel module
(kernels/hooks.py), called through the dispatch generated over the plant's kinds
(kernels/dispatch.py for the element hooks; ``pull``, ``event`` and ``start`` here, whose hooks
may be factories built on the element dispatch). The maintenance crew is an internal element
whose timed events are health updates and finished jobs.
"""

import inspect
from types import SimpleNamespace

import warp as wp

from .common import known_index
from .dispatch import element_dispatch
from .loads import int_at
from .layout import E_FAIL, E_QUEUED, E_REPAIR, NEVER, R_WORK_N, Model, State
from .next_event import set_next_event

wp.set_module_options({"enable_backward": False})


def resolved(kinds: list, hook: str, d) -> tuple[list, list]:
    """(ids, functions) of the kinds with ``hook``; factories are built on the element dispatch d."""
    ids, fns = [], []
    for k in kinds:
        f = getattr(k, hook)
        if f is None:
            continue
        ids.append(k.id)
        fns.append(f(d) if inspect.isfunction(f) else f)
    return ids, fns


def flow_functions(kinds: list) -> SimpleNamespace:
    """The transfer loop and the event/start dispatch over ``kinds`` (registry order), with the
    element dispatch ``d`` they are built on (new Warp functions per call, module="unique")."""
    d = element_dispatch(kinds)
    account, accept, full, offer, room, take, takes_parts = (d.account, d.accept, d.full, d.offer, d.room, d.take,
                                                              d.takes_parts)
    PULL_IDS, PULL = resolved(kinds, "pull", d)
    EVENT_IDS, EVENT = resolved(kinds, "event", d)
    START_IDS, START = resolved(kinds, "start", d)

    @wp.func(inline=True, module="unique")
    def best_offer(m: Model, s: State, r: int, y: int, k: wp.int64):
        """(x, slot) of the part y takes next: the longest-waiting offer of its predecessors (the
        first one on equal steps), or the part y's ``pull`` hook chooses; slot -1: none."""
        best_slot = int(-1)
        best_x = int(-1)
        best_step = NEVER
        j1 = int_at(m.in_start, y + 1)
        kind = int_at(m.kind, y)
        for i in range(wp.static(len(PULL))):
            if kind == wp.static(PULL_IDS[i]):
                best_x, best_slot = wp.static(PULL[i])(m, s, r, y, k)
                j1 = int_at(m.in_start, y)
        j = int_at(m.in_start, y)
        while j < j1:  # a while loop: Warp's range() loop costs a step-sign test and more per turn
            x = known_index(int_at(m.in_elem, j))
            slot, ready = offer(m, s, r, x, y)
            if slot >= 0 and ready < best_step:
                best_step = ready
                best_slot = slot
                best_x = x
            j += 1
        return best_x, best_slot

    @wp.func(inline=True, module="unique")
    def fill(m: Model, s: State, r: int, y: int, k: wp.int64):
        """Pulls parts into y while it has room, the longest-waiting offer first (or the part y's
        ``pull`` hook chooses).

        The first look for an offer comes before the loop: most visits find none, and the
        compiler hoists the transfer's address arithmetic for y into the loop's preheader, which
        such visits then never reach (the same calls in the same order as a plain loop)."""
        best_x, best_slot = best_offer(m, s, r, y, k)
        if best_slot < 0:
            return
        while True:
            if room(m, s, r, y, k) <= 0:
                full(m, s, r, y)
                return
            entry = take(m, s, r, best_x, best_slot, k)
            accept(m, s, r, y, entry, k)
            best_x, best_slot = best_offer(m, s, r, y, k)
            if best_slot < 0:
                return

    @wp.func(inline=True, module="unique")
    def drain(m: Model, s: State, r: int, k: wp.int64):
        """Visits the work stack until no element can pull anything more at step k."""
        while True:
            n = s.rep64[r, R_WORK_N]
            if n == wp.int64(0):
                return
            n = n - wp.int64(1)
            e = known_index(s.work[r, known_index(int(n))])
            s.rep64[r, R_WORK_N] = n
            s.el32[r, e, E_QUEUED] = 0
            if takes_parts(int_at(m.kind, e)):
                fill(m, s, r, e, k)

    @wp.func(inline=True, module="unique")
    def handle_event(m: Model, s: State, r: int, e: int, k: wp.int64):
        """Element e's timed event(s) due at step k."""
        account(m, s, r, e, k)
        kind = int_at(m.kind, e)
        for i in range(wp.static(len(EVENT))):
            if kind == wp.static(EVENT_IDS[i]):
                wp.static(EVENT[i])(m, s, r, e, k)

    @wp.func(inline=True, module="unique")
    def start_element(m: Model, s: State, r: int, e: int):
        """Puts element e in its state at step 0 (the plant starts empty)."""
        set_next_event(m, s, r, e, NEVER)
        s.el64[r, e, E_FAIL] = NEVER
        s.el64[r, e, E_REPAIR] = NEVER
        kind = int_at(m.kind, e)
        for i in range(wp.static(len(START))):
            if kind == wp.static(START_IDS[i]):
                wp.static(START[i])(m, s, r, e)

    return SimpleNamespace(fill=fill, drain=drain, handle_event=handle_event, start_element=start_element,
                           account=account)
