"""The fab: products, tool groups, orders, setups, calendars, transport and initial WIP, checked
together (a route naming a missing tool group, an order of an unknown product, a setup pair
without a time are each one PlantError naming the element and key)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import PlantError, nearest
from .orders import Order, WipLot
from .products import Product
from .tools import Breakdown, PMCalendar, SetupMatrix, ToolGroup, Transport


@dataclass
class Fab:
    name: str
    products: dict[str, Product] = field(default_factory=dict)
    groups: dict[str, ToolGroup] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    setups: dict[str, SetupMatrix] = field(default_factory=dict)
    breakdowns: list[Breakdown] = field(default_factory=list)
    pms: list[PMCalendar] = field(default_factory=list)
    transport: list[Transport] = field(default_factory=list)
    wip: list[WipLot] = field(default_factory=list)
    source: str | None = None          # the folder or file it was read from (for messages)
    start_date: object = None          # calendar date of time 0 (datetime), when read from dated files
    unmodelled: dict[str, str] = field(default_factory=dict)  # field -> why the simulator ignores it

    @property
    def tools(self) -> int:
        """Tools in processing groups (delay groups are not tools)."""
        return sum(g.tools for g in self.groups.values() if not g.delay)

    def shared(self, group: str) -> bool:
        """The group has a choice of tools (not a delay, two tools or more): where a lot of a
        ``distinct_tools`` product must avoid the tools it has run on."""
        g = self.groups[group]
        return not g.delay and g.tools >= 2

    def _check_distinct_tools(self, p: Product) -> None:
        """A ``distinct_tools`` lot needs a fresh tool at each visit to a shared group: a route that
        visits a group more often than it has tools, or goes back (rework, a critical-queue-time
        rework) over a step of a shared group, would leave a lot with no tool it may take."""
        steps = p.route.steps
        for s in steps:
            if s.same_tool_as is not None and self.shared(s.group):
                raise PlantError(f"step {s.name or s.number} asks step {s.same_tool_as} to run on its tool "
                                 "(same_tool_as), which distinct_tools forbids", element=f"product {p.name}",
                                 key="distinct_tools")
        total: dict[str, int] = {}
        for s in steps:
            if self.shared(s.group):
                total[s.group] = total.get(s.group, 0) + 1
        seen: dict[str, int] = {}
        for s in steps:
            if not self.shared(s.group):
                continue
            seen[s.group] = seen.get(s.group, 0) + 1
            g = self.groups[s.group]
            if seen[s.group] > g.tools:
                raise PlantError(f"step {s.name or s.number} on group {g.name} has {g.tools} tools, but the route "
                                 f"visits it {total[s.group]} times with distinct_tools",
                                 element=f"product {p.name}", key="distinct_tools")
        for s in steps:
            loops = []
            if s.rework_p > 0 and s.rework_to is not None:
                loops.append(("reworks", s.rework_to, s.number))
            if s.cqt is not None and s.cqt_action == "rework" and s.cqt_to is not None:
                loops.append(("has a critical-queue-time rework", s.number, s.cqt_to - 1))
            for what, a, b in loops:
                again = [x for x in steps[a - 1:b] if self.shared(x.group)]
                if again:
                    x = again[0]
                    raise PlantError(f"step {s.name or s.number} {what} back to step {a}, so a lot would run step "
                                     f"{x.name or x.number} on group {x.group} ({self.groups[x.group].tools} tools) again: "
                                     "not possible with distinct_tools", element=f"product {p.name}", key="distinct_tools")

    def validate(self) -> "Fab":
        for g in self.groups.values():
            g.validate()
        used_states: dict[str, set[str]] = {}
        for p in self.products.values():
            where = f"product {p.name} route {p.route.name}"
            p.route.validate(where)
            for s in p.route.steps:
                if s.group not in self.groups:
                    hint = nearest(s.group, self.groups)
                    raise PlantError(f"names tool group {s.group!r}, which the fab does not have" + hint,
                                     element=f"{where} step {s.number}", key="group")
                g = self.groups[s.group]
                if s.setup is not None:
                    if g.setup_group is None:
                        if s.setup_time is None:
                            raise PlantError(f"needs setup {s.setup!r} but neither the step gives a setup time "
                                             f"nor tool group {g.name} a setup matrix",
                                             element=f"{where} step {s.number}", key="setup_time")
                    elif s.setup_time is None:  # a step's own time applies from any state
                        used_states.setdefault(g.name, set()).add(s.setup)
            if p.distinct_tools:
                self._check_distinct_tools(p)
        for gname, states in used_states.items():  # pairs of states met on the same tools
            name = self.groups[gname].setup_group
            if name not in self.setups:
                raise PlantError(f"names setup matrix {name!r}, which the fab does not have",
                                 element=f"tool group {gname}", key="setup_group")
            try:
                self.setups[name].check_pairs(states)
            except PlantError as e:
                raise PlantError(f"{e.problem} in setup matrix {name!r}", element=f"tool group {gname}", key=e.key) from None
        for o in self.orders:
            if o.product not in self.products:
                raise PlantError(f"unknown product {o.product!r}; products: {', '.join(sorted(self.products))}",
                                 element=f"order {o.name}", key="product")
            try:
                o.validate()
            except PlantError as e:
                raise e.located(element=f"order {o.name}") from None
        for cal in self.breakdowns + self.pms:
            for gname in cal.groups:
                if gname not in self.groups:
                    raise PlantError(f"attaches to tool group {gname!r}, which the fab does not have",
                                     element=f"calendar {cal.name}", key="groups")
        for pm in self.pms:
            pm.validate()
        for w in self.wip:
            p = self.products.get(w.product)
            if p is None:
                raise PlantError(f"unknown product {w.product!r}", element=f"WIP lot {w.name}", key="product")
            if not 1 <= w.step <= len(p.route.steps):
                raise PlantError(f"step must be 1..{len(p.route.steps)}, got {w.step}", element=f"WIP lot {w.name}", key="step")
        return self

