"""Scene files: a plant, and defaults for studying it, in TOML.

``load_scene(path)`` reads a file into a :class:`Scene` (a validated :class:`~twin.Plant` plus the
study defaults); ``save_scene(plant, path, **study)`` writes one that reads back into an equal plant.
The format is documented in ``docs/scene-format.md``.

The reader is data-driven, so element kinds added later need no parsing code here:

* the keys an element accepts are the fields of its dataclass (``twin.elements.element_keys``);
* a field's type hint says how its value is read: ``Distribution`` fields are durations or
  distribution tables (``twin.distributions.TIME_KEYS`` says which parameters are times), nested
  dataclasses such as ``Failures`` are tables read field by field, ``int``/``float``/``str``/
  ``bool``/``tuple`` fields get a type check;
* a field's physical dimension comes from ``field_units`` (a ``ClassVar[dict[str, str]]`` an
  element class may declare, merged along its MRO, on top of ``BASE_FIELD_UNITS``); values of
  such fields are converted to the stored unit with the :data:`UNITS` table.

Every problem is raised as a one-line :class:`~twin.errors.SceneError` naming the file, the element
and the key, before anything is simulated.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
import re
import tomllib
import types
import typing
from pathlib import Path

import tomli_w

from . import distributions as dists
from .distributions import Distribution
from .elements import KINDS, Element, element_keys
from .errors import PlantError, SceneError, nearest
from .plant import Plant
from .units import DEFAULT_UNITS, DERIVED_UNITS, INTERNAL_DIMS, UNITS, UnitError
from .units import derived as _derived, dimension_of as _dimension_of, example as _example
from .units import quantity as _quantity
from .units import QUANTITY as _QUANTITY_TEXT

__all__ = ["Scene", "find_scene", "load_scene", "quantity", "save_scene", "UNITS", "DERIVED_UNITS", "BASE_FIELD_UNITS"]

# ---- units (twin.units: the one reader of quantities, shared with the CLI and the API) ----------
# Dimensions of the fields every element has; element classes add theirs with ``field_units``.
BASE_FIELD_UNITS = {"position": "length", "size": "length"}

# ---- schema -----------------------------------------------------------------------------------
TOP_KEYS = ("plant", "study", "maintenance", "elements", "lines", "connect")
PLANT_KEYS = ("name", "unbounded_storage") + tuple(f"{d}_unit" for d in UNITS if d not in INTERNAL_DIMS)
MAINTENANCE_KEYS = ("technicians", "hourly_rate")
CONNECT_KEYS = ("from", "to", "probability")
# Study defaults: key -> (value type: int, str or a quantity dimension, constraint). Times are returned in seconds.
STUDY_KEYS = {"replicas": ("int", 1), "horizon": ("time", "positive"), "warmup": ("time", "non-negative"),
              "seed": ("int", 0), "dt": ("time", "positive"), "device": ("str", None)}
STUDY_INT_MAX = {"replicas": 2 ** 31 - 1, "seed": 2 ** 63 - 1}  # seeds are in [0, 2**63), as in simulate()
_TOML_TYPES = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
               tuple: "an array", list: "an array"}


@dataclasses.dataclass
class Scene:
    """What a scene file holds: ``plant`` (validated), ``study`` (the defaults given in its
    ``[study]`` table, times in seconds; only the keys present) and ``path``."""

    plant: Plant
    study: dict
    path: Path

    def simulate(self, **overrides):
        """Runs ``twin.simulate`` on the plant with the study defaults; ``overrides`` (seconds for
        times) replace them."""
        return self.plant.simulate(**{**self.study, **overrides})


def find_scene(name) -> Path:
    """The scene file ``name`` names: an existing path, else a bundled scene by its bare name
    (``"balanced_line"`` or ``"balanced_line.toml"``, no folder). The one lookup of
    ``load_scene`` and of the CLI; a path with a folder is never replaced by a bundled scene."""
    from .scenes import bundled, scene_path
    p = Path(name)
    try:
        if p.exists():
            return p
        if len(p.parts) == 1 and p.suffix in ("", ".toml") and scene_path(p.name).exists():
            return scene_path(p.name)
    except OSError as err:  # e.g. a name longer than the file system allows
        raise SceneError(f"cannot read the scene file: {err.strerror or err}", file=str(name)[:200]) from None
    why = "no such file"
    if len(p.parts) > 1 and not p.parent.exists():
        why = f"no folder '{p.parent}'"
    hint = nearest(p.stem, bundled()) if len(p.parts) == 1 else ""
    raise SceneError(f"cannot read the scene file: {why}{hint}; bundled scenes (by name, without a folder): "
                     f"{', '.join(bundled())}", file=str(name))


def load_scene(path) -> Scene:
    """Reads a scene file: a path, or the name of a bundled scene (``twin.load_scene("balanced_line")``,
    see ``find_scene``). Raises :class:`~twin.errors.SceneError` for any problem in it."""
    path = find_scene(path)
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark (some Windows editors) is ignored
    except OSError as err:
        raise SceneError(f"cannot read the scene file: {err.strerror or err}", file=file) from None
    except UnicodeDecodeError as err:
        raise SceneError(f"not UTF-8 text (byte {err.start}); save the scene file as UTF-8", file=file) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(err, text, file) from None
    return _Reader(file).scene(doc, path)


SI_UNITS = {"time": "s", "length": "m", "angle": "rad", "mass": "kg", "power": "W", "count": "",
            "sqrt_time": "sqrt(s)"}


def quantity(value, dim: str, *, element=None, key=None) -> float:
    """A value of the Python API in SI: a number (already SI: seconds, metres, radians, rad/s ...)
    or a string with its unit, as in scene files ("8h", "30 min", "120 deg/s", "1200 mm"). The one
    unit parser of the library; raises PlantError naming ``element`` and ``key``."""
    reader = _Reader(None)
    reader.bare = dict(SI_UNITS)
    try:
        return reader.quantity(value, dim, element, key)
    except SceneError as err:
        raise PlantError(err.problem, element=element, key=key) from None


def save_scene(plant: Plant, path, **study) -> Path:
    """Writes ``plant`` (validated first) and the study defaults ``study`` (times in seconds, or
    strings with units) as a scene file: times in seconds, lengths in metres. Returns the path."""
    path = Path(path)
    reader = _Reader(str(path))
    study = reader.study(study)
    plant.validate()
    chains, singles = _connections(plant)
    head = {"plant": {"name": plant.name, "time_unit": "s", "length_unit": "m", "angle_unit": "rad"}}
    if plant.unbounded_storage != 1000:
        head["plant"]["unbounded_storage"] = plant.unbounded_storage
    if study:
        head["study"] = study
    if getattr(plant, "crew", None) is not None:
        head["maintenance"] = {"technicians": plant.crew.technicians, "hourly_rate": plant.crew.hourly_rate}
    title = "".join(ch for ch in " ".join(plant.name.split()) if ch.isprintable())
    parts = [f"# {title}: written by twin.save_scene (times in seconds, lengths in metres).\n\n"]
    if chains:  # a top-level key: it must come before the first table
        parts.append("lines = [\n" + "".join(f"    {_literal(c)},\n" for c in chains) + "]\n\n")
    parts.append(tomli_w.dumps(head))
    for name, el in plant.elements.items():
        body = "".join(f"{_toml_key(k)} = {_literal(_compact(v))}\n" for k, v in el.to_dict().items())
        parts.append(f"\n[elements.{_toml_key(name)}]\n{body}")
    for c in singles:
        parts.append("\n[[connect]]\n" + tomli_w.dumps(c))
    path.write_text("".join(parts), encoding="utf-8")
    return path


# ---- reading ----------------------------------------------------------------------------------
class _Reader:
    """Converts the parsed TOML of one file; knows the file's name and bare units."""

    def __init__(self, file: str):
        from . import equipment  # noqa: F401  (registers the equipment kinds; they load Warp)
        self.file = file
        self.bare = dict(DEFAULT_UNITS)

    def error(self, message: str, element=None, key=None) -> SceneError:
        return SceneError(message, element=element, key=key, file=self.file)

    def located(self, err: PlantError, element=None, key_prefix=None) -> SceneError:
        e = err.located(element=element, key_prefix=key_prefix, file=self.file)
        return SceneError(e.problem, element=e.element, key=e.key, file=e.file)

    def unknown(self, key, allowed, what: str, element=None, prefix=None) -> SceneError:
        hint = nearest(str(key), allowed)
        if not hint and key in TOP_KEYS and prefix != "":
            hint = (f" ('{key}' is a top-level key: it must come before the first [table] of the file, "
                    "or TOML puts it in the table above it)")
        return self.error(f"unknown key '{key}' for {what}{hint}; allowed: {', '.join(allowed)}",
                          element, _join(prefix, key))

    # -- the whole file --
    def scene(self, doc: dict, path: Path) -> Scene:
        for k, v in doc.items():
            if k not in TOP_KEYS:
                err = self.unknown(k, TOP_KEYS, "a scene file", prefix="")
                if isinstance(v, dict) and "kind" in v:
                    err = self.error(f"unknown top-level table [{k}]: element tables are written "
                                     f"[elements.{k}]", element=k, key=k)
                raise err
        plant = self.plant(self.table(doc.get("plant", {}), "plant"), path)
        study = self.study(doc.get("study", {}))
        if "maintenance" in doc:
            plant.crew = self.crew(self.table(doc["maintenance"], "maintenance"))
        elements = self.table(doc.get("elements", {}), "elements")
        for name, spec in elements.items():
            plant.add(self.element(name, spec))
        self.lines(plant, doc.get("lines", []))
        self.connects(plant, doc.get("connect", []))
        try:
            plant.validate()
        except PlantError as err:
            raise self.located(err) from None
        return Scene(plant=plant, study=study, path=path)

    def table(self, value, key, element=None) -> dict:
        if not isinstance(value, dict):
            raise self.error(f"must be a table, got {_describe(value)}", element, key)
        return value

    def plant(self, table: dict, path: Path) -> Plant:
        for k in table:
            if k not in PLANT_KEYS:
                raise self.unknown(k, PLANT_KEYS, "[plant]", prefix="plant")
        for dim in (d for d in UNITS if d not in INTERNAL_DIMS):
            key = f"{dim}_unit"
            unit = table.get(key, DEFAULT_UNITS[dim])
            if not isinstance(unit, str) or unit not in UNITS[dim]:
                other = _dimension_of(unit) if isinstance(unit, str) else None
                why = f" ('{unit}' is a {other} unit)" if other else nearest(str(unit), UNITS[dim])
                raise self.error(f"unknown {dim} unit {unit!r}{why}; allowed: {', '.join(UNITS[dim])}",
                                 key=f"plant.{key}")
            self.bare[dim] = unit
        self.bare["sqrt_time"] = f"sqrt({self.bare['time']})"
        name = table.get("name", path.stem)
        try:
            return Plant(name, unbounded_storage=table.get("unbounded_storage", 1000))
        except PlantError as err:
            raise self.located(err, key_prefix="plant") from None

    def crew(self, table: dict):
        from .maintenance.spec import Crew
        kwargs = self.fields(Crew, table, None, "maintenance", "[maintenance]", MAINTENANCE_KEYS)
        try:
            return Crew(**kwargs)
        except PlantError as err:
            raise self.located(err, key_prefix="maintenance") from None

    def study(self, table) -> dict:
        table = self.table(table, "study")
        out = {}
        for k, v in table.items():
            if k not in STUDY_KEYS:
                raise self.unknown(k, tuple(STUDY_KEYS), "[study]", prefix="study")
            value_type, rule, key = *STUDY_KEYS[k], f"study.{k}"
            if value_type == "int":
                if isinstance(v, bool) or not isinstance(v, int) or v < rule:
                    raise self.error(f"must be an integer >= {rule}, got {_describe(v)}", key=key)
                if v > STUDY_INT_MAX[k]:
                    raise self.error(f"must be an integer from {rule} to {STUDY_INT_MAX[k]}, got {v}", key=key)
            elif value_type == "str":
                if not isinstance(v, str) or not v:
                    raise self.error(f"must be a device name such as 'cpu' or 'cuda:0', got {_describe(v)}", key=key)
            else:
                v = self.quantity(v, value_type, None, key)
                if not math.isfinite(v):  # a study must end; the step clock needs a finite time
                    raise self.error(f"must be a finite time, got {table[k]!r}", key=key)
                if rule == "positive" and not v > 0:
                    raise self.error(f"must be a positive time, got {table[k]!r}", key=key)
            out[k] = v
        if "warmup" in out and "horizon" in out and not out["warmup"] < out["horizon"]:
            raise self.error(f"must be shorter than the horizon ({out['horizon']:g} s), which includes the "
                             f"warm-up; got {out['warmup']:g} s", key="study.warmup")
        return out

    # -- elements --
    def element(self, name: str, spec) -> Element:
        spec = self.table(spec, None, element=name)
        kinds = tuple(KINDS)
        if "kind" not in spec:
            raise self.error(f"needs a 'kind' (one of {', '.join(kinds)})", name, "kind")
        kind = spec["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise self.error(f"unknown kind {kind!r}{nearest(str(kind), kinds)}; allowed: {', '.join(kinds)}",
                             name, "kind")
        cls = KINDS[kind]
        body = {k: v for k, v in spec.items() if k != "kind"}
        kwargs = self.fields(cls, body, name, None, f"a {kind}", ("kind",) + element_keys(cls))
        try:
            return cls(name, **kwargs)
        except PlantError as err:
            raise self.located(err, element=name) from None
        except TypeError as err:  # a constructor that rejects an argument without a PlantError
            raise self.error(str(err), name) from None

    def fields(self, cls, table: dict, element, prefix, what: str, allowed) -> dict:
        """Reads ``table`` as keyword arguments for the dataclass ``cls``."""
        for k in table:
            if k not in allowed:
                raise self.unknown(k, allowed, what, element, prefix)
        hints, units = _hints(cls), _field_units(cls)
        variants = getattr(cls, "scene_variants", {})
        for f in dataclasses.fields(cls):
            if (f.init and f.name not in ("name", "_") and f.name not in table
                    and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING):
                raise self.error(f"{what} needs '{f.name}' (keys: {', '.join(allowed)})", element,
                                 _join(prefix, f.name))
        return {k: self.variant(v, variants[k], element, _join(prefix, k)) if k in variants
                else self.value(v, hints.get(k), units.get(k), element, _join(prefix, k)) for k, v in table.items()}

    def variant(self, value, spec, element, key):
        """A table whose tag key picks its dataclass: spec = (tag key, {tag: class})."""
        tag_key, classes = spec
        table = self.table(value, key, element)
        tag = table.get(tag_key)
        if tag not in classes:
            raise self.error(f"'{tag_key}' must be one of {', '.join(classes)}, got {tag!r}"
                             f"{nearest(str(tag), classes)}", element, _join(key, tag_key))
        cls = classes[tag]
        body = {k: v for k, v in table.items() if k != tag_key}
        keys = (tag_key,) + tuple(f.name for f in dataclasses.fields(cls) if f.init)
        kwargs = self.fields(cls, body, element, key, f"a {tag} {key.rpartition('.')[2]}", keys)
        try:
            return cls(**kwargs)
        except PlantError as err:
            raise self.located(err, element=element, key_prefix=key) from None

    def value(self, value, hint, dim, element, key):
        """Reads one field by its type hint and physical dimension."""
        hint = _strip_optional(hint)
        is_array = hint in (tuple, list) or typing.get_origin(hint) in (tuple, list) \
            or (hint is typing.Any and isinstance(value, list))  # nested arrays, e.g. a polyline's points
        if dim is not None:
            if is_array:
                if _is_number(value) or (isinstance(value, str) and _QUANTITY_TEXT.fullmatch(value)):
                    return self.quantity(value, dim, element, key)  # one value for all, e.g. "120 deg/s"
                if not isinstance(value, list):  # (the element checks that it takes one, as in Python)
                    raise self.error(f"must be an array of {dim}s, got {_describe(value)}", element, key)
                return [self.value(v, typing.Any, dim, element, f"{key}[{i}]") for i, v in enumerate(value)]
            return self.quantity(value, dim, element, key)
        item = _dataclass_items(hint)
        if item is not None:  # a tuple of dataclass tables, e.g. health components
            if isinstance(value, dict):
                value = [value]
            if not isinstance(value, list):
                raise self.error(f"must be an array of tables, got {_describe(value)}", element, key)
            return tuple(self.value(v, item, None, element, f"{key}[{i}]") for i, v in enumerate(value))
        if isinstance(hint, type):
            if issubclass(hint, Distribution):
                return self.distribution(value, element, key)
            if dataclasses.is_dataclass(hint):
                if isinstance(value, hint):
                    return value
                table = self.table(value, key, element)
                keys = tuple(f.name for f in dataclasses.fields(hint) if f.init)
                kwargs = self.fields(hint, table, element, key, f"'{key}'", keys)
                try:
                    return hint(**kwargs)
                except PlantError as err:
                    raise self.located(err, element=element, key_prefix=key) from None
            if hint in _TOML_TYPES and not _is_type(value, hint):
                raise self.error(f"must be {_TOML_TYPES[hint]}, got {_describe(value)}", element, key)
        return value

    def distribution(self, value, element, key) -> Distribution:
        if _is_number(value) or isinstance(value, str):  # a fixed duration
            try:
                return dists.Deterministic(self.quantity(value, "time", element, key))
            except PlantError as err:
                raise self.error(err.problem, element, key) from None
        if isinstance(value, dict):
            if "dist" not in value:
                raise self.error(f"a distribution table needs 'dist' (one of {', '.join(dists.NAMES)})",
                                 element, f"{key}.dist")
            try:
                name = dists.canonical_name(value["dist"])
            except PlantError as err:
                raise self.located(err, element=element, key_prefix=key) from None
            value = dict(value)
            for k in dists.TIME_KEYS[name]:
                if isinstance(value.get(k), list):
                    value[k] = [self.quantity(v, "time", element, f"{key}.{k}[{i}]") for i, v in enumerate(value[k])]
                elif k in value:
                    value[k] = self.quantity(value[k], "time", element, f"{key}.{k}")
        else:
            raise self.error(f"must be a duration (a number in {self.bare['time']} or a string like '45 s') or a "
                             f"distribution table such as {{ dist = \"exponential\", mean = 60 }}, "
                             f"got {_describe(value)}", element, key)
        try:
            return dists.from_dict(value)
        except PlantError as err:
            raise self.located(err, element=element, key_prefix=key) from None

    def quantity(self, value, dim: str, element, key) -> float:
        """A number in the file's unit for ``dim``, or a string "<number> <unit>"; returns it in
        the SI unit twin stores (seconds, metres, radians, m/s, ...)."""
        if not (_is_number(value) or isinstance(value, str)):
            raise self.error(f"must be a {dim}: a number (in {self.bare_unit(dim)}) or a string like "
                             f"'{_example(dim)}', got {_describe(value)}", element, key)
        try:
            return _quantity(value, dim, self.bare_unit(dim))
        except UnitError as err:
            raise self.error(str(err), element, key) from None

    def bare_unit(self, dim: str) -> str:
        if dim in DERIVED_UNITS:
            num, den, power = _derived(dim)
            return f"{self.bare[num]}/{self.bare[den]}{power}"
        return self.bare[dim]

    # -- connections --
    def lines(self, plant: Plant, lines) -> None:
        if not isinstance(lines, list):
            raise self.error(f'must be an array of chains such as [["src", "M1", "out"]], got {_describe(lines)}',
                             key="lines")
        if lines and all(isinstance(x, str) for x in lines):  # a single chain
            lines = [lines]
        for i, chain in enumerate(lines):
            key = f"lines[{i}]"
            if not isinstance(chain, list) or len(chain) < 2 or not all(isinstance(x, str) for x in chain):
                raise self.error(f"a chain must be an array of two or more element names, got {_describe(chain)}",
                                 key=key)
            for a, b in zip(chain, chain[1:]):
                try:
                    plant.connect(a, b)
                except PlantError as err:
                    raise self.located(err, key_prefix=key) from None

    def connects(self, plant: Plant, entries) -> None:
        if isinstance(entries, dict) or not isinstance(entries, list):
            raise self.error(f"must be an array of tables, written [[connect]], got {_describe(entries)}",
                             key="connect")
        for i, c in enumerate(entries):
            key = f"connect[{i}]"
            c = self.table(c, key)
            src = c.get("from") if isinstance(c.get("from"), str) else None
            for k in c:
                if k not in CONNECT_KEYS:
                    raise self.unknown(k, CONNECT_KEYS, "[[connect]]", src, key)
            for k in ("from", "to"):
                if k not in c:
                    raise self.error(f"a connection needs 'from' and 'to' (and optionally 'probability')",
                                     src, f"{key}.{k}")
                if not isinstance(c[k], str):
                    raise self.error(f"must be an element name, got {_describe(c[k])}", src, f"{key}.{k}")
            p = c.get("probability")
            if p is not None and not _is_number(p):
                raise self.error(f"must be a number in (0, 1], got {_describe(p)}", src, f"{key}.probability")
            try:
                plant.connect(c["from"], c["to"], p)
            except PlantError as err:
                raise self.located(err, key_prefix=key) from None


# ---- writing ----------------------------------------------------------------------------------
def _connections(plant: Plant) -> tuple[list[list[str]], list[dict]]:
    """Edges as chains (for elements none of whose outputs has a probability) and single
    connections (the rest), so that loading adds every element's outputs in the original order."""
    edges = list(plant.graph.edges(data="probability"))
    plain = {u for u in plant.graph if all(p is None for _, _, p in plant.graph.out_edges(u, data="probability"))}
    todo = {u: [v for a, v, _ in edges if a == u] for u in plain}
    chains = []
    for u, v, _ in edges:
        if u not in plain or not todo[u] or todo[u][0] != v:
            continue
        chain = [u]
        while u in plain and todo[u]:  # always take an element's earliest unused output
            u = todo[u].pop(0)
            chain.append(u)
        chains.append(chain)
    singles = [{"from": u, "to": v, "probability": p} if p is not None else {"from": u, "to": v}
               for u, v, p in edges if u not in plain]
    return chains, singles


def _compact(value):
    """Distribution tables without class constants, deterministic durations as bare numbers."""
    if isinstance(value, dict):
        if "dist" in value:
            constants = _class_constants(_dist_classes().get(value["dist"]))
            value = {k: v for k, v in value.items() if k not in constants}
            if value["dist"] == "deterministic" and set(value) == {"dist", "value"}:
                return value["value"]
        return {k: _compact(v) for k, v in value.items()}
    return value


def _dist_classes() -> dict[str, type]:
    return {c.name: c for c in Distribution.__subclasses__()}


@functools.cache
def _class_constants(cls) -> frozenset:
    """Names of the ClassVars of a dataclass (``Distribution.to_dict`` may list them)."""
    if cls is None:
        return frozenset()
    return frozenset(k for k, h in _hints(cls).items() if typing.get_origin(h) is typing.ClassVar)


def _literal(value) -> str:
    """A TOML value on one line (tables inline), scalars formatted by tomli_w."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return tomli_w.dumps({"v": value})[len("v = "):-1]


def _toml_key(key: str) -> str:
    return tomli_w.dumps({key: 0})[:-len(" = 0\n")]


# ---- helpers ----------------------------------------------------------------------------------
def _join(prefix, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_type(v, hint) -> bool:
    if hint is float:
        return _is_number(v)
    if hint is int:
        return isinstance(v, int) and not isinstance(v, bool)
    if hint in (tuple, list):
        return isinstance(v, list)
    return isinstance(v, hint)


def _describe(v) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}
    return f"{names.get(type(v), type(v).__name__)} {v!r}"


def _dataclass_items(hint):
    """The item type of ``tuple[D, ...]`` or ``list[D]`` when D is a dataclass, else None."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (tuple, list) and args and dataclasses.is_dataclass(args[0]) \
            and (len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis)):
        return args[0]
    return None


def _strip_optional(hint):
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else hint
    return hint


@functools.cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


@functools.cache
def _field_units(cls) -> dict[str, str]:
    units = dict(BASE_FIELD_UNITS) if issubclass(cls, Element) else {}
    for klass in reversed(cls.__mro__):
        units.update(vars(klass).get("field_units", {}))
    for field, dim in units.items():
        if dim not in UNITS and dim not in DERIVED_UNITS:
            raise ValueError(f"{cls.__name__}.field_units[{field!r}]: unknown dimension {dim!r}; "
                             f"known: {', '.join([*UNITS, *DERIVED_UNITS])}")
    return units


def _toml_error(err: tomllib.TOMLDecodeError, text: str, file: str) -> SceneError:
    """A SceneError for a TOML syntax error, with line and column, naming the element and key
    where a duplicate can be told apart."""
    msg = str(err)
    m = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", msg)
    problem, where = (m.group(1), f"line {m.group(2)}, column {m.group(3)}") if m else \
        (msg.replace(" (at end of document)", ""), "the end of the file")
    element = key = None
    dup = re.fullmatch(r"Cannot declare (\(.*\)) twice", problem)
    if dup:
        try:
            table = tuple(ast.literal_eval(dup.group(1)))
        except (ValueError, SyntaxError):
            table = ()
        if len(table) == 2 and table[0] == "elements":
            return SceneError(f"duplicate element name: [elements.{table[1]}] is declared a second time at {where}; "
                              "element names must be unique", element=table[1], key="name", file=file)
        return SceneError(f"the table [{'.'.join(table)}] is declared a second time at {where}; merge the two",
                          key=".".join(table) or None, file=file)
    if problem == "Cannot overwrite a value" and m:
        lines = text.splitlines()
        row = int(m.group(2)) - 1
        if 0 <= row < len(lines):
            key = lines[row].split("=", 1)[0].strip().strip('"\'') or None
            for above in reversed(lines[:row]):  # the table the key is in
                h = re.fullmatch(r"\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?", above)
                if h:
                    e = re.fullmatch(r"elements\s*\.\s*(\"[^\"]*\"|'[^']*'|[\w-]+)", h.group(1))
                    if e:
                        element = e.group(1).strip("\"'")
                    elif key:
                        key = f"{h.group(1)}.{key}"
                    break
        return SceneError(f"invalid TOML at {where}: the key is set twice (a key may appear only once "
                          "in a table)", element=element, key=key, file=file)
    hint = _syntax_hint(problem, text, int(m.group(2)), int(m.group(3))) if m else ""
    return SceneError(f"invalid TOML at {where}: {problem}{hint}", file=file)


def _syntax_hint(problem: str, text: str, line: int, column: int) -> str:
    """How to fix a syntax error that matches a known mistake ('' when none matches)."""
    lines = text.splitlines()
    if not 0 < line <= len(lines) or problem != "Invalid initial character for a key part":
        return ""
    row = lines[line - 1]
    before, rest = row[:column - 1], row[column - 1:]
    code = re.sub(r'"[^"]*"|\'[^\']*\'', '""', before)  # string contents do not count
    if code.count("{") > code.count("}") and (not rest.strip() or rest.lstrip().startswith("#")):
        return ("; an inline table { ... } must stay on one line in TOML 1.0: join its lines, or write it as "
                "a table (e.g. [[elements.NAME.health]] with one key per line)")
    if re.search(r",\s*$", code) and rest.lstrip().startswith("}"):
        return "; remove the comma after the last item of the inline table (TOML 1.0 allows none)"
    return ""
