"""``twin render`` and ``twin animate`` (argument definitions in twin.cli).

    twin render SCENE --out line.png [--results results.json --color-by utilization] [--camera iso|top]
    twin animate SCENE --out line.mp4 [--window START:END] [--replica K] [--every DT] [--fps N]

Without ``--window`` the clip shows the ten minutes with the most visible changes (state
changes, parts moving, robots moving) in the hour after the warm-up.

``animate`` is where a simulation is run for a picture: it simulates replicas 0..K of the scene
over [0, END] with a recording of replica K (the same seed gives the same replica K as in
``twin run``), then hands the recording to :func:`twin.render.animate`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import TwinError
from ..units import duration
from . import backend

DEFAULT_WINDOW_S = 600.0     # a clip shows ten simulated minutes unless --window says otherwise
DEFAULT_FRAMES = 200         # frames in a clip unless --every says otherwise
SEARCH_S = 3600.0            # without --window: the clip is the busiest ten minutes of this span after the warm-up
MAX_ANIMATION_FRAMES = 5000


def render_command(args, scene_path) -> int:
    import twin
    from ..files import check_output, replacing
    from .scene import parse_size
    from .still import screenshot

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise TwinError(f"twin render writes PNG: give --out a .png path, got '{out}'")
    check_output(out, "--out")
    parse_size(args.size)
    backend.import_plotting()  # before the file is opened
    scene = twin.load_scene(scene_path)
    color_by = args.color_by
    if color_by is not None and args.results is None:
        raise TwinError(f"--color-by {color_by} needs --results (write them with: twin run {args.scene} "
                        "--out results.json)")
    if args.results is not None and color_by is None:
        color_by = "utilization"
    if args.results is not None:
        from .colors import load_results
        data = load_results(args.results)
        other = data.get("plant") if isinstance(data, dict) else None
        if other and other != scene.plant.name:
            print(f"twin: warning: {args.results} holds results of '{other}', not '{scene.plant.name}'",
                  file=sys.stderr)
    with replacing(out, "--out") as target:  # a complete PNG or none
        screenshot(scene.plant, target, results=args.results, color_by=color_by, camera=args.camera,
                   size=args.size)
    what = f", coloured by {color_by} from {args.results}" if color_by else ""
    print(f"{scene.plant.name}: picture written to {out}{what}")
    return 0


def parse_window(text: str | None, default_start: float) -> tuple[float, float]:
    """'START:END' (durations such as 1h, 1h10min, 30min, 45s) -> seconds; either side may be
    left out (START: 0; END: ten minutes after START)."""
    if text is None:
        return default_start, default_start + DEFAULT_WINDOW_S
    if ":" not in text:
        raise TwinError(f"--window must be START:END, e.g. 1h:1h10min, got {text!r}")
    a, b = text.split(":", 1)
    try:
        start = duration(a) if a.strip() else 0.0
        end = duration(b) if b.strip() else start + DEFAULT_WINDOW_S
    except TwinError as err:
        raise TwinError(f"--window: {err}") from None
    if not end > start:
        raise TwinError(f"--window: the end ({end:g} s) must come after the start ({start:g} s)")
    return start, end


def animate_command(args, scene_path) -> int:
    import twin
    from ..files import check_output, replacing
    from ..simulator import DEFAULT_STUDY
    from .animation import animate
    from .scene import parse_size

    out = Path(args.out)
    if out.suffix.lower() not in (".gif", ".mp4"):
        raise TwinError(f"twin animate writes .gif or .mp4, got '{out}'")
    check_output(out, "--out")
    parse_size(args.size)  # every argument is checked before the simulation runs
    backend.import_plotting()
    if isinstance(args.fps, bool) or not isinstance(args.fps, int) or not 1 <= args.fps <= 120:
        raise TwinError(f"--fps must be an integer from 1 to 120, got {args.fps!r}")
    scene = twin.load_scene(scene_path)
    study = {**DEFAULT_STUDY, **scene.study}
    start, end = parse_window(args.window, default_start=float(study["warmup"]))
    search_end = end
    if args.window is None:   # pick the busiest DEFAULT_WINDOW_S of the hour after the warm-up
        horizon = duration(study.get("horizon") or 0.0)
        search_end = max(end, min(start + SEARCH_S, horizon)) if horizon > end else end
    replica = args.replica
    if replica is None or replica < 0:
        raise TwinError(f"--replica must be an integer >= 0, got {replica!r}")
    every = args.every if args.every is not None else (end - start) / DEFAULT_FRAMES
    if not every > 0:
        raise TwinError(f"--every must be a positive duration, got {every!r}")
    frames = int((end - start) / every) + 1
    if frames > MAX_ANIMATION_FRAMES:
        raise TwinError(f"{frames} frames is more than {MAX_ANIMATION_FRAMES}; show a shorter --window "
                        "or a larger --every")
    seed = args.seed if args.seed is not None else study["seed"]
    res = twin.simulate(scene.plant, replicas=replica + 1, horizon=search_end, warmup=0.0, seed=seed,
                        device=study.get("device"), dt=study.get("dt"),
                        record=twin.Recording(replica=replica, start=start, end=search_end, every=every))
    rec = res.recording
    if search_end > end:
        from .animation import busiest_window, sub_recording
        first, last = busiest_window(rec, frames)
        rec = sub_recording(rec, first, last)
        start, end = float(rec.times[0]), float(rec.times[-1])
    with replacing(out, "--out") as target:  # a complete clip or none, even on Ctrl-C
        animate(scene.plant, rec, target, fps=args.fps, camera=args.camera, size=args.size)
    print(f"{scene.plant.name}: {rec.frames} frames of replica {replica} (seed {seed}), "
          f"{start:g} s to {end:g} s every {every:g} s, written to {out}")
    return 0
