"""What a line publishes per element (flat fields, as OPC UA nodes or MQTT topics carry them),
the mapping file that says where each field lives, and the checks on values that arrive.

Fields by kind: each kind's snapshot hooks declare the fields it publishes, with their types, and
encode and decode them (kernels/hooks.py ``SnapshotHooks.wire``; this module names no kind). Unknown
numbers are NaN on the wire, None in a Snapshot. ``default_mapping`` lists every field of a plant.
A plant with health components also publishes, under names of their own (the crew's hooks
``names``), each component ("element.component": status, wear, age, uses, readings) and the crew
("crew": each technician's job, the waiting work orders).

The mapping file (TOML)::

    [opcua]                     # node ids, by element and field
    clock = "ns=2;s=twin.time_s"
    forecast = "ns=2;s=twin.forecast"      # where forecasts are written (a JSON string)
    [opcua.nodes.m1]
    state = "ns=2;s=m1.state"
    [opcua.nodes."m1.spindle"]  # a health component
    wear = "ns=2;s=m1.spindle.wear"
    [opcua.nodes.crew]          # the maintenance crew
    jobs = "ns=2;s=crew.jobs"
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
from ..kernels.registry import CREW
from .snapshot import ElementState, Part, Snapshot, SnapshotError


class MappingError(TwinError, ValueError):
    """A mapping file that does not fit the plant (or is not a mapping)."""


def wire_hooks(kind: str):
    """The snapshot hooks of ``kind`` if it publishes live fields, else None."""
    from ..kernels.snapshot import snapshot_hooks
    hooks = snapshot_hooks(kind)
    return hooks if hooks is not None and hooks.wire else None


_TYPES: dict[str, str] = {}


def field_type(field: str) -> str:
    """The type of a live field (kernels/hooks.py WIRE_TYPES), the same for every kind that
    publishes it (checked over the registry on first use)."""
    if not _TYPES:
        from ..kernels.hooks import WIRE_TYPES
        from ..kernels.registry import KINDS
        types = {}
        for entry in KINDS:
            for f, t in getattr(wire_hooks(entry.name), "wire", ()):
                if t not in WIRE_TYPES or types.setdefault(f, t) != t:
                    raise TypeError(f"live field {f!r} of kind {entry.name}: type {t!r}, elsewhere {types[f]!r} "
                                    f"(types: {', '.join(WIRE_TYPES)})")
        _TYPES.update(types)
    return _TYPES[field]


def health_names(plant) -> dict:
    """{name: fields} the plant's health components and crew publish under (the crew's snapshot
    hooks ``names``; empty without components). A name taken by an element is an error."""
    hooks = wire_hooks(CREW)
    names = hooks.names(plant) if hooks is not None and plant.health_components() else {}
    for name in names:
        if name in plant.elements:
            raise MappingError(f"element '{name}': the live wire uses this name for the plant's maintenance "
                               "crew or a health component; rename the element")
    return names


def to_fields(snapshot: Snapshot, plant=None) -> dict:
    """{(element, field): value} of a snapshot (its observed part: no remaining times); the
    health components and the crew under their wire names (``health_names``: that needs the
    plant, for the crew's size)."""
    out = {}
    for name, st in snapshot.elements.items():
        hooks = wire_hooks(st.kind)
        if hooks is not None:
            for f, v in hooks.encode(st).items():
                out[name, f] = v
    if snapshot.health:
        if plant is None:
            raise TypeError("to_fields: a snapshot with health components needs its plant")
        for name, values in wire_hooks(CREW).encode(snapshot.health, plant).items():
            for f, v in values.items():
                out[name, f] = v
    return out


def check_value(plant, element: str, field: str, value) -> str | None:
    """Why ``value`` of ``element.field`` contradicts the plant, or None when it is plausible:
    its type (the kind's declaration), then what the kind says (``plausible``). ``element`` may
    also be a health component's or the crew's wire name (``health_names``)."""
    if element in plant.elements:
        el = plant[element]
        hooks, what, spec = wire_hooks(el.kind), f"a {el.kind}", el
        kind = dict(hooks.wire) if hooks is not None else {}
    else:
        names = health_names(plant)
        if element not in names:
            return f"{element}.{field}: no element, health component or crew of that name in plant '{plant.name}'"
        hooks, spec = wire_hooks(CREW), element
        what = "a health component" if "." in element else "the crew"  # "element.component"
        kind = {f: t for f, t in hooks.wire if f in names[element]}
    if field not in kind:
        return f"{element}.{field}: not a field of {what}"
    t = kind[field]
    if t in ("text", "texts"):
        vals = value if t == "texts" else [value]
        if not isinstance(vals, (list, tuple)) or not all(isinstance(v, str) for v in vals):
            return f"{element}.{field}: expected text, got {value!r}"
    else:
        vals = value if t in ("floats", "reals") else [value]
        if not isinstance(vals, (list, tuple)):
            return f"{element}.{field}: expected a list, got {value!r}"
        for v in vals:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return f"{element}.{field}: not a number: {v!r}"
            if math.isinf(v) or (t not in ("real", "reals") and v < 0):
                return f"{element}.{field}: {v!r} is negative or infinite" if t not in ("real", "reals") \
                    else f"{element}.{field}: {v!r} is infinite"
        if t == "int" and not float(value).is_integer():
            return f"{element}.{field}: {value!r} is not a whole number"
    return hooks.plausible(spec, plant, field, value) if hooks.plausible is not None else None


def from_fields(plant, values: dict, time_s: float) -> Snapshot:
    """The snapshot the fields describe (values missing: empty, unknown); SnapshotError if it
    does not fit the plant."""
    els = {}
    for name in plant.elements:
        el = plant[name]
        hooks = wire_hooks(el.kind)
        if hooks is None:  # refused by name in snap.check
            els[name] = ElementState(el.kind)
            continue
        g = lambda f, d=None: values.get((name, f), d)  # noqa: E731
        try:
            fields = hooks.decode(g, el)
        except ValueError as err:
            raise SnapshotError(f"element '{name}': {err}") from None
        parts = [Part(**p) for p in fields.pop("parts", [])]
        els[name] = ElementState(el.kind, parts=parts, **fields)
    health = {}
    if plant.health_components():
        health = wire_hooks(CREW).decode(lambda n, f, d=None: values.get((n, f), d), plant)
    snap = Snapshot(plant.name, float(time_s), els, health)
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
        health = health_names(plant)
        for name, fields in sec[key].items():
            if name in health:  # a health component ("element.component") or the crew
                known, what = health[name], "health component" if "." in name else "crew"
            elif name not in plant.elements:
                raise MappingError(f"{source}: [{protocol}.{key}.{name}]: no element '{name}' in plant '{plant.name}'"
                                   + (f" (nor a health component or the crew: {', '.join(health)})" if health else ""))
            else:
                what = plant[name].kind
                hooks = wire_hooks(what)
                if hooks is None:
                    raise MappingError(f"{source}: [{protocol}.{key}.{name}]: kind {what} has no live fields yet")
                known = hooks.wire_fields()
            if not isinstance(fields, dict):
                raise MappingError(f"{source}: [{protocol}.{key}.{name}]: expected a table of field = address")
            for f, addr in fields.items():
                if f not in known:
                    raise MappingError(f"{source}: [{protocol}.{key}.{name}] {f}: not a field of a {what} "
                                       f"(fields: {', '.join(known)})")
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
        hooks = wire_hooks(plant[name].kind)
        if hooks is not None:
            nodes[name] = {f: f"ns={ns};s={name}.{f}" for f in hooks.wire_fields()}
            topics[name] = {f: f"{prefix}/{name}/{f}" for f in hooks.wire_fields()}
    for name, fields in health_names(plant).items():
        nodes[name] = {f: f"ns={ns};s={name}.{f}" for f in fields}
        topics[name] = {f: f"{prefix}/{name}/{f}" for f in fields}
    return {"opcua": {"clock": f"ns={ns};s=twin.time_s", "forecast": f"ns={ns};s=twin.forecast", "nodes": nodes},
            "mqtt": {"clock": f"{prefix}/time_s", "forecast": "twin/forecast", "topics": topics}}
