"""Tool groups and what takes their tools away: setups, breakdowns, preventive maintenance.

A tool group is N identical tools sharing one queue; a dispatching rule (by name, see
docs/fab.md) picks the next lot when a tool frees. Times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..distributions import Distribution
from ..errors import PlantError

RULES = ("fifo", "priority_fifo", "edd", "least_setup", "cr", "priority_cr", "spt")  # keys: kernels/fab_rules.py
CALENDAR_BASES = ("time", "wafers")


@dataclass
class ToolGroup:
    """``tools`` identical tools sharing one queue. ``rule``: the dispatching rule.
    ``batch_criterion``: lots batch together when they are at the same step ("same_step") of the
    same route. ``load``/``unload``: per-lot load and unload times added to the process time.
    ``setup_group``: the name of the setup matrix the tools use (None: no setups).
    ``lots_per_tool``: lots a tool holds at once (SMT2020's STNCAP; 1 unless given): with 2 or more
    (a second load port), a tool loads and unloads one lot while it processes another, so the
    load and unload times lengthen the lot's time but not the tool's (``handling``).
    ``area``: the area (SMT2020 STNGRP) area-wide breakdown calendars attach to.
    ``delay``: the group is a pure delay (every lot starts at once; no queue).
    ``rank_setup``: among lots of equal priority, the one needing the least setup on the idle tool
    goes first, before the rule's own order (SMT2020 rank_RSETUP; implied by rule "least_setup")."""

    name: str
    tools: int
    rule: str = "fifo"
    batch_criterion: str | None = None
    load: float = 0.0
    unload: float = 0.0
    setup_group: str | None = None
    lots_per_tool: int = 1
    area: str = ""
    location: str = ""
    delay: bool = False
    rank: tuple[str, ...] = ()
    wake_rank: str | None = None
    action_list: str | None = None
    pre_rule: bool = False
    tool_name: str = ""   # the name prefix of its tools (SMT2020 STN)
    rank_setup: bool = False

    def handling(self) -> float:
        """Tool time per lot spent loading and unloading: ``load + unload``, or 0 where the tool
        holds a second lot (``lots_per_tool`` >= 2) and loads it while processing another."""
        return self.load + self.unload if self.lots_per_tool < 2 else 0.0

    def validate(self) -> None:
        if not isinstance(self.tools, int) or self.tools < 1:
            raise PlantError(f"must be a whole number >= 1, got {self.tools!r}", element=f"tool group {self.name}", key="tools")
        if self.rule not in RULES:
            raise PlantError(f"unknown dispatching rule {self.rule!r}; allowed: {', '.join(RULES)}",
                             element=f"tool group {self.name}", key="rule")
        if self.batch_criterion not in (None, "same_step"):
            raise PlantError(f"batch_criterion must be 'same_step' or absent, got {self.batch_criterion!r}",
                             element=f"tool group {self.name}", key="batch_criterion")
        for key in ("load", "unload"):
            if not getattr(self, key) >= 0:
                raise PlantError(f"must be a non-negative time, got {getattr(self, key)}", element=f"tool group {self.name}", key=key)
        if self.lots_per_tool < 1:
            raise PlantError(f"must be >= 1, got {self.lots_per_tool}", element=f"tool group {self.name}", key="lots_per_tool")


@dataclass
class SetupMatrix:
    """Sequence-dependent setup times of one setup group. ``times[(a, b)]``: from state a to b;
    ``to_any[b]``: from any other state to b (SMT2020 rows with an empty CURSETUP).
    ``min_run[s]``: lots to run in state s before the tool may change (SMT2020 MINRUN)."""

    name: str
    times: dict[tuple[str, str], float] = field(default_factory=dict)
    to_any: dict[str, float] = field(default_factory=dict)
    min_run: dict[str, int] = field(default_factory=dict)

    def time(self, a: str | None, b: str) -> float | None:
        """Setup time from a to b; 0 when a == b; None when the matrix does not say."""
        if a == b:
            return 0.0
        if (a, b) in self.times:
            return self.times[(a, b)]
        return self.to_any.get(b)

    def check_pairs(self, states: set[str]) -> None:
        """Every ordered pair of the states used must have a time."""
        for a in sorted(states):
            for b in sorted(states):
                if a != b and self.time(a, b) is None:
                    raise PlantError(f"no setup time from {a!r} to {b!r} (add the pair or a from-any row)",
                                     element=f"setup matrix {self.name}", key=f"{a}->{b}")


@dataclass
class Breakdown:
    """Unscheduled downs of every tool of the attached groups: time to failure ``ttf`` (calendar
    time), time to repair ``ttr``; ``first``: the distribution of the first failure."""

    name: str
    ttf: Distribution
    ttr: Distribution
    groups: list[str] = field(default_factory=list)
    first: Distribution | None = None


@dataclass
class PMCalendar:
    """Preventive maintenance of every tool of the attached groups: every ``every`` seconds
    (``basis="time"``) or every ``every`` wafers processed (``basis="wafers"``), for ``duration``;
    ``first``: when the first PM falls (seconds, or wafers for the wafer basis; absent: ``every``).
    ``stagger``: tool k (0-based) of a group of n takes its first PM at ``first x (k+1)/n`` instead
    of all n at ``first``, so a group's tools do not go down together (how PySCFabSim-release
    reads SMT2020's one first occurrence per calendar); later PMs follow each tool's own grid."""

    name: str
    basis: str
    every: float
    duration: Distribution
    groups: list[str] = field(default_factory=list)
    first: float | None = None
    stagger: bool = False

    def first_for(self, k: int, n: int) -> float:
        """When tool ``k`` (0-based) of a group of ``n`` tools takes its first PM."""
        first = self.every if self.first is None else self.first
        return first * (k + 1) / n if self.stagger else first

    def validate(self) -> None:
        if self.basis not in CALENDAR_BASES:
            raise PlantError(f"basis must be one of {CALENDAR_BASES}, got {self.basis!r}", element=f"PM calendar {self.name}", key="basis")
        if not self.every > 0:
            raise PlantError(f"must be positive, got {self.every}", element=f"PM calendar {self.name}", key="every")


@dataclass
class Transport:
    """Transport time of a lot between two locations (areas) of the fab."""

    origin: str
    target: str
    time: Distribution
