"""A PyVista scene of a plant: floor, material flows, a mesh per element, labels, colours.

:class:`LineScene` builds the scene once; it is coloured either by a per-element KPI (a scalar
bar and a legend) or, for animations, by recorded states (:meth:`LineScene.show_frame`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TwinError
from . import backend
from .colors import (BOTTLENECK_COLOR, FEEDBACK_COLOR, FLOOR_COLOR, FLOW_COLOR, GRID_COLOR,
                     NO_DATA_COLOR, PART_COLOR, REACH_COLOR, STATUS_COLORS, bottleneck_group,
                     color_map, color_range, format_value, is_fraction, kpi_values, status_color)
from .labels import LabelPlacer, text_px
from .layout import Layout, path_points, plant_layout as make_layout

pv = backend.import_pyvista()

from . import meshes  # noqa: E402  (needs pyvista)

VIEWS = {  # camera direction (from the scene towards the camera) and view-up
    "iso": ((-0.55, -1.0, 0.95), (0.0, 0.0, 1.0)),
    "top": ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    "front": ((0.0, -1.0, 0.3), (0.0, 0.0, 1.0)),
}
BACKGROUND = "white"
AMBIENT = 0.25
FLOOR_MARGIN = 1.5        # floor around the plant, metres
LIGHTING = "three lights"
MIN_LINK_PX = 6.0         # an arm's links are drawn at least this many pixels thick


def is_reach_edge(plant, u: str, v: str) -> bool:
    """True when an element whose look is a reach (an arm) takes part in edge (u, v): it tends
    the other end (drawn as its reach)."""
    return plant[u].look.reach or plant[v].look.reach


def reaching(plant, u: str, v: str) -> str:
    """The element of reach edge (u, v) whose look is the reach."""
    return u if plant[u].look.reach else v


def parse_size(size) -> tuple[int, int]:
    """(width, height) from a pair or a 'WIDTHxHEIGHT' string."""
    if isinstance(size, str):
        try:
            w, h = (int(v) for v in size.lower().split("x"))
        except ValueError:
            raise TwinError(f"image size must be WIDTHxHEIGHT in pixels, e.g. 1600x1000, got {size!r}") from None
    else:
        w, h = (int(v) for v in size)
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise TwinError(f"image size must be between 16 and 8192 pixels a side, got {w}x{h}")
    return w, h


class LineScene:
    """The 3-D scene of ``plant``.

    Colouring: ``values`` (element name -> number, e.g. health) or ``results`` (a
    :class:`twin.Results`, its dict, or a results JSON path) with ``color_by`` (a per-element KPI,
    default ``"utilization"``) colour each element's body on a colour map, with a scalar bar;
    elements without the KPI are light grey and the results' bottleneck is marked. Without data,
    elements take their kind's colour. ``status=True`` prepares the scene for recorded frames
    (:meth:`show_frame`): a clock, parts, and the state legend.

    ``clim``: the colour map's (low, high) in the KPI's units (shares as fractions); default: for
    shares of time 0 to a round share above the largest value, else the data's range.
    ``camera``: "iso", "top" or "front". ``size``: (width, height) pixels or "WxH".
    ``anti_aliasing``: smooth edges (multisampling); off for byte-stable test images.
    ``off_screen``: forced where there is no display.
    """

    def __init__(self, plant, *, results=None, color_by: str | None = None, values=None, layout: Layout | None = None,
                 camera: str = "iso", size=(1600, 1000), labels: bool = True, legend: bool = True,
                 title: str | None = None, anti_aliasing: bool = True, off_screen: bool | None = True,
                 status: bool = False, flows: bool = True, notebook: bool | None = None, clim=None):
        self.plant = plant
        self.size = parse_size(size)
        self.layout = layout if layout is not None else make_layout(plant)
        self.status_mode = bool(status)
        self.kpi, self.values, self.bottleneck, self.clim = None, {}, None, None
        self.bottlenecks: list[str] = []
        if results is not None or values is not None:
            if results is not None and values is not None:
                raise TwinError("colour by results or by values, not both")
            self.kpi = color_by or ("utilization" if results is not None else None)
            data = values if values is not None else results
            found = kpi_values(data, self.kpi)
            ours = {n: v for n, v in found.items() if n in self.layout.placements}
            if not ours:
                raise TwinError(f"none of the elements with {self.kpi or 'values'} ({', '.join(list(found)[:4])}, ...) "
                                f"is in plant '{plant.name}': are these results of another plant?")
            self.values = {n: v for n, v in ours.items() if math.isfinite(v)}  # n/a (NaN): drawn as no data
            if results is not None:
                self.bottlenecks = [n for n in bottleneck_group(results) if n in self.layout.placements]
                self.bottleneck = self.bottlenecks[0] if self.bottlenecks else None
            self.clim = color_range(self.kpi, self.values, clim)
        elif color_by is not None:
            raise TwinError(f"--color-by {color_by} needs results to colour by (twin run SCENE --out results.json)")

        off = backend.prepare(off_screen)
        theme = pv.themes.Theme()
        theme.multi_samples = 8 if anti_aliasing else 0
        theme.background = BACKGROUND
        theme.font.color = "black"
        theme.lighting = True
        theme.allow_empty_mesh = True
        self.plotter = pv.Plotter(off_screen=off, window_size=list(self.size), theme=theme, notebook=notebook,
                                  lighting=LIGHTING)
        self.plotter.set_background(BACKGROUND)
        self.actors: dict[str, dict] = {}
        self._items_actor = None
        self._clock = None
        self._arms: dict = {}
        self.view = camera
        self._labels: LabelPlacer | None = None
        self._legend_box = None
        self.set_camera(camera, place_labels=False)     # first: the arm's thickness needs the scale
        self._add_floor()
        if flows:
            self._add_flows()
        self._add_elements()
        if legend:
            self._add_legend()
        self._add_title(title)
        if self.status_mode:
            self._items = pv.PolyData()
            self._items_actor = self._add(self._items, color=PART_COLOR, name="items")
            self._clock = self.plotter.add_text("t = 0:00:00", position=(12, 10),
                                                font_size=text_px(self.size[1]), color="black", name="clock")
        self.set_camera(camera, place_labels=False)     # again: adding meshes may move PyVista's camera
        if labels:
            self._labels = LabelPlacer(self)
            self._labels.place()

    # ---- building -------------------------------------------------------------------------
    def _add(self, mesh, **kwargs):
        """Adds a mesh with the scene's material (some ambient light, so faces turned from the
        lights stay readable)."""
        kwargs.setdefault("ambient", AMBIENT)
        kwargs.setdefault("diffuse", 1.0 - AMBIENT)
        return self.plotter.add_mesh(mesh, **kwargs)

    @property
    def bar_title(self) -> str:
        if self.kpi is None:
            return "value"
        return f"{self.kpi} (%)" if is_fraction(self.kpi) else self.kpi

    def _scale(self, v: float) -> float:
        return 100.0 * v if is_fraction(self.kpi) else v

    def _add_floor(self) -> None:
        lo, hi = self.layout.bounds
        margin = FLOOR_MARGIN
        x0, x1, y0, y1 = lo[0] - margin, hi[0] + margin, lo[1] - margin, hi[1] + margin
        floor = pv.Plane(center=((x0 + x1) / 2, (y0 + y1) / 2, -0.02), direction=(0, 0, 1),
                         i_size=x1 - x0, j_size=y1 - y0)
        self._add(floor, color=FLOOR_COLOR, ambient=0.5, diffuse=0.5, name="floor")
        step = 1.0 if max(x1 - x0, y1 - y0) <= 40 else 5.0
        xs = np.arange(math.ceil(x0 / step) * step, x1 + 1e-9, step)
        ys = np.arange(math.ceil(y0 / step) * step, y1 + 1e-9, step)
        pts, lines = [], []
        for x in xs:
            lines.append([2, len(pts), len(pts) + 1])
            pts += [(x, y0, -0.01), (x, y1, -0.01)]
        for y in ys:
            lines.append([2, len(pts), len(pts) + 1])
            pts += [(x0, y, -0.01), (x1, y, -0.01)]
        if pts:
            grid = pv.PolyData(np.array(pts, float), lines=np.array(lines).ravel())
            self.plotter.add_mesh(grid, color=GRID_COLOR, line_width=1, lighting=False, name="grid")

    def _add_flows(self) -> None:
        flows = flow_meshes(self.plant, self.layout, reach=False)
        for back, color, name in ((False, FLOW_COLOR, "flows"), (True, FEEDBACK_COLOR, "feedback")):
            group = [f for f in flows if f[2] == back]
            if group:
                self._add(pv.merge([f[3] for f in group] + [f[4] for f in group]), color=color, name=name)
        reach = reach_mesh(self.plant, self.layout)
        if reach is not None:
            self.plotter.add_mesh(reach, color=REACH_COLOR, line_width=max(2, self.size[1] // 300),
                                  lighting=False, name="reach")

    @property
    def link_radius(self) -> float:
        """A robot link's drawn radius: its real one (meshes.LINK_RADIUS), or more where that
        would be thinner than MIN_LINK_PX pixels in this frame."""
        return max(meshes.LINK_RADIUS, 0.5 * MIN_LINK_PX * self.metres_per_pixel)

    def _body_style(self, name: str, look) -> dict:
        if self.kpi is not None or self.values:
            v = self.values.get(name)
            if v is None or not math.isfinite(v):
                return {"color": NO_DATA_COLOR}
            lo, hi = self.clim
            return {"scalars": self._scale(v), "clim": (self._scale(lo), self._scale(hi)),
                    "cmap": color_map(self.kpi or "value")}
        if self.status_mode and look.state_colored:
            return {"color": STATUS_COLORS["idle"]}
        return {"color": look.color}

    def _add_elements(self) -> None:
        first_bar = True
        for name, pl in self.layout.placements.items():
            el = self.plant[name]
            style = self._body_style(name, pl.look)
            group = {"body": [], "trim": [], "links": None, **{u.role: {} for u in pl.look.units}}
            for i, part in enumerate(meshes.element_parts(pl, el, link_radius=self.link_radius)):
                key = f"{name}/{part.role}/{i}"
                if part.role == "trim":
                    actor = self._add(part.mesh, color=part.color, name=key)
                    group["trim"].append(actor)
                    continue
                if "scalars" in style:
                    mesh = part.mesh.copy()
                    mesh.cell_data[self.bar_title] = np.full(mesh.n_cells, style["scalars"])
                    actor = self._add(
                        mesh, scalars=self.bar_title, cmap=style["cmap"], clim=style["clim"], name=key,
                        show_scalar_bar=first_bar, scalar_bar_args=self._bar_args())
                    first_bar = False
                else:
                    color = style["color"]
                    if part.role == "links" and not self.values:
                        color = pl.look.color if not self.status_mode else STATUS_COLORS["idle"]
                    actor = self._add(part.mesh, color=color, name=key)
                if isinstance(group.get(part.role), dict):   # one of its look's units
                    group[part.role][part.index] = actor
                elif part.role == "links":
                    group["links"] = actor
                    self._arms[name] = part.mesh
                else:
                    group["body"].append(actor)
            self.actors[name] = group
        for bar in self.plotter.scalar_bars.values():
            bar.SetVerticalTitleSeparation(max(4, self.size[1] // 80))
        cones = []
        for name in self.bottlenecks:   # every machine of a bottleneck group
            top = self.layout[name].top
            cones.append(pv.Cone(center=top + (0, 0, 0.75), direction=(0, 0, -1), height=0.7, radius=0.3,
                                 resolution=24).triangulate())
        if cones:
            self._add(pv.merge(cones), color=BOTTLENECK_COLOR, name="bottleneck")

    def _bar_args(self) -> dict:
        w, h = self.size
        return {"title": self.bar_title, "vertical": True, "position_x": 0.9, "position_y": 0.22,
                "width": 0.035, "height": 0.55, "n_labels": 6, "fmt": "%.0f" if is_fraction(self.kpi) else "%.3g",
                "title_font_size": max(8, h // 60), "label_font_size": max(7, h // 70), "color": "black"}

    def label_text(self, name: str) -> str:
        """An element's label: its name, its value when coloured, 'bottleneck' when it is one."""
        text = name
        if name in self.values:
            text += f"\n{format_value(self.kpi, self.values[name])}"
        if name in self.bottlenecks:
            text += "\nbottleneck"
        return text

    @property
    def label_boxes(self) -> dict:
        """Element name -> its label's pixel box (x0, y0, x1, y1), display coordinates (y up)."""
        return dict(self._labels.boxes) if self._labels is not None else {}

    @property
    def label_anchors(self) -> dict:
        """Element name -> the pixel (x, y) its label's leader line points at (display coordinates)."""
        return dict(self._labels.anchors) if self._labels is not None else {}

    def legend_entries(self) -> list[tuple[str, str]]:
        return self._element_entries() + self._link_entries()

    def _link_entries(self) -> list[tuple[str, str]]:
        out = []
        edges = list(self.plant.graph.edges)
        if any(e in self.layout.feedback and not is_reach_edge(self.plant, *e) for e in edges):
            out.append(("rework flow", FEEDBACK_COLOR))
        kinds = dict.fromkeys(self.plant[reaching(self.plant, *e)].kind for e in edges if is_reach_edge(self.plant, *e))
        out += [(f"{kind.replace('_', ' ')} reach", REACH_COLOR) for kind in kinds]
        return out

    def _element_entries(self) -> list[tuple[str, str]]:
        if self.status_mode:
            return [(s, c) for s, c in STATUS_COLORS.items()] + [("part", PART_COLOR)]
        if self.values:
            out = []
            if len(self.values) < len(self.layout):
                out.append((f"no {self.kpi or 'value'}", NO_DATA_COLOR))
            if self.bottlenecks:
                out.append(("bottleneck" if len(self.bottlenecks) == 1 else "bottleneck (group)", BOTTLENECK_COLOR))
            return out
        looks = dict.fromkeys((pl.kind, pl.look.color) for pl in self.layout)
        return [(kind.replace("_", " "), color) for kind, color in looks]

    def _add_legend(self) -> None:
        entries = self.legend_entries()
        if not entries:
            return
        actor = legend_actor(entries, self.size)
        self.plotter.add_actor(actor, name="legend")
        w, h = self.size
        x0, y0 = actor.GetPositionCoordinate().GetValue()[:2]
        dx, dy = actor.GetPosition2Coordinate().GetValue()[:2]
        self._legend_box = (x0 * w, y0 * h, (x0 + dx) * w, (y0 + dy) * h)

    def _add_title(self, title: str | None) -> None:
        if title == "":
            return
        if title is None:
            title = self.plant.name
            if self.kpi is not None and self.values:
                title += f" - coloured by {self.kpi}"
        w, h = self.size
        # PyVista draws a text at a pixel position twice its font size high; fit the width
        size = max(5, min(max(8, h // 75), int(0.9 * w / (1.15 * max(len(title), 1)))))
        actor = self.plotter.add_text(title, position=(w / 2, h - max(4, h // 100)), font_size=size, color="black",
                                      name="title")
        actor.prop.justification_horizontal = "center"
        actor.prop.justification_vertical = "top"

    # ---- camera ---------------------------------------------------------------------------
    def set_camera(self, view: str = "iso", margin: float = 1.02, place_labels: bool = True) -> None:
        """Points a parallel-projection camera along ``view`` ("iso", "top", "front") and frames
        the plant: its elements fill the window, leaving room for the title and the labels above
        and for the scalar bar on the right. Labels are placed again for the new view."""
        if view not in VIEWS:
            raise TwinError(f"camera must be one of {', '.join(VIEWS)}, got {view!r}")
        self.view = view
        direction, up = (np.array(v, float) for v in VIEWS[view])
        d = direction / np.linalg.norm(direction)
        f = -d
        r = np.cross(f, up)
        r /= np.linalg.norm(r)
        u = np.cross(r, f)
        corners = []
        for pl in self.layout:                          # the elements themselves, not the floor
            lo, hi = pl.lo, pl.hi
            if pl.path is not None:
                lo = np.minimum(lo, pl.path.min(axis=0))
                hi = np.maximum(hi, pl.path.max(axis=0))
            corners += [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
        corners = np.array(corners)
        pr, pu = corners @ r, corners @ u
        w, h = self.size
        left, right = 0.03, (0.86 if self.values else 0.97)   # room for the scalar bar on the right
        bottom, top = 0.04, 0.80                              # room for the labels and title above
        span_r, span_u = pr.max() - pr.min(), pu.max() - pu.min()
        half_h = max(span_u / 2 / (top - bottom), span_r / 2 / (right - left) * h / w, 1e-3) * margin
        # the window spans 2 * half_h (vertically) and 2 * half_h * w / h across; put the plant's
        # projected box in the middle of [left, right] x [bottom, top]
        cr = (pr.max() + pr.min()) / 2 - ((left + right) / 2 - 0.5) * 2 * half_h * w / h
        cu = (pu.max() + pu.min()) / 2 - ((bottom + top) / 2 - 0.5) * 2 * half_h
        centre = corners.mean(axis=0)
        focal = r * cr + u * cu + f * (centre @ f)
        dist = 4.0 * float(np.ptp(corners, axis=0).max()) + 10.0
        cam = self.plotter.camera
        self.plotter.enable_parallel_projection()
        cam.position = tuple(focal + d * dist)
        cam.focal_point = tuple(focal)
        cam.up = tuple(u)
        cam.parallel_scale = half_h
        self.metres_per_pixel = 2.0 * half_h / h
        self.plotter.renderer.ResetCameraClippingRange()
        if place_labels and self._labels is not None:
            self._labels.place()

    def to_display(self, points) -> np.ndarray:
        """World points [N, 3] -> display pixels [N, 2] (x right, y up from the bottom), through
        the renderer's world-to-display transform."""
        ren = self.plotter.renderer
        out = []
        for p in np.asarray(points, float).reshape(-1, 3):
            ren.SetWorldPoint(p[0], p[1], p[2], 1.0)
            ren.WorldToDisplay()
            out.append(ren.GetDisplayPoint()[:2])
        return np.array(out, float).reshape(-1, 2)

    # ---- animation ------------------------------------------------------------------------
    def show_frame(self, rec, f: int) -> None:
        """Shows frame ``f`` of a :class:`twin.Recorded`: state colours, parts on belts and
        stacked on elements, arms moved by their recorded joint origins, units coloured by their
        recorded states (each element's look says which), and the clock."""
        index = {n: i for i, n in enumerate(rec.names)}
        centres = []
        for name, pl in self.layout.placements.items():
            i = index.get(name)
            if i is None:
                continue
            group = self.actors[name]
            code = int(rec.status[f, i])
            if pl.look.state_colored:
                for actor in group["body"]:
                    actor.prop.color = status_color(code)
                if group["links"] is not None:
                    group["links"].prop.color = status_color(code)
            if pl.look.items == "belt" and name in rec.belts:
                s = np.asarray(rec.belts[name][f], float)
                s = s[np.isfinite(s)]
                if s.size:
                    width, height = meshes.belt_dims(self.plant[name])
                    pts = path_points(pl.path, s, float(self.plant[name].length))
                    centres.append(pts + np.array([0.0, 0.0, height + meshes.PART_EDGE / 2]))
            elif pl.look.items == "stack":
                n = self.plant[name].items_drawn(int(rec.held[f, i]))
                centres.append(meshes.item_slots(pl, n))
            own = rec.element_frames(name)      # what its kind records of it itself
            if own is None:
                continue
            if "links" in own and name in self._arms:
                links = np.asarray(own["links"][f], float) + meshes.floor_offset(pl, self.plant[name])
                self._arms[name].copy_from(meshes.arm_mesh(links, self.link_radius))
                holding = own.get("holding")
                if holding is not None and int(holding[f]):
                    centres.append(links[-1:] - np.array([0.0, 0.0, meshes.PART_EDGE / 2 + meshes.JOINT_RADIUS]))
            for units in pl.look.units:
                if units.field in own:
                    codes = own[units.field]
                    for k, actor in group[units.role].items():
                        if k < codes.shape[1]:
                            actor.prop.color = status_color(units.to_status[int(codes[f, k])])
        pts = np.concatenate(centres) if centres else np.zeros((0, 3))
        if self._items_actor is not None:
            if len(pts):
                self._items.copy_from(meshes.items_mesh(pts))
                self._items_actor.visibility = True
            else:
                self._items_actor.visibility = False
        if self._clock is not None:
            self._clock.input = f"t = {clock(float(rec.times[f]))}   (replica {rec.replica})"

    # ---- output ---------------------------------------------------------------------------
    def image(self) -> np.ndarray:
        """The current picture, [height, width, 3] uint8."""
        self.plotter.render()
        return np.asarray(self.plotter.screenshot(return_img=True))[..., :3]

    def save(self, path) -> None:
        """Writes the picture as PNG."""
        self.plotter.screenshot(str(path))

    def screen_box(self, name: str) -> tuple[int, int, int, int]:
        """Pixel box (row0, row1, col0, col1) that element ``name`` covers in the image (from its
        footprint box projected by the camera; for tests and overlays)."""
        pl = self.layout[name]
        lo, hi = pl.lo, pl.hi
        ren = self.plotter.renderer
        w, h = self.size
        rows, cols = [], []
        for x in (lo[0], hi[0]):
            for y in (lo[1], hi[1]):
                for z in (lo[2], hi[2]):
                    ren.SetWorldPoint(x, y, z, 1.0)
                    ren.WorldToDisplay()
                    dx, dy, _ = ren.GetDisplayPoint()
                    cols.append(dx)
                    rows.append(h - 1 - dy)
        return (max(int(min(rows)), 0), min(int(math.ceil(max(rows))) + 1, h),
                max(int(min(cols)), 0), min(int(math.ceil(max(cols))) + 1, w))

    def close(self) -> None:
        self.plotter.close()



def reach_mesh(plant, layout: Layout):
    """An arm's reach: one dashed line from the arm's base to each element it tends (each edge
    to or from an element whose look is a reach, once per pair), at working height; None when
    none tends any."""
    pairs = []
    for u, v in plant.graph.edges:
        if is_reach_edge(plant, u, v):
            pair = (u, v) if plant[u].look.reach else (v, u)
            if pair not in pairs:
                pairs.append(pair)
    if not pairs:
        return None
    pts, lines = [], []
    for arm, other in pairs:
        rp, op = layout[arm], layout[other]
        a = rp.center + np.array([0.0, 0.0, max(rp.size[2], 0.3)])
        b = op.center + np.array([0.0, 0.0, 0.5 * op.size[2]])
        if op.path is not None:
            b = op.path[np.argmin(np.linalg.norm(op.path - rp.center, axis=1))] + np.array([0.0, 0.0, op.size[2]])
        length = float(np.linalg.norm(b - a))
        n = max(int(length / 0.25), 1)          # dashes of 0.15 m every 0.25 m
        for k in range(n):
            t0, t1 = k / n, (1.0 if k == n - 1 else (k + 0.6) / n)   # the last dash reaches the element
            lines.append([2, len(pts), len(pts) + 1])
            pts += [a + t0 * (b - a), a + t1 * (b - a)]
    return pv.PolyData(np.array(pts, float), lines=np.array(lines).ravel())


def flow_meshes(plant, layout: Layout, reach: bool = True) -> list:
    """The material flows as drawn: per edge (u, v) of the plant graph, ``(u, v, feedback, tube,
    arrow head)`` (feedback: a rework loop, drawn above the plant); shared with the USD export.
    ``reach=False`` leaves out reach edges (to and from an arm: the scene draws those as reach lines)."""
    lo, hi = layout.bounds
    out = []
    for u, v in plant.graph.edges:
        if not reach and is_reach_edge(plant, u, v):
            continue
        a, b = layout[u].exit(), layout[v].entry()
        back = (u, v) in layout.feedback
        if back:
            yb = hi[1] + 0.8
            pu, pv_ = layout[u], layout[v]
            a = np.array([pu.center[0], pu.hi[1], 0.0])
            b = np.array([pv_.center[0], pv_.hi[1], 0.0])
            path = np.array([a, (a[0], yb, 0.0), (b[0], yb, 0.0), b])
        elif abs(a[1] - b[1]) < 1e-9:
            path = np.array([a, b])
        else:
            xm = (a[0] + b[0]) / 2
            path = np.array([a, (xm, a[1], 0.0), (xm, b[1], 0.0), b])
        path = path + np.array([0.0, 0.0, 0.06])
        seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
        path = np.concatenate([path[:1], path[1:][seg > 1e-9]])
        if len(path) < 2:
            continue
        tube = pv.lines_from_points(path).tube(radius=0.05, n_sides=8).triangulate()
        d = path[-1] - path[-2]
        d = d / np.linalg.norm(d)
        head = pv.Cone(center=path[-1] - 0.15 * d, direction=d, height=0.3, radius=0.13, resolution=12).triangulate()
        out.append((u, v, back, tube, head))
    return out

def legend_actor(entries, size, corner=(0.015, 0.9)):
    """A legend box (colour swatch and black text per entry) hanging from ``corner`` (normalised
    window coordinates of its upper-left corner)."""
    from vtkmodules.vtkRenderingAnnotation import vtkLegendBoxActor
    w, h = size
    line = max(14, h // 40) / h               # one entry's height, normalised
    width = min(0.3, max(len(t) for t, _ in entries) * 0.6 * line * h / w + 2.5 * line * h / w)
    leg = vtkLegendBoxActor()
    leg.SetNumberOfEntries(len(entries))
    for i, (text, color) in enumerate(entries):
        icon = pv.ImageData(dimensions=(12, 12, 1))
        icon.point_data["rgb"] = np.tile(np.array(pv.Color(color).int_rgb, np.uint8), (144, 1))
        icon.point_data.active_scalars_name = "rgb"
        leg.SetEntryIcon(i, icon)
        leg.SetEntryString(i, text)
        leg.SetEntryColor(i, 0.0, 0.0, 0.0)
    leg.UseBackgroundOn()
    leg.SetBackgroundColor(1.0, 1.0, 1.0)
    leg.SetBackgroundOpacity(0.85)
    leg.BorderOff()
    leg.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    leg.GetPositionCoordinate().SetValue(corner[0], corner[1] - line * len(entries))
    leg.GetPosition2Coordinate().SetValue(width, line * len(entries))
    return leg


def clock(seconds: float) -> str:
    """h:mm:ss.s"""
    s = max(seconds, 0.0)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{int(h)}:{int(m):02d}:{sec:04.1f}"
