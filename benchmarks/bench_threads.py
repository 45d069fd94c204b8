"""Every CPU core (issue 12, item 3): the same study on 1, 2, 4, ... threads of this machine.

    python benchmarks/bench_threads.py                              # 50 stations, 800 replicas, 8 h
    python benchmarks/bench_threads.py --threads 1,4 --repeat 3 --json out.json

The line is ``lines.saturated_line(stations)`` as in ``bench_line.py``. Each thread count runs
the whole study (``twin.Simulator.run(..., threads=N)``: N contiguous blocks of replicas in
parallel), the counts alternating round by round so that each meets the same moments of the
machine; the best wall time of each is reported, every run recorded. The speed-up is against one
thread in the same record. Every run's per-replica results must be bit-identical to the first
(a replica's random numbers do not depend on the split): a run that differs makes the record
say so and the exit status 1. Needs no SimPy (a bare GPU host runs it in ``gpu_check.sh``).
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

SCHEMA = "twin-bench-threads/1"


def thread_counts(cores: int) -> list[int]:
    """1, 2, 4, ... up to the machine's cores, and the cores themselves."""
    counts, n = [], 1
    while n < cores:
        counts.append(n)
        n *= 2
    return counts + [cores]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--replicas", type=int, default=800)
    ap.add_argument("--horizon", type=float, default=8 * 3600.0, help="seconds, warm-up included (default 8 h)")
    ap.add_argument("--warmup", type=float, default=3600.0)
    ap.add_argument("--threads", default=None, help="comma-separated thread counts (default: 1, 2, 4, ... cores)")
    ap.add_argument("--repeat", type=int, default=2, help="rounds; the best wall time of each count is reported")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None, help="also write the record here (after every round)")
    args = ap.parse_args(argv)

    import twin
    from gpu_bench import same_numbers
    from lines import saturated_line
    from machine import machine_info
    cores = os.cpu_count() or 1
    counts = [int(x) for x in args.threads.split(",")] if args.threads else thread_counts(cores)
    record = {"schema": SCHEMA, "machine": machine_info("cpu"), "stations": args.stations, "replicas": args.replicas,
              "horizon_s": args.horizon, "warmup_s": args.warmup, "seed": args.seed, "threads": counts,
              "wall_s_runs": {str(n): [] for n in counts}, "identical": True}
    model = saturated_line(args.stations).compile(device="cpu")
    t = time.perf_counter()
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0, threads=1)  # compiles the kernels (or loads them)
    record["compile_and_first_run_s"] = round(time.perf_counter() - t, 2)
    first = None
    for _ in range(max(1, args.repeat)):
        for n in counts:
            res = twin.Simulator(model, args.replicas).run(args.horizon, args.warmup, seed=args.seed, threads=n)
            if res.meta["threads"] != min(n, args.replicas):
                raise SystemExit(f"bench_threads: asked for {n} threads, the run used {res.meta['threads']}")
            record["wall_s_runs"][str(n)].append(round(res.meta["wall_time_s"], 4))
            if first is None:
                first = res
            elif not same_numbers(first, res):
                record["identical"] = False
        best = {n: min(record["wall_s_runs"][str(n)]) for n in counts}
        record["wall_s"] = {str(n): best[n] for n in counts}
        if 1 in best:
            record["speedup_vs_one_thread"] = {str(n): round(best[1] / best[n], 3) for n in counts}
        if args.json:
            args.json.write_text(json.dumps(record, indent=1) + "\n")
    record["throughput_per_hour_mean"] = float(first.per_replica["throughput_per_hour"].mean())
    if args.json:
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record, indent=1))
    for n in counts:
        speedup = record.get("speedup_vs_one_thread", {}).get(str(n))
        print(f"{n:3d} threads: best {record['wall_s'][str(n)]:.3f} s" + (f", {speedup:.2f}x one thread" if speedup else ""),
              file=sys.stderr)
    if not record["identical"]:
        print("bench_threads: results differ between thread counts", file=sys.stderr)
        raise SystemExit(1)
    return record


if __name__ == "__main__":
    main()
