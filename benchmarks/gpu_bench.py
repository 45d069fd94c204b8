"""The GPU benchmark of issue 12: many replicas of a long line with failures over a simulated week.

    python benchmarks/gpu_bench.py --device cuda --json out.json          # 10,000 x 50 stations x 1 week
    python benchmarks/gpu_bench.py --device cpu --replicas 8 --horizon 2h # a quick try anywhere

The line is ``lines.saturated_line(stations)`` (lognormal times, finite buffers, failures on
every third machine), as in ``bench_line.py``. The first, short run compiles (or loads) the
kernels, timed apart. Then every replica runs ever longer horizons (an hour, a day, then the
requested horizon), each one only if the last one's wall time, scaled by the simulated time,
says it fits in what is left of ``--budget-s``: a slow device gives the figures it can instead of
a timeout that gives none (``stages`` in the JSON; the headline figures are the longest run).
Each run replays the chunk loop from a captured graph (the default on CUDA); unless
``--no-graph-compare``, the day's run is timed again without the graph, and its numbers must be
bit-identical ("graph" in the JSON: "pass" or "fail", both wall times). With ``--simpy-replicas
n`` the lean SimPy model (``lean_simpy.py``, one core) runs n replicas of the longest run's
study, scaled to the replicas, for the ratio. Last, with ``--sweep-block-dims`` and
``--sweep-replicas``, what fits of a sweep over CUDA block sizes and replica counts (``sweep``).
Writes one JSON object (stdout, and ``--json`` after every stage, so what was measured survives
a kill).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--replicas", type=int, default=10_000)
    ap.add_argument("--horizon", type=float, default=WEEK, help="seconds (default: one week)")
    ap.add_argument("--warmup", type=float, default=HOUR)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--simpy-replicas", type=int, default=0, help="also time the lean SimPy model on n replicas")
    ap.add_argument("--budget-s", type=float, default=float("inf"),
                    help="wall seconds for the timed runs: a longer horizon runs only if it is predicted to fit")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--no-graph-compare", action="store_true", help="skip the day's second run without the graph")
    ap.add_argument("--sweep-block-dims", default="",
                    help="last, what fits: the sweep's CUDA threads per block (e.g. 64,128,256; TWIN_CUDA_BLOCK_DIM)")
    ap.add_argument("--sweep-replicas", default="", help="the sweep's replica counts (e.g. 10000,100000)")
    ap.add_argument("--sweep-horizon", type=float, default=6 * HOUR + HOUR, help="the sweep's horizon (default 7 h)")
    args = ap.parse_args(argv)
    start = time.perf_counter()

    import warp as wp
    import twin
    from lines import saturated_line
    wp.init()
    record = {"device": args.device, "stations": args.stations, "replicas": args.replicas, "horizon_s": args.horizon,
              "warmup_s": args.warmup, "warp": wp.config.version, "cpu_cores": os.cpu_count(), "stages": []}
    if args.device.startswith("cuda"):
        record["gpu"] = wp.get_device(args.device).name

    def save():
        if args.json:
            args.json.write_text(json.dumps(record, indent=1) + "\n")

    plant = saturated_line(args.stations)
    t = time.perf_counter()
    model = plant.compile(device=args.device)
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0)  # compiles the kernels (or loads them from the cache)
    record["compile_and_first_run_s"] = round(time.perf_counter() - t, 2)
    save()

    def left() -> float:
        return args.budget_s - (time.perf_counter() - start)

    horizons = [h + args.warmup for h in (HOUR, DAY) if h + args.warmup < args.horizon] + [args.horizon]
    best = None  # (horizon, Results, stage) of the longest run so far
    for horizon in horizons:
        if best is not None:  # the wall time scales with the simulated time (the line is saturated)
            predicted = best[1].meta["wall_time_s"] * horizon / best[0]
            compare = horizon == DAY + args.warmup and not args.no_graph_compare
            if predicted * (2 if compare else 1) > 0.8 * left():
                record["stages"].append({"horizon_s": horizon, "skipped": f"predicted {predicted:.1f} s, "
                                                                          f"{left():.0f} s of the budget left"})
                break
        sim = twin.Simulator(model, args.replicas, graph=True)
        res = sim.run(horizon, args.warmup, seed=args.seed)
        stage = {"horizon_s": horizon, "wall_s": round(res.meta["wall_time_s"], 3), "graph_blocks": sim.graphs,
                 "throughput_per_hour_mean": float(res.per_replica["throughput_per_hour"].mean())}
        if horizon == DAY + args.warmup and not args.no_graph_compare:
            plain = twin.Simulator(model, args.replicas, graph=False).run(horizon, args.warmup, seed=args.seed)
            record["graph"] = "pass" if same_numbers(res, plain) else "fail"
            record["graph_compare_horizon_s"] = horizon
            record["wall_s_with_graph"] = stage["wall_s"]
            record["wall_s_without_graph"] = round(plain.meta["wall_time_s"], 3)
        record["stages"].append(stage)
        best = (horizon, res, stage)
        save()

    horizon, res, stage = best
    wall = res.meta["wall_time_s"]
    replica_hours = args.replicas * (horizon - args.warmup) / 3600.0
    tp = res.per_replica["throughput_per_hour"]
    record.update({"timed_horizon_s": horizon, "wall_s": round(wall, 3), "replica_hours_per_s": replica_hours / wall,
                   "threads": res.meta.get("threads"), "dt_s": model.dt, "graph_blocks": stage["graph_blocks"],
                   "throughput_per_hour_mean": float(tp.mean()), "target_wall_s": 10.0,
                   "meets_target": (bool(wall < 10.0) if horizon == args.horizon else None)
                   if args.device.startswith("cuda") else None})
    save()
    if args.simpy_replicas:
        import lean_simpy
        line, buffers = lean_simpy.line_from_plant(plant)
        n = min(args.simpy_replicas, args.replicas)
        lean = lean_simpy.simulate(line, buffers, n, horizon, args.warmup, seed=args.seed)
        lean_s = lean["wall_s"] * args.replicas / n
        record["lean_simpy"] = {"replicas_measured": n, "horizon_s": horizon, "wall_s_measured": lean["wall_s"],
                                "wall_s_scaled": lean_s, "operations_scaled": lean["operations"] * args.replicas / n,
                                "throughput_per_hour_mean": float(sum(lean["throughput_per_hour"]) / n)}
        record["ratio_vs_lean_simpy_one_core"] = lean_s / wall
        record["us_per_operation"] = 1e6 * wall / record["lean_simpy"]["operations_scaled"]
        record["operations_per_s"] = record["lean_simpy"]["operations_scaled"] / wall
    save()
    if args.sweep_block_dims or args.sweep_replicas:
        sweep(model, args, record, left, save)
    print(json.dumps(record, indent=1))
    return record


def sweep(model, args, record: dict, left, save) -> None:
    """Each block size (TWIN_CUDA_BLOCK_DIM) with each replica count over ``--sweep-horizon``,
    while they fit: how the device's throughput grows with parallel work, and which block size
    spreads the replicas best. A run is predicted from the longest timed run's cost per
    replica-second, scaled up with the replicas (the worst case: a device already full). Every run
    must give bit-identical numbers to the first one of its replica count (each replica is one
    thread, whatever the blocks): ``identical`` in each row."""
    import twin
    from twin.simulator import BLOCK_DIM_ENV, block_dim
    dims = [int(x) for x in args.sweep_block_dims.split(",") if x.strip()] or [None]
    counts = [int(x) for x in args.sweep_replicas.split(",") if x.strip()] or [args.replicas]
    timed = [s for s in record["stages"] if "wall_s" in s][-1]  # the longest run made
    per_replica_second = timed["wall_s"] / (args.replicas * timed["horizon_s"])
    rows, first = [], {}
    record["sweep"] = {"horizon_s": args.sweep_horizon, "rows": rows}
    before = os.environ.get(BLOCK_DIM_ENV)
    try:
        for dim in dims:
            if dim is None:
                os.environ.pop(BLOCK_DIM_ENV, None)
            else:
                os.environ[BLOCK_DIM_ENV] = str(dim)
            t = time.perf_counter()
            twin.Simulator(model, 2).run(60.0, 0.0, seed=0)  # compiles this block size's variant of the module
            compile_s = round(time.perf_counter() - t, 2)
            for n in counts:
                predicted = per_replica_second * n * args.sweep_horizon
                row = {"block_dim": block_dim(model.device), "replicas": n, "compile_and_first_run_s": compile_s}
                if predicted > 0.8 * left():
                    row["skipped"] = f"predicted up to {predicted:.1f} s, {left():.0f} s of the budget left"
                    rows.append(row)
                    continue
                res = twin.Simulator(model, n, graph=True).run(args.sweep_horizon, args.warmup, seed=args.seed)
                wall = res.meta["wall_time_s"]
                row.update({"wall_s": round(wall, 3),
                            "replica_hours_per_s": n * (args.sweep_horizon - args.warmup) / 3600.0 / wall,
                            "identical": same_numbers(first.setdefault(n, res), res)})
                rows.append(row)
                save()
    finally:
        if before is None:
            os.environ.pop(BLOCK_DIM_ENV, None)
        else:
            os.environ[BLOCK_DIM_ENV] = before


def same_numbers(a, b) -> bool:
    """Every per-replica KPI of two runs bit for bit equal (NaN where both are NaN)."""
    import numpy as np

    def flat(res):
        out = {k: v for k, v in res.per_replica.items() if k not in ("elements", "held_at_end")}
        for name, kpis in res.per_replica["elements"].items():
            out.update({f"{name}.{k}": v for k, v in kpis.items()})
        return out

    fa, fb = flat(a), flat(b)
    return fa.keys() == fb.keys() and all(np.array_equal(np.asarray(fa[k]), np.asarray(fb[k]), equal_nan=True)
                                          for k in fa)


if __name__ == "__main__":
    main()
