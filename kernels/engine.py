"""The kernels the simulator launches: one thread per replica.

``advance`` moves every replica from its current step to ``step_end`` in one launch, jumping from
one step with an event to the next (steps where nothing happens cost nothing), so the host
launches a kernel per progress chunk, not per step.
"""

import warp as wp

from .common import wake
from .dispatch import account
from .flow import drain, handle_event, start_element
from .layout import E_NEXT, NEVER, R_STEP, Model, State

wp.set_module_options({"enable_backward": False})


@wp.kernel
def start_replicas(m: Model, s: State):
    r = wp.tid()
    n = m.n_elem
    for e in range(n):
        start_element(m, s, r, e)
    for i in range(n):
        wake(s, r, n - 1 - i)  # element 0 is visited first
    drain(m, s, r, wp.int64(0))
    s.rep64[r, R_STEP] = wp.int64(0)


@wp.kernel
def advance(m: Model, s: State, step_end: wp.int64):
    r = wp.tid()
    n = m.n_timed
    while True:
        # The next step with an event: only some kinds (m.timed) schedule timed events.
        k = NEVER
        first = int(0)
        ties = int(0)
        for i in range(n):
            v = s.el64[r, m.timed[i], E_NEXT]
            if v < k:
                k = v
                first = i
                ties = 1
            elif v == k:
                ties += 1
        if k >= step_end:
            break
        if ties == 1:
            handle_event(m, s, r, m.timed[first], k)
        else:
            for i in range(first, n):
                e = m.timed[i]
                if s.el64[r, e, E_NEXT] == k:
                    handle_event(m, s, r, e, k)
        drain(m, s, r, k)
    s.rep64[r, R_STEP] = step_end


@wp.kernel
def close_statistics(m: Model, s: State):
    """Integrates every element's state up to the horizon (after the last advance)."""
    r = wp.tid()
    for e in range(m.n_elem):
        account(m, s, r, e, m.horizon_step)
