"""Choosing how VTK renders: a window where there is a display, off-screen where there is none.

VTK's PyPI wheels (9.4 and later) pick their OpenGL window at run time: X11 where a display is
set, else EGL, else OSMesa. On Linux without ``DISPLAY``/``WAYLAND_DISPLAY`` twin asks for EGL
directly when ``libEGL.so.1`` loads (Mesa's llvmpipe renders on the CPU through it), which skips
the failed X11 attempt and its warning. Set ``VTK_DEFAULT_OPENGL_WINDOW`` yourself to choose
another (e.g. ``vtkOSOpenGLRenderWindow`` with ``libOSMesa`` installed).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import sys

from ..errors import TwinError

INSTALL_HINT = "rendering needs twin's render extra: pip install 'twin[render]' (pyvista, matplotlib, imageio)"


def has_display() -> bool:
    """True where a window can open (not Linux, or Linux with DISPLAY/WAYLAND_DISPLAY)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _loads(lib: str) -> bool:
    try:
        ctypes.CDLL(lib)
        return True
    except OSError:
        return False


def prepare(off_screen: bool | None = None) -> bool:
    """Sets VTK up before a window is created; returns whether to render off-screen (always
    where there is no display)."""
    headless = not has_display()
    if headless and "VTK_DEFAULT_OPENGL_WINDOW" not in os.environ and _loads("libEGL.so.1"):
        os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = "vtkEGLRenderWindow"
    return True if headless else bool(off_screen)


def import_pyvista():
    """PyVista, or a TwinError that says how to install it."""
    try:
        import pyvista
    except ImportError as err:
        raise TwinError(f"{INSTALL_HINT} ({err})") from None
    return pyvista


def import_plotting():
    """PyVista with its plotting modules (VTK's OpenGL libraries) loaded: about a second. The
    commands call it before they open an output file, so that a machine whose VTK cannot load them
    says so before anything is written, and a Ctrl-C never lands inside VTK's module loader while
    a file is open (the loader turns the KeyboardInterrupt into an ImportError)."""
    pv = import_pyvista()
    try:
        importlib.import_module("pyvista.plotting")  # loads vtkRenderingOpenGL2 and friends
    except ImportError as err:
        raise TwinError(f"VTK cannot load its rendering modules on this machine ({err}); reinstall vtk, "
                        "or install Mesa's OpenGL libraries (Debian: libgl1 libegl1)") from None
    return pv


def in_notebook() -> bool:
    """True inside a Jupyter kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"
