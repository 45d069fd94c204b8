"""Rendering of a plant with PyVista: 3-D scenes, screenshots, animations and study plots.

Render reads a Plant (layout) and Results or recordings (colours, motion); it never drives the
simulation. It needs the ``render`` extra (pyvista, matplotlib, imageio, imageio-ffmpeg); the
layout and colour helpers (``twin.render.layout``, ``twin.render.colors``) need only numpy.

    import twin, twin.render
    twin.render.screenshot(plant, "line.png", results=res, color_by="utilization")
    twin.render.animate(plant, res.recording, "line.gif")
    twin.render.throughput_plot({"base": res, "bigger buffers": res2}, "throughput.png")
    twin.render.states_plot(res, "states.png")
"""

from __future__ import annotations

_EXPORTS = {
    "LineScene": "scene", "screenshot": "still", "show": "still", "write_png": "still",
    "animate": "animation", "throughput_plot": "plots", "states_plot": "plots",
    "plant_layout": "layout", "Layout": "layout", "Placement": "layout", "kpi_values": "colors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'twin.render' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the function, not the submodule of the same name
    return value
