"""Confidence intervals as a user reads them (twin/stats.py format_ci, and the KPI repr built on it)."""

import math

import pytest

import twin
from twin.stats import format_ci


def test_reprs_read_as_written():
    assert repr(twin.LogNormal(mean=28, cv=0.1)) == "LogNormal(mean=28, cv=0.1)"
    assert repr(twin.KPI(75.2513, 0.6789, 1.0, 100)) == "75.3 ± 0.7"
    assert repr(twin.KPI(75.25, 0.123, 1.0, 100)) == "75.25 ± 0.12"


@pytest.mark.parametrize("mean,ci,text", [(1234.5, 25.3, "1234 ± 25"), (0.0123, 0.00042, "0.0123 ± 0.0004"),
                                          (5, 0.96, "5.0 ± 1.0"), (5, 0.296, "5.00 ± 0.30"),
                                          (100.0, math.nan, "100"), (3, 0.0, "3 ± 0")])
def test_format_ci_keeps_the_digits_the_interval_supports(mean, ci, text):
    assert format_ci(mean, ci) == text
