"""Tools that hold a second lot (SMT2020 STNCAP 2, ``ToolGroup.lots_per_tool``): the tool loads
and unloads one lot while it processes another, so load and unload lengthen the lot's time but
not the tool's. Checked against a deterministic closed form, and on the SMT2020 data: per tool
group, the tool time per lot twin measures against the one computed from the text files alone
(tests/fab/smt2020_offered.py; test_smt2020.py compares the offered loads themselves)."""

import warnings

import numpy as np
import pytest

from twin.distributions import Deterministic
from twin.fab import Fab, Order, Product, Route, Step, ToolGroup, offered_load, simulate

from fab.smt2020_data import dataset
from fab.smt2020_offered import offered_load as offered_from_files

DAY = 86400.0


def one_tool(lots_per_tool: int, per: str = "lot") -> Fab:
    """One tool, a lot every 650 s; processing 600 s (per lot, or a batch of one lot); load and
    unload 60 s each."""
    step = Step(1, "g", Deterministic(600.0), per=per, **({"batch_min": 25, "batch_max": 25} if per == "batch" else {}))
    return Fab("ports", products={"p": Product("p", Route("r", [step]))},
               groups={"g": ToolGroup("g", 1, load=60.0, unload=60.0, lots_per_tool=lots_per_tool,
                                      batch_criterion="same_step" if per == "batch" else None)},
               orders=[Order("o", "p", wafers=25, interval=650.0, start=1.0, count=10 ** 6)])


@pytest.mark.parametrize("per", ["lot", "batch"])
def test_second_load_port_closed_form(per):
    """D/D/1, arrivals every a = 650 s. With a second port the tool is held for the 600 s of
    processing only: it is free before the next lot, so no lot waits; each lot takes load +
    process + unload = 720 s; utilisation 600/650. With one port the tool is held 720 s > a:
    the queue grows by one lot every 720/(720-650) arrivals, so cycle times grow without bound
    and utilisation is 1 (every lot and batch alike)."""
    two = simulate(one_tool(2, per), replicas=2, horizon=10 * DAY, warmup=DAY)
    k = two.products["p"]
    assert k["cycle_time_days"][0] * DAY == pytest.approx(720.0, rel=1e-9)
    assert two.groups["g"]["utilisation"][0] == pytest.approx(600.0 / 650.0, rel=1e-3)  # window edges
    assert k["lots_out_per_day"][0] == pytest.approx(DAY / 650.0, rel=2e-3)
    with pytest.warns(UserWarning, match="WIP grew"):  # kpis.growth_warning: not a steady state
        one = simulate(one_tool(1, per), replicas=2, horizon=10 * DAY, warmup=DAY, lots=4096)
    assert one.groups["g"]["utilisation"][0] == pytest.approx(1.0, rel=1e-6)
    assert one.products["p"]["cycle_time_days"][0] * DAY > 10 * 720.0
    assert offered_load(one_tool(2, per))["g"] == pytest.approx(600.0 / 650.0, rel=1e-12)
    assert offered_load(one_tool(1, per))["g"] == pytest.approx(720.0 / 650.0, rel=1e-12)


def test_hvlm_tool_time_per_lot_matches_the_files():
    """HVLM from its initial WIP, 2 replicas x 50 days after 10 days: per lot tool group (batch
    groups' tool time per lot depends on how full their batches run; the delay group holds no
    tool), the mean tool time per lot twin measures (utilisation x tools x window / lots
    started) equals the files' (their lots' tool time / lot-steps per second,
    tests/fab/smt2020_offered.py) within 1.5%. The fab is not in steady state here (its initial
    WIP is lighter than its steady WIP), so this compares time per lot rather than utilisation
    with offered load; what remains is the mix of a group's steps over 50 days and the sampled
    times (largest difference seen: 0.5%; 0.9% over 30 days). Load and unload held on the tool at
    the 45 STNCAP-2 groups (the reading this replaced) adds 2.7% to 15% there: every one caught."""
    from twin.fab import UnmodelledWarning, load_smt2020
    fab = load_smt2020(dataset("HVLM"))
    ref = offered_from_files(dataset("HVLM"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmodelledWarning)
        r = simulate(fab, replicas=2, horizon=60 * DAY, warmup=10 * DAY)
    batch = {s.group for p in fab.products.values() for s in p.route.steps if s.per == "batch"}
    checked = two_ports = 0
    for g, d in ref.items():
        if d["delay"] or g in batch:
            continue
        k = r.groups[g]
        measured = k["utilisation"][0] * d["tools"] * DAY / k["lots_per_day"][0]
        expected = d["process"] / d["lots_per_s"]
        assert measured == pytest.approx(expected, rel=0.015), (g, measured, expected)
        checked += 1
        two_ports += fab.groups[g].lots_per_tool == 2
    assert checked == 95 and two_ports == 45
    released = sum(k["released_per_day"][0] for k in r.products.values())
    assert released == pytest.approx(57.2, abs=0.1) and np.all(r.raw["pr_out"] > 0)


def test_fab_file_reads_lots_per_tool(tmp_path):
    """A fab TOML group takes ``lots_per_tool``; below 1 is one error naming the file, the group
    and the key."""
    from twin.errors import SceneError
    from twin.fab import load_fab_file
    text = ('[fab]\nname = "t"\n[groups.g]\ntools = 1\nload = "1 min"\nunload = "1 min"\nlots_per_tool = {n}\n'
            '[routes.r]\nsteps = [{{ group = "g", time = "10 min" }}]\n[products.p]\nroute = "r"\n'
            '[[orders]]\nproduct = "p"\nwafers = 25\ninterval = "1 h"\ncount = 10\n')
    f = tmp_path / "t.toml"
    f.write_text(text.format(n=2))
    fab, _ = load_fab_file(f)
    assert fab.groups["g"].lots_per_tool == 2 and fab.groups["g"].handling() == 0.0
    f.write_text(text.format(n=0))
    with pytest.raises(SceneError, match=r"t\.toml.*tool group g.*lots_per_tool"):
        load_fab_file(f)
