"""What a line publishes per element (flat fields, as OPC UA nodes or MQTT topics carry them),
the mapping file that says where each field lives, and the checks on values that arrive.

Fields by kind (unknown numbers are NaN on the wire, None in a Snapshot):

* source: ``waiting`` (0/1 part ready), ``waiting_s`` (how long it has waited), ``arrival_elapsed_s``
* buffer: ``level``, ``part_age_s`` (array, head first), ``head_wait_s``
* machine: ``state`` (processing | blocked | starved | down), ``time_in_state_s``, ``part_status``
  (array), ``part_age_s`` (array), ``part_elapsed_s`` (array), ``repair_elapsed_s``, ``up_elapsed_s``
* sink: ``parts_out``

The mapping file (TOML)::

    [opcua]                     # node ids, by element and field
    clock = "ns=2;s=twin.time_s"
    forecast = "ns=2;s=twin.forecast"      # where forecasts are written (a JSON string)
    [opcua.nodes.m1]
    state = "ns=2;s=m1.state"
    [mqtt]                      # the same with topics
    clock = "line/time_s"
    forecast = "twin/forecast"
    [mqtt.topics.m1]
    state = "line/m1/state"
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from ..errors import TwinError
from .snapshot import MACHINE_STATES, PART_STATUS, ElementState, Part, Snapshot, SnapshotError

FIELDS = {
    "source": ("waiting", "waiting_s", "arrival_elapsed_s"),
    "buffer": ("level", "part_age_s", "head_wait_s"),
    "machine": ("state", "time_in_state_s", "part_status", "part_age_s", "part_elapsed_s", "repair_elapsed_s",
                "up_elapsed_s"),
    "sink": ("parts_out",),
}
ARRAYS = ("part_age_s", "part_status", "part_elapsed_s")
STRINGS = ("state", "part_status")
INTEGERS = ("waiting", "level", "parts_out")
NAN = float("nan")


class MappingError(TwinError, ValueError):
    """A mapping file that does not fit the plant (or is not a mapping)."""


def _num(v) -> float:
    return NAN if v is None else float(v)


def _opt(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def to_fields(snapshot: Snapshot) -> dict:
    """{(element, field): value} of a snapshot (its observed part: no remaining times)."""
    out = {}
    for name, st in snapshot.elements.items():
        p = st.parts
        if st.kind == "source":
            out[name, "waiting"] = len(p)
            out[name, "waiting_s"] = _num(p[0].elapsed_s) if p else NAN
            out[name, "arrival_elapsed_s"] = _num(st.arrival_elapsed_s)
        elif st.kind == "buffer":
            out[name, "level"] = len(p)
            out[name, "part_age_s"] = [x.age_s for x in p]
            out[name, "head_wait_s"] = _num(p[0].elapsed_s) if p else NAN
        elif st.kind == "machine":
            out[name, "state"] = st.state
            out[name, "time_in_state_s"] = _num(st.time_in_state_s)
            out[name, "part_status"] = [x.status for x in p]
            out[name, "part_age_s"] = [x.age_s for x in p]
            out[name, "part_elapsed_s"] = [_num(x.elapsed_s) for x in p]
            out[name, "repair_elapsed_s"] = _num(st.repair_elapsed_s)
            out[name, "up_elapsed_s"] = _num(st.up_elapsed_s)
        elif st.kind == "sink":
            out[name, "parts_out"] = st.parts_out
    return out


def check_value(plant, element: str, field: str, value) -> str | None:
    """Why ``value`` of ``element.field`` contradicts the plant, or None when it is plausible."""
    el = plant[element]
    if field in STRINGS:
        vals = value if field in ARRAYS else [value]
        if not isinstance(vals, (list, tuple)) or not all(isinstance(v, str) for v in vals):
            return f"{element}.{field}: expected text, got {value!r}"
        known = MACHINE_STATES if field == "state" else PART_STATUS
        bad = [v for v in vals if v not in known]
        if bad:
            return f"{element}.{field}: unknown state code {bad[0]!r} (known: {', '.join(known)})"
        if field == "part_status" and len(vals) > el.kernel_capacity(plant):
            return f"{element}.{field}: {len(vals)} parts on {el.kernel_capacity(plant)} servers"
        return None
    vals = value if field in ARRAYS else [value]
    if not isinstance(vals, (list, tuple)):
        return f"{element}.{field}: expected a list, got {value!r}"
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return f"{element}.{field}: not a number: {v!r}"
        if not math.isnan(v) and (v < 0 or math.isinf(v)):
            return f"{element}.{field}: {v!r} is negative or infinite"
    if field in INTEGERS and not float(value).is_integer():
        return f"{element}.{field}: {value!r} is not a whole number"
    if field == "level":
        cap = plant.unbounded_storage if el.capacity is None else el.capacity
        if value > cap:
            return f"{element}.level: {value} parts is above its capacity {cap}"
    if field == "waiting" and value > 1:
        return f"{element}.waiting: a source holds at most one part, got {value}"
    return None


def from_fields(plant, values: dict, time_s: float) -> Snapshot:
    """The snapshot the fields describe (values missing: empty, unknown); SnapshotError if it
    does not fit the plant."""
    els = {}
    for name in plant.elements:
        kind = plant[name].kind
        g = lambda f, d=None: values.get((name, f), d)  # noqa: E731
        st = ElementState(kind)
        if kind == "source":
            n = int(g("waiting", 0))
            st.parts = [Part(0.0, "waiting", _opt(g("waiting_s")))] * n
            st.arrival_elapsed_s = _opt(g("arrival_elapsed_s"))
        elif kind == "buffer":
            n = int(g("level", 0))
            ages = list(g("part_age_s", []))[:n]
            ages += [0.0] * (n - len(ages))  # ages not (yet) reported: entered now
            st.parts = [Part(float(a)) for a in ages]
            if st.parts:
                st.parts[0].elapsed_s = _opt(g("head_wait_s"))
        elif kind == "machine":
            st.state = g("state", "starved")
            st.time_in_state_s = _opt(g("time_in_state_s"))
            status = list(g("part_status", []))
            ages = list(g("part_age_s", []))
            el = list(g("part_elapsed_s", []))
            if not (len(status) == len(ages) == len(el)):
                raise SnapshotError(f"element '{name}': part_status, part_age_s and part_elapsed_s differ in "
                                    f"length ({len(status)}, {len(ages)}, {len(el)})")
            st.parts = [Part(float(a), s, _opt(e)) for s, a, e in zip(status, ages, el)]
            st.repair_elapsed_s = _opt(g("repair_elapsed_s"))
            st.up_elapsed_s = _opt(g("up_elapsed_s"))
        elif kind == "sink":
            st.parts_out = int(g("parts_out", 0))
        els[name] = st
    snap = Snapshot(plant.name, float(time_s), els)
    snap.check(plant)
    return snap


# ---- mapping files ---------------------------------------------------------------------------------
class Mapping:
    """Where each (element, field) lives: ``addresses[(element, field)]`` (node ids or topics),
    the clock's and the forecast's address, for one protocol ("opcua" or "mqtt")."""

    def __init__(self, protocol: str, addresses: dict, clock: str | None, forecast: str | None, source: str):
        self.protocol, self.addresses, self.clock, self.forecast, self.source = \
            protocol, addresses, clock, forecast, source

    @classmethod
    def load(cls, path, plant, protocol: str) -> "Mapping":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise MappingError(f"{path}: no such mapping file") from None
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise MappingError(f"{path}: cannot read the mapping ({err})") from None
        return cls.from_dict(data, plant, protocol, str(path))

    @classmethod
    def from_dict(cls, data: dict, plant, protocol: str, source: str = "mapping") -> "Mapping":
        key = "nodes" if protocol == "opcua" else "topics"
        sec = data.get(protocol)
        if not isinstance(sec, dict) or not isinstance(sec.get(key), dict):
            raise MappingError(f"{source}: no [{protocol}.{key}.ELEMENT] tables")
        addresses = {}
        for name, fields in sec[key].items():
            if name not in plant.elements:
                raise MappingError(f"{source}: [{protocol}.{key}.{name}]: no element '{name}' in plant '{plant.name}'")
            kind = plant[name].kind
            if kind not in FIELDS:
                raise MappingError(f"{source}: [{protocol}.{key}.{name}]: kind {kind} has no live fields yet")
            for f, addr in fields.items():
                if f not in FIELDS[kind]:
                    raise MappingError(f"{source}: [{protocol}.{key}.{name}] {f}: not a field of a {kind} "
                                       f"(fields: {', '.join(FIELDS[kind])})")
                if not isinstance(addr, str) or not addr:
                    raise MappingError(f"{source}: [{protocol}.{key}.{name}] {f}: expected a node id / topic string")
                addresses[name, f] = addr
        clock, fc = sec.get("clock"), sec.get("forecast")
        return cls(protocol, addresses, clock, fc, source)


def default_mapping(plant, ns: int = 2, prefix: str = "line") -> dict:
    """The mapping of what ``twin emulate`` serves: node ``ns=<ns>;s=<element>.<field>`` and
    topic ``<prefix>/<element>/<field>`` for every field."""
    nodes, topics = {}, {}
    for name in plant.elements:
        kind = plant[name].kind
        if kind in FIELDS:
            nodes[name] = {f: f"ns={ns};s={name}.{f}" for f in FIELDS[kind]}
            topics[name] = {f: f"{prefix}/{name}/{f}" for f in FIELDS[kind]}
    return {"opcua": {"clock": f"ns={ns};s=twin.time_s", "forecast": f"ns={ns};s=twin.forecast", "nodes": nodes},
            "mqtt": {"clock": f"{prefix}/time_s", "forecast": "twin/forecast", "topics": topics}}
