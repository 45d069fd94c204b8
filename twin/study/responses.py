"""Responses: what a study measures at each design point, read from twin Results.

Plant KPIs (``throughput`` in parts/h, ``wip``, ``cycle_time`` in s, ``good_units``,
``parts_out``), cycle-time quantiles (``cycle_time.p90``), element KPIs
(``op30.utilization``) and maintenance KPIs where the plant has health components (``cost``,
``cost_per_good_unit``, ``availability``, ...). Every response but the quantiles has one value
per replica (so CIs and paired differences follow); a cycle-time quantile is a per-part quantile
pooled over the design point's replicas (Results keeps a histogram of every part's cycle time,
not one per replica), reported without a CI.
"""

from __future__ import annotations

import difflib
import re

import numpy as np

from ..results import ELEMENT_KPIS
from .paths import FactorError

PLANT = {"throughput": "throughput_per_hour", "throughput_per_hour": "throughput_per_hour", "wip": "wip",
         "cycle_time": "cycle_time_s", "cycle_time_s": "cycle_time_s", "good_units": "good_units",
         "parts_out": "parts_out", "parts_in": "parts_in"}
MAINTENANCE = ("cost", "cost_per_good_unit", "cost_rate_per_hour", "availability", "failures", "services",
               "maintenance_hours", "crew_utilization")
MAXIMISE = {"throughput", "throughput_per_hour", "good_units", "parts_out", "parts_in", "availability",
            "utilization", "running"}
_QUANTILE = re.compile(r"^cycle_time(?:_s)?\.p(\d{1,2}(?:\.\d+)?)$")


class ResponseError(FactorError):
    """A response that this plant cannot report."""


def quantile_of(name: str) -> float | None:
    m = _QUANTILE.match(name)
    return float(m.group(1)) / 100.0 if m else None


def check(plant, responses) -> list[str]:
    """The responses, each checked against the plant (one clear error for an unknown one)."""
    if isinstance(responses, str):
        responses = [responses]
    responses = list(responses)
    if not responses:
        raise ResponseError("a study needs at least one response, e.g. responses=['throughput']")
    known = list(PLANT) + ["cycle_time.p50", "cycle_time.p90", "cycle_time.p95"]
    if plant.health_components():
        known += list(MAINTENANCE)
    for el in plant:
        known += [f"{el.name}.{k}" for k in ELEMENT_KPIS.get(el.kind, ())]
    for r in responses:
        if r in PLANT or quantile_of(r) is not None:
            continue
        if r in MAINTENANCE:
            if not plant.health_components():
                raise ResponseError(f"response '{r}' is a maintenance KPI, but the plant has no health components")
            continue
        head, _, kpi = r.partition(".")
        if head in plant and kpi in ELEMENT_KPIS.get(plant[head].kind, ()):
            continue
        m = difflib.get_close_matches(r, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{m[0]}'?)" if m else ""
        raise ResponseError(f"unknown response '{r}'{hint}; responses are plant KPIs ({', '.join(PLANT)}), "
                            "cycle_time.pNN, element KPIs such as 'op30.utilization', and maintenance KPIs")
    return responses


def maximise(name: str) -> bool:
    """Whether more is better (throughput, utilisation, availability); else less is better."""
    return name in MAXIMISE or name.rpartition(".")[2] in MAXIMISE


def per_replica(res, name: str) -> np.ndarray:
    """One value per replica (NaN for pooled quantiles, which have none)."""
    pr = res.per_replica
    if name in PLANT:
        return np.asarray(pr[PLANT[name]], dtype=np.float64)
    q = quantile_of(name)
    if q is not None:
        return np.full(res.replicas, np.nan)
    if name in MAINTENANCE:
        return np.asarray(pr["maintenance"][name], dtype=np.float64)
    head, _, kpi = name.partition(".")
    return np.asarray(pr["elements"][head][kpi], dtype=np.float64)


def pooled(res, name: str) -> float | None:
    """The pooled value of a quantile response (None for per-replica responses)."""
    q = quantile_of(name)
    return None if q is None else float(res.cycle_time_quantile(q))
