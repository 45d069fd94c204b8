"""The ``twin`` command line.

    twin run SCENE [--replicas R] [--horizon H] [--warmup W] [--seed S] [--device cpu|cuda]
                   [--dt DT] [--out results.json]
    twin render SCENE --out line.png [--results results.json --color-by utilization]
    twin animate SCENE --out line.mp4 [--window START:END] [--replica K]
    twin maintenance SCENE --policy time:200h --policy condition:vibration:6 [--sweep time:50h..400h/8]
    twin check SCENE        validate a scene file
    twin scenes             list the bundled example scenes
    twin warmup             compile the kernels once (fills Warp's kernel cache)

SCENE is a path to a TOML scene file or the name of a bundled scene. Durations accept units
("8h", "30 min", "45 s"; bare numbers are seconds). Errors are printed on one line and the
command exits with status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import TwinError

DEFAULT_STUDY = {"replicas": 100, "horizon": 8 * 3600.0, "warmup": 3600.0, "seed": 0}
_DURATION = re.compile(r"^\s*((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-z]*)\s*$")
_TIME_UNITS = {"": 1.0, "ms": 1e-3, "s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def duration(text: str) -> float:
    """'8h', '30 min', '45s' or '120' (seconds) -> seconds."""
    m = _DURATION.match(text)
    if not m or m.group(2) not in _TIME_UNITS:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (examples: 28800, 8h, 30min, 45s)")
    return float(m.group(1)) * _TIME_UNITS[m.group(2)]


def resolve_scene(name: str) -> Path:
    from .scenes import bundled, scene_path
    p = Path(name)
    if p.exists():
        return p
    if not p.suffix and scene_path(name).exists():
        return scene_path(name)
    if p.suffix == ".toml" and scene_path(p.name).exists() and len(p.parts) <= 2:
        return scene_path(p.name)
    raise TwinError(f"no scene file '{name}' (bundled scenes: {', '.join(bundled())})")


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    ap = _OneLineParser(prog="twin", description="Digital twin of a manufacturing line (Warp).")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    run = sub.add_parser("run", help="throughput study of a scene: KPIs with 95%% confidence intervals")
    run.add_argument("scene", help="scene file (TOML) or the name of a bundled scene")
    run.add_argument("--replicas", "-r", type=int, help="independent replicas (default: scene's, else 100)")
    run.add_argument("--horizon", type=duration, help="simulated time incl. warm-up, e.g. 8h (default: scene's, else 8h)")
    run.add_argument("--warmup", type=duration, help="warm-up excluded from statistics (default: scene's, else 1h)")
    run.add_argument("--seed", type=int, help="random seed (default: scene's, else 0)")
    run.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda if present, else cpu)")
    run.add_argument("--dt", type=duration, help="time step (default: scene's, else the plant's default)")
    run.add_argument("--out", "-o", type=Path, help="write the results as JSON to this path")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar on stderr (default: when stderr is a terminal)")
    ren = sub.add_parser("render", help="a picture of the line (PNG, off-screen), optionally coloured by results")
    ren.add_argument("scene")
    ren.add_argument("--out", "-o", type=Path, required=True, help="PNG to write")
    ren.add_argument("--results", type=Path, help="results JSON (twin run --out) to colour by")
    ren.add_argument("--color-by", default=None, help="per-element KPI to colour by, e.g. utilization, blocked, down")
    ren.add_argument("--camera", default="iso", help="iso or top")
    ren.add_argument("--size", default="1600x1000", help="image size WIDTHxHEIGHT in pixels")
    ani = sub.add_parser("animate", help="a clip of one replica (GIF or MP4)")
    ani.add_argument("scene")
    ani.add_argument("--out", "-o", type=Path, required=True, help=".gif or .mp4 to write")
    ani.add_argument("--window", default=None, help="START:END simulated time to show, e.g. 1h:1h10min")
    ani.add_argument("--replica", type=int, default=0)
    ani.add_argument("--seed", type=int, default=None)
    ani.add_argument("--every", type=duration, default=None, help="simulated time between frames")
    ani.add_argument("--fps", type=int, default=20)
    ani.add_argument("--camera", default="iso", help="iso or top")
    ani.add_argument("--size", default="1280x800", help="frame size WIDTHxHEIGHT in pixels")
    mnt = sub.add_parser("maintenance", help="compare maintenance policies of a scene with health components")
    mnt.add_argument("scene")
    mnt.add_argument("--policy", "-p", action="append", default=None,
                     help="run_to_failure, time:INTERVAL, usage:N, condition:SIGNAL:LEVEL, predictive:LEAD "
                          "(repeat to compare; default: run_to_failure)")
    mnt.add_argument("--sweep", help="KIND:LOW..HIGH/COUNT, e.g. time:20h..200h/10 or condition:vibration:4..8/9")
    mnt.add_argument("--replicas", "-r", type=int, default=1000)
    mnt.add_argument("--horizon", type=duration, default=None, help="default: scene's, else 30 days")
    mnt.add_argument("--warmup", type=duration, default=None, help="default: scene's, else 0")
    mnt.add_argument("--seed", type=int, default=None)
    mnt.add_argument("--device")
    mnt.add_argument("--dt", type=duration)
    mnt.add_argument("--objective", default="cost_per_good_unit",
                     help="what the best policy minimises/maximises: cost_per_good_unit, cost, failures, "
                          "availability, throughput_per_hour")
    mnt.add_argument("--out", "-o", type=Path, help="folder for the results (one JSON per policy + study.json)")
    mnt.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    chk = sub.add_parser("check", help="validate a scene file")
    chk.add_argument("scene")
    sub.add_parser("scenes", help="list the bundled example scenes")
    sub.add_parser("warmup", help="compile the simulation kernels into Warp's cache")
    return ap


def _run(args) -> int:
    import twin
    scene = twin.load_scene(resolve_scene(args.scene))
    study = {**DEFAULT_STUDY, **scene.study}
    for key in ("replicas", "horizon", "warmup", "seed", "device", "dt"):
        value = getattr(args, key)
        if value is not None:
            study[key] = value
    res = twin.simulate(scene.plant, replicas=study["replicas"], horizon=study["horizon"],
                        warmup=study["warmup"], seed=study["seed"], device=study.get("device"),
                        dt=study.get("dt"), progress=args.progress)
    res.meta["scene"] = str(scene.path)
    print(res.summary())
    if args.out:
        res.to_json(args.out)
        print(f"\nresults written to {args.out}")
    return 0


def _maintenance(args) -> int:
    import twin
    from .maintenance import Policy, compare, parse_sweep, sweep
    scene = twin.load_scene(resolve_scene(args.scene))
    study = scene.study
    kwargs = {"replicas": args.replicas,
              "horizon": args.horizon or study.get("horizon", 30 * 24 * 3600.0),
              "warmup": args.warmup if args.warmup is not None else study.get("warmup", 0.0),
              "seed": args.seed if args.seed is not None else study.get("seed", 0),
              "device": args.device or study.get("device"), "dt": args.dt or study.get("dt"),
              "objective": args.objective, "out_dir": args.out, "progress": args.progress}
    if args.sweep:
        kind, values, signal = parse_sweep(args.sweep)
        result = sweep(scene.plant, kind, values, signal=signal, **kwargs)
    else:
        policies = [Policy.parse(p) for p in (args.policy or ["run_to_failure"])]
        result = compare(scene.plant, policies, **kwargs)
    print(result.table())
    print(f"\nbest by {result.objective}: {result.best.label}")
    if args.out:
        print(f"results written to {args.out}/study.json")
    return 0


def _warmup() -> int:
    import warp as wp

    import twin
    from .kernels import engine, record, robot_kinematics, tool_record
    for device in ["cpu"] + (["cuda"] if wp.is_cuda_available() else []):
        for module in (engine.ALL.advance.module, record, robot_kinematics, tool_record):  # every kind
            wp.load_module(module, device=device)
        print(f"twin kernels ready on {device}")
    _ = twin
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "check":
            import twin
            scene = twin.load_scene(resolve_scene(args.scene))
            p = scene.plant
            print(f"{scene.path}: ok: '{p.name}', {len(p)} elements, {p.graph.number_of_edges()} transfers")
            return 0
        if args.command == "scenes":
            from .scenes import bundled, scene_path
            for name in bundled():
                print(f"{name:24s} {scene_path(name)}")
            return 0
        if args.command == "warmup":
            return _warmup()
        if args.command == "maintenance":
            return _maintenance(args)
        if args.command in ("render", "animate"):
            from .render import cli as render_cli
            return getattr(render_cli, f"{args.command}_command")(args, resolve_scene(args.scene))
    except TwinError as err:
        print(f"twin: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ntwin: interrupted", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
