"""Study plots with matplotlib (no display needed): throughput with confidence intervals per
scenario, and where each element's time goes (utilisation / blocked / starved / down) with the
bottleneck highlighted.

Both take :class:`twin.Results`, their ``to_dict()`` or results JSON paths, return a matplotlib
``Figure`` and write it when given a path (PNG, SVG or PDF by its suffix).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from ..errors import TwinError
from .colors import BOTTLENECK_COLOR, STATUS_COLORS, bottleneck_of, load_results

STATE_KPIS = ("utilization", "blocked", "starved", "down")
STATE_COLORS = {"utilization": STATUS_COLORS["busy"], "blocked": STATUS_COLORS["blocked"],
                "starved": STATUS_COLORS["idle"], "down": STATUS_COLORS["down"]}


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise TwinError("plots need matplotlib: pip install 'twin[render]'") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _as_dict(results) -> dict:
    data = load_results(results)
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    if not isinstance(data, Mapping) or "elements" not in data:
        raise TwinError(f"not a twin results object or results dict: {type(data).__name__}")
    return data


def _save(fig, path):
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    return fig


def throughput_plot(scenarios, path=None, *, title: str | None = None, unit: str = "parts/h"):
    """Throughput per scenario with its 95% confidence interval (error bars).

    ``scenarios``: a mapping label -> results (Results, dict or JSON path), or a sequence of
    results (labelled by plant name)."""
    if not isinstance(scenarios, Mapping):
        items = [(_as_dict(r).get("plant", f"scenario {i + 1}"), r) for i, r in enumerate(scenarios)]
    else:
        items = list(scenarios.items())
    if not items:
        raise TwinError("no scenarios to plot")
    labels, means, cis = [], [], []
    for label, res in items:
        tp = _as_dict(res)["throughput_per_hour"]
        labels.append(str(label))
        means.append(float(tp["mean"]))
        ci = tp.get("ci95")
        cis.append(float(ci) if ci is not None and math.isfinite(float(ci)) else 0.0)
    fig = _figure(max(4.0, 1.1 * len(labels) + 2.0), 4.0)
    ax = fig.add_subplot()
    x = range(len(labels))
    best = max(range(len(means)), key=lambda i: means[i])
    colors = ["#3b6fd1" if i != best else "#1b9e77" for i in x]
    ax.bar(x, means, yerr=cis, capsize=6, color=colors, edgecolor="black", linewidth=0.6,
           error_kw={"elinewidth": 1.2})
    for i, (m, c) in enumerate(zip(means, cis)):
        ax.annotate(f"{m:.1f} ± {c:.1f}", (i, m + c), xytext=(0, 4), textcoords="offset points", ha="center",
                    fontsize=8)
    ax.set_xticks(list(x), labels, rotation=20 if max(len(s) for s in labels) > 10 else 0, ha="right"
                  if max(len(s) for s in labels) > 10 else "center")
    ax.set_ylabel(f"throughput ({unit}), mean ± 95% CI")
    ax.set_ylim(0, max(m + c for m, c in zip(means, cis)) * 1.15 or 1.0)
    ax.set_title(title or "Throughput per scenario")
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def states_plot(results, path=None, *, title: str | None = None, kinds=None):
    """Stacked bars per element: shares of time utilised, blocked, starved and down, with the
    bottleneck's bar outlined and labelled. ``kinds``: element kinds to show (default: every
    element whose time splits into these states, i.e. that has utilization and starved:
    machines, and equipment kinds that report them)."""
    data = _as_dict(results)
    rows = []
    for name, d in data["elements"].items():
        if kinds is not None and d.get("kind") not in kinds:
            continue
        vals = {k: _mean(d.get(k)) for k in STATE_KPIS}
        if kinds is not None or (vals["utilization"] is not None and vals["starved"] is not None):
            rows.append((name, vals))
    if not rows:
        raise TwinError("no element reports utilization and starved (machines do)")
    bottleneck = bottleneck_of(data)
    fig = _figure(max(5.0, 0.45 * len(rows) + 2.5), 4.6)
    ax = fig.add_subplot()
    x = list(range(len(rows)))
    bottom = [0.0] * len(rows)
    for kpi in STATE_KPIS:
        heights = [100 * (vals[kpi] or 0.0) for _, vals in rows]
        ax.bar(x, heights, bottom=bottom, color=STATE_COLORS[kpi], edgecolor="white", linewidth=0.4,
               label="utilised" if kpi == "utilization" else kpi, width=0.75)
        bottom = [b + h for b, h in zip(bottom, heights)]
    names = [n for n, _ in rows]
    if bottleneck in names:
        i = names.index(bottleneck)
        ax.bar([i], [bottom[i]], fill=False, edgecolor=BOTTLENECK_COLOR, linewidth=2.5, width=0.75)
        ax.annotate("bottleneck", (i, bottom[i]), xytext=(0, 4), textcoords="offset points", ha="center",
                    color=BOTTLENECK_COLOR, fontsize=9, fontweight="bold")
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=8)
    for label in ax.get_xticklabels():
        if label.get_text() == bottleneck:
            label.set_color(BOTTLENECK_COLOR)
            label.set_fontweight("bold")
    ax.set_ylabel("share of time (%)")
    ax.set_ylim(0, 112)
    ax.set_title(title or f"{data.get('plant', '')}\nwhere the time goes".strip(), fontsize=10)
    fig.legend(loc="outside lower center", ncol=4, frameon=False, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _mean(v):
    if isinstance(v, Mapping):
        v = v.get("mean")
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None
