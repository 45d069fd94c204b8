"""Read an SMT2020 dataset (Kopp, Hassoun, Kalir, Moench 2020) into a ``twin.fab.Fab``.

Each file is tab-separated with a header line. Every column is either read into the Fab or,
where the simulator does not act on it, recorded in ``Fab.unmodelled`` (column -> reason; only
columns that carry a value other than their neutral one in the dataset are listed). A value the
reader does not know (a distribution, unit, rule, per-time kind, calendar type) is refused; a
malformed line is one PlantError naming the file, line and column. docs/fab.md has the table.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..distributions import Deterministic, Exponential, Uniform
from ..errors import PlantError, nearest
from .fab import Fab
from .orders import Order, WipLot
from .products import PER_BATCH, PER_LOT, PER_WAFER, Product, Route, Step
from .tools import Breakdown, PMCalendar, SetupMatrix, ToolGroup, Transport

UNITS = {"sec": 1.0, "s": 1.0, "min": 60.0, "hr": 3600.0, "hour": 3600.0, "day": 86400.0}
PER = {"per_lot": PER_LOT, "per_piece": PER_WAFER, "per_batch": PER_BATCH}
RULES = ("rule_HotLotFIRST", "rule_FIFO", "rule_LSSU")
DATE = "%m/%d/%y %H:%M:%S"
SETUP_MATRIX = "smt2020"

RANKS = {"": None, "rank_HP;rank_RSETUP;rank_FIFO": "fifo", "rank_HP;rank_RSETUP;rank_CR": "cr",
         "rank_HP;rank_FIFO": "fifo", "rank_HP;rank_CR": "cr", "rank_FIFO": "fifo", "rank_CR": "cr"}
WAKE = ("", "wake_LeastSetupTime")

# Columns the simulator keeps but does not act on, with the reason shown to the user.
UNMODELLED = {
    "tool.txt.1l:STNFAMSTEP_ACTLIST": "custom action lists (operator actions during setups, extra load/unload) "
                                      "are not modelled",
    "route:SVESTN": "same-tool constraints (litho alignment) are read but not enforced: "
                    "load_smt2020(..., same_tool=True) enforces them",
    "order.txt:ORDER": "order ids are labels; lots are named by LOT",
    "IGNORE": "the dataset's annotation columns named IGNORE (area names): kept as Step.area, not used",
}


def _unmodelled(fab: Fab) -> dict[str, str]:
    """The UNMODELLED entries this dataset actually uses (a non-neutral value somewhere)."""
    steps = [s for p in fab.products.values() for s in p.route.steps]
    groups = list(fab.groups.values())
    used = {
        "tool.txt.1l:STNFAMSTEP_ACTLIST": any(g.action_list for g in groups),
        "route:SVESTN": any(s.same_tool_as for s in steps),
        "order.txt:ORDER": True,
        "IGNORE": True,
    }
    return {k: UNMODELLED[k] for k, u in used.items() if u}


def _rule(t, n, r) -> tuple[str, bool]:
    """RULE + FWLRANK -> (twin rule, rank by least setup): rule_HotLotFIRST and rank_HP put higher
    priority first; the last rank (rank_FIFO / rank_CR) orders within; rank_RSETUP (and rule_LSSU)
    rank by least setup between the two (docs/fab.md)."""
    rule = t.choice(n, r, "RULE", tuple(RULES))
    last = RANKS.get(r["FWLRANK"], "refused")
    if last == "refused":
        raise t.err(n, "FWLRANK", f"unsupported ranking {r['FWLRANK']!r}; twin reads "
                    + ", ".join(repr(k) for k in RANKS if k))
    hp = rule in ("rule_HotLotFIRST", "rule_LSSU") or "rank_HP" in r["FWLRANK"]
    if rule == "rule_FIFO" and "rank_HP" in r["FWLRANK"]:
        raise t.err(n, "FWLRANK", "rank_HP (priority first) contradicts rule_FIFO")
    name = {(True, "cr"): "priority_cr", (False, "cr"): "cr", (True, "fifo"): "priority_fifo",
            (False, "fifo"): "fifo"}[(hp, last or "fifo")]
    rank_setup = rule == "rule_LSSU" or "rank_RSETUP" in r["FWLRANK"]
    if name == "priority_fifo" and rule == "rule_LSSU":
        name = "least_setup"
    return name, rank_setup


class _Table:
    """Rows of one tab-separated file as dicts, with their line numbers for error messages."""

    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.path = path
        if not path.is_file():
            raise PlantError("missing file of the SMT2020 dataset", file=str(path))
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        if not lines:
            raise PlantError("empty file; expected a header line", file=str(path))
        header = [h.strip() for h in lines[0].split("\t")]
        while header and header[-1] == "":
            header.pop()
        if tuple(header) != columns:
            raise PlantError(f"header must be {' '.join(columns)}, got {' '.join(header)}",
                             file=str(path), element="line 1")
        self.rows: list[tuple[int, dict[str, str]]] = []
        for n, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            cells = [c.strip() for c in line.split("\t")]
            extra = [c for c in cells[len(columns):] if c]
            if extra:
                raise PlantError(f"{len(cells)} fields, more than the {len(columns)} columns of the header "
                                 f"(extra value {extra[0]!r})", file=str(path), element=f"line {n}")
            cells += [""] * (len(columns) - len(cells))
            self.rows.append((n, dict(zip(columns, cells))))

    def err(self, n: int, column: str, problem: str) -> PlantError:
        return PlantError(problem, file=str(self.path), element=f"line {n}", key=column)

    def number(self, n, row, column, *, required=True, integer=False):
        text = row[column]
        if text == "":
            if required:
                raise self.err(n, column, "missing value")
            return None
        try:
            v = float(text)
        except ValueError:
            raise self.err(n, column, f"must be a number, got {text!r}") from None
        if not v == v or v < 0:
            raise self.err(n, column, f"must be a non-negative number, got {text!r}")
        if integer:
            if not v.is_integer():
                raise self.err(n, column, f"must be a whole number, got {text!r}")
            return int(v)
        return v

    def unit(self, n, row, column) -> float:
        text = row[column]
        if text not in UNITS:
            raise self.err(n, column, f"unknown time unit {text!r}; allowed: {', '.join(UNITS)}")
        return UNITS[text]

    def time(self, n, row, value_col, unit_col, *, required=True):
        v = self.number(n, row, value_col, required=required)
        if v is None:
            if row[unit_col] and required:
                raise self.err(n, value_col, "missing value")
            return None
        return v * self.unit(n, row, unit_col)

    def dist(self, n, row, type_col, mean_col, half_col, unit_col):
        """constant / exponential (mean) / uniform (mean +- half width) in seconds."""
        dist_type = row[type_col]
        scale = self.unit(n, row, unit_col)
        mean = self.number(n, row, mean_col) * scale
        try:
            if dist_type == "constant":
                return Deterministic(mean)
            if dist_type == "exponential":
                return Exponential(mean)
            if dist_type == "uniform":
                half = (self.number(n, row, half_col) if half_col else 0.0) * scale
                if half == 0:
                    return Deterministic(mean)
                if half > mean:
                    raise self.err(n, half_col, f"half width {half / scale:g} exceeds the mean {mean / scale:g}: negative times")
                return Uniform(mean - half, mean + half)
        except PlantError as e:
            if e.file:
                raise
            raise self.err(n, mean_col, e.problem) from None
        raise self.err(n, type_col, f"unknown distribution {dist_type!r}; allowed: constant, exponential, uniform")

    def date(self, n, row, column) -> datetime:
        try:
            return datetime.strptime(row[column], DATE)
        except ValueError:
            raise self.err(n, column, f"must be a date like 01/01/18 00:00:00, got {row[column]!r}") from None

    def choice(self, n, row, column, allowed):
        if row[column] not in allowed:
            raise self.err(n, column, f"unsupported value {row[column]!r}; twin reads {', '.join(repr(a) for a in allowed)}")
        return row[column]


TOOL_COLS = ("STNFAM", "STN", "RULE", "FWLRANK", "WAKERESRANK", "BATCHCRITF", "BATCHPER", "LTIME", "LTUNITS",
             "ULTIME", "ULTUNITS", "STNCAP", "STNQTY", "STNGRP", "STNFAMSTEP_ACTLIST", "STNFAMLOC", "PRERULERWL",
             "SETUPGRP")
ROUTE_COLS = ("ROUTE", "STEP", "DESC", "STNFAM", "PDIST", "PTIME", "PTIME2", "PTUNITS", "PTPER", "BATCHMN",
              "BATCHMX", "SETUP", "WHEN", "STIME", "STUNITS", "SVESTN", "FORSTEP", "BatchInterval", "BatchIntUnits",
              "PartInterval", "PartIntUnits", "RWKSTEP", "REWORK", "RWKTYPE", "StepPercent", "STEP_CQT", "CQT",
              "CQTUNITS", "IGNORE")
PART_COLS = ("PARTGRP", "PARTFAM", "PART", "ROUTEFILE", "ROUTE")
ORDER_COLS = ("LOT", "PART", "PRIOR", "PIECES", "START", "RDIST", "REPEAT", "RUNITS", "RPT#", "LOTSPERRPT", "DUE",
              "ORDER", "HOTLOT")
WIP_COLS = ("LOT", "PART", "PRIOR", "PIECES", "START", "CURSTEP", "DUE", "ORDER", "HOTLOT", "TRACE")
DOWN_COLS = ("DOWNCALNAME", "DOWNCALTYPE", "MTTFDIST", "MTTF", "MTTFUNITS", "MTTRDIST", "MTTR", "MTTRUNITS", "IGNORE")
PM_COLS = ("PMCALNAME", "PMCALTYPE", "MTBPM", "MTBPMUNITS", "MTTRDIST", "MTTR", "MTTR2", "MTTRUNITS", "IGNORE")
ATTACH_COLS = ("CALNAME", "CALTYPE", "RESTYPE", "RESNAME", "FOADIST", "FOA", "FOAUNITS")
SETUP_COLS = ("CURSETUP", "NEWSETUP", "STIME", "STUNITS", "IGNORE")
SETUPGRP_COLS = ("SETUPGRP", "SETUP", "MINRUN", "IGNORE")
FROMTO_COLS = ("FROMLOC", "TOLOC", "DDIST", "DTIME", "DTIME2", "DUNITS")


def load_smt2020(path, *, stagger_pms: bool = True, same_tool: bool = False) -> Fab:
    """The Fab of one SMT2020 folder (HVLM or LVHM), validated. Times in seconds, relative to the
    earliest order start (time 0). ``stagger_pms``: attach.txt gives one first occurrence (FOA) per
    PM calendar and tool group; tool k of n takes its first PM at FOA x (k+1)/n (PySCFabSim-release's
    reading: a group's tools are not all down together), or with False all at FOA. ``same_tool``:
    enforce SVESTN/FORSTEP (a lot runs step FORSTEP on the tool it ran this step on: ``Step.
    same_tool_as``); False (the default, the results of earlier versions): the steps carry no
    constraint and ``fab.unmodelled`` lists it."""
    folder = Path(path)
    if not folder.is_dir():
        raise PlantError("not a folder of SMT2020 files (tool.txt.1l, route_N.txt, order.txt, ...)", file=str(folder))
    fab = Fab(name=folder.name, source=str(folder))
    _tools(fab, _Table(folder / "tool.txt.1l", TOOL_COLS))
    _setups(fab, _Table(folder / "setup.txt", SETUP_COLS), _Table(folder / "setupgrp.txt", SETUPGRP_COLS))
    _parts(fab, folder, _Table(folder / "part.txt", PART_COLS))
    origin = _orders(fab, _Table(folder / "order.txt", ORDER_COLS))
    _wip(fab, _Table(folder / "WIP.txt", WIP_COLS), origin)
    cals = _downcal(_Table(folder / "downcal.txt", DOWN_COLS))
    pms = _pmcal(_Table(folder / "pmcal.txt", PM_COLS))
    for pm in pms.values():
        pm.stagger = stagger_pms
    _attach(fab, _Table(folder / "attach.txt", ATTACH_COLS), cals, pms)
    _fromto(fab, _Table(folder / "fromto.txt", FROMTO_COLS))
    uses_setup = {s.group for p in fab.products.values() for s in p.route.steps if s.setup}
    for g in uses_setup:
        fab.groups[g].setup_group = SETUP_MATRIX
    _check_setup_pairs(fab, folder / "setup.txt")
    fab.unmodelled = _unmodelled(fab)
    if same_tool:
        fab.unmodelled.pop("route:SVESTN", None)
    else:
        for p in fab.products.values():
            for s in p.route.steps:
                s.same_tool_as = None
    return fab.validate()


def _check_setup_pairs(fab: Fab, path: Path) -> None:
    """Every state met on a group's tools must reach each state whose steps take the matrix time
    (no STIME of their own): a missing pair is one error naming setup.txt and the pair."""
    m = fab.setups[SETUP_MATRIX]
    states: dict[str, set] = {}
    targets: dict[str, set] = {}
    for p in fab.products.values():
        for st in p.route.steps:
            if st.setup:
                states.setdefault(st.group, set()).add(st.setup)
                if st.setup_time is None:
                    targets.setdefault(st.group, set()).add(st.setup)
    for g, tos in targets.items():
        for b in sorted(tos):
            for a in sorted(states[g]):
                if m.time(a, b) is None:
                    raise PlantError(f"no setup time from {a!r} to {b!r} (tool group {g} needs both): add a line "
                                     f"CURSETUP={a} NEWSETUP={b}, or one with an empty CURSETUP",
                                     file=str(path), element=f"tool group {g}", key=f"{a}->{b}")


def _tools(fab: Fab, t: _Table) -> None:
    for n, r in t.rows:
        name = r["STNFAM"]
        if not name:
            raise t.err(n, "STNFAM", "missing tool group name")
        if name in fab.groups:
            raise t.err(n, "STNFAM", f"tool group {name!r} defined twice")
        if not r["STN"]:
            raise t.err(n, "STN", "missing tool name")
        rule, rank_setup = _rule(t, n, r)
        t.choice(n, r, "WAKERESRANK", WAKE)
        crit = t.choice(n, r, "BATCHCRITF", ("", "crit_sameroutestep"))
        t.choice(n, r, "BATCHPER", ("", "piece"))
        t.choice(n, r, "PRERULERWL", ("", "no"))
        loc = t.choice(n, r, "STNFAMLOC", ("Fab", "Delay"))
        tools = t.number(n, r, "STNQTY", integer=True)
        if tools < 1:
            raise t.err(n, "STNQTY", f"must be >= 1, got {r['STNQTY']!r}")
        fab.groups[name] = ToolGroup(
            name=name, tools=tools, rule=rule, rank_setup=rank_setup, batch_criterion="same_step" if crit else None,
            load=t.time(n, r, "LTIME", "LTUNITS", required=False) or 0.0,
            unload=t.time(n, r, "ULTIME", "ULTUNITS", required=False) or 0.0,
            lots_per_tool=t.number(n, r, "STNCAP", required=False, integer=True) or 1,
            area=r["STNGRP"], location=loc, delay=loc == "Delay",
            rank=tuple(x for x in r["FWLRANK"].split(";") if x), wake_rank=r["WAKERESRANK"] or None,
            action_list=r["STNFAMSTEP_ACTLIST"] or None, setup_group=None,
            tool_name=r["STN"])
        if r["SETUPGRP"]:
            fab.groups[name].rank += (f"setupgrp:{r['SETUPGRP']}",)


def _setups(fab: Fab, t: _Table, tg: _Table) -> None:
    m = SetupMatrix(SETUP_MATRIX)
    for n, r in t.rows:
        if not r["NEWSETUP"]:
            raise t.err(n, "NEWSETUP", "missing setup name")
        s = t.time(n, r, "STIME", "STUNITS")
        if r["CURSETUP"]:
            m.times[(r["CURSETUP"], r["NEWSETUP"])] = s
        else:
            m.to_any[r["NEWSETUP"]] = s
    for n, r in tg.rows:
        if not r["SETUP"]:
            raise tg.err(n, "SETUP", "missing setup name")
        m.min_run[r["SETUP"]] = tg.number(n, r, "MINRUN", integer=True)
    fab.setups[SETUP_MATRIX] = m


def _parts(fab: Fab, folder: Path, t: _Table) -> None:
    for n, r in t.rows:
        f = r["ROUTEFILE"]
        if not f or "/" in f or "\\" in f:
            raise t.err(n, "ROUTEFILE", f"must name a route file in the same folder, got {f!r}")
        route = _route(_Table(folder / f, ROUTE_COLS), r["ROUTE"], fab.groups)
        fab.products[r["PART"]] = Product(name=r["PART"], route=route, family=r["PARTFAM"], group=r["PARTGRP"])


def _route(t: _Table, name: str, groups) -> Route:
    route = Route(name)
    for n, r in t.rows:
        if r["ROUTE"] != name:
            raise t.err(n, "ROUTE", f"route file of route {name!r} (part.txt) has a row of route {r['ROUTE']!r}")
        number = t.number(n, r, "STEP", integer=True)
        if r["STNFAM"] not in groups:
            raise t.err(n, "STNFAM", f"names tool group {r['STNFAM']!r}, which tool.txt.1l does not define"
                        + nearest(r["STNFAM"], groups))
        per = PER.get(t.choice(n, r, "PTPER", tuple(PER)))
        step = Step(number=number, group=r["STNFAM"], name=r["DESC"], per=per, area=r["IGNORE"],
                    time=t.dist(n, r, "PDIST", "PTIME", "PTIME2", "PTUNITS"))
        step.batch_min = t.number(n, r, "BATCHMN", required=False, integer=True)
        step.batch_max = t.number(n, r, "BATCHMX", required=False, integer=True)
        if (step.batch_min is None) != (step.batch_max is None) or (per == PER_BATCH and step.batch_min is None):
            raise t.err(n, "BATCHMN" if step.batch_min is None else "BATCHMX", "a per_batch step needs BATCHMN and BATCHMX")
        if step.batch_min is not None and not 1 <= step.batch_min <= step.batch_max:
            raise t.err(n, "BATCHMN", f"batch_min ({step.batch_min}) must be between 1 and batch_max ({step.batch_max})")
        if r["SETUP"]:
            t.choice(n, r, "WHEN", ("need",))
            step.setup = r["SETUP"]
            step.setup_time = t.time(n, r, "STIME", "STUNITS", required=False)
        elif r["STIME"] or r["WHEN"]:
            raise t.err(n, "STIME" if r["STIME"] else "WHEN", "a setup time or condition without a SETUP")
        if r["SVESTN"]:
            t.choice(n, r, "SVESTN", ("yes",))
            step.same_tool_as = t.number(n, r, "FORSTEP", integer=True)
        elif r["FORSTEP"]:
            raise t.err(n, "FORSTEP", "FORSTEP without SVESTN=yes")
        step.batch_interval = t.time(n, r, "BatchInterval", "BatchIntUnits", required=False)
        step.cascade = t.time(n, r, "PartInterval", "PartIntUnits", required=False)
        if step.cascade is not None and per != PER_WAFER:
            raise t.err(n, "PartInterval", "a part interval (cascading) is only read on per_piece steps")
        if step.batch_interval is not None and per != PER_LOT:
            raise t.err(n, "BatchInterval", "a batch interval is only read on per_lot steps")
        if r["REWORK"]:
            t.choice(n, r, "RWKTYPE", ("lot",))
            step.rework_p = t.number(n, r, "REWORK") / 100.0
            step.rework_to = t.number(n, r, "RWKSTEP", integer=True)
        elif r["RWKSTEP"] or r["RWKTYPE"]:
            raise t.err(n, "REWORK", "missing rework percentage")
        if r["StepPercent"]:
            pct = t.number(n, r, "StepPercent")
            if not 0 < pct <= 100:
                raise t.err(n, "StepPercent", f"must be in (0, 100], got {r['StepPercent']!r}")
            step.sample_p = pct / 100.0
        if r["CQT"]:
            step.cqt = t.time(n, r, "CQT", "CQTUNITS")
            step.cqt_to = t.number(n, r, "STEP_CQT", integer=True)
        elif r["STEP_CQT"]:
            raise t.err(n, "CQT", "missing critical queue time")
        route.steps.append(step)
    try:
        route.validate(f"route {name}")
    except PlantError as e:
        raise e.located(file=str(t.path)) from None
    return route


def _orders(fab: Fab, t: _Table) -> datetime:
    starts = [t.date(n, r, "START") for n, r in t.rows]
    origin = min(starts)
    fab.start_date = origin
    for (n, r), start in zip(t.rows, starts):
        t.choice(n, r, "RDIST", ("constant",))
        t.choice(n, r, "HOTLOT", ("yes", "no"))
        due = t.date(n, r, "DUE")
        if due < start:
            raise t.err(n, "DUE", f"due date {r['DUE']} is before the release {r['START']}")
        fab.orders.append(Order(
            name=r["LOT"], product=r["PART"], wafers=t.number(n, r, "PIECES", integer=True),
            priority=t.number(n, r, "PRIOR", integer=True), start=(start - origin).total_seconds(),
            interval=t.time(n, r, "REPEAT", "RUNITS"), count=t.number(n, r, "RPT#", integer=True),
            lots_per_release=t.number(n, r, "LOTSPERRPT", integer=True),
            due_after=(due - start).total_seconds(), hot=r["HOTLOT"] == "yes"))
    return origin


def _wip(fab: Fab, t: _Table, origin: datetime) -> None:
    for n, r in t.rows:
        if r["TRACE"]:
            raise t.err(n, "TRACE", f"lot traces are not read, got {r['TRACE']!r}")
        t.choice(n, r, "HOTLOT", ("", "yes", "no"))
        if t.date(n, r, "DUE") < t.date(n, r, "START"):
            raise t.err(n, "DUE", f"due date {r['DUE']} is before the release {r['START']}")
        fab.wip.append(WipLot(
            name=r["LOT"], product=r["PART"], step=t.number(n, r, "CURSTEP", integer=True),
            wafers=t.number(n, r, "PIECES", integer=True), priority=t.number(n, r, "PRIOR", integer=True),
            released=(t.date(n, r, "START") - origin).total_seconds(),
            due=(t.date(n, r, "DUE") - origin).total_seconds(), order=r["ORDER"]))


def _downcal(t: _Table) -> dict[str, Breakdown]:
    out = {}
    for n, r in t.rows:
        t.choice(n, r, "DOWNCALTYPE", ("mttf_by_cal",))
        out[r["DOWNCALNAME"]] = Breakdown(
            r["DOWNCALNAME"], ttf=t.dist(n, r, "MTTFDIST", "MTTF", None, "MTTFUNITS"),
            ttr=t.dist(n, r, "MTTRDIST", "MTTR", None, "MTTRUNITS"))
    return out


def _pmcal(t: _Table) -> dict[str, PMCalendar]:
    out = {}
    for n, r in t.rows:
        pm_basis = t.choice(n, r, "PMCALTYPE", ("mtbpm_by_cal", "mtbpm_by_pieces"))
        if pm_basis == "mtbpm_by_cal":
            every, basis = t.time(n, r, "MTBPM", "MTBPMUNITS"), "time"
        else:
            t.choice(n, r, "MTBPMUNITS", ("pieces",))
            every, basis = t.number(n, r, "MTBPM"), "wafers"
        out[r["PMCALNAME"]] = PMCalendar(r["PMCALNAME"], basis=basis, every=every,
                                         duration=t.dist(n, r, "MTTRDIST", "MTTR", "MTTR2", "MTTRUNITS"))
    return out


def _attach(fab: Fab, t: _Table, cals: dict, pms: dict) -> None:
    for n, r in t.rows:
        cal_type = t.choice(n, r, "CALTYPE", ("down", "pm"))
        restype = t.choice(n, r, "RESTYPE", ("stngrp", "stnfam"))
        table = cals if cal_type == "down" else pms
        cal = table.get(r["CALNAME"])
        if cal is None:
            raise t.err(n, "CALNAME", f"no {'downcal' if cal_type == 'down' else 'pmcal'}.txt calendar named {r['CALNAME']!r}")
        if restype == "stngrp":
            groups = [g.name for g in fab.groups.values() if g.area == r["RESNAME"]]
        else:
            groups = [r["RESNAME"]] if r["RESNAME"] in fab.groups else []
        if not groups:
            raise t.err(n, "RESNAME", f"no tool {'area' if restype == 'stngrp' else 'group'} named {r['RESNAME']!r}")
        cal.groups.extend(groups)
        if cal_type == "down":
            cal.first = t.dist(n, r, "FOADIST", "FOA", None, "FOAUNITS")
        else:
            t.choice(n, r, "FOADIST", ("constant",))
            if cal.basis == "wafers":  # first PM after FOA wafers (no unit, or 'pieces')
                t.choice(n, r, "FOAUNITS", ("", "pieces"))
                cal.first = t.number(n, r, "FOA")
            else:
                cal.first = t.time(n, r, "FOA", "FOAUNITS")
    fab.breakdowns = [c for c in cals.values() if c.groups]
    fab.pms = [c for c in pms.values() if c.groups]


def _fromto(fab: Fab, t: _Table) -> None:
    for n, r in t.rows:
        fab.transport.append(Transport(r["FROMLOC"], r["TOLOC"], t.dist(n, r, "DDIST", "DTIME", "DTIME2", "DUNITS")))
