"""The fab data model's validation: each inconsistency is one PlantError naming element and key."""

import pytest

from twin.distributions import Deterministic
from twin.errors import PlantError
from twin.fab import Fab, Order, Product, Route, SetupMatrix, Step, ToolGroup, offered_load, visits


def small_fab(**step_kw) -> Fab:
    steps = [Step(1, "etch", Deterministic(60.0)), Step(2, "furnace", Deterministic(600.0), **step_kw)]
    fab = Fab("f", products={"A": Product("A", Route("rA", steps))},
              groups={"etch": ToolGroup("etch", 2), "furnace": ToolGroup("furnace", 1, batch_criterion="same_step")},
              orders=[Order("oA", "A", wafers=25, interval=3600.0, count=100, due_after=86400.0)])
    return fab


def test_a_valid_fab_validates():
    small_fab(per="batch", batch_min=50, batch_max=100).validate()


def test_route_naming_a_missing_tool_group():
    fab = small_fab()
    fab.products["A"].route.steps[0].group = "etc"
    with pytest.raises(PlantError, match=r"product A route rA step 1.*key 'group'.*'etc'.*did you mean 'etch'"):
        fab.validate()


def test_batch_min_above_max():
    with pytest.raises(PlantError, match=r"step 2.*key 'batch_min'.*batch_min \(150\).*batch_max \(100\)"):
        small_fab(per="batch", batch_min=150, batch_max=100).validate()


def test_due_date_before_release():
    fab = small_fab()
    fab.orders[0].due_after = -60.0
    with pytest.raises(PlantError, match=r"order oA.*key 'due'.*before the release"):
        fab.validate()


def test_setup_matrix_missing_a_product_pair():
    fab = small_fab(setup="A")
    fab.products["B"] = Product("B", Route("rB", [Step(1, "furnace", Deterministic(600.0), setup="B")]))
    fab.groups["furnace"].setup_group = "m"
    fab.setups["m"] = SetupMatrix("m", times={("A", "B"): 300.0})
    with pytest.raises(PlantError, match=r"tool group furnace.*key 'B->A'.*no setup time from 'B' to 'A'"):
        fab.validate()
    fab.setups["m"].to_any["A"] = 120.0  # a from-any row closes the gap
    fab.validate()


def test_order_of_unknown_product():
    fab = small_fab()
    fab.orders[0].product = "Z"
    with pytest.raises(PlantError, match=r"order oA.*key 'product'.*'Z'"):
        fab.validate()


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
