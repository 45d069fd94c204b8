"""Layout (twin.render.layout): scene positions, the automatic left-to-right layout, belts."""

import numpy as np
import pytest
from render_support import bundled, conveyor_cell, equipment_cell, without_positions

import twin
from twin.render.layout import feedback_edges, layers, overlaps, path_points, plant_layout


def test_scene_positions_are_used():
    plant = bundled("balanced_line")
    lay = plant_layout(plant)
    assert not lay.auto
    for el in plant:
        assert np.allclose(lay[el.name].center, el.position)
        assert np.allclose(lay[el.name].size, el.size)


@pytest.mark.parametrize("scene", ["balanced_line", "packaging_line", "unbalanced_rework"])
def test_automatic_layout_flows_left_to_right_without_overlaps(scene):
    plant = without_positions(bundled(scene))
    lay = plant_layout(plant)
    assert lay.auto
    assert overlaps(lay) == []
    for u, v in plant.graph.edges:
        if (u, v) not in lay.feedback:
            assert lay[u].center[0] < lay[v].center[0], f"{u} -> {v} does not go right"


def test_parallel_machines_stand_side_by_side_and_chains_stay_straight():
    lay = plant_layout(without_positions(bundled("packaging_line")))
    a, b = lay["filler_A"], lay["filler_B"]
    assert a.center[0] == b.center[0] and abs(a.center[1] - b.center[1]) >= (a.size[1] + b.size[1]) / 2
    # the merge after the fillers sits between them, and the chain before them is straight
    assert lay["filler_outfeed"].center[1] == pytest.approx((a.center[1] + b.center[1]) / 2)
    assert lay["unscrambler"].center[1] == lay["air_rinser"].center[1] == lay["bottle_supply"].center[1]


def test_rework_loop_is_a_feedback_edge():
    plant = bundled("unbalanced_rework")
    assert feedback_edges(plant.graph) == {("inspection", "mill_queue")}
    lay = layers(plant)
    assert lay["castings"] == 0 and lay["inspection"] > lay["cnc_mill"] > lay["mill_queue"]


def test_belt_runs_from_predecessor_to_successor():
    plant = conveyor_cell()
    lay = plant_layout(plant)
    belt = lay["belt"]
    assert belt.path is not None
    assert belt.path[0][0] == pytest.approx(lay["press"].exit()[0] + 1.0)  # one GAP after the press
    assert belt.path[-1][0] == pytest.approx(lay["welder"].entry()[0] - 1.0)
    assert overlaps(lay) == []


def test_belt_path_from_the_scene():
    p = twin.Plant("p")
    p.add(twin.Source("s", position=(0, 0)), twin.Conveyor("c", speed=1.0, pitch=0.5,
                                                           path=[(1, 0, 0), (4, 0, 0), (4, 2, 0)]),
          twin.Sink("k", position=(5, 2)))
    p.line("s", "c", "k")
    lay = plant_layout(p)
    assert not lay.auto
    assert np.allclose(lay["c"].path, [(1, 0, 0), (4, 0, 0), (4, 2, 0)])
    # positions along the belt follow the drawn path: 5 m of belt, 4 m is 1 m up the second leg
    pts = path_points(lay["c"].path, np.array([0.0, 3.0, 4.0, 5.0]), 5.0)
    assert np.allclose(pts, [(1, 0, 0), (4, 0, 0), (4, 1, 0), (4, 2, 0)])


def test_equipment_kinds_get_footprints():
    lay = plant_layout(equipment_cell())
    assert lay.auto and overlaps(lay) == []
    tool = lay["etcher"]
    assert tool.size[0] > 2 * 1.5 and tool.size[1] >= 2 * 1.5  # ring of radius 1.5 m and its front end
    assert tuple(lay["gizmo"].size) == (1.5, 1.5, 1.5)


def test_an_empty_plant_is_an_error():
    from twin.errors import TwinError
    with pytest.raises(TwinError, match="no elements"):
        plant_layout(twin.Plant("empty"))


def test_a_new_kind_is_drawn_from_its_own_look():
    """The renderer asks an element for its look (twin/look.py), never its kind's name: a kind the
    renderer has never heard of gets the footprint, shape and colour it declares."""
    from dataclasses import dataclass
    from typing import ClassVar

    from twin.look import Look
    from twin.render.meshes import element_parts

    @dataclass(kw_only=True)
    class Oven(twin.Element):
        kind: ClassVar[str] = "oven_for_this_test"
        look: ClassVar[Look] = Look("plinth", "#123456", (2.5, 0.7, 1.1), items="stack")

    p = twin.Plant("oven")
    p.add(twin.Source("in"), Oven("oven"), twin.Sink("out"))
    p.line("in", "oven", "out")
    pl = plant_layout(p)["oven"]
    assert tuple(pl.size) == (2.5, 0.7, 1.1)
    assert pl.look.color == "#123456"
    assert [part.role for part in element_parts(pl, p["oven"])] == ["trim", "body"]  # the plinth shape
    with pytest.raises(ValueError, match="shape"):
        Look("teapot")
