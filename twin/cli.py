"""The ``twin`` command line.

    twin run SCENE [--replicas R] [--horizon H] [--warmup W] [--seed S] [--device cpu|cuda]
                   [--dt DT] [--threads N] [--out results.json]
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
import json
import os
import sys
import warnings
from pathlib import Path

from .interrupts import RememberCtrlC
from .cli_args import count, fps, index, nonnegative_duration, positive_duration, resolve_scene, seed
from .errors import TwinError


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """``twin --version``: twin's version and the Warp it runs on."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the versions of twin and Warp, and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        import warp as wp

        from . import __version__
        print(f"twin {__version__} (Warp {wp.config.version}, Python {sys.version.split()[0]})")
        parser.exit(0)


SCENE_HELP = "scene file (TOML) or the name of a bundled scene (see 'twin scenes')"
CAMERAS = ("iso", "top", "front")


def _parser() -> argparse.ArgumentParser:
    ap = _OneLineParser(prog="twin", description="Digital twin of a manufacturing line (Warp).")
    ap.add_argument("--version", action=_Version)
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    run = sub.add_parser("run", help="throughput study of a scene: KPIs with 95%% confidence intervals")
    run.add_argument("scene", help=SCENE_HELP)
    run.add_argument("--replicas", "-r", type=count, help="independent replicas (default: scene's, else 100)")
    run.add_argument("--horizon", type=positive_duration,
                     help="simulated time incl. warm-up, e.g. 8h (default: scene's, else 8h)")
    run.add_argument("--warmup", type=nonnegative_duration,
                     help="warm-up excluded from statistics (default: scene's, else 0)")
    run.add_argument("--seed", type=seed, help="random seed, 0 to 2**63-1 (default: scene's, else 0)")
    run.add_argument("--device", help="cpu, cuda or cuda:N (default: scene's, else cpu, also where a GPU is: README, 'GPU figures')")
    run.add_argument("--dt", type=positive_duration, help="time step (default: scene's, else the plant's default)")
    run.add_argument("--threads", type=count, help="CPU threads, blocks of replicas in parallel; same results for "
                                                   "any number (default: every core)")
    run.add_argument("--out", "-o", help="write the results as JSON to this file ('-': to standard output, "
                                         "the summary then goes to stderr)")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar on stderr (default: when stderr is a terminal)")
    run.add_argument("--same-tool", action="store_true",
                     help="an SMT2020 folder: run the dataset's same-tool steps (SVESTN/FORSTEP) on the tool "
                          "of the step they name (default: off, as published results)")
    ren = sub.add_parser("render", help="a picture of the line (PNG, off-screen), optionally coloured by results")
    ren.add_argument("scene", help=SCENE_HELP)
    ren.add_argument("--out", "-o", required=True, help="PNG file to write")
    ren.add_argument("--results", type=Path, help="results JSON (twin run --out) to colour by")
    ren.add_argument("--color-by", default=None, help="per-element KPI to colour by, e.g. utilization, blocked, down")
    ren.add_argument("--camera", default="iso", choices=CAMERAS,
                     help="view: iso (from above at an angle), top (plan view) or front (default: iso)")
    ren.add_argument("--size", default="1600x1000", help="image size WIDTHxHEIGHT in pixels (default: 1600x1000)")
    ani = sub.add_parser("animate", help="a clip of one replica (GIF or MP4)")
    ani.add_argument("scene", help=SCENE_HELP)
    ani.add_argument("--out", "-o", required=True, help=".gif or .mp4 file to write")
    ani.add_argument("--window", default=None,
                     help="START:END simulated time to show, e.g. 1h:1h10min (default: the busiest ten minutes of the hour after the warm-up)")
    ani.add_argument("--replica", type=index, default=0,
                     help="which replica to show, 0 or more (the same replica as in 'twin run' with this seed; "
                          "default: 0)")
    ani.add_argument("--seed", type=seed, default=None, help="random seed (default: scene's, else 0)")
    ani.add_argument("--every", type=positive_duration, default=None,
                     help="simulated time between frames (default: the window in 200 frames)")
    ani.add_argument("--fps", type=fps, default=20, help="frames per second of the clip, 1 to 120 (default: 20)")
    ani.add_argument("--camera", default="iso", choices=CAMERAS,
                     help="view: iso (from above at an angle), top (plan view) or front (default: iso)")
    ani.add_argument("--size", default="1280x720", help="frame size WIDTHxHEIGHT in pixels (default: 1280x720)")
    mnt = sub.add_parser("maintenance", help="compare maintenance policies of a scene with health components")
    mnt.add_argument("scene", help=SCENE_HELP)
    mnt.add_argument("--policy", "-p", action="append", default=None,
                     help="run_to_failure, time:INTERVAL, usage:N, condition:SIGNAL:LEVEL, predictive:LEAD "
                          "(repeat to compare; default: run_to_failure)")
    mnt.add_argument("--sweep", help="KIND:LOW..HIGH/COUNT, e.g. time:20h..200h/10 or condition:vibration:4..8/9")
    mnt.add_argument("--replicas", "-r", type=count, default=1000, help="independent replicas (default: 1000)")
    mnt.add_argument("--horizon", type=positive_duration, default=None,
                     help="simulated time incl. warm-up (default: scene's, else 30 days)")
    mnt.add_argument("--warmup", type=nonnegative_duration, default=None,
                     help="warm-up excluded from statistics (default: scene's, else 0)")
    mnt.add_argument("--seed", type=seed, default=None, help="random seed (default: scene's, else 0)")
    mnt.add_argument("--device", help="cpu, cuda or cuda:N (default: scene's, else cpu, also where a GPU is: README, 'GPU figures')")
    mnt.add_argument("--dt", type=positive_duration, help="time step (default: scene's, else the plant's default)")
    mnt.add_argument("--objective", default="cost_per_good_unit",
                     help="what the best policy minimises/maximises: cost_per_good_unit, cost, failures, "
                          "availability, throughput_per_hour")
    mnt.add_argument("--out", "-o", help="folder for the results (one JSON per policy + study.json); a rerun "
                                         "reuses the policies already computed for the same plant and settings "
                                         "('-': study JSON to standard output)")
    mnt.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar on stderr (default: when stderr is a terminal)")
    chk = sub.add_parser("check", help="validate a scene file (and compile it on the CPU: robot poses, time step)")
    chk.add_argument("scene", help=SCENE_HELP)
    sub.add_parser("scenes", help="list the bundled example scenes")
    sub.add_parser("warmup", help="compile the simulation kernels into Warp's cache")
    from .export import cli as export_cli  # twin export: twin/export/cli.py
    export_cli.add_parser(sub)
    from .study import cli as study_cli  # twin study (twin/study/cli.py)
    study_cli.add_parser(sub)
    from .live import cli as live_cli  # twin forecast / emulate / sync: twin/live/cli.py
    live_cli.add_parser(sub)
    return ap


def _start_warp(device) -> None:
    """Starts Warp's runtime without its 'no CUDA driver' line unless a CUDA device was asked
    for (twin.warp_runtime, shared with the library)."""
    from .warp_runtime import start
    start(device)


def _located(scene, work):
    """Runs ``work()``; a PlantError found while compiling (a robot pose out of reach, a time
    step too coarse) names the scene file."""
    from .errors import PlantError
    try:
        return work()
    except PlantError as err:
        if err.file:
            raise
        raise err.located(file=str(scene.path)) from None


def _run(args) -> int:
    from .files import check_output, write_text
    to_stdout = args.out == "-"
    out = check_output(args.out, "--out") if args.out is not None and not to_stdout else None
    if _is_fab(args.scene):
        return _run_fab(args, out, to_stdout)
    if args.same_tool:
        raise TwinError(f"--same-tool applies to an SMT2020 folder, and '{args.scene}' is a line scene")
    import twin
    scene = twin.load_scene(resolve_scene(args.scene))
    study = {**twin.simulator.DEFAULT_STUDY, **scene.study}  # the defaults of twin.simulate
    for key in ("replicas", "horizon", "warmup", "seed", "device", "dt"):
        value = getattr(args, key)
        if value is not None:
            study[key] = value
    _start_warp(study.get("device"))
    res = _located(scene, lambda: twin.simulate(
        scene.plant, replicas=study["replicas"], horizon=study["horizon"], warmup=study["warmup"],
        seed=study["seed"], device=study.get("device"), dt=study.get("dt"), progress=args.progress,
        threads=args.threads))
    res.meta["scene"] = str(scene.path)
    text = json.dumps(res.to_dict(), indent=2) + "\n"
    if to_stdout:  # the JSON alone on stdout, so it can be piped
        sys.stdout.write(text)
        sys.stdout.flush()
        print(res.summary(), file=sys.stderr)
        return 0
    if out is not None:  # results first: a closed pipe or Ctrl-C during the summary loses nothing
        write_text(out, text, "--out")
    print(res.summary())
    if out is not None:
        print(f"\nresults written to {out}")
    return 0


def _maintenance(args) -> int:
    from .files import check_output_dir
    to_stdout = args.out == "-"
    out = check_output_dir(args.out, "--out") if args.out is not None and not to_stdout else None
    import twin
    from .maintenance import Policy, compare, parse_sweep, sweep
    scene = twin.load_scene(resolve_scene(args.scene))
    study = scene.study

    def given(key, default):
        value = getattr(args, key)
        return value if value is not None else study.get(key, default)

    kwargs = {"replicas": args.replicas, "horizon": given("horizon", 30 * 24 * 3600.0),
              "warmup": given("warmup", 0.0), "seed": given("seed", 0), "device": given("device", None),
              "dt": given("dt", None), "objective": args.objective, "out_dir": out, "progress": args.progress}
    if args.sweep:
        kind, values, signal = parse_sweep(args.sweep)
        policies = None
    else:
        policies = [Policy.parse(p) for p in (args.policy or ["run_to_failure"])]
    _start_warp(kwargs["device"])
    if args.sweep:
        result = _located(scene, lambda: sweep(scene.plant, kind, values, signal=signal, **kwargs))
    else:
        result = _located(scene, lambda: compare(scene.plant, policies, **kwargs))
    if to_stdout:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        sys.stdout.flush()
        print(result.table(), file=sys.stderr)
        return 0
    print(result.table())
    print(f"\nbest by {result.objective}: {result.best.label}")
    if out is not None:
        print(f"results written to {out / 'study.json'}")
    return 0


def _check(args) -> int:
    import twin
    from .model import compile_plant
    scene = twin.load_scene(resolve_scene(args.scene))
    p = scene.plant
    _start_warp("cpu")
    model = _located(scene, lambda: compile_plant(p, device="cpu", dt=scene.study.get("dt")))
    print(f"{scene.path}: ok: '{p.name}', {len(p)} elements, {p.graph.number_of_edges()} transfers "
          f"(compiled on cpu at dt = {model.dt:g} s)")
    return 0


def _warmup() -> int:
    import warp as wp

    import twin
    from .kernels import engine, record, snapshot
    from .kernels.kinds import KINDS
    from .model import compile_plant, kinds_kernel_modules
    from .scenes import bundled, scene_path
    _start_warp(None)
    # a plant runs the engine built for its own kinds: the kind sets of the bundled scenes, and every kind
    kind_sets = {compile_plant(twin.load_scene(scene_path(name)).plant, device="cpu").kernel_kinds
                 for name in bundled()}
    engines = [engine.for_kinds(kinds) for kinds in [frozenset(k.name for k in KINDS)] + sorted(kind_sets)]
    for device in ["cpu"] + (["cuda"] if wp.is_cuda_available() else []):
        for module in [e.advance.module for e in engines] + [record, snapshot, *kinds_kernel_modules()]:
            wp.load_module(module, device=device)
        print(f"twin kernels ready on {device} ({len(engines)} engines: every kind and the bundled scenes' kind "
              "sets; the snapshot restart)")
    return 0


def _is_fab(name) -> bool:
    """An SMT2020 folder or a fab TOML file (twin.fab) rather than a line scene."""
    from .fab.scene import fab_file
    try:
        p = Path(name)
        if p.is_dir() and (p / "tool.txt.1l").is_file():
            return True
    except OSError:   # a name the OS refuses: the scene reader says what is wrong with it
        return False
    return fab_file(name) is not None


def _run_fab(args, out, to_stdout) -> int:
    """``twin run FOLDER`` on an SMT2020 dataset folder (defaults: 4 replicas, 120 days with 30
    days of warm-up from the dataset's WIP), or on a fab TOML file such as the bundled
    ``minifab`` (defaults: its [study] table): twin.fab."""
    from .files import write_text
    from .fab import load_smt2020, simulate
    from .fab.scene import load_fab_file
    if args.dt is not None:
        raise TwinError("--dt does not apply to a fab (the fab simulator keeps float64 seconds)")
    if Path(args.scene).is_dir():
        fab, run = load_smt2020(args.scene, same_tool=args.same_tool), {"replicas": 4, "horizon": 120 * 86400.0, "warmup": 30 * 86400.0,
                                               "seed": 0, "max_batch_wait": None}
    else:
        if args.same_tool:
            raise TwinError(f"--same-tool applies to an SMT2020 folder; in a fab file '{args.scene}' a step "
                            "names its tool's step with same_tool_as")
        fab, run = load_fab_file(args.scene)
    import twin.kernels  # noqa: F401  (sets Warp's log level before it starts)
    _start_warp(args.device)
    res = simulate(fab, replicas=args.replicas or run["replicas"], horizon=args.horizon or run["horizon"],
                   warmup=run["warmup"] if args.warmup is None else args.warmup,
                   seed=run["seed"] if args.seed is None else args.seed, device=args.device or "cpu",
                   max_batch_wait=run["max_batch_wait"])
    text = json.dumps(res.to_dict(), indent=2) + "\n"
    if to_stdout:
        sys.stdout.write(text)
        print(res.summary(), file=sys.stderr)
        return 0
    if out is not None:
        write_text(out, text, "--out")
    print(res.summary())
    if out is not None:
        print(f"\nresults written to {out}")
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings (e.g. a loop that can deadlock) as one line, like errors."""
    print(f"twin: warning: {message}", file=sys.stderr)


def _command(args) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "check":
        return _check(args)
    if args.command == "scenes":
        from .scenes import bundled, scene_path
        for name in bundled():
            print(f"{name:24s} {scene_path(name)}")
        from .fab.scene import FABS_DIR, bundled_fabs
        for name in bundled_fabs():
            print(f"{name:24s} {FABS_DIR / (name + '.toml')} (a fab: twin.fab)")
        return 0
    if args.command == "warmup":
        return _warmup()
    if args.command == "maintenance":
        return _maintenance(args)
    if args.command == "export":
        from .export import cli as export_cli
        return export_cli.run(args)
    if args.command == "study":
        from .study import cli as study_cli
        return study_cli.run(args)
    if args.command in ("forecast", "emulate", "sync"):
        from .live import cli as live_cli
        return live_cli.run(args)
    if args.command in ("render", "animate"):
        from .render import cli as render_cli
        return getattr(render_cli, f"{args.command}_command")(args, resolve_scene(args.scene))
    return 1


def _interrupted() -> int:
    """Ctrl-C: one line and status 130 (128 + SIGINT), as a shell reports it; finished files
    stay, files being written are removed (twin.files)."""
    from .progress import end_line
    end_line()
    try:
        print("twin: interrupted", file=sys.stderr)
    except (OSError, ValueError):
        pass
    # Objects the Ctrl-C left half-built (a PyVista Renderer interrupted in its constructor) fail
    # in their destructors when the exception that holds them is dropped; Python would print each
    # as a traceback (main() restores the hook once that has happened).
    sys.unraisablehook = ignore_unraisable
    return 130


def ignore_unraisable(unraisable) -> None:
    """After a Ctrl-C: a destructor's error is a consequence of the interruption, not news."""


def _stdout_closed() -> int:
    """The reader of stdout went away (``twin run ... | head -1``): stop quietly with 141
    (128 + SIGPIPE, what a Unix tool killed by the closed pipe reports). Pointing stdout at
    /dev/null keeps Python from complaining when it flushes at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return 141


def main(argv=None) -> int:
    unraisable = sys.unraisablehook  # _interrupted silences destructors; a caller's process gets its hook back
    try:
        return _main(argv)
    finally:
        sys.unraisablehook = unraisable


def _main(argv) -> int:
    with RememberCtrlC() as ctrl_c:
        try:
            args = _parser().parse_args(argv)
            try:
                with warnings.catch_warnings():
                    warnings.showwarning = _show_warning
                    code = _command(args)
            except TwinError as err:
                if ctrl_c.seen:  # the Ctrl-C became an error on its way up (e.g. inside Warp's array constructor)
                    return _interrupted()
                print(f"twin: error: {err}", file=sys.stderr)
                code = 2
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return code
        except KeyboardInterrupt:
            return _interrupted()
        except BrokenPipeError:
            return _stdout_closed()
        except Exception:
            if ctrl_c.seen:  # native code (VTK's importer) turned the Ctrl-C into another error
                return _interrupted()
            raise


if __name__ == "__main__":
    sys.exit(main())
