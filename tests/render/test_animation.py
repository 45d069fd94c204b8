"""Animations (twin.render.animate): frame counts of GIF and MP4, state colours, parts, arms,
chambers, and a clip of a real simulation."""

import numpy as np
import pytest
from render_support import conveyor_cell, equipment_cell, non_blank

import twin
import twin.render
from twin.errors import TwinError
from twin.recording import STATUS_NAMES, Recorded
from twin.render.animation import count_frames
from twin.render.colors import STATUS_COLORS
from twin.render.scene import LineScene

FRAME = (320, 200)
BUSY, DOWN = STATUS_NAMES.index("busy"), STATUS_NAMES.index("down")


def synthetic(plant, frames: int, status=None, held=None, conveyors=None, robots=None, tools=None) -> Recorded:
    names = list(plant.elements)
    n = len(names)
    st = np.zeros((frames, n), np.int8) if status is None else status
    hd = np.zeros((frames, n), np.int32) if held is None else held
    return Recorded(0, np.arange(frames) * 5.0, names, [plant[x].kind for x in names], st, hd,
                    conveyors or {}, robots=robots or {}, tools=tools or {})


def region_colour(scene: LineScene, img: np.ndarray, name: str) -> np.ndarray:
    r0, r1, c0, c1 = scene.screen_box(name)
    return img[r0:r1, c0:c1].reshape(-1, 3)


def share_near(pixels: np.ndarray, hex_colour: str, tol: int = 70) -> float:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return float(np.mean(np.abs(pixels.astype(int) - rgb).max(axis=1) < tol))


def test_machines_take_the_colour_of_their_recorded_state():
    plant = conveyor_cell()
    rec = synthetic(plant, 2)
    press = rec.names.index("press")
    rec.status[0, press], rec.status[1, press] = BUSY, DOWN
    scene = LineScene(plant, status=True, size=FRAME, anti_aliasing=False, labels=False)
    scene.show_frame(rec, 0)
    busy = region_colour(scene, scene.image(), "press")
    scene.show_frame(rec, 1)
    down = region_colour(scene, scene.image(), "press")
    scene.close()
    assert share_near(busy, STATUS_COLORS["busy"]) > 0.3 and share_near(busy, STATUS_COLORS["down"]) < 0.02
    assert share_near(down, STATUS_COLORS["down"]) > 0.3 and share_near(down, STATUS_COLORS["busy"]) < 0.02


def test_parts_move_along_the_belt():
    plant = conveyor_cell()
    cap = plant["belt"].capacity
    belt = np.full((2, cap), np.nan, np.float32)
    belt[0, 0], belt[1, 0] = 0.5, 5.5                      # one part, near the start, then near the end
    rec = synthetic(plant, 2, conveyors={"belt": belt})
    scene = LineScene(plant, status=True, size=FRAME, anti_aliasing=False, labels=False)
    centres = []
    for f in range(2):
        scene.show_frame(rec, f)
        centres.append(np.array(scene._items.center))
    scene.close()
    path = scene.layout["belt"].path
    assert centres[0][0] == pytest.approx(path[0][0] + 0.5 / 6.0 * (path[-1][0] - path[0][0]), abs=1e-6)
    assert centres[1][0] - centres[0][0] == pytest.approx(5.0 / 6.0 * (path[-1][0] - path[0][0]), abs=1e-6)


def test_arms_and_chambers_follow_the_recording():
    plant = equipment_cell()
    links = np.zeros((2, 4, 3))
    links[:, :, :] = np.array(plant["arm"].base)
    links[0, 1:, 2] = [0.5, 1.0, 1.5]                      # straight up
    links[1, 1:, 0] = [0.5, 1.0, 1.5]                      # stretched along x
    links[1, 1:, 2] = 0.6
    chambers = np.zeros((2, 5), np.int8)           # ClusterTool recording codes: 0 idle, 1 processing, 2 holding
    chambers[1, 1] = 1
    chambers[1, 2] = 2
    load_locks = np.zeros((2, 2), np.int8)          # 0 vented, 1 pumping, 2 vacuum, 3 venting
    load_locks[1, 0] = 3
    load_locks[1, 1] = 2
    rec = synthetic(plant, 2, robots={"arm": {"joints": np.zeros((2, 3)), "links": links,
                                              "holding": np.array([0, 1])}},
                    tools={"etcher": {"chambers": chambers, "load_locks": load_locks}})
    scene = LineScene(plant, status=True, size=FRAME, anti_aliasing=False)
    scene.show_frame(rec, 0)
    up = scene._arms["arm"].bounds
    scene.show_frame(rec, 1)
    out = scene._arms["arm"].bounds
    assert up[5] > out[5] + 0.5 and out[1] > up[1] + 1.0
    chamber_actors, lock_actors = scene.actors["etcher"]["chamber"], scene.actors["etcher"]["load_lock"]
    assert [chamber_actors[k].prop.color.hex_rgb for k in range(3)] == \
        [STATUS_COLORS["idle"], STATUS_COLORS["busy"], STATUS_COLORS["blocked"]]
    assert lock_actors[0].prop.color.hex_rgb == STATUS_COLORS["busy"]    # venting works
    assert lock_actors[1].prop.color.hex_rgb == STATUS_COLORS["idle"]    # at vacuum, waiting
    assert scene._items.n_points > 0  # the part the arm holds
    scene.close()


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_clip_has_one_frame_per_recorded_frame(tmp_path, suffix):
    plant = conveyor_cell()
    rec = synthetic(plant, 7)
    out = twin.render.animate(plant, rec, tmp_path / f"clip{suffix}", fps=5, size=FRAME, anti_aliasing=False)
    assert out.exists() and count_frames(out) == 7


def test_clip_of_a_simulated_replica(tmp_path):
    plant = conveyor_cell()
    res = twin.simulate(plant, replicas=2, horizon=900.0, seed=5, device="cpu",
                        record=twin.Recording(replica=1, start=600.0, end=660.0, every=6.0))
    rec = res.recording
    assert rec.frames == 11 and rec.replica == 1
    out = twin.render.animate(plant, rec, tmp_path / "cell.gif", fps=4, size=FRAME)
    assert count_frames(out) == 11
    from PIL import Image
    with Image.open(out) as im:
        assert im.size == FRAME
        im.seek(5)
        assert non_blank(np.asarray(im.convert("RGB")))


def test_bad_requests_are_errors(tmp_path):
    plant = conveyor_cell()
    with pytest.raises(TwinError, match=".gif or .mp4"):
        twin.render.animate(plant, synthetic(plant, 2), tmp_path / "clip.avi")
    with pytest.raises(TwinError, match="no recording"):
        twin.render.animate(plant, None, tmp_path / "clip.gif")


def test_cluster_tool_chambers_follow_a_simulated_recording():
    """A real ClusterTool's recording drives the chamber and load-lock colours frame by frame."""
    plant = twin.Plant("tool cell")
    plant.add(twin.Source("foups"),
              twin.ClusterTool("etcher", steps=(twin.ProcessStep(2, 60.0),), vtm_robot="single"),
              twin.Sink("out"))
    plant.line("foups", "etcher", "out")
    res = twin.simulate(plant, replicas=1, horizon=900.0, seed=2, device="cpu",
                        record=twin.Recording(replica=0, start=300.0, end=420.0, every=4.0))
    tool = res.recording.tools["etcher"]
    assert [(u.role, u.to_status) for u in twin.ClusterTool.look.units] == [("chamber", (0, 1, 2, 3)),
                                                                             ("load_lock", (0, 1, 0, 1))]
    assert len(np.unique(tool["chambers"])) >= 2 and len(np.unique(tool["load_locks"])) >= 2
    scene = LineScene(plant, status=True, size=FRAME, anti_aliasing=False, labels=False)
    for f in range(res.recording.frames):
        scene.show_frame(res.recording, f)
        for role, to_status in ((u.role, u.to_status) for u in twin.ClusterTool.look.units):  # the kind's mapping
            codes = tool[role + "s"][f]
            for k, actor in scene.actors["etcher"][role].items():
                assert actor.prop.color.hex_rgb == STATUS_COLORS[STATUS_NAMES[to_status[int(codes[k])]]]
    scene.close()
