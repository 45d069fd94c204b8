"""How an element kind looks in a 3-D scene, declared by the kind itself.

The renderer (twin/render/) and the OpenUSD export (twin/export/usd.py) ask an element for its
``look`` and never test its kind's name, so a new kind brings its appearance with it
(docs/architecture.md, "How to add a kind"). Plain data: no PyVista here.
"""

from __future__ import annotations

from dataclasses import dataclass

SHAPES = ("box", "plinth", "rack", "arrow", "bin", "belt", "arm", "cluster")
ITEMS = ("none", "stack", "belt")


@dataclass(frozen=True)
class Look:
    """``shape``: the geometry drawn (twin.render.meshes: ``plinth`` a body on a dark plinth,
    ``rack`` an open rack with a tray, ``arrow`` a box with an arrow downstream, ``bin`` an open
    bin, ``belt`` a belt along the element's path, ``arm`` a robot arm from its links, ``cluster``
    a cluster tool's ring of chambers, ``box`` a plain box). ``color``: when nothing colours it by
    data. ``size``: default footprint (dx, dy, dz) in metres when the scene gives none.
    ``state_colored``: its recorded state colours its body (False: it shows its parts instead).
    ``items``: how the parts it holds are drawn (``stack``: cubes on top; ``belt``: at their
    positions along the path; ``none``). ``reach``: its edges are a reach (it tends the other end),
    not a flow of material."""

    shape: str = "box"
    color: str = "#a0a0a0"
    size: tuple[float, float, float] = (1.5, 1.5, 1.5)
    state_colored: bool = True
    items: str = "none"
    reach: bool = False

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"Look.shape must be one of {SHAPES}, got {self.shape!r}")
        if self.items not in ITEMS:
            raise ValueError(f"Look.items must be one of {ITEMS}, got {self.items!r}")
