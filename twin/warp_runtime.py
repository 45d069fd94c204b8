"""Starts Warp's runtime once, without its "no CUDA driver" line on machines without a GPU.

Warp's native code prints "Could not find or load the NVIDIA CUDA driver" to file descriptor 2
on every start where no driver is found: noise on every CPU run, in a script or a notebook as
much as in the CLI. So the start (``wp.init``) runs with descriptor 2 captured, that one line is
dropped and anything else Warp printed is passed on. When a CUDA device was asked for, the line
is the answer to "why is there no GPU", so it is shown. Used by the library (model.resolve_device)
and by the CLI before its first kernel.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading

CUDA_DRIVER_WARNING = "Could not find or load the NVIDIA CUDA driver"

_lock = threading.Lock()
_started = False


def start(device=None) -> None:
    """Initialises Warp (once per process); drops the CUDA-driver line unless ``device`` names a
    CUDA device."""
    global _started
    if _started:
        return
    with _lock:
        if _started:
            return
        import warp as wp
        if device is not None and str(device).startswith("cuda"):
            wp.init()
        else:
            _init_quietly(wp)
        _started = True


def _init_quietly(wp) -> None:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no stderr to redirect
        wp.init()
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            wp.init()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
    rest = "".join(line for line in text.splitlines(True) if CUDA_DRIVER_WARNING not in line)
    if rest:
        sys.stderr.write(rest)
