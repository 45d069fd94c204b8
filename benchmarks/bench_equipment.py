"""What equipment physics costs: conveyors, robot arms and cluster tools against a plain line.

    python benchmarks/bench_equipment.py                          # CPU: 100 replicas x 8 h each
    python benchmarks/bench_equipment.py --device cuda --replicas 10000

Runs, on one device and in one process, the same study (replicas, horizon, warm-up, seed) on:

* ``line``: the 15-station line with failures of ``bench_line.py`` (machines and buffers), the peer;
* ``line+belts``: the same line with an accumulating belt conveyor in place of every buffer;
* ``electronics_assembly``: the bundled SMT line (conveyors and a robot arm tending two machines);
* ``wafer_bay``: the bundled bay of three cluster tools (every wafer simulated inside each tool).

For each it records the wall time (the fastest of ``--repeats`` runs, default 3: shared hosts
are noisy; kernel compilation excluded, reported separately), simulated
replica-hours per second, the cost per replica-step (wall time / (replicas x horizon steps) at the
plant's own dt; twin's step loop jumps from event to event, so this is the cost of the simulated
time, not of a kernel per step) and the cost per replica-hour relative to the plain line. Writes
a JSON record (default: benchmarks/results/equipment-<device>.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import twin  # noqa: E402
from bench_line import machine_info  # noqa: E402
from lines import failing_line  # noqa: E402
from twin.units import duration  # noqa: E402
from twin.scenes import scene_path  # noqa: E402
from twin.stats import mean_ci  # noqa: E402


def plants() -> dict[str, twin.Plant]:
    return {"line": failing_line(15), "line+belts": failing_line(15, belts=True),
            "electronics_assembly": twin.load_scene(scene_path("electronics_assembly")).plant,
            "wafer_bay": twin.load_scene(scene_path("wafer_bay")).plant}


def measure(plant: twin.Plant, device: str, replicas: int, horizon: float, warmup: float, seed: int,
            repeats: int) -> dict:
    model = plant.compile(device=device)
    t0 = time.perf_counter()
    twin.Simulator(model, 2).run(60.0, 0.0, seed=0)  # compile (or load from cache) and warm up
    compile_s = time.perf_counter() - t0
    walls = []
    for _ in range(repeats):
        res = twin.Simulator(model, replicas).run(horizon, warmup, seed=seed)
        walls.append(res.meta["wall_time_s"])
    wall = min(walls)
    steps = model.steps(horizon)
    kinds = sorted({el.kind for el in plant})
    th, th_ci, _, _ = mean_ci(res.per_replica["throughput_per_hour"])
    return {"plant": plant.name, "elements": len(plant), "kinds": kinds, "dt_s": model.dt, "steps": steps,
            "wall_s": wall, "wall_s_repeats": walls, "compile_or_cache_load_s": compile_s,
            "replica_hours_per_s": replicas * horizon / 3600.0 / wall,
            "ns_per_replica_step": wall / (replicas * steps) * 1e9,
            "throughput_per_hour": {"mean": th, "ci95": th_ci}}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--horizon", type=duration, default=8 * 3600.0)
    ap.add_argument("--warmup", type=duration, default=3600.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="runs per plant; the fastest counts")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    runs = {}
    for label, plant in plants().items():
        runs[label] = measure(plant, args.device, args.replicas, args.horizon, args.warmup, args.seed, args.repeats)
    per_hour = {k: r["wall_s"] for k, r in runs.items()}  # same replicas and horizon: wall ∝ cost per replica-hour
    for k, r in runs.items():
        r["cost_vs_line"] = per_hour[k] / per_hour["line"]
    device = twin.Plant.compile(failing_line(2), device=args.device).device
    record = {"benchmark": "equipment physics: cost against a plain line", "machine": machine_info(device),
              "study": {"replicas": args.replicas, "horizon_s": args.horizon, "warmup_s": args.warmup,
                        "seed": args.seed, "repeats": args.repeats},
              "runs": runs}
    out = args.out or HERE / "results" / f"equipment-{device.replace(':', '')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{args.replicas} replicas x {args.horizon / 3600:g} h on {device}")
    print(f"  {'plant':22s} {'elements':>8s} {'wall s':>8s} {'replica-h/s':>12s} {'ns/replica-step':>16s} "
          f"{'vs line':>8s}  throughput/h")
    for k, r in runs.items():
        print(f"  {k:22s} {r['elements']:8d} {r['wall_s']:8.3f} {r['replica_hours_per_s']:12,.0f} "
              f"{r['ns_per_replica_step']:16.3f} {r['cost_vs_line']:7.2f}x  "
              f"{r['throughput_per_hour']['mean']:.2f} ± {r['throughput_per_hour']['ci95']:.2f}")
    print(f"  written to {out}")
    return record


if __name__ == "__main__":
    main()
