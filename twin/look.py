"""How an element kind looks in a 3-D scene, declared by the kind itself.

The renderer (twin/render/) and the OpenUSD export (twin/export/usd.py) ask an element for its
``look`` and never test its kind's name, so a new kind brings its appearance with it
(docs/architecture.md, "How to add a kind"). Plain data: no PyVista here.

A shape is geometry keyed by a name: twin.render.meshes builds the shapes named in ``SHAPES``;
a kind that needs another registers it with :func:`register_shape` (its builder, called only when
a scene is drawn, returns ``twin.render.meshes.Part`` s), so a new shape needs no edit of
twin/render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

SHAPES = ("box", "plinth", "rack", "arrow", "bin", "belt", "arm", "cluster")
ITEMS = ("none", "stack", "belt")
_BUILDERS: dict[str, Callable] = {}   # shapes registered by kinds: name -> builder(placement, element)


def register_shape(name: str, builder: Callable) -> None:
    """Registers a shape a kind brings: ``builder(placement, element)`` returns the element's
    meshes as a list of ``twin.render.meshes.Part`` (import PyVista inside it, so that declaring
    the kind loads no renderer). Looks may then name ``shape=name``."""
    if not isinstance(name, str) or not name or name in SHAPES:
        raise ValueError(f"a registered shape needs a new name (not one of {SHAPES}), got {name!r}")
    if not callable(builder):
        raise ValueError(f"shape {name!r}: the builder must be callable, got {builder!r}")
    _BUILDERS[name] = builder


def shape_builder(name: str) -> Callable | None:
    """The builder a kind registered for shape ``name``, or None (a shape of twin.render.meshes)."""
    return _BUILDERS.get(name)


@dataclass(frozen=True)
class Units:
    """Parts of an element that a recording colours one by one (a cluster tool's process
    chambers, its load locks). ``role``: the role its shape gives their meshes (``Part.role``,
    ``Part.index`` the unit's number); ``field``: the element's recorded frames holding their
    state codes, [F, N]; ``states``: the name of each code (USD ``twin:state``, the event log);
    ``to_status``: each code's twin.recording.STATUS_NAMES code, whose colour it takes;
    ``prim``: the USD prim name (``<prim>_<k>``); ``label``: a unit's name in an event log when
    the element cannot give one (``<label><k + 1>``; :meth:`twin.elements.Element.unit_labels`);
    ``event``: the event of a state change; ``object_type``: the OCEL object type of a unit;
    ``held``: codes at which a unit holds a part (the USD export puts a point there, in the
    Points prim ``held_prim``)."""

    role: str
    field: str
    states: tuple[str, ...]
    to_status: tuple[int, ...]
    prim: str
    label: str
    event: str
    object_type: str
    held: tuple[int, ...] = ()
    held_prim: str = ""

    def __post_init__(self):
        if len(self.to_status) != len(self.states):
            raise ValueError(f"Units {self.role!r}: one status per state, got {len(self.states)} states and "
                             f"{len(self.to_status)} statuses")


@dataclass(frozen=True)
class Look:
    """``shape``: the geometry drawn (twin.render.meshes: ``plinth`` a body on a dark plinth,
    ``rack`` an open rack with a tray, ``arrow`` a box with an arrow downstream, ``bin`` an open
    bin, ``belt`` a belt along the element's path, ``arm`` an arm through the joint origins the
    element draws (``drawn_links``), ``cluster`` a ring of chambers the element draws
    (``drawn_ring``), ``box`` a plain box; or a shape registered with :func:`register_shape`).
    ``color``: when nothing colours it by data. ``size``: default footprint (dx, dy, dz) in
    metres when the scene gives none. ``state_colored``: its recorded state colours its body
    (False: it shows its parts instead). ``items``: how the parts it holds are drawn (``stack``:
    cubes on top; ``belt``: at their positions along the path; ``none``). ``reach``: its edges are
    a reach (it tends the other end), not a flow of material.

    What its kind records itself (``Recorded.equipment``) moves and colours it: an ``arm`` moves
    through the recorded ``links`` ([F, J + 1, 3] joint origins; ``joints`` [F, J] angles and
    ``holding`` [F] parts carried where recorded); ``units`` are coloured from their recorded
    codes; ``attributes``: (recorded field, USD attribute, USD type ``Int``, ``IntArray`` or
    ``Double``) exported as time samples ``twin:<attribute>``, in this order."""

    shape: str = "box"
    color: str = "#a0a0a0"
    size: tuple[float, float, float] = (1.5, 1.5, 1.5)
    state_colored: bool = True
    items: str = "none"
    reach: bool = False
    units: tuple[Units, ...] = ()
    attributes: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self):
        if self.shape not in SHAPES and self.shape not in _BUILDERS:
            raise ValueError(f"Look.shape must be one of {SHAPES} or a registered shape "
                             f"({', '.join(_BUILDERS) or 'none'}), got {self.shape!r}")
        if self.items not in ITEMS:
            raise ValueError(f"Look.items must be one of {ITEMS}, got {self.items!r}")
        for field, _, typ in self.attributes:
            if typ not in ("Int", "IntArray", "Double"):
                raise ValueError(f"Look.attributes: {field!r} has USD type {typ!r}, not Int, IntArray or Double")
