"""Still pictures of a plant (the screenshot concern): PNG screenshots off-screen, and an interactive view."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import TwinError
from . import backend
from .scene import LineScene


def screenshot(plant, path=None, *, results=None, color_by: str | None = None, values=None, camera: str = "iso",
               size=(1600, 1000), labels: bool = True, legend: bool = True, title: str | None = None,
               anti_aliasing: bool = True, layout=None, clim=None) -> np.ndarray:
    """Renders ``plant`` off-screen and returns the image ([height, width, 3] uint8); writes it as
    PNG to ``path`` if given. Colour by ``results`` (Results, results dict or JSON path) and
    ``color_by`` (a per-element KPI, default utilization), or by ``values`` (name -> number).
    ``camera``: "iso", "top" or "front"; ``size``: (width, height) or "WxH"; ``clim``: the colour
    range (see :class:`LineScene`)."""
    scene = LineScene(plant, results=results, color_by=color_by, values=values, camera=camera, size=size,
                      labels=labels, legend=legend, title=title, anti_aliasing=anti_aliasing, off_screen=True,
                      layout=layout, clim=clim)
    try:
        img = scene.image()
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_png(path, img)
        return img
    finally:
        scene.close()


def write_png(path, img: np.ndarray) -> Path:
    """Writes an RGB image as PNG."""
    from PIL import Image
    Image.fromarray(np.ascontiguousarray(img[..., :3])).save(path, optimize=True)
    return Path(path)


def show(plant, *, results=None, color_by: str | None = None, values=None, camera: str = "iso",
         size=(1280, 800), labels: bool = True, jupyter_backend: str | None = None, **kwargs):
    """An interactive view of ``plant``: a window where there is a display, or in a Jupyter
    notebook PyVista's notebook view (``jupyter_backend``: "trame" for a live 3-D view where
    trame is installed, "static" for a picture; default: PyVista's). Without either, raises a
    TwinError pointing to :func:`screenshot`."""
    notebook = backend.in_notebook()
    if not notebook and not backend.has_display():
        raise TwinError("no display to open a window on (and not in a notebook); "
                        "write a picture with twin.render.screenshot(plant, 'line.png') instead")
    scene = LineScene(plant, results=results, color_by=color_by, values=values, camera=camera, size=size,
                      labels=labels, off_screen=False, notebook=notebook, **kwargs)
    return scene.plotter.show(jupyter_backend=jupyter_backend)
