"""OpenUSD export: the stage opened with pxr.Usd has the plant's prims, units, up-axis, KPI
attributes and colours, the PyVista scene's meshes, robot link transforms that are the forward
kinematics of the exported joint angles, and time samples equal to the recording's frames."""

import shutil
import subprocess

import numpy as np
import pytest

pytest.importorskip("pyvista")
pxr = pytest.importorskip("pxr")
from pxr import Gf, Sdf, Usd, UsdGeom  # noqa: E402

import twin  # noqa: E402
from twin.export import write_usd  # noqa: E402
from twin.recording import STATUS_NAMES  # noqa: E402
from twin.render import meshes  # noqa: E402
from twin.render.colors import STATUS_COLORS, color_map  # noqa: E402
from twin.render.layout import plant_layout  # noqa: E402
from twin.scenes import scene_path  # noqa: E402

FLOAT32 = 1e-5   # points are stored as float32: metres of a plant a few tens of metres long round to ~2e-6


def rgb(hex_color):
    return np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def element_prims(stage):
    return {p.GetAttribute("twin:name").Get(): p for p in stage.GetPrimAtPath("/Plant/Elements").GetChildren()}


@pytest.fixture(scope="module")
def balanced():
    scene = twin.load_scene(scene_path("balanced_line"))
    res = scene.simulate(replicas=6, horizon=3600.0, warmup=600.0, seed=3, device="cpu")
    return scene.plant, res


@pytest.fixture(scope="module")
def electronics():
    """A robot-tended line with belts, one replica recorded over five minutes every 2 s."""
    scene = twin.load_scene(scene_path("electronics_assembly"))
    res = scene.simulate(replicas=2, horizon=1500.0, warmup=0.0, seed=5, device="cpu",
                         record=twin.Recording(replica=1, start=1200.0, end=1500.0, every=2.0))
    return scene.plant, res


def test_stage_units_hierarchy_and_kpis(balanced, tmp_path):
    plant, res = balanced
    path = write_usd(plant, tmp_path / "line.usda", results=res)
    stage = Usd.Stage.Open(str(path))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert stage.GetDefaultPrim().GetPath() == Sdf.Path("/Plant")
    assert Usd.ModelAPI(stage.GetDefaultPrim()).GetKind() == "assembly"
    prims = element_prims(stage)
    assert sorted(prims) == sorted(plant.elements)
    util = {n: res.element(n)["utilization"].mean for n in plant.elements if "utilization" in res.element(n)}
    assert len(util) >= 5
    lo, hi = stage.GetDefaultPrim().GetAttribute("twin:colorRange").Get()
    assert lo == 0.0 and max(util.values()) <= hi
    import matplotlib
    cmap = matplotlib.colormaps[color_map("utilization")]
    for name, prim in prims.items():
        assert prim.GetAttribute("twin:kind").Get() == plant[name].kind
        assert prim.GetPath().pathString.startswith("/Plant/Elements/")
        for kpi, value in res.element(name).items():
            assert prim.GetAttribute(f"twin:{kpi}").Get() == pytest.approx(value.mean, rel=1e-12, nan_ok=True)
            assert prim.GetAttribute(f"twin:{kpi}:ci95").Get() == pytest.approx(value.ci95, rel=1e-12, nan_ok=True)
        body = next(c for c in prim.GetChildren() if c.GetName().startswith("Body_"))
        color = np.array(UsdGeom.Gprim(body).GetDisplayColorAttr().Get()[0])
        if name in util:
            # PyVista's lookup table has 256 entries; the continuous map differs by at most one
            # entry's step (YlOrRd changes by < 0.02 per channel over 1/256 of its range)
            expected = np.array(cmap((util[name] - lo) / (hi - lo))[:3])
            assert np.abs(color - expected).max() < 0.02, name
        assert prim.GetAttribute("twin:bottleneck").Get() == (name == res.bottleneck["element"])
    assert stage.GetDefaultPrim().GetAttribute("twin:bottleneck").Get() == res.bottleneck["element"]
    links = stage.GetPrimAtPath("/Plant/Links").GetChildren()
    assert sorted((p.GetAttribute("twin:from").Get(), p.GetAttribute("twin:to").Get()) for p in links) == \
        sorted(plant.graph.edges)


def test_meshes_are_the_pyvista_scene(balanced, electronics, tmp_path):
    for plant, _ in (balanced, electronics):
        path = write_usd(plant, tmp_path / "line.usdc")
        stage = Usd.Stage.Open(str(path))
        prims = element_prims(stage)
        layout = plant_layout(plant)
        for name, pl in layout.placements.items():
            parts = meshes.element_parts(pl, plant[name])
            for k, part in enumerate(parts):
                if part.role == "links":
                    continue
                label = {"body": "Body", "trim": "Trim"}.get(part.role)
                child = f"{label}_{k}" if label else \
                    f"{'Chamber' if part.role == 'chamber' else 'LoadLock'}_{part.index}"
                mesh = UsdGeom.Mesh(prims[name].GetChild(child))
                assert mesh, f"{name}/{child}"
                pts = np.array(mesh.GetPointsAttr().Get())
                ref = part.mesh.triangulate()
                assert pts.shape == ref.points.shape
                np.testing.assert_allclose(pts, ref.points, atol=FLOAT32)
                assert len(mesh.GetFaceVertexCountsAttr().Get()) == ref.n_cells
        # all elements together, robot arms included, take the room of the scene's meshes (the arm's
        # links are a 12-sided cylinder instead of a 12-sided tube: bounds differ by < 1 cm)
        box = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_]).ComputeWorldBound(
            stage.GetPrimAtPath("/Plant/Elements")).ComputeAlignedRange()
        b = np.array([part.mesh.bounds for pl in layout for part in meshes.element_parts(pl, plant[pl.name])])
        np.testing.assert_allclose(box.GetMin(), b[:, 0::2].min(axis=0), atol=0.01)
        np.testing.assert_allclose(box.GetMax(), b[:, 1::2].max(axis=0), atol=0.01)


def world_point(prim, p, t):
    m = UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(t)
    return np.array(m.Transform(Gf.Vec3d(*p)))


def test_recording_as_time_samples(electronics, tmp_path):
    plant, res = electronics
    rec = res.recording
    path = write_usd(plant, tmp_path / "line.usda", recording=rec, speed=30.0)
    stage = Usd.Stage.Open(str(path))
    assert stage.GetTimeCodesPerSecond() == 30.0
    assert stage.GetStartTimeCode() == rec.times[0] == 1200.0
    assert stage.GetEndTimeCode() == rec.times[-1] == 1500.0
    prims = element_prims(stage)
    changed = 0
    for i, name in enumerate(rec.names):
        prim = prims[name]
        states = prim.GetAttribute("twin:state")
        changed += len(set(rec.status[:, i].tolist())) > 1
        body = next((c for c in prim.GetChildren() if c.GetName().startswith("Body_")), None) or \
            prim.GetPrimAtPath("Arm/Link_0/Geom")
        color = UsdGeom.Gprim(body).GetDisplayColorAttr()
        for f, t in enumerate(rec.times):
            code = int(rec.status[f, i])
            assert states.Get(float(t)) == STATUS_NAMES[code], (name, t)
            assert prim.GetAttribute("twin:held").Get(float(t)) == int(rec.held[f, i])
            if plant[name].kind in ("machine", "conveyor", "robot"):
                np.testing.assert_allclose(color.Get(float(t))[0], rgb(STATUS_COLORS[STATUS_NAMES[code]]), atol=1e-6)
            if plant[name].kind == "conveyor":
                items = UsdGeom.Points(prim.GetChild("Items")).GetPointsAttr().Get(float(t))
                assert len(items) == int(np.isfinite(rec.conveyors[name][f]).sum())
    assert changed >= 3, "the window should show elements changing state"

    # robot: every link is the unit z segment carried from joint origin j to j + 1, and the
    # origins are the forward kinematics of the exported joint angles
    from twin.equipment.robot import link_positions
    name = next(n for n in rec.names if plant[n].kind == "robot")
    el, r = plant[name], rec.robots[name]
    arm = prims[name].GetChild("Arm")
    offset = meshes.floor_offset(plant_layout(plant)[name], el)
    assert np.ptp(r["joints"], axis=0).max() > 0.1, "the arm should move in the window"
    links = [c for c in arm.GetChildren() if c.GetName().startswith("Link_")]
    assert len(links) == r["links"].shape[1] - 1
    for f in range(0, rec.frames, 7):
        t = float(rec.times[f])
        q = np.array(arm.GetAttribute("twin:joints").Get(t))
        np.testing.assert_allclose(q, r["joints"][f], atol=1e-12)
        fk = link_positions(el, q)[: len(links) + 1] + offset
        for j, link in enumerate(links):
            np.testing.assert_allclose(world_point(link, (0, 0, 0), t), fk[j], atol=1e-5)
            np.testing.assert_allclose(world_point(link, (0, 0, 1), t), fk[j + 1], atol=1e-5)
        items = UsdGeom.Points(prims[name].GetChild("Items")).GetPointsAttr().Get(t)
        assert len(items) == int(r["holding"][f])


def test_cluster_tool_chambers_and_wafers(tmp_path):
    from twin.equipment.cluster_tool import CHAMBER_STATUS
    scene = twin.load_scene(scene_path("wafer_bay"))
    res = scene.simulate(replicas=1, horizon=1800.0, warmup=0.0, seed=2, device="cpu",
                         record=twin.Recording(start=1200.0, end=1800.0, every=5.0))
    rec, plant = res.recording, scene.plant
    stage = Usd.Stage.Open(str(write_usd(plant, tmp_path / "fab.usda", recording=rec)))
    prims = element_prims(stage)
    assert rec.tools
    assert any(len(set(t["chambers"].ravel().tolist())) > 1 for t in rec.tools.values())
    for name, t in rec.tools.items():
        prim = prims[name]
        ch = t["chambers"]
        for f, time in enumerate(rec.times):
            time = float(time)
            for k in range(ch.shape[1]):
                chamber = prim.GetChild(f"Chamber_{k}")
                assert chamber.GetAttribute("twin:state").Get(time) == CHAMBER_STATUS[ch[f, k]]
                # the animation's colours: idle, busy (processing), blocked (holding), down
                colour = UsdGeom.Gprim(chamber).GetDisplayColorAttr().Get(time)[0]
                np.testing.assert_allclose(colour, rgb(STATUS_COLORS[STATUS_NAMES[int(ch[f, k])]]), atol=1e-6)
            wafers = UsdGeom.Points(prim.GetChild("Wafers")).GetPointsAttr().Get(time)
            assert len(wafers) == int(np.isin(ch[f], (1, 2)).sum())
            assert prim.GetAttribute("twin:wafersOut").Get(time) == int(t["wafers_out"][f])
            assert list(prim.GetAttribute("twin:loadLockWafers").Get(time)) == list(t["load_lock_wafers"][f])


def test_round_trip_through_binary(electronics, tmp_path):
    """usd-core ships no usdcat binary; usdcat's conversion is Sdf.Layer export, done here:
    .usda -> .usdc -> text again gives the same layer."""
    plant, res = electronics
    text = write_usd(plant, tmp_path / "line.usda", recording=res.recording)
    layer = Sdf.Layer.FindOrOpen(str(text))
    assert layer.Export(str(tmp_path / "copy.usdc"))
    again = Sdf.Layer.FindOrOpen(str(tmp_path / "copy.usdc"))
    assert again.ExportToString() == layer.ExportToString()
    assert again.GetFileFormat().formatId == "usdc"
    usdcat = shutil.which("usdcat")
    if usdcat:  # where a full USD build is installed, its usdcat must read the file too
        out = subprocess.run([usdcat, str(text)], capture_output=True, text=True, check=True).stdout
        assert "defaultPrim" in out


def test_bad_input_is_one_clear_error(balanced, electronics, tmp_path):
    plant, res = balanced
    other, _ = electronics
    with pytest.raises(twin.TwinError, match="another plant"):
        write_usd(other, tmp_path / "x.usda", results=res)
    with pytest.raises(twin.TwinError, match="no folder"):
        write_usd(plant, tmp_path / "missing" / "x.usda")
    with pytest.raises(twin.TwinError, match=r"\.usda"):
        write_usd(plant, tmp_path / "x.obj")
    with pytest.raises(twin.TwinError, match="another plant"):
        write_usd(plant, tmp_path / "x.usda", recording=electronics[1].recording)
    with pytest.raises(twin.TwinError, match="no element has the KPI 'nonsense'"):
        write_usd(plant, tmp_path / "x.usda", results=res, color_by="nonsense")


def test_names_that_are_not_identifiers_become_valid_prims(tmp_path):
    plant = twin.Plant("odd names")
    plant.add(twin.Source("in feed", interarrival=twin.Exponential(mean=30)), twin.Buffer("1st-buffer", capacity=3),
              twin.Machine("lathe #1", process=twin.Deterministic(20)), twin.Machine("lathe_1", process=twin.Deterministic(5)),
              twin.Sink("out"))
    plant.line("in feed", "1st-buffer", "lathe #1", "lathe_1", "out")
    res = twin.simulate(plant, replicas=1, horizon=600.0, seed=1, device="cpu",
                        record=twin.Recording(start=0.0, end=600.0, every=10.0))
    stage = Usd.Stage.Open(str(write_usd(plant, tmp_path / "odd.usda", results=res, recording=res.recording)))
    prims = element_prims(stage)
    assert sorted(prims) == sorted(plant.elements)
    paths = {p.GetPath().pathString for p in prims.values()}
    assert len(paths) == 5   # "lathe #1" and "lathe_1" both map to lathe_1: the second gets a suffix
    assert all(Sdf.Path.IsValidIdentifier(p.rsplit("/", 1)[1]) for p in paths)
