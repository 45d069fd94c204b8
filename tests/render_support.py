"""Helpers shared by the rendering tests (tests/render/): plants, image checks and the
reference-image comparison (importable: pytest adds tests/ to sys.path).

Reference images live in tests/render/reference/. Regenerate them after an intended change of
the pictures with

    TWIN_UPDATE_REFERENCE_IMAGES=1 python3 -m pytest tests/render

then look at the new PNGs and commit them.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

import twin
from twin.look import Look
from twin.scenes import scene_path

REFERENCE_DIR = Path(__file__).resolve().parent / "render" / "reference"
UPDATE = os.environ.get("TWIN_UPDATE_REFERENCE_IMAGES", "") not in ("", "0")
SIZE = (400, 300)          # reference image size (width, height)
MEAN_ABS_TOLERANCE = 2.0   # mean absolute difference per channel (0..255)
PIXEL_TOLERANCE = 48       # a pixel differs when a channel differs by more than this
SHARE_TOLERANCE = 0.006    # share of differing pixels allowed (tiny rasterisation shifts, text hinting)


def compare_images(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """(mean absolute difference, share of pixels that differ by more than PIXEL_TOLERANCE)."""
    assert actual.shape == expected.shape, f"image shape {actual.shape} != reference {expected.shape}"
    diff = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    return float(diff.mean()), float(np.mean(diff.max(axis=2) > PIXEL_TOLERANCE))


def bundled(name: str) -> twin.Plant:
    return twin.load_scene(scene_path(name)).plant


def without_positions(plant: twin.Plant) -> twin.Plant:
    """The same plant with no positions (for the automatic layout)."""
    for el in plant:
        el.position = None
    return plant


def conveyor_cell() -> twin.Plant:
    """A small line with a belt conveyor and failures, no positions."""
    p = twin.Plant("Conveyor cell")
    p.add(twin.Source("blanks", interarrival=twin.Exponential(20)),
          twin.Buffer("infeed", capacity=8),
          twin.Machine("press", process=twin.LogNormal(15, 0.3),
                       failures=twin.Failures(tbf=twin.Exponential(300), ttr=twin.Exponential(60))),
          twin.Conveyor("belt", speed=0.5, pitch=0.5, length=6.0),
          twin.Machine("welder", process=twin.Gamma(18, 0.4)),
          twin.Buffer("outfeed", capacity=6),
          twin.Machine("packer", process=twin.Exponential(12)),
          twin.Sink("shipped"))
    p.line("blanks", "infeed", "press", "belt", "welder", "outfeed", "packer", "shipped")
    return p


def non_blank(img: np.ndarray) -> bool:
    """More than a background: varied pixels, many colours, not mostly one colour."""
    flat = img.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    return bool(img.std() > 10 and len(colours) > 50 and counts.max() < 0.9 * len(flat))


@dataclass(kw_only=True)
class FakeRobot(twin.Element):
    """Stands in for the robot kind (twin.equipment.robot) in rendering tests: it looks like an
    arm (its ``look``), which is all the renderer asks."""

    base: tuple = (0.0, 0.0, 0.0)
    dh: tuple = ((0.4, 0.0, 1.5708, 0.0), (0.0, 0.6, 0.0, 0.0), (0.0, 0.5, 0.0, 0.0))
    home: tuple = (0.0, 0.4, -0.8)
    kind: ClassVar[str] = "robot"
    look: ClassVar[Look] = Look("arm", "#ef8a2b", (1.2, 1.2, 1.6), reach=True)

    def floor_position(self):
        return self.position if self.position is not None else self.base


@dataclass(kw_only=True)
class Gizmo(twin.Element):
    """A kind the renderer has no geometry for."""

    kind: ClassVar[str] = "gizmo"


def equipment_cell() -> twin.Plant:
    """source -> robot -> cluster tool (3 + 2 chambers, 2 load locks) -> gizmo -> sink, no positions."""
    p = twin.Plant("Equipment cell")
    p.add(twin.Source("wafers"), FakeRobot("arm"),
          twin.ClusterTool("etcher", steps=(twin.ProcessStep(3, 60.0), twin.ProcessStep(2, 30.0)), load_ports=3,
                           radius=1.5),
          Gizmo("gizmo"), twin.Sink("done"))
    p.line("wafers", "arm", "etcher", "gizmo", "done")
    return p
