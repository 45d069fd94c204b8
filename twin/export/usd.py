"""OpenUSD export: the plant's 3-D scene as a USD stage, optionally coloured by results and
animated by a recorded replica (time samples).

The geometry is the PyVista scene's (twin.render.layout places, twin.render.meshes builds; this
module only converts meshes to ``UsdGeom.Mesh``), so a USD viewer shows what ``twin render``
draws. Stage: Z up, metres (``metersPerUnit = 1``), ``/Plant`` the default prim::

    /Plant                       Xform (kind assembly): twin:plant, twin:bottleneck
      /Floor                     Mesh
      /Elements/<name>           Xform (kind component) per element: twin:name, twin:kind,
                                 twin:<kpi> (mean) and twin:<kpi>:ci95 from results,
                                 twin:state (token, time-sampled from a recording)
        /Body_<i>, /Trim_<i>     Mesh per part of the scene (body: displayColor)
        /<Units.prim>_<k>        the units of its look (a ring's Chamber_<k>, LoadLock_<k>):
                                 twin:state per unit
        /Arm/Link_<j>, /Arm/Joint_<j> arms: one Xform per link (translate + orient + scale
                                 of a unit cylinder from joint origin j to j + 1)
        /Items                   Points: parts held (belts, stacks, the gripper)
        /<Units.held_prim>       Points: parts held in its units (a ring's Wafers)
      /Links/<from>__<to>        Mesh per material flow (graph edge): twin:from, twin:to

Time: one time code per simulated second (``timeCodesPerSecond = speed``; start/end time codes
are the recording's first and last frame). States are written where they change (and the frame
before), so at every recorded frame time the values equal the recording's.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..errors import TwinError
from ..recording import STATUS_NAMES

SUFFIXES = (".usda", ".usdc", ".usd")
INSTALL_HINT = "the USD export needs usd-core: pip install 'twin[usd]'"


def import_pxr():
    """The pxr modules used here, or a TwinError that says how to install them."""
    try:
        from pxr import Gf, Kind, Sdf, Tf, Usd, UsdGeom, Vt
    except ImportError as err:
        raise TwinError(f"{INSTALL_HINT} ({err})") from None
    return Gf, Kind, Sdf, Tf, Usd, UsdGeom, Vt


def hex_rgb(color: str) -> tuple[float, float, float]:
    """'#rrggbb' -> (r, g, b) in 0..1."""
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))


def kpi_rgb(kpi: str | None, value: float, clim) -> tuple[float, float, float]:
    """The colour PyVista gives ``value`` on the KPI's colour map (256 entries, as its lookup
    table) over ``clim``."""
    import matplotlib
    lo, hi = clim
    u = min(max((value - lo) / (hi - lo), 0.0), 1.0)
    cmap = matplotlib.colormaps[_color_map(kpi)].resampled(256)
    return tuple(float(c) for c in cmap(min(int(u * 256), 255))[:3])


def _color_map(kpi):
    from ..render.colors import color_map
    return color_map(kpi or "value")


def check_output(path, suffixes, what: str) -> Path:
    """The output path, after checking its suffix and that its folder exists and is writable
    (before anything is simulated)."""
    path = Path(path)
    if not any(path.name.lower().endswith(s) for s in suffixes):
        raise TwinError(f"{what} must end in {', '.join(suffixes)}, got '{path}'")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TwinError(f"cannot write '{path}': no folder '{folder}'")
    if path.is_dir():
        raise TwinError(f"cannot write '{path}': it is a folder")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise TwinError(f"cannot write '{path}': permission denied")
    return path


def results_per_element(plant, results) -> tuple[dict, str | None]:
    """(element name -> {kpi: (mean, ci95)}, bottleneck) from results (a twin.Results, its dict
    or a results JSON path); a TwinError when they name elements that ``plant`` lacks."""
    from ..render.colors import bottleneck_of, load_results
    data = load_results(results)
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    if not isinstance(data, dict) or not isinstance(data.get("elements"), dict):
        raise TwinError("results must be a twin.Results, its to_dict() or a results JSON file (twin run --out)")
    names = list(data["elements"])
    foreign = [n for n in names if n not in plant.elements]
    if foreign:
        other = data.get("plant")
        raise TwinError(f"results of plant '{other}' name element '{foreign[0]}', which plant '{plant.name}' "
                        f"does not have: are these results of another plant?")
    out = {}
    for name, kpis in data["elements"].items():
        out[name] = {}
        for k, v in kpis.items():
            if k == "kind":
                continue
            mean = v.get("mean") if isinstance(v, dict) else v
            ci = v.get("ci95") if isinstance(v, dict) else None
            if mean is None or isinstance(mean, (int, float)):   # None: n/a (NaN in the JSON contract)
                out[name][k] = (_float(mean), _float(ci))
    return out, bottleneck_of(data)


def _float(x) -> float:
    return float(x) if isinstance(x, (int, float)) else math.nan


def check_recording(plant, recording) -> None:
    if recording.frames == 0:
        raise TwinError("the recording has no frames")
    missing = [n for n in recording.names if n not in plant.elements]
    if missing:
        raise TwinError(f"the recording names element '{missing[0]}', which plant '{plant.name}' does not have: "
                        "is it a recording of another plant?")


# ---- mesh conversion ---------------------------------------------------------------------------
def mesh_arrays(poly) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points [N, 3], face vertex counts, face vertex indices) of a PyVista mesh."""
    import pyvista as pv
    if not isinstance(poly, pv.PolyData):
        poly = poly.extract_surface()
    poly = poly.triangulate()
    faces = np.asarray(poly.faces, np.int64)
    if faces.size == 0:
        return np.asarray(poly.points, float), np.zeros(0, np.int64), np.zeros(0, np.int64)
    tri = faces.reshape(-1, 4)
    if not np.all(tri[:, 0] == 3):
        raise TwinError("internal: a mesh did not triangulate")
    return np.asarray(poly.points, float), tri[:, 0], tri[:, 1:].ravel()


class _Writer:
    def __init__(self, plant, layout, speed: float):
        self.Gf, self.Kind, self.Sdf, self.Tf, self.Usd, self.UsdGeom, self.Vt = import_pxr()
        self.plant, self.layout = plant, layout
        self.stage = self.Usd.Stage.CreateInMemory()
        self.UsdGeom.SetStageUpAxis(self.stage, self.UsdGeom.Tokens.z)
        self.UsdGeom.SetStageMetersPerUnit(self.stage, 1.0)
        self.stage.SetTimeCodesPerSecond(float(speed))
        self.used: set = set()

    def ident(self, name: str, parent: str) -> str:
        base = self.Tf.MakeValidIdentifier(str(name))
        ident, k = base, 2
        while f"{parent}/{ident}" in self.used:
            ident, k = f"{base}_{k}", k + 1
        self.used.add(f"{parent}/{ident}")
        return ident

    def attr(self, prim, name, type_name, value=None, time=None):
        a = prim.GetAttribute(name)
        if not a:
            a = prim.CreateAttribute(name, getattr(self.Sdf.ValueTypeNames, type_name), custom=True)
        if value is not None:
            a.Set(value) if time is None else a.Set(value, time)
        return a

    def mesh(self, path: str, poly, color=None):
        pts, counts, idx = mesh_arrays(poly)
        m = self.UsdGeom.Mesh.Define(self.stage, path)
        m.CreatePointsAttr(self.Vt.Vec3fArray.FromNumpy(pts.astype(np.float32)))
        m.CreateFaceVertexCountsAttr(self.Vt.IntArray.FromNumpy(counts.astype(np.int32)))
        m.CreateFaceVertexIndicesAttr(self.Vt.IntArray.FromNumpy(idx.astype(np.int32)))
        m.CreateSubdivisionSchemeAttr(self.UsdGeom.Tokens.none)
        if len(pts):
            m.CreateExtentAttr(self.Vt.Vec3fArray([self.Gf.Vec3f(*map(float, pts.min(axis=0))),
                                                   self.Gf.Vec3f(*map(float, pts.max(axis=0)))]))
        if color is not None:
            m.CreateDisplayColorAttr(self.Vt.Vec3fArray([self.Gf.Vec3f(*color)]))
        return m

    def color_samples(self, gprim, times, codes, to_rgb) -> None:
        """displayColor time samples of a state code per frame (written where it changes)."""
        attr = gprim.GetDisplayColorAttr() or gprim.CreateDisplayColorAttr()
        for f in changes(codes):
            attr.Set(self.Vt.Vec3fArray([self.Gf.Vec3f(*to_rgb(int(codes[f])))]), float(times[f]))

    def token_samples(self, prim, name, times, codes, names) -> None:
        a = self.attr(prim, name, "Token")
        for f in changes(codes):
            code = int(codes[f])
            a.Set(names[code] if 0 <= code < len(names) else "unknown", float(times[f]))

    def points(self, path, times, per_frame, width: float, color):
        """A Points prim whose positions are sampled per frame (counts may vary)."""
        pts = self.UsdGeom.Points.Define(self.stage, path)
        pos, widths = pts.CreatePointsAttr(), pts.CreateWidthsAttr()
        pts.SetWidthsInterpolation(self.UsdGeom.Tokens.constant)
        widths.Set(self.Vt.FloatArray([width]))
        pts.CreateDisplayColorAttr(self.Vt.Vec3fArray([self.Gf.Vec3f(*color)]))
        frames = [np.asarray(per_frame(f), np.float32).reshape(-1, 3) for f in range(len(times))]
        same = [f > 0 and frames[f].shape == frames[f - 1].shape and np.array_equal(frames[f], frames[f - 1])
                for f in range(len(times))]
        for f, p in enumerate(frames):   # first/last frame and both frames around every change
            if f in (0, len(times) - 1) or not same[f] or not same[f + 1]:
                pos.Set(self.Vt.Vec3fArray.FromNumpy(p), float(times[f]))
        return pts

    def link_xform(self, xf, a, b, time=None) -> None:
        """Places a link: translate to joint origin a, turn +z onto b - a, stretch z to |b - a|."""
        Gf = self.Gf
        d = np.asarray(b, float) - np.asarray(a, float)
        length = float(np.linalg.norm(d))
        if length > 1e-9:
            quat = Gf.Rotation(Gf.Vec3d(0, 0, 1), Gf.Vec3d(*(d / length))).GetQuat()
        else:
            quat = Gf.Quatd(1.0)
        ops = xf.GetOrderedXformOps()
        if not ops:
            prec = self.UsdGeom.XformOp.PrecisionDouble
            ops = [xf.AddTranslateOp(prec), xf.AddOrientOp(prec), xf.AddScaleOp(prec)]
        values = (Gf.Vec3d(*map(float, a)), quat, Gf.Vec3d(1.0, 1.0, max(length, 1e-9)))
        for op, v in zip(ops, values):
            op.Set(v) if time is None else op.Set(v, time)


def changes(codes) -> list[int]:
    """Frames at which a per-frame value must be written so that linear or held interpolation
    gives the recorded value at every frame: the first and last frame, and both frames around
    every change."""
    c = np.asarray(codes)
    n = len(c)
    if n == 0:
        return []
    diff = np.zeros(n, bool) if c.ndim == 1 else None
    if c.ndim == 1:
        diff[1:] = c[1:] != c[:-1]
    else:
        diff = np.zeros(n, bool)
        diff[1:] = np.any(c[1:] != c[:-1], axis=tuple(range(1, c.ndim)))
    keep = diff.copy()
    keep[:-1] |= diff[1:]
    keep[0] = keep[-1] = True
    return [int(f) for f in np.flatnonzero(keep)]


# ---- the export --------------------------------------------------------------------------------
def write_usd(plant, path, results=None, recording=None, *, color_by: str = "utilization", layout=None,
              speed: float = 1.0) -> Path:
    """Writes ``plant`` as an OpenUSD stage to ``path`` (.usda text, .usdc or .usd binary).

    ``results`` (a :class:`twin.Results`, its dict or a results JSON path): every per-element
    KPI becomes ``twin:<kpi>`` (mean) and ``twin:<kpi>:ci95``; bodies are coloured by
    ``color_by`` on the colour map and range ``twin render`` uses. ``recording`` (a
    :class:`twin.Recorded`): element states (displayColor and ``twin:state``), parts on belts
    and stacked on elements, arm links and joint angles, the units of an element's look (a ring's
    chambers and the parts in them) and the recorded attributes its look names, as time samples
    (time code = simulated seconds; ``speed`` = time codes per second of playback). Returns the
    path."""
    from ..render import meshes
    from ..render.colors import (NO_DATA_COLOR, PART_COLOR, FLOOR_COLOR,
                                 FEEDBACK_COLOR, FLOW_COLOR, color_range, status_color)
    from ..render.layout import path_points, plant_layout
    from ..render.scene import FLOOR_MARGIN, flow_meshes

    path = check_output(path, SUFFIXES, "the USD file")
    if not (isinstance(speed, (int, float)) and math.isfinite(speed) and speed > 0):
        raise TwinError(f"speed (time codes per second) must be a positive number, got {speed!r}")
    per_el, bottleneck = results_per_element(plant, results) if results is not None else ({}, None)
    values, clim = {}, None
    if results is not None:
        values = {n: d[color_by][0] for n, d in per_el.items() if color_by in d and math.isfinite(d[color_by][0])}
        if not values:
            known = sorted({k for d in per_el.values() for k in d})
            raise TwinError(f"no element has the KPI {color_by!r}; available: {', '.join(known)}")
        clim = color_range(color_by, values)
    rec = recording
    if rec is not None:
        check_recording(plant, rec)
    layout = layout if layout is not None else plant_layout(plant)
    w = _Writer(plant, layout, speed)
    Gf, UsdGeom = w.Gf, w.UsdGeom
    stage = w.stage

    root = UsdGeom.Xform.Define(stage, "/Plant").GetPrim()
    stage.SetDefaultPrim(root)
    Usd = w.Usd
    Usd.ModelAPI(root).SetKind(w.Kind.Tokens.assembly)
    w.attr(root, "twin:plant", "String", plant.name)
    if bottleneck:
        w.attr(root, "twin:bottleneck", "String", bottleneck)
    if results is not None:
        w.attr(root, "twin:colorBy", "String", color_by)
        w.attr(root, "twin:colorRange", "Double2", Gf.Vec2d(*clim))

    lo, hi = layout.bounds
    import pyvista as pv
    x0, x1, y0, y1 = lo[0] - FLOOR_MARGIN, hi[0] + FLOOR_MARGIN, lo[1] - FLOOR_MARGIN, hi[1] + FLOOR_MARGIN
    floor = pv.Plane(center=((x0 + x1) / 2, (y0 + y1) / 2, -0.02), direction=(0, 0, 1), i_size=x1 - x0,
                     j_size=y1 - y0)
    w.mesh("/Plant/Floor", floor, hex_rgb(FLOOR_COLOR))

    elements = UsdGeom.Scope.Define(stage, "/Plant/Elements").GetPrim()
    Usd.ModelAPI(elements).SetKind(w.Kind.Tokens.group)
    index = {n: i for i, n in enumerate(rec.names)} if rec is not None else {}
    times = np.asarray(rec.times, float) if rec is not None else None
    state_rgb = (lambda c: hex_rgb(status_color(c)))
    part_rgb = hex_rgb(PART_COLOR)

    for name, pl in layout.placements.items():
        el = plant[name]
        ident = w.ident(name, "/Plant/Elements")
        epath = f"/Plant/Elements/{ident}"
        prim = UsdGeom.Xform.Define(stage, epath).GetPrim()
        Usd.ModelAPI(prim).SetKind(w.Kind.Tokens.component)
        w.attr(prim, "twin:name", "String", name)
        w.attr(prim, "twin:kind", "String", pl.kind)
        for kpi, (mean, ci) in per_el.get(name, {}).items():
            key = w.Tf.MakeValidIdentifier(kpi)
            w.attr(prim, f"twin:{key}", "Double", mean)
            w.attr(prim, f"twin:{key}:ci95", "Double", ci)
        if bottleneck is not None:
            w.attr(prim, "twin:bottleneck", "Bool", name == bottleneck)
        if results is not None:
            v = values.get(name)
            base = kpi_rgb(color_by, v, clim) if v is not None else hex_rgb(NO_DATA_COLOR)
            w.attr(prim, "twin:kpiColor", "Color3f", Gf.Vec3f(*base))
        elif rec is not None and pl.look.state_colored:
            base = state_rgb(0)
        else:
            base = hex_rgb(pl.look.color)
        i = index.get(name)
        status = rec.status[:, i] if i is not None else None
        animated = status is not None and pl.look.state_colored
        if status is not None:
            w.token_samples(prim, "twin:state", times, status, STATUS_NAMES)
            held = w.attr(prim, "twin:held", "Int")
            for f in changes(rec.held[:, i]):
                held.Set(int(rec.held[f, i]), float(times[f]))

        links = None
        own = rec.element_frames(name) if rec is not None else None   # what its kind records itself
        units = {u.role: u for u in pl.look.units}
        parts = meshes.element_parts(pl, el)
        for k, part in enumerate(parts):
            if part.role == "links":
                links = part
                continue
            if part.role == "trim":
                w.mesh(f"{epath}/Trim_{k}", part.mesh, hex_rgb(part.color))
                continue
            if part.role in units:
                u = units[part.role]
                g = w.mesh(f"{epath}/{u.prim}_{part.index}", part.mesh, base)
                if own is not None and u.field in own and part.index < own[u.field].shape[1]:
                    codes = np.asarray(own[u.field][:, part.index], int)
                    w.color_samples(g, times, codes, lambda c, m=u.to_status: state_rgb(m[c]))
                    w.token_samples(g.GetPrim(), "twin:state", times, codes, u.states)
                continue
            g = w.mesh(f"{epath}/Body_{k}", part.mesh, base)
            if animated:
                w.color_samples(g, times, status, state_rgb)

        if links is not None:
            _write_arm(w, epath, pl, el, own, times, base, status if animated else None, state_rgb)
        if rec is not None:
            _write_items(w, epath, pl, el, rec, i, times, part_rgb, path_points)
            if own is not None:
                _write_recorded(w, prim, epath, pl.look, own, parts, times)

    flows = UsdGeom.Scope.Define(stage, "/Plant/Links").GetPrim()
    Usd.ModelAPI(flows).SetKind(w.Kind.Tokens.group)
    for u, v, back, tube, head in flow_meshes(plant, layout):
        ident = w.ident(f"{u}__{v}", "/Plant/Links")
        m = w.mesh(f"/Plant/Links/{ident}", pv.merge([tube, head]), hex_rgb(FEEDBACK_COLOR if back else FLOW_COLOR))
        w.attr(m.GetPrim(), "twin:from", "String", u)
        w.attr(m.GetPrim(), "twin:to", "String", v)
        w.attr(m.GetPrim(), "twin:feedback", "Bool", bool(back))

    if rec is not None:
        stage.SetStartTimeCode(float(times[0]))
        stage.SetEndTimeCode(float(times[-1]))
        w.attr(root, "twin:replica", "Int", int(rec.replica))
    stage.SetMetadata("comment", f"twin export of plant '{plant.name}'")
    tmp = path.with_name(path.name + ".tmp" + path.suffix)
    if not stage.GetRootLayer().Export(str(tmp)):
        raise TwinError(f"could not write '{path}'")
    os.replace(tmp, path)
    opened = w.Sdf.Layer.Find(str(path))
    if opened:                    # a stage of this process holds the old file: show it the new one
        opened.Reload(force=True)
    return path


def _write_arm(w, epath, pl, el, own, times, base, status, state_rgb) -> None:
    """An arm: one Xform per link (unit cylinder along +z placed between joint origins) and per
    joint (a sphere), at rest (``drawn_links``) or sampled from its recorded ``links``."""
    import pyvista as pv

    from ..render import meshes
    UsdGeom, Vt, Gf = w.UsdGeom, w.Vt, w.Gf
    offset = meshes.floor_offset(pl, el)
    r = own if own is not None and "links" in own else None
    frames = np.asarray(r["links"], float) + offset if r is not None else (meshes.arm_links(el) + offset)[None]
    arm = UsdGeom.Xform.Define(w.stage, f"{epath}/Arm")
    cyl = pv.Cylinder(center=(0, 0, 0.5), direction=(0, 0, 1), radius=meshes.LINK_RADIUS, height=1.0,
                      resolution=12).triangulate()
    sphere = pv.Sphere(radius=meshes.JOINT_RADIUS, center=(0, 0, 0), theta_resolution=12, phi_resolution=12)
    n_pts = frames.shape[1]
    geoms = []
    for j in range(n_pts - 1):
        xf = UsdGeom.Xform.Define(w.stage, f"{epath}/Arm/Link_{j}")
        w.attr(xf.GetPrim(), "twin:fromJoint", "Int", j)
        geoms.append(w.mesh(f"{epath}/Arm/Link_{j}/Geom", cyl, base))
        if r is None:
            w.link_xform(xf, frames[0, j], frames[0, j + 1])
        else:
            for f in changes(frames[:, j:j + 2]):
                w.link_xform(xf, frames[f, j], frames[f, j + 1], float(times[f]))
    for j in range(n_pts):
        xf = UsdGeom.Xform.Define(w.stage, f"{epath}/Arm/Joint_{j}")
        op = xf.AddTranslateOp(UsdGeom.XformOp.PrecisionDouble)
        if r is None:
            op.Set(Gf.Vec3d(*map(float, frames[0, j])))
        else:
            for f in changes(frames[:, j]):
                op.Set(Gf.Vec3d(*map(float, frames[f, j])), float(times[f]))
        geoms.append(w.mesh(f"{epath}/Arm/Joint_{j}/Geom", sphere, base))
    if status is not None:
        for g in geoms:
            w.color_samples(g, times, status, state_rgb)
    if r is not None:
        q = w.attr(arm.GetPrim(), "twin:joints", "DoubleArray")
        for f in changes(r["joints"]):
            q.Set(Vt.DoubleArray.FromNumpy(np.asarray(r["joints"][f], np.float64)), float(times[f]))
        if "holding" in r:
            h = w.attr(arm.GetPrim(), "twin:holding", "Int")
            for f in changes(r["holding"]):
                h.Set(int(r["holding"][f]), float(times[f]))


def item_positions(pl, el, rec, i, f, path_points) -> np.ndarray:
    """Where the animation draws the parts an element holds at frame ``f`` (cube centres)."""
    from ..render import meshes
    name = pl.name
    if pl.look.items == "belt" and name in rec.belts:
        s = np.asarray(rec.belts[name][f], float)
        s = s[np.isfinite(s)]
        if not s.size:
            return np.zeros((0, 3))
        _, height = meshes.belt_dims(el)
        return path_points(pl.path, s, float(el.length)) + np.array([0.0, 0.0, height + meshes.PART_EDGE / 2])
    if pl.look.items == "stack" and i is not None:
        return meshes.item_slots(pl, el.items_drawn(int(rec.held[f, i])))
    r = rec.element_frames(name)
    if r is not None and "links" in r and r.get("holding") is not None and int(r["holding"][f]):
        tcp = np.asarray(r["links"][f][-1], float) + meshes.floor_offset(pl, el)
        return (tcp - np.array([0.0, 0.0, meshes.PART_EDGE / 2 + meshes.JOINT_RADIUS]))[None]
    return np.zeros((0, 3))


def _write_items(w, epath, pl, el, rec, i, times, part_rgb, path_points) -> None:
    from ..render import meshes
    own = rec.element_frames(pl.name)
    if pl.look.items == "none" and not (own is not None and "links" in own):
        return
    w.points(f"{epath}/Items", times, lambda f: item_positions(pl, el, rec, i, f, path_points), meshes.PART_EDGE,
             part_rgb)


UNIT_PART_WIDTH = 0.3                  # a part held in a unit (a wafer in a chamber), metres
UNIT_PART_RGB = (0.85, 0.85, 0.92)


def _write_recorded(w, prim, epath, look, own, parts, times) -> None:
    """What the element's kind recorded of it, as its look says: per units with ``held`` codes a
    Points prim (a part at a unit's ``anchor`` while its code is one of them: a ring's wafers in
    their chambers), then each of ``look.attributes`` as time-sampled ``twin:<attribute>``."""
    for u in look.units:
        if not u.held:
            continue
        anchors = np.array([p.anchor for p in sorted((p for p in parts if p.role == u.role and p.anchor is not None),
                                                     key=lambda p: p.index)]).reshape(-1, 3)
        codes = np.asarray(own[u.field], int) if u.field in own else np.zeros((len(times), 0), int)

        def held(f, codes=codes, anchors=anchors, u=u):
            occupied = np.flatnonzero(np.isin(codes[f], u.held))
            return anchors[occupied[occupied < len(anchors)]]

        w.points(f"{epath}/{u.held_prim}", times, held, UNIT_PART_WIDTH, UNIT_PART_RGB)
    convert = {"Int": int, "Double": float, "IntArray": lambda v: w.Vt.IntArray([int(x) for x in v])}
    for field, name, typ in look.attributes:
        if field in own:
            a = w.attr(prim, f"twin:{name}", typ)
            for f in changes(own[field]):
                a.Set(convert[typ](own[field][f]), float(times[f]))
