"""Reading the SMT2020 datasets: counts against the README, the fab's stability from an offered
load computed independently from the raw files (tests/fab/smt2020_offered.py), and one clear
error per malformed line."""

import csv
import shutil

import numpy as np
import pytest

from fab.smt2020_data import dataset
from fab.smt2020_offered import offered_load as offered_from_files
from twin.errors import PlantError
from twin.fab import availability, load_smt2020, offered_load

def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("name, products, steps, groups, tools", [
    ("HVLM", 2, {"part_3": 583, "part_4": 343}, 105, 1043),
    ("LVHM", 10, None, 105, 913),
])
def test_counts_match_the_readme(name, products, steps, groups, tools):
    fab = load_smt2020(dataset(name))
    assert len(fab.products) == products
    if steps:
        assert {p: len(fab.products[p].route.steps) for p in steps} == steps
    n = [len(p.route.steps) for p in fab.products.values()]
    assert min(n) >= 242 and max(n) == 583
    if name == "LVHM":
        assert min(n) == 242
    assert sum(not g.delay for g in fab.groups.values()) == groups  # plus the Delay_32 pseudo-group
    assert fab.tools == tools
    assert len(fab.wip) == len(rows(dataset(name) / "WIP.txt"))


@pytest.mark.parametrize("name", ["HVLM", "LVHM"])
def test_offered_load_is_below_capacity_and_matches_the_library(name):
    """The fab is stable: at every tool group the offered load (computed from the raw files by
    tests/fab/smt2020_offered.py) is below tools x availability. The library's offered_load and
    availability agree with it to 1e-9 relative (same model, different code and algorithm: visits
    by propagating the rework flow pass by pass vs a linear solve)."""
    folder = dataset(name)
    ref = offered_from_files(folder)
    load = {g: d["offered"] for g, d in ref.items()}
    up = {g: d["availability"] for g, d in ref.items()}
    tools = {g: int(d["tools"]) for g, d in ref.items()}
    fab = load_smt2020(folder)
    lib_load, lib_up = offered_load(fab), availability(fab)
    for g in tools:
        assert lib_load[g] == pytest.approx(load[g], rel=1e-9, abs=1e-12), g
        assert lib_up[g] == pytest.approx(up[g], rel=1e-12), g
        if not fab.groups[g].delay:
            assert load[g] < tools[g] * up[g], f"{g}: offered {load[g]:.3f} >= {tools[g]} x {up[g]:.4f}"
    busiest = max(load[g] / (tools[g] * up[g]) for g in tools if not fab.groups[g].delay)
    assert 0.9 < busiest < 1.0  # SMT2020 runs its bottleneck near full load; a unit slip would break this


def broken_copy(tmp_path, file, line, column, value):
    src = dataset("HVLM")
    dst = tmp_path / "HVLM"
    shutil.copytree(src, dst)
    (dst / file).chmod(0o644)
    lines = (dst / file).read_text().splitlines()
    header = lines[0].split("\t")
    cells = lines[line - 1].split("\t")
    cells[header.index(column)] = value
    lines[line - 1] = "\t".join(cells)
    (dst / file).write_text("\n".join(lines) + "\n")
    return dst


@pytest.mark.parametrize("file, line, column, value, message", [
    ("route_3.txt", 10, "PTIME", "12,5", "must be a number"),
    ("route_3.txt", 5, "PTPER", "per_wafer", "unsupported value 'per_wafer'"),
    ("route_4.txt", 3, "STNFAM", "Nowhere_1", "tool group 'Nowhere_1'"),
    ("route_3.txt", 2, "BATCHMN", "200", "batch_min (200) must be between 1 and batch_max (150)"),
    ("tool.txt.1l", 4, "RULE", "rule_EDD", "unsupported value 'rule_EDD'"),
    ("tool.txt.1l", 4, "STNQTY", "2.5", "must be a whole number"),
    ("order.txt", 2, "DUE", "12/31/17 00:00:00", "before the release"),
    ("downcal.txt", 3, "MTTRUNITS", "weeks", "unknown time unit 'weeks'"),
    ("pmcal.txt", 4, "PMCALTYPE", "mtbpm_by_moon", "unsupported value"),
    ("tool.txt.1l", 3, "FWLRANK", "rank_HP;rank_SPT", "unsupported ranking 'rank_HP;rank_SPT'"),
    ("tool.txt.1l", 3, "WAKERESRANK", "wake_Random", "unsupported value 'wake_Random'"),
    ("route_3.txt", 13, "WHEN", "after", "unsupported value 'after'"),
])
def test_malformed_line_names_file_line_and_field(tmp_path, file, line, column, value, message):
    folder = broken_copy(tmp_path, file, line, column, value)
    with pytest.raises(PlantError) as e:
        load_smt2020(folder)
    text = str(e.value)
    assert file in text and message in text, text
    assert f"line {line}" in text and f"key '{column}'" in text, text


def test_setup_matrix_missing_a_pair_names_the_file_and_pair(tmp_path):
    """setup.txt line 3 is DE_BE_13_2 -> DE_BE_13_1; without it the pair has no time."""
    folder = broken_copy(tmp_path, "setup.txt", 3, "CURSETUP", "DE_BE_99_9")
    with pytest.raises(PlantError) as e:
        load_smt2020(folder)
    text = str(e.value)
    assert "setup.txt" in text and "tool group DE_BE_13" in text and "key 'DE_BE_13_2->DE_BE_13_1'" in text, text


def test_wip_due_before_its_start_is_refused(tmp_path):
    folder = broken_copy(tmp_path, "WIP.txt", 2, "DUE", "01/01/17 00:00:00")
    with pytest.raises(PlantError, match=r"WIP.txt.*line 2.*key 'DUE'.*before the release"):
        load_smt2020(folder)


def test_an_unknown_column_is_refused(tmp_path):
    folder = broken_copy(tmp_path, "fromto.txt", 1, "DUNITS", "DUNITS\tSPEED")
    with pytest.raises(PlantError, match=r"fromto.txt.*line 1.*header must be"):
        load_smt2020(folder)


def test_missing_folder_is_one_error(tmp_path):
    with pytest.raises(PlantError, match="not a folder of SMT2020 files"):
        load_smt2020(tmp_path / "nope")


def test_unmodelled_fields_are_listed_not_dropped():
    """Every column the simulator does not act on is named in fab.unmodelled with its reason;
    setups, minimum runs, PMs, critical queue times and the rankings are modelled, so not listed."""
    fab = load_smt2020(dataset("HVLM"))
    assert set(fab.unmodelled) == {"route:SVESTN", "tool.txt.1l:STNFAMSTEP_ACTLIST", "order.txt:ORDER", "IGNORE"}
    assert all(fab.unmodelled.values())
    g = fab.groups["Implant_128"]
    assert (g.rule, g.rank_setup, g.setup_group) == ("least_setup", True, "smt2020")
    assert fab.setups["smt2020"].min_run["SU128_1"] == 7 and fab.setups["smt2020"].to_any["SU128_1"] == 72 * 60
    assert (fab.groups["DE_BE_11"].rule, fab.groups["DE_BE_11"].rank_setup) == ("priority_fifo", True)
    lv = load_smt2020(dataset("LVHM"))
    assert lv.groups["DE_BE_11"].rule == "priority_cr" and lv.groups["Implant_128"].rule == "priority_cr"
    st = fab.products["part_3"].route.steps[29]
    assert (st.number, st.cqt_to, st.cqt, st.cqt_action) == (30, 31, 7200.0, "count")
    assert sum(p.basis == "wafers" for p in fab.pms) > 0 and sum(p.basis == "time" for p in fab.pms) > 0
    # ... and what is modelled is read: rework, sampling, cascading, batch sizes, hot lots
    steps = fab.products["part_3"].route.steps
    assert steps[66].rework_to == 65 and steps[66].rework_p == pytest.approx(0.017)
    assert steps[1].cascade == pytest.approx(0.639 * 60) and steps[1].per == "wafer"
    assert (steps[0].batch_min, steps[0].batch_max, steps[0].per) == (125, 150, "batch")
    assert steps[0].time.mean == pytest.approx(501.33 * 60)
    assert sorted(o.priority for o in fab.orders) == [10, 10, 20, 20, 30]


@pytest.mark.parametrize("name", ["HVLM", "LVHM"])
def test_smt2020_runs_and_conserves_lots(name):
    """20 days of each SMT2020 fab from empty, 2 replicas: every released lot is either out or
    still in the fab (exact counts); no group is busier or more available than possible; the
    busy tools of every group stay below its offered load (x batch_max/batch_min for batch groups,
    which start at the minimum) x 1.05 (a fab filling from empty is below steady load; x1.05 allows
    the noise of 20 days)."""
    from twin.fab import UnmodelledWarning, simulate
    fab = load_smt2020(dataset(name))
    with pytest.warns(UnmodelledWarning, match="STNFAMSTEP_ACTLIST"):
        r = simulate(fab, replicas=2, horizon=20 * 86400.0, initial_wip=False)
    assert np.array_equal(r.raw["pr_released"], r.raw["pr_out"] + r.raw["pr_wip"])
    assert r.raw["pr_released"].sum() > 0 and r.raw["pr_wip"].sum() > 100
    load = offered_load(fab)
    # batches start at batch_min: a batch group may need up to batch_max/batch_min x its full-batch load
    fill = {g: 1.0 for g in load}
    for p in fab.products.values():
        for s in p.route.steps:
            if s.per == "batch":
                fill[s.group] = max(fill[s.group], s.batch_max / s.batch_min)
    # setups, PMs and critical queue times act: implanters change gas, PM calendars take tools
    # down, every CQT window of the routes is checked; shares are shares
    assert r.groups["Implant_128"]["setup_share"][0] > 0 and r.groups["LithoTrack_FE_115"]["setup_share"][0] > 0
    assert sum(k["pm_share"][0] > 0 for k in r.groups.values()) > 20
    n_cqt = sum(s.cqt is not None for p in fab.products.values() for s in p.route.steps)
    assert len(r.cqt) == n_cqt > 0 and sum(w["checks_per_day"][0] for w in r.cqt.values()) > 0
    assert all(0.0 <= w["violation_share"][0] <= 1.0 for w in r.cqt.values() if w["checks_per_day"][0] > 0)
    for g, k in r.groups.items():
        assert 0.0 <= k["utilisation"][0] <= 1.0 + 1e-9 and 0.0 < k["availability"][0] <= 1.0, g
        assert k["utilisation"][0] + k["setup_share"][0] + k["pm_share"][0] + k["down_share"][0] <= 1.0 + 1e-9, g
        assert k["busy_tools"][0] <= 1.05 * fill[g] * load[g] + 1e-9, (g, k["busy_tools"][0], load[g])


def test_smt2020_from_its_initial_wip():
    """Starting from WIP.txt: every initial lot enters (counted apart from releases) and every lot
    is out or still in the fab after 10 days; lots come out from the first days (the WIP includes
    lots near the end of their routes), unlike a start from empty."""
    from twin.fab import simulate
    fab = load_smt2020(dataset("HVLM"))
    with pytest.warns(UserWarning):
        r = simulate(fab, replicas=1, horizon=10 * 86400.0)
        empty = simulate(fab, replicas=1, horizon=10 * 86400.0, initial_wip=False)
    assert r.raw["pr_initial"].sum() == len(fab.wip) == 2255
    assert np.array_equal(r.raw["pr_released"] + r.raw["pr_initial"], r.raw["pr_out"] + r.raw["pr_wip"])
    assert r.raw["pr_out"].sum() > 100 and empty.raw["pr_out"].sum() == 0


def test_pm_first_occurrences_staggered_over_a_group():
    """LVHM's Litho_FE_111 (20 tools) has calendars WK (FOA 6.7 d), MN (28.8 d), QT (87.4 d), one FOA
    each for the group: the simulator's PM slots put tool k's first PM at FOA x (k+1)/20 (tool 0 at
    0.335 / 1.44 / 4.37 days, tool 19 at the FOA), and Implant_128's wafer-counted WK (FOA 7438
    wafers, 11 tools) at 7438 x (k+1)/11 wafers; with stagger_pms=False every tool at the FOA."""
    from twin.fab.simulate import _compile
    day = 86400.0
    for stagger in (True, False):
        fab = load_smt2020(dataset("LVHM"), stagger_pms=stagger)
        compiled = _compile(fab)
        a, gnames = compiled[0], compiled[2]
        tg = np.asarray(a["tool_group"])
        ps_tool, ps_first = np.asarray(a["ps_tool"]), np.asarray(a["ps_first"])
        for group, foas in (("Litho_FE_111", [6.7 * day, 28.8 * day, 87.4 * day]), ("Implant_128", [7438.0, 32228.0, 96684.0])):
            tools = np.flatnonzero(tg == gnames.index(group))
            n = len(tools)
            for k, tool in enumerate(tools):
                got = sorted(ps_first[ps_tool == tool])
                want = sorted(f * (k + 1) / n if stagger else f for f in foas)
                assert got == pytest.approx(want, rel=1e-12), (group, k)
