"""Random durations (twin/distributions.py): times with units, and reprs as a user writes them
(issue 16.6)."""

import pytest

import twin


def test_distribution_times_take_units():
    assert twin.Exponential("30 min") == twin.Exponential(1800)
    assert twin.LogNormal(mean="45 s", cv=0.3) == twin.LogNormal(45, 0.3)
    assert twin.Uniform("500 ms", "2 s") == twin.Uniform(0.5, 2.0)
    assert twin.Weibull(2.0, "10 h") == twin.Weibull(2.0, 36000)
    with pytest.raises(twin.PlantError, match="key 'cv'"):
        twin.LogNormal(45, "0.3 s")


@pytest.mark.parametrize("dist", [twin.LogNormal(mean=28, cv=0.1), twin.Exponential(60), twin.Deterministic(2.5),
                                  twin.Uniform(1, 3), twin.Triangular(24, 28, 38), twin.TruncatedNormal(5, 1),
                                  twin.Gamma(50, 0.5), twin.Weibull(1.5, 36000), twin.Empirical([1, 2.5, 4])])
def test_a_distribution_reprs_as_the_call_that_builds_it(dist):
    text = repr(dist)
    assert "_=" not in text and text.startswith(type(dist).__name__ + "(")
    assert eval(text, vars(twin)) == dist
