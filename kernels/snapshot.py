"""Starting replicas from a snapshot (twin/live/restart.py wrote their State): every element may
pull parts at step 0, as after the empty start (engine.start_replicas), but nothing is reset."""

import warp as wp

from .common import wake
from .flow import flow_functions
from .kinds import KINDS
from .layout import R_STEP, Model, State
from .next_event import build_tree

drain = flow_functions(list(KINDS)).drain  # the transfer loop over every registered kind

wp.set_module_options({"enable_backward": False})


@wp.kernel
def resume_replicas(m: Model, s: State):
    r = wp.tid()
    build_tree(m, s, r)  # E_NEXT was written on the host
    n = m.n_elem
    for i in range(n):
        wake(s, r, n - 1 - i)  # element 0 is visited first
    drain(m, s, r, wp.int64(0))
    s.rep64[r, R_STEP] = wp.int64(0)
