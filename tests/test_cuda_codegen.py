"""The CUDA compile path without a GPU (benchmarks/cuda_codegen.py): Warp generates CUDA C++ and
compiles it with NVRTC, which needs no driver. Kept to tiny modules: the full check of every
scene's modules is a CI step of its own (.ci/run)."""

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest
import warp as wp

from twin.kernels import rng

ROOT = Path(__file__).resolve().parents[1]


def codegen():
    spec = importlib.util.spec_from_file_location("cuda_codegen", ROOT / "benchmarks" / "cuda_codegen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nvrtc_archs() -> set:
    wp.init()
    return set(getattr(wp._src.context.runtime, "nvrtc_supported_archs", None) or [])


pytestmark = pytest.mark.skipif(not {80, 90} <= nvrtc_archs(), reason="this Warp build has no NVRTC for sm_80/sm_90")


def load(tmp_path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


def test_a_kernel_using_twins_random_numbers_compiles_to_ptx_for_sm80_and_sm90(tmp_path):
    mod = load(tmp_path, "twin_codegen_ok", """
        import warp as wp
        from twin.kernels.rng import uniform

        @wp.kernel
        def draws(out: wp.array(dtype=wp.float64), seed: wp.uint64):
            r = wp.tid()
            out[r] = uniform(seed, r, 3, wp.int64(7))
    """)
    assert rng.uniform is not None
    rows = codegen().compile_modules({"twin_codegen_ok": wp.get_module(mod.__name__)}, [80, 90], tmp_path / "out",
                                     use_ptx=True)
    assert [(r["arch"], r["ok"]) for r in rows] == [(80, True), (90, True)], rows
    for arch in (80, 90):
        ptx = list((tmp_path / "out").glob(f"*.sm{arch}.ptx"))
        assert len(ptx) == 1
        text = ptx[0].read_text()
        assert f".target sm_{arch}" in text and "draws" in text  # PTX for that chip, with the kernel's entry


def test_a_codegen_error_is_reported_not_raised(tmp_path):
    """The check must fail on a broken module: a kernel calling a function Warp does not know."""
    mod = load(tmp_path, "twin_codegen_bad", """
        import warp as wp

        @wp.kernel
        def broken(out: wp.array(dtype=float)):
            out[wp.tid()] = no_such_function(1.0)
    """)
    rows = codegen().compile_modules({"twin_codegen_bad": wp.get_module(mod.__name__)}, [90], tmp_path / "out",
                                     use_ptx=True)
    assert len(rows) == 1 and rows[0]["ok"] is False
    assert "no_such_function" in rows[0]["error"]
