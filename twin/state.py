"""State: everything that changes during a run, one row per replica, allocated once per run."""

from __future__ import annotations

import warp as wp

from .equipment import cluster_tool, robot
from .kernels import layout
from .maintenance import compiled as maintenance
from .model import Model


def new_state(model: Model, replicas: int, kernel_model: layout.Model) -> layout.State:
    """Zeroed state for ``replicas`` replicas of ``model`` (the kernels start it); sized for the
    run's ``kernel_model`` (its sensor log)."""
    dev = model.device
    n, slots = model.n_kernel_elements, max(model.n_slots, 1)
    streams = n + model.n_components  # random streams: elements, then health components
    s = layout.State()
    s.el64 = wp.zeros((replicas, n, layout.EL64), dtype=wp.int64, device=dev)
    s.el32 = wp.zeros((replicas, n, layout.EL32), dtype=wp.int32, device=dev)
    s.acc = wp.zeros((replicas, n, layout.ACC), dtype=wp.int64, device=dev)
    s.s64 = wp.zeros((replicas, slots, 2), dtype=wp.int64, device=dev)
    s.s32 = wp.zeros((replicas, slots, 2), dtype=wp.int32, device=dev)
    s.draws = wp.zeros((replicas, streams, layout.STREAMS), dtype=wp.int64, device=dev)
    s.carry = wp.zeros((replicas, streams, layout.STREAMS), dtype=wp.float64, device=dev)
    s.work = wp.zeros((replicas, n), dtype=wp.int32, device=dev)
    s.rep64 = wp.zeros((replicas, layout.REP64), dtype=wp.int64, device=dev)
    s.next_tree = wp.zeros((replicas, 2 * kernel_model.tree_leaves), dtype=wp.int64, device=dev)  # advance builds it
    s.ct_sumsq = wp.zeros(replicas, dtype=wp.float64, device=dev)
    s.ct_hist = wp.zeros(layout.HIST_BINS, dtype=wp.int64, device=dev)
    s.robot = layout.struct_ref(robot.new_state(model, replicas), dev)
    s.tool = layout.struct_ref(cluster_tool.new_state(model, replicas), dev)
    s.health = layout.struct_ref(maintenance.new_health_state(model, replicas, layout.host_struct(kernel_model.health)),
                                 dev)
    return s


def state_nbytes(model: Model, replicas: int) -> int:
    """Bytes of device memory a run of ``replicas`` replicas needs (for error messages)."""
    n, slots = model.n_kernel_elements + model.n_components, max(model.n_slots, 1)
    per = n * (layout.EL64 * 8 + layout.EL32 * 4 + layout.ACC * 8 + layout.STREAMS * 16 + 4) + slots * 24 + 56
    leaves = 1 << max(model.n_kernel_elements - 1, 0).bit_length()  # at most: the next-event tree
    return replicas * (per + 16 * leaves) + layout.HIST_BINS * 8


def to_numpy(state) -> dict:
    """Host copies of every state array, by field name ("robot.i64" for nested structs)."""
    out = {}
    for name in state._cls.vars:  # the Warp struct behind the instance
        value = layout.host_struct(getattr(state, name))
        if isinstance(value, wp.array):
            out[name] = value.numpy()
        else:
            out.update({f"{name}.{k}": v for k, v in to_numpy(value).items()})
    return out
