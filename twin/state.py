"""State: everything that changes during a run, one row per replica, allocated once per run.

Every State table is declared once (kernels/tables.py; the declarations live in
kernels/layout.py and in the layout module of each kind with a State struct of its own, which the
kind registry names): ``new_state`` allocates them all in one loop from those declarations,
``state_nbytes`` sums their bytes. The sizes of a kind's own axes come from its fill module
(``state_dims``, kernels/registry.py ``fill``); this file names no kind.

Layouts (the same kernel code indexes either: Warp arrays carry their strides):

- ``replica_major``: each table is contiguous in its declared axis order (replica outermost):
  one replica's rows are together, which suits one CPU thread walking one replica.
- ``replica_minor``: the replica axis is innermost in memory (``[element, column, replica]``),
  viewed in the declared order through strides: the threads of a GPU warp (consecutive replicas)
  reading the same entry load one contiguous segment (coalesced).

Default: ``replica_minor`` on CUDA, ``replica_major`` on CPU (``default_layout``).

``State.control`` holds the run's Control (seed, window, each kind's per-run part; ``Model.control``):
per run like the tables, so a new run allocates a State and a Control and shares the Model.
"""

from __future__ import annotations

import numpy as np
import warp as wp

from .kernels import layout
from .kernels.tables import LAYOUTS, REPLICA
from .model import Model, kind_structs

# the kinds with a State struct of their own (registry order), each with its fill module
_KIND_STATES = [k for k in kind_structs() if k.layout.STATE is not None]
# every State table, by struct: "" is State itself, then a kind's own State.FIELD ("robot", ...)
STRUCTS = {"": (layout.State, layout.TABLES), **{k.layout.FIELD: (k.layout.STATE, k.layout.TABLES)
                                                  for k in _KIND_STATES}}
TABLES = tuple(t for _, tables in STRUCTS.values() for t in tables)

_DTYPES = {"int64": wp.int64, "int32": wp.int32, "float64": wp.float64, "float32": wp.float32}


def default_layout(device) -> str:
    """``replica_minor`` on CUDA (coalesced loads), ``replica_major`` on CPU (a replica's rows in
    one place for the one thread that runs it)."""
    return "replica_major" if wp.get_device(device).is_cpu else "replica_minor"


def state_dims(model: Model, replicas: int, control: layout.Control | None = None) -> dict:
    """The size of every named axis of the State tables for this run (``control``: the run's
    Control, for the sensor log's size; None: no sensor log)."""
    n = model.n_kernel_elements
    dims = {REPLICA: replicas, "element": n, "slot": max(model.n_slots, 1),
            "stream": n + model.n_components,  # random streams: elements, then health components
            "bin": layout.HIST_BINS,
            "tree": 2 * model.arrays.tree_leaves}  # the next-event tree (kernels/next_event.py)
    for k in _KIND_STATES:  # each kind sizes its own axes (robots, chambers, components, ...)
        dims.update(k.fill.state_dims(model, replicas, control))
    return dims


def allocate(table, dims: dict, table_layout: str, device) -> wp.array:
    """One table, filled with its start value, in the logical (declared) axis order; with
    ``replica_minor`` its memory order puts the replica axis innermost (a strided view)."""
    shape = table.shape(dims)
    order = table.physical_order(table_layout)
    physical = wp.full(tuple(shape[a] for a in order), table.fill, dtype=_DTYPES[table.dtype], device=device) \
        if table.fill else wp.zeros(tuple(shape[a] for a in order), dtype=_DTYPES[table.dtype], device=device)
    if list(order) == sorted(order):
        return physical
    return physical.transpose(tuple(order.index(a) for a in range(len(order))))  # back to the logical order


def new_state(model: Model, replicas: int, control: layout.Control, table_layout: str | None = None
              ) -> layout.State:
    """Zeroed state for ``replicas`` replicas of ``model`` (the kernels start it), carrying the
    run's ``control`` (``Model.control``; it sizes the sensor log). ``table_layout``: one of
    ``kernels.tables.LAYOUTS`` (None: ``default_layout`` of the model's device)."""
    dev = model.device
    table_layout = table_layout or default_layout(dev)
    if table_layout not in LAYOUTS:
        raise ValueError(f"unknown table layout {table_layout!r}; one of {', '.join(LAYOUTS)}")
    dims = state_dims(model, replicas, control)
    structs = {}
    for path, (cls, tables) in STRUCTS.items():
        st = structs[path] = cls()
        for t in tables:
            setattr(st, t.name.rpartition(".")[2], allocate(t, dims, table_layout, dev))
    s = structs.pop("")
    for path, st in structs.items():
        setattr(s, path, layout.struct_ref(st, dev))
    s.control = layout.struct_ref(control, dev)
    return s


def state_nbytes(model: Model, replicas: int, control: layout.Control | None = None) -> int:
    """Bytes of device memory the State tables of a run of ``replicas`` replicas take (for error
    messages and reports): the declared tables at this model's sizes."""
    dims = state_dims(model, replicas, control)
    return sum(t.nbytes(dims) for t in TABLES)


def bytes_per_replica(model: Model, control: layout.Control | None = None) -> int:
    """Bytes one more replica adds to the State (tables with a replica axis)."""
    dims = state_dims(model, 1, control)
    return sum(t.nbytes_per_replica(dims) for t in TABLES)


def to_numpy(state) -> dict:
    """Host copies of every state array, by field name ("robot.i64" for nested structs), in the
    logical axis order and C-contiguous whatever the layout: numpy sums along an axis in an order
    that depends on the strides, so a strided (replica-minor) view could change the last bit of a
    float KPI (tests/test_state.py). Free for replica-major tables (already contiguous)."""
    out = {}
    for name in state._cls.vars:  # the Warp struct behind the instance
        if name == "control":  # the run's inputs (layout.Control), not state
            continue
        value = layout.host_struct(getattr(state, name))
        if isinstance(value, wp.array):
            out[name] = np.ascontiguousarray(value.numpy())
        else:
            out.update({f"{name}.{k}": v for k, v in to_numpy(value).items()})
    return out
