"""``twin study``: a designed experiment on a scene from the command line.

    twin study SCENE --factor buf_20_30.capacity=1,2,4,8 --factor op30.servers=1..2
               [--response throughput --response cycle_time.p90] [--design factorial|lhs --points N]
               [--replicas R] [--horizon H] [--warmup W|mser] [--seed S] [--precision 1%]
               [--select DELTA [--alpha 0.05]] [--cluster local-ray|ray://HOST:10001]
               [--out study/] [--plot]

A factor's levels: ``1,2,4,8`` (a list), ``1..4`` (every whole number, for counts), ``50..70``
or ``50s..70s`` on a measured value (a range: sampled by a Latin hypercube).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import TwinError

DEFAULTS = {"replicas": 100, "horizon": 8 * 3600.0, "warmup": 3600.0, "seed": 0}


def add_parser(subparsers) -> None:
    from ..cli_args import duration
    st = subparsers.add_parser("study", help="an experiment over plant parameters: design points with CIs, "
                                             "paired differences, Parquet")
    st.add_argument("scene", help="scene file (TOML) or the name of a bundled scene")
    st.add_argument("--factor", "-f", action="append", required=True, metavar="PATH=LEVELS",
                    help="e.g. buf_20_30.capacity=1,2,4,8 or op30.servers=1..2 (repeat)")
    st.add_argument("--response", action="append", default=None,
                    help="throughput, wip, cycle_time, cycle_time.p90, ELEMENT.KPI, cost ... (repeat; default "
                         "throughput)")
    st.add_argument("--design", choices=("factorial", "lhs"), default=None,
                    help="default: factorial, or lhs when a factor is a range")
    st.add_argument("--points", type=int, default=10, help="Latin hypercube points (default 10)")
    st.add_argument("--replicas", "-r", type=int, help="replicas per design point (default: scene's, else 100)")
    st.add_argument("--horizon", type=duration, help="simulated time incl. warm-up, e.g. 8h (default: scene's, else 8h)")
    st.add_argument("--warmup", type=lambda s: s if s == "mser" else duration(s),
                    help="a duration, or 'mser' to detect it (MSER-5)")
    st.add_argument("--seed", type=int, help="random seed shared by every design point (common random numbers)")
    st.add_argument("--device", help="cpu, cuda or cuda:N (default: scene's, else cpu, also where a GPU is: README, 'GPU figures')")
    st.add_argument("--dt", type=duration, help="time step (default: scene's, else the plant's default)")
    st.add_argument("--precision", type=_fraction, help="add replicas until the CI half-width is within this "
                                                         "share of the mean, e.g. 1%% or 0.01")
    st.add_argument("--select", type=float, metavar="DELTA",
                    help="pick the best design point by Rinott's procedure within this indifference zone")
    st.add_argument("--alpha", type=float, default=0.05, help="selection: P(correct) >= 1 - alpha")
    st.add_argument("--cluster", help="local-ray, or ray://HOST:10001 for a running Ray cluster")
    st.add_argument("--out", "-o", type=Path, help="folder for replicas.parquet and study.json (a rerun resumes)")
    st.add_argument("--plot", action="store_true", help="write main effects, interaction, Pareto and "
                                                        "paired-difference plots into --out")


def _fraction(text: str) -> float:
    t = text.strip()
    try:
        return float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a precision: {text!r} (examples: 1%, 0.01)") from None


def parse_factor(text: str, plant):
    """'path=1,2,4' -> (path, [levels]); 'path=1..4' -> whole numbers for counts, else a range."""
    from . import paths
    path, eq, levels = text.partition("=")
    path = path.strip()
    if not eq or not path or not levels.strip():
        raise TwinError(f"--factor {text!r}: write PATH=LEVELS, e.g. op30.servers=1,2")
    if ".." in levels:
        lo, _, hi = levels.partition("..")
        lo, hi = paths.coerce(plant, path, lo.strip()), paths.coerce(plant, path, hi.strip())
        if paths.is_count(plant, path):
            if not lo <= hi:
                raise TwinError(f"--factor {text!r}: {lo} is above {hi}")
            return path, list(range(lo, hi + 1))
        return path, (lo, hi)
    return path, [paths.coerce(plant, path, v.strip()) for v in levels.split(",")]


def _warmup(exp, settings) -> float:
    """The warm-up for selection: as given, or detected (MSER-5) on the baseline design point."""
    if settings["warmup"] != "mser":
        return settings["warmup"]
    from . import detect_warmup
    return detect_warmup(exp.plants[exp.baseline], "throughput", replicas=min(settings["replicas"], 50),
                         horizon=settings["horizon"], seed=settings["seed"], device=settings["device"],
                         dt=settings["dt"]).truncation_s


def run(args) -> int:
    import twin
    from ..cli_args import resolve_scene
    from . import Experiment, select_best
    scene = twin.load_scene(resolve_scene(args.scene))
    plant = scene.plant
    study = {**DEFAULTS, **scene.study}
    for key in ("replicas", "horizon", "warmup", "seed", "device", "dt"):
        if getattr(args, key) is not None:
            study[key] = getattr(args, key)
    factors = dict(parse_factor(f, plant) for f in args.factor)
    exp = Experiment(plant, factors, args.response or ["throughput"], design=args.design, points=args.points)
    if args.plot and args.out is None:
        raise TwinError("--plot writes into the --out folder: give --out")
    settings = {k: study[k] for k in ("replicas", "horizon", "warmup", "seed")}
    settings.update(device=study.get("device"), dt=study.get("dt"))
    if args.select is not None:
        sel = select_best(exp, args.select, alpha=args.alpha, n0=min(settings["replicas"], 20),
                          horizon=settings["horizon"], warmup=_warmup(exp, settings),
                          seed=settings["seed"], device=settings["device"], dt=settings["dt"], cluster=args.cluster)
        print(sel.table())
        return 0
    res = exp.run(out=args.out, cluster=args.cluster, precision=args.precision, **settings)
    print(res.table())
    if args.out:
        print(f"\nresults written to {args.out}/replicas.parquet and {args.out}/study.json")
    if args.plot:
        from . import plots, responses as resp
        names = list(exp.factors)
        written = [plots.main_effects(res, path=args.out / "main_effects.png"),
                   plots.paired_differences(res, path=args.out / "paired_differences.png")
                   if resp.quantile_of(exp.responses[0]) is None else None]
        if len(names) >= 2:
            written.append(plots.interaction(res, names[0], names[1], path=args.out / "interaction.png"))
        if len(exp.responses) >= 2:
            written.append(plots.pareto_front(res, exp.responses[0], exp.responses[1], path=args.out / "pareto.png"))
        print(f"plots written to {args.out}/ ({sum(w is not None for w in written)} files)")
    return 0
