"""SMT2020 per tool group: the offered load from the text files against twin's measured shares.

    python benchmarks/fab_offered_load.py                          # HVLM, files only
    python benchmarks/fab_offered_load.py --days 730 --warmup 365  # and a twin run to compare
    python benchmarks/fab_offered_load.py --dataset LVHM --days 730 --replicas 2 --top 30

The offered load comes from tests/fab/smt2020_offered.py, which reads the dataset with ``csv``
and nothing of twin.fab (its docstring gives the definitions). Columns: tools, STNCAP, the
files' load = offered / (tools x availability) (with load and unload on the tool at every group
when --no-overlap) and u_file = the lots' tool time / tools (the processing share of calendar
time expected in steady state), then twin's utilisation, setup share, PM + down share, idle
share, batch fill and queue. A group whose idle share reaches 0 is saturated; one whose
utilisation departs from u_file points to a field twin reads differently. Also prints lots
released and out per day and whether the WIP grew (kpis.growth_warning). Not part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fab"))

from smt2020_offered import offered_load  # noqa: E402
from bench_fab import DAY, data_dir  # noqa: E402  (where the data is: one rule for both scripts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="HVLM", choices=["HVLM", "LVHM"])
    ap.add_argument("--days", type=float, default=0.0, help="simulate this many days (0: files only)")
    ap.add_argument("--warmup", type=float, default=None, help="days (default: half the horizon)")
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--top", type=int, default=25, help="groups shown, busiest first")
    ap.add_argument("--no-overlap", action="store_true", help="files' load with LTIME+ULTIME on the tool at STNCAP 2 too")
    a = ap.parse_args(argv)
    folder = data_dir() / f"SMT2020_{a.dataset}"
    if not folder.is_dir():
        print(f"SMT2020 data not found at {folder}: set TWIN_SMT2020_DIR", file=sys.stderr)
        return 2
    ref = offered_load(folder, overlap_load_unload=not a.no_overlap)
    cap = {r["STNFAM"]: f"{float(r['STNCAP'] or 1):g}" for r in csv.DictReader(open(folder / "tool.txt.1l", encoding="utf-8-sig"),
                                                                     delimiter="\t")}
    groups = None
    if a.days > 0:
        import twin.fab as F
        fab = F.load_smt2020(folder)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = F.simulate(fab, replicas=a.replicas, horizon=a.days * DAY,
                           warmup=(a.days / 2 if a.warmup is None else a.warmup) * DAY)
        groups = r.groups
        print(r.summary())
        rel = sum(k["released_per_day"][0] for k in r.products.values())
        out = sum(k["lots_out_per_day"][0] for k in r.products.values())
        grew = [str(w.message) for w in caught if "WIP grew" in str(w.message)]
        print(f"released {rel:.2f} lots/day, out {out:.2f}; WIP growth warning: {grew[0] if grew else 'none'}; "
              f"{time.perf_counter() - t0:.0f} s wall")

    def busy(g):  # share of a tool's calendar time not idle (files: offered / (tools x availability))
        if groups is None:
            return ref[g]["load"]
        k = groups[g]
        return k["utilisation"][0] + k["setup_share"][0] + k["pm_share"][0] + k["down_share"][0]

    names = sorted((g for g in ref if not ref[g]["delay"]), key=lambda g: -busy(g))[:a.top]
    head = f"{'group':20s} {'tools':>5s} {'STNCAP':>6s} {'load':>6s} {'u_file':>6s}"
    if groups is not None:
        head += f" {'u':>6s} {'setup':>6s} {'pm+dn':>6s} {'idle':>6s} {'fill':>5s} {'queue':>6s}"
    print(head)
    for g in names:
        d = ref[g]
        line = f"{g:20s} {d['tools']:5.0f} {cap[g]:>6s} {d['load']:6.3f} {d['process'] / d['tools']:6.3f}"
        if groups is not None:
            k = groups[g]
            fill = k["batch_fill"][0]
            line += (f" {k['utilisation'][0]:6.3f} {k['setup_share'][0]:6.3f} "
                     f"{k['pm_share'][0] + k['down_share'][0]:6.3f} {1.0 - busy(g):6.3f} "
                     f"{fill if fill == fill else float('nan'):5.2f} {k['queue'][0]:6.1f}")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
