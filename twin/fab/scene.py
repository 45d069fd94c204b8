"""A fab written as a TOML file (a top-level ``[fab]`` table): tool groups, routes, products,
orders, breakdown and PM calendars, setup matrices and the run defaults, every time a number of
seconds or a string with a unit ("225 min"). ``load_fab_file(path)`` reads one into a
``twin.fab.Fab``; the bundled ones (``scenes/fabs/*.toml``, e.g. ``minifab``) are found by name.

Strict like the line scenes: an unknown key, a wrong type or a bad unit is one SceneError naming
the file, the element and the key, before anything runs. Keys are listed in docs/fab.md.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..distributions import TIME_KEYS, canonical_name, from_dict
from ..errors import PlantError, SceneError, UnitError, nearest
from ..scenes import SCENES_DIR
from ..units import quantity
from .fab import Fab
from .orders import Order
from .products import Product, Route, Step
from .tools import Breakdown, PMCalendar, SetupMatrix, ToolGroup

FABS_DIR = SCENES_DIR / "fabs"
WEEK = 7 * 86400.0

GROUP_KEYS = {"tools", "rule", "batch_criterion", "load", "unload", "lots_per_tool", "setup_group", "delay",
              "source"}
STEP_KEYS = {"group", "time", "per", "name", "cascade", "batch_interval", "batch_min", "batch_max", "setup",
             "setup_time", "rework_to", "rework_p", "sample_p", "same_tool_as", "source"}
ORDER_KEYS = {"name", "product", "wafers", "priority", "start", "interval", "lots_per_week", "count", "due_after",
              "lots_per_release", "poisson", "source"}
CAL_KEYS = {"name", "ttf", "ttr", "groups", "first", "basis", "every", "duration", "stagger", "source"}
TOP_KEYS = {"fab", "study", "groups", "routes", "products", "orders", "breakdowns", "pms", "setups"}


def bundled_fabs() -> list[str]:
    return sorted(p.stem for p in FABS_DIR.glob("*.toml"))


def fab_file(name) -> Path | None:
    """The fab file ``name`` names (a path to a TOML file with a ``[fab]`` table, or a bundled
    fab by its bare name), or None when it is not one."""
    try:   # a name the OS refuses (too long, ...) is not a fab file: the scene reader says why
        p = Path(name)
        if not p.exists() and len(p.parts) == 1 and p.suffix in ("", ".toml"):
            p = FABS_DIR / (p.name if p.suffix else f"{p.name}.toml")
        if not (p.is_file() and p.suffix == ".toml"):
            return None
        head = p.read_bytes()[:65536].decode("utf-8-sig", errors="replace")
    except (OSError, ValueError):
        return None
    return p if any(line.strip() == "[fab]" for line in head.splitlines()) else None


class _Reader:
    def __init__(self, file: str):
        self.file = file

    def err(self, msg, element=None, key=None):
        return SceneError(msg, element=element, key=key, file=self.file)

    def keys(self, d, allowed, element):
        if not isinstance(d, dict):
            raise self.err(f"must be a table, got {d!r}", element)
        for k in d:
            if k not in allowed:
                raise self.err(f"unknown key '{k}'{nearest(k, allowed)}; allowed: {', '.join(sorted(allowed))}", element, k)

    def time(self, d, key, element, default=None):
        if key not in d:
            if default is None:
                raise self.err(f"'{key}' is required", element, key)
            return default
        try:
            return quantity(d[key], "time")
        except UnitError as e:
            raise self.err(str(e), element, key) from None

    def dist(self, d, key, element):
        """A time distribution: a time ("225 min") or a table {dist = ..., <time keys> = times}."""
        v = d.get(key)
        if v is None:
            raise self.err(f"'{key}' is required", element, key)
        try:
            if isinstance(v, dict):
                spec = dict(v)
                name = canonical_name(spec.get("dist"))
                for k in TIME_KEYS.get(name, ()):
                    if k in spec and k != "samples":
                        spec[k] = quantity(spec[k], "time")
                return from_dict(spec)
            return from_dict(quantity(v, "time"))
        except (UnitError, PlantError) as e:
            raise self.err(str(getattr(e, "problem", e)), element, f"{key}.{getattr(e, 'key', '') or ''}".rstrip(".")) from None

    def typed(self, d, key, types, element, default):
        v = d.get(key, default)
        if v is not default and (isinstance(v, bool) and bool not in types or not isinstance(v, types)):
            raise self.err(f"must be {' or '.join(t.__name__ for t in types)}, got {v!r}", element, key)
        return v


def load_fab_file(path) -> tuple[Fab, dict]:
    """(the Fab, its run defaults {"replicas", "horizon", "warmup", "seed", "max_batch_wait"}) of a
    fab TOML file (a path, or a bundled fab's name)."""
    p = fab_file(path)
    if p is None:
        raise SceneError(f"not a fab file (a TOML file with a [fab] table); bundled fabs: {', '.join(bundled_fabs())}",
                         file=str(path))
    rd = _Reader(str(p))
    try:
        doc = tomllib.loads(p.read_bytes().decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as e:
        raise rd.err(f"not valid TOML: {e}") from None
    rd.keys(doc, TOP_KEYS, "file")
    head = doc["fab"]
    rd.keys(head, {"name", "description", "sources"}, "fab")
    fab = Fab(str(head.get("name", p.stem)), source=str(p))
    for g, d in doc.get("groups", {}).items():
        el = f"tool group {g}"
        rd.keys(d, GROUP_KEYS, el)
        fab.groups[g] = ToolGroup(g, rd.typed(d, "tools", (int,), el, 1), rule=rd.typed(d, "rule", (str,), el, "fifo"),
                                  batch_criterion=rd.typed(d, "batch_criterion", (str,), el, None),
                                  load=rd.time(d, "load", el, 0.0), unload=rd.time(d, "unload", el, 0.0),
                                  lots_per_tool=rd.typed(d, "lots_per_tool", (int,), el, 1),
                                  setup_group=rd.typed(d, "setup_group", (str,), el, None),
                                  delay=rd.typed(d, "delay", (bool,), el, False))
    routes = {}
    for rname, d in doc.get("routes", {}).items():
        rd.keys(d, {"steps", "source"}, f"route {rname}")
        steps = []
        for i, sd in enumerate(d.get("steps", []), start=1):
            el = f"route {rname} step {i}"
            rd.keys(sd, STEP_KEYS, el)
            steps.append(Step(i, rd.typed(sd, "group", (str,), el, ""), rd.dist(sd, "time", el),
                              per=rd.typed(sd, "per", (str,), el, "lot"), name=rd.typed(sd, "name", (str,), el, ""),
                              cascade=rd.time(sd, "cascade", el, -1.0) if "cascade" in sd else None,
                              batch_interval=rd.time(sd, "batch_interval", el) if "batch_interval" in sd else None,
                              batch_min=rd.typed(sd, "batch_min", (int,), el, None),
                              batch_max=rd.typed(sd, "batch_max", (int,), el, None),
                              setup=rd.typed(sd, "setup", (str,), el, None),
                              setup_time=rd.time(sd, "setup_time", el) if "setup_time" in sd else None,
                              rework_to=rd.typed(sd, "rework_to", (int,), el, None),
                              same_tool_as=rd.typed(sd, "same_tool_as", (int,), el, None),
                              rework_p=float(rd.typed(sd, "rework_p", (int, float), el, 0.0)),
                              sample_p=float(rd.typed(sd, "sample_p", (int, float), el, 1.0))))
        routes[rname] = Route(rname, steps)
    for pname, d in doc.get("products", {}).items():
        el = f"product {pname}"
        rd.keys(d, {"route", "one_per_batch", "distinct_tools", "source"}, el)
        r = d.get("route")
        if r not in routes:
            raise rd.err(f"names route {r!r}, which the file does not have{nearest(str(r), routes)}", el, "route")
        fab.products[pname] = Product(pname, routes[r], one_per_batch=rd.typed(d, "one_per_batch", (bool,), el, False),
                                      distinct_tools=rd.typed(d, "distinct_tools", (bool,), el, False))
    for i, d in enumerate(doc.get("orders", []), start=1):
        el = f"order {d.get('name', i) if isinstance(d, dict) else i}"
        rd.keys(d, ORDER_KEYS, el)
        if ("interval" in d) == ("lots_per_week" in d):
            raise rd.err("give one of 'interval' (time between releases) or 'lots_per_week'", el, "interval")
        if "interval" in d:
            interval = rd.time(d, "interval", el)
        else:
            rate = rd.typed(d, "lots_per_week", (int, float), el, 0)
            if not rate > 0:
                raise rd.err(f"must be positive, got {rate}", el, "lots_per_week")
            interval = WEEK / rate
        fab.orders.append(Order(str(d.get("name", i)), rd.typed(d, "product", (str,), el, ""),
                                wafers=rd.typed(d, "wafers", (int,), el, 25), priority=rd.typed(d, "priority", (int,), el, 0),
                                start=rd.time(d, "start", el, 0.0), interval=interval,
                                count=rd.typed(d, "count", (int,), el, 10 ** 9),
                                due_after=rd.time(d, "due_after", el) if "due_after" in d else None,
                                lots_per_release=rd.typed(d, "lots_per_release", (int,), el, 1),
                                poisson=rd.typed(d, "poisson", (bool,), el, False)))
    for i, d in enumerate(doc.get("breakdowns", []), start=1):
        el = f"breakdown {d.get('name', i) if isinstance(d, dict) else i}"
        rd.keys(d, CAL_KEYS - {"basis", "every", "duration", "stagger"}, el)
        fab.breakdowns.append(Breakdown(str(d.get("name", i)), rd.dist(d, "ttf", el), rd.dist(d, "ttr", el),
                                        groups=list(rd.typed(d, "groups", (list,), el, []))))
    for i, d in enumerate(doc.get("pms", []), start=1):
        el = f"PM calendar {d.get('name', i) if isinstance(d, dict) else i}"
        rd.keys(d, CAL_KEYS - {"ttf", "ttr"}, el)
        basis = rd.typed(d, "basis", (str,), el, "time")
        every = rd.time(d, "every", el) if basis == "time" else float(rd.typed(d, "every", (int, float), el, 0))
        first = d.get("first")
        if first is not None:
            first = rd.time(d, "first", el) if basis == "time" else float(first)
        fab.pms.append(PMCalendar(str(d.get("name", i)), basis, every, rd.dist(d, "duration", el),
                                  groups=list(rd.typed(d, "groups", (list,), el, [])), first=first,
                                  stagger=rd.typed(d, "stagger", (bool,), el, False)))
    for sname, d in doc.get("setups", {}).items():
        el = f"setup matrix {sname}"
        rd.keys(d, {"times", "to_any", "min_run", "source"}, el)
        m = SetupMatrix(sname)
        for j, t in enumerate(d.get("times", []), start=1):
            rd.keys(t, {"from", "to", "time"}, f"{el} times[{j}]")
            m.times[(str(t.get("from")), str(t.get("to")))] = rd.time(t, "time", f"{el} times[{j}]")
        for b, v in d.get("to_any", {}).items():
            m.to_any[b] = rd.time({"t": v}, "t", f"{el} to_any.{b}")
        m.min_run.update({k: int(v) for k, v in d.get("min_run", {}).items()})
        fab.setups[sname] = m
    study = doc.get("study", {})
    rd.keys(study, {"replicas", "horizon", "warmup", "seed", "max_batch_wait"}, "study")
    run = {"replicas": rd.typed(study, "replicas", (int,), "study", 4), "seed": rd.typed(study, "seed", (int,), "study", 0),
           "horizon": rd.time(study, "horizon", "study", 120 * 86400.0),
           "warmup": rd.time(study, "warmup", "study", 30 * 86400.0),
           "max_batch_wait": rd.time(study, "max_batch_wait", "study") if "max_batch_wait" in study else None}
    try:
        fab.validate()
    except PlantError as e:
        raise SceneError(e.problem, element=e.element, key=e.key, file=str(p)) from None
    return fab, run
