"""Study plots from a study's Parquet (a folder written with ``out=`` / ``--out``, or a
StudyResult): main effects, a two-factor interaction, the Pareto front of two responses and the
paired differences against the baseline. Each returns a matplotlib Figure (no display needed)
and writes it when given a path (PNG, SVG or PDF by its suffix)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import TwinError
from . import responses as resp
from .stats import ci


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise TwinError("plots need matplotlib: pip install 'twin[study]'") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig, path):
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    return fig


def _table(study):
    """(replicas DataFrame, factors, responses, baseline) of a study folder or StudyResult."""
    from . import store
    if hasattr(study, "replicas_frame"):
        return (study.replicas_frame(), list(study.experiment.factors), study.responses, study.baseline)
    frame, meta = store.read(study)
    return frame, list(meta["factors"]), meta["responses"], meta["baseline"]


def _response(responses, response):
    response = response or responses[0]
    if response not in responses:
        raise TwinError(f"the study has no response '{response}' (it has {', '.join(responses)})")
    return response


def main_effects(study, response: str | None = None, path=None):
    """One panel per factor: the response's mean at each level, averaged over the other factors,
    with 95% CIs over the replicas at that level."""
    frame, factors, responses, _ = _table(study)
    response = _response(responses, response)
    fig = _figure(3.2 * len(factors) + 0.8, 3.4)
    axes = fig.subplots(1, len(factors), sharey=True, squeeze=False)[0]
    for ax, f in zip(axes, factors):
        levels = sorted(frame[f].unique())
        stats = [ci(frame.loc[frame[f] == lv, response]) for lv in levels]
        x = np.arange(len(levels))
        ax.errorbar(x, [s["mean"] for s in stats], yerr=[_hw(s) for s in stats], marker="o", capsize=4)
        ax.set_xticks(x, [_label(v) for v in levels])
        ax.set_xlabel(f)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{response} (mean ± 95% CI)")
    fig.suptitle(f"Main effects on {response}")
    return _save(fig, path)


def interaction(study, factor_a: str, factor_b: str, response: str | None = None, path=None):
    """The response's mean against ``factor_a``, one line per level of ``factor_b``: parallel
    lines mean no interaction."""
    frame, factors, responses, _ = _table(study)
    response = _response(responses, response)
    for f in (factor_a, factor_b):
        if f not in factors:
            raise TwinError(f"the study has no factor '{f}' (it has {', '.join(factors)})")
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot()
    levels_a = sorted(frame[factor_a].unique())
    for lb in sorted(frame[factor_b].unique()):
        sub = frame[frame[factor_b] == lb]
        ys = [sub.loc[sub[factor_a] == la, response].mean() for la in levels_a]
        ax.plot(range(len(levels_a)), ys, marker="o", label=f"{factor_b} = {_label(lb)}")
    ax.set_xticks(range(len(levels_a)), [_label(v) for v in levels_a])
    ax.set_xlabel(factor_a)
    ax.set_ylabel(f"{response} (mean)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(f"Interaction of {factor_a} and {factor_b}")
    return _save(fig, path)


def pareto_front(study, response_x: str, response_y: str, path=None):
    """Every design point by its two response means; the non-dominated ones (better in one
    response without being worse in the other, by each response's direction) joined as the
    front. Returns the Figure; ``fig.front`` lists the front's design point indices."""
    frame, _, responses, _ = _table(study)
    for r in (response_x, response_y):
        _response(responses, r)
    means = frame.groupby("point")[[response_x, response_y]].mean()
    sx = 1.0 if resp.maximise(response_x) else -1.0
    sy = 1.0 if resp.maximise(response_y) else -1.0
    pts = means.to_numpy()
    front = [i for i in range(len(pts)) if not any(
        sx * pts[j, 0] >= sx * pts[i, 0] and sy * pts[j, 1] >= sy * pts[i, 1] and
        (sx * pts[j, 0] > sx * pts[i, 0] or sy * pts[j, 1] > sy * pts[i, 1]) for j in range(len(pts)))]
    fig = _figure(5.5, 4.2)
    ax = fig.add_subplot()
    ax.scatter(pts[:, 0], pts[:, 1], color="#9aa5b1", label="design points", zorder=2)
    order = sorted(front, key=lambda i: pts[i, 0])
    ax.plot(pts[order, 0], pts[order, 1], marker="o", color="#1b9e77", label="Pareto front", zorder=3)
    for i in order:
        ax.annotate(str(int(means.index[i])), (pts[i, 0], pts[i, 1]), xytext=(4, 4), textcoords="offset points",
                    fontsize=8)
    ax.set_xlabel(f"{response_x} (mean)")
    ax.set_ylabel(f"{response_y} (mean)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("Pareto front")
    fig.front = [int(means.index[i]) for i in order]
    return _save(fig, path)


def paired_differences(study, response: str | None = None, path=None):
    """Each design point's paired difference against the baseline (common random numbers: the
    per-replica differences of replicas with the same block and index) with its 95% CI."""
    frame, _, responses, baseline = _table(study)
    response = _response(responses, response)
    if resp.quantile_of(response) is not None:
        raise TwinError(f"'{response}' is a pooled quantile: it has no per-replica values to pair")
    base = frame[frame["point"] == baseline].set_index(["block", "replica"])[response]
    labels, stats = [], []
    for p in sorted(frame["point"].unique()):
        if p == baseline:
            continue
        other = frame[frame["point"] == p].set_index(["block", "replica"])[response]
        common = base.index.intersection(other.index)
        stats.append(ci(other.loc[common].to_numpy() - base.loc[common].to_numpy()))
        labels.append(f"point {p}")
    fig = _figure(6.0, 0.45 * len(labels) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(labels))
    ax.errorbar([s["mean"] for s in stats], y, xerr=[_hw(s) for s in stats], fmt="o", capsize=4)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"{response}: difference to point {baseline} (mean ± 95% CI, paired)")
    ax.set_title("Paired differences against the baseline")
    return _save(fig, path)


def _hw(s) -> float:
    return s["ci95"] if math.isfinite(s["ci95"]) else 0.0


def _label(v) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)
