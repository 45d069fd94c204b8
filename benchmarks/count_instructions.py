"""Instructions per machine operation of the engine, counted by callgrind: the same figure (within
0.1%) on every run of the same code, however busy the machine is.

    python benchmarks/count_instructions.py                        # 10 and 200 stations
    python benchmarks/count_instructions.py --stations 5,20 --replicas 20

Timings on a shared machine move by 10-40% from one minute to the next, more than most engine
changes gain or lose. The instructions a run executes do not: ``valgrind --tool=callgrind`` counts
them exactly (totals within 0.1% of each other, the other core loaded or not), so an A/B of two versions
of the kernels needs one run each. Instructions are not time (cache misses and branch mispredictions
are not counted), so timings stay the measure (``bench_line.py``); this is the tool to decide
between two versions of a hot path, and to compare the cost of an operation across plant sizes
without the noise.

Per station count, a child process under callgrind, with instrumentation off until the kernels
are loaded and warm, runs the benchmark line (``lines.saturated_line``, one thread, seed 1) for
1 h and for 9 h and dumps the counts after each. The difference is 8 h of simulation: the engine's
kernels, the libm calls of its draws and the host's launches, while start-up, compilation, the
results and the process's exit cancel. It is divided by the machine operations (parts processed at
one machine) of those 8 h, counted from each machine's output after the dumps. The record goes to
``benchmarks/results/instructions-<UTC time>.json``. Needs valgrind (``callgrind_control``) on the
PATH; Linux only.

``--cache`` also counts the first-level data cache misses per operation, from callgrind's
simulation of this machine's caches (``--cache-sim=yes``; the record names the simulated D1
cache). It shows what instructions cannot: an operation that costs the same instructions but
more time because the state a replica cycles through no longer fits in that cache.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = "twin-instructions/1"
HOURS = (1, 9)  # the two runs; their difference is 8 h of simulation


def child(stations: int, replicas: int) -> None:
    """The counted process (under callgrind, instrumentation off at start)."""
    sys.path.insert(0, str(HERE))
    import twin
    import twin.simulator
    from lines import saturated_line

    # A run's launches are sized by their wall time (about 0.2 s each, for Ctrl-C), which under
    # valgrind depends on the machine's load: with no wall limit each launch doubles the last, so
    # the launches are the same on every run (the Python around them still varies by ~0.1%).
    twin.simulator.LAUNCH_WALL_S = float("inf")

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)

    plant = saturated_line(stations)
    machines = [name for name in plant.elements if isinstance(plant[name], twin.Machine)]
    model = plant.compile(device="cpu")
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0, threads=1)  # load (or compile) the kernels
    control("--instr=on")
    control("--zero")
    results = []
    for hours in HOURS:
        results.append(twin.Simulator(model, replicas).run(hours * 3600.0, 0.0, seed=1, threads=1))
        control(f"--dump=h{hours}")
    control("--instr=off")
    operations = [sum(float(res.element(name)["throughput_per_hour"].mean) for name in machines) * hours * replicas
                  for hours, res in zip(HOURS, results)]
    print("COUNTED " + json.dumps({"operations": operations, "throughput_per_hour": float(results[-1].throughput.mean)}),
          flush=True)


def count(stations: int, replicas: int, cache: bool = False) -> dict:
    """Instructions per machine operation of 8 h of the benchmark line (a callgrind child); with
    ``cache``, also its first-level data cache misses (callgrind's simulation of this machine's
    caches, ``--cache-sim=yes``)."""
    with tempfile.TemporaryDirectory(prefix="twin-callgrind-") as folder:
        out = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no"]
                             + (["--cache-sim=yes"] if cache else [])
                             + [f"--callgrind-out-file={folder}/cg.%p.out", sys.executable, __file__,
                                "--child", str(stations), str(replicas)], capture_output=True, text=True)
        found = re.search(r"^COUNTED (.*)$", out.stdout, re.MULTILINE)
        totals, d1 = {}, None
        for path in Path(folder).glob("cg.*.out.*"):
            text = path.read_text()
            trigger = re.search(r"^desc: Trigger: .*dump (h\d+)", text, re.MULTILINE)
            events = re.search(r"^events: (.*)$", text, re.MULTILINE)
            total = re.search(r"^totals: (.*)$", text, re.MULTILINE)
            if trigger and events and total:  # trailing zero counts may be left out
                totals[trigger.group(1)] = dict(zip(events.group(1).split(), map(int, total.group(1).split())))
            d1 = d1 or re.search(r"^desc: D1 cache: (.*)$", text, re.MULTILINE)
    if out.returncode != 0 or not found or len(totals) != len(HOURS):
        raise SystemExit(f"count_instructions: the callgrind run of {stations} stations failed "
                         f"(exit {out.returncode}): {(out.stderr or out.stdout).strip()[-400:]}")
    counted = json.loads(found.group(1))
    operations = counted["operations"][1] - counted["operations"][0]

    def counted_8h(event: str) -> int:
        return totals[f"h{HOURS[1]}"].get(event, 0) - totals[f"h{HOURS[0]}"].get(event, 0)

    instructions = counted_8h("Ir")
    case = {"stations": stations, "replicas": replicas, "instructions": instructions, "operations": operations,
            "instructions_per_operation": instructions / operations,
            "throughput_per_hour": counted["throughput_per_hour"]}
    if cache:
        case["d1_read_misses_per_operation"] = counted_8h("D1mr") / operations
        case["d1_write_misses_per_operation"] = counted_8h("D1mw") / operations
        case["d1_cache"] = d1.group(1) if d1 else None
    return case


def main(argv=None) -> dict | None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", default="10,200", help="comma-separated station counts (default 10,200)")
    ap.add_argument("--replicas", type=int, default=None,
                    help="replicas per run (default: 20, and 4 above 50 stations: callgrind runs ~50x slower)")
    ap.add_argument("--cache", action="store_true",
                    help="also count first-level data cache misses per operation (simulated; ~2x slower)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return None
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("count_instructions: needs valgrind and callgrind_control on the PATH (Debian: valgrind)")
    started = datetime.now(timezone.utc)
    cases = []
    for stations in [int(s) for s in args.stations.split(",") if s.strip()]:
        replicas = args.replicas or (20 if stations <= 50 else 4)
        case = count(stations, replicas, cache=args.cache)
        cases.append(case)
        misses = (f", {case['d1_read_misses_per_operation']:.2f} + {case['d1_write_misses_per_operation']:.2f} "
                  f"first-level data cache misses (read + write)" if args.cache else "")
        print(f"{stations:4d} stations x {replicas} replicas: {case['instructions_per_operation']:8.1f} instructions"
              f"{misses} per machine operation ({case['operations']:.0f} operations, throughput "
              f"{case['throughput_per_hour']:.4f}/h)", flush=True)
    for case in cases[1:]:
        print(f"{case['stations']} against {cases[0]['stations']} stations: "
              f"{case['instructions_per_operation'] / cases[0]['instructions_per_operation']:.3f}x per operation")
    sys.path.insert(0, str(HERE))
    from bench_line import machine_info  # the same machine description as bench_line's records
    machine = machine_info("cpu")
    machine["valgrind"] = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    record = {"schema": SCHEMA, "recorded_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine,
              "hours_counted": HOURS[1] - HOURS[0], "cases": cases}
    out = args.out or HERE / "results" / f"instructions-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {out}")
    return record


if __name__ == "__main__":
    main()
