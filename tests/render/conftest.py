"""Fixtures of the rendering tests (helpers: tests/render_support.py)."""

import numpy as np
import pytest

from render_support import (MEAN_ABS_TOLERANCE, REFERENCE_DIR, SHARE_TOLERANCE, UPDATE,
                            compare_images)


@pytest.fixture
def check_reference(tmp_path):
    """check_reference(image, name): compares with reference/NAME.png within the tolerances
    (or writes it when TWIN_UPDATE_REFERENCE_IMAGES=1)."""
    from PIL import Image

    def check(image: np.ndarray, name: str) -> None:
        path = REFERENCE_DIR / f"{name}.png"
        if UPDATE or not path.exists():
            if not UPDATE:
                pytest.fail(f"no reference image {path}; run with TWIN_UPDATE_REFERENCE_IMAGES=1 to create it")
            REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(path, optimize=True)
            return
        expected = np.asarray(Image.open(path).convert("RGB"))
        mean_abs, share = compare_images(image, expected)
        if mean_abs > MEAN_ABS_TOLERANCE or share > SHARE_TOLERANCE:
            Image.fromarray(image).save(tmp_path / f"{name}.actual.png")
            diff = np.abs(image.astype(np.int16) - expected.astype(np.int16)).max(axis=2)
            Image.fromarray((255 - np.clip(diff * 4, 0, 255)).astype(np.uint8)).save(tmp_path / f"{name}.diff.png")
            pytest.fail(f"image '{name}' differs from {path}: mean |diff| {mean_abs:.2f} (tolerance "
                        f"{MEAN_ABS_TOLERANCE}), {100 * share:.2f}% of pixels differ (tolerance "
                        f"{100 * SHARE_TOLERANCE}%); see {tmp_path}. If the change is intended, regenerate with "
                        "TWIN_UPDATE_REFERENCE_IMAGES=1")

    return check


PROBE = """
import twin.render
plant = twin.Plant("probe")
plant.add(twin.Sink("sink"))
img = twin.render.screenshot(plant, size=(64, 48), labels=False, legend=False, title="")
assert img.shape == (48, 64, 3)
"""


@pytest.fixture(scope="session", autouse=True)
def offscreen_rendering():
    """Checks once, in a child process, that VTK can render off-screen here, so that a machine
    without an OpenGL path fails with an explanation instead of crashing the test run."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail("VTK cannot render off-screen on this machine (exit status "
                    f"{proc.returncode}): install Mesa's EGL (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri) or "
                    f"OSMesa (libosmesa6). Output: {(proc.stdout + proc.stderr)[-800:]}")
