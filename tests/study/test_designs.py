"""Designs (twin/study/designs.py): a Latin hypercube is stratified in every factor."""

from twin.study import latin_hypercube


def test_latin_hypercube_is_stratified():
    pts = latin_hypercube({"a": (0.0, 10.0), "b": (100.0, 200.0), "c": [1, 2]}, points=10, seed=4)
    for key, lo, hi in (("a", 0.0, 10.0), ("b", 100.0, 200.0)):
        strata = sorted(int((d[key] - lo) / (hi - lo) * 10) for d in pts)
        assert strata == list(range(10))
    assert sorted(d["c"] for d in pts) == [1] * 5 + [2] * 5
