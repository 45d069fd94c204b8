"""Colours: per-element KPI values from results (object, JSON dict or file), colour maps, and
the fixed colours of the recorded states (a kind's own colour is its look: twin/look.py). No PyVista here."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import TwinError
from ..recording import STATUS_NAMES

# recorded status code -> colour (twin.recording.STATUS_NAMES: idle, busy, blocked, down)
STATUS_COLORS = {"idle": "#b9b9b9", "busy": "#2e9e44", "blocked": "#f2c12e", "down": "#d7301f"}
STATUS_RGB = np.array([[int(STATUS_COLORS[s][i:i + 2], 16) / 255 for i in (1, 3, 5)] for s in STATUS_NAMES])

TRIM_COLOR = "#4b4f55"   # plinths, frames, legs, rails
PART_COLOR = "#3b6fd1"   # parts (items) in the animation
NO_DATA_COLOR = "#e3e3e3"
FLOOR_COLOR = "#f4f4f2"
GRID_COLOR = "#d9d9d4"
FLOW_COLOR = "#7d8793"
FEEDBACK_COLOR = "#b05fc4"
BOTTLENECK_COLOR = "#1f5fff"  # blue: in no KPI colour map (YlOrRd, RdYlGn) nor a state colour
REACH_COLOR = "#00c2d6"       # a robot's reach (the machines it tends), dashed: cyan, no flow or KPI colour

# KPIs that are shares of time (drawn on a fixed 0..1 scale, labelled in percent)
FRACTION_KPIS = {"utilization", "blocked", "starved", "down", "full", "empty", "running", "health",
                 "availability", "idle", "busy"}
# KPIs where a high value is good (red for low values); for the rest, high values are where it hurts
GOOD_WHEN_HIGH = {"health", "availability", "running", "throughput_per_hour", "oee"}
HURT_CMAP = "YlOrRd"
GOOD_CMAP = "RdYlGn"


def color_map(kpi: str) -> str:
    """The colour map for ``kpi``: yellow to red where high hurts, red to green where high is good."""
    return GOOD_CMAP if kpi in GOOD_WHEN_HIGH else HURT_CMAP


def is_fraction(kpi: str | None) -> bool:
    """True for KPIs that are shares of time (0..1)."""
    return kpi is not None and (kpi in FRACTION_KPIS or kpi.endswith(("_share", "_fraction")))


NICE_SHARES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)


def color_range(kpi: str | None, values: Mapping, clim=None) -> tuple[float, float]:
    """The scalar range: ``clim`` if given; for shares of time, 0 to the smallest of 1%, 2%, 5%,
    10%, 20%, 25%, 50%, 100% that holds the largest value (so small shares such as ``down``
    still show); else the data's range (never empty)."""
    if clim is not None:
        lo, hi = (float(v) for v in clim)
        if not hi > lo:
            raise TwinError(f"colour range must be (low, high) with high > low, got {clim!r}")
        return (lo, hi)
    vals = [v for v in values.values() if math.isfinite(v)]
    if is_fraction(kpi):
        top = max(vals, default=1.0)
        return (0.0, next((c for c in NICE_SHARES if top <= c + 1e-12), max(top, 1.0)))
    if not vals:
        return (0.0, 1.0)
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 * max(abs(lo), 1.0), hi + 0.5 * max(abs(hi), 1.0)
    return (lo, hi)


def format_value(kpi: str | None, value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{100 * value:.0f}%" if is_fraction(kpi) else f"{value:.3g}"


# ---- reading results -------------------------------------------------------------------------
def load_results(data):
    """A path to a results JSON (``twin run --out``) -> its dict; anything else unchanged."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise TwinError(f"no results file '{path}'") from None
        except json.JSONDecodeError as err:
            raise TwinError(f"'{path}' is not a results JSON file ({err})") from None
    return data


def _scalar(v):
    if isinstance(v, Mapping):
        v = v.get("mean")
    if v is None:
        return math.nan
    if hasattr(v, "mean") and not isinstance(v, (int, float, np.floating, np.integer)):
        v = v.mean
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _per_element(data) -> dict:
    """name -> {kpi: value} from a Results, a results dict (JSON contract) or a mapping."""
    data = load_results(data)
    if hasattr(data, "element_kinds") and hasattr(data, "element"):      # twin.Results
        return {n: {k: v.mean for k, v in data.element(n).items()} for n in data.element_kinds}
    if isinstance(data, Mapping) and isinstance(data.get("elements"), Mapping):  # to_dict() / JSON
        return {n: {k: _scalar(v) for k, v in d.items() if k != "kind"} for n, d in data["elements"].items()}
    if isinstance(data, Mapping):
        return {str(n): ({k: _scalar(x) for k, x in v.items()} if isinstance(v, Mapping) and "mean" not in v
                         else {None: _scalar(v)}) for n, v in data.items()}
    raise TwinError(f"cannot colour by {type(data).__name__}: give a twin.Results, a results dict or JSON file, "
                    "or a mapping of element name to value")


def kpi_values(data, kpi: str | None) -> dict[str, float]:
    """Element name -> value of ``kpi`` (the mean over replicas) for every element that has it.

    ``data``: a :class:`twin.Results`, its ``to_dict()`` / JSON file (path), or a mapping of element
    name -> number (any per-element quantity, e.g. health) or -> {kpi: number}."""
    per = _per_element(data)
    out = {}
    for name, kpis in per.items():
        v = kpis.get(kpi, kpis.get(None)) if kpi is not None else kpis.get(None)
        if v is not None:
            out[name] = float(v)
    if not out:
        known = sorted({k for d in per.values() for k in d if k is not None})
        raise TwinError(f"no element has the KPI {kpi!r}" + (f"; available: {', '.join(known)}" if known else ""))
    return out


def bottleneck_of(data) -> str | None:
    """The bottleneck element named by results (object or dict), else None."""
    group = bottleneck_group(data)
    return group[0] if group else None


def bottleneck_group(data) -> list[str]:
    """Every element of the results' bottleneck: its ``group`` (identical parallel machines that
    share the constraint) when it has one, else its one ``element``; [] when none. The named
    element comes first."""
    data = load_results(data)
    bn = getattr(data, "bottleneck", None)
    if bn is None and isinstance(data, Mapping):
        bn = data.get("bottleneck")
    if not isinstance(bn, Mapping) or bn.get("element") is None:
        return []
    element = bn["element"]
    group = [str(n) for n in (bn.get("group") or ())]
    return [element] + [n for n in group if n != element]


def status_color(code: int) -> str:
    """Colour of a recorded status code (idle, busy, blocked, down); unknown codes are idle."""
    code = int(code)
    return STATUS_COLORS[STATUS_NAMES[code] if 0 <= code < len(STATUS_NAMES) else "idle"]
