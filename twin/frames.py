"""Results and plants as tables: pandas DataFrames (``Results.to_frame``,
``Results.replicas_frame``) and HTML for Jupyter (``_repr_html_`` of Results, KPI and Plant).

The HTML needs nothing beyond the standard library; the DataFrames need pandas
(``pip install 'twin[study]'``).
"""

from __future__ import annotations

import html
import math

from .errors import TwinError

PLANT_COLUMNS = ("throughput_per_hour", "wip", "cycle_time_s", "parts_in", "parts_out", "good_units")


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise TwinError("tables need pandas: pip install 'twin[study]'") from None
    return pd


def results_frame(res):
    """One row per KPI: element (the plant's name for plant KPIs), kind ("plant" for those), kpi,
    mean, ci95 (half-width of the 95% CI over replicas), std, n."""
    pd = _pandas()
    rows = []
    for k in ("throughput_per_hour", "wip", "cycle_time_s"):
        v = {"throughput_per_hour": res.throughput, "wip": res.wip, "cycle_time_s": res.cycle_time}[k]
        rows.append((res.plant_name, "plant", k, v.mean, v.ci95, v.std, v.n))
    mt = res.maintenance
    if mt:
        for k, v in mt.items():
            if k != "components":
                rows.append((res.plant_name, "plant", k, v.mean, v.ci95, v.std, v.n))
    for name, kind in res.element_kinds.items():
        for k, v in res.element(name).items():
            rows.append((name, kind, k, v.mean, v.ci95, v.std, v.n))
    return pd.DataFrame(rows, columns=["element", "kind", "kpi", "mean", "ci95", "std", "n"])


def replicas_frame(res):
    """One row per replica: ``replica``, the plant KPIs, every element KPI as "element.kpi" and
    the maintenance KPIs of the plant, each that replica's value."""
    pd = _pandas()
    pr = res.per_replica
    cols = {"replica": range(res.replicas)}
    cols.update({k: pr[k] for k in PLANT_COLUMNS if k in pr})
    for name, kpis in pr["elements"].items():
        cols.update({f"{name}.{k}": v for k, v in kpis.items()})
    for k, v in (pr.get("maintenance") or {}).items():
        if k != "components":
            cols[k] = v
    return pd.DataFrame(cols)


def _cell(kpi) -> str:
    if kpi is None or not math.isfinite(kpi.mean):
        return ""
    return f"{kpi.mean:.4g}" + (f" ± {kpi.ci95:.2g}" if math.isfinite(kpi.ci95) else "")


def kpi_html(kpi) -> str:
    return f"<span>{html.escape(_cell(kpi) or 'n/a')}</span>"


def results_html(res) -> str:
    """The plant KPIs and one row per element (means ± 95% CI half-widths)."""
    e = html.escape
    head = (f"<p><b>{e(res.plant_name)}</b>: {res.replicas} replicas; throughput {e(_cell(res.throughput))} parts/h, "
            f"WIP {e(_cell(res.wip))}, cycle time {e(_cell(res.cycle_time))} s</p>")
    kpis = ("utilization", "blocked", "starved", "down", "queue", "throughput_per_hour")
    rows = ["<tr><th>element</th><th>kind</th>" + "".join(f"<th>{k}</th>" for k in kpis) + "</tr>"]
    for name, kind in res.element_kinds.items():
        d = res.element(name)
        rows.append(f"<tr><td>{e(name)}</td><td>{e(kind)}</td>" +
                    "".join(f"<td>{e(_cell(d.get(k)))}</td>" for k in kpis) + "</tr>")
    return head + "<table>" + "".join(rows) + "</table>"


def plant_html(plant) -> str:
    """One row per element: name, kind, its parameters, its successors."""
    e = html.escape
    rows = ["<tr><th>element</th><th>kind</th><th>parameters</th><th>to</th></tr>"]
    for el in plant:
        params = {k: v for k, v in el.to_dict().items() if k not in ("kind", "position", "size", "path")}
        text = "; ".join(f"{k} = {_short(v)}" for k, v in params.items())
        rows.append(f"<tr><td>{e(el.name)}</td><td>{e(el.kind)}</td><td>{e(text)}</td>"
                    f"<td>{e(', '.join(plant.successors(el.name)))}</td></tr>")
    return (f"<p><b>{e(plant.name)}</b>: {len(plant)} elements, {plant.graph.number_of_edges()} transfers</p>"
            "<table>" + "".join(rows) + "</table>")


def _short(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_short(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
