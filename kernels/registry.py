"""The registry of element kinds: one entry per kind, read by both sides (no Warp here).

An entry names the kind (its ``kind`` in scene files), its code in ``Model.kind``, its kernel
module (in ``twin.kernels``, exporting ``HOOKS``: kernels/hooks.py) and the Python module that
defines its element class (registered with ``twin.elements.register_kind``; empty for the
maintenance crew, an internal element). The order is the dispatch order: each generated dispatch
tests the kinds in this order, the most frequent first.

A kind with parameter, state or per-run input structs of its own names the kernel module that
declares them (``layout``: ``FIELD``, ``PARAMS``, ``STATE``, ``CONTROL``, ``TABLES``;
kernels/layout.py adds them to Model, State and Control as ``m.FIELD[0]`` / ``s.FIELD[0]`` /
``s.control[0].FIELD``) and the Python module that fills them (``fill``: ``compile_params``,
``state_dims`` and, with a CONTROL struct, ``compile_control`` and ``CONTROL_INPUTS``;
twin/model.py and twin/state.py call them; empty: the params struct is filled from the element
class's ``kernel_columns``). Central files name neither.

Adding a kind = one line here, its kernel module and its Python module (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str         # the element kind in scene files
    id: int           # its code in Model.kind
    kernel: str       # kernel module in twin.kernels (exports HOOKS)
    module: str       # Python module of the element class ("" for an internal element)
    timed: bool       # schedules timed events (keeps E_NEXT): a leaf of the engine's next-event tree
    layout: str = ""  # kernel module in twin.kernels declaring the kind's own structs ("": none)
    fill: str = ""    # Python module filling them (compile_params, state_dims, compile_control); "": from kernel_columns


KINDS = (
    Entry("machine", 1, "machine", "twin.elements", timed=True),
    Entry("buffer", 2, "buffer", "twin.elements", timed=False),
    Entry("conveyor", 4, "conveyor", "twin.elements", timed=True, layout="conveyor_layout"),
    Entry("source", 0, "source", "twin.elements", timed=True),
    Entry("sink", 3, "sink", "twin.elements", timed=False),
    Entry("robot", 5, "robot", "twin.equipment.robot", timed=True, layout="robot_layout", fill="twin.equipment.robot"),
    Entry("cluster_tool", 6, "cluster_tool", "twin.equipment.cluster_tool", timed=True, layout="tool_layout",
          fill="twin.equipment.cluster_tool"),
    Entry("delay", 8, "delay", "twin.equipment.delay", timed=True),
    Entry("maintenance", 7, "health", "", timed=True, layout="health_layout",
          fill="twin.maintenance.compiled"),  # the crew: an internal element after the plant's
)
CREW = "maintenance"


def entry(name: str) -> Entry:
    """The kind registered under ``name``."""
    for e in KINDS:
        if e.name == name:
            return e
    raise KeyError(name)


def _check() -> None:
    for what in ("name", "id", "layout"):
        seen = [getattr(e, what) for e in KINDS if getattr(e, what) != ""]
        dup = sorted({x for x in seen if seen.count(x) > 1})
        if dup:
            raise ValueError(f"two kinds are registered with {what} {dup}")


_check()
