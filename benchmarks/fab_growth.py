"""SMT2020: where the WIP grows. Runs the fab over consecutive windows (same seed, so the same
trajectory up to each horizon) and prints, per window, lots released / out per day and WIP, then
per tool group the queue in each window, the busy share (processing + setup + PM + down) and the
offered load from the text files alone (tests/fab/smt2020_offered.py).

    python benchmarks/fab_growth.py --dataset LVHM --years 2 3 4 --replicas 2

Groups are listed by the queue's growth from the first window to the last. Not part of the tests.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fab"))

from smt2020_offered import offered_load  # noqa: E402
from bench_fab import DAY, data_dir  # noqa: E402

YEAR = 365 * DAY


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="LVHM", choices=["HVLM", "LVHM"])
    ap.add_argument("--years", type=float, nargs="+", default=[2, 3, 4],
                    help="window edges in years: windows [y0,y1], [y1,y2], ...")
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--top", type=int, default=20)
    a = ap.parse_args(argv)
    import twin.fab as F
    folder = data_dir() / f"SMT2020_{a.dataset}"
    ref = offered_load(folder)
    fab = F.load_smt2020(folder)
    wins = []
    for y0, y1 in zip(a.years, a.years[1:]):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = F.simulate(fab, replicas=a.replicas, horizon=y1 * YEAR, warmup=y0 * YEAR)
        rel = sum(k["released_per_day"][0] for k in r.products.values())
        out = sum(k["lots_out_per_day"][0] for k in r.products.values())
        wip = sum(k["wip"][0] for k in r.products.values())
        print(f"years {y0:g}-{y1:g}: released {rel:.2f}/day out {out:.2f}/day WIP {wip:.0f} lots "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
        wins.append(r.groups)
    names = [g for g in wins[0] if g in ref and not ref[g]["delay"]]
    names.sort(key=lambda g: -(wins[-1][g]["queue"][0] - wins[0][g]["queue"][0]))
    print(f"{'group':20s} {'tools':>5s} {'load':>6s} " + " ".join(f"{'q' + str(i):>7s}" for i in range(len(wins)))
          + f" {'busy':>6s} {'setup':>6s} {'pm':>6s} {'down':>6s}")
    for g in names[:a.top]:
        k = wins[-1][g]
        busy = k["utilisation"][0] + k["setup_share"][0] + k["pm_share"][0] + k["down_share"][0]
        print(f"{g:20s} {ref[g]['tools']:5.0f} {ref[g]['load']:6.3f} "
              + " ".join(f"{w[g]['queue'][0]:7.1f}" for w in wins)
              + f" {busy:6.3f} {k['setup_share'][0]:6.3f} {k['pm_share'][0]:6.3f} {k['down_share'][0]:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
