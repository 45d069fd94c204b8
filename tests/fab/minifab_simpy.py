"""An independent SimPy model of the MiniFab scene (scenes/fabs/minifab.toml), written from the
semantics docs/fab.md states and not from twin's code: it reads the TOML file itself (tomllib,
its own unit table) and simulates with SimPy processes.

Semantics reproduced (docs/fab.md, "The simulator"):
- orders release one lot every `interval` from `start` (fixed intervals); a lot runs its route;
- a lot tool group is N tools sharing one FIFO queue (first come, first served);
- a batch step: lots wait in one pool per (route, step) at their group; when a tool is idle it
  starts the ready pool (at least batch_min wafers) whose oldest lot arrived first, taking lots
  first in first out while the batch stays within batch_max wafers, passing over a second lot of
  the products marked one_per_batch (test lots: at most one per batch), which keeps its place;
  all lots of the batch finish together after the step's time;
- distinct tools: a lot of a product marked distinct_tools never runs on a tool it has run on,
  at groups of two tools or more. An idle tool passes over such lots: at a lot group the lot
  that goes next is the first in the queue's order that some idle tool may take, on the first
  idle tool that may take it; at a batch group each idle tool in turn looks at the pools counting
  only the lots it may take (ready: at least batch_min of their wafers; order: the arrival of the
  first of them) and fills its batch passing over the others, which keep their place;
- setups: a step naming a setup state costs its setup_time before processing when the tool is
  in another state (or none yet); the tool then stays in the step's state; with FIFO the setup
  never reorders the queue;
- breakdowns: each tool of a group fails after an exponential time in calendar time counted from
  the end of its last repair; a failure falling while the tool is busy takes it down when its
  job finishes, one falling during a PM when the PM ends; the repair time is exponential;
- PMs (calendar time): every tool of the group falls due at first + j x every (with stagger,
  tool k of n from first x (k+1)/n instead of first); a due PM starts
  as soon as the tool is free (at once when idle, else when its job ends or its repair does) and
  keeps it for the duration;
- statistics: lots finishing in [warmup, horizon]: count and cycle time (finish - release).
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import simpy

UNIT_S = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
WEEK = 7 * 86400.0


def seconds(v) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    m = re.fullmatch(r"\s*([0-9.]+)\s*(s|min|h|d)\s*", v)
    assert m, v
    return float(m.group(1)) * UNIT_S[m.group(2)]


def read(path: Path) -> dict:
    doc = tomllib.loads(path.read_text())
    for d in doc.get("breakdowns", []):
        for k in ("ttf", "ttr"):
            assert d[k]["dist"] == "exponential", "the reference model does exponential breakdowns only"
    return doc


class Tool:
    def __init__(self, group, index):
        self.group, self.index = group, index
        self.busy = self.down = self.failing = self.maint = self.failpend = False
        self.repaired = None
        self.setup = None
        self.pm_due = []       # per PM calendar of the group: [pending, duration]

    @property
    def idle(self):
        return not (self.busy or self.down or self.maint)


class Model:
    def __init__(self, doc: dict, seed: int, horizon: float, warmup: float):
        self.doc, self.horizon, self.warmup = doc, horizon, warmup
        self.rng = np.random.default_rng(seed)
        self.env = simpy.Environment()
        self.seq = itertools.count()
        route = doc["routes"]
        self.routes = {name: r["steps"] for name, r in route.items()}
        self.groups = {}
        for g, d in doc["groups"].items():
            self.groups[g] = {"tools": [Tool(g, i) for i in range(d.get("tools", 1))],
                              "queue": [],            # lot steps: heap of (arrival number, lot)
                              "pools": {}}            # batch steps: (route, step index) -> FIFO list of lots
        self.out, self.ct = {}, {}
        for p in doc["products"]:
            self.out[p], self.ct[p] = 0, 0.0
        for o in doc["orders"]:
            self.env.process(self.releases(o))
        for b in doc.get("breakdowns", []):
            for g in b["groups"]:
                for tool in self.groups[g]["tools"]:
                    self.env.process(self.failures(tool, seconds(b["ttf"]["mean"]), seconds(b["ttr"]["mean"])))
        for pm in doc.get("pms", []):
            assert pm.get("basis", "time") == "time", "the reference model does calendar-time PMs only"
            for g in pm["groups"]:
                tools = self.groups[g]["tools"]
                for k, tool in enumerate(tools):
                    slot = [False, seconds(pm["duration"])]
                    tool.pm_due.append(slot)
                    first = seconds(pm.get("first", pm["every"]))
                    if pm.get("stagger", False):
                        first = first * (k + 1) / len(tools)
                    self.env.process(self.pm_calendar(tool, slot, first, seconds(pm["every"])))

    # --- lots -------------------------------------------------------------------------------
    def releases(self, o):
        interval = WEEK / o["lots_per_week"] if "lots_per_week" in o else seconds(o["interval"])
        start = seconds(o.get("start", 0.0))
        yield self.env.timeout(start)
        k = 0
        while True:
            lot = {"product": o["product"], "route": self.doc["products"][o["product"]]["route"], "step": 0,
                   "wafers": o.get("wafers", 25), "released": self.env.now, "used": set()}
            self.arrive(lot)
            k += 1
            yield self.env.timeout(start + k * interval - self.env.now)

    def arrive(self, lot):
        steps = self.routes[lot["route"]]
        if lot["step"] == len(steps):
            if self.env.now >= self.warmup:
                self.out[lot["product"]] += 1
                self.ct[lot["product"]] += self.env.now - lot["released"]
            return
        st = steps[lot["step"]]
        g = self.groups[st["group"]]
        lot["arrival"] = next(self.seq)
        if st.get("per") == "batch":
            g["pools"].setdefault((lot["route"], lot["step"]), []).append(lot)
        else:
            heapq.heappush(g["queue"], (lot["arrival"], id(lot), lot))
        self.dispatch(st["group"])

    # --- tools ------------------------------------------------------------------------------
    def may_take(self, tool, lot) -> bool:
        """A distinct-tools lot never runs on a tool it ran on, unless the group has one tool."""
        if not self.doc["products"][lot["product"]].get("distinct_tools", False):
            return True
        return len(self.groups[tool.group]["tools"]) < 2 or (tool.group, tool.index) not in lot["used"]

    def ready_pools(self, g, tool):
        """(arrival of the first lot ``tool`` may take, pool key) of the pools ready for it."""
        out = []
        for key, pool in g["pools"].items():
            mine = [x for x in pool if self.may_take(tool, x)]
            if mine and sum(x["wafers"] for x in mine) >= self.routes[key[0]][key[1]]["batch_min"]:
                out.append((mine[0]["arrival"], key))
        return out

    def dispatch(self, gname):
        g = self.groups[gname]
        while True:
            idle = [t for t in g["tools"] if t.idle]
            if not idle:
                return
            if g["queue"]:
                pick = None
                for entry in sorted(g["queue"]):
                    tool = next((t for t in idle if self.may_take(t, entry[2])), None)
                    if tool is not None:
                        pick = entry
                        break
                if pick is None:
                    return
                g["queue"].remove(pick)
                heapq.heapify(g["queue"])
                lots = [pick[2]]
                st = self.routes[lots[0]["route"]][lots[0]["step"]]
            else:
                tool, ready = None, []
                for t in idle:
                    ready = self.ready_pools(g, t)
                    if ready:
                        tool = t
                        break
                if tool is None:
                    return
                key = min(ready)[1]
                pool = g["pools"][key]
                st = self.routes[key[0]][key[1]]
                lots, wafers, test_in, i = [], 0, False, 0
                while i < len(pool):
                    lot = pool[i]
                    test = self.doc["products"][lot["product"]].get("one_per_batch", False)
                    if test and test_in:      # a second test lot waits for the next batch
                        i += 1
                        continue
                    if not self.may_take(tool, lot):   # it ran on this tool: waits for the other
                        i += 1
                        continue
                    if lots and wafers + lot["wafers"] > st["batch_max"]:
                        break
                    test_in = test_in or test
                    wafers += lot["wafers"]
                    lots.append(pool.pop(i))
            setup = 0.0
            if "setup" in st:
                if tool.setup != st["setup"]:
                    setup = seconds(st["setup_time"])
                tool.setup = st["setup"]
            for lot in lots:
                lot["used"].add((tool.group, tool.index))
            tool.busy = True
            self.env.process(self.job(tool, lots, setup + seconds(st["time"])))

    def job(self, tool, lots, duration):
        yield self.env.timeout(duration)
        for lot in lots:
            lot["step"] += 1
            self.arrive(lot)
        tool.busy = False
        if tool.failing:
            tool.failing = False
            self.go_down(tool)
        else:
            self.available(tool)

    def available(self, tool):
        """The tool is free: a due PM starts now, else it takes work."""
        for slot in tool.pm_due:
            if slot[0]:
                slot[0] = False
                tool.maint = True
                self.env.process(self.pm(tool, slot[1]))
                return
        self.dispatch(tool.group)

    def pm(self, tool, duration):
        yield self.env.timeout(duration)
        tool.maint = False
        if tool.failpend:
            tool.failpend = False
            self.go_down(tool)
        else:
            self.available(tool)

    def pm_calendar(self, tool, slot, first, every):
        yield self.env.timeout(first)
        while True:
            slot[0] = True
            if tool.idle:
                self.available(tool)
            yield self.env.timeout(every)

    def failures(self, tool, mttf, mttr):
        tool.mttr = mttr
        while True:
            yield self.env.timeout(self.rng.exponential(mttf))
            tool.repaired = self.env.event()
            if tool.busy:
                tool.failing = True
            elif tool.maint:
                tool.failpend = True
            else:
                self.go_down(tool)
            yield tool.repaired

    def go_down(self, tool):
        tool.down = True
        self.env.process(self.repair(tool))

    def repair(self, tool):
        yield self.env.timeout(self.rng.exponential(tool.mttr))
        tool.down = False
        tool.repaired.succeed()
        self.available(tool)

    def run(self) -> dict:
        self.env.run(until=self.horizon)
        T = self.horizon - self.warmup
        return {p: {"lots_out_per_day": self.out[p] / T * 86400.0,
                    "cycle_time_days": self.ct[p] / self.out[p] / 86400.0 if self.out[p] else math.nan}
                for p in self.out}


def simulate(path: Path, replicas: int, horizon: float, warmup: float, seed: int = 12345) -> dict:
    """Per product and KPI: the replica values (one independent run per replica)."""
    doc = read(path)
    runs = [Model(doc, seed + r, horizon, warmup).run() for r in range(replicas)]
    return {p: {k: np.array([run[p][k] for run in runs]) for k in runs[0][p]} for p in runs[0]}
