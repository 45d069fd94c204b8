"""The step clock's conversions (twin/stepclock.py): seconds to whole steps, saturated at LONGEST,
and the message that says how many steps a duration is. Its range through whole runs:
tests/test_numeric_range.py."""

from twin.stepclock import LONGEST, describe_steps, whole_steps


def test_whole_steps_saturates_instead_of_overflowing():
    assert whole_steps(2.4) == 2 and whole_steps(2.6) == 3 and whole_steps(0.2) == 1
    assert whole_steps(0.0, minimum=0) == 0
    assert whole_steps(1e300) == LONGEST == 2 ** 61
    assert whole_steps(float("inf")) == LONGEST
    assert whole_steps(float("nan")) == LONGEST
    assert whole_steps(2.0 ** 61 - 1024) == 2 ** 61 - 1024  # exactly representable, kept


def test_describe_steps_names_seconds_steps_and_dt():
    """1e18 s at dt = 0.05 s is 2e19 steps (by hand); with no positive dt the count is infinite."""
    assert describe_steps(1e18, 0.05) == "1e+18 s is 2e+19 steps of dt = 0.05 s"
    assert describe_steps(90.0, 0.5) == "90 s is 180 steps of dt = 0.5 s"
    assert describe_steps(5.0, 0.0) == "5 s is inf steps of dt = 0 s"
