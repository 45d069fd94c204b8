"""Starting replicas from a snapshot (twin/live/restart.py wrote their State): every element may
pull parts at step 0, as after the empty start (engine.start_replicas), but nothing is reset.
And the lookup of a kind's host-side snapshot hooks (kernels/hooks.py SnapshotHooks) by the
registry: twin.live never names a kind to capture or restore it."""

import importlib

import warp as wp

from .common import wake
from .flow import flow_functions
from .kinds import KINDS
from .layout import R_STEP, Model, State
from .registry import entry
from .next_event import build_tree
from .sampling import set_row_key

drain = flow_functions(list(KINDS)).drain  # the transfer loop over every registered kind

wp.set_module_options({"enable_backward": False})


@wp.kernel
def resume_replicas(m: Model, s: State):
    r = wp.tid()
    set_row_key(s, r)
    build_tree(m, s, r)  # E_NEXT was written on the host
    n = m.n_elem
    for i in range(n):
        wake(s, r, n - 1 - i)  # element 0 is visited first
    drain(m, s, r, wp.int64(0))
    s.rep64[r, R_STEP] = wp.int64(0)


def snapshot_hooks(kind: str):
    """The ``SNAPSHOT`` hooks exported by the kernel module of ``kind`` (registry), or None."""
    return getattr(importlib.import_module(f".{entry(kind).kernel}", __package__), "SNAPSHOT", None)
