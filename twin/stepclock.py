"""The range of the integer step clock, and conversions of seconds to whole steps.

Time in a run is an int64 count of steps of ``dt`` seconds. Three bounds keep every step and
every time integral exact:

* a horizon is shorter than ``HORIZON_LIMIT`` = 2^61 steps (the simulator refuses longer ones);
* a duration of ``LONGEST`` = 2^61 steps or more cannot end inside any run, so it is saturated to
  LONGEST ("not within this run"), on the host here and in the kernels
  (``twin.kernels.sampling.saturated_steps``); any step of a run plus LONGEST stays below
  2^62 (NEVER, "no event"), so no event time can wrap around;
* a time integral (parts x steps, servers x steps) stays below 2^63: checked before the run by
  ``integral_bound`` (twin/model.py).
"""

from __future__ import annotations

import math

HORIZON_LIMIT = 2 ** 61
LONGEST = 2 ** 61
INT64_LIMIT = 2 ** 63


def whole_steps(steps: float, minimum: int = 1) -> int:
    """``steps`` rounded to the nearest whole step, at least ``minimum``, saturated at LONGEST
    (also for +inf and NaN, which a plain ``round`` would refuse with an OverflowError)."""
    if not steps < LONGEST:
        return LONGEST
    return max(minimum, int(round(steps)))


def describe_steps(seconds: float, dt: float) -> str:
    """'1e+18 s is 2e+19 steps of dt = 0.05 s' (for messages)."""
    steps = seconds / dt if dt > 0 else math.inf
    return f"{seconds:g} s is {steps:.3g} steps of dt = {dt:g} s"
