"""Offered load of each tool group (twin/fab/load.py), computed by hand from the routes."""

import pytest

from twin.distributions import Deterministic
from twin.fab import Step, offered_load, visits

from fab.small_fab import small_fab


def test_rework_visits_and_offered_load_by_hand():
    """Step 2 reworks back to step 1 with p = 0.2: each step is visited 1/(1-0.2) = 1.25 times.
    Offered load of etch: 1/3600 lots/s x 1.25 x 60 s = 0.0208333; furnace (per lot, 600 s):
    1.25 x 600 / 3600 = 0.208333."""
    fab = small_fab(rework_to=1, rework_p=0.2).validate()
    assert visits(fab.products["A"].route) == pytest.approx([1.25, 1.25], rel=1e-12)
    load = offered_load(fab)
    assert load["etch"] == pytest.approx(1.25 * 60 / 3600, rel=1e-12)
    assert load["furnace"] == pytest.approx(1.25 * 600 / 3600, rel=1e-12)


def test_batch_and_cascade_offered_load_by_hand():
    """A per-batch step with batch_max 100 wafers takes 4 lots of 25: 600/4 s per lot; a cascaded
    per-wafer step: 10 + 24 x 2 = 58 s per lot."""
    fab = small_fab(per="batch", batch_min=50, batch_max=100)
    fab.products["A"].route.steps[0] = Step(1, "etch", Deterministic(10.0), per="wafer", cascade=2.0)
    load = offered_load(fab.validate())
    assert load["furnace"] == pytest.approx(150.0 / 3600, rel=1e-12)
    assert load["etch"] == pytest.approx(58.0 / 3600, rel=1e-12)
