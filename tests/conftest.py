"""Shared test helpers.

Tests that take a ``device`` argument run once per device: always on ``cpu``, and on ``cuda``
(marked ``cuda``) where a CUDA GPU is present, with the same assertions.
"""

import pytest
import warp as wp

import twin.kernels  # noqa: F401  (sets Warp's log level before it initialises)

wp.init()
HAS_CUDA = wp.is_cuda_available()


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        params = [pytest.param("cpu", id="cpu"),
                  pytest.param("cuda", id="cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(
                      not HAS_CUDA, reason="no CUDA GPU on this machine")])]
        metafunc.parametrize("device", params)
