"""twin against a lean SimPy model of the same line, on the same work, in one run.

    python benchmarks/bench_line.py                                  # 5, 20, 50, 200 stations
    python benchmarks/bench_line.py --stations 5,20 --replicas 50 --horizon 8h
    python benchmarks/bench_line.py --cold-compile                   # also time a compile on an empty cache

The line (``lines.saturated_line``): saturated, lognormal process times, finite buffers with
blocking after service, operation-dependent failures on every third machine. The peer
(``lean_simpy.py``) is a lean, idiomatic SimPy model of it (one process per machine, Store
buffers), validated against twin in ``tests/test_lean_peer.py``. Per station count both models run
the same replicas, horizon and warm-up, one after the other on this machine; twin's time excludes
compilation (a warm-up run loads the kernels first), SimPy runs on one core. With
``--simpy-replicas n`` SimPy runs only n replicas and its time is scaled (the record says so).
Each model runs ``--repeat`` times (default 3), alternating, and the best time of each is reported
(all are recorded): on a shared machine a single run of a short case moves by 30% or more with the
neighbours' load, and the best of a few alternating runs compares the two at the same quiet moments.

Reported per case: the speed ratio, microseconds per machine operation (a part processed at one
machine; operations counted in the lean model and scaled to the replicas), each also by CPU time
of this process (steadier than wall time on a shared machine), replica-hours per second
and whether the two throughputs agree within their combined 99.9% interval (otherwise the ratio
would compare unequal work). The record (machine, threads, Warp version, cold compile time if
asked) goes to ``benchmarks/results/bench_line-<UTC time>.json``; ``compare_records.py`` compares it
with the previous record of the same machine.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import twin  # noqa: E402
import lean_simpy  # noqa: E402
from lines import saturated_line  # noqa: E402
from machine import machine_info  # noqa: E402  (re-exported: the other benchmarks take it from here)
from twin.stats import mean_ci, t_quantile  # noqa: E402
from twin.units import duration  # noqa: E402

SCHEMA = "twin-bench-line/1"


def cold_compile_s(device: str) -> float:
    """Seconds from an empty Warp kernel cache to the end of a first short run (a fresh process,
    so nothing is loaded already): what a new user waits for on the first ``twin run``."""
    code = ("import sys, time; t0 = time.perf_counter(); sys.path.insert(0, %r)\n"
            "import twin; from lines import saturated_line\n"
            "twin.simulate(saturated_line(5), replicas=2, horizon=60.0, device=%r)\n"
            "print(time.perf_counter() - t0)") % (str(HERE), device)
    with tempfile.TemporaryDirectory(prefix="twin-warp-cache-") as cache:
        done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "WARP_CACHE_PATH": cache},
                              capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def run_case(stations: int, args) -> dict:
    plant = saturated_line(stations)
    model = plant.compile(device=args.device)
    kwargs = {}
    if "threads" in inspect.signature(twin.Simulator.run).parameters:
        kwargs["threads"] = args.threads
    t0 = time.perf_counter()
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0, **kwargs)  # compile (or load from cache) and warm up
    load_s = time.perf_counter() - t0

    n_lean = min(args.simpy_replicas or args.replicas, args.replicas)
    line, buffers = lean_simpy.line_from_plant(plant)
    twin_walls, twin_cpus, lean_walls, lean_cpus = [], [], [], []
    for _ in range(max(1, args.repeat)):  # alternating, so both sides meet the same moments of the machine
        cpu0 = time.process_time()
        res = twin.Simulator(model, args.replicas).run(args.horizon, args.warmup, seed=args.seed, **kwargs)
        twin_cpus.append(time.process_time() - cpu0)
        twin_walls.append(res.meta["wall_time_s"])
        cpu0 = time.process_time()
        lean = lean_simpy.simulate(line, buffers, n_lean, args.horizon, args.warmup, seed=args.seed)
        lean_cpus.append((time.process_time() - cpu0) * args.replicas / n_lean)
        lean_walls.append(lean["wall_s"] * args.replicas / n_lean)
    twin_s, twin_cpu_s, lean_s, lean_cpu_s = min(twin_walls), min(twin_cpus), min(lean_walls), min(lean_cpus)
    operations = lean["operations"] * args.replicas / n_lean  # machine operations of the whole study

    tw_mean, tw_ci, _, _ = mean_ci(res.per_replica["throughput_per_hour"])
    ln_mean, ln_ci, _, _ = mean_ci(lean["throughput_per_hour"])
    se = math.hypot(tw_ci / t_quantile(0.975, args.replicas - 1), ln_ci / t_quantile(0.975, n_lean - 1))
    replica_hours = args.replicas * args.horizon / 3600.0
    case = {
        "stations": stations, "elements": len(plant), "dt_s": model.dt, "operations": operations,
        "repeat": len(twin_walls),
        "twin": {"wall_s": twin_s, "cpu_s": twin_cpu_s, "kernel_load_s": load_s, "wall_s_runs": twin_walls,
                 "us_per_operation": 1e6 * twin_s / operations, "cpu_us_per_operation": 1e6 * twin_cpu_s / operations,
                 "replica_hours_per_s": replica_hours / twin_s, "threads": kwargs.get("threads", 1),
                 "throughput_per_hour": {"mean": tw_mean, "ci95": tw_ci}},
        "lean_simpy": {"wall_s": lean_s, "replicas_measured": n_lean, "wall_s_runs": lean_walls,
                       "scaled": n_lean != args.replicas, "cpu_s": lean_cpu_s,
                       "us_per_operation": 1e6 * lean_s / operations, "cpu_us_per_operation": 1e6 * lean_cpu_s / operations,
                       "replica_hours_per_s": replica_hours / lean_s,
                       "throughput_per_hour": {"mean": ln_mean, "ci95": ln_ci}},
        "ratio": lean_s / twin_s,
        "cpu_ratio": lean_cpu_s / twin_cpu_s,
        "equal_accuracy": {"difference": tw_mean - ln_mean, "limit_99_9": 3.29 * se,
                           "ok": abs(tw_mean - ln_mean) <= 3.29 * se},
    }
    print(f"{stations:4d} stations: twin {twin_s:7.3f} s ({case['twin']['us_per_operation']:.2f} us/op, "
          f"{case['twin']['replica_hours_per_s']:,.0f} replica-h/s)  lean SimPy {lean_s:7.3f} s "
          f"({case['lean_simpy']['us_per_operation']:.2f} us/op)  ratio {case['ratio']:.1f}x (CPU time {case['cpu_ratio']:.1f}x)  "
          f"throughput {tw_mean:.2f} vs {ln_mean:.2f}/h, same within 99.9%: {case['equal_accuracy']['ok']}",
          flush=True)
    return case


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", default="5,20,50,200", help="comma-separated station counts (default 5,20,50,200)")
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--horizon", type=duration, default=8 * 3600.0)
    ap.add_argument("--warmup", type=duration, default=3600.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1, help="twin's CPU threads, where the simulator takes them")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each model per case, alternating; the best of each is reported (default 3)")
    ap.add_argument("--simpy-replicas", type=int, default=None, help="run SimPy on fewer replicas and scale")
    ap.add_argument("--cold-compile", action="store_true", help="also time a first run on an empty Warp cache")
    ap.add_argument("--note", default="", help="free text stored in the record (e.g. 'machine shared with other jobs')")
    ap.add_argument("--out", type=Path, default=None, help="record path (default: benchmarks/results/bench_line-<time>.json)")
    args = ap.parse_args(argv)
    stations = [int(s) for s in str(args.stations).split(",") if s.strip()]

    started = datetime.now(timezone.utc)
    model_device = twin.model.resolve_device(args.device)
    record = {
        "schema": SCHEMA,
        "benchmark": "saturated serial line with operation-dependent failures: twin vs a lean SimPy model",
        "recorded_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "twin_version": twin.__version__,
        "machine": machine_info(model_device),
        "study": {"replicas": args.replicas, "horizon_s": args.horizon, "warmup_s": args.warmup, "seed": args.seed},
        "note": args.note,
        "cold_compile_s": cold_compile_s(model_device) if args.cold_compile else None,
        "cases": [run_case(n, args) for n in stations],
    }
    out = args.out or HERE / "results" / f"bench_line-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    if record["cold_compile_s"] is not None:
        print(f"cold compile (empty Warp cache, first run of a 5-station line): {record['cold_compile_s']:.1f} s")
    print(f"{record['machine']['cpu']}, {record['machine']['cores']} cores, {model_device}; written to {out}")
    return record


if __name__ == "__main__":
    main()
