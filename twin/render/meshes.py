"""Geometry of each shape an element's look names (twin/look.py): small functions from a
Placement (and the element spec) to PyVista meshes.

Each function returns a list of :class:`Part`. A part's ``role`` says how the scene colours it:
``"body"`` takes the element's colour (its kind, its KPI, or its recorded state), ``"trim"`` keeps
``color`` (frames, plinths, legs), a role of its look's ``units`` (``"chamber"``, ``"load_lock"``,
with ``index``) takes the colour of that unit's recorded state, and ``"links"`` is an arm
(redrawn from recorded joint origins when animating). ``anchor``: where a part the piece holds
is drawn (a ring's chambers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyvista as pv

from ..errors import TwinError
from ..look import shape_builder
from .colors import TRIM_COLOR
from .layout import BELT_HEIGHT, BELT_WIDTH, EFEM_DEPTH, PORT_DEPTH, Placement, drawn_ring, element_position

PART_EDGE = 0.28          # edge of a part (item) cube, metres
LINK_RADIUS = 0.06
JOINT_RADIUS = 0.09


@dataclass
class Part:
    mesh: pv.PolyData
    role: str = "body"
    color: str | None = None
    index: int = 0
    anchor: np.ndarray | None = None


# ---- primitives ------------------------------------------------------------------------------
def box(lo, hi) -> pv.PolyData:
    """An axis-aligned box between two corners."""
    return pv.Box(bounds=(lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])).triangulate()


def oriented_box(p0, p1, width: float, z0: float, z1: float) -> pv.PolyData:
    """A box along the floor segment p0 -> p1 (its length), ``width`` across, from height z0 to
    z1 above the segment (which may slope)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    length = float(np.linalg.norm(d))
    horiz = float(np.hypot(d[0], d[1]))
    b = box((0.0, -width / 2, z0), (max(length, 1e-6), width / 2, z1))
    ex = d / max(length, 1e-12)
    ey = np.array([-d[1], d[0], 0.0]) / horiz if horiz > 1e-12 else np.array([0.0, 1.0, 0.0])
    ez = np.cross(ex, ey)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = ex, ey, ez, p0
    return b.transform(m, inplace=False)


def rotated_box(center, size, angle: float) -> pv.PolyData:
    """A box of ``size`` standing on the floor at ``center``, turned by ``angle`` (radians) about z."""
    dx, dy, dz = size
    b = box((-dx / 2, -dy / 2, 0.0), (dx / 2, dy / 2, dz))
    c, s = math.cos(angle), math.sin(angle)
    m = np.array([[c, -s, 0, center[0]], [s, c, 0, center[1]], [0, 0, 1, center[2]], [0, 0, 0, 1.0]])
    return b.transform(m, inplace=False)


def cylinder(center_floor, radius: float, height: float, resolution: int = 32) -> pv.PolyData:
    c = np.asarray(center_floor, float) + np.array([0.0, 0.0, height / 2])
    return pv.Cylinder(center=c, direction=(0, 0, 1), radius=radius, height=height,
                       resolution=resolution).triangulate()


# ---- shapes ----------------------------------------------------------------------------------
def plinth_parts(pl: Placement, el=None) -> list[Part]:
    """A dark plinth and the body above it."""
    lo, hi = pl.lo, pl.hi
    dz = hi[2] - lo[2]
    plinth = 0.08 * dz
    inset = 0.03 * np.array([pl.size[0], pl.size[1], 0.0])
    return [Part(box(lo, (hi[0], hi[1], lo[2] + plinth)), "trim", TRIM_COLOR),
            Part(box(lo + inset + (0, 0, plinth), hi - inset), "body")]


def rack_parts(pl: Placement, el=None) -> list[Part]:
    """An open rack (frame below, a tray on top where its parts sit)."""
    lo, hi = pl.lo, pl.hi
    dz = hi[2] - lo[2]
    tray = 0.15 * dz
    sx, sy = 0.06 * pl.size[0], 0.12 * pl.size[1]
    frame = box((lo[0] + sx, lo[1] + sy, lo[2]), (hi[0] - sx, hi[1] - sy, hi[2] - tray))
    return [Part(frame, "trim", TRIM_COLOR), Part(box((lo[0], lo[1], hi[2] - tray), hi), "body")]


def arrow_parts(pl: Placement, el=None) -> list[Part]:
    """A box with an arrow on top pointing downstream (+x)."""
    lo, hi = pl.lo, pl.hi
    arrow = pv.Cone(center=(pl.center[0], pl.center[1], hi[2] + 0.12), direction=(1, 0, 0),
                    height=0.6 * pl.size[0], radius=0.25 * min(pl.size[0], pl.size[1]), resolution=3)
    return [Part(box(lo, hi), "body"), Part(arrow.triangulate(), "trim", "#ffffff")]


def bin_parts(pl: Placement, el=None) -> list[Part]:
    """An open bin (floor slab and four walls)."""
    lo, hi = pl.lo, pl.hi
    t = 0.08 * min(pl.size[0], pl.size[1])
    return [Part(box(lo, (hi[0], hi[1], lo[2] + t)), "body"),
            Part(box(lo, (lo[0] + t, hi[1], hi[2])), "body"),
            Part(box((hi[0] - t, lo[1], lo[2]), hi), "body"),
            Part(box(lo, (hi[0], lo[1] + t, hi[2])), "body"),
            Part(box((lo[0], hi[1] - t, lo[2]), hi), "body")]


def belt_dims(el) -> tuple[float, float]:
    """(width, belt height) of a belt: from the element's ``size`` (dy, dz) when given."""
    size = getattr(el, "size", None)
    return (float(size[1]), float(size[2])) if size else (BELT_WIDTH, BELT_HEIGHT)


def belt_parts(pl: Placement, el=None) -> list[Part]:
    """A belt along its path: the belt surface (body), side rails and legs (trim)."""
    width, height = belt_dims(el)
    parts = []
    path = pl.path
    for a, b in zip(path[:-1], path[1:]):
        parts.append(Part(oriented_box(a, b, width, height - 0.08, height), "body"))
        d = b - a
        n = np.array([-d[1], d[0], 0.0]) / max(np.hypot(d[0], d[1]), 1e-12) * (width / 2 + 0.03)
        for side in (n, -n):
            parts.append(Part(oriented_box(a + side, b + side, 0.05, height - 0.14, height + 0.02), "trim", TRIM_COLOR))
    for p in path:
        parts.append(Part(box(p - (0.05, width / 2 - 0.05, 0.0), p + (0.05, width / 2 - 0.05, height - 0.08)),
                          "trim", TRIM_COLOR))
    return parts


def arm_links(el) -> np.ndarray:
    """Joint origins [J + 1, 3] (plant coordinates, base first) of an arm at rest: what the
    element answers (``drawn_links()``), else a placeholder arm standing where it stands."""
    ask = getattr(el, "drawn_links", None)
    if ask is not None:
        return np.asarray(ask(), dtype=float).reshape(-1, 3)
    base = np.asarray(element_position(el) if element_position(el) is not None else (0, 0, 0), float)
    scale = 1.0
    if getattr(el, "size", None):
        scale = max(float(el.size[2]) / 1.6, 0.3)
    shape = np.array([[0, 0, 0], [0, 0, 0.55], [0.3, 0, 1.15], [0.75, 0, 1.05], [0.85, 0, 0.75]])
    return base + scale * shape


def floor_offset(pl: Placement, el) -> np.ndarray:
    """Shift from plant coordinates (where the element stands, ``floor_position``) to where the
    layout put it (zero when the scene's positions are used): recorded points of the element in
    plant coordinates (an arm's joint origins) are drawn shifted by it."""
    own = element_position(el)
    if own is None:
        return np.zeros(3)
    return np.array([pl.center[0] - own[0], pl.center[1] - own[1], 0.0])


def arm_parts(pl: Placement, el=None, links: np.ndarray | None = None, link_radius: float = LINK_RADIUS) -> list[Part]:
    """An arm: a pedestal at its base, links through its joint origins, joint spheres.
    ``link_radius``: thicker than the real links where a frame needs it to show the arm."""
    pts = (arm_links(el) if links is None else np.asarray(links, float)) + floor_offset(pl, el)
    base = pts[0]
    pedestal = max(0.28, 1.6 * link_radius)
    parts = [Part(cylinder((base[0], base[1], 0.0), pedestal, max(base[2], 0.0) + 0.12), "trim", TRIM_COLOR)]
    parts.append(Part(arm_mesh(pts, link_radius), "links"))
    return parts


def arm_mesh(pts: np.ndarray, link_radius: float = LINK_RADIUS) -> pv.PolyData:
    """Tubes along the links and spheres at the joints (1.5 times the link radius), one mesh."""
    pts = np.asarray(pts, float)
    joint = JOINT_RADIUS * link_radius / LINK_RADIUS
    meshes = [pv.lines_from_points(pts).tube(radius=link_radius, n_sides=12)]
    meshes += [pv.Sphere(radius=joint, center=p, theta_resolution=12, phi_resolution=12) for p in pts]
    return pv.merge([m.triangulate() for m in meshes])


def ring_geometry(pl: Placement, el) -> dict:
    """Where a ring's pieces stand (``drawn_ring``): ring centre, radius, process chamber and
    load-lock angles (load locks face the front, -x, towards the EFEM and load ports)."""
    radius, n_chambers, n_locks, n_ports = drawn_ring(el)
    x0 = pl.center[0] - pl.size[0] / 2
    ring = np.array([x0 + PORT_DEPTH + EFEM_DEPTH + 1.35 * radius, pl.center[1], pl.center[2]])
    slots = max(n_chambers + n_locks, 1)
    step = 2 * math.pi / slots
    lock_angles = [math.pi + (k - (n_locks - 1) / 2) * step for k in range(n_locks)]
    first = math.pi + (n_locks - 1) / 2 * step + step
    chamber_angles = [first + k * step for k in range(n_chambers)]
    return {"radius": radius, "ring": ring, "chambers": chamber_angles, "load_locks": lock_angles,
            "ports": n_ports, "x0": x0}


CHAMBER_TOP = 1.45      # a part held in a ring's chamber is drawn this high above the floor (metres)


def cluster_parts(pl: Placement, el=None) -> list[Part]:
    """A ring: a transfer chamber (cylinder) ringed by process chambers (role ``chamber``, their
    ``anchor`` where a part they hold is drawn) and load locks (role ``load_lock``), with the
    EFEM and its load ports in front."""
    g = ring_geometry(pl, el)
    r, c = g["radius"], g["ring"]
    parts = [Part(cylinder(c, 0.55 * r, 1.0, 48), "body")]
    slots = len(g["chambers"]) + len(g["load_locks"])
    tangential = min(0.62 * r, 2 * math.pi * r / max(slots, 1) * 0.8)
    for i, a in enumerate(g["chambers"]):
        centre = c + 0.98 * r * np.array([math.cos(a), math.sin(a), 0.0])
        parts.append(Part(rotated_box(centre, (0.7 * r, tangential, 1.35), a), "chamber", index=i,
                          anchor=centre + np.array([0.0, 0.0, CHAMBER_TOP])))
    for j, a in enumerate(g["load_locks"]):
        centre = c + 0.78 * r * np.array([math.cos(a), math.sin(a), 0.0])
        parts.append(Part(rotated_box(centre, (0.42 * r, 0.8 * tangential, 1.0), a), "load_lock", index=j))
    # EFEM: a long box across the front; load ports with a carrier (FOUP) on each
    y_half = 0.9 * pl.size[1] / 2
    x0 = g["x0"]
    parts.append(Part(box((x0 + PORT_DEPTH, pl.center[1] - y_half, 0.0),
                          (x0 + PORT_DEPTH + EFEM_DEPTH, pl.center[1] + y_half, 1.9)), "trim", "#c9ced6"))
    n = g["ports"]
    for k in range(n):
        y = pl.center[1] + (k - (n - 1) / 2) * min(0.75, 2 * y_half / max(n, 1))
        parts.append(Part(box((x0 + 0.05, y - 0.25, 0.0), (x0 + PORT_DEPTH - 0.05, y + 0.25, 0.9)), "trim", "#8a96a8"))
        parts.append(Part(box((x0 + 0.1, y - 0.18, 0.9), (x0 + PORT_DEPTH - 0.1, y + 0.18, 1.25)), "trim", "#e8e8e8"))
    return parts


def box_parts(pl: Placement, el=None) -> list[Part]:
    """An element whose look names no other shape: a box."""
    return [Part(box(pl.lo, pl.hi), "body")]


SHAPE_PARTS = {  # twin.look.SHAPES -> its geometry; shapes a kind registers: twin.look.register_shape
    "box": box_parts,
    "plinth": plinth_parts,
    "rack": rack_parts,
    "arrow": arrow_parts,
    "bin": bin_parts,
    "belt": belt_parts,
    "arm": arm_parts,
    "cluster": cluster_parts,
}


def element_parts(pl: Placement, el, link_radius: float = LINK_RADIUS) -> list[Part]:
    """The parts of one element, by the shape of its look (a shape of its kind's: the builder it
    registered, twin.look.register_shape); ``link_radius``: an arm's drawn link radius."""
    shape = pl.look.shape
    if shape == "arm":
        return arm_parts(pl, el, link_radius=link_radius)
    build = SHAPE_PARTS.get(shape) or shape_builder(shape)
    if build is None:
        raise TwinError(f"element '{pl.name}': no geometry for shape {shape!r} (twin.look.register_shape)")
    return list(build(pl, el))


# ---- parts (items) in animations -------------------------------------------------------------
def item_slots(pl: Placement, count: int) -> np.ndarray:
    """Where ``count`` parts held by an element whose look stacks its items are drawn: cubes in
    rows on top of it (a buffer's tray, a machine's body; up to what fits, three layers);
    [N, 3] cube centres."""
    if count <= 0:
        return np.zeros((0, 3))
    pitch = PART_EDGE * 1.25
    nx = max(int(pl.size[0] * 0.9 // pitch), 1)
    ny = max(int(pl.size[1] * 0.9 // pitch), 1)
    n = min(count, nx * ny * 3)
    k = np.arange(n)
    layer, rest = k // (nx * ny), k % (nx * ny)
    row, col = rest // nx, rest % nx
    x = pl.center[0] + (col - (nx - 1) / 2) * pitch
    y = pl.center[1] + (row - (ny - 1) / 2) * pitch
    z = pl.hi[2] + PART_EDGE / 2 + layer * PART_EDGE
    return np.stack([x, y, z], axis=1)


def items_mesh(centers: np.ndarray) -> pv.PolyData:
    """Cubes at ``centers`` (one mesh; empty when there are none)."""
    centers = np.asarray(centers, float).reshape(-1, 3)
    if len(centers) == 0:
        return pv.PolyData()
    cube = pv.Cube(x_length=PART_EDGE, y_length=PART_EDGE, z_length=PART_EDGE).triangulate()
    return pv.PolyData(centers).glyph(geom=cube, scale=False, orient=False)
