"""Offered load of each SMT2020 tool group, read straight from the dataset's text files.

An independent reference for twin's fab simulator (it uses nothing of ``twin.fab``): per tool
group, the tool time per second the releases ask for in steady state, and the share of calendar
time a tool is up, computed with ``csv`` from order.txt, part.txt, route_N.txt, tool.txt.1l,
downcal.txt, pmcal.txt and attach.txt.

Tool time of one lot of W wafers at a step (what the SMT2020 files say a tool is occupied for):

- ``per_lot``: PTIME, or BatchInterval where given (the tool takes the next lot after it);
- ``per_piece``: PTIME + (W-1) x PartInterval where PartInterval is given (wafers cascade),
  else W x PTIME;
- ``per_batch``: PTIME shared by the floor(BATCHMX / W) lots of a full batch;
- plus the group's load and unload time (LTIME + ULTIME) per lot, except on groups with
  STNCAP 2, whose second load port lets a tool load and unload a lot while it processes another
  (``overlap_load_unload``; twin's reading, docs/fab.md).

PTIME is the mean of every distribution the files use (uniform PTIME +- PTIME2). A lot visits a
step StepPercent/100 times per pass, and a step with REWORK% sends the lot back to RWKSTEP with
that probability, so the expected visits solve v = e1 + P^T v, done here by summing the passes.
Availability: MTTF / (MTTF + MTTR) per breakdown calendar, minus duration/period per calendar-
time PM; PMs every N wafers add duration/N per wafer to the offered load instead.
"""

from __future__ import annotations

import csv
from pathlib import Path

UNIT = {"sec": 1.0, "min": 60.0, "hr": 3600.0, "day": 86400.0}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [{k: (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(f, delimiter="\t")
                if any((v or "").strip() for v in r.values())]


def _t(value: str, unit: str) -> float:
    return float(value) * UNIT[unit]


def _visits(route: list[dict[str, str]]) -> list[float]:
    """Expected arrivals at each step: propagate the lot's probability mass pass by pass (rework
    probabilities are a few percent, so the mass that is still reworking vanishes quickly)."""
    n = len(route)
    arrivals = [0.0] * n
    mass = [0.0] * n
    mass[0] = 1.0
    for _ in range(200):
        if sum(mass) < 1e-15:
            break
        new = [0.0] * n
        carry = 0.0
        for i, s in enumerate(route):
            here = mass[i] + carry
            arrivals[i] += here
            done = here * (float(s["StepPercent"]) / 100.0 if s["StepPercent"] else 1.0)
            back = done * (float(s["REWORK"]) / 100.0 if s["REWORK"] else 0.0)
            if back:
                new[int(s["RWKSTEP"]) - 1] += back
            carry = here - back
        mass = new
    return arrivals


def _step_time(s: dict[str, str], wafers: int) -> float:
    p = _t(s["PTIME"], s["PTUNITS"])
    if s["PTPER"] == "per_lot":
        return _t(s["BatchInterval"], s["BatchIntUnits"]) if s["BatchInterval"] else p
    if s["PTPER"] == "per_piece":
        if s["PartInterval"]:
            return p + (wafers - 1) * _t(s["PartInterval"], s["PartIntUnits"])
        return wafers * p
    assert s["PTPER"] == "per_batch", s["PTPER"]
    return p / max(1, int(float(s["BATCHMX"])) // wafers)


def offered_load(folder, overlap_load_unload: bool = True) -> dict[str, dict[str, float]]:
    """Per tool group: ``tools``, ``offered`` (tool-seconds per second: ``process``, the lots' tool
    time, plus the time of wafer-counted PMs), ``availability`` (share
    of a tool's calendar time it is up), ``wafers_per_s`` and ``lots_per_s`` (the group's lot-steps
    per second), ``load`` = offered / (tools x
    availability) (the busy share of the available tool time in steady state), ``delay``."""
    folder = Path(folder)
    tools = {r["STNFAM"]: r for r in _rows(folder / "tool.txt.1l")}
    out = {g: {"tools": float(r["STNQTY"]), "offered": 0.0, "wafers_per_s": 0.0, "lots_per_s": 0.0, "availability": 1.0,
               "delay": r["STNFAMLOC"] == "Delay"} for g, r in tools.items()}
    handling = {}
    for g, r in tools.items():
        lu = (_t(r["LTIME"], r["LTUNITS"]) if r["LTIME"] else 0.0) + (_t(r["ULTIME"], r["ULTUNITS"]) if r["ULTIME"] else 0.0)
        two_ports = r["STNCAP"] != "" and float(r["STNCAP"]) >= 2
        handling[g] = 0.0 if (overlap_load_unload and two_ports) else lu
    route_of = {r["PART"]: r["ROUTEFILE"] for r in _rows(folder / "part.txt")}
    for o in _rows(folder / "order.txt"):
        rate = float(o["LOTSPERRPT"]) / _t(o["REPEAT"], o["RUNITS"])
        wafers = int(float(o["PIECES"]))
        route = _rows(folder / route_of[o["PART"]])
        for v, s in zip(_visits(route), route):
            g = s["STNFAM"]
            p = float(s["StepPercent"]) / 100.0 if s["StepPercent"] else 1.0
            out[g]["offered"] += rate * v * p * (_step_time(s, wafers) + handling[g])
            out[g]["wafers_per_s"] += rate * v * p * wafers
            out[g]["lots_per_s"] += rate * v * p
    cal = {r["DOWNCALNAME"]: r for r in _rows(folder / "downcal.txt")}
    pm = {r["PMCALNAME"]: r for r in _rows(folder / "pmcal.txt")}
    for a in _rows(folder / "attach.txt"):
        groups = [g for g, r in tools.items() if (r["STNGRP"] if a["RESTYPE"] == "stngrp" else g) == a["RESNAME"]]
        for g in groups:
            if a["CALTYPE"] == "down":
                c = cal[a["CALNAME"]]
                ttf, ttr = _t(c["MTTF"], c["MTTFUNITS"]), _t(c["MTTR"], c["MTTRUNITS"])
                out[g]["availability"] *= ttf / (ttf + ttr)
            else:
                c = pm[a["CALNAME"]]
                duration = _t(c["MTTR"], c["MTTRUNITS"])  # uniform MTTR +- MTTR2: mean MTTR
                if c["PMCALTYPE"] == "mtbpm_by_cal":
                    out[g]["availability"] -= duration / _t(c["MTBPM"], c["MTBPMUNITS"])
                else:
                    out[g].setdefault("wafer_pm", 0.0)
                    out[g]["wafer_pm"] += duration / float(c["MTBPM"])
    for g, d in out.items():
        d["process"] = d["offered"]
        d["offered"] += d["wafers_per_s"] * d.pop("wafer_pm", 0.0)
        d["load"] = d["offered"] / (d["tools"] * d["availability"]) if not d["delay"] else 0.0
    return out
