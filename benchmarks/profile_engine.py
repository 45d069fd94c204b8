"""Where the engine's CPU time goes, by kernel function and Python source line (Linux, ``perf``).

    python benchmarks/profile_engine.py                          # 20 stations, 1000 replicas
    python benchmarks/profile_engine.py --stations 200 --replicas 100 --top 40

Warp runs CPU kernels from object code it links in memory, so ``perf report`` shows the engine as
anonymous ``[JIT]`` addresses. This script runs the benchmark line (``lines.saturated_line``, 8 h,
1 h warm-up, one thread) under ``perf record`` with a private Warp kernel cache and the kernels
compiled with line tables only (``-debug-info-kind=line-tables-only`` added to Warp's compiler
flags: the same optimised code, plus a map from instructions to source lines), finds where the
engine's object file was loaded (the offset that puts every sample on an instruction boundary),
and attributes each sample through ``addr2line -i`` to its chain of inlined Warp functions and to the Python line that the generated
C++ carries as a comment. It prints the share of samples per library (libm: the draws' log, cos
and exp), per function (inclusive: a sample counts for every function its instruction is inlined
from) and per Python source line (self). Nothing here is part of the test run.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINE_TABLES = "-debug-info-kind=line-tables-only"


def workload(stations: int, replicas: int) -> None:
    """The profiled run (in the child process that perf records)."""
    import warp as wp
    # added to Warp's flags, not in their place: without -march=native and Warp's inlining
    # thresholds the compiler makes other code than the benchmark runs
    wp.config.cpu_compiler_flags = f"{wp.config.cpu_compiler_flags or ''} {LINE_TABLES}".strip()
    sys.path.insert(0, str(HERE))
    import twin
    from lines import saturated_line
    model = saturated_line(stations).compile(device="cpu")
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0, threads=1)  # compile first
    twin.Simulator(model, replicas).run(8 * 3600.0, 3600.0, seed=1, threads=1)


def disassembly(obj: Path) -> tuple[set, list]:
    """Instruction offsets and (start, name) of the functions of an object file."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    starts, funcs = set(), []
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:", line)
        if m:
            funcs.append((int(m.group(1), 16), m.group(2)))
            continue
        m = re.match(r"\s+([0-9a-f]+):", line)
        if m:
            starts.add(int(m.group(1), 16))
    return starts, funcs


def load_base(samples: collections.Counter, starts: set) -> tuple[int, float]:
    """The load address of the object's text: sections are page aligned, so the offset of the
    busiest sample keeps its low 12 bits; the page is the one that puts the most samples on
    instruction boundaries (with the fraction that it puts there)."""
    top = samples.most_common(1)[0][0]
    total = sum(samples.values())
    best = (0.0, 0)
    for page in range(0, (max(starts) >> 12) + 2):
        base = top - ((top & 0xFFF) + (page << 12))
        hit = sum(n for a, n in samples.items() if a - base in starts)
        best = max(best, (hit / total, base))
    return best[1], best[0]


def cpp_context(cpp: Path) -> tuple[list, list]:
    """Per line of the generated C++: the Warp function it belongs to and the Python line (the
    comment Warp writes above the code of each statement)."""
    fn, src, fns, srcs = None, None, [], []
    for line in cpp.read_text().splitlines():
        m = re.match(r"^(?:static )?(?:WP_FORCEINLINE |CUDA_CALLABLE )?[\w:<> ]+ (\w+)\($", line)
        if m:
            fn = m.group(1)
        m = re.search(r"//\s*(.*?)\s*<L (\d+)>", line)
        if m:
            src = f"{m.group(1)[:80]}  (L{m.group(2)})"
        fns.append(fn)
        srcs.append(src)
    return fns, srcs


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--top", type=int, default=30, help="rows per table")
    ap.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.workload:
        workload(args.stations, args.replicas)
        return
    for tool in ("perf", "objdump", "addr2line"):
        if shutil.which(tool) is None:
            sys.exit(f"profile_engine: {tool} not found (Linux perf and binutils are needed)")
    with tempfile.TemporaryDirectory(prefix="twin-profile-") as tmp:
        tmp = Path(tmp)
        data = tmp / "perf.data"
        env = {**os.environ, "WARP_CACHE_PATH": str(tmp / "cache")}
        subprocess.run(["perf", "record", "-q", "-o", str(data), sys.executable, __file__, "--workload",
                        "--stations", str(args.stations), "--replicas", str(args.replicas)], env=env, check=True)
        script = subprocess.run(["perf", "script", "-i", str(data), "-F", "ip,dso"], capture_output=True,
                                text=True, check=True).stdout
        by_dso, jit = collections.Counter(), collections.Counter()
        for line in script.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            dso = parts[1].strip("()")
            if "/perf-" in dso or "JIT" in dso:
                jit[int(parts[0], 16)] += 1
                dso = "[engine kernels]"
            by_dso[os.path.basename(dso)] += 1
        engine_dirs = [d for d in (tmp / "cache").rglob("wp_twin_engine_*") if d.is_dir() and list(d.glob("*.o"))]
        if not jit or not engine_dirs:
            sys.exit("profile_engine: no samples in the engine kernels (is perf allowed to sample this process?)")
        obj, cpp = next(engine_dirs[0].glob("*.o")), next(engine_dirs[0].glob("*.cpp"))
        starts, funcs = disassembly(obj)
        base, fit = load_base(jit, starts)
        offsets = sorted({a - base for a in jit})
        out = subprocess.run(["addr2line", "-a", "-i", "-e", str(obj)] + [hex(o) for o in offsets],
                             capture_output=True, text=True, check=True).stdout
        chains, cur = {}, None
        for line in out.splitlines():
            if line.startswith("0x"):
                cur = int(line, 16)
                chains[cur] = []
            elif cur is not None:
                chains[cur].append(line)
        fns, srcs = cpp_context(cpp)

        def where(entry: str) -> tuple[str, str]:
            m = re.match(r"(.*):(\d+)", entry)
            if not m or not m.group(1).endswith(".cpp"):
                return "warp native " + os.path.basename(entry.split(" ")[0]), ""
            n = int(m.group(2)) - 1
            return fns[n] or "?", srcs[n] or ""

        inclusive, by_line = collections.Counter(), collections.Counter()
        for a, n in jit.items():
            chain = [where(e) for e in chains.get(a - base, ["?"])]
            for f in {f for f, _ in chain}:
                inclusive[f] += n
            own = next(((f, s) for f, s in chain if s), chain[0])  # the innermost Python statement
            by_line[own] += n
    compiler = by_dso.pop("warp-clang.so", 0)  # compiling the kernels into the private cache
    total, kernel = sum(by_dso.values()), sum(jit.values())
    print(f"{args.stations} stations, {args.replicas} replicas: {total} samples besides {compiler} compiling, "
          f"{kernel} in the engine kernels (load offset fits {100 * fit:.0f}% of them to instruction starts)")
    print("\nby library (share of the samples besides compiling; libm: the draws' log, cos, exp, called from the "
          "kernels; libpython: imports, allocation, results)")
    for dso, n in by_dso.most_common(6):
        print(f"  {100 * n / total:5.1f}%  {dso}")
    print("\nby Warp function, inclusive (share of the engine kernels' samples)")
    for f, n in inclusive.most_common(args.top):
        print(f"  {100 * n / kernel:5.1f}%  {f}")
    print("\nby Python source line, self (share of the engine kernels' samples)")
    for (f, s), n in by_line.most_common(args.top):
        print(f"  {100 * n / kernel:5.1f}%  {f}: {s}")


if __name__ == "__main__":
    main()
