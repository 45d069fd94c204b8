"""Orders (lot releases) and the initial work in process.

An order releases ``count`` lots of a product, the first at ``start`` and then every
``interval`` seconds (or at the explicit ``times``); each lot carries ``wafers`` wafers, a
priority (higher first under priority rules) and a due date ``due`` seconds after its release.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PlantError


@dataclass
class Order:
    name: str
    product: str
    wafers: int
    priority: int = 0
    start: float = 0.0
    interval: float | None = None
    count: int = 1
    times: tuple[float, ...] | None = None
    due_after: float | None = None
    lots_per_release: int = 1
    hot: bool = False
    poisson: bool = False  # exponential times between releases (mean interval) instead of a fixed interval

    def release_rate(self) -> float:
        """Lots per second in the long run (0 for a finite list of times)."""
        if self.times is not None or self.interval is None:
            return 0.0
        return self.lots_per_release / self.interval

    def releases(self, horizon: float) -> list[float]:
        """Release times up to ``horizon`` seconds (each repeated lots_per_release times)."""
        if self.times is not None:
            ts = [t for t in self.times if t < horizon]
        else:
            ts, k = [], 0
            while k < self.count and self.start + k * (self.interval or 0.0) < horizon:
                ts.append(self.start + k * (self.interval or 0.0))
                k += 1
                if self.interval is None:
                    break
        return [t for t in ts for _ in range(self.lots_per_release)]

    def validate(self) -> None:
        if self.wafers < 1:
            raise PlantError(f"must be >= 1, got {self.wafers}", element=f"order {self.name}", key="wafers")
        if self.times is None and (self.interval is not None and not self.interval > 0):
            raise PlantError(f"must be a positive time, got {self.interval}", element=f"order {self.name}", key="interval")
        if self.due_after is not None and self.due_after < 0:
            raise PlantError(f"the due date is {-self.due_after:g} s before the release; it must not precede it",
                             element=f"order {self.name}", key="due")
        if self.count < 1 or self.lots_per_release < 1:
            raise PlantError("count and lots_per_release must be >= 1", element=f"order {self.name}", key="count")


@dataclass
class WipLot:
    """A lot already in the fab at time 0: at (1-based) ``step`` of its product's route,
    waiting for that step; ``released`` and ``due`` in seconds relative to time 0 (may be < 0)."""

    name: str
    product: str
    step: int
    wafers: int
    priority: int = 0
    released: float = 0.0
    due: float | None = None
    order: str = ""
