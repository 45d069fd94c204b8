"""Off-screen pictures (twin.render.screenshot / LineScene): size, content, reference images,
colours that follow the data, geometry of every kind, and the interactive view's guard."""

import numpy as np
import pytest
from render_support import SIZE, bundled, conveyor_cell, equipment_cell, non_blank, without_positions

import twin
import twin.render
from twin.errors import TwinError
from twin.render import meshes
from twin.render.colors import BOTTLENECK_COLOR
from twin.render.scene import LineScene

STATIONS = ["op10_turning", "op20_milling", "op30_drilling", "op40_grinding", "op50_washing"]


def values(**override):
    out = {"op10_turning": 0.55, "op20_milling": 0.7, "op30_drilling": 0.4, "op40_grinding": 0.85,
           "op50_washing": 0.6}
    out.update(override)
    return out


def small(plant, **kwargs):
    return twin.render.screenshot(plant, size=SIZE, anti_aliasing=False, **kwargs)


def test_image_size_and_not_blank(tmp_path):
    out = tmp_path / "line.png"
    img = twin.render.screenshot(bundled("balanced_line"), out, size=(320, 200), anti_aliasing=False)
    assert img.shape == (200, 320, 3) and img.dtype == np.uint8
    assert non_blank(img)
    from PIL import Image
    with Image.open(out) as im:
        assert im.size == (320, 200) and im.mode == "RGB"


def test_reference_balanced_line_coloured_iso(check_reference):
    img = small(bundled("balanced_line"), values=values(), color_by="utilization")
    check_reference(img, "balanced_line_utilization_iso")


def test_reference_rework_line_automatic_layout_top(check_reference):
    img = small(without_positions(bundled("unbalanced_rework")), camera="top")
    check_reference(img, "unbalanced_rework_auto_top")


def test_reference_conveyor_cell_iso(check_reference):
    check_reference(small(conveyor_cell()), "conveyor_cell_iso")


def test_colouring_follows_the_data():
    """Two results that differ only at op30_drilling give images that differ only where
    op30_drilling is drawn, and the busier one is drawn redder (less green: YlOrRd)."""
    plant = bundled("balanced_line")
    common = dict(color_by="utilization", labels=False, size=SIZE, anti_aliasing=False, clim=(0.0, 1.0),
                  off_screen=True)
    low = LineScene(plant, results=_results(values(op30_drilling=0.2)), **common)
    high = LineScene(plant, results=_results(values(op30_drilling=0.95)), **common)
    a, b = low.image(), high.image()
    r0, r1, c0, c1 = low.screen_box("op30_drilling")
    low.close()
    high.close()
    differs = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 24
    assert differs.sum() > 200, "the changed element should change the picture"
    inside = np.zeros_like(differs)
    inside[r0:r1, c0:c1] = True
    assert not (differs & ~inside).any(), "pixels changed outside the element whose value changed"
    region = differs & inside
    assert b[region][:, 1].mean() < a[region][:, 1].mean() - 40  # light yellow-orange -> dark red


def _results(util: dict, bottleneck: str = "op40_grinding") -> dict:
    """A results dict in the JSON contract (twin.Results.to_dict) with these utilisations."""
    elements = {n: {"kind": "machine", "utilization": {"mean": u, "ci95": 0.01}} for n, u in util.items()}
    elements["buf_10_20"] = {"kind": "buffer", "queue": {"mean": 1.0, "ci95": 0.1}}
    return {"plant": "Balanced five-station machining line", "elements": elements,
            "bottleneck": {"element": bottleneck, "method": "active-period", "share": 1.0}}


def test_colour_by_a_results_object_marks_the_bottleneck():
    plant = bundled("unbalanced_rework")
    res = twin.simulate(plant, replicas=4, horizon=3 * 3600, warmup=1800, seed=3, device="cpu")
    scene = LineScene(plant, results=res, color_by="down", size=SIZE, anti_aliasing=False)
    assert set(scene.values) == {"saw", "cnc_mill", "drill", "deburr", "inspection"}
    assert scene.bottleneck == res.bottleneck["element"] == "cnc_mill"
    assert scene.bar_title == "down (%)" and "down (%)" in scene.plotter.scalar_bars
    assert ("bottleneck", BOTTLENECK_COLOR) in scene.legend_entries()
    assert non_blank(scene.image())
    scene.close()


def test_results_of_another_plant_and_missing_results_are_errors():
    plant = bundled("balanced_line")
    with pytest.raises(TwinError, match="another plant"):
        LineScene(plant, values={"nowhere": 0.5}, color_by="health")
    with pytest.raises(TwinError, match="needs results"):
        LineScene(plant, color_by="utilization")
    with pytest.raises(TwinError, match="camera must be one of"):
        small(plant, camera="fisheye")


def test_every_kind_has_geometry():
    plant = equipment_cell()
    scene = LineScene(plant, size=SIZE, anti_aliasing=False)
    groups = scene.actors
    assert len(groups["etcher"]["chamber"]) == 5 and len(groups["etcher"]["load_lock"]) == 2
    assert groups["arm"]["links"] is not None
    assert len(groups["gizmo"]["body"]) == 1  # an unknown kind is a box
    img = scene.image()
    scene.close()
    assert non_blank(img)


def test_robot_pose_comes_from_the_robot_module_when_it_has_forward_kinematics():
    """A real robot is drawn through its forward kinematics at its home configuration (the arm
    shape asks the element: ``drawn_links``)."""
    import twin
    from twin.equipment import robot as robot_module
    from twin.scenes import scene_path
    plant = twin.load_scene(scene_path("electronics_assembly")).plant
    arm = next(el for el in plant if isinstance(el, robot_module.Robot))
    links = meshes.arm_links(arm)
    expected = robot_module.link_positions(arm, arm.home)
    assert np.allclose(links, expected)
    assert np.allclose(links[0], arm.base)
    mesh = meshes.arm_mesh(links)
    assert np.allclose(mesh.bounds[1], links[:, 0].max() + meshes.JOINT_RADIUS, atol=1e-3)


def test_robot_placeholder_without_forward_kinematics(monkeypatch):
    """An element drawn as an arm that cannot say its joint origins (no ``drawn_links``) gets a
    placeholder arm standing where it stands."""
    from twin.equipment import robot as robot_module
    monkeypatch.delattr(robot_module.Robot, "drawn_links")
    arm = equipment_cell()["arm"]
    links = meshes.arm_links(arm)
    assert links.shape[1] == 3 and np.allclose(links[0], arm.base) and links[:, 2].max() > 1.0


def test_show_needs_a_display_or_a_notebook(monkeypatch):
    from twin.render import backend
    monkeypatch.setattr(backend, "has_display", lambda: False)
    monkeypatch.setattr(backend, "in_notebook", lambda: False)
    with pytest.raises(TwinError, match="no display"):
        bundled("balanced_line").show()


def test_plant_show_delegates_to_render(monkeypatch):
    seen = {}
    monkeypatch.setattr(twin.render, "show", lambda plant, **kw: seen.update(plant=plant, **kw) or "view")
    plant = bundled("balanced_line")
    assert plant.show(color_by="utilization") == "view"
    assert seen == {"plant": plant, "color_by": "utilization"}
