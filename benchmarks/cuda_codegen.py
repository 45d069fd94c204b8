"""Compiles every Warp kernel module the bundled scenes use to CUDA code, on a machine with no GPU.

Warp generates CUDA C++ for each module and compiles it with NVRTC, which needs no driver, so a
CUDA code-generation or compile error shows here, in CI, instead of on the first GPU that runs
twin. The modules are found by running each bundled scene briefly on the CPU (one replica, with a
recording, so the recording kernels are included) and collecting the Warp module of every kernel
launched: whatever the simulator builds for a scene (one module per kind set, the recorders,
robot kinematics) is what gets compiled, with no list kept by hand.

    python benchmarks/cuda_codegen.py                  # sm_80 and sm_90, PTX
    python benchmarks/cuda_codegen.py --arch 90 --opt 1 --json out.json   # what CI runs

Exit status 0: every module compiled for every architecture; 1: some did not (each failure is
printed with its module, architecture and Warp's message); 2: no scene could be run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import warp as wp


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


def main(argv=None) -> int:
    from twin.scenes import bundled
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", type=int, nargs="+", default=[80, 90], help="CUDA architectures (default: 80 90)")
    ap.add_argument("--scenes", nargs="+", default=None, help="bundled scenes (default: all)")
    ap.add_argument("--cubin", action="store_true", help="compile to CUBIN instead of PTX (slower)")
    ap.add_argument("--opt", type=int, choices=[1, 2, 3], default=None,
                    help="NVRTC optimisation level (default: Warp's, 3); 1 compiles faster and still finds "
                         "every code-generation and compile error")
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated .cu and PTX files here")
    ap.add_argument("--json", type=Path, default=None, help="write the per-module results here")
    args = ap.parse_args(argv)
    wp.config.quiet = True
    wp.init()
    t0 = time.perf_counter()
    names = args.scenes or bundled()
    modules, users = scene_modules(names)
    if not modules:
        print("cuda_codegen: no kernel was launched by any scene", file=sys.stderr)
        return 2
    collect_s = time.perf_counter() - t0
    print(f"cuda_codegen: {len(modules)} modules from {len(names)} scenes (collected in {collect_s:.1f} s); "
          f"compiling for {', '.join(f'sm_{a}' for a in args.arch)} ({'CUBIN' if args.cubin else 'PTX'}, "
          f"-O{args.opt or 3})", flush=True)
    if args.opt is not None:  # after the CPU runs above: their modules keep the CPU's default
        wp.config.optimization_level = args.opt
    with tempfile.TemporaryDirectory(prefix="twin-cuda-") as tmp:
        out_dir = args.keep or Path(tmp)
        rows = compile_modules(modules, args.arch, out_dir, use_ptx=not args.cubin)
    total_s = time.perf_counter() - t0
    failed = [r for r in rows if not r["ok"]]
    for r in failed:
        print(f"cuda_codegen: FAILED sm_{r['arch']} {r['module']} (used by {', '.join(users[r['module']])}): "
              f"{r['error']}", file=sys.stderr)
    print(f"cuda_codegen: {len(rows) - len(failed)}/{len(rows)} compiled in {total_s:.0f} s "
          f"({time.process_time():.0f} s CPU in all)", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"warp": wp.config.version, "archs": args.arch, "ptx": not args.cubin, "opt": args.opt or 3,
                                         "seconds": round(total_s, 1), "collect_seconds": round(collect_s, 1),
                                         "scenes_by_module": users, "modules": rows}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
