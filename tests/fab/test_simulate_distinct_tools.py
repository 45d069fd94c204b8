"""Distinct tools (Kempf's MiniFab test lots, "never through the same machine twice, except at a
unique machine that runs multiple steps"): a lot of a ``distinct_tools`` product never runs on a
tool it has run on, at groups of two tools or more. Hand-built fabs whose event sequence is
worked out in the docstrings, the refusal at load, and the bundled MiniFab's test lots."""

import pytest

from twin.distributions import Deterministic
from twin.errors import PlantError, SceneError
from twin.fab import Fab, Order, Product, Route, Step, ToolGroup, Transport, load_fab_file, simulate
from twin.fab.scene import FABS_DIR
from twin.fab.tools import RULES

DAY = 86400.0


def lot_fab(rule="fifo", distinct=True, setups=False):
    """Group A of two tools. TW (distinct tools): A 10 s, A 10 s, released at 0; N: A 100 s,
    released at 1 and 20. ``setups``: TW's steps need state "t", N's "n", each in 0 s (the
    timeline stays the same; the group then dispatches over one queue per state)."""
    su = dict(setup_time=0.0)
    t, n = (dict(setup="t", **su), dict(setup="n", **su)) if setups else ({}, {})
    return Fab("lots", products={
        "TW": Product("TW", Route("tw", [Step(1, "A", Deterministic(10.0), **t), Step(2, "A", Deterministic(10.0), **t)]),
                      distinct_tools=distinct),
        "N": Product("N", Route("n", [Step(1, "A", Deterministic(100.0), **n)]))},
        groups={"A": ToolGroup("A", 2, rule=rule)},
        orders=[Order("tw", "TW", wafers=1, start=0.0, count=1),
                Order("n", "N", wafers=1, start=1.0, interval=19.0, count=2)])


@pytest.mark.parametrize("setups", [False, True])
@pytest.mark.parametrize("rule", RULES)
def test_a_test_lot_waits_for_the_tool_it_has_not_used_and_others_pass_it(rule, setups):
    """t=0: TW takes A0 (the first idle tool) for step 1; t=1: N1 takes A1 (until 101). t=10:
    TW comes back for step 2 and A0 frees, but TW ran on A0: it waits. t=20: N2 arrives and takes
    A0 past the waiting TW (until 120). t=101: A1 frees and takes TW, out at 111. So TW's cycle
    time is 111 s (20 s without the rule, on A0 at t=10), its tools A0 then A1, and both N lots
    take exactly 100 s. Every rule gives this, with or without setup states: no decision has two
    lots to choose from."""
    r = simulate(lot_fab(rule, setups=setups), replicas=2, horizon=1000.0)
    assert r.products["TW"]["cycle_time_days"][0] * DAY == pytest.approx(111.0, abs=1e-9)
    assert r.products["N"]["cycle_time_days"][0] * DAY == pytest.approx(100.0, abs=1e-9)
    assert r.products["N"]["lots_out_per_day"][0] == pytest.approx(2 * DAY / 1000.0)
    assert r.tools_used == {"TW": [[[(1, "A", 0), (2, "A", 1)]]] * 2}


def test_without_distinct_tools_the_test_lot_reuses_the_free_tool():
    r = simulate(lot_fab(distinct=False), replicas=1, horizon=1000.0)
    assert r.products["TW"]["cycle_time_days"][0] * DAY == pytest.approx(20.0, abs=1e-9)
    assert r.tools_used == {}


def batch_fab(distinct=True):
    """Furnace group F of two tools, lots of 1 wafer. Route tw: F batch 100 s (2 to 2 wafers), F
    batch 100 s (1 to 2 wafers), for TW (distinct tools) and P, both released at 0. Route n: F
    batch 50 s (1 to 2 wafers), for N released at 1 and 52."""
    tw = Route("tw", [Step(1, "F", Deterministic(100.0), per="batch", batch_min=2, batch_max=2),
                      Step(2, "F", Deterministic(100.0), per="batch", batch_min=1, batch_max=2)])
    n = Route("n", [Step(1, "F", Deterministic(50.0), per="batch", batch_min=1, batch_max=2)])
    return Fab("batch", products={"TW": Product("TW", tw, distinct_tools=distinct), "P": Product("P", tw),
                                  "N": Product("N", n)},
               groups={"F": ToolGroup("F", 2, batch_criterion="same_step")},
               orders=[Order("tw", "TW", wafers=1, start=0.0, count=1), Order("p", "P", wafers=1, start=0.0, count=1),
                       Order("n", "N", wafers=1, start=1.0, interval=51.0, count=2)])


def test_batch_forming_passes_over_a_test_lot_on_its_old_tool():
    """t=0: TW then P reach step 1's pool (2 wafers: ready) and F0 takes both (until 100); t=1:
    N1 takes F1 (until 51); t=52: N2 takes F1 (until 102). t=100: TW and P reach step 2's pool
    and F0 frees: for F0 only P counts (TW ran on F0), 1 wafer >= batch_min: F0 takes P alone,
    out at 200, TW staying in the pool. t=102: F1 takes TW, out at 202. Without the rule F0 takes
    both at t=100: both out at 200."""
    r = simulate(batch_fab(), replicas=1, horizon=1000.0)
    assert r.products["TW"]["cycle_time_days"][0] * DAY == pytest.approx(202.0, abs=1e-9)
    assert r.products["P"]["cycle_time_days"][0] * DAY == pytest.approx(200.0, abs=1e-9)
    assert r.products["N"]["cycle_time_days"][0] * DAY == pytest.approx(50.0, abs=1e-9)
    assert r.tools_used == {"TW": [[[(1, "F", 0), (2, "F", 1)]]]}
    assert r.groups["F"]["batch_fill"][0] == pytest.approx((1.0 + 0.5 + 0.5 + 0.5 + 0.5) / 5)
    plain = simulate(batch_fab(distinct=False), replicas=1, horizon=1000.0)
    assert plain.products["TW"]["cycle_time_days"][0] * DAY == pytest.approx(200.0, abs=1e-9)


def test_a_route_visiting_a_group_more_often_than_it_has_tools_is_refused():
    steps = [Step(i, g, Deterministic(10.0), name=f"S{i}") for i, g in enumerate(["D", "I", "D", "L", "D", "L"], 1)]
    fab = Fab("f", products={"TW": Product("TW", Route("r", steps), distinct_tools=True)},
              groups={"D": ToolGroup("D", 2), "I": ToolGroup("I", 2), "L": ToolGroup("L", 1)})
    with pytest.raises(PlantError) as e:
        fab.validate()
    assert str(e.value) == ("element 'product TW', key 'distinct_tools': step S5 on group D has 2 tools, but the "
                            "route visits it 3 times with distinct_tools")
    fab.groups["D"].tools = 3            # a third furnace: fine; the single L tool is exempt
    fab.validate()
    steps[3].rework_p, steps[3].rework_to = 0.1, 2   # S4 back to S2 reruns S2 (group I) and S3 (D)
    with pytest.raises(PlantError, match=r"product TW.*distinct_tools.*step S4 reworks back to step 2.*S2 on group I"):
        fab.validate()
    steps[3].rework_to = 4               # a rework on the single tool L only: fine
    fab.validate()


def test_a_fab_file_refuses_it_in_one_line(tmp_path):
    text = (FABS_DIR / "minifab.toml").read_text()
    f = tmp_path / "mf.toml"
    f.write_text(text.replace("tools = 2", "tools = 1"))
    load_fab_file(f)                     # one furnace and one implanter: each a unique machine, exempt
    f.write_text(text.replace('{ name = "S6"', '{ name = "S5b", group = "implant", time = "50 min" },\n  { name = "S6"'))
    with pytest.raises(SceneError, match=r"mf.toml.*product TW.*distinct_tools.*step S5b on group implant has 2 "
                                         r"tools, but the route visits it 3 times"):
        load_fab_file(f)
    f.write_text(text.replace("distinct_tools = true", 'distinct_tools = "yes"'))
    with pytest.raises(SceneError, match=r"mf.toml.*product TW.*distinct_tools"):
        load_fab_file(f)


def test_minifab_test_lots_never_run_on_a_machine_twice():
    """Every TW lot finished in the window ran S1 and S4 on the two different furnaces and S2
    and S5 on the two different implanters (per-machine visit counts <= 1, and exactly one on
    each: 2 visits over 2 tools); the stepper (one tool) is exempt and not recorded."""
    fab, _ = load_fab_file("minifab")
    assert fab.products["TW"].distinct_tools and not fab.products["Pa"].distinct_tools
    r = simulate(fab, replicas=4, horizon=40 * DAY, warmup=5 * DAY, seed=1)
    lots = [lot for rep in r.tools_used["TW"] for lot in rep]
    assert len(lots) >= 4 * 4             # 3 a week over 35 days, per replica
    for lot in lots:
        assert [(n, g) for n, g, _ in lot] == [(1, "diffusion"), (2, "implant"), (4, "diffusion"), (5, "implant")]
        for g in ("diffusion", "implant"):
            assert sorted(k for _, gg, k in lot if gg == g) == [0, 1], lot
    assert set(r.tools_used) == {"TW"}


@pytest.mark.parametrize("batch", [False, True])
def test_with_both_tools_idle_the_test_lot_takes_the_one_it_has_not_used(batch):
    """TW alone, two steps on a group of two tools, 5 s of transport between steps: it runs step
    1 on tool 0 (out at 10) and reaches step 2 at 15 with both tools idle; the first idle tool,
    0, may not take it, so tool 1 does (out at 25). A dispatcher that ignored the rule would put
    it on tool 0 at the same time (the tools are identical): only the record tells them apart."""
    kw = dict(per="batch", batch_min=1, batch_max=1) if batch else {}
    fab = Fab("idle", products={"TW": Product("TW", Route("tw", [Step(1, "A", Deterministic(10.0), **kw),
                                                                 Step(2, "A", Deterministic(10.0), **kw)]),
                                              distinct_tools=True)},
              groups={"A": ToolGroup("A", 2, batch_criterion="same_step" if batch else None)},
              orders=[Order("tw", "TW", wafers=1, count=1)],
              transport=[Transport("bay", "bay", Deterministic(5.0))])
    r = simulate(fab, replicas=1, horizon=100.0)
    assert r.products["TW"]["cycle_time_days"][0] * DAY == pytest.approx(25.0, abs=1e-9)
    assert r.tools_used == {"TW": [[[(1, "A", 0), (2, "A", 1)]]]}
