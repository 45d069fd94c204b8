"""The GPU benchmark of issue 12: many replicas of a long line with failures over a simulated week.

    python benchmarks/gpu_bench.py --device cuda --json out.json          # 10,000 x 50 stations x 1 week
    python benchmarks/gpu_bench.py --device cpu --replicas 8 --horizon 2h # a quick try anywhere

The line is ``lines.saturated_line(stations)`` (lognormal times, finite buffers, failures on
every third machine), as in ``bench_line.py``. The first, short run compiles (or loads) the
kernels, timed apart; the timed run is one ``Simulator.run``, with the chunk loop replayed from
a captured graph (the default on CUDA); unless ``--no-graph-compare``, the same run is timed again
without the graph, and its numbers must be bit-identical ("graph" in the JSON: "pass" or "fail",
both wall times). With ``--simpy-replicas n`` the
lean SimPy model (``lean_simpy.py``, one core) runs n replicas of the same study, scaled to the
replicas, for the ratio. Writes one JSON object (stdout, or ``--json``).
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

WEEK = 7 * 24 * 3600.0


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--replicas", type=int, default=10_000)
    ap.add_argument("--horizon", type=float, default=WEEK, help="seconds (default: one week)")
    ap.add_argument("--warmup", type=float, default=3600.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--simpy-replicas", type=int, default=0, help="also time the lean SimPy model on n replicas")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--no-graph-compare", action="store_true", help="skip the second run without the graph")
    args = ap.parse_args(argv)

    import warp as wp
    import twin
    from lines import saturated_line
    wp.init()
    record = {"device": args.device, "stations": args.stations, "replicas": args.replicas, "horizon_s": args.horizon,
              "warmup_s": args.warmup, "warp": wp.config.version, "cpu_cores": os.cpu_count()}
    if args.device.startswith("cuda"):
        record["gpu"] = wp.get_device(args.device).name
    plant = saturated_line(args.stations)
    t = time.perf_counter()
    model = plant.compile(device=args.device)
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0)  # compiles the kernels (or loads them from the cache)
    record["compile_and_first_run_s"] = round(time.perf_counter() - t, 2)
    sim = twin.Simulator(model, args.replicas, graph=True)
    res = sim.run(args.horizon, args.warmup, seed=args.seed)
    wall = res.meta["wall_time_s"]
    record["graph_blocks"] = sim.graphs  # blocks whose chunk loop replayed a captured graph
    if not args.no_graph_compare:
        plain = twin.Simulator(model, args.replicas, graph=False).run(args.horizon, args.warmup, seed=args.seed)
        record["graph"] = "pass" if same_numbers(res, plain) else "fail"
        record["wall_s_with_graph"] = round(wall, 3)
        record["wall_s_without_graph"] = round(plain.meta["wall_time_s"], 3)
    replica_hours = args.replicas * args.horizon / 3600.0
    tp = res.per_replica["throughput_per_hour"]
    record.update({"wall_s": round(wall, 3), "replica_hours_per_s": replica_hours / wall,
                   "threads": res.meta.get("threads"), "dt_s": model.dt,
                   "throughput_per_hour_mean": float(tp.mean()), "target_wall_s": 10.0,
                   "meets_target": bool(wall < 10.0) if args.device.startswith("cuda") else None})
    if args.simpy_replicas:
        import lean_simpy
        line, buffers = lean_simpy.line_from_plant(plant)
        n = min(args.simpy_replicas, args.replicas)
        lean = lean_simpy.simulate(line, buffers, n, args.horizon, args.warmup, seed=args.seed)
        lean_s = lean["wall_s"] * args.replicas / n
        record["lean_simpy"] = {"replicas_measured": n, "wall_s_measured": lean["wall_s"], "wall_s_scaled": lean_s,
                                "operations_scaled": lean["operations"] * args.replicas / n,
                                "throughput_per_hour_mean": float(sum(lean["throughput_per_hour"]) / n)}
        record["ratio_vs_lean_simpy_one_core"] = lean_s / wall
        record["us_per_operation"] = 1e6 * wall / record["lean_simpy"]["operations_scaled"]
    text = json.dumps(record, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return record


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
