"""Fab KPIs (twin/fab/kpis.py) against independent computations: distribution quantiles of a
pure delay (DKW bound), the route's raw process time computed by hand (X-factor), due dates
against the per-lot records (on-time), a deterministic schedule worked out by hand (WIP by step
and tool group), the identity sum of WIP by step = WIP of the product, breakdown shares against
MTTR/(MTTF+MTTR), and the JSON contract."""

import json
import math

import numpy as np
import pytest

from twin.distributions import Deterministic, Exponential, Uniform
from twin.fab import Breakdown, Fab, Order, Product, Route, Step, ToolGroup, Transport, simulate

DAY = 86400.0


def delay_fab(time):
    return Fab("delay", products={"p": Product("p", Route("r", [Step(1, "wait", time)]))},
               groups={"wait": ToolGroup("wait", 1, delay=True)},
               orders=[Order("o", "p", wafers=25, interval=600.0, count=10 ** 7)])


@pytest.mark.parametrize("time, quantile", [
    (Uniform(3600.0, 7200.0), lambda q: 3600.0 + q * 3600.0),
    (Exponential(5000.0), lambda q: -5000.0 * math.log(1.0 - q)),
])
def test_cycle_time_quantiles_of_a_pure_delay_are_the_distribution_quantiles(time, quantile):
    """A lot of a pure delay step takes exactly its sampled time, so the cycle-time distribution
    is the step's: the pooled p50/p90/p95 must lie between F^-1(q - e) and F^-1(q + e), with
    e from the Dvoretzky-Kiefer-Wolfowitz bound sup|F_n - F| <= e with probability 1 - 1e-4
    (n ~ 2 x 8,600 lots; a lot finishes inside the window independently of its own time, so the
    pooled lots are an unbiased sample). The mean cycle time within 3 x its 95% interval."""
    r = simulate(delay_fab(time), replicas=2, horizon=61 * DAY, warmup=DAY)
    n = len(r.raw["rec_ct"][0]) and int(sum(r.raw["pr_out"][:, 0]))
    e = math.sqrt(math.log(2 / 1e-4) / (2 * n))
    k = r.products["p"]
    for q, key in ((0.5, "cycle_time_p50_days"), (0.9, "cycle_time_p90_days"), (0.95, "cycle_time_p95_days")):
        got = k[key][0] * DAY
        assert quantile(q - e) <= got <= quantile(q + e), (key, got, quantile(q))
        assert math.isnan(k[key][1])  # pooled over lots: no interval claimed
    m, ci = k["cycle_time_days"]
    assert abs(m * DAY - time.mean) <= 3 * ci * DAY, (m * DAY, time.mean, ci * DAY)


def x_factor_fab():
    steps = [Step(1, "litho", Uniform(20.0, 40.0), per="wafer", cascade=15.0),
             Step(2, "furnace", Deterministic(3600.0), per="batch", batch_min=25, batch_max=75),
             Step(3, "metro", Deterministic(600.0), sample_p=0.5),
             Step(4, "litho", Exponential(900.0))]
    return Fab("xf", products={"p": Product("p", Route("r", steps))},
               groups={"litho": ToolGroup("litho", 2), "furnace": ToolGroup("furnace", 1, batch_criterion="same_step"),
                       "metro": ToolGroup("metro", 1)},
               orders=[Order("o", "p", wafers=25, interval=4000.0, count=10 ** 6, due_after=1.5 * 3600.0)])


def test_x_factor_is_cycle_time_over_the_route_raw_process_time():
    """Raw process time of a 25-wafer lot, by hand from the route: 30 + 24 x 15 (cascaded wafers)
    + 3600 (a batch) + 0.5 x 600 (sampled) + 900 = 5190 s. Per replica the X-factor is the mean
    cycle time over it (a ratio of the same sums: equal to float rounding)."""
    rpt = 30.0 + 24 * 15.0 + 3600.0 + 0.5 * 600.0 + 900.0
    r = simulate(x_factor_fab(), replicas=3, horizon=40 * DAY, warmup=5 * DAY)
    out, ct, xf = r.raw["pr_out"][:, 0], r.raw["pr_ct"][:, 0], r.raw["pr_xf"][:, 0]
    np.testing.assert_allclose(xf / out, ct / out / rpt, rtol=1e-12)
    k = r.products["p"]
    assert k["x_factor"][0] == pytest.approx(np.mean(ct / out / rpt), rel=1e-12)
    assert k["x_factor"][0] > 0.99  # at least the raw process time on average


def test_on_time_is_the_share_of_lots_finished_by_their_due_date():
    """Every lot is due 1.5 h after its release (raw process time 1.44 h): per replica the on-time share equals the
    share of its recorded cycle times <= 1.5 h (records and outputs are the same lots)."""
    r = simulate(x_factor_fab(), replicas=3, horizon=40 * DAY, warmup=5 * DAY)
    shares = []
    for rep in range(3):
        n = int(r.raw["pr_out"][rep, 0])
        ct = r.raw["rec_ct"][rep, :n]
        assert np.all(r.raw["rec_p"][rep, :n] == 0)
        shares.append(np.mean(ct <= 1.5 * 3600.0))
    assert r.products["p"]["on_time"][0] == pytest.approx(np.mean(shares), rel=1e-12)
    assert 0.05 < np.mean(shares) < 0.95, shares  # the due date cuts the distribution: not vacuous


def test_wip_by_step_and_group_of_a_deterministic_schedule():
    """Lots every hour; step 1 on m1 for 1000 s, step 2 a 5000 s delay, step 3 on m1 again for
    500 s: lot k uses m1 in [k h, k h + 1000] and [k h + 6000, k h + 6500], which never meet another
    lot's, so nothing queues and each step holds (its time / 3600 s) lots on average, exactly
    (the window is whole hours). By tool group: m1 1500/3600, the delay 5000/3600."""
    steps = [Step(1, "m1", Deterministic(1000.0)), Step(2, "oven", Deterministic(5000.0)),
             Step(3, "m1", Deterministic(500.0))]
    fab = Fab("det", products={"p": Product("p", Route("r", steps))},
              groups={"m1": ToolGroup("m1", 1), "oven": ToolGroup("oven", 1, delay=True)},
              orders=[Order("o", "p", wafers=25, interval=3600.0, count=10 ** 6)])
    r = simulate(fab, replicas=2, horizon=11 * DAY, warmup=DAY)
    by_step = [m for m, _ in r.wip_by_step["p"]]
    np.testing.assert_allclose(by_step, [1000 / 3600, 5000 / 3600, 500 / 3600], rtol=1e-12)
    assert r.wip_by_group["p"]["m1"][0] == pytest.approx(1500 / 3600, rel=1e-12)
    assert r.wip_by_group["p"]["oven"][0] == pytest.approx(5000 / 3600, rel=1e-12)
    assert r.products["p"]["wip"][0] == pytest.approx(6500 / 3600, rel=1e-12)
    assert r.groups["m1"]["queue"][0] == 0.0
    assert r.groups["m1"]["utilisation"][0] == pytest.approx(1500 / 3600, rel=1e-12)


def test_wip_by_step_sums_to_the_product_wip_with_rework_sampling_and_transport():
    """Whatever path a lot takes (skipped steps, rework loops, transport between steps, a batch),
    it is at exactly one step while in the fab: per replica the step integrals add up to the
    product's WIP integral (float rounding only)."""
    fab = x_factor_fab()
    fab.products["p"].route.steps[2].rework_to, fab.products["p"].route.steps[2].rework_p = 1, 0.2
    fab.transport = [Transport("fab", "fab", Uniform(300.0, 600.0))]
    r = simulate(fab, replicas=3, horizon=30 * DAY, warmup=3 * DAY)
    np.testing.assert_allclose(r.raw["sw_area"].sum(axis=1), r.raw["pr_wip_area"][:, 0], rtol=1e-9)
    assert sum(m for m, _ in r.wip_by_step["p"]) == pytest.approx(r.products["p"]["wip"][0], rel=1e-9)
    assert set(r.wip_by_group["p"]) == {"litho", "furnace", "metro"}


def test_down_share_and_availability():
    """Exponential failures (MTTF 1 day, calendar time) and repairs (MTTR 3 h) of every tool:
    the down share is MTTR/(MTTF+MTTR) = 1/9 within 3 x the 95% interval (a failure waits for the
    running lot, < 20 min against a 1-day MTTF); availability is 1 - that share, exactly."""
    fab = x_factor_fab()
    fab.breakdowns = [Breakdown("b", Exponential(DAY), Exponential(3 * 3600.0), groups=["litho", "metro"])]
    r = simulate(fab, replicas=8, horizon=200 * DAY, warmup=5 * DAY)
    for g in ("litho", "metro"):
        share, ci = r.groups[g]["down_share"]
        assert abs(share - 1 / 9) <= 3 * ci, (g, share, ci)
        assert r.groups[g]["availability"][0] == pytest.approx(1 - share, rel=1e-12)
    assert r.groups["furnace"]["down_share"][0] == 0.0


def test_json_contract_and_summary():
    r = simulate(x_factor_fab(), replicas=2, horizon=10 * DAY, warmup=DAY)
    d = json.loads(json.dumps(r.to_dict()))   # NaN -> null, so it is valid JSON
    p = d["products"]["p"]
    for kpi in ("lots_out_per_day", "released_per_day", "cycle_time_days", "cycle_time_p50_days",
                "cycle_time_p90_days", "cycle_time_p95_days", "x_factor", "on_time", "wip"):
        assert set(p[kpi]) == {"mean", "ci95"}, kpi
    assert p["cycle_time_p90_days"]["ci95"] is None
    assert [s["step"] for s in p["wip_by_step"]] == [1, 2, 3, 4]
    assert [s["group"] for s in p["wip_by_step"]] == ["litho", "furnace", "metro", "litho"]
    assert set(p["wip_by_group"]) == {"litho", "furnace", "metro"}
    for kpi in ("utilisation", "availability", "down_share", "busy_tools", "queue", "lots_per_day", "batch_fill"):
        assert set(d["groups"]["furnace"][kpi]) == {"mean", "ci95"}, kpi
    assert d["groups"]["litho"]["batch_fill"]["mean"] is None   # not a batch group
    text = r.summary()
    assert "p95" in text and "on time" in text and "batch fill" in text


def test_fab_plot_draws_the_kpis(tmp_path):
    """The utilisation bars are the groups' utilisation means; the cycle-time marks are the
    products' means; a PNG is written from the results, their dict and a JSON file alike."""
    pytest.importorskip("matplotlib")
    from twin.fab.plots import fab_plot
    fab = x_factor_fab()
    fab.breakdowns = [Breakdown("b", Exponential(DAY), Exponential(3 * 3600.0), groups=["litho"])]
    r = simulate(fab, replicas=2, horizon=10 * DAY, warmup=DAY)
    fig = fab_plot(r, tmp_path / "fab.png")
    assert (tmp_path / "fab.png").stat().st_size > 10_000
    ax_ct, ax_g = fig.axes[:2]
    busy = [b for b in ax_g.patches if b.get_facecolor()[:3] == pytest.approx((0x3b / 255, 0x6f / 255, 0xd1 / 255))]
    assert [b.get_height() for b in busy] == pytest.approx([r.groups[g]["utilisation"][0] for g in r.groups])
    down = [b for b in ax_g.patches if b.get_facecolor()[:3] == pytest.approx((0xd1 / 255, 0x49 / 255, 0x5b / 255))]
    assert [b.get_height() for b in down] == pytest.approx([r.groups[g]["down_share"][0] for g in r.groups])
    path = tmp_path / "fab.json"
    path.write_text(json.dumps(r.to_dict()))
    fab_plot(path, tmp_path / "fab2.svg")
    assert (tmp_path / "fab2.svg").stat().st_size > 5_000


def test_setup_and_pm_shares_of_a_hand_worked_schedule():
    """One tool; products A and B released alternately every hour (A a minute after even hours), 10 min of
    processing, each needing its own setup state (5 min from any other): every lot changes the
    state, so 24 setups a day and a setup share of 24 x 300 s / 1 day = 1/12; the tool is busy
    24 x 600 s a day = 1/6. A PM every day at noon for 2 h (no lot is running then: lots run
    in minutes 1-16 of each hour) gives a PM share of 1/12 and an availability of 11/12,
    exactly over whole days."""
    from twin.fab import PMCalendar
    routes = {p: Route(p, [Step(1, "m", Deterministic(600.0), setup=p, setup_time=300.0)]) for p in "AB"}
    fab = Fab("su", products={p: Product(p, routes[p]) for p in "AB"}, groups={"m": ToolGroup("m", 1)},
              orders=[Order("a", "A", wafers=25, start=60.0, interval=7200.0, count=10 ** 6),
                      Order("b", "B", wafers=25, start=3660.0, interval=7200.0, count=10 ** 6)],
              pms=[PMCalendar("pm", "time", DAY, Deterministic(7200.0), groups=["m"], first=0.5 * DAY + 1800.0)])
    r = simulate(fab, replicas=2, horizon=11 * DAY, warmup=DAY)
    g = r.groups["m"]
    assert g["setup_share"][0] == pytest.approx(1 / 12, rel=1e-12)
    assert g["setups_per_day"][0] == pytest.approx(24.0, rel=1e-12)
    assert g["utilisation"][0] == pytest.approx(1 / 6, rel=1e-12)
    assert g["pm_share"][0] == pytest.approx(1 / 12, rel=1e-12)
    assert g["availability"][0] == pytest.approx(11 / 12, rel=1e-12)
    assert g["down_share"][0] == 0.0
