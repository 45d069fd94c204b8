"""Plots of a fab run with matplotlib (no display needed): per product the cycle-time
distribution (the lots' cycle times as a violin when the run's per-lot records are at hand, the
mean with its 95% interval and the p50/p90/p95 marks always), and per tool group where the tool
time goes (busy, setup, PM, breakdown; the rest idle) with the utilisation's 95% interval.

``fab_plot`` takes a ``FabResults``, its ``to_dict()`` or the path of a ``twin run`` JSON of a
fab, returns a matplotlib ``Figure`` and writes it when given a path (PNG, SVG or PDF by suffix).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import TwinError

DAY = 86400.0
SHARE_COLORS = (("utilisation", "busy", "#3b6fd1"), ("setup_share", "setup", "#f0a202"),
                ("pm_share", "PM", "#7b7b7b"), ("down_share", "breakdown", "#d1495b"))


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise TwinError("plots need matplotlib: pip install 'twin[render]'") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _load(results):
    """(the results dict, per-product lot cycle times in days or None)."""
    if hasattr(results, "to_dict") and hasattr(results, "raw"):
        lots = None
        raw = results.raw
        if "rec_ct" in raw and "rec_p" in raw:
            lots = {p: [] for p in results.products}
            names = list(results.products)
            for r in range(results.replicas):
                n = int(raw["pr_out"][r].sum())   # the lots finished in the window are the records kept
                for i, c in zip(raw["rec_p"][r, :n], raw["rec_ct"][r, :n]):
                    lots[names[i]].append(c / DAY)
        return results.to_dict(), lots
    if isinstance(results, (str, Path)):
        try:
            results = json.loads(Path(results).read_text())
        except (OSError, ValueError) as err:
            raise TwinError(f"cannot read fab results {results}: {err}") from None
    if not isinstance(results, dict) or "products" not in results or "groups" not in results:
        raise TwinError("not fab results: a FabResults, its to_dict() or a fab results JSON is needed")
    return results, None


def _v(k):
    return math.nan if k is None or k.get("mean") is None else float(k["mean"])


def fab_plot(results, path=None, *, title: str | None = None):
    """Two panels: cycle time per product (days) and tool time per group (shares of tool time)."""
    d, lots = _load(results)
    products, groups = list(d["products"]), list(d["groups"])
    fig = _figure(max(8.0, 0.9 * (len(products) + len(groups)) + 4.0), 4.2)
    ax_ct, ax_g = fig.subplots(1, 2, width_ratios=[max(1, len(products)), max(1, len(groups))])
    x = range(len(products))
    if lots and all(lots[p] for p in products):
        ax_ct.violinplot([lots[p] for p in products], positions=list(x), showextrema=False)
    for i, p in enumerate(products):
        k = d["products"][p]
        m = _v(k["cycle_time_days"])
        ci = k["cycle_time_days"].get("ci95")
        ax_ct.errorbar([i], [m], yerr=[[ci or 0.0], [ci or 0.0]], fmt="o", color="black", capsize=6,
                       label="mean (95% CI)" if i == 0 else None)
        for q, marker in (("p50", "_"), ("p90", "v"), ("p95", "^")):
            ax_ct.plot([i], [_v(k[f"cycle_time_{q}_days"])], marker=marker, color="#d1495b", ls="none",
                       markersize=10, label=q if i == 0 else None)
    ax_ct.set_xticks(list(x), products)
    ax_ct.set_ylabel("cycle time (days)")
    ax_ct.set_title("cycle time per product")
    ax_ct.legend(fontsize=8)
    xg = list(range(len(groups)))
    bottom = [0.0] * len(groups)
    for key, label, color in SHARE_COLORS:
        vals = [_v(d["groups"][g].get(key)) for g in groups]
        if not any(math.isfinite(v) and v > 0 for v in vals):
            continue
        vals = [v if math.isfinite(v) else 0.0 for v in vals]
        err = None
        if key == "utilisation":
            err = [(d["groups"][g][key].get("ci95") or 0.0) for g in groups]
        ax_g.bar(xg, vals, bottom=bottom, color=color, edgecolor="black", linewidth=0.5, label=label,
                 yerr=err, capsize=4 if err else 0)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax_g.set_xticks(xg, groups, rotation=45 if len(groups) > 6 else 0, ha="right" if len(groups) > 6 else "center")
    ax_g.set_ylim(0, 1.05)
    ax_g.set_ylabel("share of tool time")
    ax_g.set_title("tool groups")
    ax_g.legend(fontsize=8)
    fig.suptitle(title or f"fab {d.get('fab', '')}: {d.get('replicas', '?')} replicas")
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    return fig
