"""The CUDA compile path without a GPU (benchmarks/cuda_codegen.py): Warp generates CUDA C++ and
compiles it with NVRTC, which needs no driver. Kept to tiny modules and to finding the modules:
the compile of twin's own kernels is a CI step of its own (.ci/run)."""

import importlib.util
import json
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest
import warp as wp

from twin.kernels import rng
from twin.kernels import engine
from twin.kernels.kinds import CREW, KINDS

ROOT = Path(__file__).resolve().parents[1]


def codegen():
    spec = importlib.util.spec_from_file_location("cuda_codegen", ROOT / "benchmarks" / "cuda_codegen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nvrtc_archs() -> set:
    wp.init()
    return set(getattr(wp._src.context.runtime, "nvrtc_supported_archs", None) or [])


needs_nvrtc = pytest.mark.skipif(not {80, 90} <= nvrtc_archs(), reason="this Warp build has no NVRTC for sm_80/sm_90")


def load(tmp_path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


@pytest.mark.parametrize("engines", ["cover", "all"])
def test_every_kernel_source_file_is_found_once_and_the_engines_hold_every_kind(engines):
    """The reference is the source text: each kernels/*.py with a module-level ``@wp.kernel`` must
    give its Warp module, and the engine modules must hold every registered kind, each with the
    maintenance crew (else the crew's hooks on that kind would never be compiled)."""
    files = sorted(p.stem for p in (ROOT / "kernels").glob("*.py")
                   if re.search(r"^@wp\.kernel\b", p.read_text(), re.MULTILINE))
    assert files, "no kernel file found: the reference scan is broken"
    found = codegen().kernel_source_modules(engines)
    built = {k.advance.module.name: set(k.kinds) for k in engine._BUILT.values()}
    engines_found = [n for n in found if n in built]
    assert sorted(n for n in found if n not in built) == [f"twin.kernels.{f}" for f in files]
    assert set().union(*(built[n] for n in engines_found)) == {k.name for k in KINDS}
    assert all(CREW.name in built[n] for n in engines_found)
    assert len(engines_found) == (1 if engines == "all" else len(KINDS) - 3)  # cover: all but source, sink, crew
    for name, module in found.items():
        assert module.kernels, f"{name}: a module without kernels would compile nothing"


@needs_nvrtc
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
    rows = codegen().generate_modules({"twin_codegen_bad": wp.get_module(mod.__name__)})
    assert len(rows) == 1 and rows[0]["ok"] is False
    assert "no_such_function" in rows[0]["error"]


@needs_nvrtc
def test_the_script_exits_1_naming_a_module_that_does_not_compile_and_0_when_all_do(tmp_path, capsys):
    """What CI runs, end to end on two tiny modules: one a C++ error that only the CUDA compiler
    sees (Warp's own code generation accepts it: a native snippet with an undeclared name)."""
    load(tmp_path, "twin_codegen_cxx_bad", """
        import warp as wp

        @wp.func_native("out[tid] = undeclared_in_cuda + 1.0f;")
        def bad_native(out: wp.array(dtype=float), tid: int): ...

        @wp.kernel
        def uses_it(out: wp.array(dtype=float)):
            bad_native(out, wp.tid())
    """)
    load(tmp_path, "twin_codegen_fine", """
        import warp as wp

        @wp.kernel
        def twice(out: wp.array(dtype=float)):
            out[wp.tid()] = 2.0 * out[wp.tid()]
    """)
    sys.path.insert(0, str(tmp_path))
    try:
        main = codegen().main
        assert main(["--arch", "90", "--modules", "twin_codegen_fine"]) == 0
        assert main(["--arch", "90", "--modules", "twin_codegen_cxx_bad", "twin_codegen_fine"]) == 1
    finally:
        sys.path.remove(str(tmp_path))
    err = capsys.readouterr().err
    assert "FAILED sm_90 twin_codegen_cxx_bad" in err and "twin_codegen_fine" not in err, err


PTXAS_REPORT = """\
ptxas info    : 426 bytes gmem
ptxas info    : Compiling entry function 'build__locals__start_replicas_93652bd1_cuda_kernel_forward' for 'sm_90'
ptxas info    : Function properties for build__locals__start_replicas_93652bd1_cuda_kernel_forward
    40 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 190 registers, used 0 barriers, 40 bytes cumulative stack size, 1024 bytes smem
ptxas info    : Function properties for __internal_accurate_pow
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Compiling entry function 'build__locals__advance_496c52e8_cuda_kernel_forward' for 'sm_90'
ptxas info    : Function properties for build__locals__advance_496c52e8_cuda_kernel_forward
    40 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 224 registers, used 0 barriers, 40 bytes cumulative stack size, 1024 bytes smem
ptxas info    : Function properties for __internal_trig_reduction_slowpathd
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
"""


def test_ptxas_report_gives_each_kernel_its_registers_stack_and_spills():
    """The report of ptxas -v on the saturated line's engine for sm_90 (session of 2026-11-30; the
    advance spills are changed from 0 here so that the columns cannot be confused): device
    functions after a kernel are not the kernel's."""
    assert codegen().parse_ptxas(PTXAS_REPORT) == {
        "start_replicas": {"stack_bytes": 40, "spill_store_bytes": 0, "spill_load_bytes": 0, "registers": 190},
        "advance": {"stack_bytes": 40, "spill_store_bytes": 8, "spill_load_bytes": 12, "registers": 224},
    }


@pytest.mark.skipif(not os.environ.get("TWIN_PTXAS"), reason="TWIN_PTXAS names no ptxas (CUDA 13.4 or newer)")
@needs_nvrtc
def test_the_script_reports_the_registers_of_a_real_kernel(tmp_path):
    out = tmp_path / "r.json"
    assert codegen().main(["--modules", "twin.kernels.record", "--arch", "90", "--ptxas", os.environ["TWIN_PTXAS"],
                           "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())["modules"]
    assert row["kernels"]["snapshot"]["registers"] > 0 and row["kernels"]["snapshot"]["spill_store_bytes"] == 0
