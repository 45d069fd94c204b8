"""twin against the SimPy reference model on the same study: a serial line with failures.

    python benchmarks/bench_line.py                      # CPU: 15 stations, 100 replicas, 8 h
    python benchmarks/bench_line.py --device cuda --stations 50 --replicas 10000 --horizon 168h \\
        --simpy-replicas 20                              # the GPU target study

Both run the same plant, replicas, horizon and warm-up on this machine, one after the other.
twin's wall time excludes the one-off kernel compilation (reported separately); SimPy runs on one
core. With ``--simpy-replicas n`` SimPy runs only n replicas and its time is scaled to the full
count (its cost per replica is constant: replicas are independent and run one after another);
the JSON says so. Accuracy is checked at the same time: the two throughput estimates must agree
within their combined 99.9% interval, otherwise the speed ratio would compare unequal work.

Writes a JSON record (default: benchmarks/results/line-<device>-<stations>st.json).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import twin  # noqa: E402
from lines import failing_line  # noqa: E402
from twin.cli import duration  # noqa: E402
from twin.stats import mean_ci, t_quantile  # noqa: E402


def machine_info(device: str) -> dict:
    import warp as wp
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "warp": wp.config.version, "device": device}
    if device.startswith("cuda"):
        info["gpu"] = wp.get_device(device).name
    return info


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", type=int, default=15)
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--horizon", type=duration, default=8 * 3600.0)
    ap.add_argument("--warmup", type=duration, default=3600.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--simpy-replicas", type=int, default=None, help="run SimPy on fewer replicas and scale")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from twin.reference import simulate_reference

    plant = failing_line(args.stations)
    model = plant.compile(device=args.device)
    t0 = time.perf_counter()
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0)  # compile (or load from cache) and warm up
    compile_s = time.perf_counter() - t0
    res = twin.Simulator(model, args.replicas).run(args.horizon, args.warmup, seed=args.seed)
    twin_s = res.meta["wall_time_s"]

    n_ref = args.simpy_replicas or args.replicas
    ref = simulate_reference(plant, n_ref, args.horizon, args.warmup, seed=args.seed)
    simpy_measured_s = ref.wall_time
    simpy_s = simpy_measured_s * args.replicas / n_ref

    tw_mean, tw_ci, _, _ = mean_ci(res.per_replica["throughput_per_hour"])
    rf_mean, rf_ci, _, _ = mean_ci(ref.throughput_per_hour)
    se = math.sqrt((tw_ci / t_quantile(0.975, args.replicas - 1)) ** 2 + (rf_ci / t_quantile(0.975, n_ref - 1)) ** 2)
    replica_hours = args.replicas * args.horizon / 3600.0
    record = {
        "benchmark": "serial line with failures: twin vs SimPy reference",
        "plant": {"name": plant.name, "stations": args.stations, "elements": len(plant)},
        "study": {"replicas": args.replicas, "horizon_s": args.horizon, "warmup_s": args.warmup, "seed": args.seed,
                  "dt_s": model.dt},
        "machine": machine_info(model.device),
        "twin": {"wall_s": twin_s, "compile_or_cache_load_s": compile_s,
                 "replica_hours_per_s": replica_hours / twin_s,
                 "throughput_per_hour": {"mean": tw_mean, "ci95": tw_ci}},
        "simpy": {"wall_s": simpy_s, "replicas_measured": n_ref, "wall_s_measured": simpy_measured_s,
                  "scaled": n_ref != args.replicas, "replica_hours_per_s": replica_hours / simpy_s,
                  "throughput_per_hour": {"mean": rf_mean, "ci95": rf_ci}},
        "speedup": simpy_s / twin_s,
        "equal_accuracy": {"difference": tw_mean - rf_mean, "limit_99_9": 3.29 * se,
                           "ok": abs(tw_mean - rf_mean) <= 3.29 * se},
    }
    out = args.out or HERE / "results" / f"line-{model.device.replace(':', '')}-{args.stations}st.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{plant.name}: {args.replicas} replicas x {args.horizon / 3600:g} h on {model.device}")
    print(f"  twin   {twin_s:8.3f} s  ({record['twin']['replica_hours_per_s']:,.0f} replica-h/s)  "
          f"throughput {tw_mean:.2f} ± {tw_ci:.2f}/h")
    print(f"  SimPy  {simpy_s:8.3f} s  ({record['simpy']['replica_hours_per_s']:,.1f} replica-h/s)  "
          f"throughput {rf_mean:.2f} ± {rf_ci:.2f}/h" + (f"  [{n_ref} replicas measured, scaled]" if n_ref != args.replicas else ""))
    print(f"  speed-up {record['speedup']:.1f}x; same answer within 99.9%: {record['equal_accuracy']['ok']}")
    print(f"  written to {out}")
    return record


if __name__ == "__main__":
    main()
