"""A kind defined outside twin (here, in the test) exports with its own shape, units and
recorded attributes: the USD stage and the event log take them from its look, with no edit of
twin/export or twin/render (docs/architecture.md, "Host side: drawing")."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import twin
from twin.export.events import event_table, ocel_log
from twin.look import Look, Units, register_shape
from twin.recording import STATUS_NAMES, Recorded

SHAPE = "signal_mast_for_this_test"
LAMP = 0.25


def signal_mast(pl, el):
    """A mast (body) with two lamps on top (role ``lamp``, their anchor above each)."""
    from twin.render.meshes import Part, box
    parts = [Part(box(pl.lo, pl.hi - np.array([0.0, 0.0, LAMP])), "body")]
    for k in range(2):
        lo = np.array([pl.lo[0] + k * LAMP, pl.center[1] - LAMP / 2, pl.hi[2] - LAMP])
        parts.append(Part(box(lo, lo + LAMP), "lamp", index=k, anchor=lo + np.array([LAMP / 2, LAMP / 2, 2 * LAMP])))
    return parts


register_shape(SHAPE, signal_mast)
LAMPS = Units("lamp", "lamps", ("dark", "lit"), (0, 1), "Lamp", "lamp", "lamp switched", "signal lamp",
              held=(1,), held_prim="Light")


@dataclass(kw_only=True)
class SignalMast(twin.Element):
    kind: ClassVar[str] = "signal_mast_for_this_test"
    look: ClassVar[Look] = Look(SHAPE, "#30a060", (0.6, 0.6, 2.5), units=(LAMPS,),
                                attributes=(("level", "level", "Double"), ("cars", "carsWaiting", "Int")))


CODES = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.int8)
LEVEL = np.array([0.0, 0.25, 0.5, 0.5])
CARS = np.array([0, 2, 2, 1])


def mast_plant_and_recording():
    p = twin.Plant("crossing")
    p.add(twin.Source("in"), SignalMast("mast"), twin.Sink("out"))
    p.line("in", "mast", "out")
    names = list(p.elements)
    rec = Recorded(0, np.array([0.0, 5.0, 10.0, 15.0]), names, [p[n].kind for n in names], np.zeros((4, 3), np.int8),
                   np.zeros((4, 3), np.int32), {}, {"masts": {"mast": {"lamps": CODES, "level": LEVEL, "cars": CARS}}})
    return p, rec


def test_a_new_kind_exports_its_units_and_attributes_to_usd(tmp_path):
    pytest.importorskip("pyvista")
    pytest.importorskip("pxr")
    from pxr import Usd, UsdGeom

    from twin.export import write_usd
    from twin.render.colors import STATUS_COLORS
    from twin.render.layout import plant_layout
    plant, rec = mast_plant_and_recording()
    stage = Usd.Stage.Open(str(write_usd(plant, tmp_path / "mast.usda", recording=rec)))
    prim = next(p for p in stage.GetPrimAtPath("/Plant/Elements").GetChildren()
                if p.GetAttribute("twin:name").Get() == "mast")
    anchors = np.array([signal_mast(plant_layout(plant)["mast"], plant["mast"])[1 + k].anchor for k in range(2)])
    for f, t in enumerate(rec.times):
        t = float(t)
        for k in range(2):
            lamp = prim.GetChild(f"Lamp_{k}")
            assert lamp.GetAttribute("twin:state").Get(t) == LAMPS.states[CODES[f, k]]
            colour = UsdGeom.Gprim(lamp).GetDisplayColorAttr().Get(t)[0]
            want = STATUS_COLORS[STATUS_NAMES[LAMPS.to_status[CODES[f, k]]]]
            np.testing.assert_allclose(colour, [int(want[i:i + 2], 16) / 255 for i in (1, 3, 5)], atol=1e-6)
        lit = np.array(UsdGeom.Points(prim.GetChild("Light")).GetPointsAttr().Get(t)).reshape(-1, 3)
        np.testing.assert_allclose(lit, anchors[CODES[f] == 1], atol=1e-5)   # float32 points
        assert prim.GetAttribute("twin:level").Get(t) == LEVEL[f]
        assert prim.GetAttribute("twin:carsWaiting").Get(t) == CARS[f]


def test_a_new_kinds_units_are_events_with_and_without_the_plant(monkeypatch):
    plant, rec = mast_plant_and_recording()
    for where in (plant, None):       # without the plant, the look comes from the kind's class
        if where is None:
            monkeypatch.setitem(twin.elements.KINDS, SignalMast.kind, SignalMast)
        table = event_table(rec, where)
        rows = [(table["time_s"][i], table["unit"][i], table["from_state"][i], table["to_state"][i])
                for i in range(len(table["event"])) if table["event"][i] == "lamp switched"]
        assert rows == [(5.0, "lamp1", "dark", "lit"), (10.0, "lamp2", "dark", "lit"), (15.0, "lamp1", "lit", "dark")]
    types = {o["id"]: o["type"] for o in ocel_log(rec, plant)["objects"]}
    assert types["r0/mast/lamp1"] == types["r0/mast/lamp2"] == "signal lamp"
