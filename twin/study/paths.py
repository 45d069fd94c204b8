"""Factor paths: "element.field[.sub...]" names for any parameter of a plant's element specs.

A path walks the element spec (a dataclass), into distributions (their scene-file parameters:
``arrivals.interarrival.mean``), failures (``op30.failures.tbf.mean``) and named health
components (``op30.health.bearing.threshold``). Paths and levels are checked against the plant
before anything runs: an unknown path names the nearest valid one, a level of the wrong type or
unit is one error naming the factor. Setting a path rebuilds the spec through its own
constructor, so every level passes the same validation as a hand-written plant.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import re

from .. import distributions as dists
from ..distributions import Distribution
from ..errors import PlantError, TwinError

TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_QUANTITY = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-z]*)\s*")
_SKIP = {"name", "_", "position", "size", "path", "kind", "part", "sensors"}


class FactorError(TwinError, ValueError):
    """A factor path that does not exist, or a level that does not fit it."""


def _children(obj) -> dict:
    """The settable parts of a spec object: {key: value}."""
    if isinstance(obj, Distribution):
        return {k: v for k, v in obj.to_dict().items() if k != "dist"}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            if f.name in _SKIP:
                continue
            v = getattr(obj, f.name)
            if isinstance(v, tuple) and v and all(hasattr(c, "name") and dataclasses.is_dataclass(c) for c in v):
                out[f.name] = {c.name: c for c in v}
            else:
                out[f.name] = v
        return out
    return {}


def _is_leaf(v) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def valid_paths(plant) -> list[str]:
    """Every settable leaf path of ``plant`` (for checks and hints)."""
    out = []

    def walk(prefix, obj):
        kids = obj if isinstance(obj, dict) else _children(obj)
        for k, v in kids.items():
            p = f"{prefix}.{k}"
            if _is_leaf(v):
                out.append(p)
            else:
                walk(p, v)
    for el in plant:
        walk(el.name, el)
    return out


def _time_like(parent, key) -> bool:
    if isinstance(parent, Distribution):
        return key in dists.TIME_KEYS.get(parent.name, ())
    units = getattr(type(parent), "field_units", {}) or {}
    return units.get(key) == "time"


def _resolve(plant, path: str):
    """(chain of (object, key)) from the element down to the leaf; raises FactorError."""
    if not isinstance(path, str) or "." not in path:
        raise FactorError(f"factor {path!r}: a path is 'element.field', e.g. 'op30.servers'")
    head, *keys = path.split(".")
    if head not in plant:
        raise FactorError(f"factor '{path}': no element named '{head}'{_hint(path, plant)}")
    obj, chain = plant[head], []
    for i, k in enumerate(keys):
        kids = obj if isinstance(obj, dict) else _children(obj)
        if k not in kids:
            raise FactorError(f"factor '{path}': '{'.'.join([head, *keys[:i]])}' has no '{k}'{_hint(path, plant)}")
        chain.append((obj, k))
        obj = kids[k]
    if not _is_leaf(obj):
        raise FactorError(f"factor '{path}' is not a single value; give one of its parameters{_hint(path, plant)}")
    return chain, obj


def _hint(path, plant) -> str:
    m = difflib.get_close_matches(path, valid_paths(plant), n=1, cutoff=0.6)
    return f" (did you mean '{m[0]}'?)" if m else ""


def current(plant, path: str):
    """The value a path holds in ``plant``."""
    return _resolve(plant, path)[1]


def coerce(plant, path: str, level):
    """``level`` converted to the type of the path's value (a time given with its unit, such as
    "50 s" or "1 min", becomes seconds); raises FactorError naming the factor."""
    chain, value = _resolve(plant, path)
    parent, key = chain[-1]
    if isinstance(value, bool):
        if isinstance(level, bool):
            return level
        raise FactorError(f"factor '{path}': level {level!r} must be true or false")
    if isinstance(value, str):
        if isinstance(level, str):
            return level
        raise FactorError(f"factor '{path}': level {level!r} must be a string like {value!r}")
    if isinstance(level, str):
        m = _QUANTITY.fullmatch(level)
        if not m:
            raise FactorError(f"factor '{path}': level {level!r} is not a number")
        unit = m.group(2)
        if unit and not _time_like(parent, key):
            raise FactorError(f"factor '{path}': level {level!r} has a unit, but '{key}' is a plain number")
        if unit and unit not in TIME_UNITS:
            raise FactorError(f"factor '{path}': unknown time unit '{unit}' in {level!r} "
                              f"(use {', '.join(TIME_UNITS)})")
        level = float(m.group(1)) * TIME_UNITS.get(unit, 1.0) if unit else float(m.group(1))
        if isinstance(value, int) and float(level).is_integer():
            level = int(level)
    if level is None and value is None:
        return None
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not math.isfinite(float(level)):
        raise FactorError(f"factor '{path}': level {level!r} must be a finite number")
    if _is_int(parent, key, value):
        if not float(level).is_integer():
            raise FactorError(f"factor '{path}': level {level!r} must be a whole number (it counts)")
        return int(level)
    return float(level)


def is_count(plant, path: str) -> bool:
    """Whether a path holds a whole number (servers, capacity), so ranges over it are integer."""
    chain, value = _resolve(plant, path)
    parent, key = chain[-1]
    return not isinstance(value, bool) and _is_int(parent, key, value)


def _is_int(parent, key, value) -> bool:
    """Whether a leaf counts (servers, capacity) rather than measures."""
    if isinstance(parent, Distribution):
        return key == "k"
    if dataclasses.is_dataclass(parent):
        for f in dataclasses.fields(parent):
            if f.name == key:
                t = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
                return t.replace(" ", "") in ("int", "int|None")
    return isinstance(value, int)


def _rebuild(obj, key, value):
    """A copy of ``obj`` with ``key`` set, built through its constructor (so it validates)."""
    if isinstance(obj, Distribution):
        d = obj.to_dict()
        d[key] = value
        return dists.from_dict(d)
    if isinstance(obj, dict):  # named components
        return {**obj, key: value}
    if isinstance(getattr(obj, key), tuple) and isinstance(value, dict):
        value = tuple(value.values())
    return dataclasses.replace(obj, **{key: value})


def apply(plant, settings: dict):
    """A deep copy of ``plant`` with every path set to its level (the user's plant is untouched).
    Invalid levels raise a PlantError located at the element and the key."""
    out = copy.deepcopy(plant)
    for path, level in settings.items():
        chain, _ = _resolve(out, path)
        value = level
        try:
            for obj, key in reversed(chain):
                value = _rebuild(obj, key, value)
        except PlantError as err:
            raise FactorError(f"factor '{path}' = {level!r}: {err.problem}") from None
        except TypeError as err:
            raise FactorError(f"factor '{path}' = {level!r}: {err}") from None
        out.graph.nodes[path.split(".")[0]]["element"] = value
    return out
