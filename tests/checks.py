"""Assertions shared by the tests (importable: pytest adds tests/ to sys.path)."""

import math

import pytest

from twin.errors import PlantError
from twin.stats import t_quantile


def standard_error(kpi) -> float:
    """The standard error of a KPI's mean, recovered from its 95% t half-width."""
    return kpi.ci95 / t_quantile(0.975, kpi.n - 1)


def assert_matches(kpi, exact: float, *, z: float = 4.0, bias: float = 0.0, what: str = ""):
    """|mean - exact| <= z * standard error + bias.

    The replica means are independent, so the estimate is approximately normal around
    exact + (systematic bias); z = 4 makes a false alarm a 1-in-16,000 event per check. ``bias``
    bounds the systematic error that is not statistical (finite warm-up, time step), stated by
    each test.
    """
    se = standard_error(kpi)
    err = abs(kpi.mean - exact)
    assert math.isfinite(kpi.mean), f"{what}: no estimate"
    assert err <= z * se + bias, (f"{what}: estimate {kpi.mean:.6g} vs exact {exact:.6g}; error {err:.3g} > "
                                  f"{z} x SE {se:.3g} + bias {bias:.3g}")


def raises(fn, *fragments):
    """``fn()`` raises a one-line PlantError whose message holds every fragment."""
    with pytest.raises(PlantError) as info:
        fn()
    msg = str(info.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    assert "\n" not in msg
    return info.value
