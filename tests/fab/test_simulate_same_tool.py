"""Same-tool constraints (``Step.same_tool_as``, SMT2020's SVESTN/FORSTEP: litho alignment): a
lot runs the named later step on the tool it ran this step on. A hand-built fab whose event
sequence is worked out in the docstring, the refusals, and SMT2020 HVLM with the constraints on."""

import warnings

import pytest

from fab.smt2020_data import dataset
from twin.distributions import Deterministic
from twin.errors import PlantError, SceneError
from twin.fab import Fab, Order, Product, Route, Step, ToolGroup, load_fab_file, load_smt2020, simulate
from twin.fab.scene import FABS_DIR
from twin.fab.tools import RULES

DAY = 86400.0


def aligned_fab(rule="fifo", same=True):
    """Group L of two tools, X of one. Route: L 10 s (same tool as step 3), X 5 s, L 10 s, for A
    (released at 0) and B (at 1); N: L 100 s, released at 12."""
    route = Route("r", [Step(1, "L", Deterministic(10.0), same_tool_as=3 if same else None),
                        Step(2, "X", Deterministic(5.0)), Step(3, "L", Deterministic(10.0))])
    return Fab("aligned", products={"A": Product("A", route), "B": Product("B", route),
                                    "N": Product("N", Route("n", [Step(1, "L", Deterministic(100.0))]))},
               groups={"L": ToolGroup("L", 2, rule=rule), "X": ToolGroup("X", 1, rule=rule)},
               orders=[Order("a", "A", wafers=1, start=0.0, count=1), Order("b", "B", wafers=1, start=1.0, count=1),
                       Order("n", "N", wafers=1, start=12.0, count=1)])


@pytest.mark.parametrize("rule", RULES)
def test_a_lot_waits_for_the_tool_of_its_aligned_step(rule):
    """t=0: A on L0 (step 1, out 10); t=1: B on L1 (out 11). t=10: A on X (out 15); t=11: B
    waits for X; t=12: N takes L0 (first idle tool) until 112; t=15: A reaches step 3, which must
    run on L0: A waits although L1 is idle, and B takes X (out 20). t=20: B reaches step 3 and
    takes L1, its own tool (out 30). t=112: L0 frees and takes A (out 122). Cycle times: A 122 s
    (25 s without the constraint, on L1 at t=15), B 29 s, N 100 s. Every rule: no decision has
    two lots to choose from."""
    r = simulate(aligned_fab(rule), replicas=1, horizon=1000.0)
    ct = {p: r.products[p]["cycle_time_days"][0] * DAY for p in ("A", "B", "N")}
    assert ct == pytest.approx({"A": 122.0, "B": 29.0, "N": 100.0}, abs=1e-9)
    assert r.tools_used == {"A": [[[(1, "L", 0), (3, "L", 0)]]], "B": [[[(1, "L", 1), (3, "L", 1)]]]}
    free = simulate(aligned_fab(rule, same=False), replicas=1, horizon=1000.0)
    assert free.products["A"]["cycle_time_days"][0] * DAY == pytest.approx(25.0, abs=1e-9)


def test_same_tool_as_is_refused_where_it_cannot_hold():
    def fab(steps, distinct=False):
        return Fab("f", products={"P": Product("P", Route("r", steps), distinct_tools=distinct)},
                   groups={"L": ToolGroup("L", 2), "X": ToolGroup("X", 1)})
    d = Deterministic(1.0)
    with pytest.raises(PlantError, match=r"route r step 1.*same_tool_as.*names step 2, which runs on group X, not on "
                                         r"this step's group L"):
        fab([Step(1, "L", d, same_tool_as=2), Step(2, "X", d)]).validate()
    with pytest.raises(PlantError, match=r"route r step 2.*same_tool_as.*step 1 already names step 3"):
        fab([Step(1, "L", d, same_tool_as=3), Step(2, "L", d, same_tool_as=3), Step(3, "L", d)]).validate()
    with pytest.raises(PlantError, match=r"product P.*distinct_tools.*step 1 asks step 2 to run on its tool"):
        fab([Step(1, "L", d, same_tool_as=2), Step(2, "L", d)], distinct=True).validate()
    fab([Step(1, "L", d, same_tool_as=3), Step(2, "L", d, same_tool_as=4), Step(3, "L", d), Step(4, "L", d)]).validate()


def test_same_tool_as_in_a_fab_file(tmp_path):
    """The MiniFab with S2 and S5 on one implanter: refused while the test lots (same route) must
    take distinct tools, read once they need not."""
    text = (FABS_DIR / "minifab.toml").read_text()
    f = tmp_path / "st.toml"
    aligned = text.replace('{ name = "S2", group = "implant",', '{ name = "S2", same_tool_as = 5, group = "implant",')
    f.write_text(aligned)
    with pytest.raises(SceneError, match=r"st.toml.*product TW.*distinct_tools.*step S2 asks step 5 to run on its tool"):
        load_fab_file(f)
    text = text.replace("distinct_tools = true", "distinct_tools = false")
    f.write_text(text.replace('{ name = "S2", group = "implant",', '{ name = "S2", same_tool_as = 5, group = "implant",'))
    fab, _ = load_fab_file(f)
    assert fab.products["Pa"].route.steps[1].same_tool_as == 5
    f.write_text(text.replace('{ name = "S2", group = "implant",', '{ name = "S2", same_tool_as = 4, group = "implant",'))
    with pytest.raises(SceneError, match=r"st.toml.*step 2.*same_tool_as.*names step 4, which runs on group diffusion"):
        load_fab_file(f)


def test_smt2020_hvlm_lots_run_aligned_steps_on_one_tool():
    """HVLM with SVESTN/FORSTEP enforced (load_smt2020(same_tool=True)): 18 constraints (route_3:
    11, route_4: 7) on litho groups of several tools, none listed as unmodelled any more. Every
    finished lot that ran both steps of a pair ran them on the same tool (a lot of the initial WIP
    may have passed the first already: then the second is free). The default load has no
    constraint and lists SVESTN in fab.unmodelled."""
    fab = load_smt2020(dataset("HVLM"), same_tool=True)
    pairs = [(p, s.number, s.same_tool_as) for p, prod in fab.products.items() for s in prod.route.steps
             if s.same_tool_as]
    assert len(pairs) == 18 and "route:SVESTN" not in fab.unmodelled
    assert all(fab.groups[fab.products[p].route.steps[i - 1].group].tools >= 2 for p, i, _ in pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = simulate(fab, replicas=2, horizon=12 * DAY, warmup=1 * DAY, seed=2)
    checked = 0
    for p, i, j in pairs:
        for rep in r.tools_used[p]:
            for lot in rep:
                tool = {n: k for n, _, k in lot}
                if i in tool and j in tool:
                    assert tool[i] == tool[j], (p, i, j, lot)
                    checked += 1
    assert checked >= 100, checked
    plain = load_smt2020(dataset("HVLM"))
    assert "route:SVESTN" in plain.unmodelled
    assert not any(s.same_tool_as for prod in plain.products.values() for s in prod.route.steps)
