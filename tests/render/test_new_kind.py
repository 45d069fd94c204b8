"""A kind defined outside twin (here, in the test) brings its own shape, units and recorded
frames: the renderer draws and animates it with no edit of twin/render (docs/architecture.md,
"Host side: drawing")."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import twin
from twin.look import Look, Units, register_shape
from twin.recording import STATUS_NAMES, Recorded
from twin.render.colors import STATUS_COLORS

pytest.importorskip("pyvista")

SHAPE = "lamp_post_for_this_test"
LAMP = 0.3          # edge of a lamp cube, metres


def lamp_post(pl, el):
    """A post (body) with ``el.lamps`` lamp cubes on top, side by side along x (role ``lamp``)."""
    from twin.render.meshes import Part, box
    parts = [Part(box(pl.lo, pl.hi - np.array([0.0, 0.0, LAMP])), "body")]
    for k in range(el.lamps):
        x0 = pl.lo[0] + k * LAMP
        lo = np.array([x0, pl.center[1] - LAMP / 2, pl.hi[2] - LAMP])
        parts.append(Part(box(lo, lo + LAMP), "lamp", index=k, anchor=lo + np.array([LAMP / 2, LAMP / 2, LAMP])))
    return parts


register_shape(SHAPE, lamp_post)
LAMPS = Units("lamp", "lamps", ("off", "on", "broken"), (0, 1, 3), "Lamp", "lamp", "lamp switched", "lamp",
              held=(1,), held_prim="Glow")


@dataclass(kw_only=True)
class LampPost(twin.Element):
    lamps: int = 3
    kind: ClassVar[str] = "lamp_post_for_this_test"
    look: ClassVar[Look] = Look(SHAPE, "#4060c0", (0.9, 0.6, 2.0), units=(LAMPS,),
                                attributes=(("level", "level", "Double"),))


def lamp_plant() -> twin.Plant:
    p = twin.Plant("lamps")
    p.add(twin.Source("in"), LampPost("post"), twin.Sink("out"))
    p.line("in", "post", "out")
    return p


def lamp_recording(plant, codes: np.ndarray) -> Recorded:
    names = list(plant.elements)
    f = len(codes)
    return Recorded(0, np.arange(f) * 10.0, names, [plant[n].kind for n in names], np.zeros((f, 3), np.int8),
                    np.zeros((f, 3), np.int32), {},
                    {"posts": {"post": {"lamps": codes, "level": np.linspace(0.0, 1.0, f)}}})


def test_a_look_names_only_known_or_registered_shapes():
    with pytest.raises(ValueError, match="registered shape"):
        Look("lamp_post_nobody_registered")
    with pytest.raises(ValueError, match="new name"):
        register_shape("arm", lamp_post)          # a shape of twin.render's is not replaced
    with pytest.raises(ValueError, match="one status per state"):
        Units("lamp", "lamps", ("off", "on"), (0,), "Lamp", "lamp", "x", "lamp")


def test_a_new_kind_is_drawn_with_the_shape_it_registered():
    from twin.render.layout import plant_layout
    from twin.render.meshes import element_parts
    from twin.render.scene import LineScene
    plant = lamp_plant()
    pl = plant_layout(plant)["post"]
    parts = element_parts(pl, plant["post"])
    assert [(p.role, p.index) for p in parts] == [("body", 0), ("lamp", 0), ("lamp", 1), ("lamp", 2)]
    lamp0 = parts[1].mesh.bounds   # the builder's geometry: the first lamp at the post's -x corner, on top
    np.testing.assert_allclose([lamp0[0], lamp0[1], lamp0[5]], [pl.lo[0], pl.lo[0] + LAMP, pl.hi[2]], atol=1e-9)
    scene = LineScene(plant, size=(320, 200), anti_aliasing=False, labels=False, legend=False, title="")
    assert sorted(scene.actors["post"]["lamp"]) == [0, 1, 2]
    assert [a.prop.color.hex_rgb for a in scene.actors["post"]["body"]] == ["#4060c0"]   # its look's colour
    img = scene.image()
    r0, r1, c0, c1 = scene.screen_box("post")
    own = img[r0:r1, c0:c1].reshape(-1, 3).astype(int)
    assert np.mean(np.abs(own - (0x40, 0x60, 0xc0)).max(axis=1) < 40) > 0.05, "the post should show its colour"
    scene.close()


def test_a_new_kinds_units_take_the_colours_of_their_recorded_states():
    """Each lamp takes the colour of STATUS_NAMES[to_status[code]] of its recorded code, frame by
    frame; the recording's group name ("posts") is the kind's own, unknown to twin.render."""
    from twin.render.scene import LineScene
    plant = lamp_plant()
    codes = np.array([[0, 1, 2], [1, 1, 0], [2, 0, 1]], np.int8)
    rec = lamp_recording(plant, codes)
    scene = LineScene(plant, status=True, size=(320, 200), anti_aliasing=False, labels=False)
    for f in range(rec.frames):
        scene.show_frame(rec, f)
        got = [scene.actors["post"]["lamp"][k].prop.color.hex_rgb for k in range(3)]
        assert got == [STATUS_COLORS[STATUS_NAMES[LAMPS.to_status[c]]] for c in codes[f]], f
    scene.close()
    assert STATUS_NAMES[LAMPS.to_status[2]] == "down"   # a broken lamp is drawn as down
