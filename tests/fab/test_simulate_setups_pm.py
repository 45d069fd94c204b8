"""Setups, minimum runs, least-setup ranking, PM calendars, critical queue times and the critical
ratio / SPT rules of the fab kernel, each against a hand-computed schedule or a closed form.
Deterministic cases are exact (float64 sums of a few exact terms: 1e-12 relative); the stochastic
utilisation law uses 3 x the replicas' 95% interval."""

import pytest

from twin.distributions import Deterministic, Exponential
from twin.errors import PlantError
from twin.fab import Fab, Order, PMCalendar, Product, Route, SetupMatrix, Step, ToolGroup, WipLot, offered_load, simulate

DAY = 86400.0


def two_product_machine(rule="fifo", min_run=None, orders=None, wip=None):
    """Products A and B, one step each on machine m (1 tool), 1000 s per lot; A needs setup state
    a, B state b; setup a->b 300 s, b->a 600 s; no from-any time (a tool's first setup is free)."""
    products = {p: Product(p, Route(p, [Step(1, "m", Deterministic(1000.0), setup=p.lower())])) for p in "AB"}
    return Fab("setup", products=products, groups={"m": ToolGroup("m", 1, rule=rule, setup_group="mx")},
               setups={"mx": SetupMatrix("mx", times={("a", "b"): 300.0, ("b", "a"): 600.0}, min_run=min_run or {})},
               orders=orders or [], wip=wip or [])


def test_setup_matrix_two_products_alternating_cycle():
    """A released every 4000 s at 4000k, B at 4000k + 1. In steady state the tool ends each cycle
    in state b: A needs b->a (600) + 1000 -> out at 4000k + 1600 (cycle time 1600); B waits, then
    a->b (300) + 1000 -> out at 4000k + 2900 (cycle time 2899). Per cycle: 900 s of setup and 2000 s
    of processing, so over a window of exactly 100 cycles setup share = 90000/T, utilisation
    200000/T, 200 setups, exactly."""
    orders = [Order("oA", "A", wafers=25, interval=4000.0, start=0.0, count=10 ** 6),
              Order("oB", "B", wafers=25, interval=4000.0, start=1.0, count=10 ** 6)]
    warm, T = 40000.0, 399900.0  # cycles 10..109; the horizon stops short of cycle 110's first event
    for rule in ("fifo", "least_setup"):  # one lot waits at a time: the rules agree
        r = simulate(two_product_machine(rule, orders=orders), replicas=2, horizon=warm + T, warmup=warm)
        assert r.products["A"]["cycle_time_days"][0] * DAY == pytest.approx(1600.0, rel=1e-12)
        assert r.products["B"]["cycle_time_days"][0] * DAY == pytest.approx(2899.0, rel=1e-12)
        g = r.groups["m"]
        assert g["setup_share"][0] == pytest.approx(90000.0 / T, rel=1e-12)
        assert g["utilisation"][0] == pytest.approx(200000.0 / T, rel=1e-12)
        assert g["setups_per_day"][0] == pytest.approx(200 / T * DAY, rel=1e-12)


def six_lots(**kw):
    """Six lots waiting at time 0 in the order A B A B A B (the first A starts at once)."""
    wip = [WipLot(f"w{i}", "AB"[i % 2], step=1, wafers=25) for i in range(6)]
    return two_product_machine(wip=wip, **kw)


@pytest.mark.parametrize("rule, min_run, done_a, done_b, setup_time", [
    # FIFO: A[0,1000] B+300[..2300] A+600[..3900] B+300[..5200] A+600[..6800] B+300[..8100]
    ("fifo", None, (1000, 3900, 6800), (2300, 5200, 8100), 2100.0),
    # least setup first: the tool stays on a while A lots wait: A A A, then one a->b setup, B B B
    ("least_setup", None, (1000, 2000, 3000), (4300, 5300, 6300), 300.0),
    # FIFO with minimum runs of 2: A A, B(+300) B, A(+600), then no A waits: B(+300)
    ("fifo", {"a": 2, "b": 2}, (1000, 2000, 5900), (3300, 4300, 7200), 1200.0),
])
def test_rules_and_minimum_runs_against_a_hand_schedule(rule, min_run, done_a, done_b, setup_time):
    r = simulate(six_lots(rule=rule, min_run=min_run), replicas=1, horizon=20000.0)
    for p, done in (("A", done_a), ("B", done_b)):
        assert r.raw["pr_out"][0, "AB".index(p)] == 3
        assert r.products[p]["cycle_time_days"][0] * DAY == pytest.approx(sum(done) / 3, rel=1e-12), p
    assert r.groups["m"]["setup_share"][0] * 20000.0 == pytest.approx(setup_time, rel=1e-12)


def test_idle_tool_already_in_state_takes_the_lot():
    """Two idle tools, one left in state a and one in b: a B lot goes to the b tool, no setup."""
    wip = [WipLot("w0", "A", 1, 25), WipLot("w1", "B", 1, 25)]
    fab = two_product_machine(wip=wip, orders=[Order("oB", "B", wafers=25, start=5000.0, count=1)])
    fab.groups["m"].tools = 2
    r = simulate(fab, replicas=1, horizon=20000.0)
    assert r.groups["m"]["setup_share"][0] == 0.0
    assert r.raw["pr_out"][0].tolist() == [1, 2]


def test_setup_pair_missing_for_a_state_with_its_own_time():
    """A state reached by its step's own setup time must still reach the matrix-timed states."""
    fab = two_product_machine(orders=[Order("oA", "A", wafers=25, interval=4000.0, count=10)])
    fab.products["C"] = Product("C", Route("C", [Step(1, "m", Deterministic(10.0), setup="c", setup_time=60.0)]))
    with pytest.raises(PlantError, match=r"tool group m.*key 'c->a'.*no setup time from 'c' to 'a'"):
        simulate(fab, replicas=1, horizon=DAY)


def pm_fab(time_dist, poisson):
    return Fab("pm", products={"p": Product("p", Route("r", [Step(1, "m", time_dist)]))},
               groups={"m": ToolGroup("m", 2)},
               orders=[Order("o", "p", wafers=25, interval=1800.0, count=10 ** 7, poisson=poisson)],
               pms=[PMCalendar("daily", "time", every=DAY, duration=Deterministic(7200.0), groups=["m"], first=DAY / 2)])


@pytest.mark.parametrize("poisson", [False, True])
def test_time_based_pm_availability_and_utilisation_law(poisson):
    """PM every day (calendar grid from day 0.5), 2 h each, on both tools: over days 10-110 each
    tool is in PM exactly 100 x 2 h (a PM that waits for the running lot still lies inside the
    window), so availability = 1 - 2/24 exactly. Utilisation law: busy share = offered load /
    tools, i.e. busy / available time = offered load / (tools x availability): exact to the lots
    straddling the window ends (1e-3) for deterministic releases, within 3 x the 95% interval for
    Poisson releases and exponential times."""
    fab = pm_fab(Exponential(1200.0) if poisson else Deterministic(1200.0), poisson)
    r = simulate(fab, replicas=8 if poisson else 1, horizon=110 * DAY, warmup=10 * DAY)
    g = r.groups["m"]
    avail = 1 - 2 / 24
    assert g["pm_share"][0] == pytest.approx(2 / 24, rel=1e-12)
    assert g["availability"][0] == pytest.approx(avail, rel=1e-12)
    assert g["pms_per_day"][0] == pytest.approx(2.0, rel=1e-12)
    load = offered_load(fab)["m"]
    assert load == pytest.approx(1200 / 1800, rel=1e-12)
    util_avail = g["utilisation"][0] / g["availability"][0]
    if poisson:
        assert abs(util_avail - load / (2 * avail)) <= 3 * g["utilisation"][1] / avail
    else:
        assert util_avail == pytest.approx(load / (2 * avail), rel=1e-3)


def test_wafer_based_pm_hand_cycle():
    """One tool, a lot of 25 wafers every hour, 1200 s each; a PM of 3 h after every 1000 wafers
    (40 lots). The PM starts when the 40th lot ends (144000 j - 2400 s); the 3 lots arriving
    during it are caught up before the next hour: the pattern repeats every 144000 s. A window of
    10 periods holds exactly 10 PMs: PM share 10 x 10800 / T = 0.075."""
    fab = Fab("pmw", products={"p": Product("p", Route("r", [Step(1, "m", Deterministic(1200.0))]))},
              groups={"m": ToolGroup("m", 1)},
              orders=[Order("o", "p", wafers=25, interval=3600.0, count=10 ** 7)],
              pms=[PMCalendar("w", "wafers", every=1000, duration=Deterministic(10800.0), groups=["m"], first=1000)])
    warm = 2 * 144000.0 + 10000.0
    T = 10 * 144000.0
    r = simulate(fab, replicas=1, horizon=warm + T, warmup=warm)
    g = r.groups["m"]
    assert g["pm_share"][0] == pytest.approx(0.075, rel=1e-12)
    assert g["pms_per_day"][0] == pytest.approx(10 / T * DAY, rel=1e-12)
    assert g["utilisation"][0] == pytest.approx(1200 / 3600, rel=1e-3)


def cqt_fab(action):
    """Step 1 on a (1000 s), step 2 on b (3000 s, the bottleneck): at most 1500 s from the end of
    step 1 to the start of step 2. Four lots released at 0, 1000, 2000, 3000."""
    steps = [Step(1, "a", Deterministic(1000.0), cqt_to=2, cqt=1500.0, cqt_action=action),
             Step(2, "b", Deterministic(3000.0))]
    return Fab("cqt", products={"p": Product("p", Route("r", steps))},
               groups={"a": ToolGroup("a", 1), "b": ToolGroup("b", 1)},
               orders=[Order("o", "p", wafers=25, interval=1000.0, count=4)])


@pytest.mark.parametrize("action, checks, viol, out, scrapped, mean_ct", [
    # lots leave a at 1000, 2000, 3000, 4000, start b at 1000, 4000, 7000, 10000 (3 overruns) and
    # leave at 4000, 7000, 10000, 13000 (released at 0, 1000, 2000, 3000)
    ("count", 4, 3, 4, 0, (4000 + 6000 + 8000 + 10000) / 4),
    # lot 1 scrapped at 4000 (waited 2000), lot 2 starts at once (waited 1000); lot 3 waits 4000..7000
    ("scrap", 4, 2, 2, 2, (4000 + 5000) / 2),
    # lot 1 redoes a at 4000-5000; lot 3 (7000) and lot 1 (7000) overrun again, lot 3 passes at 8000,
    # lot 1 overruns at 11000 and passes at 12000: out at 4000, 7000, 11000, 15000
    ("rework", 8, 4, 4, 0, (4000 + 5000 + 8000 + 14000) / 4),
])
def test_critical_queue_time_hand_schedule(action, checks, viol, out, scrapped, mean_ct):
    r = simulate(cqt_fab(action), replicas=1, horizon=40000.0)
    w = r.cqt["p 1->2"]
    assert w["checks_per_day"][0] * 40000.0 / DAY == pytest.approx(checks, rel=1e-12)
    assert w["violations_per_day"][0] * 40000.0 / DAY == pytest.approx(viol, rel=1e-12)
    assert r.raw["pr_out"][0, 0] == out and r.raw["pr_scrap"][0, 0] == scrapped
    assert r.products["p"]["cycle_time_days"][0] * DAY == pytest.approx(mean_ct, rel=1e-12)


def test_overlapping_cqt_windows_are_refused():
    fab = cqt_fab("count")
    fab.products["p"].route.steps.append(Step(3, "a", Deterministic(10.0)))
    fab.products["p"].route.steps[0].cqt_to = 3
    fab.products["p"].route.steps[1].cqt_to, fab.products["p"].route.steps[1].cqt = 3, 100.0
    with pytest.raises(PlantError, match=r"step 2.*cqt_to.*overlapping"):
        simulate(fab, replicas=1, horizon=DAY)


def one_tool_rule_fab(rule, times, tails, dues):
    """Product i: step 1 on m (1 tool, times[i]), step 2 on z (4 tools, tails[i]); one lot of each
    waits at time 0 in product order, due at dues[i]."""
    products = {f"p{i}": Product(f"p{i}", Route(f"r{i}", [Step(1, "m", Deterministic(t)), Step(2, "z", Deterministic(z))]))
                for i, (t, z) in enumerate(zip(times, tails))}
    wip = [WipLot(f"w{i}", f"p{i}", 1, 25, due=d) for i, d in enumerate(dues)]
    return Fab("rules", products=products, groups={"m": ToolGroup("m", 1, rule=rule), "z": ToolGroup("z", 4)}, wip=wip)


def test_shortest_processing_time_rule():
    """p0 (500 s) starts at once; then SPT: p2 (100) [500,600], p3 (200) [600,800], p1 (300) [800,1100]."""
    r = simulate(one_tool_rule_fab("spt", (500, 300, 100, 200), (10, 10, 10, 10), (1e6,) * 4), replicas=1, horizon=DAY)
    ct = [r.products[f"p{i}"]["cycle_time_days"][0] * DAY for i in range(4)]
    assert ct == pytest.approx([510, 1110, 610, 810], rel=1e-12)


def test_critical_ratio_rule_differs_from_edd():
    """At time 0, critical ratio = due / remaining raw process time: p1 10000/1000 = 10,
    p2 3000/1000 = 3, p3 20000/5000 = 4 -> order p2, p3, p1 on m after p0 (EDD: p2, p1, p3).
    Step 1 takes 100 s; out at (start on m + 100) + tail."""
    args = ((100,) * 4, (900, 900, 900, 4900), (1e6, 10000.0, 3000.0, 20000.0))
    cr = simulate(one_tool_rule_fab("cr", *args), replicas=1, horizon=DAY)
    edd = simulate(one_tool_rule_fab("edd", *args), replicas=1, horizon=DAY)
    ct = lambda r: [r.products[f"p{i}"]["cycle_time_days"][0] * DAY for i in range(4)]  # noqa: E731
    assert ct(cr) == pytest.approx([1000, 400 + 900, 200 + 900, 300 + 4900], rel=1e-12)
    assert ct(edd) == pytest.approx([1000, 300 + 900, 200 + 900, 400 + 4900], rel=1e-12)


@pytest.mark.parametrize("stagger, pm_hours", [
    # staggered: tool k of 4 first at 24 h x (k+1)/4 = 6, 12, 18, 24 h, 2 h each; by 25 h the first
    # three PMs are over (2 h each) and the fourth has run 1 h: 7 h of the 4 x 25 tool-hours
    (True, 2 + 2 + 2 + 1),
    # all four tools at 24 h (the calendar's first occurrence): 1 h each by 25 h
    (False, 4 * 1),
])
def test_staggered_pm_calendar_first_occurrences(stagger, pm_hours):
    """A group of 4 idle tools, PM every day for 2 h, first occurrence 1 day (SMT2020's FOA). With
    ``stagger`` tool k's first PM falls at FOA x (k+1)/4 (6, 12, 18, 24 h), otherwise all at 24 h.
    Over [0, 25 h] each case begins 4 PMs; the PM tool time (hand-counted above) tells them apart.
    The one lot (60 s at time 0) is done long before the first PM. Exact: sums of whole hours."""
    fab = Fab("stag", products={"p": Product("p", Route("r", [Step(1, "m", Deterministic(60.0))]))},
              groups={"m": ToolGroup("m", 4)},
              orders=[Order("o", "p", wafers=25, interval=DAY, count=1)],
              pms=[PMCalendar("d", "time", every=DAY, duration=Deterministic(7200.0), groups=["m"],
                              first=DAY, stagger=stagger)])
    r = simulate(fab, replicas=1, horizon=25 * 3600.0)
    g = r.groups["m"]
    assert g["pm_share"][0] == pytest.approx(pm_hours / (4 * 25), rel=1e-12)
    assert g["pms_per_day"][0] == pytest.approx(4 / (25 / 24), rel=1e-12)


def test_staggered_first_occurrence_rule():
    """first_for: FOA x (k+1)/n per tool (Litho_FE_111_WK of LVHM: FOA 6.7 days, 20 tools), the
    FOA itself without stagger, and ``every`` when no FOA is given."""
    pm = PMCalendar("wk", "time", every=7 * DAY, duration=Deterministic(3600.0), first=6.7 * DAY, stagger=True)
    assert [pm.first_for(k, 20) for k in (0, 9, 19)] == pytest.approx([0.335 * DAY, 3.35 * DAY, 6.7 * DAY], rel=1e-15)
    pm.stagger = False
    assert pm.first_for(0, 20) == pm.first_for(19, 20) == 6.7 * DAY
    pm.first, pm.stagger = None, True
    assert pm.first_for(1, 2) == 7 * DAY and pm.first_for(0, 2) == 3.5 * DAY
