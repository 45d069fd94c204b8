"""The study table reads at a glance: natural units in labels, a services column, and a flag on
a preventive policy that never triggered (issue 16 item 7)."""

import numpy as np
import pytest

import twin
from twin.maintenance import Policy, compare, sweep
from twin.maintenance.study import natural_duration
from twin.scenes import scene_path


@pytest.mark.parametrize("seconds, text", [(172800, "48 h"), (3600, "1 h"), (5400, "90 min"), (600, "10 min"),
                                           (45, "45 s"), (0.5, "0.5 s"), (9000, "2.5 h")])
def test_durations_in_the_unit_a_person_types(seconds, text):
    assert natural_duration(seconds) == text


def test_labels_services_and_a_policy_that_never_triggered():
    plant = twin.load_scene(scene_path("press_shop")).plant
    study = compare(plant, [Policy.run_to_failure(), Policy.time_based(40 * 3600), Policy.time_based(2000 * 3600)],
                    replicas=4, horizon=3 * 86400.0, warmup=0.0, seed=4)
    assert [s.label for s in study.scenarios] == ["run_to_failure", "time_based(40 h)", "time_based(2000 h)"]
    table = study.table()
    head = table.splitlines()[1]
    assert "services" in head
    rows = {s.label: line for s in study.scenarios for line in table.splitlines() if line.strip().startswith(s.label)}
    # 2000 h cannot come due within 3 days: no service anywhere, flagged; 40 h services, not flagged
    assert study.scenarios[2].kpis["services"]["mean"] == 0 and "time_based(2000 h) !" in rows["time_based(2000 h)"]
    assert study.scenarios[1].kpis["services"]["mean"] > 0 and " !" not in rows["time_based(40 h)"]
    assert " !" not in rows["run_to_failure"]
    assert "never triggered within the horizon" in table


def test_sweep_labels_are_in_hours():
    plant = twin.load_scene(scene_path("press_shop")).plant
    study = sweep(plant, "time_based", [48 * 3600, 96 * 3600], replicas=2, horizon=86400.0, warmup=0.0)
    assert [s.label for s in study.scenarios] == ["run_to_failure", "time_based(48 h)", "time_based(96 h)"]


def _study(best, other):
    from twin.maintenance.study import MaintenanceStudy, Scenario
    def kpis(values):
        other_kpis = ("throughput_per_hour", "availability", "failures", "services", "maintenance_hours", "cost")
        return {**{k: {"mean": 0.0, "ci95": None} for k in other_kpis},
                "cost_per_good_unit": {"mean": float(np.mean(values)), "ci95": None}}
    scen = [Scenario("a", {"*": {"kind": "time_based"}}, kpis(best), per_replica={"cost_per_good_unit": best}),
            Scenario("b", {"*": {"kind": "time_based"}}, kpis(other), per_replica={"cost_per_good_unit": other})]
    return MaintenanceStudy("p", {"replicas": len(best), "horizon_s": 3600.0, "warmup_s": 0.0}, scen)


def test_paired_difference_against_the_best_by_hand():
    """d = other - best per replica: mean 0.3, sd 0.1 (hand-computed), t(0.975, 3) = 3.182446305."""
    best, other = [1.0, 2.0, 3.0, 4.0], [1.2, 2.3, 3.4, 4.3]
    study = _study(best, other)
    d = study.versus_best(study.scenarios[1])
    sd = float(np.std(np.subtract(other, best), ddof=1))
    assert d["mean"] == pytest.approx(0.3, abs=1e-12)
    assert d["ci95"] == pytest.approx(3.182446305 * sd / 2.0, rel=1e-8)
    assert "tied with the best" not in study.table()
    assert study.to_dict()["scenarios"][1]["versus_best"]["mean"] == pytest.approx(0.3, abs=1e-12)


def test_a_tie_is_visible():
    study = _study([1.0, 2.0, 3.0, 4.0], [1.1, 1.9, 3.2, 3.9])  # differences +0.1 -0.1 +0.2 -0.1
    assert "tied with the best (the paired interval contains 0): b" in study.table()


def test_saved_scenarios_keep_their_per_replica_values(tmp_path):
    plant = twin.load_scene(scene_path("press_shop")).plant
    kw = dict(replicas=4, horizon=86400.0, warmup=0.0, out_dir=tmp_path / "s")
    first = compare(plant, [Policy.run_to_failure(), Policy.time_based(10 * 3600)], **kw)
    again = compare(plant, [Policy.run_to_failure(), Policy.time_based(10 * 3600)], **kw)
    for a, b in zip(first.scenarios, again.scenarios):
        for k in a.per_replica:
            np.testing.assert_array_equal(np.array(a.per_replica[k], float), np.array(b.per_replica[k], float))
    assert again.versus_best(again.scenarios[1]) == first.versus_best(first.scenarios[1])
