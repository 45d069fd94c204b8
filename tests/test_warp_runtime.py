"""Warp's "Could not find or load the NVIDIA CUDA driver" line is hidden in the Python API too,
not only in the CLI, unless a CUDA device was asked for (issue 16 item 10, twin.warp_runtime)."""

import subprocess
import sys

import pytest

from twin.warp_runtime import CUDA_DRIVER_WARNING


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def no_gpu():
    res = _python("import warp as wp; wp.init(); print(wp.is_cuda_available())")
    if res.stdout.split()[-1:] != ["False"] or CUDA_DRIVER_WARNING not in res.stderr:
        pytest.skip("a CUDA driver is present (or Warp prints no warning): nothing to hide")


def test_a_python_run_on_the_cpu_prints_no_cuda_line(no_gpu):
    res = _python("import twin\n"
                  "res = twin.load_scene('balanced_line').simulate(replicas=2, horizon='2h', progress=False)\n"
                  "print(res.meta['device'])")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "cpu"
    assert "CUDA" not in res.stderr, res.stderr


def test_asking_for_cuda_keeps_the_line_that_says_why_there_is_none(no_gpu):
    res = _python("import twin\ntwin.load_scene('balanced_line').plant.compile(device='cuda')")
    assert res.returncode != 0
    assert CUDA_DRIVER_WARNING in res.stderr and "device 'cuda' is not available" in res.stderr
