"""``twin export``: a scene as OpenUSD, and the event log of recorded replicas.

    twin export SCENE --usd line.usda [--results results.json] [--recording] [--window START:END]
    twin export SCENE --events events.csv|.parquet|.jsonocel [--replicas N] [--window START:END]

With ``--recording`` or ``--events`` this is where a simulation runs: replicas 0..K of the
scene over [0, END] with replica K recorded from START to END every ``--every`` (as ``twin
animate``: the same seed gives the same replica K as ``twin run``). Everything the user gave is
checked (scene, results of this plant, writable outputs) before anything is simulated.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import TwinError

DEFAULT_FRAMES = 600          # frames of a recording unless --every says otherwise
MAX_EVENT_REPLICAS = 100      # one run per recorded replica: keep the CLI's cost bounded


def add_parser(subparsers) -> None:
    """Adds ``export`` to twin's command line."""
    from ..cli_args import duration
    ex = subparsers.add_parser("export", help="the line as OpenUSD (Omniverse, usdview) and run event logs "
                                              "(CSV, Parquet, OCEL 2.0)")
    ex.add_argument("scene", help="scene file (TOML) or the name of a bundled scene (see 'twin scenes')")
    ex.add_argument("--usd", type=Path, help=".usda (text), .usdc or .usd (binary) to write")
    ex.add_argument("--results", type=Path, help="results JSON (twin run --out): KPI colours and attributes")
    ex.add_argument("--color-by", default="utilization", help="per-element KPI that colours the bodies")
    ex.add_argument("--recording", action="store_true", help="simulate and add replica --replica as time samples")
    ex.add_argument("--events", type=Path, help="event log to write: .csv, .parquet or .jsonocel (OCEL 2.0)")
    ex.add_argument("--replicas", "-r", type=int, default=1, help="event log: replicas 0..N-1 (default 1)")
    ex.add_argument("--replica", type=int, default=0, help="USD: the replica to record (default 0)")
    ex.add_argument("--window", default=None, help="START:END simulated time to record, e.g. 1h:1h10min "
                                                   "(default: the warm-up end plus ten minutes)")
    ex.add_argument("--every", type=duration, default=None, help="simulated time between recorded frames")
    ex.add_argument("--seed", type=int, default=None, help="random seed (default: scene's, else 0)")
    ex.add_argument("--speed", type=float, default=1.0, help="USD playback: simulated seconds per second")
    ex.add_argument("--t0", default=None, help="OCEL: calendar time of simulated second 0 (ISO 8601, UTC "
                                               "if no zone; default 1970-01-01T00:00:00Z)")


def _recorded(scene, args, replicas: list[int]):
    """Simulates the scene once per replica in ``replicas`` and returns their recordings."""
    import twin
    from ..simulator import DEFAULT_STUDY
    from ..render.cli import parse_window
    study = {**DEFAULT_STUDY, **scene.study}
    start, end = parse_window(args.window, default_start=float(study["warmup"]))
    every = args.every if args.every is not None else (end - start) / DEFAULT_FRAMES
    if not every > 0:
        raise TwinError(f"--every must be a positive duration, got {every!r}")
    seed = args.seed if args.seed is not None else study["seed"]
    out = []
    for k in replicas:
        res = twin.simulate(scene.plant, replicas=k + 1, horizon=end, warmup=0.0, seed=seed,
                            device=study.get("device"), dt=study.get("dt"),
                            record=twin.Recording(replica=k, start=start, end=end, every=every))
        out.append(res.recording)
    return out, (start, end, every, seed)


def run(args) -> int:
    import twin
    from ..cli_args import resolve_scene
    from .events import SUFFIXES as EVENT_SUFFIXES, parse_t0, write_events
    from .usd import SUFFIXES as USD_SUFFIXES, check_output, results_per_element

    if args.usd is None and args.events is None:
        raise TwinError("twin export: give --usd FILE.usda and/or --events FILE.csv|.parquet|.jsonocel")
    if args.usd is None and (args.results is not None or args.recording):
        raise TwinError("--results and --recording go with --usd FILE.usda")
    scene = twin.load_scene(resolve_scene(args.scene))
    plant = scene.plant
    usd = check_output(args.usd, USD_SUFFIXES, "--usd") if args.usd is not None else None
    events = check_output(args.events, EVENT_SUFFIXES, "--events") if args.events is not None else None
    if args.results is not None:
        results_per_element(plant, args.results)          # another plant's results: fail before simulating
    if args.replica < 0:
        raise TwinError(f"--replica must be an integer >= 0, got {args.replica}")
    if not 1 <= args.replicas <= MAX_EVENT_REPLICAS:
        raise TwinError(f"--replicas must be from 1 to {MAX_EVENT_REPLICAS}, got {args.replicas}")
    t0 = parse_t0(args.t0) if args.t0 is not None else None
    if usd is not None:
        from .usd import write_usd
        recording, what = None, ""
        if args.recording:
            (recording,), (start, end, every, seed) = _recorded(scene, args, [args.replica])
            what = (f", replica {args.replica} (seed {seed}) {start:g} s to {end:g} s every {every:g} s "
                    f"as time samples")
        write_usd(plant, usd, results=args.results, recording=recording, color_by=args.color_by, speed=args.speed)
        print(f"{plant.name}: USD stage written to {usd}" + (f", coloured by {args.color_by} from {args.results}"
                                                            if args.results else "") + what)
    if events is not None:
        recs, (start, end, every, seed) = _recorded(scene, args, list(range(args.replicas)))
        kwargs = {"t0": t0} if t0 is not None else {}
        write_events(recs, events, plant, **kwargs)
        print(f"{plant.name}: events of replicas 0..{args.replicas - 1} (seed {seed}), {start:g} s to {end:g} s "
              f"at a {every:g} s resolution, written to {events}")
    return 0

