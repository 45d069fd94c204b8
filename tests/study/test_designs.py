"""Designs (twin/study/designs.py): a Latin hypercube is stratified in every factor; a full
factorial is every combination of the levels."""

import pytest

from twin.study import FactorError, latin_hypercube
from twin.study.designs import full_factorial


def test_latin_hypercube_is_stratified():
    pts = latin_hypercube({"a": (0.0, 10.0), "b": (100.0, 200.0), "c": [1, 2]}, points=10, seed=4)
    for key, lo, hi in (("a", 0.0, 10.0), ("b", 100.0, 200.0)):
        strata = sorted(int((d[key] - lo) / (hi - lo) * 10) for d in pts)
        assert strata == list(range(10))
    assert sorted(d["c"] for d in pts) == [1] * 5 + [2] * 5


def test_full_factorial_is_every_combination_with_the_last_factor_fastest():
    """Two levels of a, three of b: the six combinations in the order written out by hand; a
    (low, high) range has no levels to combine and is refused naming the factor."""
    assert full_factorial({"a": [1, 2], "b": ["x", "y", "z"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]
    with pytest.raises(FactorError, match=r"factor 'm1.process.mean' is a range .*design='lhs'"):
        full_factorial({"b.capacity": [1, 2], "m1.process.mean": (0.5, 1.5)})
