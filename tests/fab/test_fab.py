"""The fab data model's validation: each inconsistency is one PlantError naming element and key."""

import pytest

from twin.distributions import Deterministic
from twin.errors import PlantError
from twin.fab import Product, Route, SetupMatrix, Step

from fab.small_fab import small_fab


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
