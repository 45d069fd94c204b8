"""Delays: a fixed or random transport or dwell time (an AGV hop, a cooling rack).

A part entering a :class:`Delay` stays there for a time drawn from ``delay``, then waits until its
successor takes it (blocking after the delay). ``capacity``: parts it holds at once; ``None`` is
unlimited (the simulator reserves ``Plant.unbounded_storage`` places per replica and reports an
error if a replica outgrows them). Finished parts leave in the order their delay ended. KPIs:
``queue`` (mean parts held: the delay's WIP), ``in_delay`` and ``waiting`` (mean parts still in
their delay and done but waiting for the successor), ``utilization`` (mean fill, finite capacity
only). The kind's kernel hooks are in twin/kernels/delay.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..distributions import Distribution
from ..elements import Element, _as_dist, _count, register_kind


@register_kind
@dataclass(kw_only=True)
class Delay(Element):
    """Holds each part for ``delay`` (a distribution, seconds), up to ``capacity`` parts at once
    (``None``: unlimited); a part whose delay is over waits for its successor."""

    delay: Distribution
    capacity: int | None = None
    routing: str = "probability"
    kind: ClassVar[str] = "delay"
    KPIS: ClassVar[tuple[str, ...]] = ("queue", "in_delay", "waiting", "utilization", "throughput_per_hour")
    in_wip: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        self.delay = _as_dist(self.delay, self.name, "delay")
        if self.capacity is not None:
            self.capacity = _count(self.capacity, self.name, "capacity")

    def durations(self):
        return {"delay": self.delay}

    def kernel_capacity(self, plant) -> int:
        return plant.unbounded_storage if self.capacity is None else self.capacity

    def kernel_fields(self, dist_id, dt):
        return {"main_dist": dist_id(self.delay), "bounded": int(self.capacity is not None)}

    def kpis(self, run):
        fill = run.held / self.capacity if self.capacity is not None else run.nan()
        return dict(queue=run.held, in_delay=run.acc("busy") / run.window_steps,
                    waiting=run.acc("blocked") / run.window_steps, utilization=fill)
