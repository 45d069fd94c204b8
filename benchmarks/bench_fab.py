"""SMT2020 fab speed: simulated days per wall second for one replica on one CPU core.

    python benchmarks/bench_fab.py                      # HVLM, 1 replica, 730 days (two years)
    python benchmarks/bench_fab.py --days 120 --dataset LVHM
    python benchmarks/bench_fab.py --device cuda --replicas 1000

Loads the dataset (../shared/data/smt2020 or $TWIN_SMT2020_DIR), compiles the fab kernel with a
one-day run (compile time reported separately), then runs ``--replicas`` replicas from an empty
fab for ``--days`` days ``--repeats`` times and keeps the fastest (shared hosts are noisy).
Reports simulated replica-days per wall second, events per second and nanoseconds per event,
the memory of one replica's state, and the same rate over the first and the last part of the
horizon (WIP grows from empty: a flat cost per event as WIP grows shows no queue scans).
The peer the issue names, PySCFabSim, runs about one simulated day per second (published figure,
not re-measured here). Writes benchmarks/results/fab-<dataset>-<device>.json.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_line import machine_info  # noqa: E402
import twin.fab as F  # noqa: E402

DAY = 86400.0


def data_dir() -> Path:
    env = os.environ.get("TWIN_SMT2020_DIR")
    return Path(env) if env else HERE.parent.parent / "shared" / "data" / "smt2020"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="HVLM", choices=["HVLM", "LVHM"])
    ap.add_argument("--days", type=float, default=730.0)
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    folder = data_dir() / f"SMT2020_{a.dataset}"
    if not folder.is_dir():
        print(f"SMT2020 data not found at {folder}: set TWIN_SMT2020_DIR", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore", F.UnmodelledWarning)
    fab = F.load_smt2020(folder)
    t0 = time.perf_counter()
    F.simulate(fab, replicas=1, horizon=DAY, device=a.device)
    compile_s = time.perf_counter() - t0
    best = None
    for _ in range(a.repeats):
        r = F.simulate(fab, replicas=a.replicas, horizon=a.days * DAY, device=a.device)
        if best is None or r.kernel_s < best.kernel_s:
            best = r
    part = F.simulate(fab, replicas=a.replicas, horizon=a.days * DAY / 4, device=a.device)
    late_events = best.events - part.events
    late_s = best.kernel_s - part.kernel_s
    record = {
        "dataset": a.dataset, "replicas": a.replicas, "days": a.days, "machine": machine_info(a.device),
        "compile_and_first_day_s": round(compile_s, 2), "kernel_s": round(best.kernel_s, 3),
        "replica_days_per_s": round(a.replicas * a.days / best.kernel_s, 2),
        "kernel_cpu_s": round(best.kernel_cpu_s, 3),
        "replica_days_per_cpu_s": round(a.replicas * a.days / best.kernel_cpu_s, 2),
        "events": best.events, "events_per_s": round(best.events / best.kernel_s),
        "ns_per_event": round(1e9 * best.kernel_s / best.events, 1),
        "ns_per_event_first_quarter": round(1e9 * part.kernel_s / max(1, part.events), 1),
        "ns_per_event_last_three_quarters": round(1e9 * late_s / max(1, late_events), 1),
        "state_bytes_per_replica": best.state_bytes // a.replicas, "model_bytes": best.model_bytes,
        "lots_out_per_day": {p: round(k["lots_out_per_day"][0], 2) for p, k in best.products.items()},
        "wip_lots": {p: round(k["wip"][0], 1) for p, k in best.products.items()},
        "peer": "PySCFabSim about 1 simulated day per second (published, not re-measured)",
    }
    print(json.dumps(record, indent=2))
    out = Path(a.out) if a.out else HERE / "results" / f"fab-{a.dataset}-{a.device.split(':')[0]}.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
