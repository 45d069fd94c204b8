"""Study plots (twin.render.throughput_plot, states_plot) with matplotlib, off-screen."""

import numpy as np
import pytest
from PIL import Image

import twin.render
from twin.errors import TwinError
from twin.render.colors import BOTTLENECK_COLOR


def results(tp: float, ci: float, util: dict, bottleneck: str) -> dict:
    elements = {n: {"kind": "machine", "utilization": {"mean": u, "ci95": 0.01},
                    "blocked": {"mean": 0.05, "ci95": 0.0}, "starved": {"mean": 0.9 - u, "ci95": 0.0},
                    "down": {"mean": 0.05, "ci95": 0.0}} for n, u in util.items()}
    elements["q"] = {"kind": "buffer", "queue": {"mean": 2.0, "ci95": 0.1}}
    return {"plant": "two machines", "throughput_per_hour": {"mean": tp, "ci95": ci}, "elements": elements,
            "bottleneck": {"element": bottleneck, "method": "active-period", "share": 0.9}}


def test_throughput_with_confidence_intervals(tmp_path):
    base = results(50.0, 1.5, {"m1": 0.6, "m2": 0.8}, "m2")
    better = results(56.0, 1.2, {"m1": 0.7, "m2": 0.75}, "m2")
    fig = twin.render.throughput_plot({"base": base, "faster m2": better}, tmp_path / "tp.png")
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    assert [b.get_height() for b in bars] == [50.0, 56.0]
    caps = [line for line in ax.lines if len(line.get_xdata()) == 2]   # the error-bar caps
    assert np.allclose(sorted({round(float(y), 6) for cap in caps for y in cap.get_ydata()}),
                       [48.5, 51.5, 54.8, 57.2])
    with Image.open(tmp_path / "tp.png") as im:
        assert im.size[0] >= 400 and im.size[1] == 400


def test_states_stack_and_the_bottleneck_is_highlighted(tmp_path):
    fig = twin.render.states_plot(results(50.0, 1.0, {"m1": 0.6, "m2": 0.8}, "m2"), tmp_path / "states.png")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["m1", "m2"]                       # machines only; the buffer has no states
    tops = {}
    for p in ax.patches:
        if p.get_fill():
            x = round(p.get_x() + p.get_width() / 2)
            tops[x] = max(tops.get(x, 0.0), p.get_y() + p.get_height())
    assert tops == pytest.approx({0: 100.0, 1: 100.0})  # the four states add up to 100%
    outline = [p for p in ax.patches if not p.get_fill()]
    assert len(outline) == 1 and round(outline[0].get_x() + outline[0].get_width() / 2) == 1
    tick = ax.get_xticklabels()[1]
    assert tick.get_color() == BOTTLENECK_COLOR and tick.get_fontweight() == "bold"
    assert (tmp_path / "states.png").stat().st_size > 5000


def test_plots_need_results():
    with pytest.raises(TwinError):
        twin.render.states_plot({"elements": {"q": {"kind": "buffer", "queue": {"mean": 1.0}}}})
    with pytest.raises(TwinError, match="no scenarios"):
        twin.render.throughput_plot({})
