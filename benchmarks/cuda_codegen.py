"""Compiles every Warp kernel source of twin to CUDA code, on a machine with no GPU.

Warp generates CUDA C++ for each module and compiles it with NVRTC, which needs no driver, so a
CUDA code-generation or compile error shows here, in CI, instead of on the first GPU that runs
twin. What is compiled (the default, what CI runs):

* every kernel source once, with NVRTC: the every-kind engine module (``kernels.engine.ALL``: every
  kind's hooks, the maintenance crew, the whole generated dispatch) and every other Warp module of
  ``twin.kernels`` that defines kernels (the recorders, robot kinematics, the snapshot restart,
  the fab engine, ...), found by importing the package, with no list kept by hand;
* every engine specialisation the bundled scenes build (one per kind set, found by running each
  scene briefly on the CPU): Warp's CUDA code generation only (fractions of a second each), not
  NVRTC, since their code is a subset of the every-kind module's; ``--specialised compile``
  compiles them with NVRTC too (the complete check, by hand), ``--specialised none`` skips them.
  A module a scene launches that is neither (a kernel outside twin.kernels) is compiled.

    python benchmarks/cuda_codegen.py                          # sm_80 and sm_90, what CI runs
    python benchmarks/cuda_codegen.py --specialised compile    # also every scene's own engine
    python benchmarks/cuda_codegen.py --modules my.kernels     # only the kernels of these modules

NVRTC runs at Warp's default -O3 (``--Ofast-compile=0``): with CUDA 13.x NVRTC, Warp's -O1
(``--Ofast-compile=mid``, also what -O0 becomes from CUDA 13.1 on) compiled twin's engines many
times slower, not faster (README, "The CUDA path without a GPU").

Exit status 0: every module compiled for every architecture; 1: some did not (each failure is
printed with its module, architecture and Warp's message); 2: nothing to compile.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
import sys
import tempfile
import time
from pathlib import Path

import warp as wp


def engine_modules(how: str) -> dict:
    """The engine modules that hold every kind's kernel code, by Warp module name. ``all``: the
    every-kind module (``kernels.engine.ALL``), one module whose ``advance`` kernel is about 1 MB
    of C++ once the dispatch's forced inlining is expanded. ``cover``: one module per kind, that
    kind with a source, a sink and the maintenance crew (so the crew's hooks on it, hold, release,
    uses and clock, are compiled too): every kind's hooks and the whole generated dispatch, in
    modules of a few hundred kB each."""
    from twin.kernels import engine
    from twin.kernels.kinds import CREW, KINDS
    if how == "all":
        sets = [[k.name for k in KINDS]]
    else:
        base = {"source", "sink", CREW.name}
        sets = [sorted(base | {k.name}) for k in KINDS if k.name not in base]
    found = {}
    for names in sets:
        module = engine.for_kinds(names).advance.module
        found[module.name] = module
    return found


def kernel_source_modules(engines: str = "cover") -> dict:
    """Every kernel source of twin once, by Warp module name: the engine modules (``engine_modules``)
    and each Warp module of ``twin.kernels`` that defines a kernel (the per-kind-set engine
    specialisations of the scenes are left out: their code is in the engine modules)."""
    import twin.kernels as package
    from twin.kernels import engine
    found = engine_modules(engines)
    everything = engine.ALL.advance.module.name
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, wp.Kernel) and value.module.name != everything:
                found.setdefault(value.module.name, value.module)
    return found


def python_module_kernels(names: list[str]) -> dict:
    """The Warp modules of the kernels defined in the Python modules ``names`` (importable names)."""
    found = {}
    for name in names:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, wp.Kernel):
                found.setdefault(value.module.name, value.module)
    return found


def scene_modules(names: list[str]) -> tuple[dict, dict]:
    """The Warp modules whose kernels a short CPU run of each scene launches, by module name,
    and the scenes that use each one."""
    import twin
    from twin.errors import TwinError
    modules, users = {}, {}
    launch = wp.launch

    def collecting(kernel, *args, **kwargs):
        modules.setdefault(kernel.module.name, kernel.module)
        users.setdefault(kernel.module.name, set()).add(current)
        return launch(kernel, *args, **kwargs)

    wp.launch = collecting
    try:
        for current in names:
            scene = twin.load_scene(current)
            try:
                twin.simulate(scene.plant, replicas=1, horizon=600.0, warmup=0.0, device="cpu", progress=False,
                              record=twin.Recording(every=60.0))
            except TwinError as err:  # the kernels ran: their modules are collected all the same
                print(f"{current}: the short run stopped ({err}); its kernels are collected", file=sys.stderr)
    finally:
        wp.launch = launch
    return modules, {k: sorted(v) for k, v in users.items()}


def engine_specialisations() -> set:
    """Names of the engine modules built so far, one per kind set (kernels/engine.py ``for_kinds``)."""
    from twin.kernels import engine
    return {k.advance.module.name for k in engine._BUILT.values()}


def generate_modules(modules: dict) -> list[dict]:
    """Warp's CUDA code generation (Python to CUDA C++) of each module, without NVRTC: catches
    Warp's code-generation errors (types, unknown functions, unsupported constructs), not C++ ones."""
    from warp._src.context import ModuleBuilder  # Warp 1.19: what Module._compile runs before NVRTC
    rows = []
    for name, module in sorted(modules.items()):
        t = time.perf_counter()
        row = {"module": name, "arch": None, "codegen_only": True}
        try:
            options = module.resolve_options(wp.config)
            source = ModuleBuilder(module, options, hasher=None, target="cuda").codegen("cuda")
            row["ok"], row["source_bytes"] = bool(source), len(source)
            if not source:
                row["error"] = "Warp generated no CUDA source"
        except Exception as err:
            row["ok"], row["error"] = False, f"{type(err).__name__}: {err}"
        row["seconds"] = round(time.perf_counter() - t, 2)
        rows.append(row)
        status = f"{row['source_bytes'] / 1e3:.0f} kB of CUDA C++" if row["ok"] else "FAILED"
        print(f"  codegen {name}: {status} in {row['seconds']:.1f} s", flush=True)
    return rows


def compile_modules(modules: dict, archs: list[int], out_dir: Path, use_ptx: bool) -> list[dict]:
    """Compiles each module for each architecture into ``out_dir``; one row per (module, arch)."""
    rows = []
    for name, module in sorted(modules.items()):
        for arch in archs:
            t, cpu = time.perf_counter(), time.process_time()  # NVRTC runs in this process
            row = {"module": name, "arch": arch}
            try:
                paths = wp.compile_aot_module(module, arch=arch, module_dir=out_dir, use_ptx=use_ptx)
                row["bytes"] = sum(Path(p).stat().st_size for p in paths)
                row["ok"] = row["bytes"] > 0
                if not row["ok"]:
                    row["error"] = "the compiler wrote an empty file"
            except Exception as err:  # any codegen or NVRTC failure is a finding, not a crash
                row["ok"], row["error"] = False, f"{type(err).__name__}: {err}"
            row["seconds"] = round(time.perf_counter() - t, 2)
            row["cpu_seconds"] = round(time.process_time() - cpu, 2)  # steadier than wall time on a shared machine
            rows.append(row)
            status = f"{row.get('bytes', 0) / 1e6:.2f} MB" if row["ok"] else "FAILED"
            print(f"  sm_{arch} {name}: {status} in {row['seconds']:.1f} s ({row['cpu_seconds']:.1f} s CPU)", flush=True)
    return rows


def parse_ptxas(log: str) -> dict:
    """Per kernel, from ``ptxas -v``'s report: registers per thread, stack frame and spill bytes
    (what decides how many threads a multiprocessor holds, and whether a kernel goes to local
    memory). Kernels are Warp's ``..._cuda_kernel_forward`` entries, named here without that."""
    kernels, name = {}, None
    for line in log.splitlines():
        if "Compiling entry function" in line:
            name = re.sub(r"_[0-9a-f]{8}$", "", line.split("'")[1].replace("build__locals__", "")
                          .replace("_cuda_kernel_forward", ""))  # Warp's kernel hash, then the name
            kernels[name] = {}
        elif name is not None and "bytes stack frame" in line:
            numbers = [int(w) for w in line.replace(",", " ").split() if w.isdigit()]
            kernels[name].update(dict(zip(("stack_bytes", "spill_store_bytes", "spill_load_bytes"), numbers)))
        elif name is not None and line.strip().startswith("ptxas info    : Used"):
            kernels[name]["registers"] = int(line.split("Used")[1].split()[0])
            name = None  # the next "Function properties" lines are device functions'
    return kernels


def resource_usage(ptx_files: list[Path], arch: int, ptxas: str) -> dict:
    """Registers, stack and spills of every kernel in ``ptx_files``, assembled by ``ptxas`` for
    sm_``arch`` (a ptxas at least as new as Warp's NVRTC: its PTX version must be known)."""
    import subprocess
    kernels = {}
    with tempfile.TemporaryDirectory(prefix="twin-ptxas-") as tmp:
        for path in ptx_files:
            clean = Path(tmp) / path.name  # Warp's PTX files end in a NUL byte, which ptxas refuses
            clean.write_bytes(path.read_bytes().replace(b"\0", b""))
            done = subprocess.run([ptxas, f"-arch=sm_{arch}", "-v", str(clean), "-o", str(clean) + ".cubin"],
                                  capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"{ptxas} failed on {path.name}: {done.stderr.strip().splitlines()[-1:]}")
            kernels.update(parse_ptxas(done.stderr + done.stdout))
    return kernels


def main(argv=None) -> int:
    from twin.scenes import bundled
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", type=int, nargs="+", default=[80, 90], help="CUDA architectures (default: 80 90)")
    ap.add_argument("--scenes", nargs="+", default=None, help="bundled scenes to collect from (default: all)")
    ap.add_argument("--specialised", choices=["codegen", "compile", "none"], default="codegen",
                    help="the scenes' engine specialisations: Warp's code generation only (default), "
                         "compiled with NVRTC as well, or not looked at")
    ap.add_argument("--engines", choices=["cover", "all"], default="cover",
                    help="the engine's kernel code as one module per kind (default) or the one every-kind module")
    ap.add_argument("--modules", nargs="+", default=None, metavar="PYTHON_MODULE",
                    help="compile only the kernels of these Python modules (no scenes, no twin.kernels)")
    ap.add_argument("--cubin", action="store_true", help="compile to CUBIN instead of PTX (runs ptxas too: slower)")
    ap.add_argument("--opt", type=int, choices=[1, 2, 3], default=None,
                    help="NVRTC optimisation level (default: Warp's, 3: the fastest for twin with CUDA 13.x NVRTC)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated .cu and PTX files here")
    ap.add_argument("--json", type=Path, default=None, help="write the per-module results here")
    ap.add_argument("--ptxas", default=None, metavar="PTXAS",
                    help="also assemble each PTX with this ptxas and report every kernel's registers, stack and "
                         "spills (it must know Warp's PTX version: Warp 1.19 needs CUDA 13.4 or newer; "
                         "`pip download nvidia-cuda-nvcc` carries one in nvidia/cu13/bin)")
    args = ap.parse_args(argv)
    if args.ptxas and args.cubin:
        ap.error("--ptxas reads the PTX: leave out --cubin")
    wp.config.quiet = True
    wp.init()
    t0 = time.perf_counter()
    users, specialised = {}, {}
    if args.modules:
        compiled = python_module_kernels(args.modules)
    else:
        compiled = kernel_source_modules(args.engines)
        for name in compiled:
            users[name] = ["(every kernel source)"]
        if args.specialised != "none":
            launched, users_scenes = scene_modules(args.scenes or bundled())
            users.update(users_scenes)
            engines = engine_specialisations()
            for name, module in launched.items():
                if name in compiled:
                    continue
                if name in engines and args.specialised == "codegen":
                    specialised[name] = module
                else:  # a specialisation to compile, or a kernel outside twin.kernels
                    compiled[name] = module
    if not compiled:
        print("cuda_codegen: no kernel module to compile", file=sys.stderr)
        return 2
    collect_s = time.perf_counter() - t0
    print(f"cuda_codegen: {len(compiled)} modules to compile, {len(specialised)} to generate only "
          f"(collected in {collect_s:.1f} s); compiling for {', '.join(f'sm_{a}' for a in args.arch)} "
          f"({'CUBIN' if args.cubin else 'PTX'}, -O{args.opt or 3})", flush=True)
    if args.opt is not None:  # after the CPU runs above: their modules keep the CPU's default
        wp.config.optimization_level = args.opt
    rows = generate_modules(specialised)
    with tempfile.TemporaryDirectory(prefix="twin-cuda-") as tmp:
        out_dir = args.keep or Path(tmp)
        rows += compile_modules(compiled, args.arch, out_dir, use_ptx=not args.cubin)
        if args.ptxas:
            for row in rows:
                if row["arch"] is None or not row["ok"]:
                    continue
                files = sorted(Path(out_dir).rglob(f"wp_{row['module']}_*.sm{row['arch']}.ptx"))
                row["kernels"] = resource_usage(files, row["arch"], args.ptxas)
                for kernel, use in sorted(row["kernels"].items()):
                    print(f"  sm_{row['arch']} {row['module']}.{kernel}: {use.get('registers')} registers, "
                          f"{use.get('stack_bytes')} B stack, {use.get('spill_store_bytes')} B spilled", flush=True)
    total_s = time.perf_counter() - t0
    failed = [r for r in rows if not r["ok"]]
    for r in failed:
        what = "codegen" if r["arch"] is None else f"sm_{r['arch']}"
        print(f"cuda_codegen: FAILED {what} {r['module']} (used by {', '.join(users.get(r['module'], ['?']))}): "
              f"{r['error']}", file=sys.stderr)
    print(f"cuda_codegen: {len(rows) - len(failed)}/{len(rows)} passed in {total_s:.0f} s "
          f"({time.process_time():.0f} s CPU in all)", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"warp": wp.config.version, "archs": args.arch, "ptx": not args.cubin,
                                         "opt": args.opt or 3, "seconds": round(total_s, 1),
                                         "collect_seconds": round(collect_s, 1), "scenes_by_module": users,
                                         "modules": rows}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
