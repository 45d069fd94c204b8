"""Look at a line: a throughput study of a bundled scene, drawn in 3-D and as study plots.

    python3 examples/render_line.py [SCENE] [--out DIR] [--replicas R]

Writes to DIR (default ./render_out):
    line_utilization.png   the line in 3-D, coloured by utilisation, bottleneck marked
    line_blocked_top.png   the same from above, coloured by the share of time blocked
    line.gif               one replica for five simulated minutes after the warm-up
    states.png             utilised / blocked / starved / down per machine
    throughput.png         throughput with 95% CIs: the scene as it is, and with every bounded
                           buffer twice as large
Needs the render extra: pip install -e ".[render]". Runs off-screen (no display needed).
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import twin
import twin.render
from twin.scenes import scene_path


def bigger_buffers(plant: twin.Plant) -> twin.Plant:
    """A copy of the plant with every bounded buffer's capacity doubled (a what-if)."""
    variant = copy.deepcopy(plant)
    for el in variant:
        if isinstance(el, twin.Buffer) and el.capacity is not None:
            el.capacity *= 2
    return variant


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scene", nargs="?", default="balanced_line", help="a bundled scene or a scene file")
    ap.add_argument("--out", type=Path, default=Path("render_out"))
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--clip", type=float, default=300.0, help="simulated seconds in the clip")
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)

    path = Path(args.scene) if Path(args.scene).exists() else scene_path(args.scene)
    scene = twin.load_scene(path)
    study = {"horizon": 8 * 3600.0, "warmup": 3600.0, "seed": 0, **scene.study}
    study.update(replicas=args.replicas, device=args.device)
    start = study["warmup"]
    # one study; replica 0 is recorded for the clip (opt-in, one frame every 2 simulated seconds)
    res = twin.simulate(scene.plant, **study,
                        record=twin.Recording(replica=0, start=start, end=start + args.clip, every=2.0))
    print(res.summary())
    what_if = twin.simulate(bigger_buffers(scene.plant), **study)

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    twin.render.screenshot(scene.plant, out / "line_utilization.png", results=res, color_by="utilization")
    twin.render.screenshot(scene.plant, out / "line_blocked_top.png", results=res, color_by="blocked",
                           camera="top")
    twin.render.animate(scene.plant, res.recording, out / "line.gif", size=(800, 500), fps=12)
    twin.render.states_plot(res, out / "states.png")
    twin.render.throughput_plot({"as is": res, "buffers x2": what_if}, out / "throughput.png",
                                title=scene.plant.name)
    print(f"\npictures written to {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
