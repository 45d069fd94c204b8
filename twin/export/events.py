"""Event logs of recorded replicas: a table (CSV, Parquet) and an OCEL 2.0 JSON object-centric
event log for process-mining tools.

What the simulator records is frames (twin.recording): every element's state and parts held at
each frame time of one replica. The events here are *derived from consecutive frames*: a state
change, a net change in parts held, an element picking or placing (its kind records what it
carries: ``holding``), a unit its look names (twin/look.py ``Units``: a cluster tool's chambers
and load locks) changing state. So this is a state-change log at the recording's resolution, not a
per-part log: an event's time is the first frame at which the change was seen (it happened in
the interval since the frame before), several arrivals between two frames show as one event
with ``count`` > 1 (an arrival and a departure between two frames cancel and show as nothing),
and part ids and products are not known (the columns are there, empty, so that the table lines
up with a real line's log). Record more often (``Recording(every=...)``) for a finer log.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from ..errors import TwinError
from ..recording import STATUS_NAMES

COLUMNS = ("replica", "time_s", "element", "kind", "unit", "event", "from_state", "to_state", "held", "count",
           "part_id", "product")
SUFFIXES = (".csv", ".parquet", ".jsonocel", ".ocel.json")
DEFAULT_T0 = "1970-01-01T00:00:00+00:00"   # OCEL needs calendar times: simulated second 0 is mapped here


def _name(names, code: int) -> str:
    return names[code] if 0 <= code < len(names) else f"code {code}"


def _as_list(recordings) -> list:
    if recordings is None:
        raise TwinError("no recording to export events from: simulate with record=twin.Recording(...)")
    recs = [recordings] if hasattr(recordings, "status") else list(recordings)
    if not recs:
        raise TwinError("no recordings to export events from")
    for r in recs:
        if r.frames == 0:
            raise TwinError(f"the recording of replica {r.replica} has no frames")
    return recs


def _look(plant, name: str, kind: str):
    """The element's look: from the plant, else from its kind's element class (a recording
    without its plant)."""
    if plant is not None and name in plant.elements:
        return plant[name].look
    from ..elements import KINDS
    cls = KINDS.get(kind)
    return cls.look if cls is not None else None


def _unit_labels(plant, name: str, units, n: int) -> list:
    el = plant[name] if plant is not None and name in plant.elements else None
    labels = el.unit_labels(units) if el is not None else None
    return list(labels) if labels is not None else [f"{units.label}{k + 1}" for k in range(n)]


def event_table(recordings, plant=None) -> dict[str, list]:
    """The events of one or more :class:`twin.Recorded` replicas as columns (``COLUMNS``),
    sorted by replica, time and element order.

    Events (derived from consecutive frames, see the module docstring): ``recording start`` per
    element (its state at the first frame); ``state change`` (``from_state`` -> ``to_state``,
    twin.recording.STATUS_NAMES); ``parts in`` / ``parts out`` (``count`` parts net, ``held`` after);
    ``pick`` / ``place`` of an element whose kind records what it carries (``holding``: robots);
    a state change of a unit its look names (``Units.event``: a cluster tool's ``chamber state
    change`` / ``load lock state change``) with ``unit`` the unit's label (e.g.
    'step1.chamber2', 'LL1'). ``plant`` (optional) checks the element names and gives the units'
    labels."""
    cols = {c: [] for c in COLUMNS}
    for row in _event_rows(recordings, plant):
        for c, v in zip(COLUMNS, row[:len(COLUMNS)]):
            cols[c].append(v)
    return cols


def _event_rows(recordings, plant) -> list[tuple]:
    """The rows of :func:`event_table` (its COLUMNS, then a unit's OCEL object type or "")."""
    recs = _as_list(recordings)
    rows: list[tuple] = []
    for rec in recs:
        if plant is not None:
            missing = [n for n in rec.names if n not in plant.elements]
            if missing:
                raise TwinError(f"the recording names element '{missing[0]}', which plant '{plant.name}' does not "
                                "have: is it a recording of another plant?")
        t = np.asarray(rec.times, float)
        order = {n: k for k, n in enumerate(rec.names)}
        for i, (name, kind) in enumerate(zip(rec.names, rec.kinds)):
            st = np.asarray(rec.status[:, i], int)
            held = np.asarray(rec.held[:, i], int)
            rows.append((rec.replica, t[0], order[name], 0, name, kind, "", "recording start", "",
                         _name(STATUS_NAMES, st[0]), int(held[0]), 0, ""))
            for f in np.flatnonzero(st[1:] != st[:-1]) + 1:
                rows.append((rec.replica, t[f], order[name], 1, name, kind, "", "state change",
                             _name(STATUS_NAMES, st[f - 1]), _name(STATUS_NAMES, st[f]), int(held[f]), 1, ""))
            for f in np.flatnonzero(held[1:] != held[:-1]) + 1:
                d = int(held[f] - held[f - 1])
                rows.append((rec.replica, t[f], order[name], 2, name, kind, "", "parts in" if d > 0 else "parts out",
                             "", "", int(held[f]), abs(d), ""))
            own = rec.element_frames(name)      # what its kind records of it itself
            if own is None:
                continue
            if own.get("holding") is not None:
                h = np.asarray(own["holding"], int)
                for f in np.flatnonzero(h[1:] != h[:-1]) + 1:
                    rows.append((rec.replica, t[f], order[name], 3, name, kind, "", "pick" if h[f] > h[f - 1]
                                 else "place", "", "", int(h[f]), abs(int(h[f] - h[f - 1])), ""))
            look = _look(plant, name, kind)
            for units in (look.units if look is not None else ()):
                codes = np.asarray(own.get(units.field, np.zeros((len(t), 0))), int)
                labels = _unit_labels(plant, name, units, codes.shape[1])
                for k in range(codes.shape[1]):
                    c = codes[:, k]
                    unit = labels[k] if k < len(labels) else f"{k + 1}"
                    rows.append((rec.replica, t[0], order[name], 4, name, kind, unit, "recording start", "",
                                 _name(units.states, c[0]), 0, 0, units.object_type))
                    for f in np.flatnonzero(c[1:] != c[:-1]) + 1:
                        rows.append((rec.replica, t[f], order[name], 4, name, kind, unit, units.event,
                                     _name(units.states, c[f - 1]), _name(units.states, c[f]), 0, 1,
                                     units.object_type))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    return [(int(rep), float(time_s), name, kind, unit, event, a, b, held, count, "", "", otype)
            for rep, time_s, _, _, name, kind, unit, event, a, b, held, count, otype in rows]


# ---- OCEL 2.0 --------------------------------------------------------------------------------
def _iso(t0: datetime, seconds: float) -> str:
    return (t0 + timedelta(seconds=float(seconds))).isoformat(timespec="milliseconds")


def parse_t0(t0) -> datetime:
    """The calendar time of simulated second 0 (ISO 8601; no zone: UTC)."""
    if isinstance(t0, datetime):
        d = t0
    else:
        try:
            d = datetime.fromisoformat(str(t0).replace("Z", "+00:00"))
        except ValueError:
            raise TwinError(f"start time must be ISO 8601, e.g. 2026-03-02T06:00:00, got {t0!r}") from None
    return d if d.tzinfo is not None else d.replace(tzinfo=timezone.utc)


def ocel_log(recordings, plant=None, t0=DEFAULT_T0) -> dict:
    """An OCEL 2.0 JSON object-centric event log of the recorded replicas.

    Objects: one per element and replica (id ``r<replica>/<element>``, type its kind, a time-varying
    ``state`` attribute), one per unit of an element's look (type ``Units.object_type``: a cluster
    tool's ``chamber`` or ``load lock``), one per replica (type ``replica``). Events: those of
    :func:`event_table` (type = its ``event``), each related to its element (qualifier
    ``element``), its unit where it has one (``station``) and its replica (``replica``). Times:
    ``t0`` + simulated seconds."""
    recs = _as_list(recordings)
    start = parse_t0(t0)
    rows = _event_rows(recs, plant)
    table = {c: [r[j] for r in rows] for j, c in enumerate(COLUMNS)}
    unit_types = [r[len(COLUMNS)] for r in rows]
    n = len(rows)
    objects: dict[str, dict] = {}
    object_types: dict[str, list] = {}

    def add_object(oid, otype, rels=()):
        if oid not in objects:
            objects[oid] = {"id": oid, "type": otype, "attributes": [],
                            "relationships": [{"objectId": r, "qualifier": q} for r, q in rels]}
            object_types.setdefault(otype, [{"name": "state", "type": "string"}] if otype != "replica" else
                                    [{"name": "first_time_s", "type": "float"}])
        return objects[oid]

    for rec in recs:
        rid = f"r{rec.replica}"
        add_object(rid, "replica")["attributes"].append({"name": "first_time_s", "time": _iso(start, rec.times[0]),
                                                         "value": float(rec.times[0])})
    events = []
    event_types: dict[str, list] = {}
    for k in range(n):
        rep, name, kind, unit = table["replica"][k], table["element"][k], table["kind"][k], table["unit"][k]
        rid = f"r{rep}"
        eid = f"{rid}/{name}"
        add_object(eid, kind, [(rid, "replica")])
        time = _iso(start, table["time_s"][k])
        rels = [{"objectId": eid, "qualifier": "element"}]
        target = objects[eid]
        if unit:
            sid = f"{eid}/{unit}"
            target = add_object(sid, unit_types[k], [(eid, "part of"), (rid, "replica")])
            rels.append({"objectId": sid, "qualifier": "station"})
        rels.append({"objectId": rid, "qualifier": "replica"})
        etype = table["event"][k]
        attrs = [{"name": "time_s", "value": table["time_s"][k]}]
        if table["to_state"][k]:
            if table["from_state"][k]:
                attrs.append({"name": "from_state", "value": table["from_state"][k]})
            attrs.append({"name": "to_state", "value": table["to_state"][k]})
            target["attributes"].append({"name": "state", "time": time, "value": table["to_state"][k]})
        if etype in ("parts in", "parts out", "pick", "place"):
            attrs += [{"name": "count", "value": table["count"][k]}, {"name": "held", "value": table["held"][k]}]
        declared = event_types.setdefault(etype, [])
        for a in attrs:
            if all(d["name"] != a["name"] for d in declared):
                declared.append({"name": a["name"], "type": "float" if a["name"] == "time_s" else
                                 "integer" if isinstance(a["value"], int) else "string"})
        events.append({"id": f"e{k + 1}", "type": etype, "time": time, "attributes": attrs, "relationships": rels})
    return {"objectTypes": [{"name": t, "attributes": a} for t, a in object_types.items()],
            "eventTypes": [{"name": t, "attributes": a} for t, a in event_types.items()],
            "objects": list(objects.values()), "events": events}


# ---- writing ---------------------------------------------------------------------------------
def events_format(path) -> str:
    """'csv', 'parquet' or 'ocel' from the file name."""
    name = Path(path).name.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonocel", ".ocel.json")):
        return "ocel"
    raise TwinError(f"the event log must end in {', '.join(SUFFIXES)}, got '{path}'")


def write_events(recordings, path, plant=None, t0=DEFAULT_T0) -> Path:
    """Writes the events of one or more recorded replicas to ``path``: a table as ``.csv`` or
    ``.parquet`` (columns ``COLUMNS``), or an OCEL 2.0 JSON log as ``.jsonocel`` /
    ``.ocel.json``. Returns the path."""
    from .usd import check_output
    path = check_output(path, SUFFIXES, "the event log")
    fmt = events_format(path)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "ocel":
        tmp.write_text(json.dumps(ocel_log(recordings, plant, t0), indent=1) + "\n")
    else:
        table = event_table(recordings, plant)
        if fmt == "csv":
            with tmp.open("w", newline="") as fh:
                out = csv.writer(fh)
                out.writerow(COLUMNS)
                out.writerows(zip(*(table[c] for c in COLUMNS)))
        else:
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError:
                raise TwinError("Parquet needs pyarrow: pip install pyarrow (or write .csv)") from None
            types = {"replica": pa.int32(), "time_s": pa.float64(), "held": pa.int32(), "count": pa.int32()}
            arrays = {c: pa.array(table[c], type=types.get(c, pa.string())) for c in COLUMNS}
            pq.write_table(pa.table(arrays), tmp)
    os.replace(tmp, path)
    return path


