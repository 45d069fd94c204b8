"""The fab kernel against independent references: closed forms (deterministic batch server,
Jackson/Kelly product form), flow laws (conservation, Little's law, output = release rate) and the
offered load computed from the route data. Tolerances come from the replicas' 95% intervals
(widened by a stated factor where a bias of known size adds to the noise)."""

import math

import numpy as np
import pytest

from twin.distributions import Deterministic, Exponential, Uniform
from twin.errors import PlantError, SimulationError
from twin.fab import (Breakdown, Fab, Order, Product, Route, Step, ToolGroup, offered_load, simulate)

DAY = 86400.0


def within(value, target, ci, k=1.0):
    """|value - target| <= k x the 95% half-width (plus float slack)."""
    return abs(value - target) <= k * ci + 1e-9 * max(1.0, abs(target))


def test_deterministic_batch_server_closed_form():
    """Lots of 25 wafers every a = 1 h, one furnace taking exactly k = 4 lots (100 wafers) for
    D = 3 h. The batch starts when its 4th lot arrives, so lot j of a batch waits (4 - j) a:
    mean cycle time D + (k-1) a / 2 = 4.5 h exactly; utilisation D / (k a) = 0.75; fill 1."""
    fab = Fab("batch", products={"p": Product("p", Route("r", [
        Step(1, "furnace", Deterministic(3 * 3600.0), per="batch", batch_min=100, batch_max=100)]))},
        groups={"furnace": ToolGroup("furnace", 1, batch_criterion="same_step")},
        orders=[Order("o", "p", wafers=25, interval=3600.0, start=1.0, count=10 ** 6)])
    r = simulate(fab, replicas=2, horizon=20 * DAY, warmup=2 * DAY)
    k = r.products["p"]
    assert k["cycle_time_days"][0] * DAY == pytest.approx(4.5 * 3600, rel=1e-9)
    g = r.groups["furnace"]
    assert g["utilisation"][0] == pytest.approx(0.75, abs=1e-9)
    assert g["batch_fill"][0] == pytest.approx(1.0, rel=1e-12)
    assert k["lots_out_per_day"][0] == pytest.approx(24.0, abs=1e-9)


def re_entrant_fab(poisson=True, servers=(1, 1, 1), means=(1500.0, 1200.0, 900.0)):
    """Two products on re-entrant routes over three FIFO stations with exponential per-lot times,
    equal for both products at each station; Poisson releases (a Kelly network)."""
    groups = {f"S{i}": ToolGroup(f"S{i}", servers[i]) for i in range(3)}
    routes = {"a": ["S0", "S1", "S0", "S2"], "b": ["S1", "S2", "S1"]}
    products = {p: Product(p, Route(p, [Step(i + 1, g, Exponential(means[int(g[1])])) for i, g in enumerate(st)]))
                for p, st in routes.items()}
    orders = [Order("oa", "a", wafers=25, interval=4 * 3600.0, count=10 ** 7, poisson=poisson),
              Order("ob", "b", wafers=25, interval=3 * 3600.0, count=10 ** 7, poisson=poisson)]
    return Fab("kelly", products=products, groups=groups, orders=orders), routes, means


@pytest.mark.slow
def test_kelly_network_product_form():
    """Per station j: lambda_j = sum over classes of rate x visits; single FIFO exponential server
    with rate mu_j: mean number L_j = rho/(1-rho); each visit's sojourn 1/(mu_j - lambda_j); a
    class's cycle time is the sum over its route. 16 replicas x 400 days after 40 days warm-up;
    the check is against 3 x the 95% interval (the warm-up bias of an empty start is below 0.5%
    of these means at 40 days; the factor covers it and the interval's own error)."""
    fab, routes, means = re_entrant_fab(means=(4000.0, 3000.0, 4500.0))  # rho = 0.56, 0.76, 0.73
    rate = {"a": 1 / (4 * 3600.0), "b": 1 / (3 * 3600.0)}
    lam = {f"S{i}": 0.0 for i in range(3)}
    for p, st in routes.items():
        for g in st:
            lam[g] += rate[p]
    mu = {f"S{i}": 1 / means[i] for i in range(3)}
    r = simulate(fab, replicas=16, horizon=440 * DAY, warmup=40 * DAY)
    for g in lam:
        rho = lam[g] / mu[g]
        L = rho / (1 - rho)
        busy, ci_b = r.groups[g]["busy_tools"]
        q, ci_q = r.groups[g]["queue"]
        assert within(busy, rho, ci_b, 3), (g, busy, rho, ci_b)
        assert within(q + busy, L, ci_q + ci_b, 3), (g, q + busy, L)  # in system = waiting + in service
    for p, st in routes.items():
        ct = sum(1 / (mu[g] - lam[g]) for g in st)
        m, ci = r.products[p]["cycle_time_days"]
        assert within(m * DAY, ct, ci * DAY, 3), (p, m * DAY, ct, ci * DAY)


def test_conservation_little_and_output_equals_release_rate():
    """Released = out + WIP change (exact counts); Little's law WIP = throughput x cycle time per
    product (over a window, exact up to lots straddling its ends: 1% here); output per day equals
    the release rate within the replicas' interval (x2 for the end effects)."""
    fab, routes, means = re_entrant_fab(poisson=False)
    fab.groups["S0"].rule = "priority_fifo"
    fab.orders[1].priority = 20
    r = simulate(fab, replicas=8, horizon=200 * DAY, warmup=20 * DAY)
    for i, (p, o) in enumerate(zip(["a", "b"], fab.orders)):
        k = r.products[p]
        released = r.raw["pr_released"][:, i]
        out = r.raw["pr_out"][:, i]
        assert np.all(np.abs(released - out) < 40)  # a stable fab: the lots in process at the end are few
        assert within(k["lots_out_per_day"][0], DAY / o.interval, k["lots_out_per_day"][1], 2) or \
            abs(k["lots_out_per_day"][0] - DAY / o.interval) < 0.01 * DAY / o.interval
        little = k["lots_out_per_day"][0] / DAY * k["cycle_time_days"][0] * DAY
        assert k["wip"][0] == pytest.approx(little, rel=0.01)
        assert 0.0 <= k["on_time"][0] <= 1.0
        assert k["cycle_time_p50_days"][0] <= k["cycle_time_p90_days"][0] <= k["cycle_time_p95_days"][0]
    r0 = simulate(fab, replicas=3, horizon=30 * DAY)  # from time 0: every released lot is out or in the fab
    assert np.array_equal(r0.raw["pr_released"], r0.raw["pr_out"] + r0.raw["pr_wip"])
    # priority: the hot product waits less at S0, the station both visit ... its X-factor is lower
    assert r.products["b"]["x_factor"][0] < r.products["a"]["x_factor"][0]


def test_utilisation_equals_offered_load_over_available_tools():
    """Two-tool groups with exponential breakdowns (MTTF 2 days, MTTR 4 h), per-wafer cascaded and
    per-lot times, sampling and rework: per group, busy tools = offered load (computed from the
    route data by twin.fab.offered_load, checked by hand in tests/fab/test_load.py) and the
    measured availability = MTTF/(MTTF+MTTR). A failure waits for the running lot (< 1 h against
    a 2-day MTTF: a bias under 0.1% of the down share), inside 3 x the interval."""
    steps = [Step(1, "litho", Uniform(20.0, 40.0), per="wafer", cascade=15.0),
             Step(2, "etch", Uniform(1800.0, 2400.0)),
             Step(3, "metro", Deterministic(600.0), sample_p=0.3, rework_to=1, rework_p=0.2),
             Step(4, "litho", Uniform(20.0, 40.0), per="wafer")]
    fab = Fab("u", products={"p": Product("p", Route("r", steps))},
              groups={"litho": ToolGroup("litho", 2, load=60.0, unload=60.0), "etch": ToolGroup("etch", 2),
                      "metro": ToolGroup("metro", 1)},
              orders=[Order("o", "p", wafers=25, interval=1500.0, count=10 ** 6)],
              breakdowns=[Breakdown("b", Exponential(2 * DAY), Exponential(4 * 3600.0), groups=["litho", "etch"])])
    load = offered_load(fab.validate())
    r = simulate(fab, replicas=8, horizon=300 * DAY, warmup=20 * DAY)
    avail = 2 * DAY / (2 * DAY + 4 * 3600.0)
    for g in ("litho", "etch", "metro"):
        busy, ci = r.groups[g]["busy_tools"]
        assert within(busy, load[g], ci, 3), (g, busy, load[g], ci)
        util, ci_u = r.groups[g]["utilisation"]
        a, ci_a = r.groups[g]["availability"]
        expect_a = avail if g != "metro" else 1.0
        assert within(a, expect_a, ci_a, 3), (g, a, expect_a, ci_a)
        assert util / a == pytest.approx(load[g] / (fab.groups[g].tools * expect_a), rel=0.03)
    assert r.groups["etch"]["utilisation"][0] > 0.7  # the check is not vacuous: the group is busy


def test_same_seed_same_numbers_and_replicas_independent_of_count():
    fab, _, _ = re_entrant_fab()
    a = simulate(fab, replicas=3, horizon=30 * DAY, seed=7)
    b = simulate(fab, replicas=5, horizon=30 * DAY, seed=7)
    assert np.array_equal(a.raw["pr_ct"], b.raw["pr_ct"][:3])
    c = simulate(fab, replicas=3, horizon=30 * DAY, seed=8)
    assert not np.array_equal(a.raw["pr_ct"], c.raw["pr_ct"])


def test_overloaded_fab_is_an_error_not_a_number():
    fab, _, _ = re_entrant_fab(poisson=False, means=(8000.0, 1200.0, 900.0))  # S0 at rho = 8000/7200 > 1
    with pytest.raises(SimulationError, match="overloaded|outgrew"):
        simulate(fab, replicas=1, horizon=200 * DAY, lots=200)


def test_lot_larger_than_any_batch_is_refused():
    fab = Fab("bad", products={"p": Product("p", Route("r", [
        Step(1, "f", Deterministic(60.0), per="batch", batch_min=10, batch_max=20)]))},
        groups={"f": ToolGroup("f", 1)}, orders=[Order("o", "p", wafers=25, interval=600.0, count=10)])
    with pytest.raises(PlantError, match=r"step 1.*batch_max.*25 wafers"):
        simulate(fab, replicas=1, horizon=DAY)


def test_too_few_records_gives_no_percentiles_not_biased_ones():
    """Percentiles over only the first lots to finish would be biased: NaN and a warning instead."""
    fab, _, _ = re_entrant_fab()
    with pytest.warns(UserWarning, match="records=5"):
        r = simulate(fab, replicas=2, horizon=20 * DAY, records=5)
    assert math.isnan(r.products["a"]["cycle_time_p90_days"][0])
    assert math.isfinite(r.products["a"]["cycle_time_days"][0])
    full = simulate(fab, replicas=2, horizon=20 * DAY)
    assert math.isfinite(full.products["a"]["cycle_time_p90_days"][0])


def test_a_fab_whose_wip_grows_is_warned_about_a_stable_one_is_not():
    """S0 at rho = 7500/7200 (slightly overloaded, the lot pool large enough to hold the growth)
    gains about 0.04 x 12 = 0.5 lots a day: its per-day KPIs are not steady-state values, said in
    a warning. The stable fab of the conservation test, after its warm-up, gets none."""
    fab, _, _ = re_entrant_fab(poisson=False, means=(7500.0, 1200.0, 900.0))
    with pytest.warns(UserWarning, match="WIP grew by .* not in steady state"):
        simulate(fab, replicas=2, horizon=400 * DAY, warmup=20 * DAY, lots=2000)
    stable, _, _ = re_entrant_fab(poisson=False)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate(stable, replicas=4, horizon=200 * DAY, warmup=20 * DAY)


@pytest.mark.parametrize("one_per_batch, t_cycle, fill", [
    # no rule: P0 alone 0-100; T1, T2, P1 (arrived at 10, 10, 20) together 100-200
    (False, (190 + 190) / 2, (1 / 3 + 3 / 3) / 2),
    # test lots one per batch: T1 and P1 at 100-200 (T2 passed over, first in the pool), T2 200-300
    (True, (190 + 290) / 2, (1 / 3 + 2 / 3 + 1 / 3) / 3),
])
def test_one_per_batch_products_never_share_a_batch(one_per_batch, t_cycle, fill):
    """One furnace, 100 s a batch of up to 75 wafers (3 lots), starting with one lot. P0 arrives at
    0 and runs alone; two test lots T (10 s) and a lot P1 (20 s) wait for it. Hand schedule above;
    P's cycle times (100 and 180 s) are the same in both cases. Exact: sums of whole seconds."""
    r = Route("r", [Step(1, "f", Deterministic(100.0), per="batch", batch_min=25, batch_max=75)])
    fab = Fab("solo", products={"T": Product("T", r, one_per_batch=one_per_batch), "P": Product("P", r)},
              groups={"f": ToolGroup("f", 1, batch_criterion="same_step")},
              orders=[Order("p0", "P", wafers=25, interval=1e6, count=1, start=0.0),
                      Order("t", "T", wafers=25, interval=1e6, count=1, lots_per_release=2, start=10.0),
                      Order("p1", "P", wafers=25, interval=1e6, count=1, start=20.0)])
    res = simulate(fab, replicas=1, horizon=1000.0)
    assert res.products["T"]["lots_out_per_day"][0] * 1000.0 / DAY == pytest.approx(2.0, rel=1e-12)
    assert res.products["T"]["cycle_time_days"][0] * DAY == pytest.approx(t_cycle, rel=1e-12)
    assert res.products["P"]["cycle_time_days"][0] * DAY == pytest.approx((100 + 180) / 2, rel=1e-12)
    assert res.groups["f"]["batch_fill"][0] == pytest.approx(fill, rel=1e-12)
