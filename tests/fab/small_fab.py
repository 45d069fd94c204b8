"""A two-step fab (etch, then a batching furnace) that the fab's model and offered-load tests
vary: ``small_fab(**step_kw)`` passes ``step_kw`` to the furnace step."""

from twin.distributions import Deterministic
from twin.fab import Fab, Order, Product, Route, Step, ToolGroup


def small_fab(**step_kw) -> Fab:
    steps = [Step(1, "etch", Deterministic(60.0)), Step(2, "furnace", Deterministic(600.0), **step_kw)]
    fab = Fab("f", products={"A": Product("A", Route("rA", steps))},
              groups={"etch": ToolGroup("etch", 2), "furnace": ToolGroup("furnace", 1, batch_criterion="same_step")},
              orders=[Order("oA", "A", wafers=25, interval=3600.0, count=100, due_after=86400.0)])
    return fab
