"""Threads per block of the engine's CUDA launches (twin/simulator.py, block_dim).

Each replica is one thread: 10,000 replicas in Warp's default blocks of 256 make 40 blocks, fewer
than an H200 has multiprocessors, so TWIN_CUDA_BLOCK_DIM sets a smaller block on CUDA
(benchmarks/gpu_bench.py --sweep-block-dims measures it). The value is checked before any
kernel compiles, is never used on the CPU (Warp compiles a module once per block size), and
never changes a result.
"""

from types import SimpleNamespace

import numpy as np
import pytest

import twin
from twin import simulator as simulator_module
from twin.simulator import BLOCK_DIM_ENV, StudyError, block_dim

from test_simulator_determinism import flat, line


def fake_cuda(monkeypatch):
    real = simulator_module.wp.get_device
    monkeypatch.setattr(simulator_module.wp, "get_device",
                        lambda d=None: SimpleNamespace(is_cuda=True) if d == "cuda:0" else real(d))


def test_the_cpu_keeps_warps_block_whatever_the_variable_says(monkeypatch):
    monkeypatch.setenv(BLOCK_DIM_ENV, "64")
    assert block_dim("cpu") == 256


def test_cuda_takes_the_variable_or_warps_default(monkeypatch):
    fake_cuda(monkeypatch)
    monkeypatch.delenv(BLOCK_DIM_ENV, raising=False)
    assert block_dim("cuda:0") == 256
    for value in ("32", "64", " 128 ", "1024"):
        monkeypatch.setenv(BLOCK_DIM_ENV, value)
        assert block_dim("cuda:0") == int(value)


@pytest.mark.parametrize("value", ["48", "0", "16", "2048", "-64", "sixty-four", "64.0"])
def test_a_block_that_is_not_a_multiple_of_32_up_to_1024_is_refused_by_name(monkeypatch, value):
    fake_cuda(monkeypatch)
    monkeypatch.setenv(BLOCK_DIM_ENV, value)
    with pytest.raises(StudyError, match=f"{BLOCK_DIM_ENV}=.*multiple of 32 from 32 to 1024"):
        block_dim("cuda:0")


def test_a_run_checks_the_variable_before_any_kernel_compiles(monkeypatch):
    """The check is the first thing of a run on a CUDA device: here the device is faked, so the
    run must stop at the check (StudyError), not in a kernel launch or compile."""
    fake_cuda(monkeypatch)
    monkeypatch.setenv(BLOCK_DIM_ENV, "48")
    model = line().compile()
    model.device = "cuda:0"
    loads = []
    monkeypatch.setattr(simulator_module.wp, "load_module", lambda *a, **k: loads.append(a))
    with pytest.raises(StudyError, match=BLOCK_DIM_ENV):
        twin.Simulator(model, 4).run(3600.0, 0.0, seed=1)
    assert loads == []


def test_the_block_size_never_changes_a_result(monkeypatch, device):
    """On CUDA the same replicas in blocks of 64 and of 256 (bit for bit); on the CPU the same
    check runs with the variable ignored."""
    monkeypatch.delenv(BLOCK_DIM_ENV, raising=False)
    model = line().compile(device=device)
    a = twin.Simulator(model, 100).run(7200.0, 600.0, seed=3)
    monkeypatch.setenv(BLOCK_DIM_ENV, "64")
    b = twin.Simulator(model, 100).run(7200.0, 600.0, seed=3)
    fa, fb = flat(a), flat(b)
    assert fa.keys() == fb.keys()
    for k in fa:
        np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)
