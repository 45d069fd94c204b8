"""Products and their routes: a route is the sequence of process steps a lot of the product visits.

A step names the tool group that processes it, its process-time distribution and whether that
time is per lot, per wafer or per batch; batch steps carry a minimum and maximum batch size (in
wafers). Rework (back to an earlier step with a probability), sampling (the step is done only
with a probability) and a critical queue time (a limit on the wait from this step to a later one)
are properties of the step. All times are in seconds, probabilities in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..distributions import Distribution
from ..errors import PlantError

PER_LOT, PER_WAFER, PER_BATCH = "lot", "wafer", "batch"
PER = (PER_LOT, PER_WAFER, PER_BATCH)
CQT_ACTIONS = ("count", "rework", "scrap")  # what an overrun of a critical queue time does


@dataclass
class Step:
    """One process step of a route.

    ``time``: the process time (per lot, per wafer or per batch, see ``per``). ``cascade``: for
    per-wafer steps, the interval between wafers after the first (a lot of W wafers takes
    time + (W-1) x cascade; None: W x time). ``batch_interval``: for per-lot steps the time after
    which the tool takes the next lot (SMT2020's BatchInterval; None: the full process time).
    ``batch_min``/``batch_max``: batch size in wafers (per-batch steps only).
    ``setup``: the setup state the tool must be in; ``setup_time``: the time to reach it from any
    other state (and from none); None: the tool group's setup matrix. ``same_tool_as``: index (1-based
    step number) of a later step that must run on the tool this step used (litho alignment).
    ``rework_to``/``rework_p``: with probability rework_p the lot goes back to step rework_to
    after this one. ``sample_p``: the probability the step is done at all (1: always).
    ``cqt_to``/``cqt``: critical queue time: the lot should start step cqt_to within cqt seconds
    of finishing this one; ``cqt_action``: what an overrun does when the lot reaches step cqt_to:
    "count" (only counted), "rework" (the lot goes back to this step) or "scrap" (it leaves the fab).
    """

    number: int
    group: str
    time: Distribution
    per: str = PER_LOT
    name: str = ""
    cascade: float | None = None
    batch_interval: float | None = None
    batch_min: int | None = None
    batch_max: int | None = None
    setup: str | None = None
    setup_time: float | None = None
    same_tool_as: int | None = None
    rework_to: int | None = None
    rework_p: float = 0.0
    sample_p: float = 1.0
    cqt_to: int | None = None
    cqt: float | None = None
    cqt_action: str = "count"
    area: str = ""

    def lot_time(self, wafers: int) -> float:
        """Mean time a tool is busy with one lot of ``wafers`` (per-batch: the whole batch)."""
        if self.per == PER_WAFER:
            if self.cascade is not None:
                return self.time.mean + (wafers - 1) * self.cascade
            return wafers * self.time.mean
        return self.time.mean


@dataclass
class Route:
    name: str
    steps: list[Step] = field(default_factory=list)

    def validate(self, where: str) -> None:
        """Each step's own consistency; the tool groups are checked by the Fab."""
        n = len(self.steps)
        if n == 0:
            raise PlantError("a route needs at least one step", element=where, key="steps")
        for i, s in enumerate(self.steps, start=1):
            at = f"{where} step {s.number}"
            if s.number != i:
                raise PlantError(f"steps must be numbered 1..{n} in order, found {s.number} at position {i}",
                                 element=where, key="steps")
            if s.per not in PER:
                raise PlantError(f"per must be one of {PER}, got {s.per!r}", element=at, key="per")
            if s.per == PER_BATCH:
                if s.batch_min is None or s.batch_max is None:
                    raise PlantError("a per-batch step needs batch_min and batch_max", element=at, key="batch_min")
                if not 1 <= s.batch_min <= s.batch_max:
                    raise PlantError(f"batch_min ({s.batch_min}) must be between 1 and batch_max ({s.batch_max})",
                                     element=at, key="batch_min")
            elif s.batch_min is not None or s.batch_max is not None:
                raise PlantError("batch sizes are only for per-batch steps", element=at, key="batch_min")
            if not 0.0 <= s.rework_p < 1.0:
                raise PlantError(f"must be in [0, 1), got {s.rework_p}", element=at, key="rework_p")
            if s.rework_p > 0 and (s.rework_to is None or not 1 <= s.rework_to <= s.number):
                raise PlantError(f"rework_to must name this or an earlier step (1..{s.number}), got {s.rework_to}",
                                 element=at, key="rework_to")
            if not 0.0 < s.sample_p <= 1.0:
                raise PlantError(f"must be in (0, 1], got {s.sample_p}", element=at, key="sample_p")
            if s.cqt is not None and (s.cqt_to is None or not s.number < s.cqt_to <= n or s.cqt <= 0):
                raise PlantError(f"a critical queue time needs a positive limit and a later step (up to {n}), "
                                 f"got cqt={s.cqt} to step {s.cqt_to}", element=at, key="cqt_to")
            if s.cqt_action not in CQT_ACTIONS:
                raise PlantError(f"must be one of {CQT_ACTIONS}, got {s.cqt_action!r}", element=at, key="cqt_action")
            if s.same_tool_as is not None:
                if not (isinstance(s.same_tool_as, int) and s.number < s.same_tool_as <= n):
                    raise PlantError(f"must name a later step (up to {n}), got {s.same_tool_as}",
                                     element=at, key="same_tool_as")
                later = self.steps[s.same_tool_as - 1]
                if later.group != s.group:
                    raise PlantError(f"names step {s.same_tool_as}, which runs on group {later.group}, not on this "
                                     f"step's group {s.group}", element=at, key="same_tool_as")
                other = [x.number for x in self.steps[:i - 1] if x.same_tool_as == s.same_tool_as]
                if other:
                    raise PlantError(f"step {other[0]} already names step {s.same_tool_as} (a step takes the tool "
                                     "of one earlier step)", element=at, key="same_tool_as")
            for key in ("cascade", "batch_interval", "setup_time"):
                v = getattr(s, key)
                if v is not None and not v >= 0:
                    raise PlantError(f"must be a non-negative time in seconds, got {v}", element=at, key=key)


@dataclass
class Product:
    """A product: its name and its route (several products may share one route).
    ``one_per_batch``: a batch holds at most one lot of the products so marked (together): test
    lots that must not share a furnace load, as the MiniFab's test wafers.
    ``distinct_tools``: a lot of the product never runs on a tool it has already run on, except in
    a group of one tool (Kempf's MiniFab test lots: "never through the same machine twice, except
    at a unique machine that runs multiple steps"); ``Fab.validate`` refuses a route that visits a
    group more often than it has tools, or reworks over one."""

    name: str
    route: Route
    family: str = ""
    group: str = ""
    one_per_batch: bool = False
    distinct_tools: bool = False

    def raw_process_time(self, wafers: int) -> float:
        """Expected processing time of one lot along the route, without queues (the X-factor's
        denominator): sampled steps weighted by their probability, batches at their full time."""
        return sum(s.sample_p * s.lot_time(wafers) for s in self.route.steps)
